#!/usr/bin/env bash
# npm start: install what a fresh Debian machine is missing, then run the service
# (local/main.ts). Arguments are passed on, e.g. `npm start -- --template t.yaml`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '[start] %s\n' "$*" >&2; }
die() { printf '[start] error: %s\n' "$*" >&2; exit 1; }

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

command -v node >/dev/null 2>&1 || die "Node.js 20 or newer is required (https://nodejs.org or NodeSource packages)"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
  || die "Node.js 20 or newer is required, found $(node --version)"

if [ ! -d node_modules ]; then
  if [ -f package-lock.json ]; then say "npm ci"; npm ci; else say "npm install"; npm install; fi
fi

# A NATS URL in the environment or hive.toml means nats-server is someone else's.
nats_configured() {
  [ -n "${HIVE_CLOUDWATCH_NATS_URL:-}" ] && return 0
  local toml="${HIVE_CONFIG:-hive.toml}"
  [ -f "$toml" ] && grep -Eq '^[[:space:]]*nats_url[[:space:]]*=[[:space:]]*"[^"]+"' "$toml"
}
if ! command -v nats-server >/dev/null 2>&1 && ! nats_configured; then
  apt_install nats-server
fi

exec npx tsx local/main.ts "$@"
