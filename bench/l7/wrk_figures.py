#!/usr/bin/env python3
"""The figures of one wrk run of bench/l7/run.sh, or why the run does not count.

usage: wrk ... --latency -s percentiles.lua URL | wrk_figures.py

Prints one line "rps p50_ms p90_ms p99_ms p99.9_ms max_ms requests" and exits 0 when the run is
usable: every figure present, requests answered, and no error of any kind.  Otherwise prints
"FAILED <reason>" (one word-joined line) and exits 1: a run with Non-2xx/3xx answers or socket
errors (connect, read, write, timeout), or one whose output lacks a figure (wrk could not
connect, died, or printed something unexpected), must not enter a median nor a comparison as
if it were a fast or slow run; a missing p99 is not 0.
"""
import re
import sys

UNITS_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def ms(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m|h)", text)
    if not m:
        raise ValueError(text)
    return float(m.group(1)) * UNITS_MS[m.group(2)]


def figures(out):
    """(figures dict, None) or (None, reason)."""
    problems = []
    m = re.search(r"^\s*Non-2xx or 3xx responses:\s*(\d+)", out, re.M)
    if m and int(m.group(1)) > 0:
        problems.append(f"{m.group(1)} non-2xx/3xx responses")
    m = re.search(r"^\s*Socket errors:\s*connect (\d+), read (\d+), write (\d+), timeout (\d+)", out, re.M)
    if m and any(int(x) for x in m.groups()):
        problems.append("socket errors (connect %s, read %s, write %s, timeout %s)" % m.groups())
    elif re.search(r"Socket errors", out) and not m:
        problems.append("unreadable socket error line")
    if re.search(r"unable to connect", out):
        problems.append("unable to connect")
    f = {}
    m = re.search(r"^Requests/sec:\s+([0-9.]+)\s*$", out, re.M)
    if m:
        f["rps"] = float(m.group(1))
    m = re.search(r"^\s*(\d+) requests in ", out, re.M)
    if m:
        f["requests"] = int(m.group(1))
    for p in ("50%", "90%", "99%"):
        m = re.search(r"^\s*" + re.escape(p) + r"\s+(\S+)\s*$", out, re.M)
        if m:
            try:
                f["p" + p[:-1]] = ms(m.group(1))
            except ValueError:
                problems.append(f"unreadable {p} latency '{m.group(1)}'")
    for name, key in (("99.9", "p99.9"), ("max", "max")):
        m = re.search(r"^tail " + re.escape(name) + r" ([0-9.]+)\s*$", out, re.M)
        if m:
            f[key] = float(m.group(1))
    missing = [k for k in ("rps", "requests", "p50", "p90", "p99", "p99.9", "max") if k not in f]
    if missing:
        problems.append("missing " + ",".join(missing))
    elif f["requests"] == 0 or f["rps"] == 0:
        problems.append("no request answered")
    if problems:
        return None, "; ".join(problems)
    return f, None


def main():
    f, why = figures(sys.stdin.read())
    if why:
        print("FAILED " + why.replace(" ", "_"))
        return 1
    print("%.6g %.6g %.6g %.6g %.6g %.6g %d" % (f["rps"], f["p50"], f["p90"], f["p99"], f["p99.9"], f["max"], f["requests"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
