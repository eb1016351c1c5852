#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The Pentaflow demo (WO 01/69890, Figs. 1-8), run as root where dlba.ko can be
# loaded (inside the VM of scripts/demo.sh, or on a host that loads
# modules).  The topology is the one of selftests/dlba/pentaflow.sh
# (selftests/net/pentaflow_topo.sh):
#
#   client ── router ──┬── LB  dlba.ko scheduler: VIP:80, VIP:443 -> d1, d2 (dr)
#                      ├── d1  dlbad (VIP on lo; TLS) ──┬── b1 nginx
#                      └── d2  dlbad (VIP on lo; TLS) ──┼── b2 nginx
#       replies: d1/d2 ──> router ──> client            └── b3 nginx
#
# The client sends plain HTTP requests, HTTPS requests and three shopping
# sessions (cart over HTTP, checkout over HTTPS); then the scheduler's
# tables (server table, bucket table through netlink and /dev/dlba) and
# each DLBA server's status tables (WO 01/69890 Figs. 7 and 8) are printed.
# Last, d2's dlbad is killed: the health check marks it failed, its
# buckets are reset and the client carries on through d1.
set -uo pipefail
DEMO_DIR=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
# shellcheck source=../selftests/net/lib.sh
source "$DEMO_DIR/../selftests/net/lib.sh"
# shellcheck source=../selftests/net/dlba_lib.sh
source "$DEMO_DIR/../selftests/net/dlba_lib.sh"
# shellcheck source=../selftests/net/pentaflow_topo.sh
source "$DEMO_DIR/../selftests/net/pentaflow_topo.sh"

step() { printf '\n==== [%3d s] %s\n' "$((SECONDS - T0))" "$*"; }
# who: back-end lines on stdin -> "d1->b2 d2->b2 ..." (which DLBA server
# proxied each request to which back-end)
who() {
	awk -v a1="dlba=$(pf_d_baddr 1)" -v a2="dlba=$(pf_d_baddr 2)" '
		/^backend=/ { sub(/^backend=/, "", $1)
			printf "%s->%s ", ($2 == a1 ? "d1" : $2 == a2 ? "d2" : "?"), $1 }'
}

PF_BUCKETS=256
T0=$SECONDS
pf_setup || { echo "demo: could not build the topology"; exit 1; }
S80=$(svc 4 80)
S443=$(svc 4 443)

step "Pentaflow: client -> dlba.ko (VIP $VIP4, dr) -> DLBA servers d1, d2 (dlbad) -> nginx b1 b2 b3"
pf_dlbad_start 1 && pf_dlbad_start 2 || { echo "demo: dlbad did not start"; exit 1; }
pf_sched_setup || { echo "demo: scheduler configuration failed"; exit 1; }
echo "scheduler (LB namespace): dlbactl apply -f dlba.yaml (4 services shown, IPv6 alike):"
awk '/^  - service:/ { n++ } n <= 2' "$TESTDIR/dlba.yaml" | sed 's/^/  /'
echo
echo "d1's dlbad.conf (IPv6 services alike; d2's differs only in its monitor addresses: both"
echo "read the same cookie key and TLS ticket key files):"
awk '/name: shop6-http/ { exit } !/^(#|workers|drain_timeout|defaults|  timeouts)/' \
	"$TESTDIR/dlbad-d1/dlbad.conf" | sed "s|$TESTDIR/||g; s/^/  /"

step "40 HTTP requests, each a new connection (new source port, new bucket)"
pf_many 40 4 http / | pf_tally

step "20 HTTPS requests (TLS terminated on d1/d2; sessions resume on either: shared ticket key)"
pf_many 20 4 https / | pf_tally
for i in 1 2; do
	pf_status "$i" | jq -r --arg d "d$i" '.services[] | select(.name == "shop-https") |
		"  \($d): \(.stats.tls_handshakes) TLS handshakes, \(.stats.tls_resumed) resumed from a ticket"'
done

step "3 shopping sessions: login and cart over HTTP, checkout over HTTPS (one cookie jar each)"
for k in 1 2 3; do
	jar=$TESTDIR/demo-jar$k
	rm -f "$jar"
	# one curl for login + 2 x cart (its cookie engine keeps the jar
	# between them), one for 6 x checkout
	cart=$(ip netns exec "$CLI" curl -sS --max-time 20 -H 'Connection: close' -c "$jar" -b "$jar" \
		"$(pf_url 4 http /login)" "$(pf_url 4 http /cart)" "$(pf_url 4 http /cart)")
	checkout=$(pf_many 6 4 https /checkout -b "$jar")
	printf '  session %d: HTTP login, cart: %s HTTPS checkout: %s\n' "$k" "$(who <<<"$cart")" "$(who <<<"$checkout")"
done
echo "  (dN->bM: DLBA server N proxied the request to back-end M; the scheduler picks"
echo "   the DLBA server per connection, the SpServer cookie keeps the back-end)"

step "scheduler: server status table (dlbactl server list)"
lbctl server list "$S80"
lbctl server list "$S443"

step "scheduler: client hash-bucket tables (dlbactl buckets --summary)"
lbctl buckets "$S80" --summary
lbctl buckets "$S443" --summary

step "scheduler: $S80 bucket table through /dev/dlba (dlbactl dump buckets): the first 10 assigned of $PF_BUCKETS"
lbctl dump buckets "$S80" | awk 'NR <= 2 || $2 != "-"' | head -n 12

step "scheduler: server table through /dev/dlba (dlbactl dump servers $S443)"
lbctl dump servers "$S443"

for i in 1 2; do
	step "DLBA server d$i: status tables (dlbad --status)"
	pf_status_tables "$i"
done

step "d2's dlbad is killed; the health check (a loop in the LB namespace polling each DLBA"
echo "            server's metrics page) marks it failed: dlbactl server set --id 2 --fail"
pf_hc_start
pf_dlbad_kill 2
if wait_for 20 grep -q " fail 2$" "$TESTDIR/hc.log"; then
	lbctl server list "$S80"
	lbctl buckets "$S80" --summary
	echo "20 new HTTP connections:"
	pf_many 20 4 http / | pf_tally
else
	echo "demo: the health check did not mark d2 failed"
fi
pf_hc_stop

step "scheduler counters (dlbactl stats)"
lbctl stats
dlba_check_dmesg >/dev/null
echo
echo "demo: done ($((SECONDS - T0)) s)"
