#!/usr/bin/python3
"""What scripts/run.sh shows of the gateway's WebSocket side, with
python3-websockets: an echo on /echo, then pub/sub on /md/demo (two
subscribers, one publisher; the built-in route lets clients publish).

    ws_demo.py HOST PORT
"""
import asyncio
import sys

import websockets


async def main(host, port):
    base = "ws://%s:%d" % (host, port)
    async with websockets.connect(base + "/echo", open_timeout=10) as ws:
        await ws.send("hello, wsgw")
        print("echo: sent 'hello, wsgw', got %r" %
              await asyncio.wait_for(ws.recv(), 10))
    subs = [await websockets.connect(base + "/md/demo", open_timeout=10)
            for _ in range(2)]
    async with websockets.connect(base + "/md/demo", open_timeout=10) as pub:
        for i in range(3):
            await pub.send('{"symbol":"DEMO","seq":%d}' % i)
        for n, sub in enumerate(subs):
            got = [await asyncio.wait_for(sub.recv(), 10) for _ in range(3)]
            print("pubsub: subscriber %d got %s" % (n, got))
    for sub in subs:
        await sub.close()


asyncio.run(main(sys.argv[1], int(sys.argv[2])))
