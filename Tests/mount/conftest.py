"""Fixtures for the mount suite: a live `pachs3 serve --mount DIR` (the S3 gateway and the FUSE mount in one
process), real POSIX tools on the mount, boto3 on the gateway.

Every mount made here is unmounted in teardown (SIGTERM, then `fusermount3 -u` / `umount -l` if it is still
there), so no test run leaves a mount behind. The binary is $PACHS3_BIN (default `.build/debug/pachs3`).
"""

from __future__ import annotations

import os
import pathlib
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import boto3
import pytest
from botocore.config import Config

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
START_DEADLINE = 30.0
STOP_DEADLINE = 15.0


def binary() -> str:
    raw = os.environ.get("PACHS3_BIN") or ".build/debug/pachs3"
    path = pathlib.Path(raw)
    if not path.is_absolute():
        path = REPO_ROOT / path
    if not path.is_file():
        pytest.exit(f"pachs3 binary not found at {path}: run `swift build` or set PACHS3_BIN", returncode=2)
    return str(path)


def is_mounted(path: pathlib.Path | str) -> bool:
    target = os.path.realpath(str(path))
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == target for line in f)


def force_unmount(path: pathlib.Path | str) -> None:
    """Last resort in teardown: never leave a mount behind."""
    if is_mounted(path):
        subprocess.run(["fusermount3", "-u", "-z", str(path)], capture_output=True)
    if is_mounted(path):
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def err(fn) -> int:
    """The errno `fn()` fails with, 0 when it succeeds."""
    try:
        fn()
    except OSError as e:
        return e.errno
    return 0


def wait_until(predicate, timeout: float, interval: float = 0.02):
    """Polls `predicate` until it returns a truthy value (returned) or `timeout` passes (None)."""
    deadline = time.monotonic() + timeout
    while True:
        v = predicate()
        if v:
            return v
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


class MountedServer:
    """A running `pachs3 serve --mount`: its data directory, mount point, gateway endpoint and log."""

    def __init__(self, root: pathlib.Path, mount_options: str = ""):
        self.root = root
        self.data_dir = root / "data"
        self.mnt = root / "mnt"
        self.mnt.mkdir(parents=True, exist_ok=True)
        self.mount_options = mount_options
        self.lines: list[str] = []
        self._lock = threading.Lock()
        self._events: queue.Queue[str | None] = queue.Queue()
        self.proc: subprocess.Popen | None = None
        self.endpoint = ""
        self.grpc_address = ""

    def start(self) -> None:
        cmd = [binary(), "serve", "--data-dir", str(self.data_dir), "--address", "127.0.0.1", "--port", "0", "--grpc-port", "0", "--mount", str(self.mnt)]
        if self.mount_options:
            cmd += ["--mount-options", self.mount_options]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=str(self.root))
        threading.Thread(target=self._drain, daemon=True).start()
        deadline = time.monotonic() + START_DEADLINE
        mounted = listening = False
        while not (mounted and listening and self.grpc_address):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.stop()
                raise RuntimeError("pachs3 serve --mount did not get ready within 30 s:\n" + self.log_tail())
            try:
                line = self._events.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise RuntimeError(f"pachs3 serve exited with {self.proc.wait()}:\n" + self.log_tail())
            if "pachs3 mount ready at" in line:
                mounted = True
            elif "pachs3 S3 gateway listening on" in line:
                listening = True
                self.endpoint = line.split("listening on ", 1)[1].split(" ", 1)[0]
            elif "pachs3 gRPC API listening on" in line:
                self.grpc_address = line.split("listening on ", 1)[1].split(" ", 1)[0]
        assert wait_until(lambda: is_mounted(self.mnt), 10), "the mount point is not mounted:\n" + self.log_tail()

    def _drain(self) -> None:
        assert self.proc and self.proc.stdout
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._lock:
                self.lines.append(line)
            self._events.put(line)
        self._events.put(None)

    def stop(self) -> int | None:
        """SIGTERM (commits what is staged, unmounts), then the exit status; forces the unmount regardless."""
        status = None
        try:
            if self.proc and self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    status = self.proc.wait(timeout=STOP_DEADLINE)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            elif self.proc:
                status = self.proc.returncode
        finally:
            force_unmount(self.mnt)
        return status

    def log_tail(self, n: int = 40) -> str:
        with self._lock:
            return "\n".join(self.lines[-n:])

    def s3(self):
        return boto3.client(
            "s3", endpoint_url=self.endpoint, aws_access_key_id="x", aws_secret_access_key="x", region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30),
        )

    def cli_prefix(self, *verb: str) -> list[str]:
        return [binary(), *verb, "--data-dir", str(self.data_dir)]

    def remote_cli(self, *args: str) -> subprocess.CompletedProcess:
        """The CLI through the server's gRPC API, as a user's is: the server hears of what it does."""
        return subprocess.run([binary(), *args, "--address", self.grpc_address], capture_output=True, text=True, check=True, timeout=60)

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        cmd = [*self.cli_prefix(*args[:2]), *args[2:]]
        return subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=60)


@pytest.fixture(scope="module")
def server():
    root = pathlib.Path(tempfile.mkdtemp(prefix="pachs3-mount-"))
    srv = MountedServer(root)
    try:
        srv.start()
        yield srv
    finally:
        status = srv.stop()
        log = srv.log_tail()
        mounted = is_mounted(srv.mnt)
        shutil.rmtree(root, ignore_errors=True)
        assert not mounted, "the mount was still there after stop"
        assert status == 0, f"pachs3 serve --mount did not exit 0 after SIGTERM (status {status}):\n{log}"


@pytest.fixture
def s3(server):
    return server.s3()


_counter = [0]


@pytest.fixture
def repo(server, s3) -> str:
    """A fresh repo with a master branch (created through S3)."""
    _counter[0] += 1
    name = f"r{_counter[0]}{os.getpid()}"
    s3.create_bucket(Bucket=f"master.{name}")
    return name
