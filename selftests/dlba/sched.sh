#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Scheduling (WO 01/69890 "Internal Operation", "Panic Mode"), IPv4 and IPv6,
# direct routing, real nginx servers and curl clients:
#   - weights 1:2:3 over 600 new connections: within +-10%
#   - a server added while long-lived connections stream: none broken, the
#     new server gets only buckets that were unassigned
#   - idle buckets (older than the service timeout) are re-assigned, so a
#     server added later gradually takes buckets
#   - a server failed: only its buckets are reset, only its clients move
#   - drain (disabled): keeps its established flows, gets no new ones
#   - panic on/off: all buckets spread evenly over healthy servers at once,
#     assignment frozen (even past the timeout, even for a recovered
#     server) until panic off, then idle buckets move again
#
#   CLI (198.18.0.2, .100-.103 / fd00:db1a:c::2, ::100-::103)
#    |
#   LB  dlba.ko, VIP 198.18.100.10 / fd00:db1a:100::10 on lo
#    |  br0
#    +-- S1 nginx (.11 / ::11, VIP on lo)
#    +-- S2 nginx (.12 / ::12)
#    +-- S3 nginx (.13 / ::13)
# check: newest kernel only (make check: scheduling logic, no kernel API
# that differs between versions)
source "$(dirname "$(readlink -f "$0")")/../net/lib.sh"
source "$SELFTESTS_DIR/net/lb_topo.sh"
source "$SELFTESTS_DIR/net/dlba_lib.sh"

# Long-lived streams: /big (NGINX_BIG_MB, sparse) paced by the servers at
# STREAM_RATE per flow (64 kbit/s: 1 MB lasts > 2 minutes) until released;
# small, because the release sends every byte through the (emulated) VM.
NGINX_BIG_MB=1
STREAM_RATE=64kbit
BIG_BYTES=$((NGINX_BIG_MB * 1024 * 1024))
NSTREAMS=6
# weights, add, idle, fail (2), drain (2), panic (3) for IPv4 and IPv6
# shellcheck disable=SC2034 # read from this file's text by selftests/run.sh
PLAN=20

dlba_setup

client_srcs() {
	if [ "$1" = 4 ]; then echo "${CLI_EXTRA4[@]}"; else echo "${CLI_EXTRA6[@]}"; fi
}

# within PCT VALUE EXPECTED
within() {
	local pct=$1 v=$2 e=$3
	[ $((v * 100)) -ge $((e * (100 - pct))) ] && [ $((v * 100)) -le $((e * (100 + pct))) ]
}

# ----------------------------------------------------------------- weights
weights() {
	local fam=$1 s out cnt n1 n2 n3 b1 b2 b3 t0 t1
	s=$(svc_of "$fam")
	svc_setup "$fam" dr tcp "1 2 3"
	check_err $? "service setup failed"
	t0=$(date +%s)
	# shellcheck disable=SC2046
	out=$(http_many "$fam" 600 / $(client_srcs "$fam"))
	t1=$(date +%s)
	cnt=$(count_servers <<<"$out")
	n1=$(field s1 "$cnt"); n2=$(field s2 "$cnt"); n3=$(field s3 "$cnt")
	[ "$(field err "$cnt")" = 0 ] || fail "requests failed: $cnt"
	within 10 "$n1" 100 && within 10 "$n2" 200 && within 10 "$n3" 300 ||
		fail "connections not 100/200/300 +-10%: $cnt"
	b1=$(srv_buckets "$s" 1); b2=$(srv_buckets "$s" 2); b3=$(srv_buckets "$s" 3)
	within 10 "$((b1 * 6))" "$((b1 + b2 + b3))" &&
		within 10 "$((b2 * 3))" "$((b1 + b2 + b3))" &&
		within 10 "$((b3 * 2))" "$((b1 + b2 + b3))" ||
		fail "buckets not 1:2:3 +-10%: $b1 $b2 $b3"
	log_test "dlba: IPv$fam weights 1:2:3 over 600 connections ($cnt, buckets $b1/$b2/$b3, $((t1 - t0))s)"
	lbctl flush
}

# ---------------------------------------------------------- add a server
add_server() {
	local fam=$1 s out cnt bad moved k rc size port live
	s=$(svc_of "$fam")
	svc_setup "$fam" dr tcp "1 1" --buckets 4096
	check_err $? "service setup failed"
	streams_start "$fam" "$NSTREAMS" || fail "could not start the streams"
	wait_for 60 streams_up "$NSTREAMS" "$S1" "$S2"
	live=$(streams_established "$S1" "$S2")
	[ "$live" = "$NSTREAMS" ] || fail "only $live of $NSTREAMS streams established"
	bucket_ids "$s" "$TESTDIR/before.json"

	srv_add "$fam" dr tcp 3 1
	check_err $? "server add failed"
	[ "$(srv_buckets "$s" 3)" = 0 ] || fail "new server took buckets before any new client"
	out=$(http_many "$fam" 30 /)
	cnt=$(count_servers <<<"$out")
	[ "$(field err "$cnt")" = 0 ] || fail "new connections failed: $cnt"
	[ "$(field s3 "$cnt")" -gt 0 ] || fail "the added server got no new connection: $cnt"
	bucket_ids "$s" "$TESTDIR/after.json"
	# every bucket assigned before keeps its server; s3 has only new ones
	moved=$(jq -n --slurpfile a "$TESTDIR/before.json" --slurpfile b "$TESTDIR/after.json" \
		'[range(0; $a[0] | length) as $i | select($a[0][$i] != 0 and $a[0][$i] != $b[0][$i])] | length')
	[ "$moved" = 0 ] || fail "$moved assigned buckets changed server when s3 was added"
	bad=$(jq -n --slurpfile a "$TESTDIR/before.json" --slurpfile b "$TESTDIR/after.json" \
		'[range(0; $a[0] | length) as $i | select($b[0][$i] == 3 and $a[0][$i] != 0)] | length')
	[ "$bad" = 0 ] || fail "s3 got $bad buckets that were assigned before"
	live=$(streams_established "$S1" "$S2")
	[ "$live" = "$NSTREAMS" ] || fail "only $live of $NSTREAMS streams still up after the checks"
	[ "$(streams_established "$S3")" = 0 ] || fail "a stream moved to s3"
	streams_wait
	while read -r k rc size port; do
		[ "$rc" = 0 ] && [ "$size" = "$BIG_BYTES" ] ||
			fail "stream $k (port $port) broken: rc=$rc size=$size $(cat "$TESTDIR/stream.$k.err" 2>/dev/null)"
	done <"$TESTDIR/streams.res"
	log_test "dlba: IPv$fam server added while $NSTREAMS streams run: none broken, only new buckets ($cnt)"
	lbctl flush
}

# ------------------------------------------------ idle buckets re-assigned
idle_reassign() {
	local fam=$1 s out cnt b3 re0 re1 u0
	s=$(svc_of "$fam")
	# 16 buckets, 1 s timeout: 150 connections touch (nearly) every bucket
	svc_setup "$fam" dr tcp "1 1" --buckets 16 --timeout 1
	check_err $? "service setup failed"
	out=$(http_many "$fam" 150 /)
	u0=$(summary "$s" | jq -r .unassigned)
	srv_add "$fam" dr tcp 3 1
	re0=$(svc_json "$s" | jq -r '.stats.reassign')
	sleep 2
	out=$(http_many "$fam" 40 /)
	cnt=$(count_servers <<<"$out")
	b3=$(srv_buckets "$s" 3)
	re1=$(svc_json "$s" | jq -r '.stats.reassign')
	[ "$(field err "$cnt")" = 0 ] || fail "requests failed: $cnt"
	# more than the buckets nobody owned: s3 took idle ones from s1/s2
	[ "$b3" -ge $((u0 + 2)) ] || fail "s3 took only $b3 buckets, $u0 were unassigned ($cnt)"
	[ "$(field s3 "$cnt")" -gt 0 ] || fail "s3 got no connection: $cnt"
	[ "$re1" -gt "$re0" ] 2>/dev/null || fail "reassign counter did not grow ($re0 -> $re1)"
	log_test "dlba: IPv$fam idle buckets are re-assigned to a server added later (s3: $b3 buckets)"
	lbctl flush
}

# ---------------------------------------------------------- fail a server
fail_server() {
	local fam=$1 s out cnt n2 un0 un1 v0 v1 p2 k rc size port changed
	s=$(svc_of "$fam")
	svc_setup "$fam" dr tcp "1 1 1" --buckets 4096
	check_err $? "service setup failed"
	streams_start "$fam" "$NSTREAMS" || fail "could not start the streams"
	wait_for 60 streams_up "$NSTREAMS" "$S1" "$S2" "$S3" ||
		fail "streams not up on all servers: $(streams_established "$S1") $(streams_established "$S2") $(streams_established "$S3"); buckets $(summary "$s" | jq -c .servers); stream exits $(cat "$TESTDIR"/stream.*.rc 2>/dev/null | tr '\n' ' ')"
	p2=$(stream_ports_of "$S2" | tr '\n' ' ')
	[ -n "$p2" ] || fail "no stream on s2"
	bucket_ids "$s" "$TESTDIR/before.json"
	n2=$(srv_buckets "$s" 2)
	un0=$(summary "$s" | jq -r .unassigned)
	v0=$(summary "$s" | jq -r .version)

	run_cmd lbctl server set "$s" --id 2 --fail
	check_err $? "server set --fail failed"
	un1=$(summary "$s" | jq -r .unassigned)
	v1=$(summary "$s" | jq -r .version)
	[ "$(srv_buckets "$s" 2)" = 0 ] || fail "failed server still owns buckets"
	# its buckets were reset (s2's streams may already have re-hit some of
	# them, which assigns them anew to s1/s3)
	[ "$un1" -le $((un0 + n2)) ] && [ "$un1" -ge $((un0 + n2 - 3)) ] ||
		fail "unassigned $un0 -> $un1, expected +$n2"
	[ "$v1" != "$v0" ] || fail "table version did not change"
	bucket_ids "$s" "$TESTDIR/after.json"
	changed=$(jq -n --slurpfile a "$TESTDIR/before.json" --slurpfile b "$TESTDIR/after.json" \
		'[range(0; $a[0] | length) as $i | select(($a[0][$i] == 1 or $a[0][$i] == 3) and $a[0][$i] != $b[0][$i])] | length')
	[ "$changed" = 0 ] || fail "$changed buckets of s1/s3 changed"
	out=$(http_many "$fam" 30 /)
	cnt=$(count_servers <<<"$out")
	[ "$(field err "$cnt")" = 0 ] || fail "new connections failed: $cnt"
	[ "$(field s2 "$cnt")" = 0 ] || fail "failed server got new connections: $cnt"
	streams_wait
	while read -r k rc size port; do
		case " $p2 " in *" $port "*) continue ;; esac	# s2's clients move
		[ "$rc" = 0 ] && [ "$size" = "$BIG_BYTES" ] ||
			fail "stream $k (port $port) of a healthy server broken: rc=$rc size=$size"
	done <"$TESTDIR/streams.res"
	# s2 still holds the moved streams' sockets: their clients reset them,
	# but the resets went to s1/s3 (the buckets moved), so s2 retransmits
	# into the void for minutes, and every retransmission draws a reset
	# from the client that takes a bucket of whatever service is on the VIP
	# then.  Drop them, so that no later stage sees them or their traffic.
	ip netns exec "$S2" ss -K state established '( sport = :80 )' >/dev/null
	log_test "dlba: IPv$fam server failed: its $n2 buckets reset, streams on s1/s3 intact"

	run_cmd lbctl server set "$s" --id 2 --unfail
	check_err $? "server set --unfail failed"
	out=$(http_many "$fam" 30 /)
	cnt=$(count_servers <<<"$out")
	[ "$(field s2 "$cnt")" -gt 0 ] || fail "recovered server gets no new connections: $cnt"
	log_test "dlba: IPv$fam server unfailed: gets new clients again ($cnt)"
	lbctl flush
}

# ------------------------------------------------------------------ drain
drain() {
	local fam=$1 s out cnt n2 k rc size port
	s=$(svc_of "$fam")
	# default 65536 buckets: a new client practically never lands in one
	# of s2's few buckets (which would rightly still go to s2)
	svc_setup "$fam" dr tcp "1 1 1"
	check_err $? "service setup failed"
	streams_start "$fam" "$NSTREAMS" || fail "could not start the streams"
	wait_for 60 streams_up "$NSTREAMS" "$S1" "$S2" "$S3" ||
		fail "streams not up on all servers: $(streams_established "$S1") $(streams_established "$S2") $(streams_established "$S3"); buckets $(summary "$s" | jq -c .servers); stream exits $(cat "$TESTDIR"/stream.*.rc 2>/dev/null | tr '\n' ' ')"
	[ -n "$(stream_ports_of "$S2")" ] || fail "no stream on s2"
	n2=$(srv_buckets "$s" 2)
	# the server named by its address, drained in HAProxy's and IPVS's word
	run_cmd lbctl server set "$s" "$(srv_addr "$fam" 2)" --drain
	check_err $? "server set ADDR --drain failed"
	[ "$(srv_buckets "$s" 2)" = "$n2" ] || fail "draining server lost buckets ($n2 -> $(srv_buckets "$s" 2))"
	[ "$(lbctl -j server list "$s" | jq -r '.[] | select(.id == 2) | .enabled')" = false ] ||
		fail "server list does not show s2 disabled"
	out=$(http_many "$fam" 30 /)
	cnt=$(count_servers <<<"$out")
	[ "$(field err "$cnt")" = 0 ] || fail "new connections failed: $cnt"
	[ "$(field s2 "$cnt")" = 0 ] || fail "draining server got new connections: $cnt"
	[ -n "$(stream_ports_of "$S2")" ] || fail "s2's streams ended before the checks"
	streams_wait
	while read -r k rc size port; do
		[ "$rc" = 0 ] && [ "$size" = "$BIG_BYTES" ] ||
			fail "stream $k (port $port) broken: rc=$rc size=$size"
	done <"$TESTDIR/streams.res"
	log_test "dlba: IPv$fam drain (server set ADDR --drain): s2 keeps its $n2 buckets and streams, no new clients ($cnt)"
	run_cmd lbctl server set "$s" 2 --ready
	out=$(http_many "$fam" 30 /)
	cnt=$(count_servers <<<"$out")
	[ "$(field s2 "$cnt")" -gt 0 ] || fail "re-enabled server gets no new connections: $cnt"
	log_test "dlba: IPv$fam drain ended (server set 2 --ready): s2 gets new clients ($cnt)"
	lbctl flush
}

# ------------------------------------------------------------------ panic
# 1 s timeout: every bucket is idle (re-assignable) a moment after traffic,
# so "frozen" is shown against a table that would otherwise move, and the
# return to normal is seen as soon as buckets age out.
panic() {
	local fam=$1 s out cnt sum b1 b2 b3 v0 v1 v2 v3 re1 re2
	s=$(svc_of "$fam")
	svc_setup "$fam" dr tcp "1 1 1" --buckets 1024 --timeout 1
	check_err $? "service setup failed"
	out=$(http_many "$fam" 30 /)
	run_cmd lbctl server set "$s" --id 3 --fail
	check_err $? "server set --fail failed"
	v0=$(summary "$s" | jq -r .version)
	run_cmd lbctl panic on "$s"
	check_err $? "panic on failed"
	[ "$(svc_json "$s" | jq -r .panic)" = true ] || fail "service list does not show panic"
	sum=$(summary "$s")
	b1=$(jq -r '.servers["1"] // 0' <<<"$sum"); b2=$(jq -r '.servers["2"] // 0' <<<"$sum")
	v1=$(jq -r .version <<<"$sum")
	[ "$(jq -r .unassigned <<<"$sum")" = 0 ] || fail "panic left buckets unassigned: $sum"
	[ "$b1" = 512 ] && [ "$b2" = 512 ] || fail "panic did not split 1024 buckets evenly over s1/s2: $sum"
	[ "$(jq -r '.servers["3"] // 0' <<<"$sum")" = 0 ] || fail "failed server has buckets in panic: $sum"
	[ "$v1" != "$v0" ] || fail "version unchanged by panic"
	out=$(http_many "$fam" 30 /)
	cnt=$(count_servers <<<"$out")
	[ "$(field err "$cnt")" = 0 ] && [ "$(field s3 "$cnt")" = 0 ] || fail "traffic in panic: $cnt"
	log_test "dlba: IPv$fam panic on: 1024 buckets split $b1/$b2 over healthy servers ($cnt)"

	# frozen: s3 recovers and every bucket is idle past the timeout, yet
	# nothing moves until panic off
	run_cmd lbctl server set "$s" --id 3 --unfail
	check_err $? "server set --unfail failed"
	[ "$(lbctl -j server list "$s" | jq -r '.[] | select(.id == 3) | .failed')" = false ] ||
		fail "server list still shows s3 failed"
	re1=$(svc_json "$s" | jq -r .stats.reassign)
	sleep 2
	out=$(http_many "$fam" 30 /)
	cnt=$(count_servers <<<"$out")
	sum=$(summary "$s")
	v2=$(jq -r .version <<<"$sum")
	re2=$(svc_json "$s" | jq -r .stats.reassign)
	[ "$v2" = "$v1" ] || fail "table changed during panic ($v1 -> $v2)"
	[ "$re2" = "$re1" ] || fail "idle buckets re-assigned during panic ($re1 -> $re2)"
	[ "$(jq -r '.servers["3"] // 0' <<<"$sum")" = 0 ] || fail "s3 got buckets during panic: $sum"
	[ "$(field s3 "$cnt")" = 0 ] && [ "$(field err "$cnt")" = 0 ] ||
		fail "assignment not frozen in panic: $cnt"
	log_test "dlba: IPv$fam panic freezes the assignment past the timeout ($cnt)"

	# back to normal: buckets idle past the timeout move again, and the
	# recovered server (fewest buckets) takes them
	run_cmd lbctl panic off "$s"
	check_err $? "panic off failed"
	[ "$(svc_json "$s" | jq -r .panic)" = false ] || fail "service list still shows panic"
	sleep 2
	out=$(http_many "$fam" 30 /)
	cnt=$(count_servers <<<"$out")
	sum=$(summary "$s")
	v3=$(jq -r .version <<<"$sum")
	b3=$(jq -r '.servers["3"] // 0' <<<"$sum")
	[ "$(field err "$cnt")" = 0 ] || fail "traffic after panic off failed: $cnt"
	[ "$(field s3 "$cnt")" -gt 0 ] && [ "$b3" -gt 0 ] ||
		fail "after panic off s3 gets no clients ($cnt, $b3 buckets)"
	[ "$v3" != "$v2" ] || fail "table version unchanged after panic off ($v3)"
	log_test "dlba: IPv$fam panic off: idle buckets move again, s3 takes $b3 ($cnt)"
	lbctl flush
}

for fam in 4 6; do
	weights "$fam"
	add_server "$fam"
	idle_reassign "$fam"
	fail_server "$fam"
	drain "$fam"
	panic "$fam"
done

dlba_check_dmesg
exit "$(exit_status)"
