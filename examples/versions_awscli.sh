#!/usr/bin/env bash
# Versions through the aws CLI: every PUT is a commit, and the commit ID is the S3 version ID.
#   ./examples/versions_awscli.sh [ENDPOINT]     # default http://localhost:30600 (`make run`)
set -euo pipefail
EP=${1:-http://localhost:30600}
# While auth is off any keys work; with auth on, both keys are your pachs3 token.
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-x} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-x} AWS_DEFAULT_REGION=us-east-1
aws() { command aws --endpoint-url "$EP" "$@"; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

aws s3 mb s3://master.examples-cli
echo "first draft" > "$tmp/notes.txt"
v1=$(aws s3api put-object --bucket master.examples-cli --key notes.txt --body "$tmp/notes.txt" --query VersionId --output text)
echo "second draft" > "$tmp/notes.txt"
v2=$(aws s3api put-object --bucket master.examples-cli --key notes.txt --body "$tmp/notes.txt" --query VersionId --output text)
echo "commit of v1: $v1"
echo "commit of v2: $v2"
aws s3api get-object --bucket master.examples-cli --key notes.txt --version-id "$v1" "$tmp/v1.txt" >/dev/null
echo "v1 by ID:     $(cat "$tmp/v1.txt")"
aws s3 cp s3://master.examples-cli/notes.txt - | sed 's/^/latest:       /'
aws s3api list-object-versions --bucket master.examples-cli --prefix notes.txt \
    --query 'Versions[].[VersionId,Size,IsLatest]' --output text
# The branch as it was at v1, read-only:
aws s3 ls "s3://$v1.master.examples-cli/"
