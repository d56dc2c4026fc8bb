"""The `aws` command line (awscli v1) against a live `pachs3 serve`.

Multipart uploads are not implemented yet, so the config sets the multipart threshold above every
file uploaded here (64 MB); `aws configure set` writes it to an AWS_CONFIG_FILE in a temp dir.
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import shutil
import subprocess

import pytest

from conftest import unique_repo

if shutil.which("aws") is None:
    pytest.skip("the aws CLI is not installed (make test-compat installs it)", allow_module_level=True)


class AWS:
    def __init__(self, endpoint: str, home: pathlib.Path):
        self.endpoint = endpoint
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith("AWS_")
        } | {
            "AWS_CONFIG_FILE": str(home / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
            "AWS_ACCESS_KEY_ID": "compat-access-key",
            "AWS_SECRET_ACCESS_KEY": "compat-secret-key",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_MAX_ATTEMPTS": "1",
        }
        self.configure("default.s3.multipart_threshold", "64MB")
        self.configure("default.s3.multipart_chunksize", "64MB")
        self.configure("default.s3.addressing_style", "path")

    def configure(self, name: str, value: str) -> None:
        subprocess.run(["aws", "configure", "set", name, value], env=self.env, check=True, timeout=60)

    def __call__(self, *args: str, check: bool = True, cwd: str | None = None) -> subprocess.CompletedProcess:
        cmd = ["aws", "--endpoint-url", self.endpoint, *args]
        if args and args[0] == "s3" and args[1] in ("cp", "sync", "mv"):
            cmd.append("--no-progress")
        proc = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=120, cwd=cwd)
        if check:
            assert proc.returncode == 0, f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
        return proc

    def json(self, *args: str) -> dict:
        return json.loads(self(*args, "--output", "json").stdout or "{}")


@pytest.fixture(scope="module")
def aws(endpoint, tmp_path_factory) -> AWS:
    return AWS(endpoint, tmp_path_factory.mktemp("aws-home"))


@pytest.fixture
def cli_bucket(aws) -> str:
    name = f"master.{unique_repo('cli')}"
    out = aws("s3", "mb", f"s3://{name}").stdout
    assert f"make_bucket: {name}" in out
    return name


def sha(path: pathlib.Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(root: pathlib.Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): sha(p) for p in sorted(root.rglob("*")) if p.is_file()}


def ls_keys(aws: AWS, bucket: str) -> list[str]:
    """Keys listed by `aws s3 ls --recursive` (date, time, size, key — the key may hold spaces)."""
    out = aws("s3", "ls", "--recursive", f"s3://{bucket}").stdout
    return [line.split(None, 3)[3] for line in out.splitlines() if line.strip()]


def test_config_file_is_used(aws):
    proc = subprocess.run(
        ["aws", "configure", "get", "default.s3.multipart_threshold"], env=aws.env, capture_output=True, text=True, check=True
    )
    assert proc.stdout.strip() == "64MB"


def test_mb_cp_ls_rm_rb(aws, gateway, tmp_path):
    name = f"master.{unique_repo('cli')}"
    assert f"make_bucket: {name}" in aws("s3", "mb", f"s3://{name}").stdout
    assert name in aws("s3", "ls").stdout.split()

    small = tmp_path / "small.txt"
    small.write_bytes(b"small file\n" * 10)
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(20 * 1024 * 1024))

    out = aws("s3", "cp", str(small), f"s3://{name}/docs/small.txt").stdout
    assert "upload: " in out and f"s3://{name}/docs/small.txt" in out
    aws("s3", "cp", str(big), f"s3://{name}/data/big.bin")
    # Two uploads, two commits (single PUTs: no multipart below the threshold).
    assert len(gateway.history(name)) == 2

    top = aws("s3", "ls", f"s3://{name}").stdout
    assert "PRE data/" in top and "PRE docs/" in top
    inner = aws("s3", "ls", f"s3://{name}/data/").stdout
    assert str(20 * 1024 * 1024) in inner and "big.bin" in inner
    assert ls_keys(aws, name) == ["data/big.bin", "docs/small.txt"]

    down = tmp_path / "down"
    aws("s3", "cp", f"s3://{name}/docs/small.txt", str(down / "small.txt"))
    aws("s3", "cp", f"s3://{name}/data/big.bin", str(down / "big.bin"))
    assert (down / "small.txt").read_bytes() == small.read_bytes()
    assert sha(down / "big.bin") == sha(big)

    # rb refuses a non-empty bucket.
    refused = aws("s3", "rb", f"s3://{name}", check=False)
    assert refused.returncode != 0 and "BucketNotEmpty" in refused.stderr

    out = aws("s3", "rm", "--recursive", f"s3://{name}").stdout
    assert out.count("delete: ") == 2
    assert ls_keys(aws, name) == []

    assert f"remove_bucket: {name}" in aws("s3", "rb", f"s3://{name}").stdout
    assert name not in aws("s3", "ls").stdout.split()
    gone = aws("s3", "ls", f"s3://{name}", check=False)
    assert gone.returncode != 0 and "NoSuchBucket" in gone.stderr


def test_ls_buckets_by_name_prefix_in_pages(aws):
    """`aws s3 ls --bucket-name-prefix` lists only those buckets, every page of them (ListBuckets with Prefix,
    MaxBuckets and ContinuationToken)."""
    repo = unique_repo("clils")
    names = [f"pick{i}.{repo}" for i in range(3)]
    for n in names:
        aws("s3", "mb", f"s3://{n}")
    aws("s3", "mb", f"s3://other.{repo}")
    out = aws("s3", "ls", "--bucket-name-prefix", "pick", "--page-size", "1").stdout
    listed = [line.split()[-1] for line in out.splitlines() if line.strip()]
    assert [n for n in listed if n.endswith(repo)] == names
    assert all(n.startswith("pick") for n in listed)


def test_rb_force(aws, cli_bucket, tmp_path):
    f = tmp_path / "f"
    f.write_bytes(b"x")
    aws("s3", "cp", str(f), f"s3://{cli_bucket}/a/f")
    aws("s3", "cp", str(f), f"s3://{cli_bucket}/b")
    assert f"remove_bucket: {cli_bucket}" in aws("s3", "rb", "--force", f"s3://{cli_bucket}").stdout
    assert cli_bucket not in aws("s3", "ls").stdout.split()


def test_sync_up_and_back(aws, gateway, cli_bucket, tmp_path):
    src = tmp_path / "src"
    files = {
        "README.md": b"# readme\n",
        "data/a.csv": b"a,b\n1,2\n",
        "data/nested/deep/b.bin": os.urandom(100_000),
        "data/with space.txt": b"spaces",
        "unicode/é日本.txt": "é".encode() * 100,
        "empty.txt": b"",
    }
    for rel, data in files.items():
        p = src / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)

    out = aws("s3", "sync", str(src), f"s3://{cli_bucket}/tree").stdout
    assert out.count("upload: ") == len(files)
    assert ls_keys(aws, cli_bucket) == sorted(f"tree/{k}" for k in files)

    # Nothing changed locally: a second sync uploads nothing and makes no commit.
    history = gateway.history(cli_bucket)
    again = aws("s3", "sync", str(src), f"s3://{cli_bucket}/tree").stdout
    assert again.strip() == ""
    assert gateway.history(cli_bucket) == history

    back = tmp_path / "back"
    aws("s3", "sync", f"s3://{cli_bucket}/tree", str(back))
    assert tree(back) == tree(src)

    # Change one file, delete another, sync with --delete, and back again.
    (src / "data/a.csv").write_bytes(b"a,b\n3,4\n5,6\n")
    (src / "README.md").unlink()
    out = aws("s3", "sync", "--delete", str(src), f"s3://{cli_bucket}/tree").stdout
    assert "upload: " in out and "data/a.csv" in out
    assert "delete: " in out and "README.md" in out
    assert "tree/README.md" not in ls_keys(aws, cli_bucket)
    back2 = tmp_path / "back2"
    aws("s3", "sync", f"s3://{cli_bucket}/tree", str(back2))
    assert tree(back2) == tree(src)


def test_s3api_get_object_version_id(aws, gateway, cli_bucket, tmp_path):
    v1_file, v2_file = tmp_path / "v1", tmp_path / "v2"
    v1_file.write_bytes(b"first version")
    v2_file.write_bytes(b"second version, longer")
    v1 = aws.json("s3api", "put-object", "--bucket", cli_bucket, "--key", "doc", "--body", str(v1_file))["VersionId"]
    v2 = aws.json("s3api", "put-object", "--bucket", cli_bucket, "--key", "doc", "--body", str(v2_file))["VersionId"]
    assert gateway.history(cli_bucket) == [v2, v1]

    out = tmp_path / "out"
    meta = aws.json("s3api", "get-object", "--bucket", cli_bucket, "--key", "doc", "--version-id", v1, str(out))
    assert meta["VersionId"] == v1 and meta["ContentLength"] == len(b"first version")
    assert out.read_bytes() == b"first version"
    aws.json("s3api", "get-object", "--bucket", cli_bucket, "--key", "doc", str(out))
    assert out.read_bytes() == b"second version, longer"
    head = aws.json("s3api", "head-object", "--bucket", cli_bucket, "--key", "doc", "--version-id", v1)
    assert head["VersionId"] == v1

    missing = aws("s3api", "get-object", "--bucket", cli_bucket, "--key", "doc", "--version-id", "0" * 32, str(out), check=False)
    assert missing.returncode != 0 and "NoSuchVersion" in missing.stderr
    # The version is also the pinned bucket `<commit>.master.repo`.
    aws("s3", "cp", f"s3://{v1}.{cli_bucket}/doc", str(out))
    assert out.read_bytes() == b"first version"


def test_s3api_list_object_versions(aws, gateway, cli_bucket, tmp_path):
    body = tmp_path / "body"
    ids = []
    for i in range(3):
        body.write_bytes(b"x" * (i + 1))
        ids.append(aws.json("s3api", "put-object", "--bucket", cli_bucket, "--key", "k", "--body", str(body))["VersionId"])
    aws("s3", "rm", f"s3://{cli_bucket}/k")
    deleted = gateway.history(cli_bucket)[0]
    body.write_bytes(b"other")
    aws("s3api", "put-object", "--bucket", cli_bucket, "--key", "z/other", "--body", str(body))

    whole = aws.json("s3api", "list-object-versions", "--bucket", cli_bucket)
    assert [(v["Key"], v["VersionId"], v["IsLatest"], v["Size"]) for v in whole["Versions"]] == [
        ("k", ids[2], False, 3), ("k", ids[1], False, 2), ("k", ids[0], False, 1), ("z/other", gateway.history(cli_bucket)[0], True, 5)]
    assert [(m["Key"], m["VersionId"], m["IsLatest"]) for m in whole["DeleteMarkers"]] == [("k", deleted, True)]
    # The CLI pages by itself with NextKeyMarker / NextVersionIdMarker: the same listing one version at a time.
    paged = aws.json("s3api", "list-object-versions", "--bucket", cli_bucket, "--page-size", "1")
    assert paged["Versions"] == whole["Versions"] and paged["DeleteMarkers"] == whole["DeleteMarkers"]
    grouped = aws.json("s3api", "list-object-versions", "--bucket", cli_bucket, "--delimiter", "/", "--page-size", "1")
    assert [p["Prefix"] for p in grouped["CommonPrefixes"]] == ["z/"] and {v["Key"] for v in grouped["Versions"]} == {"k"}


def test_s3api_list_objects_v2_paging(aws, cli_bucket, seed):
    keys = sorted([f"p/{i:02d}" for i in range(7)] + ["q/x", "r"])
    seed.many(cli_bucket, keys)

    first = aws.json("s3api", "list-objects-v2", "--bucket", cli_bucket, "--max-items", "3", "--page-size", "2")
    assert [o["Key"] for o in first["Contents"]] == keys[:3]
    assert first.get("NextToken")
    seen = [o["Key"] for o in first["Contents"]]
    token = first["NextToken"]
    while token:
        page = aws.json(
            "s3api", "list-objects-v2", "--bucket", cli_bucket, "--max-items", "3", "--page-size", "2", "--starting-token", token
        )
        seen += [o["Key"] for o in page.get("Contents", [])]
        token = page.get("NextToken")
    assert seen == keys

    # The CLI pages by itself: all keys with a page size of 2.
    whole = aws.json("s3api", "list-objects-v2", "--bucket", cli_bucket, "--page-size", "2")
    assert [o["Key"] for o in whole["Contents"]] == keys
    # With a prefix and a delimiter.
    grouped = aws.json("s3api", "list-objects-v2", "--bucket", cli_bucket, "--delimiter", "/", "--page-size", "1")
    assert [o["Key"] for o in grouped.get("Contents", [])] == ["r"]
    assert [p["Prefix"] for p in grouped["CommonPrefixes"]] == ["p/", "q/"]
    sub = aws.json("s3api", "list-objects-v2", "--bucket", cli_bucket, "--prefix", "p/0", "--max-items", "100")
    assert [o["Key"] for o in sub["Contents"]] == [k for k in keys if k.startswith("p/0")]


def test_cp_100_mib_multipart_with_default_thresholds(gateway, tmp_path):
    """`aws s3 cp` of 100 MiB with the CLI's own defaults (8 MB threshold and parts): a multipart
    upload, one commit, S3's `-N` ETag, and the same bytes back."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | {
        "AWS_CONFIG_FILE": str(home / "config"), "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
        "AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "k", "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    name = f"master.{unique_repo('mp')}"

    def aws(*args):
        return subprocess.run(["aws", "--endpoint-url", gateway.endpoint, *args], env=env, check=True, capture_output=True,
                              text=True, timeout=300)

    aws("s3", "mb", f"s3://{name}")
    src = tmp_path / "big.bin"
    src.write_bytes(os.urandom(100 * 1024 * 1024))
    aws("s3", "cp", str(src), f"s3://{name}/big.bin")
    assert len(gateway.history(name)) == 1
    head = aws("s3api", "head-object", "--bucket", name, "--key", "big.bin").stdout
    assert '-13\\"' in head  # 100 MiB in 8 MiB parts
    aws("s3", "cp", f"s3://{name}/big.bin", str(tmp_path / "back.bin"))
    assert sha(tmp_path / "back.bin") == sha(src)
    assert "Uploads" not in aws("s3api", "list-multipart-uploads", "--bucket", name).stdout
