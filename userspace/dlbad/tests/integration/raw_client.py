#!/usr/bin/env python3
"""Send raw bytes to a server and report what came back.

usage: raw_client.py HOST PORT [--tls] [--wait SECONDS] < request-bytes
Prints one line per response status ("STATUS 400"), then "CLOSED" if the server closed the
connection (EOF or reset) within the wait, "OPEN" if the wait ran out with the connection still
open, or "ERROR <what>" for any other failure (which is neither).  The request bytes are sent as given
(escape sequences are not interpreted: build them with printf or python).
"""
import socket
import ssl
import sys
import time


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    tls = "--tls" in sys.argv
    wait = 3.0
    if "--wait" in sys.argv:
        wait = float(sys.argv[sys.argv.index("--wait") + 1])
    payload = sys.stdin.buffer.read()
    s = socket.create_connection((host, port), timeout=wait)
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s)
    s.sendall(payload)
    data = b""
    closed = False
    error = None
    deadline = time.time() + wait
    while time.time() < deadline:
        s.settimeout(max(0.05, deadline - time.time()))
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        except (ConnectionResetError, ssl.SSLEOFError, ssl.SSLZeroReturnError):
            closed = True
            break
        except OSError as e:
            error = e
            break
        if not chunk:
            closed = True
            break
        data += chunk
    for line in data.split(b"\n"):
        if line.startswith(b"HTTP/1."):
            print("STATUS", line.split(b" ")[1].decode())
    if error is not None:
        print("ERROR", type(error).__name__, error)
    else:
        print("CLOSED" if closed else "OPEN")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
