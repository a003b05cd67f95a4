#!/usr/bin/python3
"""Clients that watch the gateway shut down.

    ws_shutdown_client.py HOST PORT N READY_FILE

Opens N python3-websockets connections to /echo plus one raw connection
that never reads, writes READY_FILE, then waits (bounded) for each
library connection to be closed by the server, then checks that a new
connection, while the mute one holds the drain open, is refused. Prints "ok NAME" /
"fail NAME: why" lines and a summary.
"""
import asyncio
import os
import socket
import sys

import websockets

sys.path.insert(0, os.path.dirname(__file__))
from ws_checks import Raw, record, results  # noqa: E402


def refused(host, port):
    """Whether a new connection is refused or reset with no answer."""
    try:
        s = socket.create_connection((host, port), timeout=10)
    except (ConnectionRefusedError, ConnectionResetError):
        return True
    except socket.timeout:
        return False           # no answer at all: not a refusal
    try:
        s.sendall(b"GET /echo HTTP/1.1\r\nHost: gw\r\n\r\n")
        return s.recv(4096) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False
    finally:
        s.close()


async def main():
    host, port, n, ready = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
        sys.argv[4]
    conns = [await websockets.connect("ws://%s:%d/echo" % (host, port),
                                      ping_interval=None, open_timeout=20)
             for _ in range(n)]
    for ws in conns:
        await ws.send("hello")
        await asyncio.wait_for(ws.recv(), 20)
    mute = Raw(host, port)   # never reads again: its close waits
    open(ready, "w").close()
    codes = []
    for ws in conns:
        try:
            await asyncio.wait_for(ws.recv(), 30)
        except websockets.ConnectionClosed:
            pass
        except asyncio.TimeoutError:
            pass
        codes.append(ws.close_code)
    record("every client got close 1001 at shutdown",
           codes == [1001] * n, repr(codes[:5]))
    # The mute one holds the drain open: a new client now is refused.
    record("a new connection during the drain is refused", refused(host, port),
           "it was served")
    mute.s.close()
    failed = results.count(False)
    print("ws_shutdown_client: %d ok, %d failed" % (len(results) - failed,
                                                    failed))
    sys.exit(1 if failed else 0)


asyncio.run(main())
