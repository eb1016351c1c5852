#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build dlba.ko for one installed kernel in its own copy of the source tree,
# so that builds for several kernels (and a developer's `make kmod` in the
# work tree) never clobber each other's objects.
#
# Usage: scripts/build-kmod.sh VER
#   VER: a kernel release with headers in /lib/modules/VER/build
# Prints the path of the built dlba.ko on stdout (build output on stderr).
# Sources are mirrored into build/kmod/VER/ keeping mtimes, so rebuilding
# after a change recompiles only what changed.
set -euo pipefail

REPO=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
VER=${1:?usage: build-kmod.sh VER}
KDIR=/lib/modules/$VER/build
if [ ! -d "$KDIR" ]; then
	echo "build-kmod: no headers for $VER ($KDIR)" >&2
	exit 1
fi
DST=$REPO/build/kmod/$VER

# Mirror the source files (not build products) of kmod/ and include/.
sync_tree() {
	local src=$1 dst=$2 f rel
	mkdir -p "$dst"
	while IFS= read -r -d '' f; do
		rel=${f#"$src"/}
		mkdir -p "$dst/$(dirname "$rel")"
		if ! cmp -s "$f" "$dst/$rel"; then
			cp -p "$f" "$dst/$rel"
		fi
	done < <(find "$src" -type f \( -name '*.c' -o -name '*.h' -o -name Makefile \
		-o -name Kbuild -o -name Kconfig \) -print0)
	# drop sources deleted upstream (their objects go with them)
	while IFS= read -r -d '' f; do
		rel=${f#"$dst"/}
		if [ ! -e "$src/$rel" ]; then
			rm -f "$f" "${f%.c}.o"
		fi
	done < <(find "$dst" -type f \( -name '*.c' -o -name '*.h' \) -print0)
}
sync_tree "$REPO/kmod" "$DST/kmod"
sync_tree "$REPO/include" "$DST/include"

make -C "$DST/kmod" KDIR="$KDIR" -j"${DLBA_JOBS:-2}" >&2
echo "$DST/kmod/dlba.ko"
