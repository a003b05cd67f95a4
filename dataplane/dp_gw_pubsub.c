/**
 * @file
 * Pub/sub: channels, ordering across workers, fan-out without copies, and
 * what a slow subscriber's full queue does to the next message.
 *
 * A channel is owned by worker (id % workers), which orders its messages:
 * dp_gw_publish -> (the owner's ring, DP_GW_MSG_PUBLISH) -> dp_gw_broadcast
 * on the owner -> every other worker's ring (DP_GW_MSG_DELIVER, the same
 * mbuf, one reference each) and dp_gw_fan_add -> (fan_q) -> dp_gw_fan_step,
 * DP_GW_FAN_STEP subscribers at a time -> per subscriber an indirect
 * clone of the frame -> dp_gw_deliver -> dp_gw_out_now, or the route's
 * policy when the subscriber's queue is not empty.
 * Every worker drains its ring in dp_gw_pubsub_poll, once per loop. Rings
 * are FIFO per producer, and fan_q is FIFO, so each subscriber sees the
 * owner's order.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "dp_gw_priv.h"
#include "dp_key.h"

uint64_t dp_gw_chan_id(const char *name, size_t len)
{
	uint64_t id = dp_siphash(&dp_gw.chan_key, name, len);

	return id != 0 ? id : 1;
}

/*
 * Channels: one table per worker, open addressing with linear probing
 * from (id & mask), at most 3/4 full so that every probe meets a free
 * slot. A channel lives while this worker has a subscriber on it; the
 * last one's leaving takes the slot out by backward shift (no tombstones),
 * moving later slots of the run up and telling their subscribers.
 * The control thread reads the table under chan_seq.
 */

/* The slot holding @p id, or the free slot where it would go. */
static struct dp_gw_chan *dp_gw_chan_slot(const struct dp_gw_worker *g,
		uint64_t id)
{
	uint32_t i = (uint32_t)id & g->chan_mask;

	while (g->chans[i].id != id && g->chans[i].id != 0)
		i = (i + 1) & g->chan_mask;
	return &g->chans[i];
}

static struct dp_gw_chan *dp_gw_chan_find(const struct dp_gw_worker *g,
		uint64_t id)
{
	struct dp_gw_chan *ch = dp_gw_chan_slot(g, id);

	return ch->id == id ? ch : NULL;
}

static int dp_gw_chan_is(const struct dp_gw_chan *ch, const char *name,
		size_t len)
{
	return strnlen(ch->name, DP_GW_CHAN_NAME) == len &&
		memcmp(ch->name, name, len) == 0;
}

int dp_gw_chan_room(const struct dp_gw_worker *g, uint64_t id,
		const char *name, size_t len)
{
	const struct dp_gw_chan *ch = dp_gw_chan_slot(g, id);

	if (ch->id == id)
		return dp_gw_chan_is(ch, name, len) ? 0 : -EEXIST;
	return g->n_chans < dp.conf.gw_channels ? 0 : -ENOSPC;
}

int dp_gw_subscribe(struct dp_gw_worker *g, struct dp_gw_conn *c,
		uint64_t id, const char *name, size_t len)
{
	struct dp_gw_chan *ch;
	int rc;

	if (len >= DP_GW_CHAN_NAME)
		return -ENAMETOOLONG;
	rc = dp_gw_chan_room(g, id, name, len);
	if (rc != 0)
		return rc;
	ch = dp_gw_chan_slot(g, id);
	if (ch->id != id) {
		rte_seqcount_write_begin(&g->chan_seq);
		memcpy(ch->name, name, len);
		ch->name[len] = '\0';
		ch->subs.prev = ch->subs.next = &ch->subs;
		ch->n_subs = 0;
		ch->id = id;
		rte_seqcount_write_end(&g->chan_seq);
		g->n_chans++;
	}
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

/* Slot @p from's channel into free slot @p to, its list and all. */
static void dp_gw_chan_move(struct dp_gw_worker *g, struct dp_gw_chan *to,
		struct dp_gw_chan *from)
{
	uint16_t slot = (uint16_t)(to - g->chans);

	/* The walk, if of this channel, follows it. */
	if (g->fan_end == &from->subs)
		g->fan_end = &to->subs;
	if (g->fan_next == &from->subs)
		g->fan_next = &to->subs;
	*to = *from;
	if (from->subs.next == &from->subs) {
		to->subs.prev = to->subs.next = &to->subs;
		return;
	}
	to->subs.next->prev = &to->subs;
	to->subs.prev->next = &to->subs;
	for (struct dp_gw_link *l = to->subs.next; l != &to->subs; l = l->next)
		container_of(l, struct dp_gw_conn, sub)->chan_slot = slot;
}

/* Take channel @p ch out; later slots of its run move up into the gap. */
static void dp_gw_chan_del(struct dp_gw_worker *g, struct dp_gw_chan *ch)
{
	uint32_t mask = g->chan_mask;
	uint32_t i = (uint32_t)(ch - g->chans);

	rte_seqcount_write_begin(&g->chan_seq);
	for (uint32_t j = (i + 1) & mask; g->chans[j].id != 0;
			j = (j + 1) & mask) {
		uint32_t home = (uint32_t)g->chans[j].id & mask;

		/* j moves up to i when i lies on its probe path. */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			dp_gw_chan_move(g, &g->chans[i], &g->chans[j]);
			i = j;
		}
	}
	g->chans[i].id = 0;
	g->chans[i].n_subs = 0;
	rte_seqcount_write_end(&g->chan_seq);
	g->n_chans--;
}

void dp_gw_chan_sweep(struct dp_gw_worker *g)
{
	g->chan_sweep = 0;
	for (uint32_t i = 0; i <= g->chan_mask;) {
		struct dp_gw_chan *ch = &g->chans[i];

		if (ch->id != 0 && ch->n_subs == 0)
			dp_gw_chan_del(g, ch);   /* slot i may hold another now */
		else
			i++;
	}
}

void dp_gw_unsubscribe(struct dp_gw_worker *g, struct dp_gw_conn *c)
{
	struct dp_gw_chan *ch = &g->chans[c->chan_slot];

	if (g->fan_next == &c->sub)          /* the fan-out goes on past it */
		g->fan_next = c->sub.next;

	c->sub.prev->next = c->sub.next;
	c->sub.next->prev = c->sub.prev;
	c->sub.prev = c->sub.next = NULL;
	ch->n_subs--;
	c->flags &= (uint8_t)~DP_GW_CF_SUB;
	dp_gw_count(g, DP_GW_STAT_SUBSCRIBERS, (uint64_t)-1);
	if (ch->n_subs > 0)
		return;
	/* The walked channel's slot stays until the walk ends. */
	if (g->fanning && g->fan_end == &ch->subs)
		g->chan_sweep = 1;
	else
		dp_gw_chan_del(g, ch);
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

/*
 * A clone of the fan-out's frame for one subscriber. The frame's
 * references are taken DP_GW_FAN_STEP at a time (dp_gw_fan_refs), not one
 * atomic update per subscriber: a single-piece frame gets
 * rte_pktmbuf_attach() without its reference count update (the fields as
 * DPDK 22.11 sets them for a direct mbuf), others rte_pktmbuf_clone(),
 * up to DP_GW_REFS_MAX references.
 */
static struct rte_mbuf *dp_gw_clone(struct dp_gw_worker *g,
		struct rte_mbuf *m)
{
	struct rte_mbuf *mi;

	if (g->fan_refs == 0) {
		if (unlikely(rte_mbuf_refcnt_read(m) >= DP_GW_REFS_MAX))
			return NULL;
		return rte_pktmbuf_clone(m, g->clone_pool);
	}
	mi = rte_pktmbuf_alloc(g->clone_pool);
	if (unlikely(mi == NULL))
		return NULL;
	g->fan_refs--;
	mi->priv_size = m->priv_size;
	mi->ol_flags = m->ol_flags | RTE_MBUF_F_INDIRECT;
	mi->port = m->port;
	mi->vlan_tci = m->vlan_tci;
	mi->vlan_tci_outer = m->vlan_tci_outer;
	mi->tx_offload = m->tx_offload;
	mi->hash = m->hash;
	mi->packet_type = m->packet_type;
	rte_mbuf_dynfield_copy(mi, m);
	mi->data_off = m->data_off;
	mi->data_len = m->data_len;
	rte_mbuf_iova_set(mi, rte_mbuf_iova_get(m));
	mi->buf_addr = m->buf_addr;
	mi->buf_len = m->buf_len;
	mi->next = NULL;
	mi->pkt_len = mi->data_len;
	mi->nb_segs = 1;
	return mi;
}

/* One subscriber, one clone of the frame. @p key: 0 until computed. */
static void dp_gw_deliver(struct dp_gw_worker *g, struct dp_gw_conn *c,
		struct rte_mbuf *m, uint32_t *key)
{
	const struct dp_route_conf *r = dp_gw_route(c);
	struct rte_mbuf *cl;

	if (c->state != DP_GW_OPEN)
		return;
	cl = dp_gw_clone(g, m);
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
		cl = dp_gw_clone(g, m);
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
		dp_gw_out_now(g, c, cl, r->policy == DP_POL_CONFLATE ? *key : 0);
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

/*
 * A fan-out goes in steps of at most DP_GW_FAN_STEP deliveries, one or
 * more per loop, and this worker's messages wait for it in fan_q: each
 * subscriber still gets them in the owner's order. While one runs, the
 * walked channel's slot stays (emptied, it waits for the sweep; moved by
 * another channel's removal, fan_end and fan_next follow it), and a
 * subscriber that leaves moves fan_next past itself.
 */

/* Start on @p m, this worker's subscribers of its channel; takes @p m. */
static void dp_gw_fan_start(struct dp_gw_worker *g, struct rte_mbuf *m)
{
	struct dp_gw_chan *ch = dp_gw_chan_find(g, dp_gw_meta(m)->chan);

	if (ch == NULL || ch->n_subs == 0) {
		rte_pktmbuf_free(m);
		return;
	}
	g->fan_m = m;
	g->fan_end = &ch->subs;
	g->fan_next = ch->subs.next;
	g->fan_key = 0;
	g->fanning = 1;
}

/*
 * A copy of the fan-out's frame for the rest of it, in the same layout (a
 * single-piece frame stays one piece, at the same offset), its payload
 * summed again. NULL when no mbuf can be had.
 */
static struct rte_mbuf *dp_gw_frame_copy(struct dp_gw_worker *g,
		const struct rte_mbuf *m)
{
	struct rte_mbuf *cp = NULL;

	if (m->nb_segs == 1 && (cp = rte_pktmbuf_alloc(g->pool)) != NULL) {
		if (cp->buf_len >= m->data_off + m->data_len) {
			cp->data_off = m->data_off;
			rte_memcpy(rte_pktmbuf_mtod(cp, void *),
					rte_pktmbuf_mtod(m, const void *),
					m->data_len);
			cp->data_len = m->data_len;
			cp->pkt_len = m->pkt_len;
		} else {
			rte_pktmbuf_free(cp);
			cp = NULL;
		}
	}
	if (cp == NULL)
		cp = rte_pktmbuf_copy(m, g->pool, 0, UINT32_MAX);
	if (cp != NULL)
		ts_payload_cksum_prepare(g->ts, cp);
	return cp;
}

/*
 * Before the next @p n deliveries at most. A frame held DP_GW_REFS_MAX
 * times (by subscribers that have not acknowledged it yet) is copied and
 * the rest of the fan-out shares the copy, so that its 16-bit count never
 * overflows whatever the number of subscribers; should no copy be had,
 * dp_gw_clone refuses past the bound as if out of clones. A single-piece
 * direct frame then gets the @p n references in one update.
 */
static void dp_gw_fan_refs(struct dp_gw_worker *g, unsigned int n)
{
	struct rte_mbuf *m = g->fan_m;

	if (rte_mbuf_refcnt_read(m) + n > DP_GW_REFS_MAX) {
		struct rte_mbuf *cp = dp_gw_frame_copy(g, m);

		if (cp == NULL)
			return;
		rte_pktmbuf_free(m);
		g->fan_m = m = cp;
	}
	if (m->nb_segs != 1 || !RTE_MBUF_DIRECT(m) || RTE_MBUF_HAS_EXTBUF(m))
		return;                      /* dp_gw_clone clones it */
	rte_mbuf_refcnt_update(m, (int16_t)n);
	g->fan_refs = n;
}

/* The fan-out's next @p budget deliveries at most. @return those made. */
static unsigned int dp_gw_fan_step(struct dp_gw_worker *g,
		unsigned int budget)
{
	unsigned int n = 0;

	while (g->fan_next != g->fan_end && n < budget) {
		struct dp_gw_link *l = g->fan_next, *nx = l->next;

		/*
		 * A pipeline, each stage a delivery ahead of the next, so that
		 * every load it makes was prefetched a delivery before: three
		 * subscribers on, its connection; two on, its TCP state; the
		 * next one, its send queue's tail.
		 */
		if (nx != g->fan_end) {
			struct dp_gw_link *nx2 = nx->next;
			struct dp_gw_conn *c1 = container_of(nx, struct dp_gw_conn,
					sub);

			if (c1->tcb != NULL)
				ts_tcp_prefetch_sndq(c1->tcb);
			if (nx2 != g->fan_end) {
				struct dp_gw_conn *c2 = container_of(nx2,
						struct dp_gw_conn, sub);

				if (c2->tcb != NULL)
					ts_tcp_prefetch(c2->tcb);
				if (nx2->next != g->fan_end)
					rte_prefetch0(nx2->next);
			}
		}
		g->fan_next = nx;
		if (g->fan_refs == 0)
			dp_gw_fan_refs(g, RTE_MIN(budget - n,
					(unsigned int)DP_GW_FAN_STEP));
		dp_gw_deliver(g, container_of(l, struct dp_gw_conn, sub),
				g->fan_m, &g->fan_key);
		n++;
	}
	if (g->fan_next == g->fan_end) {
		/* References taken for subscribers that left or got none. */
		if (g->fan_refs != 0)
			rte_mbuf_refcnt_update(g->fan_m, -(int16_t)g->fan_refs);
		g->fan_refs = 0;
		rte_pktmbuf_free(g->fan_m);
		g->fan_m = NULL;
		g->fan_next = g->fan_end = NULL;
		g->fanning = 0;
		if (unlikely(g->chan_sweep))
			dp_gw_chan_sweep(g);
	}
	return n;
}

static int dp_gw_fifo_push(struct dp_gw_fifo *f, struct rte_mbuf *m)
{
	if (f->tail - f->head > f->mask)
		return -1;
	f->v[f->tail++ & f->mask] = m;
	return 0;
}

static struct rte_mbuf *dp_gw_fifo_pop(struct dp_gw_fifo *f)
{
	return f->v[f->head++ & f->mask];
}

/* A message for this worker's subscribers, behind those before it. */
static void dp_gw_fan_add(struct dp_gw_worker *g, struct rte_mbuf *m)
{
	if (g->fan_m == NULL && g->fan_q.head == g->fan_q.tail) {
		dp_gw_fan_start(g, m);
		return;
	}
	/*
	 * Full (publishers are held long before: dp_gw_pub_hold): the oldest
	 * fan-outs finish now, so that none is lost, the port's input waiting.
	 */
	while (dp_gw_fifo_push(&g->fan_q, m) != 0) {
		dp_gw_count(g, DP_GW_STAT_FAN_FORCED, 1);
		if (g->fan_m == NULL)
			dp_gw_fan_start(g, dp_gw_fifo_pop(&g->fan_q));
		if (g->fan_m != NULL)
			dp_gw_fan_step(g, UINT32_MAX);
	}
}

/* ---- between workers ---- */

static void dp_gw_ref_chain(struct rte_mbuf *m)
{
	for (; m != NULL; m = m->next)
		rte_mbuf_refcnt_update(m, 1);
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
	dp_gw_fan_add(g, m);
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

/*
 * Backpressure on publishers. A worker is behind while DP_GW_FAN_HOLD or
 * more messages wait for it (its fan-out queue, its ring, its backlog to
 * full rings), until DP_GW_FAN_RESUME or fewer do; a worker draining at
 * shutdown never is. While any worker is, input received on open pub/sub
 * connections is held: processed, but not reported to TCP, so the
 * publishers' windows close and they wait, instead of the messages piling
 * up until a full fan-out queue makes the loop finish walks with its
 * port's input waiting (the other connections' ACKs late, their
 * retransmission timers firing). Every message reaches every worker, so
 * one behind holds them all.
 */
uint32_t dp_gw_fan_waiting(const struct dp_gw_worker *g)
{
	/* Head before tail, so that a reader on another thread never sees
	 * tail behind head; clamped for pushes between the two reads. */
	uint32_t head = __atomic_load_n(&g->fan_q.head, __ATOMIC_RELAXED);
	uint32_t tail = __atomic_load_n(&g->fan_q.tail, __ATOMIC_RELAXED);

	return RTE_MIN(tail - head, (uint32_t)DP_GW_FAN_Q) +
		rte_ring_count(g->ring) +
		__atomic_load_n(&g->backlog_n, __ATOMIC_RELAXED);
}

static void dp_gw_behind_update(struct dp_gw_worker *g)
{
	uint32_t n = dp_gw_fan_waiting(g);

	if (g->behind == 0 && n >= DP_GW_FAN_HOLD && !g->draining)
		__atomic_store_n(&g->behind, 1, __ATOMIC_RELAXED);
	else if (g->behind != 0 && (n <= DP_GW_FAN_RESUME || g->draining))
		__atomic_store_n(&g->behind, 0, __ATOMIC_RELAXED);
}

static int dp_gw_any_behind(void)
{
	for (uint16_t w = 0; w < dp.n_workers; w++) {
		const struct dp_gw_worker *o = dp.workers[w].app;

		if (__atomic_load_n(&o->behind, __ATOMIC_RELAXED))
			return 1;
	}
	return 0;
}

int dp_gw_pub_hold(struct dp_gw_worker *g, struct dp_gw_conn *c)
{
	if (likely(!dp_gw_any_behind()) || c->state != DP_GW_OPEN ||
			g->draining)
		return 0;
	if (c->flags & DP_GW_CF_HELD)
		return 1;                /* in pub_held, or found by the walk */
	if (g->n_pub_held < g->pub_held_max)
		g->pub_held[g->n_pub_held++] = (uint32_t)(c - g->conns);
	else
		g->pub_held_walk = 1;
	dp_gw_count(g, DP_GW_STAT_PUB_HELD, 1);
	return 1;
}

void dp_gw_pub_unhold(struct dp_gw_worker *g, struct dp_gw_conn *c)
{
	/* Closed since, its slot perhaps taken by another. */
	if (c->state == DP_GW_FREE || !(c->flags & DP_GW_CF_HELD) ||
			c->tcb == NULL || (c->flags & DP_GW_CF_UPSTREAM) ||
			dp_gw_route(c)->action != DP_ACT_PUBSUB)
		return;
	c->flags &= (uint8_t)~DP_GW_CF_HELD;
	ts_tcp_recved(g->ts, c->tcb, c->held);
	c->held = 0;
	/* Its idle time starts now: it was silent because held. */
	if (c->state == DP_GW_OPEN) {
		c->t_ms = g->now_ms;
		c->flags &= (uint8_t)~DP_GW_CF_PING;
	}
}

/* Report what the held connections received: their windows reopen. */
static void dp_gw_pub_release(struct dp_gw_worker *g)
{
	for (uint32_t i = 0; i < g->n_pub_held; i++)
		dp_gw_pub_unhold(g, &g->conns[g->pub_held[i]]);
	g->n_pub_held = 0;
	if (g->pub_held_walk) {          /* more than pub_held could keep */
		for (uint32_t i = 0; i < g->n_conns; i++)
			dp_gw_pub_unhold(g, &g->conns[i]);
		g->pub_held_walk = 0;
	}
}

unsigned int dp_gw_pubsub_poll(struct dp_gw_worker *g)
{
	struct rte_mbuf *msgs[DP_GW_RING_BURST];
	unsigned int budget = DP_GW_FAN_STEP, work = 0;

	if (unlikely(g->backlog_n > 0)) {
		dp_gw_backlog_flush(g);
		work = 1;
	}
	/* A step's worth: deliveries, and messages taken or started. */
	while (budget > 0) {
		unsigned int n;

		if (g->fan_m != NULL) {
			n = dp_gw_fan_step(g, budget);
			budget -= n;
			work += n;
			continue;
		}
		if (g->fan_q.head != g->fan_q.tail) {
			dp_gw_fan_start(g, dp_gw_fifo_pop(&g->fan_q));
			budget--;
			work++;
			continue;
		}
		if (rte_ring_empty(g->ring))
			break;
		n = rte_ring_sc_dequeue_burst(g->ring, (void **)msgs,
				RTE_MIN(budget, (unsigned int)DP_GW_RING_BURST), NULL);
		for (unsigned int i = 0; i < n; i++) {
			if (i + 1 < n)
				rte_prefetch0(rte_pktmbuf_mtod(msgs[i + 1], void *));
			if (dp_gw_meta(msgs[i])->kind == DP_GW_MSG_PUBLISH)
				dp_gw_broadcast(g, msgs[i]);
			else
				dp_gw_fan_add(g, msgs[i]);
		}
		budget -= n;
		work += n;
	}
	dp_gw_behind_update(g);
	if (unlikely(g->n_pub_held > 0 || g->pub_held_walk) &&
			(!dp_gw_any_behind() || g->draining))
		dp_gw_pub_release(g);
	return work;
}

int dp_gw_pubsub_busy(const struct dp_gw_worker *g)
{
	return g->backlog_n > 0 || g->fan_m != NULL ||
		g->fan_q.head != g->fan_q.tail || !rte_ring_empty(g->ring);
}

/* ---- set-up ---- */

int dp_gw_pubsub_init(struct dp_gw_worker *g, int socket)
{
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), "wsgw_pubsub_%u", g->w->id);
	g->ring = rte_ring_create(name, DP_GW_RING, socket, RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "wsgw_fanout_%u", g->w->id);
	/*
	 * A stack behind the per-lcore cache, not the default ring: the
	 * cache spills whole when ACKs free more clones than a fan-out step
	 * takes, and refills when a step takes more. From a ring (first in,
	 * first out) a refill gets the clones spilled longest ago, cold;
	 * from a stack, those just freed, still in cache. Without the stack
	 * driver (EINVAL: no such handler), the default, and a line saying so.
	 */
	g->clone_pool = rte_pktmbuf_pool_create_by_ops(name,
			dp.conf.gw_fanout_mbufs, 512, 0, 0, socket, "lf_stack");
	if (g->clone_pool == NULL && rte_errno == EINVAL) {
		fprintf(stderr, "wsgw: worker %u: no lf_stack mempool driver, "
				"the fan-out pool is a ring\n", g->w->id);
		g->clone_pool = rte_pktmbuf_pool_create(name,
				dp.conf.gw_fanout_mbufs, 512, 0, 0, socket);
	}
	/* Room for gw_channels at 3/4 full, or more. */
	g->chan_mask = rte_align32pow2(dp.conf.gw_channels +
			(dp.conf.gw_channels + 2) / 3) - 1;
	RTE_ASSERT(g->chan_mask < DP_GW_CHAN_SLOTS_MAX);
	rte_seqcount_init(&g->chan_seq);
	g->chans = rte_zmalloc_socket("wsgw_gw_chans",
			(g->chan_mask + 1) * sizeof(*g->chans),
			RTE_CACHE_LINE_SIZE, socket);
	g->backlog = rte_zmalloc_socket("wsgw_gw_backlog",
			dp.n_workers * sizeof(*g->backlog), RTE_CACHE_LINE_SIZE,
			socket);
	g->pub_held_max = RTE_MIN(g->n_conns, (uint32_t)DP_GW_PUB_HELD);
	g->pub_held = rte_malloc_socket("wsgw_gw_pub_held",
			RTE_MAX(g->pub_held_max, 1u) * sizeof(*g->pub_held), 0,
			socket);
	g->fan_q.mask = DP_GW_FAN_Q - 1;
	g->fan_q.v = rte_zmalloc_socket("wsgw_gw_fan_q",
			DP_GW_FAN_Q * sizeof(struct rte_mbuf *), 0, socket);
	if (g->ring == NULL || g->clone_pool == NULL || g->chans == NULL ||
			g->backlog == NULL || g->fan_q.v == NULL ||
			g->pub_held == NULL)
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
	if (g->fan_m != NULL && g->fan_refs != 0)
		rte_mbuf_refcnt_update(g->fan_m, -(int16_t)g->fan_refs);
	rte_pktmbuf_free(g->fan_m);
	g->fan_m = NULL;
	while (g->fan_q.v != NULL && g->fan_q.head != g->fan_q.tail)
		rte_pktmbuf_free(dp_gw_fifo_pop(&g->fan_q));
	rte_free(g->fan_q.v);
	rte_free(g->pub_held);
	g->pub_held = NULL;
	rte_free(g->chans);
	rte_ring_free(g->ring);
	rte_mempool_free(g->clone_pool);
}

/* One channel as the control thread copied it. */
struct dp_gw_chan_copy {
	uint64_t id;
	uint32_t subs;
	char name[DP_GW_CHAN_NAME];
};

/* Worker @p g's channels into @p v (room for its table), consistently. */
static size_t dp_gw_chan_copy(const struct dp_gw_worker *g,
		struct dp_gw_chan_copy *v)
{
	size_t n = 0;
	uint32_t sn;

	/* Bounded: a table that keeps changing is listed as last read. */
	for (int tries = 0; tries < 1000; tries++) {
		sn = rte_seqcount_read_begin(&g->chan_seq);
		n = 0;
		for (uint32_t i = 0; i <= g->chan_mask; i++) {
			const struct dp_gw_chan *ch = &g->chans[i];
			uint64_t id = __atomic_load_n(&ch->id, __ATOMIC_RELAXED);

			if (id == 0)
				continue;
			v[n].id = id;
			v[n].subs = __atomic_load_n(&ch->n_subs,
					__ATOMIC_RELAXED);
			memcpy(v[n].name, ch->name, DP_GW_CHAN_NAME);
			v[n].name[DP_GW_CHAN_NAME - 1] = '\0';
			n++;
		}
		if (!rte_seqcount_read_retry(&g->chan_seq, sn))
			break;
	}
	return n;
}

static int dp_gw_chan_copy_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct dp_gw_chan_copy *)a)->id;
	uint64_t y = ((const struct dp_gw_chan_copy *)b)->id;

	return x < y ? -1 : x > y;
}

/* Subscribers per channel, summed over the workers (control thread). */
void dp_gw_channels_cmd(FILE *out)
{
	struct dp_gw_chan_copy *v;
	size_t n = 0, room = 0;

	fprintf(out, "# channel subscribers\n");
	for (uint16_t w = 0; w < dp.n_workers; w++) {
		const struct dp_gw_worker *g = dp.workers[w].app;

		room += g != NULL ? g->chan_mask + 1 : 0;
	}
	v = malloc((room > 0 ? room : 1) * sizeof(*v));
	if (v == NULL) {
		fprintf(out, "error: out of memory\n");
		return;
	}
	for (uint16_t w = 0; w < dp.n_workers; w++) {
		const struct dp_gw_worker *g = dp.workers[w].app;

		if (g != NULL && g->chans != NULL)
			n += dp_gw_chan_copy(g, v + n);
	}
	qsort(v, n, sizeof(*v), dp_gw_chan_copy_cmp);
	for (size_t i = 0; i < n;) {
		uint64_t subs = 0;
		size_t j = i;

		for (; j < n && v[j].id == v[i].id; j++)
			subs += v[j].subs;
		fprintf(out, "%s %" PRIu64 "\n", v[i].name, subs);
		i = j;
	}
	free(v);
}
