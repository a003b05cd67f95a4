"""An impairing L2 relay between two interfaces: netem done in userspace.

The kernels we test on may be built without sch_netem (tc answers
"Specified qdisc kind is unknown"), so this relay does its work: it reads
every frame arriving on IFACE_A and sends it out of IFACE_B, and the other
way round, with netem's semantics for
  tc qdisc add dev X root netem loss L% duplicate D% delay DELAY JITTER \
      reorder R%
each frame is lost with probability L; else it is sent once more with
probability D; each copy is sent at once with probability R (so that it
overtakes the frames being delayed) and otherwise after DELAY +- JITTER.
Both directions are impaired alike unless --one-way, which impairs only
A -> B.

Both interfaces should be up, promiscuous, without a kernel address and
with offloads off (full checksums, no GRO super-frames). Prints
"tcp_impair: ready" once both sockets are bound and, on SIGTERM, one line
per direction: frames in, lost, duplicated, sent at once.

usage: tcp_impair.py IFACE_A IFACE_B [--loss PCT] [--duplicate PCT]
                     [--reorder PCT] [--delay MS] [--jitter MS] [--seed N]
                     [--one-way]
"""
import argparse
import heapq
import random
import select
import signal
import socket
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
BATCH = 64


class Direction:
    def __init__(self, name, rx, tx, impair):
        self.name = name
        self.rx = rx
        self.tx = tx
        self.impair = impair
        self.frames = self.lost = self.dups = self.at_once = 0

    def line(self):
        return (f"tcp_impair: {self.name} frames={self.frames} lost={self.lost} "
                f"duplicated={self.dups} at_once={self.at_once}")


class Relay:
    def __init__(self, a):
        self.a = a
        self.rng = random.Random(a.seed)
        self.queue = []          # (time to send, sequence, socket, frame)
        self.seq = 0
        self.stop = False
        sa, sb = self.open(a.iface_a), self.open(a.iface_b)
        self.dirs = {sa: Direction(f"{a.iface_a}->{a.iface_b}", sa, sb, True),
                     sb: Direction(f"{a.iface_b}->{a.iface_a}", sb, sa,
                                   not a.one_way)}

    @staticmethod
    def open(iface):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                          socket.htons(ETH_P_ALL))
        s.bind((iface, ETH_P_ALL))
        s.setblocking(False)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        return s

    def schedule(self, d, frame, now):
        a = self.a
        if not d.impair:
            d.tx.send(frame)
            return
        if self.rng.random() * 100 < a.loss:
            d.lost += 1
            return
        copies = 1
        if self.rng.random() * 100 < a.duplicate:
            copies = 2
            d.dups += 1
        for _ in range(copies):
            if self.rng.random() * 100 < a.reorder:
                d.at_once += 1
                when = now
            else:
                when = now + (a.delay + self.rng.uniform(-a.jitter, a.jitter)) / 1e3
            self.seq += 1
            heapq.heappush(self.queue, (when, self.seq, d.tx, frame))

    def drain(self, d, now):
        for _ in range(BATCH):
            try:
                frame, addr = d.rx.recvfrom(65536)
            except (BlockingIOError, InterruptedError):
                return
            if addr[2] == PACKET_OUTGOING:    # our own sends, seen again
                continue
            d.frames += 1
            self.schedule(d, frame, now)

    def send_due(self, now):
        while self.queue and self.queue[0][0] <= now:
            _, _, tx, frame = heapq.heappop(self.queue)
            try:
                tx.send(frame)
            except (BlockingIOError, OSError):
                pass            # a full device queue is one more loss

    def run(self):
        socks = list(self.dirs)
        while not self.stop:
            now = time.monotonic()
            timeout = 0.2
            if self.queue:
                timeout = max(0.0, min(timeout, self.queue[0][0] - now))
            try:
                ready, _, _ = select.select(socks, [], [], timeout)
            except InterruptedError:
                continue
            now = time.monotonic()
            for s in ready:
                self.drain(self.dirs[s], now)
            self.send_due(time.monotonic())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("iface_a")
    ap.add_argument("iface_b")
    ap.add_argument("--loss", type=float, default=5)
    ap.add_argument("--duplicate", type=float, default=2)
    ap.add_argument("--reorder", type=float, default=25)
    ap.add_argument("--delay", type=float, default=5, help="ms")
    ap.add_argument("--jitter", type=float, default=1, help="ms")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--one-way", action="store_true")
    a = ap.parse_args()
    r = Relay(a)

    def on_signal(*_):
        r.stop = True
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print("tcp_impair: ready", flush=True)
    r.run()
    for d in r.dirs.values():
        print(d.line(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
