"""Auth on: SigV4 (header, presigned, streaming chunk signatures), SigV2 (header, presigned), with
access key = secret key = a token from `pachs3 auth`. A second gateway with its own data dir."""
import contextlib
import datetime
import hashlib
import hmac
import http.client
import urllib.parse

import boto3
import botocore
import pytest
import requests
from botocore.config import Config





def client(gw, key, secret=None, **config):
    return boto3.client("s3", endpoint_url=gw.endpoint, region_name="any-region-1",
                        aws_access_key_id=key, aws_secret_access_key=secret or key,
                        config=Config(s3={"addressing_style": "path"}, **config))


def error_code(call):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    return e.value.response["Error"]["Code"]


def test_tokens_sign_v4_and_v2_headers_and_presigned_urls(secure):
    gw, token, robot = secure
    s3 = client(gw, token)
    s3.create_bucket(Bucket="master.secured")
    put = s3.put_object(Bucket="master.secured", Key="dir/a b+c", Body=b"payload")
    assert len(put["VersionId"]) == 32
    assert client(gw, robot).get_object(Bucket="master.secured", Key="dir/a b+c")["Body"].read() == b"payload"
    v2 = client(gw, robot, signature_version="s3")
    v2.put_object(Bucket="master.secured", Key="v2", Body=b"two")
    assert v2.get_object(Bucket="master.secured", Key="v2")["Body"].read() == b"two"
    for signer in (s3, v2):
        url = signer.generate_presigned_url("get_object", Params={"Bucket": "master.secured", "Key": "dir/a b+c"}, ExpiresIn=60)
        assert requests.get(url).content == b"payload"


def test_bad_credentials_are_refused_and_commit_nothing(secure):
    gw, token, _ = secure
    s3 = client(gw, token)
    s3.create_bucket(Bucket="master.guarded")
    s3.put_object(Bucket="master.guarded", Key="k", Body=b"kept")
    before = gw.history("master.guarded")
    assert error_code(lambda: client(gw, "0" * 64).put_object(Bucket="master.guarded", Key="k", Body=b"x")) == "InvalidAccessKeyId"
    assert error_code(lambda: client(gw, token, "wrong").put_object(Bucket="master.guarded", Key="k", Body=b"x")) == "SignatureDoesNotMatch"
    assert error_code(lambda: client(gw, token, "wrong", signature_version="s3").get_object(Bucket="master.guarded", Key="k")) == "SignatureDoesNotMatch"
    anonymous = requests.put(f"{gw.endpoint}/master.guarded/k", data=b"x")
    assert anonymous.status_code == 403 and b"<Code>AccessDenied</Code>" in anonymous.content
    assert gw.history("master.guarded") == before
    assert s3.get_object(Bucket="master.guarded", Key="k")["Body"].read() == b"kept"


@contextlib.contextmanager
def _signing_clock(offset: datetime.timedelta):
    """botocore signs as if the time were now + offset (a negative offset: in the past)."""
    real = datetime.datetime

    class Shifted(real):
        @classmethod
        def utcnow(cls):
            return real.utcnow() + offset

        @classmethod
        def now(cls, tz=None):
            return real.now(tz) + offset

    import botocore.auth
    saved = botocore.auth.datetime.datetime
    botocore.auth.datetime.datetime = Shifted
    try:
        yield
    finally:
        botocore.auth.datetime.datetime = saved


def test_expired_presigned_url_and_skewed_clock(secure):
    gw, token, _ = secure
    s3 = client(gw, token)
    s3.create_bucket(Bucket="master.clock")
    s3.put_object(Bucket="master.clock", Key="k", Body=b"x")
    # Signed two hours ago for 60 seconds: a valid signature, expired. (Signed at the real time of day, so the
    # credential scope's date and X-Amz-Date agree also in the two hours after midnight.)
    with _signing_clock(-datetime.timedelta(hours=2)):
        expired = s3.generate_presigned_url("get_object", Params={"Bucket": "master.clock", "Key": "k"}, ExpiresIn=60)
    r = requests.get(expired)
    assert r.status_code == 403 and "<Code>AccessDenied</Code>" in r.text and "expired" in r.text, r.text
    # A URL whose X-Amz-Date was moved after signing: never served (403 for the signature, 400 when the date no longer
    # matches the credential scope's).
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "master.clock", "Key": "k"}, ExpiresIn=60)
    q = urllib.parse.urlsplit(url)
    params = dict(urllib.parse.parse_qsl(q.query))
    params["X-Amz-Date"] = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=2)).strftime("%Y%m%dT%H%M%SZ")
    assert requests.get(f"{gw.endpoint}{q.path}?{urllib.parse.urlencode(params)}").status_code in (400, 403)
    too_long = s3.generate_presigned_url("get_object", Params={"Bucket": "master.clock", "Key": "k"}, ExpiresIn=8 * 86400)
    assert requests.get(too_long).status_code in (400, 403)
    # A request signed 20 minutes in the past.
    skewed = client(gw, token)
    with _signing_clock(-datetime.timedelta(minutes=20)):
        assert error_code(lambda: skewed.get_object(Bucket="master.clock", Key="k")) == "RequestTimeTooSkewed"


def _hmac(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def _streaming_put(gw, token, path, chunks, tamper=None):
    """A PUT with STREAMING-AWS4-HMAC-SHA256-PAYLOAD, signed chunk by chunk as the AWS SDKs do."""
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    scope = f"{day}/us-east-1/s3/aws4_request"
    host = f"{gw.host}:{gw.port}"
    total = sum(len(c) for c in chunks)
    framed_len = sum(len(f"{len(c):x};chunk-signature={'0' * 64}\r\n") + len(c) + 2 for c in chunks + [b""])
    headers = {"host": host, "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "x-amz-date": amz_date,
               "x-amz-decoded-content-length": str(total), "content-encoding": "aws-chunked", "content-length": str(framed_len)}
    signed = sorted(headers)
    canonical = "\n".join(["PUT", path, "", *[f"{h}:{headers[h]}" for h in signed], "", ";".join(signed),
                           "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"])
    key = _hmac(_hmac(_hmac(_hmac(("AWS4" + token).encode(), day), "us-east-1"), "s3"), "aws4_request")
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    previous = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
    auth = f"AWS4-HMAC-SHA256 Credential={token}/{scope}, SignedHeaders={';'.join(signed)}, Signature={previous}"
    body = b""
    empty = hashlib.sha256(b"").hexdigest()
    for i, c in enumerate(chunks + [b""]):
        chunk_sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, previous, empty, hashlib.sha256(c).hexdigest()])
        sig = hmac.new(key, chunk_sts.encode(), hashlib.sha256).hexdigest()
        previous = sig
        if tamper == i:
            sig = "f" * 64
        body += f"{len(c):x};chunk-signature={sig}\r\n".encode() + c + b"\r\n"
    conn = http.client.HTTPConnection(gw.host, gw.port, timeout=10)
    conn.request("PUT", path, body=body, headers={**{k: v for k, v in headers.items() if k != "host"}, "Authorization": auth})
    r = conn.getresponse()
    out = (r.status, r.read())
    conn.close()
    return out


def test_streaming_chunk_signatures(secure):
    gw, token, _ = secure
    s3 = client(gw, token)
    s3.create_bucket(Bucket="master.stream")
    chunks = [b"a" * 65536, b"b" * 1000]
    status, body = _streaming_put(gw, token, "/master.stream/ok", chunks)
    assert status == 200, body
    assert s3.get_object(Bucket="master.stream", Key="ok")["Body"].read() == b"".join(chunks)
    before = gw.history("master.stream")
    for bad in (0, 1, 2):  # a data chunk, the last data chunk, the final empty chunk
        status, body = _streaming_put(gw, token, "/master.stream/bad", chunks, tamper=bad)
        assert status == 403 and b"SignatureDoesNotMatch" in body, (bad, body)
    assert gw.history("master.stream") == before
