#!/usr/bin/env bash
# npm start: install what a fresh Debian machine is missing, then run the service
# (local/main.ts). Arguments are passed on, e.g. `npm start -- --template t.yaml`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

TAG=start
. scripts/setup.sh

require_node

install_node_modules

# A NATS URL in the environment or hive.toml means nats-server is someone else's.
nats_configured() {
  [ -n "${HIVE_CLOUDWATCH_NATS_URL:-}" ] && return 0
  local toml="${HIVE_CONFIG:-hive.toml}"
  [ -f "$toml" ] && grep -Eq '^[[:space:]]*nats_url[[:space:]]*=[[:space:]]*"[^"]+"' "$toml"
}
if ! command -v nats-server >/dev/null 2>&1 && ! nats_configured; then
  apt_install nats-server
fi

# node itself, not the tsx CLI: the wrapper re-sends a Ctrl-C it thinks was
# missed, which turned one Ctrl-C into a forced exit. A larger young
# generation (2 × 32 MB): wide queries allocate tens of MB that live for the
# whole request, and with the default each scavenge copied them again. 64 MB
# gained no more once the read path stopped allocating per datapoint, and
# cost RSS at full ingest.
# The old generation is bounded by template.yaml's Globals MemorySize (512),
# so V8 collects before the host runs short. Below 128 MB it is not collected
# in full (--initial-old-space-size): the idle heap is ~50 MB and V8's own
# limit sat ~15 MB above it, so a full read of stored logs ran a full
# collection every ~1.3 s, a third of its CPU (docs/memory.md).
# jemalloc rather than glibc's malloc: under steady load glibc's heap grew in
# steps that it never gave back, RSS that no heap limit sees; jemalloc gives
# freed pages back within ~10 s (docs/memory.md, "The allocator").
# HIVE_CLOUDWATCH_MALLOC=glibc, or an LD_PRELOAD of your own, keeps glibc's.
if [ "${HIVE_CLOUDWATCH_MALLOC:-jemalloc}" = jemalloc ] && [ -z "${LD_PRELOAD:-}" ]; then
  jemalloc_lib >/dev/null || (apt_install libjemalloc2) || say "libjemalloc2 is not installed: running on glibc's malloc"
  if lib=$(jemalloc_lib); then export LD_PRELOAD="$lib"; fi
fi
# Without jemalloc: two malloc arenas, not glibc's 8 per core: each thread (the
# stream worker, libuv's pool inflating request bodies) otherwise fragments an
# arena of its own.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
exec node --max-semi-space-size=32 --max-old-space-size=512 --initial-old-space-size=128 --import tsx local/main.ts "$@"
