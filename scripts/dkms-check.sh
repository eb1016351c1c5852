#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/dkms-check.sh VER: prove that dkms.conf lets `dkms install` build and
# install dlba.ko for the installed kernel VER, the way a user installs it:
#   dkms add dlba/<ver>; dkms install dlba/<ver> -k VER
# It works on a private copy (dkms --dkmstree/--sourcetree/--installtree in a
# temporary directory), so it neither needs nor disturbs a dlba that dkms
# manages on this machine; the installed module's vermagic must name VER, and
# its version (modinfo) be the tree's VERSION, which dkms.conf names too.
# Exit status 0 on success; output ends with a one-line verdict.
set -euo pipefail
REPO=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
VER=${1:?usage: dkms-check.sh KERNEL-VERSION}
command -v dkms >/dev/null || { echo "dkms-check: dkms is not installed" >&2; exit 1; }
PKGVER=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$REPO/dkms.conf")
VERSION=$(cat "$REPO/VERSION")
[ "$PKGVER" = "$VERSION" ] ||
	{ echo "dkms-check: dkms.conf says version $PKGVER, VERSION says $VERSION" >&2; exit 1; }

W=$(mktemp -d /tmp/dlba-dkms.XXXXXX)
trap 'rm -rf "$W"' EXIT
SRC=$W/src/dlba-$PKGVER
mkdir -p "$W/tree" "$W/inst/$VER"
"$REPO/scripts/kmod-sources.sh" "$SRC"

dk() { dkms --dkmstree "$W/tree" --sourcetree "$W/src" --installtree "$W/inst" "$@"; }
dk add "dlba/$PKGVER"
if ! dk install "dlba/$PKGVER" -k "$VER"; then
	tail -n 30 "$W/tree/dlba/$PKGVER/build/make.log" 2>/dev/null
	echo "dkms-check: dkms install failed for $VER" >&2
	exit 1
fi
ko=$(find "$W/inst/$VER" -name 'dlba.ko*' | head -n 1)
[ -n "$ko" ] || { echo "dkms-check: no dlba.ko installed for $VER" >&2; exit 1; }
vm=$(modinfo -F vermagic "$ko")
case $vm in
"$VER "*) ;;
*) echo "dkms-check: installed $ko has vermagic '$vm', not $VER" >&2; exit 1 ;;
esac
mv=$(modinfo -F version "$ko")
[ "$mv" = "$VERSION" ] ||
	{ echo "dkms-check: installed $ko has version '$mv', not $VERSION" >&2; exit 1; }
dk status -m dlba
echo "dkms-check: dkms installed ${ko#"$W/inst/"} (version $mv, vermagic $vm)"
