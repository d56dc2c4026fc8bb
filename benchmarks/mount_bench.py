#!/usr/bin/env python3
"""FUSE mount benchmarks (issue #5), side by side in one run: ../shared/bench/fusebench.py on the pachs3 mount
(`pachs3 serve --mount`, a branch directory), on the JuiceFS mount that ../shared/bench/peers.sh starts, and on
a plain local directory; then the ratios the issue sets as goals, and whether a commit snapshot read a second
time comes from the kernel cache (fincore: every page still resident after close and reopen).

BENCH_REPS (default 1) and BENCH_RAND_SECS (default 10) trade time for steadier figures.
If JuiceFS cannot be started, pachs3 and the local directory are still measured and its column reads
"peer unavailable".
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.abspath(os.environ.get("PACHS3_BIN", os.path.join(HERE, "..", ".build", "release", "pachs3")))
SHARED = os.path.abspath(os.path.join(HERE, "..", "..", "shared", "bench"))
if not os.path.isdir(SHARED):
    SHARED = "/work/shared/bench"
FUSEBENCH = os.path.join(SHARED, "fusebench.py")
PEERS = os.path.join(SHARED, "peers.sh")
REPS = os.environ.get("BENCH_REPS", "1")
RAND_SECS = os.environ.get("BENCH_RAND_SECS", "10")
UNAVAILABLE = "peer unavailable"


def log(msg):
    print(f"# {msg}", file=sys.stderr, flush=True)


def mounted(path):
    path = os.path.realpath(path)
    with open("/proc/self/mountinfo") as f:
        return any(l.split()[4] == path for l in f)


def start_pachs3(root):
    mnt = os.path.join(root, "mnt")
    os.makedirs(mnt)
    proc = subprocess.Popen(
        [BIN, "serve", "--data-dir", os.path.join(root, "data"), "--address", "127.0.0.1", "--port", "0", "--grpc-port", "0", "--mount", mnt,
         "--log-level", "warning"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    lines = []
    ready = threading.Event()

    def drain():
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace")
            lines.append(line)
            if "pachs3 S3 gateway listening on" in line:
                ready.set()
        ready.set()
    threading.Thread(target=drain, daemon=True).start()
    if not ready.wait(60) or proc.poll() is not None or not mounted(mnt):
        proc.kill()
        raise RuntimeError("pachs3 serve --mount did not start:\n" + "".join(lines[-20:]))
    subprocess.run([BIN, "create", "repo", "bench", "--data-dir", os.path.join(root, "data")], check=True, capture_output=True)
    subprocess.run([BIN, "put", "file", "bench@master:/README", "--data-dir", os.path.join(root, "data")], input=b"bench\n",
                   check=True, capture_output=True)
    return proc, mnt


def stop_pachs3(proc, mnt):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if mounted(mnt):
        subprocess.run(["fusermount3", "-u", "-z", mnt], capture_output=True)


def fusebench(label, d):
    log(f"fusebench on {label}: {d}")
    p = subprocess.run([sys.executable, FUSEBENCH, d, "--label", label, "--reps", REPS, "--rand-secs", RAND_SECS],
                       capture_output=True, text=True)
    sys.stderr.write(p.stderr)
    print(p.stdout.split("JSON ")[0], flush=True)
    m = re.search(r"^JSON (.*)$", p.stdout, re.M)
    if p.returncode != 0 or not m:
        raise RuntimeError(f"fusebench on {label} failed ({p.returncode})")
    return {k: v.get("median") for k, v in json.loads(m.group(1))["summary"].items()}


def snapshot_cached(mnt, data_dir):
    """Reads a 64 MiB file of a commit snapshot, closes it, and reports the share of its pages still resident."""
    branch = os.path.join(mnt, "bench", "master")
    with open(os.path.join(branch, "snap.bin"), "wb") as f:
        f.write(os.urandom(64 << 20))
    for _ in range(200):
        try:
            commit = os.getxattr(os.path.join(branch, "snap.bin"), "user.pachs3.commit").decode()
            if commit:
                break
        except OSError:
            pass
        time.sleep(0.05)
    path = os.path.join(mnt, "bench", "@" + commit, "snap.bin")
    subprocess.run(["sync"])
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")
    t0 = time.perf_counter()
    with open(path, "rb") as f:
        while f.read(1 << 20):
            pass
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    with open(path, "rb") as f:
        while f.read(1 << 20):
            pass
    second = time.perf_counter() - t0
    out = subprocess.run(["fincore", "--bytes", "--noheadings", "--output", "RES,SIZE", path], capture_output=True, text=True).stdout.split()
    res, size = int(out[0]), int(out[1])
    return {"resident_share": res / size, "first_MiBps": 64 / first, "second_MiBps": 64 / second}


def main():
    if not os.path.exists(BIN):
        sys.exit(f"{BIN} is missing: run `make release`")
    tmp = tempfile.mkdtemp(prefix="pachs3-mountbench-")
    os.chmod(tmp, 0o755)
    peers_dir = os.path.join(tmp, "peers")
    os.makedirs(peers_dir, mode=0o755)
    res = {}
    proc = mnt = None
    peers_started = False
    try:
        proc, mnt = start_pachs3(os.path.join(tmp, "pachs3"))
        d = os.path.join(mnt, "bench", "master", "fb")
        os.makedirs(d)
        res["pachs3"] = fusebench("pachs3", d)
        res["snapshot"] = snapshot_cached(mnt, os.path.join(tmp, "pachs3", "data"))

        local = os.path.join(tmp, "local")
        os.makedirs(local)
        res["local"] = fusebench("local", local)

        log(f"starting peers in {peers_dir}")
        p = subprocess.run(["bash", PEERS, "start", peers_dir], capture_output=True, text=True)
        peers_started = True
        jfs = os.path.join(peers_dir, "mnt", "jfs")
        if p.returncode != 0 or not mounted(jfs):
            log(f"peers.sh start failed (exit {p.returncode}): {(p.stderr or p.stdout).strip()[-300:]}")
            # Peers already running on this machine (their ports are taken): measure their JuiceFS mount.
            jfs = next((l.split()[1] for l in open("/proc/mounts") if l.split()[2] == "fuse.juicefs"), None)
            if jfs:
                log(f"using the JuiceFS mount already at {jfs}")
        if jfs and mounted(jfs):
            jd = os.path.join(jfs, f"pachs3-mountbench-{os.getpid()}")
            os.makedirs(jd, exist_ok=True)
            try:
                res["juicefs"] = fusebench("juicefs", jd)
            finally:
                shutil.rmtree(jd, ignore_errors=True)
    finally:
        if proc is not None:
            stop_pachs3(proc, mnt)
        if peers_started:
            subprocess.run(["bash", PEERS, "stop", peers_dir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        jfs = os.path.join(peers_dir, "mnt", "jfs")
        for _ in range(50):
            if not mounted(jfs) and (mnt is None or not mounted(mnt)):
                break
            time.sleep(0.1)
        if mounted(jfs) or (mnt and mounted(mnt)):
            log(f"a mount is still there: leaving {tmp} in place")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    targets = [  # (figure, key, peer, goal, higher is better)
        ("seq read 1 GiB, caches dropped vs local", "seqread_MiBps", "local", 0.8, True),
        ("seq read 1 GiB, caches dropped vs JuiceFS", "seqread_MiBps", "juicefs", 1.1, True),
        ("seq write 1 GiB incl. commit vs JuiceFS", "seqwrite_MiBps", "juicefs", 0.9, True),
        ("create 10,000 x 4 KiB files vs JuiceFS", "create4k_files_per_s", "juicefs", 2.0, True),
        ("ls -l of 10,000 files, warm vs local", "ls_l_warm_ms", "local", 2.0, False),
        ("find of 10,000 files, warm vs JuiceFS", "find_warm_ms", "juicefs", 0.5, False),
        ("random 4 KiB reads, buffered vs JuiceFS", "randread4k_buffered_iops", "juicefs", 1.0, True),
    ]
    rows = []
    for name, key, peer, goal, higher in targets:
        mine = res.get("pachs3", {}).get(key)
        theirs = res.get(peer, {}).get(key)
        ratio = mine / theirs if mine is not None and theirs else None
        ok = ratio is not None and (ratio >= goal if higher else ratio <= goal)
        rows.append({"figure": name, "key": key, "pachs3": mine, "peer": peer, "peer_value": theirs, "ratio": ratio,
                     "goal": f"{'>=' if higher else '<='} {goal}x", "ok": ok, "note": None if theirs is not None else UNAVAILABLE})
    snap = res.get("snapshot", {})
    w = max(len(r["figure"]) for r in rows)
    print(f"{'figure'.ljust(w)}  {'pachs3':>10}  {'peer':>18}  {'ratio':>7}  {'goal':>8}  ok")
    for r in rows:
        peer = f"{r['peer_value']:.1f}" if r["peer_value"] is not None else UNAVAILABLE
        mine = f"{r['pachs3']:.1f}" if r["pachs3"] is not None else "-"
        ratio = f"{r['ratio']:.2f}x" if r["ratio"] is not None else "-"
        print(f"{r['figure'].ljust(w)}  {mine:>10}  {peer:>18}  {ratio:>7}  {r['goal']:>8}  {'yes' if r['ok'] else 'NO'}")
    if snap:
        print(f"{'snapshot read twice: pages resident after reopen'.ljust(w)}  {snap['resident_share'] * 100:9.0f}%"
              f"  (first {snap['first_MiBps']:.0f} MiB/s, second {snap['second_MiBps']:.0f} MiB/s)  "
              f"{'yes' if snap['resident_share'] >= 0.99 else 'NO'}")
    print("JSON " + json.dumps({"rows": rows, "snapshot": snap, "raw": res}))


if __name__ == "__main__":
    sys.exit(main())
