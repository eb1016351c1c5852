#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Bad input gets a clear error and changes nothing:
#   - dlbactl: unknown service, wrong family, bucket count 0 / not a power of
#     two / out of range, weight out of range, duplicate server/service, ...
#   - raw generic netlink (net/dlba_genl.py, bypassing dlbactl): malformed
#     and invalid attributes; every rejection must carry an extack message
#   - dlbactl apply -f FILE with errors: FILE:LINE in the message
#   - an unprivileged user: EPERM for every change and for reading servers
#     and buckets; the service list and counters stay readable
# After each group the LB's tables (services, servers, bucket arrays with
# versions) must be byte-for-byte what they were.
#
#   CLI ---- LB (dlba.ko; VIP 198.18.100.10 / fd00:db1a:100::10) ---- br0 --- S1..S3
#   (addresses: selftests/net/lb_topo.sh)
source "$(dirname "$(readlink -f "$0")")/../net/lib.sh"
source "$SELFTESTS_DIR/net/lb_topo.sh"
source "$SELFTESTS_DIR/net/dlba_lib.sh"

require_cmd setpriv
# apply (2), 26 dlbactl errors, 49 netlink cases (+2), 8 config files (+1),
# 18 unprivileged, 4 "tables unchanged"
# shellcheck disable=SC2034 # read from this file's text by selftests/run.sh
PLAN=113

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
# bad DESC REGEX ARGS...: dlbactl must fail with "dlbactl: <message>", the
# message matching REGEX (so that a rejection for another reason fails)
bad() {
	local desc=$1 want=$2 err rc
	shift 2
	err=$(lbctl "$@" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" -ne 0 ] || fail "accepted: dlbactl $*"
	grep -Eq '^dlbactl: .{4,}' <<<"$err" || fail "no clear message: '$err'"
	grep -Eq -- "^dlbactl: .*$want" <<<"$err" || fail "rejected for another reason: '$err' (want /$want/)"
	[ "$VERBOSE" = 1 ] && log_info "$desc: $err"
	log_test "dlbactl rejects $desc (${err:0:60})"
}

bad "server add to an unknown service" 'no such service' server add "$OTHER" --id 1 --addr "$(srv_addr4 1)" --method tun
bad "service set of an unknown service" 'no such service' service set "$OTHER" --timeout 10
bad "service del of an unknown service" 'no such service' service del "$OTHER"
bad "IPv6 server address in an IPv4 service" 'server address family does not match the service' server add "$V4" --id 9 --addr "$(srv_addr6 1)" --method tun
bad "IPv4 server address in an IPv6 service" 'server address family does not match the service' server add "$V6" --id 9 --addr "$(srv_addr4 1)" --method tun
bad "bucket count 0" 'bucket count must be a power of two from 16 to 4194304' service add "$OTHER" --buckets 0
bad "bucket count 1000 (not a power of two)" 'bucket count must be a power of two from 16 to 4194304' service add "$OTHER" --buckets 1000
bad "bucket count 8 (below the minimum)" 'bucket count must be a power of two from 16 to 4194304' service add "$OTHER" --buckets 8
bad "bucket count 8388608 (above the maximum)" 'bucket count must be a power of two from 16 to 4194304' service add "$OTHER" --buckets 8388608
bad "weight 65536 on add" 'out of range \(weight\)' server add "$V4" --id 9 --addr "$(srv_addr4 1)" --method tun --weight 65536
bad "weight 100000 on set" 'out of range \(weight\)' server set "$V4" --id 1 --weight 100000
bad "weight -1" "invalid weight '-1'" server set "$V4" --id 1 --weight -1
bad "duplicate server id" 'server id exists in this service' server add "$V4" --id 1 --addr "$(srv_addr4 1)" --mac "$(srv_mac 1)" --method dr
bad "duplicate service" 'service exists' service add "$V4"
bad "server id 0" 'out of range \(server id\)' server add "$V4" --id 0 --addr "$(srv_addr4 1)" --method tun
bad "server id 70000" 'out of range \(server id\)' server add "$V4" --id 70000 --addr "$(srv_addr4 1)" --method tun
bad "nat server with a MAC" 'only dr servers take a MAC address' server add "$V4" --id 9 --addr "$(srv_addr4 1)" --method nat --mac 02:00:00:00:00:09
bad "malformed MAC" "invalid MAC address '02:00:00:00:00'" server add "$V4" --id 9 --addr "$(srv_addr4 1)" --method dr --mac 02:00:00:00:00
bad "unknown method" "invalid forwarding method 'gre'" server add "$V4" --id 9 --addr "$(srv_addr4 1)" --method gre
bad "unknown protocol" "invalid service '198.18.100.77:80/sctp': protocol must be tcp or udp" service add 198.18.100.77:80/sctp
bad "malformed service address" "invalid service '198.18.100.777:80/tcp': invalid IPv4 address" service add 198.18.100.777:80/tcp
bad "set of an unknown server id" 'no such server' server set "$V4" --id 4242 --weight 2
bad "del of an unknown server id" 'no such server' server del "$V4" --id 4242
bad "timeout 0" 'out of range \(timeout\)' service set "$V4" --timeout 0
bad "panic on an unknown service" 'no such service' panic on "$OTHER"
bad "buckets of an unknown service" 'no such service' buckets "$OTHER"
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

# Every malformed request: its errno and a word of its extack message, so
# that a request refused for another reason (or by another check) fails.
declare -A WANT=(
	[svc-missing-nest]='-22 missing service'
	[svc-not-nested]='-22 NLA_F_NESTED is missing'
	[svc-missing-port]='-22 service key needs family, address, port and protocol'
	[svc-port-u32]='-22 invalid attribute length'
	[svc-port-zero]='-34 integer out of range'
	[svc-addr-5-bytes]='-22 address must be 4 \(IPv4\) or 16 \(IPv6\) bytes'
	[svc-family-unknown]='-97 family must be AF_INET or AF_INET6'
	[svc-family-mismatch]='-22 address length does not match the family'
	[svc-proto-gre]='-93 protocol must be TCP or UDP'
	[svc-buckets-zero]='-22 bucket count must be a power of two'
	[svc-buckets-1000]='-22 bucket count must be a power of two'
	[svc-buckets-8]='-22 bucket count must be a power of two'
	[svc-buckets-too-big]='-22 bucket count must be a power of two'
	[svc-timeout-zero]='-34 integer out of range'
	[svc-timeout-too-big]='-34 integer out of range'
	[svc-mode-unknown]='-34 integer out of range'
	[svc-unknown-attr]='-22 Unknown attribute type'
	[svc-duplicate]='-17 service exists'
	[svc-set-unknown]='-2 no such service'
	[svc-set-buckets]='-22 bucket count is fixed at creation'
	[svc-del-unknown]='-2 no such service'
	[svc-hash-key-15-bytes]='-34 binary attribute size out of range'
	[svc-set-hash-key]='-22 hash key is fixed at creation'
	[svc-truncated-attr]='-22 bytes leftover after parsing attributes'
	[top-unknown-attr]='-22 Unknown attribute type'
	[srv-unknown-service]='-2 no such service'
	[srv-missing-nest]='-22 missing server'
	[srv-id-zero]='-34 integer out of range'
	[srv-id-too-big]='-34 integer out of range'
	[srv-missing-addr]='-22 server needs an id and an address'
	[srv-addr-wrong-family]='-22 server address family does not match the service'
	[srv-weight-too-big]='-34 integer out of range'
	[srv-method-unknown]='-34 integer out of range'
	[srv-mac-5-bytes]='-34 binary attribute size out of range'
	[srv-nat-with-mac]='-22 only dr servers take a MAC address'
	[srv-duplicate-id]='-17 server id exists in this service'
	[srv-enabled-2]='-34 integer out of range'
	[srv-set-unknown-id]='-2 no such server'
	[srv-set-weight-too-big]='-34 integer out of range'
	[srv-del-unknown-id]='-2 no such server'
	[bkt-assign-odd-length]='-22 assignment array must be whole u32 server ids'
	[bkt-start-beyond]='-34 buckets out of the table.s range'
	[bkt-unknown-server]='-22 names a server id not in'
	[bkt-other-hash-key]='-22 table was made under another hash key'
	[panic-missing-value]='-22 missing panic state'
	[panic-value-2]='-34 integer out of range'
	[dump-bkt-unknown-service]='-2 no such service'
	[dump-bkt-missing-service]='-22 missing service'
	[dump-bkt-proto-gre]='-93 protocol must be TCP or UDP'
	[dump-bkt-family-mismatch]='-22 address length does not match the family'
	[dump-srv-unknown-service]='-2 no such service'
	[dump-srv-missing-port]='-22 service key needs family, address, port and protocol'
)
out=$(genl bad)
rc=$?
declare -A SEEN=()
planned=$(sed -n 's/^CASES \([0-9]*\)$/\1/p' <<<"$out")
[ "$rc" = 0 ] || fail "dlba_genl.py bad exited $rc"
[ "$planned" = "${#WANT[@]}" ] || fail "the sender plans ${planned:-no} cases, the test knows ${#WANT[@]}"
log_test "netlink: the sender ran all ${#WANT[@]} malformed cases (planned ${planned:-?})"
re='^CASE ([^ ]+) errno=(-?[0-9]+) msg="(.*)" offs=([^ ]*) replies=([0-9]+)$'
while IFS= read -r l; do
	[[ $l == CASES* ]] && continue
	if ! [[ $l =~ $re ]]; then
		fail "bad output: $l"
		log_test "netlink: malformed case output"
		continue
	fi
	name=${BASH_REMATCH[1]} errno=${BASH_REMATCH[2]} msg=${BASH_REMATCH[3]}
	replies=${BASH_REMATCH[5]}
	SEEN[$name]=1
	want=${WANT[$name]:-}
	if [ -z "$want" ]; then
		fail "a case this test does not know"
	else
		[ "$errno" = "${want%% *}" ] || fail "errno $errno, want ${want%% *}"
		grep -Eq -- "${want#* }" <<<"$msg" || fail "message '$msg', want /${want#* }/"
	fi
	[ "$replies" = 0 ] || fail "rejected, but $replies messages were sent first"
	log_test "netlink rejects $name (errno $errno: ${msg:0:50})"
done <<<"$out"
for name in "${!WANT[@]}"; do
	[ -n "${SEEN[$name]:-}" ] && continue
	fail "case $name never reported (the sender stopped before it?)"
	log_test "netlink rejects $name"
done
tables_unchanged "malformed netlink requests"

# --------------------------------------------------- config file errors
# bad_conf NAME WANT SED-EXPR MARKER [OCCURRENCES]: apply a copy of the
# valid file edited by SED-EXPR; the error must name NAME.yaml and the line
# of the OCCURRENCES-th (default 1st; a list: any of them) line holding
# MARKER, and say WANT (a regular expression).
bad_conf() {
	local name=$1 want=$2 expr=$3 marker=$4 occ=${5:-1} f err rc n lines='' ok=0 l
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
	grep -Eq -- "$want" <<<"$err" || fail "rejected for another reason: '$err' (want /$want/)"
	log_test "apply -f rejects $name at its line ($(head -n1 <<<"$err" | cut -c1-60))"
}
bad_conf weight-range 'weight must' 's/weight: 2$/weight: 70000/' 'weight: 70000'
bad_conf bad-addr 'invalid address' "s/addr: $(srv_addr4 2)\$/addr: 198.18.1.300/" 'addr: 198.18.1.300'
bad_conf bad-buckets 'buckets must' 's/buckets: 1024$/buckets: 1000/' 'buckets: 1000'
bad_conf dup-id 'duplicate server id' '0,/- id: 2$/s//- id: 1/' '- id: 1' "1 2"
bad_conf bad-method 'invalid forwarding method' 's/method: nat$/method: bogus/' 'method: bogus'
bad_conf unknown-key "unknown key 'timout' in service" 's/timeout: 60$/timout: 60/' 'timout: 60'
bad_conf yaml-syntax 'YAML syntax' 's/^    buckets: 256$/    buckets: 256: 3/' 'buckets: 256: 3'
bad_conf family-mismatch 'server address 198.18.1.11 is inet but the service is inet6' "s/addr: $(srv_addr6 1)\$/addr: $(srv_addr4 1)/" "addr: $(srv_addr4 1)" 2
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
eperm "stats --zero" stats --zero
eperm "apply -f" apply -f "$TESTDIR/changed.yaml"
run_cmd lbctl buckets save "$V4" -o "$TESTDIR/bkt.save" && chmod 644 "$TESTDIR/bkt.save"
eperm "buckets load" buckets load "$V4" -i "$TESTDIR/bkt.save"
out=$(ip netns exec "$LB" setpriv --reuid=nobody --regid=nogroup --clear-groups \
	--inh-caps=-all --bounding-set=-all "$PYTHON" "$SELFTESTS_DIR/net/dlba_genl.py" new)
grep -q '^CASE good-service-new errno=-1 ' <<<"$out"
check_err $? "raw SERVICE_NEW as nobody not EPERM: $out"
log_test "unprivileged raw netlink SERVICE_NEW: EPERM"

# reads: the service list and counters are anyone's; servers' addresses
# and the bucket table need CAP_NET_ADMIN, as in IPVS
for args in "service list" "stats"; do
	# shellcheck disable=SC2086
	a=$(nobody -j $args 2>&1)
	check_err $? "unprivileged '$args' failed: $a"
	# shellcheck disable=SC2086
	b=$(lbctl -j $args 2>&1)
	# the same, but for the services' hash keys, which only root sees
	if [ "$args" = "service list" ]; then
		jq -e 'all(.[]; has("hash_key") | not)' <<<"$a" >/dev/null ||
			fail "the hash key is shown without CAP_NET_ADMIN: $a"
		b=$(jq -c 'map(del(.hash_key))' <<<"$b")
		a=$(jq -c . <<<"$a")
	fi
	[ "$a" = "$b" ] || fail "unprivileged '$args' differs from root's: $a / $b"
	log_test "unprivileged read '$args' allowed"
done
for args in "server list" "buckets $V4" "buckets $V4 --summary"; do
	# shellcheck disable=SC2086
	err=$(nobody -j $args 2>&1 >/dev/null)
	rc=$?
	[ "$rc" -ne 0 ] || fail "unprivileged '$args' was answered"
	grep -q 'Operation not permitted' <<<"$err" || fail "not EPERM: '$err'"
	log_test "unprivileged read '$args': EPERM"
done
tables_unchanged "unprivileged commands"

dlba_check_dmesg
exit "$(exit_status)"
