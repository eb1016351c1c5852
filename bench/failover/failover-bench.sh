#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# failover-bench.sh: runs in the VM (bench/failover/run.sh boots it).  The
# array of selftests/net/array_topo.sh (a client, three scheduler nodes, three
# nginx servers behind them with method dr, one switch), once per trial:
#
#   dlba       corosync + dlba-arrayd + dlba.ko on every node (live table sync)
#   keepalived keepalived (VRRP) + IPVS on every node, without and with IPVS's
#              connection sync daemon (lvs_sync_daemon)
#
# each at its defaults and at a short timing (BENCH_DLBA_TOKENS,
# BENCH_KA_ADVERTS: the first value of each is the default).  A trial:
#   1. the nodes elect a holder of the VIP; BENCH_STABLE_S seconds of a
#      steady stream of new connections under CPU load (BENCH_LOAD busy
#      processes): every change of the node holding the VIP is a false
#      failover;
#   2. 20 paced long downloads; the holder's link is removed (a power-off);
#      failover time = from the last new connection answered before to the
#      first answered after (through the new holder); the downloads are then
#      released and every one that did not complete in full is a broken
#      established connection.
# One line per trial on stdout:
#   trial system=S setting=X failover_ms=N false_failovers=N broken=N/20 ok=N fail=N
# Raw logs below $BENCH_OUT.
set -u
# run.sh runs a copy of this file (BENCH_REPO: the tree it came from)
# shellcheck source=../../selftests/net/lib.sh
source "${BENCH_REPO:-$(dirname "$(readlink -f "$0")")/../..}/selftests/net/lib.sh"
# shellcheck source=../../selftests/net/lb_topo.sh
source "$SELFTESTS_DIR/net/lb_topo.sh"
# shellcheck source=../../selftests/net/dlba_lib.sh
source "$SELFTESTS_DIR/net/dlba_lib.sh"
# shellcheck source=../../selftests/net/array_topo.sh
source "$SELFTESTS_DIR/net/array_topo.sh"

OUT=${BENCH_OUT:-$TESTDIR}
STABLE_S=${BENCH_STABLE_S:-120}
LOAD=${BENCH_LOAD:-1}
read -r -a DLBA_TOKENS <<<"${BENCH_DLBA_TOKENS:-300 1000}"
read -r -a KA_ADVERTS <<<"${BENCH_KA_ADVERTS:-1 0.1}"
STREAMS=20
# read by streams_start (dlba_lib.sh) and wait_for (ksft.sh)
# shellcheck disable=SC2034
STREAM_RATE=300kbit
# shellcheck disable=SC2034
WAIT_FOR_POLL=0.1

require_cmd keepalived ipvsadm
kmod_load ip_vs ip_vs_rr sch_fq || setup_fail "cannot load ip_vs"

# ka_config I ADVERT SYNC: node I's keepalived.conf (VRRPv3 below 1 s)
ka_config() {
	local i=$1 advert=$2 sync=$3 prio s
	case $i in 1) prio=100 ;; 2) prio=150 ;; 3) prio=50 ;; esac
	cat <<EOF
global_defs {
	router_id n$i
	vrrp_version $(awk -v a="$advert" 'BEGIN { print (a < 1 ? 3 : 2) }')
	$([ "$sync" = 1 ] && echo "lvs_sync_daemon eth1 VI_1 id 51")
}
vrrp_instance VI_1 {
	state BACKUP
	interface eth1
	virtual_router_id 51
	priority $prio
	advert_int $advert
	virtual_ipaddress {
		$VIP4/32 dev eth1
	}
}
virtual_server $VIP4 80 {
	delay_loop 1
	lb_algo rr
	lb_kind DR
	protocol TCP
EOF
	for s in 1 2 3; do
		cat <<EOF
	real_server $(srv_addr4 "$s") 80 {
		weight 1
		TCP_CHECK {
			connect_timeout 1
		}
	}
EOF
	done
	echo "}"
}

# ka_start I ADVERT SYNC: keepalived in node I (own mount namespace: /run)
ka_start() {
	local i=$1 d
	d=$(arr_dir "$i")
	ka_config "$i" "$2" "$3" >"$d/keepalived.conf"
	ip netns exec "$(arr_ns "$i")" unshare --mount sh -c \
		"mount --bind $d/run /run && exec keepalived -n -l -D -f $d/keepalived.conf \
		 -p $d/run/ka.pid -r $d/run/vrrp.pid -c $d/run/check.pid" >>"$d/keepalived.log" 2>&1 &
	defer kill -9 "$!"
}

# newconn_loop FILE: a new connection every 0.05 s, up to 20 waiting at once
# (an unanswered SYN does not hold up the next), "MS ok|fail" by start time,
# until FILE.stop
newconn_loop() {
	ip netns exec "$CLI" "$PYTHON" "$SELFTESTS_DIR/net/conn_probe.py" "$VIP4" 80 "$1.stop" \
		0.05 1 20 >>"$1.unsorted"
	sort -n "$1.unsorted" >"$1"
}

# holder_watch FILE: the holder set every 0.2 s, one line per change
holder_watch() {
	local last="" now
	while [ ! -e "$1.stop" ]; do
		now=$(arr_holders)
		if [ "$now" != "$last" ]; then
			echo "$(date +%s%3N) ${now:-none}"
			last=$now
		fi
		sleep 0.2
	done >>"$1"
}

# gap_after LOG T: last ok before the first failure after T to the first ok
# after the last failure (ms); 0 if nothing failed, -1 if nothing came back
gap_after() {
	awk -v t0="$2" '
		$1 < t0 { if ($2 == "ok") last_ok = $1; next }
		$2 == "fail" { if (!failed) { failed = 1; from = last_ok ? last_ok : t0 }; to = 0; next }
		$2 == "ok" { if (failed && !to) to = $1; if (!failed) last_ok = $1 }
		END { if (!failed) print 0; else if (!to) print -1; else print to - from }' "$1"
}

load_start() {
	local k
	for ((k = 0; k < LOAD; k++)); do
		sh -c 'while :; do :; done' &
		defer kill "$!"
	done
}

# trial SYSTEM SETTING: one trial (SYSTEM dlba|keepalived|keepalived+sync)
trial() {
	local sys=$1 set=$2 i t0 gap false broken ok fail tag=$1-$2 pids f
	defer_scope_push
	if [ "$sys" = dlba ]; then
		ARR_NO_DLBA=0 ARR_TOKEN_MS=$set array_setup || { echo "trial $tag: topology failed"; defer_scope_pop; return 1; }
		array_start_all
	else
		ARR_NO_DLBA=1 array_setup || { echo "trial $tag: topology failed"; defer_scope_pop; return 1; }
		for i in 1 2 3; do ka_start "$i" "$set" "$([ "$sys" = keepalived+sync ] && echo 1 || echo 0)"; done
	fi
	if ! wait_for 90 sh -c "[ \"\$(ip -n $N2 -4 addr show | grep -c 'inet $VIP4/')\" = 1 ]"; then
		echo "trial $tag: no holder elected in 90 s"
		for i in 1 2 3; do
			for f in "$(arr_dir "$i")"/*.log; do [ -e "$f" ] && cp "$f" "$OUT/$tag.n$i.${f##*/}"; done
		done
		defer_scope_pop
		return 1
	fi
	wait_for 30 ip netns exec "$CLI" curl -fsS --max-time 2 -o /dev/null "http://$VIP4/"
	load_start
	rm -f "$OUT/$tag".*
	newconn_loop "$OUT/$tag.conn" &
	pids=("$!")
	holder_watch "$OUT/$tag.holders" &
	pids+=("$!")
	sleep "$STABLE_S"
	false=$(($(wc -l <"$OUT/$tag.holders") - 1))

	streams_start 4 "$STREAMS" || { echo "trial $tag: downloads did not start"; defer_scope_pop; return 1; }
	wait_for 90 streams_up "$STREAMS" "$S1" "$S2" "$S3"
	sleep 2
	t0=$(date +%s%3N)
	ip -n "$SW" link set vn2 down
	wait_for 60 arr_holds 1
	sleep 5
	touch "$OUT/$tag.conn.stop" "$OUT/$tag.holders.stop"
	wait "${pids[@]}"
	gap=$(gap_after "$OUT/$tag.conn" "$t0")
	streams_wait
	broken=$(awk -v b="$BIG_BYTES" '$2 != 0 || $3 != b' "$TESTDIR/streams.res" | wc -l)
	ok=$(grep -c ' ok$' "$OUT/$tag.conn")
	fail=$(grep -c ' fail$' "$OUT/$tag.conn")
	echo "trial system=$sys setting=$set failover_ms=$gap false_failovers=$false broken=$broken/$STREAMS ok=$ok fail=$fail"
	for i in 1 2 3; do
		for f in "$(arr_dir "$i")"/*.log; do [ -e "$f" ] && cp "$f" "$OUT/$tag.n$i.${f##*/}"; done
	done
	defer_scope_pop
}

for t in "${DLBA_TOKENS[@]}"; do trial dlba "$t"; done
for a in "${KA_ADVERTS[@]}"; do trial keepalived "$a"; done
trial keepalived+sync "${KA_ADVERTS[0]}"
