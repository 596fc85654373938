# Shared by scripts/start.sh and scripts/test.sh (sourced, with TAG set):
# messages, Debian package installs, and the Node and npm prerequisites.

say() { printf '[%s] %s\n' "$TAG" "$*" >&2; }
die() { printf '[%s] error: %s\n' "$TAG" "$*" >&2; exit 1; }

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

# Debian's jemalloc (package libjemalloc2) for this machine, if installed: its path.
jemalloc_lib() {
  local lib
  for lib in "/usr/lib/$(uname -m)-linux-gnu/libjemalloc.so.2" /usr/lib64/libjemalloc.so.2; do
    [ -e "$lib" ] && { echo "$lib"; return 0; }
  done
  return 1
}

require_node() {
  command -v node >/dev/null 2>&1 || die "Node.js 20 or newer is required (https://nodejs.org or NodeSource packages)"
  node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
    || die "Node.js 20 or newer is required, found $(node --version)"
}

install_node_modules() {
  if [ ! -d node_modules ]; then
    if [ -f package-lock.json ]; then say "npm ci"; npm ci; else say "npm install"; npm install; fi
  fi
}
