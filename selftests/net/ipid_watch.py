#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Watch the IPv4 identification field of the packets one host sends
another, as they arrive: do any two of them share an ID?

Without DF, the receiver reassembles fragments by (source, destination,
protocol, ID): two packets in flight with one ID can be mixed up.  A
sender that gives a GSO packet fewer IDs than the packets it becomes
repeats IDs in consecutive packets.

Standard library only: an AF_PACKET socket on DEV takes every IPv4 packet
from SRC with protocol PROTO (first fragments and whole packets: later
fragments repeat their packet's ID).  It stops IDLE seconds after the last
such packet (once it has seen one), or after MAX seconds.

Usage: ipid_watch.py --dev eth0 --src ADDR [--proto 4] [--idle 3] [--max 120]
Output: "PKTS n DUPS d DF f" (d: packets whose ID an earlier one had;
f: packets with DF set).
"""
import argparse
import select
import socket
import struct
import time

ETH_P_IP = 0x0800


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dev", default="eth0")
    ap.add_argument("--src", required=True)
    ap.add_argument("--proto", type=int, default=4)
    ap.add_argument("--idle", type=float, default=3.0)
    ap.add_argument("--max", type=float, default=120.0)
    a = ap.parse_args()

    src = socket.inet_aton(a.src)
    cap = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IP))
    cap.bind((a.dev, 0))
    cap.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    print("READY", flush=True)
    seen = set()
    pkts = dups = df = 0
    start = time.monotonic()
    last = None
    while True:
        now = time.monotonic()
        if now - start > a.max or (last is not None and now - last > a.idle):
            break
        r, _, _ = select.select([cap], [], [], 0.2)
        if not r:
            continue
        p = cap.recv(128)
        if len(p) < 20 or p[0] >> 4 != 4 or p[9] != a.proto or p[12:16] != src:
            continue
        ipid, frag = struct.unpack("!HH", p[4:8])
        if frag & 0x1FFF:       # a later fragment: its packet's ID again
            continue
        last = time.monotonic()
        pkts += 1
        if frag & 0x4000:
            df += 1
        if ipid in seen:
            dups += 1
        seen.add(ipid)
    print(f"PKTS {pkts} DUPS {dups} DF {df}", flush=True)


if __name__ == "__main__":
    main()
