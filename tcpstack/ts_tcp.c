/**
 * @file
 * TCP connection life cycle and the API for the layers above: the pool of
 * connection blocks, the flow table, listeners, connect, send, receive
 * window, shutdown and abort; the worker's list of connections with output
 * to do, drained once per burst so that an application's sends and the
 * ACKs a burst owes leave together.
 *
 * ts_tcp_listen / ts_tcp_connect -> ts_tcb_new -> ... -> ts_tcb_end ->
 * closed() -> ts_tcb_free.
 */
#include <string.h>

#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>

#include "ts_tcp_priv.h"


static const enum ts_stat ts_state_gauge[TS_TCP__STATES] = {
	[TS_TCP_SYN_SENT] = TS_STAT_TCP_ST_SYN_SENT,
	[TS_TCP_SYN_RCVD] = TS_STAT_TCP_ST_SYN_RCVD,
	[TS_TCP_ESTABLISHED] = TS_STAT_TCP_ST_ESTABLISHED,
	[TS_TCP_FIN_WAIT_1] = TS_STAT_TCP_ST_FIN_WAIT_1,
	[TS_TCP_FIN_WAIT_2] = TS_STAT_TCP_ST_FIN_WAIT_2,
	[TS_TCP_CLOSE_WAIT] = TS_STAT_TCP_ST_CLOSE_WAIT,
	[TS_TCP_CLOSING] = TS_STAT_TCP_ST_CLOSING,
	[TS_TCP_LAST_ACK] = TS_STAT_TCP_ST_LAST_ACK,
	[TS_TCP_TIME_WAIT] = TS_STAT_TCP_ST_TIME_WAIT,
};

_Static_assert(sizeof(struct ts_tcb) <= 200,
		"a connection block, with its pool header and two flow-table "
		"slots, stays within 256 bytes");

size_t ts_tcp_conn_bytes(const struct ts_ctx *ctx)
{
	const struct rte_mempool *p = ctx->tcp.tcb_pool;
	size_t slots = (size_t)(ctx->tcp.flows.mask + 1) * sizeof(struct ts_flow_slot);

	if (ctx->tcp.srcs.slots != NULL)
		slots += (size_t)(ctx->tcp.srcs.mask + 1) *
			sizeof(*ctx->tcp.srcs.slots);
	return p->header_size + p->elt_size + p->trailer_size +
		slots / p->size;
}

void ts_tcp_conf_defaults(struct ts_tcp_conf *c)
{
	c->max_conns = 65536;
	c->syn_backlog = 1024;
	c->max_conns_per_listener = 0;
	c->max_conns_per_ip = 0;
	c->sndbuf = 64 * 1024;
	c->rcvbuf = 64 * 1024;
	c->time_wait_ms = 60000;
	c->time_wait_reuse_ms = 1000;   /* as Linux: a second */
	c->rto_min_ms = 200;
	c->rto_max_ms = 120000;
	c->keepalive_ms = 0;
	c->mss = 1460;
	c->retries = 15;
	c->syn_retries = 6;
	c->keepalive_probes = 9;
	c->syn_cookies = 1;
	c->nagle = 0;                   /* segments go at once (TCP_NODELAY) */
	c->port_lo = 32768;             /* 32768..60999, as Linux */
	c->port_hi = 60999;
}

uint32_t ts_flow_hash(uint32_t rip, uint32_t lip, uint16_t rport,
		uint16_t lport)
{
	uint32_t h = rte_hash_crc_4byte(rip, 0x9e3779b9);

	h = rte_hash_crc_4byte(lip, h);
	return rte_hash_crc_4byte(((uint32_t)rport << 16) | lport, h);
}

uint16_t ts_owner(const struct ts_ctx *ctx, uint32_t hash)
{
	return (uint16_t)((hash >> 16) % ctx->tcp.n_workers);
}

/*
 * Zeroed slots for an open-addressing table of at most @p conns entries:
 * twice as many, a power of two, so probes stay short and one is free.
 */
static void *ts_slots_alloc(const char *name, uint32_t conns, size_t size,
		int socket, uint32_t *mask)
{
	uint32_t n = rte_align32pow2(conns * 2);

	*mask = n - 1;
	return rte_zmalloc_socket(name, n * size, RTE_CACHE_LINE_SIZE, socket);
}

static int ts_flow_table_init(struct ts_flow_table *t, uint32_t conns,
		int socket)
{
	t->slots = ts_slots_alloc("ts_flows", conns, sizeof(*t->slots), socket,
			&t->mask);
	t->used = 0;
	return t->slots == NULL ? -TS_ERR_NOMEM : 0;
}

struct ts_tcb *ts_flow_find(const struct ts_ctx *ctx, uint32_t hash,
		uint32_t rip, uint32_t lip, uint16_t rport, uint16_t lport)
{
	const struct ts_flow_table *t = &ctx->tcp.flows;

	for (uint32_t i = hash & t->mask;; i = (i + 1) & t->mask) {
		const struct ts_flow_slot *s = &t->slots[i];

		if (s->tcb == NULL)
			return NULL;
		if (s->hash == hash && s->tcb->rip == rip && s->tcb->lip == lip &&
				s->tcb->rport == rport && s->tcb->lport == lport)
			return s->tcb;
	}
}

/*
 * Before a burst is processed: each TCP frame's flow slot, prefetched and
 * kept in @p slots (NULL for frames that are not TCP), so that the
 * lookups' cache misses overlap instead of coming one a frame, and so
 * that ts_input can fetch the connections themselves a few frames ahead
 * (ts_flow_prefetch_tcb, ts_flow_prefetch_sndq). A slot is where the
 * search starts: a frame whose flow sits further on, or that another
 * worker owns, costs a wasted prefetch only; ts_tcp_input looks it up
 * properly.
 */
void ts_flow_prefetch(const struct ts_ctx *ctx, struct rte_mbuf **pkts,
		uint16_t n, const struct ts_flow_slot **slots)
{
	const struct ts_flow_table *t = &ctx->tcp.flows;

	for (uint16_t i = 0; i < n; i++) {
		const struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m,
				const struct rte_ether_hdr *);
		const struct rte_ipv4_hdr *ih = (const void *)(eh + 1);
		const struct rte_tcp_hdr *th;
		uint32_t l3;

		slots[i] = NULL;
		if (t->slots == NULL ||
				m->data_len < sizeof(*eh) + sizeof(*ih) + sizeof(*th) ||
				eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
				ih->next_proto_id != IPPROTO_TCP)
			continue;
		l3 = (uint32_t)(ih->version_ihl & 0xf) * 4;
		if (sizeof(*eh) + l3 + 4 > m->data_len)
			continue;
		th = (const void *)((const uint8_t *)ih + l3);
		slots[i] = &t->slots[ts_flow_hash(
				rte_be_to_cpu_32(ih->src_addr),
				rte_be_to_cpu_32(ih->dst_addr),
				rte_be_to_cpu_16(th->src_port),
				rte_be_to_cpu_16(th->dst_port)) & t->mask];
		rte_prefetch0(slots[i]);
	}
}

/* The connection a slot from ts_flow_prefetch holds, all its lines. */
void ts_flow_prefetch_tcb(const struct ts_flow_slot *s)
{
	if (s != NULL && s->tcb != NULL)
		ts_tcp_prefetch(s->tcb);
}

/*
 * The oldest unacknowledged piece of that connection's send queue, both
 * lines that an ACK reads (length, and the next piece in the second):
 * an ACK frees it while the connection is in cache. The connection
 * itself must have been asked for a few frames before.
 */
void ts_flow_prefetch_sndq(const struct ts_flow_slot *s)
{
	const struct rte_mbuf *m;

	if (s == NULL || s->tcb == NULL || (m = s->tcb->sndq_head) == NULL)
		return;
	rte_prefetch0(m);
	rte_prefetch0((const uint8_t *)m + RTE_CACHE_LINE_SIZE);
}

static uint32_t ts_tcb_hash(const struct ts_tcb *c)
{
	return ts_flow_hash(c->rip, c->lip, c->rport, c->lport);
}

static void ts_flow_insert(struct ts_flow_table *t, struct ts_tcb *c,
		uint32_t hash)
{
	uint32_t i;

	for (i = hash & t->mask; t->slots[i].tcb != NULL;
			i = (i + 1) & t->mask)
		;
	t->slots[i].hash = hash;
	t->slots[i].tcb = c;
	t->used++;
}

/* Backward-shift deletion, as in the ARP table. */
static void ts_flow_remove(struct ts_flow_table *t, const struct ts_tcb *c)
{
	uint32_t hole, i;

	for (hole = ts_tcb_hash(c) & t->mask; t->slots[hole].tcb != c;
			hole = (hole + 1) & t->mask)
		if (t->slots[hole].tcb == NULL)
			return;
	for (i = hole;;) {
		uint32_t home;

		i = (i + 1) & t->mask;
		if (t->slots[i].tcb == NULL)
			break;
		home = t->slots[i].hash & t->mask;
		if (((i - home) & t->mask) >= ((i - hole) & t->mask)) {
			t->slots[hole] = t->slots[i];
			hole = i;
		}
	}
	t->slots[hole].tcb = NULL;
	t->used--;
}

/* Per-source counts: at most one slot per passive connection. */
static int ts_src_table_init(struct ts_src_table *t, uint32_t conns,
		int socket)
{
	t->slots = ts_slots_alloc("ts_srcs", conns, sizeof(*t->slots), socket,
			&t->mask);
	t->used = 0;
	return t->slots == NULL ? -TS_ERR_NOMEM : 0;
}

static uint32_t ts_src_home(const struct ts_src_table *t, uint32_t ip)
{
	return rte_hash_crc_4byte(ip, 0x7f4a7c15) & t->mask;
}

/*
 * Other workers read a table while its owner writes it: whole slots, with
 * relaxed atomics (plain moves on x86), so none is ever seen torn.
 */
static uint64_t ts_src_load(const uint64_t *slot)
{
	return __atomic_load_n(slot, __ATOMIC_RELAXED);
}

static void ts_src_store(uint64_t *slot, uint64_t v)
{
	__atomic_store_n(slot, v, __ATOMIC_RELAXED);
}

static uint32_t ts_src_ip(uint64_t v)
{
	return (uint32_t)(v >> 32);
}

/*
 * The slot holding @p ip, or the free one where it would go. Bounded by
 * the table's size: another worker reading while the owner moves entries
 * may, in principle, keep finding neither, and then counts it as absent.
 */
static uint32_t ts_src_find(const struct ts_src_table *t, uint32_t ip)
{
	uint32_t i = ts_src_home(t, ip);

	for (uint32_t n = 0; n <= t->mask; n++) {
		uint64_t v = ts_src_load(&t->slots[i]);

		if (v == 0 || ts_src_ip(v) == ip)
			break;
		i = (i + 1) & t->mask;
	}
	return i;
}

static uint32_t ts_src_count(const struct ts_src_table *t, uint32_t ip)
{
	uint64_t v;

	if (t->slots == NULL)
		return 0;
	v = ts_src_load(&t->slots[ts_src_find(t, ip)]);
	return ts_src_ip(v) == ip ? (uint32_t)v : 0;
}

int ts_src_allowed(const struct ts_ctx *ctx, uint32_t ip)
{
	uint32_t max = ctx->tcp.conf.max_conns_per_ip, n = 0;

	if (ctx->tcp.srcs.slots == NULL)
		return 1;
	if (ctx->tcp.peers == NULL)
		return ts_src_count(&ctx->tcp.srcs, ip) < max;
	for (uint16_t w = 0; w < ctx->tcp.n_peers && n < max; w++)
		n += ts_src_count(&ctx->tcp.peers[w]->tcp.srcs, ip);
	return n < max;
}

void ts_src_add(struct ts_ctx *ctx, uint32_t ip)
{
	struct ts_src_table *t = &ctx->tcp.srcs;
	uint32_t i;
	uint64_t v;

	if (t->slots == NULL)
		return;
	i = ts_src_find(t, ip);
	v = t->slots[i];
	if (v == 0) {
		v = (uint64_t)ip << 32;
		t->used++;
	}
	ts_src_store(&t->slots[i], v + 1);
}

/* One connection fewer; the last one frees the slot (backward shift). */
static void ts_src_remove(struct ts_ctx *ctx, uint32_t ip)
{
	struct ts_src_table *t = &ctx->tcp.srcs;
	uint32_t hole, i;
	uint64_t v;

	if (t->slots == NULL)
		return;
	hole = ts_src_find(t, ip);
	v = t->slots[hole];
	if (v == 0)
		return;
	if ((uint32_t)v > 1) {
		ts_src_store(&t->slots[hole], v - 1);
		return;
	}
	for (i = (hole + 1) & t->mask; t->slots[i] != 0; i = (i + 1) & t->mask) {
		uint32_t home = ts_src_home(t, ts_src_ip(t->slots[i]));

		/* Move back an entry whose probe passed the hole. */
		if (((i - home) & t->mask) >= ((i - hole) & t->mask)) {
			ts_src_store(&t->slots[hole], t->slots[i]);
			hole = i;
		}
	}
	ts_src_store(&t->slots[hole], 0);
	t->used--;
}

uint32_t ts_listener_conns(const struct ts_ctx *ctx,
		const struct ts_tcp_listener *l)
{
	size_t k = (size_t)(l - ctx->tcp.listeners);
	uint32_t n = 0;

	if (ctx->tcp.peers == NULL)
		return l->conns;
	for (uint16_t w = 0; w < ctx->tcp.n_peers; w++) {
		const struct ts_tcp_listener *p =
			&ctx->tcp.peers[w]->tcp.listeners[k];

		/* Workers listen alike; one that does not is not counted. */
		if (p->port == l->port && p->ifidx == l->ifidx)
			n += __atomic_load_n(&p->conns, __ATOMIC_RELAXED);
	}
	return n;
}

void ts_listener_count(struct ts_tcp_listener *l, int delta)
{
	__atomic_store_n(&l->conns, l->conns + (uint32_t)delta,
			__ATOMIC_RELAXED);
}

void ts_tcp_set_nagle(struct ts_ctx *ctx, struct ts_tcb *c, int on)
{
	if (on) {
		c->reo |= TS_REO_NAGLE;
		return;
	}
	c->reo &= (uint8_t)~TS_REO_NAGLE;
	/* What waited goes now, as with TCP_NODELAY set. */
	if (c->sndq_bytes > c->snd_nxt - c->snd_una)
		ts_tcp_pend(ctx, c);
}

void ts_tcp_set_peers(struct ts_ctx *ctx, struct ts_ctx *const *peers,
		uint16_t n)
{
	ctx->tcp.peers = n > 1 ? peers : NULL;
	ctx->tcp.n_peers = n > 1 ? n : 0;
}

int ts_tcp_init(struct ts_ctx *ctx, int socket, uint16_t n_workers,
		const uint64_t cookie_key[2], uint64_t tsc)
{
	struct ts_tcp *tcp = &ctx->tcp;
	char name[RTE_MEMPOOL_NAMESIZE];
	int rc;
	static const struct rte_mbuf_dynfield ooo_field = {
		.name = "wsgw_ts_ooo_link",
		.size = sizeof(struct ts_ooo_link),
		.align = __alignof__(struct ts_ooo_link),
	};
	static const struct rte_mbuf_dynflag cksum_flag = {
		.name = "wsgw_ts_payload_cksum",
	};

	if (tcp->conf.max_conns == 0 || tcp->conf.mss < 536 ||
			n_workers == 0 || tcp->conf.rcvbuf < tcp->conf.mss ||
			tcp->conf.sndbuf < tcp->conf.mss ||
			tcp->conf.port_lo == 0 ||
			tcp->conf.port_lo > tcp->conf.port_hi)
		return -TS_ERR_INVAL;
	tcp->n_workers = n_workers;
	tcp->mem_low = ctx->pool->size / 8;
	tcp->cookie_key[0] = cookie_key[0];
	tcp->cookie_key[1] = cookie_key[1];
	tcp->iss_base = (uint32_t)tsc ^ (uint32_t)(cookie_key[0] >> 7);
	tcp->next_port = (uint16_t)(tsc % ((uint32_t)tcp->conf.port_hi -
				tcp->conf.port_lo + 1));
	snprintf(name, sizeof(name), "ts_tcb_%u_%p", ctx->worker_id,
			(void *)ctx);
	tcp->tcb_pool = rte_mempool_create(name, tcp->conf.max_conns,
			sizeof(struct ts_tcb), 0, 0, NULL, NULL, NULL, NULL,
			socket, RTE_MEMPOOL_F_SP_PUT | RTE_MEMPOOL_F_SC_GET |
			RTE_MEMPOOL_F_NO_CACHE_ALIGN | RTE_MEMPOOL_F_NO_SPREAD);
	if (tcp->tcb_pool == NULL)
		return -TS_ERR_NOMEM;
	tcp->ooo_off = rte_mbuf_dynfield_register(&ooo_field);
	if (tcp->ooo_off < 0)
		return -TS_ERR_NOMEM;
	/* Without the flag, payload is summed as it is sent: slower, not wrong. */
	rc = rte_mbuf_dynflag_register(&cksum_flag);
	tcp->cksum_flag = rc < 0 ? 0 : RTE_BIT64(rc);
	rc = ts_flow_table_init(&tcp->flows, tcp->conf.max_conns, socket);
	if (rc == 0 && tcp->conf.max_conns_per_ip != 0)
		rc = ts_src_table_init(&tcp->srcs, tcp->conf.max_conns, socket);
	if (rc == 0)
		rc = ts_wheel_init(ctx, socket, tsc);
	if (rc == 0)
		rc = ts_sb_pool_init(ctx, socket);
	return rc;
}

void ts_set_handoff(struct ts_ctx *ctx, ts_handoff_fn fn, void *arg)
{
	ctx->handoff = fn;
	ctx->handoff_arg = arg;
}

/* Off the output list: a block freed while on it goes back to the pool. */
static int ts_tcp_pend_reap(struct ts_ctx *ctx, struct ts_tcb *c)
{
	c->flags &= (uint16_t)~TS_TCBF_PENDING;
	if (likely(!(c->flags & TS_TCBF_FREED)))
		return 0;
	c->flags = 0;
	rte_mempool_put(ctx->tcp.tcb_pool, c);
	return 1;
}

/* Free every connection, then the tables (worker shutdown, tests). */
void ts_tcp_free(struct ts_ctx *ctx)
{
	struct ts_flow_table *t = &ctx->tcp.flows;
	struct ts_tcb *c;

	/* Off the output list first, so that each goes back to the pool. */
	while ((c = ctx->tcp.pend_head) != NULL) {
		ctx->tcp.pend_head = c->pend_next;
		ts_tcp_pend_reap(ctx, c);
	}
	if (t->slots != NULL) {
		for (uint32_t i = 0; i <= t->mask; i++)
			while (t->slots[i].tcb != NULL)
				ts_tcb_free(ctx, t->slots[i].tcb);
		rte_free(t->slots);
		t->slots = NULL;
	}
	rte_free(ctx->tcp.srcs.slots);
	ctx->tcp.srcs.slots = NULL;
	ts_wheel_free(ctx);
	ts_sb_pool_free(ctx);
	rte_mempool_free(ctx->tcp.tcb_pool);
	ctx->tcp.tcb_pool = NULL;
}

void ts_tcb_set_state(struct ts_ctx *ctx, struct ts_tcb *c, uint8_t state)
{
	if (c->state != TS_TCP_CLOSED)
		ctx->stats.v[ts_state_gauge[c->state]]--;
	if (state != TS_TCP_CLOSED)
		ctx->stats.v[ts_state_gauge[state]]++;
	c->state = state;
}

struct ts_tcb *ts_tcb_new(struct ts_ctx *ctx, uint8_t ifidx, uint32_t lip,
		uint32_t rip, uint16_t lport, uint16_t rport)
{
	struct ts_tcb *c;

	if (rte_mempool_get(ctx->tcp.tcb_pool, (void **)&c) != 0)
		return NULL;
	memset(c, 0, sizeof(*c));
	c->lip = lip;
	c->rip = rip;
	c->lport = lport;
	c->rport = rport;
	c->ifidx = ifidx;
	c->rto = TS_TCP_INIT_RTO_MS;
	c->rcv_free = ctx->tcp.conf.rcvbuf;
	c->mss = 536;
	if (ctx->tcp.conf.nagle)
		c->reo = TS_REO_NAGLE;
	ts_flow_insert(&ctx->tcp.flows, c, ts_tcb_hash(c));
	ts_count(ctx, TS_STAT_TCP_CONNS, 1);
	return c;
}

static void ts_mbuf_list_free(struct rte_mbuf *m)
{
	while (m != NULL) {
		struct rte_mbuf *next = m->next;

		m->next = NULL;
		m->nb_segs = 1;
		rte_pktmbuf_free(m);
		m = next;
	}
}

struct ts_tcp_listener *ts_tcb_listener(struct ts_ctx *ctx,
		const struct ts_tcb *c)
{
	return c->listener ? &ctx->tcp.listeners[c->listener - 1] : NULL;
}

void ts_tcb_free(struct ts_ctx *ctx, struct ts_tcb *c)
{
	struct ts_tcp_listener *l = ts_tcb_listener(ctx, c);

	if (l != NULL) {
		if (c->state == TS_TCP_SYN_RCVD)
			l->syn_rcvd--;
		ts_listener_count(l, -1);
		ts_src_remove(ctx, c->rip);
	}
	ts_tcb_set_state(ctx, c, TS_TCP_CLOSED);
	/* Every deadline, or the wheel keeps a block that is back in the pool. */
	c->t_rexmt = c->t_keep = c->t_delack = 0;
	ts_tcb_timer_update(ctx, c);
	ts_flow_remove(&ctx->tcp.flows, c);
	ts_mbuf_list_free(c->sndq_head);
	ts_mbuf_list_free(c->ooo_head);
	ts_sb_release(ctx, c);
	c->sndq_head = c->sndq_tail = c->ooo_head = NULL;
	ctx->stats.v[TS_STAT_TCP_CONNS]--;
	/*
	 * Still on the output list (singly linked, so unlinking would walk
	 * it: O(n) per free, O(n^2) for a burst of closes under a full
	 * port): the block goes back to the pool when the list reaches it.
	 */
	if (unlikely(c->flags & TS_TCBF_PENDING)) {
		c->flags = TS_TCBF_PENDING | TS_TCBF_FREED;
		return;
	}
	rte_mempool_put(ctx->tcp.tcb_pool, c);
}

/* The end of a connection: tell the application (once), then free. */
void ts_tcb_end(struct ts_ctx *ctx, struct ts_tcb *c, int why)
{
	/* A half-open passive connection was never shown to the application. */
	int told = c->state != TS_TCP_SYN_RCVD &&
		!(c->flags & TS_TCBF_APP_GONE) && c->ops != NULL &&
		c->ops->closed != NULL;

	c->flags |= TS_TCBF_APP_GONE;
	if (told)
		c->ops->closed(c->app, ctx, c, why);
	ts_tcb_free(ctx, c);
}

void ts_tcp_pend(struct ts_ctx *ctx, struct ts_tcb *c)
{
	if (c->flags & TS_TCBF_PENDING)
		return;
	c->flags |= TS_TCBF_PENDING;
	c->pend_next = NULL;
	if (ctx->tcp.pend_head == NULL)
		ctx->tcp.pend_head = c;
	else
		ctx->tcp.pend_tail->pend_next = c;
	ctx->tcp.pend_tail = c;
}

/*
 * Output for the connections that have some, oldest first. While a port is
 * full the rest wait on the list (the loop calls again), rather than being
 * sent into a full queue and dropped: a fan-out of one message to many
 * connections goes out as fast as the port drains, none of it lost.
 */
void ts_tcp_flush_pending(struct ts_ctx *ctx, uint64_t tsc)
{
	struct ts_tcb *c, *later = NULL, *later_tail = NULL;

	while ((c = ctx->tcp.pend_head) != NULL) {
		if (unlikely(c->flags & TS_TCBF_FREED)) {
			ctx->tcp.pend_head = c->pend_next;
			ts_tcp_pend_reap(ctx, c);
			continue;
		}
		if (unlikely(ts_tx_held(&ctx->ifs[c->ifidx]))) {
			if (ctx->n_ifs == 1)
				break;
			/* Another port may be free: this one waits aside. */
			ctx->tcp.pend_head = c->pend_next;
			c->pend_next = NULL;
			if (later == NULL)
				later = c;
			else
				later_tail->pend_next = c;
			later_tail = c;
			continue;
		}
		ctx->tcp.pend_head = c->pend_next;
		ts_tcp_pend_reap(ctx, c);
		ts_tcp_output(ctx, c, tsc);
	}
	/* What waited aside goes back in front, in its order. */
	if (later != NULL) {
		later_tail->pend_next = ctx->tcp.pend_head;
		if (ctx->tcp.pend_head == NULL)
			ctx->tcp.pend_tail = later_tail;
		ctx->tcp.pend_head = later;
	}
}

/* RFC 6528 would hash the tuple with a secret and add a clock; so do we. */
uint32_t ts_tcp_new_iss(struct ts_ctx *ctx, const struct ts_seg *s)
{
	uint32_t tuple[3] = { s->rip, s->lip,
		((uint32_t)s->rport << 16) | s->lport };

	return (uint32_t)ts_siphash(ctx->tcp.cookie_key, tuple, sizeof(tuple)) +
		ctx->tcp.iss_base + ts_usec(ctx, ctx->tcp.now) / 4;
}

void ts_tcp_established(struct ts_ctx *ctx, struct ts_tcb *c)
{
	const struct ts_tcp_conf *conf = &ctx->tcp.conf;

	ts_tcb_set_state(ctx, c, TS_TCP_ESTABLISHED);
	c->flags &= (uint16_t)~TS_TCBF_SYN_OWED;   /* a resend no longer due */
	ts_cc_init(c);
	if (conf->keepalive_ms != 0)
		c->t_keep = ts_tick(ctx, ctx->tcp.now) + conf->keepalive_ms;
}

int ts_tcp_listen(struct ts_ctx *ctx, uint8_t ifidx, uint16_t port,
		const struct ts_tcp_ops *ops, void *app)
{
	struct ts_tcp_listener *free_slot = NULL;

	if (port == 0 || ifidx >= ctx->n_ifs || ctx->tcp.tcb_pool == NULL)
		return -TS_ERR_INVAL;
	for (int i = 0; i < TS_TCP_MAX_LISTENERS; i++) {
		struct ts_tcp_listener *l = &ctx->tcp.listeners[i];

		if (l->port == port && l->ifidx == ifidx)
			return -TS_ERR_INVAL;
		if (l->port == 0 && free_slot == NULL)
			free_slot = l;
	}
	if (free_slot == NULL)
		return -TS_ERR_FULL;
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->ops = ops;
	free_slot->app = app;
	free_slot->port = port;
	free_slot->ifidx = ifidx;
	return 0;
}

/*
 * A connection in TIME-WAIT that a connect may replace (Linux's
 * tcp_twsk_unique with tcp_tw_reuse): it used timestamps, so the peer's
 * PAWS tells the new connection's segments from the old one's (ours come
 * from the same clock, later); it has been there time_wait_reuse_ms; and
 * its last ACK is not still waiting for a full port.
 */
static int ts_tcp_tw_replaceable(const struct ts_ctx *ctx,
		const struct ts_tcb *c, uint64_t tsc)
{
	const struct ts_tcp_conf *conf = &ctx->tcp.conf;
	uint32_t since = c->t_rexmt - conf->time_wait_ms;

	return c->state == TS_TCP_TIME_WAIT && (c->flags & TS_TCBF_TS) &&
		c->backoff == 0 && conf->time_wait_reuse_ms != 0 &&
		(int32_t)(ts_tick(ctx, tsc) - since) >=
		(int32_t)conf->time_wait_reuse_ms;
}

/*
 * End TIME-WAIT connection @p c for a connect that takes its port. It
 * leaves TIME-WAIT first, so that a connect made from the application's
 * closed callback passes it by. @return its snd_nxt.
 */
static uint32_t ts_tcp_tw_replace(struct ts_ctx *ctx, struct ts_tcb *c)
{
	uint32_t nxt = c->snd_nxt;

	ts_count(ctx, TS_STAT_TCP_TW_REUSE_CONNECT, 1);
	ts_tcb_set_state(ctx, c, TS_TCP_CLOSED);
	ts_tcb_end(ctx, c, TS_TCP_END_OK);
	return nxt;
}

/*
 * An ephemeral port whose flow to dst:dport this worker owns, free or
 * taken from a replaceable TIME-WAIT connection (then *tw_nxt is set to
 * that one's snd_nxt and *tw to 1).
 */
static uint16_t ts_tcp_pick_port(struct ts_ctx *ctx, uint32_t lip,
		uint32_t dst, uint16_t dport, uint64_t tsc, int *tw,
		uint32_t *tw_nxt)
{
	const uint32_t range = (uint32_t)ctx->tcp.conf.port_hi -
		ctx->tcp.conf.port_lo + 1;

	/* The cursor wraps within the range: every port once per search. */
	for (uint32_t n = 0; n < range; n++) {
		uint16_t port = (uint16_t)(ctx->tcp.conf.port_lo +
				ctx->tcp.next_port);
		uint32_t h = ts_flow_hash(dst, lip, dport, port);
		struct ts_tcb *o;

		ctx->tcp.next_port = (uint16_t)((ctx->tcp.next_port + 1u) % range);
		if (ts_owner(ctx, h) != ctx->worker_id)
			continue;
		o = ts_flow_find(ctx, h, dst, lip, dport, port);
		if (o != NULL && ts_tcp_tw_replaceable(ctx, o, tsc)) {
			*tw_nxt = ts_tcp_tw_replace(ctx, o);
			/* The callback may have connected on this very port. */
			o = ts_flow_find(ctx, h, dst, lip, dport, port);
			*tw = o == NULL;
		}
		if (o == NULL) {
			/* The next search most likely starts with the same
			 * destination: its first slot, on the way. */
			h = ts_flow_hash(dst, lip, dport, (uint16_t)(
					ctx->tcp.conf.port_lo + ctx->tcp.next_port));
			rte_prefetch0(&ctx->tcp.flows.slots[h &
					ctx->tcp.flows.mask]);
			return port;
		}
	}
	return 0;
}

int ts_tcp_connect(struct ts_ctx *ctx, uint8_t ifidx, uint32_t dst,
		uint16_t dport, const struct ts_tcp_ops *ops, void *app,
		uint64_t tsc, struct ts_tcb **out)
{
	if (ifidx >= ctx->n_ifs)
		return -TS_ERR_INVAL;
	return ts_tcp_connect_from(ctx, ifidx, ctx->ifs[ifidx].conf.addr, dst,
			dport, ops, app, tsc, out);
}

int ts_tcp_connect_from(struct ts_ctx *ctx, uint8_t ifidx, uint32_t src,
		uint32_t dst, uint16_t dport, const struct ts_tcp_ops *ops,
		void *app, uint64_t tsc, struct ts_tcb **out)
{
	struct ts_iface *ifc = &ctx->ifs[ifidx];
	struct ts_seg s = { 0 };
	uint32_t tw_nxt = 0;
	uint16_t lport;
	struct ts_tcb *c;
	int tw = 0;

	if (ifidx >= ctx->n_ifs || dport == 0 || !ts_ip_ours(ifc, src) ||
			(!ts_ip_on_link(ifc, dst) && ifc->conf.gateway == 0))
		return -TS_ERR_INVAL;
	lport = ts_tcp_pick_port(ctx, src, dst, dport, tsc, &tw, &tw_nxt);
	if (lport == 0)
		return -TS_ERR_FULL;
	c = ts_tcb_new(ctx, ifidx, src, dst, lport, dport);
	if (c == NULL) {
		ts_count(ctx, TS_STAT_DROP_TCP_NO_TCB, 1);
		return -TS_ERR_FULL;
	}
	c->ops = ops;
	c->app = app;
	s.rip = dst;
	s.lip = c->lip;
	s.rport = dport;
	s.lport = lport;
	/* After a TIME-WAIT one, past its sequence space (as Linux). */
	c->iss = tw ? tw_nxt + 65535 + 2 : ts_tcp_new_iss(ctx, &s);
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->mss = ctx->tcp.conf.mss;
	ts_tcb_set_state(ctx, c, TS_TCP_SYN_SENT);
	ts_count(ctx, TS_STAT_TCP_ACTIVE_OPEN, 1);
	ts_tcp_send_syn(ctx, c, tsc);
	c->snd_nxt = c->snd_max = c->iss + 1;
	ts_tcp_rto_arm(ctx, c, tsc);
	*out = c;
	return 0;
}

uint32_t ts_tcp_send_space(const struct ts_ctx *ctx, const struct ts_tcb *c)
{
	uint32_t buf = ctx->tcp.conf.sndbuf;

	return c->sndq_bytes >= buf ? 0 : buf - c->sndq_bytes;
}

static int ts_tcp_can_send(const struct ts_tcb *c)
{
	return (c->state == TS_TCP_ESTABLISHED || c->state == TS_TCP_CLOSE_WAIT ||
			c->state == TS_TCP_SYN_SENT ||
			c->state == TS_TCP_SYN_RCVD) &&
		!(c->flags & TS_TCBF_FIN_Q);
}

static int ts_tcp_queue(struct ts_ctx *ctx, struct ts_tcb *c,
		struct rte_mbuf *m)
{
	if (!ts_tcp_can_send(c))
		return -TS_ERR_INVAL;
	/*
	 * Taken whole while any space is left: the queue may pass sndbuf by
	 * one chain, which keeps messages whole and a large chain from
	 * waiting for ever on space that never reaches its size.
	 */
	if (ts_tcp_send_space(ctx, c) == 0) {
		c->flags |= TS_TCBF_WANT_W;
		return -TS_ERR_FULL;
	}
	/* Queue each segment on its own, linked by ->next. */
	while (m != NULL) {
		struct rte_mbuf *next = m->next;

		m->next = NULL;
		m->nb_segs = 1;
		m->pkt_len = m->data_len;
		ts_ooo(ctx, m)->cur = 0;
		if (m->data_len == 0) {
			rte_pktmbuf_free(m);
		} else {
			c->sndq_bytes += m->data_len;
			if (c->sndq_tail != NULL)
				c->sndq_tail->next = m;
			else
				c->sndq_head = m;
			c->sndq_tail = m;
		}
		m = next;
	}
	return 0;
}

int ts_tcp_send(struct ts_ctx *ctx, struct ts_tcb *c, struct rte_mbuf *m)
{
	int rc = ts_tcp_queue(ctx, c, m);

	if (rc == 0)
		ts_tcp_pend(ctx, c);
	return rc;
}

void ts_tcp_prefetch(const struct ts_tcb *c)
{
	for (size_t off = 0; off < sizeof(*c); off += RTE_CACHE_LINE_SIZE)
		rte_prefetch0((const uint8_t *)c + off);
}

void ts_tcp_prefetch_sndq(const struct ts_tcb *c)
{
	if (c->sndq_tail != NULL)
		rte_prefetch0(c->sndq_tail);
}

int ts_tcp_send_now(struct ts_ctx *ctx, struct ts_tcb *c, struct rte_mbuf *m)
{
	int rc = ts_tcp_queue(ctx, c, m);

	if (rc != 0)
		return rc;
	/*
	 * Out now unless it already waits its turn on the output list (the
	 * port was full), the port is full, or the stack is amid this
	 * connection's own input (its state half updated).
	 */
	if ((c->flags & TS_TCBF_PENDING) || c == ctx->tcp.busy ||
			ts_tx_held(&ctx->ifs[c->ifidx]))
		ts_tcp_pend(ctx, c);
	else
		ts_tcp_output(ctx, c, ctx->tcp.now);
	return 0;
}

void ts_tcp_recved(struct ts_ctx *ctx, struct ts_tcb *c, uint32_t len)
{
	uint32_t offered = ts_seq_gt(c->rcv_adv, c->rcv_nxt) ?
		c->rcv_adv - c->rcv_nxt : 0;
	uint32_t wnd;

	c->rcv_free += len;
	if (c->rcv_free > ctx->tcp.conf.rcvbuf)
		c->rcv_free = ctx->tcp.conf.rcvbuf;
	wnd = ts_tcp_rcv_window(c);
	/*
	 * An update of its own only when the peer holds under half the
	 * window it could have and gains a segment (RFC 1122 SWS, as Linux's
	 * tcp_cleanup_rbuf); otherwise the next ACK carries it.
	 */
	if (wnd >= offered + c->mss && offered < wnd / 2) {
		c->flags |= TS_TCBF_ACK_NOW;
		ts_tcp_pend(ctx, c);
	}
}

void ts_tcp_shutdown(struct ts_ctx *ctx, struct ts_tcb *c)
{
	if (c->flags & TS_TCBF_FIN_Q)
		return;
	switch (c->state) {
	case TS_TCP_SYN_SENT:
		ts_tcb_end(ctx, c, TS_TCP_END_ABORTED);
		return;
	case TS_TCP_SYN_RCVD:
	case TS_TCP_ESTABLISHED:
	case TS_TCP_CLOSE_WAIT:
		c->flags |= TS_TCBF_FIN_Q;
		ts_tcp_pend(ctx, c);
		return;
	default:
		return;
	}
}

void ts_tcp_abort(struct ts_ctx *ctx, struct ts_tcb *c)
{
	if (c->state != TS_TCP_SYN_SENT && c->state != TS_TCP_TIME_WAIT)
		ts_tcp_send_rst(ctx, c, TS_STAT_TCP_RST_TX_ABORT, ctx->tcp.now);
	c->flags |= TS_TCBF_APP_GONE;
	ts_tcb_free(ctx, c);
}
