/**
 * @file
 * ARP (RFC 826): answers for our addresses, a per-worker neighbour cache
 * with expiry, resolution with a bounded queue of waiting packets, and
 * gratuitous announcements.
 *
 * ts_input -> ts_arp_input -> ts_arp_update -> ts_arp_send_pending
 * ts_eth_output -> (entry usable) ts_tx | (unknown) queue + request
 * ts_timers -> ts_arp_timers (retries, give-up, garbage collection)
 *
 * Entries: INCOMPLETE (asked, packets wait) -> REACHABLE (answer seen) ->
 * past their lifetime PROBE (still used while we ask again) -> REACHABLE
 * on an answer, or removed when the retries run out. Each worker has its
 * own cache; what one learns is passed to the others (ts_set_neigh), since
 * an ARP reply reaches only one of them.
 */
#include <string.h>

#include <rte_arp.h>
#include <rte_malloc.h>

#include "ts_priv.h"

#define TS_ARP_FRAME_LEN 60   /* minimum Ethernet frame, without FCS */

static uint32_t ts_arp_hash(uint32_t ip)
{
	uint32_t h = ip * 2654435761u;

	return h ^ (h >> 16);
}

int ts_arp_table_init(struct ts_arp_table *t, uint32_t entries, int socket)
{
	uint32_t slots = rte_align32pow2(entries * 2);

	t->slots = rte_zmalloc_socket("ts_arp", slots * sizeof(*t->slots),
			RTE_CACHE_LINE_SIZE, socket);
	if (t->slots == NULL)
		return -TS_ERR_NOMEM;
	t->mask = slots - 1;
	t->used = 0;
	t->max_used = entries;
	return 0;
}

void ts_arp_table_free(struct ts_ctx *ctx, struct ts_arp_table *t)
{
	if (t->slots == NULL)
		return;
	for (uint32_t i = 0; i <= t->mask; i++) {
		struct ts_arp_entry *e = &t->slots[i];

		for (uint8_t k = 0; k < e->n_pending; k++)
			ts_drop(ctx, e->pending[k], TS_STAT_DROP_ARP_UNRESOLVED);
	}
	rte_free(t->slots);
	t->slots = NULL;
	t->used = 0;
}

static struct ts_arp_entry *ts_arp_find(const struct ts_arp_table *t,
		uint32_t ip)
{
	for (uint32_t i = ts_arp_hash(ip) & t->mask;; i = (i + 1) & t->mask) {
		struct ts_arp_entry *e = &t->slots[i];

		if (e->state == TS_ARP_FREE)
			return NULL;
		if (e->ip == ip)
			return e;
	}
}

static struct ts_arp_entry *ts_arp_insert(struct ts_arp_table *t, uint32_t ip)
{
	uint32_t i;

	if (t->used == t->max_used)
		return NULL;
	for (i = ts_arp_hash(ip) & t->mask; t->slots[i].state != TS_ARP_FREE;
			i = (i + 1) & t->mask)
		;
	t->used++;
	memset(&t->slots[i], 0, sizeof(t->slots[i]));
	t->slots[i].ip = ip;
	return &t->slots[i];
}

/* Backward-shift deletion keeps every probe chain unbroken. */
static void ts_arp_remove(struct ts_arp_table *t, struct ts_arp_entry *e)
{
	uint32_t hole = (uint32_t)(e - t->slots);
	uint32_t i = hole;

	for (;;) {
		uint32_t home;

		i = (i + 1) & t->mask;
		if (t->slots[i].state == TS_ARP_FREE)
			break;
		home = ts_arp_hash(t->slots[i].ip) & t->mask;
		/* Move i into the hole unless its home lies in (hole, i]. */
		if (((i - home) & t->mask) >= ((i - hole) & t->mask)) {
			t->slots[hole] = t->slots[i];
			hole = i;
		}
	}
	memset(&t->slots[hole], 0, sizeof(t->slots[hole]));
	t->used--;
}

static void ts_eth_fill(const struct ts_iface *ifc, struct rte_mbuf *m,
		const struct rte_ether_addr *dst)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	rte_ether_addr_copy(dst, &eh->dst_addr);
	rte_ether_addr_copy(&ifc->conf.mac, &eh->src_addr);
}

/**
 * Build and queue an ARP packet. @p eth_dst is the frame's destination,
 * @p tha the target hardware address field.
 */
static void ts_arp_send(struct ts_ctx *ctx, struct ts_iface *ifc,
		uint16_t op, const struct rte_ether_addr *eth_dst,
		const struct rte_ether_addr *tha, uint32_t sip, uint32_t tip)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(ctx->pool);
	struct rte_ether_hdr *eh;
	struct rte_arp_hdr *ah;

	if (unlikely(m == NULL)) {
		ts_count(ctx, TS_STAT_DROP_NO_MBUF, 1);
		return;
	}
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, TS_ARP_FRAME_LEN);
	memset(eh, 0, TS_ARP_FRAME_LEN);
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	ah = (struct rte_arp_hdr *)(eh + 1);
	ah->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	ah->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ah->arp_hlen = RTE_ETHER_ADDR_LEN;
	ah->arp_plen = sizeof(uint32_t);
	ah->arp_opcode = rte_cpu_to_be_16(op);
	rte_ether_addr_copy(&ifc->conf.mac, &ah->arp_data.arp_sha);
	ah->arp_data.arp_sip = rte_cpu_to_be_32(sip);
	rte_ether_addr_copy(tha, &ah->arp_data.arp_tha);
	ah->arp_data.arp_tip = rte_cpu_to_be_32(tip);
	ts_eth_fill(ifc, m, eth_dst);
	ts_count(ctx, op == RTE_ARP_OP_REQUEST ? TS_STAT_ARP_TX_REQUEST :
			TS_STAT_ARP_TX_REPLY, 1);
	ts_tx(ctx, ifc, m);
}

static void ts_arp_request(struct ts_ctx *ctx, struct ts_iface *ifc,
		const struct ts_arp_entry *e)
{
	static const struct rte_ether_addr bcast = {
		.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	static const struct rte_ether_addr zero;

	/* A probe of a known neighbour is unicast, as Linux does. */
	ts_arp_send(ctx, ifc, RTE_ARP_OP_REQUEST,
			e->state == TS_ARP_PROBE ? &e->mac : &bcast, &zero,
			ifc->conf.addr, e->ip);
}

void ts_arp_announce(struct ts_ctx *ctx, uint8_t ifidx, uint64_t tsc)
{
	static const struct rte_ether_addr bcast = {
		.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	static const struct rte_ether_addr zero;
	struct ts_iface *ifc = &ctx->ifs[ifidx];

	RTE_SET_USED(tsc);
	/* Each address of ours, so that neighbours learn them all. */
	for (uint32_t k = 0; k < ifc->n_total; k++) {
		uint32_t ip = ts_iface_addr(ctx, ifidx, k);

		ts_arp_send(ctx, ifc, RTE_ARP_OP_REQUEST, &bcast, &zero, ip,
				ip);
	}
}

static void ts_arp_send_pending(struct ts_ctx *ctx, struct ts_iface *ifc,
		struct ts_arp_entry *e)
{
	for (uint8_t k = 0; k < e->n_pending; k++) {
		ts_eth_fill(ifc, e->pending[k], &e->mac);
		ts_tx(ctx, ifc, e->pending[k]);
	}
	e->n_pending = 0;
}

/**
 * Record @p ip at @p mac. Creates the entry only when @p create is set
 * (RFC 826: a sender is added only by a packet addressed to us, else it
 * merely refreshes an entry we already have).
 * @return whether the cache now knows the address.
 */
static int ts_arp_update(struct ts_ctx *ctx, struct ts_iface *ifc,
		uint32_t ip, const struct rte_ether_addr *mac, int create,
		uint64_t tsc)
{
	struct ts_arp_entry *e = ts_arp_find(&ifc->arp, ip);

	if (e == NULL) {
		if (!create)
			return 0;
		e = ts_arp_insert(&ifc->arp, ip);
		if (e == NULL) {
			ts_count(ctx, TS_STAT_DROP_ARP_TABLE_FULL, 1);
			return 0;
		}
	}
	rte_ether_addr_copy(mac, &e->mac);
	e->state = TS_ARP_REACHABLE;
	e->retries = 0;
	e->deadline = tsc + ctx->arp_timeout_tsc;
	ts_count(ctx, TS_STAT_ARP_LEARNED, 1);
	ts_arp_send_pending(ctx, ifc, e);
	return 1;
}

void ts_arp_learn(struct ts_ctx *ctx, uint8_t ifidx, uint32_t ip,
		const struct rte_ether_addr *mac, uint64_t tsc)
{
	ts_arp_update(ctx, &ctx->ifs[ifidx], ip, mac, 1, tsc);
}

int ts_arp_lookup(const struct ts_ctx *ctx, uint8_t ifidx, uint32_t ip,
		struct rte_ether_addr *mac)
{
	const struct ts_arp_entry *e = ts_arp_find(&ctx->ifs[ifidx].arp, ip);

	if (e == NULL || e->state == TS_ARP_INCOMPLETE)
		return -TS_ERR_INVAL;
	rte_ether_addr_copy(&e->mac, mac);
	return 0;
}

static int ts_arp_valid(const struct rte_mbuf *m, const struct rte_arp_hdr *ah)
{
	if (m->data_len < sizeof(struct rte_ether_hdr) + sizeof(*ah))
		return 0;
	if (ah->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
			ah->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
			ah->arp_hlen != RTE_ETHER_ADDR_LEN ||
			ah->arp_plen != sizeof(uint32_t))
		return 0;
	if (ah->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST) &&
			ah->arp_opcode != RTE_BE16(RTE_ARP_OP_REPLY))
		return 0;
	return rte_is_unicast_ether_addr(&ah->arp_data.arp_sha) &&
		!rte_is_zero_ether_addr(&ah->arp_data.arp_sha);
}

/* Turn a request for our address into the reply, in place. */
static void ts_arp_reply(struct ts_ctx *ctx, struct ts_iface *ifc,
		struct rte_mbuf *m, struct rte_arp_hdr *ah)
{
	struct rte_ether_addr requester = ah->arp_data.arp_sha;
	uint32_t asked = ah->arp_data.arp_tip;   /* one of ours */

	ah->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	rte_ether_addr_copy(&requester, &ah->arp_data.arp_tha);
	ah->arp_data.arp_tip = ah->arp_data.arp_sip;
	rte_ether_addr_copy(&ifc->conf.mac, &ah->arp_data.arp_sha);
	ah->arp_data.arp_sip = asked;
	ts_eth_fill(ifc, m, &requester);
	ts_count(ctx, TS_STAT_ARP_TX_REPLY, 1);
	ts_tx(ctx, ifc, m);
}

void ts_arp_input(struct ts_ctx *ctx, struct ts_iface *ifc,
		struct rte_mbuf *m, uint64_t tsc)
{
	struct rte_arp_hdr *ah = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *,
			sizeof(struct rte_ether_hdr));
	int request, for_us;
	uint32_t sip, tip;

	if (unlikely(!ts_arp_valid(m, ah))) {
		ts_drop(ctx, m, TS_STAT_DROP_ARP_MALFORMED);
		return;
	}
	request = ah->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST);
	ts_count(ctx, request ? TS_STAT_ARP_RX_REQUEST : TS_STAT_ARP_RX_REPLY, 1);
	sip = rte_be_to_cpu_32(ah->arp_data.arp_sip);
	tip = rte_be_to_cpu_32(ah->arp_data.arp_tip);
	for_us = ts_ip_ours(ifc, tip);
	/* Sender 0.0.0.0 is an address probe (RFC 5227): nothing to learn. */
	if (sip != 0 && !ts_ip_ours(ifc, sip) &&
			ts_arp_update(ctx, ifc, sip, &ah->arp_data.arp_sha,
				for_us, tsc) && ctx->neigh != NULL)
		ctx->neigh(ctx->neigh_arg, (uint8_t)(ifc - ctx->ifs), sip,
				&ah->arp_data.arp_sha);
	if (!for_us) {
		ts_drop(ctx, m, TS_STAT_DROP_ARP_NOT_FOR_US);
		return;
	}
	if (request) {
		ts_arp_reply(ctx, ifc, m, ah);
		return;
	}
	rte_pktmbuf_free(m);   /* a reply: its work was the update above */
}

void ts_eth_output(struct ts_ctx *ctx, uint8_t ifidx, struct rte_mbuf *m,
		uint32_t next_hop, uint64_t tsc)
{
	struct ts_iface *ifc = &ctx->ifs[ifidx];
	struct ts_arp_entry *e = ts_arp_find(&ifc->arp, next_hop);

	if (likely(e != NULL && e->state != TS_ARP_INCOMPLETE)) {
		if (unlikely(e->state == TS_ARP_REACHABLE && tsc >= e->deadline)) {
			e->state = TS_ARP_PROBE;
			e->retries = 1;
			e->deadline = tsc + ctx->arp_retry_tsc;
			ts_arp_request(ctx, ifc, e);
		}
		ts_eth_fill(ifc, m, &e->mac);
		ts_tx(ctx, ifc, m);
		return;
	}
	if (e == NULL) {
		e = ts_arp_insert(&ifc->arp, next_hop);
		if (unlikely(e == NULL)) {
			ts_drop(ctx, m, TS_STAT_DROP_ARP_TABLE_FULL);
			return;
		}
		e->state = TS_ARP_INCOMPLETE;
		e->retries = 1;
		e->deadline = tsc + ctx->arp_retry_tsc;
		ts_arp_request(ctx, ifc, e);
	}
	if (unlikely(e->n_pending >= ctx->arp_queue_len)) {
		ts_drop(ctx, m, TS_STAT_DROP_ARP_QUEUE_FULL);
		return;
	}
	e->pending[e->n_pending++] = m;
}

/* Retry or give up on one entry whose deadline has passed. */
static int ts_arp_expire(struct ts_ctx *ctx, struct ts_iface *ifc,
		struct ts_arp_entry *e, uint64_t tsc)
{
	if (e->state == TS_ARP_REACHABLE) {
		/* Unused for a whole further lifetime: reclaim the slot. */
		if (tsc < e->deadline + ctx->arp_timeout_tsc)
			return 0;
		ts_arp_remove(&ifc->arp, e);
		return 1;
	}
	if (e->retries < ctx->arp_retries) {
		e->retries++;
		e->deadline = tsc + ctx->arp_retry_tsc;
		ts_arp_request(ctx, ifc, e);
		return 0;
	}
	for (uint8_t k = 0; k < e->n_pending; k++)
		ts_drop(ctx, e->pending[k], TS_STAT_DROP_ARP_UNRESOLVED);
	e->n_pending = 0;
	ts_arp_remove(&ifc->arp, e);
	return 1;
}

void ts_arp_timers(struct ts_ctx *ctx, struct ts_iface *ifc, uint64_t tsc)
{
	struct ts_arp_table *t = &ifc->arp;

	for (uint32_t i = 0; i <= t->mask; i++) {
		struct ts_arp_entry *e = &t->slots[i];

		/* A removal shifts a later entry into slot i: look again. */
		while (e->state != TS_ARP_FREE && tsc >= e->deadline &&
				ts_arp_expire(ctx, ifc, e, tsc))
			;
	}
}
