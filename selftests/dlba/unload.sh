#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Module life cycle under load: rmmod dlba while wrk (IPv4) and curl
# streams (IPv6) run through dr, nat and tun services; the module goes away
# without an oops, and loads again clean.  Also: a namespace holding
# services is deleted while the module stays loaded.
#
#   CLI (wrk, curl) ---- LB (dlba.ko; VIP on lo) ---- br0 --+-- S1 nginx
#                                                          +-- S2 nginx
#                                                          +-- S3 nginx
#   (addresses: selftests/net/lb_topo.sh)
source "$(dirname "$(readlink -f "$0")")/../net/lib.sh"
source "$SELFTESTS_DIR/net/lb_topo.sh"
source "$SELFTESTS_DIR/net/dlba_lib.sh"

# netns, rmmod under load, after rmmod, reload, rmmod idle
# shellcheck disable=SC2034 # read from this file's text by selftests/run.sh
PLAN=5

require_cmd wrk
dlba_setup udp

# ------------------------------------------- netns with services deleted
setup_ns EXTRA
run_cmd dlbactl_ns "$EXTRA" service add 198.18.200.1:80/tcp --buckets 4096
check_err $? "service add in a second netns failed"
run_cmd dlbactl_ns "$EXTRA" server add 198.18.200.1:80/tcp --id 1 --addr 198.18.201.1 --method tun
run_cmd dlbactl_ns "$EXTRA" service add "[fd00:db1a:200::1]:80/tcp"
[ "$(dlbactl_ns "$EXTRA" -j service list | jq length)" = 2 ] || fail "second netns lists wrong services"
[ "$(lbctl -j service list | jq length)" = 0 ] || fail "services of another netns visible in the LB netns"
ns_del "$EXTRA"
sleep 0.5
kmod_is_loaded dlba || fail "module vanished"
log_test "dlba: per-netns services; namespace with services deleted cleanly"

# ------------------------------------------------------- rmmod under load
svc_setup 4 dr tcp "1 1 1"
check_err $? "IPv4 dr service setup failed"
svc_setup 6 nat tcp "1 1 1"
check_err $? "IPv6 nat service setup failed"
svc_setup 4 tun udp "1 1 1"
check_err $? "IPv4 tun UDP service setup failed"

ip netns exec "$CLI" wrk -t1 -c16 -d12s --timeout 2s "$(url 4 /)" >"$TESTDIR/wrk.out" 2>&1 &
WRK=$!
defer kill "$WRK"
streams_start 6 4
# one datagram at a time for as long as the test needs (killed after rmmod)
ip netns exec "$CLI" "$PYTHON" "$SELFTESTS_DIR/net/udp_client.py" "$VIP4" "$UDP_PORT" \
	--count 100000 --timeout 0.2 >"$TESTDIR/udp.out" 2>&1 &
UDPC=$!
defer kill "$UDPC"

# svc_packets: "dr nat tun" packet counters of the three services
svc_packets() {
	local s
	for s in "$(svc 4)" "$(svc 6)" "$(svc 4 "$UDP_PORT" udp)"; do
		printf '%s ' "$(svc_json "$s" | jq -r '.stats.packets // 0')"
	done
}
# all_busy: every service forwarded packets (the IPv6 nat service carries
# only the streams)
# shellcheck disable=SC2317 # called through wait_for
all_busy() {
	local p
	read -r -a p <<<"$(svc_packets)"
	[ "${p[0]}" -gt 500 ] && [ "${p[1]}" -gt 500 ] && [ "${p[2]}" -gt 20 ]
}
wait_for 30 all_busy
check_err $? "not all three services carry traffic before rmmod: packets $(svc_packets)"
busy=$(svc_packets)
udp0=$(grep -c '^server=' "$TESTDIR/udp.out")
rmmod dlba
check_err $? "rmmod dlba under load failed"
kmod_is_loaded dlba && fail "dlba still loaded"
[ -e /dev/dlba ] && fail "/dev/dlba still exists"
sleep 1.5
# What the clients saw: answers through every method before the rmmod,
# none after it (the VIP is then only the LB's own closed port).
kill "$UDPC" 2>/dev/null
wait "$WRK"
wait "$UDPC" 2>/dev/null
[ "$udp0" -gt 0 ] || fail "no UDP answer through tun before rmmod"
tail -n 3 "$TESTDIR/udp.out" | grep -q '^server=' &&
	fail "UDP still answered after rmmod: $(tail -n 1 "$TESTDIR/udp.out")"
req=$(sed -nE 's/^ *([0-9]+) requests in .*/\1/p' "$TESTDIR/wrk.out")
[ "${req:-0}" -gt 100 ] || fail "wrk completed only ${req:-no} requests: $(tr '\n' ' ' <"$TESTDIR/wrk.out" | cut -c1-200)"
# the IPv6 streams lost their service: end them (their result is moot)
# shellcheck disable=SC2046
kill "${STREAM_PIDS[@]}" $(ip netns pids "$CLI") 2>/dev/null
wait "${STREAM_PIDS[@]}" 2>/dev/null
log_test "dlba: rmmod under load (wrk $req requests IPv4 dr, curl IPv6 nat, $udp0 UDP tun answers; packets $busy)"

# after unload the VIP is no longer balanced
out=$(http_many 4 1 /)
grep -q ERROR <<<"$out"
check_err $? "VIP still balanced after rmmod: $out"
log_test "dlba: after rmmod no packet is diverted"

# load again: clean state, works
dlba_load
check_err $? "insmod after rmmod failed"
[ "$(lbctl -j service list | jq length)" = 0 ] || fail "services survived the reload"
svc_setup 4 dr tcp "1 1 1"
out=$(http_many 4 10 /)
cnt=$(count_servers <<<"$out")
[ "$(field err "$cnt")" = 0 ] || fail "traffic after reload: $cnt"
log_test "dlba: module reloaded: empty tables, forwarding works ($cnt)"

# rmmod with services configured and idle
rmmod dlba
check_err $? "rmmod with configured services failed"
dlba_load
check_err $? "insmod failed"
log_test "dlba: rmmod with configured services, insmod again"

dlba_check_dmesg
exit "$(exit_status)"
