#!/usr/bin/python3
"""Channels come and go: a full table refuses, an emptied one is reused.

    ws_channels.py GW_IP PORT SRC_IP WSGWCTL STATS_SOCK

The gateway runs one worker with gateway.channels = 4 and the default
/md/{channel} route (subscribers may publish). Prints "ok NAME" /
"fail NAME: why" lines.
"""
import asyncio
import os
import subprocess
import sys
import time

import websockets

sys.path.insert(0, os.path.dirname(__file__))
from ws_checks import record, results  # noqa: E402


async def status_of(url, src):
    """101 and the open connection, or the refusal's status and None."""
    try:
        ws = await websockets.connect(url, local_addr=(src, 0),
                                      open_timeout=10)
        return 101, ws
    except websockets.exceptions.InvalidStatusCode as e:
        return e.status_code, None


def listed(ctl, sock):
    """wsgwctl channels as {name: subscribers}."""
    out = subprocess.run([ctl, "-s", sock, "channels"], capture_output=True,
                         text=True, timeout=10).stdout
    return dict((ln.split()[0], int(ln.split()[1]))
                for ln in out.splitlines() if ln and not ln.startswith("#"))


async def run(gw, port, src, ctl, sock):
    base = "ws://%s:%d/md/" % (gw, port)
    held = []
    for name in "abcd":
        st, ws = await status_of(base + name, src)
        held.append(ws)
        if st != 101:
            record("4 channels fit", False, "%s: %d" % (name, st))
            return
    record("4 channels fit", True)
    st, ws = await status_of(base + "e", src)
    record("a fifth channel is refused with 503", st == 503, "got %d" % st)
    st, ws = await status_of(base + "a", src)
    record("an existing channel still takes subscribers", st == 101,
           "got %d" % st)
    if ws:
        held.append(ws)
    got = listed(ctl, sock)
    record("wsgwctl channels lists each with its subscribers",
           got == {"a": 2, "b": 1, "c": 1, "d": 1}, repr(got))
    for ws in held:
        if ws:
            await ws.close()
    # Twenty channels in turn, each publishing to itself: each fits only
    # if the ones before were taken out when their subscribers left.
    ok = 0
    why = ""
    for i in range(20):
        url = base + "turn%d" % i
        deadline = time.time() + 10
        st, sub = await status_of(url, src)
        while st == 503 and time.time() < deadline:
            await asyncio.sleep(0.05)
            st, sub = await status_of(url, src)
        if st != 101:
            why = "turn%d: %d" % (i, st)
            break
        st, pub = await status_of(url, src)
        if st != 101:
            why = "turn%d publisher: %d" % (i, st)
            await sub.close()
            break
        msg = "m%d" % i
        await pub.send(msg)
        got = await asyncio.wait_for(sub.recv(), 10)
        await pub.close()
        await sub.close()
        if got != msg:
            why = "turn%d: got %r" % (i, got)
            break
        ok += 1
    record("20 channels in turn through a table of 4, each delivering",
           ok == 20, why)


def main():
    asyncio.run(run(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4],
                    sys.argv[5]))
    failed = results.count(False)
    print("ws_channels: %d ok, %d failed" % (len(results) - failed, failed))
    sys.exit(1 if failed else 0)


main()
