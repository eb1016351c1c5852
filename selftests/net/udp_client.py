#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""UDP client for the DLBA selftests.

Sends COUNT requests to ADDR:PORT, each from a new socket (so a new source
port, so possibly a new bucket; --first-port fixes them), waits for the answer and prints one line
per request: the answer ("server=sN local=... client=...") or "ERROR ...".
The answer must come from ADDR:PORT (a connected socket drops anything
else), which is what a client of a virtual service relies on.
"""
import argparse
import socket


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("addr")
    ap.add_argument("port", type=int)
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--src", default=None, help="source address")
    ap.add_argument("--timeout", type=float, default=2.0)
    ap.add_argument("--first-port", type=int, default=0,
                    help="request i is sent from source port FIRST_PORT + i "
                         "(default: a new port from the kernel)")
    args = ap.parse_args()

    fam = socket.AF_INET6 if ":" in args.addr else socket.AF_INET
    for i in range(args.count):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.settimeout(args.timeout)
        try:
            if args.src:
                s.bind((args.src, args.first_port + i if args.first_port else 0))
            elif args.first_port:
                s.bind(("::" if fam == socket.AF_INET6 else "", args.first_port + i))
            s.connect((args.addr, args.port))
            s.send(f"ping-{i}".encode())
            data = s.recv(2048)
            print(data.decode(errors="replace").strip(), flush=True)
        except OSError as e:
            print(f"ERROR request {i}: {e}", flush=True)
        finally:
            s.close()


if __name__ == "__main__":
    main()
