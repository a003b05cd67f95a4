#!/usr/bin/python3
"""Upstream WebSocket servers for the gateway's proxy test.

    ws_upstream.py ADDR PORT RAW_PORT

On PORT, python3-websockets (by the path's last part, as the gateway
passes the client's path on):
  /echo       echoes every message; selects subprotocol chat.v1 if offered;
              logs the close code the client (through the gateway) sent
  /refuse     refuses the handshake with 403
  /close4002  echoes one message, then closes with 4002
  /die        echoes one message, then drops TCP without a close frame
On RAW_PORT, a hand-written server that mirrors frames one for one (same
opcode, same FIN), so that fragment boundaries show.

Prints "ws_upstream: listening" when ready and one line per event
("host HOST" of each request, "closed CODE", "frames N") for the test to
read.
"""
import asyncio
import base64
import hashlib
import http
import struct
import sys

import websockets

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def log(*a):
    print("ws_upstream:", *a, flush=True)


async def process_request(path, headers):
    log("host", headers.get("Host"))
    if path.endswith("/refuse"):
        return http.HTTPStatus.FORBIDDEN, [], b"no\n"
    return None


async def handler(ws, path):
    path = "/" + path.rsplit("/", 1)[-1]
    try:
        if path == "/echo":
            async for msg in ws:
                await ws.send(msg)
        elif path in ("/close4002", "/die"):
            msg = await ws.recv()
            await ws.send(msg)
            if path == "/close4002":
                await ws.close(4002, "upstream closes")
            else:
                await asyncio.sleep(0.2)
                ws.transport.abort()
    except websockets.ConnectionClosed:
        pass
    log("closed", ws.close_code)


async def raw_client(reader, writer):
    """Handshake by hand, then mirror each frame as it came."""
    head = await reader.readuntil(b"\r\n\r\n")
    key = ""
    for line in head.decode("latin-1").split("\r\n"):
        if line.lower().startswith("sec-websocket-key:"):
            key = line.split(":", 1)[1].strip()
    acc = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest())
    writer.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                 b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + acc +
                 b"\r\n\r\n")
    frames = 0
    try:
        while True:
            b0, b1 = await reader.readexactly(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", await reader.readexactly(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", await reader.readexactly(8))[0]
            mask = await reader.readexactly(4) if b1 & 0x80 else b"\0\0\0\0"
            p = bytes(c ^ mask[i & 3] for i, c in
                      enumerate(await reader.readexactly(n)))
            frames += 1
            op = b0 & 0x0F
            if n < 126:
                h = struct.pack("!BB", b0, n)
            elif n < 65536:
                h = struct.pack("!BBH", b0, 126, n)
            else:
                h = struct.pack("!BBQ", b0, 127, n)
            writer.write(h + p)
            await writer.drain()
            if op == 8:
                break
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    log("frames", frames)
    writer.close()


async def main():
    addr, port, raw_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    async with websockets.serve(handler, addr, port, max_size=None,
                                ping_interval=None,
                                subprotocols=["chat.v1"],
                                process_request=process_request):
        raw = await asyncio.start_server(raw_client, addr, raw_port)
        async with raw:
            log("listening")
            await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main())
