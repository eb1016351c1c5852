# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The array (WO 01/69890 "Scheduler Failover") in network namespaces: three
# schedulers, each a whole node (corosync, dlba-arrayd, dlba.ko's own table
# in its namespace), in front of three nginx servers, with one client, all
# on one switch (br0 in SW), shared by selftests/dlba/array.sh:
#
#                       array net 198.18.1.0/24 (switch: br0 in SW)
#   +----------------+       |
#   | CLI .100-.104  |-------+------+---------------+---------------+
#   | VIP on-link    |       |      |               |               |
#   +----------------+   +------+ +------+       +------+        +------+
#        ^               | N1 .1| | N2 .2|  ...  | S1 .11| S2 .12 | S3 .13|
#        |               +------+ +------+       +------+        +------+
#        |               corosync, dlba-arrayd,  nginx, VIP on lo
#        |               dlba.ko (dr), eth1       (arp_ignore)
#        +--- replies straight from the server (never through a scheduler)
#
#   VIP 198.18.100.10/32 is on the elected node's eth1 (dlba-arrayd adds
#   it and sends gratuitous ARP); the client reaches it on-link, so its
#   neighbour entry for the VIP names the holder.  Every node has the same
#   dlba.ko service VIP:80/tcp (method dr, one hash key, servers 1-3), from
#   one dlba.conf file.  The nodes' corosync (knet over eth1) and
#   dlba-arrayd each run in a mount namespace of their own, where
#   $TESTDIR/nK/{lib,run} are /var/lib/corosync and /run.
#
# Usage: source lib.sh, lb_topo.sh (server and client helpers: srv_ns,
# srv_addr4, count_servers), dlba_lib.sh, then this file; array_setup;
# array_start N.  Variables: $CLI $SW $N1 $N2 $N3 $S1 $S2 $S3.

ARRAYD=${ARRAYD:-$REPO_DIR/build/userspace/arrayd/dlba-arrayd}
ARR_CLI4=198.18.1.100
ARR_CLI_EXTRA4=(198.18.1.101 198.18.1.102 198.18.1.103 198.18.1.104)
ARR_BUCKETS=${ARR_BUCKETS:-1024}
ARR_HASH_KEY=00112233445566778899aabbccddeeff
ARR_TOKEN_MS=${ARR_TOKEN_MS:-1000}
declare -A ARR_COROSYNC ARR_ARRAYD

arr_ns() { case $1 in 1) echo "$N1" ;; 2) echo "$N2" ;; 3) echo "$N3" ;; esac; }
arr_addr4() { echo "198.18.1.$1"; }
arr_dir() { echo "$TESTDIR/n$1"; }
# arr_ctl I ARGS...: dlbactl in node I's namespace
arr_ctl() {
	local i=$1
	shift
	dlbactl_ns "$(arr_ns "$i")" "$@"
}

# array_config I: node I's /etc/dlba/array.yaml (dlba-array.yaml(5))
array_config() {
	local i=$1 s
	cat <<EOF
node: n$i
cluster:
  name: dlba-selftest
  token: ${ARR_TOKEN_MS}ms
  nodes:
    - {name: n1, id: 1, address: $(arr_addr4 1), priority: 100}
    - {name: n2, id: 2, address: $(arr_addr4 2), priority: 100}
    - {name: n3, id: 3, address: $(arr_addr4 3), priority: 50}
vips:
  - name: web
    interface: eth1
    addresses: [$VIP4/32]
    announce: {count: 3, interval: 100ms}
sweep: {interval: 300ms, timeout: 1000ms, retries: 1, fall: 2, rise: 2}
members:
EOF
	for s in 1 2 3; do
		cat <<EOF
  - service: $VIP4:80/tcp
    server: $s
    check: {type: http, address: $(srv_addr4 "$s"):8080, path: /, expect: 200}
EOF
	done
	cat <<EOF
status:
  unix: $(arr_dir "$i")/status.sock
config:
  control: $(arr_dir "$i")/control.sock
  state_dir: $(arr_dir "$i")/state
EOF
}

# array_dlba_conf: the one dlba.conf every node applies
array_dlba_conf() {
	local s
	cat <<EOF
services:
  - service: $VIP4:80/tcp
    buckets: $ARR_BUCKETS
    hash_key: "$ARR_HASH_KEY"
    servers:
EOF
	for s in 1 2 3; do
		echo "      - {id: $s, addr: $(srv_addr4 "$s"), method: dr}"
	done
}

# shellcheck disable=SC2153 # setup_ns assigns the namespace variables by name
array_setup() {
	local i ns d
	require_root
	require_cmd nginx curl ip jq corosync unshare tc
	require_dlbactl
	[ -x "$ARRAYD" ] || setup_fail "dlba-arrayd not built ($ARRAYD)"
	# shellcheck disable=SC2034 # read by dlba_check_dmesg (dlba_lib.sh)
	DMESG_START=$(dmesg | wc -l)
	dlba_load || setup_fail "could not load $DLBA_KO"
	kmod_load veth bridge || return 1
	setup_ns SW CLI N1 N2 N3 S1 S2 S3 || return 1
	ip -n "$SW" link add br0 type bridge || return 1
	ip -n "$SW" link set br0 up || return 1

	veth_pair "$CLI" eth0 "$SW" vc || return 1
	ip -n "$SW" link set vc master br0 || return 1
	{
		echo "addr add $ARR_CLI4/24 dev eth0"
		for a in "${ARR_CLI_EXTRA4[@]}"; do echo "addr add $a/24 dev eth0"; done
		echo "route add $VIP4/32 dev eth0"
	} | ip -n "$CLI" -batch - || return 1
	# Small receive buffers: a slow reader keeps its flow on the wire
	ip netns exec "$CLI" sysctl -qw net.ipv4.tcp_rmem="4096 32768 65536" || return 1

	for i in 1 2 3; do
		ns=$(arr_ns "$i")
		veth_pair "$ns" eth1 "$SW" "vn$i" || return 1
		ip -n "$SW" link set "vn$i" master br0 || return 1
		ip -n "$ns" addr add "$(arr_addr4 "$i")/24" dev eth1 || return 1
		d=$(arr_dir "$i")
		mkdir -p "$d/lib" "$d/run" "$d/state"
		array_config "$i" >"$d/array.yaml"
		"$ARRAYD" --check -c "$d/array.yaml" >/dev/null || return 1
		"$ARRAYD" --corosync-conf -c "$d/array.yaml" >"$d/corosync.conf" || return 1
		array_dlba_conf >"$d/dlba.conf"
		# ARR_NO_DLBA=1: the nodes are left to another balancer (the
		# keepalived + IPVS anchor of bench/failover)
		[ "${ARR_NO_DLBA:-0}" = 1 ] ||
			arr_ctl "$i" apply -f "$d/dlba.conf" >/dev/null || return 1
	done

	for i in 1 2 3; do
		ns=$(srv_ns "$i")
		veth_pair "$ns" eth0 "$SW" "vs$i" || return 1
		ip -n "$SW" link set "vs$i" master br0 || return 1
		ip -n "$ns" addr add "$(srv_addr4 "$i")/24" dev eth0 || return 1
		vip_on_lo "$ns" -- net.ipv4.tcp_wmem="4096 16384 65536" || return 1
		nginx_start "$ns" "s$i" || return 1
	done
	# Neighbours resolved now, so first connections don't race ARP
	for i in 1 2 3; do
		for n in 1 2 3; do
			wait_for 20 ip netns exec "$(arr_ns "$n")" ping -q -c1 -W2 "$(srv_addr4 "$i")" ||
				return 1
		done
	done
}

# array_start I: node I's corosync, then its dlba-arrayd (each killed at exit)
array_start() {
	local i=$1 d ns
	d=$(arr_dir "$i")
	ns=$(arr_ns "$i")
	ip netns exec "$ns" unshare --mount sh -c \
		"mount --bind $d/lib /var/lib/corosync && mount --bind $d/run /run &&
		 exec corosync -f -c $d/corosync.conf" >>"$d/corosync.log" 2>&1 &
	ARR_COROSYNC[$i]=$!
	defer kill -9 "${ARR_COROSYNC[$i]}"
	ip netns exec "$ns" unshare --mount sh -c \
		"mount --bind $d/run /run && exec $ARRAYD -v -c $d/array.yaml" >>"$d/arrayd.log" 2>&1 &
	ARR_ARRAYD[$i]=$!
	defer kill -9 "${ARR_ARRAYD[$i]}"
}

# array_start_all: every node, so that n2 holds the VIP: n2 first, then n1,
# and n3 only once n2 and n1 are quorate together.  Their first quorate
# membership then elects n2 (priority 100 like n1, the higher address) and a
# holder keeps its group; started at once, n1 and n3's corosyncs may form
# the first quorate ring before n2's joins it, and elect n1 for good.
array_start_all() {
	array_start 2
	wait_for 60 grep -q "started: node n2" "$(arr_dir 2)/arrayd.log" || return 1
	array_start 1
	wait_for 60 arr_quorate 2 2 || return 1
	array_start 3
}

# array_kill I: kill -9 of every process of node I (a crash: dlba.ko's
# table and node I's addresses stay as they were)
array_kill() {
	{
		kill -9 "${ARR_COROSYNC[$1]}" "${ARR_ARRAYD[$1]}"
		wait "${ARR_COROSYNC[$1]}" "${ARR_ARRAYD[$1]}"
	} 2>/dev/null
}

# array_status I: node I's status document (JSON)
array_status() {
	"$PYTHON" - "$(arr_dir "$1")/status.sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
sys.stdout.write(data.decode())
PY
}

# arr_quorate I N: node I is quorate with N members
arr_quorate() {
	[ "$(array_status "$1" 2>/dev/null | jq -r '"\(.quorate) \(.members | length)"')" = "true $2" ]
}
# arr_holds I: node I has the VIP (on any of its devices)
arr_holds() { ip -n "$(arr_ns "$1")" -4 addr show | grep -q "inet $VIP4/"; }
# arr_released I: node I no longer has the VIP
arr_released() { ! arr_holds "$1"; }
# arr_holders [SKIP]: the nodes that have the VIP ("n1 n3 "), leaving out node SKIP
# shellcheck disable=SC2120 # SKIP is optional
arr_holders() {
	local i
	for i in 1 2 3; do
		[ "$i" = "${1:-}" ] && continue
		arr_holds "$i" && printf 'n%s ' "$i"
	done
}
# arr_mac I: node I's eth1 MAC
arr_mac() { mac_of "$(arr_ns "$1")" eth1; }
# arr_client_mac: the client's neighbour entry for the VIP
arr_client_mac() {
	ip -n "$CLI" -j neigh show "$VIP4" dev eth0 | jq -r '.[0].lladdr // empty'
}
# arr_client_has MAC: the client's neighbour entry for the VIP has MAC
arr_client_has() { [ "$(arr_client_mac)" = "$1" ]; }
# arr_table I: node I's bucket table of the service, as `buckets save` writes it
arr_table() { arr_ctl "$1" buckets save "$VIP4:80/tcp" -o -; }
# arr_packets I: packets node I's dlba.ko forwarded for the service
arr_packets() { arr_ctl "$1" -j service list | jq -r '.[0].stats.packets // 0'; }
# arr_version I: node I's table version
arr_version() { arr_ctl "$1" -j service list | jq -r '.[0].version'; }

array_logs() {
	local i
	for i in 1 2 3; do
		echo "--- n$i dlba-arrayd (last 25 lines)"
		tail -n 25 "$(arr_dir "$i")/arrayd.log"
		echo "--- n$i corosync (last 8 lines)"
		tail -n 8 "$(arr_dir "$i")/corosync.log"
	done
}
