"""s3cmd (SigV4 and --signature-v2) against an auth-on gateway, token as access key and secret:
mb, put, ls, get, info, setacl, del."""
import os
import pathlib
import subprocess

import pytest

from conftest import unique_repo




def write_config(path: pathlib.Path, gw, token: str) -> pathlib.Path:
    path.write_text(
        "[default]\n"
        f"access_key = {token}\n"
        f"secret_key = {token}\n"
        f"host_base = 127.0.0.1:{gw.port}\n"
        f"host_bucket = 127.0.0.1:{gw.port}\n"  # no %(bucket)s: path-style requests
        "bucket_location = us-east-1\n"
        "use_https = False\n"
        "check_ssl_certificate = False\n"
        "signature_v2 = False\n"
        "socket_timeout = 20\n"
        "max_retries = 1\n"
    )
    return path


@pytest.mark.parametrize("signature", ["v4", "v2"])
def test_s3cmd_mb_put_ls_get_del(secure, tmp_path, signature):
    gw, token, _ = secure
    cfg = write_config(tmp_path / "s3cfg", gw, token)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}

    def s3cmd(*args: str) -> str:
        cmd = ["s3cmd", "-c", str(cfg), "--no-progress", *(["--signature-v2"] if signature == "v2" else []), *args]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)
        assert r.returncode == 0, f"{' '.join(cmd)} -> {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}\ngateway log:\n{gw.log_tail(20)}"
        return r.stdout

    bucket = f"master.{unique_repo('s3cmd' + signature)}"
    payload = os.urandom(100_000) + b"end"
    src = tmp_path / "payload.bin"
    src.write_bytes(payload)

    s3cmd("mb", f"s3://{bucket}")
    assert f"s3://{bucket}" in s3cmd("ls")
    s3cmd("put", str(src), f"s3://{bucket}/dir/payload.bin")
    listing = s3cmd("ls", "-r", f"s3://{bucket}")
    assert f"s3://{bucket}/dir/payload.bin" in listing and str(len(payload)) in listing, listing
    s3cmd("put", str(src), f"s3://{bucket}/top.bin")
    shallow = s3cmd("ls", f"s3://{bucket}/")
    assert "DIR" in shallow and f"s3://{bucket}/dir/" in shallow and f"s3://{bucket}/top.bin" in shallow, shallow
    dst = tmp_path / "got.bin"
    s3cmd("get", f"s3://{bucket}/dir/payload.bin", str(dst))
    assert dst.read_bytes() == payload
    # `info` reads the bucket's and the object's ACL, policy, CORS and lifecycle: what pachs3 has (none, owner only).
    info = s3cmd("info", f"s3://{bucket}")
    assert "Policy:    none" in info and "CORS:      none" in info and "Expiration Rule: none" in info, info
    assert "FULL_CONTROL" in s3cmd("info", f"s3://{bucket}/top.bin")
    s3cmd("setacl", "--acl-private", f"s3://{bucket}/top.bin")  # already private: nothing to set
    s3cmd("del", f"s3://{bucket}/dir/payload.bin")
    s3cmd("del", f"s3://{bucket}/top.bin")
    assert s3cmd("ls", "-r", f"s3://{bucket}").strip() == ""
    s3cmd("rb", f"s3://{bucket}")
    assert f"s3://{bucket}" not in s3cmd("ls")
