#!/bin/bash
# Request heads under hostile clients: a Connection header may not turn the end-to-end fields
# dlbad relies on (Host, the X-Forwarded-*/Forwarded chain, Cookie, framing) into hop-by-hop ones
# that are stripped; genuine hop-by-hop fields it names are still removed.
source "$(dirname "$0")/lib.sh"

start_nginx 1 || exit 1
cat >"$T/dlbad.conf" <<CONF
workers: 1
monitor:
  unix: $SOCK
backends:
  web:
    servers:
      - {key: 1, addr: 127.0.0.21:$BACKEND_PORT}
services:
  - name: trusted
    listen: $VIP:$HTTP_PORT
    backend: web
    trust_forwarded: true
CONF
start_dlbad "$T/dlbad.conf" || exit 1
URL=http://$VIP:$HTTP_PORT

hdrs() { curl -s --max-time 5 "$URL/hdrs" "$@"; }

r=$(hdrs -H "Host: shop.example" -H "Connection: Host")
check "Connection: Host does not strip Host ($r)" grep -q "host=shop.example " <<<"$r"
r=$(hdrs -H "X-Forwarded-For: 192.0.2.7" -H "Connection: X-Forwarded-For")
check "Connection: X-Forwarded-For keeps the trusted chain ($r)" grep -q "xff=192.0.2.7, 127.0.0.1 " <<<"$r"
r=$(hdrs -H "Forwarded: for=192.0.2.7" -H "X-Forwarded-Proto: https" -H "Connection: Forwarded, X-Forwarded-Proto")
check "Connection: Forwarded, X-Forwarded-Proto keeps both ($r)" \
    bash -c "grep -q 'proto=https fwd=for=192.0.2.7, for=127.0.0.1;' <<<'$r'"
r=$(hdrs -H "Cookie: sid=42" -H "Connection: Cookie")
check "Connection: Cookie keeps the cookies ($r)" grep -q "cookie=sid=42 " <<<"$r"
r=$(hdrs -H "Connection: close, Host, X-Forwarded-For, Cookie" -H "Host: shop.example" \
    -H "X-Forwarded-For: 192.0.2.7" -H "Cookie: sid=42")
check "all of them in one Connection header ($r)" \
    bash -c "grep -q 'host=shop.example xff=192.0.2.7, 127.0.0.1 .*cookie=sid=42 ' <<<'$r'"
r=$(hdrs -H "X-Other: secret" -H "Connection: X-Other")
check "a field Connection names is still removed ($r)" grep -q "other=$" <<<"$r"
r=$(hdrs -X POST --data-binary "abc" -H "Connection: Content-Length")
check "Connection: Content-Length does not lose the body's framing ($r)" grep -q "^backend=1 host=" <<<"$r"

finish
