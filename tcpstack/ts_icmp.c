/**
 * @file
 * ICMP (RFC 792): echo requests are answered in place, payload intact.
 *
 * ts_ipv4_input -> ts_icmp_input -> ts_ipv4_reply -> ts_eth_output
 */
#include <rte_icmp.h>
#include <rte_ip.h>

#include "ts_priv.h"

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for one 16-bit word. */
static uint16_t ts_cksum_adjust(uint16_t hc, uint16_t old, uint16_t new)
{
	uint32_t sum = (uint16_t)~hc + (uint32_t)(uint16_t)~old + new;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void ts_icmp_input(struct ts_ctx *ctx, struct ts_iface *ifc,
		struct rte_mbuf *m, uint16_t l3_len, uint64_t tsc)
{
	const uint32_t off = sizeof(struct rte_ether_hdr) + l3_len;
	uint32_t len = m->pkt_len - off;
	struct rte_icmp_hdr *icmp;

	if (unlikely(len < sizeof(*icmp) ||
			m->data_len < off + sizeof(*icmp))) {
		ts_drop(ctx, m, TS_STAT_DROP_ICMP_SHORT);
		return;
	}
	if (unlikely(ts_fold(ts_sum_mbuf(m, off, len)) != 0xffff)) {
		ts_drop(ctx, m, TS_STAT_DROP_ICMP_CKSUM);
		return;
	}
	icmp = rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *, off);
	if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST ||
			icmp->icmp_code != 0) {
		ts_drop(ctx, m, TS_STAT_DROP_ICMP_TYPE);
		return;
	}
	ts_count(ctx, TS_STAT_ICMP_ECHO_RX, 1);
	/* Type 8 -> 0 changes one 16-bit word (type, code) of the message. */
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	icmp->icmp_cksum = rte_cpu_to_be_16(ts_cksum_adjust(
			rte_be_to_cpu_16(icmp->icmp_cksum),
			RTE_IP_ICMP_ECHO_REQUEST << 8,
			RTE_IP_ICMP_ECHO_REPLY << 8));
	ts_count(ctx, TS_STAT_ICMP_ECHO_TX, 1);
	ts_ipv4_reply(ctx, ifc, m, tsc);
}
