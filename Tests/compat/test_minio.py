"""The MinIO Python SDK against an auth-on gateway (token as access key and secret): bucket_exists,
put_object (small, and a 12 MiB stream in 5 MiB parts), get_object, list_objects, stat_object, remove_object."""
import hashlib
import io
import os

import pytest
import urllib3
from minio import Minio
from minio.error import S3Error

from conftest import unique_repo

MIB = 1024 * 1024




def minio_client(gw, key: str, secret: str | None = None) -> Minio:
    http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=5, read=30), retries=False)
    return Minio(f"127.0.0.1:{gw.port}", access_key=key, secret_key=secret or key, secure=False,
                 region="us-east-1", http_client=http)


class Stream(io.RawIOBase):
    """A non-seekable reader (no length known up front to anything but the caller)."""

    def __init__(self, data: bytes):
        self._buf = io.BytesIO(data)

    def readable(self):
        return True

    def read(self, n=-1):
        return self._buf.read(n)


def read_all(client: Minio, bucket: str, key: str) -> bytes:
    resp = client.get_object(bucket, key)
    try:
        return resp.read()
    finally:
        resp.close()
        resp.release_conn()


def test_minio_sdk_roundtrip(secure):
    gw, token, _ = secure
    mc = minio_client(gw, token)
    bucket = f"master.{unique_repo('minio')}"
    assert not mc.bucket_exists(bucket)
    mc.make_bucket(bucket)
    assert mc.bucket_exists(bucket)

    small = b"hello from minio\n"
    put = mc.put_object(bucket, "dir/small.txt", io.BytesIO(small), len(small), content_type="text/plain")
    assert put.version_id and len(put.version_id) == 32
    assert read_all(mc, bucket, "dir/small.txt") == small
    st = mc.stat_object(bucket, "dir/small.txt")
    assert st.size == len(small) and st.etag == hashlib.md5(small).hexdigest()
    assert st.content_type == "text/plain"

    big = os.urandom(12 * MIB)
    put = mc.put_object(bucket, "dir/deep/big.bin", Stream(big), length=-1, part_size=5 * MIB)
    assert put.etag.endswith("-3"), f"expected a 3-part multipart ETag, got {put.etag}"
    assert read_all(mc, bucket, "dir/deep/big.bin") == big
    st = mc.stat_object(bucket, "dir/deep/big.bin")
    assert st.size == len(big) and st.etag == put.etag
    parts = [hashlib.md5(big[i:i + 5 * MIB]).digest() for i in range(0, len(big), 5 * MIB)]
    assert st.etag == f"{hashlib.md5(b''.join(parts)).hexdigest()}-3"

    listed = {o.object_name: o.size for o in mc.list_objects(bucket, recursive=True)}
    assert listed == {"dir/small.txt": len(small), "dir/deep/big.bin": len(big)}
    shallow = sorted((o.object_name, o.is_dir) for o in mc.list_objects(bucket, prefix="dir/"))
    assert shallow == [("dir/deep/", True), ("dir/small.txt", False)]

    mc.remove_object(bucket, "dir/small.txt")
    with pytest.raises(S3Error) as e:
        mc.stat_object(bucket, "dir/small.txt")
    assert e.value.code in ("NoSuchKey", "NoSuchObject", "ResourceNotFound"), e.value
    assert [o.object_name for o in mc.list_objects(bucket, recursive=True)] == ["dir/deep/big.bin"]
    mc.remove_object(bucket, "dir/deep/big.bin")
    assert list(mc.list_objects(bucket, recursive=True)) == []


def test_minio_sdk_wrong_secret_is_refused(secure):
    gw, token, _ = secure
    with pytest.raises(S3Error) as e:
        minio_client(gw, token, "wrong-secret").bucket_exists("master.anything")
    assert e.value.code in ("SignatureDoesNotMatch", "AccessDenied"), e.value
