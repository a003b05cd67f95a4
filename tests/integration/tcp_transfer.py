"""Bulk TCP transfer against an echo or discard service, every byte checked.

Opens CONNS connections at once (non-blocking, one thread, selectors) and
sends BYTES on each: a seeded pattern, a random block of a prime length
read with a different starting offset on each connection. In echo mode it
reads the echo while it sends and compares every byte, in order, with the
regenerated pattern; the connection is done when all its bytes came back,
then the client closes it (--close client) or shuts down its sending side
and waits for the server's FIN with nothing more read (--close half).
In discard mode it sends everything, shuts down its sending side and
requires the server's FIN with no byte ever read: a clean close.

Fails (exit 1) on a mismatch (with the first wrong offset), a short read,
extra bytes, a reset, a refused or timed-out connect, the global
deadline, or (--stall S) S seconds in which no byte moved either way on
any connection. Prints one line:
  tcp_transfer: ok mode=echo conns=N bytes=B secs=S MiBps=R
  tcp_transfer: FAIL ... conn K: <what>, at offset O

usage: tcp_transfer.py HOST PORT [--conns N] [--bytes B | --total B]
                       [--mode echo|discard] [--close client|half]
                       [--seed S] [--deadline SECONDS] [--stall SECONDS]
"""
import argparse
import errno
import random
import resource
import selectors
import socket
import sys
import time

CHUNK = 256 * 1024
PERIOD = 1048573          # prime, so the pattern never lines up with segments
STRIDE = 104729           # the start offset of connection k is k * STRIDE


def parse_size(s):
    mult = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    s = s.strip().lower()
    if s and s[-1] in mult:
        return int(float(s[:-1]) * mult[s[-1]])
    return int(s)


class Pattern:
    """The stream of connection k: byte i is block[(k * STRIDE + i) % PERIOD]."""

    def __init__(self, seed):
        block = random.Random(seed).randbytes(PERIOD)
        self.buf = block + block[:CHUNK]   # any CHUNK-long slice is contiguous
        self.view = memoryview(self.buf)

    def slice(self, conn, off, n):
        o = (conn * STRIDE + off) % PERIOD
        return self.view[o:o + n]


class Conn:
    __slots__ = ("k", "sock", "sent", "recvd", "connected", "wr_done", "done")

    def __init__(self, k, sock):
        self.k = k
        self.sock = sock
        self.sent = 0
        self.recvd = 0
        self.connected = False
        self.wr_done = False
        self.done = False


class Failure(Exception):
    pass


class Transfer:
    def __init__(self, a):
        self.a = a
        self.pat = Pattern(a.seed)
        self.sel = selectors.DefaultSelector()
        self.left = 0
        self.moved = time.monotonic()   # when a byte last moved
        self.failures = []

    def fail(self, c, what, off):
        self.failures.append(f"conn {c.k}: {what}, at offset {off}")
        self.finish(c)

    def finish(self, c):
        if c.done:
            return
        c.done = True
        self.left -= 1
        self.sel.unregister(c.sock)
        c.sock.close()

    def open_all(self):
        for k in range(self.a.conns):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            err = s.connect_ex((self.a.host, self.a.port))
            if err not in (0, errno.EINPROGRESS):
                raise Failure(f"conn {k}: connect: {errno.errorcode.get(err, err)}")
            c = Conn(k, s)
            self.left += 1
            self.sel.register(s, selectors.EVENT_WRITE, c)

    def on_connect(self, c):
        err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err:
            self.fail(c, f"connect: {errno.errorcode.get(err, err)}", 0)
            return
        c.connected = True
        self.sel.modify(c.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, c)

    def on_write(self, c):
        n = min(CHUNK, self.a.bytes - c.sent)
        if n > 0:
            try:
                n = c.sock.send(self.pat.slice(c.k, c.sent, n))
            except (BlockingIOError, InterruptedError):
                return
            except (ConnectionResetError, BrokenPipeError) as e:
                self.fail(c, f"send: {e.strerror}", c.sent)
                return
            c.sent += n
            self.moved = time.monotonic()
        if c.sent < self.a.bytes:
            return
        c.wr_done = True
        if self.a.mode == "discard":
            c.sock.shutdown(socket.SHUT_WR)
        self.sel.modify(c.sock, selectors.EVENT_READ, c)

    def on_read(self, c):
        try:
            data = c.sock.recv(CHUNK)
        except (BlockingIOError, InterruptedError):
            return
        except ConnectionResetError:
            self.fail(c, "reset", c.recvd)
            return
        if not data:
            self.on_eof(c)
            return
        if self.a.mode == "discard" or c.recvd + len(data) > self.a.bytes:
            self.fail(c, f"{len(data)} unexpected bytes", c.recvd)
            return
        want = self.pat.slice(c.k, c.recvd, len(data))
        if data != want:
            i = next(i for i in range(len(data)) if data[i] != want[i])
            self.fail(c, f"mismatch: got 0x{data[i]:02x} want 0x{want[i]:02x}",
                      c.recvd + i)
            return
        c.recvd += len(data)
        self.moved = time.monotonic()
        if c.recvd == self.a.bytes:
            self.on_all_echoed(c)

    def on_all_echoed(self, c):
        if self.a.close == "client":
            self.finish(c)
        elif c.wr_done:
            c.sock.shutdown(socket.SHUT_WR)

    def on_eof(self, c):
        expect = self.a.bytes if self.a.mode == "echo" else 0
        if c.recvd < expect:
            self.fail(c, f"short read: EOF after {c.recvd} of {expect} bytes",
                      c.recvd)
        elif not c.wr_done:
            self.fail(c, "EOF before all was sent", c.sent)
        else:
            self.finish(c)

    def run(self):
        deadline = time.monotonic() + self.a.deadline
        self.open_all()
        while self.left > 0:
            now = time.monotonic()
            if now >= deadline:
                for key in list(self.sel.get_map().values()):
                    c = key.data
                    self.fail(c, f"deadline {self.a.deadline}s: sent {c.sent} "
                              f"connected={c.connected}", c.recvd)
                break
            if self.a.stall > 0 and now - self.moved >= self.a.stall:
                for key in list(self.sel.get_map().values()):
                    c = key.data
                    self.fail(c, f"stalled: no byte moved for {self.a.stall}s, "
                              f"sent {c.sent}", c.recvd)
                break
            for key, ev in self.sel.select(timeout=min(1.0, deadline - now)):
                c = key.data
                if c.done:
                    continue
                if not c.connected:
                    self.on_connect(c)
                    continue
                if ev & selectors.EVENT_READ:
                    self.on_read(c)
                if not c.done and ev & selectors.EVENT_WRITE:
                    self.on_write(c)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--conns", type=int, default=1)
    ap.add_argument("--bytes", type=parse_size, help="per connection")
    ap.add_argument("--total", type=parse_size, help="split over the connections")
    ap.add_argument("--mode", choices=("echo", "discard"), default="echo")
    ap.add_argument("--close", choices=("client", "half"), default="client")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--deadline", type=float, default=120.0)
    ap.add_argument("--stall", type=float, default=0.0,
                    help="fail after this long with no byte moved (0: off)")
    a = ap.parse_args()
    if a.bytes is None:
        a.bytes = (a.total if a.total is not None else 1 << 20) // a.conns
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < a.conns + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    t = Transfer(a)
    t0 = time.monotonic()
    try:
        t.run()
    except Failure as e:
        t.failures.append(str(e))
    secs = time.monotonic() - t0
    total = a.bytes * a.conns
    desc = (f"mode={a.mode} conns={a.conns} bytes={a.bytes} total={total} "
            f"secs={secs:.2f}")
    if t.failures:
        print(f"tcp_transfer: FAIL {desc} failed={len(t.failures)} "
              f"first: {t.failures[0]}")
        return 1
    print(f"tcp_transfer: ok {desc} MiBps={total / secs / (1 << 20):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
