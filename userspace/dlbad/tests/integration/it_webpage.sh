#!/bin/bash
# The status web page (GET / on the monitor.metrics port; WO 01/69890 "Monitoring": the daemon
# "can be connected to a user-interface"): its headers and Content-Security-Policy, no external
# resources, GET /status as JSON, and the page as headless Chromium renders it once its script
# ran: every server's address, state and counts as the status document has them, markup in a
# name shown as text.  The rendered DOM and a screenshot are kept with the test results
# ($DLBA_IT_RESULTS/it_webpage.{html,png}, else the working directory: ctest's is the build's
# dlbad/tests).  Skips without Chromium (Debian: chromium-headless-shell, scripts/install-deps.sh).
source "$(dirname "$0")/lib.sh"

# shellcheck source=../../../../selftests/net/status_page.sh
source "$HERE/../../../../selftests/net/status_page.sh"
chrome_find || skip_all "needs headless Chromium (chromium-headless-shell, not installed)"
OUT=${DLBA_IT_RESULTS:-$PWD}
mkdir -p "$OUT"

start_nginx 1 2 3
# The backend's name carries markup: the page must show it as text.
BACKEND='<i>web</i>'
cat >"$T/dlbad.conf" <<CONF
$(conf_head 2 metrics)
backends:
  "$BACKEND":
    servers:
$(nginx_servers 1=10 2=20 3=30)
      - {key: 40, addr: 127.0.0.29:$BACKEND_PORT, enabled: false}
services:
  - {name: web, listen: "$VIP:$HTTP_PORT", backend: "$BACKEND", policy: leastconn}
CONF
setup_dlbad "$T/dlbad.conf"
URL=http://$VIP:$METRICS_PORT

# 12 answered by the servers with 200, 3 with 404.
for _ in $(seq 12); do curl -s -o /dev/null "http://$VIP:$HTTP_PORT/"; done
for _ in $(seq 3); do curl -s -o /dev/null "http://$VIP:$HTTP_PORT/code/404"; done

curl -s -D "$T/ph" -o "$T/page.html" "$URL/"
check "GET / answers 200 text/html; charset=utf-8" \
    bash -c "grep -q '^HTTP/1.1 200' '$T/ph' && grep -qi '^Content-Type: text/html; charset=utf-8' '$T/ph'"
check "GET /: Cache-Control no-store" grep -qi '^Cache-Control: no-store' "$T/ph"
check "GET /: CSP allows nothing but its own origin and its own inline code (by hash)" \
    bash -c "grep -i '^Content-Security-Policy:' '$T/ph' | grep -q \"default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]*'; style-src 'sha256-[A-Za-z0-9+/=]*'; connect-src 'self'\" &&
             ! grep -i '^Content-Security-Policy:' '$T/ph' | grep -qi unsafe"
check "GET /stats is the same page (HAProxy's habit)" cmp -s "$T/page.html" <(curl -s "$URL/stats")
# No external resource: no absolute URL at all, no protocol-relative src/href/action, no @import.
check "the page names no other host (no http(s)://, //host, @import, url())" \
    bash -c "! grep -Eqi 'https?://|(src|href|action)[[:space:]]*=[[:space:]]*[\"'\'']?//|@import|url\(' '$T/page.html'"
check "the page has no form (read-only)" bash -c "! grep -qi '<form' '$T/page.html'"
curl -s -D "$T/jh" -o "$T/status.json" "$URL/status"
check "GET /status: the JSON document, application/json" \
    bash -c "grep -qi '^Content-Type: application/json' '$T/jh' && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' '$T/status.json'"
status >"$T/s.json"

# refresh=1 and 2.5 s of virtual time: the first sample, then two more, so rates are shown.
CHROME_TMP=$T
t0=$(date +%s.%N)
chrome_render "$URL/?refresh=1" "$OUT/$IT_NAME"
t1=$(date +%s.%N)
echo "# chromium: $(python3 -c "print(round($t1 - $t0, 2))") s for the DOM and the screenshot"

check "the rendered page shows every server with the document's figures" \
    python3 - "$OUT/$IT_NAME.html" "$T/s.json" "$BACKEND" <<'PY'
import html.parser, json, sys
dom, doc, backend = open(sys.argv[1]).read(), json.load(open(sys.argv[2])), sys.argv[3]

class Rows(html.parser.HTMLParser):
    """Rows with a data-server / data-service / data-addr attribute: {data-k: text} per row."""
    def __init__(self):
        super().__init__()
        self.rows, self.row, self.key, self.tags, self.texts = {}, None, None, set(), []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        for k in ("data-server", "data-service", "data-addr"):
            if tag == "tr" and k in a:
                self.row = self.rows.setdefault((k, a[k]), {})
        if tag == "td" and self.row is not None:
            self.key = a.get("data-k")
            self.row[self.key] = ""
    def handle_endtag(self, tag):
        if tag == "td":
            self.key = None
        if tag == "tr":
            self.row = None
    def handle_data(self, data):
        self.texts.append(data)
        if self.row is not None and self.key:
            self.row[self.key] += data

p = Rows()
p.feed(dom)
servers = doc["servers"]
assert len(servers) == 4, servers
def state(s):
    if s["state"] in ("drain", "maint"):
        return s["state"].upper()
    return "DOWN" if s["failed"] else "UP"
for s in servers:
    row = p.rows.get(("data-server", f"{backend}/{s['id']}"))
    assert row is not None, (s["id"], sorted(p.rows))
    st = s["stats"]
    want = {"key": str(s["id"]), "addr": f"{s['addr']}:{s['port']}",
            "state": state(s), "hits": str(st["hits"]),
            "2xx": str(st["status"]["2xx"]), "4xx": str(st["status"]["4xx"]),
            "5xx": str(st["status"]["5xx"]), "open": str(st["open_conns"])}
    got = {k: row.get(k) for k in want}
    assert got == want, (got, want)
    assert row["rate"] not in ("", "\u2013"), ("no rate after 3 samples", row)
assert sum(s["stats"]["hits"] for s in servers) == 15, servers
assert sum(s["stats"]["status"]["4xx"] for s in servers) == 3, servers
svc = p.rows.get(("data-service", "web"))
assert svc and svc["requests"] == "15", svc
for r in doc["summary"]:
    assert ("data-addr", f"{r['addr']}:{r['port']}") in p.rows, r
# The backend's name came through as text, never as an element.
assert "i" not in p.tags, "markup from the document became an element"
assert any(backend in t for t in p.texts), "the backend's name is not shown"
print("servers:", [(s["id"], s["stats"]["hits"]) for s in servers])
PY
check "screenshot kept with the results ($OUT/$IT_NAME.png)" \
    python3 -c "import sys; d=open(sys.argv[1],'rb').read(); sys.exit(0 if d[:8]==b'\x89PNG\r\n\x1a\n' and len(d) > 10000 else 1)" \
    "$OUT/$IT_NAME.png"

finish
