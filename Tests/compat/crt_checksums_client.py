"""boto3 with awscrt installed, as `python3 crt_checksums_client.py ENDPOINT BUCKET [TOKEN]`: the CRC-32C and CRC-64/NVME
checksums that botocore only computes with the CRT, on single PUTs, aws-chunked trailers and multipart uploads.

test_crt_checksums.py runs it in its own interpreter with awscrt on PYTHONPATH: botocore decides at import time
whether the CRT is there, and the other compat tests must keep seeing botocore without it. Prints "ok" at the end;
any failed check raises.
"""
import base64
import io
import os
import sys

import boto3
from awscrt import checksums
from boto3.s3.transfer import TransferConfig
from botocore.compat import HAS_CRT
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT, BUCKET = sys.argv[1], sys.argv[2]
# With auth on, the token is both keys; with it off, any keys do.
KEY = sys.argv[3] if len(sys.argv) > 3 else "crt"


def b64(value: int, width: int) -> str:
    return base64.b64encode(value.to_bytes(width, "big")).decode()


CHECKSUMS = {
    "CRC32C": lambda data: b64(checksums.crc32c(data), 4),
    "CRC64NVME": lambda data: b64(checksums.crc64nvme(data), 8),
}


# How botocore sent each checksum: "header", or "trailer" (aws-chunked; over HTTPS only).
SENT = set()


def note_checksums(request, **_):
    trailer = request.headers.get("x-amz-trailer")
    if trailer:
        SENT.add(("trailer", trailer.decode() if isinstance(trailer, bytes) else trailer))
    for name in request.headers.keys():
        if name.lower().startswith("x-amz-checksum-") and name.lower() != "x-amz-checksum-mode":
            SENT.add(("header", name.lower()))


def client(**config):
    settings = {"s3": {"addressing_style": "path"}, "retries": {"max_attempts": 1, "mode": "standard"}, "read_timeout": 30}
    settings.update(config)
    s3 = boto3.client("s3", endpoint_url=ENDPOINT, region_name="us-east-1", aws_access_key_id=KEY, aws_secret_access_key=KEY,
                      config=Config(**settings))
    s3.meta.events.register("before-send.s3", note_checksums)
    return s3


def read(s3, key: str) -> bytes:
    return s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def expect_bad_digest(call):
    try:
        call()
    except ClientError as e:
        code = e.response["Error"]["Code"]
        assert code == "BadDigest", f"wrong error for a bad checksum: {code}"
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        return
    raise AssertionError("a body that does not match its checksum was stored")


def main():
    assert HAS_CRT, "botocore does not see awscrt"
    s3 = client()
    data = os.urandom(300_000)
    for algorithm, compute in CHECKSUMS.items():
        key = f"single-{algorithm}"
        # botocore computes the checksum itself and sends it (a header, or an aws-chunked trailer).
        put = s3.put_object(Bucket=BUCKET, Key=key, Body=data, ChecksumAlgorithm=algorithm)
        assert put[f"Checksum{algorithm}"] == compute(data), f"{algorithm}: the server echoed another checksum"
        assert read(s3, key) == data
        # A value that belongs to other bytes is refused and the object stays as it was.
        expect_bad_digest(lambda: s3.put_object(Bucket=BUCKET, Key=key, Body=b"other bytes", **{f"Checksum{algorithm}": compute(data)}))
        assert read(s3, key) == data
        # The right value given by the caller is accepted.
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"other bytes", **{f"Checksum{algorithm}": compute(b"other bytes")})
        assert read(s3, key) == b"other bytes"
        # A streamed body of unknown length: botocore sends it aws-chunked with the checksum as a trailer.
        stream_key = f"stream-{algorithm}"
        s3.upload_fileobj(io.BytesIO(data), BUCKET, stream_key, ExtraArgs={"ChecksumAlgorithm": algorithm},
                          Config=TransferConfig(multipart_threshold=64 << 20))
        assert read(s3, stream_key) == data
        # Kept with the version however it came: GET and HEAD return it when asked, and botocore validates the body.
        got = s3.get_object(Bucket=BUCKET, Key=stream_key, ChecksumMode="ENABLED")
        assert got[f"Checksum{algorithm}"] == compute(data) and got["ChecksumType"] == "FULL_OBJECT", got
        assert got["Body"].read() == data
        head = s3.head_object(Bucket=BUCKET, Key=key, ChecksumMode="ENABLED")
        assert head[f"Checksum{algorithm}"] == compute(b"other bytes"), head
        # Multipart: every part carries its checksum, and CompleteMultipartUpload lists them.
        big = os.urandom(12 << 20)
        mp_key = f"multipart-{algorithm}"
        s3.upload_fileobj(io.BytesIO(big), BUCKET, mp_key, ExtraArgs={"ChecksumAlgorithm": algorithm},
                          Config=TransferConfig(multipart_threshold=5 << 20, multipart_chunksize=5 << 20))
        assert read(s3, mp_key) == big
        head = s3.head_object(Bucket=BUCKET, Key=mp_key, ChecksumMode="ENABLED")
        assert head["ContentLength"] == len(big) and head["ETag"].strip('"').endswith("-3"), head["ETag"]
        # The object's checksum: CRC-64/NVME uploads are FULL_OBJECT by default (the CRC of the whole, which the
        # server combines from the parts' CRCs), the others COMPOSITE (the checksum of the parts' checksums).
        pieces = [big[i:i + (5 << 20)] for i in range(0, len(big), 5 << 20)]
        if algorithm == "CRC64NVME":
            assert head["ChecksumType"] == "FULL_OBJECT" and head[f"Checksum{algorithm}"] == compute(big), head
        else:
            raw = b"".join(base64.b64decode(compute(p)) for p in pieces)
            assert head["ChecksumType"] == "COMPOSITE" and head[f"Checksum{algorithm}"] == compute(raw) + "-3", head
    for how, name in sorted(SENT):
        print(f"sent {name} as {how}")
    print("ok")


if __name__ == "__main__":
    main()
