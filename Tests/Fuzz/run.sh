#!/usr/bin/env bash
# `make fuzz`: builds the fuzz targets with libFuzzer and AddressSanitizer, then runs each for FUZZ_SECONDS.
# Each target's corpus grows in .build/fuzz/TARGET (seeded from Seeds/TARGET) and its log is .build/fuzz/TARGET.log;
# an input that crashes, hangs (5 s), leaks or takes over 3 GB is written beside them and stops the run.
set -euo pipefail
cd "$(dirname "$0")"
out=../../.build/fuzz
seconds=${FUZZ_SECONDS:-120}
targets=${FUZZ_TARGETS:-FuzzS3Requests FuzzAWSChunked FuzzPostForm FuzzPFSModel FuzzTreeNode}

for t in $targets; do
    # Not `--sanitize=fuzzer --sanitize=address`: SwiftPM hands those to swiftc in either order and the compile
    # jobs keep only the last, so every other build had no coverage instrumentation. One list keeps both.
    ${SWIFT:-swift} build --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address --product "$t"
done

for t in $targets; do
    mkdir -p "$out/$t"
    echo "fuzzing $t for $seconds s"
    if ! ".build/debug/$t" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=3000 \
        -artifact_prefix="$out/$t-" "$out/$t" "Seeds/$t" > "$out/$t.log" 2>&1; then
        grep -E -A12 "==ERROR|Fatal error|crashed:|Test unit written" "$out/$t.log" | head -60
        exit 1
    fi
    # A build without coverage instrumentation runs happily and finds nothing: its summary has no `cov:`.
    grep -E "^#[0-9]+[[:space:]]+DONE[[:space:]]+cov:" "$out/$t.log" || { echo "$t ran without coverage feedback"; exit 1; }
done
