"""The data team's tools on a pachs3 branch, as `python3 dataframe_client.py ENDPOINT BUCKET [TOKEN [wrong]]`: pandas
reading and writing CSV and Parquet through s3fs (fsspec, aiobotocore), and pyarrow's own S3 filesystem (the AWS C++
SDK) writing and scanning a partitioned dataset; old versions read by version ID and through a commit-pinned bucket.

test_dataframes.py runs it in its own interpreter with .build/pydeps-data on PYTHONPATH: s3fs brings an aiobotocore
that pins its own botocore, which must not replace the one the other compat tests and aws cli use. With a fourth
argument `wrong`, TOKEN is not a valid token and every call must be refused. Prints "ok" at the end; any failed check
raises.
"""
import hashlib
import io
import os
import sys

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import s3fs

ENDPOINT, BUCKET = sys.argv[1], sys.argv[2]
# With auth on, the token is both keys; with it off, any keys do.
KEY = sys.argv[3] if len(sys.argv) > 3 else "dataframes"
EXPECT_REFUSAL = len(sys.argv) > 4 and sys.argv[4] == "wrong"

OPTIONS = {"key": KEY, "secret": KEY, "client_kwargs": {"endpoint_url": ENDPOINT, "region_name": "us-east-1"},
           "config_kwargs": {"retries": {"max_attempts": 1}}}
MiB = 1 << 20


def url(path: str, bucket: str = BUCKET) -> str:
    return f"s3://{bucket}/{path}"


def frame(n: int, seed: int) -> pd.DataFrame:
    return pd.DataFrame({"id": range(n), "value": [(i * seed) % 1009 / 7 for i in range(n)],
                         "name": [f"row-{seed}-{i}" for i in range(n)]})


def arrow_fs() -> pafs.S3FileSystem:
    scheme, host = ENDPOINT.split("://", 1)
    return pafs.S3FileSystem(access_key=KEY, secret_key=KEY, endpoint_override=host, scheme=scheme, region="us-east-1",
                             retry_strategy=pafs.AwsStandardS3RetryStrategy(max_attempts=1))


def pandas_round_trips() -> None:
    df = frame(50_000, 3)
    df.to_csv(url("csv/data.csv"), index=False, storage_options=OPTIONS)
    assert pd.read_csv(url("csv/data.csv"), storage_options=OPTIONS).equals(df)
    df.to_parquet(url("parquet/data.parquet"), storage_options=OPTIONS)
    assert pd.read_parquet(url("parquet/data.parquet"), storage_options=OPTIONS).equals(df)
    # A Hive-partitioned dataset: one object per partition, read back as one frame.
    df["part"] = df["id"] % 4
    df.to_parquet(url("dataset"), partition_cols=["part"], storage_options=OPTIONS)
    back = pd.read_parquet(url("dataset"), storage_options=OPTIONS)
    assert len(back) == len(df) and sorted(back["id"]) == list(df["id"]), len(back)
    assert sorted(int(p) for p in back["part"].astype(int).unique()) == [0, 1, 2, 3]
    print("pandas csv, parquet and a partitioned dataset: ok")


def pandas_versions() -> None:
    fs = s3fs.S3FileSystem(version_aware=True, **OPTIONS)
    path = f"{BUCKET}/versions/table.parquet"
    v1_frame, v2_frame = frame(1_000, 5), frame(2_000, 7)
    v1_frame.to_parquet(url("versions/table.parquet"), storage_options=OPTIONS)
    v1 = fs.info(path, refresh=True)["VersionId"]
    v2_frame.to_parquet(url("versions/table.parquet"), storage_options=OPTIONS)
    v2 = fs.info(path, refresh=True)["VersionId"]
    assert v1 != v2 and len(v1) == 32, (v1, v2)
    with fs.open(path, "rb", version_id=v1) as f:
        assert pd.read_parquet(f).equals(v1_frame)
    assert pd.read_parquet(url("versions/table.parquet"), storage_options=OPTIONS).equals(v2_frame)
    versions = [v["VersionId"] for v in fs.object_version_info(path)]
    assert v1 in versions and v2 in versions, versions
    # The commit of v1 as a read-only bucket: the whole branch as it was.
    pinned = f"{v1}.{BUCKET}"
    assert pd.read_parquet(url("versions/table.parquet", pinned), storage_options=OPTIONS).equals(v1_frame)
    try:
        v2_frame.to_csv(url("versions/other.csv", pinned), storage_options=OPTIONS)
        raise AssertionError("a write to a commit-pinned bucket succeeded")
    except (PermissionError, OSError) as e:
        print(f"write to the pinned bucket refused: {type(e).__name__}")
    assert not s3fs.S3FileSystem(**OPTIONS).exists(f"{pinned}/versions/other.csv")
    print("versions by ID, ListObjectVersions, pinned bucket: ok")


def s3fs_calls() -> None:
    fs = s3fs.S3FileSystem(**OPTIONS)
    base = f"{BUCKET}/fs"
    body = os.urandom(12 * MiB + 12345)
    # Written in 5 MiB blocks: a three-part multipart upload.
    with fs.open(f"{base}/big.bin", "wb", block_size=5 * MiB) as f:
        for i in range(0, len(body), MiB):
            f.write(body[i:i + MiB])
    info = fs.info(f"{base}/big.bin", refresh=True)
    assert info["size"] == len(body) and info["ETag"].strip('"').endswith("-3"), info
    assert fs.cat_file(f"{base}/big.bin") == body
    assert fs.cat_file(f"{base}/big.bin", start=5 * MiB - 3, end=5 * MiB + 9) == body[5 * MiB - 3:5 * MiB + 9]
    fs.pipe({f"{base}/a/one.txt": b"one", f"{base}/a/b/two.txt": b"two", f"{base}/c.txt": b"three"})
    assert sorted(fs.ls(base, refresh=True)) == sorted([f"{base}/a", f"{base}/big.bin", f"{base}/c.txt"])
    assert sorted(fs.find(base)) == sorted([f"{base}/a/b/two.txt", f"{base}/a/one.txt", f"{base}/big.bin", f"{base}/c.txt"])
    assert sorted(fs.glob(f"{base}/a/**/*.txt")) == [f"{base}/a/b/two.txt", f"{base}/a/one.txt"]
    assert fs.du(base) == len(body) + 3 + 3 + 5
    assert fs.isdir(f"{base}/a") and fs.isfile(f"{base}/c.txt") and not fs.exists(f"{base}/missing")
    fs.copy(f"{base}/c.txt", f"{base}/c-copy.txt")
    assert fs.cat_file(f"{base}/c-copy.txt") == b"three"
    fs.rm(f"{base}/a", recursive=True)
    assert not fs.exists(f"{base}/a/one.txt") and not fs.exists(f"{base}/a/b/two.txt")
    try:
        fs.cat_file(f"{base}/missing")
        raise AssertionError("reading a missing key succeeded")
    except FileNotFoundError:
        pass
    try:
        pd.read_csv(url("nowhere/missing.csv"), storage_options=OPTIONS)
        raise AssertionError("pandas read a missing key")
    except FileNotFoundError:
        pass
    print("s3fs multipart, ranges, ls/find/glob/du, copy, rm: ok")


def arrow_calls() -> None:
    fs = arrow_fs()
    table = pa.table({"id": pa.array(range(20_000), pa.int64()), "group": pa.array([i % 5 for i in range(20_000)], pa.int32()),
                      "text": pa.array([f"t{i}" for i in range(20_000)])})
    pq.write_table(table, f"{BUCKET}/arrow/table.parquet", filesystem=fs, row_group_size=4_000)
    assert pq.read_table(f"{BUCKET}/arrow/table.parquet", filesystem=fs).equals(table)
    # Parquet readers fetch the footer and then single row groups: ranged GETs.
    assert pq.ParquetFile(f"{BUCKET}/arrow/table.parquet", filesystem=fs).read_row_group(2).num_rows == 4_000
    ds.write_dataset(table, f"{BUCKET}/arrow/ds", filesystem=fs, format="parquet", partitioning=["group"],
                     partitioning_flavor="hive")
    scanned = ds.dataset(f"{BUCKET}/arrow/ds", filesystem=fs, format="parquet", partitioning="hive")
    assert scanned.count_rows() == 20_000
    assert scanned.to_table(filter=ds.field("group") == 3).num_rows == 4_000
    info = fs.get_file_info(f"{BUCKET}/arrow/ds")
    assert info.type == pafs.FileType.Directory, info
    assert fs.get_file_info(f"{BUCKET}/arrow/absent.parquet").type == pafs.FileType.NotFound

    body = os.urandom(20 * MiB + 7)
    with fs.open_output_stream(f"{BUCKET}/arrow/big.bin") as out:
        for i in range(0, len(body), 3 * MiB):
            out.write(body[i:i + 3 * MiB])
    with fs.open_input_file(f"{BUCKET}/arrow/big.bin") as f:
        assert f.size() == len(body)
        assert f.read_at(100, 11 * MiB) == body[11 * MiB:11 * MiB + 100]
        assert hashlib.sha256(f.readall()).digest() == hashlib.sha256(body).digest()
    fs.copy_file(f"{BUCKET}/arrow/big.bin", f"{BUCKET}/arrow/big-copy.bin")
    fs.move(f"{BUCKET}/arrow/big-copy.bin", f"{BUCKET}/arrow/moved/big.bin")
    assert fs.get_file_info(f"{BUCKET}/arrow/big-copy.bin").type == pafs.FileType.NotFound
    assert fs.get_file_info(f"{BUCKET}/arrow/moved/big.bin").size == len(body)

    fs.create_dir(f"{BUCKET}/arrow/empty/inner")
    assert fs.get_file_info(f"{BUCKET}/arrow/empty/inner").type == pafs.FileType.Directory
    fs.delete_dir(f"{BUCKET}/arrow/empty")
    assert fs.get_file_info(f"{BUCKET}/arrow/empty/inner").type == pafs.FileType.NotFound
    fs.delete_dir_contents(f"{BUCKET}/arrow/ds")
    assert fs.get_file_info(pafs.FileSelector(f"{BUCKET}/arrow/ds", allow_not_found=True, recursive=True)) == []
    print("pyarrow parquet, hive dataset, multipart stream, copy/move, directories: ok")


def arrow_versions() -> None:
    fs = arrow_fs()
    first = pa.table({"x": [1, 2, 3]})
    pq.write_table(first, f"{BUCKET}/arrow-versions/t.parquet", filesystem=fs)
    commit = s3fs.S3FileSystem(version_aware=True, **OPTIONS).info(f"{BUCKET}/arrow-versions/t.parquet", refresh=True)["VersionId"]
    pq.write_table(pa.table({"x": [4]}), f"{BUCKET}/arrow-versions/t.parquet", filesystem=fs)
    pinned = f"{commit}.{BUCKET}"
    assert pq.read_table(f"{pinned}/arrow-versions/t.parquet", filesystem=fs).equals(first)
    assert pq.read_table(f"{BUCKET}/arrow-versions/t.parquet", filesystem=fs).column("x").to_pylist() == [4]
    try:
        pq.write_table(first, f"{pinned}/arrow-versions/new.parquet", filesystem=fs)
        raise AssertionError("pyarrow wrote into a commit-pinned bucket")
    except OSError as e:
        print(f"pyarrow write to the pinned bucket refused: {str(e).splitlines()[0][:120]}")
    print("pyarrow reading a commit-pinned bucket: ok")


def refused() -> None:
    """Every door refuses a token that is not one."""
    try:
        pd.read_csv(url("csv/data.csv"), storage_options=OPTIONS)
        raise AssertionError("pandas read with a wrong token")
    except (PermissionError, OSError) as e:
        print(f"pandas refused: {type(e).__name__}")
    try:
        pq.write_table(pa.table({"x": [1]}), f"{BUCKET}/denied.parquet", filesystem=arrow_fs())
        raise AssertionError("pyarrow wrote with a wrong token")
    except OSError as e:
        # The AWS C++ SDK names S3's InvalidAccessKeyId so.
        assert "INVALID_ACCESS_KEY_ID" in str(e), str(e)
        print("pyarrow refused")


if EXPECT_REFUSAL:
    refused()
else:
    pandas_round_trips()
    pandas_versions()
    s3fs_calls()
    arrow_calls()
    arrow_versions()
print("ok")
