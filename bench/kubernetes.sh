#!/usr/bin/env bash
# Times the Kubernetes platform's two costs:
#   provider: a cold build of the kubernetes provider plugin from Go modules (empty Go build
#             cache and project cache; the Go module cache is kept, as on any machine after its first build);
#   render:   `pulumi up` of the prod stack in render mode (renderYamlToDirectory) on a fresh copy
#             of the project, with the plugin built, then a no-change `up`.
# Usage: bench/kubernetes.sh [PROVIDER_RUNS=1] [RENDER_RUNS=3]   (prints one TSV line per run)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
provider_runs=${1:-1}
render_runs=${2:-3}
export PULUMI_CONFIG_PASSPHRASE=rocketmq-upgrade-bench

seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

echo -e "kind\trun\tseconds\tpeak_rss_mib"
for ((i = 1; i <= provider_runs; i++)); do
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/bench-k8s-provider.XXXXXX")
  t0=$(date +%s.%N)
  rss=$(ROCKETMQ_UPGRADE_CACHE="$scratch/cache" GOCACHE="$scratch/gobuild" \
    /usr/bin/time -f %M bash "$root/scripts/kubernetes-provider.sh" 2>&1 >/dev/null | tail -n1)
  t1=$(date +%s.%N)
  echo -e "provider-cold\t$i\t$(seconds "$t0" "$t1")\t$((rss / 1024))"
  chmod -R u+w "$scratch" && rm -rf "$scratch"
done

bash "$root/scripts/kubernetes-provider.sh" >/dev/null
for ((i = 1; i <= render_runs; i++)); do
  copy=$(mktemp -d "${TMPDIR:-/tmp}/bench-k8s-render.XXXXXX")
  (cd "$root" && git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} cp --parents {} "$copy/")
  ln -s "$root/node_modules" "$copy/node_modules"
  bash "$copy/scripts/pulumi.sh" config set --path kubernetes.renderYamlToDirectory "$copy/rendered" --stack prod >/dev/null
  t0=$(date +%s.%N)
  bash "$copy/scripts/pulumi.sh" up --stack prod >/dev/null
  t1=$(date +%s.%N)
  bash "$copy/scripts/pulumi.sh" up --stack prod >/dev/null
  t2=$(date +%s.%N)
  echo -e "render-up\t$i\t$(seconds "$t0" "$t1")\t-"
  echo -e "render-no-change-up\t$i\t$(seconds "$t1" "$t2")\t-"
  rm -rf "$copy"
done
