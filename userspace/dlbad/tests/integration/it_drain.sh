#!/bin/bash
# SIGTERM drain (dlbad(8) SIGNALS, drain_timeout in dlbad.conf(5)): dlbad stops accepting, closes
# idle keep-alive connections at once, lets a request in progress finish and exits as soon as it
# has; a request that outlasts drain_timeout is cut and dlbad exits by then.  Exit status 0 both
# ways ("0 ... after a clean stop").
source "$(dirname "$0")/lib.sh"

P_SLOW=$((BACKEND_PORT + 1))
start_fake slow 127.0.0.24 $P_SLOW
cat >"$T/dlbad.conf" <<CONF
workers: 2
drain_timeout: 3s
monitor: {unix: $SOCK}
backends:
  slow:
    servers:
      - {key: 1, addr: 127.0.0.24:$P_SLOW}
services:
  - {name: slow, listen: "$VIP:$HTTP_PORT", backend: slow}
CONF

# drain.py HOST PORT PID SECONDS: an idle keep-alive connection and a request for /slow/SECONDS in
# progress, then SIGTERM to dlbad; prints what each saw and when (seconds after the SIGTERM).
cat >"$T/drain.py" <<'PY'
import os, signal, socket, sys, threading, time
host, port, pid, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
res = {}

def response(s):
    """(status, body) of one response with Content-Length; None where the connection ended first."""
    data = b""
    while b"\r\n\r\n" not in data:
        c = s.recv(65536)
        if not c:
            return None
        data += c
    head, _, body = data.partition(b"\r\n\r\n")
    n = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0])
    while len(body) < n:
        c = s.recv(65536)
        if not c:
            return None
        body += c
    return head.split(b" ")[1].decode(), body.decode().strip()

def exited():
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True

idle = socket.create_connection((host, port), timeout=15)
idle.sendall(b"GET /slow/0 HTTP/1.1\r\nHost: t\r\n\r\n")
res["idle_first"] = response(idle)
busy = socket.create_connection((host, port), timeout=15)
busy.sendall(f"GET /slow/{secs} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
time.sleep(0.3)  # the request is at the back-end
t0 = time.time()
os.kill(pid, signal.SIGTERM)

def watch_idle():
    try:
        got = idle.recv(1)
        res["idle"] = "closed" if got == b"" else "data"
    except ConnectionResetError:
        res["idle"] = "closed"
    except socket.timeout:
        res["idle"] = "open"
    res["idle_t"] = time.time() - t0
    idle.close()  # as a client does once the server closed

def watch_busy():
    try:
        r = response(busy)
        res["busy"] = "%s %s" % r if r else "cut"
    except ConnectionResetError:
        res["busy"] = "cut"
    except socket.timeout:
        res["busy"] = "no answer, still open"
    res["busy_t"] = time.time() - t0
    busy.close()  # "Connection: close" answered in full: the client closes

threads = [threading.Thread(target=watch_idle), threading.Thread(target=watch_busy)]
for t in threads:
    t.start()
time.sleep(0.3)
try:
    socket.create_connection((host, port), timeout=2).close()
    res["new"] = "accepted"
except ConnectionRefusedError:
    res["new"] = "refused"
except OSError as e:
    res["new"] = type(e).__name__
while not exited() and time.time() - t0 < 15:
    time.sleep(0.02)
res["exit_t"] = time.time() - t0 if exited() else None
for t in threads:
    t.join()
for k, v in sorted(res.items()):
    print(f"{k}={round(v, 2) if isinstance(v, float) else v}")
PY
drain_field() { sed -n "s/^$1=//p" "$2"; }
within() { # within VALUE LOW HIGH
    python3 -c "import sys; v='$1'; sys.exit(0 if v not in ('', 'None') and $2 <= float(v) <= $3 else 1)"
}

# 1. A request of 1.5 s in progress, drain_timeout 3 s: it is answered, then dlbad exits.  (The
# client closes once answered, as clients do after "Connection: close": one that kept its end
# open would hold dlbad in its lingering close, up to 2 s, within drain_timeout.)
setup_dlbad "$T/dlbad.conf"
python3 "$T/drain.py" "$VIP" "$HTTP_PORT" "$DLBAD_PID" 1.5 >"$T/d1" 2>&1
wait "$DLBAD_PID"
rc=$?
sed 's/^/# /' "$T/d1"
expect_eq "keep-alive connection answered before the SIGTERM" "('200', 'slow 0.0')" "$(drain_field idle_first "$T/d1")"
check "SIGTERM: the idle keep-alive connection is closed at once ($(drain_field idle_t "$T/d1") s)" \
    bash -c "[ '$(drain_field idle "$T/d1")' = closed ] && python3 -c 'import sys; sys.exit(0 if float(\"$(drain_field idle_t "$T/d1")\") < 1 else 1)'"
expect_eq "SIGTERM: new connections are refused (no listener)" refused "$(drain_field new "$T/d1")"
expect_eq "the request in progress is answered in full" "200 slow 1.5" "$(drain_field busy "$T/d1")"
check "... when the back-end answers, 1.5 s after the request ($(drain_field busy_t "$T/d1") s after SIGTERM)" \
    within "$(drain_field busy_t "$T/d1")" 1.0 2.5
check "dlbad exits once it is answered ($(drain_field exit_t "$T/d1") s), not at drain_timeout (3 s)" \
    python3 -c "import sys; e, b = '$(drain_field exit_t "$T/d1")', '$(drain_field busy_t "$T/d1")'; sys.exit(0 if '$(drain_field busy "$T/d1")' == '200 slow 1.5' and e not in ('', 'None') and float(b) - 0.1 <= float(e) <= float(b) + 0.8 else 1)"
expect_eq "exit status 0 after the drain" 0 "$rc"

# 2. A request of 10 s, drain_timeout 3 s: cut at 3 s, dlbad gone by then.
rm -f "$SOCK"
setup_dlbad "$T/dlbad.conf"
python3 "$T/drain.py" "$VIP" "$HTTP_PORT" "$DLBAD_PID" 10 >"$T/d2" 2>&1
wait "$DLBAD_PID"
rc=$?
sed 's/^/# /' "$T/d2"
check "a request outlasting drain_timeout is cut ($(drain_field busy "$T/d2"))" test "$(drain_field busy "$T/d2")" = cut
check "... at drain_timeout ($(drain_field busy_t "$T/d2") s after SIGTERM, 3 s)" within "$(drain_field busy_t "$T/d2")" 2.7 4.0
check "dlbad exits at drain_timeout ($(drain_field exit_t "$T/d2") s after SIGTERM, 3 s)" \
    within "$(drain_field exit_t "$T/d2")" 2.7 4.0
expect_eq "exit status 0 after a drain timeout" 0 "$rc"
check "the drain timeout is logged" grep -Eq "drain timeout: closing [0-9]+ connections" "$T/dlbad.log"

finish
