"""Fixtures for the S3 compatibility suite: one live `pachs3 serve` per session, real clients.

The gateway binary is taken from $PACHS3_BIN (default `.build/debug/pachs3` under the repo root);
nothing is built here. `make test-compat` builds it and sets the variable.
"""

from __future__ import annotations

import os
import pathlib
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import xml.etree.ElementTree as ET

import boto3
import pytest
import requests
from botocore.config import Config

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
START_DEADLINE = 30.0
STOP_DEADLINE = 10.0
READY = re.compile(r"pachs3 S3 gateway listening on (http://\S+):(\d+) ")
GRPC_READY = re.compile(r"pachs3 gRPC API listening on (\S+):(\d+)$")
COMMIT_ID = re.compile(r"^[0-9a-f]{32}$")


def _binary() -> str:
    raw = os.environ.get("PACHS3_BIN") or ".build/debug/pachs3"
    path = pathlib.Path(raw)
    if not path.is_absolute():
        path = REPO_ROOT / path
    if not path.is_file():
        pytest.exit(f"pachs3 binary not found at {path}: run `swift build` or set PACHS3_BIN", returncode=2)
    return str(path)


class Gateway:
    """A running `pachs3 serve`, its data directory and its log."""

    def __init__(self, binary: str, root: pathlib.Path):
        self.binary = binary
        self.root = root
        self.data_dir = root / "data"
        self.log_lines: list[str] = []
        self._log_cond = threading.Condition()
        self._ready: queue.Queue[str | None] = queue.Queue()
        self.proc: subprocess.Popen | None = None
        self.endpoint = ""
        self.host = ""
        self.port = 0
        self.grpc_port = 0

    # -- process ------------------------------------------------------------------------------

    def start(self, grpc_port: int = 0) -> None:
        """Starts the server; `grpc_port` fixes the gRPC port (a restart keeps the one it had: `start(gw.grpc_port)`)."""
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--data-dir", str(self.data_dir), "--address", "127.0.0.1", "--port", "0", "--grpc-port", str(grpc_port)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=str(self.root),
        )
        # The server logs every request to stdout: drain it for as long as it runs, or it blocks.
        # A queue per process: a restart must not read the end of the one before.
        self._ready = queue.Queue()
        self.port = self.grpc_port = 0
        threading.Thread(target=self._drain, args=(self.proc, self._ready), name="pachs3-log", daemon=True).start()
        deadline = time.monotonic() + START_DEADLINE
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.kill()
                raise RuntimeError("pachs3 serve printed no 'listening on' line within 30 s:\n" + self.log_tail())
            try:
                line = self._ready.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise RuntimeError(f"pachs3 serve exited with {self.proc.wait()} before listening:\n" + self.log_tail())
            m = READY.search(line)
            if m:
                self.endpoint = f"{m.group(1)}:{m.group(2)}"
                self.host = "127.0.0.1"
                self.port = int(m.group(2))
            g = GRPC_READY.search(line)
            if g:
                self.grpc_port = int(g.group(2))
            if self.port and self.grpc_port:
                return

    def _drain(self, proc: subprocess.Popen, ready: queue.Queue) -> None:
        assert proc.stdout
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._log_cond:
                self.log_lines.append(line)
                self._log_cond.notify_all()
            if "listening on" in line:
                ready.put(line)
        ready.put(None)
        with self._log_cond:
            self._log_cond.notify_all()

    def stop(self) -> int:
        """SIGTERM, then the exit status (None if it did not stop within the deadline)."""
        assert self.proc
        if self.proc.poll() is not None:
            return self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=STOP_DEADLINE)
        except subprocess.TimeoutExpired:
            self.kill()
            return None  # type: ignore[return-value]

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def log_tail(self, n: int = 40) -> str:
        with self._log_cond:
            return "\n".join(self.log_lines[-n:])

    def wait_for_log(self, predicate, timeout: float) -> str | None:
        """The first log line (from now on or already logged) satisfying `predicate`, or None."""
        deadline = time.monotonic() + timeout
        seen = 0
        with self._log_cond:
            while True:
                for line in self.log_lines[seen:]:
                    if predicate(line):
                        return line
                seen = len(self.log_lines)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._log_cond.wait(remaining)

    # -- the store, seen from the side --------------------------------------------------------

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Runs a `pachs3` command on the same data directory (several processes may share one)."""
        cmd = [self.binary, *args[:2], "--data-dir", str(self.data_dir), *args[2:]]
        return subprocess.run(cmd, capture_output=True, text=True, check=check, timeout=60)

    def history(self, bucket: str) -> list[str]:
        """The commit IDs of the branch behind `bucket` (`branch.repo`), newest first."""
        branch, repo = bucket.split(".", 1)
        out = self.cli("list", "commit", f"{repo}@{branch}").stdout
        ids = []
        for line in out.splitlines()[1:]:
            fields = line.split()
            if len(fields) >= 3 and COMMIT_ID.match(fields[2]):
                ids.append(fields[2])
        return ids

    def repo_commits(self, repo: str) -> list[str]:
        out = self.cli("list", "commit", repo).stdout
        return [f[2] for f in (l.split() for l in out.splitlines()[1:]) if len(f) >= 3 and COMMIT_ID.match(f[2])]


def running_gateway(prefix: str, prepare=None):
    """A `pachs3 serve` in a fresh directory for as long as the generator runs; it must then exit 0 on SIGTERM.
    `prepare(gateway)` runs on its data directory before it starts."""
    root = pathlib.Path(tempfile.mkdtemp(prefix=prefix))
    gw = Gateway(_binary(), root)
    if prepare:
        prepare(gw)
    gw.start()
    try:
        yield gw
    finally:
        status = gw.stop()
        log = gw.log_tail()
        shutil.rmtree(root, ignore_errors=True)
        assert status == 0, f"pachs3 serve did not exit 0 within {STOP_DEADLINE:.0f} s of SIGTERM (status {status}):\n{log}"


@pytest.fixture(scope="session")
def gateway():
    yield from running_gateway("pachs3-compat-")


@pytest.fixture(scope="session")
def endpoint(gateway) -> str:
    return gateway.endpoint


@pytest.fixture(scope="session")
def remote_endpoint(gateway):
    """`pachs3 s3gateway` in its own process in front of the session's `pachs3 serve`, reached over gRPC."""
    yield from remote_gateway(gateway.grpc_port)


def remote_gateway(grpc_port: int):
    """`pachs3 s3gateway` in front of the server at 127.0.0.1:`grpc_port` for as long as the generator runs: yields
    its endpoint; it must then exit 0 on SIGTERM."""
    proc = subprocess.Popen(
        [_binary(), "s3gateway", "--address", f"127.0.0.1:{grpc_port}", "--listen", "127.0.0.1", "--port", "0"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    found = threading.Event()
    endpoint = []
    lines = []

    def drain():
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            lines.append(line)
            m = READY.search(line)
            if m and not found.is_set():
                endpoint.append(f"{m.group(1)}:{m.group(2)}")
                found.set()
        found.set()

    threading.Thread(target=drain, daemon=True).start()
    assert found.wait(30) and endpoint, "pachs3 s3gateway did not start:\n" + "\n".join(lines[-30:])
    yield endpoint[0]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0, "\n".join(lines[-30:])


CREDENTIALS = {"aws_access_key_id": "compat-access-key", "aws_secret_access_key": "compat-secret-key"}

CLIENT_CONFIGS = {
    # botocore's defaults: request checksums whenever supported (CRC32 on PutObject), responses validated.
    "default-checksums": {},
    "when-required": {"request_checksum_calculation": "when_required", "response_checksum_validation": "when_required"},
}


_BOTO = boto3.session.Session()  # one session: the service model is loaded once


def make_client(endpoint: str, **config):
    """A boto3 S3 client: path-style, us-east-1, dummy credentials, no retries (a retry would hide a
    failure), and timeouts short enough that a hang fails a test instead of stalling the suite."""
    settings = {
        "s3": {"addressing_style": "path"},
        "retries": {"max_attempts": 1, "mode": "standard"},
        "connect_timeout": 5,
        "read_timeout": 10,
        **config,
    }
    return _BOTO.client("s3", endpoint_url=endpoint, region_name="us-east-1", config=Config(**settings), **CREDENTIALS)


# Clients are per test (each with its own connection pool), so what one test does to a connection
# can never fail another test.


@pytest.fixture(params=list(CLIENT_CONFIGS), ids=list(CLIENT_CONFIGS))
def checksum_config(request) -> dict:
    """The checksum settings of the `s3` client under test."""
    return CLIENT_CONFIGS[request.param]


@pytest.fixture
def s3(checksum_config, endpoint):
    """A boto3 S3 client, once with botocore's default checksum settings and once `when_required`."""
    client = make_client(endpoint, **checksum_config)
    yield client
    client.close()


@pytest.fixture
def plain_s3(endpoint):
    """A second boto3 client with default settings: for setup, a second writer, and side checks."""
    client = make_client(endpoint)
    yield client
    client.close()


def run_own_interpreter(script: str, path: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Runs Tests/compat/SCRIPT in an interpreter of its own with PATH first on PYTHONPATH: client libraries that
    would change what the rest of the suite imports (awscrt, s3fs's pinned botocore) stay out of it."""
    here = pathlib.Path(__file__).resolve().parent
    full_env = {**os.environ, **(env or {}), "PYTHONPATH": os.pathsep.join([path, str(here)])}
    return subprocess.run([sys.executable, str(here / script), *args], capture_output=True, text=True, env=full_env, timeout=300)


def printed_ok(p: subprocess.CompletedProcess) -> bool:
    """Whether a client script run by run_own_interpreter exited 0 after its last line, "ok"."""
    return p.returncode == 0 and p.stdout.strip().endswith("ok")


def unique_repo(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def bucket(plain_s3) -> str:
    """A fresh, empty bucket `master.<repo>`."""
    name = f"master.{unique_repo()}"
    plain_s3.create_bucket(Bucket=name)
    return name


@pytest.fixture
def seed(endpoint):
    """Writes setup data with plain HTTP PUTs (no SDK in the way): `seed(bucket, key, data, **headers)`
    returns the version ID; `seed.many(bucket, keys, data)` writes several keys concurrently. Tests
    of PutObject itself use boto3; this is for the objects other tests start from."""
    from urllib.parse import quote

    session = requests.Session()

    def put(bucket: str, key: str, data: bytes = b"", **headers: str) -> str:
        resp = session.put(f"{endpoint}/{bucket}/{quote(key, safe='/~')}", data=data, headers=headers, timeout=20)
        assert resp.status_code == 200, resp.text
        return resp.headers["x-amz-version-id"]

    def many(bucket: str, keys, data: bytes = b".") -> None:
        import concurrent.futures

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda k: requests.put(f"{endpoint}/{bucket}/{quote(k, safe='/~')}", data=data, timeout=20).raise_for_status(), keys))

    put.many = many  # type: ignore[attr-defined]
    yield put
    session.close()


@pytest.fixture
def bucket_factory(plain_s3):
    def make(branch: str = "master") -> str:
        name = f"{branch}.{unique_repo()}"
        plain_s3.create_bucket(Bucket=name)
        return name

    return make


# -- helpers shared by the test modules -------------------------------------------------------


def error_code(exc) -> str:
    return exc.response["Error"]["Code"]


GARBLED_HINT = (
    "a bare 400 without x-amz-request-id is not from the S3 layer: the HTTP server most likely took this "
    "request's bytes for the unsent body of an earlier PutObject on the same connection (one answered with "
    "an error before its body was read; see test_connection_usable_after_early_error_with_expect)"
)


def assert_client_error(exc, code: str, status: int) -> None:
    """A botocore ClientError carries `code`, `status` and a request ID (header and, with a body, body)."""
    resp = exc.response
    meta = resp["ResponseMetadata"]
    if meta["HTTPStatusCode"] == 400 and not meta["HTTPHeaders"].get("x-amz-request-id"):
        raise AssertionError(f"expected {code} ({status}), got {resp}: {GARBLED_HINT}")
    assert meta["HTTPStatusCode"] == status, resp
    assert resp["Error"]["Code"] == code, resp
    rid = meta["HTTPHeaders"].get("x-amz-request-id")
    assert rid, f"no x-amz-request-id header: {meta['HTTPHeaders']}"
    assert meta.get("RequestId") == rid, f"RequestId in body {meta.get('RequestId')!r} vs header {rid!r}"


def parse_error(resp: requests.Response) -> dict:
    """The fields of an S3 XML error body; asserts a request ID in body and header agree."""
    assert resp.headers.get("Content-Type", "").startswith("application/xml"), resp.headers
    root = ET.fromstring(resp.content)
    assert root.tag == "Error", resp.text
    fields = {child.tag: (child.text or "") for child in root}
    rid = resp.headers.get("x-amz-request-id")
    assert rid, resp.headers
    assert fields.get("RequestId") == rid, (fields, rid)
    return fields


def assert_raw_error(resp: requests.Response, code: str, status: int) -> dict:
    assert resp.status_code == status, (resp.status_code, resp.text)
    fields = parse_error(resp)
    assert fields["Code"] == code, fields
    return fields


@pytest.fixture(scope="session")
def secure(tmp_path_factory):
    """A second gateway with auth on: (gateway, root token, a robot's token)."""
    root = tmp_path_factory.mktemp("auth")
    gw = Gateway(_binary(), root)
    token = subprocess.run([gw.binary, "auth", "activate", "--data-dir", str(gw.data_dir)], check=True,
                           capture_output=True, text=True).stdout.strip()
    robot = subprocess.run([gw.binary, "auth", "get-token", "robot:ci", "--data-dir", str(gw.data_dir)], check=True,
                           capture_output=True, text=True).stdout.strip()
    gw.start()
    yield gw, token, robot
    assert gw.stop() == 0
