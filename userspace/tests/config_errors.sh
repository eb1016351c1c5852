#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# config_errors.sh DLBAD DLBACTL: what the real binaries print for a bad
# configuration: a file that cannot be read (the system's reason, the file
# named), a missing or broken TLS key or certificate (one line, no OpenSSL
# error stack), and every problem of a file in one run with "did you mean".
# Results in the shared test vocabulary (selftests/net/ksft.sh): a TEST
# line per check; exit 0, 1, or 4 (skip) without openssl.
set -u
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
# shellcheck source=selftests/net/ksft.sh
. "$ROOT/selftests/net/ksft.sh"

DLBAD=$1
DLBACTL=$2
command -v openssl >/dev/null 2>&1 || skip_all "openssl not installed"
TMP=$(mktemp -d)
defer rm -rf "$TMP"

# expect DESC STATUS WANT COMMAND...: COMMAND exits STATUS and prints
# exactly WANT on stderr (stdout is ignored)
expect() {
	local desc=$1 status=$2 want=$3 got rc
	shift 3
	got=$("$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" = "$status" ] && [ "$got" = "$want" ]; then
		ksft_result OK "$desc"
	else
		ksft_result FAIL "$desc"
		printf '\texit %s (want %s)\n' "$rc" "$status"
		diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | sed 's/^/\t/'
	fi
}

# expect_line DESC PREFIX COMMAND...: COMMAND exits 1 and prints one line on
# stderr, starting with PREFIX and followed by a reason (the words of which
# depend on the OpenSSL version), without OpenSSL's "error:" stack
expect_line() {
	local desc=$1 prefix=$2 got rc
	shift 2
	got=$("$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" = 1 ] && [ "$(wc -l <<<"$got")" = 1 ] && [ "${got#"$prefix"}" != "$got" ] &&
		[ -n "${got#"$prefix"}" ] && ! grep -q "error:" <<<"$got"; then
		ksft_result OK "$desc (${got#"$prefix"})"
	else
		ksft_result FAIL "$desc"
		printf "\texit %s, want one line starting '%s':\n" "$rc" "$prefix"
		printf '%s\n' "$got" | sed 's/^/\t/'
	fi
}

# ---- a configuration file that cannot be read
expect "dlbad: a missing configuration file" 1 \
	"dlbad: $TMP/none.conf: cannot open: No such file or directory" \
	"$DLBAD" -t -c "$TMP/none.conf"
expect "dlbad: a directory as configuration file" 1 \
	"dlbad: $TMP: cannot open: Is a directory" \
	"$DLBAD" -t -c "$TMP"
expect "dlbactl: a missing configuration file" 1 \
	"$TMP/none.yaml: cannot open: No such file or directory
dlbactl: $TMP/none.yaml: 1 error, nothing changed" \
	"$DLBACTL" apply --check -f "$TMP/none.yaml"
if [ "$(id -u)" != 0 ]; then
	# root reads a file of mode 000 all the same
	echo "services: []" >"$TMP/closed.yaml"
	cp "$TMP/closed.yaml" "$TMP/closed.conf"
	chmod 000 "$TMP/closed.yaml" "$TMP/closed.conf"
	expect "dlbad: an unreadable configuration file" 1 \
		"dlbad: $TMP/closed.conf: cannot open: Permission denied" \
		"$DLBAD" -t -c "$TMP/closed.conf"
	expect "dlbactl: an unreadable configuration file" 1 \
		"$TMP/closed.yaml: cannot open: Permission denied
dlbactl: $TMP/closed.yaml: 1 error, nothing changed" \
		"$DLBACTL" apply --check -f "$TMP/closed.yaml"
fi

# ---- TLS files
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=test \
	-keyout "$TMP/key.pem" -out "$TMP/cert.pem" >/dev/null 2>&1 || {
	ksft_result FAIL "openssl req makes a test certificate"
	exit "$(exit_status)"
}
echo "not a certificate" >"$TMP/garbage.pem"
# tls_conf CERT KEY: a configuration with one HTTPS service (cert on line
# 11, key on line 12, both at column 17)
tls_conf() {
	cat <<CONF
backends:
  web:
    servers:
      - {key: 1, addr: 127.0.0.1:8080}
services:
  - name: web
    listen: 127.0.0.1:8443
    protocol: https
    tls:
      certificates:
        - cert: $1
          key:  $2
    backend: web
CONF
}
tls_conf "$TMP/cert.pem" "$TMP/key.pem" >"$TMP/good.conf"
tls_conf "$TMP/cert.pem" "$TMP/gone.pem" >"$TMP/nokey.conf"
tls_conf "$TMP/garbage.pem" "$TMP/key.pem" >"$TMP/badcert.conf"
tls_conf "$TMP/cert.pem" "$TMP/garbage.pem" >"$TMP/badkey.conf"
expect "dlbad: a good TLS configuration" 0 "" "$DLBAD" -t -c "$TMP/good.conf"
expect "dlbad: a missing TLS key is one line naming it" 1 \
	"dlbad: $TMP/nokey.conf:12:17: tls.certificates.key: $TMP/gone.pem: No such file or directory" \
	"$DLBAD" -t -c "$TMP/nokey.conf"
expect "dlbad: a certificate OpenSSL cannot read is one line with its reason" 1 \
	"dlbad: $TMP/badcert.conf:11:17: tls.certificates.cert: $TMP/garbage.pem: no start line" \
	"$DLBAD" -t -c "$TMP/badcert.conf"
expect_line "dlbad: a key OpenSSL cannot read is one line with its reason" \
	"dlbad: $TMP/badkey.conf:12:17: tls.certificates.key: $TMP/garbage.pem: " \
	"$DLBAD" -t -c "$TMP/badkey.conf"

# ---- every problem in one run
cat >"$TMP/many.conf" <<'CONF'
workers: many
backends:
  web:
    servers:
      - {key: 1, addr: 10.0.1.1:80, weigth: 5}
services:
  - name: web
    listen: 10.0.0.10:80
    backend: web
    polcy: cookie
CONF
expect "dlbad: every problem, with did you mean" 1 \
	"dlbad: $TMP/many.conf:1:10: workers: expected an unsigned integer, got 'many'
dlbad: $TMP/many.conf:5:37: unknown key 'weigth' in server, did you mean 'weight'?
dlbad: $TMP/many.conf:10:5: unknown key 'polcy' in service, did you mean 'policy'?
dlbad: $TMP/many.conf: 3 errors" \
	"$DLBAD" -t -c "$TMP/many.conf"
cat >"$TMP/many.yaml" <<'CONF'
services:
  - service: 10.0.0.10:80/tcp
    timout: 60
    servers:
      - {id: 1, addr: 10.0.1.1, wieght: 2}
      - {id: 2, addr: 10.0.1.2, weight: 70000}
CONF
expect "dlbactl: every problem, with did you mean" 1 \
	"$TMP/many.yaml:3:5: unknown key 'timout' in service, did you mean 'timeout'?
$TMP/many.yaml:5:33: unknown key 'wieght' in server, did you mean 'weight'?
$TMP/many.yaml:6:41: weight must be 0..65535, not 70000
dlbactl: $TMP/many.yaml: 3 errors, nothing changed" \
	"$DLBACTL" apply --check -f "$TMP/many.yaml"
exit "$(exit_status)"
