"""CRC-32C and CRC-64/NVME from a real client: boto3 with awscrt (botocore computes those two only through the CRT),
run by crt_checksums_client.py in its own interpreter so the rest of the suite keeps botocore without the CRT.
`make compat-deps` installs awscrt into .build/pydeps-crt (or PACHS3_CRT_PYTHONPATH names another directory)."""
import os
import pathlib
import subprocess
import sys

import boto3
from botocore.config import Config

from conftest import _binary, unique_repo
from test_tls import READY, certificate  # noqa: F401 (a fixture)

HERE = pathlib.Path(__file__).resolve().parent
CRT_PATH = os.environ.get("PACHS3_CRT_PYTHONPATH", str(HERE.parent.parent / ".build" / "pydeps-crt"))


def run_client(endpoint: str, bucket: str, *token: str, ca: str | None = None) -> subprocess.CompletedProcess:
    assert (pathlib.Path(CRT_PATH) / "awscrt").is_dir(), f"awscrt is not installed in {CRT_PATH}: run make compat-deps"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([CRT_PATH, str(HERE)])}
    if ca:
        env["AWS_CA_BUNDLE"] = ca
    return subprocess.run([sys.executable, str(HERE / "crt_checksums_client.py"), endpoint, bucket, *token],
                          capture_output=True, text=True, env=env, timeout=300)


def passes(p: subprocess.CompletedProcess) -> bool:
    return p.returncode == 0 and p.stdout.strip().endswith("ok")


def test_crt_checksums_auth_off(plain_s3, endpoint):
    bucket = f"master.{unique_repo('crt')}"
    plain_s3.create_bucket(Bucket=bucket)
    p = run_client(endpoint, bucket)
    assert passes(p), p.stdout[-2000:] + p.stderr[-4000:]
    # Over plain HTTP botocore sends the checksums as headers.
    assert "sent x-amz-checksum-crc32c as header" in p.stdout and "sent x-amz-checksum-crc64nvme as header" in p.stdout, p.stdout


def test_crt_checksums_auth_on(secure):
    gw, token, _ = secure
    setup = boto3.client("s3", endpoint_url=gw.endpoint, region_name="us-east-1", aws_access_key_id=token,
                         aws_secret_access_key=token, config=Config(s3={"addressing_style": "path"}))
    bucket = f"master.{unique_repo('crt')}"
    setup.create_bucket(Bucket=bucket)
    p = run_client(gw.endpoint, bucket, token)
    assert passes(p), p.stdout[-2000:] + p.stderr[-4000:]


def test_crt_client_fails_on_a_wrong_token(secure):
    # The client's checks are real: the same script against a gateway that refuses it must fail.
    gw, token, _ = secure
    setup = boto3.client("s3", endpoint_url=gw.endpoint, region_name="us-east-1", aws_access_key_id=token,
                         aws_secret_access_key=token, config=Config(s3={"addressing_style": "path"}))
    bucket = f"master.{unique_repo('crt')}"
    setup.create_bucket(Bucket=bucket)
    p = run_client(gw.endpoint, bucket, "not-a-token")
    assert not passes(p)
    assert "InvalidAccessKeyId" in p.stderr or "AccessDenied" in p.stderr, p.stderr[-4000:]


def test_crt_checksums_as_trailers_over_tls(tmp_path, certificate):
    # Over HTTPS botocore streams bodies aws-chunked, with the checksum in a trailer.
    cert, key = certificate
    proc = subprocess.Popen([_binary(), "serve", "--data-dir", str(tmp_path / "data"), "--address", "127.0.0.1", "--port", "0",
                             "--grpc-port", "0", "--tls-cert", str(cert), "--tls-key", str(key)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        port = None
        for line in proc.stdout:
            m = READY.search(line)
            if m:
                port = int(m.group(1))
                break
        assert port, "pachs3 serve did not start with TLS"
        endpoint = f"https://127.0.0.1:{port}"
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", verify=str(cert), aws_access_key_id="k",
                     aws_secret_access_key="k").create_bucket(Bucket="master.crt")
        p = run_client(endpoint, "master.crt", ca=str(cert))
        assert passes(p), p.stdout[-2000:] + p.stderr[-4000:]
        assert "sent x-amz-checksum-crc32c as trailer" in p.stdout and "sent x-amz-checksum-crc64nvme as trailer" in p.stdout, p.stdout
    finally:
        proc.terminate()
        proc.wait(timeout=10)
