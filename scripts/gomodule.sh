#!/usr/bin/env bash
# Sourced by the build scripts: copies one pinned Go module out of the module
# cache into a writable directory, refusing it when its hash is not the pinned one.
# Only the module proxy is reachable here: never fall back to fetching from VCS hosts.
GOPROXY=$(go env GOPROXY | tr ',|' '\n\n' | grep -v '^direct$' | grep -v '^off$' | head -n1)
export GOPROXY GOFLAGS=-mod=mod CGO_ENABLED=0
[ -n "$GOPROXY" ] || { echo "error: no Go module proxy is configured (go env GOPROXY)" >&2; exit 1; }

fetch_module() { # module version expected-sum dest (run from any directory outside a module)
  local info dir sum
  info=$(cd "${TMPDIR:-/tmp}" && GOFLAGS= go mod download -json "$1@$2")
  dir=$(printf '%s' "$info" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  sum=$(printf '%s' "$info" | sed -n 's/^[[:space:]]*"Sum": "\(.*\)",$/\1/p')
  if [ "$sum" != "$3" ]; then
    echo "error: $1@$2 has hash $sum, but scripts/toolchain.lock pins $3" >&2
    exit 1
  fi
  cp -r "$dir" "$4"
  chmod -R u+w "$4"
}
