#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A small NFQUEUE verdict program, on a raw netlink socket (no library).

Binds one nfnetlink_queue queue (NETLINK_NETFILTER, subsystem
NFNL_SUBSYS_QUEUE: NFQNL_MSG_CONFIG bind + copy mode), reads the queued
packets (NFQNL_MSG_PACKET, the id from NFQA_PACKET_HDR) and answers each
with NFQNL_MSG_VERDICT.  The verdicts are sent from this process, so the
kernel re-injects the packets in its process context (nf_reinject()).

  --hold N       answer only when N packets are held, then all of them
  --hold-signal  hold every packet until SIGUSR1, answer them all, exit
  --delay S      sleep S seconds before each answer
  --verdict V    accept (default) or drop

Prints one line per event on stdout (flushed): "ready", "queued id=ID
hook=HOOK", "verdict id=ID rc=ERRNO" (0: the kernel took it; ENOENT: it no
longer held the packet) and, with --hold-signal, "released N ok=K" at the
end.  The process names itself "nfq_verdict" (its comm in kernel traces).
"""
import argparse
import errno
import os
import select
import signal
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
NLMSG_ERROR = 2
NLM_F_REQUEST = 1
NLM_F_ACK = 4
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET = 0
NFQNL_MSG_VERDICT = 1
NFQNL_MSG_CONFIG = 2
NFQA_PACKET_HDR = 1
NFQA_VERDICT_HDR = 2
NFQA_CFG_CMD = 1
NFQA_CFG_PARAMS = 2
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_META = 1
NF_DROP = 0
NF_ACCEPT = 1
NLA_TYPE_MASK = 0x3FFF


def nla(atype, payload):
    """One netlink attribute, padded to 4 bytes."""
    hdr = struct.pack("=HH", 4 + len(payload), atype)
    return hdr + payload + b"\0" * (-len(payload) % 4)


def parse_attrs(buf):
    attrs = {}
    off = 0
    while off + 4 <= len(buf):
        alen, atype = struct.unpack_from("=HH", buf, off)
        if alen < 4:
            break
        attrs[atype & NLA_TYPE_MASK] = buf[off + 4:off + alen]
        off += (alen + 3) & ~3
    return attrs


class Queue:
    def __init__(self, num):
        self.num = num
        self.seq = 0
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                  NETLINK_NETFILTER)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.sock.bind((0, 0))
        self.pending = []	# (seq, id): verdicts whose ack is awaited
        self.backlog = []	# packets read while waiting for an ack

    def send(self, msg, payload, flags=NLM_F_REQUEST | NLM_F_ACK):
        self.seq += 1
        # nfgenmsg: family AF_UNSPEC, version 0, res_id = queue (be16)
        body = struct.pack("!BBH", socket.AF_UNSPEC, 0, self.num) + payload
        hdr = struct.pack("=IHHII", 16 + len(body),
                          (NFNL_SUBSYS_QUEUE << 8) | msg, flags, self.seq, 0)
        self.sock.send(hdr + body)
        return self.seq

    def config(self):
        seq = self.send(NFQNL_MSG_CONFIG,
                        nla(NFQA_CFG_CMD, struct.pack("!BxH", NFQNL_CFG_CMD_BIND, 0)))
        self.wait_ack(seq)
        seq = self.send(NFQNL_MSG_CONFIG,
                        nla(NFQA_CFG_PARAMS, struct.pack("!IB", 0, NFQNL_COPY_META)))
        self.wait_ack(seq)

    def wait_ack(self, seq):
        """Read until the ack of @seq; packets read meanwhile are kept."""
        while True:
            for kind, a, b in self.recv():
                if kind == "ack" and a == seq:
                    if b:
                        raise OSError(b, "nfqueue config: " + os.strerror(b))
                    return
                if kind == "packet":
                    self.backlog.append((a, b))

    def recv(self):
        """Messages of one datagram: ("packet", id, hook), ("ack", seq, errno)."""
        data = self.sock.recv(1 << 17)
        out = []
        off = 0
        while off + 16 <= len(data):
            mlen, mtype, _flags, seq, _pid = struct.unpack_from("=IHHII", data, off)
            if mlen < 16:
                break
            body = data[off + 16:off + mlen]
            if mtype == NLMSG_ERROR:
                err = -struct.unpack_from("=i", body, 0)[0]
                out.append(("ack", seq, err))
            elif mtype == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
                attrs = parse_attrs(body[4:])
                hdr = attrs.get(NFQA_PACKET_HDR)
                if hdr and len(hdr) >= 7:
                    pid, _proto, hook = struct.unpack_from("!IHB", hdr, 0)
                    out.append(("packet", pid, hook))
            off += (mlen + 3) & ~3
        return out

    def verdict(self, pid, verdict):
        seq = self.send(NFQNL_MSG_VERDICT,
                        nla(NFQA_VERDICT_HDR, struct.pack("!II", verdict, pid)))
        self.pending.append((seq, pid))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queue", type=int, default=0)
    ap.add_argument("--hold", type=int, default=0)
    ap.add_argument("--hold-signal", action="store_true")
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--verdict", choices=("accept", "drop"), default="accept")
    args = ap.parse_args()
    verdict = NF_ACCEPT if args.verdict == "accept" else NF_DROP

    try:
        with open("/proc/self/comm", "w") as f:
            f.write("nfq_verdict")
    except OSError:
        pass
    release = []
    signal.signal(signal.SIGUSR1, lambda *_: release.append(1))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    q = Queue(args.queue)
    q.config()
    print("ready", flush=True)
    held = []
    ok = 0
    results = {}

    def answer_all():
        nonlocal ok
        for pid in held:
            if args.delay:
                time.sleep(args.delay)
            q.verdict(pid, verdict)
        held.clear()

    def handle(events):
        nonlocal ok
        for kind, a, b in events:
            if kind == "packet":
                print(f"queued id={a} hook={b}", flush=True)
                held.append(a)
            elif kind == "ack":
                for i, (seq, pid) in enumerate(q.pending):
                    if seq == a:
                        del q.pending[i]
                        results[pid] = b
                        ok += b == 0
                        print(f"verdict id={pid} rc={errno.errorcode.get(b, b) if b else 0}",
                              flush=True)
                        break

    handle([("packet", a, b) for a, b in q.backlog])
    while True:
        if args.hold_signal and release:
            n = len(held)
            answer_all()
            while q.pending:
                handle(q.recv())
            print(f"released {n} ok={ok}", flush=True)
            return 0
        if not args.hold_signal and held and len(held) >= max(args.hold, 1):
            answer_all()
        try:
            r, _, _ = select.select([q.sock], [], [], 0.2)
        except InterruptedError:
            continue
        if r:
            try:
                handle(q.recv())
            except InterruptedError:
                continue
            except OSError as e:
                if e.errno == errno.ENOBUFS:	# dropped messages: go on
                    print("enobufs", flush=True)
                    continue
                raise


if __name__ == "__main__":
    sys.exit(main())
