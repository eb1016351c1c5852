#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make deb`: the Debian packages of this tree, from the userspace build that
# is already there (no second compile), into OUT (default build/deb):
#   dlba_VER-1_ARCH.deb      dlbactl, dlbad, dlba-arrayd: what `make install
#                            PREFIX=/usr` installs (tools, man pages, systemd
#                            units, /etc/modprobe.d/dlba.conf), binaries
#                            stripped, Depends from dpkg-shlibdeps
#   dlba-dkms_VER-1_all.deb  dlba.ko's sources in /usr/src/dlba-VER (what
#                            scripts/kmod-sources.sh copies), which dkms adds,
#                            builds and installs when the package is configured
# VER is the file VERSION.  Maintainer scripts, control templates and the
# copyright file: packaging/deb/.  Needs no root (dpkg-deb --root-owner-group).
#
# Usage: scripts/deb.sh [BUILD_DIR [OUT]]   (BUILD_DIR: build/userspace)
# Environment: DEB_MAINTAINER overrides the Maintainer field.
set -euo pipefail
REPO=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
BUILD=$(readlink -f "${1:-$REPO/build/userspace}")
OUT=${2:-$REPO/build/deb}
PKG=$REPO/packaging/deb
VERSION=$(cat "$REPO/VERSION")
DEBVERSION=$VERSION-1
ARCH=$(dpkg --print-architecture)
MAINTAINER=${DEB_MAINTAINER:-DLBA maintainers <dlba@dlba.example>}
[ -f "$BUILD/CMakeCache.txt" ] ||
	{ echo "deb: $BUILD is not a userspace build tree (make userspace)" >&2; exit 1; }

umask 022
mkdir -p "$OUT"
OUT=$(readlink -f "$OUT")
W=$(mktemp -d /tmp/dlba-deb.XXXXXX)
trap 'rm -rf "$W"' EXIT
# timestamps inside the packages: the commit's, so that a rebuild is identical
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$REPO" log -1 --format=%ct 2>/dev/null || date +%s)}

# doc ROOT NAME: /usr/share/doc/NAME: the copyright file and a changelog
# entry for this version; NAME's lintian overrides
doc() {
	local d=$1/usr/share/doc/$2 rev
	mkdir -p "$d" "$1/usr/share/lintian/overrides"
	cp "$PKG/copyright" "$d/copyright"
	sed "s/@PACKAGE@/$2/g" "$PKG/lintian-overrides" >"$1/usr/share/lintian/overrides/$2"
	rev=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
	cat >"$d/changelog.Debian" <<-EOT
	$2 ($DEBVERSION) unstable; urgency=medium

	  * Built by make deb from the DLBA tree at version $VERSION (git $rev).

	 -- $MAINTAINER  $(date -u -R -d "@$SOURCE_DATE_EPOCH")
	EOT
	gzip -9n "$d/changelog.Debian"
}

# control ROOT NAME SHLIBS: DEBIAN/control from NAME.control.in, the
# maintainer scripts, conffiles and md5sums
control() {
	local root=$1 name=$2 shlibs=$3 size s
	mkdir -p "$root/DEBIAN"
	size=$(du -sk --apparent-size --exclude=DEBIAN "$root" | cut -f1)
	sed -e "s|@DEBVERSION@|$DEBVERSION|g" -e "s|@ARCH@|$ARCH|g" \
		-e "s|@MAINTAINER@|$MAINTAINER|g" -e "s|@SIZE@|$size|g" \
		-e "s|@SHLIBS@|$shlibs|g" "$PKG/$name.control.in" >"$root/DEBIAN/control"
	for s in preinst postinst prerm postrm; do
		[ -f "$PKG/$name.$s" ] || continue
		sed "s|@VERSION@|$VERSION|g" "$PKG/$name.$s" >"$root/DEBIAN/$s"
		chmod 0755 "$root/DEBIAN/$s"
	done
	if [ -d "$root/etc" ]; then
		(cd "$root" && find etc -type f | sed 's|^|/|' | LC_ALL=C sort) >"$root/DEBIAN/conffiles"
	fi
	(cd "$root" && find . -path ./DEBIAN -prune -o -path ./etc -prune -o -type f -print |
		sed 's|^\./||' | LC_ALL=C sort | xargs -r md5sum) >"$root/DEBIAN/md5sums"
}

# build ROOT: ROOT as a .deb in OUT, files owned by root, mtimes clamped
build() {
	find "$1" -newermt "@$SOURCE_DATE_EPOCH" -print0 | xargs -0r touch --no-dereference --date="@$SOURCE_DATE_EPOCH"
	dpkg-deb --root-owner-group -Zxz --build "$1" "$OUT" >/dev/null
}

rm -f "$OUT"/dlba_*.deb "$OUT"/dlba-dkms_*.deb

# ---- dlba: cmake --install into the staging root, as make install does
# (dpkg-shlibdeps wants the binaries in debian/PACKAGE, with debian/control beside)
T=$W/debian/dlba
DESTDIR=$T cmake --install "$BUILD" --prefix /usr >"$W/install.log" 2>&1 ||
	{ cat "$W/install.log" >&2; exit 1; }
for b in "$T"/usr/sbin/*; do
	# what dh_strip does; the debugging information stays in the build tree
	strip --remove-section=.comment --remove-section=.note --strip-unneeded "$b"
done
gzip -9n "$T"/usr/share/man/man*/*
doc "$T" dlba
mkdir -p "$T/DEBIAN"
printf 'Source: dlba\n\nPackage: dlba\nArchitecture: any\n' >"$W/debian/control"
shlibs=$(cd "$W" && dpkg-shlibdeps -O debian/dlba/usr/sbin/* | sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { echo "deb: dpkg-shlibdeps found no dependency" >&2; exit 1; }
control "$T" dlba "$shlibs"
build "$T"

# ---- dlba-dkms: the sources dkms builds from
T=$W/debian/dlba-dkms
"$REPO/scripts/kmod-sources.sh" "$T/usr/src/dlba-$VERSION"
doc "$T" dlba-dkms
control "$T" dlba-dkms ""
build "$T"

ls "$OUT"/dlba_"$DEBVERSION"_"$ARCH".deb "$OUT"/dlba-dkms_"$DEBVERSION"_all.deb
