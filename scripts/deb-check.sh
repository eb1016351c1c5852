#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# deb-check.sh BUILD_DIR [OUT]: `make deb`'s packages (scripts/deb.sh, from the
# userspace build BUILD_DIR into OUT, default build/deb), checked without
# touching this machine's packages:
#   - lintian finds no error (warnings are printed);
#   - dlba holds exactly what `make install PREFIX=/usr` installs (man pages
#     compressed), each unit's programs are in it, and its Depends name the
#     package of every library the binaries need;
#   - dlba-dkms holds what scripts/kmod-sources.sh copies (the sources
#     scripts/dkms-check.sh builds with dkms), its dkms.conf of VERSION;
#   - both install and purge with dpkg in a scratch root (dpkg --root, which
#     runs the maintainer scripts chrooted there, with busybox as their
#     shell and stubs of dkms that record what they are asked), its status
#     database a copy of this machine's, so the Depends must be met as here:
#     configuring dlba-dkms hands dlba/VERSION to dkms (add, build, install),
#     removing it makes dkms remove it, and a purge leaves no file behind.
# Prints kselftest TEST lines, which scripts/check.sh counts.  The install
# and purge need root (chroot) and busybox-static: without them, SKIP.
# KEEP=1 keeps the work directory (/tmp/dlba-deb-check.*: dpkg's logs, the
# scratch root).
set -u
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
# shellcheck source=selftests/net/ksft.sh
. "$ROOT/selftests/net/ksft.sh"

BUILD=${1:?usage: deb-check.sh BUILD_DIR [OUT]}
OUT=${2:-$ROOT/build/deb}
VERSION=$(cat "$ROOT/VERSION")
DEBVERSION=$VERSION-1
ARCH=$(dpkg --print-architecture)
TOOLS=$OUT/dlba_${DEBVERSION}_$ARCH.deb
DKMS=$OUT/dlba-dkms_${DEBVERSION}_all.deb
TMP=$(mktemp -d /tmp/dlba-deb-check.XXXXXX)
[ -n "${KEEP:-}" ] || defer rm -rf "$TMP"

out=$("$ROOT/scripts/deb.sh" "$BUILD" "$OUT" 2>&1)
check_err $? "scripts/deb.sh failed: $out"
[ -f "$TOOLS" ] && [ -f "$DKMS" ] || fail "no $TOOLS or $DKMS"
log_test "deb: make deb builds dlba and dlba-dkms $DEBVERSION into ${OUT#"$ROOT"/}"
[ -f "$TOOLS" ] && [ -f "$DKMS" ] || exit "$(exit_status)"

# ---- lintian, both packages in one run (it takes seconds to start)
if command -v lintian >/dev/null; then
	lintian --display-info "$TOOLS" "$DKMS" >"$TMP/lintian" 2>&1
	sed '/running with root privileges is not recommended/d' "$TMP/lintian"
	for p in dlba dlba-dkms; do
		n=$(grep -c "^E: $p: " "$TMP/lintian")
		[ "$n" -eq 0 ] || fail "lintian: $n error(s) on $p"
		log_test "deb: lintian: $p has no error ($(grep -c "^W: $p: " "$TMP/lintian") warning(s))"
	done
else
	RET=$KSFT_SKIP
	log_test "deb: lintian (not installed)"
fi

# ---- dlba: what make install stages, with man pages gzipped and the docs
listing() { dpkg-deb --fsys-tarfile "$1" | tar -t | sed -e 's|^\./|/|' -e '/\/$/d' | LC_ALL=C sort; }
listing "$TOOLS" >"$TMP/tools.list"
DESTDIR=$TMP/stage cmake --install "$BUILD" --prefix /usr >"$TMP/install.log" 2>&1
check_err $? "cmake --install failed"
(cd "$TMP/stage" && find . -type f -o -type l) | sed -e 's|^\.||' \
	-e 's|^\(/usr/share/man/.*\)|\1.gz|' | LC_ALL=C sort >"$TMP/install.list"
d=$(grep -v -e '^/usr/share/doc/dlba/' -e '^/usr/share/lintian/overrides/dlba$' "$TMP/tools.list" |
	diff "$TMP/install.list" -)
[ -z "$d" ] || fail "dlba differs from make install: $(tr '\n' ' ' <<<"$d")"
for f in /usr/share/doc/dlba/copyright /usr/share/doc/dlba/changelog.Debian.gz; do
	grep -qx "$f" "$TMP/tools.list" || fail "$f missing"
done
[ "$(dpkg-deb --ctrl-tarfile "$TOOLS" | tar -xO ./conffiles)" = /etc/modprobe.d/dlba.conf ] ||
	fail "conffiles is not /etc/modprobe.d/dlba.conf"
log_test "deb: dlba holds what make install PREFIX=/usr installs, /etc/modprobe.d/dlba.conf a conffile"

mkdir -p "$TMP/tools"
dpkg-deb -x "$TOOLS" "$TMP/tools"
for unit in dlba.service dlbad.service dlba-arrayd.service; do
	u=$TMP/tools/usr/lib/systemd/system/$unit
	[ -f "$u" ] || { fail "$unit missing"; continue; }
	while read -r prog; do
		case $prog in
		/usr/sbin/*) [ -x "$TMP/tools$prog" ] || fail "$unit: $prog not in dlba" ;;
		/*) [ -x "$prog" ] || fail "$unit: $prog not on this machine" ;;
		*) fail "$unit: $prog is not an absolute path" ;;
		esac
	done < <(sed -n 's/^Exec[A-Za-z]*=[-@+!:]*\([^ ]*\).*/\1/p' "$u")
done
log_test "deb: dlba: every program its units run is in /usr/sbin of the package or on the machine"

depends=$(dpkg-deb -f "$TOOLS" Depends)
for b in "$TMP"/tools/usr/sbin/*; do
	while read -r so; do
		lib=$(ldconfig -p | awk -v so="$so" '$1 == so && /x86-64|x32|64/ { print $NF; exit }')
		[ -n "$lib" ] || lib=$(ldconfig -p | awk -v so="$so" '$1 == so { print $NF; exit }')
		pkg=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -n 1 | cut -d: -f1)
		[ -n "$pkg" ] || pkg=$(dpkg -S "$lib" 2>/dev/null | head -n 1 | cut -d: -f1)
		if [ -z "$pkg" ]; then
			fail "${b##*/}: no package holds $so"
		elif ! tr ',' '\n' <<<"$depends" | awk '{ print $1 }' | grep -qxF "$pkg"; then
			fail "${b##*/} needs $so ($pkg), not in Depends: $depends"
		fi
	done < <(objdump -p "$b" | awk '$1 == "NEEDED" { print $2 }')
done
log_test "deb: dlba's Depends name the package of every library its binaries need"

# ---- dlba-dkms: the sources dkms builds from
listing "$DKMS" >"$TMP/dkms.list"
"$ROOT/scripts/kmod-sources.sh" "$TMP/src/dlba-$VERSION"
(cd "$TMP/src" && find . -type f) | sed "s|^\./|/usr/src/|" | LC_ALL=C sort >"$TMP/src.list"
d=$(grep '^/usr/src/' "$TMP/dkms.list" | diff "$TMP/src.list" -)
[ -z "$d" ] || fail "dlba-dkms differs from kmod-sources.sh: $(tr '\n' ' ' <<<"$d")"
mkdir -p "$TMP/dkms"
dpkg-deb -x "$DKMS" "$TMP/dkms"
grep -qx "PACKAGE_VERSION=\"$VERSION\"" "$TMP/dkms/usr/src/dlba-$VERSION/dkms.conf" ||
	fail "dkms.conf is not of version $VERSION"
diff -r "$TMP/src/dlba-$VERSION" "$TMP/dkms/usr/src/dlba-$VERSION" >/dev/null ||
	fail "the sources in dlba-dkms differ from the tree's"
log_test "deb: dlba-dkms holds the module's sources in /usr/src/dlba-$VERSION (dkms.conf of $VERSION)"

# ---- install and purge in a scratch root
BUSYBOX=$(command -v busybox || true)
if [ "$(id -u)" -ne 0 ] || [ -z "$BUSYBOX" ] || ! "$BUSYBOX" --list | grep -qx sh; then
	RET=$KSFT_SKIP
	log_test "deb: install and purge in a scratch root (needs root and busybox-static)"
	exit "$(exit_status)"
fi
R=$TMP/root
A=$R/var/lib/dpkg
mkdir -p "$A/info" "$A/updates" "$A/triggers" "$R/bin" "$R/usr/bin" "$R/usr/sbin" "$R/sbin" \
	"$R/usr/lib/dkms" "$R/tmp" "$R/dev"
mknod -m 0666 "$R/dev/null" c 1 3
# the machine's packages (their files are not there: empty file lists, no
# triggers), so that dlba's and dlba-dkms's Depends are met as they are here
awk 'BEGIN { RS = ""; ORS = "\n\n" } !/^Package: dlba(-dkms)?\n/' /var/lib/dpkg/status >"$A/status"
: >"$A/available"
dpkg-query --admindir="$A" -W -f='${db:Status-Status} ${binary:Package}\n' |
	awk '$1 != "not-installed" { print $2 }' | while read -r p; do : >"$A/info/$p.list"; done
cp "$BUSYBOX" "$R/bin/busybox"
for c in sh cat rm mkdir touch grep sed ls; do ln -s busybox "$R/bin/$c"; done
# what dpkg wants on PATH before it runs anything
for c in ldconfig start-stop-daemon; do ln -s ../bin/busybox "$R/sbin/$c"; done
# dkms and dkms's common.postinst: record each call; dkms status reports
# dlba/VERSION once common.postinst (add, build, install) has been called
cat >"$R/usr/sbin/dkms" <<-'EOT'
	#!/bin/sh
	echo "dkms $*" >>/dkms.log
	if [ "$1" = status ] && [ -f /dkms.added ]; then echo "dlba/@VERSION@: added"; fi
	if [ "$1" = remove ]; then rm -f /dkms.added; fi
	exit 0
EOT
cat >"$R/usr/lib/dkms/common.postinst" <<-'EOT'
	#!/bin/sh
	echo "common.postinst $*" >>/dkms.log
	touch /dkms.added
EOT
sed -i "s/@VERSION@/$VERSION/" "$R/usr/sbin/dkms"
chmod 0755 "$R/usr/sbin/dkms" "$R/usr/lib/dkms/common.postinst"
before=$(cd "$R" && find . ! -path ./var/lib/dpkg/\* ! -name dkms.log ! -name dkms.added | LC_ALL=C sort)

dp() { PATH=/usr/sbin:/usr/bin:/sbin:/bin dpkg --root="$R" --log=/dev/null "$@"; }
dp -i "$TOOLS" "$DKMS" >"$TMP/dpkg-install.log" 2>&1
check_err $? "dpkg -i failed: $(tail -n 5 "$TMP/dpkg-install.log" | tr '\n' ' ')"
for p in dlba dlba-dkms; do
	[ "$(dpkg-query --admindir="$A" -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)" = "ii " ] ||
		fail "$p is not installed"
done
for f in /usr/sbin/dlbactl /usr/sbin/dlbad /usr/sbin/dlba-arrayd /etc/modprobe.d/dlba.conf \
	/usr/lib/systemd/system/dlba.service "/usr/src/dlba-$VERSION/dkms.conf"; do
	[ -e "$R$f" ] || fail "$f not installed"
done
grep -qx "common.postinst dlba $VERSION /usr/share/dlba-dkms  " "$R/dkms.log" 2>/dev/null ||
	fail "dlba-dkms's postinst did not hand dlba/$VERSION to dkms: $(cat "$R/dkms.log" 2>/dev/null)"
log_test "deb: dpkg installs both in a scratch root; dlba-dkms hands dlba/$VERSION to dkms"

dp --purge dlba dlba-dkms >"$TMP/dpkg-purge.log" 2>&1
check_err $? "dpkg --purge failed: $(tail -n 5 "$TMP/dpkg-purge.log" | tr '\n' ' ')"
grep -qx "dkms remove -m dlba -v $VERSION --all" "$R/dkms.log" ||
	fail "dlba-dkms's prerm did not dkms remove dlba/$VERSION: $(tr '\n' ' ' <"$R/dkms.log")"
for p in dlba dlba-dkms; do
	s=$(dpkg-query --admindir="$A" -W -f='${db:Status-Status}' "$p" 2>/dev/null)
	[ -z "$s" ] || [ "$s" = not-installed ] || fail "$p is $s after the purge"
done
after=$(cd "$R" && find . ! -path ./var/lib/dpkg/\* ! -name dkms.log ! -name dkms.added | LC_ALL=C sort)
d=$(diff <(echo "$before") <(echo "$after"))
[ -z "$d" ] || fail "left after the purge: $(tr '\n' ' ' <<<"$d")"
log_test "deb: dpkg purges both: dkms removes dlba/$VERSION, no file left"

exit "$(exit_status)"
