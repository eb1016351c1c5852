#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# versions.sh DLBAD DLBACTL MANDIR DLBA_ARRAYD: the tools share one version
# (the file VERSION, which dkms.conf and the module carry too) and one
# exit-code convention (0 success, 1 any failure, usage errors included), as
# their man pages say.
# Results in the shared test vocabulary (selftests/net/ksft.sh).
set -u
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
# shellcheck source=selftests/net/ksft.sh
. "$ROOT/selftests/net/ksft.sh"

DLBAD=$1
DLBACTL=$2
MAN=$3
ARRAYD=$4
VERSION=$(cat "$ROOT/VERSION")

RET=0
pkg=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$ROOT/dkms.conf")
[ "$pkg" = "$VERSION" ] || fail "dkms.conf PACKAGE_VERSION is '$pkg', VERSION is '$VERSION'"
for t in "$DLBAD" "$DLBACTL" "$ARRAYD"; do
	name=$(basename "$t")
	for opt in --version -V; do
		out=$("$t" "$opt" 2>&1)
		rc=$?
		[ "$rc" = 0 ] || fail "$name $opt exited $rc"
		[ "$out" = "$name $VERSION" ] || fail "$name $opt printed '$out', not '$name $VERSION'"
	done
done
log_test "versions: dlbad, dlbactl, dlba-arrayd and dkms.conf all say $VERSION"

RET=0
for t in "$DLBAD" "$DLBACTL" "$ARRAYD"; do
	name=$(basename "$t")
	"$t" --frobnicate >/dev/null 2>&1
	rc=$?
	[ "$rc" = 1 ] || fail "$name --frobnicate exited $rc, not 1"
	err=$("$t" --frobnicate 2>&1 >/dev/null)
	[[ $err == "$name: "* ]] || fail "$name's usage error does not start with '$name: ': $err"
	sed -n '/^\.SH EXIT STATUS/,/^\.SH DIAG/p' "$MAN/$name.8" | grep -qw 'convention' ||
		fail "$name(8)'s EXIT STATUS does not state the shared convention"
done
log_test "exit codes: a usage error exits 1 with the tool's name, as the man pages say"
exit "$(exit_status)"
