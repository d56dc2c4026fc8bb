"""Seeded random sequences of POSIX operations applied to the mount and to a local directory side by side: creates,
writes at any offset (holes included), appends, truncates, reads, renames of files and directories, unlinks, mkdirs
and rmdirs. Each operation must give the same result or the same errno on both, the trees must match along the way,
and once the commits are in, S3 must hold exactly the local directory's files. `PACHS3_OPS_SEED` and `PACHS3_OPS`
change the run."""
import errno
import os
import pathlib
import random
import subprocess
import threading

import pytest
from botocore.exceptions import ClientError

from conftest import binary, force_unmount, is_mounted, wait_until
from test_network import Server, free_port

SEED = int(os.environ.get("PACHS3_OPS_SEED", "7"))
OPS = int(os.environ.get("PACHS3_OPS", "400"))
NAMES = ["a", "b", "c.txt", "d", "e f"]
BIG = random.Random(1).randbytes(10 << 20)


def outcome(fn):
    """What `fn()` gave: ("ok", value) or ("errno", name)."""
    try:
        return ("ok", fn())
    except OSError as e:
        return ("errno", errno.errorcode.get(e.errno, str(e.errno)))


def tree(root: pathlib.Path, others: str | None = None) -> dict:
    """Every directory (`d/`, None) and file (bytes) under `root`, except those under `others` (another writer's)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel = pathlib.Path(dirpath).relative_to(root).as_posix()
        # Not even walked: the other writer changes it meanwhile.
        dirnames[:] = [d for d in dirnames if not (others and f"{rel}/{d}/".lstrip("./").startswith(others))]
        for d in dirnames:
            out[f"{rel}/{d}/".lstrip("./")] = None
        for f in filenames:
            out[f"{rel}/{f}".lstrip("./")] = (pathlib.Path(dirpath) / f).read_bytes()
    return out


def random_path(rng: random.Random, depth: int = 2) -> str:
    return "/".join(rng.choice(NAMES) for _ in range(rng.randint(1, depth)))


def op(rng: random.Random):
    """One operation as (description, function of a root directory)."""
    kind = rng.choice(["create", "create", "pwrite", "pwrite", "append", "truncate", "read", "rename", "unlink",
                       "mkdir", "mkdir", "rmdir", "stat"])
    p = random_path(rng)
    data = rng.randbytes(rng.choice([0, 1, 100, 5000, 70_000]))
    offset = rng.choice([0, 1, 4095, 4096, 10_000, 80_000])
    size = rng.choice([0, 1, 3000, 70_001])
    q = random_path(rng)
    # Now and then a file written past the mount's streaming threshold (8 MiB) in 1 MiB writes, sometimes with a
    # write back inside it, which stops the stream and brings its bytes back.
    big = kind == "create" and rng.random() < 0.08
    seek_back = rng.choice([None, 0, 4096, 5 << 20])

    def run(root: pathlib.Path):
        target = root / p
        if kind == "create" and big:
            with open(target, "wb", buffering=0) as f:
                for at in range(0, 9 << 20, 1 << 20):
                    f.write(BIG[at:at + (1 << 20)])
                if seek_back is not None:
                    f.seek(seek_back)
                    f.write(b"Y" * 100)
                    f.seek(9 << 20)
                f.write(BIG[9 << 20:])
        elif kind == "create":
            with open(target, "wb") as f:
                f.write(data)
        elif kind == "pwrite":
            fd = os.open(target, os.O_WRONLY)
            try:
                return os.pwrite(fd, data, offset)
            finally:
                os.close(fd)
        elif kind == "append":
            with open(target, "ab") as f:
                return f.write(data)
        elif kind == "truncate":
            os.truncate(target, size)
        elif kind == "read":
            fd = os.open(target, os.O_RDONLY)
            try:
                return os.pread(fd, 6000, offset)
            finally:
                os.close(fd)
        elif kind == "rename":
            os.rename(target, root / q)
        elif kind == "unlink":
            os.unlink(target)
        elif kind == "mkdir":
            os.mkdir(target)
        elif kind == "rmdir":
            os.rmdir(target)
        elif kind == "stat":
            st = os.stat(target)
            return (st.st_size if not os.path.isdir(target) else "dir")
        return None

    detail = {"create": f" {len(BIG) if big else len(data)} B" + (f" (back to {seek_back})" if big and seek_back is not None else ""), "pwrite": f" {len(data)} B at {offset}", "append": f" {len(data)} B",
              "truncate": f" to {size}", "read": f" at {offset}", "rename": f" -> {q!r}"}.get(kind, "")
    return f"{kind} {p!r}{detail}", run


def check_random_operations(mount: pathlib.Path, s3, bucket: str, local: pathlib.Path, seed: int, settle=None,
                            others: str | None = None) -> None:
    """Runs the operations on `mount` and `local`, then checks S3 (after `settle()`, which may unmount). Keys under
    `others` belong to another writer and are left out of the comparisons."""
    local.mkdir()
    rng = random.Random(seed)
    done = []
    for i in range(OPS):
        description, run = op(rng)
        got, want = outcome(lambda: run(mount)), outcome(lambda: run(local))
        done.append(description)
        assert got == want, f"op {i} {description}: mount {got!r}, local {want!r}; ops so far: {done[-12:]}"
        if i % 50 == 49:
            assert tree(mount, others) == tree(local), f"trees differ after op {i}; ops so far: {done[-12:]}"
    assert tree(mount, others) == tree(local)
    if settle:
        settle()

    # Every close committed: S3 shows the local files (directories are implicit or zero-byte `dir/` keys).
    want = {k: v for k, v in tree(local).items() if v is not None}

    def s3_files():
        """The branch's files, or None if a commit landed between the listing and a read (the wait looks again)."""
        objects = {}
        try:
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
                for o in page.get("Contents", []):
                    if not o["Key"].endswith("/") and not (others and o["Key"].startswith(others)):
                        objects[o["Key"]] = s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
        except ClientError:
            return None
        return objects

    assert wait_until(lambda: s3_files() == want, 10), f"S3 {sorted(s3_files() or {})} vs local {sorted(want)}"


@pytest.mark.parametrize("seed", [SEED, SEED + 1])
def test_random_operations_match_a_local_directory(server, s3, repo, tmp_path, seed):
    check_random_operations(server.mnt / repo / "master", s3, f"master.{repo}", tmp_path / "local", seed)


def test_random_operations_while_s3_writes_the_same_branch(server, s3, repo, tmp_path):
    """Both doors at once: another client puts and deletes keys of its own on the branch all along, so its HEAD
    moves under the mount's staged writes; the mount's files stay exactly its own, and it shows the other's."""
    mount = server.mnt / repo / "master"
    stop = threading.Event()
    written: dict[str, bytes] = {}

    errors: list[str] = []

    def s3_writer():
        rng = random.Random(SEED + 99)
        try:
            while not stop.is_set():
                key = f"s3side/k{rng.randrange(8)}"
                if rng.random() < 0.7:
                    data = rng.randbytes(rng.choice([0, 10, 5000]))
                    s3.put_object(Bucket=f"master.{repo}", Key=key, Body=data)
                    written[key] = data
                else:
                    s3.delete_object(Bucket=f"master.{repo}", Key=key)
                    written.pop(key, None)
        except Exception as e:  # noqa: BLE001 - reported by the test below
            errors.append(repr(e))

    writer = threading.Thread(target=s3_writer, daemon=True)
    writer.start()
    try:
        check_random_operations(mount, s3, f"master.{repo}", tmp_path / "local", SEED + 3, others="s3side/")
    finally:
        stop.set()
        writer.join(timeout=30)
    assert not errors, f"the S3 writer failed: {errors}"
    assert wait_until(lambda: {k: v for k, v in tree(mount).items() if k.startswith("s3side/k")} == written, 10)


@pytest.mark.parametrize("options", ["", "commit=unmount"])
def test_random_operations_through_a_network_mount(tmp_path, options):
    """The same over the gRPC client (`pachs3 mount --address`), whose staged files stream as puts to the branch;
    with `commit=unmount`, everything (deletions, renames, directories) is committed by the unmount."""
    server = Server(tmp_path / "data", free_port())
    server.start()
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    args = [binary(), "mount", "--address", f"127.0.0.1:{server.grpc_port}"] + (["-o", options] if options else []) + [str(mnt)]
    mount = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def unmount():
        subprocess.run(["umount", str(mnt)], capture_output=True, timeout=60)
        assert mount.wait(timeout=60) == 0

    try:
        assert wait_until(lambda: is_mounted(mnt), 30), "the network mount did not come up"
        s3 = server.s3()
        s3.create_bucket(Bucket="master.ops")
        assert wait_until(lambda: (mnt / "ops" / "master").is_dir(), 10)
        check_random_operations(mnt / "ops" / "master", s3, "master.ops", tmp_path / "local", SEED + 2,
                                settle=unmount if options else None)
    finally:
        if mount.poll() is None:
            subprocess.run(["umount", str(mnt)], capture_output=True, timeout=60)
        force_unmount(mnt)
        if mount.poll() is None:
            mount.kill()
        mount.wait(timeout=30)
        server.kill()
