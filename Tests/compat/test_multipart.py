"""Multipart uploads through boto3's own calls: the six operations, UploadPartCopy, reading one part
back with `PartNumber`, and the errors S3 gives for bad completions — each leaving nothing committed."""

from __future__ import annotations

import hashlib
import os

import pytest
from botocore.exceptions import ClientError

from conftest import assert_client_error

MiB = 1 << 20


def multipart_etag(parts: list[bytes]) -> str:
    return hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest() + f"-{len(parts)}"


def upload(s3, bucket: str, key: str, parts: list[bytes]) -> dict:
    up = s3.create_multipart_upload(Bucket=bucket, Key=key, ContentType="application/x-test", Metadata={"who": "mp"})
    done = []
    for i, body in enumerate(parts, start=1):
        r = s3.upload_part(Bucket=bucket, Key=key, UploadId=up["UploadId"], PartNumber=i, Body=body)
        done.append({"PartNumber": i, "ETag": r["ETag"]})
    listed = s3.list_parts(Bucket=bucket, Key=key, UploadId=up["UploadId"])
    assert [p["PartNumber"] for p in listed["Parts"]] == list(range(1, len(parts) + 1))
    assert [p["Size"] for p in listed["Parts"]] == [len(p) for p in parts]
    return s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up["UploadId"], MultipartUpload={"Parts": done})


def test_upload_and_read_parts_back(s3, gateway, bucket):
    parts = [os.urandom(5 * MiB), os.urandom(5 * MiB), os.urandom(MiB + 7)]
    done = upload(s3, bucket, "big", parts)
    assert done["ETag"].strip('"') == multipart_etag(parts)
    assert gateway.history(bucket)[0] == done["VersionId"]

    whole = s3.get_object(Bucket=bucket, Key="big")
    assert whole["Body"].read() == b"".join(parts)
    assert whole["ContentType"] == "application/x-test" and whole["Metadata"] == {"who": "mp"}
    offset = 0
    for n, body in enumerate(parts, start=1):
        got = s3.get_object(Bucket=bucket, Key="big", PartNumber=n)
        assert got["Body"].read() == body
        assert got["PartsCount"] == 3
        assert got["ContentRange"] == f"bytes {offset}-{offset + len(body) - 1}/{sum(map(len, parts))}"
        assert got["ETag"] == whole["ETag"]
        head = s3.head_object(Bucket=bucket, Key="big", PartNumber=n)
        assert head["ContentLength"] == len(body) and head["PartsCount"] == 3
        offset += len(body)
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="big", PartNumber=4)
    assert_client_error(e.value, "InvalidPartNumber", 416)
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="big", PartNumber=1, Range="bytes=0-9")
    assert_client_error(e.value, "InvalidRequest", 400)

    # A file written in one piece has exactly one part.
    s3.put_object(Bucket=bucket, Key="single", Body=b"one piece")
    assert s3.get_object(Bucket=bucket, Key="single", PartNumber=1)["Body"].read() == b"one piece"
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="single", PartNumber=2)
    assert_client_error(e.value, "InvalidPartNumber", 416)


def test_upload_part_copy_and_abort(s3, gateway, bucket):
    source = os.urandom(6 * MiB)
    s3.put_object(Bucket=bucket, Key="src", Body=source)
    up = s3.create_multipart_upload(Bucket=bucket, Key="copied")
    p1 = s3.upload_part_copy(
        Bucket=bucket, Key="copied", UploadId=up["UploadId"], PartNumber=1, CopySource={"Bucket": bucket, "Key": "src"},
        CopySourceRange=f"bytes=0-{5 * MiB - 1}")
    p2 = s3.upload_part(Bucket=bucket, Key="copied", UploadId=up["UploadId"], PartNumber=2, Body=b"tail")
    s3.complete_multipart_upload(
        Bucket=bucket, Key="copied", UploadId=up["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": p1["CopyPartResult"]["ETag"]}, {"PartNumber": 2, "ETag": p2["ETag"]}]})
    assert s3.get_object(Bucket=bucket, Key="copied")["Body"].read() == source[: 5 * MiB] + b"tail"

    before = gateway.history(bucket)
    gone = s3.create_multipart_upload(Bucket=bucket, Key="abandoned")
    s3.upload_part(Bucket=bucket, Key="abandoned", UploadId=gone["UploadId"], PartNumber=1, Body=b"x")
    assert gone["UploadId"] in [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])]
    s3.abort_multipart_upload(Bucket=bucket, Key="abandoned", UploadId=gone["UploadId"])
    with pytest.raises(ClientError) as e:
        s3.list_parts(Bucket=bucket, Key="abandoned", UploadId=gone["UploadId"])
    assert_client_error(e.value, "NoSuchUpload", 404)
    assert gateway.history(bucket) == before


@pytest.mark.parametrize("case", ["small-part", "wrong-etag", "order", "missing-part"])
def test_bad_completions_commit_nothing(s3, gateway, bucket, case):
    s3.put_object(Bucket=bucket, Key="seed", Body=b"so the branch has a HEAD")
    up = s3.create_multipart_upload(Bucket=bucket, Key="k")
    uid = up["UploadId"]
    a = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=b"a" * 1024)
    b = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=2, Body=b"b" * 1024)
    parts, code = {
        # a part below 5 MiB that is not the last
        "small-part": ([{"PartNumber": 1, "ETag": a["ETag"]}, {"PartNumber": 2, "ETag": b["ETag"]}], "EntityTooSmall"),
        "wrong-etag": ([{"PartNumber": 1, "ETag": '"0123456789abcdef0123456789abcdef"'}], "InvalidPart"),
        "order": ([{"PartNumber": 2, "ETag": b["ETag"]}, {"PartNumber": 1, "ETag": a["ETag"]}], "InvalidPartOrder"),
        "missing-part": ([{"PartNumber": 3, "ETag": b["ETag"]}], "InvalidPart"),
    }[case]
    before = gateway.history(bucket)
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, MultipartUpload={"Parts": parts})
    assert_client_error(e.value, code, 400)
    assert gateway.history(bucket) == before
    # The upload survives a bad completion and can still be completed properly.
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="k", UploadId=uid, MultipartUpload={"Parts": [{"PartNumber": 2, "ETag": b["ETag"]}]})
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"b" * 1024
    assert gateway.history(bucket)[0] == done["VersionId"]
