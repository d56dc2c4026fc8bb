#!/usr/bin/env python3
"""S3 gateway benchmarks (issue #3). Every figure is a ratio of two measurements taken side by side in this run.

pachs3 (`pachs3 serve` on a temporary data directory, loopback, auth off, log level warning) is measured
against the peers that ../shared/bench/peers.sh starts: the JuiceFS S3 gateway (127.0.0.1:9001, bucket jfs)
and nginx (127.0.0.1:9003, a plain file server: the HTTP ceiling of this machine).

- 256 MiB PUT/GET, single stream, with ../shared/bench/s3bench.py (boto3; nginx GET-only);
- 4 KiB GET with `wrk -t2 -c64 -d10s` and 4 KiB PUT to fresh keys with `wrk -t2 -c16 -d10s -s put.lua`;
- ListObjectsV2 (max-keys=1000, anonymous) on a bucket of 1,000,000 keys vs one of 1,000 keys, both loaded with
  the in-process loader `pfs-bench DATA_DIR FILES 0` (next to PACHS3_BIN) and served by `pachs3 serve`. The
  1,000,000-key pages start after keys spread over the key space (mid-bucket continuations); the 1,000-key bucket's
  only full page starts after "dir0000/" (before its first key). Each position gets a fresh server (so the first
  request is cold: nothing in pachs3's caches, the OS page cache warm, as for pfs-bench's fresh engine), one
  HeadBucket on the same keep-alive connection, then the timed cold page and S3BENCH_LIST_WARM warm repeats.
  Figure: median ms at 1M over median ms at 1K, cold and warm, goal <= 3x;
- peak RSS (VmHWM of the server, plus VmRSS sampled every 50 ms) while 4 clients PUT a 2 GiB object each at once
  (raw http.client, Content-Length, the body generated 1 MiB at a time, unique data so nothing dedups), then GET
  them at once (streamed and discarded, sizes checked); goal <= 256 MiB. Needs ~2.2x the data on the disk of TMPDIR.

If the peers cannot be started, pachs3 is still measured and their columns read "peer unavailable".
Environment: PACHS3_BIN, PEERS_BENCH (the shared bench directory), S3BENCH_REPS (default 3), WRK_DURATION (10s),
S3BENCH_ONLY (comma-separated parts to run: large = 256 MiB PUT/GET, small = 4 KiB wrk, list, rss; default all,
e.g. S3BENCH_ONLY=list,rss runs only the last two, without peers), S3BENCH_LIST_FILES (1000000),
S3BENCH_LIST_POSITIONS (8), S3BENCH_LIST_WARM (5), S3BENCH_RSS_CLIENTS (4), S3BENCH_RSS_MIB (2048 per object).
"""
import http.client
import json
import os
import re
import select
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.abspath(os.environ.get("PACHS3_BIN", os.path.join(HERE, "..", ".build", "release", "pachs3")))
PFS_BENCH = os.path.join(os.path.dirname(BIN), "pfs-bench")
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
PARTS = ("large", "small", "list", "rss")
ONLY = [p.strip() for p in os.environ.get("S3BENCH_ONLY", "").split(",") if p.strip()] or list(PARTS)
LIST_FILES = int(os.environ.get("S3BENCH_LIST_FILES", "1000000"))
LIST_SMALL_FILES = 1000
LIST_POSITIONS = int(os.environ.get("S3BENCH_LIST_POSITIONS", "8"))
LIST_WARM = int(os.environ.get("S3BENCH_LIST_WARM", "5"))
RSS_CLIENTS = int(os.environ.get("S3BENCH_RSS_CLIENTS", "4"))
RSS_BYTES = int(os.environ.get("S3BENCH_RSS_MIB", "2048")) << 20
RSS_BUDGET_MIB = 256
MiB = 1 << 20
S3NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


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


def bench_key(j):
    """The key pfs-bench gives file j (PFSBench.path)."""
    return f"dir{j % 1000:04d}/file{j:08d}.txt"


def connect(endpoint, timeout=600):
    u = urllib.parse.urlsplit(endpoint)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)


def list_page(conn, start_after):
    """One ListObjectsV2 page of up to 1000 keys after start_after; returns (ms, keys, truncated)."""
    path = f"/{BUCKET}?" + urllib.parse.urlencode({"list-type": "2", "max-keys": "1000", "start-after": start_after})
    t = time.perf_counter()
    conn.request("GET", path)
    r = conn.getresponse()
    body = r.read()
    ms = (time.perf_counter() - t) * 1000
    if r.status != 200:
        raise RuntimeError(f"ListObjectsV2 start-after={start_after}: HTTP {r.status} {body[:300]!r}")
    root = ET.fromstring(body)
    keys = [e.text for e in root.iter(f"{S3NS}Key")]
    return ms, keys, root.findtext(f"{S3NS}IsTruncated") == "true"


def list_timings(data_dir, log_path, positions):
    """For each start-after position: a fresh server, one HeadBucket, the cold page, LIST_WARM warm pages."""
    cold, warm = [], []
    for start_after in positions:
        proc, ep = start_pachs3(data_dir, log_path)
        try:
            conn = connect(ep, timeout=120)
            conn.request("HEAD", f"/{BUCKET}")
            r = conn.getresponse()
            r.read()
            if r.status != 200:
                raise RuntimeError(f"HeadBucket {BUCKET}: HTTP {r.status}")
            ms, keys, _ = list_page(conn, start_after)
            if len(keys) != 1000 or keys != sorted(keys) or keys[0] <= start_after:
                raise RuntimeError(f"page after {start_after!r}: {len(keys)} keys from {keys[:1]} (want 1000, all after it)")
            cold.append(ms)
            for _ in range(LIST_WARM):
                ms, again, _ = list_page(conn, start_after)
                if again != keys:
                    raise RuntimeError(f"page after {start_after!r} changed between requests")
                warm.append(ms)
            conn.close()
        finally:
            stop_pachs3(proc)
    return cold, warm


def list_figure(tmp):
    """ListObjectsV2 1,000-key pages at LIST_FILES keys vs at 1,000 keys; returns {cold_1m, warm_1m, cold_1k, ...}."""
    out = {}
    if not os.path.exists(PFS_BENCH):
        log(f"{PFS_BENCH} is missing (swift build -c release --product pfs-bench): no listing figure")
        return out
    for label, files in (("1k", LIST_SMALL_FILES), ("1m", LIST_FILES)):
        data = os.path.join(tmp, f"list-{label}")
        try:
            log(f"loading {files} keys into {data} with pfs-bench")
            p = subprocess.run([PFS_BENCH, data, str(files), "0"], capture_output=True, text=True)
            if p.returncode != 0:
                raise RuntimeError(f"pfs-bench failed (exit {p.returncode}): {p.stderr[-2000:]}")
            out[f"load_s_{label}"] = json.loads(p.stdout.strip().splitlines()[-1])["load_s"]
            if files == LIST_SMALL_FILES:
                positions = ["dir0000/"] * LIST_POSITIONS  # the only full page: the whole bucket
            else:  # spread over the key space, each page a mid-bucket continuation with 1000 keys after it
                keys = sorted(bench_key(j) for j in range(files))
                positions = [keys[(2 * k + 1) * (files - 1001) // (2 * LIST_POSITIONS)] for k in range(LIST_POSITIONS)]
                del keys
            cold, warm = list_timings(data, os.path.join(tmp, f"pachs3-list-{label}.log"), positions)
            out[f"cold_{label}"], out[f"warm_{label}"] = statistics.median(cold), statistics.median(warm)
            out[f"cold_{label}_all"] = [round(x, 2) for x in cold]
            log(f"list {label}: cold median {out[f'cold_{label}']:.2f} ms {out[f'cold_{label}_all']}, "
                f"warm median {out[f'warm_{label}']:.2f} ms")
        except Exception as e:
            log(f"listing figure at {files} keys failed: {e}")
            return out
        finally:
            shutil.rmtree(data, ignore_errors=True)
    return out


class ProcMemory(threading.Thread):
    """Samples a process's VmRSS every 50 ms; VmHWM (the kernel's own high-water mark) is read at each sample."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.stop, self.max_rss, self.hwm = pid, threading.Event(), 0, 0

    def read(self):
        try:
            with open(f"/proc/{self.pid}/status") as f:
                v = dict(l.split(":", 1) for l in f if l.startswith(("VmRSS", "VmHWM")))
        except (FileNotFoundError, ProcessLookupError):
            return
        self.max_rss = max(self.max_rss, int(v["VmRSS"].split()[0]) // 1024)
        self.hwm = max(self.hwm, int(v["VmHWM"].split()[0]) // 1024)

    def run(self):
        while not self.stop.wait(0.05):
            self.read()

    def take(self):
        """Returns (max sampled VmRSS, VmHWM) in MiB so far and resets the sampled maximum."""
        self.read()
        r = (self.max_rss, self.hwm)
        self.max_rss = 0
        return r


def generated_body(client, size):
    """`size` bytes, 1 MiB at a time: a per-client random MiB with a unique stamp every 64 KiB, so no chunk repeats."""
    base = os.urandom(MiB)
    block = 0
    sent = 0
    while sent < size:
        buf = bytearray(base[:min(MiB, size - sent)])
        for off in range(0, len(buf) - 15, 64 * 1024):
            struct.pack_into("<QQ", buf, off, client, block * 16 + off // (64 * 1024))
        block += 1
        sent += len(buf)
        yield buf


def put_streamed(endpoint, bucket, key, client, size):
    conn = connect(endpoint)
    conn.putrequest("PUT", f"/{bucket}/{key}")
    conn.putheader("Content-Length", str(size))
    conn.putheader("Content-Type", "application/octet-stream")
    conn.endheaders()
    for part in generated_body(client, size):
        conn.send(part)
    r = conn.getresponse()
    body = r.read()
    conn.close()
    if r.status != 200:
        raise RuntimeError(f"PUT {key}: HTTP {r.status} {body[:300]!r}")


def get_discarded(endpoint, bucket, key, size):
    conn = connect(endpoint)
    conn.request("GET", f"/{bucket}/{key}")
    r = conn.getresponse()
    if r.status != 200:
        raise RuntimeError(f"GET {key}: HTTP {r.status} {r.read()[:300]!r}")
    buf = bytearray(MiB)
    n = 0
    while True:
        got = r.readinto(buf)
        if not got:
            break
        n += got
    conn.close()
    if n != size:
        raise RuntimeError(f"GET {key}: {n} bytes, want {size}")


def concurrently(fn, args_list):
    """Runs fn(*args) on one thread each; returns the wall time, raising the first error."""
    errors = []

    def run(args):
        try:
            fn(*args)
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=run, args=(a,)) for a in args_list]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - t


def rss_figure(tmp):
    """Peak RSS of a fresh server while RSS_CLIENTS clients PUT, then GET, an RSS_BYTES object each at once."""
    out = {}
    data = os.path.join(tmp, "rss-data")
    need = RSS_CLIENTS * RSS_BYTES * 2.2
    free = shutil.disk_usage(tmp).free
    if free < need:
        log(f"RSS figure skipped: {free >> 30} GiB free in {tmp}, needs {need / (1 << 30):.1f} GiB")
        return out
    proc = None
    try:
        proc, ep = start_pachs3(data, os.path.join(tmp, "pachs3-rss.log"))
        mem = ProcMemory(proc.pid)
        mem.start()
        out["start_rss_mib"] = mem.take()[0]
        bucket = "master.rss"
        if not http_ok(f"{ep}/{bucket}", method="PUT"):
            raise RuntimeError(f"could not create bucket {bucket}")
        keys = [f"big{c}" for c in range(RSS_CLIENTS)]
        gib = RSS_CLIENTS * RSS_BYTES / (1 << 30)
        log(f"rss: {RSS_CLIENTS} clients PUT {RSS_BYTES >> 20} MiB each at once")
        t = concurrently(lambda k, c: put_streamed(ep, bucket, k, c, RSS_BYTES), [(k, c) for c, k in enumerate(keys)])
        out["put_s"], out["put_MiBps"] = t, gib * 1024 / t
        out["put_max_rss_mib"], out["put_hwm_mib"] = mem.take()
        log(f"rss: PUT {t:.1f} s ({out['put_MiBps']:.0f} MiB/s), VmRSS max {out['put_max_rss_mib']} MiB, "
            f"VmHWM {out['put_hwm_mib']} MiB; {RSS_CLIENTS} clients GET at once")
        t = concurrently(lambda k: get_discarded(ep, bucket, k, RSS_BYTES), [(k,) for k in keys])
        out["get_s"], out["get_MiBps"] = t, gib * 1024 / t
        out["get_max_rss_mib"], out["peak_mib"] = mem.take()
        mem.stop.set()
        log(f"rss: GET {t:.1f} s ({out['get_MiBps']:.0f} MiB/s), VmRSS max {out['get_max_rss_mib']} MiB, "
            f"VmHWM {out['peak_mib']} MiB")
    except Exception as e:
        log(f"RSS figure failed: {e}")
        out.pop("peak_mib", None)
    finally:
        if proc is not None:
            stop_pachs3(proc)
        shutil.rmtree(data, ignore_errors=True)
    return out


def median(summary, key):
    if summary is None or key not in summary:
        return None
    return summary[key]["median"]


def main():
    unknown = [p for p in ONLY if p not in PARTS]
    if unknown:
        print(f"S3BENCH_ONLY: unknown part(s) {', '.join(unknown)}; choose from {', '.join(PARTS)}", file=sys.stderr)
        return 2
    tmp = tempfile.mkdtemp(prefix="pachs3-s3bench-")
    os.chmod(tmp, 0o755)  # nginx workers run unprivileged and must reach peers/www
    peers_dir = os.path.join(tmp, "peers")
    os.makedirs(peers_dir, mode=0o755)
    res = {"pachs3": {}, "juicefs": {}, "nginx": {}}
    proc = None
    peers_started = False
    try:
        if "large" in ONLY or "small" in ONLY:
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
        if "large" in ONLY:
            s = s3bench("pachs3", ["--endpoint", ep, "--bucket", BUCKET, "--create-bucket"])
            res["pachs3"]["put256"], res["pachs3"]["get256"] = median(s, "large_put_single_MiBps"), median(s, "large_get_single_MiBps")
            if jfs_up:
                s = s3bench("juicefs-gw", ["--endpoint", JFS, "--bucket", "jfs", "--access-key", JFS_KEY, "--secret-key", JFS_SECRET])
                res["juicefs"]["put256"], res["juicefs"]["get256"] = median(s, "large_put_single_MiBps"), median(s, "large_get_single_MiBps")
            if nginx_up:
                s = s3bench("nginx", ["--endpoint", NGINX, "--bucket", "nullbucket", "--get-only", "--large-key", "obj256m", "--skip-small"])
                res["nginx"]["get256"] = median(s, "large_get_single_MiBps")

        # Small requests with wrk, anonymously (pachs3 auth is off; the JuiceFS bucket has a public policy).
        if "small" in ONLY and have_wrk:
            if "large" not in ONLY and not http_ok(f"{ep}/{BUCKET}", method="PUT"):
                raise RuntimeError(f"could not create bucket {BUCKET} in pachs3")
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
        elif "small" in ONLY:
            log("wrk is missing: no small-request figures")
        if proc is not None:
            stop_pachs3(proc)
            proc = None

        # Server-only figures: their own servers and data directories, removed as soon as they are measured.
        if "list" in ONLY:
            res["list"] = list_figure(tmp)
        if "rss" in ONLY:
            res["rss"] = rss_figure(tmp)
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

    targets = [  # (part, figure, key, unit, peer, goal)
        ("large", "GET 256 MiB single stream vs nginx", "get256", "MiB/s", "nginx", 0.9),
        ("large", "GET 256 MiB single stream vs JuiceFS", "get256", "MiB/s", "juicefs", 1.2),
        ("large", "PUT 256 MiB single stream vs JuiceFS", "put256", "MiB/s", "juicefs", 1.5),
        ("small", "GET 4 KiB, wrk 64 conns vs nginx", "get4k", "req/s", "nginx", 0.3),
        ("small", "GET 4 KiB, wrk 64 conns vs JuiceFS", "get4k", "req/s", "juicefs", 4.0),
        ("small", "PUT 4 KiB fresh keys, wrk 16 conns vs JuiceFS", "put4k", "req/s", "juicefs", 3.0),
    ]
    rows = []
    for part, name, key, unit, peer, goal in targets:
        if part not in ONLY:
            continue
        mine, theirs = res["pachs3"].get(key), res[peer].get(key)
        ok_peer = theirs is not None
        ratio = mine / theirs if (mine is not None and ok_peer and theirs > 0) else None
        rows.append({"figure": name, "unit": unit, "pachs3": mine, "peer": peer,
                     "peer_value": theirs, "ratio": ratio, "goal": f">= {goal}x",
                     "ok": ratio is not None and ratio >= goal,
                     "note": None if ok_peer else UNAVAILABLE})

    def at_most(name, unit, mine, base_name, base, goal):  # a cost figure: smaller is better
        ratio = mine / base if (mine is not None and base) else None
        rows.append({"figure": name, "unit": unit, "pachs3": mine, "peer": base_name, "peer_value": base,
                     "ratio": ratio, "goal": f"<= {goal}x", "ok": ratio is not None and ratio <= goal, "note": None})

    if "list" in ONLY:
        lst = res["list"]
        n = f"{LIST_FILES:,}" if LIST_FILES != 1_000_000 else "1M"
        for kind in ("cold", "warm"):
            at_most(f"ListObjectsV2 1,000-key page at {n} vs 1K keys, {kind}", "ms",
                    lst.get(f"{kind}_1m"), "1K keys", lst.get(f"{kind}_1k"), 3)
    if "rss" in ONLY:
        at_most(f"Peak RSS, {RSS_CLIENTS} clients PUT then GET {RSS_BYTES >> 20} MiB each", "MiB",
                res["rss"].get("peak_mib"), "budget", RSS_BUDGET_MIB, 1)

    def fmt(v, unit):
        if v is None:
            return "-"
        return f"{v:.2f} {unit}" if unit == "ms" else f"{v:.0f} {unit}"

    w = max(len(r["figure"]) for r in rows)
    print(f"{'figure'.ljust(w)}  {'pachs3':>14}  {'peer/base':>18}  {'ratio':>7}  {'goal':>8}  ok")
    for r in rows:
        peer = fmt(r["peer_value"], r["unit"]) if r["note"] is None else UNAVAILABLE
        ratio = f"{r['ratio']:.2f}x" if r["ratio"] is not None else "-"
        print(f"{r['figure'].ljust(w)}  {fmt(r['pachs3'], r['unit']):>14}  {peer:>18}  {ratio:>7}  "
              f"{r['goal']:>8}  {'yes' if r['ok'] else 'NO'}")
    print("JSON " + json.dumps({"rows": rows, "raw": res}))


if __name__ == "__main__":
    sys.exit(main())
