"""polars and Delta Lake (deltalake, delta-rs) through Rust's object_store S3 client, auth off and on, run by
polars_delta_client.py in its own interpreter with .build/pydeps-data on its path (see test_dataframes.py)."""
from conftest import printed_ok, unique_repo
from test_dataframes import check_auth_on, run_client


def test_polars_and_delta_auth_off(gateway, plain_s3, endpoint):
    bucket = f"master.{unique_repo('pl')}"
    plain_s3.create_bucket(Bucket=bucket)
    p = run_client("polars_delta_client.py", endpoint, bucket)
    assert printed_ok(p), p.stdout[-2000:] + p.stderr[-4000:]
    # The race was real: some writers lost a round and were refused their log entry (put-if-absent), then retried.
    refused = [l for l in gateway.log_lines if f"/{bucket}/delta/race/_delta_log/" in l and "method=PUT" in l and "status=412" in l]
    assert refused, "no delta-rs commit was refused: the writers never raced"
    # Every version of the log is one object, each written once: versions 0..20 and nothing else.
    log = plain_s3.list_objects_v2(Bucket=bucket, Prefix="delta/race/_delta_log/")["Contents"]
    assert sorted(o["Key"].rsplit("/", 1)[1] for o in log if o["Key"].endswith(".json")) == [f"{v:020d}.json" for v in range(21)]


def test_polars_and_delta_auth_on(secure):
    check_auth_on(secure, "polars_delta_client.py", ["polars refused", "deltalake refused"], "delta/denied")
