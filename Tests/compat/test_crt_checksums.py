"""CRC-32C and CRC-64/NVME from a real client: boto3 with awscrt (botocore computes those two only through the CRT),
run by crt_checksums_client.py in its own interpreter so the rest of the suite keeps botocore without the CRT.
`make compat-deps` installs awscrt into .build/pydeps-crt (or PACHS3_CRT_PYTHONPATH names another directory)."""
import os
import pathlib
import subprocess

import boto3
from botocore.config import Config

from conftest import printed_ok, run_own_interpreter, unique_repo
from test_tls import certificate, tls_port, tls_ports  # noqa: F401 (fixtures)

HERE = pathlib.Path(__file__).resolve().parent
CRT_PATH = os.environ.get("PACHS3_CRT_PYTHONPATH", str(HERE.parent.parent / ".build" / "pydeps-crt"))


def run_client(endpoint: str, bucket: str, *token: str, ca: str | None = None) -> subprocess.CompletedProcess:
    assert (pathlib.Path(CRT_PATH) / "awscrt").is_dir(), f"awscrt is not installed in {CRT_PATH}: run make compat-deps"
    return run_own_interpreter("crt_checksums_client.py", CRT_PATH, endpoint, bucket, *token, env={"AWS_CA_BUNDLE": ca} if ca else None)


def test_crt_checksums_auth_off(plain_s3, endpoint):
    bucket = f"master.{unique_repo('crt')}"
    plain_s3.create_bucket(Bucket=bucket)
    p = run_client(endpoint, bucket)
    assert printed_ok(p), p.stdout[-2000:] + p.stderr[-4000:]
    # Over plain HTTP botocore sends the checksums as headers.
    assert "sent x-amz-checksum-crc32c as header" in p.stdout and "sent x-amz-checksum-crc64nvme as header" in p.stdout, p.stdout


def secure_bucket(secure) -> str:
    """A fresh bucket on the auth-on gateway, made with the root token."""
    gw, token, _ = secure
    bucket = f"master.{unique_repo('crt')}"
    boto3.client("s3", endpoint_url=gw.endpoint, region_name="us-east-1", aws_access_key_id=token, aws_secret_access_key=token,
                 config=Config(s3={"addressing_style": "path"})).create_bucket(Bucket=bucket)
    return bucket


def test_crt_checksums_auth_on(secure):
    gw, token, _ = secure
    p = run_client(gw.endpoint, secure_bucket(secure), token)
    assert printed_ok(p), p.stdout[-2000:] + p.stderr[-4000:]


def test_crt_client_fails_on_a_wrong_token(secure):
    # Requests the CRT client signs with an unknown token are refused, whatever their checksums.
    gw, _, _ = secure
    p = run_client(gw.endpoint, secure_bucket(secure), "not-a-token")
    assert not printed_ok(p)
    assert "InvalidAccessKeyId" in p.stderr or "AccessDenied" in p.stderr, p.stderr[-4000:]


def test_crt_checksums_as_trailers_over_tls(certificate, tls_port):
    # Over HTTPS botocore streams bodies aws-chunked, with the checksum in a trailer.
    cert, _ = certificate
    endpoint = f"https://127.0.0.1:{tls_port}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", verify=str(cert), aws_access_key_id="k",
                 aws_secret_access_key="k").create_bucket(Bucket="master.crt")
    p = run_client(endpoint, "master.crt", ca=str(cert))
    assert printed_ok(p), p.stdout[-2000:] + p.stderr[-4000:]
    assert "sent x-amz-checksum-crc32c as trailer" in p.stdout and "sent x-amz-checksum-crc64nvme as trailer" in p.stdout, p.stdout
