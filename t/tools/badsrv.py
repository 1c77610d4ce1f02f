#!/usr/bin/env python3
# t/tools/badsrv.py - real servers that misbehave, for t/e2e/fault_servers.t
#
#   badsrv.py -l ADDR:PORT:MODE [-l ...] [-p PIDFILE]
#
#   MODE   silent  accept, read, never answer (the connection is held)
#          drip    an HTTP 200 reply, one byte per second
#          reset   half an HTTP reply, then a TCP reset (SO_LINGER 0)
#          flood   100 MB of bytes that are no HTTP status line
#
# One thread per connection.  When a connection ends, one line on stdout:
# "MODE sent BYTES" (flushed), so a test sees how much the client took.
# The pid file is written once every socket listens.  SIGTERM ends it.

import argparse
import os
import signal
import socket
import struct
import sys
import threading
import time

FLOOD = 100 * 1024 * 1024
REPLY = b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"


def report(mode, sent):
    sys.stdout.write("%s sent %d\n" % (mode, sent))
    sys.stdout.flush()


def serve(conn, mode):
    sent = 0
    try:
        conn.settimeout(60)
        if mode == "silent":
            while conn.recv(4096):
                pass
        elif mode == "drip":
            conn.recv(4096)
            for b in REPLY:
                conn.sendall(bytes([b]))
                sent += 1
                time.sleep(1)
        elif mode == "reset":
            conn.recv(4096)
            half = b"HTTP/1.0 200 OK\r\nContent-Length: 1000\r\n\r\npart"
            conn.sendall(half)
            sent = len(half)
            time.sleep(0.05)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                            struct.pack("ii", 1, 0))
        elif mode == "flood":
            conn.recv(4096)
            chunk = b"x" * 65536
            while sent < FLOOD:
                sent += conn.send(chunk)
    except OSError:
        pass
    finally:
        conn.close()
        report(mode, sent)


def listen(spec):
    addr, port, mode = spec.rsplit(":", 2)
    addr = addr.strip("[]")
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    s.listen(128)
    return s, mode


def accept_loop(s, mode):
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn, mode),
                         daemon=True).start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-l", action="append", required=True)
    ap.add_argument("-p")
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    socks = [listen(spec) for spec in a.l]
    for s, mode in socks:
        threading.Thread(target=accept_loop, args=(s, mode),
                         daemon=True).start()
    if a.p:
        with open(a.p + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(a.p + ".tmp", a.p)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
