#!/usr/bin/env python3
"""Misbehaving back-end servers for dlbad's failure tests.

usage: fake_backend.py MODE ADDR PORT
  blackhole  accept connections, never answer (back-end response timeout -> 504)
  dropper    read the request head, then close without answering (replay / 502)
  garbage    answer bytes that are not HTTP (502)
Runs until killed.
"""
import socket
import sys
import threading


def serve(conn, mode):
    try:
        if mode == "blackhole":
            while conn.recv(65536):
                pass
            return
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        if mode == "garbage":
            conn.sendall(b"THIS IS NOT HTTP\r\n\r\n")
    except OSError:
        pass
    finally:
        conn.close()


def main():
    mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(128)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, mode), daemon=True).start()


if __name__ == "__main__":
    main()
