#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A 4194304-bucket service (the maximum): the operations that walk the whole
# table - a server fails, a server is deleted, panic on - must not keep one
# CPU's softirqs (and everything else on it) off for the whole walk, and must
# still move only the clients they are meant to move:
#   - the table is filled by panic on (4194304 buckets over three servers);
#   - `server set --fail` of s2, while a UDP flow from clients whose buckets
#     belong to s2 and are walked last runs from the other CPU: afterwards
#     no bucket names s2, every other bucket kept its server (whole tables
#     compared), no request sent after the walk began was answered by s2
#     and every request was answered;
#   - panic on (s1, s3 healthy): 2097152 buckets each;
#   - `server del` of s3: no bucket names s3, s1's kept.
# For each of the three walks, run pinned to CPU 1 beside a SCHED_FIFO
# thread that sleeps 0.5 ms at a time (net/walk_probe.py lat): a kprobe pair
# on the walk's function (dlba_sched_server_gone / dlba_sched_set_panic)
# brackets the walk, and the thread must have run on CPU 1 inside it (a
# walk with BH off throughout, or with no preemption point - the Debian
# kernels are PREEMPT_DYNAMIC, voluntary - gives it none); a kprobe pair on
# the chunk function counts the parts the walk is cut into (BH is off for
# one part at a time).  Timings (the thread's worst lateness, the longest
# stretch of the walk without it, the longest part) are printed, not
# checked: a TCG VM among other VMs stalls for tens of ms now and then.
#
#   CLI 198.18.0.2                      LB dlba.ko                        S1 198.18.1.11
#       walk_probe.py flow                  VIP 198.18.100.10 on lo           S2 .12
#                                           :9000/udp, 4194304 buckets        S3 .13
#                                                                             udp echo :9000
#     eth0 --------------------------- eth0 .1         br0 .1 ---------+--- VIP on lo
#   (addresses: selftests/net/lb_topo.sh)
source "$(dirname "$(readlink -f "$0")")/../net/lib.sh"
source "$SELFTESTS_DIR/net/lb_topo.sh"
source "$SELFTESTS_DIR/net/dlba_lib.sh"

# shellcheck disable=SC2034 # read by selftests/run.sh
# shellcheck disable=SC2034 # read from this file's text by selftests/run.sh
PLAN=7

NB=4194304
KEY=000102030405060708090a0b0c0d0e0f
# The walks' CPU and the flow's.
WCPU=1
FCPU=0
# Wake-ups of the FIFO thread the walk must allow (0.5 ms sleeps: a walk
# of the whole table takes tens of ms on TCG, some on hardware).
WAKES_MIN=3
# Parts a walk must be cut into (at most 65536 buckets each).
CHUNKS_MIN=64

require_cmd taskset
dlba_setup udp
WP=("$PYTHON" "$SELFTESTS_DIR/net/walk_probe.py")
s=$(svc_of 4 udp)

TRACEFS=/sys/kernel/tracing
# probe GROUP EVENT-IN EVENT-OUT FUNCTION: kprobe and kretprobe events
probe() {
	local g=$1 in=$2 out=$3 fn=$4
	grep -qw "$fn" /proc/kallsyms || { log_info "no symbol $fn"; return 1; }
	echo "p:$g/$in dlba:$fn" >>"$TRACEFS/kprobe_events" || return 1
	echo "r:$g/$out dlba:$fn" >>"$TRACEFS/kprobe_events" || return 1
	defer sh -c "echo 0 > $TRACEFS/events/$g/enable; echo -:$g/$in >> $TRACEFS/kprobe_events; echo -:$g/$out >> $TRACEFS/kprobe_events"
	echo 1 >"$TRACEFS/events/$g/enable"
}
# walk_begin / walk_end on the walk functions (every module has them),
# walk_in / walk_out on the chunk functions (walk_probes false if none)
[ -e "$TRACEFS/kprobe_events" ] || mount -t tracefs nodev "$TRACEFS" ||
	setup_fail "no tracefs"
# mono: the clock of Python's time.monotonic(), to compare with the flow's
clock=$(sed -n 's/.*\[\(.*\)\].*/\1/p' "$TRACEFS/trace_clock")
echo mono >"$TRACEFS/trace_clock" || setup_fail "no trace_clock mono"
defer sh -c "echo ${clock:-local} > $TRACEFS/trace_clock"
probe dlbawg walk_begin walk_end dlba_sched_server_gone &&
	probe dlbawp walk_begin walk_end dlba_sched_set_panic ||
	setup_fail "no kprobe on the walk functions"
walk_probes() {
	probe dlbacg walk_in walk_out dlba_sched_gone_chunk &&
		probe dlbacp walk_in walk_out dlba_sched_panic_chunk
}
PROBES=1
walk_probes || PROBES=0

# walk NAME DLBACTL-ARGS...: run the command on CPU WCPU with the latency
# thread beside it.  Sets WALK_RC, WALK_MS (command), LAT_MS (thread's
# worst lateness), CHUNKS (walk_probe.py chunks: parts, walk, wake-ups).
walk() {
	local name=$1 lat t0 t1
	shift
	: >"$TRACEFS/trace"
	"${WP[@]}" lat --cpu "$WCPU" >"$TESTDIR/lat.$name" 2>&1 &
	lat=$!
	for _ in $(seq 50); do
		grep -q ready "$TESTDIR/lat.$name" && break
		sleep 0.1
	done
	t0=$(date +%s%N)
	taskset -c "$WCPU" ip netns exec "$LB" "$DLBACTL" "$@" >"$TESTDIR/walk.$name" 2>&1
	WALK_RC=$?
	t1=$(date +%s%N)
	kill -TERM "$lat"
	wait "$lat"
	WALK_MS=$(((t1 - t0) / 1000000))
	LAT_MS=$(sed -n 's/^max_ms=\([0-9.]*\).*/\1/p' "$TESTDIR/lat.$name")
	cp "$TRACEFS/trace" "$TESTDIR/trace.$name"
	CHUNKS=$("${WP[@]}" chunks "$TESTDIR/trace.$name" --lat "$TESTDIR/lat.$name")
	log_info "$name: dlbactl $* took $WALK_MS ms; FIFO thread on CPU $WCPU at most ${LAT_MS:-?} ms late; $CHUNKS"
}

# check_walk NAME: the FIFO thread ran inside the last walk, which was cut
# into parts
check_walk() {
	local n w
	[ "$WALK_RC" = 0 ] || fail "dlbactl failed: $(head -c 300 "$TESTDIR/walk.$1")"
	[ -n "$LAT_MS" ] || fail "the latency thread reported nothing: $(head -c 300 "$TESTDIR/lat.$1")"
	w=$(sed -n 's/.* wakes=\([0-9]*\).*/\1/p' <<<"$CHUNKS")
	[ "${w:-0}" -ge "$WAKES_MIN" ] ||
		fail "the FIFO thread on CPU $WCPU ran ${w:-0} times in the walk (< $WAKES_MIN): $CHUNKS"
	[ "$PROBES" = 1 ] || { fail "no chunk function to probe: the walk is not cut into parts"; return; }
	n=$(sed -n 's/^n=\([0-9]*\).*/\1/p' <<<"$CHUNKS")
	[ "${n:-0}" -ge "$CHUNKS_MIN" ] || fail "the walk had ${n:-0} parts (< $CHUNKS_MIN)"
}

save() { lbctl buckets save "$s" -o "$1" >/dev/null; }

# ------------------------------------------------------------------ fill
svc_setup 4 dr udp "1 1 1" --buckets "$NB" --hash-key "$KEY"
check_err $? "service setup failed"
run_cmd lbctl panic on "$s" && run_cmd lbctl panic off "$s"
check_err $? "panic on/off failed"
sum=$(summary "$s")
[ "$(jq -c '[.count, .unassigned, .servers["1"], .servers["2"], .servers["3"]]' <<<"$sum")" = \
  "[$NB,0,1398102,1398101,1398101]" ] || fail "table after panic: $(jq -c . <<<"$sum")"
save "$TESTDIR/t0.json" || fail "buckets save failed"
log_test "dlba: $NB buckets filled by panic on, 1398102/1398101/1398101"

# ------------------------------------------------------------ server fail
# Four clients of s2 whose buckets lie in the last quarter of the table
# (bucket mod 3 == 1 is s2's under panic), asked in turn from CPU FCPU.
ports=$("${WP[@]}" clients "$KEY" "$NB" "$CLI4" 20000 --mod 3 --res 1 --from 0.75 --count 4)
pre=$(ip netns exec "$CLI" "${WP[@]}" flow "$VIP4" "$UDP_PORT" --src "$CLI4" --ports "$ports" --duration 0.5 |
	awk '{ print $3 }' | sort -u | tr '\n' ' ')
[ "$pre" = "s2 " ] || fail "clients $ports (s2's buckets) were answered by: $pre"
taskset -c "$FCPU" ip netns exec "$CLI" "${WP[@]}" flow "$VIP4" "$UDP_PORT" \
	--src "$CLI4" --ports "$ports" --duration 12 >"$TESTDIR/flow" 2>&1 &
flow=$!
sleep 2
walk fail server set "$s" --id 2 --fail
wait "$flow"
save "$TESTDIR/t1.json" || fail "buckets save failed"
res=$("${WP[@]}" tables "$TESTDIR/t0.json" "$TESTDIR/t1.json" --gone 2)
check_err $? "tables: $res"
log_info "fail: $res"
# Requests sent once the walk began (walk_begin in the trace): none
# answered by s2, and every one answered.
t=$(sed -n 's/.* begin=\([0-9.]*\).*/\1/p' <<<"$CHUNKS")
[ -n "$t" ] || fail "no walk in the trace: $CHUNKS"
fl=$(awk -v t="${t:-0}" -v l="$(sed -n 's/.* end=\([0-9.]*\).*/\1/p' <<<"$CHUNKS")" '
	{ n++ }
	$3 == "ERROR" { err++ }
	$1 > t && $3 == "s2" { s2++ }
	l != "" && $1 >= t && $1 <= l { during++ }
	$2 != "-" && $2 - $1 > rtt { rtt = $2 - $1 }
	END { printf "requests=%d errors=%d s2_after=%d during_walk=%d max_rtt_ms=%.1f\n",
		n, err, s2, during, rtt * 1000 }' "$TESTDIR/flow")
log_info "fail: flow $fl"
grep -q ' errors=0 s2_after=0 ' <<<"$fl" || fail "flow during the walk: $fl"
log_test "dlba: server fail on $NB buckets: only s2's clients moved, flow kept going"
check_walk fail
log_test "dlba: server fail: CPU $WCPU given up during the walk, walk in parts"

# -------------------------------------------------------------- panic on
walk panic panic on "$s"
sum=$(summary "$s")
[ "$(jq -c '[.count, .unassigned, .servers["1"], .servers["2"], .servers["3"]]' <<<"$sum")" = \
  "[$NB,0,2097152,null,2097152]" ] || fail "table after panic: $(jq -c . <<<"$sum")"
run_cmd lbctl panic off "$s"
check_err $? "panic off failed"
log_test "dlba: panic on with s2 failed: 2097152 buckets each to s1 and s3"
check_walk panic
log_test "dlba: panic on: CPU $WCPU given up during the walk, walk in parts"

# ------------------------------------------------------------ server del
save "$TESTDIR/t2.json" || fail "buckets save failed"
walk del server del "$s" --id 3
save "$TESTDIR/t3.json" || fail "buckets save failed"
res=$("${WP[@]}" tables "$TESTDIR/t2.json" "$TESTDIR/t3.json" --gone 3)
check_err $? "tables: $res"
log_info "del: $res"
log_test "dlba: server del on $NB buckets: only s3's clients moved"
check_walk del
log_test "dlba: server del: CPU $WCPU given up during the walk, walk in parts"

lbctl flush
dlba_check_dmesg
exit "$(exit_status)"
