#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# dr servers added without --mac: dlba.ko finds each server's MAC in the
# LB's neighbour table (ARP / neighbour discovery, as the LB's own packets
# do), follows a changed MAC, and `server list` shows what it resolved.
#
#   +--------+      +--------------+  br0   +-- S1 .11 ::11  dr, no --mac
#   | CLI .2 |------| LB  VIP on lo|--------+-- S2 .12 ::12  dr, no --mac
#   +--------+      +--------------+        +-- S3 .13 ::13  dr, no --mac
#                                           (.19 ::19: nobody, for "unresolved")
#
# Checks: with the LB's neighbour cache flushed, HTTP through dr reaches
# every server (IPv4, IPv6); `server list` shows each server's real MAC and
# a valid neighbour state, and "unresolved" for an address nobody answers;
# S1 changes its MAC and announces it (arp_notify): traffic follows within
# seconds; S2 changes its MAC silently: the LB's neighbour probing finds
# the new one, for IPv6 and IPv4 (short neighbour timers on the LB); S3 is
# pinned to its own MAC (`server set --mac`) and freed again (`--mac auto`).
source "$(dirname "$(readlink -f "$0")")/../net/lib.sh"
source "$SELFTESTS_DIR/net/lb_topo.sh"
source "$SELFTESTS_DIR/net/dlba_lib.sh"

# shellcheck disable=SC2034 # read by selftests/run.sh
# shellcheck disable=SC2034 # read from this file's text by selftests/run.sh
PLAN=8

dlba_setup

NOBODY4=198.18.1.19
NOBODY6=fd00:db1a:1::19

# quick FAM N: N new connections with short timeouts (a blackholed server
# costs a second, not twenty); prints "s1=.. s2=.. s3=.. err=.."
quick() {
	local fam=$1 n=$2 i src
	if [ "$fam" = 4 ]; then src=("${CLI_EXTRA4[@]}"); else src=("${CLI_EXTRA6[@]}"); fi
	for ((i = 0; i < n; i++)); do
		ip netns exec "$CLI" curl -fsS --connect-timeout 1 --max-time 3 \
			--interface "${src[i % ${#src[@]}]}" -H 'Connection: close' \
			"$(url "$fam")" 2>/dev/null || echo ERROR
		echo
	done | count_servers
}
# everyone_ok FAM N: N connections, no error, every server answered
everyone_ok() {
	local r
	r=$(quick "$1" "$2")
	log_info "$1: $r"
	echo "$r" >"$TESTDIR/last-quick"
	[ "$(field err "$r")" = 0 ] && [ "$(field s1 "$r")" -gt 0 ] &&
		[ "$(field s2 "$r")" -gt 0 ] && [ "$(field s3 "$r")" -gt 0 ]
}
# s3_ok FAM N: N connections, no error, S3 answered some.  (A re-created
# server owns no bucket: it takes every new bucket until it has as many
# as the others, so S1 or S2 may get none of a few connections.)
s3_ok() {
	local r
	r=$(quick "$1" "$2")
	echo "$r" >"$TESTDIR/last-quick"
	[ "$(field err "$r")" = 0 ] && [ "$(field s3 "$r")" -gt 0 ]
}
# neigh_of FAM ID: "LLADDR STATE" of server ID in `server list -j`
neigh_of() {
	lbctl -j server list "$(svc "$1")" |
		jq -r --argjson id "$2" '.[] | select(.id == $id) |
			"\(.neigh.lladdr // "null") \(.neigh.state // "null") mac=\(.mac // "null")"'
}

# neigh_diag: on a failure, what each client address reaches and the LB's
# neighbour entries and server table
neigh_diag() {
	local src
	log_info "the last try: $(cat "$TESTDIR/last-quick" 2>/dev/null)"
	for src in "${CLI_EXTRA4[@]}"; do
		log_info "from $src: $(ip netns exec "$CLI" curl -fsS --connect-timeout 1 --max-time 3 \
			--interface "$src" -H 'Connection: close' "$(url 4)" 2>&1 | head -c 60)"
	done
	ip -n "$LB" neigh show dev br0 | sed 's/^/INFO: LB neighbour: /'
	lbctl server list "$(svc 4)" | sed 's/^/INFO: /'
}

for fam in 4 6; do
	run_cmd lbctl service add "$(svc "$fam")" || setup_fail "service $fam"
	for i in 1 2 3; do
		run_cmd lbctl server add "$(svc "$fam")" --id "$i" --addr "$(srv_addr "$fam" "$i")" \
			--method dr || setup_fail "dr server $i without --mac (IPv$fam)"
	done
done
# dlba.ko resolves, not the topology's pings
run_cmd ip -n "$LB" neigh flush dev br0

for fam in 4 6; do
	everyone_ok "$fam" 24
	check_err $? "IPv$fam: a connection failed or a server got none"
	log_test "IPv$fam: dr without --mac reaches every server (neighbour table)"
done

for fam in 4 6; do
	for i in 1 2 3; do
		got=$(neigh_of "$fam" "$i")
		log_info "IPv$fam server $i: $got (its MAC: $(srv_mac "$i"))"
		case $got in
		"$(srv_mac "$i") REACHABLE mac=null" | "$(srv_mac "$i") STALE mac=null" | \
		"$(srv_mac "$i") DELAY mac=null" | "$(srv_mac "$i") PROBE mac=null") ;;
		*) check_err 1 "IPv$fam server $i: neighbour shown as '$got'" ;;
		esac
	done
done
lbctl server list "$(svc 4)" | grep -q "$(srv_mac 1) (" ||
	check_err 1 "the table does not show S1's resolved MAC"
log_test "server list shows the MAC each server resolved to"

# an address nobody answers for: unresolved, and shown so
run_cmd lbctl service add "$(svc 4 8080)" &&
	run_cmd lbctl server add "$(svc 4 8080)" --id 9 --addr "$NOBODY4" --method dr
check_err $? "dr server $NOBODY4"
run_cmd lbctl service add "$(svc 6 8080)" &&
	run_cmd lbctl server add "$(svc 6 8080)" --id 9 --addr "$NOBODY6" --method dr
check_err $? "dr server $NOBODY6"
ip netns exec "$CLI" curl -s --connect-timeout 4 --max-time 5 "$(url 4 / 8080)" >/dev/null &&
	check_err 1 "a connection to nobody succeeded"
ip netns exec "$CLI" curl -s --connect-timeout 4 --max-time 5 "$(url 6 / 8080)" >/dev/null &&
	check_err 1 "a connection to nobody succeeded (IPv6)"
for fam in 4 6; do
	got=$(lbctl -j server list "$(svc "$fam" 8080)" |
		jq -r '.[0] | "\(.neigh.lladdr // "null") \(.neigh.state)"')
	log_info "IPv$fam nobody: $got"
	case $got in
	"null INCOMPLETE" | "null FAILED") ;;
	*) check_err 1 "IPv$fam: unanswered neighbour shown as '$got'" ;;
	esac
done
lbctl server list "$(svc 4 8080)" | grep -Eq 'unresolved \((INCOMPLETE|FAILED)\)' ||
	check_err 1 "the table does not say unresolved"
log_test "a server whose address nobody answers is shown unresolved"

# new_mac FAM ID MAC SECS: server ID's eth0 gets MAC; within SECS traffic
# reaches every server again and server list shows the new MAC
new_mac() {
	local fam=$1 id=$2 mac=$3 secs=$4
	run_cmd ip -n "$(srv_ns "$id")" link set eth0 address "$mac"
	wait_for "$secs" everyone_ok "$fam" 12
	check_err $? "IPv$fam: traffic did not follow S$id's new MAC within $secs s"
	[ "$(neigh_of "$fam" "$id" | cut -d' ' -f1)" = "$mac" ] ||
		check_err 1 "server list shows '$(neigh_of "$fam" "$id")', not $mac"
}

# S1 gets a new NIC (MAC) and announces it, as arp_notify does
run_cmd ip netns exec "$S1" sysctl -qw net.ipv4.conf.eth0.arp_notify=1
new_mac 4 1 02:00:00:aa:00:01 10
log_test "IPv4: S1's announced new MAC is followed"

# S2's new MAC is not announced: the LB's entry goes stale, its probes to
# the old MAC fail, a new solicitation finds the new one
for k in base_reachable_time_ms=1000 delay_first_probe_time=1 retrans_time_ms=300; do
	run_cmd ip netns exec "$LB" sysctl -qw "net.ipv6.neigh.br0.$k"
done
run_cmd ip netns exec "$S2" sysctl -qw net.ipv6.conf.eth0.ndisc_notify=0
new_mac 6 2 02:00:00:aa:00:02 30
log_test "IPv6: S2's unannounced new MAC is found by neighbour probing"

# S2's IPv4 entry still holds the old MAC (STALE: nothing was sent to it
# over IPv4 since); the first packets to it go to the old MAC until the
# unicast probes fail and a broadcast finds the new one.  In a loaded TCG VM
# that took from 10 to 30 s (a round of 12 connections lasts seconds, and
# one caught during the switch fails), hence the 60 s
wait_for 60 everyone_ok 4 12 || { neigh_diag; false; }
check_err $? "IPv4: traffic did not follow S2's unannounced MAC within 60 s"
log_test "IPv4: S2's unannounced new MAC is found by neighbour probing"

# an explicit MAC pins S3 (server set re-creates it), "auto" frees it again
srv3() { lbctl -j server list "$(svc 4)" | jq -r '.[] | select(.id == 3) | "\(.mac) \(.neigh.lladdr)"'; }
run_cmd lbctl server set "$(svc 4)" --id 3 --mac "$(srv_mac 3)"
check_err $? "server set --mac"
[ "$(srv3)" = "$(srv_mac 3) null" ] || check_err 1 "explicit MAC listed as '$(srv3)'"
wait_for 20 s3_ok 4 12 || { neigh_diag; false; }
check_err $? "IPv4: connections kept failing with S3's MAC configured"
run_cmd lbctl server set "$(svc 4)" --id 3 --mac auto
check_err $? "server set --mac auto"
wait_for 20 s3_ok 4 12 || { neigh_diag; false; }
check_err $? "IPv4: connections kept failing after --mac auto"
[ "$(srv3)" = "null $(srv_mac 3)" ] || check_err 1 "after --mac auto listed as '$(srv3)'"
log_test "an explicit --mac is used and listed as configured; --mac auto resolves again"

dlba_check_dmesg
exit_status
