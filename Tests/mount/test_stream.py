"""Big files written sequentially are streamed into the store while they are written (past 8 MiB), so the
commit on close only waits for the tail; anything else falls back to the staged copy. Either way a commit
holds exactly the bytes written, and nothing of a file still open is visible."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time

from conftest import wait_until
from test_write import commits, s3_get

MiB = 1 << 20
BIG = 24 * MiB  # three times the streaming threshold


def write_in_pieces(f, data, start=0, piece=MiB):
    for i in range(start, len(data), piece):
        f.write(data[i : i + piece])


def test_a_big_sequential_file_is_one_commit_of_exactly_its_bytes(server, s3, repo):
    p = server.mnt / repo / "master" / "big.bin"
    data = os.urandom(BIG)
    before = commits(server, repo)
    with open(p, "wb", buffering=0) as f:
        write_in_pieces(f, data)
        # Streamed, but not committed while open.
        assert s3_get(s3, repo, "big.bin") is None
        assert commits(server, repo) == before
        # A time set while open is the one committed (the streamed put started with another).
        os.utime(f.fileno(), (1_000_000_000, 1_000_000_000))
    assert wait_until(lambda: s3_get(s3, repo, "big.bin") == data, 30)
    after = commits(server, repo)
    assert len(after) == len(before) + 1
    head = s3.head_object(Bucket=f"master.{repo}", Key="big.bin")
    assert head["ETag"].strip('"') == hashlib.md5(data).hexdigest()
    assert head["VersionId"] == after[0]
    assert head["Metadata"].get("mtime") == "1000000000.000"
    assert os.stat(server.mnt / repo / f"@{after[0]}" / "big.bin").st_mtime == 1_000_000_000
    assert (server.mnt / repo / f"@{after[0]}" / "big.bin").read_bytes() == data


def test_a_writer_that_seeks_back_mid_file_still_commits_exactly_its_bytes(server, s3, repo):
    p = server.mnt / repo / "master" / "seek.bin"
    data = bytearray(os.urandom(BIG))
    before = commits(server, repo)
    with open(p, "wb", buffering=0) as f:
        write_in_pieces(f, data[: 12 * MiB])
        # Back into what the streamed put has (probably) read already, then on at the end.
        f.seek(MiB + 5)
        f.write(b"X" * 4096)
        data[MiB + 5 : MiB + 5 + 4096] = b"X" * 4096
        f.seek(12 * MiB)
        write_in_pieces(f, data, start=12 * MiB)
    assert wait_until(lambda: s3_get(s3, repo, "seek.bin") == bytes(data), 30)
    assert len(commits(server, repo)) == len(before) + 1


def test_truncate_and_a_second_open_mid_file_keep_the_bytes_exact(server, s3, repo):
    p = server.mnt / repo / "master" / "trunc.bin"
    data = os.urandom(BIG)
    with open(p, "wb", buffering=0) as f:
        write_in_pieces(f, data[: 12 * MiB])
        with open(p, "rb") as r:  # a reader of the open file: the staged bytes
            assert r.read(MiB) == data[:MiB]
        write_in_pieces(f, data[: 16 * MiB], start=12 * MiB)
        f.truncate(10 * MiB)
        f.seek(10 * MiB)
        f.write(b"tail")
    assert wait_until(lambda: s3_get(s3, repo, "trunc.bin") == data[: 10 * MiB] + b"tail", 30)


def test_reading_the_streamed_part_and_renaming_mid_file_keep_the_bytes_exact(server, s3, repo):
    """In-process the streamed bytes are not in the local copy: a read of them gets them back from the store; a
    rename of the open file changes only where they are committed."""
    src, dst = server.mnt / repo / "master" / "part.tmp", server.mnt / repo / "master" / "final.bin"
    data = os.urandom(BIG)
    with open(src, "w+b", buffering=0) as f:
        write_in_pieces(f, data[: 16 * MiB])
        os.rename(src, dst)
        write_in_pieces(f, data[: 20 * MiB], start=16 * MiB)
        os.pread(f.fileno(), 1, 0)  # a read anywhere brings the streamed bytes home
        assert os.pread(f.fileno(), MiB, 14 * MiB) == data[14 * MiB : 15 * MiB]
        f.seek(20 * MiB)
        write_in_pieces(f, data, start=20 * MiB)
    assert wait_until(lambda: s3_get(s3, repo, "final.bin") == data, 30)
    # No commit ever had the temporary name.
    assert "Versions" not in s3.list_object_versions(Bucket=f"master.{repo}", Prefix="part.tmp")


def test_fsync_mid_file_commits_what_is_written_and_the_rest_follows(server, s3, repo):
    p = server.mnt / repo / "master" / "synced.bin"
    data = os.urandom(BIG)
    with open(p, "wb", buffering=0) as f:
        write_in_pieces(f, data[: 12 * MiB])
        os.fsync(f.fileno())
        assert s3_get(s3, repo, "synced.bin") == data[: 12 * MiB]
        write_in_pieces(f, data, start=12 * MiB)
    assert wait_until(lambda: s3_get(s3, repo, "synced.bin") == data, 30)


WRITER = r"""
import os, sys
data = sys.stdin.buffer.read()
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
for i in range(0, len(data), 1 << 20):
    os.write(fd, data[i : i + (1 << 20)])
print("written", flush=True)
os.read(0, 1)  # stdin is at EOF: parks on a pipe the test never writes to
"""


def start_writer(path, data):
    """A process that writes `data` to `path` and then stays alive with the file open, until killed."""
    r, w = os.pipe()
    proc = subprocess.Popen([sys.executable, "-c", WRITER.replace("os.read(0, 1)", f"os.read({r}, 1)"), str(path)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, pass_fds=(r,))
    proc.stdin.write(data)
    proc.stdin.close()
    assert proc.stdout.readline() == b"written\n"
    return proc, (r, w)


def test_a_writer_killed_mid_file_never_shows_a_partial_stream(server, s3, repo):
    p = server.mnt / repo / "master" / "killed.bin"
    data = os.urandom(20 * MiB)
    before = commits(server, repo)
    proc, fds = start_writer(p, data)
    try:
        time.sleep(0.3)  # longer than the commit delay: an open file must still not be committed
        assert s3_get(s3, repo, "killed.bin") is None
        assert commits(server, repo) == before
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        for fd in fds:
            os.close(fd)
    # Its close commits what it wrote, all of it, as one commit: never a prefix the put had streamed.
    assert wait_until(lambda: s3_get(s3, repo, "killed.bin") == data, 30)
    assert len(commits(server, repo)) == len(before) + 1


def test_a_big_file_deleted_while_open_is_never_committed(server, s3, repo):
    b = server.mnt / repo / "master"
    data = os.urandom(20 * MiB)
    proc, fds = start_writer(b / "gone.bin", data)
    try:
        os.unlink(b / "gone.bin")
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        for fd in fds:
            os.close(fd)
    (b / "marker.txt").write_bytes(b"m")  # a later commit, to wait for
    assert wait_until(lambda: s3_get(s3, repo, "marker.txt") == b"m", 10)
    time.sleep(0.3)
    assert s3_get(s3, repo, "gone.bin") is None
    assert not (b / "gone.bin").exists()
    for c in commits(server, repo):
        assert not (b.parent / f"@{c}" / "gone.bin").exists()
