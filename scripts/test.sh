#!/usr/bin/env bash
# The project's whole test run (what `npm test` and CI execute):
#   1. prerequisites, npm packages, the pinned Pulumi CLI (built if not cached);
#   2. type check, lint and format check;
#   3. unit tests (mocha + Pulumi mocks, no CLI);
#   4. integration tests (the real pulumi CLI, real RocketMQ JVMs on loopback, the real kubernetes
#      provider rendering the prod stack's manifests, which are validated against Kubernetes' schemas).
# TEST_TIER=unit or TEST_TIER=integration runs one tier only.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/env.sh
source "$here/env.sh"
cd "$root"
bash "$here/check-prereqs.sh"

bash "$here/ensure-node-modules.sh"

tier=${TEST_TIER:-all}
step() { echo; echo "[test] $* ($(date +%H:%M:%S))"; }

step "type check, lint, format"
npx tsc --noEmit -p .
npx eslint .
npx prettier --check . >/dev/null || { npx prettier --check .; exit 1; }

if [ "$tier" = all ] || [ "$tier" = unit ]; then
  step "unit tests"
  npx mocha --config test/unit/.mocharc.json
fi

if [ "$tier" = all ] || [ "$tier" = integration ]; then
  step "pulumi toolchain"
  PULUMI_CLI=$(bash "$here/toolchain.sh")
  export PULUMI_CLI
  "$PULUMI_CLI" version
  step "kubernetes provider plugin, manifest validator, S3 emulator"
  bash "$here/kubernetes-provider.sh"
  bash "$here/manifest-validator.sh"
  bash "$here/python-tool.sh" s3-emulator moto_server
  step "integration tests"
  npx mocha --config test/integration/.mocharc.json
fi
