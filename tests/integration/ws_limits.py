#!/usr/bin/python3
"""Connection limits and the handshake timeout, from the clients' side.

    ws_limits.py GW_IP PORT IP_A IP_B

The gateway runs with max_conns_per_ip 20, max_conns 30 and
handshake_timeout_ms 1000. Prints "ok NAME" / "fail NAME: why" lines.
"""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from ws_checks import record, results  # noqa: E402

REQ = ("GET /echo HTTP/1.1\r\nHost: gw\r\nUpgrade: websocket\r\n"
       "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
       "Sec-WebSocket-Version: 13\r\n\r\n").encode()


def upgrade(gw, port, src):
    """An open socket after a 101, or None when the gateway refused."""
    s = socket.socket()
    s.settimeout(10)
    s.bind((src, 0))
    try:
        s.connect((gw, port))
        s.sendall(REQ)
        head = s.recv(4096)
    except OSError:
        s.close()
        return None
    if not head.startswith(b"HTTP/1.1 101"):
        s.close()
        return None
    return s


def main():
    gw, port, a, b = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    from_a = [upgrade(gw, port, a) for _ in range(25)]
    ok_a = [s for s in from_a if s]
    record("20 of 25 from one address upgraded (max_conns_per_ip)",
           len(ok_a) == 20, "%d upgraded" % len(ok_a))
    from_b = [upgrade(gw, port, b) for _ in range(15)]
    ok_b = [s for s in from_b if s]
    record("10 of 15 from another address upgraded (max_conns 30)",
           len(ok_b) == 10, "%d upgraded" % len(ok_b))
    for s in ok_a + ok_b:
        s.close()
    # Closed ones free their places: wait (bounded) until one upgrades.
    deadline = time.time() + 10
    s = None
    while s is None and time.time() < deadline:
        s = upgrade(gw, port, a)
        if s is None:
            time.sleep(0.1)
    record("places freed by closed connections are reused", s is not None,
           "still refused")
    if s:
        s.close()
    # Slowloris: half a request head, then nothing.
    slow = socket.socket()
    slow.settimeout(10)
    slow.bind((b, 0))
    slow.connect((gw, port))
    slow.sendall(REQ[:30])
    t0 = time.time()
    try:
        data = slow.recv(4096)
        cut = data == b""
    except ConnectionResetError:
        cut = True
    except socket.timeout:
        cut = False
    took = time.time() - t0
    record("an incomplete request head is cut off after the timeout",
           cut and 0.9 <= took < 8, "cut %s after %.1f s" % (cut, took))
    failed = results.count(False)
    print("ws_limits: %d ok, %d failed" % (len(results) - failed, failed))
    sys.exit(1 if failed else 0)


main()
