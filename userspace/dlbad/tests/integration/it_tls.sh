#!/bin/bash
# HTTPS termination: TLS 1.2 and 1.3, RSA and ECDSA certificates on one service, session
# resumption with tickets, ALPN http/1.1, malformed TLS closing only its own connection.
source "$(dirname "$0")/lib.sh"

gen_certs
start_nginx 1

cat >"$T/dlbad.conf" <<CONF
$(conf_head 2)
backends:
$(web_backend 1)
services:
  - name: web-https
    listen: $VIP:$HTTPS_PORT
    protocol: https
    tls:
      certificates:
        - {cert: $T/rsa.pem, key: $T/rsa.key}
        - {cert: $T/ecdsa.pem, key: $T/ecdsa.key}
    backend: web
    timeouts: {tls_handshake: 2s}
CONF
setup_dlbad "$T/dlbad.conf"
EP=$VIP:$HTTPS_PORT
REQ=$'GET /tls HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n'

sclient() { # sclient OUTFILE args...: one request, waits for the answer (and the TLS 1.3 tickets)
    local out=$1
    shift
    printf '%s' "$REQ" | timeout 10 openssl s_client -connect "$EP" -servername test -ign_eof "$@" >"$out" 2>&1
}

for v in 1.2 1.3; do
    sclient "$T/full$v" "-tls${v/./_}" -sess_out "$T/sess$v"
    check "TLS $v handshake" grep -q "Protocol *: TLSv$v" "$T/full$v"
    check "TLS $v: the back-end answered through dlbad" grep -q "^backend=1 uri=/tls .*proto=https" "$T/full$v"
    check "TLS $v: first handshake is new" grep -q "^New, TLSv$v" "$T/full$v"
    sclient "$T/res$v" "-tls${v/./_}" -sess_in "$T/sess$v"
    check "TLS $v: session resumed from a ticket" grep -q "^Reused, TLSv$v" "$T/res$v"
    check "TLS $v: resumed connection works" grep -q "^backend=1 uri=/tls" "$T/res$v"
done
check "resumed handshakes counted" test "$(service_stat web-https tls_resumed)" -ge 2

# One service, two certificates: the client's signature algorithms choose.
sclient "$T/ec13" -tls1_3 -sigalgs ecdsa_secp256r1_sha256
check "TLS 1.3 ECDSA client gets the P-256 certificate" grep -q "Server public key is 256 bit" "$T/ec13"
sclient "$T/rsa13" -tls1_3 -sigalgs rsa_pss_rsae_sha256
check "TLS 1.3 RSA client gets the RSA certificate" grep -q "Server public key is 2048 bit" "$T/rsa13"
sclient "$T/ec12" -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256
check "TLS 1.2 ECDHE-ECDSA suite works" grep -q "Cipher is ECDHE-ECDSA-AES128-GCM-SHA256" "$T/ec12"
sclient "$T/rsa12" -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
check "TLS 1.2 ECDHE-RSA suite works" grep -q "Cipher is ECDHE-RSA-AES128-GCM-SHA256" "$T/rsa12"
sclient "$T/chacha12" -tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305
check "TLS 1.2 ECDHE-RSA ChaCha20-Poly1305 suite works" grep -q "Cipher is ECDHE-RSA-CHACHA20-POLY1305" "$T/chacha12"

# Default TLS 1.2 suites (Mozilla "intermediate"): forward secrecy and AEAD only.  A client that
# offers nothing else is refused by the server with a handshake_failure alert (40): static RSA key
# exchange (AES128-SHA, AES128-GCM-SHA256) and CBC with ECDHE (ECDHE-RSA-AES128-SHA).
for c in AES128-SHA AES128-GCM-SHA256 ECDHE-RSA-AES128-SHA ECDHE-ECDSA-AES256-SHA; do
    sclient "$T/weak-$c" -tls1_2 -cipher "$c"
    check "TLS 1.2 $c refused with a handshake failure alert" \
        bash -c "grep -q 'alert handshake failure:.*SSL alert number 40' '$T/weak-$c' && grep -q '^New, (NONE), Cipher is (NONE)' '$T/weak-$c'"
done

# ALPN
sclient "$T/alpn" -alpn h2,http/1.1
check "ALPN selects http/1.1" grep -q "ALPN protocol: http/1.1" "$T/alpn"
sclient "$T/alpn2" -alpn h2
check "ALPN without http/1.1: no protocol selected, connection still served" \
    bash -c "grep -q 'No ALPN negotiated' '$T/alpn2' && grep -q '^backend=1' '$T/alpn2'"

# Older protocol versions are refused by dlbad itself: a TLS 1.1 ClientHello (the client allowed
# to offer it with SECLEVEL=0) is answered with a protocol_version alert (70), and a TLS 1.2
# handshake right after it succeeds, so the refusal was not dlbad being down nor the client
# failing on its own ("no protocols available" is a client-side error and does not count).
printf '' | timeout 5 openssl s_client -connect "$EP" -tls1_1 -cipher 'DEFAULT@SECLEVEL=0' >"$T/old" 2>&1
sclient "$T/now12" -tls1_2
check "TLS 1.1 refused by the server with a protocol_version alert" \
    bash -c "grep -q 'alert protocol version:.*SSL alert number 70' '$T/old' && grep -q '^New, (NONE), Cipher is (NONE)' '$T/old'"
check "TLS 1.1 ClientHello was sent (not refused by the client itself)" \
    bash -c "! grep -Eq 'no protocols available|unsupported protocol' '$T/old'"
check "a TLS 1.2 handshake at the same moment succeeds" \
    bash -c "grep -q 'Protocol *: TLSv1.2' '$T/now12' && grep -q '^backend=1 uri=/tls' '$T/now12'"

# Malformed TLS closes only that connection: a keep-alive TLS connection opened before the
# garbage keeps working after it.
fails0=$(service_stat web-https tls_failures)
python3 - "$VIP" "$HTTPS_PORT" >"$T/malformed" 2>&1 <<'PY'
import socket, ssl, sys, time
host, port = sys.argv[1], int(sys.argv[2])
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
good = ctx.wrap_socket(socket.create_connection((host, port), timeout=5))
def ask(s, path):
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(4096)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0])
    while len(body) < length:
        body += s.recv(4096)
    return head.split(b"\r\n")[0].decode()
def closed(s, limit=1.0):
    """'yes' if the server closes (EOF or reset; an alert may come first) within `limit` seconds,
    well before tls_handshake (2 s) would drop the connection anyway; a timeout means the
    connection was left open: 'no'."""
    s.settimeout(limit)
    t0 = time.time()
    try:
        while s.recv(4096):
            pass
        how = "EOF"
    except ConnectionResetError:
        how = "reset"
    except socket.timeout:
        return "no (still open after %.1f s)" % (time.time() - t0)
    return "yes (%s after %.2f s)" % (how, time.time() - t0)
print("before", ask(good, "/before"))
# A TLS record header announcing a handshake, then garbage.
bad = socket.create_connection((host, port), timeout=5)
bad.sendall(b"\x16\x03\x01\x00\x30" + b"\xde\xad\xbe\xef" * 12)
print("bad closed", closed(bad))
# Plain HTTP on the HTTPS port.
plain = socket.create_connection((host, port), timeout=5)
plain.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
print("plain closed", closed(plain))
print("after", ask(good, "/after"))
PY
check "malformed TLS record: that connection is closed at once ($(sed -n 's/^bad closed //p' "$T/malformed"))" \
    grep -q "^bad closed yes" "$T/malformed"
check "plain HTTP on the HTTPS port: closed at once ($(sed -n 's/^plain closed //p' "$T/malformed"))" \
    grep -q "^plain closed yes" "$T/malformed"
check "an established TLS connection is unaffected" \
    bash -c "grep -q 'before HTTP/1.1 200' '$T/malformed' && grep -q 'after HTTP/1.1 200' '$T/malformed'"
fails1=$(service_stat web-https tls_failures)
check "TLS failures counted ($fails0 -> $fails1)" test "$fails1" -ge $((fails0 + 2))

# A client that stalls in the handshake is dropped after tls_handshake (2s).
python3 - "$VIP" "$HTTPS_PORT" >"$T/stall" <<'PY'
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=6)
t0 = time.time()
try:
    s.recv(1)           # EOF
except ConnectionResetError:
    pass
except socket.timeout:  # never dropped: an elapsed time out of range
    pass
print("dropped after %.1f" % (time.time() - t0))
PY
check "stalled handshake dropped after the timeout ($(cat "$T/stall"))" \
    python3 -c "import sys; v=float(open('$T/stall').read().split()[-1]); sys.exit(0 if 1.5 <= v <= 4.5 else 1)"

finish
