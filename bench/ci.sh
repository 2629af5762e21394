#!/usr/bin/env bash
# Times CI as CI runs it: `CI=true bash .ci/run </dev/null` on a clean clone of this repository's main.
#   warm: the machine's caches as they are (the project cache, Go's caches, the Maven repository);
#   cold: an empty project cache, an empty Go build cache and an empty Maven repository, all in a scratch
#         directory (the machine's own caches are left alone); the Go module cache is kept.
# The per-file table that scripts/test.sh prints at the end is copied into the output.
# Usage: bench/ci.sh warm|cold   (prints the log's path, then one TSV line: kind, exit status, wall seconds)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kind=${1:?usage: bench/ci.sh warm|cold}
scratch=$(mktemp -d "${TMPDIR:-/tmp}/bench-ci.XXXXXX")
git clone -q --branch main "$root" "$scratch/clone"
if [ "$kind" = cold ]; then
  export ROCKETMQ_UPGRADE_CACHE="$scratch/cache" GOCACHE="$scratch/gobuild" MAVEN_OPTS="-Dmaven.repo.local=$scratch/m2"
elif [ "$kind" != warm ]; then
  echo "error: kind must be warm or cold, not $kind" >&2
  exit 2
fi
log="$scratch/ci.log"
echo "log: $log"
began=$(date +%s)
status=0
(cd "$scratch/clone" && CI=true bash .ci/run </dev/null >"$log" 2>&1) || status=$?
echo -e "kind\tstatus\twall_s"
echo -e "$kind\t$status\t$(($(date +%s) - began))"
sed -n '/wall seconds per file/,$p' "$log"
if [ "$kind" = cold ]; then
  chmod -R u+w "$scratch/cache" "$scratch/gobuild" "$scratch/m2" 2>/dev/null || true
  rm -rf "$scratch/cache" "$scratch/gobuild" "$scratch/m2" "$scratch/clone"
fi
