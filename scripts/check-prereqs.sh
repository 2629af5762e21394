#!/usr/bin/env bash
# Fails with one line naming what to install when a prerequisite is missing.
set -euo pipefail
need() { # command, what to install
  command -v "$1" >/dev/null 2>&1 || { echo "error: $1 not found: install $2" >&2; exit 1; }
}
need java "a JDK 17 or newer (apt-get install -y openjdk-17-jdk-headless)"
need mvn "Maven 3.8 or newer (apt-get install -y maven)"
need node "Node.js 20 or newer"
need npm "npm (comes with Node.js)"
java_major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)
if [ -z "$java_major" ] || [ "$java_major" -lt 17 ]; then
  echo "error: java is version ${java_major:-unknown}: install a JDK 17 or newer (apt-get install -y openjdk-17-jdk-headless)" >&2
  exit 1
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "error: node is version $node_major: install Node.js 20 or newer" >&2
  exit 1
fi
