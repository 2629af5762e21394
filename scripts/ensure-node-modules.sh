#!/usr/bin/env bash
# Installs the locked npm packages when node_modules does not match package-lock.json.
# The lockfile's hash is recorded after each install: content, not mtimes, decides
# (a fresh clone or a copied tree has new mtimes but the same packages).
# Install scripts stay off: the Pulumi provider packages' scripts try downloads.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
want=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.installed-lock-sha256
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
# A test's copy of the project links node_modules to the clone's; `npm ci` there would empty the clone's tree
# through the link and install into the copy instead.
if [ -L node_modules ]; then
  echo "error: node_modules is a link to $(readlink -f node_modules), whose packages do not match package-lock.json; run npm ci where it points" >&2
  exit 1
fi
echo "[npm] installing the packages locked in package-lock.json" >&2
npm ci --ignore-scripts --no-audit --no-fund >&2
echo "$want" > "$stamp"
