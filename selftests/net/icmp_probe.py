#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""One UDP or TCP request to a virtual service with unusual IP headers, and
every ICMP error that comes back for it, as the client sees them.

Standard library only (the VM has no tcpdump).  The request goes out of a
connected socket with IP_RECVERR / IPV6_RECVERR, so the kernel hands the
socket an ICMP error only if the error quotes what the socket sent (VIP:port,
not a server's real address); independently, an AF_PACKET socket on DEV
records every ICMP/ICMPv6 error that reaches the client, raw, so that its
source and the header it quotes can be checked byte by byte.

Usage:
  icmp_probe.py --dst VIP --port P [--tcp [--upload N]] [--src A] [--dev eth0]
                [--ttl N] [--df | --nodf] [--size N] [--ipopts HEX] [--v6ext dst|hop]
                [--timeout S] [--forbid ADDR]...
  icmp_probe.py --sink --port P     (server side, for --upload: reads each
                                     connection to its end, answers "got N")
--tcp sends "GET /" (nginx answers), or with --upload N bytes and then
half-closes; the answer is read to the end of the connection.

Output (one line each):
  REPLY <first line of the answer>  |  NOREPLY <why>
  ERRQUEUE errno=N origin=N type=N code=N info=N offender=ADDR
  PMTU N                      (IP_MTU of the socket after the exchange)
  SENT hdr=N frags=N          (what left the client for DST: IPv4 header
                              length / IPv6 first next header, fragments)
  ICMP src=A type=N code=N info=N inner_src=A:P inner_dst=A:P forbidden=A,..|-
One ICMP line per error captured; "forbidden" lists the --forbid addresses
whose bytes appear anywhere in that ICMP packet.
"""
import argparse
import ipaddress
import select
import socket
import struct
import sys
import threading
import time

ETH_P_ALL = 0x0003
IP_RECVERR = 11
IP_MTU_DISCOVER = 10
IP_PMTUDISC_DONT = 0
IP_PMTUDISC_DO = 2
IP_MTU = 14
IP_OPTIONS = 4
IPV6_RECVERR = 25
IPV6_MTU_DISCOVER = 23
IPV6_PMTUDISC_DO = 2
IPV6_MTU = 24
IPV6_HOPOPTS = 54
IPV6_DSTOPTS = 59
MSG_ERRQUEUE = 0x2000
# ICMP error types (everything that quotes a packet)
ICMP4_ERRORS = {3, 4, 5, 11, 12}
ICMP6_ERRORS = {1, 2, 3, 4}
PACKET_OUTGOING = 4


def ntop(fam, b):
    return socket.inet_ntop(fam, b)


def parse_icmp(frame):
    """Decode an Ethernet frame carrying an ICMP/ICMPv6 error, or None."""
    if len(frame) < 14:
        return None
    eth_type = struct.unpack("!H", frame[12:14])[0]
    p = frame[14:]
    if eth_type == 0x0800 and len(p) >= 20 and p[9] == 1:
        ihl = (p[0] & 0xF) * 4
        icmp = p[ihl:]
        if len(icmp) < 8 or icmp[0] not in ICMP4_ERRORS:
            return None
        inner = icmp[8:]
        if len(inner) < 20:
            return None
        iihl = (inner[0] & 0xF) * 4
        ports = inner[iihl:iihl + 4]
        sp, dp = struct.unpack("!HH", ports) if len(ports) == 4 else (0, 0)
        return {
            "src": ntop(socket.AF_INET, p[12:16]),
            "type": icmp[0], "code": icmp[1],
            "info": struct.unpack("!H", icmp[6:8])[0],
            "inner_src": f"{ntop(socket.AF_INET, inner[12:16])}:{sp}",
            "inner_dst": f"{ntop(socket.AF_INET, inner[16:20])}:{dp}",
            "raw": p,
        }
    if eth_type == 0x86DD and len(p) >= 40 and p[6] == 58:
        icmp = p[40:]
        if len(icmp) < 8 or icmp[0] not in ICMP6_ERRORS:
            return None
        inner = icmp[8:]
        if len(inner) < 40:
            return None
        # skip the quoted packet's extension headers
        nh, off = inner[6], 40
        while nh in (0, 43, 60) and off + 2 <= len(inner):
            nh, off = inner[off], off + (inner[off + 1] + 1) * 8
        ports = inner[off:off + 4]
        sp, dp = struct.unpack("!HH", ports) if len(ports) == 4 else (0, 0)
        return {
            "src": ntop(socket.AF_INET6, p[8:24]),
            "type": icmp[0], "code": icmp[1],
            "info": struct.unpack("!I", icmp[4:8])[0],
            "inner_src": f"{ntop(socket.AF_INET6, inner[8:24])}:{sp}",
            "inner_dst": f"{ntop(socket.AF_INET6, inner[24:40])}:{dp}",
            "raw": p,
        }
    return None


def parse_sent(frame, dst):
    """(header length or first next header, is a fragment) of an IP packet
    to dst, or None."""
    if len(frame) < 14:
        return None
    eth_type = struct.unpack("!H", frame[12:14])[0]
    p = frame[14:]
    if eth_type == 0x0800 and len(p) >= 20 and p[16:20] == dst:
        frag = struct.unpack("!H", p[6:8])[0] & 0x3FFF
        return (p[0] & 0xF) * 4, bool(frag)
    if eth_type == 0x86DD and len(p) >= 40 and p[24:40] == dst:
        return p[6], p[6] == 44
    return None


def ext_header(kind):
    """A sticky IPv6 Hop-by-Hop or Destination Options header: PadN only."""
    opt = IPV6_HOPOPTS if kind == "hop" else IPV6_DSTOPTS
    # next header (filled in by the kernel), length 0 (8 bytes), PadN(4)
    return opt, bytes([0, 0, 1, 4, 0, 0, 0, 0])


def capture(cap, dst, icmps, sent):
    """Take every frame queued on the capture socket."""
    while True:
        try:
            frame, addr = cap.recvfrom(65535)
        except BlockingIOError:
            return
        if addr[2] == PACKET_OUTGOING:
            m = parse_sent(frame, dst)
            if m:
                sent.append(m)
            continue
        m = parse_icmp(frame)
        if m:
            icmps.append(m)


def sink(port):
    """TCP server on PORT (IPv4 and IPv6): count what each client sends."""
    def handle(c):
        n = 0
        with c:
            while True:
                d = c.recv(65536)
                if not d:
                    break
                n += len(d)
            c.sendall(f"got {n}\n".encode())

    def serve(ls):
        while True:
            c, _ = ls.accept()
            threading.Thread(target=handle, args=(c,), daemon=True).start()

    for fam, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
        ls = socket.socket(fam, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if fam == socket.AF_INET6:
            ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        ls.bind((addr, port))
        ls.listen(16)
        threading.Thread(target=serve, args=(ls,), daemon=True).start()
    print(f"sink listening on {port}", flush=True)
    while True:
        time.sleep(3600)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dst")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--sink", action="store_true")
    ap.add_argument("--tcp", action="store_true")
    ap.add_argument("--upload", type=int)
    ap.add_argument("--src")
    ap.add_argument("--dev", default="eth0")
    ap.add_argument("--ttl", type=int)
    ap.add_argument("--df", action="store_true")
    ap.add_argument("--nodf", action="store_true",
                    help="IPv4: never set DF (IP_PMTUDISC_DONT), also for TCP")
    ap.add_argument("--size", type=int, default=16)
    ap.add_argument("--ipopts", help="IPv4 options, hex")
    ap.add_argument("--v6ext", choices=("dst", "hop"))
    ap.add_argument("--timeout", type=float, default=3.0)
    ap.add_argument("--forbid", action="append", default=[])
    a = ap.parse_args()
    if a.sink:
        sink(a.port)
    if not a.dst:
        ap.error("--dst is required")

    v6 = ":" in a.dst
    fam = socket.AF_INET6 if v6 else socket.AF_INET
    forbid = [(f, ipaddress.ip_address(f).packed) for f in a.forbid]
    dst = ipaddress.ip_address(a.dst).packed
    sent = []

    cap = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    cap.bind((a.dev, 0))
    cap.setblocking(False)

    s = socket.socket(fam, socket.SOCK_STREAM if a.tcp else socket.SOCK_DGRAM)
    if v6:
        s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVERR, 1)
        if a.df:
            s.setsockopt(socket.IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DO)
        if a.ttl is not None:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, a.ttl)
        if a.v6ext:
            opt, hdr = ext_header(a.v6ext)
            s.setsockopt(socket.IPPROTO_IPV6, opt, hdr)
    else:
        s.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
        if a.df:
            s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO)
        elif a.nodf:
            s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT)
        if a.ttl is not None:
            s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, a.ttl)
        if a.ipopts:
            s.setsockopt(socket.IPPROTO_IP, IP_OPTIONS, bytes.fromhex(a.ipopts))
    if a.src:
        s.bind((a.src, 0))

    reply = None
    errs = []
    why = "timeout"
    s.settimeout(a.timeout)
    try:
        s.connect((a.dst, a.port))
        if a.tcp and a.upload:
            s.sendall(b"u" * a.upload)
            s.shutdown(socket.SHUT_WR)
        elif a.tcp:
            s.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
        else:
            s.send(b"probe " + b"x" * max(0, a.size - 6))
    except OSError as e:
        why = f"send: {e}"
    s.setblocking(False)
    end = time.monotonic() + a.timeout
    buf = b""
    icmps = []
    while time.monotonic() < end:
        r, _, x = select.select([s, cap], [], [s], 0.1)
        if cap in r:
            capture(cap, dst, icmps, sent)
        if s in r or s in x:
            try:
                data, anc, _, _ = s.recvmsg(2048, 1024, MSG_ERRQUEUE)
                for level, typ, cdata in anc:
                    # struct sock_extended_err + offender sockaddr
                    ee_errno, origin, etype, code, _pad, info, _data = \
                        struct.unpack("IBBBBII", cdata[:16])
                    off = cdata[16:]
                    offender = "-"
                    if len(off) >= 8 and struct.unpack("H", off[:2])[0] == socket.AF_INET:
                        offender = ntop(socket.AF_INET, off[4:8])
                    elif len(off) >= 24 and struct.unpack("H", off[:2])[0] == socket.AF_INET6:
                        offender = ntop(socket.AF_INET6, off[8:24])
                    errs.append(f"ERRQUEUE errno={ee_errno} origin={origin} type={etype} "
                                f"code={code} info={info} offender={offender}")
                continue
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                pass
            try:
                data = s.recv(4096)
                if data:
                    buf += data
                    if not a.tcp or b"\n" in buf.split(b"\r\n\r\n", 1)[-1]:
                        reply = buf
                        if not a.tcp:
                            break
                elif a.tcp:
                    reply = buf or None
                    why = "closed"
                    break
            except BlockingIOError:
                pass
            except OSError as e:
                why = f"recv: {e}"
                if not a.tcp:
                    # a pending error was reported: keep reading the queue
                    continue
                break
    # give late ICMP errors a moment
    time.sleep(0.2)
    capture(cap, dst, icmps, sent)

    if reply is not None:
        text = reply.split(b"\r\n\r\n", 1)[-1] if a.tcp else reply
        print("REPLY", text.decode(errors="replace").splitlines()[0] if text.strip() else "(empty)")
    else:
        print("NOREPLY", why)
    for e in errs:
        print(e)
    try:
        if v6:
            print("PMTU", s.getsockopt(socket.IPPROTO_IPV6, IPV6_MTU))
        else:
            print("PMTU", s.getsockopt(socket.IPPROTO_IP, IP_MTU))
    except OSError:
        print("PMTU -")
    if sent:
        print(f"SENT hdr={sent[0][0]} frags={sum(1 for x in sent if x[1])}")
    for m in icmps:
        hits = [name for name, b in forbid if b in m["raw"]]
        print(f"ICMP src={m['src']} type={m['type']} code={m['code']} info={m['info']} "
              f"inner_src={m['inner_src']} inner_dst={m['inner_dst']} "
              f"forbidden={','.join(hits) or '-'}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
