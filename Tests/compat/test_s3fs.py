"""s3fs-fuse mounting a bucket of the auth-off gateway: write a file through the mount, read one
written with boto3, list the directory, unmount; then check the written file through boto3."""
import os
import pathlib
import shutil
import subprocess
import time

import pytest

from conftest import make_client, unique_repo

MOUNT_DEADLINE = 20.0


def mounted(path: pathlib.Path) -> bool:
    target = str(path)
    with open("/proc/mounts") as f:
        return any(line.split()[1] == target for line in f if len(line.split()) > 1)


def unmount(path: pathlib.Path) -> None:
    for cmd in (["fusermount3", "-u"], ["fusermount", "-u"], ["umount"]):
        if not mounted(path):
            return
        if shutil.which(cmd[0]):
            subprocess.run([*cmd, str(path)], capture_output=True, timeout=20)


def test_s3fs_mount_write_read_list(gateway, tmp_path):
    if not os.path.exists("/dev/fuse"):
        pytest.skip("/dev/fuse does not exist: s3fs-fuse cannot mount here")
    s3 = make_client(gateway.endpoint)
    bucket = f"master.{unique_repo('s3fs')}"
    s3.create_bucket(Bucket=bucket)
    from_boto = os.urandom(70_000)
    s3.put_object(Bucket=bucket, Key="from-boto3.bin", Body=from_boto)
    s3.put_object(Bucket=bucket, Key="sub/inner.txt", Body=b"inner\n")

    passwd = tmp_path / "passwd"
    passwd.write_text("x:x\n")
    passwd.chmod(0o600)
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS")}
    cmd = ["s3fs", bucket, str(mnt), "-f",  # foreground: the process is ours to wait for
           "-o", f"url={gateway.endpoint},use_path_request_style,passwd_file={passwd},endpoint=us-east-1,"
                 "dbglevel=warn,retries=1,connect_timeout=5,readwrite_timeout=30,stat_cache_expire=1"]
    log = tmp_path / "s3fs.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env)
    written = os.urandom(200_000) + b"tail"
    try:
        deadline = time.monotonic() + MOUNT_DEADLINE
        while not mounted(mnt):
            assert proc.poll() is None, f"s3fs exited with {proc.returncode}:\n{log.read_text()}\n{gateway.log_tail(20)}"
            assert time.monotonic() < deadline, f"{mnt} not in /proc/mounts after {MOUNT_DEADLINE:.0f} s:\n{log.read_text()}"
            time.sleep(0.05)

        (mnt / "from-fuse.bin").write_bytes(written)
        assert (mnt / "from-boto3.bin").read_bytes() == from_boto
        assert (mnt / "sub" / "inner.txt").read_bytes() == b"inner\n"
        assert sorted(os.listdir(mnt)) == ["from-boto3.bin", "from-fuse.bin", "sub"]
        assert (mnt / "from-fuse.bin").stat().st_size == len(written)
        assert (mnt / "from-fuse.bin").read_bytes() == written
    finally:
        unmount(mnt)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert not mounted(mnt)
    try:
        assert s3.get_object(Bucket=bucket, Key="from-fuse.bin")["Body"].read() == written
        keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))
        assert keys == ["from-boto3.bin", "from-fuse.bin", "sub/inner.txt"], keys
    finally:
        s3.close()
