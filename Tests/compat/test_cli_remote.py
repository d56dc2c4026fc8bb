"""The `pachs3` command line against a server (its default, like pachctl): PACHS3_ADDRESS or
--address, no data directory; what it writes is what the server's S3 gateway serves."""
from __future__ import annotations

import os
import subprocess

from conftest import _binary, make_client


def cli(*args, address=None, check=True):
    env = {k: v for k, v in os.environ.items() if k not in ("PACHS3_DATA", "PACHS3_TOKEN")}
    if address:
        env["PACHS3_ADDRESS"] = address
    return subprocess.run([_binary(), *args], env=env, capture_output=True, text=True, check=check, timeout=60)


def test_cli_talks_to_a_server(gateway, tmp_path):
    addr = f"127.0.0.1:{gateway.grpc_port}"
    cli("create", "repo", "clirepo", address=addr)
    src = tmp_path / "f.txt"
    src.write_bytes(b"from the cli")
    cli("put", "file", "clirepo@master:/docs/f.txt", "-f", str(src), address=addr)
    assert cli("get", "file", "clirepo@master:/docs/f.txt", address=addr).stdout == "from the cli"
    assert "clirepo" in cli("list", "repo", "--address", addr).stdout
    assert "/docs/f.txt" in cli("list", "file", "clirepo@master:/docs/", address=addr).stdout
    assert make_client(gateway.endpoint).get_object(Bucket="master.clirepo", Key="docs/f.txt")["Body"].read() == b"from the cli"

    missing = cli("inspect", "repo", "nosuchrepo", address=addr, check=False)
    assert missing.returncode != 0 and "not found" in missing.stderr
    down = cli("list", "repo", address="127.0.0.1:1", check=False)
    assert down.returncode != 0 and "cannot reach the pachs3 server at 127.0.0.1:1" in down.stderr
