#!/usr/bin/env bash
# npm test: install what a fresh Debian machine is missing (nats-server, the
# Debian aws CLI the awsQuery tests drive, node_modules), then type-check and
# run the vitest suites. Arguments go to vitest (e.g. `npm test -- test/unit`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '[test] %s\n' "$*" >&2; }
die() { printf '[test] error: %s\n' "$*" >&2; exit 1; }

APT_UPDATED=""
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get is not available: install $* yourself"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "$* is missing and this user is not root and has no sudo: run 'apt-get install -y $*' as root"
    sudo=(sudo)
  fi
  if [ -z "$APT_UPDATED" ]; then
    say "apt-get update"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    APT_UPDATED=1
  fi
  say "apt-get install -y $*"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
}

command -v node >/dev/null 2>&1 || die "Node.js 20 or newer is required"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
  || die "Node.js 20 or newer is required, found $(node --version)"

missing=()
command -v nats-server >/dev/null 2>&1 || missing+=(nats-server)
[ -x /usr/bin/aws ] || missing+=(awscli)
if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi

if [ ! -d node_modules ]; then
  if [ -f package-lock.json ]; then say "npm ci"; npm ci; else say "npm install"; npm install; fi
fi

export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

status=0
say "tsc --noEmit"
npx tsc --noEmit -p . || status=$?
say "vitest run"
npx vitest run "$@" || { s=$?; [ "$status" -ne 0 ] || status=$s; }
exit "$status"
