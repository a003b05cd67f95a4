"""Send COUNT copies of each kind of malformed frame to wsgw and print, for
each kind, the statistic it must be counted under and how many were sent.

IP fragments are not among them: DPDK's af_packet PMD joins a PACKET_FANOUT
group with the defragment flag, so the kernel reassembles (or holds) them
before wsgw sees them. The unit tests cover wsgw's fragment drop path.

usage: inject_malformed.py IFACE GW_MAC GW_IP COUNT
"""
import socket
import struct
import sys

from scapy.all import ICMP, IP, UDP, Ether, IPOption_RR, Raw, conf, sendp

conf.verb = 0


def frames(gw_mac, gw_ip):
    eth = Ether(dst=gw_mac)
    ip = IP(dst=gw_ip)
    yield "drop_ip_cksum", eth / IP(dst=gw_ip, chksum=0x1234) / ICMP()
    yield "drop_ip_options", eth / IP(dst=gw_ip, options=[IPOption_RR()]) / ICMP()
    yield "drop_ip_version", eth / IP(dst=gw_ip, version=6) / ICMP()
    yield "drop_ip_hdr_len", eth / IP(dst=gw_ip, ihl=3) / ICMP()
    yield "drop_ip_len", eth / IP(dst=gw_ip, len=1000) / ICMP()
    yield "drop_ip_short", Ether(dst=gw_mac, type=0x0800) / Raw(b"\x45\x00\x00")
    yield "drop_ip_not_for_us", eth / IP(dst="198.18.0.77") / ICMP()
    yield "drop_ip_bad_src", eth / IP(src="127.0.0.1", dst=gw_ip) / ICMP()
    yield "drop_ip_proto", eth / ip / UDP(dport=9) / Raw(b"x" * 8)
    yield "drop_icmp_cksum", eth / ip / ICMP(chksum=0x1111)
    yield "drop_icmp_type", eth / ip / ICMP(type=13)
    # ARP for a protocol other than IPv4 (built by hand: scapy would
    # reinterpret the addresses).
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x86DD, 6, 4, 1,
                      b"\x02\x00\x00\x00\x00\x05", socket.inet_aton("198.18.0.2"),
                      b"\x00" * 6, socket.inet_aton(gw_ip))
    yield "drop_arp_malformed", Ether(dst="ff:ff:ff:ff:ff:ff", type=0x0806) / Raw(arp)
    yield "drop_eth_not_for_us", Ether(dst="02:00:00:00:00:99") / ip / ICMP()
    yield "drop_eth_type", Ether(dst=gw_mac, type=0x88B5) / Raw(b"y" * 46)


def main():
    iface, gw_mac, gw_ip, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    sent = {}
    for reason, frame in frames(gw_mac, gw_ip):
        sendp([frame] * count, iface=iface)
        sent[reason] = sent.get(reason, 0) + count
    for reason, n in sent.items():
        print(reason, n)


if __name__ == "__main__":
    main()
