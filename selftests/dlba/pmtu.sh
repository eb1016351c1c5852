#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Path MTU discovery for clients behind a narrower link, in every mode: the
# router in front of the client sends "fragmentation needed" / "packet too
# big" to the source of the too-big response, the VIP.  Only the server that
# sent it can use the error; dlba.ko forwards it there by the bucket of the
# quoted destination (the client), stateless (ICMP errors routed by the embedded
# port, as in Oblak, Barcelo and Guler's "Load balancing system and method
# for data communication network").  Without that the download
# stalls: the server keeps sending full-size segments that never arrive.
#
#                                      LB (VIP on lo) ---- br0 --+-- S1 nginx (dr: VIP on lo,
#   P (client) ---- R (router) ------- eth2                      +-- S2  tun: tunl0/ip6tnl0,
#   eth0 .4.2       eth1 .4.1 mtu 1400  .3.1                     +-- S3  nat: :8080)
#   mtu 1500        eth0 .3.2
#   fd00:db1a:4::2  ::4:1 / ::3:2       fd00:db1a:3::1
#
#   Servers answer through the LB (their gateway), the LB routes to R, R
#   cannot pass a 1500-byte packet on to P: it sends the ICMP error to the
#   VIP, which the LB owns.  P's MTU stays 1500, so its MSS does not hide
#   the narrow link.  (The client net of lb_topo.sh is unused here.)
source "$(dirname "$(readlink -f "$0")")/../net/lib.sh"
NGINX_BIG_MB=1
source "$SELFTESTS_DIR/net/lb_topo.sh"
source "$SELFTESTS_DIR/net/dlba_lib.sh"

# shellcheck disable=SC2034 # read by selftests/run.sh
# shellcheck disable=SC2034 # read from this file's text by selftests/run.sh
PLAN=6

dlba_setup

P4=198.18.4.2
P6=fd00:db1a:4::2
setup_ns R P || setup_fail "namespaces"
veth_pair "$LB" eth2 "$R" eth0 || setup_fail "veth LB-R"
veth_pair "$R" eth1 "$P" eth0 || setup_fail "veth R-P"
ip -n "$R" link set eth1 mtu 1400
ip -n "$LB" addr add 198.18.3.1/24 dev eth2
ip -n "$LB" addr add fd00:db1a:3::1/64 dev eth2 nodad
ip -n "$R" addr add 198.18.3.2/24 dev eth0
ip -n "$R" addr add fd00:db1a:3::2/64 dev eth0 nodad
ip -n "$R" addr add 198.18.4.1/24 dev eth1
ip -n "$R" addr add fd00:db1a:4::1/64 dev eth1 nodad
ip -n "$P" addr add "$P4/24" dev eth0
ip -n "$P" addr add "$P6/64" dev eth0 nodad
ip -n "$P" route add default via 198.18.4.1
ip -n "$P" -6 route add default via fd00:db1a:4::1
ip -n "$R" route add default via 198.18.3.1
ip -n "$R" -6 route add default via fd00:db1a:3::1
ip -n "$LB" route add 198.18.4.0/24 via 198.18.3.2
ip -n "$LB" -6 route add fd00:db1a:4::/64 via fd00:db1a:3::2
ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 ||
	setup_fail "forwarding on R"
ip netns exec "$LB" sysctl -qw net.ipv4.conf.eth2.rp_filter=0
wait_for 20 ip netns exec "$P" ping -q -c1 -W2 198.18.3.1 || setup_fail "P cannot reach the LB"
wait_for 20 ip netns exec "$P" ping -6 -q -c1 -W2 fd00:db1a:3::1 || setup_fail "P cannot reach the LB (IPv6)"

# forget every learnt path MTU, so each download has to discover it
flush_pmtu() {
	local ns
	for ns in "$LB" "$R" "$S1" "$S2" "$S3"; do
		ip -n "$ns" route flush cache 2>/dev/null
		ip -n "$ns" -6 route flush cache 2>/dev/null
	done
}

download() {
	local fam=$1 method=$2 s out want=$((NGINX_BIG_MB * 1024 * 1024)) i pmtu
	s=$(svc "$fam")
	svc_setup "$fam" "$method" tcp "1 1 1" --buckets 1024
	check_err $? "service setup"
	flush_pmtu
	out=$(ip netns exec "$P" curl -sS --max-time 20 -o /dev/null \
		-w '%{http_code} %{size_download}' "$(url "$fam" /big)" 2>&1)
	pmtu=$(for i in 1 2 3; do
		ip -n "$(srv_ns "$i")" -"$fam" route get "$([ "$fam" = 4 ] && echo "$P4" || echo "$P6")" |
			grep -o 'mtu [0-9]*'
	done | tr '\n' ' ')
	[ "$out" = "200 $want" ] ||
		fail "download through the 1400-byte link: '$out' of $want bytes (servers' path MTU to P: ${pmtu:-none}; stats $(svc_json "$s" | jq -c .stats))"
	log_test "dlba: IPv$fam $method: 1 MiB to a client behind a 1400-byte link (path MTU discovery; server learnt ${pmtu:-?})"
	lbctl flush
}

for fam in 4 6; do
	for method in dr tun nat; do
		download "$fam" "$method"
	done
done

dlba_check_dmesg
exit "$(exit_status)"
