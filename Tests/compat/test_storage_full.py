"""A server whose disk fills up: writes that do not fit fail with a clear error that clients do not retry (S3 507
XPachs3StorageFull, gRPC RESOURCE_EXHAUSTED), leave nothing behind, and lose nothing already written; reads go on;
once space is freed, writes work again and the store passes `pachs3 fsck`. The data directory is a 48 MiB tmpfs
(mounting one needs root, as the mount tests do)."""
import errno
import os
import subprocess

import grpc
import pytest
from botocore.exceptions import ClientError
from pachyderm_sdk import Client
from pachyderm_sdk.api import pfs

from conftest import Gateway, _binary, error_code, make_client

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")

BUCKET = "master.full"


def fill(directory) -> None:
    """Writes a file into `directory` until its file system has no byte left."""
    with open(os.path.join(directory, "filler"), "wb", buffering=0) as f:
        for size in (1 << 20, 4096, 1):
            block = b"\0" * size
            try:
                while True:
                    f.write(block)
            except OSError as e:
                assert e.errno == errno.ENOSPC, e


def assert_full(call) -> None:
    with pytest.raises(ClientError) as e:
        call()
    assert error_code(e.value) == "XPachs3StorageFull", e.value.response
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 507
    assert e.value.response["ResponseMetadata"]["RetryAttempts"] == 0, "a full disk is not worth retrying"
    assert "storage is full" in e.value.response["Error"]["Message"]


def test_a_full_disk_fails_writes_clearly_and_loses_nothing(tmp_path):
    gw = Gateway(_binary(), tmp_path)
    gw.data_dir.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(gw.data_dir)], check=True)
    try:
        gw.start()
        # Retries on, as clients run: they must not be spent on a full disk.
        s3 = make_client(gw.endpoint, retries={"max_attempts": 3, "mode": "standard"})
        s3.create_bucket(Bucket=BUCKET)
        keep = os.urandom(20 << 20)
        s3.put_object(Bucket=BUCKET, Key="keep.bin", Body=keep)
        s3.put_object(Bucket=BUCKET, Key="small.txt", Body=b"small")

        # A body larger than the space left fails whole, and gives its space back.
        assert_full(lambda: s3.put_object(Bucket=BUCKET, Key="too-big.bin", Body=os.urandom(40 << 20)))
        assert sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]) == ["keep.bin", "small.txt"]
        fits = os.urandom(8 << 20)
        s3.put_object(Bucket=BUCKET, Key="fits.bin", Body=fits)

        # Not a byte left: every kind of write fails the same way, the metadata store's included.
        fill(gw.data_dir)
        assert_full(lambda: s3.put_object(Bucket=BUCKET, Key="tiny.txt", Body=b"x" * 100))
        assert_full(lambda: s3.put_object(Bucket=BUCKET, Key="blob.bin", Body=os.urandom(300_000)))
        assert_full(lambda: s3.delete_object(Bucket=BUCKET, Key="small.txt"))
        assert_full(lambda: s3.copy_object(Bucket=BUCKET, Key="copy.bin", CopySource={"Bucket": BUCKET, "Key": "keep.bin"}))
        assert_full(lambda: s3.create_multipart_upload(Bucket=BUCKET, Key="mp.bin"))
        assert_full(lambda: s3.create_bucket(Bucket="master.other"))
        sdk = Client(host="127.0.0.1", port=gw.grpc_port)
        with pytest.raises(grpc.RpcError) as e:
            sdk.pfs.start_commit(branch=pfs.Branch.from_uri("full@master"))
        assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, e.value

        # Reads go on.
        assert s3.get_object(Bucket=BUCKET, Key="keep.bin")["Body"].read() == keep
        assert s3.get_object(Bucket=BUCKET, Key="small.txt")["Body"].read() == b"small"
        assert sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]) == ["fits.bin", "keep.bin", "small.txt"]

        # Space freed: writes work again, on the same server.
        os.unlink(gw.data_dir / "filler")
        s3.put_object(Bucket=BUCKET, Key="tiny.txt", Body=b"x" * 100)
        s3.put_object(Bucket=BUCKET, Key="blob.bin", Body=os.urandom(300_000))
        s3.delete_object(Bucket=BUCKET, Key="small.txt")
        s3.copy_object(Bucket=BUCKET, Key="copy.bin", CopySource={"Bucket": BUCKET, "Key": "keep.bin"})
        assert s3.get_object(Bucket=BUCKET, Key="copy.bin")["Body"].read() == keep
        assert s3.get_object(Bucket=BUCKET, Key="fits.bin")["Body"].read() == fits
        assert sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]) == ["blob.bin", "copy.bin", "fits.bin", "keep.bin", "tiny.txt"]
        assert gw.stop() == 0
        fsck = gw.cli("fsck", check=False)
        assert fsck.returncode == 0, fsck.stdout + fsck.stderr
    finally:
        gw.kill()
        subprocess.run(["umount", "-l", str(gw.data_dir)], check=False)
