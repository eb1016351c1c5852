#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# IPVS anchor: the same topology and clients as the dlba scenarios, balanced
# by the kernel's IPVS (ipvsadm) instead of dlba.ko.  If these pass and a
# dlba scenario fails, the fault is in dlba, not in the harness topology.
#
#   CLI ---- LB (IPVS director, VIP on lo) ---- br0 ---+--- S1 nginx
#   .2/::2       eth0 .1  br0 .1                       +--- S2 nginx
#                                                      +--- S3 nginx
#   dr : MAC rewrite, servers hold the VIP on lo
#   nat: dst rewritten to SERVER:8080, replies reversed on the LB
#   tun: IPIP / IP6IP6 to the server, decapsulated on tunl0 / ip6tnl0
#   (full addressing: selftests/net/lb_topo.sh)
# check: newest kernel only (make check: a check of the harness, not of dlba; every dlba file
# builds the same topology on every kernel)
source "$(dirname "$(readlink -f "$0")")/../net/lib.sh"
source "$SELFTESTS_DIR/net/lb_topo.sh"

# 3 methods x 2 families, and the VIP without a balancer
# shellcheck disable=SC2034 # read from this file's text by selftests/run.sh
PLAN=7

require_root
require_cmd ipvsadm nginx curl ip

# The anchor must run without dlba.ko: an earlier test file leaves it
# loaded, and a dlba hook would then be the one balancing here.
dlba_unload || setup_fail "could not unload dlba.ko before the IPVS anchor"
kmod_is_loaded dlba && setup_fail "dlba.ko is still loaded"
kmod_load ip_vs ip_vs_rr || setup_fail "ip_vs modules not available"
defer rmmod ip_vs_rr ip_vs
lb_topo_setup || setup_fail "could not build the topology"

ipvs() { ip netns exec "$LB" ipvsadm "$@"; }

# ipvs_method FAMILY METHOD: TCP service on VIP:80, rr over the 3 servers.
ipvs_method() {
	local fam=$1 method=$2 flag rport='' i v out cnt r
	case $method in
	dr) flag=-g ;;
	nat) flag=-m; rport=:8080 ;;
	tun) flag=-i ;;
	esac
	v=$(bracket "$(vip "$fam")")
	ipvs -C
	run_cmd ipvs -A -t "$v:80" -s rr
	check_err $? "ipvsadm -A failed"
	for i in 1 2 3; do
		# ipvsadm wants [v6]:port but a bare v6 address without port
		r=$(srv_addr "$fam" "$i")
		[ -z "$rport" ] || r=$(bracket "$r")$rport
		run_cmd ipvs -a -t "$v:80" -r "$r" $flag
		check_err $? "ipvsadm -a server $i failed"
	done
	out=$(http_many "$fam" 30 /)
	cnt=$(count_servers <<<"$out")
	[ "$VERBOSE" = 1 ] && log_info "$cnt"
	[ "$(field err "$cnt")" = 0 ] || fail "errors: $cnt"
	for i in 1 2 3; do
		[ "$(field "s$i" "$cnt")" = 10 ] || fail "rr spread not 10/10/10: $cnt"
	done
	# the server saw the real client and (dr, tun) the VIP / (nat) itself
	if [ "$method" = nat ]; then
		grep -q "local=$(srv_addr "$fam" 1):8080 client=$(cli_addr "$fam"):" <<<"$out" ||
			fail "nat: server 1 did not see dst $(srv_addr "$fam" 1):8080 from the client"
	else
		grep -q "^server=s1 local=$(vip "$fam"):80 client=$(cli_addr "$fam"):" <<<"$out" ||
			fail "$method: server 1 did not see dst VIP from the client"
	fi
	kmod_is_loaded dlba && fail "dlba.ko got loaded during the anchor"
	log_test "ipvs: IPv$fam $method TCP, rr over 3 nginx servers (dlba.ko not loaded)"
	ipvs -C
}

cli_addr() { if [ "$1" = 4 ]; then echo "$CLI4"; else echo "$CLI6"; fi; }

for fam in 4 6; do
	for method in dr nat tun; do
		ipvs_method "$fam" "$method"
	done
done

# Without any balancer the VIP is only the LB's own address: nothing
# listens there, so a client request must fail.  This is what makes the
# dlba scenarios able to fail.
out=$(http_many 4 1 /)
grep -q ERROR <<<"$out"
check_err $? "VIP answered without a balancer: $out"
log_test "ipvs: without a service the VIP refuses connections"

exit "$(exit_status)"
