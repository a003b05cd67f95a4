#!/usr/bin/python3
"""WebSocket checks against a gateway, with python3-websockets and with raw
frames for what a library hides (fragment boundaries, bad frames).

    ws_checks.py HOST PORT echo     echo route at /echo
    ws_checks.py HOST PORT http     /healthz, 404, 405, 426

Prints "ok NAME" or "fail NAME: why" per check, then "ws_checks: N ok,
N failed"; exits 1 when any failed. Every wait is bounded.
"""
import asyncio
import base64
import hashlib
import os
import socket
import struct
import sys

import websockets

TIMEOUT = 20
results = []


def record(name, ok, why=""):
    results.append(ok)
    print(("ok %s" % name) if ok else ("fail %s: %s" % (name, why)), flush=True)


# ---- raw frames ----

class Raw:
    """A blocking client that speaks frames by hand."""

    def __init__(self, host, port, path="/echo", headers=""):
        self.s = socket.create_connection((host, port), timeout=TIMEOUT)
        key = base64.b64encode(os.urandom(16)).decode()
        req = ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
               "Sec-WebSocket-Version: 13\r\n%s\r\n") % (path, host, port, key,
                                                          headers)
        self.s.sendall(req.encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                raise EOFError("closed during handshake")
            self.buf += d
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        self.status = int(head.split(b" ")[1])
        self.head = head.decode("latin-1")
        want = base64.b64encode(hashlib.sha1(
            (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
        if self.status == 101 and want.decode() not in self.head:
            raise ValueError("bad Sec-WebSocket-Accept")

    def send(self, op, payload, fin=True, mask=True, rsv=0):
        b0 = (0x80 if fin else 0) | rsv << 4 | op
        n = len(payload)
        mbit = 0x80 if mask else 0
        if n < 126:
            h = struct.pack("!BB", b0, mbit | n)
        elif n < 65536:
            h = struct.pack("!BBH", b0, mbit | 126, n)
        else:
            h = struct.pack("!BBQ", b0, mbit | 127, n)
        if mask:
            k = os.urandom(4)
            payload = bytes(c ^ k[i & 3] for i, c in enumerate(payload))
            h += k
        self.s.sendall(h + payload)

    def _need(self, n):
        while len(self.buf) < n:
            d = self.s.recv(1 << 20)
            if not d:
                raise EOFError("closed")
            self.buf += d

    def frame(self):
        """(fin, opcode, payload) of the next frame."""
        self._need(2)
        b0, b1 = self.buf[0], self.buf[1]
        if b1 & 0x80:
            raise ValueError("masked frame from the server")
        n, off = b1 & 0x7F, 2
        if n == 126:
            self._need(4)
            n, off = struct.unpack("!H", self.buf[2:4])[0], 4
        elif n == 127:
            self._need(10)
            n, off = struct.unpack("!Q", self.buf[2:10])[0], 10
        self._need(off + n)
        p = self.buf[off:off + n]
        self.buf = self.buf[off + n:]
        return bool(b0 & 0x80), b0 & 0x0F, p

    def close_code(self):
        """Read frames until a close; its code (1005 when none)."""
        while True:
            fin, op, p = self.frame()
            if op == 8:
                return struct.unpack("!H", p[:2])[0] if len(p) >= 2 else 1005

    def eof(self):
        """True when the server closes TCP (bounded)."""
        try:
            while self.s.recv(65536):
                pass
            return True
        except OSError:
            return False


def raw_checks(host, port):
    # Fragments come back as the same frames with the same opcodes.
    r = Raw(host, port)
    r.send(1, b"frag", fin=False)
    r.send(0, b"men", fin=False)
    r.send(0, b"ted", fin=True)
    got = [r.frame() for _ in range(3)]
    record("fragmented text echoed frame for frame",
           got == [(False, 1, b"frag"), (False, 0, b"men"), (True, 0, b"ted")],
           repr(got))
    # A ping between fragments is answered at once, the message goes on.
    r.send(2, b"\x00\x01", fin=False)
    r.send(9, b"raw-ping")
    r.send(0, b"\x02", fin=True)
    got = [r.frame() for _ in range(3)]
    record("ping inside a fragmented message",
           got == [(False, 2, b"\x00\x01"), (True, 10, b"raw-ping"),
                   (True, 0, b"\x02")], repr(got))
    r.send(8, struct.pack("!H", 1000) + b"bye")
    fin, op, p = r.frame()
    record("close 1000 answered with 1000", op == 8 and p[:2] == b"\x03\xe8",
           repr((op, p)))
    record("server ends TCP after the closing handshake", r.eof())

    cases = [
        ("invalid UTF-8 text gets 1007", 1, b"\xc3\x28", {}, 1007),
        ("unmasked client frame gets 1002", 1, b"x", {"mask": False}, 1002),
        ("reserved opcode gets 1002", 3, b"x", {}, 1002),
        ("RSV bit without extension gets 1002", 1, b"x", {"rsv": 4}, 1002),
        ("continuation without a message gets 1002", 0, b"x", {}, 1002),
        ("oversized control frame gets 1002", 9, b"p" * 126, {}, 1002),
    ]
    for name, op, payload, kw, want in cases:
        r = Raw(host, port)
        r.send(op, payload, **kw)
        code = r.close_code()
        record(name, code == want, "got %d" % code)
    for code in (1000, 1001, 1003, 1011, 3000, 4999):
        r = Raw(host, port)
        r.send(8, struct.pack("!H", code) + b"reason")
        got = r.close_code()
        record("close %d echoed" % code, got == code, "got %d" % got)
    r = Raw(host, port)
    r.send(8, struct.pack("!H", 1005))
    got = r.close_code()
    record("close with the reserved code 1005 gets 1002", got == 1002,
           "got %d" % got)


async def lib_checks(host, port):
    uri = "ws://%s:%d/echo" % (host, port)
    async with websockets.connect(uri, max_size=None, ping_interval=None,
                                  open_timeout=TIMEOUT) as ws:
        bad = []
        for n in (0, 1, 125, 126, 127, 65535, 65536, 100000, 1 << 20):
            data = os.urandom(n)
            await ws.send(data)
            back = await asyncio.wait_for(ws.recv(), TIMEOUT)
            if back != data:
                bad.append(("binary", n))
            text = "".join(chr(0x41 + (i % 26)) for i in range(n // 2)) + \
                "\u00e9\u4e2d\U0001f600" * (n % 7)
            await ws.send(text)
            back = await asyncio.wait_for(ws.recv(), TIMEOUT)
            if back != text:
                bad.append(("text", n))
        record("echo of text and binary, 0 B to 1 MiB", not bad, repr(bad))
        frags = [b"a" * 1000, b"b" * 70000, b"c"]
        await ws.send(iter(frags))
        back = await asyncio.wait_for(ws.recv(), TIMEOUT)
        record("fragmented binary message reassembled by the client",
               back == b"".join(frags), "len %d" % len(back))
        pong = await ws.ping(b"lib-ping")
        await asyncio.wait_for(pong, TIMEOUT)
        record("ping answered by pong", True)
        # 200 messages in flight, back in order.
        for i in range(200):
            await ws.send("m%d" % i)
        got = [await asyncio.wait_for(ws.recv(), TIMEOUT) for _ in range(200)]
        record("200 pipelined messages in order",
               got == ["m%d" % i for i in range(200)], repr(got[:5]))
        await ws.close(1000, "done")
        record("client close 1000 completes", ws.close_code == 1000,
               repr(ws.close_code))
    # Over the route's message limit (1 MiB by default).
    async with websockets.connect(uri, max_size=None, ping_interval=None,
                                  open_timeout=TIMEOUT) as ws:
        await ws.send(b"x" * ((1 << 20) + 1))
        try:
            await asyncio.wait_for(ws.recv(), TIMEOUT)
            record("message over max_message gets 1009", False, "echoed")
        except websockets.ConnectionClosed as e:
            record("message over max_message gets 1009", e.code == 1009,
                   "code %r" % e.code)


def http(host, port, req):
    s = socket.create_connection((host, port), timeout=TIMEOUT)
    s.sendall(req.encode())
    data = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        data += d
    s.close()
    line = data.split(b"\r\n", 1)[0].decode()
    return int(line.split(" ")[1]), data


def http_checks(host, port):
    h = "Host: %s:%d\r\n" % (host, port)
    st, data = http(host, port, "GET /healthz HTTP/1.1\r\n%s\r\n" % h)
    record("GET /healthz is 200 ok", st == 200 and data.endswith(b"ok\n"),
           repr(data[:80]))
    st, _ = http(host, port, "GET /nowhere HTTP/1.1\r\n%s\r\n" % h)
    record("unknown path is 404", st == 404, str(st))
    st, _ = http(host, port, "POST /healthz HTTP/1.1\r\n%sContent-Length: 0"
                 "\r\n\r\n" % h)
    record("POST is 405", st == 405, str(st))
    st, _ = http(host, port, "GET /echo HTTP/1.1\r\n%s\r\n" % h)
    record("GET /echo without upgrade is 426", st == 426, str(st))
    r = Raw(host, port, path="/nowhere")
    record("upgrade on an unknown path is 404", r.status == 404, str(r.status))
    st, _ = http(host, port, "GET /healthz HTTP/1.1\r\n" + "X: y\r\n" * 40 +
                 h + "\r\n")
    record("too many header fields is 431", st == 431, str(st))


def main():
    host, port, what = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if what == "echo":
        asyncio.run(lib_checks(host, port))
        raw_checks(host, port)
    elif what == "http":
        http_checks(host, port)
    failed = results.count(False)
    print("ws_checks: %d ok, %d failed" % (len(results) - failed, failed))
    sys.exit(1 if failed or not results else 0)


if __name__ == "__main__":
    main()
