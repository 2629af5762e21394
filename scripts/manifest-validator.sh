#!/usr/bin/env bash
# Prints the path of the pinned Kubernetes manifest validator (kubernetes-validate, from PyPI),
# installing it on first use. Usage: "$(scripts/manifest-validator.sh)" --strict -k <version> FILE...
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/python-tool.sh" manifest-validator kubernetes-validate
