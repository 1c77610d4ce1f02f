#!/usr/bin/env python3
# t/tools/fakesrv.py - small fake servers for the Lua plugin tests
# (t/e2e/lua_plugins_*.t): each speaks just enough of one protocol for
# plugins/<proto>.lua to see a healthy server, a sick one and a login.
#
#   fakesrv.py PROTO -l ADDR:PORT [-f FAILFILE] [-p PIDFILE] [options]
#
#   PROTO  mysql ldap imap pop3 ftp smtp (TCP), dns sip ntp (UDP),
#          http (TCP: answers every GET with the JSON of --body FILE)
#   -f FILE     while FILE exists the server answers as a sick one would:
#               mysql error 1040, ldap busy (51), imap "* BYE", pop3
#               "-ERR", ftp 421, smtp 554, dns SERVFAIL, sip 503, ntp
#               stratum 16 unsynchronized, http 503
#   -p FILE     written with our pid once the socket listens
#   --user U --password P   the only login accepted (mysql, ldap as the
#               DN U, imap, pop3, ftp); others are refused as the real
#               servers do (mysql 1045, ldap 49, imap NO, pop3 -ERR, 530)
#   --cert PEM --key PEM    offer STARTTLS (smtp, imap, pop3) with them
#   --tls       TLS from the first byte (TCP protocols; needs --cert)
#   --record NAME TYPE VALUE   dns: an answer (A, AAAA, TXT, CNAME);
#               other names get NXDOMAIN
#   --stratum N ntp: our stratum (default 2)
#   --auth-switch PLUGIN   mysql: answer the login with an
#               AuthSwitchRequest to PLUGIN and a fresh scramble (the
#               client must answer it with mysql_native_password)
#
# One thread per TCP connection, one datagram at a time for UDP; a
# connection idle for 10 s is dropped.  SIGTERM ends it.  It logs one line
# per request on stderr.

import argparse
import hashlib
import os
import signal
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time

ARGS = None


def log(msg):
    sys.stderr.write("%.3f %s %s\n" % (time.time(), ARGS.proto, msg))
    sys.stderr.flush()


def sick():
    return ARGS.fail is not None and os.path.exists(ARGS.fail)


def login_ok(user, password):
    return user == ARGS.user and password == ARGS.password


class Lines:
    """A line reader over a socket that can switch to TLS (STARTTLS)."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def readline(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(4096)
            if not data:
                return None
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r").decode("utf-8", "replace")

    def send(self, text):
        self.sock.sendall(text.encode())

    def starttls(self):
        self.sock = tls_wrap(self.sock)
        self.buf = b""


def tls_wrap(sock):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(ARGS.cert, ARGS.key)
    return ctx.wrap_socket(sock, server_side=True)


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        more = sock.recv(n - len(data))
        if not more:
            return None
        data += more
    return data


# --- mysql ---------------------------------------------------------------

def mysql_packet(seq, payload):
    return struct.pack("<I", len(payload))[:3] + bytes([seq]) + payload


def mysql_err(seq, code, state, msg):
    return mysql_packet(seq, b"\xff" + struct.pack("<H", code) + b"#" +
                        state.encode() + msg.encode())


def mysql_read(sock):
    hdr = recv_exact(sock, 4)
    if hdr is None:
        return None, None
    n = hdr[0] | hdr[1] << 8 | hdr[2] << 16
    return recv_exact(sock, n), hdr[3]


def mysql_token(password, scramble):
    if password == "":
        return b""
    h1 = hashlib.sha1(password.encode()).digest()
    h3 = hashlib.sha1(scramble + hashlib.sha1(h1).digest()).digest()
    return bytes(a ^ b for a, b in zip(h1, h3))


def serve_mysql(sock, peer):
    if sick():
        sock.sendall(mysql_err(0, 1040, "08004", "Too many connections"))
        log("greeting: error 1040")
        return
    scramble = os.urandom(20).replace(b"\0", b"x")
    caps = 0x000fa20f | 0x80000 | 0x8000 | 0x200
    greeting = (b"\x0a" + b"10.11.0-fake\0" + struct.pack("<I", 7) +
                scramble[:8] + b"\0" + struct.pack("<HBHH", caps & 0xffff,
                                                   33, 2, caps >> 16) +
                bytes([21]) + b"\0" * 10 + scramble[8:] + b"\0" +
                b"mysql_native_password\0")
    sock.sendall(mysql_packet(0, greeting))
    resp, seq = mysql_read(sock)
    if resp is None:
        log("greeting sent, client left")
        return
    pos = 4 + 4 + 1 + 23
    user_end = resp.index(b"\0", pos)
    user = resp[pos:user_end].decode()
    tlen = resp[user_end + 1]
    token = resp[user_end + 2:user_end + 2 + tlen]
    if ARGS.auth_switch:
        scramble = os.urandom(20).replace(b"\0", b"y")
        sock.sendall(mysql_packet(seq + 1, b"\xfe" +
                                  ARGS.auth_switch.encode() + b"\0" +
                                  scramble + b"\0"))
        log("auth switch to %s" % ARGS.auth_switch)
        token, seq = mysql_read(sock)
        if token is None or ARGS.auth_switch != "mysql_native_password":
            return
        tlen = len(token)
    if user == ARGS.user and token == mysql_token(ARGS.password, scramble):
        sock.sendall(mysql_packet(seq + 1, b"\x00\x00\x00\x02\x00\x00\x00"))
        log("login %s ok" % user)
    else:
        sock.sendall(mysql_err(seq + 1, 1045, "28000",
                               "Access denied for user '%s'@'%s' "
                               "(using password: %s)" %
                               (user, peer[0], "YES" if tlen else "NO")))
        log("login %s refused" % user)
        return
    while True:
        cmd, seq = mysql_read(sock)
        if not cmd or cmd[0] == 0x01:	# gone, or COM_QUIT
            return
        if cmd[0] == 0x0e:		# COM_PING
            sock.sendall(mysql_packet(seq + 1,
                                      b"\x00\x00\x00\x02\x00\x00\x00"))
            log("ping")
        else:
            sock.sendall(mysql_err(seq + 1, 1047, "08S01",
                                   "Unknown command"))


# --- ldap ----------------------------------------------------------------

def ber(tag, value):
    n = len(value)
    if n < 0x80:
        return bytes([tag, n]) + value
    return bytes([tag, 0x82]) + struct.pack(">H", n) + value


def ber_read(buf, pos):
    tag, n = buf[pos], buf[pos + 1]
    pos += 2
    if n & 0x80:
        k = n & 0x7f
        n = int.from_bytes(buf[pos:pos + k], "big")
        pos += k
    return tag, buf[pos:pos + n], pos + n


def serve_ldap(sock, peer):
    hdr = recv_exact(sock, 2)
    if hdr is None:
        return
    n = hdr[1]
    if n & 0x80:
        more = recv_exact(sock, n & 0x7f)
        n = int.from_bytes(more, "big")
    msg = recv_exact(sock, n)
    _, msgid, pos = ber_read(msg, 0)
    tag, op, _ = ber_read(msg, pos)
    if tag != 0x60:
        log("not a bind request: 0x%02x" % tag)
        return
    _, _, p = ber_read(op, 0)			# version
    _, dn, p = ber_read(op, p)
    _, password, _ = ber_read(op, p)
    dn, password = dn.decode(), password.decode()
    if sick():
        code, diag = 51, "server busy"
    elif dn == "" and password == "":
        code, diag = 0, ""
    elif login_ok(dn, password):
        code, diag = 0, ""
    else:
        code, diag = 49, "invalid credentials"
    log("bind %r: %d" % (dn, code))
    resp = ber(0x0a, bytes([code])) + ber(0x04, b"") + ber(0x04,
                                                          diag.encode())
    sock.sendall(ber(0x30, ber(0x02, msgid) + ber(0x61, resp)))
    recv_exact(sock, 7)				# the unbind


# --- imap, pop3, ftp, smtp -------------------------------------------------

def serve_imap(sock, peer):
    c = Lines(sock)
    if sick():
        c.send("* BYE server shutting down\r\n")
        log("greeting: BYE")
        return
    c.send("* OK [CAPABILITY IMAP4rev1 STARTTLS] fake ready\r\n")
    while True:
        line = c.readline()
        if line is None:
            return
        tag, _, rest = line.partition(" ")
        cmd, _, arg = rest.partition(" ")
        cmd = cmd.upper()
        log(cmd)
        if cmd == "STARTTLS" and ARGS.cert:
            c.send(tag + " OK begin TLS\r\n")
            c.starttls()
        elif cmd == "LOGIN":
            parts = arg.split('"')		# "user" "pass", no escapes
            if len(parts) >= 4 and login_ok(parts[1], parts[3]):
                c.send(tag + " OK LOGIN completed\r\n")
            else:
                c.send(tag + " NO [AUTHENTICATIONFAILED] bad login\r\n")
        elif cmd == "LOGOUT":
            c.send("* BYE logging out\r\n" + tag + " OK LOGOUT\r\n")
            return
        else:
            c.send(tag + " BAD unknown command\r\n")


def serve_pop3(sock, peer):
    c = Lines(sock)
    if sick():
        c.send("-ERR server busy\r\n")
        log("greeting: -ERR")
        return
    c.send("+OK fake POP3 ready\r\n")
    user = None
    while True:
        line = c.readline()
        if line is None:
            return
        cmd, _, arg = line.partition(" ")
        cmd = cmd.upper()
        log(cmd)
        if cmd == "STLS" and ARGS.cert:
            c.send("+OK begin TLS\r\n")
            c.starttls()
        elif cmd == "USER":
            user = arg
            c.send("+OK send PASS\r\n")
        elif cmd == "PASS":
            if login_ok(user, arg):
                c.send("+OK maildrop ready\r\n")
            else:
                c.send("-ERR [AUTH] invalid login\r\n")
        elif cmd == "QUIT":
            c.send("+OK bye\r\n")
            return
        else:
            c.send("-ERR unknown command\r\n")


def serve_ftp(sock, peer):
    c = Lines(sock)
    if sick():
        c.send("421 Too many users, try later\r\n")
        log("banner: 421")
        return
    c.send("220-fake FTP server\r\n220-second line\r\n220 ready\r\n")
    user = None
    while True:
        line = c.readline()
        if line is None:
            return
        cmd, _, arg = line.partition(" ")
        cmd = cmd.upper()
        log(cmd)
        if cmd == "USER":
            user = arg
            c.send("331 Password required for %s\r\n" % arg)
        elif cmd == "PASS":
            if login_ok(user, arg):
                c.send("230 User logged in\r\n")
            else:
                c.send("530 Login incorrect\r\n")
        elif cmd == "QUIT":
            c.send("221 Goodbye\r\n")
            return
        else:
            c.send("502 not implemented\r\n")


def serve_smtp(sock, peer):
    c = Lines(sock)
    if sick():
        c.send("554 fake: no SMTP service here\r\n")
        log("banner: 554")
        return
    c.send("220 mx.fake.test ESMTP fake\r\n")
    tls = False
    while True:
        line = c.readline()
        if line is None:
            return
        cmd = line.split(" ")[0].upper()
        log(cmd)
        if cmd == "EHLO":
            ext = ["mx.fake.test hello", "PIPELINING", "SIZE 10240000"]
            if ARGS.cert and not tls:
                ext.append("STARTTLS")
            ext.append("8BITMIME")
            c.send("".join("250-%s\r\n" % e for e in ext[:-1]) +
                   "250 %s\r\n" % ext[-1])
        elif cmd == "STARTTLS" and ARGS.cert and not tls:
            c.send("220 2.0.0 Ready to start TLS\r\n")
            c.starttls()
            tls = True
        elif cmd == "QUIT":
            c.send("221 2.0.0 Bye\r\n")
            return
        else:
            c.send("502 5.5.2 not implemented\r\n")


# --- http ----------------------------------------------------------------

def serve_http(sock, peer):
    c = Lines(sock)
    request = c.readline()
    if request is None:
        return
    while True:
        line = c.readline()
        if line is None or line == "":
            break
    try:
        with open(ARGS.body, "rb") as f:
            body = f.read()
        status = "503 Service Unavailable" if sick() else "200 OK"
    except OSError:
        body, status = b'{"error": "no body"}', "404 Not Found"
    log("%s -> %s" % (request, status))
    sock.sendall(("HTTP/1.1 %s\r\nContent-Type: application/json\r\n"
                  "Content-Length: %d\r\nConnection: close\r\n\r\n" %
                  (status, len(body))).encode() + body)


# --- dns, sip, ntp (UDP) ---------------------------------------------------

DNS_TYPES = {"A": 1, "CNAME": 5, "TXT": 16, "AAAA": 28}


def dns_name(name):
    out = b""
    for label in name.strip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def dns_rdata(rtype, value):
    if rtype == "A":
        return socket.inet_pton(socket.AF_INET, value)
    if rtype == "AAAA":
        return socket.inet_pton(socket.AF_INET6, value)
    if rtype == "CNAME":
        return dns_name(value)
    return bytes([len(value)]) + value.encode()		# TXT


def answer_dns(pkt):
    qid, flags = struct.unpack(">HH", pkt[:4])
    pos, labels = 12, []
    while pkt[pos]:
        labels.append(pkt[pos + 1:pos + 1 + pkt[pos]].decode().lower())
        pos += 1 + pkt[pos]
    qtype = struct.unpack(">H", pkt[pos + 1:pos + 3])[0]
    question = pkt[12:pos + 5]
    name = ".".join(labels)
    answers = [(t, v) for n, t, v in ARGS.record
               if n.lower().strip(".") == name and DNS_TYPES[t] == qtype]
    known = any(n.lower().strip(".") == name for n, _, _ in ARGS.record)
    rcode = 2 if sick() else (0 if known else 3)
    if rcode:
        answers = []
    out = struct.pack(">HHHHHH", qid, 0x8180 | (flags & 0x0100) | rcode, 1,
                      len(answers), 0, 0) + question
    for t, v in answers:
        rdata = dns_rdata(t, v)
        # the owner name as a pointer to the question's (offset 12)
        out += struct.pack(">HHHIH", 0xc00c, DNS_TYPES[t], 1, 60,
                           len(rdata)) + rdata
    log("%s type %d: rcode %d, %d answers" % (name, qtype, rcode,
                                              len(answers)))
    return out


def answer_sip(pkt, peer):
    text = pkt.decode("utf-8", "replace")
    lines = text.split("\r\n")
    if not lines[0].startswith("OPTIONS "):
        return []
    keep = [l for l in lines[1:] if l.split(":")[0].strip().lower() in
            ("via", "from", "call-id", "cseq")]
    to = [l for l in lines[1:] if l.lower().startswith("to:")]
    head = keep + [(to[0] if to else "To: <sip:fake>") + ";tag=fake1"]
    status = "503 Service Unavailable" if sick() else "200 OK"
    log("OPTIONS -> %s" % status)
    trying = "\r\n".join(["SIP/2.0 100 Trying"] + head +
                         ["Content-Length: 0", "", ""])
    final = "\r\n".join(["SIP/2.0 " + status] + head +
                        ["Allow: INVITE, ACK, OPTIONS, BYE",
                         "Content-Length: 0", "", ""])
    return [trying.encode(), final.encode()]


def answer_ntp(pkt):
    if len(pkt) < 48 or pkt[0] & 7 != 3:
        return None
    now = time.time() + 2208988800
    sec, frac = int(now), int((now % 1) * 2 ** 32)
    if sick():
        li_vn_mode, stratum, refid = (3 << 6) | (4 << 3) | 4, 16, b"INIT"
    else:
        li_vn_mode, stratum = (4 << 3) | 4, ARGS.stratum
        refid = socket.inet_aton("192.0.2.1") if stratum > 1 else b"GPS\0"
    log("client -> stratum %d" % stratum)
    return (struct.pack(">BBbbII", li_vn_mode, stratum, 6, -20, 0, 0) +
            refid + struct.pack(">II", sec - 16, 0) + pkt[40:48] +
            struct.pack(">IIII", sec, frac, sec, frac))


# --- servers -----------------------------------------------------------

TCP = {"mysql": serve_mysql, "ldap": serve_ldap, "imap": serve_imap,
       "pop3": serve_pop3, "ftp": serve_ftp, "smtp": serve_smtp,
       "http": serve_http}
UDP = ("dns", "sip", "ntp")


class TCPHandler(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.settimeout(10)
        try:
            sock = tls_wrap(self.request) if ARGS.tls else self.request
            TCP[ARGS.proto](sock, self.client_address)
        except (OSError, ValueError, IndexError, ssl.SSLError) as e:
            log("connection from %s: %s" % (self.client_address[0], e))


class UDPHandler(socketserver.BaseRequestHandler):
    def handle(self):
        pkt, sock = self.request
        try:
            if ARGS.proto == "dns":
                replies = [answer_dns(pkt)]
            elif ARGS.proto == "sip":
                replies = answer_sip(pkt, self.client_address)
            else:
                replies = [answer_ntp(pkt)]
            for r in replies:
                if r:
                    sock.sendto(r, self.client_address)
        except (OSError, ValueError, IndexError, struct.error) as e:
            log("datagram from %s: %s" % (self.client_address[0], e))


def server_class(base, family):
    class Server(base):
        address_family = family
        allow_reuse_address = True
        daemon_threads = True
    return Server


def main():
    global ARGS
    ap = argparse.ArgumentParser(description="fake servers for tests")
    ap.add_argument("proto", choices=sorted(list(TCP) + list(UDP)))
    ap.add_argument("-l", dest="listen", required=True)
    ap.add_argument("-f", dest="fail")
    ap.add_argument("-p", dest="pidfile")
    ap.add_argument("--user", default="probe")
    ap.add_argument("--password", default="s3cret")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--tls", action="store_true")
    ap.add_argument("--body")
    ap.add_argument("--record", nargs=3, action="append", default=[],
                    metavar=("NAME", "TYPE", "VALUE"))
    ap.add_argument("--stratum", type=int, default=2)
    ap.add_argument("--auth-switch")
    ARGS = ap.parse_args()

    host, _, port = ARGS.listen.rpartition(":")
    host = host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    if ARGS.proto in UDP:
        srv = server_class(socketserver.UDPServer, family)(
            (host, int(port)), UDPHandler)
    else:
        srv = server_class(socketserver.ThreadingTCPServer, family)(
            (host, int(port)), TCPHandler)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(
        target=srv.shutdown).start())
    if ARGS.pidfile:
        with open(ARGS.pidfile + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(ARGS.pidfile + ".tmp", ARGS.pidfile)
    log("listening on %s" % ARGS.listen)
    srv.serve_forever(poll_interval=0.2)
    srv.server_close()


if __name__ == "__main__":
    main()
