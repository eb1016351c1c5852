#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The per-service hash key: a standby given the active scheduler's
# configuration (dlbactl save) and bucket table (dlbactl buckets save) maps
# every client to the server the active one did, so no flow moves when
# traffic switches over (WO 01/69890, scheduler failover).
#
#                       +-- eth0 -- LB  (active; VIP on lo) -- br0 --+-- S1 .11
#   CLI 198.18.0.2 -----+  198.18.0.1                  198.18.1.1   +-- S2 .12
#   (route to the VIP   |                                            +-- S3 .13
#    via LB, then LB2)  +-- eth1 -- LB2 (standby; VIP on lo) -- eth1 -+
#                          198.18.2.2 / .1                 198.18.1.2 (in br0)
#
#   UDP dr service 198.18.100.10:9000, servers answer the client directly
#   (through LB, their gateway, as a plain router).  Client ports are fixed
#   (udp_client.py --first-port), so "the same 1000 clients" is exact.
#
# Checks: the key is shown only with CAP_NET_ADMIN and is the one given at
# creation; the kernel's bucket of a client is SipHash-2-4 as documented
# (checked against an independent implementation, IPv4 and IPv6, so the
# same on 32- and 64-bit builds); 1000 clients choose the same server
# through LB2 as through LB; a table saved under another key is refused;
# without the key the same load moves clients (the main check can fail).
# check: oldest kernel only (make check: the key and the bucket of a client are the kernel's
# siphash() and dlba's own table code, the same on every kernel)
source "$(dirname "$(readlink -f "$0")")/../net/lib.sh"
source "$SELFTESTS_DIR/net/lb_topo.sh"
source "$SELFTESTS_DIR/net/dlba_lib.sh"

# shellcheck disable=SC2034 # read by selftests/run.sh
# shellcheck disable=SC2034 # read from this file's text by selftests/run.sh
PLAN=5

require_cmd setpriv
dlba_setup udp

V4=$(svc_of 4 udp)
V6=$(svc_of 6 udp)
NCLI=1000
PORT0=20000
KNOWN=000102030405060708090a0b0c0d0e0f
CLI_B=198.18.2.2
LB2_CLI=198.18.2.1
LB2_SRV=198.18.1.2

lbctl2() { dlbactl_ns "$LB2" "$@"; }
nocaps() {
	ip netns exec "$LB" setpriv --reuid=nobody --regid=nogroup --clear-groups \
		--inh-caps=-all --bounding-set=-all "$DLBACTL" "$@"
}
# clients FIRST COUNT [FAM]: COUNT datagrams from fixed source ports; prints
# "PORT SERVER" per answer (ERROR lines as they are)
clients() {
	local fam=${3:-4} src
	if [ "$fam" = 4 ]; then src=$CLI4; else src=$CLI6; fi
	ip netns exec "$CLI" "$PYTHON" "$SELFTESTS_DIR/net/udp_client.py" "$(vip "$fam")" "$UDP_PORT" \
		--count "$2" --first-port "$1" --src "$src" --timeout 3 |
		sed -E 's/^server=(s[0-9]) local=[^ ]* client=[^ ]*:([0-9]+)( .*)?$/\2 \1/' | sort
}
lb2_servers() {
	local i
	for i in 1 2 3; do
		run_cmd lbctl2 server add "$V4" --id "$i" --addr "$(srv_addr4 "$i")" --method dr \
			--mac "$(srv_mac "$i")" || return 1
	done
}
# moved A B: how many clients of answer list A chose another server in B
moved() {
	printf '%s\n' "$1" >"$TESTDIR/m.a"
	printf '%s\n' "$2" >"$TESTDIR/m.b"
	join "$TESTDIR/m.a" "$TESTDIR/m.b" | awk '$2 != $3' | wc -l
}
packets() { "$@" -j service list "$V4" | jq -r '.[0].stats.packets'; }

# -------------------------------------------------- the standby namespace
setup_ns LB2 || setup_fail "no namespace for LB2"
veth_pair "$CLI" eth1 "$LB2" eth0 || setup_fail "veth CLI-LB2"
veth_pair "$LB2" eth1 "$LB" vlb2 || setup_fail "veth LB2-br0"
ip -n "$LB" link set vlb2 master br0
ip -n "$CLI" addr add "$CLI_B/24" dev eth1
ip -n "$LB2" addr add "$LB2_CLI/24" dev eth0
ip -n "$LB2" addr add "$LB2_SRV/24" dev eth1
ip -n "$LB2" addr add "$VIP4/32" dev lo
ip netns exec "$LB2" sysctl -qw net.ipv4.ip_forward=1
wait_for 20 ip netns exec "$LB2" ping -q -c1 -W2 "$(srv_addr4 1)" || setup_fail "LB2 cannot reach S1"
wait_for 20 ip netns exec "$CLI" ping -q -c1 -W2 "$LB2_CLI" || setup_fail "CLI cannot reach LB2"

# ---------------------------------------- the documented bucket function
# A fresh service under a known key: each datagram assigns exactly the
# bucket of its client, so the assigned buckets are the function's values.
kat() {
	local fam=$1 s src got want
	s=$(svc_of "$fam" udp)
	if [ "$fam" = 4 ]; then src=$CLI4; else src=$(bracket "$CLI6"); fi
	lbctl service add "$s" --buckets 65536 --hash-key "$KNOWN" || return 1
	srv_add "$fam" dr udp 1 1 >/dev/null || return 1
	out=$(clients 31000 8 "$fam")
	# (a failed check deletes the service too: the next checks need the VIP)
	[ "$(grep -c ' s1$' <<<"$out")" = 8 ] || { echo "answers: $out"; lbctl service del "$s"; return 1; }
	got=$(lbctl -j buckets "$s" | jq -c '[.buckets | to_entries[] | select(.value[0] != 0) | .key]')
	# shellcheck disable=SC2046
	want=$("$PYTHON" "$SELFTESTS_DIR/net/bucket_of.py" "$KNOWN" 65536 \
		$(for p in $(seq 31000 31007); do echo "$src:$p"; done) | sort -n | uniq | jq -sc .)
	lbctl service del "$s"
	[ "$got" = "$want" ] || { echo "IPv$fam buckets $got, SipHash-2-4 gives $want"; return 1; }
}
r4=$(kat 4) || fail "$r4"
r6=$(kat 6) || fail "$r6"
log_test "dlba: a client's bucket is SipHash-2-4 under the key (IPv4, IPv6; independent implementation)"

# ----------------------------------------------- the key and who reads it
svc_setup 4 dr udp "1 1 1" --buckets 1024
check_err $? "could not set up $V4"
key=$(lbctl -j service list "$V4" | jq -r '.[0].hash_key')
[[ $key =~ ^[0-9a-f]{32}$ ]] || fail "root does not see a 32-digit key: '$key'"
unpriv=$(nocaps -j service list "$V4")
rc=$?
[ "$rc" = 0 ] || fail "the service list is not readable without CAP_NET_ADMIN (exit $rc)"
[ "$(jq -r '.[0] | has("hash_key")' <<<"$unpriv")" = false ] || fail "key shown without CAP_NET_ADMIN: $unpriv"
grep -q "$key" <<<"$(nocaps -j service list "$V4" 2>&1; nocaps save 2>&1)" &&
	fail "the key leaks to a reader without CAP_NET_ADMIN"
run_cmd lbctl service add "$V6" --buckets 65536 --hash-key "$KNOWN"
check_err $? "service add --hash-key"
[ "$(lbctl -j service list "$V6" | jq -r '.[0].hash_key')" = "$KNOWN" ] ||
	fail "the key given at creation is not the one shown: $(lbctl -j service list "$V6")"
[ "$(lbctl -j service list "$V4" | jq -r '.[0].hash_key')" = "$key" ] || fail "the key changed"
log_test "dlba: hash key generated, settable at creation, shown only with CAP_NET_ADMIN"
lbctl service del "$V6"

# ------------------------------------------------------- active -> standby
a=$(clients "$PORT0" "$NCLI")
[ "$(grep -c ' s[123]$' <<<"$a")" = "$NCLI" ] || fail "through LB: $(grep -vc ' s[123]$' <<<"$a") of $NCLI unanswered: $(grep -vm2 ' s[123]$' <<<"$a")"
for i in 1 2 3; do
	grep -q " s$i\$" <<<"$a" || fail "through LB, s$i got no client"
done
run_cmd lbctl save -o "$TESTDIR/dlba.conf"
run_cmd lbctl buckets save "$V4" -o "$TESTDIR/table.json"
grep -q "hash_key: \"$key\"" "$TESTDIR/dlba.conf" || fail "dlbactl save has no key: $(cat "$TESTDIR/dlba.conf")"
[ "$(jq -r .hash_key "$TESTDIR/table.json")" = "$key" ] || fail "buckets save has no key"
run_cmd lbctl2 apply -f "$TESTDIR/dlba.conf" && run_cmd lbctl2 buckets load "$V4" -i "$TESTDIR/table.json"
check_err $? "LB2 did not take the saved configuration and table"
ip -n "$CLI" route add "$VIP4/32" via "$LB2_CLI" dev eth1 src "$CLI4"
p1=$(packets lbctl)
p2=$(packets lbctl2)
b=$(clients "$PORT0" "$NCLI")
p1=$(($(packets lbctl) - p1))
p2=$(($(packets lbctl2) - p2))
[ "$p1" = 0 ] && [ "$p2" -ge "$NCLI" ] || fail "traffic did not switch to LB2 (LB counted $p1, LB2 $p2 packets)"
moved=$(moved "$a" "$b")
[ "$(grep -c ' s[123]$' <<<"$b")" = "$NCLI" ] || fail "through LB2: $(grep -vm2 ' s[123]$' <<<"$b")"
[ "$moved" = 0 ] || fail "$moved of $NCLI clients chose another server through LB2"
log_test "dlba: $NCLI clients choose the same server through a standby given dlbactl save + buckets save ($p2 packets on LB2)"

# ---------------------------------------------- a table of another key
run_cmd lbctl2 service del "$V4" &&
	run_cmd lbctl2 service add "$V4" --buckets 1024 --hash-key "$KNOWN" &&
	lb2_servers
check_err $? "could not re-create $V4 on LB2"
before=$(lbctl2 -j buckets "$V4" --summary)
err=$(lbctl2 buckets load "$V4" -i "$TESTDIR/table.json" 2>&1 >/dev/null)
rc=$?
[ "$rc" = 1 ] || fail "a table of another key was loaded (exit $rc)"
grep -q 'another hash key' <<<"$err" || fail "the message does not say why: '$err'"
[ "$(lbctl2 -j buckets "$V4" --summary)" = "$before" ] || fail "the refused load changed the table"
log_test "dlba: a table saved under another key is refused, table unchanged"

# ------------------------------------- without the key, clients do move
jq 'del(.hash_key)' "$TESTDIR/table.json" >"$TESTDIR/nokey.json"
grep -v hash_key "$TESTDIR/dlba.conf" >"$TESTDIR/nokey.conf"
run_cmd lbctl2 service del "$V4" &&
	run_cmd lbctl2 apply -f "$TESTDIR/nokey.conf" &&
	run_cmd lbctl2 buckets load "$V4" -i "$TESTDIR/nokey.json"
check_err $? "LB2 did not take the table without a key"
c=$(clients "$PORT0" "$NCLI")
moved=$(moved "$a" "$c")
[ "$moved" -ge $((NCLI / 5)) ] || fail "under a new random key only $moved of $NCLI clients moved"
log_test "dlba: under a new random key, the same table moves $moved of $NCLI clients (what the key prevents)"
lbctl flush
lbctl2 flush

dlba_check_dmesg
exit "$(exit_status)"
