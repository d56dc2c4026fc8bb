#!/usr/bin/env python3
"""S3 gateway benchmarks (issue #3). Every figure is a ratio of two measurements taken side by side in this run.

pachs3 (`pachs3 serve` on a temporary data directory, loopback, auth off, log level warning) is measured
against the peers that ../shared/bench/peers.sh starts: the JuiceFS S3 gateway (127.0.0.1:9001, bucket jfs)
and nginx (127.0.0.1:9003, a plain file server: the HTTP ceiling of this machine).

- 256 MiB PUT/GET, single stream, with ../shared/bench/s3bench.py (boto3; nginx GET-only);
- 4 KiB GET with `wrk -t2 -c64 -d10s` and 4 KiB PUT to fresh keys with `wrk -t2 -c16 -d10s -s put.lua`.

If the peers cannot be started, pachs3 is still measured and their columns read "peer unavailable".
Environment: PACHS3_BIN, PEERS_BENCH (the shared bench directory), S3BENCH_REPS (default 3), WRK_DURATION (10s).
"""
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.abspath(os.environ.get("PACHS3_BIN", os.path.join(HERE, "..", ".build", "release", "pachs3")))
SHARED = os.path.abspath(os.environ.get("PEERS_BENCH", os.path.join(HERE, "..", "..", "shared", "bench")))
PEERS = os.path.join(SHARED, "peers.sh")
S3BENCH = os.path.join(SHARED, "s3bench.py")
PUT_LUA = os.path.join(SHARED, "put.lua")
REPS = os.environ.get("S3BENCH_REPS", "3")
WRK_DURATION = os.environ.get("WRK_DURATION", "10s")
JFS = "http://127.0.0.1:9001"
JFS_KEY, JFS_SECRET = "peeradmin", "peersecret123"
NGINX = "http://127.0.0.1:9003"
BUCKET = "master.bench"
UNAVAILABLE = "peer unavailable"


def log(msg):
    print(f"# {msg}", file=sys.stderr, flush=True)


def start_pachs3(data_dir, log_path, deadline_s=60):
    """Starts `pachs3 serve` on a free loopback port; returns (process, endpoint) once it prints its listening line."""
    proc = subprocess.Popen([BIN, "serve", "--data-dir", data_dir, "--address", "127.0.0.1", "--port", "0", "--grpc-port", "0",
                             "--log-level", "warning"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = open(log_path, "wb")
    deadline = time.monotonic() + deadline_s
    buf = b""
    endpoint = None
    while endpoint is None:
        left = deadline - time.monotonic()
        if left <= 0 or proc.poll() is not None:
            proc.kill()
            raise RuntimeError(f"pachs3 serve did not report listening (exit {proc.poll()}): {buf.decode(errors='replace')}")
        ready, _, _ = select.select([proc.stdout], [], [], min(left, 0.5))
        if not ready:
            continue
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            continue
        buf += chunk
        m = re.search(rb"listening on (http://[0-9.]+:[0-9]+)", buf)
        if m:
            endpoint = m.group(1).decode()
    out.write(buf)

    def drain():  # keep the pipe empty so the server never blocks on its own output
        for chunk in iter(lambda: os.read(proc.stdout.fileno(), 65536), b""):
            out.write(chunk)
        out.close()

    threading.Thread(target=drain, daemon=True).start()
    return proc, endpoint


def stop_pachs3(proc):
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def http_ok(url, method="GET", data=None, timeout=5):
    try:
        req = urllib.request.Request(url, data=data, method=method)
        with urllib.request.urlopen(req, timeout=timeout) as r:
            r.read()
            return 200 <= r.status < 300
    except Exception:
        return False


def s3bench(label, args):
    """Runs s3bench.py; returns its summary (name -> {median, min, max, ...}) or None."""
    cmd = [sys.executable, S3BENCH, "--label", label, "--reps", REPS] + args
    log(f"s3bench {label}: {' '.join(args)}")
    p = subprocess.run(cmd, capture_output=True, text=True)
    sys.stderr.write(p.stdout + p.stderr)
    lines = [l for l in p.stdout.splitlines() if l.startswith("JSON ")]
    if p.returncode != 0 or not lines:
        log(f"s3bench {label} failed (exit {p.returncode})")
        return None
    return json.loads(lines[-1][5:])["summary"]


def wrk(label, url, connections, script=None):
    """Runs wrk; returns successful requests/s (None if it failed or any response was not 2xx/3xx)."""
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{WRK_DURATION}"] + (["-s", script] if script else []) + [url]
    log(f"wrk {label}: {' '.join(cmd)}")
    p = subprocess.run(cmd, capture_output=True, text=True)
    sys.stderr.write(p.stdout + p.stderr)
    m = re.search(r"Requests/sec:\s+([0-9.]+)", p.stdout)
    if p.returncode != 0 or not m:
        return None
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", p.stdout)
    errs = re.search(r"Socket errors:.*", p.stdout)
    if bad and int(bad.group(1)) > 0:
        log(f"wrk {label}: {bad.group(1)} non-2xx/3xx responses; figure discarded")
        return None
    if errs:
        log(f"wrk {label}: {errs.group(0)}")
    return float(m.group(1))


def median(summary, key):
    if summary is None or key not in summary:
        return None
    return summary[key]["median"]


def main():
    tmp = tempfile.mkdtemp(prefix="pachs3-s3bench-")
    os.chmod(tmp, 0o755)  # nginx workers run unprivileged and must reach peers/www
    peers_dir = os.path.join(tmp, "peers")
    os.makedirs(peers_dir, mode=0o755)
    res = {"pachs3": {}, "juicefs": {}, "nginx": {}}
    proc = None
    peers_started = False
    try:
        proc, ep = start_pachs3(os.path.join(tmp, "data"), os.path.join(tmp, "pachs3.log"))
        log(f"pachs3 at {ep}")

        log(f"starting peers in {peers_dir}")
        p = subprocess.run(["bash", PEERS, "start", peers_dir], capture_output=True, text=True)
        peers_started = True
        sys.stderr.write(p.stdout + p.stderr)
        if p.returncode != 0:
            log(f"peers.sh start failed (exit {p.returncode}); measuring whichever peers answer")
        jfs_up = http_ok(f"{JFS}/jfs/obj4k")
        nginx_up = http_ok(f"{NGINX}/nullbucket/obj4k")
        log(f"juicefs {'up' if jfs_up else 'unavailable'}, nginx {'up' if nginx_up else 'unavailable'}")
        have_wrk = shutil.which("wrk") is not None

        # Large objects, single stream (s3bench also measures multipart and small boto3 requests).
        s = s3bench("pachs3", ["--endpoint", ep, "--bucket", BUCKET, "--create-bucket"])
        res["pachs3"]["put256"], res["pachs3"]["get256"] = median(s, "large_put_single_MiBps"), median(s, "large_get_single_MiBps")
        if jfs_up:
            s = s3bench("juicefs-gw", ["--endpoint", JFS, "--bucket", "jfs", "--access-key", JFS_KEY, "--secret-key", JFS_SECRET])
            res["juicefs"]["put256"], res["juicefs"]["get256"] = median(s, "large_put_single_MiBps"), median(s, "large_get_single_MiBps")
        if nginx_up:
            s = s3bench("nginx", ["--endpoint", NGINX, "--bucket", "nullbucket", "--get-only", "--large-key", "obj256m", "--skip-small"])
            res["nginx"]["get256"] = median(s, "large_get_single_MiBps")

        # Small requests with wrk, anonymously (pachs3 auth is off; the JuiceFS bucket has a public policy).
        if have_wrk:
            if not http_ok(f"{ep}/{BUCKET}/obj4k", method="PUT", data=os.urandom(4096)):
                raise RuntimeError("could not put the 4 KiB object into pachs3")
            res["pachs3"]["get4k"] = wrk("pachs3 GET 4k", f"{ep}/{BUCKET}/obj4k", 64)
            if jfs_up:
                res["juicefs"]["get4k"] = wrk("juicefs GET 4k", f"{JFS}/jfs/obj4k", 64)
            if nginx_up:
                res["nginx"]["get4k"] = wrk("nginx GET 4k", f"{NGINX}/nullbucket/obj4k", 64)
            res["pachs3"]["put4k"] = wrk("pachs3 PUT 4k", f"{ep}/{BUCKET}/w", 16, PUT_LUA)
            if jfs_up:
                res["juicefs"]["put4k"] = wrk("juicefs PUT 4k", f"{JFS}/jfs/w", 16, PUT_LUA)
        else:
            log("wrk is missing: no small-request figures")
    finally:
        if proc is not None:
            stop_pachs3(proc)
        if peers_started:
            subprocess.run(["bash", PEERS, "stop", peers_dir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        mnt = os.path.join(peers_dir, "mnt", "jfs")
        for _ in range(50):  # the FUSE unmount is asynchronous; never delete through a live mount
            if not os.path.ismount(mnt):
                break
            time.sleep(0.1)
        if os.path.ismount(mnt):
            log(f"{mnt} is still mounted: leaving {tmp} in place")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    targets = [  # (figure, key, unit, peer, goal)
        ("GET 256 MiB single stream vs nginx", "get256", "MiB/s", "nginx", 0.9),
        ("GET 256 MiB single stream vs JuiceFS", "get256", "MiB/s", "juicefs", 1.2),
        ("PUT 256 MiB single stream vs JuiceFS", "put256", "MiB/s", "juicefs", 1.5),
        ("GET 4 KiB, wrk 64 conns vs nginx", "get4k", "req/s", "nginx", 0.3),
        ("GET 4 KiB, wrk 64 conns vs JuiceFS", "get4k", "req/s", "juicefs", 4.0),
        ("PUT 4 KiB fresh keys, wrk 16 conns vs JuiceFS", "put4k", "req/s", "juicefs", 3.0),
    ]
    rows = []
    for name, key, unit, peer, goal in targets:
        mine, theirs = res["pachs3"].get(key), res[peer].get(key)
        ok_peer = theirs is not None
        ratio = mine / theirs if (mine is not None and ok_peer and theirs > 0) else None
        rows.append({"figure": name, "unit": unit, "pachs3": mine, "peer": peer,
                     "peer_value": theirs, "ratio": ratio, "goal": f">= {goal}x",
                     "ok": ratio is not None and ratio >= goal,
                     "note": None if ok_peer else UNAVAILABLE})

    def fmt(v, unit):
        return f"{v:.0f} {unit}" if v is not None else "-"

    w = max(len(r["figure"]) for r in rows)
    print(f"{'figure'.ljust(w)}  {'pachs3':>14}  {'peer':>18}  {'ratio':>7}  {'goal':>7}  ok")
    for r in rows:
        peer = fmt(r["peer_value"], r["unit"]) if r["note"] is None else UNAVAILABLE
        ratio = f"{r['ratio']:.2f}x" if r["ratio"] is not None else "-"
        print(f"{r['figure'].ljust(w)}  {fmt(r['pachs3'], r['unit']):>14}  {peer:>18}  {ratio:>7}  "
              f"{r['goal'][3:]:>7}  {'yes' if r['ok'] else 'NO'}")
    print("JSON " + json.dumps({"rows": rows, "raw": res}))


if __name__ == "__main__":
    sys.exit(main())
