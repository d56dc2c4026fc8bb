"""Durability through S3: several clients put, copy, delete and complete multipart uploads as fast as they can while the
server is killed with SIGKILL at a random moment (seeded), three times over on one data directory. After each restart,
every change whose response came back reads back exactly as acknowledged at its version (`?versionId=`), a
delete is a delete marker there, and `pachs3 fsck` finds every reachable chunk present and valid. Changes in flight at
the kill may or may not be there, but never half."""
import hashlib
import os
import random
import threading
import time

from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, ReadTimeoutError
from urllib3.exceptions import ProtocolError

from conftest import Gateway, _binary, make_client

SEED = int(os.environ.get("PACHS3_FUZZ_SEED", "20261207"))
BUCKET = "master.crash"
CLIENTS = 4
SIZES = [0, 100, 5000, 70_000, 300_000, 3 << 20]
GONE = (ConnectionClosedError, EndpointConnectionError, ReadTimeoutError, ProtocolError, ConnectionError, OSError)


def writer(endpoint: str, n: int, rng: random.Random, stop: threading.Event, acked: list, lock: threading.Lock) -> None:
    s3 = make_client(endpoint, request_checksum_calculation="when_required", connect_timeout=2, read_timeout=10)
    keys = [f"w{n}/k{i}" for i in range(6)]
    live: dict[str, bytes] = {}
    while not stop.is_set():
        key = rng.choice(keys)
        r = rng.random()
        try:
            if r < 0.6:
                data = rng.randbytes(rng.choice(SIZES))
                v = s3.put_object(Bucket=BUCKET, Key=key, Body=data)["VersionId"]
                change = (key, v, data)
                live[key] = data
            elif r < 0.75 and live:
                source = rng.choice(sorted(live))
                if source == key:
                    continue
                v = s3.copy_object(Bucket=BUCKET, Key=key, CopySource={"Bucket": BUCKET, "Key": source})["VersionId"]
                change = (key, v, live[source])
                live[key] = live[source]
            elif r < 0.9:
                if key not in live:
                    continue
                v = s3.delete_object(Bucket=BUCKET, Key=key)["VersionId"]
                change = (key, v, None)
                del live[key]
            else:
                parts = [rng.randbytes(5 << 20), rng.randbytes(rng.choice([1, 1000]))]
                up = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
                done = [{"PartNumber": i, "ETag": s3.upload_part(Bucket=BUCKET, Key=key, UploadId=up, PartNumber=i, Body=p)["ETag"]}
                        for i, p in enumerate(parts, 1)]
                v = s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=up, MultipartUpload={"Parts": done})["VersionId"]
                change = (key, v, b"".join(parts))
                live[key] = change[2]
        except GONE:
            return  # the server died under this request: whatever it was, it was not acknowledged
        except ClientError as e:
            # A request the dying server answered (503 while shutting down): not acknowledged either.
            assert e.response["ResponseMetadata"]["HTTPStatusCode"] >= 500, e.response
            return
        with lock:
            acked.append(change)


def check(endpoint: str, acked: list) -> None:
    s3 = make_client(endpoint, read_timeout=60)
    for key, version, data in acked:
        if data is None:
            try:
                s3.get_object(Bucket=BUCKET, Key=key, VersionId=version)
                raise AssertionError(f"{key} at {version}: an acknowledged delete is not there")
            except ClientError as e:
                assert e.response["Error"]["Code"] in ("NoSuchVersion", "NoSuchKey"), e.response
            continue
        got = s3.get_object(Bucket=BUCKET, Key=key, VersionId=version)["Body"].read()
        assert hashlib.sha256(got).digest() == hashlib.sha256(data).digest(), f"{key} at {version}: {len(got)} bytes, {len(data)} acknowledged"


def test_every_acknowledged_change_survives_sigkill(tmp_path):
    rng = random.Random(SEED)
    gw = Gateway(_binary(), tmp_path)
    gw.start()
    make_client(gw.endpoint).create_bucket(Bucket=BUCKET)
    acked: list = []
    lock = threading.Lock()
    try:
        for round_ in range(3):
            stop = threading.Event()
            threads = [threading.Thread(target=writer, args=(gw.endpoint, round_ * 10 + n, random.Random(rng.random()), stop, acked, lock))
                       for n in range(CLIENTS)]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(1.0, 3.0))
            gw.kill()
            stop.set()
            for t in threads:
                t.join(30)
                assert not t.is_alive()
            before = len(acked)
            fsck = gw.cli("fsck", check=False)
            assert fsck.returncode == 0, fsck.stdout + fsck.stderr
            gw.start()
            check(gw.endpoint, acked)
            assert len(acked) == before
        print(f"{len(acked)} acknowledged changes checked after 3 kills")
        assert len(acked) > 30, f"only {len(acked)} changes were acknowledged: the test did not exercise much"
    finally:
        gw.stop()
