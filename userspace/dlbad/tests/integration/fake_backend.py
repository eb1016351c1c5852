#!/usr/bin/env python3
"""Misbehaving back-end servers for dlbad's failure tests.

usage: fake_backend.py MODE ADDR PORT [FILE]
  blackhole  accept connections, never answer (back-end response timeout -> 504)
  dropper    read the request head, then close without answering (replay / 502)
  garbage    answer bytes that are not HTTP (502)
  echo       read the request body (Content-Length or chunked) and answer its length and md5
  hints      answer 103 Early Hints (a Link header), then 200 "final"
  slow       GET /slow/SECONDS: answer 200 "slow SECONDS" that many seconds after the request
  head       answer 200 with the request head it received (request line and fields) as the body
  chunky     answer 200 with a chunked body (a chunk extension, a zero-padded size, a trailer
             field), whatever the request's HTTP version (breaks RFC 9112 6.1 for an HTTP/1.0
             request)
  gzipte     answer 200 "Transfer-Encoding: gzip", the body delimited by the close, whatever the
             request's HTTP version
  flood      answer 103 Early Hints (a 2 KiB Link header) over and over for up to 64 MiB, then
             200; the number of bytes the kernel accepted is written to the file named by a
             fourth argument after each send (it stalls when nobody reads them)
  stall      accept connections and never read from them (a back-end that takes no request body)
  record     as echo, and append the raw bytes of each request (head and body as received) to the
             file named by a fourth argument
  oversend   keep-alive: answer each request with 200 "oversend URI" (padded so the whole response
             is SIZE bytes when a fourth argument SIZE is given), immediately followed, in the same
             write, by a second, unrequested response "BOGUS" (a back-end that over-sends)
  reset      read the request head, then reset the connection (RST) without answering
Runs until killed.
"""
import hashlib
import os
import socket
import struct
import sys
import threading
import time


def serve(conn, mode):
    try:
        if mode == "stall":
            time.sleep(3600)
            return
        if mode == "blackhole":
            while conn.recv(65536):
                pass
            return
        if mode == "oversend":
            oversend(conn)
            return
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        if mode == "garbage":
            conn.sendall(b"THIS IS NOT HTTP\r\n\r\n")
        elif mode == "reset":
            # SO_LINGER 0: close() sends RST instead of FIN.
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif mode == "echo":
            echo(conn, data)
        elif mode == "record":
            echo(conn, data, RECORD)
        elif mode == "slow":
            target = data.split(b" ", 2)[1].decode()
            seconds = float(target.rsplit("/", 1)[1] or 0)
            time.sleep(seconds)
            body = f"slow {seconds}\n".encode()
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
        elif mode == "head":
            body = data.partition(b"\r\n\r\n")[0] + b"\r\n"
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
        elif mode == "chunky":
            conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Trailer\r\n"
                         b"Connection: close\r\n\r\n"
                         b"6;ext=1\r\nchunky\r\n0000A\r\n-and-more\n\r\n0\r\nX-Trailer: t\r\n\r\n")
        elif mode == "gzipte":
            conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nnot-really-gzip\n")
        elif mode == "flood":
            hint = b"HTTP/1.1 103 Early Hints\r\nLink: </" + b"a" * 2048 + b">; rel=preload\r\n\r\n"
            burst = hint * 32
            sent = 0
            conn.settimeout(30)
            while sent < 64 << 20:
                conn.sendall(burst)
                sent += len(burst)
                with open(RECORD + ".tmp", "w") as f:
                    f.write(f"{sent}\n")
                os.replace(RECORD + ".tmp", RECORD)  # a reader never sees it half written
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nfinal\n")
        elif mode == "hints":
            conn.sendall(b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n")
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nfinal\n")
    except (OSError, EOFError):
        pass
    finally:
        conn.close()


def oversend(conn):
    bogus = b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nBOGUS\n"
    size = int(ARG) if ARG else 0
    data = b""
    while True:
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, data = data.partition(b"\r\n\r\n")
        uri = head.split(b" ", 2)[1]
        body = b"oversend " + uri + b"\n"
        fmt = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n"
        if size:
            # The head's length depends on the body's: pad until head + body is exactly SIZE.
            pad = size - len(body) - len(fmt % 0)
            while len(fmt % (len(body) + pad)) + len(body) + pad > size:
                pad -= 1
            body += b"." * pad
        conn.sendall(fmt % len(body) + body + bogus)


def echo(conn, data, record=None):
    head, _, rest = data.partition(b"\r\n\r\n")
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        headers[k.strip().lower()] = v.strip()
    raw = [data]
    buf = bytearray(rest)

    def more():
        chunk = conn.recv(262144)
        if not chunk:
            raise EOFError
        raw.append(chunk)
        buf.extend(chunk)

    md5 = hashlib.md5()
    length = 0

    def payload(n):  # n body bytes, hashed as they come (large bodies stay cheap)
        nonlocal length
        while n:
            if not buf:
                more()
            take = min(n, len(buf))
            md5.update(buf[:take])
            del buf[:take]
            length += take
            n -= take

    def line():
        while (i := buf.find(b"\r\n")) < 0:
            more()
        out = bytes(buf[:i])
        del buf[:i + 2]
        return out

    if b"content-length" in headers:
        payload(int(headers[b"content-length"]))
    elif headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        while True:
            size = int(line().split(b";")[0], 16)
            if size == 0:
                while line():  # trailer fields up to the empty line
                    pass
                break
            payload(size)
            while len(buf) < 2:
                more()
            del buf[:2]
    if record:
        with open(record, "ab") as f:
            f.write(b"".join(raw))
    te = headers.get(b"transfer-encoding", b"-").decode()
    answer = f"len={length} md5={md5.hexdigest()} te={te}\n".encode()
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(answer) + answer)


RECORD = None
ARG = None


def main():
    global RECORD, ARG
    mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if len(sys.argv) > 4:
        RECORD = ARG = sys.argv[4]
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(128)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, mode), daemon=True).start()


if __name__ == "__main__":
    main()
