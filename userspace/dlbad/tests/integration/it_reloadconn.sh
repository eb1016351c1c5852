#!/bin/bash
# SIGHUP reload and the keep-alive connections open at that moment (dlbad(8) SIGNALS): each one's
# next request runs under the new configuration.  One connection per case, opened and used
# before the reload, used again after it, never reopened:
#   * a server disabled by the reload gets none of its next requests (one of the pool left), over
#     plain HTTP and over TLS (the session stays; its back-end pool reuses connections);
#   * a server removed by the reload: the same;
#   * a session persisted (cookie) to the disabled server stays on it, as a drain documents,
#     while a request without the cookie on that connection goes to the other server;
#   * its service removed by the reload: the connection closes cleanly (EOF, no reset) while idle.
# The open-connection counters stay balanced through the move.
source "$(dirname "$0")/lib.sh"

gen_certs
start_nginx 1 2
P_DIS=$HTTP_PORT
P_REM=$((BASE + 6))
P_PIN=$((BASE + 7))
P_GONE=$((BASE + 8))
P_TLS=$((BASE + 9))

write_conf() { # write_conf GENERATION
    local g=$1 s2="{key: 2, addr: 127.0.0.22:$BACKEND_PORT}" off="{key: 2, addr: 127.0.0.22:$BACKEND_PORT, enabled: false}"
    cat <<CONF
$(conf_head 2)
backends:
  dis:
    keepalive: true
    servers:
      - {key: 1, addr: 127.0.0.21:$BACKEND_PORT}
      - $([ "$g" = 1 ] && echo "$s2" || echo "$off")
  rem:
    servers:
      - {key: 1, addr: 127.0.0.21:$BACKEND_PORT}
$([ "$g" = 1 ] && echo "      - $s2")
  pin:
    servers:
      - {key: 1, addr: 127.0.0.21:$BACKEND_PORT}
      - $([ "$g" = 1 ] && echo "$s2" || echo "$off")
services:
  - {name: dis, listen: "$VIP:$P_DIS", backend: dis}
  - {name: rem, listen: "$VIP:$P_REM", backend: rem}
  - {name: pin, listen: "$VIP:$P_PIN", backend: pin, policy: cookie, cookie: {session: JSESSIONID}}
  - name: sec
    listen: "$VIP:$P_TLS"
    protocol: https
    tls: {certificates: [{cert: $T/rsa.pem, key: $T/rsa.key}]}
    backend: dis
$([ "$g" = 1 ] && echo "  - {name: gone, listen: \"$VIP:$P_GONE\", backend: dis}")
CONF
}
write_conf 1 >"$T/dlbad.conf"
write_conf 2 >"$T/dlbad.conf.2"
setup_dlbad "$T/dlbad.conf"

# ka.py: the four connections, the reload in the middle; one line per finding.
cat >"$T/ka.py" <<'PY'
import os, re, signal, socket, ssl, sys, time
host, pid, conf, log = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ports = dict(zip(["dis", "rem", "pin", "gone", "sec"], map(int, sys.argv[5:10])))

def request(s, path, cookie=None):
    """(backend N, Set-Cookie SpServer value or None), or None if the connection ended first."""
    extra = f"Cookie: {cookie}\r\n" if cookie else ""
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: t\r\n{extra}\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        c = s.recv(65536)
        if not c:
            return None
        data += c
    head, _, body = data.partition(b"\r\n\r\n")
    head = head.decode()
    n = int(re.search(r"(?im)^content-length:\s*(\d+)", head).group(1))
    while len(body) < n:
        c = s.recv(65536)
        if not c:
            return None
        body += c
    sp = re.search(r"(?im)^set-cookie:\s*(SpServer=[^;]+)", head)
    return body.decode().split()[0].split("=")[1], sp.group(1) if sp else None

def backends(s, count, cookie=None):
    out = []
    for _ in range(count):
        r = request(s, "/", cookie)
        out.append("EOF" if r is None else r[0])
        if r is None:
            break
    return " ".join(out)

conns = {k: socket.create_connection((host, p), timeout=5) for k, p in ports.items()}
tls = ssl.create_default_context()
tls.check_hostname = False
tls.verify_mode = ssl.CERT_NONE
conns["sec"] = tls.wrap_socket(conns["sec"])
for k in ("dis", "rem", "gone", "sec"):
    print(f"{k} before: {backends(conns[k], 6)}")
# A session on back-end 2 (the injected cookie names it), on the pin connection.
cookie = None
for _ in range(20):
    b, sp = request(conns["pin"], "/login")
    if b == "2" and sp:
        cookie = sp
        break
print(f"pin before: {'cookie for 2' if cookie else 'no cookie for 2'}")

os.replace(conf + ".2", conf)
os.kill(pid, signal.SIGHUP)
deadline = time.time() + 5
while time.time() < deadline and "generation 2" not in open(log).read():
    time.sleep(0.05)
time.sleep(0.2)  # every worker has taken it in (posted to each loop with the reload)

for k in ("dis", "rem", "sec"):
    print(f"{k} after: {backends(conns[k], 6)}")
print(f"pin after, with the cookie: {backends(conns['pin'], 4, cookie)}")
print(f"pin after, without: {backends(conns['pin'], 4)}")
# The removed service's connection: closed by dlbad while idle, cleanly.
g = conns["gone"]
g.settimeout(2)
try:
    print("gone after:", "EOF" if g.recv(1) == b"" else "DATA")
except socket.timeout:
    print("gone after: OPEN")
except ConnectionResetError:
    print("gone after: RESET")
for s in conns.values():
    s.close()
PY
python3 "$T/ka.py" "$VIP" "$DLBAD_PID" "$T/dlbad.conf" "$T/dlbad.log" \
    "$P_DIS" "$P_REM" "$P_PIN" "$P_GONE" "$P_TLS" >"$T/ka.out" 2>&1
cat "$T/ka.out"
line() { sed -n "s/^$1: //p" "$T/ka.out"; }

for k in dis rem gone sec; do
    check "$k: requests before the reload spread over both servers ($(line "$k before"))" \
        bash -c "[[ '$(line "$k before")' == *1* && '$(line "$k before")' == *2* ]]"
done
expect_eq "disabled server: the same connection's next requests go to the other one" \
    "1 1 1 1 1 1" "$(line "dis after")"
expect_eq "disabled server, TLS: the same connection's next requests go to the other one" \
    "1 1 1 1 1 1" "$(line "sec after")"
expect_eq "removed server: the same connection's next requests go to the other one" \
    "1 1 1 1 1 1" "$(line "rem after")"
expect_eq "session cookie to back-end 2 set before the reload" "cookie for 2" "$(line "pin before")"
expect_eq "a session persisted to the disabled server stays there (drain)" "2 2 2 2" \
    "$(line "pin after, with the cookie")"
expect_eq "no new session for the disabled server on that connection" "1 1 1 1" \
    "$(line "pin after, without")"
expect_eq "removed service: its open connection is closed cleanly between requests" "EOF" \
    "$(line "gone after")"

# Every connection is closed: the counters of the services that stay are back to 0.
sleep 0.3
for k in dis rem pin sec; do
    expect_num_eq "$k: no open connection counted after the clients left" 0 \
        "$(service_stat "$k" active_connections)"
done
check "SIGTERM stops dlbad" stop_dlbad
finish
