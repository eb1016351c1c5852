#!/bin/bash
# Interim (1xx) responses: a request announcing its body with "Expect: 100-continue" is answered
# "100 Continue" by dlbad at once (it reads the whole body before choosing a back-end), so curl does
# not sit out its 1 s expect timeout; HTTP/1.0 clients never get a 1xx; a back-end's 103 Early
# Hints reaches HTTP/1.1 clients (plain and TLS) ahead of the final response, not HTTP/1.0 ones.
# A back-end sending 1xx after 1xx to a client that reads nothing is stopped once
# limits.buffer_bytes of them wait for the client (backpressure): dlbad's memory stays bounded.
source "$(dirname "$0")/lib.sh"

gen_certs
start_nginx 1
P_ECHO=$((BACKEND_PORT + 1))
P_HINTS=$((BACKEND_PORT + 2))
start_fake echo 127.0.0.24 $P_ECHO
start_fake hints 127.0.0.24 $P_HINTS
P_FLOOD=$((BACKEND_PORT + 3))
start_fake flood 127.0.0.24 $P_FLOOD "$T/flood.sent"
P_EP=$((BASE + 6))
P_HP=$((BASE + 7))
P_HS=$((BASE + 8))
cat >"$T/dlbad.conf" <<CONF
$(conf_head 2)
backends:
$(web_backend 1)
  echo:
    servers:
      - {key: 1, addr: 127.0.0.24:$P_ECHO}
  hints:
    servers:
      - {key: 7, addr: 127.0.0.24:$P_HINTS}
  flood:
    servers:
      - {key: 1, addr: 127.0.0.24:$P_FLOOD}
services:
  - {name: web, listen: "$VIP:$HTTP_PORT", backend: web, limits: {max_body_bytes: 8m}}
  - {name: echo, listen: "$VIP:$P_EP", backend: echo, limits: {max_body_bytes: 8m}}
  - {name: hints, listen: "$VIP:$P_HP", backend: hints}
  - name: hints-tls
    listen: $VIP:$P_HS
    protocol: https
    tls: {certificates: [{cert: $T/ecdsa.pem, key: $T/ecdsa.key}]}
    backend: hints
  - name: flood
    listen: $VIP:$((BASE + 9))
    backend: flood
    timeouts: {client_send: 10s}
CONF
setup_dlbad "$T/dlbad.conf"

head -c 2097152 /dev/urandom >"$T/upload"
SUM=$(md5sum <"$T/upload" | cut -d' ' -f1)

# curl waits up to 1 s (--expect100-timeout) for 100 Continue before sending the body anyway:
# answered by dlbad, the whole 2 MiB upload takes far less.
out=$(curl -sv --max-time 10 -H 'Expect: 100-continue' --data-binary @"$T/upload" \
    -w 'time=%{time_total}\n' "http://$VIP:$HTTP_PORT/upload" 2>"$T/curl.err")
check "Expect: 100-continue answered with 100 Continue" grep -q '^< HTTP/1.1 100 Continue' "$T/curl.err"
check "upload reached nginx whole" grep -q 'backend=1 upload len=2097152 ' <<<"$out"
t=$(sed -n 's/^time=//p' <<<"$out")
check "no expect timeout (took ${t}s, curl waits 1 s without 100 Continue)" \
    python3 -c "import sys; sys.exit(0 if float('$t') < 0.9 else 1)"
out=$(curl -s --max-time 10 -H 'Expect: 100-continue' --data-binary @"$T/upload" "http://$VIP:$P_EP/" 2>&1)
expect_eq "upload bytes intact behind the 100 Continue" "len=2097152 md5=$SUM te=-" "$out"

# Head first, body later, by hand: what arrives between the two?
continue_probe() { # VERSION -> what dlbad sent before the body, "|", then the final status
    python3 - "$VIP" "$HTTP_PORT" "$1" <<'PY'
import socket, sys, time
host, port, version = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.create_connection((host, port), timeout=3)
s.sendall(f"POST /upload {version}\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n".encode())
s.settimeout(0.5)
try:
    early = s.recv(4096)
except socket.timeout:
    early = b""
s.settimeout(3)
# The body streams to the back-end once the head is read, and nginx's `return` answers at the
# head: the final response may come before the body; only a 1xx counts as "early" here.
if not early.startswith(b"HTTP/1.1 1"):
    data, early = early, b""
else:
    early, sep, data = early.partition(b"\r\n\r\n")
try:
    s.sendall(b"hello")
except OSError:
    pass
while b"\r\n\r\n" not in data:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
print(early.decode().strip() or "-", "|", data.split(b"\r\n")[0].decode())
PY
}
expect_eq "HTTP/1.1: 100 Continue before the body, then the answer" \
    "HTTP/1.1 100 Continue | HTTP/1.1 200 OK" "$(continue_probe HTTP/1.1)"
expect_eq "HTTP/1.0: no 100 Continue (RFC 9110 15.2)" "- | HTTP/1.1 200 OK" "$(continue_probe HTTP/1.0)"

# 103 Early Hints from the back-end.
out=$(curl -sv --max-time 5 "http://$VIP:$P_HP/page" 2>"$T/curl.err")
check "103 Early Hints forwarded to an HTTP/1.1 client" grep -q '^< HTTP/1.1 103 Early Hints' "$T/curl.err"
check "with its Link header" grep -q '^< Link: </style.css>; rel=preload; as=style' "$T/curl.err"
check "then the final response" grep -q '^< HTTP/1.1 200 OK' "$T/curl.err"
expect_eq "final body" "final" "$out"
out=$(curl -skv --max-time 5 "https://$VIP:$P_HS/page" 2>"$T/curl.err")
check "103 Early Hints over TLS too" grep -q '^< HTTP/1.1 103 Early Hints' "$T/curl.err"
expect_eq "final body over TLS" "final" "$out"
r=$(printf 'GET /page HTTP/1.0\r\nHost: t\r\n\r\n' | python3 "$HERE/raw_client.py" "$VIP" "$P_HP" --wait 3 | tr '\n' ' ')
expect_eq "HTTP/1.0 client: no 103, just the final response" "STATUS 200 CLOSED " "$r"
r=$(printf 'GET /a HTTP/1.1\r\nHost: t\r\n\r\nGET /b HTTP/1.1\r\nHost: t\r\n\r\n' |
    python3 "$HERE/raw_client.py" "$VIP" "$P_HP" --wait 2 | tr '\n' ' ')
expect_eq "pipelined on one connection: 103, 200, 103, 200" "STATUS 103 STATUS 200 STATUS 103 STATUS 200 OPEN " "$r"
# Counted whether forwarded or not: 1 + 1 (TLS) + 1 (HTTP/1.0) + 2 (pipelined).
expect_eq "interim responses counted in the server's 1xx" 5 \
    "$(jget "sum(s['stats']['status']['1xx'] for s in d['servers'] if s['backend'] == 'hints')")"

# 64 MiB of 103 Early Hints to a client that reads none of them for 3 s.
curl -s -o /dev/null "http://$VIP:$P_HP/page" # the worker's buffers exist
out=$(python3 - "$VIP" $((BASE + 9)) "$DLBAD_PID" "$T/flood.sent" <<'PY'
import socket, sys, time
host, port, pid, sent_file = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def rss_kb():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
before = rss_kb()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect((host, port))
s.sendall(b"GET /flood HTTP/1.1\r\nHost: t\r\n\r\n")
time.sleep(3)
peak = rss_kb()
try:
    sent = int(open(sent_file).read())
except (OSError, ValueError):
    sent = 0
print(peak - before, sent)
PY
)
read -r grow sent <<<"$out"
echo "# 1xx flood, client not reading: back-end got $sent bytes out, dlbad VmRSS +$grow KiB"
check "1xx flood to a non-reading client: the back-end is stopped (sent $sent of 67108864 bytes)" \
    test "${sent:-67108864}" -lt 33554432
check "1xx flood to a non-reading client: dlbad memory bounded (+$grow KiB)" test "${grow:-999999}" -lt 8192
out=$(curl -s --max-time 5 "http://$VIP:$P_HP/page")
expect_eq "dlbad still answers after the flood" "final" "$out"

finish
