#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A steady stream of new HTTP connections, one at a time, with timestamps.

conn_probe.py ADDR PORT STOPFILE [INTERVAL_S [TIMEOUT_S [INFLIGHT]]]

Until STOPFILE exists: opens a new TCP connection to ADDR:PORT, sends
"GET / HTTP/1.0", reads the answer to its end, and prints one line

    MS ok|fail

(MS: wall-clock milliseconds when the attempt started; ok: a complete
"HTTP/1.x 200" answer within TIMEOUT_S, default 1), then waits INTERVAL_S
(default 0.05).  One process for the whole run: an emulated VM pays dearly
for a process per connection, which would blur the measured gaps.

With INFLIGHT > 1 (default 1) a new attempt starts every INTERVAL_S even
while earlier ones wait (at most INFLIGHT at once, each in a thread), so an
unanswered SYN does not hide the next INTERVAL_S's answer: a gap is then
measured to about INTERVAL_S instead of TIMEOUT_S.  Lines are printed as
attempts end, so they may be out of order: sort -n them.
"""
import os
import socket
import sys
import threading
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
    inflight = int(sys.argv[6]) if len(sys.argv) > 6 else 1
    if inflight <= 1:
        while not os.path.exists(stopfile):
            t = int(time.time() * 1000)
            ok = attempt(addr, port, timeout)
            print(f"{t} {'ok' if ok else 'fail'}", flush=True)
            time.sleep(interval)
        return

    slots = threading.Semaphore(inflight)
    out = threading.Lock()

    def one(t):
        try:
            ok = attempt(addr, port, timeout)
            with out:
                print(f"{t} {'ok' if ok else 'fail'}", flush=True)
        finally:
            slots.release()

    threads = []
    while not os.path.exists(stopfile):
        slots.acquire()
        th = threading.Thread(target=one, args=(int(time.time() * 1000),))
        th.start()
        threads.append(th)
        threads = [x for x in threads if x.is_alive()]
        time.sleep(interval)
    for th in threads:
        th.join()


if __name__ == "__main__":
    main()
