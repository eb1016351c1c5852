#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Malformed and unusual packets at every forwarding method, both families,
# TCP and UDP services at once (net/pkt_fuzz.py builds the corpus once, a
# fixed seed, then replays it at each method): every TCP flag mix, every
# TCP data offset, TCP options of bad lengths, truncated TCP/UDP/ICMP
# headers, lying UDP lengths, fragments alone, reversed, overlapping or too
# short for the ports, ICMP errors quoting the service with truncated, bad
# or nested inner headers, IPv4 options, IPv6 extension-header chains (40
# long, truncated, unknown, a non-first fragment), and a few hundred of them
# with random bytes flipped.  After each method: the services still answer
# real clients over TCP and UDP in both families, the counters read and
# counted the corpus's forwardable packets, the kernel logged nothing.
#
#   CLI  net/pkt_fuzz.py (AF_PACKET)     LB dlba.ko                   S1..S3
#   eth0 ---- raw frames to the LB's ---- eth0 | br0 ----+----------- nginx :80
#             eth0 MAC                    VIP on lo      |            udp echo :9000
#                                         :80/tcp, :9000/udp, v4+v6: dr | nat | tun
#   (addresses: selftests/net/lb_topo.sh)
source "$(dirname "$(readlink -f "$0")")/../net/lib.sh"
source "$SELFTESTS_DIR/net/lb_topo.sh"
source "$SELFTESTS_DIR/net/dlba_lib.sh"

# one per method
# shellcheck disable=SC2034 # read from this file's text by selftests/run.sh
PLAN=3

dlba_setup udp
CORPUS=$TESTDIR/corpus.bin
run_cmd ip netns exec "$CLI" "$PYTHON" "$SELFTESTS_DIR/net/pkt_fuzz.py" make "$CORPUS" \
	--dev eth0 --dst-mac "$(mac_of "$LB" eth0)" --src4 "$CLI4" --vip4 "$VIP4" \
	--src6 "$CLI6" --vip6 "$VIP6" --tcp-port 80 --udp-port "$UDP_PORT" --seed 1
case $? in
0) ;;
4) skip_all "pkt_fuzz.py needs python3-scapy" ;;
*) setup_fail "could not build the packet corpus" ;;
esac

# served FAM: a new HTTP connection and a UDP request through the service
# are answered by a server
served() {
	local fam=$1 out
	out=$(http_many "$fam" 3 / | count_servers)
	[ "${out##*err=}" = 0 ] || { echo "http $out"; return 1; }
	out=$(ip netns exec "$CLI" "$PYTHON" "$SELFTESTS_DIR/net/udp_client.py" \
		"$(vip "$fam")" "$UDP_PORT" --count 3 | count_servers)
	[ "${out##*err=}" = 0 ] || { echo "udp $out"; return 1; }
}

for method in dr nat tun; do
	for fam in 4 6; do
		svc_setup "$fam" "$method" tcp || fail "IPv$fam $method tcp service setup failed"
		svc_setup "$fam" "$method" udp || fail "IPv$fam $method udp service setup failed"
	done
	p0=$(lbctl -j stats | jq .packets)
	sent=$(ip netns exec "$CLI" "$PYTHON" "$SELFTESTS_DIR/net/pkt_fuzz.py" send "$CORPUS" --dev eth0)
	check_err $? "sending the corpus failed: $sent"
	sleep 1
	st=$(lbctl -j stats)
	check_err $? "stats unreadable after the corpus"
	# at least the 2 x 256 TCP flag mixes go to a server (dr and tun
	# forward whatever the flags; nat too: it keeps no connection state)
	fwd=$(($(jq .packets <<<"$st") - p0))
	[ "$fwd" -ge 512 ]
	check_err $? "only $fwd packets of the corpus forwarded ($st)"
	for fam in 4 6; do
		why=$(served "$fam")
		check_err $? "IPv$fam $method service not answering after the corpus: $why"
	done
	run_cmd lbctl flush
	check_err $? "flush after the corpus failed"
	log_test "pktfuzz: $method: ${sent#sent } odd packets at tcp+udp, v4+v6: $fwd forwarded, still served, counters read"
done

dlba_check_dmesg
