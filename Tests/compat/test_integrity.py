"""A chunk corrupted on disk never reaches a client: boto3 and aws cli see the transfer fail after the intact bytes
before it, reads that do not touch it still work, and `pachs3 fsck` names it."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess

import pytest
from botocore.exceptions import ClientError, IncompleteReadError, ResponseStreamingError

from conftest import Gateway, _binary, assert_client_error, make_client


def stored_chunks(data_dir, data: bytes) -> list[tuple[int, str]]:
    """(offset in `data`, path) of every blob holding a piece of `data`, in order."""
    found = []
    for root, _, files in os.walk(data_dir / "blobs"):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                head = f.read(256)
            offset = data.find(head)
            if offset >= 0:
                found.append((offset, path))
    return sorted(found)


def test_a_corrupted_chunk_fails_the_read_and_fsck(tmp_path):
    gw = Gateway(_binary(), tmp_path)
    gw.start()
    try:
        s3 = make_client(gw.endpoint)
        s3.create_bucket(Bucket="master.rot")
        data = os.urandom(8 << 20)
        s3.put_object(Bucket="master.rot", Key="big.bin", Body=data)
        assert gw.cli("fsck").returncode == 0
        chunks = stored_chunks(gw.data_dir, data)
        assert len(chunks) >= 3, chunks
        bad_offset, bad_path = chunks[-1]
        with open(bad_path, "r+b") as f:
            f.seek(1000)
            byte = f.read(1)
            f.seek(1000)
            f.write(bytes([byte[0] ^ 0x40]))

        # The whole object: the bytes before the bad chunk arrive intact, then the transfer fails.
        body = s3.get_object(Bucket="master.rot", Key="big.bin")["Body"]
        got = bytearray()
        with pytest.raises((IncompleteReadError, ResponseStreamingError)):
            for piece in body.iter_chunks(1 << 16):
                got += piece
        assert len(got) <= bad_offset + 1000 and bytes(got) == data[: len(got)]
        # The head went out as 200: the log says which request lost its body, and why (at error level).
        assert gw.wait_for_log(lambda l: "response body failed" in l and "does not match its CRC-32" in l and "request-id=" in l, 5)

        # A range inside the intact chunks is served; a small one reaching the bad chunk is read before its head is
        # sent, so it fails with a 500 instead of a cut body.
        part = s3.get_object(Bucket="master.rot", Key="big.bin", Range=f"bytes=0-{bad_offset - 1}")["Body"].read()
        assert part == data[:bad_offset]
        with pytest.raises(ClientError) as e:
            s3.get_object(Bucket="master.rot", Key="big.bin", Range=f"bytes={bad_offset}-{bad_offset + 4095}")
        assert_client_error(e.value, "InternalError", 500)
        rid = e.value.response["ResponseMetadata"]["RequestId"]
        assert "CRC" not in e.value.response["Error"]["Message"]  # the cause stays in the log
        failed = gw.wait_for_log(lambda l: "request failed" in l and rid in l and "does not match its CRC-32" in l, 5)
        # A value with spaces is quoted, so the line's key=value pairs still split (logfmt).
        assert re.search(r' error="[^"]*does not match its CRC-32[^"]*"( |$)', failed), failed

        # aws cli fails and leaves no file claiming to be the object.
        out = tmp_path / "copy.bin"
        env = dict(os.environ, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1")
        p = subprocess.run(["aws", "--endpoint-url", gw.endpoint, "s3", "cp", "s3://master.rot/big.bin", str(out)],
                           capture_output=True, text=True, env=env, timeout=120)
        assert p.returncode != 0, p.stdout + p.stderr
        assert not out.exists() or out.read_bytes() != data

        fsck = gw.cli("fsck", check=False)
        assert fsck.returncode != 0
        assert os.path.basename(bad_path) in fsck.stdout and "CRC-32" in fsck.stdout, fsck.stdout
    finally:
        gw.stop()


def test_a_corrupted_tree_leaf_fails_the_reads_through_it_and_fsck(tmp_path):
    """A tree node whose stored bytes changed (a torn page, a bit flip in meta.db) no longer matches its digest:
    the reads that need it fail with a 500 and the cause in the log, the server stays up, other leaves still serve,
    and fsck names the node."""
    gw = Gateway(_binary(), tmp_path)
    gw.start()
    try:
        s3 = make_client(gw.endpoint)
        s3.create_bucket(Bucket="master.tree")
        keys = [f"k{i:03d}" for i in range(300)]
        for k in keys:
            s3.put_object(Bucket="master.tree", Key=k, Body=k.encode())
        assert gw.cli("fsck").returncode == 0
    finally:
        gw.stop()

    # Every leaf holding k150 (HEAD's and those of older commits): its bytes carry the key itself. One byte of each
    # flipped, in place.
    db = sqlite3.connect(gw.data_dir / "meta.db")
    leaves = [(bytes(d), bytes(b)) for d, b in db.execute("SELECT digest, data FROM nodes") if bytes(b)[:1] == b"L"]
    corrupted = [(d, b) for d, b in leaves if b"k150" in b]
    assert corrupted
    for digest, data in corrupted:
        at = data.index(b"k150") + 3
        db.execute("UPDATE nodes SET data = ? WHERE digest = ?", (data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:], digest))
    db.commit()
    db.close()
    held = {k for k in keys if any(k.encode() in data for _, data in corrupted)}
    elsewhere = next(k for k in keys if k not in held)

    gw.start()
    try:
        s3 = make_client(gw.endpoint)
        with pytest.raises(ClientError) as e:
            s3.get_object(Bucket="master.tree", Key="k150")
        assert_client_error(e.value, "InternalError", 500)
        rid = e.value.response["ResponseMetadata"]["RequestId"]
        assert gw.wait_for_log(lambda l: rid in l and "does not match its hash" in l, 5), gw.log_tail()
        with pytest.raises(ClientError) as e:
            s3.list_objects_v2(Bucket="master.tree")
        assert_client_error(e.value, "InternalError", 500)
        # The server is still up, and a file in another leaf reads back whole.
        assert s3.get_object(Bucket="master.tree", Key=elsewhere)["Body"].read() == elsewhere.encode()

        fsck = gw.cli("fsck", check=False)
        assert fsck.returncode != 0
        assert "does not match its hash" in fsck.stdout, fsck.stdout
        assert all(digest.hex() in fsck.stdout for digest, _ in corrupted), fsck.stdout
    finally:
        gw.stop()
