#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The array (WO 01/69890 "Scheduler Failover"): three schedulers, each with
# real corosync, dlba-arrayd and dlba.ko's own table in its namespace, in
# front of three nginx servers (method dr):
#   - the nodes form a quorate array and elect one holder of the VIP (n2:
#     equal priority with n1, the higher address); the client's connections
#     through it are answered by the servers
#   - live table sync: what the holder's dlba.ko assigns reaches the two
#     standbys' dlba.ko over CPG, so their tables and versions equal the
#     holder's (`dlbactl buckets save` of each)
#   - 20 long downloads and a steady stream of new connections run while
#     the holder is killed (kill -9 of corosync and dlba-arrayd): n1 takes
#     the VIP, the client's neighbour entry moves to it (gratuitous ARP), the
#     gap of new connections is measured and printed
#   - the killed node comes back: it joins as a standby, receives the
#     snapshot (its table equals the holder's) and no download moved
#   - the holder's link is removed (a power-off): n2 (back, fed by the
#     snapshot and the deltas since) takes over, the gap is printed
#   - every download completed in full: no established connection broken
#     by either failover (a standby with another table would send the
#     flows to other servers, which reset them)
#   - partition: the holder cut off from the other schedulers (not from
#     the client) drops the VIP, the majority elects another; the client's
#     ARP requests for the VIP, sent every 0.1 s, are never answered by two
#     MACs
#   - a server's nginx stopped: the active scheduler's sweeps mark it failed
#     in dlba.ko, only its buckets move (also on the standbys); started
#     again, it is unmarked and gets new clients
#   - a change pushed on a standby (`dlba-arrayd push`) reaches every node's
#     dlba.ko
#   - dlba.ko unloaded and loaded again under the array: every node applies
#     the configuration to the fresh module, the holder's table reaches the
#     standbys again
#
#   CLI ---- SW (br0) ---+--- N1, N2, N3 (corosync, dlba-arrayd, dlba.ko)
#                        +--- S1, S2, S3 (nginx, VIP on lo)
#   (addresses and the packet flow: selftests/net/array_topo.sh)
# make check runs it on every kernel: with the VM suites' process start-up cut (2026-12-07) the
# 6.1 suite had the ~5 min it takes to spare.
source "$(dirname "$(readlink -f "$0")")/../net/lib.sh"
source "$SELFTESTS_DIR/net/lb_topo.sh"
source "$SELFTESTS_DIR/net/dlba_lib.sh"
source "$SELFTESTS_DIR/net/array_topo.sh"

# shellcheck disable=SC2034 # read from this file's text by selftests/run.sh
PLAN=11

# The failover bounds, generous for an emulated VM: corosync's token (1 s)
# and consensus (1.2 s), the new membership, one round of state messages.
BOUND_S=${BOUND_S:-20}
STREAMS=20
# Paced so that the downloads outlast both failovers and the rejoin, even
# with two VMs on two cores (8 MB at 200 kbit/s: ~330 s; at 300 kbit/s
# they had ended by the rejoin's check); released at the end.
# (dlba_lib.sh has set its own default: this one is the file's)
STREAM_RATE=${ARRAY_STREAM_RATE:-200kbit}
WAIT_FOR_POLL=0.2

array_setup || setup_fail "could not build the array topology"
array_start_all || setup_fail "n2, then n1 with it, did not start as an array: $(tail -n 3 "$(arr_dir 2)/arrayd.log")"
for i in 1 2 3; do
	wait_for 60 arr_quorate "$i" 3
	check_err $? "n$i: not quorate with 3 members within 60 s"
done
wait_for 10 arr_holds 2
check_err $? "n2 does not hold the VIP"
[ "$(arr_holders)" = "n2 " ]
check_err $? "holders: '$(arr_holders)', expected n2 alone"
out=$(http_many 4 30 / "${ARR_CLI_EXTRA4[@]}" | count_servers)
[ "$(field err "$out")" = 0 ] && [ "$(field s1 "$out")$(field s2 "$out")$(field s3 "$out")" != 0 ]
check_err $? "30 requests through the VIP: $out"
used=0
for s in s1 s2 s3; do [ "$(field "$s" "$out")" -gt 0 ] && used=$((used + 1)); done
[ "$used" -ge 2 ]
check_err $? "30 requests went to $used server(s) only: $out"
log_test "array: 3 nodes quorate, n2 holds the VIP, 30 connections answered ($out)"

# tables_equal: every node's bucket table (version, hash key, assignments)
# is the holder's (called through wait_for)
# shellcheck disable=SC2317
tables_equal() {
	local i ref
	ref=$(arr_table "$1") || return 1
	for i in 1 2 3; do
		[ "$i" = "$1" ] && continue
		[ -n "${2:-}" ] && [ "$i" = "$2" ] && continue
		[ "$(arr_table "$i")" = "$ref" ] || return 1
	done
}
# tables_cover HOLDER: while new clients keep coming, every bucket the
# holder has assigned is assigned the same on the other nodes, once they
# have caught up with the holder's version (new clients only add
# assignments here: an assigned bucket changes only when it has been idle
# for the service's timeout; called through wait_for)
# shellcheck disable=SC2317
tables_cover() {
	local i ref
	ref=$(arr_table "$1" | jq -c '{version, assign}') || return 1
	for i in 1 2 3; do
		[ "$i" = "$1" ] && continue
		arr_table "$i" | jq -e --argjson r "$ref" '.assign as $a | .version >= $r.version and
			([range($r.assign | length) | select($r.assign[.] != 0 and $r.assign[.] != $a[.])] |
			 length) == 0' >/dev/null || return 1
	done
}
# table_diff HOLDER: versions and differing buckets, for a failure message
table_diff() {
	local i ref
	ref=$(arr_table "$1" | jq -c '.assign')
	for i in 1 2 3; do
		printf 'n%s v%s (%s buckets differ) ' "$i" "$(arr_version "$i")" \
			"$(jq -n --argjson a "$ref" --argjson b "$(arr_table "$i" | jq -c '.assign')" \
				'[range($a | length) | select($a[.] != $b[.])] | length')"
	done
}
wait_for 10 tables_equal 2
check_err $? "standbys' tables differ from n2's: $(table_diff 2)"
v=$(arr_version 2)
[ "$v" -gt 0 ]
check_err $? "n2's table version is $v after 30 new clients"
log_test "array: sync: both standbys' tables and versions equal the holder's (version $v)"

# ------------------------------------------------ failover 1: kill -9
# newconn_loop: one new connection every ~0.1 s until $TESTDIR/nc.stop,
# "MS ok|fail" per attempt into $TESTDIR/nc.log
newconn_loop() {
	ip netns exec "$CLI" "$PYTHON" "$SELFTESTS_DIR/net/conn_probe.py" "$VIP4" 80 \
		"$TESTDIR/nc.stop" 0.1 1 >>"$TESTDIR/nc.log"
}
# gap_after T: the client-visible gap of new connections after T (ms): from
# the last success before the first failure after T to the first success
# after the last failure after T; 0 when nothing failed
gap_after() {
	awk -v t0="$1" '
		$1 < t0 { if ($2 == "ok") last_ok = $1; next }
		$2 == "fail" { if (!failed) { failed = 1; from = last_ok ? last_ok : t0 }; to = 0; next }
		$2 == "ok" { if (failed && !to) to = $1; if (!failed) last_ok = $1 }
		END { if (!failed) print 0; else if (!to) print -1; else print to - from }' \
		"$TESTDIR/nc.log"
}
# cli_ports: the client's local ports of its established connections to
# the VIP's port 80, one per line
cli_ports() {
	ip netns exec "$CLI" ss -Htn state established "( dst $VIP4 and dport = :80 )" |
		awk '{ n = split($3, a, ":"); print a[n] }' | sort
}
# downloads_held: "sI PORT" for every download a server holds.  A download
# is a client connection to the VIP established now and 1.5 s ago: the
# probe's connections give up after 1 s, so they are left out (counted as
# downloads, one in flight, or one a server still holds after its client
# gave up in a failover, made "21 of 20 downloads" out of a sound run)
downloads_held() {
	local i dl
	dl=$(cli_ports)
	sleep 1.5
	dl=$(cli_ports | comm -12 - <(echo "$dl"))
	for i in 1 2 3; do
		stream_ports_of "$(srv_ns "$i")" | sort | comm -12 - <(echo "$dl") | sed "s/^/s$i /"
	done
}
# held_moved FILE1 FILE2: the downloads of FILE2 (downloads_held) held by a
# server other than in FILE1, or not held in FILE1 at all, on one line
held_moved() { sort "$2" | comm -13 <(sort "$1") - | xargs; }

# ok_after T: new connections succeeded after T (called through wait_for)
# shellcheck disable=SC2317
ok_after() { awk -v t0="$1" '$1 > t0 && $2 == "ok" { n++ } END { exit n < 3 }' "$TESTDIR/nc.log"; }

rm -f "$TESTDIR/nc.stop" "$TESTDIR/nc.log"
newconn_loop &
NC_PID=$!
defer touch "$TESTDIR/nc.stop"
streams_start 4 "$STREAMS" || setup_fail "could not start the downloads"
wait_for 60 streams_up "$STREAMS" "$S1" "$S2" "$S3"
check_err $? "$(streams_established "$S1" "$S2" "$S3") of $STREAMS downloads established on the 3 servers"
wait_for 10 tables_cover 2
check_err $? "before the kill, standbys' tables do not cover n2's: $(table_diff 2)"
downloads_held >"$TESTDIR/held0"
n_up=$(wc -l <"$TESTDIR/held0")
[ "$n_up" = "$STREAMS" ]
check_err $? "before the kill, $n_up of $STREAMS downloads held by the servers"

t0=$(date +%s%3N)
array_kill 2
wait_for "$BOUND_S" arr_holds 1
check_err $? "n1 does not hold the VIP ${BOUND_S} s after n2 was killed: $(arr_holders 2)"
took=$(($(date +%s%3N) - t0))
[ "$(arr_holders 2)" = "n1 " ]
check_err $? "holders (n2 left out): '$(arr_holders 2)', expected n1 alone"
wait_for 5 arr_client_has "$(arr_mac 1)"
check_err $? "client's neighbour entry for the VIP: '$(arr_client_mac)', expected n1's $(arr_mac 1)"
wait_for "$BOUND_S" ok_after "$((t0 + took))"
check_err $? "no new connection succeeded via n1"
# The traffic really moved: the downloads' ACKs now reach n1's dlba.ko, and
# none reach the dead node's (its kernel lives on: it would forward
# whatever it is sent, and answer ARP if its VIP were still answered for)
p1=$(arr_packets 1)
p2=$(arr_packets 2)
sleep 3
d1=$(($(arr_packets 1) - p1))
d2=$(($(arr_packets 2) - p2))
[ "$d1" -gt "$STREAMS" ] && [ "$d2" = 0 ]
check_err $? "in 3 s after the takeover n1 forwarded $d1 packets, the dead n2 $d2 (client's entry: $(arr_client_mac))"
downloads_held >"$TESTDIR/held1"
n_up=$(wc -l <"$TESTDIR/held1")
[ "$n_up" = "$STREAMS" ]
check_err $? "$n_up of $STREAMS downloads held by the servers after the takeover"
moved=$(held_moved "$TESTDIR/held0" "$TESTDIR/held1")
[ -z "$moved" ]
check_err $? "downloads on another server after the takeover: $moved"
gap1=$(gap_after "$t0")
log_info "kill -9 of the holder: n1 holds the VIP after $took ms; new connections' gap ${gap1} ms"
log_test "array: holder killed (kill -9): n1 takes over in $took ms, client follows, new-connection gap $gap1 ms"

# ------------------------------------- the killed node returns: snapshot
array_start 2
for i in 1 2 3; do
	wait_for 60 arr_quorate "$i" 3
	check_err $? "n$i: not quorate with 3 members after n2 came back"
done
[ "$(arr_holders)" = "n1 " ]
check_err $? "after n2 came back, holders: '$(arr_holders)', expected n1 alone (no preemption)"
wait_for 10 tables_cover 1
check_err $? "after n2 joined, tables do not cover n1's: $(table_diff 1)"
# the downloads all still where they were before the kill (none ends
# before the last failover: $NGINX_BIG_MB MB at $STREAM_RATE take minutes)
downloads_held >"$TESTDIR/held2"
n_up=$(wc -l <"$TESTDIR/held2")
[ "$n_up" = "$STREAMS" ]
check_err $? "$n_up of $STREAMS downloads held by the servers after the join"
moved=$(held_moved "$TESTDIR/held0" "$TESTDIR/held2")
[ -z "$moved" ]
check_err $? "downloads on another server after n2 joined: $moved"
log_test "array: n2 rejoins as a standby: snapshot received, tables and versions equal, no download moved"

# ------------------------------------- failover 2: the holder's links gone
t1=$(date +%s%3N)
ip -n "$SW" link set vn1 down
wait_for "$BOUND_S" arr_holds 2
check_err $? "n2 does not hold the VIP ${BOUND_S} s after n1's link went down: $(arr_holders)"
took=$(($(date +%s%3N) - t1))
wait_for "$BOUND_S" arr_released 1
check_err $? "n1, cut off, still holds the VIP ${BOUND_S} s later"
wait_for "$BOUND_S" ok_after "$((t1 + took))"
check_err $? "no new connection succeeded via n2"
gap2=$(gap_after "$t1")
log_info "power-off of the holder: n2 holds the VIP after $took ms; new connections' gap ${gap2} ms"
log_test "array: holder's links removed: n2 takes over in $took ms, n1 drops the VIP, new-connection gap $gap2 ms"

# ------------------------------------------------------------ downloads
n_up=$(downloads_held | wc -l)
touch "$TESTDIR/nc.stop"
wait "$NC_PID" 2>/dev/null
streams_wait
broken=$(awk -v b="$BIG_BYTES" '$2 != 0 || $3 != b' "$TESTDIR/streams.res" | wc -l)
[ "$broken" = 0 ]
check_err $? "$broken of $STREAMS downloads broken: $(awk -v b="$BIG_BYTES" '$2 != 0 || $3 != b' "$TESTDIR/streams.res" | head -n 3 | tr '\n' '|')"
log_test "array: $STREAMS downloads across both failovers: $broken broken ($n_up established before the end)"

newc=$(awk '$2 == "ok" { n++ } END { print n + 0 }' "$TESTDIR/nc.log")
fails=$(awk '$2 == "fail" { n++ } END { print n + 0 }' "$TESTDIR/nc.log")
log_info "new connections during the run: $newc succeeded, $fails failed"
[ "$newc" -gt 20 ]
check_err $? "only $newc new connections succeeded during the run"
log_test "array: new connections went on through both failovers ($newc ok, $fails failed; gaps $gap1 ms, $gap2 ms)"

# ------------------------------------------- partition, ARP watched
# n1 comes back (standby); then n2, the holder, is cut off from the other
# schedulers (its corosync traffic dropped) but not from the client, which
# asks who has the VIP every 0.1 s and counts the MACs that answer each
# request.
ip -n "$SW" link set vn1 up
for i in 1 2 3; do
	wait_for 60 arr_quorate "$i" 3
	check_err $? "n$i: not quorate with 3 members after n1's link came back"
done
[ "$(arr_holders)" = "n2 " ]
check_err $? "after n1 came back, holders: '$(arr_holders)', expected n2 alone"
rm -f "$TESTDIR/arp.stop"
ip netns exec "$CLI" "$PYTHON" "$SELFTESTS_DIR/net/arp_watch.py" eth0 "$VIP4" \
	"$TESTDIR/arp.stop" 0.1 >"$TESTDIR/arp.log" 2>&1 &
ARP_PID=$!
defer touch "$TESTDIR/arp.stop"
sleep 1
ip netns exec "$N2" nft -f - <<EOF
table inet arr_partition {
	chain input { type filter hook input priority 0; udp dport 5405 drop; }
	chain output { type filter hook output priority 0; udp dport 5405 drop; }
}
EOF
check_err $? "could not cut n2's corosync traffic"
t2=$(date +%s%3N)
wait_for "$BOUND_S" arr_released 2
check_err $? "n2, cut off from the array, still holds the VIP ${BOUND_S} s later"
wait_for "$BOUND_S" arr_holds 1
check_err $? "n1 does not hold the VIP ${BOUND_S} s after n2 was cut off: $(arr_holders)"
took=$(($(date +%s%3N) - t2))
sleep 1
touch "$TESTDIR/arp.stop"
wait "$ARP_PID"
arp=$(head -n 1 "$TESTDIR/arp.log")
log_info "partition: $arp"
[ "$(field conflicts "$arp")" = 0 ]
check_err $? "ARP requests for the VIP answered by two MACs: $(tail -n +2 "$TESTDIR/arp.log" | head -n 3 | tr '\n' '|')"
[ "$(field macs "$arp")" = "$(arr_mac 2),$(arr_mac 1)" ]
check_err $? "ARP answers came from '$(field macs "$arp")', expected n2's $(arr_mac 2) then n1's $(arr_mac 1)"
[ "$(array_status 2 | jq -r .quorate)" = false ]
check_err $? "n2, cut off, says it is quorate"
log_test "array: partition: cut-off n2 drops the VIP, n1 takes it in $took ms, no ARP request answered by two MACs ($arp)"
ip netns exec "$N2" nft delete table inet arr_partition
for i in 1 2 3; do
	wait_for 60 arr_quorate "$i" 3
	check_err $? "n$i: not quorate with 3 members after the partition healed"
done

# ------------------------------------------------ a server fails and returns
# The active scheduler's sweeps find s3 down (nginx stopped) and mark it
# failed in n1's dlba.ko: only s3's buckets are reset, and the reset reaches
# the standbys; s3 back, it is unmarked and gets new clients again.
# failed_is I ID BOOL: node I's dlba.ko has server ID failed = BOOL (called
# through wait_for)
# shellcheck disable=SC2317
failed_is() {
	[ "$(arr_ctl "$1" -j server list "$VIP4:80/tcp" |
		jq -r --argjson id "$2" '.[] | select(.id == $id) | .failed')" = "$3" ]
}
http_many 4 40 / "${ARR_CLI_EXTRA4[@]}" >/dev/null
wait_for 10 tables_equal 1
arr_table 1 | jq -c '.assign' >"$TESTDIR/before.json"
t3=$(date +%s%3N)
nginx_stop "$TESTDIR/nginx-s3"
wait_for "$BOUND_S" failed_is 1 3 true
check_err $? "n1 did not mark s3 failed within ${BOUND_S} s: $(array_status 1 | jq -c '.sweep.members[2]')"
took=$(($(date +%s%3N) - t3))
arr_table 1 | jq -c '.assign' >"$TESTDIR/after.json"
moved=$(jq -n --slurpfile a "$TESTDIR/before.json" --slurpfile b "$TESTDIR/after.json" \
	'[range($a[0] | length) | select($a[0][.] != 3 and $a[0][.] != $b[0][.])] | length')
[ "$moved" = 0 ]
check_err $? "$moved buckets of s1/s2 changed when s3 failed"
left=$(jq '[.[] | select(. == 3)] | length' "$TESTDIR/after.json")
[ "$left" = 0 ]
check_err $? "$left buckets still on s3 after it was marked failed"
wait_for 10 tables_equal 1
check_err $? "after s3 failed, standbys' tables differ from n1's: $(table_diff 1)"
out=$(http_many 4 20 / "${ARR_CLI_EXTRA4[@]}" | count_servers)
[ "$(field err "$out")" = 0 ] && [ "$(field s3 "$out")" = 0 ]
check_err $? "20 requests after s3 failed: $out"
nginx_start "$S3" s3
wait_for "$BOUND_S" failed_is 1 3 false
check_err $? "n1 did not unmark s3 within ${BOUND_S} s of its return"
out2=$(http_many 4 40 / "${ARR_CLI_EXTRA4[@]}" | count_servers)
[ "$(field err "$out2")" = 0 ] && [ "$(field s3 "$out2")" -gt 0 ]
check_err $? "40 requests after s3 returned: $out2"
log_test "array: s3 down: marked failed in $took ms, only its buckets moved ($out), back: new clients reach it ($out2)"

# ------------------------------------------------ a change on a standby
# The configuration is pushed (WO 01/69890 "Configuration"): `dlba-arrayd
# push` on a standby changes every node's dlba.ko, the holder's included.
# weight_is I ID W: node I's dlba.ko has server ID at weight W (called
# through wait_for)
# shellcheck disable=SC2317
weight_is() {
	[ "$(arr_ctl "$1" -j server list "$VIP4:80/tcp" |
		jq -r --argjson id "$2" '.[] | select(.id == $id) | .weight')" = "$3" ]
}
holder=$(arr_holders | sed 's/^n\([0-9]\).*/\1/')
standby=3
[ "$holder" = 3 ] && standby=2
array_dlba_conf | sed "s/{id: 2, addr: \([^,]*\), method: dr}/{id: 2, addr: \1, method: dr, weight: 3}/" \
	>"$TESTDIR/weight.conf"
grep -q "weight: 3" "$TESTDIR/weight.conf"
check_err $? "could not write the changed dlba.conf"
out=$("$ARRAYD" -c "$(arr_dir "$standby")/array.yaml" push "$TESTDIR/weight.conf" 2>&1)
check_err $? "push on n$standby: $out"
for i in 1 2 3; do
	wait_for 10 weight_is "$i" 2 3
	check_err $? "n$i: server 2's weight is $(arr_ctl "$i" -j server list "$VIP4:80/tcp" | jq -c '[.[] | .weight]') after the push on n$standby"
done
gens=$(for i in 1 2 3; do array_status "$i" | jq -r '.config.applied_generation'; done | sort -u | xargs)
[ "$(wc -w <<<"$gens")" = 1 ]
check_err $? "the nodes applied different generations: $gens"
log_test "array: a change pushed on standby n$standby (server 2 weight 3) reaches every node's dlba.ko (generation $gens)"

# ------------------------------------------------ dlba.ko reloaded
# rmmod and insmod under the running array (one kernel: every node's module
# at once): each dlba-arrayd sees the generic netlink family go and come
# back, applies the agreed configuration to the fresh module, the holder
# listens to it again and sends a snapshot, and the standbys, whose modules
# are as empty, ask for one.
rmmod dlba
check_err $? "rmmod dlba under the running array"
dlba_load
check_err $? "insmod dlba.ko again"
for i in 1 2 3; do
	wait_for 20 weight_is "$i" 2 3
	check_err $? "n$i: the configuration was not applied again to the reloaded dlba.ko: $(arr_ctl "$i" -j server list "$VIP4:80/tcp" 2>&1 | head -c 200)"
done
out=$(http_many 4 20 / "${ARR_CLI_EXTRA4[@]}" | count_servers)
[ "$(field err "$out")" = 0 ]
check_err $? "20 requests through the reloaded dlba.ko: $out"
wait_for 20 tables_equal "$holder"
check_err $? "after the reload, standbys' tables differ from n$holder's: $(table_diff "$holder")"
log_test "array: dlba.ko reloaded under the array: configuration applied again on every node, 20 requests ($out), the holder's new table synced (version $(arr_version "$holder"))"

[ "$NUM_FAIL" = 0 ] || array_logs
dlba_check_dmesg
exit "$(exit_status)"
