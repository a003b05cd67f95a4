"""A kernel TCP echo and discard server: the Linux stand-in for wsgw's
--tcp-echo and --tcp-discard, and the listener for wsgw's --tcp-client.

One thread, epoll through selectors, non-blocking sockets. Echo sends back
every byte it reads; on the client's FIN it sends what is still buffered,
then closes its side (so a client's shutdown(SHUT_WR) is answered by the
server's FIN). Discard reads and drops, and closes on FIN. It never
closes first: every close it makes answers the client's FIN (or a reset).
With --hold N it reads nothing until N connections have been accepted,
so that a client's N connections are all open at once (peak=N).

Prints "tcp_echo_server: listening ..." once the sockets listen, and on
SIGTERM or SIGINT a line of totals:
  tcp_echo_server: conns=N bytes_in=N bytes_out=N resets=N open=N peak=N

usage: tcp_echo_server.py [--addr IP] [--echo PORT] [--discard PORT]
                          [--backlog N] [--hold N]
"""
import argparse
import errno
import resource
import selectors
import signal
import socket
import sys

CHUNK = 256 * 1024
# Stop reading from a client while this much of its echo is unsent, so a
# fast sender cannot grow the buffer without bound.
HIGH_WATER = 4 * 1024 * 1024


class Conn:
    __slots__ = ("sock", "echo", "pending", "eof")

    def __init__(self, sock, echo):
        self.sock = sock
        self.echo = echo
        self.pending = bytearray()
        self.eof = False


class Server:
    def __init__(self, hold=0):
        self.sel = selectors.DefaultSelector()
        self.conns = 0
        self.open = 0
        self.peak = 0            # most connections open at once
        self.hold = hold         # read nothing before this many came
        self.held = []
        self.bytes_in = 0
        self.bytes_out = 0
        self.resets = 0
        self.stop = False

    def listen(self, addr, port, echo, backlog):
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((addr, port))
        ls.listen(backlog)
        ls.setblocking(False)
        self.sel.register(ls, selectors.EVENT_READ, ("listen", echo))

    def accept(self, ls, echo):
        for _ in range(256):
            try:
                s, _ = ls.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:   # EMFILE and friends: try again later
                if e.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS):
                    return
                raise
            s.setblocking(False)
            self.conns += 1
            self.open += 1
            self.peak = max(self.peak, self.open)
            self.held.append(Conn(s, echo))
            if self.conns >= self.hold:
                for c in self.held:
                    self.sel.register(c.sock, selectors.EVENT_READ, c)
                self.held = []

    def close(self, c):
        self.sel.unregister(c.sock)
        c.sock.close()
        self.open -= 1

    def want(self, c):
        ev = 0
        if not c.eof and len(c.pending) < HIGH_WATER:
            ev |= selectors.EVENT_READ
        if c.pending:
            ev |= selectors.EVENT_WRITE
        self.sel.modify(c.sock, ev, c)

    def on_read(self, c):
        try:
            data = c.sock.recv(CHUNK)
        except (BlockingIOError, InterruptedError):
            return
        except ConnectionResetError:
            self.resets += 1
            self.close(c)
            return
        if not data:
            c.eof = True
        else:
            self.bytes_in += len(data)
            if c.echo:
                c.pending += data
        if c.eof and not c.pending:
            self.close(c)
            return
        self.want(c)

    def on_write(self, c):
        try:
            n = c.sock.send(c.pending)
        except (BlockingIOError, InterruptedError):
            return
        except (ConnectionResetError, BrokenPipeError):
            self.resets += 1
            self.close(c)
            return
        del c.pending[:n]
        self.bytes_out += n
        if c.eof and not c.pending:
            self.close(c)
            return
        self.want(c)

    def run(self):
        while not self.stop:
            for key, ev in self.sel.select(timeout=0.5):
                d = key.data
                if isinstance(d, tuple):
                    self.accept(key.fileobj, d[1])
                    continue
                if ev & selectors.EVENT_WRITE:
                    self.on_write(d)
                    if d.sock.fileno() < 0:
                        continue
                if ev & selectors.EVENT_READ:
                    self.on_read(d)

    def summary(self):
        return (f"tcp_echo_server: conns={self.conns} bytes_in={self.bytes_in} "
                f"bytes_out={self.bytes_out} resets={self.resets} open={self.open} "
                f"peak={self.peak}")


def raise_nofile():
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--addr", default="0.0.0.0")
    ap.add_argument("--echo", type=int, action="append", default=[])
    ap.add_argument("--discard", type=int, action="append", default=[])
    ap.add_argument("--backlog", type=int, default=4096)
    ap.add_argument("--hold", type=int, default=0,
                    help="read nothing until this many connections came")
    a = ap.parse_args()
    if not a.echo and not a.discard:
        ap.error("give --echo PORT or --discard PORT")
    raise_nofile()
    srv = Server(a.hold)
    for p in a.echo:
        srv.listen(a.addr, p, True, a.backlog)
    for p in a.discard:
        srv.listen(a.addr, p, False, a.backlog)

    def on_signal(*_):
        srv.stop = True
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print(f"tcp_echo_server: listening on {a.addr} echo={a.echo} "
          f"discard={a.discard}", flush=True)
    srv.run()
    print(srv.summary(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
