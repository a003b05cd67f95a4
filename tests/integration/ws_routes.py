#!/usr/bin/python3
"""Route settings, from the clients' side (test_ws_routes.sh's routes):

    ws_routes.py GW_IP PORT

  /h (host a.example)   echo, only for that Host, any case, with a port
  /ro/{channel}         pub/sub, publish = false: a message gets 1008
  /p                    echo, protocols md.v2, md.v1
  /small                echo, max_message 1000: 1001 bytes get 1009
  /echo                 echo, the default 1 MiB

Prints "ok NAME" / "fail NAME: why" lines; every wait is bounded.
"""
import asyncio
import base64
import os
import socket
import sys

import websockets

sys.path.insert(0, os.path.dirname(__file__))
from ws_checks import TIMEOUT, record, results  # noqa: E402


def upgrade_status(gw, port, path, host):
    """The status line's code of an upgrade of PATH with this Host, and
    whether a masked text frame then comes back as it went (101 only)."""
    s = socket.create_connection((gw, port), timeout=TIMEOUT)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n" % (path, host, key))
              .encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        if not d:
            break
        buf += d
    status = int(buf.split(b" ")[1]) if buf.startswith(b"HTTP/1.1 ") else 0
    echoed = False
    if status == 101:
        mask = os.urandom(4)
        body = b"by host"
        s.sendall(bytes([0x81, 0x80 | len(body)]) + mask +
                  bytes(c ^ mask[i & 3] for i, c in enumerate(body)))
        rest = buf.split(b"\r\n\r\n", 1)[1]
        while len(rest) < 2 + len(body):
            d = s.recv(65536)
            if not d:
                break
            rest += d
        echoed = rest[:2 + len(body)] == bytes([0x81, len(body)]) + body
    s.close()
    return status, echoed


async def close_code(ws):
    try:
        await asyncio.wait_for(ws.recv(), TIMEOUT)
    except websockets.ConnectionClosed:
        pass
    await asyncio.wait_for(ws.wait_closed(), TIMEOUT)
    return ws.close_code


async def lib_checks(gw, port):
    base = "ws://%s:%d" % (gw, port)
    # A subscriber of a route without publishing sends: 1008.
    async with websockets.connect(base + "/ro/feed") as ws:
        await ws.send("not allowed")
        code = await close_code(ws)
        record("publish on a publish = false route gets 1008", code == 1008,
               "close %r" % code)
    # The first offered protocol the route speaks is chosen; none, none.
    for offer, want in ((["md.v1"], "md.v1"), (["x", "md.v2"], "md.v2"),
                        (["md.v1", "md.v2"], "md.v1"), (["x"], None)):
        async with websockets.connect(base + "/p", subprotocols=offer) as ws:
            record("offered %s, subprotocol %s" % (",".join(offer), want),
                   ws.subprotocol == want, "got %r" % ws.subprotocol)
    async with websockets.connect(base + "/echo", subprotocols=["md.v1"]) as ws:
        record("a route without protocols chooses none",
               ws.subprotocol is None, "got %r" % ws.subprotocol)
    # max_message per route: 1000 bytes echoed, 1001 closed with 1009,
    # while the default route still takes 100,000.
    async with websockets.connect(base + "/small") as ws:
        await ws.send(b"a" * 1000)
        back = await asyncio.wait_for(ws.recv(), TIMEOUT)
        record("max_message 1000: 1000 bytes echoed", back == b"a" * 1000,
               "%d bytes back" % len(back))
        await ws.send(b"b" * 1001)
        code = await close_code(ws)
        record("max_message 1000: 1001 bytes get 1009", code == 1009,
               "close %r" % code)
    async with websockets.connect(base + "/echo", max_size=None) as ws:
        await ws.send(b"c" * 100000)
        back = await asyncio.wait_for(ws.recv(), TIMEOUT)
        record("the default route still takes 100,000 bytes",
               back == b"c" * 100000, "%d bytes back" % len(back))


def main():
    gw, port = sys.argv[1], int(sys.argv[2])
    for host, want in (("a.example", 101), ("A.Example:%d" % port, 101),
                       ("b.example", 404), ("a.example.org", 404)):
        status, echoed = upgrade_status(gw, port, "/h", host)
        record("/h with Host %s: %d" % (host, want),
               status == want and (want != 101 or echoed),
               "status %d, echoed %s" % (status, echoed))
    asyncio.run(lib_checks(gw, port))
    print("ws_routes: %d ok, %d failed" % (results.count(True),
                                           results.count(False)))
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
