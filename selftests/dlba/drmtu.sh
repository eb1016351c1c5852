#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Packets larger than the way to the server, for dr and tun (kmod/xmit.c):
# the LB does what a router owes the client, never a silent drop.
#   dr IPv4: DF set -> fragmentation needed with the MTU (the client's path
#            MTU learns it); DF clear -> fragmented, the server reassembles.
#            TCP uploads complete: with DF by path MTU discovery, without DF
#            (GSO packets from the client) segmented and fragmented.
#   dr IPv6: packet too big with the MTU; TCP upload completes.
#   dr with conntrack's defragmentation active on the LB (a `ct state`
#            rule): a 3000-byte datagram the client fragmented is
#            reassembled before dlba.ko and forwarded in fragments again
#            (IPv6: only as big as it came; fragments that were larger than
#            the server's link get packet too big, and the client's next
#            try passes).
#   tun IPv6: route MTU 1300 leaves 1260 for the inner packet, less than
#            IPv6's minimum: a 1280-byte packet is carried in a fragmented
#            outer packet (RFC 2473), a bigger one gets packet too big 1280.
#   tun IPv4: a GSO packet without DF gets one outer ID per segment: the
#            outer IDs the server receives never repeat.
#
#   CLI 198.18.0.2 / ::2           LB dlba.ko                 br0 mtu 1300
#   icmp_probe.py  ---- eth0 (1500) | br0 198.18.1.1 ---+-- vs1 1300 -- S1 eth0 1300 (udp echo)
#                                   VIP on lo          +-- vs2 1300 -- S2 eth0 1500 (TCP sink :7000,
#                                                      |                advertises MSS 1460)
#                                                      +-- vs3 1300 -- S3 eth0 1300 (tun: udp echo,
#                                                                       TCP sink :7000)
#   (addresses: selftests/net/lb_topo.sh)
source "$(dirname "$(readlink -f "$0")")/../net/lib.sh"
source "$SELFTESTS_DIR/net/lb_topo.sh"
source "$SELFTESTS_DIR/net/dlba_lib.sh"

# shellcheck disable=SC2034 # read by selftests/run.sh
# shellcheck disable=SC2034 # read from this file's text by selftests/run.sh
PLAN=10

MTU=1300
SINK_PORT=7000
UPLOAD=1000000

dlba_setup udp
require_cmd ethtool nft
kmod_load nf_tables nf_conntrack || setup_fail "nf_tables / nf_conntrack"
kmod_load nft_ct 2>/dev/null
# every probe's error must be sent, however close together
ip netns exec "$LB" sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0 ||
	setup_fail "icmp rate limits"
for i in 1 2 3; do
	ip -n "$LB" link set "vs$i" mtu "$MTU" || setup_fail "mtu vs$i"
done
ip -n "$LB" link set br0 mtu "$MTU" || setup_fail "mtu br0"
ip -n "$S1" link set eth0 mtu "$MTU" && ip -n "$S3" link set eth0 mtu "$MTU" ||
	setup_fail "servers' mtu"
for ns in "$S2" "$S3"; do
	ip netns exec "$ns" "$PYTHON" "$SELFTESTS_DIR/net/icmp_probe.py" --sink --port "$SINK_PORT" \
		>"$TESTDIR/sink-$ns.log" 2>&1 &
	defer kill "$!"
	wait_listen "$ns" tcp "$SINK_PORT" || setup_fail "TCP sink on $ns did not start"
done
for i in 1 2 3; do
	wait_for 20 ip netns exec "$LB" ping -q -c1 -W2 "$(srv_addr4 "$i")" &&
		wait_for 20 ip netns exec "$LB" ping -q -c1 -W2 "$(srv_addr6 "$i")" ||
		setup_fail "s$i unreachable after the MTU change"
done

probe() {
	ip netns exec "$CLI" "$PYTHON" "$SELFTESTS_DIR/net/icmp_probe.py" "$@"
}
flush_pmtu() {
	ip -n "$CLI" -4 route flush cache
	ip -n "$CLI" -6 route flush cache
}
errors() { svc_json "$1" | jq -r '.stats.errors'; }
oneline() { tr '\n' '|' <<<"$1"; }

# too_big FAM OUT: OUT has the ICMP error "fragmentation needed" / "packet
# too big" with $MTU from the VIP in the socket's queue, and path MTU $MTU
too_big() {
	local fam=$1 out=$2 want
	if [ "$fam" = 4 ]; then
		want="ERRQUEUE errno=90 origin=2 type=3 code=4 info=$MTU offender=$VIP4"
	else
		want="ERRQUEUE errno=90 origin=3 type=2 code=0 info=$MTU offender=$VIP6"
	fi
	grep -qx "$want" <<<"$out" || fail "no '$want': $(oneline "$out")"
	grep -qx "PMTU $MTU" <<<"$out" || fail "the client's path MTU is not $MTU: $(oneline "$out")"
}

# service_on FAM METHOD PROTO PORT ID: a service with server ID alone
service_on() {
	local fam=$1 method=$2 proto=$3 port=$4 id=$5 s args
	s=$(svc "$fam" "$port" "$proto")
	args=(--id "$id" --addr "$(srv_addr "$fam" "$id")" --method "$method")
	[ "$method" = dr ] && args+=(--mac "$(srv_mac "$id")")
	run_cmd lbctl service add "$s" --buckets 256 &&
		run_cmd lbctl server add "$s" "${args[@]}"
}

# upload FAM [PROBE-ARGS...]: $UPLOAD bytes to VIP:$SINK_PORT, "REPLY got N" or why not
upload() {
	local fam=$1
	shift
	probe --dst "$(vip "$fam")" --port "$SINK_PORT" --tcp --upload "$UPLOAD" --timeout 60 "$@"
}

# ------------------------------------------------------------------ dr UDP
dr_udp() {
	local fam=$1 s out e0
	s=$(svc_of "$fam" udp)
	service_on "$fam" dr udp "$UDP_PORT" 1
	check_err $? "service setup"
	flush_pmtu
	e0=$(errors "$s")
	out=$(probe --dst "$(vip "$fam")" --port "$UDP_PORT" --df --size 1400)
	grep -q '^NOREPLY' <<<"$out" || fail "a 1400-byte datagram crossed a $MTU-byte link: $(grep REPLY <<<"$out")"
	too_big "$fam" "$out"
	[ "$(errors "$s")" -gt "$e0" ] || fail "the refused datagram is not counted in errors"
	if [ "$fam" = 4 ]; then
		log_test "dr: IPv4 DF datagram larger than the server's link: fragmentation needed $MTU, path MTU learnt"
		flush_pmtu
		out=$(probe --dst "$VIP4" --port "$UDP_PORT" --nodf --size 1400)
		grep -q "^REPLY server=s1 local=$VIP4:$UDP_PORT " <<<"$out" ||
			fail "a 1400-byte datagram without DF was not answered: $(oneline "$out") (stats $(svc_json "$s" | jq -c .stats))"
		grep -q '^ICMP ' <<<"$out" && fail "ICMP error for a datagram without DF: $(oneline "$out")"
		log_test "dr: IPv4 datagram without DF larger than the server's link: fragmented, s1 answers"
	else
		log_test "dr: IPv6 datagram larger than the server's link: packet too big $MTU, path MTU learnt"
	fi
	lbctl flush
}

# ------------------------------------------------------ dr TCP uploads (s2)
dr_tcp() {
	local fam=$1 s out what
	shift
	what=${1:+" without DF"}
	s=$(svc "$fam" "$SINK_PORT" tcp)
	service_on "$fam" dr tcp "$SINK_PORT" 2
	check_err $? "service setup"
	flush_pmtu
	out=$(upload "$fam" "$@")
	grep -qx "REPLY got $UPLOAD" <<<"$out" ||
		fail "upload: $(oneline "$out") (stats $(svc_json "$s" | jq -c .stats))"
	if [ -z "$what" ]; then
		grep -qx "PMTU $MTU" <<<"$out" || fail "the client's path MTU is not $MTU: $(grep PMTU <<<"$out")"
		log_test "dr: IPv$fam TCP upload of $UPLOAD bytes to s2 (MSS 1460) through the $MTU-byte link (path MTU discovery)"
	else
		log_test "dr: IPv$fam TCP upload of $UPLOAD bytes$what to s2 through the $MTU-byte link (segmented, fragmented)"
	fi
	lbctl flush
}

# --------------------------------------------- dr with conntrack's defrag
dr_defrag() {
	local fam=$1 s out out2
	s=$(svc_of "$fam" udp)
	service_on "$fam" dr udp "$UDP_PORT" 1
	check_err $? "service setup"
	flush_pmtu
	out=$(probe --dst "$(vip "$fam")" --port "$UDP_PORT" --size 3000)
	grep -q '^SENT .* frags=[1-9]' <<<"$out" || fail "the client sent no fragments: $(oneline "$out")"
	if [ "$fam" = 4 ]; then
		grep -q "^REPLY server=s1 local=$VIP4:$UDP_PORT " <<<"$out" ||
			fail "the reassembled datagram was not answered: $(oneline "$out") (stats $(svc_json "$s" | jq -c .stats))"
		log_test "dr: IPv4 conntrack defrag on the LB: a 3000-byte datagram in 1500-byte fragments reaches s1 in $MTU-byte ones"
	else
		# fragments of 1500 bytes may not be made bigger than they came
		too_big 6 "$out"
		out2=$(probe --dst "$VIP6" --port "$UDP_PORT" --size 3000)
		grep -q "^REPLY server=s1 local=$VIP6:$UDP_PORT " <<<"$out2" ||
			fail "the datagram in $MTU-byte fragments was not answered: $(oneline "$out2") (stats $(svc_json "$s" | jq -c .stats))"
		log_test "dr: IPv6 conntrack defrag on the LB: 1500-byte fragments get packet too big $MTU, $MTU-byte ones reach s1"
	fi
	lbctl flush
}

# ------------------------------------------------------------ tun IPv6 (s3)
tun6() {
	local s out
	s=$(svc_of 6 udp)
	service_on 6 tun udp "$UDP_PORT" 3
	check_err $? "service setup"
	flush_pmtu
	out=$(probe --dst "$VIP6" --port "$UDP_PORT" --df --size 1232)
	grep -q "^REPLY server=s3 local=$VIP6:$UDP_PORT " <<<"$out" ||
		fail "a 1280-byte packet did not reach s3: $(oneline "$out") (stats $(svc_json "$s" | jq -c .stats))"
	out=$(probe --dst "$VIP6" --port "$UDP_PORT" --df --size 1300)
	grep -qx "ERRQUEUE errno=90 origin=3 type=2 code=0 info=1280 offender=$VIP6" <<<"$out" ||
		fail "no packet too big 1280 for a 1348-byte packet: $(oneline "$out")"
	log_test "tun: IPv6 with 1260 bytes left inside: 1280-byte packet reaches s3 (outer fragmented), bigger gets packet too big 1280"
	lbctl flush
}

# ------------------------------------------------------------ tun IPv4 (s3)
tun4_ids() {
	local s out ids
	s=$(svc "4" "$SINK_PORT" tcp)
	service_on 4 tun tcp "$SINK_PORT" 3
	check_err $? "service setup"
	# the LB segments the GSO packets itself, so each segment's outer ID
	# is seen; the client's segments fit the tunnel, so none is fragmented
	ip netns exec "$LB" ethtool -K vs3 tx-ipxip4-segmentation off >/dev/null 2>&1
	ip -n "$CLI" route add "$VIP4/32" via "$LB_CLI4" mtu 1200
	ip netns exec "$S3" "$PYTHON" "$SELFTESTS_DIR/net/ipid_watch.py" --dev eth0 \
		--src "$LB_SRV4" --idle 3 --max 90 >"$TESTDIR/ipid.out" 2>&1 &
	local watch=$!
	wait_for 10 grep -q READY "$TESTDIR/ipid.out"
	out=$(upload 4 --nodf)
	wait "$watch"
	ids=$(grep '^PKTS' "$TESTDIR/ipid.out")
	ip -n "$CLI" route del "$VIP4/32"
	grep -qx "REPLY got $UPLOAD" <<<"$out" || fail "upload: $(oneline "$out")"
	read -r _ n _ d _ df <<<"$ids"
	[ "${n:-0}" -gt 100 ] || fail "s3 saw too few tunnel packets: ${ids:-$(cat "$TESTDIR/ipid.out")}"
	# (a reset from the client's TCP control socket carries DF: allow a few)
	[ "$((${df:-0} * 10))" -lt "${n:-0}" ] || fail "outer DF set: $ids"
	[ "${d:-1}" = 0 ] || fail "outer IDs repeat: $ids"
	log_test "tun: IPv4 upload without DF: outer IDs of the tunnel packets never repeat ($ids)"
	lbctl flush
}

dr_udp 4
dr_udp 6
dr_tcp 4
dr_tcp 4 --nodf
dr_tcp 6

ip netns exec "$LB" nft -f - <<EOF
table inet dlbact {
	chain pre {
		type filter hook prerouting priority 0; policy accept;
		ct state new counter
	}
}
EOF
check_err $? "nft conntrack rule"
dr_defrag 4
dr_defrag 6
ip netns exec "$LB" nft delete table inet dlbact

tun6
tun4_ids

dlba_check_dmesg
exit "$(exit_status)"
