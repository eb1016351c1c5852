#!/bin/bash
# The admin socket (dlbad(8) ADMIN SOCKET, admin: in dlbad.conf(5)): mode bits; drain, maint and
# weight take effect at the very next request in every worker; a persistent session stays on a
# drained server and leaves one in maint; bad commands answer one error line, change nothing and
# leave the connection usable; a huge line or a stalled client does not hold the daemon; a SIGHUP
# reload keeps runtime changes; the socket file is removed at exit, a stale one replaced, and a
# socket that cannot be made is a startup error.
source "$(dirname "$0")/lib.sh"

start_nginx 1 2 3
ADMIN=$T/admin.sock
write_conf() { # write_conf [EXTRA ADMIN KEYS]
    cat >"$T/dlbad.conf" <<CONF
$(conf_head 2)
admin: {unix: $ADMIN${1:-}}
backends:
$(web_backend 1 2 3)
services:
  - name: shop
    listen: "$VIP:$HTTP_PORT"
    backend: web
    policy: cookie
    cookie: {session: JSESSIONID}
CONF
}

# admin.py SOCKET LINE...: every LINE on one connection; prints each answer (its final empty line
# included), or "CLOSED" where the daemon closed the connection first.
cat >"$T/admin.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
f = s.makefile("rb")
for line in sys.argv[2:]:
    s.sendall(line.encode() + b"\n")
    if not line.strip():
        continue
    while True:
        l = f.readline()
        if not l:
            print("CLOSED")
            sys.exit(0)
        sys.stdout.write(l.decode())
        if l == b"\n":
            break
PY
admin() { python3 "$T/admin.py" "$ADMIN" "$@"; }
# start_admin: start_dlbad, then until the admin socket answers (it is made after the
# monitor's; a stale file may be there before).
start_admin() {
    start_dlbad "$T/dlbad.conf" || return 1
    for _ in $(seq 100); do
        python3 -c "import socket,sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])" \
            "$ADMIN" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}
# hits COUNT [curl args]: the back-end numbers of COUNT requests, sorted and counted ("7 1 ...").
hits() {
    local n=$1
    shift
    for _ in $(seq "$n"); do backend_of "$(curl -s "$@" "http://$VIP:$HTTP_PORT/")"; done |
        sort | uniq -c | awk '{printf "%s:%s ", $2, $1}'
}
state_of() { # state_of KEY: the state column of show servers
    admin "show servers shop" | awk -v k="$1" '$2 == k {print $4}'
}

write_conf
start_admin || exit 1
check "admin socket created" test -S "$ADMIN"
expect_eq "admin socket mode 0600 by default" 600 "$(stat -c %a "$ADMIN")"
admin "show info" >"$T/info"
check "show info: version" grep -Eq '^Version: [0-9]+\.[0-9]+' "$T/info"
expect_eq "show info: generation 1" "Generation: 1" "$(grep '^Generation:' "$T/info")"
expect_eq "show servers: three ready servers" "ready ready ready" \
    "$(admin "show servers" | awk '!/^#/ && NF {printf "%s%s", sep, $4; sep=" "}')"
check "show servers json parses" bash -c "python3 '$T/admin.py' '$ADMIN' 'show servers json' | python3 -c 'import json,sys; assert len(json.load(sys.stdin)) == 3'"

# A session (persistence cookie) on some back-end B.
curl -s -c "$T/jar" -o "$T/login" "http://$VIP:$HTTP_PORT/login"
B=$(backend_of "$(cat "$T/login")")
check "session opened on back-end $B" test -n "$B"
expect_eq "the session sticks to $B" "$B:6 " "$(hits 6 -b "$T/jar")"
before=$(hits 30)
check "new sessions spread over the three servers ($before)" test "$(wc -w <<<"$before")" = 3

# Keep-alive connections opened before the change (spread over both workers): their next
# requests follow it too.
cat >"$T/ka.py" <<'PY'
import os, socket, sys, time
host, port, go = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def get(s, f):
    s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
    n = 0
    f.readline()
    while True:
        h = f.readline()
        if h == b"\r\n":
            break
        if h.lower().startswith(b"content-length:"):
            n = int(h.split(b":")[1])
    return f.read(n).decode().split()[0].split("=")[1]
conns = [socket.create_connection((host, port), timeout=10) for _ in range(8)]
files = [c.makefile("rb") for c in conns]
for c, f in zip(conns, files):
    get(c, f)
print("ready", flush=True)
while not os.path.exists(go):
    time.sleep(0.02)
print(" ".join(get(c, f) for _ in range(3) for c, f in zip(conns, files)), flush=True)
PY
python3 "$T/ka.py" "$VIP" "$HTTP_PORT" "$T/go" >"$T/ka.out" 2>&1 &
KA=$!
PIDS+=("$KA")
for _ in $(seq 100); do
    grep -q ready "$T/ka.out" && break
    sleep 0.05
done

# drain: no new session on B from the next request on, its session stays.
expect_eq "set server shop/$B state drain: empty answer" "" "$(admin "set server shop/$B state drain")"
touch "$T/go"
wait "$KA"
ka=$(sed -n 2p "$T/ka.out")
check "drain: open keep-alive connections send nothing more to $B ($ka)" \
    bash -c "[ -n '$ka' ] && ! grep -qw '$B' <<<'$ka'"
after=$(hits 30)
check "drain: no new session on $B at once ($after)" bash -c "! grep -q '\\b$B:' <<<'$after'"
expect_eq "drain: the session stays on $B" "$B:6 " "$(hits 6 -b "$T/jar")"
expect_eq "show servers: drain, changed at run time" "drain admin" \
    "$(admin "show servers web" | awk -v k="$B" '$2 == k {print $4, $6}')"

# maint: not even its sessions (they move).
admin "set server web/$B state maint" >/dev/null
moved=$(hits 6 -b "$T/jar")
check "maint: the session leaves $B ($moved)" bash -c "! grep -q '\\b$B:' <<<'$moved'"
after=$(hits 30)
check "maint: nothing on $B ($after)" bash -c "! grep -q '\\b$B:' <<<'$after'"

# ready again (by address:port), then weight 0 on another server.
admin "set server shop/127.0.0.2$B:$BACKEND_PORT state ready" >/dev/null
after=$(hits 30)
check "ready: $B takes new sessions again ($after)" grep -q "\\b$B:" <<<"$after"
O=$((B % 3 + 1))
admin "set server shop/$O weight 0" >/dev/null
after=$(hits 30)
check "weight 0: no new session on $O ($after)" bash -c "! grep -q '\\b$O:' <<<'$after'"
gen=$(admin "show info" | sed -n 's/^Generation: //p')
check "each change is a generation ($gen)" test "$gen" -ge 5

# Bad input: one error line each, nothing changes, the connection answers on.
servers_before=$(admin "show servers" | cut -d' ' -f1-6)
admin "frobnicate" "set server shop/99 state drain" "set server nope/1 state drain" \
    "set server shop/1 weight 257" "set server shop/1 state disabled" "show info" >"$T/bad"
sed 's/^/# /' "$T/bad"
expect_eq "five one-line errors" 5 "$(grep -c '^error: ' "$T/bad")"
check "the connection stays usable" grep -q '^Generation: ' "$T/bad"
expect_eq "bad commands change nothing" "$servers_before" "$(admin "show servers" | cut -d' ' -f1-6)"
expect_eq "... nor the generation" "Generation: $gen" "$(grep '^Generation:' "$T/bad")"

# A huge line is refused and its connection closed; a stalled client holds nothing.
cat >"$T/abuse.py" <<'PY'
import socket, sys, time
big = socket.socket(socket.AF_UNIX); big.settimeout(10); big.connect(sys.argv[1])
try:
    big.sendall(b"x" * 1000000)
except OSError:
    pass
data = b""
try:
    while True:
        c = big.recv(4096)
        if not c:
            break
        data += c
except OSError:
    pass
print("huge:", data.decode().strip())
stalled = [socket.socket(socket.AF_UNIX) for _ in range(8)]
for s in stalled:
    s.connect(sys.argv[1]); s.sendall(b"show in")
reader = socket.socket(socket.AF_UNIX); reader.connect(sys.argv[1])
reader.sendall(b"show servers json\n" * 2000)  # never read: the daemon must not wait for us
time.sleep(0.5)
print("stalled: open")
PY
python3 "$T/abuse.py" "$ADMIN" >"$T/abuse" 2>&1 &
ABUSE=$!
PIDS+=("$ABUSE")
sleep 0.3
expect_eq "admin answers while clients stall" "Generation: $gen" "$(admin "show info" | grep '^Generation:')"
expect_eq "traffic flows while clients stall" 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://$VIP:$HTTP_PORT/")"
wait "$ABUSE"
check "a huge line: error, connection closed ($(head -n1 "$T/abuse" | cut -c1-60))" grep -q '^huge: error: line too long' "$T/abuse"

# SIGHUP: the runtime changes stay (the file did not change those settings).
kill -HUP "$DLBAD_PID"
for _ in $(seq 50); do
    [ "$(admin "show info" | sed -n 's/^Generation: //p')" -gt "$gen" ] && break
    sleep 0.1
done
expect_eq "reload keeps weight 0 on $O" "0 admin" "$(admin "show servers" | awk -v k="$O" '$2 == k {print $5, $6}')"
after=$(hits 20)
check "... and it still holds ($after)" bash -c "! grep -q '\\b$O:' <<<'$after'"

stop_dlbad
check "socket file removed at exit" test ! -e "$ADMIN"

# A stale socket file is replaced; mode and group as configured.
python3 -c "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$ADMIN"
write_conf ", mode: 0660, group: $(id -g)"
rm -f "$SOCK"
start_admin || exit 1
expect_eq "stale socket replaced, mode 0660" 660 "$(stat -c %a "$ADMIN")"
expect_eq "group as configured" "$(id -g)" "$(stat -c %g "$ADMIN")"
expect_eq "... and it answers" "Generation: 1" "$(admin "show info" | grep '^Generation:')"
stop_dlbad

# A socket that cannot be made is a startup error naming it.
ADMIN=$T/no/such/dir/admin.sock
write_conf
rm -f "$SOCK"
"$DLBAD" -f -c "$T/dlbad.conf" >"$T/fail.log" 2>&1
rc=$?
expect_eq "bind failure: exit status 1" 1 "$rc"
check "bind failure: clear message ($(grep -o 'admin socket.*' "$T/fail.log" | head -n1))" grep -q "admin socket $ADMIN: bind" "$T/fail.log"

finish
