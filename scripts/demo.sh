#!/usr/bin/env bash
# `make demo`: build everything, then run demo/l4-demo.sh where dlba.ko can
# be loaded: on this host if it can load modules and has headers for its
# kernel, otherwise inside a QEMU VM booting an installed Debian kernel.
set -euo pipefail
REPO=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cd "$REPO"

make userspace >/dev/null

host_can_load() {
	[ -d "/lib/modules/$(uname -r)/build" ] || return 1
	[ "$(cat /proc/sys/kernel/modules_disabled 2>/dev/null || echo 1)" = 0 ] || return 1
	# a module the kernel surely has as a module: can we load it?
	modprobe -q veth 2>/dev/null
}

if host_can_load; then
	ko=$(scripts/build-kmod.sh "$(uname -r)")
	echo "demo: running on this host ($(uname -r))"
	exec env DLBA_KO="$ko" bash demo/l4-demo.sh
fi

# the oldest installed Debian kernel with headers and an image (bookworm's 6.1)
kver=${DEMO_KERNEL:-$(ls -d /lib/modules/*/build 2>/dev/null | sed 's#/lib/modules/##; s#/build##' |
	while read -r v; do [ -f "/boot/vmlinuz-$v" ] && echo "$v"; done | sort -V | head -n 1)}
[ -n "$kver" ] || { echo "demo: no installed kernel with headers; run scripts/install-deps.sh" >&2; exit 1; }
ko=$(scripts/build-kmod.sh "$kver")
echo "demo: this kernel cannot load modules; booting $kver under QEMU"
exec selftests/vm/run-vm.sh --kernel "$kver" --quiet --env DLBA_KO="$ko" -- bash demo/l4-demo.sh
