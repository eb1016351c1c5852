#!/bin/bash
# Bad input and limits: request smuggling attempts and oversized heads rejected (400/431/413/501)
# with the connection closed, slow clients timed out (408), bodies streamed both ways, and
# backpressure: a client that does not read does not make dlbad buffer the response.
source "$(dirname "$0")/lib.sh"

start_nginx 1
P_ECHO=$((BACKEND_PORT + 1))
start_fake echo 127.0.0.24 $P_ECHO
cat >"$T/dlbad.conf" <<CONF
workers: 1
max_connections: 6
monitor:
  unix: $SOCK
backends:
$(web_backend 1)
  echo:
    servers:
      - {key: 1, addr: 127.0.0.24:$P_ECHO}
services:
  - {name: echo, listen: "$VIP:$((BASE + 1))", backend: echo}
  - name: web
    listen: $VIP:$HTTP_PORT
    backend: web
    limits: {max_header_bytes: 8k, max_headers: 50, max_body_bytes: 4m, buffer_bytes: 64k}
    timeouts: {client_request: 1s, client_keepalive: 5s}
CONF
setup_dlbad "$T/dlbad.conf"

raw() { # raw PYTHON-BYTES-EXPR: send those bytes, print "STATUS n ... CLOSED|OPEN" on one line
    python3 -c "import sys; sys.stdout.buffer.write($1)" | python3 "$HERE/raw_client.py" "$VIP" "$HTTP_PORT" --wait 3 | tr '\n' ' ' | sed 's/ $//'
}
H='b"Host: t\r\n"'

expect_eq "sane request" "STATUS 200 OPEN" "$(raw "b'GET / HTTP/1.1\r\n' + $H + b'\r\n'")"
expect_eq "Content-Length with Transfer-Encoding (CL.TE)" "STATUS 400 CLOSED" \
    "$(raw "b'POST / HTTP/1.1\r\n' + $H + b'Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n'")"
expect_eq "Transfer-Encoding with Content-Length (TE.CL)" "STATUS 400 CLOSED" \
    "$(raw "b'POST / HTTP/1.1\r\n' + $H + b'Transfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n0\r\n\r\n'")"
expect_eq "duplicate Content-Length" "STATUS 400 CLOSED" \
    "$(raw "b'POST / HTTP/1.1\r\n' + $H + b'Content-Length: 4\r\nContent-Length: 5\r\n\r\nabcde'")"
expect_eq "malformed Content-Length" "STATUS 400 CLOSED" \
    "$(raw "b'POST / HTTP/1.1\r\n' + $H + b'Content-Length: +4\r\n\r\nabcd'")"
expect_eq "bad chunk size" "STATUS 400 CLOSED" \
    "$(raw "b'POST / HTTP/1.1\r\n' + $H + b'Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n'")"
expect_eq "chunk size with a 0x prefix" "STATUS 400 CLOSED" \
    "$(raw "b'POST / HTTP/1.1\r\n' + $H + b'Transfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n'")"
expect_eq "obs-fold" "STATUS 400 CLOSED" \
    "$(raw "b'GET / HTTP/1.1\r\n' + $H + b'X-A: b\r\n c\r\n\r\n'")"
expect_eq "bare LF line ends" "STATUS 400 CLOSED" "$(raw "b'GET / HTTP/1.1\nHost: t\n\n'")"
expect_eq "space before the colon" "STATUS 400 CLOSED" \
    "$(raw "b'POST / HTTP/1.1\r\n' + $H + b'Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n'")"
expect_eq "Transfer-Encoding not ending in chunked" "STATUS 400 CLOSED" \
    "$(raw "b'POST / HTTP/1.1\r\n' + $H + b'Transfer-Encoding: chunked, identity\r\n\r\n'")"
expect_eq "unknown coding before chunked: 501" "STATUS 501 CLOSED" \
    "$(raw "b'POST / HTTP/1.1\r\n' + $H + b'Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n'")"
expect_eq "oversized header (20 KiB > 8 KiB): 431" "STATUS 431 CLOSED" \
    "$(raw "b'GET / HTTP/1.1\r\n' + $H + b'X-Big: ' + b'a' * 20000 + b'\r\n\r\n'")"
expect_eq "too many header fields (80 > 50): 431" "STATUS 431 CLOSED" \
    "$(raw "b'GET / HTTP/1.1\r\n' + $H + b''.join(b'X-H%d: v\r\n' % i for i in range(80)) + b'\r\n'")"
expect_eq "body over the limit (5 MB > 4 MiB): 413" "STATUS 413 CLOSED" \
    "$(raw "b'POST / HTTP/1.1\r\n' + $H + b'Content-Length: 5000000\r\n\r\n'")"
expect_eq "chunked body over the limit: 413" "STATUS 413 CLOSED" \
    "$(raw "b'POST / HTTP/1.1\r\n' + $H + b'Transfer-Encoding: chunked\r\n\r\n500000\r\n' + b'x' * 5242880 + b'\r\n0\r\n\r\n'")"
expect_eq "HTTP/2 preface refused: 505" "STATUS 505 CLOSED" "$(raw "b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'")"
check "the smuggled request never reached the back-end" bash -c "! grep -q smuggled '$T/nginx-1.access'"
check "smuggling attempts counted" test "$(service_stat web rejected_smuggling)" -ge 8
check "rejections counted" test "$(service_stat web bad_requests)" -ge 14

expect_eq "two pipelined requests, two answers" "STATUS 200 STATUS 200 OPEN" \
    "$(raw "b'GET /1 HTTP/1.1\r\n' + $H + b'\r\nGET /2 HTTP/1.1\r\n' + $H + b'\r\n'")"
expect_eq "HTTP/1.0 request: answered and closed" "STATUS 200 CLOSED" "$(raw "b'GET / HTTP/1.0\r\n\r\n'")"

# Slow client: half a head, then nothing: 408 after client_request (1s), connection closed.
out=$(python3 -c "import sys; sys.stdout.buffer.write(b'GET / HTTP/1.1\r\nHost: t\r\nX-Slow:')" |
    python3 "$HERE/raw_client.py" "$VIP" "$HTTP_PORT" --wait 4 | tr '\n' ' ')
expect_eq "slow request head: 408 and closed" "STATUS 408 CLOSED " "$out"

# Bodies both ways.
head -c 3000000 /dev/urandom >"$T/upload"
sum=$(md5sum <"$T/upload" | cut -d' ' -f1)
ECHO=http://$VIP:$((BASE + 1))/upload
out=$(curl -s -H 'Expect: 100-continue' --data-binary @"$T/upload" "$ECHO")
expect_eq "3 MB upload with Expect: 100-continue, intact" "len=3000000 md5=$sum te=-" "$out"
out=$(curl -s -H 'Transfer-Encoding: chunked' --data-binary @"$T/upload" "$ECHO")
expect_eq "chunked upload forwarded chunked, intact" "len=3000000 md5=$sum te=chunked" "$out"
curl -s -o "$T/big.dl" "http://$VIP:$HTTP_PORT/big"
expect_eq "8 MiB download intact" "$(md5sum <"$T/www-1/big")" "$(md5sum <"$T/big.dl")"
out=$(curl -s -I "http://$VIP:$HTTP_PORT/big" | tr -d '\r' | grep -i '^content-length')
expect_eq "HEAD: headers only" "Content-Length: 8388608" "$out"

# Backpressure: a client asks for 8 MiB and reads nothing for 2 s.  dlbad must stop reading the
# back-end once its 64 KiB buffer and the socket buffers are full, not hold the file in memory.
python3 - "$VIP" "$HTTP_PORT" "$DLBAD_PID" "$T/www-1/big" >"$T/bp" <<'PY'
import hashlib, socket, sys, time
host, port, pid, path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def rss_kb():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
s.connect((host, port))
before = rss_kb()
s.sendall(b"GET /big HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
time.sleep(2)
during = rss_kb()
data = b""
while True:
    chunk = s.recv(1 << 20)
    if not chunk:
        break
    data += chunk
body = data.split(b"\r\n\r\n", 1)[1]
ok = hashlib.md5(body).hexdigest() == hashlib.md5(open(path, "rb").read()).hexdigest()
print(during - before, "intact" if ok else "corrupt")
PY
read -r grow intact <"$T/bp"
check "slow reader: dlbad memory grew by ${grow} KiB (< 4 MiB for an 8 MiB reply)" test "$grow" -lt 4096
expect_eq "slow reader gets the whole reply" intact "$intact"

# max_connections 6: a 7th client waits in the listen queue until one of the six leaves.
python3 - "$VIP" "$HTTP_PORT" >"$T/maxconn" <<'PY'
import socket, sys, time
addr = (sys.argv[1], int(sys.argv[2]))
def ask(s):
    s.sendall(b"GET /mc HTTP/1.1\r\nHost: t\r\n\r\n")
    return s.recv(4096).startswith(b"HTTP/1.1 200")
held = [socket.create_connection(addr, timeout=5) for _ in range(6)]
print("six served", all(ask(s) for s in held))
extra = socket.create_connection(addr, timeout=5)  # the kernel completes the handshake
extra.sendall(b"GET /mc HTTP/1.1\r\nHost: t\r\n\r\n")
extra.settimeout(1.5)
try:
    extra.recv(4096)
    print("seventh waited no")
except socket.timeout:
    print("seventh waited yes")
held[0].close()
extra.settimeout(5)
t0 = time.time()
print("seventh served", extra.recv(4096).startswith(b"HTTP/1.1 200"), "after %.1f" % (time.time() - t0))
PY
check "six connections served" grep -q "six served True" "$T/maxconn"
check "the seventh is not served while six are open" grep -q "seventh waited yes" "$T/maxconn"
check "the seventh is served once one closes ($(tail -1 "$T/maxconn"))" grep -q "seventh served True" "$T/maxconn"

finish
