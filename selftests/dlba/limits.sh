#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Documented limits and guarantees of the admin interface (admin guide,
# Limits; dlbactl(8)):
#   - /dev/dlba is root's (mode 0600): an unprivileged user cannot open it;
#     without CAP_NET_ADMIN servers and buckets are not read (EPERM)
#   - server set --weight leaves every assigned bucket where it is
#   - 1024 servers per service: all usable; the 1025th is refused with a
#     clear message and changes nothing; a freed slot is usable at once
#   - 4194304 buckets per service: created and used; 8388608 refused (by
#     dlbactl and by the kernel) and nothing changed
#   - dlbactl without the module: a clear error, no crash; loads again
#
#   CLI ---- LB (dlba.ko; VIP 198.18.100.10, dlbactl, /dev/dlba) ---- br0 --+-- S1 nginx
#                                                                      +-- S2 nginx
#                                                                      +-- S3 nginx
#   (addresses: selftests/net/lb_topo.sh; servers 4..1024 of the big
#   service are tun servers at 10.1.x.y with weight 0: never used)
# check: oldest kernel only (make check: limits of the admin interface, no kernel API that differs
# between versions)
source "$(dirname "$(readlink -f "$0")")/../net/lib.sh"
source "$SELFTESTS_DIR/net/lb_topo.sh"
source "$SELFTESTS_DIR/net/dlba_lib.sh"

# shellcheck disable=SC2034 # read by selftests/run.sh
# shellcheck disable=SC2034 # read from this file's text by selftests/run.sh
PLAN=8

require_cmd setpriv
dlba_setup

V4=$(svc 4)

nobody() {
	ip netns exec "$LB" setpriv --reuid=nobody --regid=nogroup --clear-groups \
		--inh-caps=-all --bounding-set=-all "$DLBACTL" "$@"
}

# ------------------------------------------------------------- /dev/dlba
perm=$(stat -c '%a %U %G' /dev/dlba 2>&1)
[ "$perm" = "600 root root" ] || fail "/dev/dlba is '$perm', not '600 root root'"
err=$(nobody -j dump services 2>&1 >/dev/null)
rc=$?
[ "$rc" = 1 ] && [ "$err" = "dlbactl: /dev/dlba: Permission denied" ] ||
	fail "unprivileged dump: exit $rc, '$err'"
out=$(ip netns exec "$LB" setpriv --reuid=nobody --regid=nogroup --clear-groups \
	--inh-caps=-all --bounding-set=-all "$PYTHON" -c '
import errno
try:
    open("/dev/dlba", "rb")
    print("opened")
except OSError as e:
    print(errno.errorcode[e.errno])' 2>&1)
[ "$out" = EACCES ] || fail "unprivileged open of /dev/dlba: $out"
lbctl -j dump services >/dev/null
check_err $? "root cannot read /dev/dlba"
log_test "dlba: /dev/dlba is 0600 root: open as nobody fails with EACCES, root reads it"

# ---------------------------------------------------- weight keeps buckets
svc_setup 4 dr tcp "1 1 1" --buckets 1024
check_err $? "service setup failed"
# shellcheck disable=SC2046
http_many 4 60 / "${CLI_EXTRA4[@]}" >/dev/null
bucket_ids "$V4" "$TESTDIR/w-before.json"
v0=$(summary "$V4" | jq .version)
c0=$(lbctl -j server list "$V4" | jq -c 'map(.buckets)')
run_cmd lbctl server set "$V4" --id 1 --weight 5 &&
	run_cmd lbctl server set "$V4" --id 2 --weight 0 &&
	run_cmd lbctl server set "$V4" --id 3 --weight 65535
check_err $? "server set --weight failed"
bucket_ids "$V4" "$TESTDIR/w-after.json"
[ "$(lbctl -j server list "$V4" | jq -c 'map(.weight)')" = "[5,0,65535]" ] || fail "weights not set"
cmp -s "$TESTDIR/w-before.json" "$TESTDIR/w-after.json" ||
	fail "assignment array changed: $(jq -n --slurpfile a "$TESTDIR/w-before.json" --slurpfile b "$TESTDIR/w-after.json" \
		'[range(0; $a[0] | length) as $i | select($a[0][$i] != $b[0][$i])] | length') buckets"
[ "$(summary "$V4" | jq .version)" = "$v0" ] || fail "version $v0 -> $(summary "$V4" | jq .version)"
[ "$(lbctl -j server list "$V4" | jq -c 'map(.buckets)')" = "$c0" ] || fail "per-server counts changed"
[ "$(jq '[.[] | select(. != 0)] | length' "$TESTDIR/w-before.json")" -gt 0 ] || fail "no bucket was assigned"
log_test "dlba: server set --weight 5/0/65535 leaves every assigned bucket in place (version $v0)"

# ------------------------------------------- /dev/dlba reads need NET_ADMIN
# root's uid opens the device, but without CAP_NET_ADMIN only the service
# list is read: servers and the bucket table are refused (as netlink does)
rootnocap() {
	ip netns exec "$LB" setpriv --inh-caps=-all --bounding-set=-all "$DLBACTL" "$@"
}
out=$(rootnocap -j dump services 2>&1)
check_err $? "dump services without CAP_NET_ADMIN failed: $out"
[ "$(jq length <<<"$out" 2>/dev/null)" = 1 ] || fail "dump services without CAP_NET_ADMIN: '$out'"
for what in servers buckets; do
	err=$(rootnocap -j dump "$what" "$V4" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" = 1 ] && grep -q 'Operation not permitted' <<<"$err" ||
		fail "dump $what without CAP_NET_ADMIN: exit $rc, '$err'"
done
lbctl -j dump servers "$V4" >/dev/null && lbctl -j dump buckets "$V4" >/dev/null
check_err $? "root with CAP_NET_ADMIN cannot dump servers/buckets"
log_test "dlba: /dev/dlba without CAP_NET_ADMIN: services listed, servers and buckets EPERM"
lbctl flush

# ----------------------------------------------------------- 1024 servers
# ids 1-3: the real servers (dr); 4-1024: tun at 10.1.x.y, weight 0
conf=$TESTDIR/big.yaml
{
	echo "services:"
	echo "  - service: $V4"
	echo "    buckets: 4096"
	echo "    servers:"
	for i in 1 2 3; do
		echo "      - {id: $i, addr: $(srv_addr4 "$i"), mac: \"$(srv_mac "$i")\", method: dr}"
	done
	for ((i = 4; i <= 1024; i++)); do
		echo "      - {id: $i, addr: 10.1.$((i / 256)).$((i % 256)), method: tun, weight: 0}"
	done
} >"$conf"
# (apply prints a line per server: keep only its errors)
err=$(lbctl apply -f "$conf" 2>&1 >/dev/null)
check_err $? "apply of 1024 servers failed: $err"
[ "$(svc_json "$V4" | jq .nservers)" = 1024 ] || fail "nservers $(svc_json "$V4" | jq .nservers)"
[ "$(lbctl -j server list "$V4" | jq length)" = 1024 ] || fail "server list does not show 1024"
out=$(http_many 4 30 /)
cnt=$(count_servers <<<"$out")
[ "$(field err "$cnt")" = 0 ] || fail "requests failed: $cnt"
[ "$(summary "$V4" | jq -r '.servers | keys | map(tonumber) | max')" -le 3 ] || fail "a weight 0 server got buckets"
log_test "dlba: a service with 1024 servers serves clients ($cnt)"

tables_snapshot "$TESTDIR/t-before"
err=$(lbctl server add "$V4" --id 1025 --addr 10.1.4.1 --method tun 2>&1 >/dev/null)
rc=$?
tables_snapshot "$TESTDIR/t-after"
[ "$rc" = 1 ] || fail "the 1025th server add: exit $rc"
[ "$err" = "dlbactl: service has the maximum number of servers: No space left on device" ] ||
	fail "message: '$err'"
cmp -s "$TESTDIR/t-before" "$TESTDIR/t-after" || fail "the refused add changed the tables"
# a slot freed just now is taken again (after an RCU grace period)
run_cmd lbctl server del "$V4" --id 7 && run_cmd lbctl server add "$V4" --id 2000 --addr 10.1.8.1 --method tun --weight 0
check_err $? "del + add at the limit failed"
[ "$(lbctl -j server list "$V4" | jq '[.[].id] | (length == 1024 and (index(2000) != null) and (index(7) == null))')" = true ] ||
	fail "server list after del 7 / add 2000 is wrong"
log_test "dlba: the 1025th server is refused (${err#dlbactl: }), nothing changed; a freed slot is reused"
lbctl flush

# ---------------------------------------------------------- 4194304 buckets
run_cmd lbctl service add "$V4" --buckets 4194304
check_err $? "service add --buckets 4194304 failed"
for i in 1 2 3; do srv_add 4 dr tcp "$i" 1 || fail "server add $i failed"; done
out=$(http_many 4 30 / "${CLI_EXTRA4[@]}")
cnt=$(count_servers <<<"$out")
sum=$(summary "$V4")
[ "$(field err "$cnt")" = 0 ] || fail "requests failed: $cnt"
[ "$(svc_json "$V4" | jq .buckets)" = 4194304 ] && [ "$(jq .count <<<"$sum")" = 4194304 ] ||
	fail "table size: $(svc_json "$V4" | jq .buckets) / $(jq .count <<<"$sum")"
a=$(jq '.count - .unassigned' <<<"$sum")
[ "$a" -ge 1 ] && [ "$a" -le 30 ] && [ "$(jq '[.servers[]] | add' <<<"$sum")" = "$a" ] ||
	fail "assigned buckets: $(jq -c . <<<"$sum")"
log_test "dlba: a service with 4194304 buckets serves clients ($cnt, $a buckets assigned)"

tables_snapshot "$TESTDIR/t-before"
err=$(lbctl service add "$(svc 4 8081)" --buckets 8388608 2>&1 >/dev/null)
rc=$?
[ "$rc" = 1 ] && grep -q '^dlbactl: bucket count must be a power of two from 16 to 4194304' <<<"$err" ||
	fail "dlbactl service add --buckets 8388608: exit $rc, '$err'"
# the kernel's own check, bypassing dlbactl's
out=$(ip netns exec "$LB" "$PYTHON" - "$SELFTESTS_DIR/net" "$VIP4" <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
import dlba_genl as d
g = d.Genl()
d.report("buckets-8388608", g.cmd(d.C["DLBA_CMD_SERVICE_NEW"], d.svc_key(
    sys.argv[2], 8081, extra=[d.u32(d.C["DLBA_SVC_A_BUCKETS"], 8388608)])))
EOF
)
grep -q '^CASE buckets-8388608 errno=-22 msg="bucket count must be a power of two from 16 to 4194304"' <<<"$out" ||
	fail "kernel answer to 8388608 buckets: $out"
tables_snapshot "$TESTDIR/t-after"
cmp -s "$TESTDIR/t-before" "$TESTDIR/t-after" || fail "the refused service add changed the tables"
log_test "dlba: 8388608 buckets refused by dlbactl and by the kernel, nothing changed"
lbctl flush

# ------------------------------------------------------ module not loaded
rmmod dlba
check_err $? "rmmod dlba failed"
if modprobe -n -q dlba 2>/dev/null; then
	# genetlink would load an installed dlba.ko on demand
	dlba_load
	log_test_skip "dlbactl without dlba.ko: clear error" "a dlba.ko is installed in /lib/modules (loaded on demand)"
else
	err=$(lbctl service list 2>&1 >/dev/null)
	rc=$?
	[ "$rc" = 1 ] || fail "service list: exit $rc"
	[ "$err" = "dlbactl: generic netlink family 'dlba' not found (is dlba.ko loaded?): No such file or directory" ] ||
		fail "service list: '$err'"
	err=$(lbctl dump services 2>&1 >/dev/null)
	rc=$?
	[ "$rc" = 1 ] && [ "$err" = "dlbactl: /dev/dlba: No such file or directory" ] ||
		fail "dump services: exit $rc, '$err'"
	dlba_load
	check_err $? "insmod failed"
	[ "$(lbctl -j service list)" = "[]" ] || fail "service list after reload: $(lbctl -j service list 2>&1)"
	log_test "dlbactl without dlba.ko: exit 1, clear message, no crash; works after insmod"
fi

dlba_check_dmesg
exit "$(exit_status)"
