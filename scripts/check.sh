#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: every test of the project, ending with the line
#   N passed, M failed
# where N and M count product checks: each GoogleTest case (through ctest),
# each check of dlbad's integration scripts (their TEST lines), each TEST
# line of the VM selftests of every kernel, and each kernel's whole-log scan
# for BUG/WARNING/Oops.  Steps that are not tests (package installs, builds,
# sparse, dkms) print "STEP: ... [ OK ]" and are not counted; a failed step
# counts as a failure.  A skipped check is a failure too (a missing tool or
# a VM that cannot start must not end green) unless CHECK_ALLOW_SKIP=1.
#
#   1. scripts/install-deps.sh (Debian packages, no-op when installed)
#   2. make userspace, then scripts/lint.sh (formatting, shellcheck,
#      clang-tidy, checkpatch) beside ctest in build/userspace
#   3. make deb's packages: lintian, an install and a purge in a scratch root
#      (scripts/deb-check.sh)
#   4. for each installed kernel with headers (/lib/modules/VER/build) and an
#      image (/boot/vmlinuz-VER): build dlba.ko for it (scripts/build-kmod.sh,
#      -Werror), run selftests/run.sh in a VM per kernel (CHECK_VM_JOBS at a
#      time) and, while they run, check the builds with sparse and `dkms
#      install` (scripts/dkms-check.sh)
#
# Environment: CHECK_KERNELS="VER..." restricts the kernels; CHECK_TESTS="a b"
# restricts the selftests (names in selftests/dlba/); CHECK_SKIP_UNIT=1 skips
# step 2 (dlbactl must then already be built); CHECK_ALLOW_SKIP=1 lets
# skipped checks pass (they are still counted and listed); CHECK_VM_JOBS=N
# boots up to N kernels' VMs at once (default 2; 1 = one after the other).
# Logs: build/check/ (ctest.log, deb.log, it/*.tests, it/it_webpage.{html,png} and
# it/arrayd_it_webpage.{html,png}: dlbad's and dlba-arrayd's status pages as
# headless Chromium rendered them, kmod-VER.log, sparse-VER.log,
# vm-VER.log) and build/selftests/VER/ (output, console.log, dmesg).
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
SKIPS=()
TIMES=()
T0=$(date +%s)

# result OK|FAIL|SKIP DESC: a check of this script itself
result() {
	printf "TEST: %-70s  [%s]\n" "$2" "$([ "$1" = OK ] && echo " OK " || echo "$1")"
	case $1 in
	OK) PASSED=$((PASSED + 1)) ;;
	SKIP) SKIPPED=$((SKIPPED + 1)); SKIPS+=("$2") ;;
	*) FAILED=$((FAILED + 1)); FAILURES+=("$2") ;;
	esac
}

# step OK|FAIL DESC: something that is not a test (an install, a build):
# reported, not counted as passed; a failed step is a failure
step() {
	printf "STEP: %-70s  [%s]\n" "$2" "$([ "$1" = OK ] && echo " OK " || echo "$1")"
	if [ "$1" != OK ]; then
		FAILED=$((FAILED + 1))
		FAILURES+=("$2")
	fi
}

PART=
PART_T0=$T0
# section NAME: start a part; the previous one's time goes to the summary
section() {
	local now
	now=$(date +%s)
	[ -z "$PART" ] || TIMES+=("$(printf '%6ds  %s' $((now - PART_T0)) "$PART")")
	PART=$*
	PART_T0=$now
	printf '\n===== %s (%ds) =====\n' "$*" "$((now - T0))"
}

# Counting convention: a check is counted once, from the one place that
# reports it, always as a kselftest line "TEST: DESC  [ OK ]|[FAIL]|[SKIP]"
# (selftests/net/ksft.sh prints them for the VM selftests, dlbad's
# integration scripts and bench/l4; result() below for this script's own):
#   - VM selftests: the TEST lines of build/selftests/VER/output (what the
#     test files printed, plus selftests/run.sh's verdicts on a file that
#     died or fell short of its PLAN) and .../host-tests (run.sh's checks of
#     the whole VM run, e.g. the kernel log scan).  vm-VER.log repeats them
#     for the reader and is not counted.
#   - dlbad integration scripts: each script is also one ctest test, and
#     ctest.log shows its TEST lines again on failure.  Only the copy in
#     build/check/it/SCRIPT.tests (KSFT_RESULTS_FILE) is counted; ctest's
#     verdict on such a script adds a result only when the script ended
#     badly without a FAIL line of its own (a crash, a time-out), or printed
#     nothing at all.
#   - other ctest tests (GoogleTest cases, bench_l7_run_test): ctest's
#     verdict, one result each; they print no TEST lines.
#   - Debian packages: the TEST lines of scripts/deb-check.sh (deb.log).
#   - lint: its TEST lines (one per linter).  Steps (installs, builds)
#     print STEP lines, not counted unless they fail.
# count_file FILE PREFIX: add the TEST lines of FILE to the totals
count_file() {
	local f=$1 p fl s l
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
	while IFS= read -r l; do
		SKIPS+=("$2: $(sed -E 's/^TEST: (.*[^ ]) +\[SKIP\]$/\1/' <<<"$l")")
	done < <(grep '^TEST: .*\[SKIP\]$' "$f")
}

# ------------------------------------------------------------------ deps
section "dependencies"
if bash scripts/install-deps.sh; then
	step OK "Debian packages installed (scripts/install-deps.sh)"
else
	step FAIL "Debian packages installed (scripts/install-deps.sh)"
fi

# -------------------------------------------------------------- userspace
# ctest runs GoogleTest cases one per ctest test, and each dlbad (and
# dlba-arrayd) integration script as one ctest test.  The scripts' checks are counted one by one from
# their TEST lines (DLBA_IT_RESULTS); ctest's verdict on a script counts
# only when the script failed without a FAIL line of its own (it died).
# ctest reports a skip (SKIP_RETURN_CODE: exit 4 for the integration
# scripts, as kselftest) as "***Skipped" / "Not Run": counted as a skip
# here, never as a pass.
count_ctest() {
	local log=$1 name verdict it n=0
	while IFS='|' read -r name verdict; do
		n=$((n + 1))
		case $name in
		dlbad_it_* | arrayd_it_*)
			it=$LOGS/it/${name#dlbad_}.tests
			if [ ! -s "$it" ]; then
				[ "$verdict" = Skipped ] && { result SKIP "ctest: $name (no TEST line)"; continue; }
				result FAIL "ctest: $name printed no TEST line ($verdict)"
			elif [ "$verdict" != Passed ] && [ "$verdict" != Skipped ] &&
			     ! grep -q '\[FAIL\]$' "$it"; then
				count_file "$it" ctest
				result FAIL "ctest: $name ended $verdict after its last check"
			else
				count_file "$it" ctest
			fi
			;;
		*)
			case $verdict in
			Passed) PASSED=$((PASSED + 1)) ;;
			Skipped|"Not Run") SKIPPED=$((SKIPPED + 1)); SKIPS+=("ctest: $name") ;;
			*) FAILED=$((FAILED + 1)); FAILURES+=("ctest: $name ($verdict)") ;;
			esac
			;;
		esac
	done < <(sed -nE 's/^ *[0-9]+\/[0-9]+ Test +#[0-9]+: ([^ ]+) \.*[ *]*(Passed|Failed|Skipped|Not Run|Timeout|Exception|[A-Za-z]+).*/\1|\2/p' "$log")
	[ "$n" -gt 0 ] || result FAIL "ctest ran unit tests (see $log)"
}

if [ "${CHECK_SKIP_UNIT:-0}" != 1 ]; then
	section "userspace build"
	if make -s userspace DLBA_WERROR=ON 2>&1 | tee "$LOGS/userspace.log"; then
		step OK "userspace builds (make userspace, -Werror)"
		# scripts/lint.sh (one TEST line per linter) needs the build's
		# compile commands for clang-tidy.  It runs beside ctest: the
		# tests spend most of their time waiting on sockets and timers
		# (about a third of a core), clang-tidy over every translation
		# unit is minutes of CPU, so side by side they take the time of
		# the longer one.  Its output is printed when both are done.
		section "lint and unit and integration tests (ctest), side by side"
		bash scripts/lint.sh >"$LOGS/lint.log" 2>&1 &
		lint_pid=$!
		rm -rf "$LOGS/it"
		DLBA_IT_RESULTS=$LOGS/it ctest --test-dir build/userspace --output-on-failure -j2 \
			--timeout 300 2>&1 | tee "$LOGS/ctest.log"
		count_ctest "$LOGS/ctest.log"
		wait "$lint_pid"
		cat "$LOGS/lint.log"
		count_file "$LOGS/lint.log" lint
	else
		step FAIL "userspace builds (make userspace, -Werror)"
	fi
fi

# ---------------------------------------------------------- Debian packages
# make deb from the tree just built (no second compile), lintian, and an
# install and purge with dpkg in a scratch root (scripts/deb-check.sh): its
# TEST lines count.
section "Debian packages (make deb, lintian, install and purge in a scratch root)"
if [ -x build/userspace/dlbactl/dlbactl ]; then
	bash scripts/deb-check.sh build/userspace build/deb >"$LOGS/deb.log" 2>&1
	cat "$LOGS/deb.log"
	count_file "$LOGS/deb.log" deb
	if ! grep -q '^TEST: ' "$LOGS/deb.log"; then
		result FAIL "deb: scripts/deb-check.sh printed no TEST line"
	fi
else
	step FAIL "Debian packages: no userspace build in build/userspace"
fi

# ---------------------------------------------------------------- kernels
kernels=()
if [ -n "${CHECK_KERNELS:-}" ]; then
	read -r -a kernels <<<"$CHECK_KERNELS"
else
	# headers and an image, installed or in the kernel cache (the host's
	# own kernel, if it has headers but no image, can't boot)
	mapfile -t kernels < <(scripts/kernels.sh list)
fi
if [ ${#kernels[@]} -eq 0 ]; then
	step FAIL "a Debian kernel with headers and an image to test on (scripts/kernels.sh list)"
fi
read -r -a tests <<<"${CHECK_TESTS:-}"

# Build dlba.ko for every kernel, boot the VMs on a copy of each (CHECK_VM_JOBS
# of them at once, default 2: the suites spend much of their time waiting on
# paced streams, health-check intervals and time-outs), and check the builds
# with sparse and dkms while the first suites run: those are a few minutes of
# compiling that need not hold the VMs back.  Each suite writes its own log,
# printed whole when it ends.
KOS=()
for v in "${kernels[@]}"; do
	section "kernel $v: build dlba.ko"
	if ko=$(scripts/build-kmod.sh "$v" 2>"$LOGS/kmod-$v.log"); then
		step OK "kernel $v: dlba.ko builds without warnings"
	else
		tail -n 30 "$LOGS/kmod-$v.log"
		step FAIL "kernel $v: dlba.ko builds without warnings"
		continue
	fi
	# the VM loads this copy; sparse below rebuilds the original in place
	cp "$ko" "$LOGS/dlba-$v.ko" && KOS+=("$v=$LOGS/dlba-$v.ko")
done

# The test plan per kernel: every kernel runs every test file except those
# marked "# check: newest kernel only" or "# check: oldest kernel only"
# (scheduling and table logic that uses no kernel API that differs between
# versions), placed so that the VM suites, run side by side, take about the
# same time and fit in CI's hour.  CHECK_TESTS names the files for every
# kernel; CHECK_FULL_MATRIX=1 runs every file on every kernel.
NEWEST=$(printf '%s\n' "${kernels[@]+"${kernels[@]}"}" | sort -V | tail -n 1)
OLDEST=$(printf '%s\n' "${kernels[@]+"${kernels[@]}"}" | sort -V | head -n 1)
kernel_tests() {
	local v=$1 t only
	if [ ${#tests[@]} -gt 0 ]; then
		printf '%s\n' "${tests[@]}"
		return
	fi
	for t in selftests/dlba/*.sh; do
		only=$(sed -n 's/^# check: \(newest\|oldest\) kernel only.*/\1/p' "$t" | head -n 1)
		if [ "${CHECK_FULL_MATRIX:-0}" != 1 ]; then
			[ "$only" = newest ] && [ "$v" != "$NEWEST" ] && continue
			[ "$only" = oldest ] && [ "$v" != "$OLDEST" ] && continue
		fi
		basename "$t" .sh
	done
}

# vm_suite VER KO: selftests/run.sh for one kernel, its output into
# $LOGS/vm-VER.log, its exit status and time into $LOGS/vm-VER.rc
vm_suite() {
	local v=$1 ko=$2 start rc list
	mapfile -t list < <(kernel_tests "$v")
	start=$(date +%s)
	selftests/run.sh --kernel "$v" --ko "$ko" --results "build/selftests/$v" \
		"${list[@]}" >"$LOGS/vm-$v.log" 2>&1 </dev/null
	rc=$?
	echo "$rc $(($(date +%s) - start))" >"$LOGS/vm-$v.rc"
}

# vm_report VER: print and count one kernel's finished suite, with the time
# of each test file (for placing them: see kernel_tests)
vm_report() {
	local v=$1 rc secs
	read -r rc secs <"$LOGS/vm-$v.rc"
	printf '\n----- kernel %s: selftests in a VM -----\n' "$v"
	tr -d '\r' <"$LOGS/vm-$v.log"
	count_file "build/selftests/$v/output" "$v"
	count_file "build/selftests/$v/host-tests" "$v"
	echo "kernel $v: selftests took ${secs}s (run.sh exit $rc); per file:"
	sed -nE 's/^(not )?ok [0-9]+ selftests: dlba: ([^ ]+) # (SKIP |exit=[0-9]+ )?([0-9]+)s.*/\4 \2/p' \
		"build/selftests/$v/output" 2>/dev/null | sort -rn | awk '{ printf "  %6ds  %s\n", $1, $2 }'
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 4 ] &&
	   ! grep -q '\[FAIL\]$' "build/selftests/$v/output" "build/selftests/$v/host-tests" 2>/dev/null; then
		result FAIL "kernel $v: selftests/run.sh exit $rc"
	fi
}

# kmod_checks VER: sparse over every file of the tree built above (C=2: all
# files), and what a user of a packaged source gets: dkms.conf builds and
# installs it (into a private tree: the VMs see the host's /lib/modules)
kmod_checks() {
	local v=$1 rc
	if command -v sparse >/dev/null; then
		make -C "build/kmod/$v/kmod" KDIR="/lib/modules/$v/build" C=2 \
			>"$LOGS/sparse-$v.log" 2>&1
		rc=$?
		if [ $rc -eq 0 ] && ! grep -Eq '(warning|error):' "$LOGS/sparse-$v.log"; then
			step OK "kernel $v: sparse (C=2) clean"
		else
			grep -E '(warning|error):' "$LOGS/sparse-$v.log" | head -n 20
			step FAIL "kernel $v: sparse (C=2) clean"
		fi
	fi
	if command -v dkms >/dev/null; then
		if scripts/dkms-check.sh "$v" >"$LOGS/dkms-$v.log" 2>&1; then
			step OK "kernel $v: dkms install builds and installs dlba.ko"
		else
			tail -n 20 "$LOGS/dkms-$v.log"
			step FAIL "kernel $v: dkms install builds and installs dlba.ko"
		fi
	fi
}

if [ ${#KOS[@]} -gt 0 ]; then
	jobs_max=${CHECK_VM_JOBS:-2}
	section "selftests in VMs (${#KOS[@]} kernels, $jobs_max at a time), sparse and dkms beside them"
	pending=()
	checked=()
	for kv in "${KOS[@]}"; do
		v=${kv%%=*}
		rm -f "$LOGS/vm-$v.rc"
		while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do
			# a free moment: the build checks of a kernel still waiting
			if [ ${#checked[@]} -lt ${#KOS[@]} ]; then
				kmod_checks "${KOS[${#checked[@]}]%%=*}"
				checked+=(x)
				continue
			fi
			wait -n
		done
		echo "kernel $v: VM suite started ($(date +%T)): $(kernel_tests "$v" | tr '\n' ' ')"
		vm_suite "$v" "${kv#*=}" &
		pending+=("$v")
	done
	while [ ${#checked[@]} -lt ${#KOS[@]} ]; do
		kmod_checks "${KOS[${#checked[@]}]%%=*}"
		checked+=(x)
	done
	wait
	for v in "${pending[@]}"; do
		vm_report "$v"
	done
fi

section "summary"
if [ ${#SKIPS[@]} -gt 0 ]; then
	echo "skipped:"
	printf '  %s\n' "${SKIPS[@]}"
	if [ "${CHECK_ALLOW_SKIP:-0}" != 1 ]; then
		FAILED=$((FAILED + 1))
		FAILURES+=("$SKIPPED check(s) skipped (CHECK_ALLOW_SKIP=1 allows that)")
	fi
fi
if [ ${#FAILURES[@]} -gt 0 ]; then
	echo "failed:"
	printf '  %s\n' "${FAILURES[@]}"
fi
echo "time per part:"
printf '%s\n' "${TIMES[@]}"
echo "total time $(($(date +%s) - T0))s, $SKIPPED skipped"
echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" -eq 0 ]
