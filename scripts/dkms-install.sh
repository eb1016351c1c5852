#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make dkms-install`: register dlba.ko's sources with dkms (/usr/src/dlba-VER,
# only the files a source release carries) and build and install it for every
# installed kernel that has headers; dkms rebuilds it on kernel upgrades
# (AUTOINSTALL).  Undo with: dkms remove dlba/VER --all
set -euo pipefail
REPO=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
PKGVER=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$REPO/dkms.conf")
SRC=/usr/src/dlba-$PKGVER

if dkms status -m dlba -v "$PKGVER" | grep -q .; then
	dkms remove "dlba/$PKGVER" --all
fi
rm -rf "$SRC"
"$REPO/scripts/kmod-sources.sh" "$SRC"
dkms add "dlba/$PKGVER"
for d in /lib/modules/*/build; do
	[ -d "$d" ] || continue
	dkms install "dlba/$PKGVER" -k "$(basename "$(dirname "$d")")"
done
dkms status -m dlba
