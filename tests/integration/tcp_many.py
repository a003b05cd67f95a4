"""Many TCP connections against an echo service.

hold: opens COUNT connections (at most --inflight connects pending at a
time, non-blocking, one thread), holds them all open at once, sends a small
message on each and checks its echo, then closes them all:
  - even connections: the client closes (close()); the client initiates;
  - odd connections: the client shuts down its sending side and waits for
    the server's FIN before it closes. An echo service cannot start a close
    of its own, so this is as close as a client can bring the server to
    close: the server's FIN here is its answer to ours (it passes through
    CLOSE_WAIT and LAST_ACK, where in the first half its close follows an
    already closed client).
  With --pause-file PATH it prints "tcp_many: held N" once every echo came
  back, and waits (within the deadline) for PATH to exist before closing,
  so the caller can look at the server's connection count meanwhile.

rate: for SECONDS, keeps --parallel connections going, each one: connect,
send one message, read its echo, close. Prints the connections per second.

Any reset, refused connect, wrong echo, short read or the deadline fails
(exit 1). Prints one line: "tcp_many: ok ..." or "tcp_many: FAIL ...".

usage: tcp_many.py HOST PORT hold COUNT [--inflight N] [--pause-file PATH]
       tcp_many.py HOST PORT rate SECONDS [--parallel N]
       [--deadline SECONDS]
"""
import argparse
import errno
import os
import resource
import selectors
import socket
import sys
import time

EV_R = selectors.EVENT_READ
EV_W = selectors.EVENT_WRITE


def message(k):
    return b"wsgw tcp_many %010d\n" % k


class Fail(Exception):
    pass


def raise_nofile(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        if hard < need:
            raise Fail(f"RLIMIT_NOFILE hard limit {hard} < {need}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def connect(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    err = s.connect_ex((host, port))
    if err not in (0, errno.EINPROGRESS):
        s.close()
        raise Fail(f"connect: {errno.errorcode.get(err, err)}")
    return s


def connect_error(s):
    return s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)


def recv_some(s, k, what):
    try:
        return s.recv(4096)
    except (BlockingIOError, InterruptedError):
        return None
    except ConnectionResetError:
        raise Fail(f"conn {k}: reset while {what}")


class Deadline:
    def __init__(self, seconds):
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self, what):
        t = self.end - time.monotonic()
        if t <= 0:
            raise Fail(f"deadline {self.seconds}s while {what}")
        return min(t, 1.0)


class Hold:
    """Open, echo, close: each phase for all connections before the next."""

    def __init__(self, a, dl):
        self.a = a
        self.dl = dl
        self.sel = selectors.DefaultSelector()
        self.socks = [None] * a.count
        self.t = {}

    def phase_open(self):
        nxt = opened = pending = 0
        while opened < self.a.count:
            while pending < self.a.inflight and nxt < self.a.count:
                s = connect(self.a.host, self.a.port)
                self.socks[nxt] = s
                self.sel.register(s, EV_W, nxt)
                nxt += 1
                pending += 1
            for key, _ in self.sel.select(self.dl.left(f"opening ({opened} open)")):
                k = key.data
                err = connect_error(key.fileobj)
                if err:
                    raise Fail(f"conn {k}: connect: {errno.errorcode.get(err, err)}")
                self.sel.unregister(key.fileobj)
                pending -= 1
                opened += 1

    def phase_echo(self):
        got = [b""] * self.a.count
        for k, s in enumerate(self.socks):
            if s.send(message(k)) != len(message(k)):
                raise Fail(f"conn {k}: short send")
            self.sel.register(s, EV_R, k)
        done = 0
        while done < self.a.count:
            for key, _ in self.sel.select(self.dl.left(f"echoing ({done} back)")):
                k = key.data
                data = recv_some(key.fileobj, k, "echoing")
                if data is None:
                    continue
                if not data:
                    raise Fail(f"conn {k}: EOF after {len(got[k])} echoed bytes")
                got[k] += data
                want = message(k)
                if not want.startswith(got[k]):
                    raise Fail(f"conn {k}: wrong echo {got[k]!r}, want {want!r}")
                if len(got[k]) == len(want):
                    self.sel.unregister(key.fileobj)
                    done += 1

    def wait_pause_file(self):
        print(f"tcp_many: held {self.a.count}", flush=True)
        while not os.path.exists(self.a.pause_file):
            time.sleep(min(0.05, self.dl.left("held, waiting for the pause file")))

    def phase_close(self):
        waiting = 0
        for k, s in enumerate(self.socks):
            if k % 2 == 0:
                s.close()
                continue
            s.shutdown(socket.SHUT_WR)
            self.sel.register(s, EV_R, k)
            waiting += 1
        while waiting:
            for key, _ in self.sel.select(self.dl.left(f"closing ({waiting} FINs due)")):
                k = key.data
                data = recv_some(key.fileobj, k, "waiting for the server's FIN")
                if data is None:
                    continue
                if data:
                    raise Fail(f"conn {k}: {len(data)} bytes after the echo")
                self.sel.unregister(key.fileobj)
                key.fileobj.close()
                waiting -= 1

    def run(self):
        raise_nofile(self.a.count + 64)
        for name in ("open", "echo", "close"):
            t0 = time.monotonic()
            getattr(self, "phase_" + name)()
            self.t[name] = time.monotonic() - t0
            if name == "echo" and self.a.pause_file:
                self.wait_pause_file()
        return "hold conns=%d open_s=%.2f echo_s=%.2f close_s=%.2f" % (
            self.a.count, self.t["open"], self.t["echo"], self.t["close"])


class Rate:
    """Connect, one message, its echo, close; PARALLEL of these at a time."""

    def __init__(self, a, dl):
        self.a = a
        self.dl = dl
        self.sel = selectors.DefaultSelector()
        self.k = 0
        self.done = 0

    def start_one(self):
        s = connect(self.a.host, self.a.port)
        self.sel.register(s, EV_W, [self.k, b""])
        self.k += 1

    def step(self, key):
        s, st = key.fileobj, key.data
        k = st[0]
        if key.events == EV_W:
            err = connect_error(s)
            if err:
                raise Fail(f"conn {k}: connect: {errno.errorcode.get(err, err)}")
            s.send(message(k))
            self.sel.modify(s, EV_R, st)
            return False
        data = recv_some(s, k, "reading the echo")
        if data is None:
            return False
        if not data:
            raise Fail(f"conn {k}: EOF before the echo")
        st[1] += data
        if not message(k).startswith(st[1]):
            raise Fail(f"conn {k}: wrong echo {st[1]!r}")
        if len(st[1]) < len(message(k)):
            return False
        self.sel.unregister(s)
        s.close()
        self.done += 1
        return True

    def run(self):
        raise_nofile(self.a.parallel + 64)
        t0 = time.monotonic()
        stop = t0 + self.a.seconds
        for _ in range(self.a.parallel):
            self.start_one()
        while self.sel.get_map():
            for key, _ in self.sel.select(self.dl.left(f"rate ({self.done} done)")):
                if self.step(key) and time.monotonic() < stop:
                    self.start_one()
        secs = time.monotonic() - t0
        return "rate conns=%d parallel=%d secs=%.2f cps=%.0f" % (
            self.done, self.a.parallel, secs, self.done / secs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    sub = ap.add_subparsers(dest="cmd", required=True)
    h = sub.add_parser("hold")
    h.add_argument("count", type=int)
    h.add_argument("--inflight", type=int, default=256)
    h.add_argument("--pause-file")
    r = sub.add_parser("rate")
    r.add_argument("seconds", type=float)
    r.add_argument("--parallel", type=int, default=16)
    for p in (h, r):
        p.add_argument("--deadline", type=float, default=120.0)
    a = ap.parse_args()
    dl = Deadline(a.deadline)
    try:
        line = (Hold if a.cmd == "hold" else Rate)(a, dl).run()
    except (Fail, OSError) as e:
        print(f"tcp_many: FAIL {a.cmd}: {e}")
        return 1
    print(f"tcp_many: ok {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
