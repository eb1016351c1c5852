#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Bad input gets a clear error and changes nothing:
#   - dlbactl: unknown service, wrong family, bucket count 0 / not a power of
#     two / out of range, weight out of range, duplicate server/service, ...
#   - raw generic netlink (net/dlba_genl.py, bypassing dlbactl): malformed
#     and invalid attributes; every rejection must carry an extack message
#   - dlbactl apply -f FILE with errors: FILE:LINE in the message
#   - an unprivileged user: EPERM for every change, reads allowed
# After each group the LB's tables (services, servers, bucket arrays with
# versions) must be byte-for-byte what they were.
#
#   CLI ---- LB (dlba.ko; VIP 198.18.100.10 / fd00:db1a:100::10) ---- br0 --- S1..S3
#   (addresses: selftests/net/lb_topo.sh)
source "$(dirname "$(readlink -f "$0")")/../net/lib.sh"
source "$SELFTESTS_DIR/net/lb_topo.sh"
source "$SELFTESTS_DIR/net/dlba_lib.sh"

require_cmd setpriv
dlba_setup

V4=$(svc 4)
V6=$(svc 6)
VU=$(svc 4 "$UDP_PORT" udp)
OTHER=198.18.100.77:80/tcp

# ------------------------------------------------ baseline via apply -f
CONF=$TESTDIR/dlba.yaml
write_conf() {
	local w3=${1:-3}
	cat <<EOF
# DLBA selftest configuration
services:
  - service: $V4
    buckets: 1024
    timeout: 60
    servers:
      - id: 1
        addr: $(srv_addr4 1)
        mac: $(srv_mac 1)
        method: dr
        weight: 1
      - id: 2
        addr: $(srv_addr4 2)
        mac: $(srv_mac 2)
        method: dr
        weight: 2
      - id: 3
        addr: $(srv_addr4 3)
        mac: $(srv_mac 3)
        method: dr
        weight: $w3
  - service: "$V6"
    buckets: 256
    servers:
      - id: 1
        addr: $(srv_addr6 1)
        method: tun
      - id: 2
        addr: $(srv_addr6 2)
        method: nat
        port: 8080
  - service: $VU
    buckets: 64
    servers:
      - id: 7
        addr: $(srv_addr4 3)
        method: tun
        enabled: false
EOF
}
write_conf >"$CONF"
run_cmd lbctl apply -f "$CONF"
check_err $? "apply of a valid file failed"
[ "$(lbctl -j service list | jq length)" = 3 ] || fail "apply did not create 3 services"
[ "$(lbctl -j server list "$V4" | jq -r 'map(.weight) | sort | join(",")')" = "1,2,3" ] ||
	fail "apply: wrong servers/weights on $V4"
[ "$(lbctl -j server list "$VU" | jq -r '.[0].enabled')" = false ] || fail "apply: enabled: false not applied"
out=$(http_many 4 12 /)
[ "$(field err "$(count_servers <<<"$out")")" = 0 ] || fail "traffic through the applied service failed"
log_test "dlba: apply -f of a valid config creates services and servers"

# dry run: reports, changes nothing; then the real apply changes weight
tables_snapshot "$TESTDIR/t0"
write_conf 5 >"$TESTDIR/changed.yaml"
run_cmd lbctl apply -f "$TESTDIR/changed.yaml" --dry-run
check_err $? "apply --dry-run failed"
tables_snapshot "$TESTDIR/t1"
cmp -s "$TESTDIR/t0" "$TESTDIR/t1" || fail "--dry-run changed the tables"
run_cmd lbctl apply -f "$TESTDIR/changed.yaml"
check_err $? "apply of the changed file failed"
[ "$(lbctl -j server list "$V4" | jq -r '.[] | select(.id == 3) | .weight')" = 5 ] ||
	fail "apply did not change the weight"
run_cmd lbctl apply -f "$CONF"
log_test "dlba: apply --dry-run changes nothing; apply applies the difference"

tables_snapshot "$TESTDIR/base"

# tables_unchanged WHAT: TEST line comparing with the baseline
tables_unchanged() {
	tables_snapshot "$TESTDIR/now"
	if ! cmp -s "$TESTDIR/base" "$TESTDIR/now"; then
		fail "tables changed: $(diff "$TESTDIR/base" "$TESTDIR/now" | head -n 6 | tr '\n' ' ')"
	fi
	log_test "dlba: $1 left the tables unchanged"
}

# ------------------------------------------------------- dlbactl errors
# bad DESC ARGS...: dlbactl must fail with "dlbactl: <message>"
bad() {
	local desc=$1 err rc
	shift
	err=$(lbctl "$@" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" -ne 0 ] || fail "accepted: dlbactl $*"
	grep -Eq '^dlbactl: .{4,}' <<<"$err" || fail "no clear message: '$err'"
	[ "$VERBOSE" = 1 ] && log_info "$desc: $err"
	log_test "dlbactl rejects $desc (${err:0:60})"
}

bad "server add to an unknown service" server add "$OTHER" --id 1 --addr "$(srv_addr4 1)" --method tun
bad "service set of an unknown service" service set "$OTHER" --timeout 10
bad "service del of an unknown service" service del "$OTHER"
bad "IPv6 server address in an IPv4 service" server add "$V4" --id 9 --addr "$(srv_addr6 1)" --method tun
bad "IPv4 server address in an IPv6 service" server add "$V6" --id 9 --addr "$(srv_addr4 1)" --method tun
bad "bucket count 0" service add "$OTHER" --buckets 0
bad "bucket count 1000 (not a power of two)" service add "$OTHER" --buckets 1000
bad "bucket count 8 (below the minimum)" service add "$OTHER" --buckets 8
bad "bucket count 8388608 (above the maximum)" service add "$OTHER" --buckets 8388608
bad "weight 65536 on add" server add "$V4" --id 9 --addr "$(srv_addr4 1)" --method tun --weight 65536
bad "weight 100000 on set" server set "$V4" --id 1 --weight 100000
bad "weight -1" server set "$V4" --id 1 --weight -1
bad "duplicate server id" server add "$V4" --id 1 --addr "$(srv_addr4 1)" --mac "$(srv_mac 1)" --method dr
bad "duplicate service" service add "$V4"
bad "server id 0" server add "$V4" --id 0 --addr "$(srv_addr4 1)" --method tun
bad "server id 70000" server add "$V4" --id 70000 --addr "$(srv_addr4 1)" --method tun
bad "dr server without MAC" server add "$V4" --id 9 --addr "$(srv_addr4 1)" --method dr
bad "malformed MAC" server add "$V4" --id 9 --addr "$(srv_addr4 1)" --method dr --mac 02:00:00:00:00
bad "unknown method" server add "$V4" --id 9 --addr "$(srv_addr4 1)" --method gre
bad "unknown protocol" service add 198.18.100.77:80/sctp
bad "malformed service address" service add 198.18.100.777:80/tcp
bad "set of an unknown server id" server set "$V4" --id 4242 --weight 2
bad "del of an unknown server id" server del "$V4" --id 4242
bad "timeout 0" service set "$V4" --timeout 0
bad "panic on an unknown service" panic on "$OTHER"
bad "buckets of an unknown service" buckets "$OTHER"
tables_unchanged "rejected dlbactl commands"

# ----------------------------------------------------------- raw netlink
genl() {
	ip netns exec "$LB" "$PYTHON" "$SELFTESTS_DIR/net/dlba_genl.py" "$@" \
		--vip4 "$VIP4" --port 80 --srv4 "$(srv_addr4 1)"
}
out=$(genl good)
grep -q '^CASE good-service-new errno=0 ' <<<"$out" && grep -q '^CASE good-service-del errno=0 ' <<<"$out" &&
	grep -Eq '^CASE good-bkt-dump errno=0 .* replies=[1-9][0-9]*$' <<<"$out"
check_err $? "a valid raw request was refused: $out"
log_test "netlink: well-formed raw SERVICE_NEW/DEL and a bucket dump are accepted (sender sanity)"

out=$(genl bad)
[ -n "$out" ] || { fail "dlba_genl.py bad printed nothing"; log_test "netlink: malformed cases ran"; }
re='^CASE ([^ ]+) errno=(-?[0-9]+) msg="(.*)" offs=([^ ]*) replies=([0-9]+)$'
while IFS= read -r l; do
	if ! [[ $l =~ $re ]]; then
		fail "bad output: $l"
		log_test "netlink: malformed case output"
		continue
	fi
	name=${BASH_REMATCH[1]} errno=${BASH_REMATCH[2]} msg=${BASH_REMATCH[3]}
	replies=${BASH_REMATCH[5]}
	[ "$errno" -lt 0 ] || fail "accepted (errno $errno)"
	[ -n "$msg" ] || fail "rejected with errno $errno but no extack message"
	[ "$replies" = 0 ] || fail "rejected, but $replies messages were sent first"
	log_test "netlink rejects $name (errno $errno: ${msg:0:50})"
done <<<"$out"
tables_unchanged "malformed netlink requests"

# --------------------------------------------------- config file errors
# bad_conf NAME SED-EXPR MARKER [OCCURRENCES]: apply a copy of the valid
# file edited by SED-EXPR; the error must name NAME.yaml and the line of
# the OCCURRENCES-th (default 1st; a list: any of them) line holding MARKER.
bad_conf() {
	local name=$1 expr=$2 marker=$3 occ=${4:-1} f err rc n lines='' ok=0 l
	f=$TESTDIR/$name.yaml
	sed -E "$expr" "$CONF" >"$f"
	for n in $occ; do
		lines+=" $(grep -nF -- "$marker" "$f" | sed -n "${n}p" | cut -d: -f1)"
	done
	err=$(lbctl apply -f "$f" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" -ne 0 ] || fail "accepted"
	for l in $lines; do
		grep -Eq "$name\.yaml:$l([^0-9]|\$)" <<<"$err" && ok=1
	done
	[ "$ok" = 1 ] || fail "error does not name $name.yaml:{$lines }: '$err'"
	log_test "apply -f rejects $name at its line ($(head -n1 <<<"$err" | cut -c1-60))"
}
bad_conf weight-range 's/weight: 2$/weight: 70000/' 'weight: 70000'
bad_conf bad-addr "s/addr: $(srv_addr4 2)\$/addr: 198.18.1.300/" 'addr: 198.18.1.300'
bad_conf bad-buckets 's/buckets: 1024$/buckets: 1000/' 'buckets: 1000'
bad_conf dup-id '0,/- id: 2$/s//- id: 1/' '- id: 1' "1 2"
bad_conf bad-method 's/method: nat$/method: bogus/' 'method: bogus'
bad_conf unknown-key 's/timeout: 60$/timout: 60/' 'timout: 60'
bad_conf yaml-syntax 's/^    buckets: 256$/    buckets: 256: 3/' 'buckets: 256: 3'
bad_conf family-mismatch "s/addr: $(srv_addr6 1)\$/addr: $(srv_addr4 1)/" "addr: $(srv_addr4 1)" 2
# a valid new service before an invalid one: nothing applied at all
{
	cat "$CONF"
	cat <<EOF
  - service: 198.18.100.20:443/tcp
    servers:
      - id: 1
        addr: $(srv_addr4 1)
        method: tun
  - service: 198.18.100.21:443/tcp
    servers:
      - id: 1
        addr: $(srv_addr4 1)
        method: tun
        weight: 99999
EOF
} >"$TESTDIR/partial.yaml"
line=$(grep -n 'weight: 99999' "$TESTDIR/partial.yaml" | cut -d: -f1)
err=$(lbctl apply -f "$TESTDIR/partial.yaml" 2>&1 >/dev/null)
check_fail $? "partial.yaml accepted"
grep -q "partial.yaml:$line" <<<"$err" || fail "error does not name partial.yaml:$line: '$err'"
[ "$(lbctl -j service list | jq length)" = 3 ] || fail "the valid part of a bad file was applied"
log_test "apply -f validates the whole file before changing anything"
tables_unchanged "config files with errors"

# ---------------------------------------------------------- unprivileged
nobody() {
	ip netns exec "$LB" setpriv --reuid=nobody --regid=nogroup --clear-groups \
		--inh-caps=-all --bounding-set=-all "$DLBACTL" "$@"
}
eperm() {
	local desc=$1 err rc
	shift
	err=$(nobody "$@" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" -ne 0 ] || fail "unprivileged change accepted"
	grep -q 'Operation not permitted' <<<"$err" || fail "not EPERM: '$err'"
	log_test "unprivileged $desc: EPERM"
}
# nobody must be able to read the files it is handed
chmod 755 "$TESTDIR"
chmod 644 "$TESTDIR"/*.yaml
eperm "service add" service add "$OTHER"
eperm "service set" service set "$V4" --timeout 10
eperm "service del" service del "$V4"
eperm "server add" server add "$V4" --id 9 --addr "$(srv_addr4 1)" --method tun
eperm "server set" server set "$V4" --id 1 --weight 7
eperm "server set --fail" server set "$V4" --id 1 --fail
eperm "server del" server del "$V4" --id 1
eperm "panic on" panic on "$V4"
eperm "flush" flush
eperm "apply -f" apply -f "$TESTDIR/changed.yaml"
run_cmd lbctl buckets save "$V4" -o "$TESTDIR/bkt.save" && chmod 644 "$TESTDIR/bkt.save"
eperm "buckets load" buckets load "$V4" -i "$TESTDIR/bkt.save"
out=$(ip netns exec "$LB" setpriv --reuid=nobody --regid=nogroup --clear-groups \
	--inh-caps=-all --bounding-set=-all "$PYTHON" "$SELFTESTS_DIR/net/dlba_genl.py" new)
grep -q '^CASE good-service-new errno=-1 ' <<<"$out"
check_err $? "raw SERVICE_NEW as nobody not EPERM: $out"
log_test "unprivileged raw netlink SERVICE_NEW: EPERM"

for args in "service list" "server list" "buckets $V4" "buckets $V4 --summary" "stats"; do
	# shellcheck disable=SC2086
	a=$(nobody -j $args 2>&1)
	check_err $? "unprivileged '$args' failed: $a"
	# shellcheck disable=SC2086
	b=$(lbctl -j $args 2>&1)
	if [ "$args" = "buckets $V4" ]; then	# idle times differ between calls
		a=$(jq -c '[.buckets[][0]]' <<<"$a"); b=$(jq -c '[.buckets[][0]]' <<<"$b")
	fi
	[ "$a" = "$b" ] || fail "unprivileged '$args' differs from root's"
	log_test "unprivileged read '$args' allowed"
done
tables_unchanged "unprivileged commands"

dlba_check_dmesg
exit "$(exit_status)"
