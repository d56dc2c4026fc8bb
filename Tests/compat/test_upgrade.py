"""Upgrading a data directory written before nodes and small chunks moved to rowid tables (migration v5):
after a restart every object and every version reads back through boto3 as before, and the file is compacted."""

from __future__ import annotations

import os
import sqlite3

from conftest import Gateway, _binary, make_client

OLD_TABLES = """
CREATE TABLE {t}_old (digest BLOB PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;
INSERT INTO {t}_old SELECT digest, data FROM {t};
DROP TABLE {t};
ALTER TABLE {t}_old RENAME TO {t};
"""


def versions(s3, bucket):
    page = s3.list_object_versions(Bucket=bucket)
    return [(v["Key"], v["VersionId"], v["ETag"]) for v in page.get("Versions", [])], \
        [(d["Key"], d["VersionId"]) for d in page.get("DeleteMarkers", [])]


def test_a_store_from_before_the_rowid_tables_reads_back_whole(tmp_path):
    bucket = "master.upgrade"
    small, large, v1 = os.urandom(4096), os.urandom(300_000), b"first version\n"
    gw = Gateway(_binary(), tmp_path)
    gw.start()
    try:
        s3 = make_client(gw.endpoint)
        s3.create_bucket(Bucket=bucket)
        first = s3.put_object(Bucket=bucket, Key="doc.txt", Body=v1)["VersionId"]
        s3.put_object(Bucket=bucket, Key="doc.txt", Body=b"second version\n")
        s3.put_object(Bucket=bucket, Key="small.bin", Body=small)
        s3.put_object(Bucket=bucket, Key="large.bin", Body=large)
        s3.put_object(Bucket=bucket, Key="gone.txt", Body=b"x")
        s3.delete_object(Bucket=bucket, Key="gone.txt")
        before = versions(s3, bucket)
    finally:
        assert gw.stop() == 0

    # The tables as pachs3 wrote them before v5.
    db = sqlite3.connect(gw.data_dir / "meta.db")
    with db:
        for table in ("nodes", "chunks"):
            db.executescript(OLD_TABLES.format(t=table))
        db.execute("DELETE FROM grdb_migrations WHERE identifier = 'v5-rowid-blobs'")
    db.close()

    again = Gateway(_binary(), tmp_path)
    again.start()
    try:
        # Converted, and compacted: the old tables' pages are not left free in the file.
        db = sqlite3.connect(gw.data_dir / "meta.db")
        try:
            for table in ("nodes", "chunks"):
                assert [c[1] for c in db.execute(f"PRAGMA table_info({table})")] == ["id", "digest", "data"]
            assert db.execute("PRAGMA freelist_count").fetchone()[0] == 0
        finally:
            db.close()
        s3 = make_client(again.endpoint)
        assert s3.get_object(Bucket=bucket, Key="small.bin")["Body"].read() == small
        assert s3.get_object(Bucket=bucket, Key="large.bin")["Body"].read() == large
        assert s3.get_object(Bucket=bucket, Key="doc.txt")["Body"].read() == b"second version\n"
        assert s3.get_object(Bucket=bucket, Key="doc.txt", VersionId=first)["Body"].read() == v1
        assert versions(s3, bucket) == before
        s3.put_object(Bucket=bucket, Key="after.txt", Body=b"written after the upgrade")
        assert s3.get_object(Bucket=bucket, Key="after.txt")["Body"].read() == b"written after the upgrade"
    finally:
        assert again.stop() == 0
