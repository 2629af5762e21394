#!/usr/bin/env bash
# One command for every Pulumi operation on this project:
#   npm run pulumi -- up|preview|refresh|destroy [--stack NAME] [--refresh] [--diff]
#   npm run pulumi -- config set KEY VALUE [--stack NAME]
#   npm run pulumi -- cancel [--stack NAME]   (clears the lock an interrupted run left)
#   npm run pulumi -- stack history | version | plugin ls | any other pulumi command
# up/preview/refresh/destroy run index.ts as an Automation API inline program
# (see scripts/stack.ts for why); everything else goes straight to the CLI.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/env.sh
source "$here/env.sh"
bash "$here/check-prereqs.sh"
bash "$here/ensure-node-modules.sh"
PULUMI_CLI=$(bash "$here/toolchain.sh")
export PULUMI_CLI
export PATH="$(dirname "$PULUMI_CLI"):$PATH"

stack=local
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --stack | -s) stack="${args[$((i + 1))]:-}" ;;
    --stack=*) stack="${args[$i]#--stack=}" ;;
  esac
done
use_stack_passphrase "$stack"

# A Kubernetes stack needs the kubernetes provider plugin, built from Go modules on first use.
if grep -qE '^[[:space:]]*rocketmq-upgrade:platform:[[:space:]]*"?kubernetes"?[[:space:]]*$' "$root/Pulumi.$stack.yaml" 2>/dev/null; then
  provider_dir=$(bash "$here/kubernetes-provider.sh")
  ln -sfn "$provider_dir/pulumi-resource-kubernetes" "$root/.pulumi/plugins/kubernetes/pulumi-resource-kubernetes"
fi

cd "$root"
case "${1:-}" in
  up | preview | refresh | destroy)
    exec node --require "$root/node_modules/ts-node/register/transpile-only" "$root/scripts/stack.ts" "$@"
    ;;
  "")
    echo "usage: npm run pulumi -- <up|preview|refresh|destroy|config|stack|version|plugin ...> [--stack NAME]" >&2
    exit 2
    ;;
  *)
    # The CLI needs a selected stack for config/history; create the local one on first use.
    if [ "$1" = config ] || [ "$1" = stack ] || [ "$1" = cancel ]; then
      "$PULUMI_CLI" stack select "$stack" --create --secrets-provider passphrase >/dev/null
    fi
    exec "$PULUMI_CLI" "$@"
    ;;
esac
