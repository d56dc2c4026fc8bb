"""HTTPS: `pachs3 serve --tls-cert --tls-key` with a self-signed certificate, through boto3 and curl;
a missing key file fails fast with a clear message."""
import re
import subprocess

import boto3
import pytest

from conftest import _binary

READY = re.compile(r"listening on https://127\.0\.0\.1:(\d+) ")


@pytest.fixture
def certificate(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


@pytest.fixture
def tls_port(tmp_path, certificate):
    """The port of a `pachs3 serve` with TLS on (auth off)."""
    cert, key = certificate
    proc = subprocess.Popen([_binary(), "serve", "--data-dir", str(tmp_path / "data"), "--address", "127.0.0.1", "--port", "0",
                             "--grpc-port", "0", "--tls-cert", str(cert), "--tls-key", str(key)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        port = None
        for line in proc.stdout:
            m = READY.search(line)
            if m:
                port = int(m.group(1))
                break
        assert port, "pachs3 serve did not start with TLS"
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_https(certificate, tls_port):
    cert, _ = certificate
    s3 = boto3.client("s3", endpoint_url=f"https://127.0.0.1:{tls_port}", region_name="us-east-1", verify=str(cert),
                      aws_access_key_id="k", aws_secret_access_key="k")
    s3.create_bucket(Bucket="master.tls")
    s3.put_object(Bucket="master.tls", Key="k", Body=b"over tls")
    assert s3.get_object(Bucket="master.tls", Key="k")["Body"].read() == b"over tls"
    out = subprocess.run(["curl", "-sf", "--cacert", str(cert), f"https://127.0.0.1:{tls_port}/master.tls/k"], capture_output=True)
    assert out.stdout == b"over tls"
    plain = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", f"http://127.0.0.1:{tls_port}/master.tls/k"],
                           capture_output=True, text=True)
    assert plain.stdout != "200"  # plain HTTP is not served on the TLS port


def test_missing_key_fails_fast(tmp_path, certificate):
    cert, _ = certificate
    r = subprocess.run([_binary(), "serve", "--data-dir", str(tmp_path / "data"), "--port", "0", "--tls-cert", str(cert),
                        "--tls-key", str(tmp_path / "nope.pem")], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "TLS" in r.stderr
    r = subprocess.run([_binary(), "serve", "--data-dir", str(tmp_path / "data"), "--port", "0", "--tls-cert", str(cert)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "go together" in r.stderr
