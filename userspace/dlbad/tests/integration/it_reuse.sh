#!/bin/bash
# Back-end connection reuse (keepalive: true) with a back-end that over-sends: it follows each
# response with a second, unrequested one in the same write, and makes the response exactly fill
# dlbad's first read of a response (its input buffers start at 4 KiB), so the read that completes
# the response leaves the bogus one queued on the socket with no further readiness event.  Such a
# connection must never be parked or handed to a later client (issue 10: "a later client gets
# another request's response"); a well-behaved back-end (nginx) is still reused.
source "$(dirname "$0")/lib.sh"

start_nginx 1
P_OVER=$((BACKEND_PORT + 1))
start_fake oversend 127.0.0.24 $P_OVER 4096

cat >"$T/dlbad.conf" <<CONF
$(conf_head 1 metrics)
defaults:
  timeouts: {backend_connect: 1s, backend_response: 2s}
  limits: {max_response_header_bytes: 1k}
backends:
  over:
    keepalive: true
    servers:
      - {key: 1, addr: 127.0.0.24:$P_OVER}
  web:
    keepalive: true
    servers:
      - {key: 1, addr: 127.0.0.21:$BACKEND_PORT}
services:
  - {name: over, listen: "$VIP:$HTTP_PORT", backend: over}
  - {name: web, listen: "$VIP:$((BASE + 1))", backend: web}
CONF
setup_dlbad "$T/dlbad.conf"

# Each request from a new client (its own connection): every one must get the answer to its own
# request, never the bogus response the back-end left behind for the previous one.
bad=0
for i in 1 2 3 4 5; do
    curl -s -m 5 -o "$T/body.$i" "http://$VIP:$HTTP_PORT/client$i"
    if [ "$(head -n1 "$T/body.$i")" != "oversend /client$i" ]; then
        bad=$((bad + 1))
        echo "# client $i got: $(head -c 60 "$T/body.$i" | tr -c '[:print:]' '?')"
    fi
done
expect_eq "5 clients in turn: each gets its own response" 0 "$bad"
expect_eq "no client ever sees the over-sent bytes" 0 "$(cat "$T"/body.* | grep -c BOGUS)"
u=$(jget "[s['stats']['idle_discarded'] for s in d['servers'] if s['backend']=='over'][0]")
check "over-sending connections discarded, not reused (idle_discarded=$u)" test "$u" -ge 1
expect_eq "and in the metrics" "dlbad_server_idle_discarded_total{backend=\"over\",id=\"1\",addr=\"127.0.0.24:$P_OVER\"} $u" \
    "$(curl -s "http://$VIP:$METRICS_PORT/metrics" | grep '^dlbad_server_idle_discarded_total{backend="over"')"

# A back-end that sends exactly its responses is still reused: one nginx connection serves
# all three clients.
for i in 1 2 3; do curl -s -m 5 -o /dev/null "http://$VIP:$((BASE + 1))/n$i"; done
sleep 0.2
expect_eq "nginx: connection reused (third request is the connection's third)" 1 \
    "$(grep -c '^GET /n3 .* reqs=3 ' "$T/nginx-1.access")"
expect_eq "nginx: nothing discarded" 0 \
    "$(jget "[s['stats']['idle_discarded'] for s in d['servers'] if s['backend']=='web'][0]")"

finish
