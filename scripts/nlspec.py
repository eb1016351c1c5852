# SPDX-License-Identifier: GPL-2.0
"""The dlba generic netlink family as its YNL spec describes it
(Documentation/netlink/specs/dlba.yaml): names, C names and values of the
constants, enums, attributes and commands.

Used by scripts/nlgen.py (the uapi header and the attribute reference),
scripts/nlspec-check.py (the spec against the kernel) and
selftests/net/dlba_genl.py (the raw netlink test client).  Only the part of
the YNL format this family uses is read (genetlink-legacy: const and enum
definitions, attribute sets, operations of the unified enum model, multicast
groups); anything else is an error rather than silently ignored.

C names follow the YNL conventions: a constant is FAMILY_NAME, an enum entry
or attribute is its set's name-prefix + NAME, the count and max of an
attribute set are __PREFIX_MAX and PREFIX_MAX, those of the commands
__CMDPREFIX_MAX and CMDPREFIX_MAX (all upper case, '-' as '_'), a multicast
group's name FAMILY_MCGRP_NAME (a string define).  When the first command's
value is 1, value 0 is named CMDPREFIX_UNSPEC, as in hand-written genetlink
headers.  A notification (an operation with an event or notify and no do or
dump) has a command value but no handler in the kernel.
"""
import os

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC = os.path.join(REPO, "Documentation", "netlink", "specs", "dlba.yaml")

INT_TYPES = {"u8": 1, "u16": 2, "u32": 4, "u64": 8, "s8": 1, "s16": 2, "s32": 4, "s64": 8}
ATTR_TYPES = set(INT_TYPES) | {"unused", "pad", "flag", "binary", "string", "nest"}


class SpecError(Exception):
    pass


def c_name(*parts):
    return "".join(parts).upper().replace("-", "_")


class Entry:
    """One named value of an enum, attribute set or the command enum."""

    def __init__(self, name, cname, value, doc="", **extra):
        self.name, self.cname, self.value, self.doc = name, cname, value, doc or ""
        self.__dict__.update(extra)


class Enum:
    def __init__(self, name, cname, entries, doc="", max_names=None):
        self.name, self.cname, self.entries, self.doc = name, cname, entries, doc or ""
        self.max_names = max_names  # (count name, max name) or None

    def by_name(self, name):
        for e in self.entries:
            if e.name == name:
                return e
        raise SpecError(f"{self.name}: no entry {name!r}")


def _number(entries, raw, start, prefix, what):
    """Entry objects for raw YNL entries, numbered from start."""
    out, nxt, seen = [], start, set()
    for r in raw:
        if isinstance(r, str):
            r = {"name": r}
        val = r.get("value", nxt)
        if not isinstance(val, int) or (out and val < nxt):
            raise SpecError(f"{what}: {r['name']}: value {val} is not after the previous one")
        if r["name"] in seen:
            raise SpecError(f"{what}: {r['name']} twice")
        seen.add(r["name"])
        extra = {k.replace("-", "_"): v for k, v in r.items()
                 if k not in ("name", "value", "doc")}
        out.append(entries(r["name"], c_name(prefix, r["name"]), val, r.get("doc"), **extra))
        nxt = val + 1
    return out


class Spec:
    def __init__(self, path=SPEC):
        self.path = path
        with open(path) as f:
            self.raw = yaml.safe_load(f)
        d = self.raw
        if d.get("protocol", "genetlink") not in ("genetlink", "genetlink-c", "genetlink-legacy"):
            raise SpecError(f"protocol {d.get('protocol')!r} is not generic netlink")
        with open(path) as f:
            first = f.readline()
        self.spdx = first.split("SPDX-License-Identifier:", 1)[1].strip() \
            if "SPDX-License-Identifier:" in first else None
        self.name = d["name"]
        self.doc = d.get("doc", "")
        self.version = d.get("version", 1)
        self.uapi_header = d.get("uapi-header", f"linux/{self.name}.h")
        self.family_cname = c_name(d.get("c-family-name", f"{self.name}-family-name"))
        self.version_cname = c_name(d.get("c-version-name", f"{self.name}-family-version"))
        fam = self.name + "-"

        # constants and enums
        self.consts, self.enums = [], []
        for df in d.get("definitions", []):
            if df["type"] == "const":
                if not isinstance(df["value"], int):
                    raise SpecError(f"const {df['name']}: only integer values are rendered")
                self.consts.append(Entry(df["name"], c_name(fam, df["name"]), df["value"],
                                         df.get("doc")))
            elif df["type"] == "enum":
                prefix = df.get("name-prefix", f"{fam}{df['name']}-")
                entries = _number(Entry, df["entries"], df.get("value-start", 0), prefix,
                                  f"enum {df['name']}")
                maxn = (c_name("__", prefix, "max"), c_name(prefix, "max")) \
                    if df.get("render-max") else None
                self.enums.append(Enum(df["name"], df.get("enum-name", c_name(fam, df["name"])).lower(),
                                       entries, df.get("doc"), maxn))
            else:
                raise SpecError(f"definition {df['name']}: type {df['type']} is not supported")
        self.const_by_name = {c.name: c for c in self.consts}
        self.enum_by_name = {e.name: e for e in self.enums}

        # attribute sets
        self.sets = []
        for s in d["attribute-sets"]:
            if "subset-of" in s:
                raise SpecError(f"attribute set {s['name']}: subset-of is not supported")
            prefix = s.get("name-prefix", f"{fam}{s['name']}-a-")
            attrs = _number(Entry, s["attributes"], 1, prefix, f"attribute set {s['name']}")
            for a in attrs:
                if a.type not in ATTR_TYPES:
                    raise SpecError(f"{s['name']}.{a.name}: type {a.type} is not supported")
                a.checks = getattr(a, "checks", {}) or {}
            maxn = (c_name(s.get("attr-cnt-name", f"__{prefix}max")),
                    c_name(s.get("attr-max-name", f"{prefix}max")))
            self.sets.append(Enum(s["name"], s.get("enum-name", c_name(prefix, "attrs")).lower(),
                                  attrs, s.get("doc"), maxn))
        self.set_by_name = {s.name: s for s in self.sets}
        for s in self.sets:
            for a in s.entries:
                if a.type == "nest" and getattr(a, "nested_attributes", None) not in self.set_by_name:
                    raise SpecError(f"{s.name}.{a.name}: nested-attributes names no set")
                if getattr(a, "enum", None) and a.enum not in self.enum_by_name:
                    raise SpecError(f"{s.name}.{a.name}: enum {a.enum} is not defined")

        # operations
        ops = d["operations"]
        if ops.get("enum-model", "unified") != "unified":
            raise SpecError("only the unified enum model is supported")
        oprefix = ops.get("name-prefix", f"{fam}cmd-")
        self.ops = _number(Entry, ops["list"], 1, oprefix, "operations")
        self.ops_enum = Enum("operations", ops.get("enum-name", c_name(oprefix, "s")).lower(),
                             self.ops, "", (c_name(d.get("cmd-cnt-name", f"__{oprefix}max")),
                                            c_name(d.get("cmd-max-name", f"{oprefix}max"))))
        self.ops_unspec = c_name(oprefix, "unspec") if self.ops and self.ops[0].value == 1 else None
        for op in self.ops:
            op.flags = getattr(op, "flags", []) or []
            aset = self.set_by_name.get(getattr(op, "attribute_set", None))
            if aset is None:
                raise SpecError(f"operation {op.name}: attribute-set names no set")
            op.aset = aset
            for mode in ("do", "dump"):
                sub = getattr(op, mode, None) or {}
                for msg in ("request", "reply"):
                    for n in (sub.get(msg) or {}).get("attributes", []):
                        aset.by_name(n)
            for n in (getattr(op, "event", None) or {}).get("attributes", []):
                aset.by_name(n)
            op.is_ntf = getattr(op, "do", None) is None and getattr(op, "dump", None) is None

        # multicast groups, and the notifications sent to them
        self.mcgrps = []
        for g in (d.get("mcast-groups") or {}).get("list", []):
            self.mcgrps.append(Entry(g["name"], c_name(g.get("c-define-name",
                                                              f"{fam}mcgrp-{g['name']}")),
                                     g["name"], flags=g.get("flags", []) or []))
        names = {g.name for g in self.mcgrps}
        for op in self.ops:
            grp = getattr(op, "mcgrp", None)
            if op.is_ntf and grp not in names:
                raise SpecError(f"operation {op.name}: a notification of no multicast group")
            if grp is not None and grp not in names:
                raise SpecError(f"operation {op.name}: mcgrp {grp} is not defined")

    def attr(self, set_name, attr_name):
        return self.set_by_name[set_name].by_name(attr_name)

    def resolve(self, v):
        """A check's value: an integer, a constant's name or a type limit."""
        if isinstance(v, int):
            return v
        if v in self.const_by_name:
            return self.const_by_name[v].value
        t, _, lim = v.partition("-")
        if t in INT_TYPES and lim in ("min", "max"):
            bits = INT_TYPES[t] * 8
            if t[0] == "u":
                return 0 if lim == "min" else (1 << bits) - 1
            return -(1 << (bits - 1)) if lim == "min" else (1 << (bits - 1)) - 1
        raise SpecError(f"unknown value {v!r}")

    def values(self):
        """{C name: value} of everything the uapi header defines."""
        vals = {self.family_cname: self.name, self.version_cname: self.version}
        for g in self.mcgrps:
            vals[g.cname] = g.value
        for c in self.consts:
            vals[c.cname] = c.value
        groups = list(self.enums) + list(self.sets) + [self.ops_enum]
        for g in groups:
            for e in g.entries:
                vals[e.cname] = e.value
            if g.max_names:
                cnt = g.entries[-1].value + 1
                vals[g.max_names[0]] = cnt
                vals[g.max_names[1]] = cnt - 1
        if self.ops_unspec:
            vals[self.ops_unspec] = 0
        return vals
