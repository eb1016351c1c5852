#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# man_examples.sh DLBAD DLBACTL MANDIR DLBA_ARRAYD: every example configuration of the
# man pages passes its tool's own check, so an example that stops
# validating fails the build's tests.  An example sits between the roff
# comments '.\" example-begin NAME' and '.\" example-end':
#   - dlbad.conf(5): dlbad.conf-files (the commands that make the key files
#     and certificates it names), then dlbad.conf, checked by dlbad -t;
#   - dlba.conf(5): dlba.conf, checked by dlbactl apply --check;
#   - dlba-array.yaml(5): array.yaml, and dlba-arrayd(8): array.yaml, checked
#     by dlba-arrayd --check (and --corosync-conf on the latter).
# Paths under /etc/dlbad/ are moved to a temporary directory.
# Results in the shared test vocabulary (selftests/net/ksft.sh): a TEST
# line per check; exit 0, 1, or 4 (skip) without openssl.
set -u
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
# shellcheck source=selftests/net/ksft.sh
. "$ROOT/selftests/net/ksft.sh"

DLBAD=$1
DLBACTL=$2
MAN=$3
ARRAYD=$4
command -v openssl >/dev/null 2>&1 || skip_all "openssl not installed"
TMP=$(mktemp -d)
defer rm -rf "$TMP"

# example FILE NAME: the example's text as a reader sees it (roff escapes
# \- and \e undone, .nf/.fi dropped), /etc/dlbad/ moved to $TMP/etc/dlbad/
example() {
	awk -v begin='.\\" example-begin '"$2" -v end='.\\" example-end' '
		$0 == begin { on = 1; next }
		$0 == end { on = 0 }
		on && $0 != ".nf" && $0 != ".fi"' "$1" |
		sed -e 's/\\-/-/g' -e 's/\\e/\\/g' -e "s|/etc/dlbad/|$TMP/etc/dlbad/|g" \
			-e "s|/etc/dlbad\$|$TMP/etc/dlbad|"
}

# check DESC COMMAND...: one result line; the command's output on failure
check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		ksft_result OK "$desc"
	else
		ksft_result FAIL "$desc"
		printf '%s\n' "$out" | sed 's/^/\t/'
	fi
}

example "$MAN/dlbad.conf.5" dlbad.conf-files >"$TMP/files.sh"
example "$MAN/dlbad.conf.5" dlbad.conf >"$TMP/dlbad.conf"
example "$MAN/dlba.conf.5" dlba.conf >"$TMP/dlba.yaml"
example "$MAN/dlba-array.yaml.5" array.yaml >"$TMP/array.yaml"
example "$MAN/dlba-arrayd.8" array.yaml >"$TMP/array8.yaml"
for f in files.sh dlbad.conf dlba.yaml array.yaml array8.yaml; do
	[ -s "$TMP/$f" ] || fail "no example for $f between its markers in $MAN"
done
log_test "the man pages mark their example configurations"
[ "$NUM_FAIL" = 0 ] || exit "$(exit_status)"

check "dlbad.conf(5): the commands that make its files" bash -e "$TMP/files.sh"
check "dlbad.conf(5): the example passes dlbad -t" "$DLBAD" -t -c "$TMP/dlbad.conf"
check "dlba.conf(5): the example passes dlbactl apply --check" \
	"$DLBACTL" apply --check -f "$TMP/dlba.yaml"
check "dlba-array.yaml(5): the example passes dlba-arrayd --check" \
	"$ARRAYD" --check -c "$TMP/array.yaml"
check "dlba-arrayd(8): the example passes dlba-arrayd --check" \
	"$ARRAYD" --check -c "$TMP/array8.yaml"
check "dlba-arrayd(8): the example's corosync.conf" \
	"$ARRAYD" --corosync-conf -c "$TMP/array8.yaml"
exit "$(exit_status)"
