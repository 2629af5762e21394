#!/usr/bin/env bash
# Finds or installs a pinned Python tool from PyPI in a virtualenv outside the clone
# and prints the path of its command on stdout.
# Usage: scripts/python-tool.sh NAME COMMAND
#   NAME:    scripts/requirements/NAME.txt pins the tool and its dependencies;
#   COMMAND: the executable in the virtualenv's bin/ to print.
# The virtualenv is keyed by the requirements' content, so a changed pin gets a fresh one.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
name=${1:?usage: python-tool.sh NAME COMMAND}
command=${2:?usage: python-tool.sh NAME COMMAND}
requirements="$here/requirements/$name.txt"
[ -f "$requirements" ] || { echo "error: no $requirements" >&2; exit 1; }
cache=${ROCKETMQ_UPGRADE_CACHE:-$HOME/.cache/rocketmq-upgrade}
venv="$cache/$name/$(sha256sum "$requirements" | cut -c1-12)"
tool="$venv/bin/$command"
if [ -x "$tool" ] && [ -f "$venv/.complete" ]; then
  echo "$tool"
  exit 0
fi
command -v python3 >/dev/null 2>&1 || { echo "error: python3 is missing: install Python 3.9 or newer" >&2; exit 1; }
echo "[$name] installing $(grep -v '^#' "$requirements" | head -n1) and its pinned dependencies into $venv" >&2
rm -rf "$venv"
python3 -m venv "$venv"
if ! "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$requirements" >&2; then
  rm -rf "$venv"
  echo "error: could not install $name from PyPI (see above)" >&2
  exit 1
fi
[ -x "$tool" ] || { echo "error: $name installed no $command" >&2; exit 1; }
touch "$venv/.complete"
echo "$tool"
