"""curl fetching presigned URLs (SigV4 and SigV2) from an auth-on gateway; a tampered URL is refused."""
import base64
import email.utils
import hashlib
import hmac
import os
import subprocess
import urllib.parse

import boto3
import pytest
from botocore.config import Config

from conftest import unique_repo




def curl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["curl", "-sS", "--max-time", "20", *args], capture_output=True, timeout=30)



@pytest.mark.parametrize("signature", ["s3v4", "s3"])
def test_curl_presigned_get(secure, signature):
    gw, token, _ = secure
    # Setup with SigV4; only the presigning below uses `signature` (botocore's SigV2 bucket-level
    # requests are refused: see test_curl_sigv2_bucket_request_with_trailing_slash_resource).
    setup = boto3.client("s3", endpoint_url=gw.endpoint, region_name="us-east-1", aws_access_key_id=token,
                         aws_secret_access_key=token, config=Config(s3={"addressing_style": "path"}))
    s3 = boto3.client("s3", endpoint_url=gw.endpoint, region_name="us-east-1", aws_access_key_id=token,
                      aws_secret_access_key=token,
                      config=Config(s3={"addressing_style": "path"}, signature_version=signature))
    bucket = f"master.{unique_repo('curl')}"
    setup.create_bucket(Bucket=bucket)
    payload = os.urandom(50_000)
    for key in ("dir/obj.bin", "dir/objX.bin"):  # the tampered URL points at an existing key
        setup.put_object(Bucket=bucket, Key=key, Body=payload if key == "dir/obj.bin" else b"other")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "dir/obj.bin"}, ExpiresIn=300)

    ok = curl("-f", url)
    assert ok.returncode == 0, (url, ok.stderr, gw.log_tail(10))
    assert ok.stdout == payload

    parts = urllib.parse.urlsplit(url)
    bad_url = urllib.parse.urlunsplit(parts._replace(path=parts.path.replace("obj.bin", "objX.bin")))
    bad = curl("-o", "/dev/null", "-w", "%{http_code}", bad_url)
    assert bad.stdout == b"403", (bad_url, bad.stdout, bad.stderr)
    assert curl("-f", "-o", "/dev/null", bad_url).returncode == 22  # -f: HTTP error => exit 22

    # A tampered signature is refused as well; unsigned access too.
    query = dict(urllib.parse.parse_qsl(parts.query))
    sig_param = "X-Amz-Signature" if signature == "s3v4" else "Signature"
    sig = query[sig_param]
    query[sig_param] = ("0" if sig[0] != "0" else "1") + sig[1:]
    forged = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
    r = curl("-o", "/dev/null", "-w", "%{http_code}", forged)
    assert r.stdout == b"403", (forged, r.stdout)
    r = curl("-o", "/dev/null", "-w", "%{http_code}", f"{gw.endpoint}{parts.path}")
    assert r.stdout == b"403", r.stdout


def sigv2_get(gw, token: str, path: str, resource: str) -> subprocess.CompletedProcess:
    """curl GET `path`, SigV2 header auth over `resource` as the CanonicalizedResource."""
    date = email.utils.formatdate(usegmt=True)
    sts = f"GET\n\n\n{date}\n{resource}"
    sig = base64.b64encode(hmac.new(token.encode(), sts.encode(), hashlib.sha1).digest()).decode()
    return curl("-o", "/dev/null", "-w", "%{http_code}", "-H", f"Date: {date}", "-H", f"Authorization: AWS {token}:{sig}",
                f"{gw.endpoint}{path}")


def test_curl_sigv2_bucket_request_with_trailing_slash_resource(secure):
    """GET /BUCKET signed over the CanonicalizedResource `/BUCKET/`, as botocore's SigV2 signer
    (`signature_version="s3"`) signs every bucket-level request (CreateBucket, ListObjects, ...) and
    as AWS's own SigV2 examples write it (`/johnsmith/`); S3 accepts `/BUCKET` and `/BUCKET/` alike."""
    gw, token, _ = secure
    setup = boto3.client("s3", endpoint_url=gw.endpoint, region_name="us-east-1", aws_access_key_id=token,
                         aws_secret_access_key=token, config=Config(s3={"addressing_style": "path"}))
    bucket = f"master.{unique_repo('curlv2')}"
    setup.create_bucket(Bucket=bucket)
    assert sigv2_get(gw, token, f"/{bucket}", f"/{bucket}").stdout == b"200"     # resource = path as sent
    assert sigv2_get(gw, token, f"/{bucket}/", f"/{bucket}/").stdout == b"200"
    got = sigv2_get(gw, token, f"/{bucket}", f"/{bucket}/")                      # botocore's form
    assert got.stdout == b"200", f"GET /{bucket} signed over '/{bucket}/' -> {got.stdout!r}\n{gw.log_tail(3)}"
    v2 = boto3.client("s3", endpoint_url=gw.endpoint, region_name="us-east-1", aws_access_key_id=token,
                      aws_secret_access_key=token,
                      config=Config(s3={"addressing_style": "path"}, signature_version="s3", retries={"max_attempts": 1}))
    v2.create_bucket(Bucket=f"master.{unique_repo('curlv2')}")
    assert v2.list_objects(Bucket=bucket)["Name"] == bucket
