"""boto3 (and raw HTTP where boto3 cannot misbehave on purpose) against a live `pachs3 serve`.

Tests taking the `s3` fixture run twice: with botocore's default checksum settings and with
`request_checksum_calculation="when_required", response_checksum_validation="when_required"`.
"""

from __future__ import annotations

import base64
import concurrent.futures
import datetime as dt
import hashlib
import http.client
import socket
import time
import uuid
import xml.etree.ElementTree as ET
import zlib
from urllib.parse import quote

import pytest
import requests
from botocore.exceptions import ClientError

from conftest import assert_client_error, assert_raw_error, make_client, unique_repo

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def md5_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def crc32_b64(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def url(endpoint: str, bucket: str, key: str | None = None) -> str:
    if key is None:
        return f"{endpoint}/{bucket}"
    return f"{endpoint}/{bucket}/{quote(key, safe='/~')}"


def read(s3, bucket: str, key: str, **kw) -> bytes:
    return s3.get_object(Bucket=bucket, Key=key, **kw)["Body"].read()


def all_keys_v2(s3, bucket: str, **kw) -> list[str]:
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, **kw):
        keys += [o["Key"] for o in page.get("Contents", [])]
    return keys


def pinned(bucket: str, commit: str) -> str:
    return f"{commit}.{bucket}"


def assert_unchanged(gateway, s3, bucket: str, history: list[str], objects: dict[str, bytes]) -> None:
    """Nothing was committed: the branch history and every listed object are as before. Pass an
    observer client (`plain_s3`), not the one that sent the bad request: this checks the store, and
    what a failed request leaves on its own connection is tested separately."""
    assert gateway.history(bucket) == history
    listed = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))
    assert listed == sorted(objects)
    for key, data in objects.items():
        assert read(s3, bucket, key) == data


# ---------------------------------------------------------------------------------------------
# Buckets


def test_bucket_lifecycle(s3, gateway, seed):
    name = f"master.{unique_repo('life')}"
    created = s3.create_bucket(Bucket=name)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert created["Location"] == "/" + name
    s3.head_bucket(Bucket=name)
    assert name in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert s3.get_bucket_location(Bucket=name).get("LocationConstraint") in (None, "")
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    with pytest.raises(ClientError) as e:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Suspended"})
    assert_client_error(e.value, "IllegalVersioningConfigurationException", 400)
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
    with pytest.raises(ClientError) as e:
        s3.create_bucket(Bucket=name)
    assert_client_error(e.value, "BucketAlreadyOwnedByYou", 409)

    # A second branch of the same repo is a second bucket.
    repo = name.split(".", 1)[1]
    s3.create_bucket(Bucket=f"dev.{repo}")
    assert {name, f"dev.{repo}"} <= {b["Name"] for b in s3.list_buckets()["Buckets"]}

    seed(name, "x", b"x")
    with pytest.raises(ClientError) as e:
        s3.delete_bucket(Bucket=name)
    assert_client_error(e.value, "BucketNotEmpty", 409)
    s3.delete_object(Bucket=name, Key="x")
    s3.delete_bucket(Bucket=name)
    with pytest.raises(ClientError) as e:
        s3.head_bucket(Bucket=name)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    s3.delete_bucket(Bucket=f"dev.{repo}")
    assert f"dev.{repo}" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_list_buckets_prefix_pages_and_region(s3, endpoint):
    """ListBuckets with Prefix, MaxBuckets and ContinuationToken (boto3's paginator walks the pages), each bucket
    with its BucketRegion, a BucketRegion filter; a bad max-buckets or continuation token is InvalidArgument."""
    tag, repo = uuid.uuid4().hex[:8], unique_repo("lb")
    names = [f"pg{tag}-{i}.{repo}" for i in range(5)]
    for n in names:
        s3.create_bucket(Bucket=n)
    everything = s3.list_buckets(Prefix=f"pg{tag}-")
    assert [b["Name"] for b in everything["Buckets"]] == names and "ContinuationToken" not in everything
    assert everything["Prefix"] == f"pg{tag}-" and {b["BucketRegion"] for b in everything["Buckets"]} == {"us-east-1"}
    first = s3.list_buckets(Prefix=f"pg{tag}-", MaxBuckets=2)
    assert [b["Name"] for b in first["Buckets"]] == names[:2] and first["ContinuationToken"]
    pages = s3.get_paginator("list_buckets").paginate(Prefix=f"pg{tag}-", PaginationConfig={"PageSize": 2})
    assert [[b["Name"] for b in p["Buckets"]] for p in pages] == [names[:2], names[2:4], names[4:]]
    assert s3.list_buckets(Prefix=f"pg{tag}-", BucketRegion="eu-west-1")["Buckets"] == []
    assert f"master.{repo}" not in {b["Name"] for b in s3.list_buckets(Prefix=f"pg{tag}-")["Buckets"]}
    for query in ("max-buckets=0", "max-buckets=10001", "max-buckets=two", "continuation-token=%25%25"):
        r = requests.get(f"{endpoint}/?{query}")
        assert r.status_code == 400 and "<Code>InvalidArgument</Code>" in r.text, (query, r.text)


@pytest.mark.parametrize(
    "name",
    ["MyBucket.repo", "ab", "a..b", "192.168.5.4", "x.y.z.w.v", "-leading.repo", "trailing.repo-", "xn--foo.repo"],
    ids=["uppercase", "too-short", "double-dot", "ip-like", "pfs-invalid", "leading-dash", "trailing-dash", "xn-prefix"],
)
def test_create_bucket_invalid_name(s3, name):
    before = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    with pytest.raises(ClientError) as e:
        s3.create_bucket(Bucket=name)
    assert_client_error(e.value, "InvalidBucketName", 400)
    assert {b["Name"] for b in s3.list_buckets()["Buckets"]} == before


def test_missing_bucket(s3):
    name = f"master.{unique_repo('nope')}"
    for call in (
        lambda: s3.list_objects_v2(Bucket=name),
        lambda: s3.list_objects(Bucket=name),
        lambda: s3.get_object(Bucket=name, Key="k"),
        lambda: s3.put_object(Bucket=name, Key="k", Body=b"k"),
        lambda: s3.delete_bucket(Bucket=name),
        lambda: s3.get_bucket_location(Bucket=name),
    ):
        with pytest.raises(ClientError) as e:
            call()
        assert_client_error(e.value, "NoSuchBucket", 404)
    with pytest.raises(ClientError) as e:
        s3.head_bucket(Bucket=name)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_unsupported_subresources(s3, bucket, seed):
    """Setting what pachs3 does not keep (tags, policies, CORS, lifecycle) is NotImplemented; reading them is
    test_bucket_and_object_configuration_reads."""
    seed(bucket, "k", b"k")
    for call in (
        lambda: s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "a", "Value": "b"}]}),
        lambda: s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]}),
        lambda: s3.put_bucket_lifecycle_configuration(
            Bucket=bucket, LifecycleConfiguration={"Rules": [{"ID": "r", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 1}}]}),
        lambda: s3.put_object_tagging(Bucket=bucket, Key="k", Tagging={"TagSet": [{"Key": "a", "Value": "b"}]}),
    ):
        with pytest.raises(ClientError) as e:
            call()
        assert_client_error(e.value, "NotImplemented", 501)
    # The object is untouched.
    assert read(s3, bucket, "k") == b"k"


# ---------------------------------------------------------------------------------------------
# Objects


def test_put_get_head_delete(s3, gateway, bucket):
    data = b"hello, pachs3\n" * 100
    put = s3.put_object(Bucket=bucket, Key="dir/hello.txt", Body=data)
    assert put["ETag"] == '"%s"' % hashlib.md5(data).hexdigest()
    v1 = put["VersionId"]
    assert gateway.history(bucket) == [v1]

    got = s3.get_object(Bucket=bucket, Key="dir/hello.txt")
    assert got["Body"].read() == data
    assert got["ContentLength"] == len(data)
    assert got["ETag"] == put["ETag"]
    assert got["VersionId"] == v1
    assert got["AcceptRanges"] == "bytes"

    head = s3.head_object(Bucket=bucket, Key="dir/hello.txt")
    assert head["ContentLength"] == len(data)
    assert head["ETag"] == put["ETag"]
    assert head["VersionId"] == v1
    assert isinstance(head["LastModified"], dt.datetime)

    # An empty object.
    empty = s3.put_object(Bucket=bucket, Key="empty", Body=b"")
    assert empty["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'
    assert read(s3, bucket, "empty") == b""

    # An implicit directory is not an object.
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="dir")
    assert_client_error(e.value, "NoSuchKey", 404)
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="missing")
    assert_client_error(e.value, "NoSuchKey", 404)
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="missing")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert e.value.response["ResponseMetadata"]["HTTPHeaders"].get("x-amz-request-id")

    deleted = s3.delete_object(Bucket=bucket, Key="dir/hello.txt")
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert deleted["DeleteMarker"] is True
    history = gateway.history(bucket)
    assert history[0] == deleted["VersionId"] and len(history) == 3
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="dir/hello.txt")
    assert_client_error(e.value, "NoSuchKey", 404)
    # The old version stays readable.
    assert read(s3, bucket, "dir/hello.txt", VersionId=v1) == data


def test_metadata_and_content_type(s3, bucket):
    put = s3.put_object(
        Bucket=bucket,
        Key="doc.json",
        Body=b'{"a": 1}',
        ContentType="application/json",
        Metadata={"owner": "alice", "purpose": "compat-test"},
    )
    head = s3.head_object(Bucket=bucket, Key="doc.json")
    assert head["ContentType"] == "application/json"
    assert head["Metadata"] == {"owner": "alice", "purpose": "compat-test"}
    got = s3.get_object(Bucket=bucket, Key="doc.json")
    assert got["ContentType"] == "application/json"
    assert got["Metadata"] == {"owner": "alice", "purpose": "compat-test"}
    assert got["VersionId"] == put["VersionId"]

    # response-* overrides.
    got = s3.get_object(
        Bucket=bucket,
        Key="doc.json",
        ResponseContentType="text/plain",
        ResponseContentDisposition='attachment; filename="d.json"',
        ResponseCacheControl="no-cache",
        ResponseContentLanguage="en",
        ResponseContentEncoding="identity",
    )
    assert got["ContentType"] == "text/plain"
    assert got["ContentDisposition"] == 'attachment; filename="d.json"'
    assert got["CacheControl"] == "no-cache"
    assert got["ContentLanguage"] == "en"
    assert got["Body"].read() == b'{"a": 1}'


def test_ranges(s3, bucket, seed):
    data = bytes(range(256)) * 4  # 1024 bytes
    seed(bucket, "r", data)

    def get(rng):
        return s3.get_object(Bucket=bucket, Key="r", Range=rng)

    r = get("bytes=0-9")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert r["ContentRange"] == "bytes 0-9/1024"
    assert r["ContentLength"] == 10
    assert r["Body"].read() == data[:10]

    r = get("bytes=1000-")
    assert r["ContentRange"] == "bytes 1000-1023/1024"
    assert r["Body"].read() == data[1000:]

    r = get("bytes=-24")  # suffix
    assert r["ContentRange"] == "bytes 1000-1023/1024"
    assert r["Body"].read() == data[-24:]

    r = get("bytes=-5000")  # suffix longer than the object: all of it
    assert r["ContentRange"] == "bytes 0-1023/1024"
    assert r["Body"].read() == data

    r = get("bytes=1020-5000")  # last byte past the end: clipped
    assert r["ContentRange"] == "bytes 1020-1023/1024"
    assert r["Body"].read() == data[1020:]

    h = s3.head_object(Bucket=bucket, Key="r", Range="bytes=100-199")
    assert h["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert h["ContentLength"] == 100

    for rng in ("bytes=1024-", "bytes=5000-6000"):
        with pytest.raises(ClientError) as e:
            get(rng)
        assert_client_error(e.value, "InvalidRange", 416)
        assert e.value.response["ResponseMetadata"]["HTTPHeaders"].get("content-range") == "bytes */1024"


def test_conditional_get(s3, bucket, seed):
    seed(bucket, "c", b"conditional")
    etag = '"%s"' % hashlib.md5(b"conditional").hexdigest()
    modified = s3.head_object(Bucket=bucket, Key="c")["LastModified"]
    past = modified - dt.timedelta(days=1)
    future = modified + dt.timedelta(days=1)

    assert read(s3, bucket, "c", IfMatch=etag) == b"conditional"
    assert read(s3, bucket, "c", IfNoneMatch='"0123456789abcdef0123456789abcdef"') == b"conditional"
    assert read(s3, bucket, "c", IfModifiedSince=past) == b"conditional"
    assert read(s3, bucket, "c", IfUnmodifiedSince=future) == b"conditional"

    for kw, status in (
        ({"IfNoneMatch": etag}, 304),
        ({"IfModifiedSince": future}, 304),
        ({"IfMatch": '"0123456789abcdef0123456789abcdef"'}, 412),
        ({"IfUnmodifiedSince": past}, 412),
    ):
        with pytest.raises(ClientError) as e:
            s3.get_object(Bucket=bucket, Key="c", **kw)
        meta = e.value.response["ResponseMetadata"]
        assert meta["HTTPStatusCode"] == status, kw
        assert meta["HTTPHeaders"].get("x-amz-request-id")
        if status == 412:
            assert_client_error(e.value, "PreconditionFailed", 412)
        else:
            assert meta["HTTPHeaders"].get("etag") == etag
        with pytest.raises(ClientError) as e:
            s3.head_object(Bucket=bucket, Key="c", **kw)
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == status, kw


def test_list_object_versions(s3, gateway, bucket):
    """put/put/delete is two versions and a delete marker; pages of any size give the whole listing."""
    v1 = s3.put_object(Bucket=bucket, Key="doc", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=bucket, Key="doc", Body=b"two!")["VersionId"]
    marker = s3.delete_object(Bucket=bucket, Key="doc")
    assert marker["DeleteMarker"] is True
    d = marker["VersionId"]
    assert gateway.history(bucket)[0] == d
    out = s3.list_object_versions(Bucket=bucket, Prefix="doc")
    assert [(v["Key"], v["VersionId"], v["IsLatest"], v["Size"], v["ETag"]) for v in out["Versions"]] == [
        ("doc", v2, False, 4, f'"{hashlib.md5(b"two!").hexdigest()}"'),
        ("doc", v1, False, 3, f'"{hashlib.md5(b"one").hexdigest()}"'),
    ]
    assert [(m["Key"], m["VersionId"], m["IsLatest"]) for m in out["DeleteMarkers"]] == [("doc", d, True)]
    assert out["IsTruncated"] is False
    # Each listed version reads back as it was.
    assert read(s3, bucket, "doc", VersionId=v1) == b"one"

    # Put back after the deletion, other keys and a directory: pages of 1, 2 and 1000 agree.
    v3 = s3.put_object(Bucket=bucket, Key="doc", Body=b"three")["VersionId"]
    for k in ("a/x", "a/y", "b", "c/d/e"):
        s3.put_object(Bucket=bucket, Key=k, Body=b"1")
        s3.put_object(Bucket=bucket, Key=k, Body=b"22")
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "a/y"}, {"Key": "b"}]})

    def listing(**kw):
        versions, markers, prefixes = [], [], []
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, **kw):
            versions += [(v["Key"], v["VersionId"], v["IsLatest"]) for v in page.get("Versions", [])]
            markers += [(m["Key"], m["VersionId"], m["IsLatest"]) for m in page.get("DeleteMarkers", [])]
            prefixes += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        return versions, markers, prefixes

    whole = listing()
    assert [k for k, _, _ in whole[0]] == ["a/x", "a/x", "a/y", "a/y", "b", "b", "c/d/e", "c/d/e", "doc", "doc", "doc"]
    assert [(k, latest) for k, _, latest in whole[1]] == [("a/y", True), ("b", True), ("doc", False)]
    assert ("doc", v3, True) in whole[0]
    for size in (1, 2, 3):
        assert listing(PaginationConfig={"PageSize": size}) == whole
    grouped = listing(Delimiter="/", PaginationConfig={"PageSize": 1})
    assert grouped[2] == ["a/", "c/"]
    assert [k for k, _, _ in grouped[0]] == ["b", "b", "doc", "doc", "doc"]

    # Resuming by hand inside a key's versions.
    page = s3.list_object_versions(Bucket=bucket, KeyMarker="doc", VersionIdMarker=v3)
    assert [v["VersionId"] for v in page.get("Versions", [])] == [v2, v1]
    assert [m["VersionId"] for m in page.get("DeleteMarkers", [])] == [d]
    # Bad input: a version marker without a key marker, and max-keys below zero; nothing listed.
    with pytest.raises(ClientError) as e:
        s3.list_object_versions(Bucket=bucket, VersionIdMarker=v1)
    assert_client_error(e.value, "InvalidArgument", 400)
    r = requests.get(url(gateway.endpoint, bucket) + "?versions&max-keys=-1", timeout=10)
    assert r.status_code == 400 and "<Code>InvalidArgument</Code>" in r.text
    # A commit-pinned bucket lists the history up to its commit.
    old = s3.list_object_versions(Bucket=pinned(bucket, v2))
    assert [v["VersionId"] for v in old["Versions"]] == [v2, v1] and "DeleteMarkers" not in old


def test_versions_and_pinned_buckets(s3, gateway, bucket):
    v1 = s3.put_object(Bucket=bucket, Key="v", Body=b"version one")["VersionId"]
    v2 = s3.put_object(Bucket=bucket, Key="v", Body=b"version two, longer")["VersionId"]
    other = s3.put_object(Bucket=bucket, Key="other", Body=b"o")["VersionId"]
    assert len({v1, v2, other}) == 3
    # Every VersionId is a real commit of the branch, newest first.
    assert gateway.history(bucket) == [other, v2, v1]

    assert read(s3, bucket, "v") == b"version two, longer"
    got = s3.get_object(Bucket=bucket, Key="v", VersionId=v1)
    assert got["Body"].read() == b"version one"
    assert got["VersionId"] == v1
    assert s3.head_object(Bucket=bucket, Key="v", VersionId=v1)["ContentLength"] == len(b"version one")
    assert read(s3, bucket, "v", VersionId=v2) == b"version two, longer"
    # The latest version of `v` as of commit `other` is v2: reading it at `other` gives v2's bytes.
    assert read(s3, bucket, "v", VersionId=other) == b"version two, longer"

    # `other` did not exist at v1.
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="other", VersionId=v1)
    assert_client_error(e.value, "NoSuchVersion", 404)
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="v", VersionId=uuid.uuid4().hex)
    assert_client_error(e.value, "NoSuchVersion", 404)

    # Each commit is readable through its pinned bucket, which shows the branch as of that commit.
    for commit, content, keys in (
        (v1, b"version one", ["v"]),
        (v2, b"version two, longer", ["v"]),
        (other, b"version two, longer", ["other", "v"]),
    ):
        p = pinned(bucket, commit)
        s3.head_bucket(Bucket=p)
        assert read(s3, p, "v") == content
        assert [o["Key"] for o in s3.list_objects_v2(Bucket=p).get("Contents", [])] == keys

    # A pinned bucket refuses writes, and nothing is committed.
    history = gateway.history(bucket)
    p1 = pinned(bucket, v1)
    for call in (
        lambda: s3.put_object(Bucket=p1, Key="v", Body=b"nope"),
        lambda: s3.put_object(Bucket=p1, Key="new", Body=b"nope"),
        lambda: s3.delete_object(Bucket=p1, Key="v"),
        lambda: s3.delete_objects(Bucket=p1, Delete={"Objects": [{"Key": "v"}]}),
        lambda: s3.copy_object(Bucket=p1, Key="copy", CopySource={"Bucket": bucket, "Key": "v"}),
        lambda: s3.delete_bucket(Bucket=p1),
    ):
        with pytest.raises(ClientError) as e:
            call()
        assert_client_error(e.value, "MethodNotAllowed", 405)
    assert gateway.history(bucket) == history
    assert read(s3, p1, "v") == b"version one"
    assert read(s3, bucket, "v") == b"version two, longer"

    # A pinned bucket of a commit that does not exist.
    with pytest.raises(ClientError) as e:
        s3.list_objects_v2(Bucket=pinned(bucket, uuid.uuid4().hex))
    assert_client_error(e.value, "NoSuchBucket", 404)


# ---------------------------------------------------------------------------------------------
# Listing


def test_list_prefix_delimiter(s3, bucket, seed):
    keys = ["a.txt", "b/1", "b/2", "b/c/3", "c/4", "d", "dz/5"]
    seed.many(bucket, keys)

    v2 = s3.list_objects_v2(Bucket=bucket)
    assert [o["Key"] for o in v2["Contents"]] == keys
    assert v2["KeyCount"] == len(keys)
    assert v2["IsTruncated"] is False
    assert all(o["Size"] == 1 for o in v2["Contents"])
    assert "Owner" not in v2["Contents"][0]
    owned = s3.list_objects_v2(Bucket=bucket, FetchOwner=True)["Contents"][0]
    assert owned.get("Owner", {}).get("ID"), owned

    top = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert [o["Key"] for o in top["Contents"]] == ["a.txt", "d"]
    assert [p["Prefix"] for p in top["CommonPrefixes"]] == ["b/", "c/", "dz/"]
    assert top["KeyCount"] == 5

    sub = s3.list_objects_v2(Bucket=bucket, Prefix="b/", Delimiter="/")
    assert [o["Key"] for o in sub["Contents"]] == ["b/1", "b/2"]
    assert [p["Prefix"] for p in sub["CommonPrefixes"]] == ["b/c/"]

    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="d")["Contents"]] == ["d", "dz/5"]
    assert s3.list_objects_v2(Bucket=bucket, Prefix="nothing").get("Contents", []) == []
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, StartAfter="b/2")["Contents"]] == ["b/c/3", "c/4", "d", "dz/5"]

    v1 = s3.list_objects(Bucket=bucket, Delimiter="/")
    assert [o["Key"] for o in v1["Contents"]] == ["a.txt", "d"]
    assert [p["Prefix"] for p in v1["CommonPrefixes"]] == ["b/", "c/", "dz/"]
    assert [o["Key"] for o in s3.list_objects(Bucket=bucket, Prefix="b/")["Contents"]] == ["b/1", "b/2", "b/c/3"]
    assert [o["Key"] for o in s3.list_objects(Bucket=bucket, Marker="c/4")["Contents"]] == ["d", "dz/5"]

    # A delimiter other than "/".
    dot = s3.list_objects_v2(Bucket=bucket, Delimiter=".")
    assert [p["Prefix"] for p in dot["CommonPrefixes"]] == ["a."]


def test_list_pagination_v1_and_v2(s3, bucket, seed):
    keys = [f"k{i:02d}" for i in range(7)] + ["p/1", "p/2", "q/1"]
    seed.many(bucket, keys)

    # v2 by hand with MaxKeys=2.
    seen, token, pages = [], None, 0
    while True:
        kw = {"ContinuationToken": token} if token else {}
        page = s3.list_objects_v2(Bucket=bucket, MaxKeys=2, **kw)
        pages += 1
        assert page["MaxKeys"] == 2
        assert page["KeyCount"] == len(page.get("Contents", []))
        seen += [o["Key"] for o in page.get("Contents", [])]
        if not page["IsTruncated"]:
            break
        token = page["NextContinuationToken"]
    assert seen == keys
    assert pages == 5

    # Pagination with a delimiter counts common prefixes as entries.
    paged = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Delimiter="/", PaginationConfig={"PageSize": 2}):
        paged += [o["Key"] for o in page.get("Contents", [])] + [p["Prefix"] for p in page.get("CommonPrefixes", [])]
    assert sorted(paged) == [f"k{i:02d}" for i in range(7)] + ["p/", "q/"]

    # v1 with markers through the paginator.
    v1 = []
    for page in s3.get_paginator("list_objects").paginate(Bucket=bucket, PaginationConfig={"PageSize": 3}):
        v1 += [o["Key"] for o in page.get("Contents", [])]
    assert v1 == keys
    first = s3.list_objects(Bucket=bucket, MaxKeys=3, Delimiter="/")
    assert first["IsTruncated"] is True
    assert first["NextMarker"] == "k02"


def test_list_max_keys_capped(s3, gateway, bucket, tmp_path):
    # 1005 files in one commit, written by the CLI on the same data directory.
    src = tmp_path / "many"
    src.mkdir()
    for i in range(1005):
        (src / f"f{i:04d}").write_bytes(b"x")
    repo = bucket.split(".", 1)[1]
    gateway.cli("put", "file", "-r", f"{repo}@master:/many", "-f", str(src))

    page = s3.list_objects_v2(Bucket=bucket, MaxKeys=5000)
    assert page["MaxKeys"] == 1000
    assert page["KeyCount"] == 1000
    assert page["IsTruncated"] is True
    rest = s3.list_objects_v2(Bucket=bucket, MaxKeys=5000, ContinuationToken=page["NextContinuationToken"])
    assert rest["KeyCount"] == 5 and rest["IsTruncated"] is False
    v1 = s3.list_objects(Bucket=bucket, MaxKeys=100000)
    assert v1["MaxKeys"] == 1000 and len(v1["Contents"]) == 1000 and v1["IsTruncated"] is True
    assert len(all_keys_v2(s3, bucket)) == 1005
    zero = s3.list_objects_v2(Bucket=bucket, MaxKeys=0)
    assert zero["KeyCount"] == 0 and "Contents" not in zero


def test_list_pagination_pinned_while_writing(s3, plain_s3, bucket, seed):
    original = [f"obj/{i:03d}" for i in range(0, 20, 2)]  # 10 keys
    seed.many(bucket, original)

    first = s3.list_objects_v2(Bucket=bucket, Prefix="obj/", MaxKeys=2)
    walk = [o["Key"] for o in first["Contents"]]
    assert walk == original[:2]
    token = first["NextContinuationToken"]

    # Another writer adds keys before, inside and after the rest of the walk, and deletes one.
    added = ["obj/000a", "obj/005", "obj/013", "obj/099"]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda k: plain_s3.put_object(Bucket=bucket, Key=k, Body=b"new"), added))
    plain_s3.delete_object(Bucket=bucket, Key="obj/010")

    while True:
        page = s3.list_objects_v2(Bucket=bucket, Prefix="obj/", MaxKeys=2, ContinuationToken=token)
        assert page["KeyCount"] <= 2
        walk += [o["Key"] for o in page.get("Contents", [])]
        if not page["IsTruncated"]:
            break
        token = page["NextContinuationToken"]
    # The whole walk saw the first page's snapshot.
    assert walk == original

    now = all_keys_v2(s3, bucket, Prefix="obj/")
    assert now == sorted(set(original) - {"obj/010"} | set(added))


ODD_KEYS = [
    "with space.txt",
    "plus+sign",
    "percent%20literal",
    "percent%",
    "unicode/é-ü-日本語.txt",
    "emoji-🦀",
    "a",
    "a/b",
    "a/b/c",
    "folder/",
    "folder/inside",
    "semi;colon&amp=eq?q#hash",
    "tilde~star*quote'paren()",
    "double//slash",
    "trailing space ",
    "back\\slash",
    "<xml>&amp;",
]


def test_odd_keys_roundtrip_and_url_encoding(s3, bucket, endpoint):
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda k: s3.put_object(Bucket=bucket, Key=k, Body=k.encode()), [k for k in ODD_KEYS if k != "folder/"]))
    # The empty folder marker last: see test_boto3_put_after_empty_put for what follows an empty PUT.
    s3.put_object(Bucket=bucket, Key="folder/", Body=b"")
    expected = sorted(ODD_KEYS, key=lambda k: k.encode())

    for key in ODD_KEYS:
        body = b"" if key.endswith("/") else key.encode()
        assert read(s3, bucket, key) == body, key
        assert s3.head_object(Bucket=bucket, Key=key)["ContentLength"] == len(body), key

    # boto3 asks for encoding-type=url on v1 and v2 and decodes the keys.
    assert all_keys_v2(s3, bucket) == expected
    v1 = s3.list_objects(Bucket=bucket)
    assert [o["Key"] for o in v1["Contents"]] == expected

    # Asked for explicitly, v1 keys come back encoded and botocore leaves them so.
    enc = s3.list_objects(Bucket=bucket, EncodingType="url", Prefix="with")
    assert enc["EncodingType"] == "url"
    assert [o["Key"] for o in enc["Contents"]] == ["with%20space.txt"]

    # Without encoding-type the raw XML carries the keys as they are (escaped XML).
    raw = requests.get(url(endpoint, bucket), params={"list-type": "2"})
    assert raw.status_code == 200
    root = ET.fromstring(raw.content)
    assert [c.findtext(f"{NS}Key") for c in root.findall(f"{NS}Contents")] == expected
    raw = requests.get(url(endpoint, bucket), params={"list-type": "2", "encoding-type": "url", "prefix": "unicode/"})
    root = ET.fromstring(raw.content)
    assert root.findtext(f"{NS}EncodingType") == "url"
    assert root.findtext(f"{NS}Prefix") == "unicode/"
    assert [c.findtext(f"{NS}Key") for c in root.findall(f"{NS}Contents")] == [quote("unicode/é-ü-日本語.txt", safe="/")]

    # `a` and `a/b` side by side; `folder/` is an object and also a common prefix.
    top = s3.list_objects_v2(Bucket=bucket, Delimiter="/", Prefix="a")
    assert [o["Key"] for o in top["Contents"]] == ["a"]
    assert [p["Prefix"] for p in top["CommonPrefixes"]] == ["a/"]
    inner = s3.list_objects_v2(Bucket=bucket, Delimiter="/", Prefix="a/")
    assert [o["Key"] for o in inner["Contents"]] == ["a/b"]
    assert [p["Prefix"] for p in inner["CommonPrefixes"]] == ["a/b/"]
    folder = s3.list_objects_v2(Bucket=bucket, Delimiter="/", Prefix="folder/")
    assert [o["Key"] for o in folder["Contents"]] == ["folder/", "folder/inside"]
    assert [p["Prefix"] for p in s3.list_objects_v2(Bucket=bucket, Delimiter="/", Prefix="fo")["CommonPrefixes"]] == ["folder/"]
    weird = s3.list_objects_v2(Bucket=bucket, Prefix="percent%")
    assert [o["Key"] for o in weird["Contents"]] == ["percent%", "percent%20literal"]
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="plus+")["Contents"]] == ["plus+sign"]

    # Deleting one of `a` / `a/b` leaves the other.
    s3.delete_object(Bucket=bucket, Key="a")
    assert read(s3, bucket, "a/b") == b"a/b"
    with pytest.raises(ClientError):
        s3.get_object(Bucket=bucket, Key="a")


# ---------------------------------------------------------------------------------------------
# Copy and batch delete


def test_copy_object(s3, gateway, bucket, bucket_factory):
    src = s3.put_object(Bucket=bucket, Key="src", Body=b"source v1", ContentType="text/plain", Metadata={"m": "1"})
    s3.put_object(Bucket=bucket, Key="src", Body=b"source v2", ContentType="text/plain", Metadata={"m": "2"})

    copied = s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    assert copied["CopyObjectResult"]["ETag"] == '"%s"' % hashlib.md5(b"source v2").hexdigest()
    assert gateway.history(bucket)[0] == copied["VersionId"]
    got = s3.get_object(Bucket=bucket, Key="dst")
    assert got["Body"].read() == b"source v2"
    assert got["ContentType"] == "text/plain" and got["Metadata"] == {"m": "2"}

    # REPLACE takes the request's metadata.
    s3.copy_object(
        Bucket=bucket,
        Key="dst",
        CopySource={"Bucket": bucket, "Key": "src"},
        MetadataDirective="REPLACE",
        ContentType="application/x-new",
        Metadata={"fresh": "yes"},
    )
    head = s3.head_object(Bucket=bucket, Key="dst")
    assert head["ContentType"] == "application/x-new" and head["Metadata"] == {"fresh": "yes"}
    assert read(s3, bucket, "dst") == b"source v2"

    # Copying an object onto itself with REPLACE is how clients change metadata.
    s3.copy_object(
        Bucket=bucket, Key="src", CopySource={"Bucket": bucket, "Key": "src"}, MetadataDirective="REPLACE", Metadata={"m": "3"}
    )
    assert s3.head_object(Bucket=bucket, Key="src")["Metadata"] == {"m": "3"}
    # …but not with COPY.
    history = gateway.history(bucket)
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="src", CopySource={"Bucket": bucket, "Key": "src"})
    assert_client_error(e.value, "InvalidRequest", 400)
    assert gateway.history(bucket) == history

    # From an old version, into another bucket (another repo).
    other = bucket_factory()
    old = s3.copy_object(Bucket=other, Key="from-v1", CopySource={"Bucket": bucket, "Key": "src", "VersionId": src["VersionId"]})
    assert old["CopySourceVersionId"] == src["VersionId"]
    assert gateway.history(other) == [old["VersionId"]]
    got = s3.get_object(Bucket=other, Key="from-v1")
    assert got["Body"].read() == b"source v1"
    assert got["Metadata"] == {"m": "1"}
    # From a pinned bucket.
    s3.copy_object(Bucket=other, Key="from-pinned", CopySource={"Bucket": pinned(bucket, src["VersionId"]), "Key": "src"})
    assert read(s3, other, "from-pinned") == b"source v1"

    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=other, Key="x", CopySource={"Bucket": bucket, "Key": "no-such-key"})
    assert_client_error(e.value, "NoSuchKey", 404)
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=other, Key="x", CopySource={"Bucket": f"master.{unique_repo('gone')}", "Key": "src"})
    assert_client_error(e.value, "NoSuchBucket", 404)


def test_delete_objects(s3, gateway, bucket, seed):
    keys = [f"d/{i}" for i in range(6)]
    seed.many(bucket, keys)
    before = gateway.history(bucket)

    out = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys[:3]]})
    assert sorted(d["Key"] for d in out["Deleted"]) == keys[:3]
    assert "Errors" not in out
    after = gateway.history(bucket)
    assert len(after) == len(before) + 1 and after[1:] == before  # one commit for the batch
    assert all(d.get("DeleteMarkerVersionId") in (None, after[0]) for d in out["Deleted"])

    quiet = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys[3:]] + [{"Key": "never-existed"}], "Quiet": True})
    assert "Deleted" not in quiet and "Errors" not in quiet
    assert len(gateway.history(bucket)) == len(after) + 1
    assert s3.list_objects_v2(Bucket=bucket).get("Contents", []) == []


def test_conditional_deletes(s3, gateway, bucket):
    """DeleteObject with IfMatch deletes only the version it names (412 PreconditionFailed otherwise, 404 NoSuchKey for
    a missing key, `*` for any version), committing nothing when refused; DeleteObjects with ETags deletes those that
    match in one commit and reports the others one by one."""
    v1 = s3.put_object(Bucket=bucket, Key="k", Body=b"one")
    v2 = s3.put_object(Bucket=bucket, Key="k", Body=b"two")
    history = gateway.history(bucket)
    with pytest.raises(ClientError) as e:
        s3.delete_object(Bucket=bucket, Key="k", IfMatch=v1["ETag"])
    assert_client_error(e.value, "PreconditionFailed", 412)
    with pytest.raises(ClientError) as e:
        s3.delete_object(Bucket=bucket, Key="missing", IfMatch="*")
    assert_client_error(e.value, "NoSuchKey", 404)
    assert gateway.history(bucket) == history and read(s3, bucket, "k") == b"two"
    gone = s3.delete_object(Bucket=bucket, Key="k", IfMatch=v2["ETag"])
    assert gone["VersionId"] == gateway.history(bucket)[0] != history[0]
    s3.put_object(Bucket=bucket, Key="k", Body=b"three")
    s3.delete_object(Bucket=bucket, Key="k", IfMatch="*")
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)

    tags = {k: s3.put_object(Bucket=bucket, Key=k, Body=k.encode())["ETag"] for k in ("a", "b", "c", "d")}
    before = gateway.history(bucket)
    out = s3.delete_objects(Bucket=bucket, Delete={"Objects": [
        {"Key": "a", "ETag": tags["a"]}, {"Key": "b", "ETag": tags["a"]}, {"Key": "c"}, {"Key": "nope", "ETag": "*"}]})
    assert sorted(d["Key"] for d in out["Deleted"]) == ["a", "c"]
    assert sorted((x["Key"], x["Code"]) for x in out["Errors"]) == [("b", "PreconditionFailed"), ("nope", "NoSuchKey")]
    assert len(gateway.history(bucket)) == len(before) + 1
    assert sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]) == ["b", "d"]


def test_conditional_copy_and_complete(s3, gateway, bucket):
    """IfNoneMatch / IfMatch on CopyObject and CompleteMultipartUpload guard the destination key: refused with 412
    (404 NoSuchKey for IfMatch on a missing key), nothing committed, the upload left open to retry or abort."""
    first = s3.put_object(Bucket=bucket, Key="k", Body=b"one")
    s3.put_object(Bucket=bucket, Key="src", Body=b"source")
    history = gateway.history(bucket)
    for kw, code, status in (({"IfNoneMatch": "*"}, "PreconditionFailed", 412), ({"IfMatch": '"0000"'}, "PreconditionFailed", 412)):
        with pytest.raises(ClientError) as e:
            s3.copy_object(Bucket=bucket, Key="k", CopySource={"Bucket": bucket, "Key": "src"}, **kw)
        assert_client_error(e.value, code, status)
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="missing", CopySource={"Bucket": bucket, "Key": "src"}, IfMatch="*")
    assert_client_error(e.value, "NoSuchKey", 404)
    # If-None-Match with an ETag (not `*`) is no write condition S3 has.
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="k", CopySource={"Bucket": bucket, "Key": "src"}, IfNoneMatch=first["ETag"])
    assert_client_error(e.value, "NotImplemented", 501)
    assert gateway.history(bucket) == history and read(s3, bucket, "k") == b"one"
    s3.copy_object(Bucket=bucket, Key="k", CopySource={"Bucket": bucket, "Key": "src"}, IfMatch=first["ETag"])
    assert read(s3, bucket, "k") == b"source"

    up = s3.create_multipart_upload(Bucket=bucket, Key="k")
    part = s3.upload_part(Bucket=bucket, Key="k", UploadId=up["UploadId"], PartNumber=1, Body=b"multipart")
    parts = {"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]}
    history = gateway.history(bucket)
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=up["UploadId"], MultipartUpload=parts, IfNoneMatch="*")
    assert_client_error(e.value, "PreconditionFailed", 412)
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=up["UploadId"], MultipartUpload=parts, IfMatch='"0000"')
    assert_client_error(e.value, "PreconditionFailed", 412)
    assert gateway.history(bucket) == history
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])] == [up["UploadId"]]
    current = s3.head_object(Bucket=bucket, Key="k")["ETag"]
    done = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=up["UploadId"], MultipartUpload=parts, IfMatch=current)
    assert done["VersionId"] == gateway.history(bucket)[0] and read(s3, bucket, "k") == b"multipart"


def test_encryption_and_object_lock_are_refused_not_ignored(s3, gateway, bucket):
    """A write asking for encryption at rest (SSE-S3, SSE-KMS, SSE-C) or object lock is refused with NotImplemented,
    commits nothing and starts no upload: pachs3 stores objects unencrypted and does not lock them."""
    s3.put_object(Bucket=bucket, Key="src", Body=b"plain")
    history = gateway.history(bucket)
    asks = [
        {"ServerSideEncryption": "AES256"},
        {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "key"},
        {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": "k" * 32},
        {"ObjectLockMode": "COMPLIANCE", "ObjectLockRetainUntilDate": dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)},
        {"ObjectLockLegalHoldStatus": "ON"},
    ]
    for ask in asks:
        with pytest.raises(ClientError) as e:
            s3.put_object(Bucket=bucket, Key="k", Body=b"secret", **ask)
        assert_client_error(e.value, "NotImplemented", 501)
        with pytest.raises(ClientError) as e:
            s3.create_multipart_upload(Bucket=bucket, Key="k", **ask)
        assert_client_error(e.value, "NotImplemented", 501)
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="k", CopySource={"Bucket": bucket, "Key": "src"}, ServerSideEncryption="AES256")
    assert_client_error(e.value, "NotImplemented", 501)
    assert gateway.history(bucket) == history
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["src"]


def test_storage_classes_other_than_standard_are_refused(s3, gateway, bucket):
    """Every object pachs3 keeps is STANDARD: a write naming STANDARD is accepted and listed so; one asking for any
    other class (GLACIER, an archive tier; REDUCED_REDUNDANCY; a name S3 does not know) is refused with
    InvalidStorageClass, as MinIO refuses it, by PutObject, CreateMultipartUpload and CopyObject alike, and commits
    nothing."""
    s3.put_object(Bucket=bucket, Key="std", Body=b"s", StorageClass="STANDARD")
    s3.copy_object(Bucket=bucket, Key="std2", CopySource={"Bucket": bucket, "Key": "std"}, StorageClass="STANDARD")
    upload = s3.create_multipart_upload(Bucket=bucket, Key="std3", StorageClass="STANDARD")["UploadId"]
    s3.abort_multipart_upload(Bucket=bucket, Key="std3", UploadId=upload)
    assert {o["Key"]: o["StorageClass"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]} == {"std": "STANDARD", "std2": "STANDARD"}
    history = gateway.history(bucket)
    for ask in ("GLACIER", "DEEP_ARCHIVE", "REDUCED_REDUNDANCY", "STANDARD_IA", "standard", "COLD"):
        with pytest.raises(ClientError) as e:
            s3.put_object(Bucket=bucket, Key="k", Body=b"cold", StorageClass=ask)
        assert_client_error(e.value, "InvalidStorageClass", 400)
        assert ("keeps every object in STANDARD" in e.value.response["Error"]["Message"]) == (ask in ("GLACIER", "DEEP_ARCHIVE", "REDUCED_REDUNDANCY", "STANDARD_IA"))
        refused(s3.create_multipart_upload, "InvalidStorageClass", 400, Bucket=bucket, Key="k", StorageClass=ask)
        refused(s3.copy_object, "InvalidStorageClass", 400, Bucket=bucket, Key="k", CopySource={"Bucket": bucket, "Key": "std"}, StorageClass=ask)
    assert gateway.history(bucket) == history
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)


def refused(call, code: str, status: int, **kwargs) -> None:
    """`call(**kwargs)` fails with S3 error CODE and HTTP STATUS."""
    with pytest.raises(ClientError) as e:
        call(**kwargs)
    assert_client_error(e.value, code, status)


def test_acls_tags_and_customer_keys(s3, gateway, bucket, plain_s3):
    """The owner-only canned ACLs are what pachs3 does anyway and are accepted; a public ACL or a grant is refused as
    by an S3 bucket with ACLs disabled; tags (not stored) are refused, not dropped; an SSE-C key on a read or a copy
    source names a key for an unencrypted object. None of the refused calls commits anything."""
    s3.put_object(Bucket=bucket, Key="private", Body=b"p", ACL="private")
    s3.put_object(Bucket=bucket, Key="owner", Body=b"o", ACL="bucket-owner-full-control")
    history = gateway.history(bucket)
    source = {"Bucket": bucket, "Key": "private"}
    for ask in ({"ACL": "public-read"}, {"GrantRead": 'uri="http://acs.amazonaws.com/groups/global/AllUsers"'}):
        refused(s3.put_object, "AccessControlListNotSupported", 400, Bucket=bucket, Key="k", Body=b"shared", **ask)
        refused(s3.create_multipart_upload, "AccessControlListNotSupported", 400, Bucket=bucket, Key="k", **ask)
        refused(s3.copy_object, "AccessControlListNotSupported", 400, Bucket=bucket, Key="k", CopySource=source, **ask)
    refused(s3.put_object, "NotImplemented", 501, Bucket=bucket, Key="k", Body=b"tagged", Tagging="team=data")
    refused(s3.copy_object, "NotImplemented", 501, Bucket=bucket, Key="k", CopySource=source, Tagging="a=b", TaggingDirective="REPLACE")
    key = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": "k" * 32}
    refused(s3.get_object, "InvalidRequest", 400, Bucket=bucket, Key="private", **key)
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="private", **key)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400  # a HEAD has no body to name the code
    refused(s3.copy_object, "InvalidRequest", 400, Bucket=bucket, Key="k", CopySource=source,
            CopySourceSSECustomerAlgorithm="AES256", CopySourceSSECustomerKey="k" * 32)
    upload = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    refused(s3.upload_part, "InvalidRequest", 400, Bucket=bucket, Key="k", UploadId=upload, PartNumber=1, Body=b"part", **key)
    assert "Parts" not in s3.list_parts(Bucket=bucket, Key="k", UploadId=upload)
    s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=upload)
    assert gateway.history(bucket) == history
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)
    # Buckets: a public ACL or object lock is refused and creates nothing.
    name = f"master.{unique_repo('acl')}"
    refused(plain_s3.create_bucket, "AccessControlListNotSupported", 400, Bucket=name, ACL="public-read")
    refused(plain_s3.create_bucket, "NotImplemented", 501, Bucket=name, ObjectLockEnabledForBucket=True)
    assert name not in [b["Name"] for b in plain_s3.list_buckets()["Buckets"]]
    plain_s3.create_bucket(Bucket=name, ACL="private")
    assert name in [b["Name"] for b in plain_s3.list_buckets()["Buckets"]]


def test_bucket_and_object_configuration_reads(plain_s3, gateway, bucket):
    """Configuration pachs3 never has reads as S3 reads it on a bucket without it (its own 404, or a document saying
    what holds), deleting it is a no-op, setting it NotImplemented; objects have the owner's ACL and no tags."""
    s3 = plain_s3
    v1 = s3.put_object(Bucket=bucket, Key="k", Body=b"one")["VersionId"]
    s3.put_object(Bucket=bucket, Key="k", Body=b"two")
    history = gateway.history(bucket)
    absent = {
        "get_bucket_policy": "NoSuchBucketPolicy", "get_bucket_policy_status": "NoSuchBucketPolicy",
        "get_bucket_tagging": "NoSuchTagSet", "get_bucket_cors": "NoSuchCORSConfiguration",
        "get_bucket_lifecycle_configuration": "NoSuchLifecycleConfiguration", "get_bucket_website": "NoSuchWebsiteConfiguration",
        "get_bucket_encryption": "ServerSideEncryptionConfigurationNotFoundError",
        "get_object_lock_configuration": "ObjectLockConfigurationNotFoundError",
        "get_public_access_block": "NoSuchPublicAccessBlockConfiguration",
        "get_bucket_replication": "ReplicationConfigurationNotFoundError",
    }
    for call, code in absent.items():
        refused(getattr(s3, call), code, 404, Bucket=bucket)
    acl = s3.get_bucket_acl(Bucket=bucket)
    assert [(g["Grantee"]["Type"], g["Grantee"]["ID"], g["Permission"]) for g in acl["Grants"]] == [("CanonicalUser", acl["Owner"]["ID"], "FULL_CONTROL")]
    rules = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=bucket)
    assert s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "BucketOwner"
    assert "Status" not in s3.get_bucket_accelerate_configuration(Bucket=bucket)
    notification = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert not any(k.endswith("Configurations") for k in notification), notification
    for call in ("delete_bucket_policy", "delete_bucket_tagging", "delete_bucket_cors", "delete_bucket_lifecycle",
                 "delete_bucket_website", "delete_bucket_encryption", "delete_public_access_block", "delete_bucket_replication"):
        assert getattr(s3, call)(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    refused(s3.put_bucket_policy, "NotImplemented", 501, Bucket=bucket, Policy='{"Version": "2012-10-17", "Statement": []}')
    refused(s3.get_bucket_cors, "NoSuchBucket", 404, Bucket="master.no-such-repo-here")
    # The bucket's own ACL document goes back in too.
    s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy={"Owner": acl["Owner"], "Grants": acl["Grants"]})

    # Objects: the owner's full control, no tags, per version.
    grants = s3.get_object_acl(Bucket=bucket, Key="k")["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]
    tagging = s3.get_object_tagging(Bucket=bucket, Key="k", VersionId=v1)
    assert tagging["TagSet"] == [] and tagging["VersionId"] == v1
    assert s3.delete_object_tagging(Bucket=bucket, Key="k")["ResponseMetadata"]["HTTPStatusCode"] == 204
    s3.put_object_acl(Bucket=bucket, Key="k", ACL="private")
    s3.put_bucket_acl(Bucket=bucket, ACL="bucket-owner-full-control")
    refused(s3.put_object_acl, "AccessControlListNotSupported", 400, Bucket=bucket, Key="k", ACL="public-read")
    # What GetObjectAcl answers can be put back (tools that copy ACLs do); a document granting anyone else cannot.
    s3.put_object_acl(Bucket=bucket, Key="k", AccessControlPolicy={"Owner": acl["Owner"], "Grants": grants})
    public = grants + [{"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"}]
    refused(s3.put_object_acl, "AccessControlListNotSupported", 400, Bucket=bucket, Key="k",
            AccessControlPolicy={"Owner": acl["Owner"], "Grants": public})
    refused(s3.put_object_tagging, "NotImplemented", 501, Bucket=bucket, Key="k", Tagging={"TagSet": [{"Key": "a", "Value": "b"}]})
    refused(s3.get_object_tagging, "NoSuchKey", 404, Bucket=bucket, Key="missing")
    refused(s3.get_object_acl, "NoSuchKey", 404, Bucket=bucket, Key="missing")
    # A pinned bucket reads them too and refuses the no-op writes, as every write.
    pinned = f"{v1}.{bucket}"
    assert s3.get_object_tagging(Bucket=pinned, Key="k")["TagSet"] == []
    refused(s3.delete_object_tagging, "MethodNotAllowed", 405, Bucket=pinned, Key="k")
    refused(s3.delete_bucket_policy, "MethodNotAllowed", 405, Bucket=pinned)
    refused(s3.put_object_acl, "MethodNotAllowed", 405, Bucket=pinned, Key="k", ACL="private")
    assert gateway.history(bucket) == history


# ---------------------------------------------------------------------------------------------
# Bad input: the right error, nothing committed


@pytest.fixture
def seeded(gateway, bucket, seed):
    """A bucket holding `k` = b"original", and its history."""
    seed(bucket, "k", b"original")
    return bucket, gateway.history(bucket), {"k": b"original"}


def test_put_wrong_content_md5(s3, plain_s3, gateway, seeded):
    bucket, history, objects = seeded
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k", Body=b"replacement", ContentMD5=md5_b64(b"something else"))
    assert_client_error(e.value, "BadDigest", 400)
    assert_unchanged(gateway, plain_s3, bucket, history, objects)
    # The right MD5 is accepted.
    s3.put_object(Bucket=bucket, Key="k", Body=b"replacement", ContentMD5=md5_b64(b"replacement"))
    assert read(s3, bucket, "k") == b"replacement"


def test_put_invalid_content_md5(s3, plain_s3, gateway, seeded):
    bucket, history, objects = seeded
    for bad in ("not base64!", base64.b64encode(b"short").decode()):
        with pytest.raises(ClientError) as e:
            s3.put_object(Bucket=bucket, Key="k", Body=b"replacement", ContentMD5=bad)
        assert_client_error(e.value, "InvalidDigest", 400)
    assert_unchanged(gateway, plain_s3, bucket, history, objects)


def test_put_wrong_checksum_crc32_header(s3, plain_s3, gateway, seeded):
    bucket, history, objects = seeded
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k", Body=b"replacement", ChecksumCRC32=crc32_b64(b"something else"))
    assert_client_error(e.value, "BadDigest", 400)
    assert_unchanged(gateway, plain_s3, bucket, history, objects)
    ok = s3.put_object(Bucket=bucket, Key="k", Body=b"replacement", ChecksumCRC32=crc32_b64(b"replacement"))
    assert ok["ChecksumCRC32"] == crc32_b64(b"replacement")


def test_put_other_checksum_algorithms(s3, bucket):
    data = b"checksummed body"
    ok = s3.put_object(Bucket=bucket, Key="sha256", Body=data, ChecksumAlgorithm="SHA256")
    assert read(s3, bucket, "sha256") == data
    assert ok["ResponseMetadata"]["HTTPStatusCode"] == 200
    with pytest.raises(ClientError) as e:
        s3.put_object(
            Bucket=bucket, Key="sha256", Body=b"other", ChecksumSHA256=base64.b64encode(hashlib.sha256(data).digest()).decode()
        )
    assert_client_error(e.value, "BadDigest", 400)
    assert read(s3, bucket, "sha256") == data


def test_stored_checksum_is_returned_with_its_version(s3, bucket, checksum_config):
    """The checksum a PUT sent is kept with that version: GET and HEAD return it when asked (ChecksumMode), botocore
    validates the body against it, ranges get none, listings name the algorithm, and a copy carries it."""
    v1_data, v2_data = b"first version " * 100, b"second version"
    sha = lambda d: base64.b64encode(hashlib.sha256(d).digest()).decode()
    v1 = s3.put_object(Bucket=bucket, Key="sum", Body=v1_data, ChecksumAlgorithm="SHA256")
    assert v1["ChecksumSHA256"] == sha(v1_data) and v1["ChecksumType"] == "FULL_OBJECT"
    v2 = s3.put_object(Bucket=bucket, Key="sum", Body=v2_data, ChecksumCRC32=crc32_b64(v2_data))
    got = s3.get_object(Bucket=bucket, Key="sum", ChecksumMode="ENABLED")
    assert got["Body"].read() == v2_data
    assert got["ChecksumCRC32"] == crc32_b64(v2_data) and got["ChecksumType"] == "FULL_OBJECT" and "ChecksumSHA256" not in got
    old = s3.head_object(Bucket=bucket, Key="sum", VersionId=v1["VersionId"], ChecksumMode="ENABLED")
    assert old["ChecksumSHA256"] == sha(v1_data) and "ChecksumCRC32" not in old
    old = s3.get_object(Bucket=bucket, Key="sum", VersionId=v1["VersionId"], ChecksumMode="ENABLED")
    assert old["ChecksumSHA256"] == sha(v1_data) and old["Body"].read() == v1_data
    # Only when asked, and only for the whole object.
    assert "ChecksumCRC32" not in s3.head_object(Bucket=bucket, Key="sum")
    part = s3.get_object(Bucket=bucket, Key="sum", Range="bytes=0-3", ChecksumMode="ENABLED")
    assert part["Body"].read() == v2_data[:4] and not any(k.startswith("Checksum") for k in part)
    listed = {o["Key"]: o for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert listed["sum"]["ChecksumAlgorithm"] == ["CRC32"] and listed["sum"]["ChecksumType"] == "FULL_OBJECT"
    versions = {v["VersionId"]: v for v in s3.list_object_versions(Bucket=bucket, Prefix="sum")["Versions"]}
    assert versions[v1["VersionId"]]["ChecksumAlgorithm"] == ["SHA256"] and versions[v2["VersionId"]]["ChecksumAlgorithm"] == ["CRC32"]
    copied = s3.copy_object(Bucket=bucket, Key="sum-copy", CopySource={"Bucket": bucket, "Key": "sum", "VersionId": v1["VersionId"]})
    assert copied["CopyObjectResult"]["ChecksumSHA256"] == sha(v1_data)
    assert s3.head_object(Bucket=bucket, Key="sum-copy", ChecksumMode="ENABLED")["ChecksumSHA256"] == sha(v1_data)
    # botocore sends CRC32 by default; told `when_required`, it sends none and none is kept.
    s3.put_object(Bucket=bucket, Key="plain", Body=b"plain")
    plain = s3.head_object(Bucket=bucket, Key="plain", ChecksumMode="ENABLED")
    if checksum_config:
        assert not any(k.startswith("Checksum") for k in plain)
    else:
        assert plain["ChecksumCRC32"] == crc32_b64(b"plain")


def test_copy_object_with_checksum_algorithm(s3, gateway, bucket, endpoint):
    """CopyObject with x-amz-checksum-algorithm: the copy gets a whole-object checksum in that algorithm (computed from
    the bytes when the source has another or none, combined from the parts' CRCs for a composite one, kept when it is
    the source's own), returned with the result and with the copy; an unknown algorithm is refused and copies nothing."""
    data = bytes(range(256)) * 12_000 + b"tail"
    sha = lambda d: base64.b64encode(hashlib.sha256(d).digest()).decode()
    s3.put_object(Bucket=bucket, Key="src", Body=data, ChecksumAlgorithm="SHA256")
    as_crc = s3.copy_object(Bucket=bucket, Key="as-crc", CopySource={"Bucket": bucket, "Key": "src"}, ChecksumAlgorithm="CRC32")
    result = as_crc["CopyObjectResult"]
    assert result["ChecksumCRC32"] == crc32_b64(data) and "ChecksumSHA256" not in result and result["ChecksumType"] == "FULL_OBJECT"
    got = s3.get_object(Bucket=bucket, Key="as-crc", ChecksumMode="ENABLED")  # botocore checks the body against it
    assert got["ChecksumCRC32"] == crc32_b64(data) and got["Body"].read() == data
    kept = s3.copy_object(Bucket=bucket, Key="as-sha", CopySource={"Bucket": bucket, "Key": "src"}, ChecksumAlgorithm="SHA256")
    assert kept["CopyObjectResult"]["ChecksumSHA256"] == sha(data)
    # A source without any checksum, and one with a composite CRC-32 of two parts.
    requests.put(f"{endpoint}/{bucket}/bare", data=data).raise_for_status()
    bare = s3.copy_object(Bucket=bucket, Key="bare-sha", CopySource={"Bucket": bucket, "Key": "bare"}, ChecksumAlgorithm="SHA256")
    assert bare["CopyObjectResult"]["ChecksumSHA256"] == sha(data)
    assert s3.head_object(Bucket=bucket, Key="bare-sha", ChecksumMode="ENABLED")["ChecksumSHA256"] == sha(data)
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm="CRC32")
    parts = [data + data, data]
    done = [{"PartNumber": i, "ETag": s3.upload_part(Bucket=bucket, Key="mp", UploadId=up["UploadId"], PartNumber=i, Body=b,
                                                   ChecksumAlgorithm="CRC32")["ETag"], "ChecksumCRC32": crc32_b64(b)}
            for i, b in enumerate(parts, start=1)]
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=up["UploadId"], MultipartUpload={"Parts": done})
    assert s3.head_object(Bucket=bucket, Key="mp", ChecksumMode="ENABLED")["ChecksumType"] == "COMPOSITE"
    whole = s3.copy_object(Bucket=bucket, Key="mp-whole", CopySource={"Bucket": bucket, "Key": "mp"}, ChecksumAlgorithm="CRC32")
    assert whole["CopyObjectResult"]["ChecksumCRC32"] == crc32_b64(b"".join(parts))
    assert whole["CopyObjectResult"]["ChecksumType"] == "FULL_OBJECT"
    history = gateway.history(bucket)
    r = requests.put(f"{endpoint}/{bucket}/nope", headers={"x-amz-copy-source": f"/{bucket}/src", "x-amz-checksum-algorithm": "MD4"})
    assert r.status_code == 400 and "<Code>InvalidArgument</Code>" in r.text, r.text
    assert gateway.history(bucket) == history


def test_get_object_attributes(s3, bucket, endpoint):
    """GetObjectAttributes: ETag (unquoted), the stored checksum, the part count of a multipart object, size and
    storage class, of the current version or an older one; a request naming no attribute, or an unknown one, is refused."""
    data = b"attributes " * 1000
    v1 = s3.put_object(Bucket=bucket, Key="attrs", Body=data, ChecksumAlgorithm="SHA256")
    s3.put_object(Bucket=bucket, Key="attrs", Body=b"newer", ChecksumCRC32=crc32_b64(b"newer"))
    everything = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"]
    old = s3.get_object_attributes(Bucket=bucket, Key="attrs", VersionId=v1["VersionId"], ObjectAttributes=everything)
    assert old["ETag"] == hashlib.md5(data).hexdigest() and old["ObjectSize"] == len(data) and old["StorageClass"] == "STANDARD"
    assert old["Checksum"] == {"ChecksumSHA256": base64.b64encode(hashlib.sha256(data).digest()).decode(), "ChecksumType": "FULL_OBJECT"}
    assert "ObjectParts" not in old and old["VersionId"] == v1["VersionId"]
    new = s3.get_object_attributes(Bucket=bucket, Key="attrs", ObjectAttributes=["ObjectSize", "Checksum"])
    assert new["ObjectSize"] == 5 and new["Checksum"]["ChecksumCRC32"] == crc32_b64(b"newer") and "ETag" not in new
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp")
    parts = [b"p" * (5 << 20), b"q"]
    done = [{"PartNumber": i, "ETag": s3.upload_part(Bucket=bucket, Key="mp", UploadId=up["UploadId"], PartNumber=i, Body=b)["ETag"]}
            for i, b in enumerate(parts, start=1)]
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=up["UploadId"], MultipartUpload={"Parts": done})
    mp = s3.get_object_attributes(Bucket=bucket, Key="mp", ObjectAttributes=["ObjectParts", "ObjectSize"])
    assert mp["ObjectParts"]["TotalPartsCount"] == 2 and mp["ObjectSize"] == len(parts[0]) + 1
    assert "Parts" not in mp["ObjectParts"]  # no part checksums, so (as S3) no parts listed
    # With part checksums: the parts, a page at a time, and one part's checksum on GET ?partNumber.
    up = s3.create_multipart_upload(Bucket=bucket, Key="mpsum", ChecksumAlgorithm="CRC32")
    done = [{"PartNumber": i, "ETag": s3.upload_part(Bucket=bucket, Key="mpsum", UploadId=up["UploadId"], PartNumber=i, Body=b,
                                                   ChecksumAlgorithm="CRC32")["ETag"], "ChecksumCRC32": crc32_b64(b)}
            for i, b in enumerate(parts, start=1)]
    s3.complete_multipart_upload(Bucket=bucket, Key="mpsum", UploadId=up["UploadId"], MultipartUpload={"Parts": done})
    first = s3.get_object_attributes(Bucket=bucket, Key="mpsum", ObjectAttributes=["ObjectParts"], MaxParts=1)["ObjectParts"]
    assert first["TotalPartsCount"] == 2 and first["IsTruncated"] and first["NextPartNumberMarker"] == 1
    assert first["Parts"] == [{"PartNumber": 1, "Size": len(parts[0]), "ChecksumCRC32": crc32_b64(parts[0])}]
    rest = s3.get_object_attributes(Bucket=bucket, Key="mpsum", ObjectAttributes=["ObjectParts"], PartNumberMarker=1)["ObjectParts"]
    assert not rest["IsTruncated"] and rest["Parts"] == [{"PartNumber": 2, "Size": 1, "ChecksumCRC32": crc32_b64(parts[1])}]
    second = s3.get_object(Bucket=bucket, Key="mpsum", PartNumber=2, ChecksumMode="ENABLED")
    assert second["ChecksumCRC32"] == crc32_b64(parts[1]) and second["Body"].read() == parts[1]
    with pytest.raises(ClientError) as e:
        s3.get_object_attributes(Bucket=bucket, Key="missing", ObjectAttributes=["ETag"])
    assert_client_error(e.value, "NoSuchKey", 404)
    for header in ({}, {"x-amz-object-attributes": "ETag,Colour"}, {"x-amz-object-attributes": "ObjectParts", "x-amz-max-parts": "-1"}):
        r = requests.get(f"{endpoint}/{bucket}/attrs?attributes", headers=header)
        assert r.status_code == 400 and "<Code>InvalidArgument</Code>" in r.text, r.text


def test_key_too_long(s3, plain_s3, gateway, seeded):
    bucket, history, objects = seeded
    long_key = "k" * 1025
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key=long_key, Body=b"x")
    assert_client_error(e.value, "KeyTooLongError", 400)
    # Multi-byte: 342 × 3 bytes = 1026 bytes in 342 characters.
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="€" * 342, Body=b"x")
    assert_client_error(e.value, "KeyTooLongError", 400)
    assert_unchanged(gateway, plain_s3, bucket, history, objects)
    # 1024 bytes is fine.
    s3.put_object(Bucket=bucket, Key="k" * 1024, Body=b"x")
    assert read(s3, bucket, "k" * 1024) == b"x"


def test_conditional_put(s3, plain_s3, gateway, seeded):
    bucket, history, objects = seeded
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k", Body=b"clobber", IfNoneMatch="*")
    assert_client_error(e.value, "PreconditionFailed", 412)
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k", Body=b"clobber", IfMatch='"0123456789abcdef0123456789abcdef"')
    assert_client_error(e.value, "PreconditionFailed", 412)
    assert_unchanged(gateway, plain_s3, bucket, history, objects)

    created = s3.put_object(Bucket=bucket, Key="fresh", Body=b"first", IfNoneMatch="*")
    assert read(s3, bucket, "fresh") == b"first"
    s3.put_object(Bucket=bucket, Key="fresh", Body=b"second", IfMatch=created["ETag"])
    assert read(s3, bucket, "fresh") == b"second"

    # If-Match on a key that does not exist: NoSuchKey, as S3 answers, and nothing written.
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="never-written", Body=b"x", IfMatch=created["ETag"])
    assert_client_error(e.value, "NoSuchKey", 404)
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="never-written")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_write_to_pinned_bucket(s3, plain_s3, gateway, seeded):
    bucket, history, objects = seeded
    p = pinned(bucket, history[0])
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=p, Key="k", Body=b"nope")
    assert_client_error(e.value, "MethodNotAllowed", 405)
    assert_unchanged(gateway, plain_s3, bucket, history, objects)


def test_delete_non_empty_bucket(s3, plain_s3, gateway, seeded):
    bucket, history, objects = seeded
    with pytest.raises(ClientError) as e:
        s3.delete_bucket(Bucket=bucket)
    assert_client_error(e.value, "BucketNotEmpty", 409)
    s3.head_bucket(Bucket=bucket)
    assert_unchanged(gateway, plain_s3, bucket, history, objects)


def test_wrong_content_sha256_raw(gateway, endpoint, plain_s3, bucket, seed):
    seed(bucket, "k", b"original")
    history = gateway.history(bucket)
    body = b"replacement"
    resp = requests.put(
        url(endpoint, bucket, "k"), data=body, headers={"x-amz-content-sha256": hashlib.sha256(b"other").hexdigest()}
    )
    assert_raw_error(resp, "XAmzContentSHA256Mismatch", 400)
    assert_unchanged(gateway, plain_s3, bucket, history, {"k": b"original"})
    # Not a digest at all.
    resp = requests.put(url(endpoint, bucket, "k"), data=body, headers={"x-amz-content-sha256": "zz"})
    assert_raw_error(resp, "InvalidArgument", 400)
    assert_unchanged(gateway, plain_s3, bucket, history, {"k": b"original"})
    # The right digest is accepted.
    resp = requests.put(url(endpoint, bucket, "k"), data=body, headers={"x-amz-content-sha256": hashlib.sha256(body).hexdigest()})
    assert resp.status_code == 200, resp.text
    assert gateway.history(bucket)[0] == resp.headers["x-amz-version-id"]


def test_malformed_delete_objects_xml(gateway, endpoint, plain_s3, bucket, seed):
    seed(bucket, "k", b"original")
    history = gateway.history(bucket)
    # The first two bodies crashed the server in FoundationXML (found by `make fuzz`): a name that is not UTF-8,
    # and a processing instruction without data.
    for body in (
        bytes.fromhex("3c436c6fffffffffffff733c3c"),
        b"<DelQt2%20+d%E2<?xmhostr?><COjb\x16SignedHeade",
        b"<Delete><Object><Key>\xc3(</Key></Object></Delete>",
        b"<Delete><Object><Key>k</Key></Object>",
        b"not xml at all",
        b"<Delete></Delete>",
        b"",
    ):
        resp = requests.post(url(endpoint, bucket), params={"delete": ""}, data=body, headers={"Content-MD5": md5_b64(body)})
        assert_raw_error(resp, "MalformedXML", 400)
    assert_unchanged(gateway, plain_s3, bucket, history, {"k": b"original"})
    good = b"<Delete><Object><Key>k</Key></Object></Delete>"
    resp = requests.post(url(endpoint, bucket), params={"delete": ""}, data=good, headers={"Content-MD5": md5_b64(b"x")})
    assert_raw_error(resp, "BadDigest", 400)
    assert_unchanged(gateway, plain_s3, bucket, history, {"k": b"original"})


def _raw_put(host, port, path, headers, body=b""):
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.putrequest("PUT", path, skip_accept_encoding=True)
    for k, v in headers.items():
        conn.putheader(k, v)
    conn.endheaders()
    if body:
        conn.send(body)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp, data


def _check_raw(resp, data, code, status):
    assert resp.status == status, (resp.status, data)
    root = ET.fromstring(data)
    assert root.findtext("Code") == code, data
    rid = resp.getheader("x-amz-request-id")
    assert rid and root.findtext("RequestId") == rid, data


def test_missing_content_length(gateway, plain_s3, bucket, seed):
    seed(bucket, "k", b"original")
    history = gateway.history(bucket)
    path = "/" + bucket + "/k"
    resp, data = _raw_put(gateway.host, gateway.port, path, {"Host": f"{gateway.host}:{gateway.port}"})
    _check_raw(resp, data, "MissingContentLength", 411)
    assert_unchanged(gateway, plain_s3, bucket, history, {"k": b"original"})


def test_truncated_body_then_close(gateway, plain_s3, bucket, seed):
    seed(bucket, "k", b"original")
    history = gateway.history(bucket)
    key = f"half-{uuid.uuid4().hex[:8]}"
    sock = socket.create_connection((gateway.host, gateway.port), timeout=10)
    head = (
        f"PUT /{bucket}/{key} HTTP/1.1\r\nHost: {gateway.host}:{gateway.port}\r\n"
        "Content-Length: 100000\r\nContent-Type: application/octet-stream\r\n\r\n"
    ).encode()
    sock.sendall(head + b"x" * 50000)
    sock.shutdown(socket.SHUT_WR)
    # Wait until the server is done with it: it logs every request when it finishes.
    done = gateway.wait_for_log(lambda line: f"/{bucket}/{key}" in line and "status=" in line, timeout=10)
    sock.close()
    assert_unchanged(gateway, plain_s3, bucket, history, {"k": b"original"})
    assert done is None or "status=200" not in done, done
    # The next write is one commit holding just that write.
    v = plain_s3.put_object(Bucket=bucket, Key="after", Body=b"after")["VersionId"]
    assert gateway.history(bucket) == [v] + history
    assert sorted(o["Key"] for o in plain_s3.list_objects_v2(Bucket=bucket)["Contents"]) == ["after", "k"]


def test_error_bodies_carry_request_ids(endpoint, bucket):
    for method, path, params, expected in (
        ("GET", f"/{bucket}/missing", {}, "NoSuchKey"),
        ("GET", f"/master.{unique_repo('none')}", {"list-type": "2"}, "NoSuchBucket"),
        ("GET", f"/{bucket}", {"cors": ""}, "NoSuchCORSConfiguration"),
        ("PUT", f"/{bucket}", {"policy": ""}, "NotImplemented"),
        ("PUT", f"/{bucket}/k", {"tagging": ""}, "NotImplemented"),
        ("GET", f"/{bucket}", {"list-type": "3"}, "InvalidArgument"),
        ("GET", f"/{bucket}", {"max-keys": "-1"}, "InvalidArgument"),
        ("GET", f"/{bucket}", {"list-type": "2", "continuation-token": "not a token"}, "InvalidArgument"),
        ("GET", f"/{bucket}/k", {"versionId": "not-a-commit"}, "InvalidArgument"),
        ("PUT", f"/{bucket}", {}, "BucketAlreadyOwnedByYou"),
        ("DELETE", f"/master.{unique_repo('none')}", {}, "NoSuchBucket"),
    ):
        resp = requests.request(method, endpoint + path, params=params, data=b"" if method != "GET" else None)
        assert resp.status_code >= 400, (method, path, params)
        fields = assert_raw_error(resp, expected, resp.status_code)
        assert fields.get("Message"), fields
    ok = requests.get(endpoint + "/")
    assert ok.status_code == 200 and ok.headers.get("x-amz-request-id")


def test_every_request_is_one_log_line_with_its_request_id(gateway, endpoint, bucket, seed):
    import re

    seed(bucket, "logged", b"x")
    line_re = re.compile(
        r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info pachs3 \[S3Gateway\]: s3 (?P<fields>.*)$"
    )

    def fields_of(rid):
        line = gateway.wait_for_log(lambda l: f"request-id={rid}" in l, timeout=10)
        assert line is not None, gateway.log_tail()
        m = line_re.match(line)
        assert m, line
        pairs = dict(p.split("=", 1) for p in m.group("fields").split(" "))
        assert list(pairs) == sorted(pairs), line  # metadata sorted by key
        assert float(pairs.pop("ms")) >= 0, line
        return pairs

    ok = requests.get(f"{endpoint}/{bucket}/logged")
    assert ok.status_code == 200
    assert fields_of(ok.headers["x-amz-request-id"]) == {
        "method": "GET", "path": f"/{bucket}/logged", "request-id": ok.headers["x-amz-request-id"], "status": "200"}
    missing = requests.head(f"{endpoint}/{bucket}/not-there")
    assert missing.status_code == 404
    assert fields_of(missing.headers["x-amz-request-id"]) == {
        "error": "NoSuchKey", "method": "HEAD", "path": f"/{bucket}/not-there",
        "request-id": missing.headers["x-amz-request-id"], "status": "404"}


# ---------------------------------------------------------------------------------------------
# aws-chunked with a trailing checksum


def _chunked_body(payload: bytes, trailer_value: str, chunk: int = 8192) -> bytes:
    out = b""
    for i in range(0, len(payload), chunk):
        piece = payload[i : i + chunk]
        out += f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    out += b"0\r\n" + f"x-amz-checksum-crc32:{trailer_value}\r\n".encode() + b"\r\n"
    return out


@pytest.mark.parametrize("correct", [True, False], ids=["right-trailer", "wrong-trailer"])
def test_aws_chunked_trailer(gateway, plain_s3, bucket, seed, correct):
    seed(bucket, "k", b"original")
    history = gateway.history(bucket)
    payload = bytes(range(256)) * 100  # 25600 bytes: several chunks
    value = crc32_b64(payload if correct else payload + b"!")
    body = _chunked_body(payload, value)
    headers = {
        "Host": f"{gateway.host}:{gateway.port}",
        "Content-Encoding": "aws-chunked",
        "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "x-amz-decoded-content-length": str(len(payload)),
        "x-amz-trailer": "x-amz-checksum-crc32",
        "Content-Length": str(len(body)),
        "Content-Type": "application/octet-stream",
    }
    resp, data = _raw_put(gateway.host, gateway.port, f"/{bucket}/k", headers, body)
    if correct:
        assert resp.status == 200, data
        assert resp.getheader("ETag") == '"%s"' % hashlib.md5(payload).hexdigest()
        assert gateway.history(bucket) == [resp.getheader("x-amz-version-id")] + history
        got = plain_s3.get_object(Bucket=bucket, Key="k")
        assert got["Body"].read() == payload
        assert got["ContentLength"] == len(payload)
        # The framing is not part of the stored object's attributes.
        assert got.get("ContentEncoding") in (None, "")
        # S3 answers a PUT with the checksum it verified, from a header or, as here, a trailer.
        assert resp.getheader("x-amz-checksum-crc32") == value, "x-amz-checksum-crc32 not echoed for a trailer checksum"
    else:
        _check_raw(resp, data, "BadDigest", 400)
        assert_unchanged(gateway, plain_s3, bucket, history, {"k": b"original"})


def test_aws_chunked_trailers_are_bounded(gateway, plain_s3, bucket, seed):
    """Trailer lines without end used to pile up in memory; past 16 KiB of them the body is refused."""
    seed(bucket, "k", b"original")
    history = gateway.history(bucket)
    payload = b"hello"
    body = b"5\r\nhello\r\n0\r\n" + b"".join(b"x-amz-meta-pad%d:%s\r\n" % (i, b"v" * 100) for i in range(2000)) + b"\r\n"
    headers = {
        "Host": f"{gateway.host}:{gateway.port}",
        "Content-Encoding": "aws-chunked",
        "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "x-amz-decoded-content-length": str(len(payload)),
        "Content-Length": str(len(body)),
    }
    resp, data = _raw_put(gateway.host, gateway.port, f"/{bucket}/k", headers, body)
    _check_raw(resp, data, "InvalidRequest", 400)
    assert_unchanged(gateway, plain_s3, bucket, history, {"k": b"original"})


# ---------------------------------------------------------------------------------------------
# HTTP: Expect: 100-continue, which botocore sends on every PutObject with a body


def _read_until(sock, predicate, deadline_s: float) -> bytes:
    """Reads from `sock` until `predicate(data)` holds, the peer closes, or the deadline passes."""
    deadline = time.monotonic() + deadline_s
    data = b""
    while not predicate(data):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        sock.settimeout(remaining)
        try:
            piece = sock.recv(65536)
        except socket.timeout:
            break
        if not piece:
            break
        data += piece
    return data


def test_expect_100_continue_gets_interim_response(gateway, bucket):
    """A client that sends `Expect: 100-continue` waits for `100 Continue` before the body (botocore
    gives up after 1 s and sends it anyway: without the interim response every PutObject stalls)."""
    with socket.create_connection((gateway.host, gateway.port), timeout=10) as sock:
        sock.sendall(
            f"PUT /{bucket}/expect HTTP/1.1\r\nHost: {gateway.host}:{gateway.port}\r\n"
            "Content-Length: 5\r\nExpect: 100-continue\r\n\r\n".encode()
        )
        interim = _read_until(sock, lambda d: b"\r\n\r\n" in d, 0.5)
        sock.sendall(b"hello")
        final = _read_until(sock, lambda d: b"\r\n\r\n" in d, 10)
    final_status = final.split(b"\r\n")[0]
    assert interim.startswith(b"HTTP/1.1 100 Continue\r\n"), (
        f"no 100 Continue within 0.5 s of the headers (got {interim!r}); the final response came "
        f"only after the body: {final_status!r}"
    )


def test_boto3_put_object_does_not_wait_for_100_continue(gateway, s3, bucket):
    """Consequence of the missing 100 Continue, seen from boto3: each PutObject costs its 1 s timeout."""
    s3.head_bucket(Bucket=bucket)  # the connection is open
    start = time.monotonic()
    s3.put_object(Bucket=bucket, Key="fast", Body=b"small body")
    elapsed = time.monotonic() - start
    assert elapsed < 0.5, f"a 10-byte PutObject took {elapsed:.2f} s (botocore waits 1 s for 100 Continue)"


@pytest.mark.parametrize("target", ["pinned", "missing-bucket", "invalid-md5", "key-too-long"])
def test_connection_usable_after_early_error_with_expect(gateway, bucket, seed, target):
    """An error to a request that said `Expect: 100-continue`: either the server asked for the body
    first (100 Continue; the client sends it), or it answered without reading it, and then it must
    close the connection (or otherwise not take the next request for the body). Either way the next
    request on that connection must work."""
    head = seed(bucket, "k", b"original")
    path, extra = {
        "pinned": (f"/{pinned(bucket, head)}/k", ""),
        "missing-bucket": (f"/master.{unique_repo('gone')}/k", ""),
        "invalid-md5": (f"/{bucket}/k", "Content-MD5: nope\r\n"),
        "key-too-long": (f"/{bucket}/{'k' * 1025}", ""),
    }[target]
    with socket.create_connection((gateway.host, gateway.port), timeout=10) as sock:
        sock.sendall(
            f"PUT {path} HTTP/1.1\r\nHost: {gateway.host}:{gateway.port}\r\nContent-Length: 4\r\n"
            f"Expect: 100-continue\r\n{extra}\r\n".encode()
        )
        first = _read_until(sock, lambda d: b"\r\n\r\n" in d, 10)
        if first.startswith(b"HTTP/1.1 100 "):
            # The server asked for the body before deciding: a client then sends it (RFC 9110 §10.1.1).
            rest = first.split(b"\r\n\r\n", 1)[1]
            sock.sendall(b"body")
            first = rest + _read_until(sock, lambda d: b"</Error>" in d, 10)
        elif b"</Error>" not in first:
            first += _read_until(sock, lambda d: b"</Error>" in d, 10)
        status = first.split(b"\r\n", 1)[0]
        assert status.split(b" ")[1:2] in ([b"400"], [b"404"], [b"405"]), first
        closing = b"\r\nconnection: close\r\n" in first.lower()
        # Like botocore: no body after a final response; the next request on the same connection.
        try:
            sock.sendall(f"GET /{bucket}?list-type=2 HTTP/1.1\r\nHost: {gateway.host}:{gateway.port}\r\n\r\n".encode())
            second = _read_until(sock, lambda d: b"</ListBucketResult>" in d, 5)
        except (BrokenPipeError, ConnectionResetError):
            second = b""
    if closing or second == b"":
        return  # the server closed the connection: the client opens a new one
    assert second.startswith(b"HTTP/1.1 200"), (
        f"after {status!r} (no Connection: close), the next request on the connection got: {second[:120]!r}"
    )


def test_boto3_put_after_empty_put(endpoint, checksum_config, bucket):
    """An empty PutObject (a folder marker) is answered at once, without 100 Continue; botocore then
    misreads the response to the next PutObject on that connection unless the server sent 100
    Continue or closed the connection. Seen from boto3: the next put stalls until its read timeout
    (2 s here) and is then sent again on a new connection."""
    s3 = make_client(endpoint, read_timeout=2, **checksum_config)
    s3.put_object(Bucket=bucket, Key="folder/", Body=b"")
    start = time.monotonic()
    s3.put_object(Bucket=bucket, Key="folder/next", Body=b"next")
    elapsed = time.monotonic() - start
    assert read(s3, bucket, "folder/next") == b"next"
    assert elapsed < 1.5, f"the PutObject after an empty PutObject took {elapsed:.2f} s"


def test_boto3_client_usable_after_failed_put(s3):
    """The same, as boto3 users meet it: PutObject to a bucket that does not exist yet fails, the
    program creates the bucket and puts again, all with one client."""
    name = f"master.{unique_repo('later')}"
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=name, Key="k", Body=b"data")
    assert_client_error(e.value, "NoSuchBucket", 404)
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="k", Body=b"data")
    assert read(s3, name, "k") == b"data"
