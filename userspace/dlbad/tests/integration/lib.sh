# shellcheck shell=bash
# Shared helpers of dlbad's integration tests (sourced).  Real nginx back-ends on 127.0.0.x,
# real dlbad, real clients (curl, openssl s_client, wrk, python3 raw sockets), everything under a
# temporary directory removed on exit, every process started here stopped on exit.
#
# Usage: DLBAD=/path/to/dlbad bash test.sh   (ctest passes it as $1)

set -u
DLBAD=${DLBAD:-${1:-}}
if [ -z "$DLBAD" ] || [ ! -x "$DLBAD" ]; then
    echo "usage: $0 /path/to/dlbad" >&2
    exit 2
fi
# shellcheck disable=SC2034 # used by the it_*.sh scripts that source this file
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IT_NAME=$(basename "$0" .sh)
# Results, clean-up and generic helpers are those of the VM selftests
# (selftests/net/ksft.sh): every check prints one kselftest line,
# "TEST: <script>: <desc>  [ OK ]|[FAIL]|[SKIP]", a skip exits 4 (CTest's
# SKIP_RETURN_CODE), and what a test starts is stopped by a deferred
# clean-up.  With DLBA_IT_RESULTS set (scripts/check.sh sets it), the
# lines also go to $DLBA_IT_RESULTS/<script>.tests, where `make check`
# counts every check once; ctest's own verdict on the script only catches a
# script that dies without a FAIL line.
KSFT_NAME=$IT_NAME
# loopback answers fast: poll often, give up sooner than in an emulated VM
WAIT_FOR_POLL=0.05
WAIT_LISTEN_S=10
# shellcheck source=../../../../selftests/net/ksft.sh
source "$HERE/../../../../selftests/net/ksft.sh"

# A missing tool skips the script (skip_all, require_cmd: exit 4, CTest's
# skip); a back-end or dlbad that does not start fails it (setup_fail, or
# the setup_* and start_nginx/start_fake helpers below: one FAIL line
# "<script>: set-up", exit 1).
# it_line OK|FAIL|SKIP DESC: one TEST line; a DESC of several lines (a daemon's message) is
# joined with " / ", or the verdict would end a line make check does not read as a TEST line.
it_line() {
    local desc=${2//$'\n'/ / }
    ksft_result "$1" "$IT_NAME: $desc"
}
require_cmd nginx curl openssl python3 ss

T=$(mktemp -d /tmp/dlbad-it.XXXXXX)
chmod 755 "$T" # nginx workers run unprivileged and serve files from here
PIDS=()
NGINX_CONFS=()
# A random port block per run so parallel runs (and other engineers' tests) do not collide.
BASE=$((20000 + (RANDOM % 2000) * 10))
# shellcheck disable=SC2034 # used by the it_*.sh scripts that source this file
VIP=127.0.0.20
# shellcheck disable=SC2034 # used by the it_*.sh scripts that source this file
HTTP_PORT=$BASE
# shellcheck disable=SC2034 # used by the it_*.sh scripts that source this file
HTTPS_PORT=$((BASE + 1))
# shellcheck disable=SC2034 # used by the it_*.sh scripts that source this file
TCP_MON_PORT=$((BASE + 2))
# shellcheck disable=SC2034 # used by the it_*.sh scripts that source this file
METRICS_PORT=$((BASE + 3))
BACKEND_PORT=$((BASE + 5))
SOCK=$T/status.sock

# it_tmp_done: the temporary directory goes, unless a check failed or
# KEEP_TMP=1: then it stays, and dlbad's log ends the output.
it_tmp_done() {
    if [ "$NUM_FAIL" -ne 0 ] || [ "${KEEP_TMP:-0}" = 1 ]; then
        echo "--- dlbad log (tail) ---"
        tail -n 40 "$T/dlbad.log" 2>/dev/null
        echo "(temporary files in $T)"
    else
        rm -rf "$T"
    fi
}
# it_stop_all: every nginx and every process in PIDS (the tests add their
# own helpers to it): asked to stop, then killed.
it_stop_all() {
    local c p
    for c in "${NGINX_CONFS[@]}"; do
        [ -f "$c.pid" ] && kill "$(cat "$c.pid" 2>/dev/null)" 2>/dev/null
    done
    for p in "${PIDS[@]}"; do
        kill "$p" 2>/dev/null
    done
    sleep 0.2
    for p in "${PIDS[@]}"; do
        kill -9 "$p" 2>/dev/null
    done
    for c in "${NGINX_CONFS[@]}"; do
        [ -f "$c.pid" ] && kill -9 "$(cat "$c.pid" 2>/dev/null)" 2>/dev/null
    done
}
defer_loud it_tmp_done
defer it_stop_all

ok() {
    it_line OK "$*"
}
not_ok() {
    it_line FAIL "$*"
}
# check "description" command...
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else not_ok "$what"; fi
}
# expect_eq "description" expected actual
expect_eq() {
    if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (expected '$2', got '$3')"; fi
}
# expect_num_eq "description" expected actual: both must be numbers (an empty or missing figure
# on either side fails, rather than matching another empty one), and equal.
expect_num_eq() {
    local num='^[0-9]+(\.[0-9]+)?$'
    if ! [[ "$2" =~ $num && "$3" =~ $num ]]; then
        not_ok "$1 (not numbers: expected '$2', got '$3')"
    elif python3 -c "import sys; sys.exit(0 if float('$2') == float('$3') else 1)"; then
        ok "$1 ($3)"
    else
        not_ok "$1 (expected '$2', got '$3')"
    fi
}
finish() {
    echo "# $NUM_PASS passed, $NUM_FAIL failed"
    [ "$NUM_FAIL" -eq 0 ]
}

# Test certificates, generated for this run: RSA 2048 and ECDSA P-256, self-signed (set-up fails
# if openssl cannot make them).
gen_certs() {
    gen_certs_1 || setup_fail "openssl could not make the test certificates"
}
gen_certs_1() {
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/rsa.key" -out "$T/rsa.pem" -days 2 \
        -subj "/CN=dlbad-test-rsa" >/dev/null 2>&1 || return 1
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/ecdsa.key" \
        -out "$T/ecdsa.pem" -days 2 -subj "/CN=dlbad-test-ecdsa" >/dev/null 2>&1 || return 1
}

# start_nginx N...: back-ends number N (1..9), each on 127.0.0.(20+N):BACKEND_PORT (set-up fails
# if one does not start: start_nginx_1 is the one-back-end step).  Each answers
# "backend=N ..." with what it received (URI, forwarding headers, cookies), sets a session
# cookie on /login, serves /big (8 MiB file), /slow (1 s late), accepts uploads on /upload,
# echoes Host and the forwarding and cookie headers on /hdrs and answers 404, 501 and 503 on
# /code/404, /code/501 and /code/503.
start_nginx() {
    local n
    for n in "$@"; do
        start_nginx_1 "$n" || setup_fail "nginx back-end $n did not start"
    done
}
start_nginx_1() {
    local n=$1 conf=$T/nginx-$1.conf
    mkdir -p "$T/www-$n" "$T/tmp-$n"
    [ -f "$T/www-$n/big" ] || head -c 8388608 /dev/urandom >"$T/www-$n/big"
    { echo "backend=$n held"; head -c 6000 /dev/zero | tr '\0' x; } >"$T/www-$n/held"
    cat >"$conf" <<NGX
worker_processes 1;
pid $conf.pid;
error_log $T/nginx-$n.err warn;
events { worker_connections 1024; }
http {
    log_format dlbad '\$request \$status len=\$request_length conn=\$connection reqs=\$connection_requests xff=\$http_x_forwarded_for';
    access_log $T/nginx-$n.access dlbad;
$(nginx_temp_paths "$T/tmp-$n")
    keepalive_requests 100000;
    server {
        listen 127.0.0.$((20 + n)):$BACKEND_PORT reuseport;
        root $T/www-$n;
        location = /login {
            add_header Set-Cookie "JSESSIONID=s$n-\$request_id; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax" always;
            return 200 "backend=$n login\n";
        }
        location = /big { }
        location = /slow { echo_sleep 1; }
        # ~0.6 s to send (10 kB/s): requests sent together are in flight together.
        location = /held { limit_rate 10k; }
        location = /upload {
            client_max_body_size 64m;
            client_body_buffer_size 64m;
            return 200 "backend=$n upload len=\$content_length te=\$http_transfer_encoding\n";
        }
        # Status codes the back-end itself answers (nginx's own error page for each).
        location = /code/404 { return 404; }
        location = /code/501 { return 501; }
        location = /code/503 { return 503; }
        location = /hdrs {
            return 200 "backend=$n host=\$http_host xff=\$http_x_forwarded_for proto=\$http_x_forwarded_proto fwd=\$http_forwarded cookie=\$http_cookie other=\$http_x_other\n";
        }
        location / {
            return 200 "backend=$n uri=\$request_uri xff=\$http_x_forwarded_for proto=\$http_x_forwarded_proto fwd=\$http_forwarded cookie=\$http_cookie conn=\$http_connection\n";
        }
    }
}
NGX
    # echo_sleep is not in nginx-light: drop that location.
    sed -i '/location = \/slow/d' "$conf"
    [[ " ${NGINX_CONFS[*]} " == *" $conf "* ]] || NGINX_CONFS+=("$conf")
    nginx -c "$conf" -p "$T" >/dev/null 2>&1 || { echo "nginx $n failed: $(cat "$T/nginx-$n.err")"; return 1; }
    wait_port "127.0.0.$((20 + n))" "$BACKEND_PORT"
}

stop_nginx() {
    local conf=$T/nginx-$1.conf
    [ -f "$conf.pid" ] && kill "$(cat "$conf.pid")" 2>/dev/null
    for _ in $(seq 50); do
        [ -f "$conf.pid" ] || break
        kill -0 "$(cat "$conf.pid" 2>/dev/null)" 2>/dev/null || break
        sleep 0.1
    done
    rm -f "$conf.pid"
}

# wait_port ADDR PORT: until a TCP socket listens on ADDR:PORT
wait_port() {
    wait_listen "" tcp "$2" "$1" || { echo "port $1:$2 never opened" >&2; return 1; }
}

# conf_head WORKERS [metrics|tcp]...: the first lines of a dlbad.conf, "workers: WORKERS" and the
# monitor block: the status socket $SOCK, and the metrics port ($VIP:$METRICS_PORT) or the TCP
# status port ($VIP:$TCP_MON_PORT) where named.  One line each, as written out.
conf_head() {
    local m
    printf 'workers: %s\nmonitor:\n  unix: %s\n' "$1" "$SOCK"
    for m in "${@:2}"; do
        case $m in
        metrics) echo "  metrics: $VIP:$METRICS_PORT" ;;
        tcp) echo "  tcp: $VIP:$TCP_MON_PORT" ;;
        *) echo "conf_head: no monitor key '$m'" >&2; return 1 ;;
        esac
    done
}

# nginx_servers N[=KEY]...: the dlbad.conf server lines of nginx back-ends N (start_nginx), key N
# unless given, for a backend's "servers:" list.
nginx_servers() {
    local a
    for a in "$@"; do
        echo "      - {key: ${a#*=}, addr: 127.0.0.$((20 + ${a%%=*})):$BACKEND_PORT}"
    done
}

# web_backend N[=KEY]...: backend "web" of nginx back-ends N, for the "backends:" section.
web_backend() {
    printf '  web:\n    servers:\n'
    nginx_servers "$@"
}

# start_fake MODE ADDR PORT [ARG...]: fake_backend.py MODE on ADDR:PORT (stopped on exit), until
# it listens; set-up fails if it does not.
start_fake() {
    python3 "$HERE/fake_backend.py" "$@" &
    PIDS+=("$!")
    wait_port "$2" "$3" || setup_fail "fake_backend.py $1 did not listen on $2:$3"
}

# start_dlbad CONFIG [extra args]: foreground, log in $T/dlbad.log, waits for the monitor socket.
start_dlbad() {
    "$DLBAD" -f -c "$1" "${@:2}" >>"$T/dlbad.log" 2>&1 &
    DLBAD_PID=$!
    PIDS+=("$DLBAD_PID")
    for _ in $(seq 100); do
        [ -S "$SOCK" ] && return 0
        kill -0 "$DLBAD_PID" 2>/dev/null || { echo "dlbad exited: $(tail -5 "$T/dlbad.log")"; return 1; }
        sleep 0.05
    done
    echo "dlbad did not start" >&2
    return 1
}

# setup_dlbad CONFIG [extra args]: start_dlbad, and set-up fails if dlbad does not start.
setup_dlbad() {
    start_dlbad "$@" || setup_fail "dlbad did not start with $1"
}

stop_dlbad() {
    kill -TERM "$DLBAD_PID" 2>/dev/null
    for _ in $(seq 100); do
        kill -0 "$DLBAD_PID" 2>/dev/null || return 0
        sleep 0.05
    done
    return 1
}

# status: the JSON status document from the unix socket.
status() {
    "$DLBAD" --status "$SOCK" --json
}
# jq-less JSON query: jget 'python expression over d'
jget() {
    status | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"
}
# server_stat BACKEND_N FIELD: figure of back-end number N (addr 127.0.0.(20+N)).
server_stat() {
    jget "[s['stats']['$2'] for s in d['servers'] if s['addr']=='127.0.0.$((20 + $1))'][0]"
}
server_field() {
    jget "[s['$2'] for s in d['servers'] if s['addr']=='127.0.0.$((20 + $1))'][0]"
}
service_stat() {
    jget "[s['stats']['$2'] for s in d['services'] if s['name']=='$1'][0]"
}

# backend_of "curl output": the N of "backend=N".
backend_of() {
    sed -n 's/^backend=\([0-9]*\).*/\1/p' <<<"$1" | head -n1
}

# Writes a key file (64 hex digits) for persistence cookies.
gen_key() {
    openssl rand -hex 32 >"$1"
}
