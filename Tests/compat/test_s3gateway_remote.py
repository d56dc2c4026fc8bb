"""`pachs3 s3gateway` in its own process in front of a separate `pachs3 serve`, reached over gRPC:
a boto3 round trip, multipart included, seen the same through the server's own S3 gateway."""
from __future__ import annotations

import base64
import hashlib
import io
import os
import threading
import time
import zlib

import pytest
import requests
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from conftest import Gateway, _binary, error_code, make_client, remote_gateway

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


def test_a_remote_gateway_answers_503_while_its_server_is_away_and_recovers(tmp_path):
    """The server behind the gateway is killed: requests fail at once with 503 ServiceUnavailable (which S3 clients
    retry) instead of hanging until the client gives up, a PUT cut off midway commits nothing, and once the server is
    back on its port the same gateway serves again."""
    server = Gateway(_binary(), tmp_path)
    server.start()
    endpoints = remote_gateway(server.grpc_port)
    endpoint = next(endpoints)
    try:
        s3 = make_client(endpoint)
        s3.create_bucket(Bucket="master.away")
        s3.put_object(Bucket="master.away", Key="a", Body=b"before")

        # A PUT in flight when the server dies: its body keeps coming, slowly.
        started = threading.Event()

        def slow_body():
            for i in range(200):
                if i == 3:
                    started.set()
                yield os.urandom(256 << 10)
                time.sleep(0.02)

        outcome = []

        def put():
            try:
                r = requests.put(f"{endpoint}/master.away/cut", data=slow_body(), timeout=30)
                outcome.append(r.status_code)
            except requests.RequestException as e:
                outcome.append(type(e).__name__)

        t = threading.Thread(target=put)
        t.start()
        assert started.wait(10)
        server.kill()
        t.join(30)
        # Answered, once its body is in: the gateway reads the rest of a body it can no longer use.
        assert outcome == [503], outcome

        for call in (lambda: s3.get_object(Bucket="master.away", Key="a"),
                     lambda: s3.put_object(Bucket="master.away", Key="b", Body=b"b"),
                     lambda: s3.list_objects_v2(Bucket="master.away"),
                     lambda: s3.list_buckets()):
            began = time.monotonic()
            with pytest.raises(ClientError) as e:
                call()
            assert error_code(e.value) == "ServiceUnavailable", e.value.response
            assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
            assert time.monotonic() - began < 5, "the gateway waited for the server instead of answering"

        server.start(server.grpc_port)
        deadline = time.monotonic() + 20
        while True:
            try:
                got = s3.get_object(Bucket="master.away", Key="a")["Body"].read()
                break
            except ClientError as e:
                assert error_code(e) == "ServiceUnavailable" and time.monotonic() < deadline, e.response
                time.sleep(0.1)
        assert got == b"before"
        s3.put_object(Bucket="master.away", Key="b", Body=b"after")
        assert [o["Key"] for o in s3.list_objects_v2(Bucket="master.away")["Contents"]] == ["a", "b"]
    finally:
        try:
            next(endpoints)
        except StopIteration:
            pass
        server.stop()
