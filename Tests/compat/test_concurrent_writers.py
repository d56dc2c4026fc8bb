"""Several clients writing one branch at once, each on keys of its own, with puts of every size, deletes, copies,
multipart uploads and reads mixed at random (seeded). Whatever commits group them together, every acknowledged
change stays what its response said: reads see each client's own last write, each put's version ID reads back its
bytes, every delete is a delete marker at its version, and the final state is each key's last change."""
import base64
import concurrent.futures
import hashlib
import os
import random
import subprocess
import threading

from botocore.exceptions import ClientError

from conftest import make_client

SEED = int(os.environ.get("PACHS3_FUZZ_SEED", "20261207"))
CLIENTS, OPS, KEYS = 6, 40, 4
SIZES = [0, 10, 5000, 70_000, 300_000]


def get(s3, bucket, key, version=None):
    try:
        extra = {"VersionId": version} if version else {}
        return s3.get_object(Bucket=bucket, Key=key, **extra)["Body"].read()
    except ClientError as e:
        if e.response["Error"]["Code"] in ("NoSuchKey", "404"):
            return None
        raise


def client_run(endpoint, bucket, n: int):
    """One client's operations; returns each key's history as (version ID, bytes or None for a delete)."""
    s3 = make_client(endpoint, request_checksum_calculation="when_required")
    rng = random.Random(SEED * 100 + n)
    keys = [f"c{n}/k{i}" for i in range(KEYS)]
    history: dict[str, list] = {k: [] for k in keys}
    current: dict[str, bytes | None] = {k: None for k in keys}
    for _ in range(OPS):
        key = rng.choice(keys)
        r = rng.random()
        if r < 0.4:
            data = rng.randbytes(rng.choice(SIZES))
            v = s3.put_object(Bucket=bucket, Key=key, Body=data)["VersionId"]
            history[key].append((v, data))
            current[key] = data
        elif r < 0.55:
            v = s3.delete_object(Bucket=bucket, Key=key).get("VersionId")
            if current[key] is not None:
                history[key].append((v, None))
            current[key] = None
        elif r < 0.7:
            source = rng.choice([k for k in keys if k != key])  # onto itself S3 refuses a copy
            if current[source] is None:
                continue
            v = s3.copy_object(Bucket=bucket, Key=key, CopySource={"Bucket": bucket, "Key": source})["VersionId"]
            history[key].append((v, current[source]))
            current[key] = current[source]
        elif r < 0.8:
            parts = [rng.randbytes(5 << 20), rng.randbytes(rng.choice([1, 1000]))]
            up = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
            etags = [s3.upload_part(Bucket=bucket, Key=key, UploadId=up, PartNumber=i + 1, Body=p)["ETag"] for i, p in enumerate(parts)]
            done = s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up, MultipartUpload={
                "Parts": [{"PartNumber": i + 1, "ETag": e} for i, e in enumerate(etags)]})
            history[key].append((done["VersionId"], b"".join(parts)))
            current[key] = b"".join(parts)
        else:
            assert get(s3, bucket, key) == current[key], f"client {n} read {key} and did not see its own last write"
    return history


def test_concurrent_clients_keep_every_acknowledged_change(endpoint, plain_s3, bucket):
    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        histories = list(pool.map(lambda n: client_run(endpoint, bucket, n), range(CLIENTS)))
    for history in histories:
        for key, changes in history.items():
            final = changes[-1][1] if changes else None
            assert get(plain_s3, bucket, key) == final, key
            for version, data in changes:
                if data is not None:
                    assert get(plain_s3, bucket, key, version) == data, (key, version)
            listed = plain_s3.list_object_versions(Bucket=bucket, Prefix=key)
            versions = [v["VersionId"] for v in listed.get("Versions", []) if v["Key"] == key]
            markers = [m["VersionId"] for m in listed.get("DeleteMarkers", []) if m["Key"] == key]
            for version, data in changes:
                assert version in (versions if data is not None else markers), (key, version, data is None)


def test_gc_while_clients_write_keeps_every_acknowledged_version(gateway, endpoint, plain_s3, bucket):
    """DESIGN §3: garbage collection runs safely while writers run. Clients put a few large bodies over and over (the
    same chunks again and again), some with a wrong Content-MD5 (their chunks are written, then dropped), and start
    and abort multipart uploads (garbage), while `pachs3 gc --grace 0` runs back to back through the server: every
    acknowledged version must read back whole."""
    pool = [random.Random(SEED + i).randbytes(300_000 + i) for i in range(12)]
    stop = threading.Event()
    gc_runs = []

    def collector():
        env = {**os.environ, "PACHS3_ADDRESS": f"127.0.0.1:{gateway.grpc_port}"}
        while not stop.is_set():
            p = subprocess.run([gateway.binary, "gc", "--grace", "0"], capture_output=True, text=True, env=env, timeout=120)
            gc_runs.append((p.returncode, p.stderr[-300:]))

    def writer(n: int):
        s3 = make_client(endpoint, request_checksum_calculation="when_required")
        rng = random.Random(SEED * 7 + n)
        acknowledged = []
        for i in range(30):
            key = f"gc{n}/k{rng.randrange(3)}"
            data = rng.choice(pool)
            r = rng.random()
            if r < 0.15:
                wrong = base64.b64encode(hashlib.md5(data + b"x").digest()).decode()
                try:
                    s3.put_object(Bucket=bucket, Key=key, Body=data, ContentMD5=wrong)
                    raise AssertionError("a wrong Content-MD5 was accepted")
                except ClientError as e:
                    assert e.response["Error"]["Code"] == "BadDigest"
            elif r < 0.5:
                # The part's chunks become garbage, which the collector may be sweeping as another client puts them.
                up = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
                s3.upload_part(Bucket=bucket, Key=key, UploadId=up, PartNumber=1, Body=data)
                s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=up)
            else:
                acknowledged.append((key, s3.put_object(Bucket=bucket, Key=key, Body=data)["VersionId"], data))
        return acknowledged

    gc_thread = threading.Thread(target=collector, daemon=True)
    gc_thread.start()
    try:
        with concurrent.futures.ThreadPoolExecutor(4) as executor:
            results = list(executor.map(writer, range(4)))
    finally:
        stop.set()
        gc_thread.join(timeout=120)
    assert gc_runs and all(code == 0 for code, _ in gc_runs), gc_runs[-3:]
    for acknowledged in results:
        for key, version, data in acknowledged:
            assert get(plain_s3, bucket, key, version) == data, (key, version)
