#!/usr/bin/env bash
# Finds or installs the pinned manifest validator (kubernetes-validate, from PyPI)
# in a virtualenv outside the clone and prints the path of its command on stdout.
# Usage: kubernetes-validate --strict -k <KUBERNETES_SCHEMA_VERSION> FILE...
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
requirements="$here/requirements/manifest-validator.txt"
cache=${ROCKETMQ_UPGRADE_CACHE:-$HOME/.cache/rocketmq-upgrade}
# The virtualenv is keyed by the requirements' content: a changed pin gets a fresh one.
key=$(sha256sum "$requirements" | cut -c1-12)
venv="$cache/manifest-validator/$key"
tool="$venv/bin/kubernetes-validate"
if [ -x "$tool" ] && [ -f "$venv/.complete" ]; then
  echo "$tool"
  exit 0
fi
command -v python3 >/dev/null 2>&1 || { echo "error: python3 is missing: install Python 3.9 or newer" >&2; exit 1; }
echo "[manifest-validator] installing $(grep -m1 '^kubernetes-validate==' "$requirements") into $venv" >&2
rm -rf "$venv"
python3 -m venv "$venv"
if ! "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$requirements" >&2; then
  rm -rf "$venv"
  echo "error: could not install the manifest validator from PyPI (see above)" >&2
  exit 1
fi
touch "$venv/.complete"
echo "$tool"
