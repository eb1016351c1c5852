#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the dlba selftests (selftests/dlba/*.sh) for one kernel, all inside a
# single VM boot (selftests/vm/run-vm.sh) to save boot time.
#
# Usage (host, as root):
#   selftests/run.sh --kernel VER [--ko PATH] [--results DIR] [--timeout S]
#     (--timeout: the whole VM; default: every file's limit added up)
#                    [TEST...]
#     VER       an installed kernel with headers (e.g. 6.1.0-56-amd64)
#     --ko      the dlba.ko built for VER (default: scripts/build-kmod.sh VER)
#     --results host directory for output, console log, dmesg and verdict
#               (default build/selftests/VER)
#     TEST      test names or paths (default: every selftests/dlba/*.sh)
#
# Output: each test file's "TEST: ... [ OK ]|[FAIL]|[SKIP]" lines, plus a
# FAIL line for a test file that crashed or timed out without reporting
# one, that printed fewer TEST lines than its PLAN=N, or that never ran to
# its end because the VM stopped; and "TEST: kernel VER: ..." lines for the
# VM itself (kernel log clean, VM finished).  Exit status: 0 if nothing failed, 1 otherwise, 4 if the
# VM could not run at all.
#
# Environment: DLBACTL (default build/userspace/dlbactl/dlbactl),
# VERBOSE=1 (show commands), DLBA_TEST_TIMEOUT (per test file, default 900).
set -uo pipefail

SELF=$(readlink -f "$0")
SELFTESTS=$(dirname "$SELF")
REPO=$(cd "$SELFTESTS/.." && pwd)

# plan_of FILE: the PLAN=N a test file declares (how many TEST lines it
# prints when it runs to its end)
plan_of() {
	sed -n 's/^PLAN=\([0-9][0-9]*\).*/\1/p' "$1" | head -n 1
}

# ------------------------------------------------------------ inside the VM
if [ "${1:-}" = --inside ]; then
	shift
	[ $# -gt 0 ] || set -- "$SELFTESTS"/dlba/*.sh
	per_test=${DLBA_TEST_TIMEOUT:-900}
	n=0
	echo "TAP version 13"
	echo "1..$#"
	for t in "$@"; do
		n=$((n + 1))
		name=$(basename "$t" .sh)
		plan=$(plan_of "$t")
		echo "# selftests: dlba: $name (plan: ${plan:-none} TEST lines)"
		start=$(date +%s)
		out=$(mktemp /tmp/selftest-out.XXXXXX)
		KSFT_TIMING=1 timeout --kill-after=10 "$per_test" bash "$t" 2>&1 | tee "$out"
		rc=${PIPESTATUS[0]}
		secs=$(($(date +%s) - start))
		got=$(grep -c '^TEST: ' "$out")
		if [ "$rc" -ne 0 ] && [ "$rc" -ne 4 ] && ! grep -q '^TEST: .*\[FAIL\]$' "$out"; then
			if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
				printf "TEST: %-70s  [FAIL]\n" "$name: finished within ${per_test}s"
			else
				printf "TEST: %-70s  [FAIL]\n" "$name: exited $rc without reporting a failure"
			fi
		fi
		# A file that stops half way (a crash, a timeout, a set-up failure)
		# reports fewer lines than it plans: the checks it never reached are
		# a failure, not silence.  A whole-file skip (exit 4) is one line.
		if [ -z "$plan" ]; then
			printf "TEST: %-70s  [FAIL]\n" "$name: declares PLAN=N"
		elif [ "$rc" -ne 4 ] && [ "$got" -lt "$plan" ]; then
			printf "TEST: %-70s  [FAIL]\n" "$name: reported $got of $plan planned TEST lines"
		fi
		rm -f "$out"
		case $rc in
		0) echo "ok $n selftests: dlba: $name # ${secs}s" ;;
		4) echo "ok $n selftests: dlba: $name # SKIP ${secs}s" ;;
		*) echo "not ok $n selftests: dlba: $name # exit=$rc ${secs}s" ;;
		esac
	done
	exit 0
fi

# ------------------------------------------------------------------ on host
KVER=
KO=
RESULTS=
TIMEOUT=
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) KVER=$2; shift 2 ;;
	--ko) KO=$2; shift 2 ;;
	--results) RESULTS=$2; shift 2 ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	-h|--help) sed -n '4,24p' "$SELF" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--) shift; break ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ -n "$KVER" ] || { echo "run.sh: --kernel VER required" >&2; exit 2; }
RESULTS=${RESULTS:-$REPO/build/selftests/$KVER}
mkdir -p "$RESULTS"
rm -f "$RESULTS"/{host-tests,output,verdict}

# host-side TEST lines also go to RESULTS/host-tests (scripts/check.sh
# counts RESULTS/output + RESULTS/host-tests)
host_test() {
	printf "TEST: %-70s  [%s]\n" "$1" "$2" | tee -a "$RESULTS/host-tests"
}

tests=()
for t in "$@"; do
	if [ -f "$t" ]; then
		tests+=("$(readlink -f "$t")")
	elif [ -f "$SELFTESTS/dlba/$t" ]; then
		tests+=("$SELFTESTS/dlba/$t")
	elif [ -f "$SELFTESTS/dlba/$t.sh" ]; then
		tests+=("$SELFTESTS/dlba/$t.sh")
	else
		echo "run.sh: no test $t" >&2
		exit 2
	fi
done

if [ -z "$KO" ]; then
	KO=$("$REPO/scripts/build-kmod.sh" "$KVER") || {
		host_test "kernel $KVER: dlba.ko builds" FAIL
		exit 1
	}
fi

envs=(--env "DLBA_KO=$(readlink -f "$KO")")
[ -z "${DLBACTL:-}" ] || envs+=(--env "DLBACTL=$DLBACTL")
[ -z "${VERBOSE:-}" ] || envs+=(--env "VERBOSE=$VERBOSE")
[ -z "${DLBA_TRACE:-}" ] || envs+=(--env "DLBA_TRACE=$DLBA_TRACE")
[ -z "${DLBA_TEST_TIMEOUT:-}" ] || envs+=(--env "DLBA_TEST_TIMEOUT=$DLBA_TEST_TIMEOUT")

# The whole VM may take as long as every file's own limit allows (each file
# is stopped at DLBA_TEST_TIMEOUT), plus boot and module set-up.
if [ -z "$TIMEOUT" ]; then
	nfiles=${#tests[@]}
	# shellcheck disable=SC2012 # counting test files, whose names are plain words
	[ "$nfiles" -gt 0 ] || nfiles=$(ls "$SELFTESTS"/dlba/*.sh | wc -l)
	TIMEOUT=$((120 + nfiles * (${DLBA_TEST_TIMEOUT:-900} + 20)))
fi

"$SELFTESTS/vm/run-vm.sh" --kernel "$KVER" --timeout "$TIMEOUT" --results "$RESULTS" \
	"${envs[@]}" -- "$SELF" --inside "${tests[@]+"${tests[@]}"}"
vmrc=$?
verdict=$(cat "$RESULTS/verdict" 2>/dev/null || echo unknown)
detail=$(cat "$RESULTS/verdict-detail" 2>/dev/null || true)
case $verdict in
skip)
	host_test "kernel $KVER: VM runs" SKIP
	exit 4 ;;
ok)
	host_test "kernel $KVER: VM log has no BUG/WARNING/Oops/hung task" " OK " ;;
kernel-problem)
	host_test "kernel $KVER: VM log has no BUG/WARNING/Oops/hung task ($detail)" FAIL ;;
*)
	host_test "kernel $KVER: VM finished the tests ($verdict${detail:+: $detail})" FAIL ;;
esac
# Every test file must have finished inside the VM: one that never ended
# (the VM died, timed out or oopsed in it or before it) fails here with
# the number of checks it planned, so an early crash cannot hide them.
[ ${#tests[@]} -gt 0 ] || tests=("$SELFTESTS"/dlba/*.sh)
planned=0
for t in "${tests[@]}"; do
	planned=$((planned + $(plan_of "$t" || echo 0)))
done
echo "kernel $KVER: $planned TEST lines planned, $(grep -c '^TEST: ' "$RESULTS/output" 2>/dev/null) reported"
for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	if ! grep -Eq "^(not )?ok [0-9]+ selftests: dlba: $name #" "$RESULTS/output" 2>/dev/null; then
		host_test "kernel $KVER: $name ran to its end in the VM ($(plan_of "$t") checks not run)" FAIL
	fi
done
if [ "$vmrc" -ne 0 ] || grep -q '^TEST: .*\[FAIL\]$' "$RESULTS/output" "$RESULTS/host-tests" 2>/dev/null; then
	exit 1
fi
exit 0
