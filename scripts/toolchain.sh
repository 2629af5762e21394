#!/usr/bin/env bash
# Finds or builds the pinned Pulumi CLI and prints its path on stdout.
# Resolution order:
#   1. `pulumi` already on PATH at the pinned version;
#   2. the build cache outside the clone ($ROCKETMQ_UPGRADE_CACHE/pulumi/vX/bin);
#   3. a build from the Go modules pinned in scripts/toolchain.lock.
# Progress goes to stderr so callers can capture the path.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/toolchain.lock
source "$here/toolchain.lock"
cache=${ROCKETMQ_UPGRADE_CACHE:-$HOME/.cache/rocketmq-upgrade}
want="v$PULUMI_VERSION"
cached="$cache/pulumi/$want/bin/pulumi"
say() { echo "[toolchain] $*" >&2; }

if command -v pulumi >/dev/null 2>&1 && [ "$(pulumi version 2>/dev/null)" = "$want" ]; then
  command -v pulumi
  exit 0
fi
if [ -x "$cached" ] && [ "$("$cached" version 2>/dev/null)" = "$want" ]; then
  echo "$cached"
  exit 0
fi

command -v go >/dev/null 2>&1 || { echo "error: Go is missing: install Go 1.25 or newer (apt-get install -y golang) to build the Pulumi CLI" >&2; exit 1; }

# shellcheck source=scripts/gomodule.sh
source "$here/gomodule.sh"

say "building pulumi $want from Go modules (cold: several minutes on 2 cores)"
work=$(mktemp -d "${TMPDIR:-/tmp}/pulumi-build.XXXXXX")
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

say "downloading $PULUMI_PKG_MODULE@$want and $PULUMI_SDK_MODULE@$want"
fetch_module "$PULUMI_PKG_MODULE" "$want" "$PULUMI_PKG_SUM" "$work/pkg"
fetch_module "$PULUMI_SDK_MODULE" "$want" "$PULUMI_SDK_SUM" "$work/sdk"

say "compiling (pkg/ replaces sdk/v3 with ../sdk, hence the side-by-side layout)"
(cd "$work/pkg" && go build -trimpath -tags osusergo,grpcnotrace \
  -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$want" \
  -o "$work/pulumi" ./cmd/pulumi)

mkdir -p "$(dirname "$cached")"
mv "$work/pulumi" "$cached.tmp.$$"
mv "$cached.tmp.$$" "$cached"
say "installed $("$cached" version) at $cached"
echo "$cached"
