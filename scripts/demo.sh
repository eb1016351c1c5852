#!/usr/bin/env bash
# `make demo`: build everything, then run the demos where dlba.ko can be
# loaded: on this host if it can load modules and has headers for its
# kernel, otherwise inside a QEMU VM booting an installed Debian kernel.
#
#   scripts/demo.sh [all|l4|pentaflow]      (default all; or DEMO=...)
#     l4         demo/l4-demo.sh: client -> dlba.ko -> 3 nginx, weights 1:2:3,
#                failure, panic; the scheduler's tables
#     pentaflow  demo/pentaflow-demo.sh: WO 01/69890's whole array: client ->
#                dlba.ko -> 2 DLBA servers (dlbad, TLS, cookies) -> 3 nginx;
#                the scheduler's tables and each dlbad's status tables
set -euo pipefail
REPO=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cd "$REPO"

which=${1:-${DEMO:-all}}
case $which in
l4) cmd=(bash demo/l4-demo.sh) ;;
pentaflow) cmd=(bash demo/pentaflow-demo.sh) ;;
all)
	# shellcheck disable=SC2016 # $? and $rc belong to the inner bash
	cmd=(bash -c 'bash demo/l4-demo.sh; rc=$?; bash demo/pentaflow-demo.sh || rc=1; exit $rc') ;;
*) echo "usage: scripts/demo.sh [all|l4|pentaflow]" >&2; exit 2 ;;
esac

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
	exec env DLBA_KO="$ko" "${cmd[@]}"
fi

# the oldest Debian kernel with headers and an image, installed or cached
# (bookworm's 6.1)
kver=${DEMO_KERNEL:-$(scripts/kernels.sh list | head -n 1)}
[ -n "$kver" ] || { echo "demo: no kernel with headers and an image; run scripts/install-deps.sh" >&2; exit 1; }
ko=$(scripts/build-kmod.sh "$kver")
echo "demo: this kernel cannot load modules; booting $kver under QEMU"
exec selftests/vm/run-vm.sh --kernel "$kver" --quiet --env DLBA_KO="$ko" -- "${cmd[@]}"
