#!/usr/bin/env bash
# Builds the tiny test guest the QMP collector's tests boot under QEMU (TCG):
# Debian's kernel (downloaded with apt-get, unpacked with dpkg-deb, not
# installed) and an initramfs of busybox-static plus the virtio modules.
# Output, cached: .cache/guest/{vmlinuz,initrd.gz}. Prints the directory.
#
# The guest's init reads commands from its serial console, one per line:
#   write N   dd N blocks of 4096 bytes to /dev/vda with O_DIRECT, then say "done write N"
#   read N    the same, reading
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT=.cache/guest
if [ -s "$OUT/vmlinuz" ] && [ -s "$OUT/initrd.gz" ]; then echo "$OUT"; exit 0; fi

for tool in busybox dpkg-deb; do
  command -v "$tool" >/dev/null || { echo "guest-image: $tool is missing" >&2; exit 1; }
done
ldd "$(command -v busybox)" >/dev/null 2>&1 && { echo "guest-image: busybox is not static (install busybox-static)" >&2; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
PKG=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-6/ {print $2; exit}')
[ -n "$PKG" ] || { echo "guest-image: no linux-image-6.x-amd64 in apt's lists (run apt-get update)" >&2; exit 1; }
(cd "$WORK" && apt-get download -q "$PKG" >/dev/null)
dpkg-deb -x "$WORK"/"$PKG"_*.deb "$WORK/kernel"
KVER=${PKG#linux-image-}
MODS="$WORK/kernel/lib/modules/$KVER/kernel/drivers"

ROOT="$WORK/root"
mkdir -p "$ROOT"/{bin,dev,proc,sys,lib/modules}
cp "$(command -v busybox)" "$ROOT/bin/busybox"
for m in virtio/virtio_ring virtio/virtio virtio/virtio_pci_modern_dev virtio/virtio_pci_legacy_dev virtio/virtio_pci block/virtio_blk; do
  f=$(ls "$MODS/$m".ko* 2>/dev/null | head -1)
  [ -n "$f" ] || { echo "guest-image: module $m not in $PKG" >&2; exit 1; }
  case "$f" in
    *.xz) xz -dc "$f" >"$ROOT/lib/modules/$(basename "$m").ko" ;;
    *.zst) zstd -qdc "$f" >"$ROOT/lib/modules/$(basename "$m").ko" ;;
    *) cp "$f" "$ROOT/lib/modules/$(basename "$m").ko" ;;
  esac
done
cat >"$ROOT/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk; do insmod /lib/modules/$m.ko; done
i=0; while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
stty -echo -F /dev/ttyS0 2>/dev/null
echo "guest ready"
while read -r cmd n; do
  case "$cmd" in
    write) dd if=/dev/urandom of=/dev/vda bs=4096 count="$n" oflag=direct 2>/dev/null; sync; echo "done write $n" ;;
    read) dd if=/dev/vda of=/dev/null bs=4096 count="$n" iflag=direct 2>/dev/null; echo "done read $n" ;;
  esac
done </dev/ttyS0 >/dev/ttyS0
poweroff -f
INIT
chmod +x "$ROOT/init"
mkdir -p "$OUT"
(cd "$ROOT" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -9) >"$OUT/initrd.gz.tmp"
cp "$WORK/kernel/boot/vmlinuz-$KVER" "$OUT/vmlinuz.tmp"
mv "$OUT/initrd.gz.tmp" "$OUT/initrd.gz"
mv "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"
echo "$OUT"
