#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Malformed and unusual packets at a virtual service, from the client's link.

pkt_fuzz.py make FILE --dev DEV --dst-mac MAC --src4 A --vip4 V --src6 A
            --vip6 V --tcp-port P --udp-port P [--seed N] [--random N]
pkt_fuzz.py send FILE --dev DEV

"make" builds, as Ethernet frames from DEV's MAC to MAC (the load balancer),
into FILE (each frame: a 4-byte length, then the frame), for each family: every TCP flag combination; TCP headers with every data offset and
options of bad lengths; truncated TCP, UDP and ICMP headers; UDP length
fields that lie; fragments (first, middle, last alone, reversed, overlapping,
a first fragment too short for the ports); ICMP errors quoting the service
with truncated, bad and nested inner headers; IPv4 options; IPv6
extension-header chains (long, truncated, a non-first fragment, an unknown
header); then --random (default 300) packets of those kinds with random
bytes flipped, from --seed (default 1).  The IP headers are mostly valid so
that the packets get past the stack's own checks and reach the netfilter
hooks: what is under test is what the module does with them.  It prints
"made N (v4 N4, v6 N6) seed S".  It uses scapy (Debian's python3-scapy) and
exits 4 when that is missing.

"send" sends FILE's frames on DEV, as fast as the socket takes them, and
prints "sent N": the standard library only, so that replaying the corpus at
each service costs no scapy start and no packet building (an emulated VM
pays dearly for both).
"""
import argparse
import logging
import random
import socket
import struct
import sys


def send(path, dev):
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((dev, 0))
    n = 0
    with open(path, "rb") as f, sock:
        while True:
            head = f.read(4)
            if len(head) < 4:
                break
            (length,) = struct.unpack("!I", head)
            sock.send(f.read(length))
            n += 1
    print(f"sent {n}")


if len(sys.argv) > 1 and sys.argv[1] == "send":
    sp = argparse.ArgumentParser()
    sp.add_argument("cmd")
    sp.add_argument("file")
    sp.add_argument("--dev", required=True)
    sa = sp.parse_args()
    send(sa.file, sa.dev)
    sys.exit(0)

logging.getLogger("scapy").setLevel(logging.ERROR)
try:
    from scapy.layers.inet import ICMP, IP, TCP, UDP, fragment
    from scapy.layers.inet6 import (
        ICMPv6DestUnreach,
        ICMPv6PacketTooBig,
        IPv6,
        IPv6ExtHdrDestOpt,
        IPv6ExtHdrFragment,
        IPv6ExtHdrHopByHop,
        IPv6ExtHdrRouting,
    )
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw
except ImportError:
    print("pkt_fuzz.py: needs scapy (python3-scapy)", file=sys.stderr)
    sys.exit(4)

BAD_TCP_OPTIONS = [
    b"\x02\x00",  # MSS, length 0
    b"\x02\x01",  # length 1: would loop on a naive parser
    b"\x02\x04\x05",  # MSS cut short
    b"\x03\x09\x07",  # window scale, length past the header
    b"\x08\xff",  # timestamps, length 255
    b"\x05\x03\x00\x00\x00\x00",  # SACK, length not 2 + 8n
    b"\x01" * 40,  # 40 NOPs
    b"\xfe\x02",  # experimental, empty
    b"\x00" + b"\xff" * 7,  # end of options, then garbage
]


def tcp_raw(sport, dport, flags=0x02, doff=5, options=b"", payload=b""):
    """A TCP header as bytes, whatever doff says (checksum left 0)."""
    hdr = struct.pack("!HHIIBBHHH", sport, dport, random.getrandbits(32), 0,
                      (doff & 0xF) << 4, flags & 0xFF, 65535, 0, 0)
    return hdr + options + payload


def udp_raw(sport, dport, length, payload):
    return struct.pack("!HHHH", sport, dport, length, 0) + payload


def l4_cases(tport, uport):
    """(protocol, bytes) of odd transport headers, family independent."""
    cases = []
    for flags in range(256):
        cases.append((6, tcp_raw(random.randint(1024, 65535), tport, flags)))
    for doff in range(16):
        cases.append((6, tcp_raw(random.randint(1024, 65535), tport, 0x02, doff)))
        cases.append((6, tcp_raw(random.randint(1024, 65535), tport, 0x10, doff, b"",
                                 b"x" * (doff * 2))))
    for opt in BAD_TCP_OPTIONS:
        pad = opt + b"\x00" * (-len(opt) % 4)
        doff = min(15, 5 + len(pad) // 4)
        cases.append((6, tcp_raw(random.randint(1024, 65535), tport, 0x02, doff, pad[:40])))
        # doff claims more options than are there
        cases.append((6, tcp_raw(random.randint(1024, 65535), tport, 0x02, 15, opt)))
    for n in range(20):  # truncated TCP header: 0..19 bytes
        cases.append((6, tcp_raw(40000 + n, tport)[:n]))
    for n in range(8):  # truncated UDP header
        cases.append((17, udp_raw(40100 + n, uport, 8, b"")[:n]))
    for length in (0, 1, 7, 9, 100, 65535):  # UDP length fields that lie
        cases.append((17, udp_raw(random.randint(1024, 65535), uport, length, b"y" * 16)))
    return cases


def v4_packets(a):
    src, vip, tport, uport = a.src4, a.vip4, a.tcp_port, a.udp_port
    base = IP(src=src, dst=vip)
    out = []
    for proto, l4 in l4_cases(tport, uport):
        out.append(IP(src=src, dst=vip, proto=proto) / Raw(l4))
    for n in range(8):  # truncated ICMP
        out.append(IP(src=src, dst=vip, proto=1) / Raw(b"\x03\x04\x00\x00\x00\x00\x05\xdc"[:n]))
    # fragments of a TCP segment and of a UDP datagram to the service
    for l4 in (TCP(sport=41000, dport=tport, flags="PA") / Raw(b"f" * 1200),
               UDP(sport=41001, dport=uport) / Raw(b"g" * 1200)):
        frags = fragment(base / l4, fragsize=256)
        out += [frags[0], frags[len(frags) // 2], frags[-1]]
        out += list(reversed(frags))
        dup = frags[1].copy()
        dup[Raw].load = b"\xee" * len(dup[Raw].load)
        out += [frags[0], dup, frags[1]] + frags[2:]
    # a first fragment of 8 bytes: the ports, not the rest of the TCP header;
    # and one of 2 bytes: not even the ports
    seg = bytes(TCP(sport=41002, dport=tport, flags="S"))
    out.append(IP(src=src, dst=vip, proto=6, flags="MF", id=7) / Raw(seg[:8]))
    out.append(IP(src=src, dst=vip, proto=6, flags="MF", id=8) / Raw(seg[:2]))
    out.append(IP(src=src, dst=vip, proto=6, frag=1, id=7) / Raw(seg[8:]))
    # ICMP errors quoting the service, as a server's or a router's
    inner_ok = bytes(IP(src=vip, dst=src) / TCP(sport=tport, dport=41003, flags="SA"))
    inner_rev = bytes(IP(src=src, dst=vip) / TCP(sport=41003, dport=tport, flags="S"))
    inner_udp = bytes(IP(src=vip, dst=src) / UDP(sport=uport, dport=41004))
    for inner in (inner_ok, inner_rev, inner_udp):
        for cut in (0, 4, 19, 20, 22, 24, 28, len(inner)):
            for t, c in ((3, 4), (3, 3), (11, 0), (12, 0)):
                out.append(IP(src=src, dst=vip) / ICMP(type=t, code=c, nexthopmtu=576) /
                           Raw(inner[:cut]))
    bad_ihl = bytearray(inner_ok)
    bad_ihl[0] = 0x4F  # IHL 15: options past the quote
    out.append(IP(src=src, dst=vip) / ICMP(type=3, code=4) / Raw(bytes(bad_ihl)))
    bad_ihl[0] = 0x42  # IHL 2
    out.append(IP(src=src, dst=vip) / ICMP(type=3, code=4) / Raw(bytes(bad_ihl)))
    nested = bytes(IP(src=vip, dst=src) / ICMP(type=3, code=4) / Raw(inner_ok))
    out.append(IP(src=src, dst=vip) / ICMP(type=3, code=4) / Raw(nested))
    out.append(IP(src=src, dst=vip) / ICMP(type=11, code=0) / Raw(nested[:30]))
    # IPv4 options: record route, a NOP run, an option whose length overruns
    for opts in (b"\x07\x07\x04\x00\x00\x00\x00\x00", b"\x01" * 8, b"\x44\x28\x05\x00",
                 b"\x83\x03\x04\x00"):
        raw_ip = bytes(IP(src=src, dst=vip, proto=6) / Raw(tcp_raw(41005, tport)))
        # splice the options in (scapy builds IHL 5 otherwise)
        hdr = bytearray(raw_ip[:20]) + opts + b"\x00" * (-len(opts) % 4)
        body = raw_ip[20:]
        hdr[0] = 0x40 | (len(hdr) // 4)
        struct.pack_into("!H", hdr, 2, len(hdr) + len(body))
        struct.pack_into("!H", hdr, 10, 0)
        struct.pack_into("!H", hdr, 10, inet_csum(bytes(hdr)))
        out.append(IP(bytes(hdr + body)))
    return out


def inet_csum(data):
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def v6_packets(a):
    src, vip, tport, uport = a.src6, a.vip6, a.tcp_port, a.udp_port
    out = []
    for proto, l4 in l4_cases(tport, uport):
        out.append(IPv6(src=src, dst=vip, nh=proto) / Raw(l4))
    for n in range(8):  # truncated ICMPv6
        out.append(IPv6(src=src, dst=vip, nh=58) / Raw(b"\x02\x00\x00\x00\x00\x00\x05\x00"[:n]))
    syn = TCP(sport=42000, dport=tport, flags="S")
    # extension-header chains: long ones, and each kind before TCP and UDP
    chains = [
        [IPv6ExtHdrHopByHop()],
        [IPv6ExtHdrDestOpt()],
        [IPv6ExtHdrRouting(addresses=[])],
        [IPv6ExtHdrHopByHop(), IPv6ExtHdrDestOpt(), IPv6ExtHdrRouting(addresses=[]),
         IPv6ExtHdrDestOpt()],
        [IPv6ExtHdrDestOpt() for _ in range(8)],
        [IPv6ExtHdrDestOpt() for _ in range(40)],
    ]
    for chain in chains:
        for l4 in (syn, UDP(sport=42001, dport=uport) / Raw(b"z" * 8)):
            pkt = IPv6(src=src, dst=vip)
            for h in chain:
                pkt = pkt / h.copy()
            out.append(pkt / l4)
    # a destination-options header whose length runs past the packet
    out.append(IPv6(src=src, dst=vip, nh=60) / Raw(b"\x06\xff" + b"\x01\x00" * 3))
    # an unknown next header, then TCP
    out.append(IPv6(src=src, dst=vip, nh=253) / Raw(b"\x06\x00" + b"\x00" * 6 + bytes(syn)))
    # fragments: a non-first fragment alone, a first one with TCP cut, both orders
    out.append(IPv6(src=src, dst=vip) / IPv6ExtHdrFragment(nh=6, offset=1, m=0, id=9) /
               Raw(b"q" * 16))
    out.append(IPv6(src=src, dst=vip) / IPv6ExtHdrFragment(nh=6, offset=0, m=1, id=10) /
               Raw(bytes(syn)[:8]))
    out.append(IPv6(src=src, dst=vip) / IPv6ExtHdrFragment(nh=6, offset=0, m=1, id=11) /
               Raw(bytes(syn)[:2]))
    out.append(IPv6(src=src, dst=vip) / IPv6ExtHdrFragment(nh=6, offset=1, m=0, id=10) /
               Raw(bytes(syn)[8:]))
    # ICMPv6 errors quoting the service
    inner_ok = bytes(IPv6(src=vip, dst=src) / TCP(sport=tport, dport=42002, flags="SA"))
    inner_ext = bytes(IPv6(src=vip, dst=src) / IPv6ExtHdrDestOpt() /
                      UDP(sport=uport, dport=42003))
    inner_rev = bytes(IPv6(src=src, dst=vip) / TCP(sport=42002, dport=tport, flags="S"))
    for inner in (inner_ok, inner_ext, inner_rev):
        for cut in (0, 8, 39, 40, 44, 48, len(inner)):
            out.append(IPv6(src=src, dst=vip) / ICMPv6PacketTooBig(mtu=1280) / Raw(inner[:cut]))
            out.append(IPv6(src=src, dst=vip) / ICMPv6DestUnreach(code=1) / Raw(inner[:cut]))
    nested = bytes(IPv6(src=vip, dst=src) / ICMPv6DestUnreach() / Raw(inner_ok))
    out.append(IPv6(src=src, dst=vip) / ICMPv6DestUnreach() / Raw(nested))
    return out


def mutate(pkt, rng, l3len):
    """pkt (bytes) with 1..8 random bytes past the IP header replaced."""
    b = bytearray(pkt)
    if len(b) <= l3len:
        return bytes(b)
    for _ in range(rng.randint(1, 8)):
        b[rng.randrange(l3len, len(b))] = rng.getrandbits(8)
    return bytes(b)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("cmd", choices=["make"])
    p.add_argument("file")
    for opt in ("--dev", "--dst-mac", "--src4", "--vip4", "--src6", "--vip6"):
        p.add_argument(opt, required=True)
    p.add_argument("--tcp-port", type=int, required=True)
    p.add_argument("--udp-port", type=int, required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--random", type=int, default=300)
    a = p.parse_args()
    random.seed(a.seed)
    rng = random.Random(a.seed)

    # bytes from here on: scapy builds each packet once (dissecting and
    # rebuilding costs seconds in an emulated VM)
    v4 = [bytes(p) for p in v4_packets(a)]
    v6 = [bytes(p) for p in v6_packets(a)]
    v4 += [mutate(rng.choice(v4), rng, 20) for _ in range(a.random)]
    v6 += [mutate(rng.choice(v6), rng, 40) for _ in range(a.random)]

    with open(f"/sys/class/net/{a.dev}/address", encoding="ascii") as f:
        own_mac = f.read().strip()
    eth = bytes(Ether(src=own_mac, dst=a.dst_mac, type=0))[:12]
    with open(a.file, "wb") as f:
        for ethertype, pkts in ((b"\x08\x00", v4), (b"\x86\xdd", v6)):
            for pkt in pkts:
                frame = eth + ethertype + pkt
                f.write(struct.pack("!I", len(frame)) + frame)
    print(f"made {len(v4) + len(v6)} (v4 {len(v4)}, v6 {len(v6)}) seed {a.seed}")


if __name__ == "__main__":
    main()
