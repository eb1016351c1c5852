#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# nat's slow path (kmod/xmit.c DLBA_NAT_SLOW): packets nat cannot forward
# on the server's cached route are rewritten and left to the LB's normal
# forwarding, which owes the client an ICMP error when it cannot deliver
# them.  That error must reach the client and quote what the client sent
# (VIP:port), never the server's real address or port (kmod/hooks.c,
# LOCAL_OUT): then the client's socket gets it, and PMTU discovery works.
# Unusual but valid packets (IPv4 options, IPv6 extension headers) are
# forwarded as a router would.  IPv4 and IPv6:
#   - TTL / hop limit 1: time exceeded (TTL 2 is served)
#   - DF datagram larger than the path to the server (MTU 1300): frag
#     needed / packet too big with MTU 1300; the client's PMTU becomes 1300
#   - a TCP upload over that path completes (PMTU discovery, no black hole)
#   - IPv4 options / IPv6 destination and hop-by-hop options: served
#   - server without a route: network unreachable (no route)
#   - server on the LAN that never answers ARP/ND: host/address unreachable
# Every ICMP seen on the client's link is checked byte for byte
# (net/icmp_probe.py): quoted destination VIP:port, no server address.
#
#   CLI 198.18.0.2 / fd00:db1a:c::2          LB dlba.ko (nat)            S1 .11 / ::11
#   net/icmp_probe.py ---- eth0 198.18.0.1 | br0 198.18.1.1 ----+--- udp echo :9000,
#   (IP_RECVERR, AF_PACKET)    fd00:db1a:c::1 | fd00:db1a:1::1   |    nginx :8080, sink :7000
#                          VIP 198.18.100.10 / fd00:db1a:100::10  |    route LB->S1: mtu 1300
#                          :9000/udp :80/tcp :7000/tcp -> S1      +--- .99 / ::99: nobody
#                          :9001/udp -> 192.0.2.1 / 2001:db8::1 (no route)
#                          :9002/udp -> .99 / ::99 (no neighbour)
#   (addresses: selftests/net/lb_topo.sh)
source "$(dirname "$(readlink -f "$0")")/../net/lib.sh"
source "$SELFTESTS_DIR/net/lb_topo.sh"
source "$SELFTESTS_DIR/net/dlba_lib.sh"

# shellcheck disable=SC2034 # read by selftests/run.sh
# shellcheck disable=SC2034 # read from this file's text by selftests/run.sh
PLAN=12

SINK_PORT=7000
MTU=1300

dlba_setup udp
# every probe's error must be sent, however close together
ip netns exec "$LB" sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0 ||
	setup_fail "icmp rate limits"
ip netns exec "$S1" "$PYTHON" "$SELFTESTS_DIR/net/icmp_probe.py" --sink --port "$SINK_PORT" \
	>"$TESTDIR/sink.log" 2>&1 &
defer kill "$!"
wait_listen "$S1" tcp "$SINK_PORT" || setup_fail "TCP sink on s1 did not start"

noroute() { if [ "$1" = 4 ]; then echo 192.0.2.1; else echo 2001:db8::1; fi; }
noneigh() { if [ "$1" = 4 ]; then echo 198.18.1.99; else echo fd00:db1a:1::99; fi; }
lb_cli() { if [ "$1" = 4 ]; then echo "$LB_CLI4"; else echo "$LB_CLI6"; fi; }

probe() {
	ip netns exec "$CLI" "$PYTHON" "$SELFTESTS_DIR/net/icmp_probe.py" "$@"
}

# forget what the client learnt of the path MTU to the VIP
flush_pmtu() {
	ip -n "$CLI" -4 route flush cache
	ip -n "$CLI" -6 route flush cache
}

# check_icmp FAM OUT PORT: OUT (icmp_probe.py output) has at least one ICMP
# error, each from the LB's client-side address, quoting VIP:PORT and
# holding no byte of a --forbid address (the servers')
check_icmp() {
	local fam=$1 out=$2 port=$3 line bad=
	grep -q '^ICMP ' <<<"$out" || { fail "no ICMP error reached the client: $(tr '\n' '|' <<<"$out")"; return; }
	while read -r line; do
		case $line in
		"ICMP src=$(lb_cli "$fam") "*"inner_dst=$(vip "$fam"):$port forbidden=-") ;;
		*) bad=$line ;;
		esac
	done <<<"$(grep '^ICMP ' <<<"$out")"
	[ -z "$bad" ] || fail "ICMP reveals the server or is not from the LB: $bad"
}

# probe_err FAM DESC WANT-ERRQUEUE-PREFIX PORT PROBE-ARGS...: a request that
# must get no answer, but an ICMP error its socket accepts
probe_err() {
	local fam=$1 desc=$2 want=$3 port=$4 out
	shift 4
	out=$(probe --dst "$(vip "$fam")" --port "$port" --forbid "$(srv_addr "$fam" 1)" \
		--forbid "$(noroute "$fam")" --forbid "$(noneigh "$fam")" "$@")
	grep -q '^NOREPLY' <<<"$out" || fail "answered: $(grep REPLY <<<"$out")"
	grep -q "^ERRQUEUE $want" <<<"$out" ||
		fail "the client's socket got no '$want': $(tr '\n' '|' <<<"$out")"
	check_icmp "$fam" "$out" "$port"
	PROBE_OUT=$out
}

setup_nat() {
	local fam=$1 s1 vs
	s1=$(srv_addr "$fam" 1)
	vs=$(svc "$fam" "$SINK_PORT" tcp)
	svc_setup "$fam" nat udp "1" --buckets 256 &&
		svc_setup "$fam" nat tcp "1" --buckets 256 &&
		run_cmd lbctl service add "$vs" --buckets 256 &&
		run_cmd lbctl server add "$vs" --id 1 --addr "$s1" --method nat &&
		run_cmd lbctl service add "$(svc "$fam" 9001 udp)" --buckets 256 &&
		run_cmd lbctl server add "$(svc "$fam" 9001 udp)" --id 1 --addr "$(noroute "$fam")" --method nat &&
		run_cmd lbctl service add "$(svc "$fam" 9002 udp)" --buckets 256 &&
		run_cmd lbctl server add "$(svc "$fam" 9002 udp)" --id 1 --addr "$(noneigh "$fam")" --method nat ||
		return 1
	# the path from the LB to s1 is narrower than the client's link
	if [ "$fam" = 4 ]; then
		ip -n "$LB" route add "$s1/32" dev br0 mtu "$MTU"
	else
		ip -n "$LB" -6 route add "$s1/128" dev br0 mtu "$MTU"
	fi
}

natslow() {
	local fam=$1 s1 out v ext
	s1=$(srv_addr "$fam" 1)
	setup_nat "$fam"
	check_err $? "nat services setup failed"

	# TTL / hop limit
	if [ "$fam" = 4 ]; then
		probe_err 4 "TTL 1" "errno=113 origin=2 type=11 code=0 " "$UDP_PORT" --ttl 1
	else
		probe_err 6 "hop limit 1" "errno=113 origin=3 type=3 code=0 " "$UDP_PORT" --ttl 1
	fi
	out=$(probe --dst "$(vip "$fam")" --port "$UDP_PORT" --ttl 2)
	grep -q "^REPLY server=s1 local=$s1:$UDP_PORT " <<<"$out" || fail "TTL 2 not served: $out"
	log_test "nat: IPv$fam $([ "$fam" = 4 ] && echo "TTL" || echo "hop limit") 1: time exceeded reaches the client, quotes the VIP, not s1"

	# DF and too big for the LB -> s1 path
	flush_pmtu
	if [ "$fam" = 4 ]; then
		probe_err 4 "DF" "errno=90 origin=2 type=3 code=4 info=$MTU " "$UDP_PORT" --df --size 1400
	else
		probe_err 6 "too big" "errno=90 origin=3 type=2 code=0 info=$MTU " "$UDP_PORT" --df --size 1400
	fi
	grep -qx "PMTU $MTU" <<<"$PROBE_OUT" || fail "the client's path MTU to the VIP is not $MTU: $(grep PMTU <<<"$PROBE_OUT")"
	log_test "nat: IPv$fam $([ "$fam" = 4 ] && echo "DF datagram > path MTU: frag needed" || echo "datagram > path MTU: packet too big") $MTU for the VIP"

	# a TCP upload sends full-size segments: it completes only if the
	# client learns the smaller MTU from the error
	flush_pmtu
	out=$(probe --dst "$(vip "$fam")" --port "$SINK_PORT" --tcp --upload 300000 --timeout 20)
	grep -qx "REPLY got 300000" <<<"$out" || fail "upload through the 1300-byte path failed: $(tr '\n' '|' <<<"$out")"
	log_test "nat: IPv$fam TCP upload over the $MTU-byte path completes (PMTU discovery)"

	# unusual headers: forwarded
	if [ "$fam" = 4 ]; then
		out=$(probe --dst "$VIP4" --port "$UDP_PORT" --ipopts 01010100)
		grep -q "^REPLY server=s1 local=$s1:$UDP_PORT " <<<"$out" && grep -qx 'SENT hdr=24 frags=0' <<<"$out" ||
			fail "UDP with IP options: $(tr '\n' '|' <<<"$out")"
		out=$(probe --dst "$VIP4" --port 80 --tcp --ipopts 01010100)
		grep -q "^REPLY server=s1 local=$s1:8080 " <<<"$out" && grep -qx 'SENT hdr=24 frags=0' <<<"$out" ||
			fail "TCP with IP options: $(tr '\n' '|' <<<"$out")"
		log_test "nat: IPv4 UDP and TCP with IP options are served"
	else
		for ext in dst:60 hop:0; do
			out=$(probe --dst "$VIP6" --port "$UDP_PORT" --v6ext "${ext%:*}")
			grep -q "^REPLY server=s1 local=$s1:$UDP_PORT " <<<"$out" &&
				grep -qx "SENT hdr=${ext#*:} frags=0" <<<"$out" ||
				fail "UDP with ${ext%:*} options header: $(tr '\n' '|' <<<"$out")"
		done
		out=$(probe --dst "$VIP6" --port 80 --tcp --v6ext dst)
		grep -q "^REPLY server=s1 local=$s1:8080 " <<<"$out" && grep -qx 'SENT hdr=60 frags=0' <<<"$out" ||
			fail "TCP with a destination options header: $(tr '\n' '|' <<<"$out")"
		log_test "nat: IPv6 UDP and TCP with destination / hop-by-hop options are served"
	fi

	# no route to the server
	if [ "$fam" = 4 ]; then v="errno=101 origin=2 type=3 code=0 "; else v="errno=101 origin=3 type=1 code=0 "; fi
	probe_err "$fam" "no route" "$v" 9001
	log_test "nat: IPv$fam server without a route: network unreachable, quotes the VIP"

	# the server's address does not answer ARP / ND (a dead server)
	if [ "$fam" = 4 ]; then v="errno=113 origin=2 type=3 code=1 "; else v="errno=113 origin=3 type=1 code=3 "; fi
	probe_err "$fam" "no neighbour" "$v" 9002 --timeout 8
	log_test "nat: IPv$fam server that never answers ARP/ND: host unreachable, quotes the VIP"

	lbctl flush
}

for fam in 4 6; do
	natslow "$fam"
done

dlba_check_dmesg
exit "$(exit_status)"
