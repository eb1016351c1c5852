#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A steady stream of new HTTP connections, one at a time, with timestamps.

conn_probe.py ADDR PORT STOPFILE [INTERVAL_S [TIMEOUT_S]]

Until STOPFILE exists: opens a new TCP connection to ADDR:PORT, sends
"GET / HTTP/1.0", reads the answer to its end, and prints one line

    MS ok|fail

(MS: wall-clock milliseconds when the attempt started; ok: a complete
"HTTP/1.x 200" answer within TIMEOUT_S, default 1), then waits INTERVAL_S
(default 0.05).  One process for the whole run: an emulated VM pays dearly
for a process per connection, which would blur the measured gaps.
"""
import os
import socket
import sys
import time


def attempt(addr, port, timeout):
    deadline = time.monotonic() + timeout
    try:
        with socket.create_connection((addr, port), timeout=timeout) as s:
            s.sendall(b"GET / HTTP/1.0\r\nHost: probe\r\n\r\n")
            data = b""
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                s.settimeout(left)
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        return data.startswith(b"HTTP/1.") and data.split(b" ", 2)[1:2] == [b"200"]
    except OSError:
        return False


def main():
    addr, port, stopfile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    interval = float(sys.argv[4]) if len(sys.argv) > 4 else 0.05
    timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 1.0
    while not os.path.exists(stopfile):
        t = int(time.time() * 1000)
        ok = attempt(addr, port, timeout)
        print(f"{t} {'ok' if ok else 'fail'}", flush=True)
        time.sleep(interval)


if __name__ == "__main__":
    main()
