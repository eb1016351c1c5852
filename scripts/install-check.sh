#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# install-check.sh BUILD_DIR: what `make install` puts on a machine, checked
# in a staging directory (DESTDIR), as a package build would stage it:
#   - the tools in PREFIX/sbin, their man pages (rendered without a warning),
#     the systemd units and the modprobe.d sample;
#   - each unit runs the binaries of the prefix it was installed to (/usr and
#     /usr/local), and systemd-analyze verify finds nothing to say about it;
#   - a configuration file already in /etc is never overwritten.
# Run by ctest (install_tree) after the build; needs no root.

set -u
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
# shellcheck source=selftests/net/ksft.sh
. "$ROOT/selftests/net/ksft.sh"

BUILD=${1:?usage: install-check.sh BUILD_DIR}
TMP=$(mktemp -d)
defer rm -rf "$TMP"

# stage PREFIX: install into $TMP/<name of prefix>
stage() {
	local dest=$TMP/stage${1//\//_}
	DESTDIR=$dest cmake --install "$BUILD" --prefix "$1" >"$dest.log" 2>&1 ||
		{ cat "$dest.log"; return 1; }
	echo "$dest"
}

# unit_paths_ok DEST PREFIX UNIT: every absolute program in the unit's
# Exec*= lines exists: in the staging directory under PREFIX, on this
# machine otherwise (/sbin/modprobe, /bin/kill)
unit_paths_ok() {
	local dest=$1 prefix=$2 unit=$3 prog
	while read -r prog; do
		case $prog in
		"$prefix"/*) [ -x "$dest$prog" ] || { echo "$unit: $prog not installed"; return 1; } ;;
		/*) [ -x "$prog" ] || { echo "$unit: $prog not on this machine"; return 1; } ;;
		*) echo "$unit: $prog is not an absolute path"; return 1 ;;
		esac
	done < <(sed -n 's/^Exec[A-Za-z]*=[-@+!:]*\([^ ]*\).*/\1/p' "$dest$prefix/lib/systemd/system/$unit")
}

# unit_verifies DEST PREFIX UNIT: systemd-analyze verify, with the unit's
# programs pointed into the staging directory, prints nothing
unit_verifies() {
	local dest=$1 prefix=$2 unit=$3 dir out
	dir=$TMP/verify$$
	mkdir -p "$dir"
	sed "s|$prefix/sbin/|$dest$prefix/sbin/|g" "$dest$prefix/lib/systemd/system/$unit" >"$dir/$unit"
	out=$(systemd-analyze verify --man=no "$dir/$unit" 2>&1)
	rm -rf "$dir"
	[ -z "$out" ] || { echo "$out"; return 1; }
}

for prefix in /usr /usr/local; do
	dest=$(stage "$prefix")
	check_err $? "cmake --install --prefix $prefix failed"
	for f in sbin/dlbactl sbin/dlbad sbin/dlba-arrayd share/man/man8/dlbactl.8 \
		share/man/man8/dlbad.8 share/man/man8/dlba-arrayd.8 share/man/man5/dlba.conf.5 \
		share/man/man5/dlbad.conf.5 share/man/man5/dlba-array.yaml.5 \
		lib/systemd/system/dlba.service lib/systemd/system/dlbad.service \
		lib/systemd/system/dlba-arrayd.service; do
		[ -e "$dest$prefix/$f" ] || fail "$prefix/$f not installed"
	done
	[ -f "$dest/etc/modprobe.d/dlba.conf" ] || fail "/etc/modprobe.d/dlba.conf not installed"
	log_test "install: --prefix $prefix: tools, man pages, units, modprobe.d sample"

	for unit in dlba.service dlbad.service dlba-arrayd.service; do
		unit_paths_ok "$dest" "$prefix" "$unit"
		check_err $? "$unit names a program that is not there"
		grep -q "^ExecStart=$prefix/sbin/" "$dest$prefix/lib/systemd/system/$unit" ||
			fail "$unit does not run $prefix/sbin"
		unit_verifies "$dest" "$prefix" "$unit"
		check_err $? "systemd-analyze verify $unit"
		log_test "install: --prefix $prefix: $unit runs $prefix/sbin, systemd-analyze verify clean"
	done
done

dest=$TMP/stage_usr
for page in "$dest"/usr/share/man/man*/*; do
	out=$(LC_ALL=C.UTF-8 MANWIDTH=100 man --warnings -l "$page" 2>&1 >/dev/null)
	[ -z "$out" ] || fail "${page##*/}: $out"
done
log_test "install: the man pages render without a warning"

echo "# the operator's own" >"$dest/etc/modprobe.d/dlba.conf"
DESTDIR=$dest cmake --install "$BUILD" --prefix /usr >/dev/null 2>&1
check_err $? "second install failed"
[ "$(cat "$dest/etc/modprobe.d/dlba.conf")" = "# the operator's own" ] ||
	fail "make install overwrote /etc/modprobe.d/dlba.conf"
log_test "install: a configuration file in /etc is kept on a second install"

exit "$(exit_status)"
