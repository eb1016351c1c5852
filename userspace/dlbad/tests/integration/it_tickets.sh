#!/bin/bash
# TLS session resumption across reloads and restarts (dlbad.conf(5) ticket_key_file): a ticket
# issued before a SIGHUP resumes after it, and after a restart of dlbad with the same key file;
# with another key file it does not (a full handshake instead).  Without a key file the random
# key is kept across reloads but not across restarts.  TLS 1.2 and TLS 1.3 tickets alike.
source "$(dirname "$0")/lib.sh"

gen_certs || { echo "openssl failed"; exit 1; }
start_nginx 1 || exit 1
openssl rand -hex 80 >"$T/ticket-a.key"
openssl rand -hex 80 >"$T/ticket-b.key"
EP=$VIP:$HTTPS_PORT
REQ=$'GET /t HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n'

write_conf() { # write_conf KEYFILE|none [timeout]: the timeout changes to make a reload visible
    {
        echo "workers: 2"
        [ "$1" = none ] || echo "ticket_key_file: $1"
        echo "monitor: {unix: $SOCK}"
        echo "backends:"
        echo "  web:"
        echo "    servers:"
        echo "      - {key: 1, addr: 127.0.0.21:$BACKEND_PORT}"
        echo "services:"
        echo "  - name: web-https"
        echo "    listen: $EP"
        echo "    protocol: https"
        echo "    tls: {certificates: [{cert: $T/ecdsa.pem, key: $T/ecdsa.key}]}"
        echo "    backend: web"
        echo "    timeouts: {tls_handshake: ${2:-5s}}"
    } >"$T/dlbad.conf"
}
restart() { # restart KEYFILE|none
    stop_dlbad || return 1
    rm -f "$SOCK"
    write_conf "$1"
    start_dlbad "$T/dlbad.conf"
}
reload() { # reload: SIGHUP with a changed file; waits for the new generation
    local g
    g=$(jget "d['dlbad']['generation']")
    write_conf "$1" "$((RANDOM % 5 + 6))s"
    kill -HUP "$DLBAD_PID"
    for i in $(seq 50); do
        [ "$(jget "d['dlbad']['generation']")" = $((g + 1)) ] && return 0
        sleep 0.1
    done
    return 1
}
sclient() { # sclient OUTFILE VERSION args...: one request, waits for the answer (and the tickets)
    local out=$1 v=$2
    shift 2
    printf '%s' "$REQ" | timeout 10 openssl s_client -connect "$EP" -servername test -ign_eof "-tls${v/./_}" "$@" \
        >"$out" 2>&1
}
# session VERSION NAME: a new session, saved as $T/NAME.VERSION
session() {
    sclient "$T/$2.$1.out" "$1" -sess_out "$T/$2.$1"
    grep -q "^New, TLSv$1" "$T/$2.$1.out" && grep -q '^backend=1' "$T/$2.$1.out"
}
# resumed VERSION NAME: prints "Reused" or "New" (and whether the request was answered)
resumed() {
    sclient "$T/r.out" "$1" -sess_in "$T/$2.$1"
    echo "$(sed -n "s/^\(Reused\|New\), TLSv$1.*/\1/p" "$T/r.out" | head -n1)$(grep -q '^backend=1' "$T/r.out" && echo ", answered")"
}

write_conf "$T/ticket-a.key"
start_dlbad "$T/dlbad.conf" || exit 1
for v in 1.2 1.3; do
    check "TLS $v: session with a ticket under key file A" session $v a
    expect_eq "TLS $v: resumed at once (the test's own check)" "Reused, answered" "$(resumed $v a)"
done

check "SIGHUP reload (a new generation)" reload "$T/ticket-a.key"
for v in 1.2 1.3; do
    expect_eq "TLS $v: a ticket from before the reload resumes after it" "Reused, answered" "$(resumed $v a)"
done

check "restart with the same key file" restart "$T/ticket-a.key"
for v in 1.2 1.3; do
    expect_eq "TLS $v: a ticket from before the restart resumes (same key file)" "Reused, answered" "$(resumed $v a)"
done
expect_num_eq "the two resumptions counted by the restarted dlbad" 2 "$(service_stat web-https tls_resumed)"

check "restart with another key file" restart "$T/ticket-b.key"
for v in 1.2 1.3; do
    expect_eq "TLS $v: another key file: full handshake, not resumed" "New, answered" "$(resumed $v a)"
done

# No key file: a random key, the same for all workers and kept across reloads; a restart makes
# a new one.
check "restart without a key file" restart none
for v in 1.2 1.3; do
    check "TLS $v: session with a ticket under the random key" session $v r
done
check "SIGHUP reload without a key file" reload none
for v in 1.2 1.3; do
    expect_eq "TLS $v: random key kept across the reload" "Reused, answered" "$(resumed $v r)"
done
check "restart without a key file again" restart none
for v in 1.2 1.3; do
    expect_eq "TLS $v: random key not kept across a restart" "New, answered" "$(resumed $v r)"
done

finish
