#!/bin/bash
# Monitoring (WO 01/69890 "Monitoring", Figs. 7-8): the JSON status document on the unix socket and
# the read-only TCP port, the same figures as Prometheus text, dlbad --status tables, and
# --check-config with FILE:LINE errors.
source "$(dirname "$0")/lib.sh"

gen_certs
start_nginx 1 2
cat >"$T/dlbad.conf" <<CONF
$(conf_head 2 tcp metrics)
backends:
  web:
    servers:
      - {key: 10, addr: 127.0.0.21:$BACKEND_PORT, weight: 100}
      - {key: 20, addr: 127.0.0.22:$BACKEND_PORT, weight: 90}
      - {key: 30, addr: 127.0.0.29:$BACKEND_PORT, weight: 100, enabled: false}
services:
  - {name: web, listen: "$VIP:$HTTP_PORT", backend: web, policy: cookie, cookie: {session: JSESSIONID}}
CONF
out=$("$DLBAD" -t -c "$T/dlbad.conf")
check "--check-config accepts a valid file" grep -q "configuration OK (1 services, 1 backends, 3 servers)" <<<"$out"
setup_dlbad "$T/dlbad.conf"
for _ in $(seq 10); do curl -s -o /dev/null "http://$VIP:$HTTP_PORT/login"; done

status >"$T/s.json"
check "status document is JSON with the documented sections" python3 - "$T/s.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format"] == 1
assert set(d) >= {"dlbad", "services", "servers", "summary"}
assert {"pid", "uptime_s", "workers", "connections", "generation", "config", "loaded_at"} <= set(d["dlbad"])
s = d["services"][0]
assert s["service"].endswith("/tcp") and s["proto"] == "tcp" and s["family"] == "inet"
for srv in d["servers"]:
    assert {"backend", "services", "id", "addr", "port", "weight", "enabled", "failed", "stats"} <= set(srv)
    assert {"avg_resp_time_ms", "hits", "open_conns", "unable_to_connect", "cookies_assigned"} <= set(srv["stats"])
for row in d["summary"]:
    assert {"addr", "port", "cookies_assigned", "avg_resp_time_ms", "hits", "open_conns", "failed", "enabled", "weight"} <= set(row)
PY
expect_num_eq "hits per server add up to the requests" 10 \
    "$(python3 -c "import json; d=json.load(open('$T/s.json')); print(sum(s['stats']['hits'] for s in d['servers']))")"
expect_num_eq "cookie groups assigned = sessions started" 10 \
    "$(python3 -c "import json; d=json.load(open('$T/s.json')); print(sum(s['cookies_assigned'] for s in d['summary']))")"
expect_eq "weights and enabled flags as configured (Fig. 7)" "[(10, 100, True), (20, 90, True), (30, 100, False)]" \
    "$(python3 -c "import json; d=json.load(open('$T/s.json')); print([(s['id'], s['weight'], s['enabled']) for s in d['servers']])")"
check "response times measured" python3 -c "import json,sys; d=json.load(open('$T/s.json')); sys.exit(0 if all(s['stats']['avg_resp_time_ms'] > 0 for s in d['servers'] if s['stats']['hits']) else 1)"

python3 - "$VIP" "$TCP_MON_PORT" >"$T/tcp.json" <<'PY'
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
data = b""
while True:
    c = s.recv(65536)
    if not c:
        break
    data += c
sys.stdout.write(data.decode())
PY
check "TCP monitor port serves the same document (servers, their figures non-empty)" python3 - "$T/s.json" "$T/tcp.json" <<'PY'
import json, sys
unix, tcp = (json.load(open(f))["servers"] for f in sys.argv[1:])
assert len(unix) == 3 and sum(s["stats"]["hits"] for s in unix) == 10, unix
assert tcp == unix, (tcp, unix)
PY

curl -s -D "$T/mh" -o "$T/metrics" "http://$VIP:$METRICS_PORT/metrics"
check "metrics: Prometheus text content type" grep -qi '^Content-Type: text/plain; version=0.0.4' "$T/mh"
check "metrics: every line is a comment or 'name{labels} value'" \
    bash -c "grep -Ev '^(# (HELP|TYPE) .*|[a-z_]+(\{[^}]*\})? [-0-9.e+]+)$' '$T/metrics' | wc -l | grep -qx 0"
# JSON figure vs Prometheus sample: each lookup must find a number (two missing figures are not
# "the same"), and the hits of the servers that took the 10 requests are not zero.
json_hits() { python3 -c "import json; d=json.load(open('$T/s.json')); print([s['stats']['hits'] for s in d['servers'] if s['id']==$1][0])"; }
prom() { grep "^$1 " "$T/metrics" | awk '{print $2}'; }
prom_hits() { grep "^dlbad_server_hits_total{backend=\"web\",id=\"$1\"" "$T/metrics" | awk '{print $2}'; }
expect_num_eq "metrics: hits of servers 10 and 20 add up to the requests" 10 \
    "$(python3 -c "print(int('$(prom_hits 10)' or 'x') + int('$(prom_hits 20)' or 'x'))" 2>/dev/null)"
expect_num_eq "metrics and JSON show the same hits for server 10" "$(json_hits 10)" "$(prom_hits 10)"
expect_num_eq "metrics and JSON show the same hits for server 20" "$(json_hits 20)" "$(prom_hits 20)"
check "metrics: weight and enabled gauges" \
    bash -c "grep -q 'dlbad_server_weight{backend=\"web\",id=\"20\",addr=\"127.0.0.22:$BACKEND_PORT\"} 90' '$T/metrics' && grep -q 'dlbad_server_enabled{backend=\"web\",id=\"30\",addr=\"127.0.0.29:$BACKEND_PORT\"} 0' '$T/metrics'"
expect_num_eq "metrics and JSON show the same loop_yields counter" \
    "$(python3 -c "import json; d=json.load(open('$T/s.json')); print(d['dlbad']['loop_yields'])")" \
    "$(prom dlbad_loop_yields_total)"
expect_eq "metrics port: other paths 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' "http://$VIP:$METRICS_PORT/nope")"
expect_eq "metrics port: POST 405" 405 "$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://$VIP:$METRICS_PORT/metrics")"

"$DLBAD" --status "$SOCK" >"$T/tables"
check "--status prints the Web Server Status Table" grep -q "^Web Server Status Table" "$T/tables"
check "--status prints the Summary table" grep -q "^Summary Web Server Status Table" "$T/tables"
check "--status row of server 20" grep -Eq "^web +20 +127.0.0.22:$BACKEND_PORT +[0-9.]+ms" "$T/tables"

# --check-config errors name the file, line and column.
bad() { # bad EXPECTED-LINE-REGEX: config on stdin
    cat >"$T/bad.conf"
    out=$("$DLBAD" -t -c "$T/bad.conf" 2>&1)
    rc=$?
    if [ $rc -eq 1 ] && grep -Eq "^dlbad: $T/bad.conf:$1" <<<"$out"; then ok "config error: $out"; else not_ok "config error rc=$rc: $out"; fi
}
bad "4:[0-9]+: unknown key 'weigth' in server, did you mean 'weight'" <<CONF
backends:
  web:
    servers:
      - {key: 1, addr: 127.0.0.21:80, weigth: 3}
services:
  - {name: web, listen: "$VIP:80", backend: web}
CONF
bad "6:[0-9]+: service 'web': no backend named 'webb'" <<CONF
backends:
  web:
    servers:
      - {key: 1, addr: 127.0.0.21:80}
services:
  - {name: web, listen: "$VIP:80", backend: webb}
CONF
bad "5:[0-9]+: server key 1 used twice" <<CONF
backends:
  web:
    servers:
      - {key: 1, addr: 127.0.0.21:80}
      - {key: 1, addr: 127.0.0.22:80}
services:
  - {name: web, listen: "$VIP:80", backend: web}
CONF
bad "[0-9]+:[0-9]+: .*" <<CONF
backends: [unclosed
CONF
bad_tls() { # bad_tls PATTERN CERT KEY: an https service with that pair (line 9), refused
    bad "$1" <<CONF
backends:
  web:
    servers:
      - {key: 1, addr: 127.0.0.21:80}
services:
  - name: s
    listen: $VIP:443
    protocol: https
    tls: {certificates: [{cert: $2, key: $3}]}
    backend: web
CONF
}
bad_tls "9:[0-9]+: tls.certificates.cert: $T/nope.pem: No such file or directory" "$T/nope.pem" "$T/nope.key"
bad_tls "9:[0-9]+: key '$T/ecdsa.key' does not match certificate '$T/rsa.pem'" "$T/rsa.pem" "$T/ecdsa.key"

# workers: 0 is one worker per CPU dlbad may run on: under taskset -c 0, one (not one per CPU
# of the machine, which would make the event loops take turns on that CPU).
stop_dlbad
sed 's/^workers: 2$/workers: 0/' "$T/dlbad.conf" >"$T/auto.conf"
rm -f "$SOCK"
taskset -c 0 "$DLBAD" -f -c "$T/auto.conf" >>"$T/dlbad.log" 2>&1 &
DLBAD_PID=$!
PIDS+=("$DLBAD_PID")
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
expect_eq "workers: 0 under taskset -c 0 starts one worker" 1 "$(jget 'd["dlbad"]["workers"]')"
stop_dlbad

# cpu_affinity: auto binds worker i to the i-th CPU of the mask: with the mask {0,1} and three
# workers, dlbad-w0 on 0, w1 on 1, w2 on 0 again; without it every worker may run anywhere.
if [ "$(nproc)" -ge 2 ]; then
    sed 's/^workers: 2$/workers: 3\ncpu_affinity: auto/' "$T/dlbad.conf" >"$T/affinity.conf"
    rm -f "$SOCK"
    taskset -c 0,1 "$DLBAD" -f -c "$T/affinity.conf" >>"$T/dlbad.log" 2>&1 &
    DLBAD_PID=$!
    PIDS+=("$DLBAD_PID")
    for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
    worker_cpus() {
        for t in "/proc/$DLBAD_PID/task/"*; do
            case $(cat "$t/comm") in dlbad-w*) echo "$(cat "$t/comm")=$(awk '/^Cpus_allowed_list/{print $2}' "$t/status")" ;; esac
        done | sort | tr '\n' ' '
    }
    expect_eq "cpu_affinity: auto binds each worker to one CPU in turn" "dlbad-w0=0 dlbad-w1=1 dlbad-w2=0 " "$(worker_cpus)"
    expect_eq "cpu_affinity: auto still serves" 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://$VIP:$HTTP_PORT/login")"
    stop_dlbad
    rm -f "$SOCK"
    taskset -c 0,1 "$DLBAD" -f -c "$T/dlbad.conf" >>"$T/dlbad.log" 2>&1 &
    DLBAD_PID=$!
    PIDS+=("$DLBAD_PID")
    for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
    expect_eq "without cpu_affinity the workers keep the whole mask" "dlbad-w0=0-1 dlbad-w1=0-1 " "$(worker_cpus)"
    stop_dlbad
else
    ok "cpu_affinity: one CPU only, binding check skipped"
fi

finish
