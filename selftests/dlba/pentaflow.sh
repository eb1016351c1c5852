#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# WO 01/69890's whole "Pentaflow": client -> dlba.ko scheduler (VIP:80 and
# VIP:443, direct routing) -> two DLBA servers running dlbad with the VIP on
# lo (TLS terminated there) -> three nginx back-ends -> replies straight
# from the DLBA server to the client.
#
#   CLI --- RTR (router + array switch) ---+--- LB  dlba.ko, VIP on lo
#   .0.2     .0.1 | .1.1                   +--- D1  dlbad, VIP on lo --+
#                 |                        +--- D2  dlbad, VIP on lo --+-- B1 B2 B3 nginx
#                 +-- VIP routed to LB; D1/D2 answer the client via RTR
#   (addresses and the packet flow: selftests/net/pentaflow_topo.sh)
# check: oldest kernel only (make check: dlbad's layer 7 behind a dr scheduler; forward.sh checks
# dr on every kernel; CHECK_FULL_MATRIX=1 runs it on both)
#
# Checks:
#   - HTTP to the VIP is answered; the scheduler spreads connections over
#     both DLBA servers (its server counters and bucket table) and each
#     dlbad spreads requests over the back-ends (its status table)
#   - replies bypass the scheduler: a download through the VIP brings the
#     LB only the client's packets (its interface and service byte counts)
#   - a session that starts over HTTP (the shopping cart) and continues
#     over HTTPS (checkout) from new client ports, so through both DLBA
#     servers, stays on one back-end: both dlbad share the cookie key
#     (IPv4 and IPv6)
#   - each dlbad's status table counts exactly the requests sent through
#     it, per back-end
#   - a DLBA server whose dlbad is killed while a client loop runs is
#     marked failed by the health check, its buckets are reset and every
#     later request succeeds via the other one; restarted, it is cleared
#     and takes new buckets again
source "$(dirname "$(readlink -f "$0")")/../net/lib.sh"
source "$SELFTESTS_DIR/net/dlba_lib.sh"
source "$SELFTESTS_DIR/net/pentaflow_topo.sh"

# topology, services, HTTP, bypass, 2 cookie sessions, status, kill, restart
# shellcheck disable=SC2034 # read from this file's text by selftests/run.sh
PLAN=9

pf_setup
check_err $? "could not build the Pentaflow topology"
log_test "pentaflow: topology: client, router, dlba.ko, 2 DLBA servers, 3 nginx"
[ "$NUM_FAIL" = 0 ] || exit "$KSFT_FAIL"

ALL_SVCS=("$(svc 4 80)" "$(svc 4 443)" "$(svc 6 80)" "$(svc 6 443)")
SVC80=$(svc 4 80)

pf_dlbad_start 1 && pf_dlbad_start 2
check_err $? "dlbad did not start: $(tail -n 3 "$TESTDIR"/dlbad-d*/dlbad.log 2>/dev/null | tr '\n' '|')"
pf_sched_setup
check_err $? "scheduler configuration failed"
log_test "pentaflow: dlba.ko services VIP:80/443 (dr) -> d1, d2 running dlbad on the VIP"
[ "$NUM_FAIL" = 0 ] || exit "$KSFT_FAIL"

# jq over one DLBA server's status document
st() { pf_status "$1" | jq -r "$2"; }
# hits of back-end N in DLBA server D's status table
hits_of() { st "$1" ".servers[] | select(.addr == \"$(pf_b_addr "$2")\") | .stats.hits"; }
# counters: "hits=N invalid=N resumed1=N resumed2=N": persistence hits and
# rejected cookies summed over both DLBA servers, TLS resumptions of each
counters() {
	local i j a b c h=0 v=0 r=()
	for i in 1 2; do
		j=$(pf_status "$i" | jq -er '[.services[].stats] | "\(map(.persistence_hits) | add) \(map(.persistence_invalid) | add) \(map(.tls_resumed) | add)"')
		read -r a b c <<<"$j"
		[ -n "$c" ] || return 1
		h=$((h + a)); v=$((v + b)); r[i]=$c
	done
	echo "hits=$h invalid=$v resumed1=${r[1]} resumed2=${r[2]}"
}
sched_srv() { lbctl -j server list "$1" | jq -r ".[] | select(.id == $2) | $3"; }
ns_rx() { ip -n "$1" -s -j link show dev "$2" | jq -r '.[0].stats64.rx.bytes'; }

# ------------------------------------------------------ a. HTTP, both layers
out=$(pf_many 30 4 http /)
cnt=$(pf_tally <<<"$out")
[ "$(field err "$cnt")" = 0 ] || fail "requests failed: $cnt; $(grep -m1 ERROR <<<"$out")"
for i in 1 2; do
	[ "$(field "d$i" "$cnt")" -gt 0 ] || fail "DLBA server d$i proxied no request: $cnt"
	p=$(sched_srv "$SVC80" "$i" .stats.packets)
	b=$(sched_srv "$SVC80" "$i" .buckets)
	[ "${p:-0}" -gt 0 ] && [ "${b:-0}" -gt 0 ] ||
		fail "scheduler: server $i has packets=$p buckets=$b"
	c=$(st "$i" '.services[] | select(.name == "shop-http") | .stats.connections')
	h=$(st "$i" '[.servers[].stats.hits] | add')
	[ "$c" = "$(field "d$i" "$cnt")" ] && [ "$h" = "$c" ] ||
		fail "d$i status: $c connections, $h hits; the client saw $(field "d$i" "$cnt")"
done
used=0
for b in b1 b2 b3; do [ "$(field "$b" "$cnt")" = 0 ] || used=$((used + 1)); done
[ "$used" -ge 2 ] || fail "the DLBA servers used only $used back-end(s): $cnt"
log_test "pentaflow: 30 HTTP requests via the scheduler to d1 and d2, $used back-ends ($cnt)"

# ------------------------------------- replies go around the scheduler (dr)
# The LB is not the DLBA servers' gateway: what it forwards is only what
# the client sends.  Download PF_BIG_MB MB over HTTP and HTTPS and compare
# the bytes the client received with what reached the LB.
big=$((PF_BIG_MB * 1024 * 1024))
lb0=$(ns_rx "$LB" eth0)
cl0=$(ns_rx "$CLI" eth0)
sb0=$(lbctl -j service list | jq '[.[].stats.bytes] | add')
sizes=""
for proto in http https; do
	sizes+="$(ip netns exec "$CLI" curl -sS --max-time 60 --cacert "$PF_CERT" -o /dev/null \
		-w '%{size_download}' "$(pf_url 4 "$proto" /big)") "
done
lb1=$(ns_rx "$LB" eth0)
cl1=$(ns_rx "$CLI" eth0)
sb1=$(lbctl -j service list | jq '[.[].stats.bytes] | add')
rep=$(lbctl -j service list | jq '[.[].stats.replies // 0] | add')
[ "$sizes" = "$big $big " ] || fail "downloads incomplete: $sizes (expected $big each)"
[ $((cl1 - cl0)) -ge $((2 * big)) ] || fail "client received only $((cl1 - cl0)) bytes"
[ $(((lb1 - lb0) * 20)) -lt $((2 * big)) ] ||
	fail "the LB received $((lb1 - lb0)) bytes for $((2 * big)) bytes of replies"
[ $(((sb1 - sb0) * 20)) -lt $((2 * big)) ] ||
	fail "the scheduler forwarded $((sb1 - sb0)) bytes for $((2 * big)) bytes of replies"
[ "$rep" = 0 ] || fail "the scheduler reversed $rep replies"
for i in 1 2; do
	rt=$(ip -n "$(pf_d_ns "$i")" route get "$CLI4" from "$VIP4")
	grep -q "via $RTR_ARR4 dev eth0" <<<"$rt" || fail "d$i's route to the client: $rt"
done
log_test "pentaflow: replies bypass the LB (client got $((cl1 - cl0)) B, LB saw $((lb1 - lb0)) B)"

# ---------------------------- b. shopping cart over HTTP, checkout over HTTPS
cookie_session() {
	local fam=$1 jar=$TESTDIR/jar$1 hdr=$TESTDIR/hdr$1 line out B seen_d1=0 seen_d2=0 n=0 k
	local c0 c1 inv ph r1 r2 nhttps=0
	rm -f "$jar"
	c0=$(counters) || fail "could not read the dlbad status tables"
	line=$(pf_get "$fam" http /login -c "$jar")
	B=$(pf_backend_of "$line")
	[ -n "$B" ] || { fail "login failed: $line"; log_test "pentaflow: IPv$fam cookie session"; return; }
	grep -q "SpServer" "$jar" && grep -q "JSESSIONID" "$jar" ||
		fail "the jar lacks SpServer or JSESSIONID: $(grep -v '^#' "$jar" | awk '{print $6}' | tr '\n' ' ')"
	# checkout over HTTPS, 10 requests from new source ports per round,
	# until both DLBA servers have served it (at most 3 rounds)
	for k in 1 2 3; do
		out=$(pf_many 10 "$fam" https "/checkout?round=$k" -b "$jar" -D "$hdr.$k")
		n=$((n + 10))
		nhttps=$((nhttps + 10))
		seen_d1=$((seen_d1 + $(field d1 "$(pf_tally <<<"$out")")))
		seen_d2=$((seen_d2 + $(field d2 "$(pf_tally <<<"$out")")))
		[ "$(grep -c "^backend=$B .*cookie=JSESSIONID=$B-" <<<"$out")" = 10 ] ||
			fail "https requests left back-end $B or lost its session cookie: $(grep -v -m1 "^backend=$B " <<<"$out")"
		grep -qi '^Set-Cookie: SpServer=' "$hdr.$k" &&
			fail "an https request got a new SpServer cookie (its cookie was not recognised)"
		[ "$seen_d1" -gt 0 ] && [ "$seen_d2" -gt 0 ] && break
	done
	[ "$seen_d1" -gt 0 ] && [ "$seen_d2" -gt 0 ] ||
		fail "$n https requests reached only one DLBA server (d1 $seen_d1, d2 $seen_d2)"
	# and back to the cart over HTTP
	out=$(pf_many 4 "$fam" http /cart -b "$jar")
	n=$((n + 4))
	[ "$(grep -c "^backend=$B " <<<"$out")" = 4 ] ||
		fail "http /cart went to another back-end: $(grep -v -m1 "^backend=$B " <<<"$out")"
	c1=$(counters) || fail "could not read the dlbad status tables"
	inv=$(($(field invalid "$c1") - $(field invalid "$c0")))
	ph=$(($(field hits "$c1") - $(field hits "$c0")))
	r1=$(($(field resumed1 "$c1") - $(field resumed1 "$c0")))
	r2=$(($(field resumed2 "$c1") - $(field resumed2 "$c0")))
	[ "$inv" = 0 ] || fail "$inv persistence cookies rejected by a DLBA server"
	[ "$ph" = "$n" ] || fail "persistence hits grew by $ph, expected $n"
	# curl resumes its one TLS session on every new connection; the
	# connections alternate between d1 and d2, so most resumptions use a
	# ticket the other DLBA server issued (shared ticket_key_file)
	[ "$r1" -gt 0 ] && [ "$r2" -gt 0 ] && [ $(((r1 + r2) * 4)) -ge $((nhttps * 3)) ] ||
		fail "TLS sessions resumed: d1 $r1, d2 $r2 of $nhttps https connections"
	log_test "pentaflow: IPv$fam cookie session http -> https: $n requests on $B (https: d1 $seen_d1, d2 $seen_d2; TLS resumed $((r1 + r2)))"
}
cookie_session 4
cookie_session 6

# ----------------------------------- d. status tables count every request
declare -A before
for i in 1 2; do for b in 1 2 3; do before[$i.$b]=$(hits_of "$i" "$b"); done; done
out=$(pf_many 16 4 http /status-check; pf_many 8 4 https /status-check)
[ "$(field err "$(pf_tally <<<"$out")")" = 0 ] || fail "requests failed: $(pf_tally <<<"$out")"
detail=
for i in 1 2; do
	detail+="d$i:"
	for b in 1 2 3; do
		want=$(grep -c "^backend=b$b dlba=$(pf_d_baddr "$i") " <<<"$out")
		got=$(($(hits_of "$i" "$b") - before[$i.$b]))
		[ "$got" = "$want" ] || fail "d$i's status table: b$b +$got hits, the client saw $want"
		detail+=" b$b=$got"
	done
	detail+="; "
done
log_test "pentaflow: dlbad status tables count the 24 requests per back-end (${detail%; })"

# ----------------------------- c. a DLBA server fails while clients run
pf_hc_start
client_loop() {
	local k=0 proto
	while [ ! -e "$TESTDIR/loop.stop" ]; do
		if [ $((k % 2)) = 0 ]; then proto=http; else proto=https; fi
		k=$((k + 1))
		echo "$EPOCHREALTIME $(pf_get 4 "$proto" /loop)"
	done >"$TESTDIR/loop.log"
}
rm -f "$TESTDIR/loop.stop"
client_loop &
LOOP_PID=$!
defer kill "$LOOP_PID"
# requests_after T: lines of the loop started after T
requests_after() { awk -v t="$1" '$1 > t' "$TESTDIR/loop.log"; }

wait_for 60 sh -c "[ \$(wc -l <'$TESTDIR/loop.log') -ge 6 ]" || fail "client loop did not run"
t_kill=$EPOCHREALTIME
pf_dlbad_kill 1
wait_for 20 grep -q " fail 1$" "$TESTDIR/hc.log"
check_err $? "the health check never marked d1 failed"
t_fail=$(awk '$2 == "fail" && $3 == 1 { print $1; exit }' "$TESTDIR/hc.log")
t_fail=${t_fail:-$EPOCHREALTIME}
for s in "${ALL_SVCS[@]}"; do
	[ "$(sched_srv "$s" 1 .failed)" = true ] || fail "$s: server 1 not marked failed"
	left=$(lbctl -j buckets "$s" | jq '[.buckets[][0] | select(. == 1)] | length')
	[ "$left" = 0 ] || fail "$s: $left buckets still on the failed server"
done
wait_for 90 sh -c "[ \$(awk -v t=$t_fail '\$1 > t' '$TESTDIR/loop.log' | wc -l) -ge 10 ]" ||
	fail "the client loop stalled after the failure"
touch "$TESTDIR/loop.stop"
wait "$LOOP_PID" 2>/dev/null
after=$(requests_after "$t_fail" | cut -d' ' -f2-)
cnt=$(pf_tally <<<"$after")
[ "$(field err "$cnt")" = 0 ] || fail "requests after the failure mark failed: $cnt; $(grep -m1 ERROR <<<"$after")"
[ "$(field d1 "$cnt")" = 0 ] && [ "$(field d2 "$cnt")" -ge 10 ] ||
	fail "requests after the mark not all via d2: $cnt"
lost=$(awk -v a="$t_kill" -v b="$t_fail" '$1 > a && $1 <= b && /ERROR/' "$TESTDIR/loop.log" | wc -l)
log_test "pentaflow: d1 killed: failed after $(awk -v a="$t_kill" -v b="$t_fail" 'BEGIN { printf "%.1f", b - a }')s, buckets reset, then all OK via d2 ($cnt; $lost lost before)"

# restart it: the health check clears the mark, new buckets go to it again
pf_dlbad_start 1
check_err $? "dlbad did not restart on d1"
wait_for 20 grep -q " unfail 1$" "$TESTDIR/hc.log"
check_err $? "the health check never cleared d1"
for s in "${ALL_SVCS[@]}"; do
	[ "$(sched_srv "$s" 1 .failed)" = false ] || fail "$s: server 1 still marked failed"
done
out=$(pf_many 20 4 http /)
cnt=$(pf_tally <<<"$out")
nb=$(summary "$SVC80" | jq -r '.servers["1"] // 0')
[ "$(field err "$cnt")" = 0 ] || fail "requests failed: $cnt"
[ "$(field d1 "$cnt")" -gt 0 ] && [ "$nb" -gt 0 ] || fail "d1 gets no new clients: $cnt, $nb buckets"
log_test "pentaflow: d1 restarted: failed mark cleared, $nb new buckets ($cnt)"
pf_hc_stop

dlba_check_dmesg
exit "$(exit_status)"
