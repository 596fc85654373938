#!/usr/bin/env bash
# Installs Hive CloudWatch on a Spinifex node from this checkout: the code in
# /opt/spinifex-cloudwatch (with its node_modules), its data directory, and the
# systemd unit; then enables it under spinifex.target. Run as root.
set -euo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEST=/opt/spinifex-cloudwatch
[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }
command -v node >/dev/null || { echo "Node.js 20 or newer is required" >&2; exit 1; }
getent group spinifex >/dev/null || { echo "no spinifex group: is this a Spinifex node (spx admin init)?" >&2; exit 1; }

# The unit preloads jemalloc (docs/memory.md, "The allocator"); without it the service runs on glibc's malloc.
dpkg -s libjemalloc2 >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -q libjemalloc2 \
  || echo "libjemalloc2 could not be installed: the service will run on glibc's malloc" >&2

mkdir -p "$DEST" /var/lib/spinifex/cloudwatch
# The source tree only: no data, builds or caches of this checkout.
tar -C "$SRC" --exclude=./node_modules --exclude=./.data --exclude=./.build --exclude=./.cache --exclude=./.git -cf - . | tar -C "$DEST" -xf -
(cd "$DEST" && npm ci --no-audit --no-fund)
mkdir -p "$DEST/.build"
chown -R spinifex-daemon:spinifex "$DEST/.build" /var/lib/spinifex/cloudwatch
install -m 0644 "$SRC/deploy/spinifex-cloudwatch.service" /etc/systemd/system/spinifex-cloudwatch.service
systemctl daemon-reload
systemctl enable --now spinifex-cloudwatch.service
echo "spinifex-cloudwatch: installed; logs with journalctl -u spinifex-cloudwatch"
