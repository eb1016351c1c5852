#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lb-bench.sh - the L4 benchmark proper: dlba.ko vs IPVS, run INSIDE the VM
# (bench/l4/run.sh boots the VM and calls this).  See Documentation/bench.md.
#
# Topology (one VM, namespaces joined by veth pairs):
#
#   cl: c0 10.0.0.2 ---- l0 10.0.0.1 :lb: ls1 10.1.1.1 ---- eth0 10.1.1.2 :s1
#                                       ls2 10.1.2.1 ---- eth0 10.1.2.2 :s2
#                                       ls3 10.1.3.1 ---- eth0 10.1.3.2 :s3
#   VIP 10.99.0.1:9000/tcp (on lb's lo and every server's lo), nat port 9001
#
# Every measurement sends a fixed number of frames from cl with l4flood
# (AF_PACKET, synchronous) and takes the elapsed time.  What the LB did to each
# frame is checked with tc flower filters on the LB's server-facing veths
# (egress): the frame must have the server's MAC and, for dr, the VIP:9000, for
# nat, the server's address:9001.  During timed runs those filters also drop
# the frame, so the server namespaces' receive work is not timed; in the
# validation pass before each timed run they let it through and the servers'
# own ingress filters count what arrived.
#
# Variants:  indrop  frame dropped by tc at the LB's client-facing ingress
#            fwd     plain IP forwarding to server 1 (no LB)
#            ipvs-M / dlba-M  for M in dr nat
# LB cost per packet = t(variant) - t(indrop) from the same round: the LB
# namespace's whole work for the packet (IP receive, LB, rewrite, route,
# neighbour, up to its egress), without the sender's and the servers' work.
#
# Environment:
#   BENCH_FLOOD    l4flood binary (required)
#   BENCH_DLBA_KO  dlba.ko for this kernel; BENCH_DLBACTL dlbactl (optional:
#                  without them only IPVS and the baselines run)
#   BENCH_ROUNDS (5) BENCH_EST (20000) BENCH_NEW (20000) BENCH_MEM (100000)
#   BENCH_OUT      directory for raw results (default /tmp/bench-l4)
set -euo pipefail

FLOOD=${BENCH_FLOOD:?BENCH_FLOOD must name the l4flood binary}
DLBA_KO=${BENCH_DLBA_KO:-}
DLBACTL=${BENCH_DLBACTL:-}
ROUNDS=${BENCH_ROUNDS:-5}
EST=${BENCH_EST:-20000}
NEW=${BENCH_NEW:-20000}
MEM=${BENCH_MEM:-100000}
OUT=${BENCH_OUT:-/tmp/bench-l4}
METHODS=${BENCH_METHODS:-"dr nat"}

VIP=10.99.0.1
VPORT=9000
RPORT=9001
NSRV=3
CLMAC=02:00:00:00:00:02
L0MAC=02:00:00:00:00:01
# est flows: 31 x 32 = 992 client (addr, port) pairs
EST_SRC=10.2.0.1 EST_NIPS=31 EST_SPORT=20000 EST_NPORTS=32
# new flows: NEW distinct pairs; state is fresh for every variant run
NEW_SRC=10.3.0.1 NEW_NIPS=10 NEW_SPORT=10000
# memory: 100 x 1000 = 100000 distinct pairs
MEM_SRC=10.4.0.1 MEM_NIPS=100 MEM_SPORT=10000

mkdir -p "$OUT"
RAW=$OUT/raw.txt
: >"$RAW"

log() { echo "lb-bench: $*" >&2; }
die() { log "FAIL: $*"; exit 1; }

srv_mac() { printf '02:00:00:00:01:%02x' "$1"; }
lsn_mac() { printf '02:00:00:00:02:%02x' "$1"; }

# ------------------------------------------------------------------ modules
# Load explicitly: inside the VM request_module is not to be relied upon.
load_modules() {
	modprobe -a veth sch_ingress cls_flower cls_matchall act_gact ||
		die "cannot load veth/tc modules"
}

ipvs_load() {
	# 2^17 hash buckets >= the 100k flows of the memory test, so IPVS is not
	# measured with overlong hash chains (the Debian default is 2^12).
	modprobe ip_vs conn_tab_bits=17 && modprobe ip_vs_rr ||
		die "cannot load ip_vs"
}

ipvs_unload() {
	modprobe -r ip_vs_rr ip_vs 2>/dev/null || true
}

dlba_load() {
	insmod "$DLBA_KO" || die "insmod $DLBA_KO"
}

dlba_unload() {
	grep -q '^dlba ' /proc/modules && rmmod dlba
	return 0
}

# ----------------------------------------------------------------- topology
topo_up() {
	local i
	ip netns add cl
	ip netns add lb
	ip link add c0 netns cl address $CLMAC type veth peer name l0 netns lb address $L0MAC
	ip -n cl addr add 10.0.0.2/24 dev c0
	ip -n cl link set lo up
	ip -n cl link set c0 up
	ip -n lb link set lo up
	ip -n lb addr add 10.0.0.1/24 dev l0
	ip -n lb link set l0 up
	ip -n lb addr add $VIP/32 dev lo
	ip -n lb route add 10.2.0.0/15 via 10.0.0.2
	ip -n lb route add 10.4.0.0/16 via 10.0.0.2
	ip netns exec lb sysctl -qw net.ipv4.ip_forward=1
	ip netns exec lb sysctl -qw net.ipv4.conf.all.rp_filter=0
	ip netns exec lb sysctl -qw net.ipv4.conf.default.rp_filter=0
	ip netns exec lb sysctl -qw net.ipv4.conf.all.send_redirects=0
	ip netns exec lb sysctl -qw net.ipv4.conf.l0.rp_filter=0
	for i in $(seq 1 $NSRV); do
		ip netns add s$i
		ip link add ls$i netns lb address "$(lsn_mac $i)" type veth \
			peer name eth0 netns s$i address "$(srv_mac $i)"
		ip -n lb addr add 10.1.$i.1/24 dev ls$i
		ip -n lb link set ls$i up
		ip -n lb neigh replace 10.1.$i.2 lladdr "$(srv_mac $i)" dev ls$i nud permanent
		ip -n s$i link set lo up
		ip -n s$i addr add $VIP/32 dev lo
		ip -n s$i addr add 10.1.$i.2/24 dev eth0
		ip -n s$i link set eth0 up
		ip -n s$i route add default via 10.1.$i.1
		tc -n lb qdisc add dev ls$i clsact
		tc -n s$i qdisc add dev eth0 clsact
	done
	ip -n cl neigh replace 10.0.0.1 lladdr $L0MAC dev c0 nud permanent
	tc -n lb qdisc add dev l0 clsact
}

topo_down() {
	local ns
	for ns in cl lb $(seq -f 's%g' 1 $NSRV); do
		ip netns del "$ns" 2>/dev/null || true
	done
}

# ------------------------------------------------------------------ filters
# LB ingress (l0): a matchall that passes or drops everything (same cost).
set_ingress() {	# pass|drop
	local act=ok
	[ "$1" = drop ] && act=drop
	tc -n lb filter del dev l0 ingress 2>/dev/null || true
	tc -n lb filter add dev l0 ingress prio 1 protocol all matchall action $act
}

# What a correctly forwarded frame to server i looks like, as flower keys.
expect_keys() {	# variant i
	case "$1" in
	fwd)   echo "dst_mac $(srv_mac "$2") dst_ip 10.1.$2.2 dst_port $VPORT" ;;
	*-dr)  echo "dst_mac $(srv_mac "$2") dst_ip $VIP dst_port $VPORT" ;;
	*-nat) echo "dst_mac $(srv_mac "$2") dst_ip 10.1.$2.2 dst_port $RPORT" ;;
	*)     echo "dst_mac $(srv_mac "$2") dst_ip 255.255.255.255 dst_port 1" ;;
	esac
}

# LB egress (lsN): prio 1 counts frames as expected, prio 2 counts anything
# else; 'drop' drops both (timed runs), 'pass' lets them through to the
# server, whose ingress counts the same (validation).
set_egress() {	# variant pass|drop
	local v=$1 act=ok i
	[ "$2" = drop ] && act=drop
	for i in $(seq 1 $NSRV); do
		tc -n lb filter del dev ls$i egress 2>/dev/null || true
		# shellcheck disable=SC2046
		tc -n lb filter add dev ls$i egress prio 1 protocol ip flower \
			ip_proto tcp $(expect_keys "$v" $i) action $act
		tc -n lb filter add dev ls$i egress prio 2 protocol all matchall action $act
		tc -n s$i filter del dev eth0 ingress 2>/dev/null || true
		tc -n s$i filter add dev eth0 ingress prio 1 protocol ip flower \
			ip_proto tcp $(expect_keys "$v" $i) action drop
	done
}

# Packets counted by filter PRIO on NS DEV DIR.
filter_hits() {	# ns dev dir prio
	tc -n "$1" -s -j filter show dev "$2" "$3" |
		jq "[.[] | select(.pref == $4 and .options != null) |
		     .options.actions[0].stats.packets] | add // 0"
}

# Sum of expected / unexpected frames over the LB's egress filters.
egress_ok() {
	local i n=0
	for i in $(seq 1 $NSRV); do n=$((n + $(filter_hits lb ls$i egress 1))); done
	echo $n
}
egress_bad() {
	local i n=0
	for i in $(seq 1 $NSRV); do n=$((n + $(filter_hits lb ls$i egress 2))); done
	echo $n
}

# -------------------------------------------------------------- load balancers
lb_up() {	# variant
	local v=$1 i m
	case "$v" in
	ipvs-*)
		m=-g; [ "$v" = ipvs-nat ] && m=-m
		ipvs_load
		ip netns exec lb ipvsadm -A -t $VIP:$VPORT -s rr
		for i in $(seq 1 $NSRV); do
			if [ "$v" = ipvs-nat ]; then
				ip netns exec lb ipvsadm -a -t $VIP:$VPORT -r 10.1.$i.2:$RPORT -m
			else
				ip netns exec lb ipvsadm -a -t $VIP:$VPORT -r 10.1.$i.2:$VPORT -g
			fi
		done
		;;
	dlba-*)
		m=${v#dlba-}
		dlba_load
		ip netns exec lb "$DLBACTL" service add $VIP:$VPORT/tcp
		for i in $(seq 1 $NSRV); do
			if [ "$m" = nat ]; then
				ip netns exec lb "$DLBACTL" server add $VIP:$VPORT/tcp --id $i \
					--addr 10.1.$i.2 --port $RPORT --method nat
			else
				ip netns exec lb "$DLBACTL" server add $VIP:$VPORT/tcp --id $i \
					--addr 10.1.$i.2 --mac "$(srv_mac $i)" --method dr
			fi
		done
		;;
	esac
}

lb_down() {	# variant
	case "$1" in
	ipvs-*) ip netns exec lb ipvsadm -C; ipvs_unload ;;
	dlba-*) ip netns exec lb "$DLBACTL" flush; dlba_unload ;;
	esac
}

# ------------------------------------------------------------------ traffic
# flood FLAGS SRC NIPS SPORT NPORTS COUNT [FIRST] -> prints ns_per_pkt
flood() {
	local dst=$VIP res
	[ "$CUR" = fwd ] && dst=10.1.1.2
	res=$(ip netns exec cl "$FLOOD" -i c0 -s $CLMAC -d $L0MAC -D $dst -p $VPORT \
		-P tcp -f "$1" -S "$2" -n "$3" -b "$4" -N "$5" -c "$6" -o "${7:-0}" -C 0) ||
		die "l4flood failed"
	echo "$res" | sed -n 's/.*ns_per_pkt=\([0-9.]*\).*/\1/p'
}

# Check the frames of the last run: all of COUNT seen as expected.
check_run() {	# what count
	local ok bad
	if [ "$CUR" = indrop ]; then
		ok=$(filter_hits lb l0 ingress 1); bad=0
	else
		ok=$(egress_ok); bad=$(egress_bad)
	fi
	[ "$ok" = "$2" ] && [ "$bad" = 0 ] ||
		die "$CUR $1: $ok of $2 frames forwarded as expected, $bad unexpected"
}

# Validation pass: the est flows' SYNs through to the servers.
validate() {
	local i n total=0 per=""
	set_ingress pass
	[ "$CUR" = indrop ] && set_ingress drop
	set_egress "$CUR" pass
	flood syn $EST_SRC $EST_NIPS $EST_SPORT $EST_NPORTS $((EST_NIPS * EST_NPORTS)) >/dev/null
	[ "$CUR" = indrop ] && { check_run validate $((EST_NIPS * EST_NPORTS)); return; }
	for i in $(seq 1 $NSRV); do
		n=$(filter_hits s$i eth0 ingress 1)
		total=$((total + n)); per="$per $n"
	done
	[ "$total" = $((EST_NIPS * EST_NPORTS)) ] ||
		die "$CUR: servers received $total of $((EST_NIPS * EST_NPORTS)) SYNs as expected (per server:$per)"
	[ "$(egress_bad)" = 0 ] || die "$CUR: $(egress_bad) frames left the LB unexpected"
	echo "$CUR validate servers:$per" >>"$RAW"
}

# One variant in one round: set up, validate, time est then new flows.
run_variant() {	# round variant
	local r=$1 t
	CUR=$2
	lb_up "$CUR"
	validate
	set_ingress pass
	[ "$CUR" = indrop ] && set_ingress drop
	set_egress "$CUR" drop
	t=$(flood ack $EST_SRC $EST_NIPS $EST_SPORT $EST_NPORTS "$EST")
	check_run est "$EST"
	echo "round=$r variant=$CUR test=est ns_per_pkt=$t" >>"$RAW"
	set_egress "$CUR" drop
	[ "$CUR" = indrop ] && set_ingress drop
	t=$(flood syn $NEW_SRC $NEW_NIPS $NEW_SPORT $(( (NEW + NEW_NIPS - 1) / NEW_NIPS )) "$NEW")
	check_run new "$NEW"
	echo "round=$r variant=$CUR test=new ns_per_pkt=$t" >>"$RAW"
	lb_down "$CUR"
}

# ------------------------------------------------------------------- memory
# Kernel memory not counting page cache and reclaimable slab, in KiB.
mem_used() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	awk '/^MemTotal:/ {t=$2} /^MemFree:/ {f=$2} /^Buffers:/ {b=$2}
	     /^Cached:/ {c=$2} /^SReclaimable:/ {r=$2}
	     END {print t - f - b - c - r}' /proc/meminfo
}
meminfo() { awk -v k="$1:" '$1 == k {print $2}' /proc/meminfo; }
slab_kib() {	# cache name -> active objects * object size / 1024
	awk -v n="$1" '$1 == n {printf "%d %d\n", $2, $2 * $4 / 1024; f=1}
		       END {if (!f) print "0 0"}' /proc/slabinfo
}

mem_snapshot() {	# label
	local used unrecl pcpu vm
	used=$(mem_used)
	unrecl=$(meminfo SUnreclaim)
	pcpu=$(meminfo Percpu)
	vm=$(meminfo VmallocUsed)
	read -r objs okib < <(slab_kib ip_vs_conn)
	echo "$used $unrecl $pcpu $vm $objs $okib"
}

run_memory() {	# variant
	local v=$1 s0 s1 s10 s100 first=10000 rest
	CUR=$v
	rest=$((MEM - first))
	s0=$(mem_snapshot)
	lb_up "$v"
	set_ingress pass
	set_egress "$v" drop
	s1=$(mem_snapshot)
	flood syn $MEM_SRC $MEM_NIPS $MEM_SPORT $((MEM / MEM_NIPS)) $first 0 >/dev/null
	flood ack $MEM_SRC $MEM_NIPS $MEM_SPORT $((MEM / MEM_NIPS)) $first 0 >/dev/null
	s10=$(mem_snapshot)
	flood syn $MEM_SRC $MEM_NIPS $MEM_SPORT $((MEM / MEM_NIPS)) $rest $first >/dev/null
	flood ack $MEM_SRC $MEM_NIPS $MEM_SPORT $((MEM / MEM_NIPS)) $rest $first >/dev/null
	s100=$(mem_snapshot)
	[ "$(egress_ok)" = $((2 * MEM)) ] || die "$v memory: $(egress_ok) of $((2 * MEM)) frames forwarded"
	local conns=0
	[ "${v%%-*}" = ipvs ] && conns=$(ip netns exec lb ipvsadm -Lnc | tail -n +3 | wc -l)
	echo "variant=$v mem0=\"$s0\" mem_svc=\"$s1\" mem_10k=\"$s10\" mem_100k=\"$s100\" ipvs_conns=$conns" >>"$RAW"
	lb_down "$v"
}

# --------------------------------------------------------------------- main
LBS=ipvs
if [ -n "$DLBA_KO" ] && [ -n "$DLBACTL" ]; then
	LBS="ipvs dlba"
else
	log "dlba.ko or dlbactl not given: measuring IPVS and the baselines only"
fi
VARIANTS="indrop fwd"
for m in $METHODS; do
	for lb in $LBS; do VARIANTS="$VARIANTS $lb-$m"; done
done

trap topo_down EXIT
load_modules
ipvs_unload
dlba_unload
topo_down
topo_up

log "kernel $(uname -r), $(nproc) CPUs, variants: $VARIANTS, $ROUNDS rounds"
for r in $(seq 1 "$ROUNDS"); do
	order=$VARIANTS
	# alternate the order every round so that drift cancels out
	[ $((r % 2)) = 0 ] && order=$(echo "$VARIANTS" | tr ' ' '\n' | tac | tr '\n' ' ')
	for v in $order; do
		run_variant "$r" "$v"
	done
	log "round $r done"
done
for v in $VARIANTS; do
	case "$v" in *-dr|*-nat) run_memory "$v" ;; esac
done
log "done"
