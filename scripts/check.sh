#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: every test of the project, ending with the line
#   N passed, M failed
# where the counts add up the CTest unit tests and every "TEST:" line of the
# VM selftests of every kernel (a kernel log problem is a failed TEST line).
#
#   1. scripts/install-deps.sh (Debian packages, no-op when installed)
#   2. make userspace, then ctest in build/userspace
#   3. for each installed kernel with headers (/lib/modules/VER/build) and an
#      image (/boot/vmlinuz-VER): build dlba.ko for it (scripts/build-kmod.sh,
#      -Werror), check it with sparse and `dkms install` (scripts/dkms-check.sh),
#      then run selftests/run.sh in a VM
#
# Environment: CHECK_KERNELS="VER..." restricts the kernels; CHECK_TESTS="a b"
# restricts the selftests (names in selftests/dlba/); CHECK_SKIP_UNIT=1 skips
# step 2 (dlbactl must then already be built).
# Logs: build/check/ (ctest.log, kmod-VER.log, sparse-VER.log) and
# build/selftests/VER/ (output, console.log, dmesg).
# Exit status: 0 when M = 0, 1 otherwise.
set -uo pipefail

REPO=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cd "$REPO" || exit 1
LOGS=$REPO/build/check
mkdir -p "$LOGS"

PASSED=0
FAILED=0
SKIPPED=0
FAILURES=()
T0=$(date +%s)

# result OK|FAIL|SKIP DESC: a check of this script itself
result() {
	printf "TEST: %-70s  [%s]\n" "$2" "$([ "$1" = OK ] && echo " OK " || echo "$1")"
	case $1 in
	OK) PASSED=$((PASSED + 1)) ;;
	SKIP) SKIPPED=$((SKIPPED + 1)) ;;
	*) FAILED=$((FAILED + 1)); FAILURES+=("$2") ;;
	esac
}

section() { printf '\n===== %s (%ds) =====\n' "$*" "$(($(date +%s) - T0))"; }

# count_file FILE: add the TEST lines of FILE to the totals
count_file() {
	local f=$1 p fl s
	[ -f "$f" ] || return 0
	p=$(grep -c '^TEST: .*\[ OK \]$' "$f")
	fl=$(grep -c '^TEST: .*\[FAIL\]$' "$f")
	s=$(grep -c '^TEST: .*\[SKIP\]$' "$f")
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + fl))
	SKIPPED=$((SKIPPED + s))
	while IFS= read -r l; do
		FAILURES+=("$2: $(sed -E 's/^TEST: (.*[^ ]) +\[FAIL\]$/\1/' <<<"$l")")
	done < <(grep '^TEST: .*\[FAIL\]$' "$f")
}

# ------------------------------------------------------------------ deps
section "dependencies"
if bash scripts/install-deps.sh; then
	result OK "Debian packages installed (scripts/install-deps.sh)"
else
	result FAIL "Debian packages installed (scripts/install-deps.sh)"
fi

# -------------------------------------------------------------- userspace
if [ "${CHECK_SKIP_UNIT:-0}" != 1 ]; then
	section "userspace build"
	if make -s userspace 2>&1 | tee "$LOGS/userspace.log"; then
		result OK "userspace builds (make userspace, -Werror)"
		section "unit tests (ctest)"
		ctest --test-dir build/userspace --output-on-failure -j2 --timeout 300 2>&1 |
			tee "$LOGS/ctest.log"
		# "100% tests passed, 0 tests failed out of 25"
		line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$LOGS/ctest.log" | tail -n1)
		if [ -n "$line" ]; then
			total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
			nfail=$(sed -E 's/.*tests passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
			PASSED=$((PASSED + total - nfail))
			FAILED=$((FAILED + nfail))
			while IFS= read -r l; do
				FAILURES+=("ctest: $l")
			done < <(sed -n '/The following tests FAILED:/,/^$/p' "$LOGS/ctest.log" | grep -E '^\s+[0-9]+ - ' | sed -E 's/^\s+//')
		elif grep -q 'No tests were found' "$LOGS/ctest.log"; then
			result FAIL "ctest finds unit tests"
		else
			result FAIL "ctest ran (see $LOGS/ctest.log)"
		fi
	else
		result FAIL "userspace builds (make userspace, -Werror)"
	fi
fi

# ---------------------------------------------------------------- kernels
kernels=()
if [ -n "${CHECK_KERNELS:-}" ]; then
	read -r -a kernels <<<"$CHECK_KERNELS"
else
	for d in /lib/modules/*/build; do
		[ -d "$d" ] || continue
		v=$(basename "$(dirname "$d")")
		# the host's own kernel, if it has headers but no image, can't boot
		[ -r "/boot/vmlinuz-$v" ] || continue
		kernels+=("$v")
	done
fi
if [ ${#kernels[@]} -eq 0 ]; then
	result FAIL "an installed Debian kernel with headers to test on"
fi
read -r -a tests <<<"${CHECK_TESTS:-}"

for v in "${kernels[@]}"; do
	section "kernel $v: build dlba.ko"
	if ko=$(scripts/build-kmod.sh "$v" 2>"$LOGS/kmod-$v.log"); then
		result OK "kernel $v: dlba.ko builds without warnings"
	else
		tail -n 30 "$LOGS/kmod-$v.log"
		result FAIL "kernel $v: dlba.ko builds without warnings"
		continue
	fi
	# sparse over every file of the copy built above (C=2: all files)
	if command -v sparse >/dev/null; then
		make -C "build/kmod/$v/kmod" KDIR="/lib/modules/$v/build" C=2 \
			>"$LOGS/sparse-$v.log" 2>&1
		rc=$?
		if [ $rc -eq 0 ] && ! grep -Eq '(warning|error):' "$LOGS/sparse-$v.log"; then
			result OK "kernel $v: sparse (C=2) clean"
		else
			grep -E '(warning|error):' "$LOGS/sparse-$v.log" | head -n 20
			result FAIL "kernel $v: sparse (C=2) clean"
		fi
	fi

	# what a user of a packaged source gets: dkms.conf builds and installs it
	if command -v dkms >/dev/null; then
		if scripts/dkms-check.sh "$v" >"$LOGS/dkms-$v.log" 2>&1; then
			result OK "kernel $v: dkms install builds and installs dlba.ko"
		else
			tail -n 20 "$LOGS/dkms-$v.log"
			result FAIL "kernel $v: dkms install builds and installs dlba.ko"
		fi
	fi

	section "kernel $v: selftests in a VM"
	start=$(date +%s)
	selftests/run.sh --kernel "$v" --ko "$ko" --results "build/selftests/$v" \
		"${tests[@]+"${tests[@]}"}"
	rc=$?
	count_file "build/selftests/$v/output" "$v"
	count_file "build/selftests/$v/host-tests" "$v"
	echo "kernel $v: selftests took $(($(date +%s) - start))s (run.sh exit $rc)"
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 4 ] &&
	   ! grep -q '\[FAIL\]$' "build/selftests/$v/output" "build/selftests/$v/host-tests" 2>/dev/null; then
		result FAIL "kernel $v: selftests/run.sh exit $rc"
	fi
done

section "summary"
if [ ${#FAILURES[@]} -gt 0 ]; then
	echo "failed:"
	printf '  %s\n' "${FAILURES[@]}"
fi
echo "total time $(($(date +%s) - T0))s, $SKIPPED skipped"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
