"""`pachs3 s3gateway` in its own process in front of a separate `pachs3 serve`, reached over gRPC:
a boto3 round trip, multipart included, seen the same through the server's own S3 gateway."""
from __future__ import annotations

import base64
import hashlib
import io
import os
import zlib

import pytest
from boto3.s3.transfer import TransferConfig

from conftest import make_client

def test_boto3_round_trip_through_a_remote_gateway(remote_endpoint, gateway):
    s3 = make_client(remote_endpoint)
    local = make_client(gateway.endpoint)
    s3.create_bucket(Bucket="master.remote")
    put = s3.put_object(Bucket="master.remote", Key="dir/a.txt", Body=b"alpha", ContentType="text/plain",
                        Metadata={"who": "remote"})
    assert len(put["VersionId"]) == 32
    got = s3.get_object(Bucket="master.remote", Key="dir/a.txt")
    assert got["Body"].read() == b"alpha"
    assert got["ContentType"] == "text/plain" and got["Metadata"] == {"who": "remote"}
    assert s3.get_object(Bucket="master.remote", Key="dir/a.txt", Range="bytes=1-3")["Body"].read() == b"lph"

    # Multipart (4 parts of 5 MiB + a tail), through the remote client's upload calls.
    data = os.urandom(21 * 1024 * 1024)
    s3.upload_fileobj(io.BytesIO(data), "master.remote", "big.bin",
                      Config=TransferConfig(multipart_threshold=5 << 20, multipart_chunksize=5 << 20, max_concurrency=2))
    body = s3.get_object(Bucket="master.remote", Key="big.bin")["Body"].read()
    assert hashlib.sha256(body).digest() == hashlib.sha256(data).digest()
    # Part sizes and checksums cross the network too: one part read back by number, checked by botocore.
    part = s3.get_object(Bucket="master.remote", Key="big.bin", PartNumber=5, ChecksumMode="ENABLED")
    assert part["PartsCount"] == 5 and part["Body"].read() == data[20 << 20:]
    assert part["ChecksumCRC32"] == base64.b64encode(zlib.crc32(data[20 << 20:]).to_bytes(4, "big")).decode()
    attrs = s3.get_object_attributes(Bucket="master.remote", Key="big.bin", ObjectAttributes=["ObjectParts", "Checksum"])
    assert attrs["ObjectParts"]["TotalPartsCount"] == 5 and [p["Size"] for p in attrs["ObjectParts"]["Parts"]] == [5 << 20] * 4 + [1 << 20]

    listing = s3.list_objects_v2(Bucket="master.remote", Delimiter="/")
    assert [o["Key"] for o in listing["Contents"]] == ["big.bin"]
    assert [p["Prefix"] for p in listing["CommonPrefixes"]] == ["dir/"]
    s3.copy_object(Bucket="master.remote", Key="copy.txt", CopySource={"Bucket": "master.remote", "Key": "dir/a.txt"})
    s3.delete_object(Bucket="master.remote", Key="dir/a.txt")
    versions = s3.list_object_versions(Bucket="master.remote", Prefix="dir/a.txt")
    assert len(versions["Versions"]) == 1 and len(versions["DeleteMarkers"]) == 1
    old = s3.get_object(Bucket="master.remote", Key="dir/a.txt", VersionId=put["VersionId"])
    assert old["Body"].read() == b"alpha"

    # The server's own gateway sees the same state.
    assert local.get_object(Bucket="master.remote", Key="copy.txt")["Body"].read() == b"alpha"
    assert sorted(o["Key"] for o in local.list_objects_v2(Bucket="master.remote")["Contents"]) == ["big.bin", "copy.txt"]
    err = s3.get_object.__self__.exceptions.NoSuchKey
    with pytest.raises(err):
        s3.get_object(Bucket="master.remote", Key="dir/a.txt")
