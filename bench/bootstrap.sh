#!/usr/bin/env bash
# Times the bootstrap: building the pinned Pulumi CLI from Go modules and
# resolving the RocketMQ releases of the local stack from Maven Central.
#   cold: empty Go module and build caches, empty Maven repository, empty project cache;
#   warm: the same caches, filled by the cold run.
# Usage: bench/bootstrap.sh [COLD_RUNS=1] [WARM_RUNS=5]   (prints one TSV line per run)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cold_runs=${1:-1}
warm_runs=${2:-5}
versions=(4.9.7 5.5.0)

bootstrap() { # scratch dir
  local s=$1
  export ROCKETMQ_UPGRADE_CACHE="$s/cache" GOMODCACHE="$s/gomod" GOCACHE="$s/gobuild" MAVEN_OPTS="-Dmaven.repo.local=$s/m2"
  local t0 t1 t2
  t0=$(date +%s.%N)
  PATH=$(echo "$PATH" | tr ':' '\n' | grep -v "$root/bin" | paste -sd:) bash "$root/scripts/toolchain.sh" >/dev/null 2>&1
  t1=$(date +%s.%N)
  node --require "$root/node_modules/ts-node/register/transpile-only" "$root/scripts/resolve-runtimes.ts" "${versions[@]}" >/dev/null 2>&1
  t2=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { printf "%.1f\t%.1f\t%.1f\n", b - a, c - b, c - a }'
}

echo -e "kind\trun\tpulumi_cli_s\trocketmq_jars_s\ttotal_s"
for ((i = 1; i <= cold_runs; i++)); do
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/bench-bootstrap.XXXXXX")
  echo -e "cold\t$i\t$(bootstrap "$scratch")"
  for ((j = 1; j <= warm_runs && i == cold_runs; j++)); do
    echo -e "warm\t$j\t$(bootstrap "$scratch")"
  done
  chmod -R u+w "$scratch" && rm -rf "$scratch"
done
