#!/bin/bash
# Out of file descriptors: with RLIMIT_NOFILE lowered (prlimit) and every descriptor taken by idle
# client connections, connections queued on the monitoring TCP port cannot be accepted.  dlbad
# must back off (as its service listeners do) rather than spin on EMFILE, and serve the monitor
# again once descriptors are free.
source "$(dirname "$0")/lib.sh"

if ! command -v prlimit >/dev/null 2>&1; then
    skip_all "needs prlimit (util-linux)"
fi
start_nginx 1
cat >"$T/dlbad.conf" <<CONF
$(conf_head 1 tcp)
backends:
$(web_backend 1)
services:
  - {name: web, listen: "$VIP:$HTTP_PORT", backend: web}
CONF
setup_dlbad "$T/dlbad.conf"
check "RLIMIT_NOFILE of dlbad lowered to 64" prlimit --pid "$DLBAD_PID" --nofile=64:64

# Hold 100 idle client connections (more than the limit), queue 4 monitor connections, then
# measure the CPU time dlbad uses in 2 s while they wait; release everything and ask the monitor.
python3 - "$VIP" "$HTTP_PORT" "$TCP_MON_PORT" "$DLBAD_PID" >"$T/fd.out" 2>&1 <<'PY'
import json, os, socket, sys, time
host, http_port, mon_port, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def cpu_ticks():
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])  # utime + stime
held = [socket.create_connection((host, http_port), timeout=2) for _ in range(100)]
time.sleep(0.5)
mons = [socket.create_connection((host, mon_port), timeout=2) for _ in range(4)]
time.sleep(0.5)
t0, c0 = time.time(), cpu_ticks()
time.sleep(2)
used = (cpu_ticks() - c0) / os.sysconf("SC_CLK_TCK") / (time.time() - t0)
print("cpu %.3f" % used)
for s in held + mons:
    s.close()
time.sleep(0.5)
s = socket.create_connection((host, mon_port), timeout=3)
s.settimeout(3)
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
print("monitor after", "json" if "services" in json.loads(data) else "other")
PY
cpu=$(sed -n 's/^cpu //p' "$T/fd.out")
check "while descriptors are exhausted dlbad uses little CPU (${cpu:-?} of a CPU, limit 0.2)" \
    python3 -c "import sys; sys.exit(0 if 0 <= float('${cpu:--1}') < 0.2 else 1)"
check "the EMFILE was seen (and logged) on the monitor port" grep -q "monitor accept: Too many open files" "$T/dlbad.log"
check "the monitor serves again once descriptors are free" grep -q "^monitor after json" "$T/fd.out"
check "dlbad is still running" kill -0 "$DLBAD_PID"

finish
