"""Reading through the mount: the layout, snapshots, live branches, real tools, errno, xattrs, hidden keys."""

from __future__ import annotations

import errno
import hashlib
import os
import subprocess
import tarfile
import time

import pytest

from conftest import err, wait_until


def put(s3, repo, key, body, branch="master"):
    return s3.put_object(Bucket=f"{branch}.{repo}", Key=key, Body=body)["VersionId"]


def tree(root):
    """{relative path: bytes} of every file under root."""
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, root)] = fh.read()
    return out


def test_layout_root_repo_branches_and_commits(server, s3, repo):
    v1 = put(s3, repo, "a/b.txt", b"hello\n")
    s3.create_bucket(Bucket=f"dev.{repo}")
    assert repo in os.listdir(server.mnt)
    names = os.listdir(server.mnt / repo)
    assert "master" in names and "dev" in names and f"@{v1}" in names
    assert os.path.isdir(server.mnt / repo / "master" / "a")
    with open(server.mnt / repo / "master" / "a" / "b.txt", "rb") as f:
        assert f.read() == b"hello\n"
    with open(server.mnt / repo / f"@{v1}" / "a" / "b.txt", "rb") as f:
        assert f.read() == b"hello\n"


def test_directories_show_the_time_of_their_commit(server, s3, repo):
    """A commit's directory, the branch at it and every directory inside show when that commit was made (so
    `ls -lt` lists commits newest first); the root shows when it was mounted, a repo when it was created."""
    made = {}
    for i in range(3):
        before = time.time()
        v = put(s3, repo, f"d{i}/sub/f.txt", b"x")
        made[v] = (before, time.time())
    newest = v
    mtime = lambda *p: os.stat(server.mnt.joinpath(repo, *p)).st_mtime
    for v, (before, after) in made.items():
        assert before - 0.01 <= mtime(f"@{v}") <= after + 0.01, (v, before, mtime(f"@{v}"), after)
        assert mtime(f"@{v}", "d0", "sub") == mtime(f"@{v}")
    by_time = sorted((n for n in os.listdir(server.mnt / repo) if n.startswith("@")), key=lambda n: -mtime(n))
    assert by_time == [f"@{v}" for v in reversed(made)]
    assert wait_until(lambda: mtime("master") == mtime(f"@{newest}"), 1.0)
    assert mtime("master", "d1") == mtime("master", "d1", "sub") == mtime(f"@{newest}")
    first = min(b for b, _ in made.values())
    assert os.stat(server.mnt / repo).st_mtime <= first
    assert 1_700_000_000 < os.stat(server.mnt).st_mtime <= first
    # A directory made through the mount, before and after its commit.
    (server.mnt / repo / "master" / "made").mkdir()
    assert mtime("master", "made") >= first
    assert wait_until(lambda: mtime("master", "made") == mtime("master") > made[newest][1], 10)


def test_repos_of_other_projects_show_as_repo_dot_project(server, s3):
    server.cli("create", "project", "proj")
    server.cli("create", "repo", "proj/imgs")
    server.cli("create", "branch", "proj/imgs@master")
    s3.put_object(Bucket="master.imgs.proj", Key="k", Body=b"in another project")
    assert "imgs.proj" in os.listdir(server.mnt)
    with open(server.mnt / "imgs.proj" / "master" / "k", "rb") as f:
        assert f.read() == b"in another project"


def test_a_put_through_s3_appears_within_a_second_and_the_old_commit_keeps_its_bytes(server, s3, repo):
    old = put(s3, repo, "data.txt", b"version one\n")
    path = server.mnt / repo / "master" / "data.txt"
    assert path.read_bytes() == b"version one\n"
    new = put(s3, repo, "data.txt", b"version two, longer\n")
    t0 = time.monotonic()
    assert wait_until(lambda: path.read_bytes() == b"version two, longer\n", 1.0), path.read_bytes()
    assert time.monotonic() - t0 <= 1.0
    assert (server.mnt / repo / f"@{old}" / "data.txt").read_bytes() == b"version one\n"
    assert (server.mnt / repo / f"@{new}" / "data.txt").read_bytes() == b"version two, longer\n"
    # A new file and a deletion show up too.
    # Listed twice, the kernel may keep the listing: a new commit must still show in it.
    listing = server.mnt / repo / "master"
    assert "fresh.txt" not in os.listdir(listing) and "fresh.txt" not in os.listdir(listing)
    put(s3, repo, "fresh.txt", b"x")
    assert wait_until(lambda: "fresh.txt" in os.listdir(listing), 1.0)
    assert wait_until(lambda: (server.mnt / repo / "master" / "fresh.txt").exists(), 1.0)
    s3.delete_object(Bucket=f"master.{repo}", Key="data.txt")
    assert wait_until(lambda: not path.exists(), 1.0)
    assert (server.mnt / repo / f"@{old}" / "data.txt").read_bytes() == b"version one\n"


def test_a_branch_reset_or_deleted_through_another_door_reaches_the_mount_within_a_second(server, s3, repo):
    # Only commits used to reach the mount: a branch set back to an older commit (pachctl-style create branch
    # --head) or deleted stayed as the mount had last seen it, for good.
    v1 = put(s3, repo, "data.txt", b"one")
    put(s3, repo, "data.txt", b"two, longer")
    path = server.mnt / repo / "master" / "data.txt"
    assert path.read_bytes() == b"two, longer"
    server.remote_cli("create", "branch", f"{repo}@master", "--head", f"{repo}@{v1}")
    assert wait_until(lambda: path.read_bytes() == b"one", 1.0), path.read_bytes()
    # Followed from the new HEAD on.
    put(s3, repo, "data.txt", b"three, after the reset")
    assert wait_until(lambda: path.read_bytes() == b"three, after the reset", 1.0)
    s3.create_bucket(Bucket=f"gone.{repo}")
    put(s3, repo, "f.txt", b"x", branch="gone")
    branch = server.mnt / repo / "gone"
    assert os.listdir(branch) == ["f.txt"]
    s3.delete_object(Bucket=f"gone.{repo}", Key="f.txt")
    s3.delete_bucket(Bucket=f"gone.{repo}")
    assert wait_until(lambda: not branch.exists(), 1.0)
    assert "gone" not in os.listdir(server.mnt / repo)


def test_posix_tools_on_branch_and_snapshot(server, s3, repo, tmp_path):
    files = {f"src/m{i}/f{j}.txt": (f"line {i} {j}\n" * (j + 1)).encode() for i in range(3) for j in range(4)}
    files["src/needle.txt"] = b"haystack\nthe needle is here\n"
    for k, v in files.items():
        put(s3, repo, k, v)
    v = s3.head_object(Bucket=f"master.{repo}", Key="src/needle.txt")["VersionId"]
    for ref in ("master", f"@{v}"):
        base = server.mnt / repo / ref
        expected = {os.path.relpath(k, "src"): b for k, b in files.items()}
        # cat, ls -l, find, grep -r
        assert subprocess.run(["cat", str(base / "src/needle.txt")], capture_output=True, check=True).stdout == files["src/needle.txt"]
        ls = subprocess.run(["ls", "-l", str(base / "src/m1")], capture_output=True, text=True, check=True).stdout
        assert "f3.txt" in ls and str(len(files["src/m1/f3.txt"])) in ls
        found = subprocess.run(["find", str(base / "src"), "-type", "f"], capture_output=True, text=True, check=True).stdout.split()
        assert sorted(os.path.relpath(p, base / "src") for p in found) == sorted(expected)
        grep = subprocess.run(["grep", "-r", "needle", str(base / "src")], capture_output=True, text=True, check=True).stdout
        assert "needle.txt:the needle is here" in grep
        # cp -r, rsync -a, tar
        dst = tmp_path / f"cp-{ref}"
        subprocess.run(["cp", "-r", str(base / "src"), str(dst)], check=True)
        assert tree(dst) == expected
        rs = tmp_path / f"rsync-{ref}"
        subprocess.run(["rsync", "-a", str(base / "src") + "/", str(rs)], check=True)
        assert tree(rs) == expected
        tf = tmp_path / f"t-{ref}.tar"
        subprocess.run(["tar", "-cf", str(tf), "-C", str(base), "src"], check=True)
        with tarfile.open(tf) as t:
            assert sorted(m.name for m in t.getmembers() if m.isfile()) == sorted(files)


def test_large_file_streams_and_ranges(server, s3, repo):
    blob = os.urandom(24 << 20)
    put(s3, repo, "big.bin", blob)
    p = server.mnt / repo / "master" / "big.bin"
    assert os.stat(p).st_size == len(blob)
    h = hashlib.sha256()
    with open(p, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    assert h.digest() == hashlib.sha256(blob).digest()
    with open(p, "rb") as f:
        for off in (0, 5, (7 << 20) + 123, len(blob) - 10, (3 << 20) - 1):
            f.seek(off)
            assert f.read(4096) == blob[off:off + 4096]
        assert os.pread(f.fileno(), 100, len(blob) + 5) == b""


def test_errno_where_posix_says(server, s3, repo):
    v = put(s3, repo, "d/f.txt", b"x")
    snap = server.mnt / repo / f"@{v}"
    br = server.mnt / repo / "master"
    assert err(lambda: open(snap / "new.txt", "w")) == errno.EROFS
    assert err(lambda: open(snap / "d/f.txt", "w")) == errno.EROFS
    assert err(lambda: os.mkdir(snap / "newdir")) == errno.EROFS
    assert err(lambda: os.unlink(snap / "d/f.txt")) == errno.EROFS
    assert err(lambda: os.rename(snap / "d/f.txt", snap / "d/g.txt")) == errno.EROFS
    assert err(lambda: open(br / "missing.txt")) == errno.ENOENT
    assert err(lambda: os.stat(server.mnt / repo / "nobranch")) == errno.ENOENT
    assert err(lambda: os.stat(server.mnt / repo / ("@" + "0" * 32))) == errno.ENOENT
    assert err(lambda: os.stat(server.mnt / "no-such-repo")) == errno.ENOENT
    assert err(lambda: os.listdir(br / "d/f.txt")) == errno.ENOTDIR
    assert err(lambda: os.stat(br / "d/f.txt/x")) == errno.ENOTDIR
    assert err(lambda: open(br / "d").read()) == errno.EISDIR
    assert err(lambda: os.mkdir(server.mnt / "newrepo")) == errno.EROFS


def test_xattrs(server, s3, repo):
    r = s3.put_object(Bucket=f"master.{repo}", Key="x.txt", Body=b"12345")
    p = server.mnt / repo / "master" / "x.txt"
    assert set(os.listxattr(p)) == {"user.pachs3.commit", "user.pachs3.etag", "user.pachs3.size"}
    assert os.getxattr(p, "user.pachs3.commit").decode() == r["VersionId"]
    assert os.getxattr(p, "user.pachs3.etag").decode() == r["ETag"].strip('"')
    assert os.getxattr(p, "user.pachs3.size") == b"5"
    assert os.getxattr(server.mnt / repo / f"@{r['VersionId']}", "user.pachs3.commit").decode() == r["VersionId"]
    with pytest.raises(OSError) as e:
        os.getxattr(p, "user.other")
    assert e.value.errno == errno.ENODATA
    # Security labels are not supported (rather than absent): tools stop asking after one file.
    for name in ("security.selinux", "security.capability", "trusted.x"):
        with pytest.raises(OSError) as e:
            os.getxattr(p, name)
        assert e.value.errno == errno.EOPNOTSUPP, name
    with pytest.raises(OSError) as e:
        os.setxattr(server.mnt / repo / f"@{r['VersionId']}" / "x.txt", "user.pachs3.commit", b"x")
    assert e.value.errno == errno.EROFS


def test_ls_l_asks_for_security_labels_once_not_per_file(server, s3, repo):
    d = server.mnt / repo / "master" / "many"
    d.mkdir()
    for i in range(40):
        (d / f"f{i:03d}").write_bytes(b"x")
    p = subprocess.run(["strace", "-f", "-e", "trace=lgetxattr,getxattr", "ls", "-l", str(d)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert len([l for l in p.stdout.splitlines() if l.startswith("-")]) == 40
    labels = [l for l in p.stderr.splitlines() if '"security.selinux"' in l]
    assert 1 <= len(labels) <= 2, labels
    # The pachs3 attributes still answer after ls gave up on labels.
    def size_attr():
        try:
            return os.getxattr(d / "f000", "user.pachs3.size")
        except OSError as e:
            assert e.errno == errno.ENODATA  # staged, not yet committed
            return None

    assert wait_until(size_attr, 5) == b"1"


def test_keys_a_posix_tree_cannot_show_are_hidden(server, s3, repo):
    for k in ["ok.txt", "dup", "dup/inner.txt", "e//mpty", "dot/./x", "up/../x", "long/" + "n" * 300]:
        put(s3, repo, k, b"v")
    base = server.mnt / repo / "master"
    names = sorted(os.listdir(base))
    assert "ok.txt" in names
    assert names.count("dup") == 1 and os.path.isdir(base / "dup")  # the directory shadows the file
    assert os.listdir(base / "dot") == []
    assert os.listdir(base / "up") == []
    assert os.listdir(base / "long") == []
    # Still reachable through S3.
    assert s3.get_object(Bucket=f"master.{repo}", Key="e//mpty")["Body"].read() == b"v"


def bytes_written(pid: int) -> int:
    """Bytes the process has written so far; every FUSE read reply it sends to /dev/fuse counts."""
    with open(f"/proc/{pid}/io") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("wchar:"))


def test_snapshot_reads_come_from_the_kernel_cache_the_second_time(server, s3, repo):
    blob = os.urandom(8 << 20)
    v = put(s3, repo, "cached.bin", blob)
    p = server.mnt / repo / f"@{v}" / "cached.bin"
    assert p.read_bytes() == blob
    # Closed and opened again, a snapshot file keeps its pages: the second read is answered by the kernel, so the
    # mount writes no read replies. (Counting replies, not resident pages: a busy machine may evict a few pages.)
    before = bytes_written(server.proc.pid)
    with open(p, "rb") as f:
        assert f.read() == blob
    assert bytes_written(server.proc.pid) - before < len(blob) // 4


def test_a_branch_file_drops_its_cached_pages_when_the_branch_changes_it(server, s3, repo):
    put(s3, repo, "moving.bin", b"1" * 100_000)
    p = server.mnt / repo / "master" / "moving.bin"
    assert p.read_bytes() == b"1" * 100_000
    put(s3, repo, "moving.bin", b"2" * 100_000)
    assert wait_until(lambda: p.read_bytes() == b"2" * 100_000, 1.0)


def test_the_kernel_reads_ahead_a_mebibyte(server, s3, repo):
    """A FUSE mount starts with 128 KiB of read-ahead, which leaves sequential readers waiting on each request;
    the mount raises its device's to the 1 MiB it asks of the kernel, and a large file still reads back whole."""
    device = subprocess.run(["mountpoint", "-d", str(server.mnt)], capture_output=True, text=True, check=True).stdout.strip()
    with open(f"/sys/class/bdi/{device}/read_ahead_kb") as f:
        assert int(f.read()) == 1024
    body = os.urandom(3 << 20)
    put(s3, repo, "big.bin", body)
    path = server.mnt / repo / "master" / "big.bin"
    wait_until(lambda: os.path.exists(path), 5)
    with open(path, "rb") as f:
        assert hashlib.sha256(f.read()).digest() == hashlib.sha256(body).digest()


def test_a_corrupted_chunk_reads_as_eio_after_the_intact_bytes(server, s3, repo):
    data = os.urandom(8 << 20)
    put(s3, repo, "rot.bin", data)
    chunks = []
    for d, _, files in os.walk(server.data_dir / "blobs"):
        for name in files:
            with open(os.path.join(d, name), "rb") as f:
                offset = data.find(f.read(256))
            if offset >= 0:
                chunks.append((offset, os.path.join(d, name)))
    chunks.sort()
    assert len(chunks) >= 3, chunks
    bad_offset, bad_path = chunks[-1]
    with open(bad_path, "r+b") as f:
        f.seek(500)
        b = f.read(1)
        f.seek(500)
        f.write(bytes([b[0] ^ 1]))
    path = server.mnt / repo / "master" / "rot.bin"
    assert err(lambda: path.read_bytes()) == errno.EIO
    fd = os.open(path, os.O_RDONLY)
    try:
        assert os.pread(fd, 4096, 0) == data[:4096]
        # Up to the page that holds the bad chunk's first byte: the kernel reads whole pages and returns what it got.
        got = os.pread(fd, 4096, bad_offset - 4096)
        assert 0 < len(got) and got == data[bad_offset - 4096:bad_offset - 4096 + len(got)]
        assert err(lambda: os.pread(fd, 4096, bad_offset)) == errno.EIO
    finally:
        os.close(fd)
    p = subprocess.run(["cat", str(path)], capture_output=True)
    assert p.returncode != 0 and b"Input/output error" in p.stderr
