#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Promises of dlba.ko at the edges of normal operation:
#   - a live connection never moves: streams kept busy for more than twice
#     the service timeout stay on their servers and complete, while new
#     clients of other addresses take idle buckets to a server added later
#   - no usable server (none, all failed, all added --disabled, all weight
#     0): packets are dropped unanswered and counted as noserver, without
#     taking the assign lock one by one (a kprobe counts the locked path)
#   - weight 0 gets no new buckets; servers added --disabled / --failed get
#     none until --enable / --unfail
#   - fragments of a datagram to a service are not scheduled: passed to the
#     LB's own stack, which reassembles them (admin guide, Limits)
#
#   CLI 198.18.0.2 (+ .100-.103)        LB dlba.ko                        S1 198.18.1.11 / ::11
#       fd00:db1a:c::2 (+ ::100-::103)      VIP 198.18.100.10 on lo           S2 .12 / ::12
#       curl, udp_client.py,                    fd00:db1a:100::10             S3 .13 / ::13
#       icmp_probe.py                                                         nginx :80, udp echo
#     eth0 --------------------------- eth0 .1 / ::1     br0 .1 / ::1 ---+--- :9000, VIP on lo
#   (addresses: selftests/net/lb_topo.sh)
source "$(dirname "$(readlink -f "$0")")/../net/lib.sh"
source "$SELFTESTS_DIR/net/lb_topo.sh"
source "$SELFTESTS_DIR/net/dlba_lib.sh"

# shellcheck disable=SC2034 # read by selftests/run.sh
# shellcheck disable=SC2034 # read from this file's text by selftests/run.sh
PLAN=14

# Streams of 1 MB paced at STREAM_RATE (64 kbit/s) last two minutes until
# released: far longer than the checks while they run.  Small, because the
# release sends every byte through the (emulated) VM.
NGINX_BIG_MB=1
STREAM_RATE=64kbit
BIG_BYTES=$((NGINX_BIG_MB * 1024 * 1024))
NSTREAMS=4
TIMEOUT=2

dlba_setup udp

client_srcs() {
	if [ "$1" = 4 ]; then echo "${CLI_EXTRA4[@]}"; else echo "${CLI_EXTRA6[@]}"; fi
}

# probe ARGS...: net/icmp_probe.py from the client
probe() {
	ip netns exec "$CLI" "$PYTHON" "$SELFTESTS_DIR/net/icmp_probe.py" "$@"
}

# ------------------------------------------------- a live flow never moves
# shellcheck disable=SC2317 # called through wait_for
streams_all_up() { [ "$(streams_established "$S1" "$S2")" = "$NSTREAMS" ]; }

# 16 buckets, timeout 2 s: NSTREAMS streams through s1/s2, which also take
# the other buckets, then s3 joins.  Every round waits out the timeout, so
# each bucket no stream keeps busy is idle and goes to s3 (fewest buckets)
# with the next new client in it; 40 new connections from four other
# addresses hit (nearly) every bucket, the streams' ones too.  A stream's bucket must stay with its server: any move
# sends its packets to a server that knows nothing of the connection.
live_flow() {
	local fam=$1 s t0 p1 p2 re0 re1 out cnt n3=0 k rc size port r
	s=$(svc_of "$fam")
	svc_setup "$fam" dr tcp "1 1" --buckets 16 --timeout "$TIMEOUT"
	check_err $? "service setup failed"
	t0=$SECONDS
	streams_start "$fam" "$NSTREAMS"
	wait_for 60 streams_all_up
	[ "$(streams_established "$S1" "$S2")" = "$NSTREAMS" ] ||
		fail "only $(streams_established "$S1" "$S2") of $NSTREAMS streams established"
	p1=$(stream_ports_of "$S1" | tr '\n' ' ')
	p2=$(stream_ports_of "$S2" | tr '\n' ' ')
	# s1 and s2 take (nearly) every bucket; then s3 joins with none
	# shellcheck disable=SC2046
	http_many "$fam" 40 / $(client_srcs "$fam") >/dev/null
	srv_add "$fam" dr tcp 3 1
	check_err $? "server add failed"
	re0=$(svc_json "$s" | jq -r .stats.reassign)
	for r in 1 2 3; do
		sleep $((TIMEOUT + 1))
		# shellcheck disable=SC2046
		out=$(http_many "$fam" 40 / $(client_srcs "$fam"))
		cnt=$(count_servers <<<"$out")
		[ "$(field err "$cnt")" = 0 ] || fail "round $r: new connections failed: $cnt"
		n3=$((n3 + $(field s3 "$cnt")))
	done
	re1=$(svc_json "$s" | jq -r .stats.reassign)
	[ "$(stream_ports_of "$S1" | tr '\n' ' ')" = "$p1" ] && [ "$(stream_ports_of "$S2" | tr '\n' ' ')" = "$p2" ] ||
		fail "streams moved: s1 '$p1' -> '$(stream_ports_of "$S1" | tr '\n' ' ')', s2 '$p2' -> '$(stream_ports_of "$S2" | tr '\n' ' ')'"
	[ "$(streams_established "$S3")" = 0 ] || fail "a stream reached s3"
	# idle buckets did move: the streams' could have
	[ "$re1" -gt "$re0" ] || fail "no idle bucket was re-assigned ($re0 -> $re1)"
	[ "$n3" -gt 0 ] || fail "s3 got no new client"
	[ $((SECONDS - t0)) -gt $((2 * TIMEOUT)) ] || fail "streams ran only $((SECONDS - t0)) s"
	streams_wait
	while read -r k rc size port; do
		[ "$rc" = 0 ] && [ "$size" = "$BIG_BYTES" ] ||
			fail "stream $k (port $port) broken: rc=$rc size=$size $(cat "$TESTDIR/stream.$k.err" 2>/dev/null)"
	done <"$TESTDIR/streams.res"
	log_test "dlba: IPv$fam $NSTREAMS streams live for $((SECONDS - t0)) s (timeout ${TIMEOUT} s) keep their servers, complete; idle buckets moved ($((re1 - re0)))"
	lbctl flush
}

# ------------------------------------------------------ no usable server
# noserver_tcp DESC: the TCP service on VIP4 has no usable server.  A
# connection attempt must get no answer at all: curl times out (28); an
# accepted SYN would reach the LB's own closed port 80 and be refused (7).
noserver_tcp() {
	local desc=$1 s n0 n1 g0 g1 p0 p1 rc a0 a1
	s=$(svc 4)
	a0=$(assign_calls)
	n0=$(svc_json "$s" | jq .stats.noserver)
	p0=$(svc_json "$s" | jq .stats.packets)
	g0=$(lbctl -j stats | jq .noserver)
	ip netns exec "$CLI" curl -sS -o /dev/null --connect-timeout 3 --max-time 5 "$(url 4 /)" 2>/dev/null
	rc=$?
	n1=$(svc_json "$s" | jq .stats.noserver)
	p1=$(svc_json "$s" | jq .stats.packets)
	g1=$(lbctl -j stats | jq .noserver)
	a1=$(assign_calls)
	[ "$rc" = 28 ] || fail "curl exit $rc, expected 28 (no answer, timed out)"
	# with nobody to give a bucket, no packet waits for the assign lock
	[ "$a1" = "$a0" ] || fail "the assign path (its lock) was taken $((a1 - a0)) times"
	# the SYN and at least one retransmission
	[ $((n1 - n0)) -ge 2 ] || fail "service noserver $n0 -> $n1"
	[ $((g1 - g0)) = $((n1 - n0)) ] || fail "netns noserver grew by $((g1 - g0)), service by $((n1 - n0))"
	[ "$p1" = "$p0" ] || fail "packets forwarded: $p0 -> $p1"
	[ "$(summary "$s" | jq '.count - .unassigned')" = 0 ] || fail "buckets were assigned: $(summary "$s")"
	log_test "dlba: IPv4 $desc: SYNs dropped unanswered, counted as noserver (+$((n1 - n0)))"
	lbctl flush
}

# assign_calls: how often dlba_sched_assign() (the locked slow path of a
# bucket without a usable server) ran, counted by a kprobe
TRACEFS=/sys/kernel/tracing
assign_probe() {
	[ -e "$TRACEFS/kprobe_events" ] || mount -t tracefs nodev "$TRACEFS" || return 1
	grep -qw dlba_sched_assign /proc/kallsyms || { echo "no symbol dlba_sched_assign"; return 1; }
	echo 'p:dlba_assign dlba:dlba_sched_assign' >>"$TRACEFS/kprobe_events" || return 1
	defer sh -c "echo 0 > $TRACEFS/events/kprobes/dlba_assign/enable; echo -:dlba_assign >> $TRACEFS/kprobe_events"
	echo 1 >"$TRACEFS/events/kprobes/dlba_assign/enable"
}
assign_calls() { awk '$1 == "dlba_assign" { print $2 }' "$TRACEFS/kprobe_profile"; }

noserver() {
	local i s out n0 n1
	assign_probe || setup_fail "no kprobe on dlba_sched_assign"
	# the probe counts: a new client's first packet takes the slow path
	svc_setup 4 dr tcp "1 1 1" --buckets 1024
	check_err $? "service setup failed"
	n0=$(assign_calls)
	out=$(http_many 4 3 /)
	n1=$(assign_calls)
	[ $((n1 - n0)) -ge 1 ] || fail "the kprobe saw no assignment for 3 new clients ($n0 -> $n1)"
	lbctl flush
	s=$(svc 4)
	svc_setup 4 dr tcp "-" --buckets 1024
	check_err $? "service add failed"
	noserver_tcp "service without servers"

	svc_setup 4 dr tcp "1 1 1" --buckets 1024
	check_err $? "service setup failed"
	for i in 1 2 3; do
		run_cmd lbctl server set "$s" --id "$i" --fail
		check_err $? "server set --fail failed"
	done
	noserver_tcp "all servers failed"

	run_cmd lbctl service add "$s" --buckets 1024
	check_err $? "service add failed"
	for i in 1 2 3; do
		srv_add 4 dr tcp "$i" 1 --disabled
		check_err $? "server add --disabled failed"
	done
	noserver_tcp "all servers added --disabled"

	svc_setup 4 dr tcp "0 0 0" --buckets 1024
	check_err $? "service setup failed"
	noserver_tcp "all servers of weight 0"

	# UDP over IPv6: every datagram dropped and counted, none answered
	s=$(svc_of 6 udp)
	svc_setup 6 tun udp "1 1" --buckets 1024
	check_err $? "service setup failed"
	run_cmd lbctl server set "$s" --id 1 --fail && run_cmd lbctl server set "$s" --id 2 --fail
	check_err $? "server set --fail failed"
	n0=$(svc_json "$s" | jq .stats.noserver)
	out=$(ip netns exec "$CLI" "$PYTHON" "$SELFTESTS_DIR/net/udp_client.py" \
		"$VIP6" "$UDP_PORT" --count 3 --timeout 1 --src "$CLI6")
	n1=$(svc_json "$s" | jq .stats.noserver)
	[ "$(grep -c 'ERROR .*timed out' <<<"$out")" = 3 ] || fail "datagrams answered: $out"
	[ $((n1 - n0)) = 3 ] || fail "noserver $n0 -> $n1 for 3 datagrams"
	log_test "dlba: IPv6 UDP, all servers failed: 3 datagrams dropped unanswered, noserver +$((n1 - n0))"
	lbctl flush
}

# --------------------------------------------------------------- weight 0
weight0() {
	local s out cnt
	s=$(svc 4)
	svc_setup 4 dr tcp "1 0 1" --buckets 4096
	check_err $? "service setup failed"
	# shellcheck disable=SC2046
	out=$(http_many 4 60 / $(client_srcs 4))
	cnt=$(count_servers <<<"$out")
	[ "$(field err "$cnt")" = 0 ] || fail "requests failed: $cnt"
	[ "$(field s2 "$cnt")" = 0 ] || fail "weight 0 server got connections: $cnt"
	[ "$(srv_buckets "$s" 2)" = 0 ] || fail "weight 0 server owns $(srv_buckets "$s" 2) buckets"
	[ "$(field s1 "$cnt")" -gt 0 ] && [ "$(field s3 "$cnt")" -gt 0 ] || fail "s1/s3 not both used: $cnt"
	log_test "dlba: IPv4 weight 0 server gets no bucket of 60 new connections ($cnt)"
	lbctl flush
}

# ---------------------------------------------- added --disabled / --failed
added_down() {
	local s out cnt b2 b3
	s=$(svc 4)
	run_cmd lbctl service add "$s" --buckets 4096
	srv_add 4 dr tcp 1 1 && srv_add 4 dr tcp 2 1 --disabled && srv_add 4 dr tcp 3 1 --failed
	check_err $? "server add failed"
	[ "$(lbctl -j server list "$s" | jq -c 'map([.id, .enabled, .failed])')" = \
		'[[1,true,false],[2,false,false],[3,true,true]]' ] ||
		fail "server list: $(lbctl -j server list "$s" | jq -c 'map([.id, .enabled, .failed])')"
	out=$(http_many 4 30 /)
	cnt=$(count_servers <<<"$out")
	b2=$(srv_buckets "$s" 2); b3=$(srv_buckets "$s" 3)
	[ "$(field err "$cnt")" = 0 ] && [ "$(field s1 "$cnt")" = 30 ] || fail "not all 30 to s1: $cnt"
	[ "$b2" = 0 ] && [ "$b3" = 0 ] || fail "buckets of the disabled/failed servers: $b2 $b3"
	log_test "dlba: IPv4 servers added --disabled / --failed get no buckets ($cnt)"

	run_cmd lbctl server set "$s" --id 2 --enable && run_cmd lbctl server set "$s" --id 3 --unfail
	check_err $? "server set --enable/--unfail failed"
	out=$(http_many 4 30 /)
	cnt=$(count_servers <<<"$out")
	[ "$(field err "$cnt")" = 0 ] || fail "requests failed: $cnt"
	[ "$(field s2 "$cnt")" -gt 0 ] && [ "$(field s3 "$cnt")" -gt 0 ] || fail "s2/s3 still get no clients: $cnt"
	[ "$(srv_buckets "$s" 2)" -gt 0 ] && [ "$(srv_buckets "$s" 3)" -gt 0 ] || fail "s2/s3 still own no buckets"
	log_test "dlba: IPv4 after --enable / --unfail they take new clients ($cnt)"
	lbctl flush
}

# -------------------------------------------------------------- fragments
# reasm FAM: datagrams the LB's own stack reassembled
reasm() {
	local c=IpReasmOKs
	[ "$1" = 6 ] && c=Ip6ReasmOKs
	ip netns exec "$LB" nstat -asz "$c" | awk -v c="$c" '$1 == c { print $2 }'
}

# A 3000-byte datagram leaves the client in fragments (MTU 1500).  dlba.ko
# must not schedule them: they go on to the LB's own stack, which holds the
# VIP, reassembles the datagram and, with no socket on the port, answers
# port unreachable from the VIP.  No server sees it, no dlba counter moves.
fragments() {
	local fam=$1 method=$2 s out st0 st1 r0 r1 icmp
	s=$(svc_of "$fam" udp)
	svc_setup "$fam" "$method" udp "1 1 1" --buckets 1024
	check_err $? "service setup failed"
	out=$(probe --dst "$(vip "$fam")" --port "$UDP_PORT" --size 200 --timeout 2)
	grep -q '^REPLY server=s' <<<"$out" || fail "a small datagram was not answered: $out"
	st0=$(svc_json "$s" | jq -c '.stats | {packets, noserver, errors, new_assign}')
	r0=$(reasm "$fam")
	out=$(probe --dst "$(vip "$fam")" --port "$UDP_PORT" --size 3000 --timeout 2)
	st1=$(svc_json "$s" | jq -c '.stats | {packets, noserver, errors, new_assign}')
	r1=$(reasm "$fam")
	if [ "$fam" = 4 ]; then
		icmp="ERRQUEUE errno=111 origin=2 type=3 code=3 info=0 offender=$VIP4"
	else
		icmp="ERRQUEUE errno=111 origin=3 type=1 code=4 info=0 offender=$VIP6"
	fi
	grep -q '^SENT .* frags=[1-9]' <<<"$out" || fail "the client sent no fragments: $out"
	grep -q '^NOREPLY' <<<"$out" || fail "a server answered the fragmented datagram: $(grep REPLY <<<"$out")"
	grep -qx "$icmp" <<<"$out" || fail "no port unreachable from the VIP: $(tr '\n' '|' <<<"$out")"
	[ "$st1" = "$st0" ] || fail "dlba counted the fragments: $st0 -> $st1"
	[ "${r1:-0}" -gt "${r0:-0}" ] || fail "the LB's stack reassembled nothing ($r0 -> $r1)"
	log_test "dlba: IPv$fam $method: fragmented datagram to a UDP service not scheduled, the LB's stack takes it"
	lbctl flush
}

for fam in 4 6; do
	live_flow "$fam"
done
noserver
weight0
added_down
for fam in 4 6; do
	fragments "$fam" dr
	fragments "$fam" nat
done

dlba_check_dmesg
exit "$(exit_status)"
