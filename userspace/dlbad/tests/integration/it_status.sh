#!/bin/bash
# Status classes per server (issue 16): every response head a back-end sends is counted on that
# server by class (stats.status, 1xx..5xx), whatever the request and however early the answer
# comes; the error responses dlbad makes itself (400..505 for bad requests, 502/503/504) are
# counted on the service (stats.generated), never on a server.  The case reported: a back-end
# answering 501 showed "5xx 0" for its server.
source "$(dirname "$0")/lib.sh"

start_nginx 1
cat >"$T/dlbad.conf" <<CONF
$(conf_head 2 metrics)
backends:
$(web_backend 1)
  dead:
    servers:
      - {key: 9, addr: 127.0.0.29:$BACKEND_PORT}
services:
  - {name: web, listen: "$VIP:$HTTP_PORT", backend: web, policy: leastconn}
  - {name: dead, listen: "$VIP:$((BASE + 4))", backend: dead, policy: leastconn}
CONF
setup_dlbad "$T/dlbad.conf"
WEB=http://$VIP:$HTTP_PORT

code() { # code URL [curl args]: the status the client got
    curl -s -m 10 -o /dev/null -w '%{http_code}' "${@:2}" "$1"
}
classes() { # classes N: "1xx 2xx 3xx 4xx 5xx" of back-end N
    jget "' '.join(str(v) for v in [s for s in d['servers'] if s['addr']=='127.0.0.$((20 + $1))'][0]['stats']['status'].values())"
}

expect_eq "the back-end's 501 reaches the client" 501 "$(code "$WEB/code/501")"
expect_eq "... and counts as the server's 5xx" "0 0 0 0 1" "$(classes 1)"
expect_eq "... not as an error of dlbad's" "0 0 0" \
    "$(service_stat web bad_requests) $(service_stat web bad_gateway) $(service_stat web no_server)"
expect_eq "200, 404 and 503 of the back-end" "200 404 503" \
    "$(code "$WEB/") $(code "$WEB/code/404") $(code "$WEB/code/503")"
expect_eq "... one each in 2xx, 4xx, 5xx" "0 1 0 1 2" "$(classes 1)"
expect_eq "HEAD answered 501" 501 "$(code "$WEB/code/501" -I)"
expect_eq "... counted" "0 1 0 1 3" "$(classes 1)"

# A request with a body the back-end answers before reading it (nginx answers `return 501` at
# once, then reads and drops the body): the answer is the back-end's, counted on the server.
# (Under nginx's client_max_body_size, 1 MiB, which nginx would answer 413 first.)
head -c 1000000 /dev/zero >"$T/upload"
expect_eq "1 MB upload answered 501 by the back-end before its end" 501 \
    "$(code "$WEB/code/501" -X POST --data-binary "@$T/upload" -H 'Content-Type: application/octet-stream')"
expect_eq "... counted as the server's 5xx" "0 1 0 1 4" "$(classes 1)"
expect_eq "... no 502 of dlbad's" 0 "$(service_stat web bad_gateway)"

# dlbad's own answers: on the service, by class, none on a server.
printf 'CONNECT 127.0.0.21:443 HTTP/1.1\r\nHost: 127.0.0.21:443\r\n\r\n' \
    | python3 "$HERE/raw_client.py" "$VIP" "$HTTP_PORT" --wait 2 >"$T/connect"
check "CONNECT: dlbad answers 501 itself" grep -qx "STATUS 501" "$T/connect"
printf 'POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n' \
    | python3 "$HERE/raw_client.py" "$VIP" "$HTTP_PORT" --wait 2 >"$T/gzip"
check "unsupported transfer coding: dlbad answers 501 itself" grep -qx "STATUS 501" "$T/gzip"
printf 'GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n' \
    | python3 "$HERE/raw_client.py" "$VIP" "$HTTP_PORT" --wait 2 >"$T/bad"
check "duplicate Content-Length: dlbad answers 400 itself" grep -qx "STATUS 400" "$T/bad"
expect_eq "the server's classes do not move" "0 1 0 1 4" "$(classes 1)"
expect_eq "the service counts dlbad's own answers by class: 4xx 1, 5xx 2" "1 2" \
    "$(jget "' '.join(str(v) for v in [s for s in d['services'] if s['name']=='web'][0]['stats']['generated'].values())")"
expect_eq "no server could take it: dlbad's 503" 503 "$(code "http://$VIP:$((BASE + 4))/")"
expect_eq "... counted on the service, not on the server" "1 0 0 0 0 0" \
    "$(service_stat dead no_server) $(classes 9)"

"$DLBAD" --status "$SOCK" >"$T/tables"
check "--status: the server's row (Fig. 7) ends with its 1xx..5xx" \
    grep -Eq "^web +1 +127.0.0.21:$BACKEND_PORT .* 1 +0 +1 +0 +1 +0 +1 +4$" "$T/tables"
check "--status: the service's row shows dlbad's own 4xx and 5xx (Own 4xx, Own 5xx)" \
    grep -Eq "^web +$VIP:$HTTP_PORT/tcp +http +leastconn +[0-9]+ +[0-9]+ +1 +2 +0$" "$T/tables"

curl -s -o "$T/metrics" "http://$VIP:$METRICS_PORT/metrics"
check "metrics: the server's 5xx" grep -q \
    "^dlbad_server_responses_by_class_total{backend=\"web\",id=\"1\",addr=\"127.0.0.21:$BACKEND_PORT\",class=\"5xx\"} 4$" "$T/metrics"
check "metrics: dlbad's own 5xx on the service" grep -q \
    "^dlbad_service_generated_responses_total{service=\"web\",listen=\"$VIP:$HTTP_PORT/tcp\",class=\"5xx\"} 2$" "$T/metrics"

finish
