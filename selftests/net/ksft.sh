# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The core every DLBA shell test shares, whatever it runs on: the VM
# selftests (through selftests/net/lib.sh), dlbad's integration tests on the
# host (userspace/dlbad/tests/integration/lib.sh) and the L4 benchmark
# (bench/l4/lb-bench.sh).  It has no side effect but an EXIT trap that runs
# the deferred clean-ups; it needs neither root nor a network namespace.
#
#   Results (the kselftest vocabulary, counted by scripts/check.sh):
#     ksft_result OK|FAIL|SKIP DESC  print "TEST: DESC  [ OK ]|[FAIL]|[SKIP]"
#                                    (also into $KSFT_RESULTS_FILE if set)
#                                    and count it
#     RET / check_err / check_fail / fail / log_test / log_test_skip
#                                    a test built from several commands:
#                                    the first failure wins, log_test
#                                    prints the verdict and resets RET
#     exit_status                    0 all passed, 1 any failed, 4 nothing
#                                    passed (all skipped, or none ran)
#     skip_all MSG                   a SKIP line for the whole file, exit 4
#     require_cmd CMD...             skip_all unless every CMD is installed
#     setup_fail MSG                 what the file needs of the product
#                                    (a module, a daemon, a back-end) did
#                                    not start: a FAIL line, exit 1
#   Scoped clean-up (the idea of kselftest's defer.sh, written for DLBA):
#     defer CMD [ARG...]             run CMD later, newest first (quiet;
#                                    defer_loud keeps its output)
#     defer_scope_push / defer_scope_pop
#                                    open a scope; pop runs (newest first)
#                                    what was deferred since its push
#     defer_run                      run everything deferred (at EXIT too)
#   Helpers: wait_for, wait_listen, run_cmd, log_info, bracket, field,
#   nginx_temp_paths.

[ -z "${KSFT_SH_SOURCED:-}" ] || return 0
KSFT_SH_SOURCED=1

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

NUM_PASS=0
NUM_FAIL=0
NUM_SKIP=0
RET=0
RETMSG=
VERBOSE=${VERBOSE:-0}
KSFT_RESULTS_FILE=${KSFT_RESULTS_FILE:-}
# The host's integration scripts (dlbad's, dlba-arrayd's): with
# DLBA_IT_RESULTS set (scripts/check.sh sets it), a script that set
# KSFT_NAME before sourcing this file also writes its lines to
# $DLBA_IT_RESULTS/$KSFT_NAME.tests, where `make check` counts each check.
if [ -z "$KSFT_RESULTS_FILE" ] && [ -n "${DLBA_IT_RESULTS:-}" ] && [ -n "${KSFT_NAME:-}" ]; then
	mkdir -p "$DLBA_IT_RESULTS"
	KSFT_RESULTS_FILE=$DLBA_IT_RESULTS/$KSFT_NAME.tests
	: >"$KSFT_RESULTS_FILE"
fi
# KSFT_TIMING=1: at exit, one INFO line with the seconds spent before each
# result line and in the clean-up, so a slow file shows where its time goes
# (the VM harness sets it).
KSFT_TIMING=${KSFT_TIMING:-0}
KSFT_TIMES=()
KSFT_T_LAST=$SECONDS

# ------------------------------------------------------------ defer / scopes
# DEFER_STACK holds the deferred commands (quoted with %q, so arguments
# keep their spaces), DEFER_SCOPES the stack height at each open scope.
# A deferred command runs quietly (its output and errors dropped: the
# clean-up of what is already gone is no news) unless deferred with
# defer_loud.
DEFER_STACK=()
DEFER_SCOPES=()

# defer CMD [ARG...]: run CMD when the innermost scope is popped, or at
# exit, after everything deferred later.
defer() {
	DEFER_STACK+=("$(printf '%q ' "$@") >/dev/null 2>&1")
}

# defer_loud CMD [ARG...]: the same, with CMD's output shown (a report at
# the end: the log of a failed test)
defer_loud() {
	DEFER_STACK+=("$(printf '%q ' "$@")")
}

# defer_run_to N: run and drop the deferred commands above height N, newest
# first.  A command that fails does not stop the others.
defer_run_to() {
	local n=$1 i
	for ((i = ${#DEFER_STACK[@]} - 1; i >= n; i--)); do
		eval "${DEFER_STACK[$i]}" || true
		unset 'DEFER_STACK[i]'
	done
}

# defer_scope_push: what is deferred from now on belongs to a new scope.
defer_scope_push() {
	DEFER_SCOPES+=("${#DEFER_STACK[@]}")
}

# defer_scope_pop: run what the innermost scope deferred, close it.
defer_scope_pop() {
	local top=${#DEFER_SCOPES[@]}
	[ "$top" -gt 0 ] || { echo "defer_scope_pop: no scope open" >&2; return 1; }
	defer_run_to "${DEFER_SCOPES[top - 1]}"
	unset 'DEFER_SCOPES[top - 1]'
}

# defer_run: run everything deferred, every scope.  Safe to call twice.
defer_run() {
	defer_run_to 0
	DEFER_SCOPES=()
}

# ksft_on_exit: the EXIT trap.  The exit status survives the clean-up (bash
# keeps $? of the exit that started the trap as long as the trap itself does
# not call exit).
ksft_on_exit() {
	local t=$SECONDS
	defer_run
	[ "$KSFT_TIMING" != 1 ] ||
		log_info "${0##*/}: seconds before each TEST line: ${KSFT_TIMES[*]:-none}; clean-up $((SECONDS - t))"
}
trap ksft_on_exit EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ results
# ksft_result OK|FAIL|SKIP DESC: one result line, counted
ksft_result() {
	local verdict line
	case $1 in
	OK) verdict=" OK "; NUM_PASS=$((NUM_PASS + 1)) ;;
	SKIP) verdict=SKIP; NUM_SKIP=$((NUM_SKIP + 1)) ;;
	*) verdict=FAIL; NUM_FAIL=$((NUM_FAIL + 1)) ;;
	esac
	printf -v line "TEST: %-70s  [%s]" "$2" "$verdict"
	KSFT_TIMES+=("$((SECONDS - KSFT_T_LAST))")
	KSFT_T_LAST=$SECONDS
	printf '%s\n' "$line"
	[ -z "$KSFT_RESULTS_FILE" ] || printf '%s\n' "$line" >>"$KSFT_RESULTS_FILE"
}

# check_err RC MSG: record a failure when RC != 0 (first message wins).
check_err() {
	local rc=$1 msg=$2
	if [ "$RET" -eq 0 ] && [ "$rc" -ne 0 ]; then
		RET=$rc
		RETMSG=$msg
	fi
}

# check_fail RC MSG: record a failure when RC == 0 (the command should
# have failed).
check_fail() {
	local rc=$1 msg=$2
	if [ "$RET" -eq 0 ] && [ "$rc" -eq 0 ]; then
		RET=1
		RETMSG=$msg
	fi
}

# fail MSG: record a failure unconditionally.
fail() {
	check_err 1 "$1"
}

# log_test DESC: print the verdict for RET and reset it.
log_test() {
	local desc=$1
	if [ "$RET" -eq "$KSFT_SKIP" ]; then
		ksft_result SKIP "$desc"
	elif [ "$RET" -ne 0 ]; then
		ksft_result FAIL "$desc"
	else
		ksft_result OK "$desc"
	fi
	[ "$RET" -eq 0 ] || [ -z "$RETMSG" ] || printf "\t%s\n" "$RETMSG"
	RET=0
	RETMSG=
}

# log_test_skip DESC REASON
log_test_skip() {
	RET=$KSFT_SKIP
	RETMSG=$2
	log_test "$1"
}

# log_info MSG: commentary shown between TEST lines.
log_info() {
	printf "INFO: %s\n" "$*"
}

# exit_status: 1 if anything failed, 4 if nothing passed but something was
# skipped (or nothing ran), else 0.
exit_status() {
	if [ "$NUM_FAIL" -gt 0 ]; then
		echo "$KSFT_FAIL"
	elif [ "$NUM_PASS" -eq 0 ]; then
		echo "$KSFT_SKIP"
	else
		echo "$KSFT_PASS"
	fi
}

# skip_all MSG: the whole file cannot run here (a tool is missing): one
# SKIP line named after the file, exit 4.
skip_all() {
	ksft_result SKIP "${KSFT_NAME:-${0##*/}}"
	printf "\t%s\n" "$1"
	exit "$KSFT_SKIP"
}

# require_cmd CMD...: skip the whole file when a tool the test needs is
# missing (scripts/check.sh fails on skips unless CHECK_ALLOW_SKIP=1).
require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip_all "$c not installed"
	done
}

# setup_fail MSG: what the test file needs of the product (dlba.ko loads,
# the topology builds, a daemon or a back-end starts) did not work.  That
# is a failure of the product or the harness, not a missing tool: report it
# (one FAIL line "NAME: set-up", MSG below it) and stop.
setup_fail() {
	ksft_result FAIL "${KSFT_NAME:-${0##*/}}: set-up"
	printf "\t%s\n" "$1"
	exit "$KSFT_FAIL"
}

# ------------------------------------------------------------------ helpers
# Run a command quietly unless VERBOSE=1; on failure show its output.
run_cmd() {
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	if [ "$VERBOSE" = 1 ] || [ "$rc" -ne 0 ]; then
		printf "    cmd: %s (rc %d)\n" "$*" "$rc" >&2
		[ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/    /' >&2
	fi
	return "$rc"
}

# wait_for TIMEOUT_S CMD...: poll CMD (a command or shell function) every
# $WAIT_FOR_POLL seconds (0.2) until it succeeds or TIMEOUT_S have passed.
WAIT_FOR_POLL=${WAIT_FOR_POLL:-0.2}
wait_for() {
	local end=$((SECONDS + $1))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep "$WAIT_FOR_POLL"
	done
}

# wait_listen NS PROTO PORT [ADDR]: until something listens on PORT
# (tcp|udp), on ADDR if given, in network namespace NS ("" = this one);
# false after $WAIT_LISTEN_S seconds (30)
WAIT_LISTEN_S=${WAIT_LISTEN_S:-30}
wait_listen() {
	local ns=$1 proto=$2 port=$3 addr=${4:-} flag=-Htln filter
	[ "$proto" = udp ] && flag=-Huln
	filter="sport = :$port"
	[ -z "$addr" ] || filter="src $addr and $filter"
	wait_for "$WAIT_LISTEN_S" ksft_listening "$ns" "$flag" "$filter"
}

# ksft_listening NS SS-FLAGS FILTER: ss in NS ("" = this one) lists a socket
# (one process less than a pipe into grep: each costs in an emulated VM)
ksft_listening() {
	if [ -n "$1" ]; then
		[ -n "$(ip netns exec "$1" ss "$2" "$3")" ]
	else
		[ -n "$(ss "$2" "$3")" ]
	fi
}

# bracket ADDR: the host part of a URL or a service string (IPv6 in
# brackets)
bracket() { case $1 in *:*) echo "[$1]" ;; *) echo "$1" ;; esac; }

# field KEY "k1=v1 k2=v2": the value of KEY; 0 if KEY is absent or empty
# (the tallies count_servers and pf_tally print are read with it)
field() {
	local kv
	for kv in $2; do
		[ "${kv%%=*}" = "$1" ] && { kv=${kv#*=}; echo "${kv:-0}"; return 0; }
	done
	echo 0
}

# nginx_temp_paths DIR: the http-block lines that keep every nginx temporary
# file below DIR (the VM's root and the host's /var are not ours to write)
nginx_temp_paths() {
	local t
	for t in body proxy fastcgi uwsgi scgi; do
		printf '\t%s_temp_path %s/%s;\n' "${t/#body/client_body}" "$1" "$t"
	done
}
