# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The load-balancer test topology shared by selftests/dlba/*.sh (and the
# IPVS anchor test), built from network namespaces and veth pairs:
#
#                 client net                        server net (one L2 segment)
#   +--------+  198.18.0.0/24      +--------------+  198.18.1.0/24  +------------+
#   | CLI    |  fd00:db1a:c::/64   | LB           |  fd00:db1a:1::/64| S1 .11 ::11|
#   | eth0 .2|---------------------| eth0 .1  br0 |--+--------------| eth0       |
#   | ::2    |                     | ::1      .1  |  |              +------------+
#   | +.100- |                     |          ::1 |  +-- S2 .12 ::12 (eth0)
#   |  .103  |                     | lo: VIP      |  +-- S3 .13 ::13 (eth0)
#   +--------+                     +--------------+
#
#   VIP    198.18.100.10  fd00:db1a:100::10 (on the LB's lo; the LB routes
#          between the two nets: it is every server's default gateway, so
#          nat replies come back through it)
#   Servers hold the VIP on lo (dr, tun) with arp_ignore=1/arp_announce=2,
#   have tunl0 (ipip) and ip6tnl0 (ip6ip6) up for tun, rp_filter off, and
#   run nginx on 80 and 8080 (v4+v6): GET / answers
#   "server=sN local=ADDR:PORT client=ADDR:PORT", GET /big streams a file.
#   With LB_TOPO_UDP=udp, a UDP echo server (net/udp_echo.py) on port 9000 answers
#   "server=sN local=... client=..." from the address the datagram was sent
#   to.
#
# Usage: source lib.sh, then this file; lb_topo_setup; then variables:
#   $CLI $LB $S1 $S2 $S3            namespace names
#   $VIP4 $VIP6 $CLI4 $CLI6          addresses (lib.sh's address plan)
#   srv_addr4 N / srv_addr6 N / srv_addr FAM N / srv_mac N / srv_ns N

# The address plan is lib.sh's (VIP4/6, CLI4/6, the gateways); the LB is
# the gateway of both nets here.
LB_CLI4=$CLI_GW4
LB_CLI6=$CLI_GW6
LB_SRV4=$SRV_GW4
LB_SRV6=$SRV_GW6
UDP_PORT=9000
# extra client source addresses (for spreading buckets)
CLI_EXTRA4=(198.18.0.100 198.18.0.101 198.18.0.102 198.18.0.103)
CLI_EXTRA6=(fd00:db1a:c::100 fd00:db1a:c::101 fd00:db1a:c::102 fd00:db1a:c::103)

srv_addr4() { echo "198.18.1.1$1"; }
srv_addr6() { echo "fd00:db1a:1::1$1"; }
srv_ns() {
	case $1 in 1) echo "$S1" ;; 2) echo "$S2" ;; 3) echo "$S3" ;; esac
}
srv_mac() { mac_of "$(srv_ns "$1")" eth0; }

# srv_addr FAMILY N (vip, svc, url: lib.sh)
srv_addr() { if [ "$1" = 4 ]; then srv_addr4 "$2"; else srv_addr6 "$2"; fi; }

# shellcheck disable=SC2153 # setup_ns assigns the namespace variables (CLI, LB, ...) by name
lb_topo_setup() {
	local i ns a
	kmod_load veth ipip ip6_tunnel bridge || return 1
	setup_ns CLI LB S1 S2 S3 || return 1

	# ip -batch: one process per namespace, as every exec costs in an
	# emulated VM
	veth_pair "$CLI" eth0 "$LB" eth0 || return 1
	{
		echo "addr add $CLI4/24 dev eth0"
		echo "addr add $CLI6/64 dev eth0 nodad"
		for a in "${CLI_EXTRA4[@]}"; do echo "addr add $a/24 dev eth0"; done
		for a in "${CLI_EXTRA6[@]}"; do echo "addr add $a/64 dev eth0 nodad"; done
		echo "route add default via $LB_CLI4"
		echo "route add ::/0 via $LB_CLI6"
	} | ip -n "$CLI" -batch - || return 1
	# Small client receive buffers: a client reading slowly (curl
	# --limit-rate) then really keeps its flow alive on the wire, instead
	# of the whole response landing in socket buffers at once.
	ip netns exec "$CLI" sysctl -qw net.ipv4.tcp_rmem="4096 32768 65536" || return 1

	# A bridge takes the lowest MAC of its ports unless given one: a port
	# added later (a test's second LB) could change it under the servers'
	# ARP entries for their gateway, whose frames the LB then ignores.
	ip -n "$LB" -batch - <<-EOF || return 1
		addr add $LB_CLI4/24 dev eth0
		addr add $LB_CLI6/64 dev eth0 nodad
		link add br0 address 02:00:db:1a:00:01 type bridge
		link set br0 up
		addr add $LB_SRV4/24 dev br0
		addr add $LB_SRV6/64 dev br0 nodad
		addr add $VIP4/32 dev lo
		addr add $VIP6/128 dev lo nodad
	EOF
	# The LB routes between the nets.  Direct-routing replies carry the
	# VIP, one of the LB's own addresses, as source: accept_local lets it
	# forward them instead of dropping them as martians.
	ip netns exec "$LB" sysctl -qw \
		net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 \
		net.ipv4.conf.all.accept_local=1 \
		net.ipv4.conf.default.accept_local=1 \
		net.ipv4.conf.eth0.accept_local=1 \
		net.ipv4.conf.br0.accept_local=1 \
		net.ipv4.conf.eth0.rp_filter=0 \
		net.ipv4.conf.br0.rp_filter=0 || return 1

	for i in 1 2 3; do
		ns=$(srv_ns "$i")
		veth_pair "$ns" eth0 "$LB" "vs$i" || return 1
		ip -n "$LB" link set "vs$i" master br0 || return 1
		# VIP on lo for dr and tun (never answering ARP for it);
		# tun: fallback tunnel devices decapsulate from any source
		ip -n "$ns" -batch - <<-EOF || return 1
			addr add $(srv_addr4 "$i")/24 dev eth0
			addr add $(srv_addr6 "$i")/64 dev eth0 nodad
			route add default via $LB_SRV4
			route add ::/0 via $LB_SRV6
			link set tunl0 up
			link set ip6tnl0 up
		EOF
		vip_on_lo "$ns" tunl0 -- net.ipv4.tcp_wmem="4096 16384 65536" || return 1
		nginx_start "$ns" "s$i" || return 1
		if [ "${LB_TOPO_UDP:-}" = udp ]; then
			udp_echo_spawn "$ns" "s$i"
		fi
	done
	# the three echo servers start (python, seconds in the VM) side by side
	if [ "${LB_TOPO_UDP:-}" = udp ]; then
		for i in 1 2 3; do
			wait_listen "$(srv_ns "$i")" udp "$UDP_PORT" || return 1
		done
	fi
	# resolve neighbours now so the first connections don't race ARP/ND
	# (retried: on a loaded machine a first ping may miss its second)
	for i in 1 2 3; do
		wait_for 20 ip netns exec "$LB" ping -q -c1 -W2 "$(srv_addr4 "$i")" || return 1
		wait_for 20 ip netns exec "$LB" ping -q -c1 -W2 "$(srv_addr6 "$i")" || return 1
	done
	wait_for 20 ip netns exec "$CLI" ping -q -c1 -W2 "$LB_CLI4" || return 1
	wait_for 20 ip netns exec "$CLI" ping -q -c1 -W2 "$LB_CLI6" || return 1
}

# udp_echo_spawn NS NAME: start a UDP echo server on $UDP_PORT (v4 + v6)
# in the background; wait_listen tells when it listens.
udp_echo_spawn() {
	local ns=$1 name=$2
	ip netns exec "$ns" "$PYTHON" "$SELFTESTS_DIR/net/udp_echo.py" \
		--name "$name" --port "$UDP_PORT" \
		>"$TESTDIR/udp-$name.log" 2>&1 &
	defer kill "$!"
}

# ------------------------------------------------------------ client side
# http_many FAMILY N [PATH] [SRCADDR...]: N new TCP connections from the
# client (one curl process per source address, "Connection: close" so that
# every request uses a new connection and so a new source port).  Prints
# one response body per line; failed transfers and HTTP errors (curl -f)
# print "ERROR".
http_many() {
	local fam=$1 n=$2 path=${3:-/} u cfg per i src rc
	shift 3 2>/dev/null || shift $#
	[ $# -gt 0 ] || { if [ "$fam" = 4 ]; then set -- "$CLI4"; else set -- "$CLI6"; fi; }
	u=$(url "$fam" "$path")
	per=$(( (n + $# - 1) / $# ))
	for src in "$@"; do
		[ "$n" -gt 0 ] || break
		[ "$per" -le "$n" ] || per=$n
		n=$((n - per))
		cfg=$TESTDIR/curl-$$.cfg
		: >"$cfg"
		for ((i = 0; i < per; i++)); do
			printf 'url = "%s"\n' "$u" >>"$cfg"
		done
		ip netns exec "$CLI" curl -fsS --max-time 20 --connect-timeout 3 \
			--interface "$src" -H 'Connection: close' -K "$cfg" \
			-w '%{onerror}ERROR\n'
		rc=$?
		[ $rc -eq 0 ] || echo "ERROR curl rc=$rc"
	done
}

# count_servers: read bodies on stdin, print "s1=N s2=N s3=N err=N".
# Any line that is not a server's answer ("ERROR", an error page, stray
# text) counts as an error.
count_servers() {
	awk '
		/^server=s[1-3] local=/ { split($1, a, "="); c[a[2]]++; next }
		/[^ \t]/ { e++ }
		END { printf "s1=%d s2=%d s3=%d err=%d\n", c["s1"], c["s2"], c["s3"], e }'
}
