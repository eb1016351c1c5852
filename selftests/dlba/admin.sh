#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Administration and monitoring: the /dev/dlba ioctl dumps (dlbactl dump)
# agree with the netlink listings; set/del reflect in the listings; bucket
# save/load (the failover sync path) restores the assignment array and its
# version; a multi-part bucket dump is flagged NLM_F_DUMP_INTR exactly when
# the table changes under it; stats; stats --zero resets counters, not
# state; flush.
#
#   CLI ---- LB (dlba.ko; VIP 198.18.100.10 / fd00:db1a:100::10) ---- br0 --+-- S1
#                                                                        +-- S2
#                                                                        +-- S3
#   (addresses: selftests/net/lb_topo.sh)
source "$(dirname "$(readlink -f "$0")")/../net/lib.sh"
source "$SELFTESTS_DIR/net/lb_topo.sh"
source "$SELFTESTS_DIR/net/dlba_lib.sh"

# listings, 4 dump checks, per-netns, set, set addr, del, save/load,
# dump consistency, stats, rates and active buckets, stats --zero of one
# service and of all, flush
# shellcheck disable=SC2034 # read from this file's text by selftests/run.sh
PLAN=16

dlba_setup

V4=$(svc 4)
V6=$(svc 6)

svc_setup 4 dr tcp "1 2 3" --buckets 1024
check_err $? "IPv4 service setup failed"
svc_setup 6 tun tcp "1 1 -" --buckets 256 --timeout 30
check_err $? "IPv6 service setup failed"
http_many 4 40 / >/dev/null
http_many 6 20 / >/dev/null

# --------------------------------------------------------------- listings
[ -c /dev/dlba ] || fail "/dev/dlba missing"
j=$(lbctl -j service list)
[ "$(jq length <<<"$j")" = 2 ] || fail "service list: $(jq -c . <<<"$j")"
[ "$(jq -r --arg a "$VIP6" '.[] | select(.addr == $a) | "\(.family) \(.buckets) \(.timeout) \(.nservers) \(.mode)"' <<<"$j")" = "inet6 256 30 2 forward" ] ||
	fail "IPv6 service attributes wrong: $(jq -c . <<<"$j")"
[ "$(jq -r --arg a "$VIP4" '.[] | select(.addr == $a) | "\(.family) \(.port) \(.proto) \(.buckets) \(.nservers)"' <<<"$j")" = "inet 80 tcp 1024 3" ] ||
	fail "IPv4 service attributes wrong"
k=$(lbctl -j server list "$V4")
[ "$(jq -r 'map("\(.id):\(.weight):\(.method):\(.enabled):\(.failed)") | join(" ")' <<<"$k")" = \
	"1:1:dr:true:false 2:2:dr:true:false 3:3:dr:true:false" ] || fail "server list: $(jq -c . <<<"$k")"
[ "$(jq -r '.[] | select(.id == 2) | .mac' <<<"$k")" = "$(srv_mac 2)" ] || fail "server MAC not listed"
[ "$(jq '[.[].buckets] | add' <<<"$k")" = "$(summary "$V4" | jq '.count - .unassigned')" ] ||
	fail "server bucket counts disagree with the bucket summary"
[ "$(jq '[.[].stats.packets] | add' <<<"$k")" -gt 0 ] || fail "server packet counters are zero"
log_test "dlba: service/server listings show what was configured"

# stats --rate while clients connect; buckets --summary's ACTIVE column
# (a packet within the timeout) empties when the timeout passes, while
# the assignment stays
# rate_seen: one --rate reading over 1 s (into $r) saw packets
# shellcheck disable=SC2317 # called through wait_for
rate_seen() {
	r=$(lbctl -j stats "$V4" --rate --interval 1s) &&
		[ "$(jq .interval_ms <<<"$r")" -ge 1000 ] && [ "$(jq .per_second.packets <<<"$r")" -gt 0 ]
}
# clients in batches of 5 until the flag file goes (none left running after)
touch "$TESTDIR/rate.on"
(while [ -e "$TESTDIR/rate.on" ]; do http_many 4 5 / >/dev/null 2>&1; done) &
hm=$!
# they start slowly in a loaded VM: readings until one sees them
wait_for 40 rate_seen
check_err $? "no packets per second while clients connect: $r"
rm -f "$TESTDIR/rate.on"
wait "$hm"
sm=$(summary "$V4")
[ "$(jq '[.active[]] | add' <<<"$sm")" -gt 0 ] || fail "no active bucket right after traffic: $sm"
[ "$(jq '[.servers | to_entries[] | select(.value < 0)] | length' <<<"$sm")" = 0 ] || fail "bad summary: $sm"
owned=$(jq -c .servers <<<"$sm")
run_cmd lbctl service set "$V4" --timeout 1
sleep 1.5
sm=$(summary "$V4")
[ "$(jq '[.active[]] | add' <<<"$sm")" = 0 ] || fail "buckets still active past a 1 s timeout: $sm"
[ "$(jq -c .servers <<<"$sm")" = "$owned" ] || fail "assignment changed by the timeout alone: $sm"
run_cmd lbctl service set "$V4" --timeout 300
log_test "dlba: stats --rate ($(jq -c .per_second <<<"$r")) and buckets --summary ACTIVE"

# ------------------------------------------------------------- /dev/dlba
d=$(lbctl -j dump services)
check_err $? "dump services failed"
cmpf='map({family, addr, port, proto, buckets, timeout, nservers, panic, version}) | sort_by(.addr)'
[ "$(jq -c "$cmpf" <<<"$d")" = "$(jq -c "$cmpf" <<<"$(lbctl -j service list)")" ] ||
	fail "dump services != service list: $(jq -c "$cmpf" <<<"$d")"
log_test "dlba: dump services (/dev/dlba) matches the netlink service list"

for s in "$V4" "$V6"; do
	d=$(lbctl -j dump servers "$s")
	check_err $? "dump servers $s failed"
	cmpf='map({id, addr, weight, method, enabled, failed, buckets}) | sort_by(.id)'
	[ "$(jq -c "$cmpf" <<<"$d")" = "$(jq -c "$cmpf" <<<"$(lbctl -j server list "$s")")" ] ||
		fail "dump servers != server list for $s: $(jq -c "$cmpf" <<<"$d")"
	d=$(lbctl -j dump buckets "$s")
	check_err $? "dump buckets $s failed"
	[ "$(jq -c '{version, count, a: [.buckets[][0]]}' <<<"$d")" = \
	  "$(lbctl -j buckets "$s" | jq -c '{version, count, a: [.buckets[][0]]}')" ] ||
		fail "dump buckets != netlink buckets for $s"
	log_test "dlba: dump servers/buckets (/dev/dlba) match netlink for $s"
done
lbctl dump services >/dev/null && lbctl dump buckets "$V4" >/dev/null
check_err $? "plain-text dump failed"
lbctl service list >/dev/null && lbctl server list >/dev/null && lbctl buckets "$V4" --summary >/dev/null &&
	lbctl stats >/dev/null
check_err $? "plain-text listing failed"
log_test "dlba: plain-text listings and dumps work"

# the device reads the caller's netns
[ "$(dlbactl_ns "$CLI" -j dump services | jq length)" = 0 ] || fail "dump in another netns sees the LB's services"
[ "$(dlbactl_ns "$CLI" -j service list | jq length)" = 0 ] || fail "service list in another netns not empty"
log_test "dlba: listings and /dev/dlba dumps are per network namespace"

# ---------------------------------------------------------------- set/del
run_cmd lbctl service set "$V4" --timeout 77
check_err $? "service set --timeout failed"
run_cmd lbctl server set "$V4" --id 1 --weight 9
check_err $? "server set --weight failed"
[ "$(svc_json "$V4" | jq .timeout)" = 77 ] || fail "timeout not changed"
[ "$(lbctl -j server list "$V4" | jq '.[] | select(.id == 1) | .weight')" = 9 ] || fail "weight not changed"
log_test "dlba: service set --timeout / server set --weight show in the listings"

# server set --addr/--mac (dlbactl(8): move a server to a new address)
run_cmd lbctl server set "$V6" --id 2 --addr "$(srv_addr6 3)"
check_err $? "server set --addr failed"
run_cmd lbctl server set "$V4" --id 2 --mac "$(srv_mac 3)"
check_err $? "server set --mac failed"
[ "$(lbctl -j server list "$V6" | jq -r '.[] | select(.id == 2) | .addr')" = "$(srv_addr6 3)" ] ||
	fail "address not changed"
[ "$(lbctl -j server list "$V4" | jq -r '.[] | select(.id == 2) | .mac')" = "$(srv_mac 3)" ] ||
	fail "MAC not changed"
log_test "dlba: server set --addr / --mac show in the listings"

n3=$(srv_buckets "$V4" 3)
un0=$(summary "$V4" | jq .unassigned)
run_cmd lbctl server del "$V4" --id 3
check_err $? "server del failed"
[ "$(summary "$V4" | jq .unassigned)" = $((un0 + n3)) ] || fail "deleted server's $n3 buckets not reset"
[ "$(svc_json "$V4" | jq .nservers)" = 2 ] || fail "nservers not 2 after del"
log_test "dlba: server del resets its $n3 buckets"

# ------------------------------------------------------------- save / load
run_cmd lbctl buckets save "$V4" -o "$TESTDIR/v4.buckets"
check_err $? "buckets save failed"
saved=$(lbctl -j buckets "$V4" | jq -c '{version, a: [.buckets[][0]]}')
srv_add 4 dr tcp 3 3
run_cmd lbctl server set "$V4" --id 2 --fail
http_many 4 20 / >/dev/null
changed=$(lbctl -j buckets "$V4" | jq -c '{version, a: [.buckets[][0]]}')
[ "$changed" != "$saved" ] || fail "table did not change between save and load"
run_cmd lbctl server set "$V4" --id 2 --unfail
run_cmd lbctl buckets load "$V4" -i "$TESTDIR/v4.buckets"
check_err $? "buckets load failed"
now=$(lbctl -j buckets "$V4" | jq -c '{version, a: [.buckets[][0]]}')
[ "$(jq -c .a <<<"$now")" = "$(jq -c .a <<<"$saved")" ] || fail "loaded assignment differs from the saved one"
[ "$(jq .version <<<"$now")" = "$(jq .version <<<"$saved")" ] ||
	fail "loaded version $(jq .version <<<"$now") != saved $(jq .version <<<"$saved")"
out=$(http_many 4 10 /)
[ "$(field err "$(count_servers <<<"$out")")" = 0 ] || fail "traffic after load failed"
log_test "dlba: buckets save/load restores the assignment array and version"

# ------------------------------------------------------ dump consistency
# A bucket table of 65536 entries takes many netlink messages.  A dump
# read while nothing changes carries no NLM_F_DUMP_INTR; one during which
# the table changes (panic on, sent on another socket after the first part
# was read) flags the next part built (the netlink core flags the first
# message after a change), so a reader knows to restart.
S8=$(svc 4 8080)
run_cmd lbctl service add "$S8" --buckets 65536 &&
	run_cmd lbctl server add "$S8" --id 1 --addr "$(srv_addr4 1)" --method tun &&
	run_cmd lbctl server add "$S8" --id 2 --addr "$(srv_addr4 2)" --method tun
check_err $? "could not add $S8"
out=$(ip netns exec "$LB" "$PYTHON" "$SELFTESTS_DIR/net/dlba_genl.py" intr --vip4 "$VIP4" --port 8080)
re_c='^CASE dump-clean msgs=([0-9]+) intr=([0-9]+) errno=0$'
re_x='^CASE dump-changed msgs=([0-9]+) intr=([0-9]+) errno=0 panic=0$'
clean=$(grep '^CASE dump-clean ' <<<"$out")
changed=$(grep '^CASE dump-changed ' <<<"$out")
if [[ $clean =~ $re_c ]]; then
	[ "${BASH_REMATCH[1]}" -ge 3 ] || fail "the dump took only ${BASH_REMATCH[1]} messages: $clean"
	[ "${BASH_REMATCH[2]}" = 0 ] || fail "a dump of an unchanging table was flagged: $clean"
else
	fail "clean dump: '$clean'"
fi
if [[ $changed =~ $re_x ]]; then
	[ "${BASH_REMATCH[2]}" -ge 1 ] || fail "the table changed under the dump, no part flagged: $changed"
else
	fail "dump during a change: '$changed'"
fi
run_cmd lbctl service del "$S8"
log_test "netlink: bucket dump flagged NLM_F_DUMP_INTR only when the table changes (${clean#CASE }; ${changed#CASE })"

# ----------------------------------------------------------- stats / flush
st=$(lbctl -j stats)
[ "$(jq .services <<<"$st")" = 2 ] || fail "stats: services $(jq .services <<<"$st")"
[ "$(jq .packets <<<"$st")" -gt 0 ] && [ "$(jq .new_assign <<<"$st")" -gt 0 ] ||
	fail "stats counters zero: $st"
sp=$(lbctl -j service list | jq '[.[].stats.packets] | add')
[ "$(jq .packets <<<"$st")" -ge "$sp" ] || fail "global packets < sum of services"
log_test "dlba: stats count packets and assignments ($(jq -c '{packets,new_assign,services}' <<<"$st"))"

# stats --zero (ipvsadm -Z).  No client runs here, but a late segment of an
# earlier connection may still arrive: "zero" allows 2 packets.
# svc_stat SVC FIELD: the service's counter; srv_packets SVC: its servers' sum
svc_stat() { lbctl -j stats "$1" | jq ".$2"; }
srv_packets() { lbctl -j server list "$1" | jq '[.[].stats.packets] | add'; }
p6=$(svc_stat "$V6" packets)
ver4=$(svc_json "$V4" | jq .version)
own4=$(summary "$V4" | jq -c .servers)
[ "$(svc_stat "$V4" packets)" -gt 2 ] || fail "no packets counted for $V4 before the reset"
run_cmd lbctl stats --zero "$V4"
check_err $? "stats --zero $V4 failed"
[ "$(svc_stat "$V4" packets)" -le 2 ] && [ "$(svc_stat "$V4" bytes)" -le 3000 ] &&
	[ "$(svc_stat "$V4" new_assign)" = 0 ] && [ "$(srv_packets "$V4")" -le 2 ] ||
	fail "$V4 counters not zeroed: $(lbctl -j stats "$V4") servers $(srv_packets "$V4")"
[ "$(svc_stat "$V6" packets)" -ge "$p6" ] || fail "stats --zero $V4 reset $V6 too"
[ "$(lbctl -j stats | jq .packets)" -ge "$p6" ] || fail "stats --zero $V4 reset the global counters"
[ "$(svc_json "$V4" | jq .version)" = "$ver4" ] && [ "$(summary "$V4" | jq -c .servers)" = "$own4" ] ||
	fail "stats --zero changed the bucket table: version $ver4 -> $(svc_json "$V4" | jq .version)"
http_many 4 10 / >/dev/null
check_err $? "clients after the reset failed"
[ "$(svc_stat "$V4" packets)" -gt 10 ] && [ "$(srv_packets "$V4")" -gt 10 ] ||
	fail "$V4 does not count again after the reset: $(lbctl -j stats "$V4")"
log_test "dlba: stats --zero SVC resets that service's and servers' counters, not the others' or the table"

run_cmd lbctl stats --zero
check_err $? "stats --zero failed"
z=$(lbctl -j stats)
[ "$(jq .packets <<<"$z")" -le 2 ] && [ "$(jq .new_assign <<<"$z")" = 0 ] &&
	[ "$(jq .services <<<"$z")" = 2 ] || fail "global counters not zeroed: $z"
for s in "$V4" "$V6"; do
	[ "$(svc_stat "$s" packets)" -le 2 ] && [ "$(srv_packets "$s")" -le 2 ] ||
		fail "stats --zero left $s counting: $(lbctl -j stats "$s") servers $(srv_packets "$s")"
done
http_many 6 10 / >/dev/null
check_err $? "clients after the global reset failed"
[ "$(lbctl -j stats | jq .packets)" -gt 10 ] && [ "$(svc_stat "$V6" packets)" -gt 10 ] ||
	fail "no counting after the global reset: $(lbctl -j stats)"
log_test "dlba: stats --zero resets the global, every service's and server's counters ($(jq -c '{packets,services}' <<<"$z"))"

run_cmd lbctl flush
check_err $? "flush failed"
[ "$(lbctl -j service list | jq length)" = 0 ] || fail "services left after flush"
[ "$(lbctl -j dump services | jq length)" = 0 ] || fail "dump shows services after flush"
[ "$(lbctl -j stats | jq .services)" = 0 ] || fail "stats services != 0 after flush"
out=$(http_many 4 1 /)
grep -q ERROR <<<"$out"
check_err $? "VIP still balanced after flush"
log_test "dlba: flush removes every service"

dlba_check_dmesg
exit "$(exit_status)"
