#!/usr/bin/env python3
"""Versions of a table through pandas (s3fs) and pyarrow's S3 filesystem.

    pip install pandas pyarrow s3fs
    python3 examples/dataframes.py [ENDPOINT]      # default http://localhost:30600 (`make run`)

Writes a Parquet table to branch master of repo `tables`, rewrites it, then reads the first version back by its
version ID (s3fs) and the whole branch as it was through a commit-pinned bucket (pandas and pyarrow).
"""
import sys

import pandas as pd
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import s3fs

endpoint = sys.argv[1] if len(sys.argv) > 1 else "http://localhost:30600"
# While auth is off any keys work; with auth on, key = secret = your pachs3 token.
options = {"key": "x", "secret": "x", "client_kwargs": {"endpoint_url": endpoint, "region_name": "us-east-1"}}
fs = s3fs.S3FileSystem(version_aware=True, **options)
if not fs.exists("master.tables"):
    fs.mkdir("master.tables")  # CreateBucket: repo `tables` with branch master

pd.DataFrame({"city": ["Oslo", "Lima"], "temp": [3.5, 19.0]}).to_parquet("s3://master.tables/weather.parquet",
                                                                          storage_options=options)
first = fs.info("master.tables/weather.parquet", refresh=True)["VersionId"]  # the commit that wrote it
pd.DataFrame({"city": ["Oslo", "Lima", "Pune"], "temp": [4.0, 18.5, 31.0]}).to_parquet(
    "s3://master.tables/weather.parquet", storage_options=options)

print("latest:\n", pd.read_parquet("s3://master.tables/weather.parquet", storage_options=options))
with fs.open("master.tables/weather.parquet", "rb", version_id=first) as f:
    print(f"version {first}:\n", pd.read_parquet(f))
# `<commit>.master.tables` is the branch as of that commit, read-only.
print("pinned bucket, pandas:\n", pd.read_parquet(f"s3://{first}.master.tables/weather.parquet", storage_options=options))

scheme, host = endpoint.split("://", 1)
arrow = pafs.S3FileSystem(access_key="x", secret_key="x", endpoint_override=host, scheme=scheme, region="us-east-1")
print("pinned bucket, pyarrow:", pq.read_table(f"{first}.master.tables/weather.parquet", filesystem=arrow).num_rows, "rows")
