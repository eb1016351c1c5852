#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# it_webpage.sh ARRAYD_PAGE_SERVER: dlba-arrayd's status web page (GET / on the status.metrics
# address) in headless Chromium.  The bucket tables come from dlba.ko, which is not loaded here
# (it_failover.sh checks a real node's page without them), so the page is served by
# arrayd_page_server: the daemon's own HTTP endpoint and page with fixed status documents, status_fixture.json (node n2 of three holds the VIP group, whose name carries
# markup; three services: a 64-bucket table with idle times, an 8192-bucket one drawn two
# buckets a square, one too big to read) and then the same array after a failover (n1 holds the
# group, n2 is gone, the table has moved).  Checked:
#   - the headers: text/html, no-store, a CSP allowing nothing but its own origin and its own
#     inline code (by hash); /stats is the same page; no other host named, no form;
#   - the page as Chromium renders it with ?refresh=1 after 2.5 s (the first document, then the
#     second): the array, members, VIP holders, sync versions, servers and every square of each
#     table's picture as the second document has them (selftests/net/array_page_check.py);
#   - the group's name shown as text, never as an element.
# The rendered DOM and a screenshot are kept with the test results
# ($DLBA_IT_RESULTS/arrayd_it_webpage.{html,png}, else the working directory: ctest's is the
# build's arrayd/tests).  Skips (4) without Chromium (Debian: chromium-headless-shell,
# scripts/install-deps.sh), python3 or curl.
set -u
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../../../.." && pwd)
KSFT_NAME=arrayd_it_webpage
# shellcheck source=../../../../selftests/net/ksft.sh
. "$ROOT/selftests/net/ksft.sh"
# shellcheck source=../../../../selftests/net/status_page.sh
. "$ROOT/selftests/net/status_page.sh"

SERVER=${1:?usage: it_webpage.sh ARRAYD_PAGE_SERVER}
for tool in python3 curl; do
	command -v "$tool" >/dev/null 2>&1 || skip_all "needs $tool (not installed)"
done
chrome_find || skip_all "needs headless Chromium (chromium-headless-shell, not installed)"
OUT=${DLBA_IT_RESULTS:-$PWD}
mkdir -p "$OUT"
TMP=$(mktemp -d /tmp/arrayd-page.XXXXXX)
defer rm -rf "$TMP"
CHROME_TMP=$TMP
FIXTURE=$(dirname "$(readlink -f "$0")")/status_fixture.json
WAIT_FOR_POLL=0.1

# The second document: n2 (the holder) failed, n1 took the VIP group and the tables are n1's
# copies, synced from n2; n1's dlba.ko moved the 64-bucket table's first squares to server 3.
python3 - "$FIXTURE" "$TMP/after.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["node"], d["nodeid"] = "n1", 1
d["members"] = [m for m in d["members"] if m["name"] != "n2"]
d["members"][0]["holds"] = [v["name"] for v in d["vips"]]
for v in d["vips"]:
    v.update(holder="n1", since="2026-12-07T22:00:03Z", active=True, takeovers=1)
d["sync"]["role"] = "source"
svc = d["scheduler"]["services"][0]
svc["picture"]["owner"][:8] = [3] * 8
svc["picture"]["idle_s"][:8] = [0] * 8
svc["version"] += 1
d["sync"]["services"][svc["service"]]["version"] = svc["version"]
json.dump(d, open(sys.argv[2], "w"))
PY

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
"$SERVER" "127.0.0.1:$PORT" "$FIXTURE" "$TMP/after.json" 2>"$TMP/server.log" &
SERVER_PID=$!
defer wait "$SERVER_PID"
defer kill "$SERVER_PID"
wait_listen "" tcp "$PORT" 127.0.0.1 || { cat "$TMP/server.log"; skip_all "arrayd_page_server did not start"; }

curl -s -D "$TMP/ph" -o "$TMP/page.html" "$URL/"
grep -q '^HTTP/1.1 200' "$TMP/ph" && grep -qi '^Content-Type: text/html; charset=utf-8' "$TMP/ph"
check_err $? "GET / did not answer 200 text/html: $(head -n 1 "$TMP/ph")"
grep -qi '^Cache-Control: no-store' "$TMP/ph"
check_err $? "GET / without Cache-Control: no-store"
csp=$(grep -i '^Content-Security-Policy:' "$TMP/ph")
[[ $csp == *"default-src 'none'; script-src 'sha256-"*"'; style-src 'sha256-"*"'; connect-src 'self'"* ]] &&
	[[ $csp != *unsafe* ]]
check_err $? "CSP is not strict: $csp"
cmp -s "$TMP/page.html" <(curl -s "$URL/stats")
check_err $? "GET /stats is not the same page"
! grep -Eqi "https?://|(src|href|action)[[:space:]]*=[[:space:]]*[\"']?//|@import|url\(|<form" \
	"$TMP/page.html"
check_err $? "the page names another host or has a form"
log_test "arrayd: GET / is the status page, read-only, self-contained, with a strict CSP"

# Chromium's first GET /status reads the fixture, the next ones the second document.
t0=$(date +%s%N)
chrome_render "$URL/?refresh=1" "$OUT/$KSFT_NAME" 1600x1800
check_err $? "Chromium did not render the page"
log_info "chromium: $((($(date +%s%N) - t0) / 1000000)) ms for the DOM and the screenshot"
log_test "arrayd: headless Chromium renders the page"

# The page refreshed (read the second document) and shows it all.
curl -s "$URL/status" | python3 -c 'import json, sys; assert json.load(sys.stdin)["node"] == "n1"'
check_err $? "GET /status is not the second document"
array_page_check "$OUT/$KSFT_NAME.html" "$TMP/after.json"
check_err $? "the rendered page does not show the array and its tables as the document has them"
grep -q 'No picture: a table of more than 65536 buckets' "$OUT/$KSFT_NAME.html"
check_err $? "the table too big to read is not said to be"
log_test "arrayd: the page shows the members, the VIP holder, the sync and each table's picture"

python3 -c "import sys; d=open(sys.argv[1],'rb').read(); sys.exit(0 if d[:8]==b'\x89PNG\r\n\x1a\n' and len(d) > 10000 else 1)" \
	"$OUT/$KSFT_NAME.png"
check_err $? "no screenshot in $OUT/$KSFT_NAME.png"
log_test "arrayd: screenshot kept with the results ($OUT/$KSFT_NAME.png)"

exit "$(exit_status)"
