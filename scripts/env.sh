#!/usr/bin/env bash
# Sourced by the project's scripts: the environment every Pulumi call runs in.
# - State lives in a file backend inside the clone (.pulumi/, gitignored).
# - PULUMI_HOME is inside the clone too, so nothing leaks into ~/.pulumi.
# - Plugins are never downloaded: ours is in bin/, the engine's are built here.
# - The local stack has a documented default passphrase; any other stack must
#   bring its own PULUMI_CONFIG_PASSPHRASE(_FILE).
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PULUMI_HOME="$root/.pulumi/home"
export PULUMI_BACKEND_URL="file://$root/.pulumi/state"
export PULUMI_SKIP_UPDATE_CHECK=true
# A stack with an `aws` block needs the AWS provider plugin, which cannot be built from modules: on a machine
# that may download it, set PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=false or `pulumi plugin install` it.
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=${PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION:-true}
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=false
export PULUMI_SKIP_CONFIRMATIONS=true
export PATH="$root/bin:$PATH"
# Pulumi.yaml names this plugin directory; the engine refuses a project whose plugin path is missing,
# so it exists (empty) even for stacks that never load the kubernetes provider.
mkdir -p "$PULUMI_HOME" "$root/.pulumi/state" "$root/.pulumi/plugins/kubernetes"

# The passphrase for the embedded local stack only. It protects nothing of
# value (the local stack runs on loopback) and is documented in README.md.
LOCAL_STACK_PASSPHRASE="rocketmq-upgrade-local"

use_stack_passphrase() { # stack name
  if [ -n "${PULUMI_CONFIG_PASSPHRASE:-}" ] || [ -n "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
    return 0
  fi
  if [ "$1" = "local" ]; then
    export PULUMI_CONFIG_PASSPHRASE="$LOCAL_STACK_PASSPHRASE"
    return 0
  fi
  echo "error: stack '$1' needs PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE; only the local stack has a default" >&2
  return 1
}
