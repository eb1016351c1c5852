#!/bin/bash
# TLS session resumption across reloads and restarts (dlbad.conf(5) ticket_key_file): a ticket
# issued before a SIGHUP resumes after it, and after a restart of dlbad with the same key file;
# with another key file it does not (a full handshake instead).  Without a key file the random
# key is kept across reloads but not across restarts.  TLS 1.2 and TLS 1.3 tickets alike.
# Rotation: the key file holds several keys, the first encrypts, all decrypt; SIGHUP re-reads
# it (the old key second: resumed; removed: full handshake); two dlbad sharing one key file
# resume each other's tickets; generated keys rotate every ticket_key_rotation.
source "$(dirname "$0")/lib.sh"

gen_certs
start_nginx 1
openssl rand -hex 80 >"$T/ticket-a.key"
openssl rand -hex 80 >"$T/ticket-b.key"
EP=$VIP:$HTTPS_PORT
REQ=$'GET /t HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n'

write_conf() { # write_conf KEYFILE|none [timeout]: the timeout changes to make a reload visible
    {
        echo "workers: 2"
        [ "$1" = none ] || echo "ticket_key_file: $1"
        [ -z "${EXTRA_TOP:-}" ] || echo "$EXTRA_TOP"
        echo "monitor: {unix: ${MON:-$SOCK}}"
        echo "backends:"
        echo "  web:"
        echo "    servers:"
        echo "      - {key: 1, addr: 127.0.0.21:$BACKEND_PORT}"
        echo "services:"
        echo "  - name: web-https"
        echo "    listen: ${LISTEN:-$EP}"
        echo "    protocol: https"
        echo "    tls: {certificates: [{cert: $T/ecdsa.pem, key: $T/ecdsa.key}]}"
        echo "    backend: web"
        echo "    timeouts: {tls_handshake: ${2:-5s}}"
    } >"${CONF:-$T/dlbad.conf}"
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
    printf '%s' "$REQ" | timeout 10 openssl s_client -connect "${TO:-$EP}" -servername test -ign_eof "-tls${v/./_}" "$@" \
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
setup_dlbad "$T/dlbad.conf"
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

# Several keys in the file: the first encrypts, all decrypt.  Rotation across an array: the new
# key second, then first, then the old one dropped; SIGHUP re-reads the file each time.
cat "$T/ticket-a.key" >"$T/ring.key"
check "restart with a one-key file (A)" restart "$T/ring.key"
for v in 1.2 1.3; do
    check "TLS $v: session with a ticket under key A" session $v k
done
cat "$T/ticket-a.key" "$T/ticket-b.key" >"$T/ring.key"
check "SIGHUP: key file A, B" reload "$T/ring.key"
for v in 1.2 1.3; do
    expect_eq "TLS $v: ticket under A resumes (A still first)" "Reused, answered" "$(resumed $v k)"
done
{ echo "# rotated: B encrypts, A decrypts"; cat "$T/ticket-b.key"; echo; cat "$T/ticket-a.key"; } >"$T/ring.key"
check "SIGHUP: key file B, A" reload "$T/ring.key"
for v in 1.2 1.3; do
    expect_eq "TLS $v: ticket under A resumes after rotation (A second)" "Reused, answered" "$(resumed $v k)"
    check "TLS $v: session with a ticket under key B" session $v kb
done
cat "$T/ticket-b.key" >"$T/ring.key"
check "SIGHUP: key file B only" reload "$T/ring.key"
for v in 1.2 1.3; do
    expect_eq "TLS $v: ticket under A after A was removed: full handshake" "New, answered" "$(resumed $v k)"
    expect_eq "TLS $v: ticket under B still resumes" "Reused, answered" "$(resumed $v kb)"
done

# Two dlbad sharing one key file (the array): each resumes the other's tickets.
PORT2=$((BASE + 7))
CONF=$T/dlbad2.conf MON=$T/status2.sock LISTEN=$VIP:$PORT2 write_conf "$T/ring.key"
"$DLBAD" -f -c "$T/dlbad2.conf" >>"$T/dlbad2.log" 2>&1 &
PIDS+=($!)
check "second dlbad with the same key file" wait_port "$VIP" "$PORT2"
for v in 1.2 1.3; do
    check "TLS $v: session with a ticket from dlbad 1" session $v one
    expect_eq "TLS $v: dlbad 2 resumes dlbad 1's ticket" "Reused, answered" "$(TO=$VIP:$PORT2 resumed $v one)"
    TO=$VIP:$PORT2 check "TLS $v: session with a ticket from dlbad 2" session $v two
    expect_eq "TLS $v: dlbad 1 resumes dlbad 2's ticket" "Reused, answered" "$(resumed $v two)"
done

# Clients resume again and again (curl and browsers keep one session per host): a resumed
# handshake must hand out a ticket that resumes in turn, on either server (a TLS 1.3 client uses
# each ticket once).
chained() { # chained VERSION I: resume ticket I-1 (odd I at dlbad 2), save the new session as I
    local to=$VIP:$HTTPS_PORT
    [ $(($2 % 2)) = 1 ] && to=$VIP:$PORT2
    rm -f "$T/c$2.$1"
    TO=$to sclient "$T/c.out" "$1" -sess_in "$T/c$(($2 - 1)).$1" -sess_out "$T/c$2.$1"
    echo "$(sed -n "s/^\(Reused\|New\), TLSv$1.*/\1/p" "$T/c.out" | head -n1)$([ -s "$T/c$2.$1" ] && echo ", new ticket")"
    # TLS 1.2: no new ticket unless renewed; the client keeps using the one it has (RFC 5077)
    [ -s "$T/c$2.$1" ] || cp "$T/c$(($2 - 1)).$1" "$T/c$2.$1"
}
for v in 1.2 1.3; do
    want=Reused
    [ $v = 1.3 ] && want="Reused, new ticket"
    check "TLS $v: session to start a chain of resumptions" session $v c0
    for i in 1 2 3 4; do
        expect_eq "TLS $v: resumption $i of a chain, alternating servers" "$want" "$(chained $v $i)"
    done
done

# Generated keys rotate every ticket_key_rotation: a ticket under the previous key still resumes
# (and is renewed under the new one); the key name at the head of the ticket changes.
ticket_name() { # the key name (the first 16 bytes) of the ticket s_client printed
    sed -n '/TLS session ticket:/{n;p}' "$1" | head -n1 | cut -c12-58 | tr -d ' '
}
EXTRA_TOP=$'ticket_key_rotation: 2s\nticket_lifetime: 60s'
check "restart without a key file, ticket_key_rotation 2s" restart none
check "TLS 1.2: session with a ticket under generated key 1" session 1.2 g
sleep 2.5
sclient "$T/g2.out" 1.2 -sess_in "$T/g.1.2"
expect_eq "TLS 1.2: after a rotation the ticket under the previous key resumes" "Reused" \
    "$(sed -n 's/^\(Reused\|New\), TLSv1.2.*/\1/p' "$T/g2.out" | head -n1)"
n1=$(ticket_name "$T/g.1.2.out")
n2=$(ticket_name "$T/g2.out")
check "the renewed ticket is under another key name ($n1 -> $n2)" test -n "$n1" -a -n "$n2" -a "$n1" != "$n2"

finish
