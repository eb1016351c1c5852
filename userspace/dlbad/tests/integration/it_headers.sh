#!/bin/bash
# Request heads under hostile clients: a Connection header may not turn the end-to-end fields
# dlbad relies on (Host, the X-Forwarded-*/Forwarded chain, Cookie, framing) into hop-by-hop ones
# that are stripped; genuine hop-by-hop fields it names are still removed.  An absolute-form
# target is forwarded in origin-form with its authority as Host, and hashes like its origin-form;
# CONNECT is refused.  Transfer-Encoding reaches the back-end in one spelling, and an HTTP/1.0
# client never gets Transfer-Encoding (RFC 9112 6.1): a chunked answer reaches it de-chunked and
# delimited by the close, one in another transfer coding (gzip) is a 502.
source "$(dirname "$0")/lib.sh"

start_nginx 1 2
P_HEAD=$((BASE + 7))
P_CHUNKY=$((BASE + 9))
start_fake head 127.0.0.24 $P_HEAD
start_fake chunky 127.0.0.25 $P_CHUNKY
P_GZIPTE=$((BASE + 7))
start_fake gzipte 127.0.0.25 $P_GZIPTE
cat >"$T/dlbad.conf" <<CONF
$(conf_head 1)
backends:
$(web_backend 1)
  caches:
    servers:
$(nginx_servers 1 2)
  head:
    servers:
      - {key: 1, addr: 127.0.0.24:$P_HEAD}
  chunky:
    servers:
      - {key: 1, addr: 127.0.0.25:$P_CHUNKY}
  gzipte:
    servers:
      - {key: 1, addr: 127.0.0.25:$P_GZIPTE}
services:
  - name: trusted
    listen: $VIP:$HTTP_PORT
    backend: web
    trust_forwarded: true
  - name: hashed
    listen: $VIP:$((BASE + 4))
    backend: caches
    policy: url-hash
    url_hash: {load_factor: 10}
  - {name: raw, listen: "$VIP:$((BASE + 6))", backend: head}
  - {name: chunky, listen: "$VIP:$((BASE + 8))", backend: chunky}
  - {name: gzipte, listen: "$VIP:$((BASE + 9))", backend: gzipte}
CONF
setup_dlbad "$T/dlbad.conf"
URL=http://$VIP:$HTTP_PORT

hdrs() { curl -s --max-time 5 "$URL/hdrs" "$@"; }

r=$(hdrs -H "Host: shop.example" -H "Connection: Host")
check "Connection: Host does not strip Host ($r)" grep -q "host=shop.example " <<<"$r"
r=$(hdrs -H "X-Forwarded-For: 192.0.2.7" -H "Connection: X-Forwarded-For")
check "Connection: X-Forwarded-For keeps the trusted chain ($r)" grep -q "xff=192.0.2.7, 127.0.0.1 " <<<"$r"
r=$(hdrs -H "Forwarded: for=192.0.2.7" -H "X-Forwarded-Proto: https" -H "Connection: Forwarded, X-Forwarded-Proto")
check "Connection: Forwarded, X-Forwarded-Proto keeps both ($r)" \
    bash -c "grep -q 'proto=https fwd=for=192.0.2.7, for=127.0.0.1;' <<<'$r'"
r=$(hdrs -H "Cookie: sid=42" -H "Connection: Cookie")
check "Connection: Cookie keeps the cookies ($r)" grep -q "cookie=sid=42 " <<<"$r"
r=$(hdrs -H "Connection: close, Host, X-Forwarded-For, Cookie" -H "Host: shop.example" \
    -H "X-Forwarded-For: 192.0.2.7" -H "Cookie: sid=42")
check "all of them in one Connection header ($r)" \
    bash -c "grep -q 'host=shop.example xff=192.0.2.7, 127.0.0.1 .*cookie=sid=42 ' <<<'$r'"
r=$(hdrs -H "X-Other: secret" -H "Connection: X-Other")
check "a field Connection names is still removed ($r)" grep -q "other=$" <<<"$r"
r=$(hdrs -X POST --data-binary "abc" -H "Connection: Content-Length")
check "Connection: Content-Length does not lose the body's framing ($r)" grep -q "^backend=1 host=" <<<"$r"

# absolute-form (RFC 9112 3.2.2): the back-end gets origin-form and the target's authority as Host.
r=$(hdrs --request-target "http://shop.example:8080/hdrs?abs=1" -H "Host: other.example")
check "absolute-form: the target's authority replaces Host ($r)" grep -q "^backend=1 host=shop.example:8080 " <<<"$r"
check "absolute-form: the back-end gets the origin-form request line" \
    grep -q "^GET /hdrs?abs=1 HTTP/1.1 200 " "$T/nginx-1.access"
check "absolute-form target never reaches the back-end" bash -c "! grep -q '^GET http' '$T/nginx-1.access'"
r=$(curl -s --max-time 5 --request-target "http://shop.example" -o /dev/null -w '%{http_code}' "$URL/")
expect_eq "absolute-form without a path is served as /" 200 "$r"
check "... and reaches the back-end as 'GET /'" grep -q "^GET / HTTP/1.1 200 " "$T/nginx-1.access"

# CONNECT: dlbad is a reverse proxy and opens no tunnels.
r=$(printf 'CONNECT 127.0.0.21:%s HTTP/1.1\r\nHost: 127.0.0.21:%s\r\n\r\n' "$BACKEND_PORT" "$BACKEND_PORT" |
    python3 "$HERE/raw_client.py" "$VIP" "$HTTP_PORT" --wait 2 | tr '\n' ' ')
check "CONNECT is refused with 501 and the connection closed ($r)" grep -q "^STATUS 501 CLOSED" <<<"$r"
check "CONNECT never reaches a back-end" bash -c "! grep -q '^CONNECT' '$T/nginx-1.access' '$T/nginx-2.access'"

# URL hashing: one URL in absolute-form and in origin-form is one key, so one cache.
same=0
for i in $(seq 1 12); do
    a=$(curl -s --max-time 5 "http://$VIP:$((BASE + 4))/hdrs?u=$i" | cut -d' ' -f1)
    b=$(curl -s --max-time 5 --request-target "http://cache.example/hdrs?u=$i" "http://$VIP:$((BASE + 4))/" |
        cut -d' ' -f1)
    [ -n "$a" ] && [ "$a" = "$b" ] && same=$((same + 1))
done
expect_num_eq "url-hash: absolute-form and origin-form of a URL go to the same cache (of 12)" 12 "$same"

# Transfer-Encoding: any spelling the parser accepts as "chunked" is sent as exactly that.
cat >"$T/te.py" <<'PY'
import socket, sys
host, port, path, te = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = socket.create_connection((host, port), timeout=5)
s.sendall(b"POST " + path.encode() + b" HTTP/1.1\r\nHost: t\r\n" + te.encode().replace(b"|", b"\r\n") +
          b"\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
head, _, body = data.partition(b"\r\n\r\n")
print(head.split(b"\r\n")[0].decode())
te = [l for l in body.decode().split("\r\n") if l.lower().startswith("transfer-encoding")]
print("te", repr(te) if path == "/te" else body.decode().strip())
PY
for te in "Transfer-Encoding: chunked," "Transfer-Encoding: , Chunked" "transfer-encoding: CHUNKED" \
    "Transfer-Encoding: chunked, ,"; do
    r=$(python3 "$T/te.py" "$VIP" $((BASE + 6)) /te "$te" | tr '\n' ' ')
    check "'$te' reaches the back-end as one 'Transfer-Encoding: chunked' ($r)" \
        grep -q "^HTTP/1.1 200 OK te \['Transfer-Encoding: chunked'\] $" <<<"$r"
done
r=$(python3 "$T/te.py" "$VIP" "$HTTP_PORT" /upload "Transfer-Encoding: chunked," | tr '\n' ' ')
check "nginx accepts the normalised chunked upload ($r)" grep -q "^HTTP/1.1 200 OK te backend=1 upload .*te=chunked $" <<<"$r"

# A back-end answering an HTTP/1.0 request with Transfer-Encoding (its fault: the request went out
# as HTTP/1.0).  fetch VERSION PORT [HEADERS] -> the raw answer, up to the close, in $T/answer.
fetch() {
    python3 - "$VIP" "$2" "$1" "${3:-}" >"$T/answer" <<'PY'
import socket, sys
host, port, version, extra = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = socket.create_connection((host, port), timeout=5)
s.sendall(f"GET /old {version}\r\nHost: t\r\n{extra}\r\n".encode())
d = b""
while (c := s.recv(65536)):
    d += c
sys.stdout.write(d.decode("latin-1"))
PY
}
answer_body() { python3 -c "import sys; print(repr(open(sys.argv[1], newline='').read().split('\r\n\r\n', 1)[1]))" "$T/answer"; }
fetch HTTP/1.0 $((BASE + 8))
check "HTTP/1.0 client, chunked back-end answer: 200 ($(head -n1 "$T/answer" | tr -d '\r'))" \
    grep -q "^HTTP/1.1 200 OK" "$T/answer"
check "HTTP/1.0 client never receives Transfer-Encoding" bash -c "! grep -qi '^transfer-encoding' '$T/answer'"
check "nor the Trailer field" bash -c "! grep -qi '^trailer' '$T/answer'"
check "the body is delimited by the close" grep -q '^Connection: close' "$T/answer"
expect_eq "the body reaches it de-chunked, without the trailer" "'chunky-and-more\n'" "$(answer_body)"
fetch HTTP/1.0 $((BASE + 8)) $'Connection: keep-alive\r\n'
check "HTTP/1.0 keep-alive client: de-chunked body, connection closed after it" \
    grep -q '^Connection: close' "$T/answer"
expect_eq "HTTP/1.0 keep-alive client: the payload" "'chunky-and-more\n'" "$(answer_body)"
fetch HTTP/1.1 $((BASE + 8)) $'Connection: close\r\n'
check "HTTP/1.1 client: the chunked answer as it came" grep -q '^Transfer-Encoding: chunked' "$T/answer"
expect_eq "HTTP/1.1 client: chunks and trailer relayed" "'6;ext=1\r\nchunky\r\n0000A\r\n-and-more\n\r\n0\r\nX-Trailer: t\r\n\r\n'" \
    "$(answer_body)"
fetch HTTP/1.0 $((BASE + 9))
check "HTTP/1.0 client, 'Transfer-Encoding: gzip' answer: 502 ($(head -n1 "$T/answer" | tr -d '\r'))" \
    grep -q "^HTTP/1.1 502" "$T/answer"
check "HTTP/1.0 client, gzip transfer coding: no Transfer-Encoding" bash -c "! grep -qi '^transfer-encoding' '$T/answer'"
check "HTTP/1.0 client, gzip transfer coding: the coded body is not relayed" \
    bash -c "! grep -q 'not-really-gzip' '$T/answer'"
fetch HTTP/1.1 $((BASE + 9))
check "HTTP/1.1 client, gzip transfer coding: relayed, close-delimited" \
    grep -q '^Transfer-Encoding: gzip' "$T/answer"

finish
