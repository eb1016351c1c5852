#!/bin/bash
# SIGHUP reload: under load without a failed request; new connections get the new configuration
# and established ones too from their next request (it_reloadconn.sh: disabled, removed servers
# and services); listeners added and removed; a bad configuration is refused with FILE:LINE and
# the running one stays.
source "$(dirname "$0")/lib.sh"

start_nginx 1 2 3
PIN=$((BASE + 3))
NEWSVC=$((BASE + 2))
OLDSVC=$((BASE + 1))

write_conf() { # write_conf GENERATION
    local g=$1
    {
        echo "workers: 2"
        echo "monitor: {unix: $SOCK}"
        echo "backends:"
        echo "  web:"
        echo "    servers:"
        echo "      - {key: 1, addr: 127.0.0.21:$BACKEND_PORT, weight: $((g % 2 + 1))}"
        echo "      - {key: 2, addr: 127.0.0.22:$BACKEND_PORT}"
        [ "$g" -ge 2 ] && echo "      - {key: 3, addr: 127.0.0.23:$BACKEND_PORT}"
        echo "  pin:"
        echo "    servers:"
        if [ "$g" -ge 2 ]; then
            echo "      - {key: 1, addr: 127.0.0.23:$BACKEND_PORT}"
        else
            echo "      - {key: 1, addr: 127.0.0.21:$BACKEND_PORT}"
        fi
        echo "services:"
        echo "  - {name: web, listen: '$VIP:$HTTP_PORT', backend: web}"
        echo "  - {name: pin, listen: '$VIP:$PIN', backend: pin}"
        if [ "$g" -ge 2 ]; then
            echo "  - {name: new, listen: '$VIP:$NEWSVC', backend: web}"
        else
            echo "  - {name: old, listen: '$VIP:$OLDSVC', backend: web}"
        fi
    } >"$T/dlbad.conf"
}
write_conf 1
setup_dlbad "$T/dlbad.conf"
expect_eq "old service listening before the reload" 200 \
    "$(curl -s -o /dev/null -w '%{http_code}' "http://$VIP:$OLDSVC/")"

# A keep-alive connection opened under generation 1 (pin -> back-end 1).
mkfifo "$T/ka.in"
cat >"$T/ka.py" <<'PY'
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
f = s.makefile("rb")
for line in sys.stdin:
    s.sendall(f"GET /{line.strip()} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
    status = f.readline().split()[1].decode()
    n = 0
    while True:
        h = f.readline()
        if h == b"\r\n":
            break
        if h.lower().startswith(b"content-length:"):
            n = int(h.split(b":")[1])
    print(status, f.read(n).decode().split()[0], flush=True)
PY
python3 -u "$T/ka.py" "$VIP" "$PIN" <"$T/ka.in" >"$T/ka.out" 2>&1 &
PIDS+=($!)
exec 7>"$T/ka.in"
echo before >&7
# The connection must exist (and have been answered) before the first reload.
for _ in $(seq 100); do
    [ -s "$T/ka.out" ] && break
    sleep 0.1
done

# Load: wrk over keep-alive connections (or a curl loop), three reloads in the middle.
if command -v wrk >/dev/null; then
    wrk -t2 -c16 -d5s "http://$VIP:$HTTP_PORT/load" >"$T/wrk.out" 2>&1 &
    LOAD=$!
else
    (for _ in $(seq 2000); do curl -s -o /dev/null -w '%{http_code}\n' "http://$VIP:$HTTP_PORT/load"; done) >"$T/curl.out" &
    LOAD=$!
fi
PIDS+=("$LOAD")
# Plus new connections all along (each curl is a new connection: they see every generation).
(for _ in $(seq 300); do curl -s -o /dev/null -w '%{http_code}\n' "http://$VIP:$HTTP_PORT/new"; sleep 0.01; done) >"$T/curl2.out" &
LOAD2=$!
PIDS+=("$LOAD2")
for g in 2 3 4; do
    sleep 1
    write_conf "$g"
    kill -HUP "$DLBAD_PID"
done
wait "$LOAD"
wait "$LOAD2"
if [ -f "$T/wrk.out" ]; then
    reqs=$(awk '/requests in/{print $1}' "$T/wrk.out")
    check "wrk: $reqs requests during 3 reloads" test "${reqs:-0}" -gt 100
    check "wrk: no socket errors" bash -c "! grep -q 'Socket errors' '$T/wrk.out'"
    check "wrk: no non-2xx answers" bash -c "! grep -q 'Non-2xx' '$T/wrk.out'"
else
    expect_eq "curl loop: every request 200" 0 "$(grep -vc '^200$' "$T/curl.out")"
fi
expect_eq "new connections during the reloads: every request 200 ($(wc -l <"$T/curl2.out"))" 0 \
    "$(grep -vc '^200$' "$T/curl2.out")"
expect_eq "generation after three reloads" 4 "$(jget "d['dlbad']['generation']")"

echo after >&7
sleep 0.3
exec 7>&-
sleep 0.2
expect_eq "established connection: answered before the reloads by back-end 1" "200 backend=1" "$(sed -n 1p "$T/ka.out")"
expect_eq "established connection survives the reloads, its next request under the new configuration (pin -> back-end 3)" \
    "200 backend=3" "$(sed -n 2p "$T/ka.out")"
expect_eq "new connection uses the new configuration (pin -> back-end 3)" 3 \
    "$(backend_of "$(curl -s "http://$VIP:$PIN/")")"
expect_eq "added service listening" 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://$VIP:$NEWSVC/")"
expect_eq "removed service no longer listening" 000 \
    "$(curl -s -o /dev/null -w '%{http_code}' "http://$VIP:$OLDSVC/")"
seen=""
for _ in $(seq 9); do seen="$seen$(backend_of "$(curl -s "http://$VIP:$HTTP_PORT/")")"; done
check "added server 3 takes requests ($seen)" grep -q 3 <<<"$seen"

# A broken configuration: refused with file:line, generation 4 stays in service.
cp "$T/dlbad.conf" "$T/good.conf"
printf 'workers: 2\nmonitor: {unix: %s}\nbackends:\n  web:\n    servers:\n      - {key: 1, addr: 127.0.0.21}\nservices: []\n' "$SOCK" >"$T/dlbad.conf"
kill -HUP "$DLBAD_PID"
sleep 0.5
check "reload error names file and line" grep -q "reload failed.*dlbad.conf:6:[0-9]*: addr: '127.0.0.21' is not ADDRESS:PORT" "$T/dlbad.log"
expect_eq "still generation 4" 4 "$(jget "d['dlbad']['generation']")"
expect_eq "still serving" 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://$VIP:$HTTP_PORT/")"
# A certificate that does not exist: also refused whole.
cp "$T/good.conf" "$T/dlbad.conf"
cat >>"$T/dlbad.conf" <<CONF
  - name: tls
    listen: $VIP:$((BASE + 4))
    protocol: https
    tls:
      certificates:
        - {cert: $T/missing.pem, key: $T/missing.key}
    backend: web
CONF
kill -HUP "$DLBAD_PID"
sleep 0.5
check "missing certificate refused with its line and the reason" \
    grep -q "reload failed.*dlbad.conf:2[0-9]:[0-9]*: tls.certificates.cert: $T/missing.pem: No such file or directory" "$T/dlbad.log"
expect_eq "still generation 4 after the bad certificate" 4 "$(jget "d['dlbad']['generation']")"

# SIGTERM: clean exit.
check "SIGTERM stops dlbad" stop_dlbad
finish
