#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""array_page_check.py DOM STATUS.json: dlba-arrayd's status page as headless Chromium rendered
it (DOM, --dump-dom) shows what the status document (STATUS.json, GET /status) has:

  - the array row: this node, quorate, the number of members, the VIP holders (the scheduler);
  - one row per member with its node id, address and role (scheduler if it holds a group);
  - one row per VIP group with its holder;
  - with dlba.ko answering, one row per server of each service and, for a service whose table
    was read, one square per cell of its picture with the owner (and idle time) of the document;
    without, the reason;
  - markup in a name shown as text, never made an element.

Prints what it checked; an assertion error (exit 1) on the first difference.  Used by
userspace/arrayd/tests/integration/it_webpage.sh and selftests/dlba/array.sh
(status_page.sh: array_page_check)."""
import html.parser
import json
import sys


class Page(html.parser.HTMLParser):
    """Rows with a data-member / data-vip / data-array / data-server / data-sync attribute
    ({data-k: text}), the pictures' squares per service, every tag and every text."""

    KEYS = ("data-member", "data-vip", "data-array", "data-server", "data-sync")

    def __init__(self):
        super().__init__()
        self.rows, self.row, self.key = {}, None, None
        self.pictures, self.picture, self.depth = {}, None, 0
        self.tags, self.texts = set(), []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        if tag == "tr":
            for k in self.KEYS:
                if k in a:
                    self.row = self.rows.setdefault((k, a[k]), {})
        if tag == "td" and self.row is not None:
            self.key = a.get("data-k")
            self.row[self.key] = ""
        if tag == "div":
            if self.picture is not None:
                self.depth += 1
                self.picture.append(a)
            elif "picture" in (a.get("class") or "").split():
                self.picture = self.pictures.setdefault(a.get("data-service"), [])
                self.depth = 0

    def handle_endtag(self, tag):
        if tag == "td":
            self.key = None
        if tag == "tr":
            self.row = None
        if tag == "div" and self.picture is not None:
            if self.depth == 0:
                self.picture = None
            else:
                self.depth -= 1

    def handle_data(self, data):
        self.texts.append(data)
        if self.row is not None and self.key:
            self.row[self.key] += data


def hostport(addr, port):
    if not port:
        return addr
    return (f"[{addr}]" if ":" in addr else addr) + f":{port}"


def main():
    dom, doc = open(sys.argv[1]).read(), json.load(open(sys.argv[2]))
    p = Page()
    p.feed(dom)
    text = "".join(p.texts)

    holders = []
    for v in doc["vips"]:
        if v["holder"] is not None and v["holder"] not in holders:
            holders.append(v["holder"])
    row = p.rows.get(("data-array", doc["node"]))
    assert row is not None, ("no array row", sorted(p.rows))
    want = {"node": doc["node"], "nodeid": str(doc["nodeid"]),
            "state": "yes" if doc["quorate"] else "NO", "members": str(len(doc["members"])),
            "scheduler": ", ".join(holders) if holders else "none"}
    got = {k: row.get(k) for k in want}
    assert got == want, ("array", got, want)

    for m in doc["members"]:
        row = p.rows.get(("data-member", m["name"]))
        assert row is not None, ("member not shown", m["name"], sorted(p.rows))
        want = {"nodeid": str(m["nodeid"]), "priority": str(m["priority"]),
                "address": m["address"], "state": "scheduler" if m["holds"] else "standby",
                "holds": ", ".join(m["holds"])}
        got = {k: row.get(k) for k in want}
        assert got == want, ("member", m["name"], got, want)
    assert len([k for k in p.rows if k[0] == "data-member"]) == len(doc["members"])

    for v in doc["vips"]:
        row = p.rows.get(("data-vip", v["name"]))
        assert row is not None, ("VIP group not shown", v["name"])
        want = v["holder"] if v["holder"] is not None else "none (no quorum)"
        assert row.get("holder") == want, ("VIP holder", v["name"], row, want)
        assert row.get("state") == ("held" if v["active"] else "no"), ("VIP here", row)

    for name, s in (doc.get("sync") or {}).get("services", {}).items():
        row = p.rows.get(("data-sync", name))
        assert row and row.get("version") == str(s["version"]), ("sync version", name, row)

    sched = doc.get("scheduler") or {}
    squares = 0
    if not sched.get("up"):
        assert "dlba.ko not answering" in text, "the scheduler's error is not shown"
    for svc in sched.get("services", []) if sched.get("up") else []:
        name = svc["service"]
        for srv in svc["servers"]:
            row = p.rows.get(("data-server", f"{name}/{srv['id']}"))
            assert row is not None, ("server not shown", name, srv["id"], sorted(p.rows))
            want = {"id": str(srv["id"]), "addr": hostport(srv["addr"], srv["port"]),
                    "buckets": str(srv["buckets"]), "weight": str(srv["weight"])}
            got = {k: row.get(k) for k in want}
            assert got == want, ("server", name, got, want)
            if "active" in svc:
                assert row.get("active") == str(svc["active"].get(str(srv["id"]), 0)), row
        pic = svc.get("picture")
        cells = p.pictures.get(name)
        if pic is None:
            assert cells is None, ("a picture without the table", name)
            continue
        assert cells is not None, ("no picture", name, sorted(p.pictures))
        assert len(cells) == pic["cells"] == len(pic["owner"]), (name, len(cells), pic["cells"])
        owners = [int(c.get("data-owner", -1)) for c in cells]
        assert owners == pic["owner"], ("owners differ", name)
        idle = pic.get("idle_s")
        shown = [int(c["data-idle"]) if "data-idle" in c else None for c in cells]
        assert shown == (idle if idle is not None else [None] * len(cells)), ("idle", name)
        squares += len(cells)

    # Markup from the document came through as text, never as an element.
    assert "i" not in p.tags and "b" not in p.tags, "markup from the document became an element"
    for v in doc["vips"]:
        assert any(v["name"] in t for t in p.texts), ("group name not shown", v["name"])
    print(f"members {len(doc['members'])}, holders {holders}, "
          f"services {len(sched.get('services', []))}, squares {squares}")


if __name__ == "__main__":
    main()
