#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Bucket table sync between schedulers (dlbactl buckets save / load,
# WO 01/69890 "Scheduler Failover") at its edges:
#   - a saved table that names a server failed here since: loaded, that
#     server's buckets installed unassigned, the rest as saved, the saved
#     version installed (dlbactl(8), buckets load)
#   - a saved table that names a server id the service does not have (in
#     its last 8192-bucket part): refused with a clear message, and the
#     table is left exactly as it was (no part installed)
#   - reading a 65536-bucket table while another process changes it: every
#     `dlbactl -j buckets` and `buckets save` exits 0 without a message, and
#     every read dlbactl did not give up on (after five interrupted
#     attempts) is one real state of the table with the version of that
#     state, never a mix of parts (dlbactl re-reads a dump flagged
#     NLM_F_DUMP_INTR); some reads were interrupted and re-read
#   - bucket-change notifications (`dlbactl -j monitor`, the "buckets"
#     multicast group): the changes a burst of ~300 new UDP clients makes,
#     applied to a copy of the 256-bucket table read before, give exactly
#     `dlbactl buckets` (assignments and version); `monitor SVC` shows the
#     same changes of that service only
#   - coalescing: the burst's ~180 new assignments come in far fewer
#     messages; 900 more packets to assigned buckets bring none
#   - `buckets touch SVC` makes the idle time of that service's buckets ~0
#     and leaves the others'; `buckets touch` does it for every service;
#     neither changes the version or sends a change
#   - no listener: new clients are still assigned, and a monitor started
#     afterwards sees the next change and nothing stale
#
#   CLI ---- LB (dlba.ko; VIP 198.18.100.10:80 dr, :8080 tun) ---- br0 --+-- S1
#                                                                     +-- S2
#                                                                     +-- S3
#   (addresses: selftests/net/lb_topo.sh)
# check: oldest kernel only (make check: table and dump logic; admin.sh covers the dumps on every kernel)
source "$(dirname "$(readlink -f "$0")")/../net/lib.sh"
source "$SELFTESTS_DIR/net/lb_topo.sh"
source "$SELFTESTS_DIR/net/dlba_lib.sh"

# shellcheck disable=SC2034 # read by selftests/run.sh
# shellcheck disable=SC2034 # read from this file's text by selftests/run.sh
PLAN=7

require_cmd strace
dlba_setup

V4=$(svc 4)
S8=$(svc 4 8080)
NDUMPS=${NDUMPS:-40}

# -------------------------------------------- load naming a failed server
svc_setup 4 dr tcp "1 1 1" --buckets 4096
check_err $? "service setup failed"
http_many 4 90 / "${CLI_EXTRA4[@]}" >/dev/null
run_cmd lbctl buckets save "$V4" -o "$TESTDIR/saved.json"
check_err $? "buckets save failed"
vs=$(jq .version "$TESTDIR/saved.json")
n2=$(jq '[.assign[] | select(. == 2)] | length' "$TESTDIR/saved.json")
[ "$n2" -gt 0 ] || fail "s2 owned no bucket when saved"
run_cmd lbctl server set "$V4" --id 2 --fail
check_err $? "server set --fail failed"
# the table moves on: s2's clients land on s1 / s3
http_many 4 60 / "${CLI_EXTRA4[@]}" >/dev/null
err=$(lbctl buckets load "$V4" -i "$TESTDIR/saved.json" 2>&1)
check_err $? "buckets load failed: $err"
[ -z "$err" ] || fail "buckets load said: $err"
bucket_ids "$V4" "$TESTDIR/loaded.json"
[ "$(jq -n --slurpfile f "$TESTDIR/saved.json" --slurpfile b "$TESTDIR/loaded.json" \
	'[$f[0].assign[] | if . == 2 then 0 else . end] == $b[0]')" = true ] ||
	fail "loaded table is not the saved one with s2's buckets unassigned"
[ "$(summary "$V4" | jq .version)" = "$vs" ] || fail "version $(summary "$V4" | jq .version), saved $vs"
# the per-server counts agree with the array
[ "$(lbctl -j server list "$V4" | jq -c 'map([.id, .buckets])')" = \
  "$(jq -c '[1, 2, 3] as $ids | [$ids[] as $i | [$i, ([.[] | select(. == $i)] | length)]]' "$TESTDIR/loaded.json")" ] ||
	fail "server list counts disagree with the array: $(lbctl -j server list "$V4" | jq -c 'map([.id, .buckets])')"
out=$(http_many 4 30 / "${CLI_EXTRA4[@]}")
cnt=$(count_servers <<<"$out")
[ "$(field err "$cnt")" = 0 ] && [ "$(field s2 "$cnt")" = 0 ] || fail "traffic after load: $cnt"
log_test "dlba: buckets load naming a failed server: its $n2 buckets unassigned, rest as saved, version $vs"

# --------------------------------------- load naming an unknown server id
run_cmd lbctl server set "$V4" --id 2 --unfail
run_cmd lbctl service add "$S8" --buckets 65536 &&
	run_cmd lbctl server add "$S8" --id 1 --addr "$(srv_addr4 1)" --method tun &&
	run_cmd lbctl server add "$S8" --id 2 --addr "$(srv_addr4 2)" --method tun &&
	run_cmd lbctl panic on "$S8"
check_err $? "could not set up $S8"
run_cmd lbctl buckets save "$S8" -o "$TESTDIR/s8.json"
# every bucket to server 1, but the last one to id 99, which does not exist
jq -c '.assign |= (map(1) | .[-1] = 99)' "$TESTDIR/s8.json" >"$TESTDIR/bad.json"
tables_snapshot "$TESTDIR/t-before"
err=$(lbctl buckets load "$S8" -i "$TESTDIR/bad.json" 2>&1 >/dev/null)
rc=$?
tables_snapshot "$TESTDIR/t-after"
[ "$rc" = 1 ] || fail "load of a table naming id 99: exit $rc"
grep -q 'bucket 65535 names server id 99' <<<"$err" || fail "message does not say which id is wrong: '$err'"
cmp -s "$TESTDIR/t-before" "$TESTDIR/t-after" ||
	fail "the refused load changed the table: $(diff "$TESTDIR/t-before" "$TESTDIR/t-after" | head -c 300)"
log_test "dlba: buckets load naming an unknown server id (last part) is refused, table unchanged"

# -------------------------------------------- dumps of a changing table
# $S8 in panic with servers 1 and 2: bucket i belongs to 1 (i even) or 2
# (i odd), version V0.  A second process then changes it, one change at a
# time: fail 2 (odd buckets -> unassigned, version + 1), unfail 2 (no bucket
# changes, but a dump sees the change of generation), panic on (odd -> 2,
# version + 1), ...  So a table of version V0 + 2k has odd buckets on 2,
# one of version V0 + 2k + 1 has them unassigned; even buckets are always 1.
# A dump (traced: one request per attempt) that dlbactl did not give up on
# must be exactly one of these states, with its version.  dlbactl gives up
# after five interrupted attempts (dlbactl(8): then it shows the last read
# with the oldest version); a few such reads are allowed, and not checked.
#
# Whether a change lands inside a dump is a race the test makes likely, not
# left to the machine's speed: strace delays each recvmsg() of the reader,
# so one attempt spans about a fifth of the measured time between two
# changes (the kernel fills the next part of a dump when the previous one is
# read).  With the rest of a traced run, an attempt is then interrupted about
# every third time: several of the 40 reads are re-read, and five
# interrupted attempts in a row stay rare (at half the period, CI on a slow
# machine saw 11 of 40 reads given up on).
run_cmd lbctl panic on "$S8"
V0=$(summary "$S8" | jq .version)

DELAY_US=0
# dump K: one read, traced to count the dump requests dlbactl sent
dump() {
	local k=$1 how inject=()
	if [ $((k % 2)) = 0 ]; then how=(-j buckets "$S8"); else how=(buckets save "$S8" -o -); fi
	[ "$DELAY_US" -gt 0 ] && inject=(-e "inject=recvmsg:delay_exit=$DELAY_US")
	ip netns exec "$LB" strace -qq -f --seccomp-bpf -e trace=sendto,recvmsg "${inject[@]}" \
		-o "$TESTDIR/strace.$k" \
		"$DLBACTL" "${how[@]}" >"$TESTDIR/dump.$k" 2>"$TESTDIR/dump.$k.err"
	echo $? >"$TESTDIR/dump.$k.rc"
}

# how long a dlbactl run takes here (the VM may be slow), and how many
# reads one dump takes: the worst of three
t=300
nrecv=1
for k in 0 1 2; do
	t0=$EPOCHREALTIME
	dump "$k"
	d=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }')
	[ "$d" -gt "$t" ] && t=$d
	r=$(grep -c 'recvmsg(' "$TESTDIR/strace.$k")
	[ "$r" -gt "$nrecv" ] && nrecv=$r
done

: >"$TESTDIR/changes"
(
	gap=$(awk -v m="$t" 'BEGIN { printf "%.3f", m / 4000 }')
	while [ ! -e "$TESTDIR/stop" ]; do
		for c in "server set $S8 --id 2 --fail" "server set $S8 --id 2 --unfail" "panic on $S8"; do
			# shellcheck disable=SC2086
			ip netns exec "$LB" "$DLBACTL" $c && echo "$EPOCHREALTIME $c" >>"$TESTDIR/changes"
			sleep "$gap"
		done
	done
) &
TOGGLER=$!
defer kill "$TOGGLER"
# the time between two changes, from the first five
slept=0
while [ "$(wc -l <"$TESTDIR/changes")" -lt 5 ] && [ "$slept" -lt 600 ]; do
	sleep 0.1
	slept=$((slept + 1))
done
[ "$(wc -l <"$TESTDIR/changes")" -ge 5 ] || setup_fail "the changing process made $(wc -l <"$TESTDIR/changes") changes in 60 s"
period_us=$(awk 'NR == 1 { a = $1 } NR == 5 { printf "%d", ($1 - a) * 1e6 / 4 }' "$TESTDIR/changes")
DELAY_US=$((period_us / 5 / nrecv))
log_info "a traced dlbactl run takes up to ${t} ms, a dump $nrecv reads; one change every $((period_us / 1000)) ms: each read delayed ${DELAY_US} us"
for ((k = 0; k < NDUMPS; k++)); do
	dump "$k"
done
touch "$TESTDIR/stop"
wait "$TOGGLER"

res=$("$PYTHON" - "$TESTDIR" "$NDUMPS" "$V0" <<'EOF'
import json, sys
d, n, v0 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
bad, versions, retried, gaveup = [], set(), 0, 0
for k in range(n):
    rc = open(f"{d}/dump.{k}.rc").read().strip()
    err = open(f"{d}/dump.{k}.err").read().strip()
    # one request resolves the family, then one per dump attempt
    tries = sum(1 for l in open(f"{d}/strace.{k}") if "sendto(" in l) - 1
    retried += tries > 1
    if rc != "0" or err:
        bad.append(f"dump {k}: exit {rc} {err[:80]}")
        continue
    if tries >= 5:
        gaveup += 1
        continue
    doc = json.load(open(f"{d}/dump.{k}"))
    a = doc["assign"] if "assign" in doc else [b[0] for b in doc["buckets"]]
    v = doc["version"]
    versions.add(v)
    odd = 2 if (v - v0) % 2 == 0 else 0
    if len(a) != 65536 or doc["count"] != 65536:
        bad.append(f"dump {k}: {len(a)} buckets")
    elif set(a[0::2]) != {1} or set(a[1::2]) != {odd}:
        bad.append(f"dump {k} ({tries} tries): version {v} (V0+{v - v0}) but even "
                   f"{sorted(set(a[0::2]))} odd {sorted(set(a[1::2]))}")
print(f"versions={len(versions)} retried={retried} gave_up={gaveup}")
for b in bad[:3]:
    print("BAD", b)
EOF
)
nchg=$(wc -l <"$TESTDIR/changes")
grep -q '^BAD' <<<"$res" && fail "$(grep -m3 '^BAD' <<<"$res" | tr '\n' '|')"
grep -q '^versions=' <<<"$res" || fail "checker failed: $res"
[ "$nchg" -ge 6 ] || fail "only $nchg changes during the dumps"
[ "$(sed -n 's/^versions=\([0-9]*\).*/\1/p' <<<"$res")" -ge 3 ] || fail "the dumps saw too few versions: $res"
[ "$(sed -n 's/.* retried=\([0-9]*\).*/\1/p' <<<"$res")" -ge 1 ] || fail "no dump was interrupted: $res"
[ "$(sed -n 's/.* gave_up=\([0-9]*\).*/\1/p' <<<"$res")" -le $((NDUMPS / 4)) ] ||
	fail "dlbactl gave up on too many dumps: $res"
log_test "dlba: $NDUMPS reads of a 65536-bucket table under $nchg changes: each one consistent ($(head -n1 <<<"$res"))"
run_cmd lbctl service del "$S8"

# ------------------------------------------- bucket-change notifications
T_NOTIFY=$SECONDS
SU=$(svc 4 "$UDP_PORT" udp)
svc_setup 4 dr udp "1 1 1" --buckets 256
check_err $? "could not set up $SU"

# burst FIRST N ROUNDS: ROUNDS datagrams from each client port FIRST..
# FIRST+N-1 to $SU, back to back (sockets opened first; unconnected, so a
# server's port unreachable does not fail the next send): many new buckets
# within a few notification intervals
burst() {
	ip netns exec "$CLI" "$PYTHON" - "$(vip 4)" "$UDP_PORT" "$@" <<'EOF'
import socket, sys
addr, port, first, n, rounds = sys.argv[1], int(sys.argv[2]), *map(int, sys.argv[3:6])
socks = []
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("", first + i))
    socks.append(s)
for _ in range(rounds):
    for s in socks:
        s.sendto(b"x", (addr, port))
EOF
}
# su_lines FILE: the lines of FILE (JSON monitor output) about $SU
su_lines() { grep -c "\"service\":\"$SU\"" "$1"; }
# mon_start FILE [SVC]: dlbactl -j monitor [SVC] in the LB, output to FILE
# (text with SVC), its pid in MON_PID
mon_start() {
	local how=(-j monitor)
	[ -n "${2:-}" ] && how=(monitor "$2")
	ip netns exec "$LB" "$DLBACTL" "${how[@]}" >"$1" 2>"$1.err" &
	MON_PID=$!
	defer kill "$MON_PID"
}
# mon_ready FILE...: until each monitor has printed a change of $SU (they
# listen): server 1 failed and back under panic
mon_ready() {
	local k f ok
	for ((k = 0; k < 30; k++)); do
		{ lbctl panic on "$SU" && lbctl server set "$SU" --id 1 --fail &&
			lbctl server set "$SU" --id 1 --unfail && lbctl panic off "$SU"; } || return 1
		sleep 0.3
		ok=1
		for f in "$@"; do grep -q . "$f" || ok=0; done
		[ "$ok" = 1 ] && return 0
	done
	return 1
}
# su_table FILE: `buckets` JSON of $SU
su_table() { lbctl -j buckets "$SU" >"$1"; }
# assigned FILE: buckets with a server in a `buckets` JSON
assigned() { jq '[.buckets[][0] | select(. != 0)] | length' "$1"; }

mon_start "$TESTDIR/mon.all"
MON_ALL=$MON_PID
mon_start "$TESTDIR/mon.su" "$SU"
MON_SU=$MON_PID
mon_ready "$TESTDIR/mon.all" "$TESTDIR/mon.su" ||
	setup_fail "the monitors print no change: $(cat "$TESTDIR/mon.all.err" "$TESTDIR/mon.su.err")"
# an empty table again (each failed server's buckets are reset), copied
# while the monitors listen
for i in 1 2 3; do run_cmd lbctl server set "$SU" --id "$i" --fail; done
for i in 1 2 3; do run_cmd lbctl server set "$SU" --id "$i" --unfail; done
su_table "$TESTDIR/base.json"
[ "$(assigned "$TESTDIR/base.json")" = 0 ] || fail "the table is not empty after failing every server"
# One notification interval of 100 ms spans most of the burst however slow
# the VM is, so the message count below shows the coalescing, not the
# machine's speed (at the default 10 ms a TCG VM takes several intervals
# to send 300 packets).
SYNC_MS=/sys/module/dlba/parameters/sync_interval_ms
[ "$(cat "$SYNC_MS")" = 10 ] || fail "sync_interval_ms is $(cat "$SYNC_MS"), not the documented 10"
echo 100 >"$SYNC_MS" || fail "sync_interval_ms cannot be set"
sleep 1
n0=$(su_lines "$TESTDIR/mon.all")
m0=$(wc -l <"$TESTDIR/mon.su")
burst 20000 300 1
sleep 1
n1=$(su_lines "$TESTDIR/mon.all")
su_table "$TESTDIR/burst.json"
nassign=$(assigned "$TESTDIR/burst.json")
# the same clients again, three times: their buckets have their servers
burst 20000 300 3
sleep 1
n2=$(su_lines "$TESTDIR/mon.all")
su_table "$TESTDIR/after.json"
echo 10 >"$SYNC_MS"

# (a) the copy + the changes = the table
res=$("$PYTHON" - "$TESTDIR" "$SU" "$m0" <<'EOF'
import json, re, sys
d, svc, m0 = sys.argv[1], sys.argv[2], int(sys.argv[3])
base = json.load(open(f"{d}/base.json"))
table, version = [b[0] for b in base["buckets"]], base["version"]
applied, seen = 0, []
for line in open(f"{d}/mon.all"):
    c = json.loads(line)
    if c.get("service") != svc:
        continue
    seen.append((c["version"], c["start"], len(c["assign"])))
    # a change older than the copy is in it already
    if c["version"] < version:
        continue
    table[c["start"]:c["start"] + len(c["assign"])] = c["assign"]
    version, applied = c["version"], applied + 1
now = json.load(open(f"{d}/after.json"))
want = [b[0] for b in now["buckets"]]
diff = [i for i in range(len(want)) if want[i] != table[i]]
print(f"applied={applied} version={version} want_version={now['version']} diff={len(diff)}"
      + (f" first_diff={diff[0]}:{table[diff[0]]}!={want[diff[0]]}" if diff else ""))
# the filtered monitor (text): the same changes, since the burst
txt = []
for line in list(open(f"{d}/mon.su"))[m0:]:
    m = re.match(r"(\S+) version (\d+) buckets? (\d+)(?:-(\d+))?:", line)
    if not m or m.group(1) != svc:
        print("BAD filtered line:", line.strip()[:80])
        continue
    s = int(m.group(3))
    txt.append((int(m.group(2)), s, int(m.group(4) or s) - s + 1))
print("filtered_same" if txt and seen[-len(txt):] == txt else f"BAD filtered {txt[:3]} vs {seen[-3:]}")
EOF
)
log_info "replay: $res"
{ grep -q ' diff=0' <<<"$res" && grep -q "applied=[1-9]" <<<"$res"; } ||
	fail "the copy with the changes applied is not the table: $res"
v=$(sed -n 's/.* version=\([0-9]*\) want_version=\([0-9]*\).*/\1 \2/p' <<<"$res")
[ -n "$v" ] && [ "${v% *}" = "${v#* }" ] || fail "the changes' last version is not the table's: $res"
grep -q '^filtered_same' <<<"$res" || fail "monitor $SU: $(grep BAD <<<"$res" | head -n 2)"
log_test "dlba: monitor: a 256-bucket copy + the change messages = dlbactl buckets, assignments and version; monitor SVC shows the same"

# (b) coalesced: far fewer messages than new assignments, none for packets
# to buckets that have their server
[ "$nassign" -ge 100 ] || fail "the burst assigned only $nassign buckets"
[ $(((n1 - n0) * 4)) -le "$nassign" ] ||
	fail "$((n1 - n0)) messages for $nassign new assignments: not coalesced"
[ "$n2" = "$n1" ] || fail "$((n2 - n1)) messages for 900 packets to assigned buckets"
[ "$(jq .version "$TESTDIR/after.json")" = "$(jq .version "$TESTDIR/burst.json")" ] ||
	fail "the version moved without new clients"
log_test "dlba: monitor: $nassign new assignments in $((n1 - n0)) messages, 900 packets to assigned buckets in none"

# (c) buckets touch
# bucket_idle SVC min|max: of the idle times (ms) of the assigned buckets
bucket_idle() { lbctl -j buckets "$1" | jq "[.buckets[] | select(.[0] != 0) | .[1]] | $2"; }
sleep 2
b0=$(bucket_idle "$SU" min)
[ "$b0" -ge 1500 ] || fail "idle before touch: $b0 ms"
# ms_since T: milliseconds since $EPOCHREALTIME was T.  A touched bucket is
# idle for no longer than the time since the touch began (a dlbactl run
# takes a second in a TCG VM), plus a few ticks.
ms_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }'; }
vt=$(summary "$SU" | jq .version)
nt=$(wc -l <"$TESTDIR/mon.all")
t0=$EPOCHREALTIME
run_cmd lbctl buckets touch "$SU"
check_err $? "buckets touch $SU failed"
a=$(bucket_idle "$SU" max)
ta=$(ms_since "$t0")
b=$(bucket_idle "$V4" min)
[ "$a" -le $((ta + 20)) ] || fail "after touch $SU: a bucket idle for $a ms, $ta ms after the touch began"
[ "$b" -ge 2000 ] || fail "touch $SU touched $V4 too (idle $b ms)"
t0=$EPOCHREALTIME
run_cmd lbctl buckets touch
check_err $? "buckets touch (every service) failed"
c=$(bucket_idle "$V4" max)
tc=$(ms_since "$t0")
[ "$c" -le $((tc + 20)) ] || fail "after touch: a bucket of $V4 idle for $c ms, $tc ms after the touch began"
[ "$(summary "$SU" | jq .version)" = "$vt" ] || fail "touch changed the version"
sleep 0.5
[ "$(wc -l <"$TESTDIR/mon.all")" = "$nt" ] || fail "touch sent a change"
log_test "dlba: buckets touch SVC: idle $b0 -> at most $a ms ($ta ms after; other service: $b ms), touch: $c ms ($tc ms after); no version change"

# (d) no listener
kill "$MON_ALL" "$MON_SU"
wait "$MON_ALL" "$MON_SU" 2>/dev/null
[ -s "$TESTDIR/mon.all.err" ] && fail "monitor said: $(head -c 200 "$TESTDIR/mon.all.err")"
v1=$(summary "$SU" | jq .version)
burst 30000 300 1
su_table "$TESTDIR/late.json"
v2=$(jq .version "$TESTDIR/late.json")
[ "$v2" -gt "$v1" ] && [ "$(assigned "$TESTDIR/late.json")" -gt "$nassign" ] ||
	fail "no new assignment without a listener (version $v1 -> $v2)"
mon_start "$TESTDIR/mon.late"
sleep 1
[ -s "$TESTDIR/mon.late" ] && fail "a new monitor got changes nobody made: $(head -c 200 "$TESTDIR/mon.late")"
mon_ready "$TESTDIR/mon.late" || fail "a monitor started after the burst sees no change"
jq -e --argjson v "$v2" 'select(.version <= $v)' "$TESTDIR/mon.late" >/dev/null &&
	fail "a new monitor got a change of version $v2 or older"
log_test "dlba: no listener: new clients assigned (version $v1 -> $v2), a monitor started later sees only later changes"
log_info "notification and touch checks: $((SECONDS - T_NOTIFY)) s"
lbctl flush

dlba_check_dmesg
exit "$(exit_status)"
