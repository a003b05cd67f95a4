/**
 * @file
 * Pub/sub: channels, ordering across workers, fan-out without copies, and
 * what a slow subscriber's full queue does to the next message.
 *
 * A channel is owned by worker (id % workers), which orders its messages:
 * dp_gw_publish -> (the owner's ring, DP_GW_MSG_PUBLISH) -> dp_gw_broadcast
 * on the owner -> every other worker's ring (DP_GW_MSG_DELIVER, the same
 * mbuf, one reference each) and dp_gw_deliver_local -> per subscriber an
 * indirect clone of the frame -> dp_gw_deliver -> dp_gw_out, or the
 * route's policy when the subscriber's queue is not empty.
 * Every worker drains its ring in dp_gw_pubsub_poll, once per loop. Rings
 * are FIFO per producer, so each subscriber sees the owner's order.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_malloc.h>

#include "dp_gw_priv.h"
#include "dp_key.h"

uint64_t dp_gw_chan_id(const char *name, size_t len)
{
	uint64_t id = dp_fnv1a64(name, len);

	return id != 0 ? id : 1;
}

static struct dp_gw_chan *dp_gw_chan_find(struct dp_gw_worker *g, uint64_t id,
		const char *name, size_t len)
{
	uint32_t mask = DP_GW_CHANNELS - 1;

	for (uint32_t i = 0; i < DP_GW_CHANNELS; i++) {
		struct dp_gw_chan *ch = &g->chans[(uint32_t)(id + i) & mask];
		uint64_t have = __atomic_load_n(&ch->id, __ATOMIC_ACQUIRE);

		if (have == id)
			return ch;
		if (have != 0)
			continue;
		if (name == NULL || g->n_chans >= DP_GW_CHANNELS * 3 / 4)
			return NULL;
		/* The name first: the control thread reads it once id is set. */
		memcpy(ch->name, name, RTE_MIN(len, (size_t)DP_GW_CHAN_NAME - 1));
		ch->name[RTE_MIN(len, (size_t)DP_GW_CHAN_NAME - 1)] = '\0';
		ch->subs.prev = ch->subs.next = &ch->subs;
		__atomic_store_n(&ch->id, id, __ATOMIC_RELEASE);
		g->n_chans++;
		return ch;
	}
	return NULL;
}

int dp_gw_chan_room(const struct dp_gw_worker *g, uint64_t id)
{
	uint32_t mask = DP_GW_CHANNELS - 1;

	for (uint32_t i = 0; i < DP_GW_CHANNELS; i++) {
		uint64_t have = g->chans[(uint32_t)(id + i) & mask].id;

		if (have == id)
			return 1;
		if (have == 0)
			return g->n_chans < DP_GW_CHANNELS * 3 / 4;
	}
	return 0;
}

int dp_gw_subscribe(struct dp_gw_worker *g, struct dp_gw_conn *c,
		uint64_t id, const char *name, size_t len)
{
	struct dp_gw_chan *ch = dp_gw_chan_find(g, id, name, len);

	if (ch == NULL)
		return -1;
	if (c == NULL)
		return 0;
	c->sub.prev = ch->subs.prev;
	c->sub.next = &ch->subs;
	ch->subs.prev->next = &c->sub;
	ch->subs.prev = &c->sub;
	ch->n_subs++;
	c->chan_slot = (uint16_t)(ch - g->chans);
	c->flags |= DP_GW_CF_SUB;
	dp_gw_count(g, DP_GW_STAT_SUBSCRIBERS, 1);
	return 0;
}

void dp_gw_unsubscribe(struct dp_gw_worker *g, struct dp_gw_conn *c)
{
	struct dp_gw_chan *ch = &g->chans[c->chan_slot];

	c->sub.prev->next = c->sub.next;
	c->sub.next->prev = c->sub.prev;
	c->sub.prev = c->sub.next = NULL;
	ch->n_subs--;
	c->flags &= (uint8_t)~DP_GW_CF_SUB;
	dp_gw_count(g, DP_GW_STAT_SUBSCRIBERS, (uint64_t)-1);
}

uint64_t dp_gw_sub_chan(const struct dp_gw_worker *g,
		const struct dp_gw_conn *c)
{
	return g->chans[c->chan_slot].id;
}

/* ---- conflation keys ---- */

/* Where the payload of an unmasked frame starts. */
static size_t dp_gw_frame_hdr_len(const uint8_t *p)
{
	uint8_t len7 = p[1] & 0x7f;

	return len7 == 126 ? 4 : len7 == 127 ? 10 : 2;
}

static uint32_t dp_gw_msg_key(struct rte_mbuf *m, const char *field)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	size_t hl = dp_gw_frame_hdr_len(p);

	if (m->data_len <= hl)
		return 0;
	return dp_conflate_key(p + hl, m->data_len - hl, field);
}

/* ---- slow consumers ---- */

/*
 * Remove and free the first data frame of @p c's queue whose key is
 * @p key (any key when @p any); control frames stay.
 * @return 1 when one was removed.
 */
static int dp_gw_outq_remove(struct dp_gw_conn *c, uint32_t key, int any)
{
	struct rte_mbuf *prev = NULL;

	for (struct rte_mbuf *q = c->outq; q != NULL; prev = q,
			q = dp_gw_q(q)->next) {
		struct dp_gw_q_meta *qm = dp_gw_q(q);

		if (qm->control || (!any && qm->key != key))
			continue;
		if (prev != NULL)
			dp_gw_q(prev)->next = qm->next;
		else
			c->outq = qm->next;
		if (c->outq_tail == q)
			c->outq_tail = prev;
		c->outq_bytes -= q->pkt_len;
		c->outq_msgs--;
		rte_pktmbuf_free(q);
		return 1;
	}
	return 0;
}

/*
 * A queued frame of the same key goes; the new one joins the tail, so the
 * queue stays in publish order.
 */
static int dp_gw_conflate(struct dp_gw_conn *c, uint32_t key)
{
	return dp_gw_outq_remove(c, key, 0);
}

/* The oldest data frame goes. */
static int dp_gw_drop_oldest(struct dp_gw_conn *c)
{
	return dp_gw_outq_remove(c, 0, 1);
}

static int dp_gw_over(const struct dp_gw_conn *c, const struct dp_route_conf *r)
{
	return c->outq_bytes > r->queue_bytes || c->outq_msgs > r->queue_msgs;
}

/* Policy disconnect: the subscriber that is behind is closed 1008. */
static void dp_gw_slow_close(struct dp_gw_worker *g, struct dp_gw_conn *c)
{
	dp_gw_count(g, DP_GW_STAT_SLOW_CLOSED, 1);
	dp_gw_rcount(g, c->route, DP_GW_RSTAT_SLOW_CLOSED, 1);
	dp_gw_outq_purge(c);
	dp_gw_close(g, c, WS_CLOSE_POLICY, "slow consumer");
}

/* One subscriber, one clone of the frame. @p key: 0 until computed. */
static void dp_gw_deliver(struct dp_gw_worker *g, struct dp_gw_conn *c,
		struct rte_mbuf *m, uint32_t *key)
{
	const struct dp_route_conf *r = dp_gw_route(c);
	struct rte_mbuf *cl;

	if (c->state != DP_GW_OPEN)
		return;
	cl = rte_pktmbuf_clone(m, g->clone_pool);
	/*
	 * The fan-out pool is empty: subscribers' queues hold it all. One
	 * with frames of its own waiting is behind, and gets its route's
	 * policy: closed 1008, or its oldest frame makes room. For one that
	 * is not behind (what it holds is in TCP, unacknowledged) the message
	 * is dropped, counted in gw_no_mbuf.
	 */
	if (unlikely(cl == NULL)) {
		dp_gw_count(g, DP_GW_STAT_NO_MBUF, 1);
		if (c->outq == NULL)
			return;
		if (r->policy == DP_POL_DISCONNECT) {
			dp_gw_slow_close(g, c);
			return;
		}
		if (!dp_gw_drop_oldest(c))
			return;
		dp_gw_count(g, DP_GW_STAT_DROP_OLDEST, 1);
		dp_gw_rcount(g, c->route, DP_GW_RSTAT_DROP_OLDEST, 1);
		cl = rte_pktmbuf_clone(m, g->clone_pool);
		if (cl == NULL)
			return;
	}
	dp_gw_count(g, DP_GW_STAT_DELIVERED, 1);
	dp_gw_count(g, DP_GW_STAT_MSG_OUT, 1);
	dp_gw_rcount(g, c->route, DP_GW_RSTAT_MSG_OUT, 1);
	/* The key goes with the frame, should TCP refuse it and it wait. */
	if (r->policy == DP_POL_CONFLATE && *key == 0)
		*key = dp_gw_msg_key(m, r->conflate_key);
	if (c->outq == NULL) {
		dp_gw_out(g, c, cl, r->policy == DP_POL_CONFLATE ? *key : 0, 0);
		return;
	}
	/* Behind: the route's policy decides what this subscriber gets. */
	if (r->policy == DP_POL_CONFLATE) {
		if (*key != 0 && dp_gw_conflate(c, *key)) {
			dp_gw_count(g, DP_GW_STAT_CONFLATED, 1);
			dp_gw_rcount(g, c->route, DP_GW_RSTAT_CONFLATED, 1);
		}
	}
	dp_gw_out(g, c, cl, r->policy == DP_POL_CONFLATE ? *key : 0, 0);
	if (!dp_gw_over(c, r))
		return;
	if (r->policy == DP_POL_DISCONNECT) {
		dp_gw_slow_close(g, c);
		return;
	}
	while (dp_gw_over(c, r) && dp_gw_drop_oldest(c)) {
		dp_gw_count(g, DP_GW_STAT_DROP_OLDEST, 1);
		dp_gw_rcount(g, c->route, DP_GW_RSTAT_DROP_OLDEST, 1);
	}
}

/* This worker's subscribers of the message's channel; takes @p m. */
static void dp_gw_deliver_local(struct dp_gw_worker *g, struct rte_mbuf *m)
{
	struct dp_gw_chan *ch = dp_gw_chan_find(g, dp_gw_meta(m)->chan, NULL, 0);
	uint32_t key = 0;

	if (ch != NULL) {
		struct dp_gw_link *l = ch->subs.next;

		while (l != &ch->subs) {
			struct dp_gw_link *next = l->next;

			dp_gw_deliver(g, container_of(l, struct dp_gw_conn, sub),
					m, &key);
			l = next;
		}
	}
	rte_pktmbuf_free(m);
}

/* ---- between workers ---- */

static void dp_gw_ref_chain(struct rte_mbuf *m)
{
	for (; m != NULL; m = m->next)
		rte_mbuf_refcnt_update(m, 1);
}

static int dp_gw_fifo_push(struct dp_gw_fifo *f, struct rte_mbuf *m)
{
	if (f->tail - f->head > f->mask)
		return -1;
	f->v[f->tail++ & f->mask] = m;
	return 0;
}

/* To worker @p dst's ring, behind whatever is held back for it. */
static void dp_gw_send_to(struct dp_gw_worker *g, uint16_t dst,
		struct rte_mbuf *m)
{
	struct dp_gw_worker *to = dp.workers[dst].app;
	struct dp_gw_fifo *f = &g->backlog[dst];

	if (f->head == f->tail && rte_ring_mp_enqueue(to->ring, m) == 0)
		return;
	if (dp_gw_fifo_push(f, m) != 0) {
		dp_gw_count(g, DP_GW_STAT_RING_LOST, 1);
		rte_pktmbuf_free(m);
		return;
	}
	g->backlog_n++;
	dp_gw_count(g, DP_GW_STAT_RING_BACKLOG, 1);
}

/* The owner's step: the order it sees is every subscriber's order. */
static void dp_gw_broadcast(struct dp_gw_worker *g, struct rte_mbuf *m)
{
	dp_gw_meta(m)->kind = DP_GW_MSG_DELIVER;
	for (uint16_t w = 0; w < dp.n_workers; w++) {
		if (w == g->w->id)
			continue;
		dp_gw_ref_chain(m);
		dp_gw_send_to(g, w, m);
	}
	dp_gw_deliver_local(g, m);
}

void dp_gw_publish(struct dp_gw_worker *g, uint64_t id, struct rte_mbuf *m)
{
	struct dp_gw_msg_meta *meta = dp_gw_meta(m);
	uint16_t owner = (uint16_t)(id % dp.n_workers);

	dp_gw_count(g, DP_GW_STAT_PUBLISHED, 1);
	/* Summed once here; every subscriber's segment reuses the sum. */
	ts_payload_cksum_prepare(g->ts, m);
	meta->chan = id;
	if (owner == g->w->id) {
		dp_gw_broadcast(g, m);
		return;
	}
	meta->kind = DP_GW_MSG_PUBLISH;
	dp_gw_send_to(g, owner, m);
}

static void dp_gw_backlog_flush(struct dp_gw_worker *g)
{
	for (uint16_t w = 0; w < dp.n_workers && g->backlog_n > 0; w++) {
		struct dp_gw_fifo *f = &g->backlog[w];
		struct dp_gw_worker *to = dp.workers[w].app;

		while (f->head != f->tail &&
				rte_ring_mp_enqueue(to->ring,
					f->v[f->head & f->mask]) == 0) {
			f->head++;
			g->backlog_n--;
		}
	}
}

void dp_gw_pubsub_poll(struct dp_gw_worker *g)
{
	struct rte_mbuf *msgs[DP_GW_RING_BURST];
	unsigned int n;

	if (unlikely(g->backlog_n > 0))
		dp_gw_backlog_flush(g);
	if (rte_ring_empty(g->ring))
		return;
	n = rte_ring_sc_dequeue_burst(g->ring, (void **)msgs, DP_GW_RING_BURST,
			NULL);
	for (unsigned int i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(msgs[i + 1], void *));
		if (dp_gw_meta(msgs[i])->kind == DP_GW_MSG_PUBLISH)
			dp_gw_broadcast(g, msgs[i]);
		else
			dp_gw_deliver_local(g, msgs[i]);
	}
}

int dp_gw_pubsub_busy(const struct dp_gw_worker *g)
{
	return g->backlog_n > 0 || !rte_ring_empty(g->ring);
}

/* ---- set-up ---- */

int dp_gw_pubsub_init(struct dp_gw_worker *g, int socket)
{
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), "wsgw_pubsub_%u", g->w->id);
	g->ring = rte_ring_create(name, DP_GW_RING, socket, RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "wsgw_fanout_%u", g->w->id);
	g->clone_pool = rte_pktmbuf_pool_create(name, dp.conf.gw_fanout_mbufs,
			256, 0, 0, socket);
	g->chans = rte_zmalloc_socket("wsgw_gw_chans",
			DP_GW_CHANNELS * sizeof(*g->chans), RTE_CACHE_LINE_SIZE,
			socket);
	g->backlog = rte_zmalloc_socket("wsgw_gw_backlog",
			dp.n_workers * sizeof(*g->backlog), RTE_CACHE_LINE_SIZE,
			socket);
	if (g->ring == NULL || g->clone_pool == NULL || g->chans == NULL ||
			g->backlog == NULL)
		return -ENOMEM;
	for (uint16_t w = 0; w < dp.n_workers; w++) {
		if (w == g->w->id)
			continue;
		g->backlog[w].mask = DP_GW_BACKLOG - 1;
		g->backlog[w].v = rte_zmalloc_socket("wsgw_gw_backlog_v",
				DP_GW_BACKLOG * sizeof(struct rte_mbuf *), 0,
				socket);
		if (g->backlog[w].v == NULL)
			return -ENOMEM;
	}
	return 0;
}

void dp_gw_pubsub_free(struct dp_gw_worker *g)
{
	struct rte_mbuf *m;

	while (g->ring != NULL && rte_ring_dequeue(g->ring, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	for (uint16_t w = 0; g->backlog != NULL && w < dp.n_workers; w++) {
		struct dp_gw_fifo *f = &g->backlog[w];

		while (f->head != f->tail)
			rte_pktmbuf_free(f->v[f->head++ & f->mask]);
		rte_free(f->v);
	}
	rte_free(g->backlog);
	rte_free(g->chans);
	rte_ring_free(g->ring);
	rte_mempool_free(g->clone_pool);
}

/* Channel @p id in @p g's table, without changing it (control thread). */
static const struct dp_gw_chan *dp_gw_chan_peek(const struct dp_gw_worker *g,
		uint64_t id)
{
	for (uint32_t i = 0; g != NULL && i < DP_GW_CHANNELS; i++) {
		const struct dp_gw_chan *ch =
			&g->chans[(uint32_t)(id + i) & (DP_GW_CHANNELS - 1)];
		uint64_t have = __atomic_load_n(&ch->id, __ATOMIC_ACQUIRE);

		if (have == id)
			return ch;
		if (have == 0)
			return NULL;
	}
	return NULL;
}

/* Subscribers per channel, summed over the workers (control thread). */
void dp_gw_channels_cmd(FILE *out)
{
	fprintf(out, "# channel subscribers\n");
	for (uint16_t w = 0; w < dp.n_workers; w++) {
		const struct dp_gw_worker *g = dp.workers[w].app;

		for (uint32_t i = 0; g != NULL && i < DP_GW_CHANNELS; i++) {
			uint64_t id = __atomic_load_n(&g->chans[i].id,
					__ATOMIC_ACQUIRE);
			uint64_t subs = 0;
			int seen = 0;

			if (id == 0)
				continue;
			/* Each channel once: at the first worker that has it. */
			for (uint16_t v = 0; v < w && !seen; v++)
				seen = dp_gw_chan_peek(dp.workers[v].app, id) != NULL;
			if (seen)
				continue;
			for (uint16_t v = w; v < dp.n_workers; v++) {
				const struct dp_gw_chan *ch =
					dp_gw_chan_peek(dp.workers[v].app, id);

				if (ch != NULL)
					subs += *(const volatile uint32_t *)&ch->n_subs;
			}
			fprintf(out, "%s %" PRIu64 "\n", g->chans[i].name, subs);
		}
	}
}
