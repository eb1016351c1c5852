#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check the YNL spec of the dlba family (Documentation/netlink/specs/
dlba.yaml) against the kernel's YNL schema, the C header generated from it,
and the kernel module's policies, so that the spec and the code cannot drift
apart.  CTest runs it (nlspec_check).

  schema   the spec validates against Documentation/netlink/
           genetlink-legacy.yaml of the Linux tree, taken from Debian's
           linux-source-6.12 (scripts/install-deps.sh) and cached in --cache
  header   a C program that includes <linux/dlba.h> (the hand-written ioctl
           part and the generated <linux/dlba_genl.h>) compiles with -Werror
           -pedantic, and every name it prints has the value the spec gives
  kernel   kmod/netlink.c has the spec's commands with the same handlers
           (do/dump) and CAP_NET_ADMIN flags, each command's top-level policy
           (kmod/nl_policy.c) takes exactly the spec's request attributes,
           and every attribute a policy accepts has the spec's type and
           checks (its range, its lengths); its multicast groups are the
           spec's, with the same join permission, and no notification has
           a handler

Usage: nlspec-check.py --gen-include DIR [--cc CC] [--cache DIR] [--schema FILE]
Prints one line per part; exit 0 when all pass, 1 on a mismatch, 4 (a
skip) when the schema or python3-jsonschema is missing.
"""
import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nlspec  # noqa: E402

REPO = nlspec.REPO
SCHEMA = "Documentation/netlink/genetlink-legacy.yaml"
errors = []


def fail(msg):
    errors.append(msg)


# ------------------------------------------------------------------ schema
def find_schema(cache):
    """The schema file: cached, or extracted from the newest linux-source."""
    cached = os.path.join(cache, os.path.basename(SCHEMA))
    if os.path.exists(cached):
        return cached
    tars = sorted(glob.glob("/usr/src/linux-source-*.tar.*"),
                  key=lambda p: [int(x) for x in re.findall(r"\d+", os.path.basename(p))],
                  reverse=True)
    for tar in tars:
        top = re.sub(r"\.tar\..*$", "", os.path.basename(tar))
        tmp = tempfile.mkdtemp(dir=cache)
        r = subprocess.run(["tar", "-xf", tar, "-C", tmp, "--strip-components=1",
                            "--occurrence=1", f"{top}/{SCHEMA}"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        path = os.path.join(tmp, SCHEMA)
        if r.returncode == 0 and os.path.exists(path):
            os.replace(path, cached)
            return cached
    return None


def check_schema(spec, schema_path):
    import yaml
    import jsonschema
    with open(schema_path) as f:
        schema = yaml.safe_load(f)
    v = jsonschema.Draft7Validator(schema)
    errs = sorted(v.iter_errors(spec.raw), key=lambda e: list(e.path))
    for e in errs:
        fail(f"schema: {'/'.join(map(str, e.path))}: {e.message}")
    return not errs


# ------------------------------------------------------------------ header
def check_header(spec, gen_include, cc):
    vals = spec.values()
    prog = ["#include <stdio.h>", "#include <linux/dlba.h>", "int main(void)", "{"]
    for name, v in vals.items():
        if isinstance(v, str):
            prog.append(f'\tprintf("%s %s\\n", "{name}", {name});')
        else:
            prog.append(f'\tprintf("%s %llu\\n", "{name}", (unsigned long long){name});')
    prog += ["\treturn 0;", "}", ""]
    with tempfile.TemporaryDirectory() as tmp:
        src, exe = os.path.join(tmp, "uapi.c"), os.path.join(tmp, "uapi")
        with open(src, "w") as f:
            f.write("\n".join(prog))
        r = subprocess.run([cc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic",
                            "-I", os.path.join(REPO, "include", "uapi"), "-I", gen_include,
                            src, "-o", exe], capture_output=True, text=True)
        if r.returncode:
            fail(f"header: <linux/dlba.h> does not compile:\n{r.stderr}")
            return False
        out = subprocess.run([exe], capture_output=True, text=True, check=True).stdout
    got = dict(line.split(" ", 1) for line in out.splitlines())
    bad = [n for n, v in vals.items() if got.get(n) != str(v)]
    for n in bad:
        fail(f"header: {n} is {got.get(n)} in C, {vals[n]} in the spec")
    return not bad, len(vals)


# ------------------------------------------------------------------ kernel
NLA_TYPES = {"NLA_U8": "u8", "NLA_U16": "u16", "NLA_U32": "u32", "NLA_U64": "u64",
             "NLA_S8": "s8", "NLA_S16": "s16", "NLA_S32": "s32", "NLA_S64": "s64",
             "NLA_BINARY": "binary", "NLA_NESTED": "nest", "NLA_FLAG": "flag",
             "NLA_NUL_STRING": "string", "NLA_STRING": "string"}
C_CONSTS = {"U8_MAX": 0xff, "U16_MAX": 0xffff, "U32_MAX": 0xffffffff, "ETH_ALEN": 6}
SIZEOF = {"struct in_addr": 4, "struct in6_addr": 16, "u8": 1, "u16": 2, "u32": 4, "u64": 8}


def c_eval(expr, vals):
    """The value of a C constant expression of the policy file."""
    e = re.sub(r"sizeof\s*\(([^)]*)\)", lambda m: str(SIZEOF[m.group(1).strip()]), expr)
    e = re.sub(r"\b(\d+)U\b", r"\1", e)
    names = dict(C_CONSTS)
    names.update({k: v for k, v in vals.items() if isinstance(v, int)})
    return int(eval(e, {"__builtins__": {}}, names))


def split_args(s):
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
            continue
        depth += (ch == "(") - (ch == ")")
        cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def parse_policy_entry(text, ranges, vals):
    """(type, {min, max, min-len, max-len}, nested table or None), or None
    for NLA_REJECT.  A bound that is not declared (a validation function)
    is absent."""
    text = text.strip().rstrip(",").strip()
    m = re.match(r"\{\s*\.type\s*=\s*(NLA_\w+)", text)
    if m:
        return None if m.group(1) == "NLA_REJECT" else (NLA_TYPES[m.group(1)], {}, None)
    if text == "NLA_POLICY_ETH_ADDR":
        return "binary", {"min-len": 6, "max-len": 6}, None
    m = re.match(r"NLA_POLICY_(\w+)\((.*)\)$", text, re.S)
    if not m:
        raise ValueError(f"policy entry not understood: {text}")
    kind, args = m.group(1), split_args(m.group(2))
    if kind == "NESTED":
        return "nest", {}, args[0]
    if kind == "EXACT_LEN":
        n = c_eval(args[0], vals)
        return "binary", {"min-len": n, "max-len": n}, None
    typ = NLA_TYPES[args[0]]
    lo, hi = ("min-len", "max-len") if typ in ("binary", "string") else ("min", "max")
    if kind == "VALIDATE_FN":
        return typ, ({"max-len": c_eval(args[2], vals)} if len(args) > 2 else {}), None
    if kind == "FULL_RANGE":
        r = ranges[args[1].lstrip("&")]
        return typ, {lo: r["min"], hi: r["max"]}, None
    if kind == "RANGE":
        return typ, {lo: c_eval(args[1], vals), hi: c_eval(args[2], vals)}, None
    if kind == "MAX":
        return typ, {hi: c_eval(args[1], vals)}, None
    if kind == "MIN":
        return typ, {lo: c_eval(args[1], vals)}, None
    raise ValueError(f"policy entry not understood: {text}")


def spec_bounds(spec, a):
    """The spec's bounds of attribute a, as parse_policy_entry gives them."""
    b = {}
    for k in ("min", "max", "min-len", "max-len"):
        if k in a.checks:
            b[k] = spec.resolve(a.checks[k])
    if "exact-len" in a.checks:
        b["min-len"] = b["max-len"] = spec.resolve(a.checks["exact-len"])
    if getattr(a, "enum", None) and "min" not in b and "max" not in b:
        e = spec.enum_by_name[a.enum].entries
        b["min"], b["max"] = e[0].value, e[-1].value
    return b


def normal(typ, b):
    """Bounds with the type's own limits made explicit."""
    if typ in nlspec.INT_TYPES:
        bits = nlspec.INT_TYPES[typ] * 8
        lo = 0 if typ[0] == "u" else -(1 << (bits - 1))
        hi = (1 << bits) - 1 if typ[0] == "u" else (1 << (bits - 1)) - 1
        return {"min": b.get("min", lo), "max": b.get("max", hi)}
    return {"min-len": b.get("min-len", 0), "max-len": b.get("max-len", None)}


def check_mcgrps(spec, ops_src):
    """The kernel's multicast groups (kmod/netlink.c) against the spec's."""
    m = re.search(r"struct genl_multicast_group dlba_genl_mcgrps\[\] = \{(.*?)\n\};", ops_src, re.S)
    kgrps = {}
    for name, body in re.findall(r"\{\s*\.name\s*=\s*(\w+)(.*?)\}", m.group(1) if m else "", re.S):
        kgrps[name] = "GENL_MCAST_CAP_NET_ADMIN" in body
    sgrps = {g.cname: "uns-admin-perm" in g.flags for g in spec.mcgrps}
    for g in sorted(set(kgrps) ^ set(sgrps)):
        fail(f"kernel: multicast group {g} is in {'the kernel' if g in kgrps else 'the spec'} only")
    for g in sorted(set(kgrps) & set(sgrps)):
        if kgrps[g] != sgrps[g]:
            fail(f"kernel: multicast group {g}: GENL_MCAST_CAP_NET_ADMIN {kgrps[g]}, "
                 f"spec uns-admin-perm {sgrps[g]}")


def check_kernel(spec):
    vals = spec.values()
    with open(os.path.join(REPO, "kmod", "nl_policy.c")) as f:
        pol_src = f.read()
    with open(os.path.join(REPO, "kmod", "netlink.c")) as f:
        ops_src = f.read()
    ranges = {}
    for name, body in re.findall(
            r"static (?:const )?struct netlink_range_validation (\w+) = \{(.*?)\};", pol_src, re.S):
        ranges[name] = {k: c_eval(v, vals) for k, v in
                        re.findall(r"\.(min|max)\s*=\s*([^,}]+)", body)}
    set_by_max = {s.max_names[1]: s for s in spec.sets}
    tables = {}
    nchecked = 0
    for name, size, body in re.findall(
            r"const struct nla_policy (\w+)\[(\w+) \+ 1\] = \{(.*?)\n\};", pol_src, re.S):
        aset = set_by_max.get(size)
        if aset is None:
            fail(f"kernel: {name} is sized by {size}, the max of no attribute set")
            continue
        by_c = {a.cname: a for a in aset.entries}
        entries = {}
        marks = list(re.finditer(r"\[(\w+)\]\s*=\s*", body))
        for i, m in enumerate(marks):
            text = body[m.end():marks[i + 1].start() if i + 1 < len(marks) else len(body)]
            a = by_c.get(m.group(1))
            if a is None:
                fail(f"kernel: {name}: {m.group(1)} is not an attribute of set {aset.name}")
                continue
            entries[a.name] = parsed = parse_policy_entry(text, ranges, vals)
            if parsed is None:
                continue
            typ, bounds, nested = parsed
            nchecked += 1
            where = f"kernel: {name}[{a.cname}]"
            if typ != a.type:
                fail(f"{where}: {typ} in the kernel, {a.type} in the spec")
                continue
            if nested is not None:
                entries[a.name] = (typ, bounds, nested)
                continue
            kb, sb = normal(typ, bounds), normal(typ, spec_bounds(spec, a))
            if "VALIDATE_FN" in text:
                # a function checks what the policy does not declare
                kb = {k: v for k, v in kb.items() if k in bounds}
                sb = {k: v for k, v in sb.items() if k in bounds}
            if kb != sb:
                fail(f"{where}: checks {kb} in the kernel, {sb} in the spec")
        tables[name] = (aset, entries)
    # nests: a table's nested tables belong to the nest's attribute set
    for name, (aset, entries) in tables.items():
        for an, e in entries.items():
            if e and e[2] is not None:
                want = aset.by_name(an).nested_attributes
                got = tables.get(e[2], (None,))[0]
                if got is None or got.name != want:
                    fail(f"kernel: {name}: {an} nests {e[2]}, not a table of set {want}")

    m = re.search(r"struct genl_ops dlba_genl_ops\[\] = \{(.*?)\n\};", ops_src, re.S)
    kops = {}
    for block in re.split(r"\n\t\}, \{", m.group(1)):
        cmd = re.search(r"\.cmd = (\w+)", block).group(1)
        kops[cmd] = {
            "do": ".doit" in block, "dump": ".dumpit" in block,
            "admin": "GENL_ADMIN_PERM" in block,
            "policy": re.search(r"\.policy = (\w+)", block).group(1),
        }
    spec_ops = {op.cname: op for op in spec.ops if not op.is_ntf}
    for op in spec.ops:
        if op.is_ntf and op.cname in kops:
            fail(f"kernel: {op.cname} is a notification but has a handler")
            del kops[op.cname]
    check_mcgrps(spec, ops_src)
    for c in sorted(set(kops) ^ set(spec_ops)):
        fail(f"kernel: command {c} is in {'the kernel' if c in kops else 'the spec'} only")
    for c in sorted(set(kops) & set(spec_ops)):
        k, op = kops[c], spec_ops[c]
        for mode in ("do", "dump"):
            if k[mode] != (getattr(op, mode, None) is not None):
                fail(f"kernel: {c}: {mode} is {'' if k[mode] else 'not '}in the kernel"
                     f" but {'' if not k[mode] else 'not '}in the spec")
        if k["admin"] != ("admin-perm" in op.flags):
            fail(f"kernel: {c}: GENL_ADMIN_PERM {k['admin']}, spec admin-perm {not k['admin']}")
        aset, entries = tables.get(k["policy"], (None, {}))
        if aset is None:
            fail(f"kernel: {c}: policy {k['policy']} not found in nl_policy.c")
            continue
        if aset.name != op.aset.name:
            fail(f"kernel: {c}: policy of set {aset.name}, spec attribute-set {op.aset.name}")
        req = set()
        for mode in ("do", "dump"):
            req |= set(((getattr(op, mode, None) or {}).get("request") or {})
                       .get("attributes", []))
        if req != set(entries):
            fail(f"kernel: {c}: policy {k['policy']} takes {sorted(entries)}, "
                 f"the spec's request {sorted(req)}")
    return len(kops), len(tables), nchecked


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--spec", default=nlspec.SPEC)
    ap.add_argument("--gen-include", required=True,
                    help="directory with the generated linux/dlba_genl.h")
    ap.add_argument("--cc", default="cc")
    ap.add_argument("--cache", default=os.path.join(REPO, "build", "nlspec"))
    ap.add_argument("--schema", help="genetlink-legacy.yaml (default: from linux-source)")
    a = ap.parse_args()
    try:
        spec = nlspec.Spec(a.spec)
    except (nlspec.SpecError, KeyError) as e:
        print(f"nlspec-check: FAIL: the spec does not load: {e}")
        return 1
    print(f"nlspec-check: spec {os.path.relpath(a.spec, REPO)} loads "
          f"({len(spec.ops)} commands, {len(spec.sets)} attribute sets)")

    ok, n = check_header(spec, a.gen_include, a.cc)
    print(f"nlspec-check: header: {'OK' if ok else 'FAIL'}: <linux/dlba.h> compiles, "
          f"{n} names have the spec's values")
    try:
        nops, ntables, nent = check_kernel(spec)
        print(f"nlspec-check: kernel: {len(errors) == 0 and 'OK' or 'FAIL'}: {nops} commands, "
              f"{ntables} policies, {nent} policy entries match the spec")
    except (ValueError, KeyError, AttributeError) as e:
        fail(f"kernel: kmod/netlink.c or nl_policy.c not understood: {e!r}")

    skip = None
    os.makedirs(a.cache, exist_ok=True)
    schema = a.schema or find_schema(a.cache)
    try:
        import jsonschema  # noqa: F401
    except ImportError:
        skip = "python3-jsonschema is not installed"
    if not schema:
        skip = f"no {SCHEMA} (Debian package linux-source-6.12)"
    if not skip:
        ok = check_schema(spec, schema)
        print(f"nlspec-check: schema: {'OK' if ok else 'FAIL'}: valid against {schema}")

    for e in errors:
        print(f"nlspec-check: FAIL: {e}")
    if errors:
        return 1
    if skip:
        print(f"nlspec-check: SKIP: schema not checked: {skip}")
        return 4  # skip, as every shell test (selftests/net/ksft.sh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
