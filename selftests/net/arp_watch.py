#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Ask who has an IPv4 address, over and over, and count who answers.

arp_watch.py DEV ADDR STOPFILE [INTERVAL_S]

Sends an ARP request for ADDR out of DEV every INTERVAL_S seconds (default
0.1) from DEV's own MAC and first IPv4 address, until STOPFILE exists, and
collects the ARP replies for ADDR.  A request answered by two MACs (two
nodes holding the address at once: split brain, an ARP war) is a conflict.
Prints, at the end, one line:

    requests=N answered=N conflicts=N macs=MAC[,MAC...]

and one line per conflict ("conflict T MAC,MAC").  The ARP replies of the
whole run are counted per request window: a reply belongs to the last
request sent before it.
"""
import fcntl
import os
import select
import socket
import struct
import sys
import time

ETH_P_ARP = 0x0806
SIOCGIFADDR = 0x8915


def mac_of(dev):
    with open(f"/sys/class/net/{dev}/address") as f:
        return bytes.fromhex(f.read().strip().replace(":", ""))


def ipv4_of(dev):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        req = struct.pack("256s", dev.encode()[:15])
        return fcntl.ioctl(s.fileno(), SIOCGIFADDR, req)[20:24]
    finally:
        s.close()


def request(src_mac, src_ip, target):
    eth = b"\xff" * 6 + src_mac + struct.pack("!H", ETH_P_ARP)
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + src_mac + src_ip + b"\x00" * 6 + target
    return eth + arp


def main():
    dev, addr, stopfile = sys.argv[1:4]
    interval = float(sys.argv[4]) if len(sys.argv) > 4 else 0.1
    target = socket.inet_aton(addr)
    src_mac, src_ip = mac_of(dev), ipv4_of(dev)
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
    sock.bind((dev, 0))
    frame = request(src_mac, src_ip, target)

    requests = answered = 0
    window = set()
    conflicts = []
    macs = []
    next_send = 0.0
    while not os.path.exists(stopfile):
        now = time.monotonic()
        if now >= next_send:
            if len(window) > 1:
                conflicts.append((time.time(), sorted(window)))
            if window:
                answered += 1
            window = set()
            sock.send(frame)
            requests += 1
            next_send = now + interval
        ready, _, _ = select.select([sock], [], [], max(0.0, next_send - time.monotonic()))
        if not ready:
            continue
        pkt = sock.recv(128)
        if len(pkt) < 42:
            continue
        op = struct.unpack("!H", pkt[20:22])[0]
        sender_mac, sender_ip = pkt[22:28], pkt[28:32]
        if op != 2 or sender_ip != target:
            continue
        mac = sender_mac.hex(":")
        window.add(mac)
        if mac not in macs:
            macs.append(mac)
    if len(window) > 1:
        conflicts.append((time.time(), sorted(window)))
    if window:
        answered += 1
    print(f"requests={requests} answered={answered} conflicts={len(conflicts)} macs={','.join(macs)}")
    for t, pair in conflicts:
        print(f"conflict {t:.3f} {','.join(pair)}")


if __name__ == "__main__":
    main()
