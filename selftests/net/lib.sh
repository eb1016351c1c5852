# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Shared helpers for the DLBA network selftests, in the style of the
# kernel's tools/testing/selftests/net/lib.sh (written for DLBA):
#
#   - setup_ns VAR...     create uniquely named network namespaces, store
#                         each name in VAR, delete them on exit
#   - defer CMD...        push a clean-up command; all run in reverse order
#                         on EXIT (also on failure or ^C)
#   - RET / check_err / check_fail / log_test / log_test_skip
#                         result bookkeeping; log_test prints
#                         "TEST: <desc>  [ OK ]" | "[FAIL]" | "[SKIP]"
#   - exit_status         0 all passed, 1 any failed, 4 nothing ran (skip)
#   - setup_fail MSG      the product could not be set up (module load,
#                         topology): a FAIL line and exit 1, never a skip
#   - PLAN=N              every test file states how many TEST lines it
#                         prints; selftests/run.sh fails a file that
#                         reports fewer (a crash or a timeout half way)
#   - veth_pair, nginx_start, kmod_load, dlba_load, dlba_unload, ...
#
# Tests run as root inside the VM (selftests/vm/run-vm.sh) where the host
# root is read-only: everything written goes below $TESTDIR in /tmp.

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

SELFTESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_DIR=$(cd "$SELFTESTS_DIR/.." && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
DLBACTL=${DLBACTL:-$REPO_DIR/build/userspace/dlbactl/dlbactl}

# DLBA_TRACE=1: bash xtrace of the test file, with timestamps, into
# $DLBA_VM_RESULTS/trace-NAME.log (the VM's results share) or /tmp
if [ "${DLBA_TRACE:-0}" = 1 ]; then
	exec {BASH_XTRACEFD}>"${DLBA_VM_RESULTS:-/tmp}/trace-$(basename "$0" .sh).log"
	PS4='+ ${EPOCHREALTIME} ${BASH_SOURCE[0]##*/}:${LINENO}: '
	set -x
fi

NUM_PASS=0
NUM_FAIL=0
NUM_SKIP=0
RET=0
RETMSG=
VERBOSE=${VERBOSE:-0}

# ------------------------------------------------------------ defer / cleanup
DEFER_STACK=()

# defer CMD [ARG...]: run CMD at exit, after everything deferred later.
defer() {
	DEFER_STACK+=("$(printf '%q ' "$@")")
}

# Run and drop all deferred commands (newest first).  Safe to call twice.
defer_run() {
	local i
	for ((i = ${#DEFER_STACK[@]} - 1; i >= 0; i--)); do
		eval "${DEFER_STACK[$i]}" >/dev/null 2>&1 || true
	done
	DEFER_STACK=()
}

cleanup() {
	defer_run
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --------------------------------------------------------------- results
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
		printf "TEST: %-70s  [SKIP]\n" "$desc"
		[ -z "$RETMSG" ] || printf "\t%s\n" "$RETMSG"
		NUM_SKIP=$((NUM_SKIP + 1))
	elif [ "$RET" -ne 0 ]; then
		printf "TEST: %-70s  [FAIL]\n" "$desc"
		[ -z "$RETMSG" ] || printf "\t%s\n" "$RETMSG"
		NUM_FAIL=$((NUM_FAIL + 1))
	else
		printf "TEST: %-70s  [ OK ]\n" "$desc"
		NUM_PASS=$((NUM_PASS + 1))
	fi
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

# setup_fail MSG: what the test file needs of the product (dlba.ko loads,
# the topology builds, a daemon starts) did not work.  That is a failure
# of the product or the harness, not a missing tool: report it and stop.
setup_fail() {
	printf "TEST: %-70s  [FAIL]\n\t%s\n" "${0##*/}: set-up" "$1"
	exit "$KSFT_FAIL"
}

# require_root / require_cmd CMD...: skip the whole file when a tool the
# test needs is missing (scripts/check.sh fails on skips unless
# CHECK_ALLOW_SKIP=1).
skip_all() {
	printf "TEST: %-70s  [SKIP]\n\t%s\n" "${0##*/}" "$1"
	exit "$KSFT_SKIP"
}
require_root() {
	[ "$(id -u)" -eq 0 ] || skip_all "needs root"
}
require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip_all "$c not installed"
	done
}

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

# --------------------------------------------------------------- temp dir
TESTDIR=$(mktemp -d /tmp/dlba-selftest.XXXXXX)
# nginx workers and unprivileged test commands (nobody) read files here
chmod 755 "$TESTDIR"
defer rm -rf "$TESTDIR"

# -------------------------------------------------------------- namespaces
# setup_ns VAR...: create one namespace per VAR named VAR-<random>, with lo
# up, DAD off (addresses usable at once) and IPv4/IPv6 sysctls that make
# multi-homed forwarding predictable; store the name in VAR.
NS_LIST=()
setup_ns() {
	local var ns
	for var in "$@"; do
		ns="$var-$(mktemp -u XXXXXX)"
		ip netns add "$ns" || return 1
		defer ns_del "$ns"
		NS_LIST+=("$ns")
		ip -n "$ns" link set lo up
		# one sysctl process for all: every exec costs in an emulated VM
		ip netns exec "$ns" sysctl -qw \
			net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 \
			net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0 \
			net.ipv6.conf.default.accept_ra=0 >/dev/null 2>&1
		printf -v "$var" '%s' "$ns"
	done
}

# Kill every process left in NS, then delete it.
ns_del() {
	local ns=$1 pids
	pids=$(ip netns pids "$ns" 2>/dev/null)
	if [ -n "$pids" ]; then
		# shellcheck disable=SC2086
		kill -TERM $pids 2>/dev/null
		sleep 0.2
		pids=$(ip netns pids "$ns" 2>/dev/null)
		# shellcheck disable=SC2086
		[ -z "$pids" ] || kill -KILL $pids 2>/dev/null
	fi
	ip netns del "$ns" 2>/dev/null
}

# veth_pair NS1 DEV1 NS2 DEV2: link two namespaces, both ends up.
veth_pair() {
	local ns1=$1 dev1=$2 ns2=$3 dev2=$4
	ip link add "$dev1" netns "$ns1" type veth peer name "$dev2" netns "$ns2" || return 1
	ip -n "$ns1" link set "$dev1" up
	ip -n "$ns2" link set "$dev2" up
}

# mac_of NS DEV
mac_of() {
	ip -n "$1" link show dev "$2" | awk '/link\/ether/ { print $2; exit }'
}

# wait_for TIMEOUT_S CMD...: poll CMD (a command or shell function) until
# it succeeds or TIMEOUT_S seconds have passed.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.2
	done
}

# wait_listen NS PROTO PORT: until something listens on PORT (tcp|udp).
wait_listen() {
	local ns=$1 proto=$2 port=$3 flag=-Htln
	[ "$proto" = udp ] && flag=-Huln
	wait_for 30 sh -c "ip netns exec '$ns' ss $flag 'sport = :$port' | grep -q ."
}

# ------------------------------------------------------------------ nginx
# nginx_start NS NAME [PORT...]: run nginx-light in NS, listening on every
# PORT (default 80 8080) for IPv4 and IPv6.  Responses:
#   GET /      -> "server=NAME local=ADDR:PORT client=ADDR:PORT\n"
#   GET /big   -> $NGINX_BIG_MB MB (default 8) file, for streaming tests
# Access log: $TESTDIR/nginx-NAME/access.log ("client_addr client_port uri
# status bytes").  Stopped at exit.
NGINX_BIG_MB=${NGINX_BIG_MB:-8}
nginx_start() {
	local ns=$1 name=$2 port dir listen=
	shift 2
	[ $# -gt 0 ] || set -- 80 8080
	dir=$TESTDIR/nginx-$name
	mkdir -p "$dir/www" "$dir/tmp"
	[ -e "$TESTDIR/big" ] || truncate -s "${NGINX_BIG_MB}M" "$TESTDIR/big"
	ln -sf "$TESTDIR/big" "$dir/www/big"
	for port in "$@"; do
		listen+="		listen $port reuseport;
		listen [::]:$port ipv6only=on reuseport;
"
	done
	cat >"$dir/nginx.conf" <<EOF
worker_processes 1;
worker_rlimit_nofile 8192;
daemon on;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
	log_format dlba '\$remote_addr \$remote_port \$request_uri \$status \$bytes_sent';
	access_log $dir/access.log dlba;
	client_body_temp_path $dir/tmp/body;
	proxy_temp_path $dir/tmp/proxy;
	fastcgi_temp_path $dir/tmp/fastcgi;
	uwsgi_temp_path $dir/tmp/uwsgi;
	scgi_temp_path $dir/tmp/scgi;
	keepalive_timeout 30;
	sendfile on;
	default_type text/plain;
	server {
$listen
		root $dir/www;
		location = / {
			return 200 "server=$name local=\$server_addr:\$server_port client=\$remote_addr:\$remote_port\n";
		}
		location = /big { }
	}
}
EOF
	ip netns exec "$ns" nginx -c "$dir/nginx.conf" -e "$dir/error.log" || return 1
	defer nginx_stop "$dir"
	wait_listen "$ns" tcp "$1"
}

nginx_stop() {
	local dir=$1 pid
	pid=$(cat "$dir/nginx.pid" 2>/dev/null) || return 0
	kill -QUIT "$pid" 2>/dev/null
	wait_for 5 sh -c "! kill -0 $pid" || kill -KILL "$pid" 2>/dev/null
}

# --------------------------------------------------------- kernel modules
# kmod_load NAME...: load modules (and their dependencies).  modprobe works
# in the VM (the host root is the root); if it does not (a chroot without
# module tools), insmod the module files from /lib/modules/$(uname -r),
# decompressing .ko.xz/.ko.zst into $TESTDIR.  Built-in modules are fine.
kmod_load() {
	local m
	for m in "$@"; do
		kmod_is_loaded "$m" && continue
		modprobe -q "$m" 2>/dev/null && continue
		kmod_insmod_tree "$m" || return 1
	done
}

kmod_is_loaded() {
	local m=${1//-/_}
	[ -d "/sys/module/$m" ]
}

kmod_insmod_tree() {
	local m=$1 path dep ko
	kmod_is_loaded "$m" && return 0
	path=$(modinfo -n "$m" 2>/dev/null) || { echo "kmod: no module $m" >&2; return 1; }
	[ "$path" = "(builtin)" ] && return 0
	for dep in $(modinfo -F depends "$m" | tr ',' ' '); do
		kmod_insmod_tree "$dep" || return 1
	done
	mkdir -p "$TESTDIR/modules"
	case "$path" in
	*.ko.xz) ko=$TESTDIR/modules/$m.ko; xz -dc "$path" >"$ko" ;;
	*.ko.zst) ko=$TESTDIR/modules/$m.ko; zstd -qdc "$path" >"$ko" ;;
	*) ko=$path ;;
	esac
	insmod "$ko"
}

# dlba_load: insmod $DLBA_KO (after its dependencies).  A missing DLBA_KO
# is a failure of the harness (setup_fail), not a skip.
dlba_load() {
	local deps
	[ -n "${DLBA_KO:-}" ] && [ -f "$DLBA_KO" ] ||
		setup_fail "DLBA_KO not set or not built (${DLBA_KO:-unset})"
	kmod_is_loaded dlba && return 0
	deps=$(modinfo -F depends "$DLBA_KO" 2>/dev/null | tr ',' ' ')
	# shellcheck disable=SC2086
	[ -z "$deps" ] || kmod_load $deps || return 1
	insmod "$DLBA_KO"
}

# dlba_unload: rmmod dlba if loaded.
dlba_unload() {
	kmod_is_loaded dlba || return 0
	rmmod dlba
}

require_dlbactl() {
	[ -x "$DLBACTL" ] || setup_fail "dlbactl not built ($DLBACTL)"
}

# dlbactl_ns NS ARGS...: run dlbactl in a namespace.
dlbactl_ns() {
	local ns=$1
	shift
	ip netns exec "$ns" "$DLBACTL" "$@"
}
