/**
 * @file
 * Helpers shared by the stack's files: the one drop path, the transmit
 * buffer, and the per-layer entry points not exported in ts.h.
 */
#ifndef TS_PRIV_H
#define TS_PRIV_H

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "ts.h"

/**
 * Ones'-complement sum of @p len bytes from @p off of a chain, in memory
 * order, not folded. Each piece is folded on its own and byte-swapped when
 * it starts at an odd offset of the data. (DPDK 22.11's
 * rte_raw_cksum_mbuf truncates before swapping and loses carries when a
 * segment starts at an odd offset.)
 */
static inline uint32_t ts_sum_mbuf(const struct rte_mbuf *m, uint32_t off,
		uint32_t len)
{
	uint32_t sum = 0, done = 0;

	while (m != NULL && off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	while (m != NULL && done < len) {
		uint32_t n = RTE_MIN(len - done, (uint32_t)m->data_len - off);
		uint16_t s = rte_raw_cksum(rte_pktmbuf_mtod_offset(m,
				const void *, off), n);

		sum += (done & 1) ? rte_bswap16(s) : s;
		done += n;
		off = 0;
		m = m->next;
	}
	return sum;
}

static inline uint16_t ts_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/** Sum of the two 16-bit halves of @p v, in host order. */
static inline uint32_t ts_sum32(uint32_t v)
{
	return (v >> 16) + (v & 0xffff);
}

static inline void ts_count(struct ts_ctx *ctx, enum ts_stat id, uint64_t n)
{
	ctx->stats.v[id] += n;
}

/** Give the collected drops back to their pool in one call. */
static inline void ts_free_flush(struct ts_ctx *ctx)
{
	if (ctx->n_free == 0)
		return;
	rte_pktmbuf_free_bulk(ctx->free_buf, ctx->n_free);
	ctx->n_free = 0;
}

/**
 * The single exit for a packet we will not process: count it, and
 * collect it to be freed in bulk at the end of the burst.
 */
static inline void ts_drop(struct ts_ctx *ctx, struct rte_mbuf *m,
		enum ts_stat reason)
{
	ctx->stats.v[reason]++;
	ctx->free_buf[ctx->n_free++] = m;
	if (unlikely(ctx->n_free == TS_FREE_BURST))
		ts_free_flush(ctx);
}

void ts_iface_flush(struct ts_ctx *ctx, struct ts_iface *ifc);

/**
 * Queue a complete frame for transmission on @p ifc: offered to the port
 * every TS_TX_BURST frames; held while the port is full, dropped only when
 * TS_TX_QUEUE frames are already waiting.
 */
static inline void ts_tx(struct ts_ctx *ctx, struct ts_iface *ifc,
		struct rte_mbuf *m)
{
	if (unlikely(ifc->tx_n == TS_TX_QUEUE)) {
		ts_drop(ctx, m, TS_STAT_DROP_TX_FULL);
		return;
	}
	ifc->tx_buf[ifc->tx_n++] = m;
	if (unlikely((ifc->tx_n & (TS_TX_BURST - 1)) == 0))
		ts_iface_flush(ctx, ifc);
}

/** The port behind @p ifc is full and enough is waiting: hold new output. */
static inline int ts_tx_held(const struct ts_iface *ifc)
{
	return ifc->tx_blocked && ifc->tx_n >= TS_TX_HOLD;
}

/** Whether @p ip is one of the interface's own addresses. */
static inline int ts_ip_ours(const struct ts_iface *ifc, uint32_t ip)
{
	if (likely(ip - ifc->conf.addr < ifc->n_addrs))
		return 1;
	for (uint8_t i = 0; i < ifc->conf.n_more; i++)
		if (ip - ifc->conf.more[i].lo < ifc->conf.more[i].n)
			return 1;
	return 0;
}

static inline int ts_ip_on_link(const struct ts_iface *ifc, uint32_t ip)
{
	return ((ip ^ ifc->conf.addr) & ifc->netmask) == 0;
}

void ts_arp_input(struct ts_ctx *ctx, struct ts_iface *ifc,
		struct rte_mbuf *m, uint64_t tsc);
void ts_arp_timers(struct ts_ctx *ctx, struct ts_iface *ifc, uint64_t tsc);
int ts_arp_table_init(struct ts_arp_table *t, uint32_t entries, int socket);
void ts_arp_table_free(struct ts_ctx *ctx, struct ts_arp_table *t);
void ts_ipv4_input(struct ts_ctx *ctx, struct ts_iface *ifc,
		struct rte_mbuf *m, uint64_t tsc);
/** Answer the IPv4 packet in @p m back to its source, in place. */
void ts_ipv4_reply(struct ts_ctx *ctx, struct ts_iface *ifc,
		struct rte_mbuf *m, uint64_t tsc);
void ts_tcp_input(struct ts_ctx *ctx, struct ts_iface *ifc,
		struct rte_mbuf *m, uint16_t l3_len, uint64_t tsc);
void ts_tcp_timers(struct ts_ctx *ctx, uint64_t tsc);
/** Choose @p ifc's TCP checksum path from its conf.tx_cksum. */
void ts_tcp_iface_init(struct ts_iface *ifc);
/** Each TCP frame's flow slot of a burst, prefetched (ts_input). */
void ts_flow_prefetch(const struct ts_ctx *ctx, struct rte_mbuf **pkts,
		uint16_t n, const struct ts_flow_slot **slots);
/** The connection in a slot from ts_flow_prefetch, prefetched. */
void ts_flow_prefetch_tcb(const struct ts_flow_slot *s);
/** Its send queue's oldest piece, prefetched (the connection fetched). */
void ts_flow_prefetch_sndq(const struct ts_flow_slot *s);
void ts_tcp_flush_pending(struct ts_ctx *ctx, uint64_t tsc);
void ts_tcp_free(struct ts_ctx *ctx);
void ts_svc_free(struct ts_ctx *ctx);
void ts_icmp_input(struct ts_ctx *ctx, struct ts_iface *ifc,
		struct rte_mbuf *m, uint16_t l3_len, uint64_t tsc);

#endif /* TS_PRIV_H */
