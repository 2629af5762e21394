#!/usr/bin/env bash
# Prints the directory holding Debian's openssh-server unpacked (usr/sbin/sshd, usr/lib/openssh/sftp-server and the
# libwrap it links), fetched with `apt-get download` on first use and kept in the project cache. The namespace hosts of
# the integration tests (test/integration/namespaceHosts.ts) run this sshd with their own config; nothing is installed
# into the machine, and no system sshd is configured or started.
set -euo pipefail
cache=${ROCKETMQ_UPGRADE_CACHE:-$HOME/.cache/rocketmq-upgrade}/openssh-server
packages=(openssh-server openssh-sftp-server libwrap0)
if [ -x "$cache/root/usr/sbin/sshd" ]; then
  echo "$cache/root"
  exit 0
fi
for tool in apt-get dpkg-deb; do
  command -v "$tool" >/dev/null || { echo "error: $tool is missing; the test hosts' sshd comes from Debian's openssh-server package" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
download() { (cd "$work" && apt-get download "$@" >"$work/apt.log" 2>&1); }
if ! download "${packages[@]}"; then
  # A fresh machine has no package lists yet; root refreshes the machine's, anyone else a private copy.
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq >"$work/update.log" 2>&1 || { cat "$work/update.log" >&2; exit 1; }
    download "${packages[@]}" || { cat "$work/apt.log" >&2; exit 1; }
  else
    lists="$cache.apt"
    mkdir -p "$lists/lists/partial" "$lists/cache/archives/partial"
    opts=(-o "Dir::State::Lists=$lists/lists" -o "Dir::Cache=$lists/cache")
    apt-get "${opts[@]}" update -qq >"$work/update.log" 2>&1 || { cat "$work/update.log" >&2; exit 1; }
    download "${opts[@]}" "${packages[@]}" || { cat "$work/apt.log" >&2; exit 1; }
  fi
fi
mkdir -p "$work/root"
for deb in "$work"/*.deb; do
  dpkg-deb -x "$deb" "$work/root"
done
[ -x "$work/root/usr/sbin/sshd" ] || { echo "error: the openssh-server package held no usr/sbin/sshd" >&2; exit 1; }
rm -rf "$cache"
mkdir -p "$(dirname "$cache")"
mkdir "$cache"
mv "$work/root" "$cache/root"
echo "$cache/root"
