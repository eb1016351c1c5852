# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# WO 01/69890's whole "Pentaflow" (Figs. 1-3 and 6) in network namespaces,
# shared by selftests/dlba/pentaflow.sh and demo/pentaflow-demo.sh:
#
#   client net 198.18.0.0/24          array net 198.18.1.0/24 (switch: br0 in RTR)
#   fd00:db1a:c::/64                  fd00:db1a:1::/64
#  +--------+      +-------------+      +-------------------------------------+
#  | CLI .2 |------| RTR .1  br0 |--+---| LB .10 ::10  dlba.ko (the scheduler) |
#  |   ::2  |      |  ::1    .1  |  |   | VIP on lo; service VIP:80, VIP:443  |
#  +--------+      | route VIP   |  |   +-------------------------------------+
#       ^          |  via LB     |  +---| D1 .21 ::21  dlbad  VIP on lo        |-+
#       |          +-------------+  |   +-------------------------------------+ |
#       |                ^          +---| D2 .22 ::22  dlbad  VIP on lo        |-+
#       |                |              +-------------------------------------+ |
#       |   replies: D -> RTR -> CLI      back-end net 198.18.2.0/24 (br0 in BSW)|
#       |   (never through the LB)        D1 .21, D2 .22 (eth1) ----------------+
#       +---------------------------------  +-- B1 .31 nginx
#                                           +-- B2 .32 nginx
#                                           +-- B3 .33 nginx
#
#   1 client -> RTR: packets for the VIP are routed to the LB (the only box
#     that takes the VIP's traffic; WO 01/69890 Fig. 2: "only one machine ... ARPs
#     for the VIP")
#   2 LB (dlba.ko, method dr) -> D1|D2: destination MAC rewritten, IP kept
#   3 D (dlbad, listening on VIP:80 and VIP:443 with TLS) -> a back-end
#   4 back-end -> D (plain HTTP on the back-end net)
#   5 D -> client from the VIP, via its default gateway RTR: the LB never
#     sees a reply
#
#   VIP 198.18.100.10 / fd00:db1a:100::10.  D1/D2 hold it on lo with
#   arp_ignore=1/arp_announce=2; their dlbad share one persistence (cookie
#   HMAC) key and one TLS ticket key, so a session cookie issued by one is
#   honoured by the other, and a TLS session resumes on either.
#   Back-ends: GET /login sets "JSESSIONID=bN-<id>"; every answer is the
#   line "backend=bN dlba=<DLBA server's back-end address> uri=... cookie=..."
#   (so a client sees which DLBA server and which back-end served it);
#   GET /big is a PF_BIG_MB MB file.
#
# Usage: source lib.sh, dlba_lib.sh, then this file; pf_setup; pf_dlbad_start
# 1; pf_dlbad_start 2; pf_sched_setup.  Variables: $CLI $RTR $LB $D1 $D2 $BSW
# $B1 $B2 $B3, $VIP4 $VIP6, $PF_CERT (the CA file a client trusts).

# The address plan is lib.sh's (VIP4/6, CLI4/6, the gateways); the router
# RTR is the gateway of both nets here.
RTR_CLI4=$CLI_GW4
RTR_CLI6=$CLI_GW6
RTR_ARR4=$SRV_GW4
RTR_ARR6=$SRV_GW6
LB4=198.18.1.10
LB6=fd00:db1a:1::10
PF_BIG_MB=${PF_BIG_MB:-4}
PF_METRICS_PORT=9101
PF_BUCKETS=${PF_BUCKETS:-1024}
DLBAD=${DLBAD:-$REPO_DIR/build/userspace/dlbad/dlbad}

# pf_d_addr4 N / pf_d_addr6 N: DLBA server N on the array net;
# pf_d_baddr N: on the back-end net; pf_b_addr N: back-end N
pf_d_addr4() { echo "198.18.1.2$1"; }
pf_d_addr6() { echo "fd00:db1a:1::2$1"; }
pf_d_baddr() { echo "198.18.2.2$1"; }
pf_b_addr() { echo "198.18.2.3$1"; }
pf_d_ns() { case $1 in 1) echo "$D1" ;; 2) echo "$D2" ;; esac; }
pf_b_ns() { case $1 in 1) echo "$B1" ;; 2) echo "$B2" ;; 3) echo "$B3" ;; esac; }
# pf_url FAM http|https [PATH]: the scheme's own port (svc, vip, bracket:
# lib.sh)
pf_url() { url "$1" "${3:-/}" "" "$2"; }

# pf_setup: load dlba.ko, build the namespaces, start the back-ends, make
# the TLS certificate and the array's shared keys.  Skips the calling test
# file (exit 4) only when something it needs is missing; returns non-zero
# when the topology could not be built (a failure, not a skip).
pf_setup() {
	require_root
	require_cmd nginx curl ip jq openssl
	require_dlbactl
	[ -x "$DLBAD" ] || setup_fail "dlbad not built ($DLBAD)"
	# shellcheck disable=SC2034 # read by dlba_check_dmesg (dlba_lib.sh)
	DMESG_START=$(dmesg | wc -l)
	dlba_load || setup_fail "could not load $DLBA_KO"
	# Run private copies of the tools: the tree is shared over 9p, and a
	# rebuild on the host while this runs must not swap binaries under it.
	cp "$DLBAD" "$TESTDIR/dlbad" && DLBAD=$TESTDIR/dlbad &&
		cp "$DLBACTL" "$TESTDIR/dlbactl" && DLBACTL=$TESTDIR/dlbactl || return 1
	# everything needed is there: from here on a failure is a failure
	pf_topo && pf_keys
}

# shellcheck disable=SC2153 # setup_ns assigns the namespace variables (CLI, RTR, ...) by name
pf_topo() {
	local i ns
	kmod_load veth bridge || return 1
	setup_ns CLI RTR LB D1 D2 BSW B1 B2 B3 || return 1

	# the links (one `ip -batch` per namespace: every process counts on an
	# emulated CPU)
	ip -batch - <<-EOF || return 1
		link add eth0 netns $CLI type veth peer name eth0 netns $RTR
		link add eth0 netns $LB type veth peer name vlb netns $RTR
		link add eth0 netns $D1 type veth peer name vd1 netns $RTR
		link add eth0 netns $D2 type veth peer name vd2 netns $RTR
		link add eth1 netns $D1 type veth peer name vd1 netns $BSW
		link add eth1 netns $D2 type veth peer name vd2 netns $BSW
		link add eth0 netns $B1 type veth peer name vb1 netns $BSW
		link add eth0 netns $B2 type veth peer name vb2 netns $BSW
		link add eth0 netns $B3 type veth peer name vb3 netns $BSW
	EOF

	ip -n "$CLI" -batch - <<-EOF || return 1
		link set eth0 up
		addr add $CLI4/24 dev eth0
		addr add $CLI6/64 dev eth0 nodad
		route add default via $RTR_CLI4
		route add ::/0 via $RTR_CLI6
	EOF

	# the router, and the array's switch (br0) with the router's leg on
	# it; the VIP is routed to the scheduler
	ip -n "$RTR" -batch - <<-EOF || return 1
		link set eth0 up
		addr add $RTR_CLI4/24 dev eth0
		addr add $RTR_CLI6/64 dev eth0 nodad
		link add br0 type bridge
		link set br0 up
		addr add $RTR_ARR4/24 dev br0
		addr add $RTR_ARR6/64 dev br0 nodad
		link set vlb master br0 up
		link set vd1 master br0 up
		link set vd2 master br0 up
		route add $VIP4/32 via $LB4
		route add $VIP6/128 via $LB6
	EOF
	ip netns exec "$RTR" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 || return 1

	# the scheduler: one leg on the array net (WO 01/69890 Fig. 2)
	ip -n "$LB" -batch - <<-EOF || return 1
		link set eth0 up
		addr add $LB4/24 dev eth0
		addr add $LB6/64 dev eth0 nodad
		addr add $VIP4/32 dev lo
		addr add $VIP6/128 dev lo nodad
		route add default via $RTR_ARR4
		route add ::/0 via $RTR_ARR6
	EOF

	# the back-end net's switch
	ip -n "$BSW" -batch - <<-EOF || return 1
		link add br0 type bridge
		link set br0 up
		link set vd1 master br0 up
		link set vd2 master br0 up
		link set vb1 master br0 up
		link set vb2 master br0 up
		link set vb3 master br0 up
	EOF

	# DLBA servers: eth0 on the array net, eth1 on the back-end net, the
	# VIP on lo, never answering ARP for it; default route via RTR so that
	# replies go straight to the client
	for i in 1 2; do
		ns=$(pf_d_ns "$i")
		ip -n "$ns" -batch - <<-EOF || return 1
			link set eth0 up
			link set eth1 up
			addr add $(pf_d_addr4 "$i")/24 dev eth0
			addr add $(pf_d_addr6 "$i")/64 dev eth0 nodad
			addr add $(pf_d_baddr "$i")/24 dev eth1
			route add default via $RTR_ARR4
			route add ::/0 via $RTR_ARR6
		EOF
		vip_on_lo "$ns" || return 1
	done

	# back-end web servers
	for i in 1 2 3; do
		ns=$(pf_b_ns "$i")
		ip -n "$ns" -batch - <<-EOF || return 1
			link set eth0 up
			addr add $(pf_b_addr "$i")/24 dev eth0
		EOF
		pf_backend_start "$i" || return 1
	done

	# the switch learns the DLBA servers' MACs now (else the scheduler's
	# first frames to them are flooded); other neighbours resolve on use
	for i in 1 2; do
		ip netns exec "$LB" ping -q -c1 -W2 "$(pf_d_addr4 "$i")" >/dev/null || return 1
	done
}

# pf_backend_start N: nginx back-end bN (see the header for its answers)
pf_backend_start() {
	local n=$1 dir=$TESTDIR/nginx-b$1
	mkdir -p "$dir/www"
	[ -e "$TESTDIR/pf-big" ] || truncate -s "${PF_BIG_MB}M" "$TESTDIR/pf-big"
	ln -sf "$TESTDIR/pf-big" "$dir/www/big"
	# shellcheck disable=SC2016 # nginx variables, not the shell's
	nginx_serve "$(pf_b_ns "$n")" "$dir" 80 \
		'$remote_addr $request_uri $status $bytes_sent' <<EOF
		listen 80;
		root $dir/www;
		location = /login {
			add_header Set-Cookie "JSESSIONID=b$n-\$request_id; Path=/; Max-Age=3600; HttpOnly" always;
			return 200 "backend=b$n dlba=\$remote_addr uri=\$request_uri cookie=\$http_cookie\n";
		}
		location = /big { }
		location / {
			return 200 "backend=b$n dlba=\$remote_addr uri=\$request_uri cookie=\$http_cookie\n";
		}
EOF
}

# pf_keys: the service's certificate (ECDSA P-256, for the VIP's addresses,
# verified by the client with --cacert) and the array's shared secrets
pf_keys() {
	PF_CERT=$TESTDIR/pf-cert.pem
	PF_KEY=$TESTDIR/pf-key.pem
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$PF_KEY" -out "$PF_CERT" -days 2 -subj "/CN=shop.pentaflow.test" \
		-addext "subjectAltName=DNS:shop.pentaflow.test,IP:$VIP4,IP:$VIP6" \
		>/dev/null 2>&1 || return 1
	# one cookie HMAC key and one TLS ticket key for the whole array
	openssl rand -hex 32 >"$TESTDIR/pf-persistence.key" || return 1
	openssl rand -hex 80 >"$TESTDIR/pf-ticket.key" || return 1
	chmod 600 "$TESTDIR/pf-persistence.key" "$TESTDIR/pf-ticket.key"
}

# ------------------------------------------------------------- DLBA servers
# pf_dlbad_conf N: dlbad.conf of DLBA server N: http and https services on
# the VIP (IPv4 and IPv6), cookie persistence (session cookie JSESSIONID)
# over the three back-ends, monitoring on a unix socket and Prometheus
# metrics on the server's real address (what the health check polls)
pf_dlbad_conf() {
	local n=$1 dir=$TESTDIR/dlbad-d$1 fam name listen
	mkdir -p "$dir"
	{
		cat <<EOF
# DLBA server d$n of the Pentaflow array
workers: 1
persistence_key_file: $TESTDIR/pf-persistence.key
ticket_key_file: $TESTDIR/pf-ticket.key
drain_timeout: 2s
monitor:
  unix: $dir/status.sock
  metrics: $(pf_d_addr4 "$n"):$PF_METRICS_PORT
defaults:
  timeouts: {backend_connect: 1s}
backends:
  shop:
    servers:
      - {key: 1, addr: $(pf_b_addr 1):80}
      - {key: 2, addr: $(pf_b_addr 2):80}
      - {key: 3, addr: $(pf_b_addr 3):80}
services:
EOF
		for fam in 4 6; do
			name=shop; [ "$fam" = 6 ] && name=shop6
			listen=$(bracket "$(vip "$fam")")
			cat <<EOF
  - name: $name-http
    listen: "$listen:80"
    backend: shop
    policy: cookie
    cookie: {session: JSESSIONID}
  - name: $name-https
    listen: "$listen:443"
    protocol: https
    tls:
      certificates:
        - {cert: $PF_CERT, key: $PF_KEY}
    backend: shop
    policy: cookie
    cookie: {session: JSESSIONID}
EOF
		done
	} >"$dir/dlbad.conf"
}

# pf_dlbad_start N: run dlbad on DLBA server N (foreground, log in its
# directory); wait until it serves its monitoring socket and VIP:80/443
PF_DLBAD_PID=()
pf_dlbad_start() {
	local n=$1 dir=$TESTDIR/dlbad-d$1 ns
	ns=$(pf_d_ns "$n")
	pf_dlbad_conf "$n"
	rm -f "$dir/status.sock"
	ip netns exec "$ns" "$DLBAD" -f -c "$dir/dlbad.conf" >>"$dir/dlbad.log" 2>&1 &
	PF_DLBAD_PID[n]=$!
	defer kill "${PF_DLBAD_PID[$n]}"
	wait_for 15 test -S "$dir/status.sock" || { tail -n 5 "$dir/dlbad.log" >&2; return 1; }
	wait_listen "$ns" tcp 443
}

# pf_dlbad_kill N: stop DLBA server N's dlbad the hard way (a crash)
pf_dlbad_kill() {
	local pid=${PF_DLBAD_PID[$1]}
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# pf_status N: DLBA server N's status document (JSON)
pf_status() { "$DLBAD" --status "$TESTDIR/dlbad-d$1/status.sock" --json; }
# pf_status_tables N: the same as tables (WO 01/69890 Figs. 7-8)
pf_status_tables() { "$DLBAD" --status "$TESTDIR/dlbad-d$1/status.sock"; }

# ----------------------------------------------------------------- scheduler
# pf_sched_setup: services VIP:80 and VIP:443 (IPv4 and IPv6) on the LB,
# each with DLBA servers 1 and 2, method dr, PF_BUCKETS buckets and
# PF_TIMEOUT seconds idle timeout: one `dlbactl apply` of
# $TESTDIR/dlba.yaml (dlba.conf(5))
PF_TIMEOUT=${PF_TIMEOUT:-300}
pf_sched_setup() {
	local fam port i addr mac=()
	for i in 1 2; do mac[i]=$(mac_of "$(pf_d_ns "$i")" eth0); done
	{
		echo "# the Pentaflow scheduler: the VIP's web ports to the DLBA servers"
		echo "services:"
		for fam in 4 6; do
			for port in 80 443; do
				echo "  - service: \"$(svc "$fam" "$port")\""
				echo "    buckets: $PF_BUCKETS"
				echo "    timeout: $PF_TIMEOUT"
				echo "    servers:"
				for i in 1 2; do
					if [ "$fam" = 4 ]; then addr=$(pf_d_addr4 "$i"); else addr=$(pf_d_addr6 "$i"); fi
					echo "      - {id: $i, addr: \"$addr\", mac: \"${mac[i]}\", method: dr}"
				done
			done
		done
	} >"$TESTDIR/dlba.yaml"
	run_cmd lbctl apply -f "$TESTDIR/dlba.yaml"
}

# ------------------------------------------------------------ health check
# WO 01/69890's scheduler learns that a DLBA server failed from a status
# daemon that polls every DLBA server over TCP ("Any server that it cannot
# communicate with after a configurable number of retries is considered
# failed").  That daemon is a later issue; until it exists this loop plays
# its role, keepalived-style, in the LB namespace: every PF_HC_INTERVAL it
# fetches each DLBA server's metrics page (served by dlbad itself on the
# server's real address), marks a server failed in every service after
# PF_HC_RETRIES consecutive misses (`dlbactl server set --fail`: its buckets
# are reset) and clears the mark (`--unfail`) when it answers again.  Its
# actions go to $TESTDIR/hc.log as "EPOCHREALTIME fail|unfail N".
PF_HC_INTERVAL=${PF_HC_INTERVAL:-0.3}
PF_HC_RETRIES=${PF_HC_RETRIES:-2}
PF_HC_PID=
pf_hc_mark() {
	local flag=$1 i=$2 fam port
	for fam in 4 6; do
		for port in 80 443; do
			lbctl server set "$(svc "$fam" "$port")" --id "$i" "$flag" || return 1
		done
	done
}
# pf_hc_probe N: GET /metrics from DLBA server N answered 200 (bash's
# /dev/tcp: no process per probe, which matters on an emulated CPU)
pf_hc_probe() {
	local line=
	exec 3<>"/dev/tcp/$(pf_d_addr4 "$1")/$PF_METRICS_PORT" || return 1
	printf 'GET /metrics HTTP/1.0\r\nHost: dlba\r\n\r\n' >&3
	read -r -t 2 line <&3
	exec 3<&-
	[[ $line == "HTTP/1."?" 200"* ]]
}
pf_hc_loop() {
	local i miss=(0 0 0) down=(0 0 0)
	while [ ! -e "$TESTDIR/hc.stop" ]; do
		for i in 1 2; do
			if pf_hc_probe "$i" 2>/dev/null; then
				miss[i]=0
				if [ "${down[i]}" = 1 ] && pf_hc_mark --unfail "$i"; then
					down[i]=0
					echo "$EPOCHREALTIME unfail $i" >>"$TESTDIR/hc.log"
				fi
			else
				miss[i]=$((miss[i] + 1))
				if [ "${down[i]}" = 0 ] && [ "${miss[i]}" -ge "$PF_HC_RETRIES" ] &&
					pf_hc_mark --fail "$i"; then
					down[i]=1
					echo "$EPOCHREALTIME fail $i" >>"$TESTDIR/hc.log"
				fi
			fi
		done
		sleep "$PF_HC_INTERVAL"
	done
}
# pf_hc_start: run pf_hc_loop in the LB namespace (in the background)
pf_hc_start() {
	rm -f "$TESTDIR/hc.stop"
	: >"$TESTDIR/hc.log"
	ip netns exec "$LB" env TESTDIR="$TESTDIR" LB="$LB" DLBACTL="$DLBACTL" \
		VIP4="$VIP4" VIP6="$VIP6" PF_METRICS_PORT="$PF_METRICS_PORT" \
		PF_HC_INTERVAL="$PF_HC_INTERVAL" PF_HC_RETRIES="$PF_HC_RETRIES" \
		bash -c "$(declare -f pf_hc_loop pf_hc_probe pf_hc_mark svc vip \
			bracket pf_d_addr4 lbctl dlbactl_ns); pf_hc_loop" &
	PF_HC_PID=$!
	defer kill "$PF_HC_PID"
}
pf_hc_stop() {
	touch "$TESTDIR/hc.stop"
	wait "$PF_HC_PID" 2>/dev/null
}

# -------------------------------------------------------------------- client
# pf_get FAM http|https PATH [CURL-ARGS...]: one request from the client
# over a new connection (so a new source port, so any bucket); prints the
# back-end's line, or "ERROR <why>"
pf_get() {
	pf_many 1 "$@"
}

# pf_many N FAM http|https PATH [CURL-ARGS...]: N requests from one curl
# process, each over its own connection ("Connection: close"), so from N
# source ports; one line per request as pf_get.  Over https, curl resumes
# its TLS session on every new connection, whichever DLBA server takes it.
# An HTTP error status (dlbad's own 502/503 included) is an "ERROR" line
# (curl -f), never a body that a tally could overlook.
pf_many() {
	local n=$1 fam=$2 proto=$3 path=$4 cfg i out rc
	shift 4
	cfg=$(mktemp "$TESTDIR/curl.XXXXXX")
	for ((i = 0; i < n; i++)); do
		printf 'url = "%s"\n' "$(pf_url "$fam" "$proto" "$path")" >>"$cfg"
	done
	out=$(ip netns exec "$CLI" curl -fsS --max-time 20 --connect-timeout 3 \
		--cacert "$PF_CERT" -H 'Connection: close' "$@" \
		-w '%{onerror}ERROR %{errormsg}\n' -K "$cfg" 2>/dev/null)
	rc=$?
	rm -f "$cfg"
	[ -z "$out" ] || printf '%s\n' "$out"
	[ "$rc" = 0 ] || [ -n "$out" ] || echo "ERROR curl rc=$rc"
}

# pf_dlba_of "LINE": which DLBA server (d1|d2) proxied a back-end's answer
pf_dlba_of() {
	case "$1" in
	*" dlba=$(pf_d_baddr 1) "*) echo d1 ;;
	*" dlba=$(pf_d_baddr 2) "*) echo d2 ;;
	*) echo "?" ;;
	esac
}
# pf_backend_of "LINE": b1|b2|b3
pf_backend_of() { sed -n 's/^backend=\(b[0-9]\) .*/\1/p' <<<"$1"; }

# pf_tally: back-end lines on stdin -> "d1=N d2=N b1=N b2=N b3=N err=N".
# Every other non-empty line is an error: an "ERROR" line, an answer that
# does not name one of the two DLBA servers, or any stray body text.
pf_tally() {
	awk -v a1="$(pf_d_baddr 1)" -v a2="$(pf_d_baddr 2)" '
		/^backend=b[1-3] dlba=/ && ($2 == "dlba=" a1 || $2 == "dlba=" a2) {
			split($1, b, "="); c[b[2]]++
			if ($2 == "dlba=" a1) d1++; else d2++
			next
		}
		/[^ \t]/ { e++ }
		END { printf "d1=%d d2=%d b1=%d b2=%d b3=%d err=%d\n", d1, d2, c["b1"], c["b2"], c["b3"], e }'
}
