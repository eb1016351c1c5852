#!/bin/bash
# systemd Type=notify (dlbad.service): READY=1 on $NOTIFY_SOCKET once dlbad serves, RELOADING=1
# then READY=1 around each SIGHUP, STOPPING=1 on SIGTERM.  A reload validates first: a broken
# configuration is reported (FILE:LINE in the log) and the running generation keeps serving.
source "$(dirname "$0")/lib.sh"

start_nginx 1 2
write_conf() { # write_conf BACKEND-N [BROKEN]
    cat >"$T/dlbad.conf" <<CONF
workers: 2
monitor: {unix: $SOCK}
backends:
  web:
    servers:
      - {key: 1, addr: 127.0.0.2$1:$BACKEND_PORT${2:+, weigth: 2}}
services:
  - {name: web, listen: "$VIP:$HTTP_PORT", backend: web}
CONF
}

# The service manager's end: an AF_UNIX datagram socket.  Each message is logged as it arrives
# with, on READY=1, the answer of one request sent at that moment: ready means serving.
cat >"$T/notify.py" <<'PY'
import socket, sys, time
path, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
print("listening", flush=True)
while True:
    msg = s.recv(4096).decode()
    line = msg.replace("\n", " ").strip()
    if "READY=1" in msg.split("\n"):
        try:
            c = socket.create_connection((host, port), timeout=3)
            c.sendall(b"GET /ready HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                chunk = c.recv(4096)
                if not chunk:
                    break
                data += chunk
            body = data.split(b"\r\n\r\n", 1)[1].split()[0].decode()
            line += " | " + data.split(b"\r\n")[0].decode() + " " + body
        except OSError as e:
            line += " | request failed: " + str(e)
    print(line, flush=True)
PY
python3 -u "$T/notify.py" "$T/notify.sock" "$VIP" "$HTTP_PORT" >"$T/notify.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do [ -S "$T/notify.sock" ] && break; sleep 0.05; done

messages() { grep -v '^listening' "$T/notify.log" | tr '\n' ';'; }
wait_messages() { # wait_messages N: until N messages arrived (at most 5 s)
    for _ in $(seq 100); do
        [ "$(grep -vc '^listening' "$T/notify.log")" -ge "$1" ] && return 0
        sleep 0.05
    done
    return 1
}

write_conf 1
export NOTIFY_SOCKET=$T/notify.sock
setup_dlbad "$T/dlbad.conf"
unset NOTIFY_SOCKET
wait_messages 1
expect_eq "READY=1 once started, and the service answers at that moment" \
    "READY=1 | HTTP/1.1 200 OK backend=1;" "$(messages)"

# A good reload: RELOADING=1, then READY=1 with the new configuration in service.
write_conf 2
kill -HUP "$DLBAD_PID"
wait_messages 3
expect_eq "SIGHUP: RELOADING=1, then READY=1 with the new configuration serving" \
    "READY=1 | HTTP/1.1 200 OK backend=1;RELOADING=1;READY=1 | HTTP/1.1 200 OK backend=2;" "$(messages)"
expect_eq "generation 2 after the reload" 2 "$(jget "d['dlbad']['generation']")"

# A broken configuration (it would send the service to back-end 1): validated first, refused with
# FILE:LINE, generation 2 stays and keeps serving through back-end 2.
write_conf 1 broken
kill -HUP "$DLBAD_PID"
wait_messages 5
expect_eq "broken reload: RELOADING=1, then READY=1, the old configuration still serving" \
    "RELOADING=1;READY=1 | HTTP/1.1 200 OK backend=2;" "$(messages | cut -d';' -f4-)"
check "broken reload: the error is reported with FILE:LINE" \
    grep -q "reload failed, generation 2 stays in service: $T/dlbad.conf:6:[0-9]*: unknown key 'weigth'" "$T/dlbad.log"
expect_eq "broken reload: still generation 2" 2 "$(jget "d['dlbad']['generation']")"
expect_eq "broken reload: requests still go to back-end 2" 2 \
    "$(backend_of "$(curl -s "http://$VIP:$HTTP_PORT/")")"

check "SIGTERM stops dlbad" stop_dlbad
wait_messages 6
expect_eq "SIGTERM: STOPPING=1" "STOPPING=1;" "$(messages | cut -d';' -f6-)"

# Without NOTIFY_SOCKET nothing is sent anywhere, and dlbad starts all the same.
rm -f "$SOCK"
write_conf 2
setup_dlbad "$T/dlbad.conf"
expect_eq "without NOTIFY_SOCKET: serving, no message" "6 2" \
    "$(grep -vc '^listening' "$T/notify.log") $(backend_of "$(curl -s "http://$VIP:$HTTP_PORT/")")"

finish
