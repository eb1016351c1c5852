#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The DLBA demo, run as root where dlba.ko can be loaded (inside the VM of
# scripts/demo.sh, or on a host that loads modules).  Topology (see
# selftests/net/lb_topo.sh):
#
#   client ns ──veth── LB ns (dlba.ko, VIP) ──bridge──┬── s1 ns  nginx  weight 1
#   198.18.0.2         198.18.100.10                   ├── s2 ns  nginx  weight 2
#   (+ 4 more addrs)                                   └── s3 ns  nginx  weight 3
#
# A direct-routing service with three servers of weights 1:2:3 is
# configured with dlbactl, the client opens 600 connections, then the
# server status table and the client hash-bucket table are printed, through
# netlink and through the /dev/dlba ioctl dumps.
set -uo pipefail
DEMO_DIR=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
# shellcheck source=../selftests/net/lib.sh
source "$DEMO_DIR/../selftests/net/lib.sh"
# shellcheck source=../selftests/net/lb_topo.sh
source "$DEMO_DIR/../selftests/net/lb_topo.sh"
# shellcheck source=../selftests/net/dlba_lib.sh
source "$DEMO_DIR/../selftests/net/dlba_lib.sh"

step() { printf '\n==== %s\n' "$*"; }

dlba_setup
S=$(svc_of 4 tcp)

step "dlbactl service add $S --buckets 4096 --timeout 300; three dr servers, weights 1 2 3"
svc_setup 4 dr tcp "1 2 3" --buckets 4096 --timeout 300 || { echo "demo: configuration failed"; exit 1; }
lbctl service list

step "600 HTTP connections from 5 client addresses to http://$VIP4/"
http_many 4 600 / "$CLI4" "${CLI_EXTRA4[@]}" | count_servers

step "server status table (netlink: dlbactl server list)"
lbctl server list "$S"

step "server status table (ioctl: dlbactl dump servers)"
lbctl dump servers "$S"

step "client hash-bucket table summary (dlbactl buckets --summary)"
lbctl buckets "$S" --summary

step "client hash-bucket table, first buckets, \"-\" = unassigned (ioctl: dlbactl dump buckets)"
lbctl dump buckets "$S" | head -n 12

step "server 3 failed: its buckets are reset, only its clients move"
lbctl server set "$S" --id 3 --fail
lbctl buckets "$S" --summary
http_many 4 120 / "$CLI4" | count_servers

step "panic on: every bucket spread evenly over healthy servers, then frozen"
lbctl panic on "$S"
lbctl buckets "$S" --summary
lbctl panic off "$S"

step "counters (dlbactl stats)"
lbctl stats
dlba_check_dmesg >/dev/null
echo
echo "demo: done"
