#!/usr/bin/env python3
# t/tools/alertrecv.py - receivers for the alert tests (t/e2e/alert_*.t):
# they record what lvsmond sends, one line per message, so a test can count
# and match.
#
#   alertrecv.py MODE -l ADDR:PORT -o FILE [-p PIDFILE]
#
#   udp    a syslog collector: each datagram is one line of FILE
#   http   a webhook receiver: each POST body (JSON) is one line of FILE,
#          answered 200 (or --status N)
#   hang   accepts TCP connections and never says a word (a receiver that
#          hangs); each accepted connection is one line "accepted" in FILE
#
# -p FILE is written with our pid once the socket listens.  SIGTERM ends it.
# Bounded: at most 10,000 messages, connections idle for 60 s are dropped.

import argparse
import os
import signal
import socket
import sys
import threading


def parse_addr(s):
    host, _, port = s.rpartition(":")
    host = host.strip("[]")
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    return fam, (host, int(port))


def record(out, lock, line):
    with lock:
        out.write(line.replace("\n", " ") + "\n")
        out.flush()


def serve_udp(sock, out, lock):
    for _ in range(10000):
        data, _ = sock.recvfrom(65535)
        record(out, lock, data.decode("utf-8", "replace"))


def http_conn(conn, out, lock, status):
    conn.settimeout(60)
    f = conn.makefile("rb")
    try:
        while True:
            line = f.readline()
            if not line:
                return
            method = line.split(b" ")[0]
            length = 0
            while True:
                h = f.readline()
                if h in (b"\r\n", b"\n", b""):
                    break
                k, _, v = h.partition(b":")
                if k.strip().lower() == b"content-length":
                    length = int(v.strip())
            body = f.read(length) if length else b""
            if method == b"POST":
                record(out, lock, body.decode("utf-8", "replace"))
            reply = b"{}"
            conn.sendall(b"HTTP/1.1 %d X\r\nContent-Length: %d\r\n"
                         b"Content-Type: application/json\r\n\r\n%s"
                         % (status, len(reply), reply))
    except (OSError, ValueError):
        return
    finally:
        conn.close()


def hang_conn(conn, out, lock):
    record(out, lock, "accepted")
    conn.settimeout(60)
    try:
        while conn.recv(4096):
            pass
    except OSError:
        pass
    conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["udp", "http", "hang"])
    ap.add_argument("-l", required=True)
    ap.add_argument("-o", required=True)
    ap.add_argument("-p")
    ap.add_argument("--status", type=int, default=200)
    a = ap.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    fam, addr = parse_addr(a.l)
    out = open(a.o, "a")
    lock = threading.Lock()
    if a.mode == "udp":
        sock = socket.socket(fam, socket.SOCK_DGRAM)
    else:
        sock = socket.socket(fam, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(addr)
    if a.mode != "udp":
        sock.listen(64)
    if a.p:
        with open(a.p + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(a.p + ".tmp", a.p)
    if a.mode == "udp":
        serve_udp(sock, out, lock)
        return
    for _ in range(10000):
        conn, _ = sock.accept()
        if a.mode == "http":
            fn, args = http_conn, (conn, out, lock, a.status)
        else:
            fn, args = hang_conn, (conn, out, lock)
        threading.Thread(target=fn, args=args, daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
