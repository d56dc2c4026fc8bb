#!/usr/bin/env python3
"""Reads one commit of a repo from the mount with plain Python: the commit's files never change, so the
result is reproducible (the same bytes as `aws s3api get-object --version-id <commit>`).

    python3 examples/read_snapshot.py /mnt/pachs3 images [COMMIT]

Without COMMIT, the commit master's HEAD shows now (its user.pachs3.commit attribute).
"""
import hashlib
import os
import sys

mnt, repo = sys.argv[1], sys.argv[2]
commit = sys.argv[3] if len(sys.argv) > 3 else os.getxattr(os.path.join(mnt, repo, "master"), "user.pachs3.commit").decode()
root = os.path.join(mnt, repo, "@" + commit)
for d, _, files in os.walk(root):
    for name in sorted(files):
        p = os.path.join(d, name)
        with open(p, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        print(f"{digest}  {os.path.relpath(p, root)}")
