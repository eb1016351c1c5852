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
PLAN=3

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
lbctl flush

dlba_check_dmesg
exit "$(exit_status)"
