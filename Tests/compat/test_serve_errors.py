"""`pachs3 serve` and `pachs3 s3gateway` that cannot listen say which door, which address and why, and exit non-zero
at once; addresses may be names (`localhost`) or IPv6."""
import re
import socket
import subprocess

import pytest
import requests

from conftest import _binary


@pytest.fixture
def taken_port():
    """A port some other process listens on."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    yield s.getsockname()[1]
    s.close()


def serve(tmp_path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([_binary(), "serve", "--data-dir", str(tmp_path / "data"), *args], capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)


def test_s3_port_in_use(tmp_path, taken_port):
    r = serve(tmp_path, "--address", "127.0.0.1", "--port", str(taken_port), "--grpc-port", "0")
    assert r.returncode == 1, r
    assert f"pachs3: cannot serve S3 on 127.0.0.1:{taken_port}: address already in use" in r.stderr, r.stderr


def test_grpc_port_in_use(tmp_path, taken_port):
    r = serve(tmp_path, "--address", "127.0.0.1", "--port", "0", "--grpc-port", str(taken_port))
    assert r.returncode == 1, r
    assert f"pachs3: cannot serve the gRPC API on 127.0.0.1:{taken_port}: address already in use" in r.stderr, r.stderr


def test_gateway_port_in_use(tmp_path, taken_port):
    r = subprocess.run([_binary(), "s3gateway", "--address", "127.0.0.1:1", "--listen", "127.0.0.1", "--port", str(taken_port)],
                       capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 1, r
    assert f"pachs3: cannot serve S3 on 127.0.0.1:{taken_port}: address already in use" in r.stderr, r.stderr


@pytest.mark.parametrize("args, message", [
    (["--grpc-port", "70000"], "--grpc-port takes a port number from 0 to 65535, not 70000"),
    (["--port", "65536"], "--port takes a port number from 0 to 65535, not 65536"),
    (["--address", "no-such-host.invalid", "--port", "0", "--grpc-port", "0"], "cannot resolve the host name no-such-host.invalid"),
    # TEST-NET-3: no interface here has it.
    (["--address", "203.0.113.1", "--port", "0", "--grpc-port", "0"], "cannot assign requested address"),
])
def test_bad_listen_arguments(tmp_path, args, message):
    r = serve(tmp_path, *args)
    assert r.returncode != 0 and message in r.stderr, r


def test_a_host_name_and_ipv6_are_served(tmp_path):
    for address, url_host in (("localhost", "localhost"), ("::1", "[::1]")):
        proc = subprocess.Popen([_binary(), "serve", "--data-dir", str(tmp_path / address.replace(":", "_")), "--address", address,
                                 "--port", "0", "--grpc-port", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            ports = {}
            for line in proc.stdout:
                m = re.search(r"(S3 gateway|gRPC API) listening on (?:http://)?(\S+):(\d+)", line)
                if m:
                    assert m.group(2) == url_host, line
                    ports[m.group(1)] = int(m.group(3))
                if len(ports) == 2:
                    break
            assert len(ports) == 2, "pachs3 serve did not start"
            assert requests.get(f"http://{url_host}:{ports['S3 gateway']}/", timeout=10).status_code == 200
            with socket.create_connection(("localhost" if address == "localhost" else "::1", ports["gRPC API"]), timeout=10):
                pass
        finally:
            proc.terminate()
            proc.wait(timeout=30)
