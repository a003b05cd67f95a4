/**
 * @file
 * Worker context life cycle, interfaces, the transmit buffers, timers and
 * the statistics names.
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>

#include "ts_priv.h"

#define TS_SCAN_INTERVAL_MS 10

#define TS_STAT_DESC_(id, name, desc) { name, desc },
static const struct ts_stat_desc ts_stat_descs[TS_STAT__COUNT] = {
	TS_STATS_COUNTERS(TS_STAT_DESC_)
	TS_STATS_GAUGES(TS_STAT_DESC_)
	TS_STATS_DROPS(TS_STAT_DESC_)
};
#undef TS_STAT_DESC_

const struct ts_stat_desc *ts_stat_desc(unsigned int id)
{
	return id < TS_STAT__COUNT ? &ts_stat_descs[id] : NULL;
}

int ts_stat_is_drop(unsigned int id)
{
	return id >= TS_STAT_DROP_ETH_SHORT && id < TS_STAT__COUNT;
}

int ts_stat_is_gauge(unsigned int id)
{
	return id >= TS_STAT_TCP_CONNS && id <= TS_STAT_TCP_ST_TIME_WAIT;
}

void ts_conf_defaults(struct ts_conf *conf)
{
	conf->arp_entries = 1024;
	conf->arp_timeout_ms = 60000;
	conf->arp_retry_ms = 1000;
	conf->arp_retries = 3;
	conf->arp_queue_len = TS_ARP_QUEUE_MAX;
	conf->ip_ttl = 64;
	ts_tcp_conf_defaults(&conf->tcp);
}

static uint64_t ts_ms_to_tsc(uint64_t ms, uint64_t hz)
{
	return ms * hz / 1000;
}

int ts_ctx_init(struct ts_ctx *ctx, const struct ts_conf *conf,
		struct rte_mempool *pool, uint16_t worker_id, uint64_t tsc_hz)
{
	if (conf->arp_queue_len == 0 || conf->arp_queue_len > TS_ARP_QUEUE_MAX ||
			conf->arp_entries == 0 || conf->ip_ttl == 0 ||
			conf->arp_retries == 0 || tsc_hz == 0)
		return -TS_ERR_INVAL;
	memset(ctx, 0, sizeof(*ctx));
	ctx->pool = pool;
	ctx->worker_id = worker_id;
	ctx->tsc_hz = tsc_hz;
	ctx->ip_ttl = conf->ip_ttl;
	ctx->arp_retries = conf->arp_retries;
	ctx->arp_queue_len = conf->arp_queue_len;
	ctx->arp_timeout_tsc = ts_ms_to_tsc(conf->arp_timeout_ms, tsc_hz);
	ctx->arp_retry_tsc = ts_ms_to_tsc(conf->arp_retry_ms, tsc_hz);
	ctx->arp_entries = conf->arp_entries;
	ctx->tcp.conf = conf->tcp;
	return 0;
}

void ts_set_tx(struct ts_ctx *ctx, ts_tx_fn fn, void *arg)
{
	ctx->tx = fn;
	ctx->tx_arg = arg;
}

void ts_set_neigh(struct ts_ctx *ctx, ts_neigh_fn fn, void *arg)
{
	ctx->neigh = fn;
	ctx->neigh_arg = arg;
}

/* Whether the run @p lo, n stays on the link of @p net / @p mask, short of
 * 255.255.255.255; with @p strict, it holds neither the subnet's network
 * nor its broadcast address. */
static int ts_range_ok(uint32_t net, uint32_t mask, uint8_t prefix_len,
		uint32_t lo, uint32_t n, int strict)
{
	uint32_t last = lo + (n - 1);

	if (lo == 0 || n == 0 || n > TS_MAX_ADDRS || last < lo ||
			(lo & mask) != net || (last & mask) != net)
		return 0;
	return !strict || prefix_len >= 31 ||
		(lo != net && last != (net | ~mask));
}

/* Whether runs a.. and b.. share an address; n >= 1 and neither wraps,
 * but one may end at 255.255.255.255, so the ends are inclusive. */
static int ts_ranges_meet(uint32_t a, uint32_t na, uint32_t b, uint32_t nb)
{
	return a <= b + (nb - 1) && b <= a + (na - 1);
}

/* The interface's address runs: addr's and more[], apart from each other,
 * TS_MAX_ADDRS at most. @return the addresses in all, 0 when refused. */
static uint32_t ts_iface_ranges_ok(const struct ts_iface_conf *conf,
		uint32_t n, uint32_t mask)
{
	uint32_t net = conf->addr & mask, total = n;

	if (conf->n_more > TS_MAX_MORE ||
			!ts_range_ok(net, mask, conf->prefix_len, conf->addr, n,
				n > 1))
		return 0;
	for (uint8_t i = 0; i < conf->n_more; i++) {
		const struct ts_addr_range *r = &conf->more[i];

		if (!ts_range_ok(net, mask, conf->prefix_len, r->lo, r->n, 1) ||
				ts_ranges_meet(r->lo, r->n, conf->addr, n))
			return 0;
		for (uint8_t j = 0; j < i; j++)
			if (ts_ranges_meet(r->lo, r->n, conf->more[j].lo,
					conf->more[j].n))
				return 0;
		total += r->n;
	}
	return total <= TS_MAX_ADDRS ? total : 0;
}

int ts_iface_add(struct ts_ctx *ctx, const struct ts_iface_conf *conf,
		uint16_t tx_queue, int socket)
{
	uint32_t n = conf->n_addrs > 1 ? conf->n_addrs : 1;
	uint32_t mask = conf->prefix_len == 0 || conf->prefix_len > 32 ? 0 :
		UINT32_MAX << (32 - conf->prefix_len);
	uint32_t total;
	struct ts_iface *ifc;
	int rc;

	if (ctx->n_ifs == TS_MAX_IFACES || conf->prefix_len > 32)
		return -TS_ERR_INVAL;
	total = ts_iface_ranges_ok(conf, n, mask);
	if (total == 0)
		return -TS_ERR_INVAL;
	ifc = &ctx->ifs[ctx->n_ifs];
	memset(ifc, 0, sizeof(*ifc));
	ifc->conf = *conf;
	ifc->netmask = mask;
	ifc->n_addrs = n;
	ifc->n_total = total;
	ifc->mss_max = UINT16_MAX;
	if (conf->no_chains)
		ifc->mss_max = (uint16_t)RTE_MIN(UINT16_MAX,
				rte_pktmbuf_data_room_size(ctx->pool) -
				RTE_PKTMBUF_HEADROOM - 60);
	ts_tcp_iface_init(ifc);
	ifc->tx_queue = tx_queue;
	rc = ts_arp_table_init(&ifc->arp, ctx->arp_entries, socket);
	if (rc < 0)
		return rc;
	return ctx->n_ifs++;
}

void ts_iface_flush(struct ts_ctx *ctx, struct ts_iface *ifc)
{
	uint16_t n = ifc->tx_n;
	uint16_t sent;
	uint64_t bytes = 0;

	if (n == 0)
		return;
	for (uint16_t i = 0; i < n; i++)
		bytes += ifc->tx_buf[i]->pkt_len;
	sent = ctx->tx(ctx->tx_arg, ifc->conf.port_id, ifc->tx_queue,
			ifc->tx_buf, n);
	/* What the port did not take waits, in order, for the next try. */
	for (uint16_t i = sent; i < n; i++)
		bytes -= ifc->tx_buf[i]->pkt_len;
	if (sent != 0 && sent < n)
		memmove(ifc->tx_buf, ifc->tx_buf + sent,
				(size_t)(n - sent) * sizeof(ifc->tx_buf[0]));
	ifc->tx_n = (uint16_t)(n - sent);
	ifc->tx_blocked = sent < n;
	ts_count(ctx, TS_STAT_TX_PKTS, sent);
	ts_count(ctx, TS_STAT_TX_BYTES, bytes);
}

void ts_flush(struct ts_ctx *ctx)
{
	if (ctx->tcp.pend_head != NULL)
		ts_tcp_flush_pending(ctx, ctx->tcp.now);
	ts_free_flush(ctx);
	for (uint8_t i = 0; i < ctx->n_ifs; i++)
		ts_iface_flush(ctx, &ctx->ifs[i]);
}

int ts_tx_waiting(const struct ts_ctx *ctx)
{
	if (ctx->tcp.pend_head != NULL)
		return 1;
	for (uint8_t i = 0; i < ctx->n_ifs; i++)
		if (ctx->ifs[i].tx_n != 0)
			return 1;
	return 0;
}

void ts_timers(struct ts_ctx *ctx, uint64_t tsc)
{
	/* The TCP wheel every time: it costs a compare when no tick passed. */
	ctx->tcp.now = tsc;
	ts_tcp_timers(ctx, tsc);
	if (likely(tsc < ctx->next_scan_tsc))
		return;
	ctx->next_scan_tsc = tsc + ts_ms_to_tsc(TS_SCAN_INTERVAL_MS,
			ctx->tsc_hz);
	for (uint8_t i = 0; i < ctx->n_ifs; i++)
		ts_arp_timers(ctx, &ctx->ifs[i], tsc);
}

void ts_ctx_free(struct ts_ctx *ctx)
{
	ts_tcp_free(ctx);
	ts_svc_free(ctx);
	for (uint8_t i = 0; i < ctx->n_ifs; i++) {
		struct ts_iface *ifc = &ctx->ifs[i];

		rte_pktmbuf_free_bulk(ifc->tx_buf, ifc->tx_n);
		ifc->tx_n = 0;
		ts_arp_table_free(ctx, &ifc->arp);
	}
	ctx->n_ifs = 0;
	ts_free_flush(ctx);
}

void ts_input_owned(struct ts_ctx *ctx, uint8_t ifidx, struct rte_mbuf *m,
		uint64_t tsc)
{
	ctx->tcp.in_handoff = 1;
	ts_input(ctx, ifidx, &m, 1, tsc);
	ctx->tcp.in_handoff = 0;
}

/*
 * How many frames ahead of the one being taken its connection's block,
 * then the oldest piece of its send queue (which reading the block
 * finds), are fetched: each waits on the one before, so the second comes
 * nearer; both while earlier frames are processed.
 */
#define TS_PF_TCB 8
#define TS_PF_SNDQ 4
/** Frames whose flow slots are looked up together (ts_flow_prefetch). */
#define TS_RX_WINDOW 32

static void ts_input_window(struct ts_ctx *ctx, struct ts_iface *ifc,
		struct rte_mbuf **pkts, uint16_t n, uint64_t tsc)
{
	const struct ts_flow_slot *slots[TS_RX_WINDOW];
	uint16_t i;

	for (i = 0; i < n; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	ts_flow_prefetch(ctx, pkts, n, slots);
	for (i = 0; i < n && i < TS_PF_TCB; i++)
		ts_flow_prefetch_tcb(slots[i]);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eh;

		if (i + TS_PF_TCB < n)
			ts_flow_prefetch_tcb(slots[i + TS_PF_TCB]);
		if (i + TS_PF_SNDQ < n)
			ts_flow_prefetch_sndq(slots[i + TS_PF_SNDQ]);
		if (unlikely(m->data_len < sizeof(*eh))) {
			ts_drop(ctx, m, TS_STAT_DROP_ETH_SHORT);
			continue;
		}
		eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		if (unlikely(!rte_is_same_ether_addr(&eh->dst_addr,
				&ifc->conf.mac) &&
				!rte_is_broadcast_ether_addr(&eh->dst_addr))) {
			ts_drop(ctx, m, TS_STAT_DROP_ETH_NOT_FOR_US);
			continue;
		}
		switch (eh->ether_type) {
		case RTE_BE16(RTE_ETHER_TYPE_IPV4):
			ts_ipv4_input(ctx, ifc, m, tsc);
			break;
		case RTE_BE16(RTE_ETHER_TYPE_ARP):
			ts_arp_input(ctx, ifc, m, tsc);
			break;
		default:
			ts_drop(ctx, m, TS_STAT_DROP_ETH_TYPE);
			break;
		}
	}
}

void ts_input(struct ts_ctx *ctx, uint8_t ifidx, struct rte_mbuf **pkts,
		uint16_t n, uint64_t tsc)
{
	struct ts_iface *ifc = &ctx->ifs[ifidx];
	uint64_t bytes = 0;
	uint16_t i;

	ctx->tcp.now = tsc;
	/* Lengths first: a frame may be freed once it is taken. */
	for (i = 0; i < n; i++)
		bytes += pkts[i]->pkt_len;
	for (i = 0; i < n; i += TS_RX_WINDOW)
		ts_input_window(ctx, ifc, pkts + i,
				(uint16_t)RTE_MIN(n - i, TS_RX_WINDOW), tsc);
	/* Counted once a burst, not once a frame. */
	ts_count(ctx, TS_STAT_RX_PKTS, n);
	ts_count(ctx, TS_STAT_RX_BYTES, bytes);
}

uint32_t ts_iface_addrs(const struct ts_ctx *ctx, uint8_t ifidx)
{
	return ctx->ifs[ifidx].n_total;
}

uint32_t ts_iface_addr(const struct ts_ctx *ctx, uint8_t ifidx, uint32_t k)
{
	const struct ts_iface *ifc = &ctx->ifs[ifidx];

	k %= ifc->n_total;
	if (k < ifc->n_addrs)
		return ifc->conf.addr + k;
	k -= ifc->n_addrs;
	for (uint8_t i = 0; i < ifc->conf.n_more; i++) {
		if (k < ifc->conf.more[i].n)
			return ifc->conf.more[i].lo + k;
		k -= ifc->conf.more[i].n;
	}
	return ifc->conf.addr;          /* not reached: k < n_total */
}
