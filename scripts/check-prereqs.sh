#!/usr/bin/env bash
# Fails with one line naming what to install when a prerequisite is missing.
# Usage: check-prereqs.sh [tests]   (tests: also what only the test run needs)
set -euo pipefail
need() { # command, what to install
  command -v "$1" >/dev/null 2>&1 || { echo "error: $1 not found: install $2" >&2; exit 1; }
}
fail() { echo "error: $*" >&2; exit 1; }
need java "a JDK 17 or newer (apt-get install -y openjdk-17-jdk-headless)"
need mvn "Maven 3.8 or newer (apt-get install -y maven)"
need node "Node.js 20 or newer"
need npm "npm (comes with Node.js)"
# A JRE alone has java but no javac; the tests compile their Java clients.
need javac "a JDK 17 or newer, not only a JRE (apt-get install -y openjdk-17-jdk-headless)"
need go "Go 1.25 or newer, the official release archive (Debian 12's apt-get install -y golang is Go 1.19, too old)"
need git "git (apt-get install -y git)"
java_major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)
if [ -z "$java_major" ] || [ "$java_major" -lt 17 ]; then
  fail "java is version ${java_major:-unknown}: install a JDK 17 or newer (apt-get install -y openjdk-17-jdk-headless)"
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  fail "node is version $node_major: install Node.js 20 or newer"
fi
# "go1.26.8", or "devel go1.26-abcdef ..." for a build from source.
go_version=$(go env GOVERSION 2>/dev/null | sed -n 's/.*go\([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p' | head -n1)
if [ -z "$go_version" ] || { [ "${go_version%%.*}" -eq 1 ] && [ "${go_version#*.}" -lt 25 ]; }; then
  fail "go is version ${go_version:-unknown}: install Go 1.25 or newer, the official release archive (Debian 12's golang is Go 1.19, too old)"
fi
# Python is for the tests only (the manifest validator and the S3 emulator come from PyPI): `tests` checks it.
if [ "${1:-}" != tests ]; then
  exit 0
fi
need python3 "Python 3.9 or newer (apt-get install -y python3 python3-venv)"
# bench/serverStart.ts's machine certificate, made by its unit test too (operations/serverCertificate.ts).
need openssl "OpenSSL's command line tool (apt-get install -y openssl)"
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 9))' >/dev/null 2>&1; then
  python_version=$(python3 -V 2>&1 | head -n1 || true)
  fail "python3 is ${python_version:-not runnable}: install Python 3.9 or newer (apt-get install -y python3 python3-venv)"
fi
# Debian moves ensurepip out of the standard library into python3-venv: `import venv` works without it,
# but `python3 -m venv` cannot seed pip. A venv with pip takes seconds to create, so the check makes one
# without pip and asks ensurepip whether it has a pip to seed.
venv_probe=$(mktemp -d "${TMPDIR:-/tmp}/prereq-venv.XXXXXX")
trap 'rm -rf "$venv_probe"' EXIT
if ! python3 -m venv --without-pip "$venv_probe/venv" >/dev/null 2>&1 || ! python3 -m ensurepip --version >/dev/null 2>&1; then
  fail "python3 cannot create a virtualenv with pip: install its venv module (apt-get install -y python3-venv)"
fi
# The namespace test hosts of the integration tier (test/integration/namespaceHosts.ts): root for network
# namespaces, iproute2 and util-linux to build them, ssh-keygen for their keys, apt-get and dpkg-deb to fetch
# Debian's sshd.
if [ "${TEST_TIER:-all}" = unit ]; then
  exit 0
fi
[ "$(id -u)" = 0 ] || fail "the integration tests create network namespaces as test hosts: run them as root"
need ip "iproute2 (apt-get install -y iproute2)"
need nsenter "util-linux (apt-get install -y util-linux)"
need unshare "util-linux (apt-get install -y util-linux)"
need ssh-keygen "the OpenSSH client (apt-get install -y openssh-client)"
need dpkg-deb "dpkg (a Debian-based machine; the test hosts run Debian's openssh-server)"
need apt-get "apt (a Debian-based machine; the test hosts run Debian's openssh-server)"
