"""The S3 gateway against a model of S3: seeded random operations through boto3 (puts with content types and
metadata, conditional puts, deletes, DeleteObjects, copies from current and old versions, multipart uploads) on keys
that collide, nest and hold awkward characters, while a plain Python model of S3 with versioning keeps what every
answer must be. After every operation its answer is checked; every few operations whole listings are walked page by
page (ListObjects v1 and v2 with random prefixes, delimiters, start-after and page sizes, ListObjectVersions) and
compared with the model; at the end every key is read at every commit (`?versionId=`) and commit-pinned buckets are
listed. Environment: PACHS3_MODEL_SEED (default a fixed seed), PACHS3_MODEL_OPS (operations per seed)."""
import hashlib
import os
import random
from dataclasses import dataclass, field

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import error_code, make_client, unique_repo

SEEDS = [int(os.environ["PACHS3_MODEL_SEED"])] if "PACHS3_MODEL_SEED" in os.environ else [20261207, 7]
OPS = int(os.environ.get("PACHS3_MODEL_OPS", "260"))
PART = 5 << 20

# Path components chosen to collide, nest, sort around "/" and need escaping.
PARTS = ["a", "b", "dir", "dir0", "x y", "p+q", "%2F", "a.b", "ü", "~t", "z", "-"]


@dataclass(frozen=True)
class Obj:
    data: bytes
    etag: str
    content_type: str
    metadata: tuple
    version: str


@dataclass
class Model:
    """S3 with versioning, as pachs3 shows it: a version per commit that changed a key; deleting a missing key
    changes nothing."""

    objects: dict = field(default_factory=dict)
    history: dict = field(default_factory=dict)  # key -> [(version, Obj | None)], oldest first
    commits: list = field(default_factory=list)  # [(version, snapshot of objects)], oldest first

    def commit(self, version: str, changes: dict) -> None:
        assert version not in dict(self.commits), f"version {version} was already given to an earlier commit"
        for key, obj in changes.items():
            if obj is None:
                del self.objects[key]
            else:
                self.objects[key] = obj
            self.history.setdefault(key, []).append((version, obj))
        self.commits.append((version, dict(self.objects)))

    def at(self, version: str) -> dict:
        return dict(self.commits)[version]


def md5(b: bytes) -> str:
    return '"' + hashlib.md5(b).hexdigest() + '"'


def multipart_etag(parts: list) -> str:
    return '"' + hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest() + f'-{len(parts)}"'


def expected_listing(objects: dict, prefix: str, delimiter: str | None, start_after: str) -> tuple:
    """Keys and common prefixes of a whole listing, in order, as S3 rolls them up."""
    keys, prefixes = [], []
    for k in sorted(objects):
        if not k.startswith(prefix) or k <= start_after:
            continue
        rest = k[len(prefix):]
        if delimiter and delimiter in rest:
            cp = prefix + rest[: rest.index(delimiter) + len(delimiter)]
            # A marker inside a common prefix means the prefix was returned before it.
            if not start_after.startswith(cp) and (not prefixes or prefixes[-1] != cp):
                prefixes.append(cp)
        else:
            keys.append(k)
    return keys, prefixes


class Run:
    def __init__(self, s3, bucket: str, rng: random.Random):
        self.s3, self.bucket, self.rng = s3, bucket, rng
        self.model = Model()
        self.pool = self.make_keys(40)
        self.steps: list[str] = []

    def make_keys(self, n: int) -> list:
        keys = set()
        while len(keys) < n:
            k = "/".join(self.rng.choice(PARTS) for _ in range(self.rng.choice([1, 1, 2, 2, 3])))
            r = self.rng.random()
            if r < 0.08:
                k += "/"
            elif r < 0.12:
                k = k.replace("/", "//", 1) if "/" in k else "/" + k
            keys.add(k)
        return sorted(keys)

    def body(self) -> bytes:
        return self.rng.randbytes(self.rng.choice([0, 1, 17, 1000, 70_000, 200_000]))

    def content_type(self) -> str:
        return self.rng.choice(["application/octet-stream", "text/plain", "image/png", "application/x-thing; charset=utf-8"])

    def metadata(self) -> dict:
        return {f"m{i}": self.rng.choice(["1", "value", "a b", "x-y"]) for i in range(self.rng.choice([0, 0, 1, 2]))}

    def note(self, text: str) -> None:
        self.steps.append(text)

    def context(self) -> str:
        return "after " + " | ".join(self.steps[-6:])

    # -- operations ---------------------------------------------------------------------------------------

    def put(self) -> None:
        key, data, ctype, meta = self.rng.choice(self.pool), self.body(), self.content_type(), self.metadata()
        current = self.model.objects.get(key)
        condition = self.rng.random()
        extra = {}
        if condition < 0.1:
            extra = {"IfNoneMatch": "*"}
        elif condition < 0.2 and current is not None:
            extra = {"IfMatch": current.etag if self.rng.random() < 0.5 else md5(b"not it")}
        self.note(f"put {key!r} {len(data)} bytes {extra}")
        try:
            r = self.s3.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=ctype, Metadata=meta, **extra)
        except ClientError as e:
            failed = ("IfNoneMatch" in extra and current is not None) or ("IfMatch" in extra and extra["IfMatch"] != current.etag)
            assert failed and error_code(e) == "PreconditionFailed", f"{e} {self.context()}"
            return
        assert "IfNoneMatch" not in extra or current is None, f"If-None-Match: * replaced an object {self.context()}"
        assert "IfMatch" not in extra or extra["IfMatch"] == current.etag, f"If-Match with another ETag wrote {self.context()}"
        assert r["ETag"] == md5(data), self.context()
        self.model.commit(r["VersionId"], {key: Obj(data, md5(data), ctype, tuple(sorted(meta.items())), r["VersionId"])})

    def delete(self) -> None:
        key = self.rng.choice(self.pool)
        self.note(f"delete {key!r}")
        r = self.s3.delete_object(Bucket=self.bucket, Key=key)
        if key in self.model.objects:
            assert r.get("DeleteMarker") is True and r.get("VersionId"), f"{r} {self.context()}"
            self.model.commit(r["VersionId"], {key: None})

    def delete_many(self) -> None:
        keys = self.rng.sample(self.pool, self.rng.randint(1, 6))
        self.note(f"delete_objects {keys!r}")
        r = self.s3.delete_objects(Bucket=self.bucket, Delete={"Objects": [{"Key": k} for k in keys]})
        assert not r.get("Errors"), f"{r.get('Errors')} {self.context()}"
        deleted = {d["Key"]: d for d in r.get("Deleted", [])}
        assert set(deleted) == set(keys), self.context()
        present = [k for k in keys if k in self.model.objects]
        versions = {deleted[k].get("DeleteMarkerVersionId") for k in present}
        assert len(versions) <= 1 and None not in versions, f"one commit for the batch, got {versions} {self.context()}"
        if present:
            self.model.commit(versions.pop(), {k: None for k in present})

    def copy(self) -> None:
        key = self.rng.choice(self.pool)
        sources = [(k, v, o) for k, h in self.model.history.items() for v, o in h if o is not None and k != key]
        if not sources:
            return
        if self.rng.random() < 0.5:
            live = [(k, o.version, o) for k, o in self.model.objects.items() if k != key]
            sources = live or sources
        skey, sversion, sobj = self.rng.choice(sources)
        use_version = self.rng.random() < 0.5 or self.model.objects.get(skey) != sobj
        source = {"Bucket": self.bucket, "Key": skey, **({"VersionId": sversion} if use_version else {})}
        replace = self.rng.random() < 0.4
        extra = {"MetadataDirective": "REPLACE", "ContentType": self.content_type(), "Metadata": self.metadata()} if replace else {}
        self.note(f"copy {skey!r}@{sversion[:8] if use_version else 'live'} -> {key!r} replace={replace}")
        r = self.s3.copy_object(Bucket=self.bucket, Key=key, CopySource=source, **extra)
        assert r["CopyObjectResult"]["ETag"] == sobj.etag, self.context()
        if use_version:
            assert r.get("CopySourceVersionId") == sversion, f"{r.get('CopySourceVersionId')} {self.context()}"
        ctype = extra["ContentType"] if replace else sobj.content_type
        meta = tuple(sorted(extra["Metadata"].items())) if replace else sobj.metadata
        self.model.commit(r["VersionId"], {key: Obj(sobj.data, sobj.etag, ctype, meta, r["VersionId"])})

    def multipart(self) -> None:
        key, ctype = self.rng.choice(self.pool), self.content_type()
        parts = [self.rng.randbytes(PART), self.body()] if self.rng.random() < 0.15 else [self.body() or b"1"]
        self.note(f"multipart {key!r} parts {[len(p) for p in parts]}")
        up = self.s3.create_multipart_upload(Bucket=self.bucket, Key=key, ContentType=ctype)["UploadId"]
        done = []
        for n, p in enumerate(parts, 1):
            done.append({"PartNumber": n, "ETag": self.s3.upload_part(Bucket=self.bucket, Key=key, UploadId=up, PartNumber=n, Body=p)["ETag"]})
        if self.rng.random() < 0.1:
            self.s3.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=up)
            return
        r = self.s3.complete_multipart_upload(Bucket=self.bucket, Key=key, UploadId=up, MultipartUpload={"Parts": done})
        etag = multipart_etag(parts)
        assert r["ETag"] == etag, self.context()
        self.model.commit(r["VersionId"], {key: Obj(b"".join(parts), etag, ctype, (), r["VersionId"])})

    # -- checks -------------------------------------------------------------------------------------------

    def check_get(self, key: str, version: str | None = None) -> None:
        want = (self.model.at(version) if version else self.model.objects).get(key)
        extra = {"VersionId": version} if version else {}
        ranged = want is not None and len(want.data) > 2 and self.rng.random() < 0.3
        if ranged:
            a = self.rng.randrange(len(want.data))
            b = self.rng.randrange(a, len(want.data))
            extra["Range"] = f"bytes={a}-{b}"
        what = f"get {key!r}" + (f"@{version[:8]}" if version else "") + f" {extra.get('Range', '')} {self.context()}"
        try:
            r = self.s3.get_object(Bucket=self.bucket, Key=key, **extra)
        except ClientError as e:
            assert want is None, f"{e}: {what}"
            assert error_code(e) == ("NoSuchVersion" if version else "NoSuchKey"), f"{e}: {what}"
            return
        assert want is not None, f"found a key the model does not have: {what}"
        data = r["Body"].read()
        assert data == (want.data[a : b + 1] if ranged else want.data), what
        assert r["ETag"] == want.etag, what
        assert r["ContentType"] == want.content_type, what
        assert tuple(sorted(r["Metadata"].items())) == want.metadata, what
        assert r["VersionId"] == want.version, what

    def check_head(self, key: str) -> None:
        want = self.model.objects.get(key)
        try:
            r = self.s3.head_object(Bucket=self.bucket, Key=key)
        except ClientError as e:
            assert want is None and error_code(e) == "404", f"{e}: head {key!r} {self.context()}"
            return
        assert want is not None and r["ContentLength"] == len(want.data) and r["ETag"] == want.etag, self.context()

    def random_prefix(self) -> str:
        r = self.rng.random()
        if r < 0.3:
            return ""
        k = self.rng.choice(self.pool)
        return k[: self.rng.randint(0, len(k))]

    def walk(self, bucket: str, v2: bool, prefix: str, delimiter: str | None, start_after: str, page: int) -> tuple:
        keys, prefixes, entries, token = [], [], {}, None
        for _ in range(10_000):
            args = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": page, **({"Delimiter": delimiter} if delimiter else {})}
            if v2:
                args |= {"StartAfter": start_after} if start_after else {}
                args |= {"ContinuationToken": token} if token else {}
                r = self.s3.list_objects_v2(**args)
                assert r["KeyCount"] == len(r.get("Contents", [])) + len(r.get("CommonPrefixes", [])), r
            else:
                marker = token or start_after
                args |= {"Marker": marker} if marker else {}
                r = self.s3.list_objects(**args)
            got = [o["Key"] for o in r.get("Contents", [])]
            for o in r.get("Contents", []):
                entries[o["Key"]] = (o["Size"], o["ETag"])
            cps = [p["Prefix"] for p in r.get("CommonPrefixes", [])]
            assert len(got) + len(cps) <= page, f"a page of {page} held {len(got) + len(cps)}"
            keys += got
            prefixes += cps
            if not r["IsTruncated"]:
                return keys, prefixes, entries
            assert got or cps, "a truncated page with nothing in it"
            if v2:
                token = r["NextContinuationToken"]
            else:
                token = r.get("NextMarker") or got[-1]
                assert delimiter is None or r.get("NextMarker"), "v1 with a delimiter must give NextMarker"
        raise AssertionError("the listing never ended")

    def check_listing(self, bucket: str | None = None, objects: dict | None = None) -> None:
        bucket, objects = bucket or self.bucket, self.model.objects if objects is None else objects
        v2 = self.rng.random() < 0.6
        prefix = self.random_prefix()
        delimiter = self.rng.choice([None, "/", "/", "b", "a/"])
        start_after = self.rng.choice(self.pool)[: self.rng.randint(0, 6)] if self.rng.random() < 0.3 else ""
        page = self.rng.choice([1, 2, 3, 7, 1000])
        what = f"list {'v2' if v2 else 'v1'} {bucket} prefix={prefix!r} delimiter={delimiter!r} after={start_after!r} page={page} {self.context()}"
        keys, prefixes, entries = self.walk(bucket, v2, prefix, delimiter, start_after, page)
        want_keys, want_prefixes = expected_listing(objects, prefix, delimiter, start_after)
        assert keys == want_keys, what
        assert prefixes == want_prefixes, what
        for k in keys:
            assert entries[k] == (len(objects[k].data), objects[k].etag), f"{k!r}: {what}"

    def check_versions(self) -> None:
        prefix = self.random_prefix()
        page = self.rng.choice([1, 2, 5, 1000])
        versions, markers = [], []
        key_marker = version_marker = None
        for _ in range(10_000):
            args = {"Bucket": self.bucket, "Prefix": prefix, "MaxKeys": page}
            if key_marker is not None:
                args |= {"KeyMarker": key_marker, "VersionIdMarker": version_marker}
            r = self.s3.list_object_versions(**args)
            got = [(v["Key"], v["VersionId"], v["IsLatest"], v["ETag"], v["Size"]) for v in r.get("Versions", [])]
            dms = [(m["Key"], m["VersionId"], m["IsLatest"]) for m in r.get("DeleteMarkers", [])]
            assert len(got) + len(dms) <= page
            versions += got
            markers += dms
            if not r["IsTruncated"]:
                break
            key_marker, version_marker = r["NextKeyMarker"], r["NextVersionIdMarker"]
        else:
            raise AssertionError("ListObjectVersions never ended")
        want_versions, want_markers = [], []
        for key in sorted(self.model.history):
            if not key.startswith(prefix):
                continue
            h = self.model.history[key]
            for i, (v, obj) in enumerate(reversed(h)):
                if obj is None:
                    want_markers.append((key, v, i == 0))
                else:
                    want_versions.append((key, v, i == 0, obj.etag, len(obj.data)))
        what = f"versions prefix={prefix!r} page={page} {self.context()}"
        assert versions == want_versions, what
        assert markers == want_markers, what

    # -- the run ------------------------------------------------------------------------------------------

    def run(self, ops: int) -> None:
        actions = [(self.put, 40), (self.delete, 10), (self.delete_many, 5), (self.copy, 12), (self.multipart, 5)]
        funcs, weights = zip(*actions)
        for i in range(ops):
            self.rng.choices(funcs, weights)[0]()
            for _ in range(2):
                self.check_get(self.rng.choice(self.pool))
            self.check_head(self.rng.choice(self.pool))
            if self.model.commits and self.rng.random() < 0.3:
                version, _ = self.rng.choice(self.model.commits)
                self.check_get(self.rng.choice(self.pool), version)
            if i % 8 == 7:
                self.check_listing()
            if i % 20 == 19:
                self.check_versions()
        for _ in range(12):
            self.check_listing()
        for _ in range(4):
            self.check_versions()
        for version, _ in self.model.commits:
            for key in self.pool:
                self.check_get(key, version)
        for version, snapshot in self.rng.sample(self.model.commits, min(6, len(self.model.commits))):
            pinned = f"{version}.{self.bucket}"
            for _ in range(3):
                self.check_listing(pinned, snapshot)


@pytest.mark.parametrize("seed", SEEDS)
def test_gateway_agrees_with_a_model_of_s3(endpoint, seed):
    run_model(endpoint, seed)


def test_remote_gateway_agrees_with_a_model_of_s3(remote_endpoint):
    """The same through `pachs3 s3gateway` over the network client: every call crosses gRPC."""
    run_model(remote_endpoint, SEEDS[0] + 1, OPS // 2)


def test_gateway_with_auth_agrees_with_a_model_of_s3(secure):
    """With auth on, every request signed (SigV4, botocore's default checksums: CRC-32 on uploads)."""
    gw, token, _ = secure
    run_model(gw.endpoint, SEEDS[0] + 2, OPS // 2, aws_access_key_id=token, aws_secret_access_key=token)


def run_model(endpoint: str, seed: int, ops: int = OPS, **credentials) -> None:
    if credentials:
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **credentials, config=Config(
            s3={"addressing_style": "path"}, retries={"max_attempts": 1, "mode": "standard"}, read_timeout=60))
    else:
        s3 = make_client(endpoint, request_checksum_calculation="when_required", read_timeout=60)
    bucket = f"master.{unique_repo('model')}"
    s3.create_bucket(Bucket=bucket)
    run = Run(s3, bucket, random.Random(seed))
    run.run(ops)
    assert len(run.model.commits) > ops // 2
