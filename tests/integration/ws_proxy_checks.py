#!/usr/bin/python3
"""Checks of the gateway's proxy routes, from the client's side.

    ws_proxy_checks.py HOST PORT

Expects /up/* proxied to ws_upstream.py's websockets server, /raw/* to its
frame mirror, and /down/* to an address where nothing listens. Prints
"ok NAME" / "fail NAME: why" lines and a summary; exit 1 on a failure.
"""
import asyncio
import os
import sys

import websockets

sys.path.insert(0, os.path.dirname(__file__))
from ws_checks import Raw, record, results  # noqa: E402

TIMEOUT = 20


async def lib_checks(host, port):
    base = "ws://%s:%d" % (host, port)
    async with websockets.connect(base + "/up/echo", max_size=None,
                                  ping_interval=None, open_timeout=TIMEOUT,
                                  subprotocols=["chat.v1"]) as ws:
        record("proxy: upstream's subprotocol reaches the client",
               ws.subprotocol == "chat.v1", repr(ws.subprotocol))
        bad = []
        for n in (0, 1, 126, 65536, 300000, 1 << 20):
            data = os.urandom(n)
            await ws.send(data)
            if await asyncio.wait_for(ws.recv(), TIMEOUT) != data:
                bad.append(n)
            text = "x\u00e9" * (n // 3)
            await ws.send(text)
            if await asyncio.wait_for(ws.recv(), TIMEOUT) != text:
                bad.append(-n)
        record("proxy: messages 0 B to 1 MiB intact both ways", not bad,
               repr(bad))
        for i in range(300):
            await ws.send("seq%d" % i)
        got = [await asyncio.wait_for(ws.recv(), TIMEOUT) for _ in range(300)]
        record("proxy: 300 pipelined messages in order",
               got == ["seq%d" % i for i in range(300)], repr(got[:3]))
        await ws.close(4003, "client code")
    async with websockets.connect(base + "/up/close4002", ping_interval=None,
                                  open_timeout=TIMEOUT) as ws:
        await ws.send("one")
        await asyncio.wait_for(ws.recv(), TIMEOUT)
        try:
            await asyncio.wait_for(ws.recv(), TIMEOUT)
        except websockets.ConnectionClosed:
            pass
        record("proxy: upstream's close 4002 reaches the client",
               ws.close_code == 4002, repr(ws.close_code))
    async with websockets.connect(base + "/up/die", ping_interval=None,
                                  open_timeout=TIMEOUT) as ws:
        await ws.send("one")
        first = await asyncio.wait_for(ws.recv(), TIMEOUT)
        try:
            await asyncio.wait_for(ws.recv(), TIMEOUT)
        except websockets.ConnectionClosed:
            pass
        record("proxy: upstream gone mid-stream: the client gets 1011",
               first == "one" and ws.close_code == 1011, repr(ws.close_code))


def raw_checks(host, port):
    r = Raw(host, port, path="/raw/mirror")
    record("proxy: raw upgrade", r.status == 101, str(r.status))
    r.send(1, b"abc", fin=False)
    r.send(0, b"def", fin=False)
    r.send(0, b"g", fin=True)
    r.send(2, bytes(range(256)) * 300)
    got = [r.frame() for _ in range(4)]
    record("proxy: fragment boundaries and opcodes relayed both ways",
           got == [(False, 1, b"abc"), (False, 0, b"def"), (True, 0, b"g"),
                   (True, 2, bytes(range(256)) * 300)], repr(got)[:200])
    r.send(8, b"\x03\xe8")
    code = r.close_code()
    record("proxy: close through the mirror", code == 1000, str(code))
    r = Raw(host, port, path="/up/refuse")
    record("proxy: upstream's 403 reaches the client as 403",
           r.status == 403, str(r.status))
    r = Raw(host, port, path="/down/x")
    record("proxy: unreachable upstream is 502", r.status == 502,
           str(r.status))


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    asyncio.run(lib_checks(host, port))
    raw_checks(host, port)
    failed = results.count(False)
    print("ws_proxy_checks: %d ok, %d failed" % (len(results) - failed, failed))
    sys.exit(1 if failed or not results else 0)


if __name__ == "__main__":
    main()
