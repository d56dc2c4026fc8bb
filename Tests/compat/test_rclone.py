"""rclone (provider Other, path style) against the auth-off gateway: copy a tree up (one file big
enough to go multipart), sync after changes and deletions, check sizes and MD5s, lsf, cat."""
import os
import pathlib
import shutil
import subprocess

import pytest

from conftest import make_client, unique_repo

MIB = 1024 * 1024


def rclone_env(gateway) -> dict:
    # No AWS_* from the environment: rclone 1.60's SDK cannot apply AWS_CA_BUNDLE to its own transport
    # ("unable to load custom CA bundle"), and the gateway is plain HTTP anyway.
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({
        "RCLONE_CONFIG": os.devnull,  # nothing from ~/.config/rclone
        "RCLONE_CONFIG_PACHS3_TYPE": "s3",
        "RCLONE_CONFIG_PACHS3_PROVIDER": "Other",
        "RCLONE_CONFIG_PACHS3_ENDPOINT": gateway.endpoint,
        "RCLONE_CONFIG_PACHS3_ACCESS_KEY_ID": "rclone-access",
        "RCLONE_CONFIG_PACHS3_SECRET_ACCESS_KEY": "rclone-secret",
        "RCLONE_CONFIG_PACHS3_REGION": "us-east-1",
        "RCLONE_CONFIG_PACHS3_FORCE_PATH_STYLE": "true",
    })
    return env


def rclone(gateway, *args: str) -> subprocess.CompletedProcess:
    cmd = ["rclone", "--retries", "1", "--low-level-retries", "1", "--contimeout", "5s", "--timeout", "30s",
           "--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M", *args]
    r = subprocess.run(cmd, env=rclone_env(gateway), capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"{' '.join(cmd)} -> {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}\ngateway log:\n{gateway.log_tail(20)}"
    return r


@pytest.fixture
def tree(tmp_path) -> pathlib.Path:
    root = tmp_path / "src"
    (root / "dir" / "sub").mkdir(parents=True)
    (root / "a.txt").write_bytes(b"alpha\n")
    (root / "dir" / "b.bin").write_bytes(os.urandom(4096))
    (root / "dir" / "sub" / "c with space.txt").write_bytes(b"gamma\n")
    (root / "empty").write_bytes(b"")
    (root / "big.bin").write_bytes(os.urandom(12 * MIB))  # > upload cutoff: multipart, 3 parts
    return root


def test_rclone_copy_sync_check_lsf_cat(gateway, tree, tmp_path):
    bucket = f"master.{unique_repo('rclone')}"
    remote = f"pachs3:{bucket}"
    rclone(gateway, "mkdir", remote)
    rclone(gateway, "copy", str(tree), remote)

    s3 = make_client(gateway.endpoint)
    try:
        big = s3.head_object(Bucket=bucket, Key="big.bin")
        assert big["ContentLength"] == 12 * MIB
        assert big["ETag"].strip('"').endswith("-3"), f"big.bin did not go multipart: {big['ETag']}"
        assert s3.get_object(Bucket=bucket, Key="dir/sub/c with space.txt")["Body"].read() == b"gamma\n"
    finally:
        s3.close()
    rclone(gateway, "check", str(tree), remote)  # sizes + MD5 (multipart: rclone's X-Amz-Meta-Md5chksum)

    # Change, add, delete; then sync and check again.
    (tree / "a.txt").write_bytes(b"alpha, changed\n")
    (tree / "dir" / "b.bin").unlink()
    shutil.rmtree(tree / "dir" / "sub")
    (tree / "new.txt").write_bytes(b"new\n")
    rclone(gateway, "sync", str(tree), remote)
    out = rclone(gateway, "check", str(tree), remote)
    assert "0 differences found" in out.stderr, out.stderr

    listed = sorted(rclone(gateway, "lsf", "-R", "--files-only", remote).stdout.split("\n"))
    assert [l for l in listed if l] == ["a.txt", "big.bin", "empty", "new.txt"]
    assert rclone(gateway, "cat", f"{remote}/a.txt").stdout == "alpha, changed\n"

    # Download round trip.
    down = tmp_path / "down"
    rclone(gateway, "copy", remote, str(down))
    assert (down / "big.bin").read_bytes() == (tree / "big.bin").read_bytes()
    rclone(gateway, "check", str(tree), str(down))
