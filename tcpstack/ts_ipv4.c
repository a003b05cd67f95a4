/**
 * @file
 * IPv4 (RFC 791, RFC 1122 host requirements): validation of received
 * headers, and the output path that prepends headers and picks the next
 * hop.
 *
 * ts_input -> ts_ipv4_input -> ts_icmp_input
 * ts_ipv4_output -> ts_eth_output
 *
 * Fragments are not reassembled, and options other than NOP and EOL are
 * refused: both are dropped under their own reason.
 */
#include <string.h>

#include <rte_ip.h>

#include "ts_priv.h"

#define TS_IPV4_OPT_EOL 0
#define TS_IPV4_OPT_NOP 1

/* Options we accept are padding only; anything else is refused. */
static int ts_ipv4_options_ok(const struct rte_ipv4_hdr *ih, uint16_t hlen)
{
	const uint8_t *opt = (const uint8_t *)(ih + 1);
	const uint8_t *end = (const uint8_t *)ih + hlen;

	for (; opt < end; opt++) {
		if (*opt == TS_IPV4_OPT_EOL)
			return 1;
		if (*opt != TS_IPV4_OPT_NOP)
			return 0;
	}
	return 1;
}

/* Martian sources (RFC 1122 3.2.1.3): never a real peer. */
static int ts_ipv4_src_bad(const struct ts_iface *ifc, uint32_t src)
{
	uint32_t bcast = ifc->conf.addr | ~ifc->netmask;

	return src == 0 || (src >> 24) == 127 || (src >> 28) == 0xe ||
		src == UINT32_MAX || (ifc->netmask != UINT32_MAX &&
			ifc->netmask != UINT32_MAX - 1 && src == bcast);
}

static int ts_ipv4_cksum_ok(const struct rte_mbuf *m,
		const struct rte_ipv4_hdr *ih, uint16_t hlen)
{
	uint64_t flags = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;

	/* NONE: not final in the packet, but the header verified. */
	if (flags == RTE_MBUF_F_RX_IP_CKSUM_GOOD ||
			flags == RTE_MBUF_F_RX_IP_CKSUM_NONE)
		return 1;
	if (flags == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		return 0;
	if (likely(hlen == sizeof(*ih))) {
		/* The usual 20 bytes: five 32-bit words, folded. */
		uint32_t w[5];
		uint64_t sum;

		memcpy(w, ih, sizeof(w));
		sum = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];

		sum = (sum & 0xffffffff) + (sum >> 32);
		sum = (sum & 0xffffffff) + (sum >> 32);
		return ts_fold((uint32_t)sum) == 0xffff;
	}
	return rte_raw_cksum(ih, hlen) == 0xffff;
}

void ts_ipv4_input(struct ts_ctx *ctx, struct ts_iface *ifc,
		struct rte_mbuf *m, uint64_t tsc)
{
	const uint16_t l2 = sizeof(struct rte_ether_hdr);
	struct rte_ipv4_hdr *ih;
	uint16_t hlen, tlen;
	uint32_t dst;

	if (unlikely(m->data_len < l2 + sizeof(*ih))) {
		ts_drop(ctx, m, TS_STAT_DROP_IP_SHORT);
		return;
	}
	ih = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, l2);
	if (unlikely((ih->version_ihl >> 4) != 4)) {
		ts_drop(ctx, m, TS_STAT_DROP_IP_VERSION);
		return;
	}
	hlen = (uint16_t)((ih->version_ihl & 0xf) * 4);
	if (unlikely(hlen < sizeof(*ih) || l2 + hlen > m->data_len)) {
		ts_drop(ctx, m, TS_STAT_DROP_IP_HDR_LEN);
		return;
	}
	tlen = rte_be_to_cpu_16(ih->total_length);
	if (unlikely(tlen < hlen || l2 + (uint32_t)tlen > m->pkt_len)) {
		ts_drop(ctx, m, TS_STAT_DROP_IP_LEN);
		return;
	}
	if (unlikely(!ts_ipv4_cksum_ok(m, ih, hlen))) {
		ts_drop(ctx, m, TS_STAT_DROP_IP_CKSUM);
		return;
	}
	if (unlikely(ih->fragment_offset &
			RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))) {
		ts_drop(ctx, m, TS_STAT_DROP_IP_FRAGMENT);
		return;
	}
	if (unlikely(hlen > sizeof(*ih) && !ts_ipv4_options_ok(ih, hlen))) {
		ts_drop(ctx, m, TS_STAT_DROP_IP_OPTIONS);
		return;
	}
	dst = rte_be_to_cpu_32(ih->dst_addr);
	if (unlikely(!ts_ip_ours(ifc, dst))) {
		ts_drop(ctx, m, TS_STAT_DROP_IP_NOT_FOR_US);
		return;
	}
	if (unlikely(ts_ipv4_src_bad(ifc, rte_be_to_cpu_32(ih->src_addr)))) {
		ts_drop(ctx, m, TS_STAT_DROP_IP_BAD_SRC);
		return;
	}
	/* Ethernet pads short frames: the IP length is the truth. */
	if (m->pkt_len > l2 + (uint32_t)tlen)
		rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - l2 - tlen));
	ts_count(ctx, TS_STAT_IP_RX, 1);
	switch (ih->next_proto_id) {
	case IPPROTO_TCP:
		ts_tcp_input(ctx, ifc, m, hlen, tsc);
		break;
	case IPPROTO_ICMP:
		ts_icmp_input(ctx, ifc, m, hlen, tsc);
		break;
	default:
		ts_drop(ctx, m, TS_STAT_DROP_IP_PROTO);
		break;
	}
}

/** Next hop for @p dst on @p ifc, or 0 when there is none. */
static uint32_t ts_ipv4_next_hop(const struct ts_iface *ifc, uint32_t dst)
{
	return ts_ip_on_link(ifc, dst) ? dst : ifc->conf.gateway;
}

/** Fill a 20-byte header for @p len bytes of payload. */
static void ts_ipv4_fill(struct ts_ctx *ctx, struct rte_ipv4_hdr *ih,
		uint16_t len, uint32_t src, uint32_t dst, uint8_t proto)
{
	uint16_t tot = (uint16_t)(len + sizeof(*ih));
	uint16_t id = ctx->ip_id++;
	uint32_t sum;

	ih->version_ihl = RTE_IPV4_VHL_DEF;
	ih->type_of_service = 0;
	ih->total_length = rte_cpu_to_be_16(tot);
	ih->packet_id = rte_cpu_to_be_16(id);
	ih->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ih->time_to_live = ctx->ip_ttl;
	ih->next_proto_id = proto;
	ih->src_addr = rte_cpu_to_be_32(src);
	ih->dst_addr = rte_cpu_to_be_32(dst);
	/* As rte_ipv4_cksum, but from the values rather than read back
	 * (store forwarding); summed in host order, put in network order
	 * once. */
	sum = ((uint32_t)RTE_IPV4_VHL_DEF << 8) + tot + id +
		RTE_IPV4_HDR_DF_FLAG + ((uint32_t)ctx->ip_ttl << 8) + proto +
		ts_sum32(src) + ts_sum32(dst);
	ih->hdr_checksum = (uint16_t)~rte_cpu_to_be_16(ts_fold(sum));
}

void ts_ipv4_output(struct ts_ctx *ctx, uint8_t ifidx, struct rte_mbuf *m,
		uint32_t src, uint32_t dst, uint8_t proto, uint64_t tsc)
{
	struct ts_iface *ifc = &ctx->ifs[ifidx];
	uint32_t nh = ts_ipv4_next_hop(ifc, dst);
	uint16_t len = (uint16_t)m->pkt_len;
	struct rte_ipv4_hdr *ih;
	struct rte_ether_hdr *eh;

	if (unlikely(nh == 0)) {
		ts_drop(ctx, m, TS_STAT_DROP_NO_ROUTE);
		return;
	}
	ih = (struct rte_ipv4_hdr *)rte_pktmbuf_prepend(m, sizeof(*ih));
	eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eh));
	if (unlikely(ih == NULL || eh == NULL)) {
		ts_drop(ctx, m, TS_STAT_DROP_NO_MBUF);
		return;
	}
	ts_ipv4_fill(ctx, ih, len, src, dst, proto);
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ts_eth_output(ctx, ifidx, m, nh, tsc);
}

void ts_ipv4_reply(struct ts_ctx *ctx, struct ts_iface *ifc,
		struct rte_mbuf *m, uint64_t tsc)
{
	struct rte_ipv4_hdr *ih = rte_pktmbuf_mtod_offset(m,
			struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	uint32_t peer = rte_be_to_cpu_32(ih->src_addr);
	uint32_t me = rte_be_to_cpu_32(ih->dst_addr);
	uint32_t nh = ts_ipv4_next_hop(ifc, peer);

	if (unlikely(nh == 0)) {
		ts_drop(ctx, m, TS_STAT_DROP_NO_ROUTE);
		return;
	}
	/* From the address it was sent to: one of ours (ts_ipv4_input). */
	ih->dst_addr = ih->src_addr;
	ih->src_addr = rte_cpu_to_be_32(me);
	ih->packet_id = rte_cpu_to_be_16(ctx->ip_id++);
	ih->time_to_live = ctx->ip_ttl;
	ih->hdr_checksum = 0;
	ih->hdr_checksum = rte_ipv4_cksum(ih);
	ts_eth_output(ctx, (uint8_t)(ifc - ctx->ifs), m, nh, tsc);
}
