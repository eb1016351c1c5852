#!/bin/bash
# Slowloris memory: clients that send one byte of a request head and then wait cost dlbad a
# few KiB each, not a whole input buffer (input buffers start at 4 KiB and grow only as data
# needs them), and a head that does need more room than that still gets it.
source "$(dirname "$0")/lib.sh"

N=1000
start_nginx 1
cat >"$T/dlbad.conf" <<CONF
workers: 1
max_connections: 4000
monitor:
  unix: $SOCK
backends:
$(web_backend 1)
services:
  - name: web
    listen: $VIP:$HTTP_PORT
    backend: web
    timeouts: {client_request: 30s}
CONF
setup_dlbad "$T/dlbad.conf"

vmdata() { awk '/^VmData/ {print $2}' "/proc/$DLBAD_PID/status"; }
# Warm up (first connection, first request: thread-local pools, allocator arenas).
curl -s -o /dev/null "http://$VIP:$HTTP_PORT/" || true
before=$(vmdata)

# N clients, one byte each, held open until told to go.
mkfifo "$T/go"
python3 - "$VIP" "$HTTP_PORT" "$N" "$T/go" <<'PY' &
import socket, sys
host, port, n, go = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
socks = []
for _ in range(n):
    s = socket.create_connection((host, port))
    s.sendall(b"G")
    socks.append(s)
open(go).read()  # until the test is done measuring
PY
LORIS=$!
PIDS+=("$LORIS")
active=0
for _ in $(seq 100); do
    active=$(service_stat web active_connections 2>/dev/null || echo 0)
    [ "$active" -ge "$N" ] && break
    sleep 0.1
done
expect_num_eq "all $N one-byte clients are open" "$N" "$active"
sleep 0.5 # let the worker read every first byte
after=$(vmdata)
per=$(((after - before) / N))
echo "# VmData ${before} kB -> ${after} kB with $N one-byte clients: ${per} KiB per connection"
# A whole 64 KiB input buffer per client was ~66 KiB each; a 4 KiB start is well below 24.
check "one-byte client costs < 24 KiB of data memory (${per} KiB)" test "$per" -lt 24
echo >"$T/go"
wait "$LORIS" 2>/dev/null

# A head larger than the first 4 KiB still fits (the buffer grows up to its limit).
# (Four 3000-byte fields: nginx takes lines up to 8 KiB.)
f=$(head -c 3000 /dev/zero | tr '\0' 'a')
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-A: $f" -H "X-B: $f" -H "X-C: $f" -H "X-D: $f" \
    "http://$VIP:$HTTP_PORT/")
expect_eq "12 KB request head through a growing buffer" 200 "$code"
big=$(head -c 20000 /dev/zero | tr '\0' 'a')
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $big" "http://$VIP:$HTTP_PORT/")
expect_eq "20 KB head still refused by max_header_bytes" 431 "$code"

finish
