#!/bin/bash
# Passive health (WO 01/69890 "Status Tables"): a back-end that refuses connections is counted, the
# request goes elsewhere without an error, the server is marked failed after N failures and
# retried after the interval.  Dropped requests are replayed only if idempotent; 502/503/504.
source "$(dirname "$0")/lib.sh"

start_nginx 1 2 3
P_DROP=$((BACKEND_PORT + 1))
P_GARB=$((BACKEND_PORT + 2))
P_HOLE=$((BACKEND_PORT + 3))
start_fake dropper 127.0.0.24 $P_DROP
start_fake garbage 127.0.0.24 $P_GARB
start_fake blackhole 127.0.0.24 $P_HOLE

cat >"$T/dlbad.conf" <<CONF
$(conf_head 2)
defaults:
  health: {max_failures: 2, retry_interval: 3s, max_attempts: 3}
  timeouts: {backend_connect: 1s, backend_response: 1s}
backends:
$(web_backend 1 2 3)
  flaky:
    servers:
      - {key: 1, addr: 127.0.0.24:$P_DROP, weight: 100}
      - {key: 2, addr: 127.0.0.21:$BACKEND_PORT, weight: 1}
  garbage:
    servers:
      - {key: 1, addr: 127.0.0.24:$P_GARB}
  hole:
    servers:
      - {key: 1, addr: 127.0.0.24:$P_HOLE}
  dead:
    servers:
      - {key: 1, addr: 127.0.0.29:$BACKEND_PORT}
services:
  - {name: web, listen: "$VIP:$HTTP_PORT", backend: web, policy: leastconn}
  - {name: flaky, listen: "$VIP:$((BASE + 1))", backend: flaky, policy: leastconn}
  - {name: garbage, listen: "$VIP:$((BASE + 2))", backend: garbage}
  - {name: hole, listen: "$VIP:$((BASE + 3))", backend: hole}
  - {name: dead, listen: "$VIP:$((BASE + 4))", backend: dead}
CONF
setup_dlbad "$T/dlbad.conf"
WEB=http://$VIP:$HTTP_PORT

codes() { # codes N URL: N requests on fresh connections, prints "code:backend" per line
    for _ in $(seq "$1"); do
        curl -s -o "$T/body" -w '%{http_code}' "$2"
        echo ":$(backend_of "$(cat "$T/body" 2>/dev/null)")"
    done
}

codes 9 "$WEB/warm" >"$T/warm"
expect_eq "all back-ends up: 9 x 200" 9 "$(grep -c '^200:' "$T/warm")"

# Back-end 2 stopped mid-test.
stop_nginx 2
codes 30 "$WEB/during" >"$T/during"
expect_eq "back-end 2 down: every request still 200" 30 "$(grep -c '^200:' "$T/during")"
expect_eq "no answer from back-end 2" 0 "$(grep -c ':2$' "$T/during")"
u=$(server_stat 2 unable_to_connect)
# Two refused connects mark it failed; then it is skipped (one retry may fall in the test's
# duration if it exceeds the 3 s retry interval).
check "unable-to-connect counted for back-end 2, then skipped ($u)" test "$u" -ge 2 -a "$u" -le 3
expect_eq "back-end 2 marked failed" True "$(server_field 2 failed)"
check "reroutes counted" test "$(service_stat web rerouted)" -ge 2
"$DLBAD" --status "$SOCK" >"$T/tables"
check "the Fig. 7 table shows the failure" \
    bash -c "grep -E '^web +2 +127.0.0.22:$BACKEND_PORT ' '$T/tables' | awk '{exit !(\$7 >= 2 && \$9 == 1)}'"

# Back in service: retried after the interval, then used again.
start_nginx 2
sleep 3.2
codes 12 "$WEB/after" >"$T/after"
expect_eq "after restart: every request 200" 12 "$(grep -c '^200:' "$T/after")"
check "back-end 2 gets requests again" test "$(grep -c ':2$' "$T/after")" -ge 1
expect_eq "back-end 2 no longer failed" False "$(server_field 2 failed)"

# A server that drops requests without answering: GET is replayed elsewhere, POST is not.
FLAKY=http://$VIP:$((BASE + 1))
expect_eq "dropped GET replayed to another server (nginx 1)" "200:1" "$(codes 1 "$FLAKY/x")"
check "replay counted" test "$(service_stat flaky replayed)" -ge 1
out=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data 'order=1' "$FLAKY/order")
expect_eq "dropped POST is not replayed: 502" 502 "$out"

expect_eq "a back-end answering garbage: 502" 502 \
    "$(curl -s -o /dev/null -w '%{http_code}' "http://$VIP:$((BASE + 2))/")"
t0=$(date +%s.%N)
expect_eq "a back-end that never answers: 504" 504 \
    "$(curl -s -o /dev/null -w '%{http_code}' "http://$VIP:$((BASE + 3))/")"
el=$(python3 -c "print(round($(date +%s.%N) - $t0, 1))")
check "504 after the back-end response timeout (1s; took ${el}s)" \
    python3 -c "import sys; sys.exit(0 if 0.9 <= $el <= 3 else 1)"
expect_eq "no back-end reachable: 503" 503 \
    "$(curl -s -o /dev/null -w '%{http_code}' "http://$VIP:$((BASE + 4))/")"
expect_eq "no back-end (marked failed): 503 at once" 503 \
    "$(curl -s -o /dev/null -w '%{http_code}' "http://$VIP:$((BASE + 4))/")"
# The client connection survives an error answer: keep-alive continues.
out=$(curl -s -o /dev/null -o /dev/null -w '%{http_code} %{num_connects}\n' "http://$VIP:$((BASE + 4))/a" "http://$VIP:$((BASE + 4))/b")
expect_eq "503 keeps the client connection (one connect for two requests)" "503 1
503 0" "$out"

finish
