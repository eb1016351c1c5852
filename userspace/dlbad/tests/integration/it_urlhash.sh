#!/bin/bash
# URL hashing to web caches (WO 01/69890 "DLBA Server Architecture"): over one keep-alive client
# connection a.html, b.gif and c.gif each go to their own cache, with a new back-end connection
# per request; consistent placement; bounded load; only the URLs of a removed cache move.
source "$(dirname "$0")/lib.sh"

start_nginx 1 2 3
cat >"$T/dlbad.conf" <<CONF
$(conf_head 1)
defaults:
  health: {max_failures: 1, retry_interval: 60s}
backends:
  caches:
    servers:
$(nginx_servers 1 2 3)
services:
  - name: cache
    listen: $VIP:$HTTP_PORT
    backend: caches
    policy: url-hash
    url_hash: {load_factor: 1.05}
CONF
setup_dlbad "$T/dlbad.conf"

# keepalive.py MODE URL...: one connection; MODE serial (request, read, next) or pipelined (all
# requests in one write); prints the back-end of each response.
cat >"$T/keepalive.py" <<'PY'
import socket, sys
host, port, mode, urls = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
s = socket.create_connection((host, port), timeout=5)
f = s.makefile("rb")
def req(u):
    return f"GET {u} HTTP/1.1\r\nHost: cache\r\n\r\n".encode()
def read_response():
    status = f.readline()
    length = 0
    while True:
        line = f.readline()
        if line in (b"\r\n", b""):
            break
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    body = f.read(length).decode()
    return status.split()[1].decode(), body.split()[0]
if mode == "pipelined":
    s.sendall(b"".join(req(u) for u in urls))
    out = [read_response() for _ in urls]
else:
    out = []
    for u in urls:
        s.sendall(req(u))
        out.append(read_response())
print(" ".join(f"{u}={st}:{b.split('=')[1]}" for u, (st, b) in zip(urls, out)))
PY
conns0=$(service_stat cache connections)
serial=$(python3 "$T/keepalive.py" "$VIP" "$HTTP_PORT" serial /a.html /b.gif /c.gif)
echo "# one keep-alive connection: $serial"
conns1=$(service_stat cache connections)
expect_eq "three requests over one client connection" 1 $((conns1 - conns0))
check "all three answered 200" bash -c "[ \$(grep -o '=200:' <<<'$serial' | wc -l) = 3 ]"
caches=$(grep -o ':[0-9]' <<<"$serial" | sort -u | wc -l)
expect_eq "a.html, b.gif, c.gif reach three different caches" 3 "$caches"
hits=$(jget "sum(s['stats']['hits'] for s in d['servers'])")
expect_eq "three back-end connections were opened (one per request)" 3 "$hits"

# The same URLs on fresh connections, and pipelined on one connection: same caches.
fresh=""
for u in /a.html /b.gif /c.gif; do
    fresh="$fresh $u=200:$(backend_of "$(curl -s "http://$VIP:$HTTP_PORT$u")")"
done
expect_eq "placement does not depend on the connection" "$serial" "${fresh# }"
piped=$(python3 "$T/keepalive.py" "$VIP" "$HTTP_PORT" pipelined /a.html /b.gif /c.gif)
expect_eq "pipelined requests: same placement, responses in order" "$serial" "$piped"

# Bounded load over 60 URLs: no cache above ceil(1.05 * 60 / 3) = 21.
urls=$(for i in $(seq 60); do echo "/obj/$i.jpg"; done)
# shellcheck disable=SC2086 # one argument per URL
python3 "$T/keepalive.py" "$VIP" "$HTTP_PORT" serial $urls | tr ' ' '\n' >"$T/place1"
max=$(sed 's/.*://' "$T/place1" | sort | uniq -c | sort -rn | awk 'NR==1{print $1}')
check "bounded load: busiest cache has $max of 60 URLs (<= 21)" test "$max" -le 21
check "every cache used" test "$(sed 's/.*://' "$T/place1" | sort -u | wc -l)" -eq 3

# Remove cache 3 (stopped): its URLs move, nobody else's does, and no request fails.
stop_nginx 3
# shellcheck disable=SC2086 # one argument per URL
python3 "$T/keepalive.py" "$VIP" "$HTTP_PORT" serial $urls | tr ' ' '\n' >"$T/place2"
check "no request failed with a cache down" bash -c "! grep -v '=200:' '$T/place2'"
moved_other=$(paste -d' ' "$T/place1" "$T/place2" | awk '$1 !~ /:3$/ && $1 != $2' | wc -l)
moved3=$(paste -d' ' "$T/place1" "$T/place2" | awk '$1 ~ /:3$/ && $1 != $2' | wc -l)
on3=$(grep -c ':3$' "$T/place1")
expect_eq "URLs of caches 1 and 2 stay where they were" 0 "$moved_other"
expect_eq "all $on3 URLs of cache 3 moved" "$on3" "$moved3"
check "the failed cache is counted" test "$(server_stat 3 unable_to_connect)" -ge 1

finish
