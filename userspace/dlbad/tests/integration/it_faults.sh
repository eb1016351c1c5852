#!/bin/bash
# Failures of dlbad itself on the data path (out of memory, epoll_ctl refusing a socket, SSL_new
# failing) close only the connection they hit: each is counted in internal_errors, the worker and
# the daemon carry on, and the next request is served.  The failures are injected with
# fault_inject.so (LD_PRELOAD) at chosen calls of the worker thread.
#
# usage: it_faults.sh DLBAD FAULT_INJECT_SO
source "$(dirname "$0")/lib.sh"

FAULT_SO=${2:-}
if [ -z "$FAULT_SO" ] || [ ! -f "$FAULT_SO" ]; then
    echo "usage: $0 /path/to/dlbad /path/to/dlbad_fault_inject.so" >&2
    exit 2
fi

gen_certs
start_nginx 1
cat >"$T/dlbad.conf" <<CONF
$(conf_head 1 metrics)
backends:
  web:
    keepalive: true
    servers:
      - {key: 1, addr: 127.0.0.21:$BACKEND_PORT}
services:
  - {name: web, listen: "$VIP:$HTTP_PORT", backend: web}
  - name: web-https
    listen: $VIP:$HTTPS_PORT
    protocol: https
    tls:
      certificates:
        - {cert: $T/rsa.pem, key: $T/rsa.key}
    backend: web
CONF
URL=http://$VIP:$HTTP_PORT
SURL=https://$VIP:$HTTPS_PORT

# run_faulty NAME VAR=SPEC...: dlbad with the faults armed (after its first accepted client).
run_faulty() {
    local name=$1
    shift
    FLOG=$T/faults-$name.log
    : >"$FLOG"
    env LD_PRELOAD="$FAULT_SO" DLBAD_FAULT_LOG="$FLOG" "$@" "$DLBAD" -f -c "$T/dlbad.conf" >>"$T/dlbad.log" 2>&1 &
    DLBAD_PID=$!
    PIDS+=("$DLBAD_PID")
    for _ in $(seq 100); do
        [ -S "$SOCK" ] && return 0
        sleep 0.05
    done
    echo "dlbad did not start: $(tail -5 "$T/dlbad.log")" >&2
    return 1
}
# get URL [curl args]: the body, or "ERR" when the request failed (connection closed).
get() {
    curl -sk --max-time 5 "$@" || echo ERR
}
injected() {
    grep -c "^$1\$" "$FLOG"
}
ok_body() { # ok_body BODY: nginx's answer through dlbad
    [[ "$1" == backend=1\ uri=* ]]
}
stop_faulty() {
    kill -TERM "$DLBAD_PID" 2>/dev/null
    wait "$DLBAD_PID" 2>/dev/null
    rm -f "$SOCK"
}

# 1. epoll_ctl(ADD) fails with ENOMEM: on accepted client sockets (Worker::adopt -> start) and on
#    back-end sockets (dispatch): the 2nd, 4th and 6th registration after the first client.
run_faulty epoll DLBAD_FAULT_EPOLL_CTL=2:2:3 || exit 1
for i in $(seq 12); do get "$URL/e$i" >>"$T/epoll.out"; echo >>"$T/epoll.out"; done
check "epoll_ctl: 3 failures injected" test "$(injected epoll_ctl)" = 3
check "epoll_ctl: dlbad is still running" kill -0 "$DLBAD_PID"
check "epoll_ctl: the next request is served" ok_body "$(get "$URL/after")"
expect_num_eq "epoll_ctl: each failure counted once in internal_errors" 3 "$(service_stat web internal_errors)"
check "epoll_ctl: failures logged" grep -q "internal error: epoll_ctl(ADD): Cannot allocate memory" "$T/dlbad.log"
stop_faulty

# 2. SSL_new returns NULL for the 1st, 3rd and 5th TLS connection after the first client.
run_faulty ssl DLBAD_FAULT_SSL_NEW=1:2:3 || exit 1
get "$URL/arm" >/dev/null
good=0
for i in $(seq 8); do ok_body "$(get "$SURL/s$i")" && good=$((good + 1)); done
expect_num_eq "SSL_new: 3 failures injected" 3 "$(injected SSL_new)"
expect_num_eq "SSL_new: the other 5 TLS requests served" 5 "$good"
check "SSL_new: dlbad is still running" kill -0 "$DLBAD_PID"
check "SSL_new: the next TLS request is served" ok_body "$(get "$SURL/after")"
expect_num_eq "SSL_new: counted in the https service's internal_errors" 3 "$(service_stat web-https internal_errors)"
expect_num_eq "SSL_new: none in the http service's" 0 "$(service_stat web internal_errors)"
stop_faulty

# 3. operator new throws std::bad_alloc every 23rd call of the worker (40 times): fresh and
#    keep-alive connections, plain and TLS, parallel clients, while the allocations fail.
run_faulty new DLBAD_FAULT_NEW=5:23:40 || exit 1
get "$URL/arm" >/dev/null
for round in 1 2 3; do
    clients=()
    for j in 1 2 3 4; do
        (
            for i in $(seq 6); do get "$URL/n$round-$j-$i" >/dev/null; done
            get "$URL/k1" "$URL/k2" "$URL/k3" "$URL/k4" >/dev/null # one keep-alive connection
            for i in $(seq 3); do get "$SURL/t$round-$j-$i" >/dev/null; done
        ) &
        clients+=($!)
    done
    wait "${clients[@]}" # not dlbad
done
n=$(injected new)
check "bad_alloc: failures injected while requests ran ($n)" test "$n" -ge 10
check "bad_alloc: dlbad is still running" kill -0 "$DLBAD_PID"
# The worker may still be inside the fault window: a few tries for the last allocations.
for i in $(seq 40); do get "$URL/x$i" >/dev/null; done
check "bad_alloc: the next request is served" ok_body "$(get "$URL/after")"
check "bad_alloc: the next TLS request is served" ok_body "$(get "$SURL/after")"
errs=$(($(service_stat web internal_errors) + $(service_stat web-https internal_errors)))
check "bad_alloc: failures counted in internal_errors ($errs of $n)" test "$errs" -ge 1 -a "$errs" -le "$n"
check "bad_alloc: no client connection left open" test "$(jget "d['dlbad']['connections']")" = 0
metrics=$(curl -s --max-time 5 "http://$VIP:$METRICS_PORT/metrics")
check "bad_alloc: /metrics has dlbad_service_internal_errors_total" \
    grep -q "^dlbad_service_internal_errors_total{service=\"web\",listen=\"$VIP:$HTTP_PORT/tcp\"} [0-9]" <<<"$metrics"
check "bad_alloc: keep-alive after the faults" \
    test "$(get "$URL/k1" "$URL/k2" | grep -c '^backend=1 uri=/k')" = 2
stop_faulty

finish
