#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# it_failover.sh DLBA_ARRAYD: three array nodes, each a network namespace with a real corosync and
# dlba-arrayd, and a client, on one bridge (WO 01/69890 "Scheduler Failover"):
#   - one node holds the VIPs, an IPv4 and an IPv6 one (n2: priority 100 like n1, the higher
#     physical address), the client reaches both (dlba-arrayd answers its ARP and neighbour
#     solicitations);
#   - the holder dies (kill -9 of corosync and dlba-arrayd, its link down): another node takes the
#     VIP within a bound (the time is printed), and the client's neighbour entry for the VIP now
#     has the new holder's MAC (the gratuitous ARP, before the client sent anything);
#   - the old node comes back: it joins as a standby, the VIP does not move;
#   - the holder's processes are killed with its link up (the kernel lives on, the VIP stays on
#     its lo): the new holder's gratuitous ARP moves the client, and after a flush the client's
#     ARP request is answered by the new holder alone (the VIPs are answered by dlba-arrayd, not
#     by the kernel: no ARP war with a dead node);
#   - the holder is cut off: without quorum it drops the VIP, the two others elect one;
#   - a node's corosync dies: its dlba-arrayd exits 1 (for systemd to restart it);
#   - configuration push (`dlba-arrayd push`): an invalid file is refused with FILE:LINE and
#     nothing sent; a valid one pushed on a standby reaches every node's status with the same
#     generation and digest; a node that was down when a push happened catches up when it
#     returns.  dlba.ko cannot be loaded here, so the apply itself fails on every node: the test
#     checks that this is reported (push exit status, each node's last_error), not a crash;
#   - n1's status web page in headless Chromium shows the array as its status document has it
#     (skipped without Chromium; the tables' pictures: it_webpage.sh and selftests/dlba/array.sh).
# Each corosync and dlba-arrayd runs in its own mount namespace where that node's directories are
# /var/lib/corosync and /run.  Namespace names carry this script's PID (parallel runs).  Root
# only; exit 4 (skip) without root, corosync, ip or unshare.
set -u
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../../../.." && pwd)
KSFT_NAME=arrayd_it_failover
# With DLBA_IT_RESULTS set (scripts/check.sh), ksft.sh also writes the TEST
# lines to $DLBA_IT_RESULTS/arrayd_it_failover.tests, where `make check` counts them.
# shellcheck source=../../../../selftests/net/ksft.sh
. "$ROOT/selftests/net/ksft.sh"
# shellcheck source=../../../../selftests/net/status_page.sh
. "$ROOT/selftests/net/status_page.sh"

ARRAYD=${1:?usage: it_failover.sh DLBA_ARRAYD}
[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces, corosync)"
for tool in corosync ip unshare python3 jq ping curl; do
	command -v "$tool" >/dev/null 2>&1 || skip_all "needs $tool (not installed)"
done

unshare --mount true 2>/dev/null || skip_all "cannot create mount namespaces (unshare --mount)"

P=dlba$$
BR=$P-br
CL=$P-cl
VIP=10.77.0.50
VIP6=2001:db8:77::50
# The failover bound: corosync's token (1 s) and consensus (1.2 s) to notice the loss, the new
# membership, one round of state messages, the addresses added.
BOUND_S=10
TMP=$(mktemp -d /tmp/arrayd-it.XXXXXX)
defer rm -rf "$TMP"
WAIT_FOR_POLL=0.1

ns() { echo "$P-cs$1"; }

# ------------------------------------------------------------------ topology
ip netns add "$BR" || skip_all "cannot create network namespaces"
defer ip netns del "$BR"
ip -n "$BR" link add br0 type bridge
ip -n "$BR" link set br0 up
# attach NAME NS: a veth from the bridge (NAME) to NS's eth1
attach() {
	ip netns add "$2"
	defer ip netns del "$2"
	ip -n "$BR" link add "$1" type veth peer name eth1 netns "$2"
	ip -n "$BR" link set "$1" master br0 up
	ip -n "$2" link set lo up
	ip -n "$2" link set eth1 up
}
for i in 1 2 3; do
	attach "v$i" "$(ns "$i")"
	ip -n "$(ns "$i")" addr add "10.77.0.$i/24" dev eth1
	ip -n "$(ns "$i")" addr add "2001:db8:77::$i/64" dev eth1 nodad
done
attach vc "$CL"
ip -n "$CL" addr add 10.77.0.100/24 dev eth1
ip -n "$CL" addr add 2001:db8:77::100/64 dev eth1 nodad

# ----------------------------------------------------------- configuration
for i in 1 2 3; do
	mkdir -p "$TMP/n$i/lib" "$TMP/n$i/run"
	cat >"$TMP/n$i/array.yaml" <<YAML
node: n$i
cluster:
  name: dlba-it
  token: 1000ms
  nodes:
    - {name: n1, id: 1, address: 10.77.0.1, priority: 100}
    - {name: n2, id: 2, address: 10.77.0.2, priority: 100}
    - {name: n3, id: 3, address: 10.77.0.3, priority: 50}
vips:
  - name: web
    interface: eth1
    addresses: [$VIP/32, $VIP6/64]
    announce: {count: 3, interval: 100ms}
sweep: {interval: 200ms, timeout: 300ms, retries: 0, fall: 1, rise: 1}
members:
  - service: $VIP:80/tcp
    server: 1
    check: {type: http, address: 10.77.0.100:8080, path: /, expect: 200}
status:
  unix: $TMP/n$i/status.sock
  metrics: 127.0.0.1:9102
config:
  control: $TMP/n$i/control.sock
  state_dir: $TMP/n$i/state
YAML
	"$ARRAYD" --corosync-conf -c "$TMP/n$i/array.yaml" >"$TMP/n$i/corosync.conf"
	check_err $? "dlba-arrayd --corosync-conf n$i"
done
log_test "arrayd: corosync.conf generated for three nodes"

# The swept member: a plain HTTP server in the client's namespace (only the active scheduler
# sweeps; without dlba.ko here, marking it fails and is retried, which the status shows)
ip netns exec "$CL" python3 -m http.server --bind 10.77.0.100 8080 --directory "$TMP" \
	>"$TMP/http.log" 2>&1 &
HTTP_PID=$!
defer wait "$HTTP_PID"
defer kill "$HTTP_PID"

declare -A COROSYNC ARRAYD_PID
# start_node I: corosync, then dlba-arrayd, in node I's namespace, each in a mount namespace with
# the node's /var/lib/corosync and /run
start_node() {
	local i=$1 d=$TMP/n$1
	ip netns exec "$(ns "$i")" unshare --mount sh -c \
		"mount --bind $d/lib /var/lib/corosync && mount --bind $d/run /run &&
		 exec corosync -f -c $d/corosync.conf" >>"$d/corosync.log" 2>&1 &
	COROSYNC[$i]=$!
	defer wait "${COROSYNC[$i]}"
	defer kill -9 "${COROSYNC[$i]}"
	ip netns exec "$(ns "$i")" unshare --mount sh -c \
		"mount --bind $d/run /run && exec $ARRAYD -v -c $d/array.yaml" >>"$d/arrayd.log" 2>&1 &
	ARRAYD_PID[$i]=$!
	defer wait "${ARRAYD_PID[$i]}"
	defer kill -9 "${ARRAYD_PID[$i]}"
}
# stop_node I: kill -9 of both (a crash); bash's notices of the killed jobs are not news
stop_node() {
	{
		kill -9 "${COROSYNC[$1]}" "${ARRAYD_PID[$1]}"
		wait "${COROSYNC[$1]}" "${ARRAYD_PID[$1]}"
	} 2>/dev/null
}

# status I: node I's status document
status() {
	python3 - "$TMP/n$1/status.sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(2)
s.connect(sys.argv[1])
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
sys.stdout.write(data.decode())
PY
}
# members_are I N: node I is quorate with N members (called through wait_for)
# shellcheck disable=SC2317
members_are() { [ "$(status "$1" | jq -r '"\(.quorate) \(.members | length)"')" = "true $2" ]; }
# holds I: node I has the VIP (on lo, as a host address: dlba-arrayd answers ARP for it on eth1)
holds() { ip -n "$(ns "$1")" -4 addr show dev lo | grep -q "inet $VIP/32"; }
# holders: the nodes that have the VIP
holders() {
	local i
	for i in 1 2 3; do
		holds "$i" && printf 'n%s ' "$i"
	done
}
only_holder() { [ "$(holders)" = "$1 " ]; }
# holders_live I: the same without node I while it is down (a crashed node's addresses stay on its
# lo until its dlba-arrayd starts again and removes them)
holders_live() { holders | sed "s/n$1 //"; }
mac_of() { ip -n "$(ns "$1")" -j link show dev eth1 | jq -r '.[0].address'; }
client_mac() { ip -n "$CL" -j neigh show "$VIP" dev eth1 | jq -r '.[0].lladdr // empty'; }
client_mac6() { ip -n "$CL" -j neigh show "$VIP6" dev eth1 | jq -r '.[0].lladdr // empty'; }
# client_has MAC: the client's neighbour entry for the VIP has MAC (called through wait_for)
# shellcheck disable=SC2317
client_has() { [ "$(client_mac)" = "$1" ]; }
# arp_answerers: the MAC addresses that answer one ARP request for the VIP from the client,
# within a second, sorted, one a line
arp_answerers() {
	ip netns exec "$CL" python3 - "$VIP" "$(ip -n "$CL" -j link show dev eth1 | jq -r '.[0].address')" <<'PY'
import socket, sys, time
vip = socket.inet_aton(sys.argv[1])
mac = bytes.fromhex(sys.argv[2].replace(":", ""))
me = socket.inet_aton("10.77.0.100")
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
s.bind(("eth1", 0))
s.settimeout(0.1)
req = (b"\xff" * 6 + mac + b"\x08\x06" + b"\x00\x01\x08\x00\x06\x04\x00\x01" + mac + me
       + b"\x00" * 6 + vip)
s.send(req)
seen = set()
end = time.time() + 1
while time.time() < end:
    try:
        f = s.recv(2048)
    except socket.timeout:
        continue
    if len(f) >= 42 and f[20:22] == b"\x00\x02" and f[28:32] == vip and f[38:42] == me:
        seen.add(":".join("%02x" % b for b in f[22:28]))
print("\n".join(sorted(seen)))
PY
}
# now_ms: a monotonic-enough clock in milliseconds
now_ms() { date +%s%3N; }

dump_logs() {
	local i
	for i in 1 2 3; do
		echo "--- n$i arrayd.log"
		tail -n 30 "$TMP/n$i/arrayd.log"
		echo "--- n$i corosync.log"
		tail -n 10 "$TMP/n$i/corosync.log"
	done
}

# ------------------------------------------------------------------ scenarios
for i in 1 2 3; do start_node "$i"; done
for i in 1 2 3; do
	wait_for 20 members_are "$i" 3
	check_err $? "n$i: not quorate with 3 members within 20 s"
done
log_test "arrayd: three nodes form a quorate array"

wait_for 5 only_holder n2
check_err $? "holders: '$(holders)', expected n2 alone"
ip netns exec "$CL" ping -c 1 -W 2 "$VIP" >/dev/null
check_err $? "the client does not reach $VIP"
ip netns exec "$CL" ping -6 -c 1 -W 2 "$VIP6" >/dev/null
check_err $? "the client does not reach $VIP6 (neighbour solicitation answered by dlba-arrayd)"
[ "$(client_mac6)" = "$(mac_of 2)" ]
check_err $? "client's neighbour entry for $VIP6: '$(client_mac6)', expected n2's $(mac_of 2)"
[ "$(status 1 | jq -r '.vips[0].holder')" = n2 ]
check_err $? "n1's status does not name n2 as the holder"
ip netns exec "$(ns 2)" curl -sf http://127.0.0.1:9102/metrics |
	grep -qx 'dlba_arrayd_vip_active{group="web"} 1'
check_err $? "n2's metrics do not say it holds the VIP group"
log_test "arrayd: one holder (n2: equal priority, higher address), client reaches it, status agrees"

# A real node's status web page (n1, a standby) in headless Chromium: the members, the quorum, n2
# as the holder; without dlba.ko here, no tables but the reason.  The DOM and a screenshot are kept
# as arrayd_it_failover_page.{html,png} with the results (else in $TMP).
if chrome_find; then
	CHROME_TMP=$TMP/chrome
	mkdir -p "$CHROME_TMP"
	PAGE=${DLBA_IT_RESULTS:-$TMP}/${KSFT_NAME}_page
	chrome_render "http://127.0.0.1:9102/?refresh=1" "$PAGE" 1600x1000 ip netns exec "$(ns 1)"
	check_err $? "Chromium did not render n1's status page"
	status 1 >"$TMP/n1-status.json"
	array_page_check "$PAGE.html" "$TMP/n1-status.json"
	check_err $? "n1's status page does not show the array as its status document has it"
	log_test "arrayd: n1's status page (headless Chromium) shows the members and n2 as the holder"
else
	log_test_skip "arrayd: n1's status page in headless Chromium" "no headless Chromium"
fi

# ------------------------------------------------------------ configuration push
cat >"$TMP/dlba.conf" <<CONF
services:
  - service: $VIP:80/tcp
    buckets: 1024
    servers:
      - {id: 1, addr: 10.77.0.100, method: nat, port: 8080}
CONF
printf 'services:\n  - service: %s:80/tcp\n    buckts: 1024\n' "$VIP" >"$TMP/bad.conf"
# push I FILE: `dlba-arrayd push FILE` on node I; its output in $TMP/push.out
push() { "$ARRAYD" -c "$TMP/n$1/array.yaml" push "$2" >"$TMP/push.out" 2>&1; }
# config_is I GEN DIGEST: node I's status has that configuration (called through wait_for)
# shellcheck disable=SC2317
config_is() { [ "$(status "$1" | jq -r '"\(.config.generation) \(.config.digest)"')" = "$2 $3" ]; }
digest_of() { sha256sum "$1" | cut -d' ' -f1; }

push 3 "$TMP/bad.conf"
rc=$?
[ "$rc" = 1 ] && grep -q "bad.conf:3:" "$TMP/push.out" && grep -q "nothing sent" "$TMP/push.out"
check_err $? "push of an invalid file: exit $rc, $(cat "$TMP/push.out")"
[ "$(status 1 | jq -r '.config.generation')" = null ]
check_err $? "an invalid file reached n1: $(status 1 | jq -c '.config')"
log_test "arrayd: config push: an invalid file is refused at FILE:LINE, nothing sent"

d1=$(digest_of "$TMP/dlba.conf")
push 3 "$TMP/dlba.conf"
rc=$?
log_info "push on n3: exit $rc: $(head -c 300 "$TMP/push.out")"
# Without dlba.ko the apply fails and says so; with it (not here), it succeeds.
if [ "$rc" = 0 ]; then
	grep -q "generation 1 (sha256 $d1) pushed to the array; applied on n3" "$TMP/push.out"
else
	[ "$rc" = 1 ] && grep -q "generation 1 (sha256 $d1) pushed to the array, but not applied on n3: .*dlba" "$TMP/push.out"
fi
check_err $? "push on n3: exit $rc, $(cat "$TMP/push.out")"
for i in 1 2 3; do
	wait_for 5 config_is "$i" 1 "$d1"
	check_err $? "n$i's configuration: $(status "$i" | jq -c '.config')"
	if [ "$rc" != 0 ]; then
		status "$i" | jq -e '.config.failures == 1 and .config.applied_generation == 0 and
			(.config.last_error | test("dlba"))' >/dev/null
		check_err $? "n$i does not report the failed apply: $(status "$i" | jq -c '.config')"
	fi
	kill -0 "${ARRAYD_PID[$i]}"
	check_err $? "n$i's dlba-arrayd died after a push"
done
ip netns exec "$(ns 1)" curl -sf http://127.0.0.1:9102/metrics | grep -qx 'dlba_arrayd_config_generation 1'
check_err $? "n1's metrics have no dlba_arrayd_config_generation 1"
log_test "arrayd: config push on a standby reaches every node (generation 1, same digest)"

# sweeping I: node I's sweeps have found the member up (called through wait_for)
# shellcheck disable=SC2317 # called through wait_for
sweeping() { [ "$(status "$1" | jq -r '.sweep.members[0].state // empty')" = up ]; }
wait_for 5 sweeping 2
check_err $? "n2 (active) does not sweep the member up: $(status 2 | jq -c '.sweep')"
[ "$(status 1 | jq -c '.sweep')" = null ] && [ "$(status 3 | jq -c '.sweep')" = null ]
check_err $? "a standby sweeps: n1 $(status 1 | jq -c '.sweep.running'), n3 $(status 3 | jq -c '.sweep.running')"
ip netns exec "$(ns 2)" curl -sf http://127.0.0.1:9102/metrics | grep -q '^dlba_array_member_up{'
check_err $? "n2's metrics have no dlba_array_member_up"
log_test "arrayd: the active scheduler alone sweeps the member (HTTP check up), standbys do not"

old_mac=$(client_mac)
t0=$(now_ms)
stop_node 2
ip -n "$(ns 2)" link set eth1 down
wait_for "$BOUND_S" holds 1
check_err $? "after n2 died, holders: '$(holders_live 2)' (n2 left out), expected n1"
took=$(($(now_ms) - t0))
[ "$(holders_live 2)" = "n1 " ]
check_err $? "after n2 died, holders: '$(holders_live 2)' (n2 left out), expected n1 alone"
log_info "takeover after the holder died: ${took} ms (bound ${BOUND_S} s)"
new_mac=$(mac_of 1)
wait_for 2 client_has "$new_mac"
check_err $? "client's neighbour entry for $VIP: '$(client_mac)' (was '$old_mac'), expected n1's $new_mac"
ip netns exec "$CL" ping -c 1 -W 2 "$VIP" >/dev/null
check_err $? "the client does not reach $VIP on n1"
wait_for 5 sweeping 1
check_err $? "n1 (the new holder) does not sweep: $(status 1 | jq -c '.sweep')"
log_test "arrayd: holder killed: n1 takes the VIP in ${took} ms, gratuitous ARP moves the client, n1 sweeps"

# A push while n2 is down: n2 catches up when it returns.
sed 's/port: 8080/port: 8081/' "$TMP/dlba.conf" >"$TMP/dlba2.conf"
d2=$(digest_of "$TMP/dlba2.conf")
push 1 "$TMP/dlba2.conf"
for i in 1 3; do
	wait_for 5 config_is "$i" 2 "$d2"
	check_err $? "n$i's configuration after the second push: $(status "$i" | jq -c '.config')"
done

ip -n "$(ns 2)" link set eth1 up
# (a link going down takes its IPv6 addresses with it: keep_addr_on_down is 0)
ip -n "$(ns 2)" addr replace 2001:db8:77::2/64 dev eth1 nodad
start_node 2
for i in 1 2 3; do
	wait_for 20 members_are "$i" 3
	check_err $? "n$i: not quorate with 3 members after n2 came back"
done
wait_for 5 config_is 2 2 "$d2"
check_err $? "n2 did not catch up with generation 2: $(status 2 | jq -c '.config')"
log_test "arrayd: config push while a node is down: it catches up when it returns"
sleep 1
only_holder n1
check_err $? "after n2 came back, holders: '$(holders)', expected n1 alone (no preemption)"
[ "$(status 2 | jq -r '.vips[0].holder + " " + (.vips[0].active | tostring)')" = "n1 false" ]
check_err $? "n2's status: $(status 2 | jq -c '.vips[0]')"
log_test "arrayd: the old holder returns as a standby, the VIP stays on n1"

# The holder crashes, its kernel and link live on: only the living answer ARP for the VIP.
old_mac=$(client_mac)
t0=$(now_ms)
stop_node 1
wait_for "$BOUND_S" holds 2
check_err $? "after n1 was killed, holders: '$(holders_live 1)' (n1 left out), expected n2"
took=$(($(now_ms) - t0))
[ "$(holders_live 1)" = "n2 " ]
check_err $? "after n1 was killed, holders: '$(holders_live 1)' (n1 left out), expected n2 alone"
new_mac=$(mac_of 2)
wait_for 2 client_has "$new_mac"
check_err $? "client's neighbour entry for $VIP: '$(client_mac)' (was '$old_mac'), expected n2's $new_mac"
ip -n "$CL" neigh flush dev eth1
ip netns exec "$CL" ping -c 1 -W 2 "$VIP" >/dev/null
check_err $? "the client does not reach $VIP on n2 after a neighbour flush"
ip netns exec "$CL" ping -6 -c 1 -W 2 "$VIP6" >/dev/null
check_err $? "the client does not reach $VIP6 on n2 after a neighbour flush"
[ "$(client_mac6)" = "$new_mac" ]
check_err $? "after a flush the client resolved $VIP6 to '$(client_mac6)', expected n2's $new_mac"
[ "$(client_mac)" = "$new_mac" ]
check_err $? "after a flush the client resolved $VIP to '$(client_mac)', expected n2's $new_mac"
answerers=$(arp_answerers | tr '\n' ' ')
[ "$answerers" = "$new_mac " ]
check_err $? "ARP for $VIP answered by '$answerers', expected n2's $new_mac alone (n1 $(mac_of 1) is dead)"
[ "$(status 2 | jq -r '.vips[0].arp_replies')" -gt 0 ] 2>/dev/null &&
	[ "$(status 2 | jq -r '.vips[0].na_replies')" -gt 0 ] 2>/dev/null
check_err $? "n2's status counts no ARP or NA replies: $(status 2 | jq -c '.vips[0]')"
log_info "takeover after the holder was killed (link up): ${took} ms"
log_test "arrayd: holder killed with its link up: n2 alone answers ARP for the VIP, no ARP war"

start_node 1
for i in 1 2 3; do
	wait_for 20 members_are "$i" 3
	check_err $? "n$i: not quorate with 3 members after n1 came back"
done
sleep 1
only_holder n2
check_err $? "after n1 came back, holders: '$(holders)', expected n2 alone (n1 removed its leftover)"
log_test "arrayd: the killed holder returns as a standby and removes its leftover VIP"

t0=$(now_ms)
ip -n "$BR" link set v2 down
wait_for "$BOUND_S" only_holder n1
check_err $? "after n2 was cut off, holders: '$(holders)', expected n1 alone"
took=$(($(now_ms) - t0))
log_info "partition: n2 dropped the VIP, n1 holds it after ${took} ms"
[ "$(status 2 | jq -r '.quorate')" = false ]
check_err $? "n2 cut off still says it is quorate"
ip netns exec "$CL" ping -c 1 -W 2 "$VIP" >/dev/null
check_err $? "the client does not reach $VIP on n1"
log_test "arrayd: partition: the isolated holder drops the VIP, the majority elects n1"

# gone PID: the process has exited (called through wait_for)
# shellcheck disable=SC2317
gone() { ! kill -0 "$1" 2>/dev/null || [ "$(ps -o stat= -p "$1")" = Z ]; }
{
	kill -9 "${COROSYNC[3]}"
	wait "${COROSYNC[3]}"
} 2>/dev/null
wait_for 10 gone "${ARRAYD_PID[3]}"
check_err $? "n3's dlba-arrayd still runs 10 s after its corosync died"
wait "${ARRAYD_PID[3]}"
rc=$?
[ "$rc" = 1 ]
check_err $? "n3's dlba-arrayd exited $rc after its corosync died, expected 1"
log_test "arrayd: corosync gone: dlba-arrayd exits 1 (systemd restarts it)"

[ "$NUM_FAIL" = 0 ] || dump_logs
for i in 1 2 3; do stop_node "$i"; done
exit "$(exit_status)"
