#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# kernels.sh - the Debian kernels the VM tests, the demo and the L4
# benchmark boot, without installing them: installing a linux-image package
# would make it the machine's default boot kernel.  Their headers are
# installed (packages linux-headers-amd64 and linux-headers-6.12-amd64, to
# build dlba.ko); each image is downloaded (apt-get download) and unpacked
# into a cache, with its modules indexed (depmod -b).  A kernel whose image
# is installed on the machine anyway is used from / as it is.
#
# Usage:
#   kernels.sh wanted      the kernel releases the project needs: those the
#                          two headers metapackages depend on
#   kernels.sh list        the releases with headers and a bootable image
#                          (installed or cached), oldest first
#   kernels.sh root VER    the root holding boot/vmlinuz-VER and
#                          lib/modules/VER: / or the cache entry; exit 1 if
#                          neither has it
#   kernels.sh fetch VER   download and unpack VER's image into the cache
#                          (root; the package version of its headers)
#
# Environment: DLBA_KERNEL_CACHE (default /var/cache/dlba/kernels);
# DLBA_KERNEL_CACHE_ONLY=1 ignores installed images (tests the cache path).
set -euo pipefail

CACHE=${DLBA_KERNEL_CACHE:-/var/cache/dlba/kernels}
HEADERS_METAPKGS=(linux-headers-amd64 linux-headers-6.12-amd64)

die() { echo "kernels.sh: $*" >&2; exit 1; }

# has_kernel ROOT VER: ROOT holds VER's image and modules
has_kernel() {
	[ -r "$1/boot/vmlinuz-$2" ] && [ -d "$1/lib/modules/$2/kernel" ]
}

root_of() {
	if [ "${DLBA_KERNEL_CACHE_ONLY:-0}" != 1 ] && has_kernel "" "$1"; then
		echo /
	elif has_kernel "$CACHE/$1" "$1"; then
		echo "$CACHE/$1"
	else
		return 1
	fi
}

wanted() {
	local p
	for p in "${HEADERS_METAPKGS[@]}"; do
		dpkg-query -W -f='${Depends}\n' "$p" 2>/dev/null |
			tr ',' '\n' | sed -n 's/^ *linux-headers-\([^ ]*-amd64\).*/\1/p'
	done | sort -Vu
}

list() {
	local d v
	for d in /lib/modules/*/build; do
		[ -d "$d" ] || continue
		v=${d#/lib/modules/}
		v=${v%/build}
		root_of "$v" >/dev/null && echo "$v"
	done | sort -V
}

fetch() {
	local v=$1 ver tmp
	[ "$(id -u)" = 0 ] || die "fetch $v: must run as root"
	ver=$(dpkg-query -W -f='${Version}' "linux-headers-$v" 2>/dev/null) ||
		die "fetch $v: linux-headers-$v is not installed"
	mkdir -p "$CACHE"
	tmp=$(mktemp -d "$CACHE/.fetch.XXXXXX")
	# apt downloads as the user _apt where it can write
	chmod 755 "$tmp"
	chown _apt "$tmp" 2>/dev/null || true
	(cd "$tmp" && apt-get download -q "linux-image-$v=$ver") ||
		{ rm -rf "$tmp"; die "fetch $v: apt-get download linux-image-$v=$ver failed"; }
	mkdir "$tmp/root"
	dpkg-deb -x "$tmp"/linux-image-*.deb "$tmp/root" ||
		{ rm -rf "$tmp"; die "fetch $v: dpkg-deb -x failed"; }
	# a package that ships usr/lib/modules (merged /usr) is found as lib/modules too
	if [ ! -e "$tmp/root/lib" ] && [ -d "$tmp/root/usr/lib" ]; then
		ln -s usr/lib "$tmp/root/lib"
	fi
	depmod -b "$tmp/root" "$v" || { rm -rf "$tmp"; die "fetch $v: depmod failed"; }
	has_kernel "$tmp/root" "$v" || { rm -rf "$tmp"; die "fetch $v: the package has no image"; }
	rm -rf "${CACHE:?}/$v"
	mv "$tmp/root" "$CACHE/$v"
	rm -rf "$tmp"
	echo "kernels.sh: $v unpacked into $CACHE/$v" >&2
}

case "${1:-}" in
wanted) wanted ;;
list) list ;;
root) [ -n "${2:-}" ] || die "usage: kernels.sh root VER"; root_of "$2" ;;
fetch) [ -n "${2:-}" ] || die "usage: kernels.sh fetch VER"; fetch "$2" ;;
*) sed -n '2,/^set -e/p' "$0" | sed -n 's/^# \{0,1\}//p' >&2; exit 2 ;;
esac
