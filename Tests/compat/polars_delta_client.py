"""Rust's S3 client (the object_store crate) on a pachs3 branch, as `python3 polars_delta_client.py ENDPOINT BUCKET
[TOKEN [wrong]]`: polars reading and writing Parquet and CSV, and Delta Lake tables through deltalake (delta-rs),
whose commits are put-if-absent writes of `_delta_log/N.json` (`If-None-Match: *`): concurrent writers must each
land exactly once, the losers of a race refused with 412 and retrying at the next version.

test_polars_delta.py runs it in its own interpreter with .build/pydeps-data on PYTHONPATH. With a fourth argument
`wrong`, TOKEN is not a valid token and every call must be refused. Prints "ok" at the end; any failed check raises.
"""
import multiprocessing
import os
import sys

import polars as pl
import pyarrow as pa
import s3fs
from deltalake import DeltaTable, write_deltalake

ENDPOINT, BUCKET = sys.argv[1], sys.argv[2]
# With auth on, the token is both keys; with it off, any keys do.
KEY = sys.argv[3] if len(sys.argv) > 3 else "polars"
EXPECT_REFUSAL = len(sys.argv) > 4 and sys.argv[4] == "wrong"

POLARS = {"aws_access_key_id": KEY, "aws_secret_access_key": KEY, "aws_endpoint_url": ENDPOINT, "aws_region": "us-east-1",
          "aws_allow_http": "true"}
# delta-rs commits by put-if-absent when told the store honours it; without that it would need an external lock.
DELTA = {"AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": KEY, "AWS_ENDPOINT_URL": ENDPOINT, "AWS_REGION": "us-east-1",
         "AWS_ALLOW_HTTP": "true", "conditional_put": "etag"}
WRITERS, APPENDS = 4, 5


def url(path: str, bucket: str = BUCKET) -> str:
    return f"s3://{bucket}/{path}"


def version_of(path: str) -> str:
    fs = s3fs.S3FileSystem(version_aware=True, key=KEY, secret=KEY, client_kwargs={"endpoint_url": ENDPOINT, "region_name": "us-east-1"})
    return fs.info(f"{BUCKET}/{path}", refresh=True)["VersionId"]


def polars_calls() -> None:
    df = pl.DataFrame({"id": list(range(30_000)), "label": [f"l{i % 97}" for i in range(30_000)]})
    df.write_parquet(url("polars/a.parquet"), storage_options=POLARS)
    df.with_columns(pl.col("id") + 30_000).write_parquet(url("polars/b.parquet"), storage_options=POLARS)
    assert pl.read_parquet(url("polars/a.parquet"), storage_options=POLARS).equals(df)
    # A glob lists the prefix; the scan reads footers and the row groups it needs by range.
    scanned = pl.scan_parquet(url("polars/*.parquet"), storage_options=POLARS).filter(pl.col("id") % 1000 == 0).collect()
    assert sorted(scanned["id"].to_list()) == list(range(0, 60_000, 1000)), scanned.shape
    df.write_csv(url("polars/a.csv"), storage_options=POLARS)
    assert pl.read_csv(url("polars/a.csv"), storage_options=POLARS).equals(df)
    first = version_of("polars/a.parquet")
    df.head(10).write_parquet(url("polars/a.parquet"), storage_options=POLARS)
    assert pl.read_parquet(url("polars/a.parquet"), storage_options=POLARS).height == 10
    # The branch as of the first write, through a commit-pinned bucket.
    assert pl.read_parquet(url("polars/a.parquet", f"{first}.{BUCKET}"), storage_options=POLARS).equals(df)
    print("polars parquet, csv, glob scan, pinned bucket: ok")


def delta_table() -> None:
    table = url("delta/events")
    write_deltalake(table, pa.table({"id": list(range(1000)), "kind": ["a", "b"] * 500}), storage_options=DELTA)
    write_deltalake(table, pa.table({"id": list(range(1000, 1100)), "kind": ["c"] * 100}), mode="append", storage_options=DELTA)
    dt = DeltaTable(table, storage_options=DELTA)
    assert dt.version() == 1 and dt.to_pyarrow_table().num_rows == 1100, (dt.version(), dt.to_pyarrow_table().num_rows)
    dt.delete("id < 100")
    dt = DeltaTable(table, storage_options=DELTA)
    assert dt.to_pyarrow_table().num_rows == 1000 and dt.history()[0]["operation"] == "DELETE"
    # Time travel reads the older log entries and the data files they name, which the delete did not remove.
    assert DeltaTable(table, version=0, storage_options=DELTA).to_pyarrow_table().num_rows == 1000
    assert DeltaTable(table, version=1, storage_options=DELTA).to_pyarrow_table().num_rows == 1100
    try:
        write_deltalake(table, pa.table({"other": [1]}), mode="append", storage_options=DELTA)
        raise AssertionError("an append with another schema succeeded")
    except Exception as e:  # deltalake's SchemaMismatchError
        assert "schema" in str(e).lower(), e
    print("delta table: create, append, delete, time travel: ok")


def append(writer: int, start) -> None:
    # Past the imports in every writer (seconds apart under load), so their first appends meet.
    start.wait()
    for i in range(APPENDS):
        write_deltalake(url("delta/race"), pa.table({"writer": [writer], "i": [i]}), mode="append", storage_options=DELTA)


def delta_race() -> None:
    write_deltalake(url("delta/race"), pa.table({"writer": [-1], "i": [-1]}), storage_options=DELTA)
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(WRITERS)
    procs = [ctx.Process(target=append, args=(w, start)) for w in range(WRITERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(240)
    assert [p.exitcode for p in procs] == [0] * WRITERS, [p.exitcode for p in procs]
    dt = DeltaTable(url("delta/race"), storage_options=DELTA)
    rows = dt.to_pyarrow_table()
    got = sorted(zip(rows.column("writer").to_pylist(), rows.column("i").to_pylist()))
    want = sorted([(-1, -1)] + [(w, i) for w in range(WRITERS) for i in range(APPENDS)])
    # A log entry overwritten instead of refused would lose that writer's append.
    assert got == want, got
    assert dt.version() == WRITERS * APPENDS, dt.version()
    print(f"delta race: {WRITERS} writers x {APPENDS} appends, every one committed once: ok")


def refused() -> None:
    """Both libraries are refused a token that is not one, as object_store's PermissionDenied (HTTP 403)."""
    denied = "lacked the necessary privileges"
    try:
        pl.read_parquet(url("polars/a.parquet"), storage_options=POLARS)
        raise AssertionError("polars read with a wrong token")
    except (OSError, pl.exceptions.ComputeError) as e:
        assert denied in str(e), e
        print("polars refused")
    try:
        write_deltalake(url("delta/denied"), pa.table({"x": [1]}), storage_options=DELTA)
        raise AssertionError("deltalake wrote with a wrong token")
    except AssertionError:
        raise
    except Exception as e:  # deltalake wraps the store's error in its own types
        assert denied in str(e), e
        print("deltalake refused")


if __name__ == "__main__":
    if EXPECT_REFUSAL:
        refused()
    else:
        polars_calls()
        delta_table()
        delta_race()
    print("ok", flush=True)
    # pyarrow's and delta-rs's runtimes can abort while Python tears them down (seen: "terminate called without an
    # active exception"); everything is checked by now.
    os._exit(0)
