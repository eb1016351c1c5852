#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Raw generic-netlink sender for the dlba family: sends deliberately
malformed or invalid requests, bypassing dlbactl's own validation, and
reports the kernel's answer.

Every message is built by hand (socket, struct) from the family's YNL spec,
Documentation/netlink/specs/dlba.yaml, read at start-up with PyYAML
(scripts/nlspec.py): the numbers of commands, attributes and enums, and the
type each attribute is encoded as (spec_attr()); the few cases that send an
attribute of the wrong type or an unknown one say so with u8()..u64().  The uapi header is
generated from the same spec, so this file never disagrees with the kernel.

Usage:
  dlba_genl.py bad --vip4 A --port P --srv4 A     run every malformed case
  dlba_genl.py good --vip4 A --port P             valid SERVICE_NEW + DEL
  dlba_genl.py new --vip4 A --port P              valid SERVICE_NEW only

Output, one line per case (mode bad: after a line "CASES <count>"):
  CASE <name> errno=<n> msg="<extack message>" offs=<attr offset or ->
errno is the (negative) error of the ACK, 0 for success.
"""
import argparse
import os
import socket
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
import nlspec  # noqa: E402

SPEC = nlspec.Spec()

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLM_F_DUMP = 0x300
NLM_F_DUMP_INTR = 0x10
NLM_F_CAPPED = 0x100
NLM_F_ACK_TLVS = 0x200
NLMSG_ERROR = 0x2
NLMSG_DONE = 0x3
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
NLMSGERR_ATTR_MSG = 1
NLMSGERR_ATTR_OFFS = 2
NLA_F_NESTED = 0x8000


# {C name: value} of everything <linux/dlba_genl.h> defines
C = SPEC.values()


# ----------------------------------------------------------- attributes
def attr(typ, payload):
    hdr = struct.pack("HH", 4 + len(payload), typ)
    return hdr + payload + b"\0" * ((4 - len(payload) % 4) % 4)


def u8(t, v): return attr(t, struct.pack("B", v))
def u16(t, v): return attr(t, struct.pack("H", v))
def u32(t, v): return attr(t, struct.pack("I", v))
def u64(t, v): return attr(t, struct.pack("Q", v))
def nest(t, *a): return attr(t | NLA_F_NESTED, b"".join(a))
def binary(t, b): return attr(t, b)


PACK = {"u8": "B", "u16": "H", "u32": "I", "u64": "Q", "s8": "b", "s16": "h", "s32": "i",
        "s64": "q"}


def spec_attr(aset, name, value):
    """Attribute name of attribute set aset, encoded as the spec types it
    an integer, bytes (binary) or a sequence of attributes (nest)."""
    a = SPEC.attr(aset, name)
    if a.type == "nest":
        return nest(a.value, *value)
    if a.type == "binary":
        return binary(a.value, value)
    return attr(a.value, struct.pack(PACK[a.type], value))


def ip(addr):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    return socket.inet_pton(fam, addr)


class Genl:
    def __init__(self):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.s.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.s.bind((0, 0))
        self.seq = 1
        self.family = self.resolve(C["DLBA_GENL_NAME"] if "DLBA_GENL_NAME" in C else "dlba")

    def put(self, msgtype, cmd, payload, flags, version=1):
        """Send one request under a new sequence number."""
        self.seq += 1
        body = struct.pack("BBH", cmd, version, 0) + payload
        hdr = struct.pack("IHHII", 16 + len(body), msgtype, flags, self.seq, 0)
        self.s.send(hdr + body)

    def send(self, msgtype, cmd, payload, version=1, flags=NLM_F_REQUEST | NLM_F_ACK):
        self.put(msgtype, cmd, payload, flags, version)
        return self.recv_ack()

    def messages(self, after_first=None):
        """Yield (type, flags, message) of the answers to the last request.
        after_first() runs once the first datagram's messages are taken."""
        first = True
        while True:
            data = self.s.recv(65536)
            off = 0
            while off + 16 <= len(data):
                ln, typ, flags, seq, _ = struct.unpack_from("IHHII", data, off)
                msg = data[off:off + ln]
                off += (ln + 3) & ~3
                if seq == self.seq:
                    yield typ, flags, msg
            if first and after_first:
                after_first()
            first = False

    @staticmethod
    def ack_tlvs(msg, toff):
        """The extack message and attribute offset in the TLVs from toff on."""
        text, aoff = "", None
        while toff + 4 <= len(msg):
            alen, atyp = struct.unpack_from("HH", msg, toff)
            if alen < 4:
                break
            val = msg[toff + 4:toff + alen]
            if atyp == NLMSGERR_ATTR_MSG:
                text = val.rstrip(b"\0").decode(errors="replace")
            elif atyp == NLMSGERR_ATTR_OFFS:
                aoff = struct.unpack("I", val[:4])[0]
            toff += (alen + 3) & ~3
        return text, aoff

    def recv_ack(self):
        """Return (errno, extack msg, offset, replies) for the last request.

        A dump ends with NLMSG_DONE, whose payload is the dump's error (0 on
        success) followed, with NLM_F_ACK_TLVS, by the extack attributes."""
        replies = []
        for typ, flags, msg in self.messages():
            if typ == NLMSG_ERROR:
                err = struct.unpack_from("i", msg, 16)[0]
                # the original header (payload too unless capped)
                olen = struct.unpack_from("I", msg, 20)[0]
                toff = 20 + (16 if flags & NLM_F_CAPPED else olen)
                text, aoff = ("", None)
                if flags & NLM_F_ACK_TLVS:
                    text, aoff = self.ack_tlvs(msg, toff)
                return err, text, aoff, replies
            if typ == NLMSG_DONE:
                err = struct.unpack_from("i", msg, 16)[0] if len(msg) >= 20 else 0
                text, aoff = ("", None)
                if flags & NLM_F_ACK_TLVS:
                    text, aoff = self.ack_tlvs(msg, 20)
                return err, text, aoff, replies
            replies.append(msg)

    def resolve(self, name):
        err, _, _, rep = self.send(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                                   attr(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0"))
        if err or not rep:
            sys.exit(f"genl family {name!r} not found (errno {err})")
        off = 20
        msg = rep[0]
        while off + 4 <= len(msg):
            alen, atyp = struct.unpack_from("HH", msg, off)
            if atyp == CTRL_ATTR_FAMILY_ID:
                return struct.unpack_from("H", msg, off + 4)[0]
            off += (alen + 3) & ~3
        sys.exit("no family id in CTRL reply")

    def cmd(self, cmd, *attrs):
        return self.send(self.family, cmd, b"".join(attrs))

    def dump(self, cmd, *attrs):
        return self.send(self.family, cmd, b"".join(attrs),
                         flags=NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP)


def svc_key(addr, port, proto=socket.IPPROTO_TCP, family=None, extra=()):
    fam = family if family is not None else (
        socket.AF_INET6 if ":" in addr else socket.AF_INET)
    return spec_attr("dlba", "service", [
        spec_attr("service", "family", fam),
        spec_attr("service", "addr", ip(addr)),
        spec_attr("service", "port", port),
        spec_attr("service", "proto", proto),
        *extra])


def report(name, res):
    err, msg, aoff, replies = res
    print(f'CASE {name} errno={err} msg="{msg}" offs={aoff if aoff is not None else "-"}'
          f' replies={len(replies)}', flush=True)


def bad_cases(a):
    """(name, cmd, attrs...) of requests the kernel must reject."""
    v4, port, srv = a.vip4, a.port, a.srv4
    S = lambda n: C["DLBA_SVC_A_" + n]
    sa = lambda n, v: spec_attr("service", n, v)
    ra = lambda n, v: spec_attr("server", n, v)
    ba = lambda n, v: spec_attr("buckets", n, v)
    new, sset = C["DLBA_CMD_SERVICE_NEW"], C["DLBA_CMD_SERVICE_SET"]
    snew, sdel = C["DLBA_CMD_SERVER_NEW"], C["DLBA_CMD_SERVER_DEL"]
    sset2 = C["DLBA_CMD_SERVER_SET"]
    tcp = socket.IPPROTO_TCP
    other = "198.18.100.77"  # no such service
    key = lambda: svc_key(v4, port)
    srv = lambda *x: nest(C["DLBA_A_SERVER"], *x)
    ok_srv = lambda i: srv(ra("id", i), ra("addr", ip(a.srv4)),
                           ra("method", C["DLBA_FWD_TUN"]))
    return [
        # service attributes
        ("svc-missing-nest", new),
        ("svc-not-nested", new, u32(C["DLBA_A_SERVICE"], 1)),
        ("svc-missing-port", new, nest(C["DLBA_A_SERVICE"],
                                       sa("family", socket.AF_INET),
                                       sa("addr", ip(other)),
                                       sa("proto", tcp))),
        ("svc-port-u32", new, nest(C["DLBA_A_SERVICE"],
                                   sa("family", socket.AF_INET),
                                   sa("addr", ip(other)),
                                   u32(S("PORT"), 80), sa("proto", tcp))),
        ("svc-port-zero", new, svc_key(other, 0)),
        ("svc-addr-5-bytes", new, nest(C["DLBA_A_SERVICE"],
                                       sa("family", socket.AF_INET),
                                       sa("addr", b"\xc6\x12\x64\x4d\x00"),
                                       sa("port", 80), sa("proto", tcp))),
        ("svc-family-unknown", new, svc_key(other, 80, family=99)),
        ("svc-family-mismatch", new, svc_key("fd00:db1a:100::77", 80, family=socket.AF_INET)),
        ("svc-proto-gre", new, svc_key(other, 80, proto=47)),
        ("svc-buckets-zero", new, svc_key(other, 80, extra=[sa("buckets", 0)])),
        ("svc-buckets-1000", new, svc_key(other, 80, extra=[sa("buckets", 1000)])),
        ("svc-buckets-8", new, svc_key(other, 80, extra=[sa("buckets", 8)])),
        ("svc-buckets-too-big", new, svc_key(other, 80, extra=[
            sa("buckets", C["DLBA_BUCKETS_MAX"] * 2)])),
        ("svc-timeout-zero", new, svc_key(other, 80, extra=[sa("timeout", 0)])),
        ("svc-timeout-too-big", new, svc_key(other, 80, extra=[
            sa("timeout", C["DLBA_TIMEOUT_MAX"] + 1)])),
        ("svc-mode-unknown", new, svc_key(other, 80, extra=[sa("mode", 77)])),
        ("svc-unknown-attr", new, svc_key(other, 80, extra=[u32(S("MAX") + 5, 1)])),
        ("svc-duplicate", new, key()),
        ("svc-set-unknown", sset, svc_key(other, 80, extra=[sa("timeout", 30)])),
        ("svc-set-buckets", sset, svc_key(v4, port, extra=[sa("buckets", 64)])),
        ("svc-del-unknown", C["DLBA_CMD_SERVICE_DEL"], svc_key(other, 80)),
        ("svc-hash-key-15-bytes", new, svc_key(other, 80, extra=[
            sa("hash-key", bytes(15))])),
        ("svc-set-hash-key", sset, svc_key(v4, port, extra=[sa("hash-key", bytes(16))])),
        # an attribute whose length runs past the end of its nest
        ("svc-truncated-attr", new, nest(C["DLBA_A_SERVICE"],
                                         sa("family", socket.AF_INET),
                                         struct.pack("HH", 40, S("ADDR")) + ip(other))),
        ("top-unknown-attr", new, key(), u32(C["DLBA_A_MAX"] + 3, 1)),
        # server attributes
        ("srv-unknown-service", snew, svc_key(other, 80), ok_srv(9)),
        ("srv-missing-nest", snew, key()),
        ("srv-id-zero", snew, key(), ok_srv(0)),
        ("srv-id-too-big", snew, key(), ok_srv(C["DLBA_SERVER_ID_MAX"] + 1)),
        ("srv-missing-addr", snew, key(), srv(ra("id", 9),
                                              ra("method", C["DLBA_FWD_TUN"]))),
        ("srv-addr-wrong-family", snew, key(), srv(ra("id", 9),
                                                   ra("addr", ip("fd00:db1a:1::19")),
                                                   ra("method", C["DLBA_FWD_TUN"]))),
        ("srv-weight-too-big", snew, key(), srv(ra("id", 9),
                                                ra("addr", ip(a.srv4)),
                                                ra("method", C["DLBA_FWD_TUN"]),
                                                ra("weight", C["DLBA_WEIGHT_MAX"] + 1))),
        ("srv-method-unknown", snew, key(), srv(ra("id", 9),
                                                ra("addr", ip(a.srv4)),
                                                ra("method", 9))),
        ("srv-mac-5-bytes", snew, key(), srv(ra("id", 9),
                                             ra("addr", ip(a.srv4)),
                                             ra("method", C["DLBA_FWD_DR"]),
                                             ra("mac", b"\x02\0\0\0\0"))),
        ("srv-nat-with-mac", snew, key(), srv(ra("id", 9),
                                              ra("addr", ip(a.srv4)),
                                              ra("method", C["DLBA_FWD_NAT"]),
                                              ra("mac", b"\x02\0\0\0\0\x09"))),
        ("srv-duplicate-id", snew, key(), ok_srv(1)),
        ("srv-enabled-2", snew, key(), srv(ra("id", 9),
                                           ra("addr", ip(a.srv4)),
                                           ra("method", C["DLBA_FWD_TUN"]),
                                           ra("enabled", 2))),
        ("srv-set-unknown-id", sset2, key(), srv(ra("id", 4242),
                                                 ra("weight", 2))),
        ("srv-set-weight-too-big", sset2, key(), srv(ra("id", 1),
                                                     ra("weight", 1 << 20))),
        ("srv-del-unknown-id", sdel, key(), srv(ra("id", 4242))),
        # buckets / panic
        ("bkt-assign-odd-length", C["DLBA_CMD_BUCKETS_SET"], key(),
         nest(C["DLBA_A_BUCKETS"], ba("start", 0), ba("assign", b"\1\0\0\0\1"))),
        ("bkt-start-beyond", C["DLBA_CMD_BUCKETS_SET"], key(),
         nest(C["DLBA_A_BUCKETS"], ba("start", 1 << 30),
              ba("assign", struct.pack("I", 1)))),
        ("bkt-unknown-server", C["DLBA_CMD_BUCKETS_SET"], key(),
         nest(C["DLBA_A_BUCKETS"], ba("start", 0),
              ba("assign", struct.pack("4I", 4242, 4242, 4242, 4242)))),
        # the service's key is random: an all-zero one is another key
        ("bkt-other-hash-key", C["DLBA_CMD_BUCKETS_SET"], key(),
         nest(C["DLBA_A_BUCKETS"], ba("start", 0), ba("assign", struct.pack("I", 0)),
              ba("hash-key", bytes(16)))),
        ("panic-missing-value", C["DLBA_CMD_PANIC"], key()),
        ("panic-value-2", C["DLBA_CMD_PANIC"], key(), spec_attr("dlba", "panic", 2)),
    ]


def bad_dumps(a):
    """(name, cmd, attrs...) of dump requests the kernel must refuse: with an
    error and an extack message, whether it comes in the NLMSG_ERROR of the
    dump's start or in its NLMSG_DONE, and without dumping anything."""
    sa = lambda n, v: spec_attr("service", n, v)
    other = "198.18.100.77"  # no such service
    bget, sget = C["DLBA_CMD_BUCKETS_GET"], C["DLBA_CMD_SERVER_GET"]
    return [
        ("dump-bkt-unknown-service", bget, svc_key(other, 80)),
        ("dump-bkt-missing-service", bget),
        ("dump-bkt-proto-gre", bget, svc_key(a.vip4, a.port, proto=47)),
        ("dump-bkt-family-mismatch", bget, svc_key("fd00:db1a:100::77", 80,
                                                   family=socket.AF_INET)),
        ("dump-srv-unknown-service", sget, svc_key(other, 80)),
        ("dump-srv-missing-port", sget, nest(C["DLBA_A_SERVICE"],
                                             sa("family", socket.AF_INET),
                                             sa("addr", ip(other)),
                                             sa("proto", socket.IPPROTO_TCP))),
    ]


def dump_flags(g, cmd, payload, between=None):
    """Dump, returning (data messages, how many carry NLM_F_DUMP_INTR, the
    dump's error).  between() runs after the first datagram is read: the
    kernel fills the next part of the dump only when this socket reads, so
    what between() changes is seen by the parts after the one already queued."""
    g.put(g.family, cmd, payload, NLM_F_REQUEST | NLM_F_DUMP)
    msgs = intr = 0
    for typ, flags, msg in g.messages(between):
        if typ in (NLMSG_DONE, NLMSG_ERROR):
            return msgs, intr, struct.unpack_from("i", msg, 16)[0]
        msgs += 1
        intr += bool(flags & NLM_F_DUMP_INTR)


def intr_cases(a):
    """A bucket dump of many parts is flagged NLM_F_DUMP_INTR when the table
    changes under it (panic on, on another socket), and never otherwise."""
    g, other = Genl(), Genl()
    key = svc_key(a.vip4, a.port)
    bget, panic = C["DLBA_CMD_BUCKETS_GET"], C["DLBA_CMD_PANIC"]
    msgs, intr, err = dump_flags(g, bget, key)
    print(f"CASE dump-clean msgs={msgs} intr={intr} errno={err}", flush=True)
    state = {}

    def change():
        state["panic"] = other.cmd(panic, key, spec_attr("dlba", "panic", 1))[0]

    msgs, intr, err = dump_flags(g, bget, key, change)
    print(f"CASE dump-changed msgs={msgs} intr={intr} errno={err} panic={state.get('panic')}",
          flush=True)
    other.cmd(panic, key, spec_attr("dlba", "panic", 0))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["bad", "good", "new", "intr"])
    ap.add_argument("--vip4", default="198.18.100.10")
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--srv4", default="198.18.1.11")
    a = ap.parse_args()
    if a.mode == "intr":
        intr_cases(a)
        return
    g = Genl()
    if a.mode in ("good", "new"):
        probe = "198.18.100.99"
        report("good-service-new", g.cmd(C["DLBA_CMD_SERVICE_NEW"],
                                         svc_key(probe, 8080, extra=[
                                             spec_attr("service", "buckets", 64)])))
        if a.mode == "good":
            report("good-service-del", g.cmd(C["DLBA_CMD_SERVICE_DEL"], svc_key(probe, 8080)))
            report("good-bkt-dump", g.dump(C["DLBA_CMD_BUCKETS_GET"], svc_key(a.vip4, a.port)))
        return
    cases, dumps = bad_cases(a), bad_dumps(a)
    # the plan first: a sender that dies half way leaves fewer CASE lines
    print(f"CASES {len(cases) + len(dumps)}", flush=True)
    for name, cmd, *attrs in cases:
        report(name, g.cmd(cmd, *attrs))
    for name, cmd, *attrs in dumps:
        report(name, g.dump(cmd, *attrs))


if __name__ == "__main__":
    main()
