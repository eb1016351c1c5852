#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# dlba.ko under NFQUEUE (admin guide, "Firewall rules"): a verdict program
# (net/nfq_verdict.py, raw nfnetlink_queue) re-injects packets from its own
# process context, with softirqs enabled, not from the receive softirq.
#   - VIP traffic queued in prerouting before dlba's hook (nft chain at
#     -450, dlba at -399) and accepted: dr TCP, nat TCP/UDP (IPv4) and nat
#     TCP (IPv6) are forwarded, every queued packet counted once; the
#     scheduler's slow path (a kprobe on dlba_sched_assign) runs from the
#     verdict program's process (comm nfq_verdict) with BH disabled
#     ('b' in the trace's irqs-off/BH-disabled column)
#   - nat requests held in a FORWARD queue (dlba sends them through
#     NF_HOOK FORWARD), rmmod dlba, then the verdicts: no oops
#   - VIP traffic held in the prerouting queue, rmmod dlba, then the
#     verdicts: no oops; the module loads again and forwards
#
#   CLI 198.18.0.2 / fd00:db1a:c::2        LB dlba.ko + nft queue      S1 .11  S2 .12  S3 .13
#       curl, udp_client.py                   nfq_verdict.py (queue 0)    nginx :80 :8080,
#     eth0 ---------------------------- eth0 .1   br0 .1 ---------+---  udp echo :9000
#   (addresses: selftests/net/lb_topo.sh)
source "$(dirname "$(readlink -f "$0")")/../net/lib.sh"
source "$SELFTESTS_DIR/net/lb_topo.sh"
source "$SELFTESTS_DIR/net/dlba_lib.sh"

# shellcheck disable=SC2034 # read by selftests/run.sh
# shellcheck disable=SC2034 # read from this file's text by selftests/run.sh
PLAN=8

dlba_setup udp
kmod_load nf_tables nft_queue nfnetlink_queue || setup_fail "no nf_tables / nft_queue / nfnetlink_queue"

TRACEFS=/sys/kernel/tracing
NFQ_PID=

# nfq_start NAME ARGS...: the verdict program in the LB, on queue 0;
# output in $TESTDIR/NAME.out
nfq_start() {
	local name=$1
	shift
	ip netns exec "$LB" "$PYTHON" "$SELFTESTS_DIR/net/nfq_verdict.py" "$@" \
		>"$TESTDIR/$name.out" 2>"$TESTDIR/$name.err" &
	NFQ_PID=$!
	defer kill "$NFQ_PID"
	wait_for 20 grep -q '^ready' "$TESTDIR/$name.out"
}

nfq_stop() {
	kill "$NFQ_PID" 2>/dev/null
	wait "$NFQ_PID" 2>/dev/null
}

# queued NAME: packets the verdict program was given
queued() { grep -c '^queued ' "$TESTDIR/$1.out"; }

# nft_queue HOOK PRIO RULE...: table inet dlbanfq, one base chain, rules
nft_queue() {
	local hook=$1 prio=$2 r rules=
	shift 2
	for r in "$@"; do rules+="		$r"$'\n'; done
	ip netns exec "$LB" nft -f - <<EOF
table inet dlbanfq {
	chain c {
		type filter hook $hook priority $prio; policy accept;
$rules	}
}
EOF
}
nft_del() { ip netns exec "$LB" nft delete table inet dlbanfq 2>/dev/null; }
# nft_count: packets the rules of the chain counted, summed
nft_count() {
	ip netns exec "$LB" nft list chain inet dlbanfq c |
		awk '{ for (i = 1; i < NF; i++) if ($i == "packets") n += $(i + 1) } END { print n + 0 }'
}

# ------------------------------------------- prerouting queue, accepted
nft_queue prerouting -450 \
	"ip daddr $VIP4 counter queue num 0" \
	"ip6 daddr $VIP6 counter queue num 0"
check_err $? "nft prerouting queue ruleset" || setup_fail "nft queue ruleset"
defer nft_del
nfq_start pre
check_err $? "verdict program did not start: $(cat "$TESTDIR/pre.err")"
PRE_PID=$NFQ_PID

# kprobe on the scheduler's slow path; the trace says in which context
[ -e "$TRACEFS/kprobe_events" ] || mount -t tracefs nodev "$TRACEFS" || setup_fail "no tracefs"
echo 'p:dlba_nfq_assign dlba:dlba_sched_assign' >>"$TRACEFS/kprobe_events" ||
	setup_fail "no kprobe on dlba_sched_assign"
defer sh -c "echo 0 > $TRACEFS/events/kprobes/dlba_nfq_assign/enable; echo -:dlba_nfq_assign >> $TRACEFS/kprobe_events"
: >"$TRACEFS/trace"
echo 1 >"$TRACEFS/events/kprobes/dlba_nfq_assign/enable"

# all_forwarded SVC Q0: the service forwarded every packet queued since
# the nft counter read Q0
# shellcheck disable=SC2317 # called through wait_for
all_forwarded() {
	[ "$(svc_json "$1" | jq -r '.stats.packets')" = $(($(nft_count) - $2)) ]
}

# through FAM METHOD PROTO: 20 new clients through the queue and dlba;
# every queued packet is forwarded once (service packets == nft counter)
through() {
	local fam=$1 method=$2 proto=$3 s out cnt q0 q1 p what
	s=$(svc_of "$fam" "$proto")
	svc_setup "$fam" "$method" "$proto" "1 1 1" --buckets 1024
	check_err $? "service setup failed"
	q0=$(nft_count)
	if [ "$proto" = tcp ]; then
		out=$(http_many "$fam" 20 /)
		what="20 curl requests"
	else
		out=$(ip netns exec "$CLI" "$PYTHON" "$SELFTESTS_DIR/net/udp_client.py" \
			"$(vip "$fam")" "$UDP_PORT" --count 20)
		what="20 datagrams"
	fi
	cnt=$(count_servers <<<"$out")
	[ "$(field err "$cnt")" = 0 ] || fail "requests failed: $cnt; $(grep -m2 ERROR <<<"$out")"
	# the last packets (the client's FIN, ACK) may still be on their
	# way through the verdict program
	wait_for 10 all_forwarded "$s" "$q0"
	q1=$(nft_count)
	p=$(svc_json "$s" | jq -r '.stats.packets')
	[ $((q1 - q0)) -gt 0 ] || fail "nothing was queued ($q0 -> $q1)"
	[ "$p" = $((q1 - q0)) ] || fail "queued $((q1 - q0)) packets, service forwarded $p"
	if [ "$method" = nat ]; then
		[ "$(svc_json "$s" | jq -r '.stats.replies')" -gt 0 ] || fail "nat: no replies reversed"
	fi
	log_test "dlba: IPv$fam $method ${proto^^} through a prerouting NFQUEUE: $what ($cnt), $p packets queued and forwarded"
	lbctl flush
}
through 4 dr tcp
through 4 nat tcp
through 4 nat udp
through 6 nat tcp
echo 0 >"$TRACEFS/events/kprobes/dlba_nfq_assign/enable"

# Trace lines: "TASK-PID [CPU] FLAGS TIMESTAMP: EVENT" (the same on 6.1
# and 6.12).  FLAGS[0] is irqs-off/BH-disabled ('b' BH off, 'D' BH and
# irqs off, 'd' irqs only, '.' neither), FLAGS[2] hardirq/softirq ('s'
# serving a softirq, 'H' a hardirq within one).  A hit of the verdict
# program's pid is its sendmsg() re-injecting the packet, in process
# context: the packet path must have disabled BH there.
grep -v '^#' "$TRACEFS/trace" | grep dlba_nfq_assign >"$TESTDIR/assign.trace"
mine=$(awk -v pid="$PRE_PID" '{ n = split($1, a, "-") } a[n] == pid' "$TESTDIR/assign.trace")
hits=$(grep -c . <<<"$mine")
bad=$(awk 'substr($3, 1, 1) !~ /[bD]/ && substr($3, 3, 1) !~ /[sH]/' <<<"$mine")
[ -n "$mine" ] ||
	fail "no dlba_sched_assign call from the verdict program (pid $PRE_PID): $(head -n 3 "$TESTDIR/assign.trace" | tr '\n' '|')"
[ -z "$bad" ] || fail "dlba_sched_assign ran with BH enabled in process context: $(head -n 2 <<<"$bad" | tr '\n' '|')"
log_test "dlba: hooks re-injected by an NFQUEUE verdict (process context, $hits assignments: $(awk '{ print $3 }' <<<"$mine" | sort | uniq -c | xargs)) run with BH disabled"
nfq_stop
nft_del

# ------------------------------------------- held packets, rmmod, verdicts
# hold_rmmod NAME HOOK PRIO RULE: 4 new nat connections whose first
# packets the verdict program holds; rmmod dlba; then every verdict
hold_rmmod() {
	local name=$1 hook=$2 prio=$3 rule=$4 n pids=() res
	svc_setup 4 nat tcp "1 1 1" --buckets 1024
	check_err $? "nat service setup failed"
	nft_queue "$hook" "$prio" "$rule"
	check_err $? "nft $hook queue ruleset"
	nfq_start "$name" --hold-signal
	check_err $? "verdict program did not start: $(cat "$TESTDIR/$name.err")"
	for _ in 1 2 3 4; do
		ip netns exec "$CLI" curl -fsS -o /dev/null --max-time 10 --connect-timeout 8 \
			"$(url 4 /)" 2>/dev/null &
		pids+=("$!")
	done
	wait_for 20 sh -c "[ \$(grep -c '^queued ' $TESTDIR/$name.out) -ge 4 ]"
	n=$(queued "$name")
	[ "$n" -ge 4 ] || fail "only $n packets held in the $hook queue"
	rmmod dlba
	check_err $? "rmmod dlba with packets held in the $hook queue failed"
	kmod_is_loaded dlba && fail "dlba still loaded"
	kill -USR1 "$NFQ_PID"
	wait_for 20 grep -q '^released' "$TESTDIR/$name.out"
	res=$(grep '^released' "$TESTDIR/$name.out")
	[ -n "$res" ] || fail "verdict program did not answer its held packets: $(tail -n 2 "$TESTDIR/$name.err" | tr '\n' '|')"
	wait "${pids[@]}" 2>/dev/null
	nfq_stop
	nft_del
	sleep 1
	ip netns exec "$CLI" ping -q -c1 -W2 "$LB_CLI4" >/dev/null || fail "the LB no longer answers"
	dlba_check_dmesg_quiet || fail "kernel log: $(dlba_new_problems | head -n 3 | tr '\n' '|')"
	log_test "dlba: rmmod with $n nat packets held in a $hook NFQUEUE, then verdicts ($res): no oops"
	dlba_load || setup_fail "could not load $DLBA_KO again"
}

# new problem lines in the kernel log since the file started
dlba_new_problems() { dmesg | tail -n +"$((DMESG_START + 1))" | grep -E "$DMESG_PATTERN"; }
dlba_check_dmesg_quiet() { [ -z "$(dlba_new_problems)" ]; }

hold_rmmod fwd forward 0 \
	"ip daddr { $(srv_addr4 1), $(srv_addr4 2), $(srv_addr4 3) } tcp dport 8080 counter queue num 0"
hold_rmmod pre prerouting -450 "ip daddr $VIP4 tcp dport 80 counter queue num 0"

# loaded again: forwards as before
svc_setup 4 nat tcp "1 1 1" --buckets 1024
check_err $? "nat service after reload"
cnt=$(count_servers <<<"$(http_many 4 10 /)")
[ "$(field err "$cnt")" = 0 ] || fail "traffic after reload: $cnt"
lbctl flush
log_test "dlba: module loaded again after the NFQUEUE rmmods: nat forwards ($cnt)"

dlba_check_dmesg
exit "$(exit_status)"
