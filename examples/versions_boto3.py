#!/usr/bin/env python3
"""Versions through boto3: every PUT is a commit, and the commit ID is the S3 version ID.

    python3 examples/versions_boto3.py [ENDPOINT]      # default http://localhost:30600 (`make run`)

Writes two versions of one key, reads the first back by its version ID, lists the versions (with the
delete marker a DELETE leaves), and reads the old state through a commit-pinned bucket.
"""
import sys

import boto3
from botocore.config import Config

endpoint = sys.argv[1] if len(sys.argv) > 1 else "http://localhost:30600"
# While auth is off any keys work; with auth on, access key = secret key = your pachs3 token.
s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="x", aws_secret_access_key="x",
                  region_name="us-east-1", config=Config(s3={"addressing_style": "path"}))

bucket = "master.examples"  # branch master of repo examples
s3.create_bucket(Bucket=bucket)
v1 = s3.put_object(Bucket=bucket, Key="notes.txt", Body=b"first draft\n")["VersionId"]
v2 = s3.put_object(Bucket=bucket, Key="notes.txt", Body=b"second draft\n")["VersionId"]
print("commit of v1:", v1)
print("commit of v2:", v2)
print("latest:      ", s3.get_object(Bucket=bucket, Key="notes.txt")["Body"].read())
print("v1 by ID:    ", s3.get_object(Bucket=bucket, Key="notes.txt", VersionId=v1)["Body"].read())

s3.delete_object(Bucket=bucket, Key="notes.txt")
versions = s3.list_object_versions(Bucket=bucket, Prefix="notes.txt")
for v in versions.get("Versions", []):
    print("version      ", v["VersionId"], v["Size"], "latest" if v["IsLatest"] else "")
for m in versions.get("DeleteMarkers", []):
    print("delete marker", m["VersionId"])

# A commit-pinned bucket `<commit>.<branch>.<repo>` shows the branch as it was at that commit (read-only).
pinned = f"{v1}.{bucket}"
print("pinned:      ", [o["Key"] for o in s3.list_objects_v2(Bucket=pinned).get("Contents", [])],
      s3.get_object(Bucket=pinned, Key="notes.txt")["Body"].read())
