#!/bin/bash
# Request bodies stream to the back-end (issue 10): a 64 MiB upload costs dlbad its
# limits.request_buffer_bytes, not the body; a back-end that takes no body stops dlbad reading the
# client (backpressure, bounded memory); an idempotent request with a small body is still replayed
# to another server after a refused connect.
source "$(dirname "$0")/lib.sh"

start_nginx 1 || exit 1
P_STALL=$((BACKEND_PORT + 1))
python3 "$HERE/fake_backend.py" stall 127.0.0.24 $P_STALL & PIDS+=($!)
wait_port 127.0.0.24 $P_STALL || exit 1
# 127.0.0.29: nothing listens there (connect refused).
cat >"$T/dlbad.conf" <<CONF
workers: 1
monitor:
  unix: $SOCK
defaults:
  health: {max_failures: 100}
backends:
  web:
    servers:
      - {key: 1, addr: 127.0.0.21:$BACKEND_PORT}
  stall:
    servers:
      - {key: 1, addr: 127.0.0.24:$P_STALL}
  refused:
    servers:
      - {key: 1, addr: 127.0.0.29:$BACKEND_PORT, weight: 100}
      - {key: 2, addr: 127.0.0.21:$BACKEND_PORT, weight: 1}
services:
  - name: web
    listen: $VIP:$HTTP_PORT
    backend: web
    limits: {max_body_bytes: 128m}
  - name: stall
    listen: $VIP:$((BASE + 1))
    backend: stall
    limits: {max_body_bytes: 128m}
  - name: refused
    listen: $VIP:$((BASE + 4))
    backend: refused
    policy: leastconn
CONF
start_dlbad "$T/dlbad.conf" || exit 1

vm() { # vm FIELD: dlbad's /proc status figure in KiB
    awk -v f="$1:" '$1 == f { print $2 }' "/proc/$DLBAD_PID/status"
}

# 64 MiB upload through dlbad to nginx.
head -c 67108864 /dev/zero >"$T/upload"
curl -s -o /dev/null "http://$VIP:$HTTP_PORT/" # the worker's buffers exist before the baseline
hwm0=$(vm VmHWM)
out=$(curl -s --data-binary @"$T/upload" "http://$VIP:$HTTP_PORT/upload")
hwm1=$(vm VmHWM)
expect_eq "64 MiB upload reaches the back-end whole" "backend=1 upload len=67108864 te=" "$out"
grow=$((hwm1 - hwm0))
echo "# 64 MiB upload: dlbad VmHWM $hwm0 -> $hwm1 KiB (+$grow KiB)"
check "64 MiB upload: peak memory grew by less than 4 MiB (+$grow KiB)" test "$grow" -lt 4096
out=$(curl -s -w ' %{http_code}' -H 'Transfer-Encoding: chunked' --data-binary @"$T/upload" \
    "http://$VIP:$HTTP_PORT/upload" | sed 's/len=[0-9]* //')
hwm2=$(vm VmHWM)
expect_eq "64 MiB chunked upload answered" "backend=1 upload te=chunked
 200" "$out"
grow=$((hwm2 - hwm0))
check "64 MiB chunked upload: peak memory grew by less than 4 MiB (+$grow KiB)" test "$grow" -lt 4096

# A back-end that reads nothing: the client pushes a 64 MiB body for 2 s; dlbad stops reading it
# once its request buffer and the socket buffers are full.
out=$(python3 - "$VIP" $((BASE + 1)) "$DLBAD_PID" <<'PY'
import socket, sys, time
host, port, pid = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def rss_kb():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
before = rss_kb()
s = socket.create_connection((host, port))
s.setblocking(False)
s.send(b"POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 67108864\r\n\r\n")
block = b"x" * 65536
sent, end = 0, time.time() + 2
while time.time() < end and sent < 67108864:
    try:
        sent += s.send(block)
    except BlockingIOError:
        time.sleep(0.01)
print(rss_kb() - before, sent)
PY
)
read -r grow sent <<<"$out"
echo "# back-end not reading: client sent $sent bytes, dlbad VmRSS +$grow KiB"
check "back-end not reading: the client is stopped (sent $sent of 67108864 bytes)" test "${sent:-67108864}" -lt 33554432
check "back-end not reading: dlbad memory bounded (+$grow KiB)" test "${grow:-999999}" -lt 4096

# Replay after a refused connect, with a small body: every PUT gets its answer from nginx.
good=0
for i in 1 2 3 4; do
    out=$(curl -s -X PUT --data-binary 'hello world' "http://$VIP:$((BASE + 4))/upload")
    [ "$out" = "backend=1 upload len=11 te=" ] && good=$((good + 1))
done
expect_eq "PUT with a body after a refused connect: answered by the live server" 4 "$good"
check "refused connects rerouted" test "$(service_stat refused rerouted)" -ge 1

finish
