#!/bin/bash
# Tests of bench/l7/run.sh's reading of wrk: wrk_figures.py on crafted wrk outputs (a clean run,
# Non-2xx answers, socket errors, a missing p99, wrk unable to connect), then run.sh itself for one
# short round with a stand-in wrk that prints such outputs: clean -> a ratio= line and exit 0;
# errors on one side -> that run FAILED, no ratio= line, exit 1.
#
# usage: bench/l7/run_test.sh /path/to/dlbad      (ctest passes it; exit 4 = skipped, as every shell test)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
DLBAD=${1:-$HERE/../../build/userspace/dlbad/dlbad}
T=$(mktemp -d /tmp/bench-l7-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
PASS=0
FAIL=0
result() { # result OK|FAIL DESC
    printf "TEST: %-70s  [%s]\n" "bench-l7: $2" "$([ "$1" = OK ] && echo " OK " || echo FAIL)"
    if [ "$1" = OK ]; then PASS=$((PASS + 1)); else FAIL=$((FAIL + 1)); fi
}
expect() { # expect DESC EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then result OK "$1"; else result FAIL "$1 (expected '$2', got '$3')"; fi
}

# wrk 4.1 outputs (with percentiles.lua), as it prints them.
cat >"$T/clean" <<'OUT'
Running 1s test @ http://127.0.0.40:30000/login
  2 threads and 10 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.56ms    3.34ms  27.38ms   92.07%
    Req/Sec    13.17k     3.35k   16.82k    70.00%
  Latency Distribution
     50%  175.00us
     75%    1.60ms
     90%    3.75ms
     99%   17.78ms
  26558 requests in 1.01s, 3.80MB read
Requests/sec:  26226.37
Transfer/sec:      3.75MB
tail 99.9 26.15
tail 99.99 27.36
tail max 27.38
OUT
sed 's/^\(  26558 requests in .*\)$/\1\n  Non-2xx or 3xx responses: 12/' "$T/clean" >"$T/non2xx"
sed 's/^\(  26558 requests in .*\)$/\1\n  Socket errors: connect 0, read 3, write 0, timeout 0/' "$T/clean" >"$T/sockerr"
sed 's/^\(  26558 requests in .*\)$/\1\n  Socket errors: connect 0, read 0, write 0, timeout 7/' "$T/clean" >"$T/timeouts"
grep -v '^     99%' "$T/clean" >"$T/nop99"
sed 's/^     99%.*/     99%    1.02s/' "$T/clean" >"$T/p99s"
echo "unable to connect to 127.0.0.41:30000 Connection refused" >"$T/refused"
: >"$T/empty"

fig() { python3 "$HERE/wrk_figures.py" <"$T/$1"; echo "rc=$?"; }
expect "clean run: rps p50 p90 p99 p99.9 max requests" "26226.4 0.175 3.75 17.78 26.15 27.38 26558
rc=0" "$(fig clean)"
expect "a 1.02s p99 is 1020 ms" "26226.4 0.175 3.75 1020 26.15 27.38 26558
rc=0" "$(fig p99s)"
expect "Non-2xx answers: failed" "FAILED 12_non-2xx/3xx_responses
rc=1" "$(fig non2xx)"
expect "socket read errors: failed" "FAILED socket_errors_(connect_0,_read_3,_write_0,_timeout_0)
rc=1" "$(fig sockerr)"
expect "socket timeouts: failed" "rc=1" "$(fig timeouts | tail -n1)"
expect "missing p99: failed, not 0" "FAILED missing_p99
rc=1" "$(fig nop99)"
expect "wrk unable to connect: failed" "rc=1" "$(fig refused | tail -n1)"
expect "no output at all: failed" "rc=1" "$(fig empty | tail -n1)"

# run.sh end to end with a stand-in wrk, one round of the http row.
missing=""
for t in nginx haproxy openssl curl python3; do
    command -v "$t" >/dev/null || missing="$missing $t"
done
if [ -n "$missing" ] || [ ! -x "$DLBAD" ]; then
    printf "TEST: %-70s  [SKIP]\n" "bench-l7: run.sh with a stand-in wrk (needs$missing ${DLBAD})"
    echo "# $PASS passed, $FAIL failed"
    [ "$FAIL" -eq 0 ] || exit 1
    exit 4
fi
mkdir -p "$T/bin"
# The stand-in prints $T/<$WRK_OUT_dlbad or $WRK_OUT_haproxy> for the proxy of the URL (its last
# argument: 127.0.0.40 is dlbad, 127.0.0.41 HAProxy in run.sh).
cat >"$T/bin/wrk" <<STUB
#!/bin/bash
url=\${!#}
case \$url in
*//127.0.0.40:*) cat "$T/\$WRK_OUT_dlbad" ;;
*) cat "$T/\$WRK_OUT_haproxy" ;;
esac
STUB
chmod +x "$T/bin/wrk"
bench() { # bench DLBAD-OUTPUT HAPROXY-OUTPUT: stdout+stderr of run.sh, then rc=N
    PATH=$T/bin:$PATH WRK_OUT_dlbad=$1 WRK_OUT_haproxy=$2 DLBAD=$DLBAD ROUNDS=1 ROWS=http DURATION=1s \
        bash "$HERE/run.sh" >"$T/bench.out" 2>&1
    echo "rc=$?" >>"$T/bench.out"
}
bench clean clean
expect "run.sh, clean runs: ratio=1.00 and exit 0" "ratio=1.00 rc=0" \
    "$(grep -E '^(ratio=|rc=)' "$T/bench.out" | tr '\n' ' ' | sed 's/ $//')"
bench clean non2xx
expect "run.sh, HAProxy's run with errors: no ratio, exit 1" "rc=1" \
    "$(grep -E '^(ratio=|rc=)' "$T/bench.out" | tr '\n' ' ' | sed 's/ $//')"
expect "... that run reported FAILED, with its reason" 1 \
    "$(grep -c '^# FAILED haproxy.http: round 1: 12_non-2xx/3xx_responses' "$T/bench.out")"
expect "... and its round not counted as a p99 win for either side" 1 \
    "$(grep -c "^# p99 http: dlbad's at or below HAProxy's in 0 of 0 rounds" "$T/bench.out")"
bench nop99 clean
expect "run.sh, dlbad's p99 missing: no ratio, exit 1, not a win" "rc=1 0 of 0" \
    "$(grep -E '^rc=' "$T/bench.out") $(sed -n "s/^# p99 http: dlbad's at or below HAProxy's in \([0-9]* of [0-9]*\) .*/\1/p" "$T/bench.out")"
if [ "$FAIL" -ne 0 ]; then
    echo "--- last run.sh output ---"
    cat "$T/bench.out"
fi
echo "# $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
