#!/bin/bash
# Request bodies stream to the back-end (issue 10): a 64 MiB upload costs dlbad its
# limits.request_buffer_bytes, not the body; a back-end that takes no body stops dlbad reading the
# client (backpressure, bounded memory); an idempotent request with a small body is still replayed
# to another server after a refused connect; a chunked body reaches the back-end in canonical chunk
# framing (lower-case sizes without leading zeros, no extensions, no trailer fields).
source "$(dirname "$0")/lib.sh"

start_nginx 1
P_STALL=$((BACKEND_PORT + 1))
start_fake stall 127.0.0.24 $P_STALL
# A back-end that reads the whole body before it answers (nginx's `return` answers at the head).
P_ECHO=$((BACKEND_PORT + 2))
start_fake echo 127.0.0.24 $P_ECHO
# A back-end that records the bytes of each request exactly as it receives them.
P_REC=$((BACKEND_PORT + 3))
start_fake record 127.0.0.24 $P_REC "$T/rec"
# 127.0.0.29: nothing listens there (connect refused).  Service "slow": a 1 s head deadline and a
# 1 s body inactivity timeout.
cat >"$T/dlbad.conf" <<CONF
$(conf_head 1)
defaults:
  health: {max_failures: 100}
backends:
$(web_backend 1)
  echo:
    servers:
      - {key: 1, addr: 127.0.0.24:$P_ECHO}
  rec:
    servers:
      - {key: 1, addr: 127.0.0.24:$P_REC}
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
    backend: echo
    limits: {max_body_bytes: 128m}
  - name: stall
    listen: $VIP:$((BASE + 1))
    backend: stall
    limits: {max_body_bytes: 128m}
  - name: refused
    listen: $VIP:$((BASE + 4))
    backend: refused
    policy: leastconn
  - name: slow
    listen: $VIP:$((BASE + 6))
    backend: echo
    timeouts: {client_request: 1s, client_body_idle: 1s}
  - name: rec
    listen: $VIP:$((BASE + 7))
    backend: rec
CONF
setup_dlbad "$T/dlbad.conf"

vm() { # vm FIELD: dlbad's /proc status figure in KiB
    awk -v f="$1:" '$1 == f { print $2 }' "/proc/$DLBAD_PID/status"
}

# 64 MiB upload through dlbad to a back-end that reads it all.
head -c 67108864 /dev/zero >"$T/upload"
sum=$(md5sum <"$T/upload" | cut -d' ' -f1)
curl -s -o /dev/null --data-binary x "http://$VIP:$HTTP_PORT/" # the worker's buffers exist
hwm0=$(vm VmHWM)
out=$(curl -s --data-binary @"$T/upload" "http://$VIP:$HTTP_PORT/upload")
hwm1=$(vm VmHWM)
expect_eq "64 MiB upload reaches the back-end whole" "len=67108864 md5=$sum te=-" "$out"
grow=$((hwm1 - hwm0))
echo "# 64 MiB upload: dlbad VmHWM $hwm0 -> $hwm1 KiB (+$grow KiB)"
check "64 MiB upload: peak memory grew by less than 4 MiB (+$grow KiB)" test "$grow" -lt 4096
out=$(curl -s -H 'Transfer-Encoding: chunked' --data-binary @"$T/upload" "http://$VIP:$HTTP_PORT/upload")
hwm2=$(vm VmHWM)
expect_eq "64 MiB chunked upload reaches the back-end whole" "len=67108864 md5=$sum te=chunked" "$out"
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
for _ in 1 2 3 4; do
    out=$(curl -s -X PUT --data-binary 'hello world' "http://$VIP:$((BASE + 4))/upload")
    [ "$out" = "backend=1 upload len=11 te=" ] && good=$((good + 1))
done
expect_eq "PUT with a body after a refused connect: answered by the live server" 4 "$good"
check "refused connects rerouted" test "$(service_stat refused rerouted)" -ge 1

# The head deadline is not a body deadline: a steady 200 KiB/s upload for 2.5 s (client_request
# is 1 s) is answered; a body that stops for longer than client_body_idle gets 408.
out=$(python3 - "$VIP" $((BASE + 6)) <<'PY'
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
n = 20 * 25600
s.sendall(b"POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % n)
for _ in range(20):
    time.sleep(0.125)
    s.sendall(b"x" * 25600)
data = b""
while True:
    c = s.recv(65536)
    if not c:
        break
    data += c
print(data.split(b"\r\n", 1)[0].decode(), data.rsplit(b"\r\n\r\n", 1)[-1].decode().strip())
PY
)
expect_eq "steady 200 KiB/s upload longer than client_request: answered" \
    "HTTP/1.1 200 OK len=512000 md5=$(python3 -c "import hashlib; print(hashlib.md5(b'x' * 512000).hexdigest())") te=-" "$out"
out=$(python3 -c "import sys; sys.stdout.buffer.write(b'POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n0123456789')" |
    python3 "$HERE/raw_client.py" "$VIP" $((BASE + 6)) --wait 4 | tr '\n' ' ')
expect_eq "stalled body: 408 and closed" "STATUS 408 CLOSED " "$out"

# Chunk framing as a client may spell it (leading zeros, upper-case hex, extensions with a quoted
# ';', a trailer section carrying a Content-Length): the back-end receives the same chunks in the
# canonical spelling and no trailer field, whether the body comes with the head or dribbles in.
odd_chunked() { # odd_chunked PIECE_BYTES -> the answer's body; the back-end's bytes in $T/rec
    : >"$T/rec"
    python3 - "$VIP" $((BASE + 7)) "$1" <<'PY'
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
piece = int(sys.argv[3])
s.sendall(b"POST /odd HTTP/1.1\r\nHost: t\r\nTrailer: X-Checksum\r\nTransfer-Encoding: chunked,\r\n"
          b"Connection: close\r\n\r\n")
body = (b"0005;name=value\r\nhello\r\n00A ; q=\"x;y\" ;flag\r\n0123456789\r\n1B\r\n" + b"z" * 27 +
        b"\r\n000;last\r\nX-Checksum: abc\r\nContent-Length: 3\r\n\r\n")
for i in range(0, len(body), piece):
    s.sendall(body[i:i + piece])
    if piece < len(body):
        time.sleep(0.02)
data = b""
while (c := s.recv(65536)):
    data += c
print(data.rsplit(b"\r\n\r\n", 1)[-1].decode().strip())
PY
}
canon_body() { # what the back-end received after the request head
    python3 -c "import sys; d=open(sys.argv[1],'rb').read(); sys.stdout.write(repr(d.split(b'\r\n\r\n',1)[1]))" "$T/rec"
}
want="b'5\\r\\nhello\\r\\na\\r\\n0123456789\\r\\n1b\\r\\n$(printf 'z%.0s' $(seq 27))\\r\\n0\\r\\n\\r\\n'"
pay_md5=$(python3 -c "import hashlib; print(hashlib.md5(b'hello0123456789' + b'z' * 27).hexdigest())")
out=$(odd_chunked 100000)
expect_eq "odd chunk framing, body with the head: the back-end reads the payload" \
    "len=42 md5=$pay_md5 te=chunked" "$out"
expect_eq "odd chunk framing, body with the head: canonical framing, no trailer" "$want" "$(canon_body)"
check "no Trailer field announces the dropped trailer section" bash -c "! grep -qai '^trailer:' '$T/rec'"
out=$(odd_chunked 7)
expect_eq "odd chunk framing, dribbled in 7-byte pieces: the back-end reads the payload" \
    "len=42 md5=$pay_md5 te=chunked" "$out"
expect_eq "odd chunk framing, dribbled: canonical framing, no trailer" "$want" "$(canon_body)"

finish
