#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# config_errors.sh DLBAD DLBACTL MANDIR DLBA_ARRAYD: what the real binaries
# print for a bad configuration (dlbad.conf, dlba.yaml, array.yaml): a file
# that cannot be read (the system's reason, the file named), a missing or
# broken TLS key or certificate (one line, no OpenSSL error stack), and every
# problem of a file in one run with "did you mean", at most 20 of them.
# Results in the shared test vocabulary (selftests/net/ksft.sh): a TEST
# line per check; exit 0, 1, or 4 (skip) without openssl.
set -u
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
# shellcheck source=selftests/net/ksft.sh
. "$ROOT/selftests/net/ksft.sh"

DLBAD=$1
DLBACTL=$2
ARRAYD=$4
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
expect "dlbactl: a directory as configuration file" 1 \
	"$TMP: cannot open: Is a directory
dlbactl: $TMP: 1 error, nothing changed" \
	"$DLBACTL" apply --check -f "$TMP"
expect "dlba-arrayd: a missing configuration file" 1 \
	"dlba-arrayd: $TMP/none.yaml: cannot open: No such file or directory" \
	"$ARRAYD" --check -c "$TMP/none.yaml"
expect "dlba-arrayd: a directory as configuration file" 1 \
	"dlba-arrayd: $TMP: cannot open: Is a directory" \
	"$ARRAYD" --check -c "$TMP"
# Root reads a file of mode 000 all the same: as root, the tools run as nobody
# (setpriv), if nobody may run them.
UNPRIV=()
if [ "$(id -u)" = 0 ]; then
	UNPRIV=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	chmod 755 "$TMP"
	for t in "$DLBAD" "$DLBACTL" "$ARRAYD"; do
		"${UNPRIV[@]}" "$t" --version >/dev/null 2>&1 || UNPRIV=(false)
	done
fi
if [ "${UNPRIV[*]}" = false ]; then
	ksft_result SKIP "unreadable configuration files (nobody cannot run the tools)"
else
	echo "services: []" >"$TMP/closed.yaml"
	cp "$TMP/closed.yaml" "$TMP/closed.conf"
	cp "$TMP/closed.yaml" "$TMP/closed-array.yaml"
	chmod 000 "$TMP/closed.yaml" "$TMP/closed.conf" "$TMP/closed-array.yaml"
	expect "dlbad: an unreadable configuration file" 1 \
		"dlbad: $TMP/closed.conf: cannot open: Permission denied" \
		"${UNPRIV[@]}" "$DLBAD" -t -c "$TMP/closed.conf"
	expect "dlbactl: an unreadable configuration file" 1 \
		"$TMP/closed.yaml: cannot open: Permission denied
dlbactl: $TMP/closed.yaml: 1 error, nothing changed" \
		"${UNPRIV[@]}" "$DLBACTL" apply --check -f "$TMP/closed.yaml"
	expect "dlba-arrayd: an unreadable configuration file" 1 \
		"dlba-arrayd: $TMP/closed-array.yaml: cannot open: Permission denied" \
		"${UNPRIV[@]}" "$ARRAYD" --check -c "$TMP/closed-array.yaml"
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
# Each certificate OpenSSL refuses, with the file's other problems, in one run.
{
	echo "wokers: 2"
	tls_conf "$TMP/garbage.pem" "$TMP/gone.pem"
	cat <<CONF
  - name: web2
    listen: 127.0.0.1:8444
    protocol: https
    tls:
      certificates:
        - cert: $TMP/garbage.pem
          key:  $TMP/key.pem
    backend: web
CONF
} >"$TMP/tlsmany.conf"
expect "dlbad: TLS files with the other problems, in one run" 1 \
	"dlbad: $TMP/tlsmany.conf:1:1: unknown key 'wokers' in the configuration, did you mean 'workers'?
dlbad: $TMP/tlsmany.conf:12:17: tls.certificates.cert: $TMP/garbage.pem: no start line
dlbad: $TMP/tlsmany.conf:13:17: tls.certificates.key: $TMP/gone.pem: No such file or directory
dlbad: $TMP/tlsmany.conf:20:17: tls.certificates.cert: $TMP/garbage.pem: no start line
dlbad: $TMP/tlsmany.conf: 4 errors" \
	"$DLBAD" -t -c "$TMP/tlsmany.conf"
# Without other problems, each certificate OpenSSL refuses all the same.
sed 1d "$TMP/tlsmany.conf" | sed "s|$TMP/gone.pem|$TMP/key.pem|" >"$TMP/tlsbad.conf"
expect "dlbad: every certificate OpenSSL refuses, in one run" 1 \
	"dlbad: $TMP/tlsbad.conf:11:17: tls.certificates.cert: $TMP/garbage.pem: no start line
dlbad: $TMP/tlsbad.conf:19:17: tls.certificates.cert: $TMP/garbage.pem: no start line
dlbad: $TMP/tlsbad.conf: 2 errors" \
	"$DLBAD" -t -c "$TMP/tlsbad.conf"

# ---- every problem in one run
cat >"$TMP/many.conf" <<'CONF'
workers: many
max_conections: 100
backends:
  web:
    keepalve: true
    servers:
      - {key: 1, addr: 10.0.1.1:80, weigth: 5}
      - {key: 2, addr: 10.0.1.300:80}
services:
  - name: web
    listen: 10.0.0.10:80
    backend: web
    polcy: cookie
CONF
expect "dlbad: every problem, with did you mean" 1 \
	"dlbad: $TMP/many.conf:1:10: workers: expected an unsigned integer, got 'many'
dlbad: $TMP/many.conf:2:1: unknown key 'max_conections' in the configuration, did you mean 'max_connections'?
dlbad: $TMP/many.conf:5:5: unknown key 'keepalve' in backend, did you mean 'keepalive'?
dlbad: $TMP/many.conf:7:37: unknown key 'weigth' in server, did you mean 'weight'?
dlbad: $TMP/many.conf:8:24: addr: '10.0.1.300:80' is not ADDRESS:PORT (IPv6 as [ADDR]:PORT)
dlbad: $TMP/many.conf:13:5: unknown key 'polcy' in service, did you mean 'policy'?
dlbad: $TMP/many.conf: 6 errors" \
	"$DLBAD" -t -c "$TMP/many.conf"
cat >"$TMP/many.yaml" <<'CONF'
servics: []
services:
  - service: 10.0.0.10:80/tcp
    timout: 60
    buckets: many
    servers:
      - {id: 1, addr: 10.0.1.1, wieght: 2}
      - {id: 2, addr: 10.0.1.2, weight: 70000}
      - {id: 3, addr: 10.0.1.300}
CONF
expect "dlbactl: every problem, with did you mean" 1 \
	"$TMP/many.yaml:1:1: unknown key 'servics' in the top level, did you mean 'services'?
$TMP/many.yaml:4:5: unknown key 'timout' in service, did you mean 'timeout'?
$TMP/many.yaml:5:14: invalid buckets 'many': expected an unsigned integer
$TMP/many.yaml:7:33: unknown key 'wieght' in server, did you mean 'weight'?
$TMP/many.yaml:8:41: weight must be 0..65535, not 70000
$TMP/many.yaml:9:23: invalid address '10.0.1.300'
dlbactl: $TMP/many.yaml: 6 errors, nothing changed" \
	"$DLBACTL" apply --check -f "$TMP/many.yaml"
cat >"$TMP/many-array.yaml" <<'CONF'
nod: n1
node: n1
cluster:
  tokn: 300ms
  nodes:
    - {name: n1, id: 1, address: 10.0.0.300}
    - {name: n2, id: two, address: 10.0.0.2, priorty: 5}
sweep:
  interval: fast
CONF
expect "dlba-arrayd: every problem, with did you mean" 1 \
	"dlba-arrayd: $TMP/many-array.yaml:1:1: unknown key 'nod' in the configuration, did you mean 'node'?
dlba-arrayd: $TMP/many-array.yaml:4:3: unknown key 'tokn' in cluster, did you mean 'token'?
dlba-arrayd: $TMP/many-array.yaml:6:34: address: '10.0.0.300' is not an IPv4 or IPv6 address
dlba-arrayd: $TMP/many-array.yaml:7:22: id: expected an unsigned integer, got 'two'
dlba-arrayd: $TMP/many-array.yaml:7:46: unknown key 'priorty' in cluster.nodes entry, did you mean 'priority'?
dlba-arrayd: $TMP/many-array.yaml:9:13: sweep.interval: expected a duration like 500ms, 30s, 2m, got 'fast'
dlba-arrayd: $TMP/many-array.yaml: 6 errors" \
	"$ARRAYD" --check -c "$TMP/many-array.yaml"

# ---- at most 20 problems listed, then their count
# expect_limit DESC LAST COMMAND...: COMMAND exits 1 and prints 22 lines on
# stderr (20 problems, "N more errors", the total), the last two being LAST
expect_limit() {
	local desc=$1 last=$2 got rc
	shift 2
	got=$("$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" = 1 ] && [ "$(wc -l <<<"$got")" = 22 ] && [ "$(tail -n 2 <<<"$got")" = "$last" ]; then
		ksft_result OK "$desc"
	else
		ksft_result FAIL "$desc"
		printf '\texit %s, want 22 lines ending:\n' "$rc"
		printf '%s\n' "$last" | sed 's/^/\t/'
		printf 'got:\n%s\n' "$got" | sed 's/^/\t/'
	fi
}
{
	printf 'backends:\n  web:\n    servers:\n'
	for i in $(seq 25); do echo "      - {key: $i, addr: 10.0.1.$i:80, wieght: 1}"; done
	printf 'services:\n  - {name: web, listen: 10.0.0.10:80, backend: web}\n'
} >"$TMP/limit.conf"
expect_limit "dlbad: 25 problems, 20 listed" \
	"dlbad: $TMP/limit.conf: 5 more errors
dlbad: $TMP/limit.conf: 25 errors" \
	"$DLBAD" -t -c "$TMP/limit.conf"
{
	printf 'services:\n  - service: 10.0.0.10:80/tcp\n    servers:\n'
	for i in $(seq 25); do echo "      - {id: $i, addr: 10.0.1.$i, wieght: 1}"; done
} >"$TMP/limit.yaml"
expect_limit "dlbactl: 25 problems, 20 listed" \
	"$TMP/limit.yaml: 5 more errors
dlbactl: $TMP/limit.yaml: 25 errors, nothing changed" \
	"$DLBACTL" apply --check -f "$TMP/limit.yaml"
{
	printf 'node: n1\ncluster:\n  nodes:\n'
	for i in $(seq 25); do echo "    - {name: n$i, id: $i, address: 10.0.0.$i, priorty: 1}"; done
} >"$TMP/limit-array.yaml"
expect_limit "dlba-arrayd: 25 problems, 20 listed" \
	"dlba-arrayd: $TMP/limit-array.yaml: 5 more errors
dlba-arrayd: $TMP/limit-array.yaml: 25 errors" \
	"$ARRAYD" --check -c "$TMP/limit-array.yaml"
exit "$(exit_status)"
