"""Random malformed requests against a live server of its own: mutations (seeded, so a failure reproduces) of valid
requests for every operation — odd query values, headers, bodies, truncations. Every answer must be a success or an
S3 XML error with a request ID, never a 5xx other than NotImplemented, never a dropped connection, and the server must
be up and stop cleanly at the end. `PACHS3_FUZZ_SEED` and `PACHS3_FUZZ_REQUESTS` change the run."""
import base64
import hashlib
import http.client
import os
import random
import re
import xml.etree.ElementTree as ET
from urllib.parse import quote

import subprocess

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import running_gateway

SEED = int(os.environ.get("PACHS3_FUZZ_SEED", "20261207"))
REQUESTS = int(os.environ.get("PACHS3_FUZZ_REQUESTS", "1500"))
BUCKET = "master.fuzz"

ODD_VALUES = [
    "", "-1", "0", "1", "1000", "10001", "99999999999999999999", "-9223372036854775808", "1e3", " 7", "0x10",
    "%", "%zz", "%00", "%C3%28", "%FF", "a%2Fb", "..", "/", "//", "é", "a" * 1100, "\t", "true", "null",
    "0123456789abcdef0123456789abcdef", "0123456789ABCDEF0123456789ABCDEF", "MQ==", "bytes=0-0", "*", '"abc"',
]
ODD_HEADER_VALUES = [
    "", "-1", "0", "bytes=0-", "bytes=-0", "bytes=5-2", "bytes=0-1,3-4", "bytes=99999999999999999999-", "items=0-1",
    "*", '"x"', 'W/"x"', "Sun, 06 Nov 1994 08:49:37 GMT", "not a date", "Sun, 31 Feb 2025 08:49:37 GMT",
    "UNSIGNED-PAYLOAD", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "zz", "0" * 64,
    "aws-chunked", "gzip, aws-chunked", "x-amz-checksum-crc32", "x-amz-checksum-bogus", "AAAAAA==", "not base64!",
    f"/{BUCKET}/a", f"/{BUCKET}/a?versionId=", f"/{BUCKET}/a?versionId=zz", "/nosuch.bucket/a", "%", "/a%zz",
    "AWS4-HMAC-SHA256 Credential=k/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00",
    "AWS k:c2ln", "AWS4-HMAC-SHA256", "Bearer x", "é", "a" * 3000,
]
HEADER_NAMES = [
    "range", "if-match", "if-none-match", "if-modified-since", "if-unmodified-since", "x-amz-content-sha256",
    "content-encoding", "x-amz-trailer", "x-amz-checksum-crc32", "x-amz-checksum-sha256", "x-amz-checksum-algorithm",
    "content-md5", "x-amz-copy-source", "x-amz-copy-source-range", "x-amz-copy-source-if-match", "authorization",
    "x-amz-date", "x-amz-decoded-content-length", "x-amz-meta-a", "content-type", "x-amz-metadata-directive",
    "x-amz-expected-bucket-owner", "x-amz-mfa", "x-amz-acl", "x-amz-tagging", "x-amz-storage-class",
]
XML_BODIES = [
    b"<Delete><Object><Key>a</Key></Object></Delete>",
    b'<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUpload><Part><PartNumber>1</PartNumber>'
    b'<ETag>"x"</ETag></Part></CompleteMultipartUpload>',
    b"<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>",
    b"<CreateBucketConfiguration><LocationConstraint>eu</LocationConstraint></CreateBucketConfiguration>",
    b"<Delete>" + b"<Object><Key>k</Key></Object>" * 1001 + b"</Delete>",
    b"<Delete><Object><Key>&#0;</Key></Object></Delete>",
    b"<!DOCTYPE x [<!ENTITY a 'b'>]><Delete/>",
]


def chunked(data: bytes, trailer: bool) -> bytes:
    out = b"%x\r\n%s\r\n0\r\n" % (len(data), data) if data else b"0\r\n"
    if trailer:
        crc = base64.b64encode(hashlib.sha256(data).digest()).decode()
        out += f"x-amz-checksum-sha256:{crc}\r\n".encode()
    return out + b"\r\n"


def templates(upload_id: str):
    """(method, path, query items, headers, body) of valid requests, one per kind of operation."""
    data = b"hello fuzz"
    md5 = base64.b64encode(hashlib.md5(data).digest()).decode()
    form = (b"--xYz\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nf/${filename}\r\n--xYz\r\n"
            b"Content-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nabc\r\n--xYz--\r\n")
    return [
        ("GET", "/", [], {}, b""),
        ("PUT", f"/{BUCKET}", [], {}, b""),
        ("HEAD", f"/{BUCKET}", [], {}, b""),
        ("GET", f"/{BUCKET}", [("list-type", "2"), ("max-keys", "2"), ("prefix", "d"), ("delimiter", "/"),
                              ("start-after", "a"), ("encoding-type", "url"), ("fetch-owner", "true")], {}, b""),
        ("GET", f"/{BUCKET}", [("list-type", "2"), ("continuation-token", "MQotCmE=")], {}, b""),
        ("GET", f"/{BUCKET}", [("marker", "a"), ("max-keys", "1")], {}, b""),
        ("GET", f"/{BUCKET}", [("versions", None), ("key-marker", "a"), ("version-id-marker", "x"), ("max-keys", "1")], {}, b""),
        ("GET", f"/{BUCKET}", [("location", None)], {}, b""),
        ("GET", f"/{BUCKET}", [("versioning", None)], {}, b""),
        ("PUT", f"/{BUCKET}", [("versioning", None)], {}, XML_BODIES[2]),
        ("GET", f"/{BUCKET}", [("uploads", None), ("prefix", "m")], {}, b""),
        ("GET", f"/{BUCKET}", [("acl", None)], {}, b""),
        ("GET", f"/{BUCKET}/a", [], {"range": "bytes=0-3"}, b""),
        ("HEAD", f"/{BUCKET}/a", [("partNumber", "1")], {"if-match": "*"}, b""),
        ("GET", f"/{BUCKET}/a", [("versionId", "0123456789abcdef0123456789abcdef"), ("response-content-type", "x/y")], {}, b""),
        ("PUT", f"/{BUCKET}/p/q", [], {"content-md5": md5, "x-amz-meta-a": "b", "content-type": "text/plain"}, data),
        ("PUT", f"/{BUCKET}/p/c", [], {"x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "content-encoding": "aws-chunked",
                                      "x-amz-trailer": "x-amz-checksum-sha256", "x-amz-decoded-content-length": str(len(data))},
         chunked(data, True)),
        ("PUT", f"/{BUCKET}/p/copy", [], {"x-amz-copy-source": f"/{BUCKET}/a"}, b""),
        ("POST", f"/{BUCKET}", [("delete", None)], {}, XML_BODIES[0]),
        ("POST", f"/{BUCKET}/m", [("uploads", None)], {}, b""),
        ("PUT", f"/{BUCKET}/m", [("partNumber", "1"), ("uploadId", upload_id)], {}, data),
        ("PUT", f"/{BUCKET}/m", [("partNumber", "2"), ("uploadId", upload_id)], {"x-amz-copy-source": f"/{BUCKET}/a",
                                                                              "x-amz-copy-source-range": "bytes=0-1"}, b""),
        ("GET", f"/{BUCKET}/m", [("uploadId", upload_id), ("max-parts", "1")], {}, b""),
        ("POST", f"/{BUCKET}/m", [("uploadId", upload_id)], {}, XML_BODIES[1]),
        ("DELETE", f"/{BUCKET}/m", [("uploadId", upload_id)], {}, b""),
        ("DELETE", f"/{BUCKET}/p/q", [], {}, b""),
        ("POST", f"/{BUCKET}", [], {"content-type": "multipart/form-data; boundary=xYz"}, form),
        ("DELETE", "/master.fuzz-other", [], {}, b""),
    ]


def mutate(rng: random.Random, template):
    method, path, query, headers, body = template
    query, headers = list(query), dict(headers)
    for _ in range(rng.randint(1, 3)):
        r = rng.random()
        if r < 0.25 and query:
            i = rng.randrange(len(query))
            query[i] = (query[i][0], rng.choice(ODD_VALUES))
        elif r < 0.35:
            query.append((rng.choice(["uploadId", "partNumber", "versionId", "max-keys", "list-type", "versions", "delete",
                                      "uploads", "tagging", "policy", "x-id", "select", "restore"]), rng.choice(ODD_VALUES + [None])))
        elif r < 0.6:
            headers[rng.choice(HEADER_NAMES)] = rng.choice(ODD_HEADER_VALUES)
        elif r < 0.7:
            body = body[: rng.randrange(len(body) + 1)]
        elif r < 0.8 and body:
            b = bytearray(body)
            for _ in range(rng.randint(1, 4)):
                b[rng.randrange(len(b))] = rng.randrange(256)
            body = bytes(b)
        elif r < 0.88:
            body = rng.choice(XML_BODIES + [bytes(rng.randrange(256) for _ in range(rng.randrange(64)))])
        elif r < 0.94:
            path = path + "/" + quote(rng.choice(["..", ".", "", "é/ü", "a" * 1100, "%", "\u0000", "x?y"]), safe="")
        else:
            method = rng.choice(["GET", "PUT", "POST", "DELETE", "HEAD", "OPTIONS", "PATCH"])
    return method, path, query, headers, body


def sign(host: str, port: int, method: str, target: str, headers: dict, body: bytes, token: str) -> dict:
    """`headers` with a SigV4 signature by `token` (access key = secret key), as botocore signs for S3."""
    request = AWSRequest(method=method, url=f"http://{host}:{port}{target}", data=body, headers=headers)
    S3SigV4Auth(Credentials(token, token), "s3", "us-east-1").add_auth(request)
    return dict(request.headers.items())


def send(host: str, port: int, method: str, path: str, query, headers: dict, body: bytes, token: str | None = None,
         tamper=None):
    items = [quote(k, safe="") if v is None else f"{quote(k, safe='')}={quote(v, safe='%')}" for k, v in query]
    target = path + ("?" + "&".join(items) if items else "")
    if token:
        headers = sign(host, port, method, target, headers, body, token)
        if tamper:
            headers, body = tamper(headers, body)
    conn = http.client.HTTPConnection(host, port, timeout=60)
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        for k, v in headers.items():
            conn.putheader(k, v if isinstance(v, bytes) else v.encode("utf-8"))
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders()
        if body:
            conn.send(body)
        resp = conn.getresponse()
        return resp.status, dict((k.lower(), v) for k, v in resp.getheaders()), resp.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def own_gateway():
    """A server of its own: if these requests bring one down, the other tests' server is not it."""
    yield from running_gateway("pachs3-fuzz-")


def answer_problem(method: str, status: int, resp_headers: dict, data: bytes) -> str | None:
    """What is wrong with an answer, or None: a 5xx other than 501, or an error that is not an S3 XML error."""
    if status >= 500 and status != 501:
        return f"{status}: {data[:300]!r}"
    if status >= 400:
        if "x-amz-request-id" not in resp_headers:
            return f"{status} without x-amz-request-id"
        if method != "HEAD":
            try:
                # Characters XML 1.0 cannot hold come back as references (`&#x0;`), as S3 writes them.
                root = ET.fromstring(re.sub(rb"&#x[0-9A-Fa-f]+;", b"?", data))
                if root.tag != "Error" or not root.findtext("Code"):
                    return f"{status} body is not an S3 error: {data[:200]!r}"
            except ET.ParseError:
                return f"{status} body is not XML: {data[:200]!r}"
    return None


def seed_bucket(host: str, port: int, token: str | None) -> str:
    """The bucket, three objects and an open multipart upload; returns the upload ID."""
    assert send(host, port, "PUT", f"/{BUCKET}", [], {}, b"", token)[0] == 200
    for key in ("a", "d/b", "d/c"):
        assert send(host, port, "PUT", f"/{BUCKET}/{key}", [], {}, b"some bytes " + key.encode(), token)[0] == 200
    status, _, body = send(host, port, "POST", f"/{BUCKET}/m", [("uploads", None)], {}, b"", token)
    assert status == 200, body
    return ET.fromstring(body).find("{*}UploadId").text


def run_requests(gw, host: str, port: int, requests, token: str | None = None) -> None:
    """Sends each of `requests` — (method, path, query, headers, body, token, tamper, untouched) — and fails with the
    first bad answers: see ``answer_problem``; an untouched signed request must also not be refused. The server must
    be up at the end (asked with `token`)."""
    failures = []
    statuses: dict[int, int] = {}
    for i, (method, path, query, headers, body, signer, tamper, untouched) in enumerate(requests):
        try:
            status, resp_headers, data = send(host, port, method, path, query, dict(headers), body, signer, tamper)
        except (ConnectionError, http.client.HTTPException, OSError) as e:
            failures.append((i, method, path, query, headers, body[:200], f"no answer: {e!r}"))
            if gw.proc.poll() is not None:
                break
            continue
        statuses[status] = statuses.get(status, 0) + 1
        problem = answer_problem(method, status, resp_headers, data)
        # A form upload proves itself by its policy fields, as on S3, whatever the Authorization header says.
        is_form = headers.get("content-type", "").startswith("multipart/form-data")
        if not problem and untouched and signer and status == 403 and not is_form:
            problem = f"a correctly signed request was refused: {data[:300]!r}"
        if problem:
            failures.append((i, method, path, query, headers, body[:200], problem))
    assert gw.proc.poll() is None, "the server died:\n" + gw.log_tail()
    assert send(host, port, "GET", "/", [], {}, b"", token)[0] == 200
    assert not failures, f"{len(failures)} bad answers (statuses {statuses}), first ones:\n" + "\n".join(map(repr, failures[:8]))


def test_random_requests_get_answers_not_crashes(own_gateway):
    host, port = own_gateway.host, own_gateway.port
    base = templates(seed_bucket(host, port, None))
    rng = random.Random(SEED)
    run_requests(own_gateway, host, port, ((*mutate(rng, rng.choice(base)), None, None, False) for _ in range(REQUESTS)))


@pytest.fixture(scope="module")
def own_secure_gateway():
    """A server of its own with auth on, and its root token."""
    token = []

    def activate(gw):
        token.append(subprocess.run([gw.binary, "auth", "activate", "--data-dir", str(gw.data_dir)], check=True,
                                    capture_output=True, text=True).stdout.strip())

    for gw in running_gateway("pachs3-fuzz-auth-", activate):
        yield gw, token[0]


def tamper_with(rng: random.Random):
    """A change made after signing: a signed header, the signature, the date or the body."""
    def tamper(headers: dict, body: bytes):
        headers = dict(headers)
        r = rng.random()
        if r < 0.3:
            name = rng.choice(["Authorization", "X-Amz-Date", "X-Amz-Content-SHA256", "Host"])
            headers[name] = rng.choice(ODD_HEADER_VALUES)
        elif r < 0.5:
            auth = headers.get("Authorization", "")
            headers["Authorization"] = auth[:-1] + ("0" if auth[-1:] != "0" else "1")
        elif r < 0.7 and body:
            body = body[:-1] + bytes([body[-1] ^ 1])
        else:
            headers[rng.choice(HEADER_NAMES)] = rng.choice(ODD_HEADER_VALUES)
        return headers, body
    return tamper


def test_random_signed_requests_with_auth_on(own_secure_gateway):
    """With auth on: requests signed with the root token (SigV4, as botocore signs them), mutated before signing or
    tampered with after, and unsigned ones. Untouched signed requests are never refused as unauthenticated; the rest
    get answers as above."""
    gw, token = own_secure_gateway
    host, port = gw.host, gw.port
    base = templates(seed_bucket(host, port, token))
    rng = random.Random(SEED + 1)

    def requests():
        for _ in range(REQUESTS // 2):
            template = rng.choice(base)
            untouched = rng.random() < 0.3
            request = template if untouched else mutate(rng, template)
            signed = untouched or rng.random() < 0.8
            tamper = None if untouched or rng.random() < 0.5 else tamper_with(rng)
            yield (*request, token if signed else None, tamper, untouched)

    run_requests(gw, host, port, requests(), token)
