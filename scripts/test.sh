#!/usr/bin/env bash
# npm test: install what a fresh Debian machine is missing (nats-server, the
# Debian aws CLI the awsQuery tests drive, faketime, jemalloc, node_modules), then type-check and
# run the vitest suites. Arguments go to vitest (e.g. `npm test -- test/pure`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

TAG=test
. scripts/setup.sh

require_node

missing=()
command -v nats-server >/dev/null 2>&1 || missing+=(nats-server)
[ -x /usr/bin/aws ] || missing+=(awscli)
# The SigV4 tests sign with botocore too: any python3 that has it will do.
if ! python3 -c 'import botocore' >/dev/null 2>&1 && ! /usr/bin/python3 -c 'import botocore' >/dev/null 2>&1; then
  missing+=(python3-botocore)
fi
# The service runs on jemalloc, as npm start runs it (test/support/stack.ts).
jemalloc_lib >/dev/null || missing+=(libjemalloc2)
# The roll-off tests move the service's clock with libfaketime.
command -v faketime >/dev/null 2>&1 || missing+=(faketime)
# The collector's tests boot a real QEMU (TCG) with a busybox guest and run a real guest agent.
command -v qemu-system-x86_64 >/dev/null 2>&1 || missing+=(qemu-system-x86)
command -v qemu-img >/dev/null 2>&1 || missing+=(qemu-utils)
command -v qemu-ga >/dev/null 2>&1 || [ -x /usr/sbin/qemu-ga ] || missing+=(qemu-guest-agent)
[ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 || missing+=(busybox-static)
if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
# The guest's kernel comes from apt's lists (apt-get download): they must exist.
if [ ! -s .cache/guest/vmlinuz ] && ! apt-cache show linux-image-amd64 >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then apt-get update -q; else sudo apt-get update -q; fi
fi
bash scripts/guest-image.sh >/dev/null

install_node_modules

export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

status=0
say "tsc --noEmit"
npx tsc --noEmit -p . || status=$?
say "vitest run"
npx vitest run "$@" || { s=$?; [ "$status" -ne 0 ] || status=$s; }
exit "$status"
