# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for the dlba.ko scenarios (selftests/dlba/*.sh): load the module,
# build the topology of lb_topo.sh, configure services with dlbactl (the
# documented command line, /tmp/dlba/DLBACTL-CLI.md / dlbactl(8)) and read
# its JSON output with jq.
#
# Source lib.sh and lb_topo.sh first.

# lbctl ARGS...: dlbactl in the LB namespace.
lbctl() {
	dlbactl_ns "$LB" "$@"
}

# Kernel log lines present when the test file started; dlba_check_dmesg
# reports new problem lines, so a kernel warning is pinned to its test file.
DMESG_START=0
DMESG_PATTERN='BUG:|WARNING:|Oops|blocked for more than|general protection|Kernel panic|KASAN|UBSAN|refcount_t|detected stall'

# dlba_setup [udp]: everything a scenario needs: dlbactl, the module, the
# topology (with UDP echo servers when "udp" is given).
# shellcheck disable=SC2120 # the UDP argument is optional (dlba_setup [udp])
dlba_setup() {
	require_root
	require_cmd nginx curl ip jq
	require_dlbactl
	DMESG_START=$(dmesg | wc -l)
	dlba_load || setup_fail "could not load $DLBA_KO"
	export LB_TOPO_UDP=${1:-}
	lb_topo_setup || setup_fail "could not build the topology"
}

# dlba_check_dmesg: pin a kernel problem logged since dlba_setup to this
# test file.  The VM harness scans the whole log once per kernel (that is
# the counted check); this is only a second look, so it prints a TEST line
# only when it finds something (a FAIL, not in the file's PLAN).
dlba_check_dmesg() {
	local new
	new=$(dmesg | tail -n +"$((DMESG_START + 1))" | grep -E "$DMESG_PATTERN")
	if [ -n "$new" ]; then
		fail "kernel log: $(head -n 3 <<<"$new" | tr '\n' '|')"
		log_test "${0##*/}: kernel log has no BUG/WARNING/Oops"
	else
		log_info "${0##*/}: kernel log clean since the file started"
	fi
}

# svc_setup FAM METHOD [PROTO] [WEIGHTS] [SERVICE-ADD-OPTIONS...]
# Create the service on the VIP (tcp: port 80, udp: $UDP_PORT) and one
# server per weight (ids 1.., servers s1..): dr with the server's MAC, nat
# to port 8080 (tcp), tun to the server address.  WEIGHTS: "1 1 1" default;
# "-" skips an id.  Prints nothing; returns non-zero on any dlbactl error.
svc_setup() {
	local fam=$1 method=$2 proto=${3:-tcp} weights=${4:-"1 1 1"} s i w
	shift 4 2>/dev/null || shift $#
	s=$(svc_of "$fam" "$proto")
	run_cmd lbctl service add "$s" "$@" || return 1
	i=0
	for w in $weights; do
		i=$((i + 1))
		[ "$w" = - ] && continue
		srv_add "$fam" "$method" "$proto" "$i" "$w" || return 1
	done
}

# srv_add FAM METHOD PROTO ID WEIGHT [EXTRA...]
srv_add() {
	local fam=$1 method=$2 proto=$3 i=$4 w=$5 s args
	shift 5
	s=$(svc_of "$fam" "$proto")
	args=(--id "$i" --addr "$(srv_addr "$fam" "$i")" --weight "$w" --method "$method")
	case $method in
	dr) args+=(--mac "$(srv_mac "$i")") ;;
	nat) [ "$proto" = tcp ] && args+=(--port 8080) ;;
	esac
	run_cmd lbctl server add "$s" "${args[@]}" "$@"
}

# svc_of FAM PROTO: the service string of the test VIP for PROTO.
svc_of() {
	if [ "${2:-tcp}" = udp ]; then svc "$1" "$UDP_PORT" udp; else svc "$1" 80 tcp; fi
}

# ------------------------------------------------------------ JSON readers
# summary SVC: `buckets --summary` JSON
summary() { lbctl -j buckets "$1" --summary; }
# srv_buckets SVC ID: buckets the summary gives server ID (0 if none)
srv_buckets() { summary "$1" | jq -r --arg id "$2" '.servers[$id] // 0'; }
# bucket_ids SVC FILE: the assignment array (server id per bucket) as JSON
bucket_ids() { lbctl -j buckets "$1" | jq -c '[.buckets[][0]]' >"$2"; }
# svc_json SVC: the service's entry of `service list`
svc_json() { lbctl -j service list "$1" | jq -c '.[0]'; }
# tables_snapshot FILE: everything an admin can read in the LB netns,
# minus time-dependent fields, for "nothing changed" checks.  Bucket tables
# as `buckets save` writes them (version, count, hash key, assignment
# array), without a jq pass over every bucket: slow for 4M buckets in an
# emulated VM.
tables_snapshot() {
	{
		lbctl -j service list | jq -S 'sort_by(.addr, .port, .proto)'
		lbctl -j server list | jq -S 'sort_by(.service, .id)'
		lbctl -j service list | jq -r '.[] | "\(if .family == "inet6" then "[\(.addr)]" else .addr end):\(.port)/\(.proto)"' |
			while read -r s; do
				lbctl buckets save "$s" -o -
				echo
			done
	} >"$1" 2>&1
}

# ----------------------------------------------------------------- streams
# Long-lived connections: curl downloads /big from the client while every
# server paces each of its flows to STREAM_RATE (fq qdisc maxrate on its
# eth0), so the flows really stream through the LB for as long as the test
# needs, however slow the VM.  streams_release lifts the pacing and the
# downloads complete in a moment; only then is "none broken" checked.
STREAM_RATE=${STREAM_RATE:-2mbit}
STREAM_PIDS=()

# streams_start FAM N: N downloads of /big, each over its own connection.
# Results: $TESTDIR/stream.K.{rc,out,err}; out = "size local_port".
streams_start() {
	local fam=$1 n=$2 k u i ns
	u=$(url "$fam" /big)
	kmod_load sch_fq || return 1
	for i in 1 2 3; do
		ns=$(srv_ns "$i")
		tc -n "$ns" qdisc replace dev eth0 root fq maxrate "$STREAM_RATE" || return 1
		defer tc -n "$ns" qdisc del dev eth0 root
	done
	STREAM_PIDS=()
	for ((k = 0; k < n; k++)); do
		rm -f "$TESTDIR/stream.$k".*
		(
			ip netns exec "$CLI" curl -fsS -o /dev/null --max-time 600 \
				-w '%{size_download} %{local_port}\n' \
				"$u" >"$TESTDIR/stream.$k.out" 2>"$TESTDIR/stream.$k.err"
			echo $? >"$TESTDIR/stream.$k.rc"
		) &
		STREAM_PIDS+=("$!")
	done
	defer kill "${STREAM_PIDS[@]}"
}

# streams_release: remove the pacing; the downloads finish at full speed
streams_release() {
	local i
	for i in 1 2 3; do
		tc -n "$(srv_ns "$i")" qdisc del dev eth0 root 2>/dev/null
	done
}

# streams_established NS...: number of established :80 connections the
# given server namespaces hold (each stream is one)
streams_established() {
	local ns n=0 c
	for ns in "$@"; do
		c=$(ip netns exec "$ns" ss -Htn state established '( sport = :80 )' | wc -l)
		n=$((n + c))
	done
	echo "$n"
}

# streams_up N NS...: true when the servers in NS... hold N established
# streams together, and each of them at least one
streams_up() {
	local n=$1 ns
	shift
	for ns in "$@"; do
		[ "$(streams_established "$ns")" -gt 0 ] || return 1
	done
	[ "$(streams_established "$@")" = "$n" ]
}

# stream_ports_of NS: client ports of the established :80 connections of
# a server namespace, one per line
stream_ports_of() {
	ip netns exec "$1" ss -Htn state established '( sport = :80 )' |
		awk '{ n = split($4, a, ":"); print a[n] }' | sort -n
}

# streams_wait: release the pacing, wait for every download (not from a
# subshell: only this shell can wait for its children) and write
# "K rc size port" per stream to $TESTDIR/streams.res
streams_wait() {
	local k
	streams_release
	wait "${STREAM_PIDS[@]}" 2>/dev/null
	: >"$TESTDIR/streams.res"
	for ((k = 0; k < ${#STREAM_PIDS[@]}; k++)); do
		echo "$k $(cat "$TESTDIR/stream.$k.rc" 2>/dev/null || echo X) $(cat "$TESTDIR/stream.$k.out" 2>/dev/null)" \
			>>"$TESTDIR/streams.res"
	done
}

# shellcheck disable=SC2034 # used by the test files
BIG_BYTES=$((NGINX_BIG_MB * 1024 * 1024))
