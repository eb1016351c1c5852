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
# validation pass before the timed runs they let it through and the servers'
# own ingress filters count what arrived.
#
# Variants:  indrop  frame dropped by tc at the LB's client-facing ingress
#            fwd     plain IP forwarding to server 1 (no LB)
#            ipvs-M / dlba-M  for M in dr nat
# LB cost per packet = t(variant) - t(indrop) from the same round: the LB
# namespace's whole work for the packet (IP receive, LB, rewrite, route,
# neighbour, up to its egress), without the sender's and the servers' work.
#
# Tests per variant: est (ACKs of 992 open flows), new (a SYN per new client
# pair, fresh LB state), neww (the same on a warm LB).
#
# Starting a program is slow under TCG, so the script batches tc, ip and
# ipvsadm work and l4flood enters the client namespace itself.
#
# Environment:
#   BENCH_FLOOD    l4flood binary (required)
#   BENCH_DLBA_KO  dlba.ko for this kernel; BENCH_DLBACTL dlbactl (optional:
#                  without them only IPVS and the baselines run)
#   BENCH_ROUNDS (3) BENCH_EST (10000) BENCH_NEW (10000) BENCH_MEM (100000)
#   BENCH_METHODS  ("dr nat")  BENCH_MEM_METHODS (dr): methods of the memory test
#   BENCH_OUT      directory for raw results (default /tmp/bench-l4)
#
# The shell test library (selftests/net/ksft.sh; run.sh puts a copy beside
# the copy of this script the VM runs): what it sets up is torn down by
# deferred clean-ups (each variant's load balancer in a scope of its own,
# the namespaces at exit), and each validated variant and a failure print
# a kselftest "TEST: lb-bench: ...  [ OK ]|[FAIL]" line.
set -euo pipefail
# Parsed as one block before it runs: editing this file meanwhile is harmless.
{

KSFT_LIB=$(dirname "$0")/ksft.sh
[ -f "$KSFT_LIB" ] || KSFT_LIB=$(dirname "$0")/../../selftests/net/ksft.sh
# shellcheck source=../../selftests/net/ksft.sh
source "$KSFT_LIB"

FLOOD=${BENCH_FLOOD:?BENCH_FLOOD must name the l4flood binary}
DLBA_KO=${BENCH_DLBA_KO:-}
DLBACTL=${BENCH_DLBACTL:-}
ROUNDS=${BENCH_ROUNDS:-3}
EST=${BENCH_EST:-10000}
NEW=${BENCH_NEW:-10000}
MEM=${BENCH_MEM:-100000}
OUT=${BENCH_OUT:-/tmp/bench-l4}
METHODS=${BENCH_METHODS:-"dr nat"}
MEM_METHODS=${BENCH_MEM_METHODS:-dr}

VIP=10.99.0.1
VPORT=9000
RPORT=9001
NSRV=3
SVC=$VIP:$VPORT/tcp
CLMAC=02:00:00:00:00:02
L0MAC=02:00:00:00:00:01
# est flows: 31 x 32 = 992 client (addr, port) pairs
EST_SRC=10.2.0.1 EST_NIPS=31 EST_SPORT=20000 EST_NPORTS=32
EST_FLOWS=$((EST_NIPS * EST_NPORTS))
# new flows: NEW distinct pairs; LB state is fresh for every variant run
NEW_SRC=10.3.0.1 NEW2_SRC=10.3.1.1 NEW_NIPS=10 NEW_SPORT=10000
NEW_NPORTS=$(( (NEW + NEW_NIPS - 1) / NEW_NIPS ))
# memory: MEM distinct pairs, 100 addresses x MEM/100 ports
MEM_SRC=10.4.0.1 MEM_NIPS=100 MEM_SPORT=1024
MEM_NPORTS=$(( (MEM + MEM_NIPS - 1) / MEM_NIPS ))
MEM_FIRST=$((MEM / 10))

mkdir -p "$OUT"
RAW=$OUT/raw.txt
: >"$RAW"

log() { echo "lb-bench: $*" >&2; }
die() { ksft_result FAIL "lb-bench: $*"; exit 1; }

SRV_MAC=() LSN_MAC=()
for i in $(seq 1 $NSRV); do
	printf -v 'SRV_MAC[i]' '02:00:00:00:01:%02x' "$i"
	printf -v 'LSN_MAC[i]' '02:00:00:00:02:%02x' "$i"
done

[ $((NEW_SPORT + NEW_NPORTS)) -le 65536 ] && [ $((MEM_SPORT + MEM_NPORTS)) -le 65536 ] ||
	die "BENCH_NEW / BENCH_MEM too large for the source port range"

# ------------------------------------------------------------------ modules
# Load explicitly: inside the VM request_module is not to be relied upon.
modprobe -a veth sch_ingress cls_flower cls_matchall act_gact ||
	die "cannot load veth/tc modules"

ipvs_load() {
	# 2^17 hash buckets >= the 100k flows of the memory test, so IPVS is not
	# measured with overlong hash chains (the Debian default is 2^12).
	modprobe ip_vs conn_tab_bits=17 && modprobe ip_vs_rr || die "cannot load ip_vs"
}
ipvs_unload() { modprobe -r ip_vs_rr ip_vs 2>/dev/null || true; }
dlba_load() { insmod "$DLBA_KO" || die "insmod $DLBA_KO"; }
dlba_unload() {
	if grep -q '^dlba ' /proc/modules; then rmmod dlba; fi
}

# ----------------------------------------------------------------- topology
topo_up() {
	local i ns
	for ns in cl lb $(seq -f 's%g' 1 $NSRV); do
		ip netns add "$ns"
		defer ip netns del "$ns"
		# no IPv6 chatter (DAD, router solicitations) in the counters
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
	done
	ip link add c0 netns cl address $CLMAC type veth peer name l0 netns lb address $L0MAC
	for i in $(seq 1 $NSRV); do
		ip link add "ls$i" netns lb address "${LSN_MAC[i]}" type veth \
			peer name eth0 netns "s$i" address "${SRV_MAC[i]}"
		ip -n "s$i" -batch - <<-EOF
		link set lo up
		addr add $VIP/32 dev lo
		addr add 10.1.$i.2/24 dev eth0
		link set eth0 up
		route add default via 10.1.$i.1
		neigh replace 10.1.$i.1 lladdr ${LSN_MAC[i]} dev eth0 nud permanent
		EOF
		tc -n "s$i" qdisc add dev eth0 clsact
	done
	ip -n cl -batch - <<-EOF
	link set lo up
	addr add 10.0.0.2/24 dev c0
	link set c0 up
	neigh replace 10.0.0.1 lladdr $L0MAC dev c0 nud permanent
	EOF
	{
		echo "link set lo up"
		echo "addr add 10.0.0.1/24 dev l0"
		echo "link set l0 up"
		echo "addr add $VIP/32 dev lo"
		echo "route add 10.2.0.0/15 via 10.0.0.2"
		echo "route add 10.4.0.0/16 via 10.0.0.2"
		for i in $(seq 1 $NSRV); do
			echo "addr add 10.1.$i.1/24 dev ls$i"
			echo "link set ls$i up"
			echo "neigh replace 10.1.$i.2 lladdr ${SRV_MAC[i]} dev ls$i nud permanent"
		done
	} | ip -n lb -batch -
	ip netns exec lb sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		net.ipv4.conf.l0.rp_filter=0 net.ipv4.conf.all.send_redirects=0
	{
		echo "qdisc add dev l0 clsact"
		for i in $(seq 1 $NSRV); do echo "qdisc add dev ls$i clsact"; done
	} | tc -n lb -batch -
}

topo_down() {
	local ns
	for ns in cl lb $(seq -f 's%g' 1 $NSRV); do
		ip netns del "$ns" 2>/dev/null || true
	done
}

# ------------------------------------------------------------------ filters
# What a correctly forwarded frame to server i looks like, as flower keys.
expect_keys() {	# variant i
	case "$1" in
	fwd)   echo "dst_mac ${SRV_MAC[$2]} dst_ip 10.1.$2.2 dst_port $VPORT" ;;
	*-dr)  echo "dst_mac ${SRV_MAC[$2]} dst_ip $VIP dst_port $VPORT" ;;
	*-nat) echo "dst_mac ${SRV_MAC[$2]} dst_ip 10.1.$2.2 dst_port $RPORT" ;;
	*)     echo "dst_mac ${SRV_MAC[$2]} dst_ip 255.255.255.255 dst_port 1" ;;
	esac
}

# (Re)install the LB's filters, which also zeroes their counters.
#  l0 ingress:  prio 1 all TCP; drops for indrop, passes otherwise (same cost)
#  lsN egress:  prio 1 frames as expected for the variant, prio 2 anything
#               else; 'drop' (timed runs) drops both, 'pass' lets them go on
set_filters() {	# variant pass|drop
	local v=$1 act=ok inact=ok i
	[ "$2" = drop ] && act=drop
	[ "$v" = indrop ] && inact=drop
	{
		echo "filter del dev l0 ingress"
		echo "filter add dev l0 ingress prio 1 protocol ip flower ip_proto tcp action $inact"
		for i in $(seq 1 $NSRV); do
			echo "filter del dev ls$i egress"
			echo "filter add dev ls$i egress prio 1 protocol ip flower ip_proto tcp $(expect_keys "$v" "$i") action $act"
			echo "filter add dev ls$i egress prio 2 protocol all matchall action $act"
		done
	} | tc -n lb -force -batch - 2>/dev/null
}

# Servers count the expected frames at their ingress (validation pass) and
# let them on to their TCP stack, which verifies the checksums (see
# srv_tcp_counts) and answers with a RST.
set_server_filters() {	# variant
	local i
	for i in $(seq 1 $NSRV); do
		tc -n "s$i" -force -batch - 2>/dev/null <<-EOF
		filter del dev eth0 ingress
		filter add dev eth0 ingress prio 1 protocol ip flower ip_proto tcp $(expect_keys "$1" "$i") action ok
		EOF
	done
}

# "segments checksum-errors": TCP segments the servers' stacks received and
# how many of them failed the checksum check, summed over the servers.  A
# segment whose IP header checksum is wrong never reaches TCP, so "all sent
# segments received, none with a checksum error" proves both checksums.
srv_tcp_counts() {
	local i
	for i in $(seq 1 $NSRV); do
		ip netns exec "s$i" cat /proc/net/snmp
	done | awk '$1 == "Tcp:" {
			if ($2 ~ /^[A-Za-z]/) { for (f = 2; f <= NF; f++) col[$f] = f; next }
			seg += $col["InSegs"]; err += $col["InCsumErrors"]
		} END { print seg + 0, err + 0 }'
}

# jq: packets counted by the filters of preference $p in one filter dump
# shellcheck disable=SC2016 # a jq program: $p is jq's variable, not the shell's
JQ_HITS='def hits($p): [.[] | select(.pref == $p and .options != null) |
			.options.actions[0].stats.packets] | add // 0;'

# "ingress expected unexpected": frames seen by the LB's filters
lb_counts() {
	local i
	{
		echo "filter show dev l0 ingress"
		for i in $(seq 1 $NSRV); do echo "filter show dev ls$i egress"; done
	} | tc -n lb -s -j -batch - |
		jq -rs "$JQ_HITS"'
			"\(.[0] | hits(1)) \([.[1:][] | hits(1)] | add) \([.[1:][] | hits(2)] | add)"'
}

# frames each server received as expected: "n1 n2 n3"
server_counts() {
	local i
	for i in $(seq 1 $NSRV); do
		tc -n "s$i" -s -j filter show dev eth0 ingress
	done | jq -rs "$JQ_HITS"'[.[] | hits(1)] | map(tostring) | join(" ")'
}

# -------------------------------------------------------------- load balancers
lb_up() {	# variant
	local v=$1 i
	case "$v" in
	ipvs-*)
		ipvs_load
		{
			echo "-A -t $VIP:$VPORT -s rr"
			for i in $(seq 1 $NSRV); do
				if [ "$v" = ipvs-nat ]; then
					echo "-a -t $VIP:$VPORT -r 10.1.$i.2:$RPORT -m"
				else
					echo "-a -t $VIP:$VPORT -r 10.1.$i.2:$VPORT -g"
				fi
			done
		} | ip netns exec lb ipvsadm -R || die "ipvsadm -R"
		;;
	dlba-*)
		dlba_load
		ip netns exec lb "$DLBACTL" service add $SVC || die "dlbactl service add"
		for i in $(seq 1 $NSRV); do
			if [ "$v" = dlba-nat ]; then
				ip netns exec lb "$DLBACTL" server add $SVC --id "$i" \
					--addr "10.1.$i.2" --port $RPORT --method nat
			else
				ip netns exec lb "$DLBACTL" server add $SVC --id "$i" \
					--addr "10.1.$i.2" --mac "${SRV_MAC[i]}" --method dr
			fi || die "dlbactl server add"
		done
		;;
	esac
}

# shellcheck disable=SC2317 # run by defer (the variant's scope, or at exit)
lb_down() {	# variant
	case "$1" in
	ipvs-*) ip netns exec lb ipvsadm -C; ipvs_unload ;;
	dlba-*) ip netns exec lb "$DLBACTL" flush; dlba_unload ;;
	esac
}

# ------------------------------------------------------------------ traffic
# flood FLAGS SRC NIPS SPORT NPORTS COUNT [FIRST]: sets T to ns per frame
flood() {
	local dst=$VIP res
	[ "$CUR" = fwd ] && dst=10.1.1.2
	res=$("$FLOOD" -x cl -i c0 -s $CLMAC -d $L0MAC -D $dst -p $VPORT \
		-P tcp -f "$1" -S "$2" -n "$3" -b "$4" -N "$5" -c "$6" -o "${7:-0}") ||
		die "l4flood failed"
	T=${res##*ns_per_pkt=}
}

# All COUNT frames of the last run went where they should, none elsewhere.
check_run() {	# what count
	local in ok bad
	read -r in ok bad <<<"$(lb_counts)"
	if [ "$CUR" = indrop ]; then
		[ "$in" = "$2" ] || die "indrop $1: $in of $2 frames dropped at ingress"
	else
		[ "$ok" = "$2" ] && [ "$bad" = 0 ] ||
			die "$CUR $1: $ok of $2 frames left the LB as expected, $bad otherwise"
	fi
}

# Validation pass: the established flows' SYNs through to the servers.
validate() {
	local per n total=0 seg0 err0 seg1 err1
	set_filters "$CUR" pass
	set_server_filters "$CUR"
	read -r seg0 err0 <<<"$(srv_tcp_counts)"
	flood syn $EST_SRC $EST_NIPS $EST_SPORT $EST_NPORTS $EST_FLOWS
	if [ "$CUR" = indrop ]; then
		check_run validate $EST_FLOWS
		return
	fi
	per=$(server_counts)
	for n in $per; do total=$((total + n)); done
	[ "$total" = $EST_FLOWS ] ||
		die "$CUR: servers received $total of $EST_FLOWS SYNs as expected (per server: $per)"
	check_run validate $EST_FLOWS
	# what the LB rewrote (nat) must still carry valid IP and TCP checksums
	read -r seg1 err1 <<<"$(srv_tcp_counts)"
	[ $((seg1 - seg0)) = $EST_FLOWS ] && [ $((err1 - err0)) = 0 ] ||
		die "$CUR: the servers' TCP received $((seg1 - seg0)) of $EST_FLOWS SYNs, $((err1 - err0)) with a bad checksum"
	echo "$CUR validate servers: $per" >>"$RAW"
}

# One variant in one round: set up, validate, time est then new flows (cold,
# then warm).  The load balancer is the variant's scope: taken down when it
# ends, or at exit when a check fails.
run_variant() {	# round variant
	local r=$1
	CUR=$2
	defer_scope_push
	defer lb_down "$CUR"
	lb_up "$CUR"
	validate
	# one untimed ACK per flow: IPVS moves each connection to ESTABLISHED
	set_filters "$CUR" drop
	flood ack $EST_SRC $EST_NIPS $EST_SPORT $EST_NPORTS $EST_FLOWS
	set_filters "$CUR" drop
	flood ack $EST_SRC $EST_NIPS $EST_SPORT $EST_NPORTS "$EST"
	check_run est "$EST"
	echo "round=$r variant=$CUR test=est ns_per_pkt=$T" >>"$RAW"
	set_filters "$CUR" drop
	flood syn $NEW_SRC $NEW_NIPS $NEW_SPORT $NEW_NPORTS "$NEW"
	check_run new "$NEW"
	echo "round=$r variant=$CUR test=new ns_per_pkt=$T" >>"$RAW"
	# New flows again, from other client pairs, now that the LB is warm:
	# dlba's table fully assigned (panic on spreads every bucket over the
	# servers, panic off unfreezes them: what a long-running LB looks like),
	# IPVS already holding the connections of the runs above.
	if [ "${CUR%%-*}" = dlba ]; then
		ip netns exec lb "$DLBACTL" panic on $SVC &&
			ip netns exec lb "$DLBACTL" panic off $SVC || die "dlbactl panic"
	fi
	set_filters "$CUR" drop
	flood syn $NEW2_SRC $NEW_NIPS $NEW_SPORT $NEW_NPORTS "$NEW"
	check_run neww "$NEW"
	echo "round=$r variant=$CUR test=neww ns_per_pkt=$T" >>"$RAW"
	defer_scope_pop
	ksft_result OK "lb-bench: round $r: $CUR forwards every frame as expected"
}

# ------------------------------------------------------------------- memory
# Kernel memory an LB holds: unreclaimable slab (which in these kernels also
# counts kmalloc allocations too large for a slab cache), vmalloc and per-CPU
# memory; page cache and reclaimable slab are not counted.  Plus the objects
# of IPVS's connection cache (the VM boots with slab_nomerge so that it has
# its own line in /proc/slabinfo).  "KiB KiB KiB objects"
mem_snapshot() {
	awk '$1 == "SUnreclaim:" || $1 == "Percpu:" || $1 == "VmallocUsed:" {k += $2}
	     END {printf "%d ", k}' /proc/meminfo
	awk '$1 == "ip_vs_conn" {o = $2; s = $4} END {printf "%d %d\n", o, s}' /proc/slabinfo
}

# Kernel memory with MEM_FIRST, then MEM concurrent flows (SYN then ACK).
run_memory() {	# variant
	local v=$1 s0 s1 s2 s3 conns=0 in ok bad
	CUR=$v
	s0=$(mem_snapshot)
	defer_scope_push
	defer lb_down "$v"
	lb_up "$v"
	set_filters "$v" drop
	s1=$(mem_snapshot)
	flood syn $MEM_SRC $MEM_NIPS $MEM_SPORT $MEM_NPORTS $MEM_FIRST 0
	flood ack $MEM_SRC $MEM_NIPS $MEM_SPORT $MEM_NPORTS $MEM_FIRST 0
	s2=$(mem_snapshot)
	flood syn $MEM_SRC $MEM_NIPS $MEM_SPORT $MEM_NPORTS $((MEM - MEM_FIRST)) $MEM_FIRST
	flood ack $MEM_SRC $MEM_NIPS $MEM_SPORT $MEM_NPORTS $((MEM - MEM_FIRST)) $MEM_FIRST
	s3=$(mem_snapshot)
	read -r in ok bad <<<"$(lb_counts)"
	[ "$ok" = $((2 * MEM)) ] && [ "$bad" = 0 ] ||
		die "$v memory: $ok of $((2 * MEM)) frames left the LB as expected, $bad otherwise"
	if [ "${v%%-*}" = ipvs ]; then
		conns=$(ip netns exec lb cat /proc/net/ip_vs_conn | wc -l)
		conns=$((conns - 1))
	fi
	echo "variant=$v flows=$MEM_FIRST,$MEM mem0=\"$s0\" mem_svc=\"$s1\" mem_a=\"$s2\" mem_b=\"$s3\" ipvs_conns=$conns" >>"$RAW"
	defer_scope_pop
	ksft_result OK "lb-bench: memory $v: all $MEM flows forwarded as expected"
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

ipvs_unload
dlba_unload
topo_down
topo_up

log "kernel $(uname -r), $(nproc) CPU, variants: $VARIANTS, $ROUNDS rounds"
for r in $(seq 1 "$ROUNDS"); do
	order=$VARIANTS
	# alternate the order every round so that drift cancels out
	[ $((r % 2)) = 0 ] && order=$(echo "$VARIANTS" | tr ' ' '\n' | tac | tr '\n' ' ')
	for v in $order; do
		run_variant "$r" "$v"
	done
	log "round $r of $ROUNDS done (guest uptime $(cut -d' ' -f1 /proc/uptime)s)"
done
# Memory: the per-flow state (IPVS's connection entry) is the same for every
# method, so by default only dr is measured.
for m in $MEM_METHODS; do
	for lb in $LBS; do
		run_memory "$lb-$m"
		log "memory $lb-$m done (guest uptime $(cut -d' ' -f1 /proc/uptime)s)"
	done
done
log "done"
exit
}
