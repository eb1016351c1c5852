#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""UDP echo server for the DLBA selftests.

Listens on 0.0.0.0:PORT and [::]:PORT.  Every datagram is answered with
"server=NAME local=ADDR:PORT client=ADDR:PORT <payload>", sent *from the
address the datagram was sent to* (IP_PKTINFO / IPV6_PKTINFO), so that a
server holding the VIP on lo (direct routing, tunnel) answers from the VIP
and a NATed server answers from its own address.
"""
import argparse
import selectors
import socket
import struct

IP_PKTINFO = 8          # <linux/in.h>; not exported by the socket module
IPV6_RECVPKTINFO = 49
IPV6_PKTINFO = 50


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--port", type=int, default=9000)
    args = ap.parse_args()

    sel = selectors.DefaultSelector()
    s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s4.setsockopt(socket.SOL_IP, IP_PKTINFO, 1)
    s4.bind(("0.0.0.0", args.port))
    s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s6.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVPKTINFO, 1)
    s6.bind(("::", args.port))
    sel.register(s4, selectors.EVENT_READ)
    sel.register(s6, selectors.EVENT_READ)
    print(f"udp_echo {args.name} listening on {args.port}", flush=True)

    while True:
        for key, _ in sel.select():
            s = key.fileobj
            data, anc, _, peer = s.recvmsg(2048, 256)
            local = None
            out_anc = []
            for level, typ, cdata in anc:
                if s is s4 and level == socket.SOL_IP and typ == IP_PKTINFO:
                    # struct in_pktinfo { int ifindex; in_addr spec_dst; in_addr addr; }
                    _, _, dst = struct.unpack("i4s4s", cdata[:12])
                    local = socket.inet_ntop(socket.AF_INET, dst)
                    out_anc = [(socket.SOL_IP, IP_PKTINFO,
                                struct.pack("i4s4s", 0, dst, b"\0" * 4))]
                elif s is s6 and level == socket.IPPROTO_IPV6 and typ == IPV6_PKTINFO:
                    # struct in6_pktinfo { in6_addr addr; int ifindex; }
                    dst, _ = struct.unpack("16si", cdata[:20])
                    local = socket.inet_ntop(socket.AF_INET6, dst)
                    out_anc = [(socket.IPPROTO_IPV6, IPV6_PKTINFO,
                                struct.pack("16si", dst, 0))]
            reply = (f"server={args.name} local={local}:{args.port} "
                     f"client={peer[0]}:{peer[1]} ").encode() + data
            try:
                s.sendmsg([reply], out_anc, 0, peer)
            except OSError as e:
                print(f"sendmsg to {peer}: {e}", flush=True)


if __name__ == "__main__":
    main()
