"""Writing through the mount: files become commits visible through S3, never half-written."""

from __future__ import annotations

import errno
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

import pytest
from botocore.exceptions import ClientError

from conftest import MountedServer, err, is_mounted, wait_until


def commits(server, repo):
    """The commit IDs of master, newest first (none for a branch without commits)."""
    p = subprocess.run([*server.cli_prefix("list", "commit"), f"{repo}@master"], capture_output=True, text=True)
    if p.returncode != 0:
        assert "has no commits" in p.stderr, p.stderr
        return []
    out = p.stdout.splitlines()[1:]
    return [l.split()[2] for l in out if len(l.split()) >= 3]


def s3_get(s3, repo, key):
    try:
        return s3.get_object(Bucket=f"master.{repo}", Key=key)["Body"].read()
    except ClientError as e:
        if e.response["Error"]["Code"] == "NoSuchKey":
            return None
        raise


def test_a_closed_file_is_one_commit_with_its_version_id(server, s3, repo):
    p = server.mnt / repo / "master" / "hello.txt"
    before = commits(server, repo)
    with open(p, "wb") as f:
        f.write(b"written in the mount\n")
    assert wait_until(lambda: s3_get(s3, repo, "hello.txt") == b"written in the mount\n", 5)
    after = commits(server, repo)
    assert len(after) == len(before) + 1
    head = s3.head_object(Bucket=f"master.{repo}", Key="hello.txt")
    assert head["VersionId"] == after[0]
    assert wait_until(lambda: os.getxattr(p, "user.pachs3.commit").decode() == after[0], 2)
    assert (server.mnt / repo / f"@{after[0]}" / "hello.txt").read_bytes() == b"written in the mount\n"


def test_s3_readers_never_see_a_half_written_file(server, s3, repo):
    p = server.mnt / repo / "master" / "slow.bin"
    f = open(p, "wb")
    try:
        f.write(b"a" * 100_000)
        f.flush()
        time.sleep(0.3)  # longer than the commit delay: an open file must still not be committed
        assert s3_get(s3, repo, "slow.bin") is None
        f.write(b"b" * 100_000)
    finally:
        f.close()
    assert wait_until(lambda: s3_get(s3, repo, "slow.bin") == b"a" * 100_000 + b"b" * 100_000, 5)


def test_closes_close_together_share_one_commit(server, s3, repo):
    base = server.mnt / repo / "master" / "batch"
    os.mkdir(base)
    before = len(commits(server, repo))
    for i in range(20):
        (base / f"f{i}.txt").write_bytes(f"file {i}\n".encode())
    assert wait_until(lambda: all(s3_get(s3, repo, f"batch/f{i}.txt") == f"file {i}\n".encode() for i in range(20)), 5)
    made = len(commits(server, repo)) - before
    assert 1 <= made < 20, made


def test_offsets_appends_truncates_match_a_local_file(server, s3, repo, tmp_path):
    m = server.mnt / repo / "master" / "edit.bin"
    l = tmp_path / "edit.bin"
    for p in (m, l):
        with open(p, "wb") as f:
            f.write(os.urandom(0) + b"0123456789" * 1000)
    # A committed file opened again: write in the middle, append, truncate.
    assert wait_until(lambda: s3_get(s3, repo, "edit.bin") is not None, 5)
    for p in (m, l):
        with open(p, "r+b") as f:
            f.seek(5000)
            f.write(b"MIDDLE")
        with open(p, "ab") as f:
            f.write(b"-appended")
        os.truncate(p, 7000)
        with open(p, "ab") as f:
            f.write(b"!end")
        with open(p, "r+b") as f:
            f.seek(9000)  # past the end: a hole of zeros
            f.write(b"far")
    assert m.read_bytes() == l.read_bytes()
    assert wait_until(lambda: s3_get(s3, repo, "edit.bin") == l.read_bytes(), 5)
    os.truncate(m, 0)
    assert wait_until(lambda: s3_get(s3, repo, "edit.bin") == b"", 5)


def test_unlink_mkdir_rmdir_and_their_errors(server, s3, repo):
    b = server.mnt / repo / "master"
    (b / "gone.txt").write_bytes(b"x")
    os.mkdir(b / "dir")
    (b / "dir" / "inner.txt").write_bytes(b"y")
    assert wait_until(lambda: s3_get(s3, repo, "dir/inner.txt") == b"y", 5)
    assert err(lambda: os.mkdir(b / "dir")) == errno.EEXIST
    assert err(lambda: os.rmdir(b / "dir")) == errno.ENOTEMPTY
    assert err(lambda: os.rmdir(b / "gone.txt")) == errno.ENOTDIR
    assert err(lambda: os.unlink(b / "dir")) in (errno.EISDIR, errno.EPERM)
    assert err(lambda: os.unlink(b / "missing")) == errno.ENOENT
    assert err(lambda: open(b / "dir" / "inner.txt" / "x", "w")) == errno.ENOTDIR
    os.unlink(b / "gone.txt")
    assert not (b / "gone.txt").exists()
    os.unlink(b / "dir" / "inner.txt")
    os.rmdir(b / "dir")
    assert not (b / "dir").exists()
    assert wait_until(lambda: s3_get(s3, repo, "gone.txt") is None and s3_get(s3, repo, "dir/inner.txt") is None, 5)
    os.mkdir(b / "empty")
    assert wait_until(lambda: s3_get(s3, repo, "empty/") == b"", 5)
    assert os.listdir(b / "empty") == []
    os.rmdir(b / "empty")
    assert wait_until(lambda: s3_get(s3, repo, "empty/") is None, 5)


def test_the_root_and_a_repo_directory_take_no_writes_whatever_the_name(server, s3, repo):
    # Their entries are repos, branches and commits: a name there used to be taken for a branch, so `touch repo/f`
    # staged a file with an empty path on branch f (retried forever) and `rmdir repo/master` answered success.
    r = server.mnt / repo
    (r / "master" / "kept.txt").write_bytes(b"k")
    assert wait_until(lambda: s3_get(s3, repo, "kept.txt") == b"k", 5)
    before = commits(server, repo)
    for parent in (server.mnt, r):
        for name in ("newbranch", "bad name", "@" + "0" * 32):
            assert err(lambda: open(parent / name, "w")) == errno.EROFS, (parent, name)
            assert err(lambda: os.mkdir(parent / name)) == errno.EROFS, (parent, name)
    snapshot = next(n for n in os.listdir(r) if n.startswith("@"))
    for existing in (r, r / "master", r / snapshot):
        assert err(lambda: os.rmdir(existing)) == errno.EROFS, existing
    assert err(lambda: os.rename(r / "master", r / "renamed")) == errno.EROFS
    assert err(lambda: os.rename(r / "master" / "kept.txt", r / "kept.txt")) == errno.EROFS
    assert err(lambda: os.mknod(r / "node")) == errno.EROFS
    time.sleep(0.2)  # longer than the commit delay: anything staged would be on its way
    assert commits(server, repo) == before
    assert sorted(os.listdir(r / "master")) == ["kept.txt"]
    assert "cannot commit" not in server.log_tail(200)


def test_rename_files_and_directories_within_a_branch(server, s3, repo):
    b = server.mnt / repo / "master"
    (b / "a.txt").write_bytes(b"A")
    os.makedirs(b / "d1" / "sub")
    (b / "d1" / "sub" / "x.txt").write_bytes(b"X")
    assert wait_until(lambda: s3_get(s3, repo, "d1/sub/x.txt") == b"X", 5)
    before = len(commits(server, repo))
    os.rename(b / "a.txt", b / "b.txt")
    assert len(commits(server, repo)) == before + 1  # a committed file: the move is one commit
    assert s3_get(s3, repo, "a.txt") is None and s3_get(s3, repo, "b.txt") == b"A"
    os.rename(b / "d1", b / "d2")
    assert (b / "d2" / "sub" / "x.txt").read_bytes() == b"X"
    assert not (b / "d1").exists()
    assert s3_get(s3, repo, "d2/sub/x.txt") == b"X" and s3_get(s3, repo, "d1/sub/x.txt") is None
    s3.create_bucket(Bucket=f"dev.{repo}")
    assert err(lambda: os.rename(b / "b.txt", server.mnt / repo / "dev" / "b.txt")) == errno.EXDEV


def test_a_file_open_for_writing_moves_with_its_directory(server, s3, repo):
    # The open file used to stay staged under its old path: closed, it was committed there, bringing back the
    # directory that had been renamed away.
    b = server.mnt / repo / "master"
    os.makedirs(b / "src" / "deep")
    (b / "src" / "done.txt").write_bytes(b"closed")
    f = open(b / "src" / "deep" / "open.txt", "wb")
    f.write(b"first half, ")
    f.flush()
    os.rename(b / "src", b / "dst")
    f.write(b"second half")
    f.close()
    assert wait_until(lambda: s3_get(s3, repo, "dst/deep/open.txt") == b"first half, second half", 5)
    assert s3_get(s3, repo, "dst/done.txt") == b"closed"
    time.sleep(0.2)  # longer than the commit delay: a stray commit under the old name would be in
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=f"master.{repo}").get("Contents", []))
    assert not [k for k in keys if k.startswith("src")], keys
    assert not (b / "src").exists()
    assert (b / "dst" / "deep" / "open.txt").read_bytes() == b"first half, second half"


def test_rsync_into_the_mount_keeps_times_and_second_run_moves_nothing(server, s3, repo, tmp_path):
    src = tmp_path / "src"
    (src / "deep" / "er").mkdir(parents=True)
    for i in range(5):
        (src / f"f{i}").write_bytes(os.urandom(1000 * (i + 1)))
    (src / "deep" / "er" / "z").write_bytes(b"zzz")
    os.utime(src / "f0", (1_500_000_000, 1_500_000_000))
    dst = server.mnt / repo / "master" / "copy"
    subprocess.run(["rsync", "-a", f"{src}/", f"{dst}/"], check=True)
    # rsync writes a temp file and renames it: only final names may reach the store.
    assert wait_until(lambda: s3_get(s3, repo, "copy/deep/er/z") == b"zzz", 5)
    # (mkdir leaves explicit directory markers, keys ending with '/')
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=f"master.{repo}", Prefix="copy/")["Contents"] if not o["Key"].endswith("/")]
    assert sorted(keys) == sorted(["copy/deep/er/z"] + [f"copy/f{i}" for i in range(5)])
    assert int(os.stat(dst / "f0").st_mtime) == 1_500_000_000
    again = subprocess.run(["rsync", "-a", "--itemize-changes", f"{src}/", f"{dst}/"], capture_output=True, text=True, check=True)
    assert [l for l in again.stdout.splitlines() if l.startswith(">f")] == []
    for i in range(5):
        assert s3_get(s3, repo, f"copy/f{i}") == (src / f"f{i}").read_bytes()


def test_cp_r_and_tar_into_the_mount(server, s3, repo, tmp_path):
    src = tmp_path / "tree"
    (src / "a" / "b").mkdir(parents=True)
    (src / "a" / "b" / "c.txt").write_bytes(b"c")
    (src / "top.txt").write_bytes(b"t" * 5000)
    subprocess.run(["cp", "-r", str(src), str(server.mnt / repo / "master" / "cp")], check=True)
    subprocess.run(["tar", "-C", str(tmp_path), "-cf", str(tmp_path / "t.tar"), "tree"], check=True)
    os.mkdir(server.mnt / repo / "master" / "untar")
    subprocess.run(["tar", "-C", str(server.mnt / repo / "master" / "untar"), "-xf", str(tmp_path / "t.tar")], check=True)
    assert wait_until(lambda: s3_get(s3, repo, "cp/a/b/c.txt") == b"c" and s3_get(s3, repo, "untar/tree/top.txt") == b"t" * 5000, 5)


def test_a_process_inside_a_directory_keeps_its_working_directory_across_commits(server, s3, repo, monkeypatch):
    # A commit makes the mount tell the kernel which paths changed; a directory that is still there must stay the
    # working directory of the processes inside it (getcwd used to fail with ENOENT after the first commit below it).
    work = server.mnt / repo / "master" / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    pathlib.Path("mine.txt").write_bytes(b"from inside")
    assert wait_until(lambda: s3_get(s3, repo, "work/mine.txt") == b"from inside", 5)
    assert wait_until(lambda: os.getxattr(".", "user.pachs3.commit").decode() == s3.head_object(
        Bucket=f"master.{repo}", Key="work/mine.txt")["VersionId"], 5)
    assert os.getcwd() == str(work)
    # Changes from another door, below the directory and beside it.
    s3.put_object(Bucket=f"master.{repo}", Key="work/deeper/theirs.txt", Body=b"from S3")
    s3.put_object(Bucket=f"master.{repo}", Key="beside.txt", Body=b"x")
    assert wait_until(lambda: pathlib.Path("deeper/theirs.txt").exists() and (work.parent / "beside.txt").exists(), 5)
    assert os.getcwd() == str(work)
    assert subprocess.run(["pwd", "-P"], capture_output=True, text=True, check=True).stdout.strip() == str(work)
    # Gone for real (deleted through S3): then, as on a local disk, getcwd fails.
    s3.delete_objects(Bucket=f"master.{repo}", Delete={"Objects": [{"Key": "work/"}, {"Key": "work/mine.txt"},
                                                                   {"Key": "work/deeper/theirs.txt"}]})
    assert wait_until(lambda: not work.exists(), 5)
    monkeypatch.chdir(server.mnt)


def test_git_init_add_commit_inside_the_mount(server, s3, repo, tmp_path):
    src = tmp_path / "src"
    (src / "pkg").mkdir(parents=True)
    for i in range(30):
        (src / "pkg" / f"m{i}.py").write_text(f"value = {i}\n" * (i + 1))
    (src / "README").write_text("a project\n")
    proj = server.mnt / repo / "master" / "proj"
    proj.mkdir()
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@e", "GIT_CONFIG_GLOBAL": "/dev/null"}

    def git(*args):
        p = subprocess.run(["git", *args], cwd=proj, env=env, capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, f"git {' '.join(args)}: {p.stderr}"
        return p.stdout

    git("init", "-q", "-b", "main", ".")
    subprocess.run(["cp", "-r", f"{src}/.", str(proj)], check=True)
    git("add", "-A")
    git("commit", "-q", "-m", "first")
    (proj / "README").write_text("a project, changed\n")
    git("commit", "-q", "-am", "second")
    assert git("status", "--porcelain") == ""
    assert git("log", "--format=%s").split() == ["second", "first"]
    git("fsck", "--strict")
    # What git wrote is in the store: a clone through S3 sees the same history.
    assert wait_until(lambda: s3_get(s3, repo, "proj/README") == b"a project, changed\n", 5)
    head = git("rev-parse", "HEAD").strip()
    assert wait_until(lambda: s3_get(s3, repo, "proj/.git/refs/heads/main") == f"{head}\n".encode(), 5)


def test_chmod_chown_and_fsync_are_accepted(server, s3, repo):
    p = server.mnt / repo / "master" / "m.txt"
    with open(p, "wb") as f:
        f.write(b"synced")
        f.flush()
        os.fsync(f.fileno())
        # fsync commits at once, even with the file still open.
        assert s3_get(s3, repo, "m.txt") == b"synced"
    os.chmod(p, 0o600)
    os.chown(p, 0, 0)


def test_commit_at_unmount(tmp_path):
    srv = MountedServer(pathlib.Path(tempfile.mkdtemp(prefix="pachs3-mount-unmount-")), mount_options="commit=unmount")
    try:
        srv.start()
        s3 = srv.s3()
        s3.create_bucket(Bucket="master.later")
        (srv.mnt / "later" / "master" / "w.txt").write_bytes(b"at unmount")
        big = os.urandom(20 << 20)  # past the size at which files written with commit=close are streamed
        (srv.mnt / "later" / "master" / "big.bin").write_bytes(big)
        time.sleep(0.3)  # longer than the commit delay
        assert s3_get(s3, "later", "w.txt") is None
        assert s3_get(s3, "later", "big.bin") is None
        assert (srv.mnt / "later" / "master" / "w.txt").read_bytes() == b"at unmount"
        assert srv.stop() == 0
        assert not is_mounted(srv.mnt)
        out = subprocess.run([*srv.cli_prefix("get", "file"), "later@master:/w.txt"], capture_output=True, check=True).stdout
        assert out == b"at unmount"
        out = subprocess.run([*srv.cli_prefix("get", "file"), "later@master:/big.bin"], capture_output=True, check=True).stdout
        assert out == big
    finally:
        srv.stop()
        shutil.rmtree(srv.root, ignore_errors=True)


def test_sigterm_unmounts_at_once_while_processes_hold_files_and_directories_in_the_mount(tmp_path):
    # A lazy unmount alone kept the connection up while a process still had a file open or its working directory
    # in the mount, and `pachs3 serve` waited for them: a service stop hung until they let go.
    srv = MountedServer(pathlib.Path(tempfile.mkdtemp(prefix="pachs3-mount-held-")))
    holders = []
    try:
        srv.start()
        srv.s3().create_bucket(Bucket="master.held")
        d = srv.mnt / "held" / "master" / "dir"
        d.mkdir()
        holders.append(subprocess.Popen(["sleep", "600"], cwd=d))
        writer = subprocess.Popen(
            [sys.executable, "-c", "import os, sys\n"
             "f = open('open.txt', 'wb'); f.write(b'written, still open'); f.flush(); print('ready', flush=True)\n"
             "sys.stdin.readline()\n"
             "try:\n    os.write(f.fileno(), b'after'); print('wrote')\n"
             "except OSError as e:\n    print(e.errno)\n"],
            cwd=d, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        holders.append(writer)
        assert writer.stdout.readline().strip() == "ready"
        assert srv.stop() == 0
        assert not is_mounted(srv.mnt)
        out, _ = writer.communicate("go\n", timeout=10)
        assert out.strip() == str(errno.ENOTCONN)
        # The open file was committed at the unmount, as every staged change is.
        got = subprocess.run([*srv.cli_prefix("get", "file"), "held@master:/dir/open.txt"], capture_output=True, check=True).stdout
        assert got == b"written, still open"
    finally:
        for h in holders:
            h.kill()
            h.wait()
        srv.stop()
        shutil.rmtree(srv.root, ignore_errors=True)


def test_staging_files_are_reused_without_mixing_contents(tmp_path):
    """Local staging files are emptied and reused after their commit: each file keeps exactly its own bytes
    (a shorter file after a longer one shows none of it), the cache directory keeps a bounded number of
    spares, and unmount removes them."""
    srv = MountedServer(pathlib.Path(tempfile.mkdtemp(prefix="pachs3-mount-reuse-")))
    try:
        srv.start()
        s3 = srv.s3()
        s3.create_bucket(Bucket="master.reuse")
        cache = srv.data_dir / "mount-cache"
        base = srv.mnt / "reuse" / "master"
        want = {}
        for batch in range(4):
            for i in range(100):
                n = batch * 100 + i
                body = bytes([n % 251]) * ((400 - n) * 97) + f"<{n}>".encode()
                (base / f"f{n:03d}").write_bytes(body)
                want[f"f{n:03d}"] = body
            # Let this batch commit so the next one takes its emptied files.
            assert wait_until(lambda: s3_get(s3, "reuse", f"f{batch * 100 + 99:03d}") is not None, 10)
        for name, body in want.items():
            assert s3_get(s3, "reuse", name) == body, name
            assert (base / name).read_bytes() == body, name
        spares = staging_files(cache)
        assert 0 < len(spares) <= 64, len(spares)
        assert all(os.path.getsize(cache / f) == 0 for f in spares)
        assert srv.stop() == 0
        assert staging_files(cache) == []
    finally:
        srv.stop()
        shutil.rmtree(srv.root, ignore_errors=True)


def staging_files(cache):
    """The staging files in a cache directory (not its lock file)."""
    return [f for f in os.listdir(cache) if not f.startswith(".")]


def test_files_a_dead_mount_closed_are_staged_again_by_the_next_mount_of_its_store(tmp_path):
    """A mount killed before its commit leaves its staging files. Those it had closed carry a record of where
    they belong: the next mount of the same store on that cache directory stages them again (names and mtimes
    as they were at the kill) and commits them; a file still open for writing is removed, never committed half
    written; a mount of another store leaves the records alone, and one sharing the directory with a live
    mount touches nothing. Whatever else is in the directory stays."""
    root = pathlib.Path(tempfile.mkdtemp(prefix="pachs3-mount-leftovers-"))
    cache = root / "cache"
    first = MountedServer(root / "first", mount_options=f"commit=unmount,cache_dir={cache}")
    second = MountedServer(root / "second", mount_options=f"cache_dir={cache}")
    third = MountedServer(root / "third", mount_options=f"cache_dir={cache}")
    again = MountedServer(root / "first", mount_options=f"cache_dir={cache}")
    half = None
    try:
        first.start()
        s3 = first.s3()
        s3.create_bucket(Bucket="master.left")
        base = first.mnt / "left" / "master"
        (base / "a.bin").write_bytes(b"x" * 5000)
        os.utime(base / "a.bin", (1_600_000_000, 1_600_000_000))
        (base / "sub").mkdir()
        (base / "sub" / "tmp.txt").write_bytes(b"renamed before the kill")
        os.rename(base / "sub" / "tmp.txt", base / "sub" / "final.txt")
        half = open(base / "half.bin", "wb", buffering=0)
        half.write(b"h" * 777)
        (cache / "keep-me.txt").write_bytes(b"not a staging file")
        assert len(staging_files(cache)) == 4, staging_files(cache)
        # While it lives, a second mount on the same directory touches nothing.
        second.start()
        assert (base / "a.bin").read_bytes() == b"x" * 5000
        assert "staging file" not in "".join(second.lines)
        assert second.stop() == 0
        assert len(staging_files(cache)) == 4
        first.proc.kill()
        first.proc.wait()
        subprocess.run(["fusermount3", "-u", "-z", str(first.mnt)], capture_output=True)
        try:
            half.close()
        except OSError:
            pass
        half = None

        # A mount of another store removes the file that was open, and leaves the two closed ones for their own store.
        third.start()
        assert wait_until(lambda: "removed 1 staging file (777 bytes)" in "".join(third.lines), 5), third.log_tail()
        assert "left 2 staging files" in "".join(third.lines), third.log_tail()
        assert "left" not in [b["Name"].split(".", 1)[1] for b in third.s3().list_buckets()["Buckets"]]
        assert third.stop() == 0
        assert len(staging_files(cache)) == 3

        # The same store again: the closed files come back and are committed, under the names they had at the kill.
        again.start()
        assert wait_until(lambda: "staged again 2 staging files (5023 bytes)" in "".join(again.lines), 5), again.log_tail()
        s3 = again.s3()
        assert wait_until(lambda: s3_get(s3, "left", "sub/final.txt") == b"renamed before the kill", 10), again.log_tail()
        assert wait_until(lambda: s3_get(s3, "left", "a.bin") == b"x" * 5000, 10)
        assert s3.head_object(Bucket="master.left", Key="a.bin")["Metadata"]["mtime"] == "1600000000.000"
        assert s3_get(s3, "left", "sub/tmp.txt") is None
        assert s3_get(s3, "left", "half.bin") is None
        assert (again.mnt / "left" / "master" / "a.bin").stat().st_mtime == 1_600_000_000
        assert wait_until(lambda: all(f == "keep-me.txt" or os.path.getsize(cache / f) == 0 for f in staging_files(cache)), 5)
        assert again.stop() == 0
        assert staging_files(cache) == ["keep-me.txt"]
    finally:
        if half is not None:
            try:
                half.close()
            except OSError:
                pass
        for s in (first, second, third, again):
            s.stop()
        shutil.rmtree(root, ignore_errors=True)


def test_deletions_and_directories_a_dead_mount_staged_are_committed_by_the_next_mount(tmp_path):
    """With commits at unmount, a mount killed after rm, rmdir and mkdir has committed none of them; they are kept in
    a journal of the cache directory, and the next mount of the same store applies them (a file made and removed
    again, or a directory made and removed again, leaves nothing), then empties the journal."""
    root = pathlib.Path(tempfile.mkdtemp(prefix="pachs3-mount-journal-"))
    cache = root / "cache"
    first = MountedServer(root / "first", mount_options=f"commit=unmount,cache_dir={cache}")
    again = MountedServer(root / "first", mount_options=f"cache_dir={cache}")
    try:
        first.start()
        s3 = first.s3()
        s3.create_bucket(Bucket="master.jr")
        for key in ("old.txt", "keep.txt", "d/inner.txt", "marked/"):
            s3.put_object(Bucket="master.jr", Key=key, Body=b"" if key.endswith("/") else key.encode())
        base = first.mnt / "jr" / "master"
        assert wait_until(lambda: (base / "old.txt").exists(), 5)
        (base / "old.txt").unlink()
        (base / "d" / "inner.txt").unlink()
        (base / "marked").rmdir()
        (base / "new").mkdir()
        (base / "new" / "sub").mkdir()
        (base / "brief").mkdir()
        (base / "brief").rmdir()
        (base / "temp.txt").write_bytes(b"gone again")
        (base / "temp.txt").unlink()
        first.proc.kill()
        first.proc.wait()
        subprocess.run(["fusermount3", "-u", "-z", str(first.mnt)], capture_output=True)
        journals = [f for f in os.listdir(cache) if f.startswith(".pachs3-changes-")]
        assert len(journals) == 1 and os.path.getsize(cache / journals[0]) > 0, journals

        again.start()
        assert wait_until(lambda: "staged again 5 deletions and 2 new directories" in "".join(again.lines), 5), again.log_tail()
        s3 = again.s3()
        want = ["keep.txt", "new/", "new/sub/"]
        assert wait_until(lambda: sorted(o["Key"] for o in s3.list_objects_v2(Bucket="master.jr").get("Contents", [])) == want, 10), again.log_tail()
        # The journal is emptied once the mount has the commit's answer, which can come after S3 already lists it.
        journals = [f for f in os.listdir(cache) if f.startswith(".pachs3-changes-")]
        assert len(journals) == 1 and wait_until(lambda: os.path.getsize(cache / journals[0]) == 0, 5), journals
        assert again.stop() == 0
        assert not [f for f in os.listdir(cache) if f.startswith(".pachs3-changes-")], "the journal outlived a clean unmount"
    finally:
        for s in (first, again):
            s.stop()
        shutil.rmtree(root, ignore_errors=True)


def test_a_file_deleted_while_open_is_never_committed(server, s3, repo):
    b = server.mnt / repo / "master"
    f = open(b / "ephemeral.txt", "w+b")
    f.write(b"temporary")
    os.unlink(b / "ephemeral.txt")
    # As on a local disk, the descriptor keeps working (tempfile.TemporaryFile, sort -T): these used to fail
    # with ENOENT once the path was gone.
    f.write(b" scratch")
    f.flush()
    assert os.fstat(f.fileno()).st_size == 17
    assert os.pread(f.fileno(), 100, 0) == b"temporary scratch"
    os.ftruncate(f.fileno(), 9)
    assert os.fstat(f.fileno()).st_size == 9
    f.seek(0)
    assert f.read() == b"temporary"
    os.fsync(f.fileno())
    f.close()
    with tempfile.TemporaryFile(dir=b) as t:
        t.write(b"x" * 100_000)
        t.seek(0)
        assert t.read() == b"x" * 100_000
    committed = b / "committed.txt"
    committed.write_bytes(b"stored version")
    assert wait_until(lambda: s3_get(s3, repo, "committed.txt") == b"stored version", 5)
    with open(committed, "rb") as r:
        os.unlink(committed)
        assert os.fstat(r.fileno()).st_size == 14
        assert r.read() == b"stored version"
    (b / "marker.txt").write_bytes(b"m")  # a later commit, to wait for
    assert wait_until(lambda: s3_get(s3, repo, "marker.txt") == b"m", 5)
    time.sleep(0.2)
    assert s3_get(s3, repo, "ephemeral.txt") is None
    assert not (b / "ephemeral.txt").exists()
    assert wait_until(lambda: s3_get(s3, repo, "committed.txt") is None, 5)
    assert sorted(os.listdir(b)) == ["marker.txt"]


def test_files_removed_or_renamed_before_any_commit_make_no_empty_commits(server, s3, repo):
    """A file made and removed (an editor's swap file), or renamed while open, before a commit recorded it leaves
    nothing to delete: no commit for that alone. Deleting a committed file still commits."""
    b = server.mnt / repo / "master"
    (b / "keep.txt").write_bytes(b"k")
    assert wait_until(lambda: s3_get(s3, repo, "keep.txt") == b"k", 5)
    before = commits(server, repo)
    with open(b / ".swap", "wb") as f:
        f.write(b"swap")
        os.unlink(b / ".swap")
    with open(b / "a.tmp", "wb") as f:
        f.write(b"x")
        os.rename(b / "a.tmp", b / "a.txt")
        time.sleep(0.3)  # past the commit delay: the rename alone would have made a commit
        f.write(b"y")
    assert wait_until(lambda: s3_get(s3, repo, "a.txt") == b"xy", 5)
    time.sleep(0.3)
    assert len(commits(server, repo)) == len(before) + 1
    os.unlink(b / "keep.txt")
    assert wait_until(lambda: s3_get(s3, repo, "keep.txt") is None, 5)
    assert len(commits(server, repo)) == len(before) + 2


def test_listings_are_complete_while_commits_are_in_flight(server, s3, repo):
    d = server.mnt / repo / "master" / "many"
    os.mkdir(d)
    names = set()
    for r in range(3):
        for i in range(500):
            name = f"r{r}-{i:04d}"
            (d / name).write_bytes(b"x")
            names.add(name)
        # Every file, staged or committed, at every moment.
        for _ in range(3):
            assert set(os.listdir(d)) == names
            time.sleep(0.02)


def test_committed_files_reopened_for_writing_keep_their_bytes(server, s3, repo):
    """Staging files are reused: one filled from the store used to keep its last user's position, and the next file
    filled into it got that many zeros in front (a 70,000-byte file opened and closed came back 645,005 bytes)."""
    d = server.mnt / repo / "master"
    contents = {f"f{i}": os.urandom(70_000 + i) for i in range(4)}
    for name, data in contents.items():
        (d / name).write_bytes(data)
    assert wait_until(lambda: all(s3_get(s3, repo, n) == c for n, c in contents.items()), 10)
    for round in range(3):
        for name, data in contents.items():
            fd = os.open(d / name, os.O_WRONLY)
            os.pwrite(fd, b"x", 5)
            os.close(fd)
            contents[name] = data[:5] + b"x" + data[6:]
            assert (d / name).read_bytes() == contents[name], f"{name} in round {round}"
        assert wait_until(lambda: all(s3_get(s3, repo, n) == c for n, c in contents.items()), 10)
