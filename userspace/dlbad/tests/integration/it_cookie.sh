#!/bin/bash
# Cookie persistence by injection (WO 01/69890 "Cookie Injection"), the shopping cart over HTTP and
# checkout over HTTPS: one cookie jar, one back-end; forged and stale cookies; several
# persistence cookies in one request (the first valid one decides); a reissued cookie keeps the
# session's Path/Domain (cookie.path, cookie.domain).
source "$(dirname "$0")/lib.sh"

gen_certs
gen_key "$T/persistence.key"
start_nginx 1 2 3

cat >"$T/dlbad.conf" <<CONF
workers: 2
persistence_key_file: $T/persistence.key
monitor:
  unix: $SOCK
defaults:
  health: {max_failures: 1, retry_interval: 30s}
  timeouts: {backend_connect: 1s}
backends:
  shop:
    servers:
$(nginx_servers 1 2 3)
services:
  - name: shop-http
    listen: $VIP:$HTTP_PORT
    backend: shop
    policy: cookie
    cookie: {session: JSESSIONID}
  - name: shop-https
    listen: $VIP:$HTTPS_PORT
    protocol: https
    tls:
      certificates:
        - {cert: $T/rsa.pem, key: $T/rsa.key}
        - {cert: $T/ecdsa.pem, key: $T/ecdsa.key}
    backend: shop
    policy: cookie
    cookie: {session: JSESSIONID}
  - name: shop-short
    listen: $VIP:$((BASE + 4))
    backend: shop
    policy: cookie
    cookie: {session: JSESSIONID, max_age: 1s}
  - name: shop-scoped
    listen: $VIP:$((BASE + 6))
    backend: shop
    policy: cookie
    cookie: {session: JSESSIONID, path: /shop, domain: shop.example.test}
CONF
setup_dlbad "$T/dlbad.conf"
HTTP=http://$VIP:$HTTP_PORT
HTTPS=https://$VIP:$HTTPS_PORT
SHORT=http://$VIP:$((BASE + 4))

# 1. Log in over HTTP (the shopping cart): the session cookie comes with SpServer, same attributes.
curl -s -c "$T/jar" -D "$T/h1" -o "$T/b1" "$HTTP/login"
B=$(backend_of "$(cat "$T/b1")")
check "login answered by a back-end" test -n "$B"
check "SpServer injected with the session cookie's attributes" \
    grep -Eq '^Set-Cookie: SpServer=[A-Za-z0-9_-]{48}; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax' "$T/h1"
check "session cookie passed through" grep -q "^Set-Cookie: JSESSIONID=s$B-" "$T/h1"
check "response with a persistence cookie is private (not cached downstream)" \
    grep -qi '^Cache-Control: private, no-cache="set-cookie"' "$T/h1"
# The cookie names its server without showing it: four more sessions (so two of the five share a
# back-end, three back-ends) get five different tokens, none holding its server's key as text or
# as a 32-bit integer, and two tokens for one back-end have nothing in common to compare.
for i in 1 2 3 4; do
    curl -s -D "$T/hk$i" -o "$T/bk$i" "$HTTP/login"
done
check "persistence cookies reveal no server key, two for one back-end differ" python3 - "$T" <<'PY'
import base64, re, struct, sys
t = sys.argv[1]
seen = {}
for name in ["1", "k1", "k2", "k3", "k4"]:
    head = open(f"{t}/h{name}").read()
    tok = re.search(r"^Set-Cookie: SpServer=([A-Za-z0-9_-]{48});", head, re.M).group(1)
    key = int(re.search(r"^backend=(\d+)", open(f"{t}/b{name}").read()).group(1))
    raw = base64.urlsafe_b64decode(tok)
    assert len(raw) == 36, tok
    assert struct.pack(">I", key) not in raw and struct.pack("<I", key) not in raw, (tok, key)
    assert f"SpServer={key};" not in head
    seen.setdefault(key, []).append(raw)
shared = [r for r in seen.values() if len(r) > 1]
assert shared, seen                     # pigeonhole: 5 sessions, 3 back-ends
for same in shared:
    assert len(set(same)) == len(same)
    assert len({r[12:20] for r in same}) == len(same), "same ciphertext for one back-end"
PY

# 2. Checkout over HTTPS with the same jar: same back-end every time.
same=0
for i in $(seq 10); do
    out=$(curl -sk -b "$T/jar" "$HTTPS/checkout?step=$i")
    [ "$(backend_of "$out")" = "$B" ] && same=$((same + 1))
done
expect_eq "10 HTTPS requests with the HTTP cookie reach back-end $B" 10 "$same"
out=$(curl -sk -b "$T/jar" "$HTTPS/cart")
check "back-end sees its session cookie but not SpServer" \
    bash -c "grep -q 'cookie=JSESSIONID=s$B-' <<<'$out' && ! grep -q SpServer <<<'$out'"
check "X-Forwarded-Proto https and Forwarded header on HTTPS" \
    bash -c "grep -q 'proto=https fwd=for=127.0.0.1;host=\"$VIP:$HTTPS_PORT\";proto=https' <<<'$out'"
out=$(curl -s -b "$T/jar" "$HTTP/cart")
expect_eq "back over HTTP: still back-end $B" "$B" "$(backend_of "$out")"
check "X-Forwarded-For carries the client address" bash -c "grep -q 'xff=127.0.0.1 proto=http ' <<<'$out'"
hits=$(jget "sum(s['stats']['persistence_hits'] for s in d['services'])")
check "persistence hits counted ($hits >= 12)" test "$hits" -ge 12

# 3. New sessions are spread (least connections, ties rotated).
seen=""
for i in $(seq 6); do seen="$seen $(backend_of "$(curl -s "$HTTP/")")"; done
distinct=$(tr ' ' '\n' <<<"$seen" | sort -u | grep -c .)
check "requests without a cookie spread over back-ends ($seen)" test "$distinct" -ge 2

# 4. Forged and tampered cookies: answered normally, with a new valid cookie.
inv0=$(service_stat shop-http persistence_invalid)
curl -s -D "$T/h2" -o "$T/b2" -b "SpServer=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" "$HTTP/cart"
check "forged cookie: request served" grep -q "^backend=" "$T/b2"
check "forged cookie: replaced by a fresh SpServer" grep -Eq '^Set-Cookie: SpServer=[A-Za-z0-9_-]{48}; Path=/' "$T/h2"
tok=$(awk '$6=="SpServer"{print $7}' "$T/jar")
last=${tok: -1}
if [ "$last" = "A" ]; then flip=B; else flip=A; fi
bad=${tok:0:47}$flip
curl -s -D "$T/h3" -o "$T/b3" -b "SpServer=$bad" "$HTTP/cart"
check "tampered cookie: served and replaced" bash -c "grep -q '^backend=' '$T/b3' && grep -q '^Set-Cookie: SpServer=' '$T/h3'"
inv1=$(service_stat shop-http persistence_invalid)
expect_eq "forged/tampered cookies counted as invalid" 2 $((inv1 - inv0))

# 4b. Several persistence cookies: a forged or tampered one before the valid one (in one Cookie
#     header or in two) does not hide it: the valid one decides, nothing is reissued, nothing
#     counted invalid.
good=$(awk '$6=="SpServer"{print $7}' "$T/jar")
forged=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
curl -s -D "$T/h6" -o "$T/b6" -H "Cookie: SpServer=$forged; SpServer=$bad; SpServer=$good" "$HTTP/cart"
expect_eq "forged, tampered, then valid SpServer in one header: back-end $B" "$B" "$(backend_of "$(cat "$T/b6")")"
check "no SpServer reissued when a valid one was sent" bash -c "! grep -qi '^Set-Cookie: SpServer' '$T/h6'"
curl -s -D "$T/h7" -o "$T/b7" -H "Cookie: SpServer=$forged" -H "Cookie: x=1; SpServer=$good" "$HTTP/cart"
expect_eq "forged then valid SpServer in two Cookie headers: back-end $B" "$B" "$(backend_of "$(cat "$T/b7")")"
check "no SpServer reissued (two headers)" bash -c "! grep -qi '^Set-Cookie: SpServer' '$T/h7'"
expect_eq "a valid occurrence is not counted invalid" "$inv1" "$(service_stat shop-http persistence_invalid)"
for i in 1 2 3 4; do
    curl -s -D "$T/h8" -o "$T/b8" -H "Cookie: SpServer=$good; SpServer=$forged" "$HTTP/cart"
    [ "$(backend_of "$(cat "$T/b8")")" = "$B" ] || break
done
expect_eq "valid then forged: back-end $B every time" "$B" "$(backend_of "$(cat "$T/b8")")"

# 4c. A reissued cookie (forged one replaced) carries the session's Path and Domain, so it
#     replaces the client's cookie rather than sitting beside it.
curl -s -D "$T/h9" -o "$T/b9" -b "SpServer=$forged" "http://$VIP:$((BASE + 6))/shop/cart"
check "reissued SpServer keeps cookie.path and cookie.domain" \
    grep -Eq '^Set-Cookie: SpServer=[A-Za-z0-9_-]{48}; Path=/shop; Domain=shop.example.test'$'\r''?$' "$T/h9"

# 5. Stale cookie, age: a service with cookie max_age 1s.
curl -s -c "$T/jar2" -o /dev/null "$SHORT/login"
sleep 2.2
curl -s -b "$T/jar2" -D "$T/h4" -o "$T/b4" "$SHORT/cart"
check "expired cookie: served and replaced" bash -c "grep -q '^backend=' '$T/b4' && grep -q '^Set-Cookie: SpServer=' '$T/h4'"
expect_eq "expired cookie counted invalid" 1 "$(service_stat shop-short persistence_invalid)"

# 6. Stale cookie, server gone: stop the session's back-end; the client is rerouted without an
#    error and gets a cookie for its new server, where it then stays.
stop_nginx "$B"
curl -sk -b "$T/jar" -c "$T/jar" -D "$T/h5" -o "$T/b5" -w '%{http_code}' "$HTTPS/checkout" >"$T/code5"
expect_eq "server of the cookie down: still 200" 200 "$(cat "$T/code5")"
C=$(backend_of "$(cat "$T/b5")")
check "rerouted to another back-end ($C != $B)" test -n "$C" -a "$C" != "$B"
check "new SpServer issued for the new back-end" grep -q '^Set-Cookie: SpServer=' "$T/h5"
same=0
for i in $(seq 5); do
    [ "$(backend_of "$(curl -sk -b "$T/jar" "$HTTPS/cart")")" = "$C" ] && same=$((same + 1))
done
expect_eq "then stays on back-end $C" 5 "$same"
check "unable-to-connect counted for back-end $B" test "$(server_stat "$B" unable_to_connect)" -ge 1
expect_eq "back-end $B marked failed in the status table" True "$(server_field "$B" failed)"
check "cookie groups assigned counted (Fig. 8)" test "$(jget "sum(s['cookies_assigned'] for s in d['summary'])")" -ge 3

finish
