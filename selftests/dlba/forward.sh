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

# 3 methods x 2 families x TCP/UDP, untouched traffic, service del, a
# local server (IPv4, IPv6), nat reply path (no accept_local, the LB's own connections, a spoof), firewall
# rules and the hook priority
# shellcheck disable=SC2034 # read from this file's text by selftests/run.sh
PLAN=21

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

# The scheduler is one of the servers (WO 01/69890 Fig. 2): a dr server at
# one of the LB's own addresses is served by the LB's own stack, here an
# nginx in the LB's namespace on port 80 (the VIP is the LB's own address).
# Without that, dlba would send those buckets' packets nowhere (no MAC to
# rewrite to) and count errors.
local_server() {
	local fam=$1 s a out cnt nlb pk
	s=$(svc_of "$fam" tcp)
	if [ "$fam" = 4 ]; then a=$LB_SRV4; else a=$LB_SRV6; fi
	svc_setup "$fam" dr tcp "1 1" --buckets 1024
	check_err $? "IPv$fam service setup failed"
	run_cmd lbctl server add "$s" --id 9 --addr "$a" --method dr
	check_err $? "a dr server at the LB's own address $a was refused"
	out=$(http_many "$fam" 30 /)
	nlb=$(grep -c "^server=lb local=$(vip "$fam"):80 client=$(cli_addr "$fam"):" <<<"$out")
	cnt=$(grep -v '^server=lb ' <<<"$out" | count_servers)
	[ "$(field err "$cnt")" = 0 ] && [ "$(field s1 "$cnt")" -gt 0 ] &&
		[ "$(field s2 "$cnt")" -gt 0 ] && [ "$nlb" -gt 0 ]
	check_err $? "30 requests: lb=$nlb $cnt; $(grep -m2 -v '^server=s[12] ' <<<"$out" | tr '\n' '|')"
	pk=$(lbctl -j server list "$s" | jq -r '.[] | select(.id == 9) | .stats.packets')
	[ "${pk:-0}" -gt 0 ] 2>/dev/null
	check_err $? "the local server's counters show no packet ($pk)"
	log_test "dlba: IPv$fam dr server at the LB's own address served locally (lb=$nlb $cnt)"
	lbctl flush
}
defer_scope_push
nginx_start "$LB" lb 80 || fail "nginx in the LB namespace did not start"
local_server 4
local_server 6
defer_scope_pop

# ------------------------------------------------------ the nat reply path
# Replies are given the VIP:port back as they are forwarded (FORWARD hook),
# not before routing: routing sees the server's address as their source,
# so the LB needs no accept_local for them (the topology sets it for dr,
# whose replies from the VIP pass the LB as a router).
lb_accept_local() {
	local d
	for d in all default eth0 br0; do
		ip netns exec "$LB" sysctl -qw "net.ipv4.conf.$d.accept_local=$1"
	done
}
svc_setup 4 nat tcp "1 1 1" --buckets 1024 && svc_setup 6 nat tcp "1 1 1" --buckets 1024
check_err $? "nat services"
lb_accept_local 0
c4=$(count_servers <<<"$(http_many 4 15 /)")
c6=$(count_servers <<<"$(http_many 6 15 /)")
lb_accept_local 1
[ "$(field err "$c4")" = 0 ] && [ "$(field err "$c6")" = 0 ] ||
	fail "nat without accept_local: IPv4 $c4, IPv6 $c6"
log_test "dlba: nat replies need no accept_local on the LB (IPv4 $c4; IPv6 $c6)"

# The LB's own connection to a nat server's real port (a health check) is
# its own: the server's answer must not be turned into one from VIP:80.
o4=$(ip netns exec "$LB" curl -sS --max-time 10 "http://$(srv_addr4 1):8080/" 2>&1)
o6=$(ip netns exec "$LB" curl -sS --max-time 10 "http://[$(srv_addr6 2)]:8080/" 2>&1)
grep -q "^server=s1 local=$(srv_addr4 1):8080 client=$LB_SRV4:" <<<"$o4" &&
	grep -q "^server=s2 local=$(srv_addr6 2):8080 client=$LB_SRV6:" <<<"$o6"
check_err $? "the LB's own request to a nat server's port: IPv4 '$o4', IPv6 '$o6'"
log_test "dlba: the LB's own connections to a nat server's port are untouched (IPv4, IPv6)"
lbctl flush

# A packet from the client side that claims to come from a nat server's
# address and port is not a reply: it must not leave with the VIP as its
# source.  CLI sends one (raw socket) to S2, through the LB.
svc_setup 4 nat udp "1 1 1" --buckets 1024
check_err $? "nat udp service"
ip netns exec "$S2" "$PYTHON" - "$TESTDIR/spoof.ready" >"$TESTDIR/spoof.out" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 5555))
s.settimeout(5)
open(sys.argv[1], "w").close()
try:
    data, src = s.recvfrom(100)
    print(f"from={src[0]}:{src[1]} data={data.decode()}")
except OSError as e:
    print(f"nothing: {e}")
PY
rcv=$!
wait_for 10 test -e "$TESTDIR/spoof.ready"
ip netns exec "$CLI" "$PYTHON" - "$(srv_addr4 1)" "$UDP_PORT" "$(srv_addr4 2)" 5555 <<'PY'
import socket, struct, sys
src, sport, dst, dport = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
data = b"spoof"
udp = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data   # no UDP checksum
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, socket.IPPROTO_UDP, 0,
                 socket.inet_aton(src), socket.inet_aton(dst))
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
s.sendto(ip + udp, (dst, 0))
PY
wait "$rcv"
out=$(cat "$TESTDIR/spoof.out")
[ "$out" = "from=$(srv_addr4 1):$UDP_PORT data=spoof" ] ||
	fail "a spoofed reply from the client side was rewritten or lost: $out (stats $(svc_json "$(svc_of 4 udp)" | jq -c .stats))"
log_test "dlba: a \"reply\" from the client side claiming a nat server's address keeps its source ($out)"
lbctl flush

# ------------------------------------------- the operator's firewall rules
# dlba takes balanced packets in PRE_ROUTING at priority -399 (the default;
# they never reach the input chain): an nftables prerouting chain of lower
# priority filters them (admin guide, "Firewall rules").
kmod_load nf_tables || setup_fail "nf_tables"
# served FAM SRC [N]: requests from SRC answered, of N (3).  A dropped
# client's request waits out curl's connect timeout (3 s): ask it once.
served() {
	local c
	c=$(count_servers <<<"$(http_many "$1" "${3:-3}" / "$2")")
	echo $(($(field s1 "$c") + $(field s2 "$c") + $(field s3 "$c")))
}
svc_setup 4 dr tcp "1 1 1" --buckets 1024 && svc_setup 6 dr tcp "1 1 1" --buckets 1024
check_err $? "dr services"
ip netns exec "$LB" nft -f - <<EOF
table inet dlbafw {
	chain pre {
		type filter hook prerouting priority -450; policy accept;
		ip saddr ${CLI_EXTRA4[0]} counter drop
		ip6 saddr ${CLI_EXTRA6[0]} counter drop
	}
}
EOF
check_err $? "nft ruleset"
d4=$(served 4 "${CLI_EXTRA4[0]}" 1) o4=$(served 4 "${CLI_EXTRA4[1]}")
d6=$(served 6 "${CLI_EXTRA6[0]}" 1) o6=$(served 6 "${CLI_EXTRA6[1]}")
[ "$d4 $o4 $d6 $o6" = "0 3 0 3" ] ||
	fail "served: dropped IPv4 client $d4 of 1, other $o4 of 3, dropped IPv6 client $d6 of 1, other $o6 of 3"
drops=$(ip netns exec "$LB" nft list chain inet dlbafw pre | grep -c 'packets [1-9]')
[ "$drops" = 2 ] || fail "the drop rules did not both count packets: $(ip netns exec "$LB" nft list chain inet dlbafw pre)"
ip netns exec "$LB" nft delete table inet dlbafw
log_test "dlba: an nftables prerouting drop rule (priority -450) stops a client, IPv4 and IPv6; others served"
lbctl flush

# The module parameter moves the hook: priority=0 runs after the mangle
# table (-150), so a drop rule there applies; -400 and below are refused
# (before defragmentation), with a message.
dlba_unload
insmod "$DLBA_KO" priority=-400 2>/dev/null
check_fail $? "insmod priority=-400 was accepted"
dmesg | tail -n 5 | grep -q 'dlba: priority=-400: must be from -399' ||
	fail "no message for priority=-400: $(dmesg | tail -n 3)"
insmod "$DLBA_KO" priority=0
check_err $? "insmod priority=0"
[ "$(cat /sys/module/dlba/parameters/priority 2>/dev/null)" = 0 ] || fail "priority not shown in sysfs"
svc_setup 4 dr tcp "1 1 1" --buckets 1024
check_err $? "dr service with priority=0"
ip netns exec "$LB" nft -f - <<EOF
table inet dlbafw {
	chain pre {
		type filter hook prerouting priority mangle; policy accept;
		ip saddr ${CLI_EXTRA4[0]} drop
	}
}
EOF
d4=$(served 4 "${CLI_EXTRA4[0]}" 1) o4=$(served 4 "${CLI_EXTRA4[1]}")
[ "$d4 $o4" = "0 3" ] || fail "priority=0 with a mangle-priority drop rule: dropped client served $d4 of 1, other $o4 of 3"
ip netns exec "$LB" nft delete table inet dlbafw
lbctl flush
dlba_unload && dlba_load
check_err $? "reload with the default priority"
log_test "dlba: module parameter priority: 0 puts the hook after mangle; -400 refused with a message"

dlba_check_dmesg
exit "$(exit_status)"
