# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Shared helpers for the DLBA network selftests, in the style of the
# kernel's tools/testing/selftests/net/lib.sh (written for DLBA).  The
# results, defer scopes and generic helpers come from ksft.sh (shared with
# dlbad's integration tests and bench/l4); this file adds what needs root
# and network namespaces:
#
#   - the address plan both topologies (lb_topo.sh, pentaflow_topo.sh) use:
#     VIP4/VIP6, CLI4/CLI6, the two gateways, vip, svc, url
#   - setup_ns VAR...     create uniquely named network namespaces, store
#                         each name in VAR, delete them on exit (deferred)
#   - vip_on_lo NS        the VIP on lo of a real server that never answers
#                         ARP for it (dr, tun)
#   - setup_fail MSG      (ksft.sh) the product could not be set up (module
#                         load, topology): a FAIL line and exit 1, never a skip
#   - PLAN=N              every test file states how many TEST lines it
#                         prints; selftests/run.sh fails a file that
#                         reports fewer (a crash or a timeout half way)
#   - veth_pair, wait_listen, nginx_start, nginx_serve, kmod_load,
#     dlba_load, dlba_unload, ...
#
# Tests run as root inside the VM (selftests/vm/run-vm.sh) where the host
# root is read-only: everything written goes below $TESTDIR in /tmp.

SELFTESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_DIR=$(cd "$SELFTESTS_DIR/.." && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
DLBACTL=${DLBACTL:-$REPO_DIR/build/userspace/dlbactl/dlbactl}
source "$SELFTESTS_DIR/net/ksft.sh"

# jq 1.6 compiles its builtins at every start: ~0.7 s a call in the
# emulated VM, where the tests call it hundreds of times.  gojq runs the
# same filters and starts in a few milliseconds; its objects come out with
# sorted keys, as with jq -S (the flag it lacks, dropped here).
if command -v gojq >/dev/null 2>&1; then
	jq() {
		local a=() x
		for x in "$@"; do [ "$x" = -S ] || a+=("$x"); done
		gojq "${a[@]}"
	}
fi

# DLBA_TRACE=1: bash xtrace of the test file, with timestamps, into
# $DLBA_VM_RESULTS/trace-NAME.log (the VM's results share) or /tmp
if [ "${DLBA_TRACE:-0}" = 1 ]; then
	exec {BASH_XTRACEFD}>"${DLBA_VM_RESULTS:-/tmp}/trace-$(basename "$0" .sh).log"
	PS4='+ ${EPOCHREALTIME} ${BASH_SOURCE[0]##*/}:${LINENO}: '
	set -x
fi

# require_root: skip the whole file when not run as root (setup_fail and
# require_cmd are ksft.sh's, shared with dlbad's integration tests).
require_root() {
	[ "$(id -u)" -eq 0 ] || skip_all "needs root"
}

# ------------------------------------------------------------- address plan
# One plan for both topologies: the client net 198.18.0.0/24 and
# fd00:db1a:c::/64 (client .2, its gateway .1), the server (array) net
# 198.18.1.0/24 and fd00:db1a:1::/64 (its gateway .1), the VIP
# 198.18.100.10 / fd00:db1a:100::10.  lb_topo.sh's gateway is the LB,
# pentaflow_topo.sh's a router (RTR); each names them after its own boxes.
# shellcheck disable=SC2034 # the topologies and the test files read them
{
VIP4=198.18.100.10
VIP6=fd00:db1a:100::10
CLI4=198.18.0.2
CLI6=fd00:db1a:c::2
CLI_GW4=198.18.0.1
CLI_GW6=fd00:db1a:c::1
SRV_GW4=198.18.1.1
SRV_GW6=fd00:db1a:1::1
}

# vip FAMILY: the VIP of family 4 or 6
vip() { if [ "$1" = 4 ]; then echo "$VIP4"; else echo "$VIP6"; fi; }
# svc FAMILY [PORT] [PROTO] -> "198.18.100.10:80/tcp" / "[fd00:..]:80/tcp"
svc() { echo "$(bracket "$(vip "$1")"):${2:-80}/${3:-tcp}"; }
# url FAMILY [PATH] [PORT] [SCHEME] -> http://VIP:PORT/PATH
# (no PORT: 80; an empty PORT: the scheme's own, as for https)
url() {
	local port=${3-80}
	echo "${4:-http}://$(bracket "$(vip "$1")")${port:+:$port}${2:-/}"
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

# vip_on_lo NS [DEV...]: the VIP on NS's lo, for a real server of dr or
# tun (or a DLBA server behind the scheduler): the packets for the VIP
# arrive with its MAC or in a tunnel, and it never answers ARP for the VIP
# (arp_ignore=1, arp_announce=2 on all and on eth0), so that only the
# balancer takes the VIP's traffic.  rp_filter is off on eth0 and on every
# DEV (tunl0 for tun): replies and decapsulated packets come from anywhere.
# EXTRA sysctls (name=value) may follow "--".
vip_on_lo() {
	local ns=$1 dev sysctls=()
	shift
	sysctls=(net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
		net.ipv4.conf.eth0.arp_ignore=1 net.ipv4.conf.eth0.arp_announce=2
		net.ipv4.conf.eth0.rp_filter=0)
	while [ $# -gt 0 ]; do
		dev=$1
		shift
		[ "$dev" = -- ] && { sysctls+=("$@"); break; }
		sysctls+=("net.ipv4.conf.$dev.rp_filter=0")
	done
	ip -n "$ns" -batch - <<-EOF || return 1
		addr add $VIP4/32 dev lo
		addr add $VIP6/128 dev lo nodad
	EOF
	ip netns exec "$ns" sysctl -qw "${sysctls[@]}"
}

# mac_of NS DEV
mac_of() {
	ip -n "$1" link show dev "$2" | awk '/link\/ether/ { print $2; exit }'
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
	# shellcheck disable=SC2016 # nginx variables, not the shell's
	nginx_serve "$ns" "$dir" "$1" \
		'$remote_addr $remote_port $request_uri $status $bytes_sent' <<EOF
		keepalive_timeout 30;
		sendfile on;
$listen
		root $dir/www;
		location = / {
			return 200 "server=$name local=\$server_addr:\$server_port client=\$remote_addr:\$remote_port\n";
		}
		location = /big { }
EOF
}

# nginx_serve NS DIR PORT LOGFORMAT: run nginx in NS from DIR (its
# nginx.conf, pid, logs and temporary files) with the inside of its server
# block read from stdin; requests are logged to DIR/access.log as LOGFORMAT
# (nginx variables).  Stopped at exit (deferred); returns when PORT listens.
nginx_serve() {
	local ns=$1 dir=$2 port=$3 logformat=$4
	mkdir -p "$dir/tmp"
	{
		cat <<EOF
worker_processes 1;
worker_rlimit_nofile 8192;
daemon on;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
	log_format t '$logformat';
	access_log $dir/access.log t;
$(nginx_temp_paths "$dir/tmp")
	default_type text/plain;
	server {
EOF
		cat
		printf '\t}\n}\n'
	} >"$dir/nginx.conf"
	ip netns exec "$ns" nginx -c "$dir/nginx.conf" -e "$dir/error.log" || return 1
	defer nginx_stop "$dir"
	wait_listen "$ns" tcp "$port"
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
