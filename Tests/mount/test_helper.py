"""mount.pachs3: `mount -t pachs3`, an fstab line, bad options and sources failing fast, umount."""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import tempfile
import time

import pytest

from conftest import binary, force_unmount, is_mounted, wait_until


@pytest.fixture
def place():
    root = pathlib.Path(tempfile.mkdtemp(prefix="pachs3-helper-"))
    data = root / "data"
    mnt = root / "mnt"
    mnt.mkdir()
    subprocess.run([binary(), "create", "repo", "helper", "--data-dir", str(data)], check=True, capture_output=True)
    subprocess.run([binary(), "put", "file", "helper@master:/hello.txt", "--data-dir", str(data)],
                   input=b"through the helper\n", check=True, capture_output=True)
    env = dict(os.environ, PACHS3_BIN=binary(), PACHS3_MOUNT_LOG=str(root / "mount.log"))
    try:
        yield root, data, mnt, env
    finally:
        force_unmount(mnt)
        shutil.rmtree(root, ignore_errors=True)


def mount(env, *args, timeout=60):
    return subprocess.run(["mount", *args], env=env, capture_output=True, text=True, timeout=timeout)


def stopped(mnt):
    """True once nothing is mounted at mnt and no pachs3 mount process serves it."""
    if is_mounted(mnt):
        return False
    out = subprocess.run(["pgrep", "-f", f"pachs3 mount .*{mnt}$"], capture_output=True, text=True).stdout
    return out.strip() == ""


def test_mount_t_pachs3_returns_once_the_mount_answers_and_umount_works(place):
    root, data, mnt, env = place
    r = mount(env, "-t", "pachs3", str(data), str(mnt), "-o", "rw,_netdev,commit=close")
    assert r.returncode == 0, r.stderr
    # Answers at once: no waiting here.
    assert "helper" in os.listdir(mnt)
    assert (mnt / "helper" / "master" / "hello.txt").read_bytes() == b"through the helper\n"
    (mnt / "helper" / "master" / "w.txt").write_bytes(b"written")
    assert subprocess.run(["umount", str(mnt)], capture_output=True).returncode == 0
    assert wait_until(lambda: stopped(mnt), 15)
    out = subprocess.run([binary(), "get", "file", "helper@master:/w.txt", "--data-dir", str(data)], capture_output=True, check=True)
    assert out.stdout == b"written"


def test_fstab_line(place):
    root, data, mnt, env = place
    fstab = root / "fstab"
    fstab.write_text(f"{data}  {mnt}  pachs3  ro,_netdev,allow_other,noauto  0  0\n")
    r = mount(env, "--fstab", str(fstab), str(mnt))
    assert r.returncode == 0, r.stderr
    assert "helper" in os.listdir(mnt)
    with pytest.raises(OSError):
        (mnt / "helper" / "master" / "nope.txt").write_bytes(b"x")
    # Read-only, df shows the store's volume alone (no staging cache).
    size = lambda p: os.statvfs(p).f_blocks * os.statvfs(p).f_frsize
    assert size(mnt) == size(data)
    assert subprocess.run(["fusermount3", "-u", str(mnt)], capture_output=True).returncode == 0
    assert wait_until(lambda: stopped(mnt), 15)


@pytest.mark.parametrize(
    "opts, message",
    [
        ("bogus", "unknown mount option 'bogus'"),
        ("commit=never", "commit=never"),
        ("cache_dir", "needs a value"),
        ("token_file=/nonexistent/token", "token_file /nonexistent/token cannot be read"),
        ("tls_ca=/nonexistent/ca.pem", "tls_ca /nonexistent/ca.pem cannot be read"),
    ],
)
def test_bad_options_fail_fast_with_a_clear_message(place, opts, message):
    root, data, mnt, env = place
    t0 = time.monotonic()
    r = mount(env, "-t", "pachs3", str(data), str(mnt), "-o", opts)
    assert r.returncode != 0
    assert message in r.stderr, r.stderr
    assert r.stderr.startswith("mount.pachs3: "), r.stderr
    assert time.monotonic() - t0 < 10
    assert not is_mounted(mnt)


@pytest.mark.parametrize("source", ["relative/dir", "/nonexistent/data"])
def test_bad_sources_fail_fast(place, source):
    root, data, mnt, env = place
    r = mount(env, "-t", "pachs3", source, str(mnt))
    assert r.returncode != 0 and r.stderr.startswith("mount.pachs3: "), r.stderr
    assert not is_mounted(mnt)


def test_a_mount_point_that_is_not_a_directory(place):
    root, data, mnt, env = place
    f = root / "file"
    f.write_text("x")
    r = mount(env, "-t", "pachs3", str(data), str(f))
    assert r.returncode != 0 and "mount.pachs3:" in r.stderr


def test_sigterm_unmounts_cleanly(place):
    root, data, mnt, env = place
    p = subprocess.Popen([binary(), "mount", "--data-dir", str(data), str(mnt)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert wait_until(lambda: is_mounted(mnt), 30)
        (mnt / "helper" / "master" / "t.txt").write_bytes(b"before the signal")
        p.terminate()
        assert p.wait(timeout=15) == 0
        assert not is_mounted(mnt)
        out = subprocess.run([binary(), "get", "file", "helper@master:/t.txt", "--data-dir", str(data)], capture_output=True, check=True)
        assert out.stdout == b"before the signal"
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
