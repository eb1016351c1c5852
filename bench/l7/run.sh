#!/bin/bash
# make bench-l7: dlbad vs HAProxy (Debian's package) on this machine, same nginx back-ends, same
# wrk load, configured alike: client keep-alive, close to the server, cookie insertion on every
# response (the back-end starts a session on /login; dlbad injects SpServer, HAProxy
# "cookie ... insert indirect nocache"), X-Forwarded-For added, leastconn, the same number of
# threads.  Rows: HTTP keep-alive, HTTPS keep-alive, full TLS handshakes (ECDSA P-256, one
# request per connection, no resumption).  Prints a table, then ratio=<dlbad/HAProxy HTTP rps>.
# A run of wrk with errors (non-2xx/3xx answers, socket errors) or without all of its figures is
# reported as failed and counts in no median nor p99 comparison; if any run failed, no ratio= is
# printed and the exit status is 1 (bench/l7/run_test.sh checks this with a stand-in wrk).
#
# Environment: DLBAD (binary; default build/userspace/dlbad/dlbad), DURATION (3s), CONNS (50),
# THREADS (proxy threads, default 2), ROUNDS (3: the median of each figure over the rounds, the two
# proxies back to back per row, their order swapped every round; default 15: the machine's speed
# drifts by +-25 % over tens of seconds, so many short rounds pair the two proxies more closely), SYSCALLS (1: count system calls
# per request with perf), PROXY_CPUS / LOAD_CPUS (taskset CPU lists: pin both proxies to one set and
# wrk + nginx to another, e.g. PROXY_CPUS=1 LOAD_CPUS=0, so the load generator competes with
# either proxy in the same way), AFFINITY (default 0; 1: each proxy binds its threads one per CPU of its
# affinity mask, dlbad by "cpu_affinity: auto", HAProxy by "cpu-map"; 0: the kernel places them),
# ROWS (a subset of "http https-keepalive tls-handshakes").  The machine is shared with wrk and nginx, so the CPU time each
# proxy spends per request is printed too: it varies less than requests/s when other work
# competes for the CPUs.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DLBAD=${DLBAD:-$ROOT/build/userspace/dlbad/dlbad}
DURATION=${DURATION:-3s}
CONNS=${CONNS:-50}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-15}
AFFINITY=${AFFINITY:-0}
PROXY_CPUS=${PROXY_CPUS:-}
LOAD_CPUS=${LOAD_CPUS:-}
PROXYSET=()
LOADSET=()
[ -n "$PROXY_CPUS" ] && PROXYSET=(taskset -c "$PROXY_CPUS")
[ -n "$LOAD_CPUS" ] && LOADSET=(taskset -c "$LOAD_CPUS")
# SYSCALLS=1 (needs perf): also count the proxy's system calls per request.
SYSCALLS=${SYSCALLS:-0}
command -v perf >/dev/null || SYSCALLS=0
for t in nginx haproxy wrk openssl python3; do
    command -v "$t" >/dev/null || { echo "bench-l7: $t is not installed" >&2; exit 1; }
done
[ -x "$DLBAD" ] || { echo "bench-l7: $DLBAD not built (make userspace)" >&2; exit 1; }

T=$(mktemp -d /tmp/dlbad-bench.XXXXXX)
chmod 755 "$T"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    sleep 0.3
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT
[ -n "${BENCH_DEBUG:-}" ] && set -x
trap 'exit 1' INT TERM

BASE=$((30000 + (RANDOM % 1000) * 10))
BPORT=$((BASE + 9))
VIP_D=127.0.0.40   # dlbad
VIP_H=127.0.0.41   # HAProxy

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/ec.key" -out "$T/ec.pem" \
    -days 2 -subj "/CN=bench" >/dev/null 2>&1
cat "$T/ec.pem" "$T/ec.key" >"$T/ec-haproxy.pem"
openssl rand -hex 32 >"$T/pkey"

for n in 1 2; do
    # daemon off: nginx stays in this script's session.  A daemonizing nginx calls setsid() and
    # so gets an autogroup of its own (kernel.sched_autogroup_enabled, on by default): the
    # scheduler then shares CPU time between session groups first, and the back-end's group
    # waiting for its turn stalled every request in flight for 50-200 ms in some rounds and not
    # in others, for either proxy alike (seen in packet captures: the SYN answered at once, the
    # response 118 ms later).  With every process in one group those stalls are gone.
    cat >"$T/nginx-$n.conf" <<NGX
daemon off;
worker_processes 1;
pid $T/nginx-$n.conf.pid;
error_log $T/nginx-$n.err error;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $T/tmp-$n-body;
    proxy_temp_path $T/tmp-$n-proxy;
    fastcgi_temp_path $T/tmp-$n-fcgi;
    uwsgi_temp_path $T/tmp-$n-uwsgi;
    scgi_temp_path $T/tmp-$n-scgi;
    server {
        listen 127.0.0.$((30 + n)):$BPORT backlog=4096;
        location = /login {
            add_header Set-Cookie "JSESSIONID=\$request_id; Path=/; HttpOnly" always;
            return 200 "backend=$n login\n";
        }
        location / { return 200 "backend=$n\n"; }
    }
}
NGX
    "${LOADSET[@]}" nginx -c "$T/nginx-$n.conf" -p "$T" &
    PIDS+=($!)
done
sleep 0.3
for n in 1 2; do
    [ -f "$T/nginx-$n.conf.pid" ] || { echo "bench-l7: nginx $n did not start:" >&2; cat "$T/nginx-$n.err" >&2; exit 1; }
done

# The CPUs the proxies may use, in order: thread i of either proxy goes to the i-th (AFFINITY=1).
PCPUS=$("${PROXYSET[@]}" python3 -c "import os; print(' '.join(map(str, sorted(os.sched_getaffinity(0)))))")
read -r -a PCPUS <<<"$PCPUS"
# With fewer CPUs than threads (e.g. PROXY_CPUS=1) the mask alone decides, for both proxies.
[ "${#PCPUS[@]}" -lt "$THREADS" ] && AFFINITY=0
CPUMAP=""
DLBAD_AFFINITY=none
if [ "$AFFINITY" = 1 ]; then
    DLBAD_AFFINITY=auto
    CPUMAP="    cpu-map auto:1/1-$THREADS ${PCPUS[*]:0:$THREADS}"$'\n'
fi

cat >"$T/dlbad.conf" <<CONF
workers: $THREADS
cpu_affinity: $DLBAD_AFFINITY
persistence_key_file: $T/pkey
monitor: {unix: $T/dlbad.sock}
backends:
  web:
    servers:
      - {key: 1, addr: 127.0.0.31:$BPORT}
      - {key: 2, addr: 127.0.0.32:$BPORT}
services:
  - {name: http, listen: "$VIP_D:$BASE", backend: web, policy: cookie, cookie: {session: JSESSIONID}}
  - name: https
    listen: $VIP_D:$((BASE + 1))
    protocol: https
    tls: {certificates: [{cert: $T/ec.pem, key: $T/ec.key}]}
    backend: web
    policy: cookie
    cookie: {session: JSESSIONID}
  - name: handshakes
    listen: $VIP_D:$((BASE + 2))
    protocol: https
    tls: {certificates: [{cert: $T/ec.pem, key: $T/ec.key}], session_tickets: false}
    backend: web
    policy: cookie
    cookie: {session: JSESSIONID}
CONF
cat >"$T/haproxy.cfg" <<CFG
global
    nbthread $THREADS
$CPUMAP    maxconn 8000
    tune.ssl.cachesize 0
defaults
    mode http
    timeout connect 3s
    timeout client 30s
    timeout server 30s
    option http-server-close
    option forwardfor
    maxconn 8000
backend web
    balance leastconn
    cookie SpServer insert indirect nocache
    server s1 127.0.0.31:$BPORT cookie s1
    server s2 127.0.0.32:$BPORT cookie s2
frontend http
    bind $VIP_H:$BASE
    default_backend web
frontend https
    bind $VIP_H:$((BASE + 1)) ssl crt $T/ec-haproxy.pem alpn http/1.1
    default_backend web
frontend handshakes
    bind $VIP_H:$((BASE + 2)) ssl crt $T/ec-haproxy.pem alpn http/1.1 no-tls-tickets
    default_backend web
CFG

"${PROXYSET[@]}" "$DLBAD" -f -q -c "$T/dlbad.conf" >"$T/dlbad.log" 2>&1 &
PIDS+=($!)
PID_dlbad=$!
"${PROXYSET[@]}" haproxy -q -f "$T/haproxy.cfg" >"$T/haproxy.log" 2>&1 &
PIDS+=($!)
PID_haproxy=$!
sleep 1
kill -0 "$PID_haproxy" 2>/dev/null || { echo "haproxy exited:" >&2; cat "$T/haproxy.log" >&2; haproxy -c -f "$T/haproxy.cfg" >&2; exit 1; }
for vip in $VIP_D $VIP_H; do
    for p in $BASE $((BASE + 1)) $((BASE + 2)); do
        proto=http
        [ "$p" != "$BASE" ] && proto=https
        code=$(curl -sk -o /dev/null -w '%{http_code}' "$proto://$vip:$p/login")
        [ "$code" = 200 ] || { echo "bench-l7: $proto://$vip:$p/login answered $code" >&2; cat "$T"/*.log >&2; exit 1; }
    done
done
# Sanity: both proxies insert the cookie.
curl -s -D - -o /dev/null "http://$VIP_D:$BASE/login" | grep -qi '^Set-Cookie: SpServer=' || { echo "dlbad: no cookie" >&2; exit 1; }
curl -s -D - -o /dev/null "http://$VIP_H:$BASE/login" | tee "$T/hh" | grep -qi '^Set-Cookie: SpServer=' || { echo "haproxy: no cookie" >&2; cat "$T/hh" >&2; exit 1; }

# "comm=cpus ..." for every thread of a process (to show where AFFINITY put them).
threadcpus() {
    for t in "/proc/$1/task/"*; do
        echo "$(cat "$t/comm")=$(awk '/^Cpus_allowed_list/{print $2}' "$t/status")"
    done | tr '\n' ' '
}
echo "# threads: dlbad $(threadcpus "$PID_dlbad"); haproxy $(threadcpus "$PID_haproxy")" >&2

cputicks() { # utime + stime of a process, in clock ticks
    awk '{print $14 + $15}' "/proc/$1/stat"
}
HZ=$(getconf CLK_TCK)

# run PID URL [wrk args...] -> "rps p99_ms cpu_us_per_request syscalls_per_request p50_ms p90_ms p99.9_ms max_ms",
# or "FAILED <reason>" when wrk saw errors (non-2xx/3xx answers, socket errors) or a figure is
# missing (wrk_figures.py): such a run has no figures, it is not a fast or a slow one.
run() {
    local pid=$1 url=$2
    shift 2
    local out c0 c1
    c0=$(cputicks "$pid")
    local sc=""
    if [ "$SYSCALLS" = 1 ]; then
        perf stat -x, -e raw_syscalls:sys_enter -p "$pid" -o "$T/perf.$pid" &
        sc=$!
    fi
    out=$("${LOADSET[@]}" wrk -s "$ROOT/bench/l7/percentiles.lua" -t2 -c"$CONNS" -d"$DURATION" --latency "$@" "$url" 2>&1)
    c1=$(cputicks "$pid")
    if [ -n "$sc" ]; then
        kill -INT "$sc"
        wait "$sc" 2>/dev/null
    fi
    local fig rps p50 p90 p99 p999 pmax reqs cpu
    if ! fig=$(python3 "$ROOT/bench/l7/wrk_figures.py" <<<"$out"); then
        echo "$fig"
        return
    fi
    read -r rps p50 p90 p99 p999 pmax reqs <<<"$fig"
    cpu=$(python3 -c "print(round(($c1 - $c0) * 1e6 / $HZ / $reqs, 1))")
    local calls=0
    if [ "$SYSCALLS" = 1 ]; then
        calls=$(awk -F, '/raw_syscalls/{print $1}' "$T/perf.$pid")
        calls=$(python3 -c "print(round(${calls:-0} / $reqs, 1))")
    fi
    echo "$rps $p99 $cpu $calls $p50 $p90 $p999 $pmax"
}

declare -A RPS P99 CPU SYS FAILED LOWER COMPARED
rows=${ROWS:-http https-keepalive tls-handshakes}
failed=0
# Interleaved (row by row, the two proxies back to back, the order swapped every round) so both
# see the same background load as far as possible; each cell is the median over the rounds (of
# each figure on its own), which a single lucky or unlucky round cannot move.  A failed run
# (errors, or figures missing) enters no median, and its round no p99 comparison.
for round in $(seq "$ROUNDS"); do
    order="dlbad haproxy"
    [ $((round % 2)) = 0 ] && order="haproxy dlbad"
    for row in $rows; do
        dp99=""
        hp99=""
        for proxy in $order; do
            vip=$VIP_D
            pid=$PID_dlbad
            [ "$proxy" = haproxy ] && vip=$VIP_H && pid=$PID_haproxy
            case $row in
            http) r=$(run $pid "http://$vip:$BASE/login") ;;
            https-keepalive) r=$(run $pid "https://$vip:$((BASE + 1))/login") ;;
            tls-handshakes) r=$(run $pid "https://$vip:$((BASE + 2))/login" -H "Connection: close") ;;
            esac
            key=$proxy.$row
            if [ "${r%% *}" = FAILED ]; then
                failed=$((failed + 1))
                FAILED[$key]="${FAILED[$key]:-} round $round: ${r#FAILED }"
                echo "# round $round $key FAILED: ${r#FAILED }" >&2
                continue
            fi
            read -r rps p99 cpu calls p50 p90 p999 pmax <<<"$r"
            RPS[$key]="${RPS[$key]:-} $rps"
            P99[$key]="${P99[$key]:-} $p99"
            CPU[$key]="${CPU[$key]:-} $cpu"
            SYS[$key]="${SYS[$key]:-} $calls"
            [ "$proxy" = dlbad ] && dp99=$p99
            [ "$proxy" = haproxy ] && hp99=$p99
            [ -n "${BENCH_VERBOSE:-}" ] && echo "# round $round $key: rps=$rps p50=${p50}ms p90=${p90}ms p99=${p99}ms p99.9=${p999}ms max=${pmax}ms cpu/req=${cpu}us syscalls/req=$calls" >&2
        done
        if [ -n "$dp99" ] && [ -n "$hp99" ]; then
            COMPARED[$row]=$((${COMPARED[$row]:-0} + 1))
            python3 -c "import sys; sys.exit(0 if $dp99 <= $hp99 else 1)" && LOWER[$row]=$((${LOWER[$row]:-0} + 1))
        fi
    done
done
# shellcheck disable=SC2086 # $1 is a list of figures, one argument each
median() { python3 -c "import statistics, sys; print(statistics.median(float(x) for x in sys.argv[1:]))" $1; }
for k in "${!RPS[@]}"; do
    RPS[$k]=$(median "${RPS[$k]}")
    P99[$k]=$(median "${P99[$k]}")
    CPU[$k]=$(median "${CPU[$k]}")
    SYS[$k]=$(median "${SYS[$k]}")
done

printf '%-16s %10s %12s %6s %9s %11s %12s %14s\n' row dlbad_rps haproxy_rps ratio dlbad_p99 haproxy_p99 \
    dlbad_cpu/req haproxy_cpu/req
for row in $rows; do
    # A proxy none of whose runs of this row counted has no figures: n/a, not 0.
    if [ -z "${RPS[dlbad.$row]:-}" ] || [ -z "${RPS[haproxy.$row]:-}" ]; then
        printf '%-16s %10s %12s %6s %9s %11s %12s %14s\n' "$row" "${RPS[dlbad.$row]:-n/a}" \
            "${RPS[haproxy.$row]:-n/a}" n/a "${P99[dlbad.$row]:-n/a}" "${P99[haproxy.$row]:-n/a}" \
            "${CPU[dlbad.$row]:-n/a}" "${CPU[haproxy.$row]:-n/a}"
        continue
    fi
    d=${RPS[dlbad.$row]}
    h=${RPS[haproxy.$row]}
    ratio=$(python3 -c "print(f'{$d / $h:.2f}' if $h else 'n/a')")
    printf '%-16s %10.0f %12.0f %6s %7.2fms %9.2fms %10.1fus %12.1fus\n' "$row" "$d" "$h" "$ratio" \
        "${P99[dlbad.$row]}" "${P99[haproxy.$row]}" "${CPU[dlbad.$row]}" "${CPU[haproxy.$row]}"
done
if [ "$SYSCALLS" = 1 ]; then
    for row in $rows; do
        echo "# syscalls/request $row: dlbad ${SYS[dlbad.$row]:-n/a}, haproxy ${SYS[haproxy.$row]:-n/a}"
    done
fi
for row in $rows; do
    echo "# p99 $row: dlbad's at or below HAProxy's in ${LOWER[$row]:-0} of ${COMPARED[$row]:-0} rounds" \
        "(of $ROUNDS; a round with a failed run is not compared)"
done
pin="not pinned"
[ -n "$PROXY_CPUS$LOAD_CPUS" ] && pin="proxies on CPUs ${PROXY_CPUS:-any}, wrk and nginx on ${LOAD_CPUS:-any}"
[ "$AFFINITY" = 1 ] && pin="$pin; proxy threads bound one per CPU of ${PCPUS[*]}"
echo "# $(nproc) CPUs shared by wrk (2 threads, $CONNS connections), the proxy ($THREADS threads) and 2 nginx ($pin);"
echo "# median of $ROUNDS rounds of $DURATION; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
# Any failed run (errors or missing figures) fails the benchmark: its figures are not comparable
# and no ratio is printed.
if [ "$failed" -ne 0 ]; then
    for k in "${!FAILED[@]}"; do
        echo "# FAILED $k:${FAILED[$k]}"
    done
    echo "bench-l7: $failed runs failed (errors or missing figures): no ratio" >&2
    exit 1
fi
echo "ratio=$(python3 -c "print(f'{${RPS[dlbad.http]} / ${RPS[haproxy.http]}:.2f}')")"
