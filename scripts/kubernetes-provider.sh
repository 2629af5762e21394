#!/usr/bin/env bash
# Finds or builds the pinned kubernetes provider plugin and prints the directory
# holding `pulumi-resource-kubernetes` on stdout (what Pulumi.yaml's plugin path wants).
# Resolution order:
#   1. the build cache outside the clone ($ROCKETMQ_UPGRADE_CACHE/pulumi-kubernetes/<version>/bin);
#   2. a build from the Go modules pinned in scripts/toolchain.lock:
#      the provider module replaces sdk/v4 with ../sdk, so both are laid side by side,
#      and its embedded schema is generated first (cmd/pulumi-resource-kubernetes/generate.go).
# Progress goes to stderr so callers can capture the path.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/toolchain.lock
source "$here/toolchain.lock"
cache=${ROCKETMQ_UPGRADE_CACHE:-$HOME/.cache/rocketmq-upgrade}
bindir="$cache/pulumi-kubernetes/$KUBERNETES_PLUGIN_VERSION/bin"
plugin="$bindir/pulumi-resource-kubernetes"
say() { echo "[kubernetes-provider] $*" >&2; }

if [ -x "$plugin" ]; then
  echo "$bindir"
  exit 0
fi

command -v go >/dev/null 2>&1 || { echo "error: Go is missing: install Go 1.25 or newer (apt-get install -y golang) to build the kubernetes provider" >&2; exit 1; }
# shellcheck source=scripts/gomodule.sh
source "$here/gomodule.sh"

started=$(date +%s)
say "building pulumi-resource-kubernetes $KUBERNETES_PLUGIN_VERSION from Go modules (cold: many minutes on 2 cores)"
work=$(mktemp -d "${TMPDIR:-/tmp}/kubernetes-provider-build.XXXXXX")
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

say "downloading $KUBERNETES_PROVIDER_MODULE@$KUBERNETES_PROVIDER_MODULE_VERSION and $KUBERNETES_SDK_MODULE@$KUBERNETES_SDK_VERSION"
fetch_module "$KUBERNETES_PROVIDER_MODULE" "$KUBERNETES_PROVIDER_MODULE_VERSION" "$KUBERNETES_PROVIDER_SUM" "$work/provider"
fetch_module "$KUBERNETES_SDK_MODULE" "$KUBERNETES_SDK_VERSION" "$KUBERNETES_SDK_SUM" "$work/sdk"

say "generating the embedded schema (version $KUBERNETES_PLUGIN_VERSION)"
(cd "$work/provider/cmd/pulumi-resource-kubernetes" && VERSION="$KUBERNETES_PLUGIN_VERSION" go run generate.go)

say "compiling"
(cd "$work/provider" && go build -trimpath -tags osusergo,grpcnotrace \
  -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$KUBERNETES_PLUGIN_VERSION" \
  -o "$work/pulumi-resource-kubernetes" ./cmd/pulumi-resource-kubernetes)

mkdir -p "$bindir"
mv "$work/pulumi-resource-kubernetes" "$plugin.tmp.$$"
mv "$plugin.tmp.$$" "$plugin"
say "installed at $plugin in $(($(date +%s) - started)) s"
echo "$bindir"
