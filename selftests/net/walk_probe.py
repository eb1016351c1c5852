#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Helpers for selftests/dlba/bigtable.sh: what a whole-table walk of dlba.ko
(a server failed or deleted, panic on) costs the rest of the machine.

  lat --cpu C [--interval S]
      A SCHED_FIFO thread pinned to CPU C that sleeps S (default 0.5 ms)
      again and again and records how late it wakes, until SIGTERM; then
      prints "max_ms=X samples=N".  A kernel path that runs long on C with
      BH (so preemption) disabled, or without a preemption point (the
      Debian kernels are PREEMPT_DYNAMIC, voluntary), keeps the thread off
      C for that long: its lateness bounds the longest such stretch from
      below, whatever the module's code looks like.  Then prints
      "wake T" for every wake-up (CLOCK_MONOTONIC seconds).
  clients KEY NBUCKETS ADDR FIRST_PORT --mod M --res R --from FRAC --count N
      N source ports >= FIRST_PORT of ADDR whose bucket b (bucket_of.py)
      has b mod M == R and b >= FRAC * NBUCKETS: with panic's layout over M
      servers, buckets of the (R+1)-th server that a walk reaches last.
  flow ADDR PORT --src A --ports P,P,... --duration S
      UDP requests from A:P in turn (one socket per port) for S seconds;
      prints "t_send t_recv server" per answer (CLOCK_MONOTONIC seconds),
      "t_send - ERROR" when none came within 0.5 s.
  chunks TRACE [--lat LATFILE]
      Pairs the kprobe/kretprobe events "walk_in"/"walk_out" (a chunk) of a
      trace (trace_clock mono) per task, and finds "walk_begin"/"walk_end"
      (the whole walk function); with the output of lat, counts the FIFO
      thread's wake-ups inside the walk function and its longest stretch
      without one: "n=N max_ms=X first=T last=T begin=T end=T walk_ms=W wakes=K
      gap_ms=G".
  tables BEFORE AFTER --gone ID
      Two `dlbactl buckets save` files: every bucket of another server than
      ID kept its server, none names ID afterwards.  Prints counts.
"""
import argparse
import json
import os
import re
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def cmd_lat(a):
    os.sched_setaffinity(0, {a.cpu})
    os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    worst, n, wakes = 0.0, 0, []
    print("ready", flush=True)
    while not stop:
        t0 = time.monotonic()
        time.sleep(a.interval)
        t1 = time.monotonic()
        wakes.append(t1)
        n += 1
        worst = max(worst, t1 - t0 - a.interval)
    print(f"max_ms={worst * 1000:.2f} samples={n}", flush=True)
    for t in wakes:
        print(f"wake {t:.6f}")


def cmd_clients(a):
    import bucket_of
    import ipaddress

    key = bytes.fromhex(a.key)
    addr = ipaddress.ip_address(a.addr).packed
    lo = int(a.nbuckets * a.frm)
    out, port = [], a.first_port
    while len(out) < a.count and port < 65536:
        msg = addr + port.to_bytes(4, "big")
        b = bucket_of.siphash24(key, msg) & (a.nbuckets - 1)
        if b >= lo and b % a.mod == a.res:
            out.append(str(port))
        port += 1
    print(",".join(out))


def cmd_flow(a):
    fam = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
    socks = []
    for p in a.ports.split(","):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.bind((a.src, int(p)))
        s.connect((a.addr, a.port))
        s.settimeout(0.5)
        socks.append(s)
    end = time.monotonic() + a.duration
    i = 0
    while time.monotonic() < end:
        s = socks[i % len(socks)]
        i += 1
        t = time.monotonic()
        try:
            s.send(b"walk")
            data = s.recv(2048).decode(errors="replace")
            m = re.search(r"server=(\S+)", data)
            print(f"{t:.6f} {time.monotonic():.6f} {m.group(1) if m else '?'}",
                  flush=True)
        except OSError:
            print(f"{t:.6f} - ERROR", flush=True)


def cmd_chunks(a):
    start, n, worst, first, last = {}, 0, 0.0, None, None
    begin = end = None
    pat = re.compile(r"-(\d+)\s+\[\d+\].*?\s(\d+\.\d+):\s+"
                     r"(walk_in|walk_out|walk_begin|walk_end):")
    with open(a.trace) as f:
        for line in f:
            m = pat.search(line)
            if not m:
                continue
            pid, ts, ev = m.group(1), float(m.group(2)), m.group(3)
            if ev == "walk_begin":
                begin = ts if begin is None else begin
            elif ev == "walk_end":
                end = ts
            elif ev == "walk_in":
                start[pid] = ts
                first = ts if first is None else first
            elif pid in start:
                n += 1
                worst = max(worst, ts - start.pop(pid))
                last = ts
    # The FIFO thread's wake-ups inside the walk function, and the longest
    # stretch of the walk it did not get the CPU.
    wakes, gap = 0, 0.0
    if a.lat and begin is not None and end is not None:
        prev = begin
        with open(a.lat) as f:
            for line in f:
                if line.startswith("wake "):
                    t = float(line.split()[1])
                    if begin < t < end:
                        wakes += 1
                        gap = max(gap, t - prev)
                        prev = t
        gap = max(gap, end - prev)
    walk_ms = (end - begin) * 1000 if begin is not None and end is not None else -1
    print(f"n={n} max_ms={worst * 1000:.3f} first={first} last={last} "
          f"begin={begin} end={end} "
          f"walk_ms={walk_ms:.1f} wakes={wakes} gap_ms={gap * 1000:.1f}")


def cmd_tables(a):
    with open(a.before) as f:
        b = json.load(f)["assign"]
    with open(a.after) as f:
        c = json.load(f)["assign"]
    if len(b) != len(c):
        print(f"sizes differ: {len(b)} {len(c)}")
        return 1
    moved_other = kept = gone = still = unassigned = 0
    for x, y in zip(b, c):
        if x == a.gone:
            gone += 1
            if y == a.gone:
                still += 1
            elif y == 0:
                unassigned += 1
        elif x == y:
            kept += 1
        else:
            moved_other += 1
    print(f"kept={kept} moved_other={moved_other} gone={gone} "
          f"still_gone_server={still} unassigned={unassigned} "
          f"reassigned={gone - still - unassigned}")
    return 0 if moved_other == 0 and still == 0 else 1


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("lat")
    p.add_argument("--cpu", type=int, required=True)
    p.add_argument("--interval", type=float, default=0.0005)
    p = sub.add_parser("clients")
    p.add_argument("key")
    p.add_argument("nbuckets", type=int)
    p.add_argument("addr")
    p.add_argument("first_port", type=int)
    p.add_argument("--mod", type=int, required=True)
    p.add_argument("--res", type=int, required=True)
    p.add_argument("--from", dest="frm", type=float, default=0.0)
    p.add_argument("--count", type=int, default=4)
    p = sub.add_parser("flow")
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("--src", required=True)
    p.add_argument("--ports", required=True)
    p.add_argument("--duration", type=float, required=True)
    p = sub.add_parser("chunks")
    p.add_argument("trace")
    p.add_argument("--lat")
    p = sub.add_parser("tables")
    p.add_argument("before")
    p.add_argument("after")
    p.add_argument("--gone", type=int, required=True)
    a = ap.parse_args()
    return {"lat": cmd_lat, "clients": cmd_clients, "flow": cmd_flow,
            "chunks": cmd_chunks, "tables": cmd_tables}[a.cmd](a) or 0


if __name__ == "__main__":
    sys.exit(main())
