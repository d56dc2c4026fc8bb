"""A network mount: `mount -t pachs3 HOST:PORT` of a separate `pachs3 serve`, over the gRPC client.
Reads, writes and S3 changes cross the network; the server killed under the mount gives EIO within a
bounded time and nothing hangs; a restarted server is picked up again; umount works throughout."""

from __future__ import annotations

import errno
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import boto3
import pytest
from botocore.config import Config

from conftest import binary, force_unmount, is_mounted, wait_until

S3_READY = re.compile(r"pachs3 S3 gateway listening on (https?://\S+) ")
GRPC_READY = re.compile(r"pachs3 gRPC API listening on \S+:(\d+)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`pachs3 serve` on fixed ports, so a restart answers where the mount expects it."""

    def __init__(self, data: pathlib.Path, grpc_port: int, extra: tuple[str, ...] = ()):
        self.data, self.grpc_port, self.extra = data, grpc_port, extra
        self.proc: subprocess.Popen | None = None
        self.endpoint = ""

    def start(self) -> None:
        self.endpoint = ""  # the S3 port is new at every start
        self.proc = subprocess.Popen(
            [binary(), "serve", "--data-dir", str(self.data), "--address", "127.0.0.1", "--port", "0",
             "--grpc-port", str(self.grpc_port), *self.extra],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        lines: list[str] = []
        ready = threading.Event()

        def drain():
            for raw in self.proc.stdout:
                line = raw.decode("utf-8", "replace")
                lines.append(line)
                m = S3_READY.search(line)
                if m:
                    self.endpoint = m.group(1)
                if self.endpoint and any(GRPC_READY.search(l) for l in lines):
                    ready.set()
            ready.set()

        threading.Thread(target=drain, daemon=True).start()
        assert ready.wait(30) and self.proc.poll() is None, "pachs3 serve did not start:\n" + "".join(lines)

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def s3(self):
        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id="x", aws_secret_access_key="x",
                            region_name="us-east-1", config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))


def read_in_subprocess(path: pathlib.Path, timeout: float = 30) -> subprocess.CompletedProcess:
    """`cat` in its own process, so a hang shows as a timeout instead of blocking the suite."""
    return subprocess.run(["cat", str(path)], capture_output=True, timeout=timeout)


def test_network_mount_follows_the_server_and_survives_its_death(tmp_path):
    data, mnt = tmp_path / "data", tmp_path / "mnt"
    mnt.mkdir()
    server = Server(data, free_port())
    server.start()
    env = dict(os.environ, PACHS3_BIN=binary(), PACHS3_MOUNT_LOG=str(tmp_path / "mount.log"))
    try:
        s3 = server.s3()
        s3.create_bucket(Bucket="master.net")
        s3.put_object(Bucket="master.net", Key="hello.txt", Body=b"over the network\n")
        r = subprocess.run(["mount", "-t", "pachs3", f"127.0.0.1:{server.grpc_port}", str(mnt), "-o", "rw"],
                           env=env, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        branch = mnt / "net" / "master"
        assert (branch / "hello.txt").read_bytes() == b"over the network\n"
        # df shows the volume of the server's store.
        assert os.statvfs(mnt).f_blocks * os.statvfs(mnt).f_frsize == os.statvfs(data).f_blocks * os.statvfs(data).f_frsize

        # An S3 PUT shows in the mounted branch within a second; a write through the mount is a commit in S3.
        s3.put_object(Bucket="master.net", Key="later.txt", Body=b"from S3")
        assert wait_until(lambda: (branch / "later.txt").exists(), 1.5)
        (branch / "from-mount.txt").write_bytes(b"written through the mount")

        def landed():
            try:
                return s3.get_object(Bucket="master.net", Key="from-mount.txt")["Body"].read()
            except s3.exceptions.NoSuchKey:
                return None
        assert wait_until(landed, 10) == b"written through the mount"

        # Big files are streamed to the server while written: exactly their bytes, one version each, also
        # when the writer seeks back mid-file (the streamed put is abandoned, the staged copy committed).
        def get(key):
            try:
                return s3.get_object(Bucket="master.net", Key=key)["Body"].read()
            except s3.exceptions.NoSuchKey:
                return None
        for key, seek_back in (("big.bin", False), ("big-seek.bin", True)):
            big = bytearray(os.urandom(20 << 20))
            with open(branch / key, "wb", buffering=0) as f:
                for i in range(0, 12 << 20, 1 << 20):
                    f.write(big[i:i + (1 << 20)])
                if seek_back:
                    f.seek(4096)
                    f.write(b"Y" * 100)
                    big[4096:4196] = b"Y" * 100
                    f.seek(12 << 20)
                for i in range(12 << 20, len(big), 1 << 20):
                    f.write(big[i:i + (1 << 20)])
            assert wait_until(lambda: get(key) == bytes(big), 30), key
            versions = s3.list_object_versions(Bucket="master.net", Prefix=key).get("Versions", [])
            assert len(versions) == 1, versions

        # The server dies: readers get EIO, quickly, and nothing hangs.
        server.kill()
        start = time.monotonic()
        r = read_in_subprocess(branch / "never-seen-before.txt")
        assert r.returncode != 0
        assert "Input/output error" in r.stderr.decode(), r.stderr
        with pytest.raises(OSError) as e:
            os.listdir(mnt / "net" / "@0123456789abcdef0123456789abcdef")
        assert e.value.errno in (errno.EIO, errno.ENOENT)
        # df cannot tell the store's room now: it says so (once the last answer is a second old), and does not hang.
        assert wait_until(lambda: "Input/output error" in subprocess.run(
            ["df", str(mnt)], capture_output=True, text=True, timeout=15).stderr, 5)
        assert time.monotonic() - start < 20

        # A restarted server on the same port is picked up again, without remounting.
        server.start()
        s3 = server.s3()
        s3.put_object(Bucket="master.net", Key="after-restart.txt", Body=b"back")
        assert wait_until(lambda: read_in_subprocess(branch / "after-restart.txt").stdout == b"back", 15)

        # umount works, also when the server is gone again.
        server.kill()
        assert subprocess.run(["umount", str(mnt)], capture_output=True, timeout=30).returncode == 0
        assert wait_until(lambda: not is_mounted(mnt), 15)
    finally:
        force_unmount(mnt)
        server.kill()


def test_unreachable_server_fails_fast(tmp_path):
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    env = dict(os.environ, PACHS3_BIN=binary(), PACHS3_MOUNT_LOG=str(tmp_path / "mount.log"))
    start = time.monotonic()
    r = subprocess.run(["mount", "-t", "pachs3", f"127.0.0.1:{free_port()}", str(mnt)],
                       env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "cannot reach the pachs3 server" in r.stderr, r.stderr
    assert time.monotonic() - start < 15
    assert not is_mounted(mnt)


def test_a_network_mount_over_tls(tmp_path):
    """`mount -t pachs3 grpcs://HOST:PORT DIR -o tls_ca=FILE` mounts a server that serves TLS when the certificate is
    trusted and names the host; plaintext, an untrusted certificate or an address it does not name fail fast."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    server = Server(tmp_path / "data", free_port(), ("--tls-cert", str(cert), "--tls-key", str(key)))
    server.start()
    port = server.grpc_port
    env = dict(os.environ, PACHS3_BIN=binary(), PACHS3_MOUNT_LOG=str(tmp_path / "mount.log"), PACHS3_CONFIG=str(tmp_path / "none.json"))
    try:
        for args in (["create", "repo", "tls"], ["create", "branch", "tls@master"]):
            subprocess.run([binary(), *args, "--address", f"grpcs://localhost:{port}", "--tls-ca", str(cert)], check=True, env=env)
        for source, options in ((f"127.0.0.1:{port}", "rw"), (f"grpcs://localhost:{port}", "rw"), (f"grpcs://127.0.0.1:{port}", f"tls_ca={cert}")):
            r = subprocess.run(["mount", "-t", "pachs3", source, str(mnt), "-o", options], env=env, capture_output=True, text=True, timeout=60)
            assert r.returncode != 0 and "cannot reach the pachs3 server" in r.stderr, (source, options, r.stderr)
            assert not is_mounted(mnt)
        r = subprocess.run(["mount", "-t", "pachs3", f"grpcs://localhost:{port}", str(mnt), "-o", f"rw,tls_ca={cert}"],
                           env=env, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        (mnt / "tls" / "master" / "hello.txt").write_bytes(b"mounted over TLS")

        def committed():
            r = subprocess.run([binary(), "get", "file", "tls@master:/hello.txt", "--address", f"grpcs://localhost:{port}", "--tls-ca", str(cert)],
                               env=env, capture_output=True)
            return r.stdout if r.returncode == 0 else None
        assert wait_until(lambda: committed() == b"mounted over TLS", 10)
        assert subprocess.run(["umount", str(mnt)], capture_output=True, timeout=30).returncode == 0
    finally:
        force_unmount(mnt)
        server.kill()


def test_files_a_network_mount_could_not_commit_are_committed_by_the_next_mount(tmp_path):
    """With `commit=unmount`, files are staged until the unmount; if the server is gone by then the commit fails,
    the files stay in the cache directory with their records, and the next mount of that server on that cache
    directory stages them again and commits them once the server is back."""
    data, mnt, cache = tmp_path / "data", tmp_path / "mnt", tmp_path / "cache"
    mnt.mkdir()
    server = Server(data, free_port())
    server.start()
    source = f"127.0.0.1:{server.grpc_port}"

    def mount(options: str) -> tuple[subprocess.Popen, list[str]]:
        p = subprocess.Popen([binary(), "mount", "--address", source, "-o", options, str(mnt)],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        lines: list[str] = []
        ready = threading.Event()

        def drain():
            for raw in p.stdout:
                lines.append(raw.decode("utf-8", "replace"))
                if "pachs3 mount ready at" in lines[-1]:
                    ready.set()
            ready.set()

        threading.Thread(target=drain, daemon=True).start()
        assert ready.wait(30) and p.poll() is None, "pachs3 mount did not start:\n" + "".join(lines)
        assert wait_until(lambda: is_mounted(mnt), 10)
        return p, lines

    try:
        s3 = server.s3()
        s3.create_bucket(Bucket="master.later")
        first, first_log = mount(f"rw,commit=unmount,cache_dir={cache}")
        branch = mnt / "later" / "master"
        (branch / "one.txt").write_bytes(b"first file")
        (branch / "dir").mkdir()
        (branch / "dir" / "two.bin").write_bytes(b"\x00\x01" * 40_000)
        server.kill()
        assert subprocess.run(["umount", str(mnt)], capture_output=True, timeout=60).returncode == 0
        assert first.wait(60) is not None
        assert "cannot commit the changes to" in "".join(first_log), "".join(first_log)
        assert len([f for f in os.listdir(cache) if not f.startswith(".")]) == 2

        server.start()
        s3 = server.s3()
        second, second_log = mount(f"rw,cache_dir={cache}")
        assert "staged again 2 staging files (80010 bytes)" in "".join(second_log), "".join(second_log)

        def get(key):
            try:
                return s3.get_object(Bucket="master.later", Key=key)["Body"].read()
            except s3.exceptions.NoSuchKey:
                return None
        assert wait_until(lambda: get("one.txt") == b"first file", 15), "".join(second_log)
        assert wait_until(lambda: get("dir/two.bin") == b"\x00\x01" * 40_000, 15)
        assert subprocess.run(["umount", str(mnt)], capture_output=True, timeout=60).returncode == 0
        assert second.wait(60) == 0
        assert [f for f in os.listdir(cache) if not f.startswith(".")] == []
    finally:
        force_unmount(mnt)
        server.kill()
