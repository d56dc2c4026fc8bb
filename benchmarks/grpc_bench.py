#!/usr/bin/env python3
"""gRPC API benchmarks (issue #4): the real Pachyderm SDK over gRPC against boto3 over S3, side by side
on one `pachs3 serve` (temporary data directory, loopback, auth off, log level warning).

- GetFile of a 256 MiB file (SDK get_file, messages discarded) vs S3 GET of the same file (body discarded);
- ModifyFile of 256 MiB (SDK put_file_from_file: 19 MB add_file messages) vs S3 PUT of the same bytes
  (one put_object, checksums only when required).

Each figure is the median of REPS runs (GRPC_BENCH_REPS, default 3); the ratio gRPC/S3 is the goal (>= 0.8x).
Beside the throughput, the CPU time per GiB of the server process and of this client process (the SDK's
decoding, boto3's reading): on a machine shared with other work these are steadier than MiB/s, and
they tell which side limits a transfer. The load average is printed with the results.
Environment: PACHS3_BIN.
"""
import io
import os
import re
import select
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import boto3
from botocore.config import Config
from pachyderm_sdk import Client
from pachyderm_sdk.api import pfs

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.abspath(os.environ.get("PACHS3_BIN", os.path.join(HERE, "..", ".build", "release", "pachs3")))
REPS = int(os.environ.get("GRPC_BENCH_REPS", "3"))
SIZE = 256 << 20


def log(msg):
    print(f"# {msg}", file=sys.stderr, flush=True)


def start(data_dir, deadline_s=60):
    """`pachs3 serve` on free loopback ports; returns (process, S3 endpoint, gRPC port)."""
    proc = subprocess.Popen([BIN, "serve", "--data-dir", data_dir, "--address", "127.0.0.1", "--port", "0", "--grpc-port", "0",
                             "--log-level", "warning"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + deadline_s
    buf = b""
    while True:
        s3 = re.search(rb"S3 gateway listening on (http://[0-9.]+:[0-9]+)", buf)
        grpc = re.search(rb"gRPC API listening on [0-9.]+:([0-9]+)", buf)
        if s3 and grpc:
            break
        left = deadline - time.monotonic()
        if left <= 0 or proc.poll() is not None:
            proc.kill()
            raise RuntimeError(f"pachs3 serve did not report listening: {buf.decode(errors='replace')}")
        ready, _, _ = select.select([proc.stdout], [], [], min(left, 0.5))
        if ready:
            buf += os.read(proc.stdout.fileno(), 65536)
    threading.Thread(target=lambda: [None for _ in iter(lambda: os.read(proc.stdout.fileno(), 65536), b"")], daemon=True).start()
    return proc, s3.group(1).decode(), int(grpc.group(1))


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User + system CPU time of a process so far (all its threads)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def timed(fn, server_pid):
    """(MiB/s, server CPU s/GiB, client CPU s/GiB) of one run of fn."""
    s0, c0, t = cpu_seconds(server_pid), time.process_time(), time.perf_counter()
    fn()
    wall = time.perf_counter() - t
    gib = SIZE / (1 << 30)
    return SIZE / (1 << 20) / wall, (cpu_seconds(server_pid) - s0) / gib, (time.process_time() - c0) / gib


def main():
    tmp = tempfile.mkdtemp(prefix="pachs3-grpcbench-")
    src = os.path.join(tmp, "src.bin")
    with open(src, "wb") as f:
        f.write(os.urandom(SIZE))
    proc, endpoint, grpc_port = start(os.path.join(tmp, "data"))
    try:
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x",
                          config=Config(s3={"addressing_style": "path"}, request_checksum_calculation="when_required",
                                        response_checksum_validation="when_required", read_timeout=300))
        sdk = Client(host="127.0.0.1", port=grpc_port)
        s3.create_bucket(Bucket="master.bench")
        commit = pfs.Commit.from_uri("bench@master")
        results = {"s3 put": [], "grpc modifyfile": [], "s3 get": [], "grpc getfile": []}
        server_cpu = {k: [] for k in results}
        client_cpu = {k: [] for k in results}

        def s3_put():
            with open(src, "rb") as f:
                s3.put_object(Bucket="master.bench", Key="s3.bin", Body=f)

        def grpc_put():
            with open(src, "rb") as f:
                sdk.pfs.put_file_from_file(commit=commit, path="/grpc.bin", file=f)

        def s3_get():
            body = s3.get_object(Bucket="master.bench", Key="s3.bin")["Body"]
            n = 0
            for piece in body.iter_chunks(1 << 20):
                n += len(piece)
            assert n == SIZE, n

        def grpc_get():
            n = 0
            for m in sdk.pfs.get_file(file=pfs.File.from_uri("bench@master:/s3.bin")):
                n += len(m.value)
            assert n == SIZE, n

        for rep in range(REPS):
            for name, fn in (("s3 put", s3_put), ("grpc modifyfile", grpc_put), ("s3 get", s3_get), ("grpc getfile", grpc_get)):
                rate, scpu, ccpu = timed(fn, proc.pid)
                results[name].append(rate)
                server_cpu[name].append(scpu)
                client_cpu[name].append(ccpu)
                log(f"rep {rep + 1}: {name} {rate:.0f} MiB/s, server CPU {scpu:.2f} s/GiB, client CPU {ccpu:.2f} s/GiB")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        subprocess.run(["rm", "-rf", tmp])

    med = {k: statistics.median(v) for k, v in results.items()}
    print(f"\ngRPC vs S3 on one pachs3 serve, 256 MiB, single stream, median of {REPS} (MiB/s); load average {os.getloadavg()[0]:.2f}")
    print(f"{'operation':<34}{'gRPC':>10}{'S3':>10}{'ratio':>9}{'goal':>8}")
    for label, g, s in (("GetFile vs S3 GET", "grpc getfile", "s3 get"), ("ModifyFile vs S3 PUT", "grpc modifyfile", "s3 put")):
        ratio = med[g] / med[s]
        print(f"{label:<34}{med[g]:>10.0f}{med[s]:>10.0f}{ratio:>8.2f}x{'>= 0.8x':>8}  {'ok' if ratio >= 0.8 else 'BELOW GOAL'}")
    print(f"\nCPU seconds per GiB, median of {REPS}")
    print(f"{'operation':<34}{'server':>10}{'client':>10}")
    for name in results:
        print(f"{name:<34}{statistics.median(server_cpu[name]):>10.2f}{statistics.median(client_cpu[name]):>10.2f}")


if __name__ == "__main__":
    main()
