#!/usr/bin/env bash
# Shows pachs3 at work on a demo repo in the embedded store: commits, history, branches and diffs.
set -euo pipefail
P=${PACHS3_BIN:-pachs3}
export PACHS3_DATA=${PACHS3_DATA:-pachs3-data}
echo "data directory: $PACHS3_DATA"
$P inspect repo demo >/dev/null 2>&1 || $P create repo demo --description "pachs3 demo"
echo "version 1 at $(date -u)" | $P put file demo@master:/notes/readme.txt
echo "version 2 at $(date -u)" | $P put file demo@master:/notes/readme.txt
seq 1 100000 | $P put file demo@master:/data/numbers.csv
echo; echo "\$ pachs3 list file demo@master"; $P list file demo@master
echo; echo "\$ pachs3 list commit demo@master -n 3"; $P list commit demo@master -n 3
echo; echo "\$ pachs3 get file demo@master^2:/notes/readme.txt   (two commits back)"; $P get file 'demo@master^2:/notes/readme.txt'
echo; echo "\$ pachs3 diff file demo@master"; $P diff file demo@master
echo; echo "\$ pachs3 fsck"; $P fsck
