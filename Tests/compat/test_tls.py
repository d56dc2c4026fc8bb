"""TLS: `pachs3 serve --tls-cert --tls-key` with a self-signed certificate serves HTTPS (boto3, curl) and gRPC over
TLS (the Pachyderm SDK, the pachs3 CLI with grpcs:// and --tls-ca, `pachs3 s3gateway` in front of it); what does
not trust the certificate, or speaks plaintext, is refused; a missing key file fails fast with a clear message."""
import json
import os
import re
import signal
import subprocess
import threading

import boto3
import pytest
from pachyderm_sdk import Client
from pachyderm_sdk.api import pfs

from conftest import _binary

READY = re.compile(r"listening on https://127\.0\.0\.1:(\d+) ")
GRPC_READY = re.compile(r"gRPC API listening on grpcs://127\.0\.0\.1:(\d+)")


@pytest.fixture
def certificate(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


@pytest.fixture
def tls_ports(tmp_path, certificate):
    """The S3 and gRPC ports of a `pachs3 serve` with TLS on (auth off)."""
    cert, key = certificate
    proc = subprocess.Popen([_binary(), "serve", "--data-dir", str(tmp_path / "data"), "--address", "127.0.0.1", "--port", "0",
                             "--grpc-port", "0", "--tls-cert", str(cert), "--tls-key", str(key)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        s3_port = grpc_port = None
        for line in proc.stdout:
            if m := READY.search(line):
                s3_port = int(m.group(1))
            if m := GRPC_READY.search(line):
                grpc_port = int(m.group(1))
            if s3_port and grpc_port:
                break
        assert s3_port and grpc_port, "pachs3 serve did not start with TLS"
        yield s3_port, grpc_port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def tls_port(tls_ports):
    return tls_ports[0]


def cli(*args, env=None, timeout=60):
    return subprocess.run([_binary(), *args], capture_output=True, text=True, timeout=timeout, env=env)


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
    r = subprocess.run([_binary(), "s3gateway", "--address", "127.0.0.1:1", "--port", "0", "--tls-key", str(cert)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "go together" in r.stderr, r.stderr


def test_grpc_over_tls(tmp_path, certificate, tls_ports):
    cert, key = certificate
    _, grpc_port = tls_ports
    # The real Pachyderm SDK, trusting the certificate.
    sdk = Client(host="127.0.0.1", port=grpc_port, tls=True, root_certs=cert.read_bytes())
    sdk.pfs.create_repo(repo=pfs.Repo.from_uri("secure"))
    with sdk.pfs.commit(branch=pfs.Branch.from_uri("secure@master")) as c:
        c.put_file_from_bytes("/a.txt", b"over grpcs")
    assert b"".join(m.value for m in sdk.pfs.get_file(file=pfs.File.from_uri("secure@master:/a.txt"))) == b"over grpcs"

    # The CLI: grpcs:// with --tls-ca, or $PACHS3_TLS_CA.
    address = f"grpcs://127.0.0.1:{grpc_port}"
    r = cli("get", "file", "--address", address, "--tls-ca", str(cert), "secure@master:/a.txt")
    assert r.returncode == 0 and r.stdout == "over grpcs", r.stderr
    env = dict(os.environ, PACHS3_TLS_CA=str(cert), PACHS3_ADDRESS=address, PACHS3_CONFIG=str(tmp_path / "none.json"))
    assert "secure" in cli("list", "repo", env=env).stdout
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"address": address, "tls_ca": str(cert)}))
    r = cli("list", "repo", env=dict(os.environ, PACHS3_CONFIG=str(config)))
    assert r.returncode == 0 and "secure" in r.stdout, r.stderr

    # Refused: a client that does not trust the certificate (the system's roots, another certificate), and plaintext.
    other_cert, other_key = tmp_path / "other.pem", tmp_path / "other-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=elsewhere",
                    "-addext", "subjectAltName=DNS:elsewhere", "-keyout", str(other_key), "-out", str(other_cert)],
                   check=True, capture_output=True)
    for args in (["--address", address], ["--address", address, "--tls-ca", str(other_cert)], ["--address", f"127.0.0.1:{grpc_port}"]):
        r = cli("list", "repo", *args, env=dict(os.environ, PACHS3_CONFIG=str(tmp_path / "none.json")))
        assert r.returncode != 0 and "cannot reach the pachs3 server" in r.stderr, (args, r.stderr)
    r = cli("list", "repo", "--address", address, "--tls-ca", str(key))
    assert r.returncode != 0 and "holds no PEM certificate" in r.stderr, r.stderr

    # `pachs3 s3gateway` in front of the TLS server, itself serving HTTPS.
    proc = subprocess.Popen([_binary(), "s3gateway", "--address", address, "--tls-ca", str(cert), "--listen", "127.0.0.1", "--port", "0",
                             "--tls-cert", str(cert), "--tls-key", str(key)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        port = []
        found = threading.Event()

        def drain():
            for line in proc.stdout:
                if (m := READY.search(line)) and not found.is_set():
                    port.append(int(m.group(1)))
                    found.set()
            found.set()
        threading.Thread(target=drain, daemon=True).start()
        assert found.wait(30) and port, "pachs3 s3gateway did not start with TLS"
        s3 = boto3.client("s3", endpoint_url=f"https://127.0.0.1:{port[0]}", region_name="us-east-1", verify=str(cert),
                          aws_access_key_id="k", aws_secret_access_key="k")
        assert s3.get_object(Bucket="master.secure", Key="a.txt")["Body"].read() == b"over grpcs"
        s3.put_object(Bucket="master.secure", Key="b.txt", Body=b"through the remote gateway")
        assert b"".join(m.value for m in sdk.pfs.get_file(file=pfs.File.from_uri("secure@master:/b.txt"))) == b"through the remote gateway"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


def test_login_over_tls_keeps_the_certificates_with_the_address(tmp_path, certificate, tls_ports):
    cert, _ = certificate
    address = f"grpcs://127.0.0.1:{tls_ports[1]}"
    config = tmp_path / "config.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PACHS3_") or k == "PACHS3_BIN"}
    env["PACHS3_CONFIG"] = str(config)
    activate = cli("auth", "activate", "--address", address, "--tls-ca", str(cert), env=env)
    assert activate.returncode == 0, activate.stderr
    login = subprocess.run([_binary(), "auth", "login", "--address", address, "--tls-ca", str(cert)], input=activate.stdout,
                           capture_output=True, text=True, timeout=60, env=env)
    assert login.returncode == 0, login.stderr
    assert json.loads(config.read_text())["tls_ca"] == str(cert)
    whoami = cli("auth", "whoami", env=env)
    assert whoami.returncode == 0 and "pach:root" in whoami.stdout, whoami.stderr
