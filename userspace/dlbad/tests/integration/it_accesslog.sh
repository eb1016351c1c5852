#!/bin/bash
# The access log (issue 16): one line per request with the server, status and bytes the client got;
# a back-end that resets shows in the termination state; sampling 1 in N logs about 1/N; the file
# is reopened on SIGHUP (logrotate); no access_log block = no log; a bad format is refused with
# FILE:LINE; the status document counts the lines.
source "$(dirname "$0")/lib.sh"

start_nginx 1
gen_certs
TLS_PORT=$((BASE + 4))
P_RESET=$((BACKEND_PORT + 1))
start_fake reset 127.0.0.24 $P_RESET
LOG=$T/access.log

# conf ACCESS_LOG_BLOCK: a configuration with the given access_log lines (none: no log).
conf() {
    cat >"$T/dlbad.conf" <<CONF
$(conf_head 2)
$1
defaults:
  timeouts: {backend_connect: 1s, backend_response: 2s}
  health: {max_attempts: 1}
backends:
$(web_backend 1=7)
  rst:
    servers:
      - {key: 3, addr: 127.0.0.24:$P_RESET}
services:
  - {name: web, listen: "$VIP:$HTTP_PORT", backend: web}
  - {name: rst, listen: "$VIP:$((BASE + 1))", backend: rst}
  - name: shop
    listen: $VIP:$TLS_PORT
    protocol: https
    tls:
      certificates:
        - {cert: $T/ecdsa.pem, key: $T/ecdsa.key}
    backend: web
    policy: cookie
    cookie: {session: JSESSIONID}
CONF
}

# A bad format: refused at the line of the format, the daemon does not start.
conf "access_log:
  target: $LOG
  format: \"%t %zz\""
out=$("$DLBAD" -t -c "$T/dlbad.conf" 2>&1)
check "a bad format is refused with FILE:LINE ($out)" grep -q "dlbad.conf:6:.*unknown variable '%zz'" <<<"$out"

conf "access_log:
  target: $LOG"
setup_dlbad "$T/dlbad.conf"

for i in 1 2 3 4 5; do curl -s -m 5 -o /dev/null "http://$VIP:$HTTP_PORT/a$i?x=$i"; done
curl -s -m 5 -o "$T/big" "http://$VIP:$HTTP_PORT/big"
curl -s -m 5 -o /dev/null "http://$VIP:$HTTP_PORT/code/404"
curl -s -m 5 -o /dev/null -X POST -d hello "http://$VIP:$((BASE + 1))/post"
sleep 0.5 # the writer flushes every 100 ms
expect_num_eq "one line per request" 8 "$(wc -l <"$LOG")"
line=$(grep '"GET /a3?x=3"' "$LOG")
echo "# $line"
# 2026-12-07T15:08:14.123Z 127.0.0.1:40000 web web/7 127.0.0.21:P 0/0/0/1/1 200 B -- none "GET /a3?x=3"
read -r _t client svc server saddr timers st bytes term pers _req <<<"$line"
expect_eq "server name" "web/7" "$server"
expect_eq "server address" "127.0.0.21:$BACKEND_PORT" "$saddr"
expect_eq "service" "web" "$svc"
expect_eq "status" 200 "$st"
expect_eq "normal end" "--" "$term"
expect_eq "persistence (leastconn)" "none" "$pers"
check "client address ($client)" grep -q '^127\.0\.0\.1:[0-9]*$' <<<"$client"
check "five timers ($timers)" grep -Eq '^[0-9]+/[0-9]+/[0-9]+/[0-9]+/[0-9]+$' <<<"$timers"
body=$(curl -s -m 5 -D "$T/hdr" "http://$VIP:$HTTP_PORT/a3?x=3")
check "bytes = what the client got, head and body ($bytes)" test "$bytes" -eq $(($(wc -c <"$T/hdr") + ${#body} + 1))
read -r _ _ _ _ _ _ st bytes term _ <<<"$(grep '"GET /big"' "$LOG")"
check "8 MiB file: 200, all its bytes ($bytes)" test "$st" = 200 -a "$bytes" -gt 8388608
expect_eq "404 of the server" 404 "$(grep '"GET /code/404"' "$LOG" | awk '{print $7}')"
line=$(grep '"POST /post"' "$LOG")
echo "# $line"
read -r _ _ svc server _ _ st _ term _ <<<"$line"
expect_eq "reset back-end: server" "rst/3" "$server"
expect_eq "reset back-end: 502" 502 "$st"
expect_eq "reset back-end: termination SH (server, waiting for the head)" "SH" "$term"
# 400 from dlbad itself: PR, no server.
printf 'GARBAGE\r\n\r\n' | timeout 3 python3 -c "
import socket,sys
s=socket.create_connection(('$VIP',$HTTP_PORT)); s.sendall(sys.stdin.buffer.read()); s.recv(4096)"
sleep 0.4
read -r _ _ _ server _ _ st _ term _ <<<"$(tail -n 1 "$LOG")"
expect_eq "bad request: dlbad's 400, PR, no server" "400 PR web/-" "$st $term $server"

# TLS-terminated, cookie persistence: a new session, then its cookie, then a forged one.
curl -sk -m 5 -o /dev/null -c "$T/jar" "https://$VIP:$TLS_PORT/login"
curl -sk -m 5 -o /dev/null -b "$T/jar" "https://$VIP:$TLS_PORT/cart"
curl -sk -m 5 -o /dev/null -b "SpServer=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" \
    "https://$VIP:$TLS_PORT/forged"
sleep 0.4
pick() { grep "\"GET $1\"" "$LOG" | awk '{print $3, $4, $7, $9, $10}'; }
expect_eq "TLS: service~, new session" "shop~ web/7 200 -- cookie-new" "$(pick /login)"
expect_eq "TLS: its cookie chose the server" "shop~ web/7 200 -- cookie-hit" "$(pick /cart)"
expect_eq "TLS: a forged cookie" "shop~ web/7 200 -- cookie-rejected" "$(pick /forged)"

n=$(jget "d['dlbad']['access_log_lines']")
expect_eq "status: lines written" "$(wc -l <"$LOG")" "$n"
expect_eq "status: none dropped" 0 "$(jget "d['dlbad']['access_log_dropped']")"

# logrotate: move the file, SIGHUP: the next lines go to a new file.
mv "$LOG" "$LOG.1"
kill -HUP "$DLBAD_PID"
sleep 0.3
curl -s -m 5 -o /dev/null "http://$VIP:$HTTP_PORT/after-rotate"
sleep 0.4
check "reopened on SIGHUP" grep -q '"GET /after-rotate"' "$LOG"
check "the old file keeps its lines" test "$(grep -c . "$LOG.1")" -ge 12

# Sampling: one in 10 of 200 requests (each worker counts its own: 20 +- one per worker).
conf "access_log:
  target: $LOG
  sample: 10
  format: \"%st %ts %HU\""
: >"$LOG"
kill -HUP "$DLBAD_PID"
sleep 0.4
for i in $(seq 200); do echo "url = \"http://$VIP:$HTTP_PORT/s$i\""; echo "output = /dev/null"; done >"$T/curl.cfg"
curl -s -m 30 -K "$T/curl.cfg"
sleep 0.4
n=$(grep -c '^200 -- /s' "$LOG")
check "sample 10: about 1 in 10 of 200 requests logged ($n)" test "$n" -ge 18 -a "$n" -le 22
stop_dlbad

# No access_log block: no file.
rm -f "$LOG"
conf ""
setup_dlbad "$T/dlbad.conf"
for i in 1 2 3; do curl -s -m 5 -o /dev/null "http://$VIP:$HTTP_PORT/off$i"; done
sleep 0.3
check "log off: no file" test ! -e "$LOG"
expect_eq "log off: no line counted" 0 "$(jget "d['dlbad']['access_log_lines']")"
stop_dlbad

finish
