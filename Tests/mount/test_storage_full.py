"""The store's disk fills up under a mount (`pachs3 serve --mount` on a 48 MiB tmpfs): a file whose streamed bytes the
store could not keep fails with ENOSPC (at a write or at close), is dropped instead of committed, and does not hold
back the branch's other changes; files written before and after are intact, and writes work again once space is
free."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
import tempfile
import pathlib

import pytest

from conftest import MountedServer, wait_until

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")


def write_file(path: pathlib.Path, data: bytes) -> int:
    """Writes `data` in 1 MiB writes and closes; returns 0 or the errno of the first failure (write or close)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    failure = 0
    try:
        for off in range(0, len(data), 1 << 20):
            os.write(fd, data[off:off + (1 << 20)])
    except OSError as e:
        failure = e.errno
    try:
        os.close(fd)
    except OSError as e:
        failure = failure or e.errno
    return failure


@contextlib.contextmanager
def server_on_tmpfs(size: str, mount_options: str = ""):
    """A `pachs3 serve --mount` whose data directory is a tmpfs of `size`, with a bucket `master.full`; yields the
    server and the branch directory."""
    root = pathlib.Path(tempfile.mkdtemp(prefix="pachs3-mount-full-"))
    srv = MountedServer(root, mount_options=mount_options)
    srv.data_dir.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(srv.data_dir)], check=True)
    try:
        srv.start()
        srv.s3().create_bucket(Bucket="master.full")
        branch = srv.mnt / "full" / "master"
        assert wait_until(branch.is_dir, 5)
        yield srv, branch
        assert srv.stop() == 0
    finally:
        srv.stop()
        subprocess.run(["umount", "-l", str(srv.data_dir)], check=False)
        shutil.rmtree(root, ignore_errors=True)


def keys(s3, bucket: str) -> list[str]:
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))


def test_a_file_the_full_store_could_not_keep_fails_with_enospc_and_is_dropped():
    with server_on_tmpfs("48m") as (srv, branch):
        s3 = srv.s3()
        before = os.urandom(10 << 20)
        assert write_file(branch / "before.bin", before) == 0
        assert wait_until(lambda: keys(s3, "master.full") == ["before.bin"], 10)

        # Streamed into the store as it is written (past 8 MiB, sequential): the store fills up midway.
        assert write_file(branch / "big.bin", os.urandom(40 << 20)) == errno.ENOSPC
        assert write_file(branch / "after.txt", b"after") == 0
        assert wait_until(lambda: keys(s3, "master.full") == ["after.txt", "before.bin"], 10), keys(s3, "master.full")
        assert wait_until(lambda: not (branch / "big.bin").exists(), 10), "the lost file is still in the mount"
        assert "lost bytes when the store failed (No space left on device" in srv.log_tail(200)

        # Nothing of it is left taking space: a file of 20 MiB fits again.
        again = os.urandom(20 << 20)
        assert write_file(branch / "again.bin", again) == 0
        assert wait_until(lambda: keys(s3, "master.full") == ["after.txt", "again.bin", "before.bin"], 10)
        assert (branch / "before.bin").read_bytes() == before
        assert s3.get_object(Bucket="master.full", Key="again.bin")["Body"].read() == again


def test_df_on_the_mount_shows_the_room_of_the_store():
    """statfs answers with the volume that holds the server's store (here a 48 MiB tmpfs), and what is written
    through the mount takes from what it shows as available."""
    def room(path) -> tuple[int, int]:
        st = os.statvfs(path)
        return st.f_blocks * st.f_frsize, st.f_bavail * st.f_frsize

    with server_on_tmpfs("48m") as (srv, branch):
        total, available = room(srv.mnt)
        assert total == room(srv.data_dir)[0] == 48 << 20
        assert abs(available - room(srv.data_dir)[1]) <= 1 << 20
        df = subprocess.run(["df", "-B1", "--output=size", str(srv.mnt)], capture_output=True, text=True, check=True)
        assert df.stdout.split()[-1] == str(48 << 20), df.stdout

        assert write_file(branch / "ten.bin", os.urandom(10 << 20)) == 0
        assert wait_until(lambda: keys(srv.s3(), "master.full") == ["ten.bin"], 10)
        assert wait_until(lambda: room(srv.mnt)[1] <= available - (10 << 20), 5), (available, room(srv.mnt))


def test_changes_a_full_store_refused_are_committed_on_their_own_once_space_is_free(tmp_path):
    """The staging files are elsewhere (cache_dir), so closing works; the commits fail until the store has space, and
    are tried again without another change."""
    with server_on_tmpfs("32m", mount_options=f"cache_dir={tmp_path / 'cache'}") as (srv, branch):
        s3 = srv.s3()
        filler = srv.data_dir / "filler"
        with open(filler, "wb", buffering=0) as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
            except OSError as e:
                assert e.errno == errno.ENOSPC

        assert write_file(branch / "small.txt", b"waits for space") == 0
        (branch / "dir").mkdir()
        assert wait_until(lambda: "cannot commit the changes to full@master" in srv.log_tail(50), 10), srv.log_tail()
        assert "tried again in 1 s" in srv.log_tail(50)
        assert keys(s3, "master.full") == []
        assert (branch / "small.txt").read_bytes() == b"waits for space"  # still there, staged

        filler.unlink()
        assert wait_until(lambda: keys(s3, "master.full") == ["dir/", "small.txt"], 30), srv.log_tail()
        assert s3.get_object(Bucket="master.full", Key="small.txt")["Body"].read() == b"waits for space"
