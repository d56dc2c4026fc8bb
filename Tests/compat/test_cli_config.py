"""The command line's config file against a live server with auth on: `pachs3 auth login` stores
the address and a token (mode 0600); every later command uses them; PACHS3_ADDRESS and
PACHS3_TOKEN override them; a malformed file is a clear error."""
from __future__ import annotations

import json
import os
import stat
import subprocess

from conftest import _binary


def cli(config, *args, env=None, input=None):
    base = {k: v for k, v in os.environ.items() if k not in ("PACHS3_DATA", "PACHS3_TOKEN", "PACHS3_ADDRESS")}
    base["PACHS3_CONFIG"] = str(config)
    base.update(env or {})
    return subprocess.run([_binary(), *args], env=base, capture_output=True, text=True, timeout=60, input=input)


def test_login_stores_address_and_token_that_later_commands_use(secure, tmp_path):
    gw, _, robot = secure
    addr = f"127.0.0.1:{gw.grpc_port}"
    config = tmp_path / "pachs3" / "config.json"
    # Auth is on: without a token the server refuses.
    refused = cli(config, "list", "repo", "--address", addr)
    assert refused.returncode != 0 and refused.stderr.startswith("pachs3: ")

    login = cli(config, "auth", "login", "--address", addr, "--token", robot)
    assert login.returncode == 0, login.stderr
    assert "robot:ci" in login.stderr and str(config) in login.stderr
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert json.loads(config.read_text()) == {"address": addr, "token": robot}

    # No flag, no environment: the file's address and token.
    assert cli(config, "create", "repo", "fromconfig").returncode == 0
    assert "fromconfig" in cli(config, "list", "repo").stdout
    assert cli(config, "auth", "whoami").stdout == "robot:ci\n"

    # The environment overrides the file, token and address alike.
    bad = cli(config, "list", "repo", env={"PACHS3_TOKEN": "0" * 64})
    assert bad.returncode != 0 and "fromconfig" not in bad.stdout
    away = cli(config, "list", "repo", env={"PACHS3_ADDRESS": "127.0.0.1:1"})
    assert away.returncode != 0 and "cannot reach the pachs3 server at 127.0.0.1:1" in away.stderr

    # A token the server does not know is not stored; the file keeps the good one.
    wrong = cli(config, "auth", "login", "--token", "f" * 64)
    assert wrong.returncode != 0 and "not valid" in wrong.stderr
    assert json.loads(config.read_text())["token"] == robot

    # The token from stdin, as in `pachs3 auth activate | pachs3 auth login`.
    assert cli(config, "auth", "logout").returncode == 0
    assert json.loads(config.read_text()) == {"address": addr}
    assert cli(config, "list", "repo").returncode != 0
    assert cli(config, "auth", "login", input=robot + "\n").returncode == 0
    assert "fromconfig" in cli(config, "list", "repo").stdout


def test_a_malformed_config_file_is_a_clear_error(tmp_path):
    config = tmp_path / "config.json"
    for text in ('{"address": "localhost:1", "token": ', '["a list"]', '{"token": 42}'):
        config.write_text(text)
        r = cli(config, "list", "repo")
        assert r.returncode != 0
        assert f"the config file {config} is not valid" in r.stderr, r.stderr
        assert "Traceback" not in r.stderr and "Fatal error" not in r.stderr
    # Both settings from the environment: the file is not needed, so not read.
    r = cli(config, "list", "repo", env={"PACHS3_ADDRESS": "127.0.0.1:1", "PACHS3_TOKEN": "t"})
    assert "cannot reach the pachs3 server at 127.0.0.1:1" in r.stderr
