"""A kernel-stack WebSocket server for wsgw-load's tests (python3-websockets).

Modes:
  echo      every message back to its sender, as it came (text or binary)
  corrupt   echo, but every Nth message (--every, default 10) has its last
            byte changed
  reorder   echo, but every Nth message is held back and sent after the
            one that follows it
  pubsub    every message to every connection on the same path, the
            sender included
  refuse    every upgrade answered 403
  close     echo, but after N messages on a connection the server closes
            it with 1011
  reset     echo, but after N messages on a connection the server resets
            it (RST)
  badframe  echo, but after N messages on a connection the server sends a
            frame with a reserved opcode (RFC 6455 5.2)

Prints "load_echo_server: listening" once it accepts, and on SIGTERM or
SIGINT one line of totals:
  load_echo_server: conns=N msgs=N bytes=N sent=N closes=N open=N peers=N
(peers: the distinct client addresses seen), then those addresses, sorted,
and the range of client ports seen:
  load_echo_server: peer_addrs A.B.C.D,...
  load_echo_server: peer_ports LO-HI, N distinct

usage: load_echo_server.py --addr IP --port N [--mode MODE] [--every N]
"""
import argparse
import asyncio
import http
import signal
import socket
import struct
import sys

import websockets


class Totals:
    def __init__(self):
        self.conns = 0
        self.msgs = 0
        self.bytes = 0
        self.sent = 0
        self.closes = 0
        self.open = 0
        self.peers = set()
        self.ports = set()

    def line(self):
        return ("load_echo_server: conns=%d msgs=%d bytes=%d sent=%d "
                "closes=%d open=%d peers=%d" % (
                    self.conns, self.msgs, self.bytes, self.sent,
                    self.closes, self.open, len(self.peers)))


T = Totals()
CHANNELS = {}


def altered(msg):
    """The message with its last byte changed, of the same type."""
    if isinstance(msg, str):
        return msg[:-1] + ("a" if msg[-1] != "a" else "b")
    return msg[:-1] + bytes([msg[-1] ^ 0x5A])


async def misbehave(ws, mode):
    """What the close, reset and badframe modes do, once."""
    if mode == "close":
        await ws.close(1011, "the test server gives up")
        return
    if mode == "reset":
        sock = ws.transport.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack("ii", 1, 0))
        ws.transport.abort()
        return
    ws.transport.write(bytes([0x83, 0x02]) + b"no")   # opcode 3: reserved
    await asyncio.sleep(5)     # wsgw-load fails the connection first


async def echo(ws, mode, every):
    held = None
    n = 0
    async for msg in ws:
        n += 1
        if mode in ("close", "reset", "badframe") and n == every:
            await misbehave(ws, mode)
            return
        T.msgs += 1
        T.bytes += len(msg)
        if mode == "corrupt" and T.msgs % every == 0:
            msg = altered(msg)
        if mode == "reorder" and held is None and T.msgs % every == 0:
            held = msg
            continue
        await ws.send(msg)
        T.sent += 1
        if held is not None:
            await ws.send(held)
            T.sent += 1
            held = None


async def pubsub(ws, path):
    subs = CHANNELS.setdefault(path, set())
    subs.add(ws)
    try:
        async for msg in ws:
            T.msgs += 1
            T.bytes += len(msg)
            for peer in list(subs):
                try:
                    await peer.send(msg)
                    T.sent += 1
                except websockets.ConnectionClosed:
                    pass
    finally:
        subs.discard(ws)


def make_handler(mode, every):
    async def handler(ws, path=None):
        T.conns += 1
        T.open += 1
        T.peers.add(ws.remote_address[0])
        T.ports.add(ws.remote_address[1])
        try:
            if mode == "pubsub":
                await pubsub(ws, path if path is not None else ws.path)
            else:
                await echo(ws, mode, every)
        except websockets.ConnectionClosed:
            pass
        finally:
            T.open -= 1
            if ws.close_code is not None:
                T.closes += 1
    return handler


async def refuse(path, headers):
    return http.HTTPStatus.FORBIDDEN, [], b"refused by the test\n"


async def main(args):
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(
            sig, lambda: stop.done() or stop.set_result(None))
    async with websockets.serve(
            make_handler(args.mode, args.every), args.addr, args.port,
            compression=None, max_size=None, ping_interval=None,
            max_queue=None, backlog=4096,
            process_request=refuse if args.mode == "refuse" else None):
        print("load_echo_server: listening on %s:%d mode %s" %
              (args.addr, args.port, args.mode), flush=True)
        await stop
    print(T.line(), flush=True)
    print("load_echo_server: peer_addrs %s" % ",".join(
        sorted(T.peers, key=lambda a: tuple(int(x) for x in a.split(".")))),
        flush=True)
    if T.ports:
        print("load_echo_server: peer_ports %d-%d, %d distinct" % (
            min(T.ports), max(T.ports), len(T.ports)), flush=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", default="0.0.0.0")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--mode", default="echo",
                    choices=["echo", "corrupt", "reorder", "pubsub", "refuse",
                             "close", "reset", "badframe"])
    ap.add_argument("--every", type=int, default=10)
    asyncio.run(main(ap.parse_args()))
    sys.exit(0)
