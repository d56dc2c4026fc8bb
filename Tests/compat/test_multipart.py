"""Multipart uploads through boto3's own calls: the six operations, UploadPartCopy, reading one part
back with `PartNumber`, and the errors S3 gives for bad completions — each leaving nothing committed."""

from __future__ import annotations

import base64
import hashlib
import os
import zlib

import pytest
import requests
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


def crc32_b64(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def test_upload_checksums_composite_and_full_object(s3, gateway, bucket):
    """An upload created with a checksum algorithm gives every part that checksum (computed when the part came
    without one) and the object one made from them: COMPOSITE (the CRC of the parts' CRCs, `-N`) or FULL_OBJECT
    (the CRC of the whole, combined from the parts'); a wrong whole-object value or part value commits nothing."""
    s3.put_object(Bucket=bucket, Key="seed", Body=b"a first commit, so the branch has a history to compare")
    parts = [os.urandom(5 * MiB), os.urandom(5 * MiB), os.urandom(MiB + 3)]
    whole = b"".join(parts)
    composite = base64.b64encode(zlib.crc32(b"".join(zlib.crc32(p).to_bytes(4, "big") for p in parts)).to_bytes(4, "big")).decode() + "-3"
    for kind, expected in (("COMPOSITE", composite), ("FULL_OBJECT", crc32_b64(whole))):
        key = f"sum-{kind}"
        up = s3.create_multipart_upload(Bucket=bucket, Key=key, ChecksumAlgorithm="CRC32", ChecksumType=kind)
        assert up["ChecksumAlgorithm"] == "CRC32" and up["ChecksumType"] == kind
        done = []
        for i, body in enumerate(parts, start=1):
            # The second part is sent without a checksum (raw HTTP would do the same): the server computes it.
            extra = {} if i == 2 else {"ChecksumCRC32": crc32_b64(body)}
            r = s3.upload_part(Bucket=bucket, Key=key, UploadId=up["UploadId"], PartNumber=i, Body=body, **extra)
            done.append({"PartNumber": i, "ETag": r["ETag"], "ChecksumCRC32": crc32_b64(body)})
        listed = s3.list_parts(Bucket=bucket, Key=key, UploadId=up["UploadId"])
        assert [p["ChecksumCRC32"] for p in listed["Parts"]] == [crc32_b64(p) for p in parts]
        assert listed["ChecksumAlgorithm"] == "CRC32" and listed["ChecksumType"] == kind
        before = gateway.history(bucket)
        # A part checksum that is not the stored one, and a whole-object value of other bytes: refused, nothing committed.
        wrong_part = [dict(done[0], ChecksumCRC32=crc32_b64(b"x"))] + done[1:]
        with pytest.raises(ClientError) as e:
            s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up["UploadId"], MultipartUpload={"Parts": wrong_part})
        assert_client_error(e.value, "InvalidPart", 400)
        # A whole-object value that is not base64 of a checksum: InvalidDigest.
        r = requests.post(f"{gateway.endpoint}/{bucket}/{key}?uploadId={up['UploadId']}", headers={"x-amz-checksum-crc32": "not base64!"},
                          data="<CompleteMultipartUpload>" + "".join(
                              f"<Part><PartNumber>{p['PartNumber']}</PartNumber><ETag>{p['ETag']}</ETag></Part>" for p in done)
                          + "</CompleteMultipartUpload>")
        assert r.status_code == 400 and "<Code>InvalidDigest</Code>" in r.text, r.text
        if kind == "FULL_OBJECT":
            with pytest.raises(ClientError) as e:
                s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up["UploadId"], MultipartUpload={"Parts": done},
                                             ChecksumCRC32=crc32_b64(b"other"), ChecksumType="FULL_OBJECT")
            assert_client_error(e.value, "BadDigest", 400)
        assert gateway.history(bucket) == before
        extra = {"ChecksumCRC32": expected, "ChecksumType": kind} if kind == "FULL_OBJECT" else {}
        fin = s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up["UploadId"], MultipartUpload={"Parts": done}, **extra)
        assert fin["ChecksumCRC32"] == expected and fin["ChecksumType"] == kind
        got = s3.get_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        assert got["ChecksumCRC32"] == expected and got["ChecksumType"] == kind and got["Body"].read() == whole


def test_upload_checksum_rules(s3, bucket, endpoint):
    """Combinations S3 refuses, a part in another algorithm, and a copied part getting the upload's checksum."""
    for algorithm, kind in (("CRC64NVME", "COMPOSITE"), ("SHA256", "FULL_OBJECT")):
        with pytest.raises(ClientError) as e:
            s3.create_multipart_upload(Bucket=bucket, Key="k", ChecksumAlgorithm=algorithm, ChecksumType=kind)
        assert_client_error(e.value, "InvalidRequest", 400)
    # A type that is not one, a type without an algorithm, an algorithm S3 has not: refused, no upload made.
    for headers in ({"x-amz-checksum-algorithm": "CRC32", "x-amz-checksum-type": "PARTIAL"}, {"x-amz-checksum-type": "COMPOSITE"},
                    {"x-amz-checksum-algorithm": "MD5"}):
        r = requests.post(f"{endpoint}/{bucket}/k?uploads", headers=headers)
        assert r.status_code == 400 and ("<Code>InvalidArgument</Code>" in r.text or "<Code>InvalidRequest</Code>" in r.text), r.text
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    up = s3.create_multipart_upload(Bucket=bucket, Key="k", ChecksumAlgorithm="SHA256")
    assert up["ChecksumType"] == "COMPOSITE"
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket=bucket, Key="k", UploadId=up["UploadId"], PartNumber=1, Body=b"abc", ChecksumAlgorithm="CRC32")
    assert_client_error(e.value, "InvalidRequest", 400)
    assert s3.list_parts(Bucket=bucket, Key="k", UploadId=up["UploadId"]).get("Parts", []) == []
    src = os.urandom(MiB)
    s3.put_object(Bucket=bucket, Key="src", Body=src)
    copied = s3.upload_part_copy(Bucket=bucket, Key="k", UploadId=up["UploadId"], PartNumber=1,
                                 CopySource={"Bucket": bucket, "Key": "src"}, CopySourceRange="bytes=0-99")
    sha = base64.b64encode(hashlib.sha256(src[:100]).digest()).decode()
    assert copied["CopyPartResult"]["ChecksumSHA256"] == sha
    fin = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=up["UploadId"],
                                       MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": copied["CopyPartResult"]["ETag"]}]})
    assert fin["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(hashlib.sha256(src[:100]).digest()).digest()).decode() + "-1"
