#!/bin/bash
# Passive health counts what a server does after accepting the connection (issue 10): a back-end
# that accepts and then resets every request (502), or accepts and stays silent (504), is marked
# failed after max_failures such requests, like one that refuses connections, and requests go to
# the other server of the group.  Only a whole response clears the failure streak: a successful
# connect no longer does, or these servers would never be marked.
source "$(dirname "$0")/lib.sh"

start_nginx 1
P_RST=$((BACKEND_PORT + 1))
P_HOLE=$((BACKEND_PORT + 2))
start_fake reset 127.0.0.24 $P_RST
start_fake blackhole 127.0.0.25 $P_HOLE

# leastconn with weights 100 : 1 sends every request to the misbehaving server while it is usable.
cat >"$T/dlbad.conf" <<CONF
$(conf_head 2)
defaults:
  health: {max_failures: 2, retry_interval: 60s, max_attempts: 3}
  timeouts: {backend_connect: 1s, backend_response: 500ms}
backends:
  rst:
    servers:
      - {key: 1, addr: 127.0.0.24:$P_RST, weight: 100}
      - {key: 2, addr: 127.0.0.21:$BACKEND_PORT, weight: 1}
  hole:
    servers:
      - {key: 1, addr: 127.0.0.25:$P_HOLE, weight: 100}
      - {key: 2, addr: 127.0.0.21:$BACKEND_PORT, weight: 1}
services:
  - {name: rst, listen: "$VIP:$HTTP_PORT", backend: rst, policy: leastconn}
  - {name: hole, listen: "$VIP:$((BASE + 1))", backend: hole, policy: leastconn}
CONF
setup_dlbad "$T/dlbad.conf"

codes() { # codes N URL [curl args]: N requests on fresh connections, "code:backend" per line
    local n=$1 url=$2
    shift 2
    for _ in $(seq "$n"); do
        curl -s -m 5 -o "$T/body" -w '%{http_code}' "$@" "$url"
        echo ":$(backend_of "$(cat "$T/body" 2>/dev/null)")"
    done
}
stat_of() { # stat_of ADDR FIELD
    jget "[s['stats']['$2'] for s in d['servers'] if s['addr']=='$1'][0]"
}
failed_of() {
    jget "[s['failed'] for s in d['servers'] if s['addr']=='$1'][0]"
}

# Accepts, reads the request, resets.  POST: not replayed, so the client sees each failure.
RST=http://$VIP:$HTTP_PORT
expect_eq "reset after connect: 502 twice (max_failures 2)" "502: 502:" \
    "$(codes 2 "$RST/order" -X POST --data x | tr '\n' ' ' | sed 's/ $//')"
expect_eq "the resetting server is marked failed" True "$(failed_of 127.0.0.24)"
expect_eq "its two failed requests are counted in errors, not unable_to_connect" "2 0" \
    "$(stat_of 127.0.0.24 errors) $(stat_of 127.0.0.24 unable_to_connect)"
expect_eq "then every request goes to the other server" "200:1 200:1 200:1" \
    "$(codes 3 "$RST/order" -X POST --data x | tr '\n' ' ' | sed 's/ $//')"
expect_eq "the failed server is not tried again before retry_interval" 2 "$(stat_of 127.0.0.24 hits)"
if grep -q "server 127.0.0.24:$P_RST marked failed after a request dropped unanswered" "$T/dlbad.log"; then
    ok "logged: marked failed after a request dropped unanswered"
else
    not_ok "logged: marked failed after a request dropped unanswered"
fi

# Accepts, never answers: 504 after backend_response (500 ms).
HOLE=http://$VIP:$((BASE + 1))
expect_eq "silent after connect: 504 twice" "504: 504:" "$(codes 2 "$HOLE/x" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "the silent server is marked failed" True "$(failed_of 127.0.0.25)"
expect_eq "then every request goes to the other server" "200:1 200:1 200:1" \
    "$(codes 3 "$HOLE/x" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "the good server is not marked failed" "False False" \
    "$(jget "' '.join(str(s['failed']) for s in d['servers'] if s['addr']=='127.0.0.21')")"

finish
