#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Forwarding methods: dr, nat and tun over TCP (curl -> nginx) and UDP
# (udp_client.py -> udp_echo.py), IPv4 and IPv6, through dlba.ko.
#
#   CLI ------------- LB (dlba.ko, VIP on lo) ---- br0 ---+--- S1 nginx, udp echo
#   198.18.0.2            eth0 198.18.0.1   198.18.1.1    +--- S2 (.12)
#   fd00:db1a:c::2        eth0 ::1          br0 ::1       +--- S3 (.13)
#   VIP 198.18.100.10 / fd00:db1a:100::10, servers .11-.13 / ::11-::13
#
#   dr : LB rewrites the destination MAC; S holds the VIP on lo and answers
#        the client directly (via its gateway, the LB, as a plain router)
#   nat: LB rewrites VIP:80 -> S:8080 (udp: S:9000); replies come back
#        through the LB and are reversed to VIP:80
#   tun: LB encapsulates IPIP / IP6IP6 to S; S decapsulates (tunl0/ip6tnl0)
#        and answers from the VIP
# Every check would fail without dlba: the VIP is the LB's own address and
# nothing listens on it there.
source "$(dirname "$(readlink -f "$0")")/../net/lib.sh"
source "$SELFTESTS_DIR/net/lb_topo.sh"
source "$SELFTESTS_DIR/net/dlba_lib.sh"

# 3 methods x 2 families x TCP/UDP, untouched traffic, service del
PLAN=14

dlba_setup udp

cli_addr() { if [ "$1" = 4 ]; then echo "$CLI4"; else echo "$CLI6"; fi; }

# expected "local=" of a server's answer for METHOD
expect_local() {
	local fam=$1 method=$2 i=$3 port=$4
	if [ "$method" = nat ]; then
		echo "$(srv_addr "$fam" "$i"):$port"
	else
		echo "$(vip "$fam"):$port"
	fi
}

tcp_method() {
	local fam=$1 method=$2 s out cnt i pk rep
	s=$(svc_of "$fam" tcp)
	svc_setup "$fam" "$method" tcp "1 1 1" --buckets 1024
	check_err $? "service setup failed"
	out=$(http_many "$fam" 30 /)
	cnt=$(count_servers <<<"$out")
	[ "$(field err "$cnt")" = 0 ] || fail "requests failed: $cnt; $(grep -m2 ERROR <<<"$out")"
	for i in 1 2 3; do
		[ "$(field "s$i" "$cnt")" -gt 0 ] || fail "server s$i got no connection: $cnt"
		grep -q "^server=s$i local=$(expect_local "$fam" "$method" "$i" \
			"$([ "$method" = nat ] && echo 8080 || echo 80)") client=$(cli_addr "$fam"):" <<<"$out" ||
			[ "$(field "s$i" "$cnt")" = 0 ] ||
			fail "s$i saw the wrong local address or client (method $method): $(grep -m1 "^server=s$i" <<<"$out")"
	done
	pk=$(svc_json "$s" | jq -r '.stats.packets')
	[ "${pk:-0}" -gt 0 ] 2>/dev/null || fail "service stats count no packets ($pk)"
	if [ "$method" = nat ]; then
		rep=$(svc_json "$s" | jq -r '.stats.replies')
		[ "${rep:-0}" -gt 0 ] 2>/dev/null || fail "nat: no replies reversed in stats ($rep)"
	fi
	log_test "dlba: IPv$fam $method TCP: 30 curl requests served by s1..s3 ($cnt)"
	lbctl flush
}

udp_method() {
	local fam=$1 method=$2 s out cnt i bad
	s=$(svc_of "$fam" udp)
	svc_setup "$fam" "$method" udp "1 1 1" --buckets 1024
	check_err $? "service setup failed"
	out=$(ip netns exec "$CLI" "$PYTHON" "$SELFTESTS_DIR/net/udp_client.py" \
		"$(vip "$fam")" "$UDP_PORT" --count 30 --src "$(cli_addr "$fam")")
	cnt=$(count_servers <<<"$out")
	[ "$(field err "$cnt")" = 0 ] || fail "requests failed: $cnt; $(grep -m2 ERROR <<<"$out")"
	for i in 1 2 3; do
		[ "$(field "s$i" "$cnt")" -gt 0 ] || fail "server s$i got no datagram: $cnt"
	done
	bad=$(grep '^server=' <<<"$out" | grep -v " client=$(cli_addr "$fam"):" | head -n1)
	[ -z "$bad" ] || fail "server did not see the client's address: $bad"
	if [ "$method" = nat ]; then
		grep -q "^server=s1 local=$(srv_addr "$fam" 1):$UDP_PORT " <<<"$out" ||
			fail "nat: s1 did not receive on its own address"
	else
		grep -q "^server=s1 local=$(vip "$fam"):$UDP_PORT " <<<"$out" ||
			fail "$method: s1 did not receive on the VIP"
	fi
	log_test "dlba: IPv$fam $method UDP: 30 datagrams from new ports answered ($cnt)"
	lbctl flush
}

for fam in 4 6; do
	for method in dr nat tun; do
		tcp_method "$fam" "$method"
	done
done
for fam in 4 6; do
	for method in dr nat tun; do
		udp_method "$fam" "$method"
	done
done

# Packets that belong to no service pass untouched: with a service on
# VIP:80/tcp, the client still reaches s1 directly, and the VIP on another
# port is the LB's own (closed) port.
svc_setup 4 dr tcp "1 1 1" --buckets 1024
out=$(ip netns exec "$CLI" curl -sS --max-time 10 "http://$(srv_addr4 1):80/")
grep -q "^server=s1 local=$(srv_addr4 1):80 " <<<"$out"
check_err $? "direct request to s1 through the LB failed: $out"
out=$(ip netns exec "$CLI" curl -sS --max-time 10 "http://[$(srv_addr6 2)]:8080/")
grep -q "^server=s2 local=$(srv_addr6 2):8080 " <<<"$out"
check_err $? "direct IPv6 request to s2 through the LB failed: $out"
ip netns exec "$CLI" curl -sS --max-time 5 "http://$VIP4:8080/" >/dev/null 2>&1
check_fail $? "VIP:8080 (no service) was answered by someone"
log_test "dlba: traffic of no service passes the LB untouched"
lbctl flush

# Deleting the service stops the forwarding at once.
svc_setup 6 dr tcp "1 1 1" --buckets 1024
out=$(http_many 6 3 /)
[ "$(field err "$(count_servers <<<"$out")")" = 0 ] || fail "service did not work before delete"
run_cmd lbctl service del "$(svc 6)"
check_err $? "service del failed"
out=$(http_many 6 1 /)
grep -q ERROR <<<"$out"
check_err $? "VIP still balanced after service del: $out"
log_test "dlba: after service del the VIP is no longer balanced"

dlba_check_dmesg
exit "$(exit_status)"
