#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The bucket dlba.ko gives a client, computed outside the kernel.

Usage: bucket_of.py KEY NBUCKETS ADDR:PORT...   (IPv6 as [ADDR]:PORT)

Prints one bucket index per client.  The scheduler's function is documented
(Documentation/architecture.md, "Bucket of a client"): SipHash-2-4 under
the service's 16-byte hash key (the bytes dlbactl shows, in that order)
over the client's address in network byte order followed by the port as a
32-bit big-endian word; the low bits of the 64-bit result select the
bucket (NBUCKETS is a power of two).  Written from the SipHash paper
(Aumasson, Bernstein, 2012), independently of the kernel's code, so that a
match shows the function is the same on every machine, not only that the
kernel agrees with itself.
"""
import ipaddress
import struct
import sys

M64 = (1 << 64) - 1


def rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & M64


def siphash24(key: bytes, msg: bytes) -> int:
    k0, k1 = struct.unpack("<QQ", key)
    v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D,
         k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573]

    def rounds(n):
        for _ in range(n):
            v[0] = (v[0] + v[1]) & M64
            v[1] = rotl(v[1], 13) ^ v[0]
            v[0] = rotl(v[0], 32)
            v[2] = (v[2] + v[3]) & M64
            v[3] = rotl(v[3], 16) ^ v[2]
            v[0] = (v[0] + v[3]) & M64
            v[3] = rotl(v[3], 21) ^ v[0]
            v[2] = (v[2] + v[1]) & M64
            v[1] = rotl(v[1], 17) ^ v[2]
            v[2] = rotl(v[2], 32)

    tail = len(msg) % 8
    for (m,) in struct.iter_unpack("<Q", msg[: len(msg) - tail]):
        v[3] ^= m
        rounds(2)
        v[0] ^= m
    last = (len(msg) & 0xFF) << 56
    for i, byte in enumerate(msg[len(msg) - tail:]):
        last |= byte << (8 * i)
    v[3] ^= last
    rounds(2)
    v[0] ^= last
    v[2] ^= 0xFF
    rounds(4)
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def bucket(key: bytes, nbuckets: int, addr: str, port: int) -> int:
    msg = ipaddress.ip_address(addr).packed + struct.pack(">I", port)
    return siphash24(key, msg) & (nbuckets - 1)


def main():
    # Test vector of the SipHash paper (appendix A): key 00..0f, message
    # 00..0e, SipHash-2-4 = a129ca6149be45e5.
    assert siphash24(bytes(range(16)), bytes(range(15))) == 0xA129CA6149BE45E5
    key = bytes.fromhex(sys.argv[1])
    n = int(sys.argv[2])
    for client in sys.argv[3:]:
        addr, port = client.rsplit(":", 1)
        print(bucket(key, n, addr.strip("[]"), int(port)))


if __name__ == "__main__":
    main()
