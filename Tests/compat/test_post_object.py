"""POST Object: uploads from an HTML form, with the policy and signature boto3's generate_presigned_post makes (SigV2
and SigV4), posted by requests and curl, auth off and on. A form outside its policy, unsigned or wrongly signed
commits nothing."""
import hashlib
import os
import subprocess
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
import requests
from botocore.config import Config

from conftest import assert_raw_error, make_client, unique_repo


def signer(endpoint: str, key: str = "any", v4: bool = True):
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key, aws_secret_access_key=key,
                        config=Config(signature_version="s3v4" if v4 else "s3", s3={"addressing_style": "path"}))


def post(form: dict, file: bytes, name: str = "data.csv", content_type: str | None = None, extra: dict | None = None):
    part = (name, file, content_type) if content_type else (name, file)
    return requests.post(form["url"], data={**form["fields"], **(extra or {})}, files={"file": part}, timeout=60)


@pytest.mark.parametrize("v4", [True, False], ids=["sigv4", "sigv2"])
def test_presigned_post_uploads_one_commit(gateway, endpoint, bucket, v4):
    s3 = make_client(endpoint)
    form = signer(endpoint, v4=v4).generate_presigned_post(
        bucket, "uploads/${filename}", Conditions=[["starts-with", "$key", "uploads/"], ["content-length-range", 1, 1 << 20]])
    data = b"a,b\n1,2\n"
    r = post(form, data, content_type="text/csv")
    assert r.status_code == 204, r.text
    head = s3.head_object(Bucket=bucket, Key="uploads/data.csv")
    assert head["ContentType"] == "text/csv" and head["ETag"] == r.headers["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    assert r.headers["x-amz-version-id"] == head["VersionId"] == gateway.history(bucket)[0]
    assert r.headers["Location"].endswith(f"/{bucket}/uploads/data.csv")


def test_fields_statuses_and_redirects(endpoint, bucket):
    s3 = make_client(endpoint)
    sign = signer(endpoint)
    form = sign.generate_presigned_post(
        bucket, "meta.txt", Fields={"Content-Type": "text/plain", "x-amz-meta-team": "data", "success_action_status": "201"},
        Conditions=[{"Content-Type": "text/plain"}, {"x-amz-meta-team": "data"}, {"success_action_status": "201"}])
    r = post(form, b"hello")
    assert r.status_code == 201 and "<Key>meta.txt</Key>" in r.text and f"<Bucket>{bucket}</Bucket>" in r.text, r.text
    head = s3.head_object(Bucket=bucket, Key="meta.txt")
    assert head["ContentType"] == "text/plain" and head["Metadata"] == {"team": "data"}
    form = sign.generate_presigned_post(bucket, "redirected", Fields={"success_action_redirect": "https://example.com/done?x=1"},
                                        Conditions=[{"success_action_redirect": "https://example.com/done?x=1"}])
    r = requests.post(form["url"], data=form["fields"], files={"file": ("f", b"r")}, allow_redirects=False, timeout=60)
    assert r.status_code == 303, r.text
    target = urlparse(r.headers["Location"])
    assert target.netloc == "example.com" and parse_qs(target.query) == {"x": ["1"], "bucket": [bucket], "key": ["redirected"],
                                                                         "etag": [f'"{hashlib.md5(b"r").hexdigest()}"']}


def test_a_large_file_streams_in(endpoint, bucket):
    body = os.urandom(24 << 20)
    form = signer(endpoint).generate_presigned_post(bucket, "big.bin")
    assert post(form, body).status_code == 204
    got = make_client(endpoint).get_object(Bucket=bucket, Key="big.bin")["Body"].read()
    assert hashlib.sha256(got).digest() == hashlib.sha256(body).digest()


def test_curl_posts_a_form(endpoint, bucket, tmp_path):
    form = signer(endpoint).generate_presigned_post(bucket, "curl/${filename}")
    src = tmp_path / "notes.txt"
    src.write_bytes(b"from curl\n")
    args = ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}"]
    for k, v in form["fields"].items():
        args += ["-F", f"{k}={v}"]
    out = subprocess.run(args + ["-F", f"file=@{src}", form["url"]], capture_output=True, text=True, timeout=60)
    assert out.stdout == "204", out
    assert make_client(endpoint).get_object(Bucket=bucket, Key="curl/notes.txt")["Body"].read() == b"from curl\n"


def test_forms_outside_their_policy_commit_nothing(gateway, endpoint, bucket):
    s3 = make_client(endpoint)
    s3.put_object(Bucket=bucket, Key="seed", Body=b"s")
    history = gateway.history(bucket)
    sign = signer(endpoint)
    form = sign.generate_presigned_post(bucket, "in/${filename}", Conditions=[["starts-with", "$key", "in/"], ["content-length-range", 2, 1000]])
    cases = [
        (post(form, b"xx", extra={"key": "out/x"}), "AccessDenied", 403),
        (post(form, b"xx", extra={"x-amz-meta-unsigned": "1"}), "AccessDenied", 403),
        (post(form, b"x"), "EntityTooSmall", 400),
        (post(form, b"x" * 1001), "EntityTooLarge", 400),
        (post(sign.generate_presigned_post(bucket, "late", ExpiresIn=-60), b"xx"), "AccessDenied", 403),
        (requests.post(form["url"], data=form["fields"], files={"x-ignore-not-file": ("f", b"xx")}, timeout=60), "InvalidArgument", 400),
        (requests.post(form["url"], data=b"key=k", headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=60),
         "PreconditionFailed", 412),
        (requests.post(form["url"], data=b"--x\r\nnot a form", headers={"Content-Type": "multipart/form-data; boundary=x"}, timeout=60),
         None, 400),
        (post(sign.generate_presigned_post(bucket, "sse", Fields={"x-amz-server-side-encryption": "AES256"},
                                           Conditions=[{"x-amz-server-side-encryption": "AES256"}]), b"xx"), "NotImplemented", 501),
        (post(sign.generate_presigned_post(bucket, "public", Fields={"acl": "public-read"}, Conditions=[{"acl": "public-read"}]), b"xx"),
         "AccessControlListNotSupported", 400),
        (post(sign.generate_presigned_post(bucket, "cold", Fields={"x-amz-storage-class": "GLACIER"},
                                           Conditions=[{"x-amz-storage-class": "GLACIER"}]), b"xx"), "InvalidStorageClass", 400),
        (post(sign.generate_presigned_post(f"{history[0]}.{bucket}", "pinned"), b"xx"), "MethodNotAllowed", 405),
    ]
    for r, code, status in cases:
        assert r.status_code == status, (code, r.status_code, r.text)
        if code:
            assert_raw_error(r, code, status)
    assert gateway.history(bucket) == history
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["seed"]


@pytest.mark.parametrize("v4", [True, False], ids=["sigv4", "sigv2"])
def test_signed_forms_with_auth_on(secure, v4):
    gw, token, _ = secure
    s3 = signer(gw.endpoint, token)
    bucket = f"master.{unique_repo('post')}"
    s3.create_bucket(Bucket=bucket)
    form = signer(gw.endpoint, token, v4=v4).generate_presigned_post(bucket, "signed.txt")
    assert post(form, b"signed").status_code == 204
    assert s3.get_object(Bucket=bucket, Key="signed.txt")["Body"].read() == b"signed"
    history = gw.history(bucket)
    sig = "x-amz-signature" if v4 else "signature"
    wrong = dict(form, fields={**form["fields"], sig: "0" * len(form["fields"][sig])})
    assert_raw_error(post(wrong, b"forged"), "SignatureDoesNotMatch", 403)
    stranger = signer(gw.endpoint, "not-a-token", v4=v4).generate_presigned_post(bucket, "stranger.txt")
    assert_raw_error(post(stranger, b"who"), "InvalidAccessKeyId", 403)
    unsigned = requests.post(form["url"], data={"key": "anon.txt"}, files={"file": ("f", b"anon")}, timeout=60)
    assert_raw_error(unsigned, "AccessDenied", 403)
    # A stranger learns nothing of which buckets exist.
    nowhere = requests.post(f"{gw.endpoint}/master.{unique_repo('none')}", data={"key": "k"}, files={"file": ("f", b"x")}, timeout=60)
    assert_raw_error(nowhere, "AccessDenied", 403)
    assert gw.history(bucket) == history


def test_malformed_forms_are_refused_and_the_server_stays_up(gateway, endpoint, bucket, seed):
    seed(bucket, "k", b"original")
    history = gateway.history(bucket)
    headers = {"Content-Type": "multipart/form-data; boundary=xYz"}
    # The first form brought the server down through MultipartKit (a byte over 127 in a header name; `make fuzz`).
    for body in (
        b"--xYz\r\nCont\x94\x8b: x\r\n\r\nv\r\n--xYz--\r\n",
        b"--xYz\r\nno colon\r\n\r\nv\r\n--xYz--\r\n",
        b"--xYz\r\nContent-Disposition: form-data; name=\"key\"\r\n" + b"X" * 9000 + b"\r\n\r\n",
    ):
        r = requests.post(f"{endpoint}/{bucket}", data=body, headers=headers, timeout=30)
        assert_raw_error(r, "MalformedPOSTRequest", 400)
    assert requests.get(f"{endpoint}/{bucket}", timeout=30).status_code == 200
    assert gateway.history(bucket) == history
