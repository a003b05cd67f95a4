"""Checks a WebSocket echo server before it is measured (python3-websockets).

Each message must come back whole, with its type, in order: text, binary,
empty, UTF-8 beyond ASCII, 1 MiB, messages sent in fragments, and 64 MiB
sent while the reader waits a second (the server must queue or stop
reading, never drop). A message over the server's limit must be closed
with 1009, and a close from the client answered with its code.

Prints "ok NAME" or "fail NAME: why" a check, then a summary line;
exit 1 on a failure.

usage: echo_check.py URL [--max-message BYTES]
"""
import argparse
import asyncio
import os
import sys

import websockets

TIMEOUT = 30


async def connect(url):
    return await websockets.connect(url, max_size=None, compression=None,
                                    ping_interval=None, max_queue=None)


def describe(m):
    kind = "text" if isinstance(m, str) else "binary"
    return "%s of %d" % (kind, len(m))


async def check_roundtrip(url, sends, expects):
    """Sends each item (a message, or a list sent as fragments), then
    reads as many messages; None when all match, else why not."""
    ws = await connect(url)
    try:
        for s in sends:
            await ws.send(iter(s) if isinstance(s, list) else s)
        for want in expects:
            got = await asyncio.wait_for(ws.recv(), TIMEOUT)
            if type(got) is not type(want) or got != want:
                return "sent %s, got %s" % (describe(want), describe(got))
        return None
    finally:
        await ws.close()


async def check_backpressure(url):
    """64 MiB in 4,096 numbered messages while the reader sleeps 1 s."""
    count, size = 4096, 16384
    ws = await connect(url)

    async def sender():
        for i in range(count):
            await ws.send(i.to_bytes(4, "big") * (size // 4))

    async def reader():
        await asyncio.sleep(1)
        for i in range(count):
            got = await asyncio.wait_for(ws.recv(), TIMEOUT)
            if got != i.to_bytes(4, "big") * (size // 4):
                return "message %d out of order or changed" % i
        return None

    try:
        send_task = asyncio.ensure_future(sender())
        why = await reader()
        await send_task
        return why
    finally:
        await ws.close()


async def check_too_large(url, max_message):
    ws = await connect(url)
    try:
        await ws.send(b"x" * (max_message + 1))
        await asyncio.wait_for(ws.recv(), TIMEOUT)
        return "an oversized message was echoed"
    except websockets.ConnectionClosed:
        if ws.close_code != 1009:
            return "closed with %s, not 1009" % ws.close_code
        return None
    finally:
        await ws.close()


async def check_close(url):
    ws = await connect(url)
    await ws.close(1000, "done")
    if ws.close_code != 1000:
        return "close answered with %s" % ws.close_code
    return None


async def main(args):
    url = args.url
    mib = os.urandom(1 << 20)
    checks = [
        ("text", check_roundtrip(url, ["hello"], ["hello"])),
        ("binary", check_roundtrip(url, [b"\x00\x01\xfe\xff"],
                                   [b"\x00\x01\xfe\xff"])),
        ("empty", check_roundtrip(url, ["", b""], ["", b""])),
        ("utf8", check_roundtrip(url, ["h\u00e9llo \u20ac \U0001f600"],
                                 ["h\u00e9llo \u20ac \U0001f600"])),
        ("1mib", check_roundtrip(url, [mib], [mib])),
        ("fragmented", check_roundtrip(
            url, [["ab", "cd", "ef"], [mib[:300000], mib[300000:]]],
            ["abcdef", mib])),
        ("order", check_roundtrip(url, [str(i) for i in range(1000)],
                                  [str(i) for i in range(1000)])),
        ("backpressure", check_backpressure(url)),
        ("too_large", check_too_large(url, args.max_message)),
        ("close", check_close(url)),
    ]
    failed = 0
    for name, coro in checks:
        try:
            why = await coro
        except Exception as e:  # a check's failure, not the script's
            why = "%s: %s" % (type(e).__name__, e)
        if why:
            failed += 1
            print("fail %s: %s" % (name, why), flush=True)
        else:
            print("ok %s" % name, flush=True)
    print("echo_check: %d passed, %d failed" % (len(checks) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--max-message", type=int, default=16 << 20)
    sys.exit(asyncio.run(main(ap.parse_args())))
