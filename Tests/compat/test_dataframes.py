"""pandas (through s3fs) and pyarrow's own S3 filesystem on a pachs3 branch, auth off and on: CSV, Parquet, partitioned
datasets, multipart writes, ranged reads, and old versions by version ID and through a commit-pinned bucket. Run by
dataframe_client.py in its own interpreter with .build/pydeps-data on its path (s3fs pins a botocore of its own);
`make compat-deps` installs them there, or PACHS3_DATA_PYTHONPATH names another directory."""
import os
import pathlib
import subprocess

import boto3
from botocore.config import Config

from conftest import printed_ok, run_own_interpreter, unique_repo

HERE = pathlib.Path(__file__).resolve().parent
DATA_PATH = os.environ.get("PACHS3_DATA_PYTHONPATH", str(HERE.parent.parent / ".build" / "pydeps-data"))


def run_client(script: str, endpoint: str, bucket: str, *args: str) -> subprocess.CompletedProcess:
    for package in ("pandas", "pyarrow", "s3fs", "polars", "deltalake"):
        assert (pathlib.Path(DATA_PATH) / package).is_dir(), f"{package} is not installed in {DATA_PATH}: run make compat-deps"
    return run_own_interpreter(script, DATA_PATH, endpoint, bucket, *args, env={"AWS_EC2_METADATA_DISABLED": "true"})


def check_auth_on(secure, script: str, refusals: list[str], denied_prefix: str) -> None:
    """SCRIPT's checks with the root token on a fresh bucket; then with a token that is not one, every library
    refused (each prints one of REFUSALS) and nothing written under DENIED_PREFIX."""
    gw, token, _ = secure
    bucket = f"master.{unique_repo('df')}"
    s3 = boto3.client("s3", endpoint_url=gw.endpoint, region_name="us-east-1", aws_access_key_id=token,
                      aws_secret_access_key=token, config=Config(s3={"addressing_style": "path"}))
    s3.create_bucket(Bucket=bucket)
    p = run_client(script, gw.endpoint, bucket, token)
    assert printed_ok(p), p.stdout[-2000:] + p.stderr[-4000:]
    p = run_client(script, gw.endpoint, bucket, "not-a-token", "wrong")
    assert printed_ok(p), p.stdout[-2000:] + p.stderr[-4000:]
    assert all(r in p.stdout for r in refusals), p.stdout
    assert s3.list_objects_v2(Bucket=bucket, Prefix=denied_prefix)["KeyCount"] == 0


def test_dataframes_auth_off(plain_s3, endpoint):
    bucket = f"master.{unique_repo('df')}"
    plain_s3.create_bucket(Bucket=bucket)
    p = run_client("dataframe_client.py", endpoint, bucket)
    assert printed_ok(p), p.stdout[-2000:] + p.stderr[-4000:]
    # What the tools wrote is what boto3 reads.
    keys = {o["Key"] for o in plain_s3.list_objects_v2(Bucket=bucket, Prefix="arrow/")["Contents"]}
    assert {"arrow/table.parquet", "arrow/big.bin", "arrow/moved/big.bin"} <= keys, keys
    assert plain_s3.head_object(Bucket=bucket, Key="arrow/big.bin")["ContentLength"] == 20 * (1 << 20) + 7


def test_dataframes_auth_on(secure):
    check_auth_on(secure, "dataframe_client.py", ["pandas refused", "pyarrow refused"], "denied")
