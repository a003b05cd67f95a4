/**
 * @file
 * Unit tests of a worker's pub/sub channel table (dp_gw_pubsub.c): ids
 * chosen by hand so that runs collide and wrap, every order of leaving,
 * a full table, an id held by another name, and channels that empty
 * while a subscriber list is walked; and the fan-out in steps: bounded
 * work per poll, every subscriber's order, subscribers leaving and
 * joining between steps, and every mbuf back in its pool.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ring.h>

#include "dp_gw_priv.h"
#include "test_eal.h"

struct dp_gw_shared dp_gw;

/* Fan-out is not under test: reaching these is a failure. */
void dp_gw_close(struct dp_gw_worker *g, struct dp_gw_conn *c, uint16_t code,
		const char *reason)
{
	(void)g; (void)c; (void)code; (void)reason;
	fail_msg("dp_gw_close");
}

void dp_gw_out(struct dp_gw_worker *g, struct dp_gw_conn *c,
		struct rte_mbuf *m, uint32_t key, int control)
{
	(void)g; (void)c; (void)m; (void)key; (void)control;
	fail_msg("dp_gw_out");
}

/* Deliveries, as the fan-out tests see them: which connection got which
 * message (the message's first byte), in order. */
#define FAN_SUBS 600
#define FAN_MSGS 4
static struct dp_gw_conn *fan_base;
static uint8_t fan_got[FAN_SUBS + 1][FAN_MSGS];
static void *fan_buf;                /* the last delivery's buffer */
static uint32_t fan_want_len;        /* when not 0, every delivery's length */
static unsigned int fan_bad_len;
static unsigned int fan_n[FAN_SUBS + 1];
static unsigned int fan_total;

void dp_gw_out_now(struct dp_gw_worker *g, struct dp_gw_conn *c,
		struct rte_mbuf *m, uint32_t key)
{
	long i = c - fan_base;

	(void)g; (void)key;
	assert_true(fan_base != NULL && i >= 0 && i <= FAN_SUBS);
	assert_true(fan_n[i] < FAN_MSGS);
	fan_got[i][fan_n[i]++] = *rte_pktmbuf_mtod(m, uint8_t *);
	fan_buf = m->buf_addr;
	if (fan_want_len != 0 && m->pkt_len != fan_want_len)
		fan_bad_len++;
	fan_total++;
	rte_pktmbuf_free(m);
}

void dp_gw_outq_purge(struct dp_gw_conn *c)
{
	(void)c;
	fail_msg("dp_gw_outq_purge");
}

#define SLOTS 8
#define N 6

struct fix {
	struct dp_gw_worker g;
	struct dp_gw_conn conns[2 * N];
	struct dp_gw_chan chans[SLOTS];
};

/*
 * Six ids for eight slots: three start at 0, one at 1, and two at 7,
 * whose run wraps past the end into 0 and 1.
 */
static const uint64_t ids[N] = { 8, 16, 24, 9, 7, 15 };

static void fix_init(struct fix *f)
{
	memset(f, 0, sizeof(*f));
	f->g.chans = f->chans;
	f->g.chan_mask = SLOTS - 1;
	rte_seqcount_init(&f->g.chan_seq);
	dp.conf.gw_channels = N;
}

static void name_of(unsigned int i, char *buf, size_t n)
{
	snprintf(buf, n, "chan-%u", i);
}

static int present(const struct fix *f, unsigned int i)
{
	/* Another name for the id clashes exactly when the channel is there. */
	return dp_gw_chan_room(&f->g, ids[i], "nobody", 6) == -EEXIST;
}

static void subscribe(struct fix *f, unsigned int i, struct dp_gw_conn *c)
{
	char name[16];

	name_of(i, name, sizeof(name));
	assert_int_equal(dp_gw_subscribe(&f->g, c, ids[i], name, strlen(name)),
			0);
}

/* The channel's ring of subscribers: n_subs long, both ways, each
 * subscriber pointing back at the channel's slot. */
static void chan_list_ok(const struct fix *f, const struct dp_gw_chan *ch)
{
	uint16_t slot = (uint16_t)(ch - f->g.chans);
	uint32_t n = 0;

	for (const struct dp_gw_link *l = ch->subs.next; l != &ch->subs;
			l = l->next) {
		assert_true(l->next->prev == l);
		assert_int_equal(container_of(l, struct dp_gw_conn, sub)->chan_slot,
				slot);
		assert_true(++n <= 2 * N);
	}
	assert_true(ch->subs.prev->next == &ch->subs);
	assert_int_equal(n, ch->n_subs);
}

/* Every channel still held is found, and its subscribers point at it. */
static void check(const struct fix *f, const int *held)
{
	uint32_t n = 0;

	for (unsigned int i = 0; i < N; i++) {
		char name[16];

		name_of(i, name, sizeof(name));
		assert_int_equal(present(f, i), held[i]);
		if (!held[i])
			continue;
		n++;
		assert_int_equal(dp_gw_chan_room(&f->g, ids[i], name,
				strlen(name)), 0);
		assert_true(dp_gw_sub_chan(&f->g, &f->conns[i]) == ids[i]);
		assert_string_equal(f->g.chans[f->conns[i].chan_slot].name,
				name);
		chan_list_ok(f, &f->g.chans[f->conns[i].chan_slot]);
	}
	assert_int_equal(f->g.n_chans, n);
	for (unsigned int s = 0, used = 0; s < SLOTS; s++) {
		used += f->g.chans[s].id != 0;
		if (s == SLOTS - 1)
			assert_int_equal(used, n);
	}
}

static int next_perm(unsigned int *p, unsigned int n)
{
	unsigned int i = n - 1, j = n - 1, t;

	while (i > 0 && p[i - 1] >= p[i])
		i--;
	if (i == 0)
		return 0;
	while (p[j] <= p[i - 1])
		j--;
	t = p[i - 1];
	p[i - 1] = p[j];
	p[j] = t;
	for (j = n - 1; i < j; i++, j--) {
		t = p[i];
		p[i] = p[j];
		p[j] = t;
	}
	return 1;
}

/* All 720 orders in which six colliding, wrapping channels can empty. */
static void test_chan_every_order(void **state)
{
	unsigned int order[N] = { 0, 1, 2, 3, 4, 5 };
	struct fix *f = malloc(sizeof(*f));
	unsigned int orders = 0;

	(void)state;
	assert_non_null(f);
	do {
		int held[N];

		fix_init(f);
		for (unsigned int i = 0; i < N; i++) {
			subscribe(f, i, &f->conns[i]);
			held[i] = 1;
		}
		check(f, held);
		for (unsigned int k = 0; k < N; k++) {
			dp_gw_unsubscribe(&f->g, &f->conns[order[k]]);
			held[order[k]] = 0;
			check(f, held);
		}
		orders++;
	} while (next_perm(order, N));
	assert_int_equal(orders, 720);
	free(f);
}

/* A channel stays while one of its subscribers does. */
static void test_chan_two_subscribers(void **state)
{
	struct fix f;

	(void)state;
	fix_init(&f);
	for (unsigned int i = 0; i < N; i++) {
		subscribe(&f, i, &f.conns[i]);
		subscribe(&f, i, &f.conns[N + i]);
	}
	assert_int_equal(f.g.chans[f.conns[0].chan_slot].n_subs, 2);
	for (unsigned int i = 0; i < N; i++)
		chan_list_ok(&f, &f.g.chans[f.conns[i].chan_slot]);
	dp_gw_unsubscribe(&f.g, &f.conns[0]);
	dp_gw_unsubscribe(&f.g, &f.conns[1]);
	assert_true(present(&f, 0) && present(&f, 1));
	assert_true(dp_gw_sub_chan(&f.g, &f.conns[N]) == ids[0]);
	/* Channel 0 goes: its neighbours shift, their second subscribers
	 * (the first having left) follow. */
	dp_gw_unsubscribe(&f.g, &f.conns[N]);
	for (unsigned int i = 1; i < N; i++) {
		assert_true(dp_gw_sub_chan(&f.g, &f.conns[N + i]) == ids[i]);
		chan_list_ok(&f, &f.g.chans[f.conns[N + i].chan_slot]);
	}
	assert_int_equal(present(&f, 0), 0);
	assert_int_equal(f.g.n_chans, N - 1);
}

static void test_chan_full_and_clash(void **state)
{
	struct fix f;
	struct dp_gw_conn extra;
	char longname[DP_GW_CHAN_NAME];

	(void)state;
	fix_init(&f);
	memset(&extra, 0, sizeof(extra));
	for (unsigned int i = 0; i < N; i++)
		subscribe(&f, i, &f.conns[i]);
	/* Full: a seventh channel is refused, before and at subscribing. */
	assert_int_equal(dp_gw_chan_room(&f.g, 3, "seventh", 7), -ENOSPC);
	assert_int_equal(dp_gw_subscribe(&f.g, &extra, 3, "seventh", 7),
			-ENOSPC);
	/* An existing channel still takes subscribers. */
	assert_int_equal(dp_gw_chan_room(&f.g, ids[2], "chan-2", 6), 0);
	/* Its id under another name: refused, nothing changed. */
	assert_int_equal(dp_gw_subscribe(&f.g, &extra, ids[2], "chan-x", 6),
			-EEXIST);
	assert_int_equal(dp_gw_subscribe(&f.g, &extra, ids[2], "chan-22", 7),
			-EEXIST);
	assert_int_equal(f.g.chans[f.conns[2].chan_slot].n_subs, 1);
	/* One leaves: the seventh fits. */
	dp_gw_unsubscribe(&f.g, &f.conns[4]);
	assert_int_equal(dp_gw_subscribe(&f.g, &extra, 3, "seventh", 7), 0);
	assert_int_equal(f.g.n_chans, N);
	assert_true(dp_gw_sub_chan(&f.g, &extra) == 3);
	/* A name as long as a slot holds is refused. */
	memset(longname, 'a', sizeof(longname));
	assert_int_equal(dp_gw_subscribe(&f.g, &f.conns[N], 99, longname,
			sizeof(longname)), -ENAMETOOLONG);
}

/*
 * Channels emptied while one channel's list is walked: the others go at
 * once, moving the walked one's slot twice (the walk follows it); the
 * walked one, emptied too, stays until the sweep.
 */
static void test_chan_sweep(void **state)
{
	struct fix f;
	int held[N] = { 0, 1, 0, 1, 1, 0 };
	uint16_t walked;

	(void)state;
	fix_init(&f);
	for (unsigned int i = 0; i < N; i++)
		subscribe(&f, i, &f.conns[i]);
	walked = f.conns[5].chan_slot;
	assert_int_equal(walked, 4);            /* id 15 wrapped past 7 */
	f.g.fanning = 1;
	f.g.fan_end = f.g.fan_next = &f.g.chans[walked].subs;
	dp_gw_unsubscribe(&f.g, &f.conns[2]);   /* 9 and 15 move up */
	assert_false(present(&f, 2));
	assert_int_equal(f.conns[5].chan_slot, 3);
	dp_gw_unsubscribe(&f.g, &f.conns[0]);   /* 16, 9 and 15 move up */
	assert_false(present(&f, 0));
	walked = f.conns[5].chan_slot;
	assert_int_equal(walked, 2);
	assert_ptr_equal(f.g.fan_end, &f.g.chans[walked].subs);
	assert_ptr_equal(f.g.fan_next, &f.g.chans[walked].subs);
	assert_int_equal(f.g.chan_sweep, 0);
	dp_gw_unsubscribe(&f.g, &f.conns[5]);
	assert_true(present(&f, 5));
	assert_int_equal(f.g.chan_sweep, 1);
	f.g.fanning = 0;
	f.g.fan_end = f.g.fan_next = NULL;
	dp_gw_chan_sweep(&f.g);
	assert_int_equal(f.g.chan_sweep, 0);
	check(&f, held);
}

/* ---- the fan-out in steps ---- */

static struct rte_mempool *pool;

static int group_setup(void **state)
{
	static const struct rte_mbuf_dynfield meta = {
		.name = "test_dp_gw_meta",
		.size = sizeof(union dp_gw_mbuf_meta),
		.align = __alignof__(union dp_gw_mbuf_meta),
	};

	(void)state;
	pool = test_eal_start(1024);
	if (pool == NULL)
		return -1;
	dp_gw.meta_off = rte_mbuf_dynfield_register(&meta);
	return dp_gw.meta_off < 0 ? -1 : 0;
}

static int group_teardown(void **state)
{
	(void)state;
	test_eal_stop(pool);
	return 0;
}

struct fan_fix {
	struct fix f;
	struct dp_gw_conn subs[FAN_SUBS + 1];  /* the last joins late */
	struct dp_worker w;
	struct rte_mbuf *fan_q[8];
};

/* A worker with FAN_SUBS subscribers of channel ids[0], none of them
 * with TCP: deliveries reach dp_gw_out_now above. */
static struct fan_fix *fan_new(void)
{
	struct fan_fix *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	fix_init(&x->f);
	memset(fan_n, 0, sizeof(fan_n));
	fan_total = 0;
	fan_base = x->subs;
	x->f.g.w = &x->w;
	x->w.id = 0;
	dp.n_workers = 1;
	dp.conf.routes[0].policy = DP_POL_DROP_OLDEST;
	x->f.g.fan_q.v = x->fan_q;
	x->f.g.fan_q.mask = RTE_DIM(x->fan_q) - 1;
	x->f.g.ring = rte_ring_create("test_fan_ring", 64, 0, RING_F_SC_DEQ);
	x->f.g.clone_pool = rte_pktmbuf_pool_create("test_fan_clones", 2048, 0,
			0, 0, 0);
	assert_non_null(x->f.g.ring);
	assert_non_null(x->f.g.clone_pool);
	for (unsigned int i = 0; i <= FAN_SUBS; i++)
		x->subs[i].state = DP_GW_OPEN;
	for (unsigned int i = 0; i < FAN_SUBS; i++)
		subscribe(&x->f, 0, &x->subs[i]);
	return x;
}

static void fan_free(struct fan_fix *x)
{
	rte_ring_free(x->f.g.ring);
	/* Every clone was freed, and every message (pool full again). */
	assert_int_equal(rte_mempool_avail_count(x->f.g.clone_pool), 2048);
	rte_mempool_free(x->f.g.clone_pool);
	assert_int_equal(rte_mempool_avail_count(pool), 1024);
	fan_base = NULL;
	free(x);
}

/* Message @p tag for channel ids[0], into the worker's ring. */
static struct rte_mbuf *fan_put(struct fan_fix *x, uint8_t tag)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	assert_non_null(m);
	*(uint8_t *)rte_pktmbuf_append(m, 1) = tag;
	dp_gw_meta(m)->chan = ids[0];
	dp_gw_meta(m)->kind = DP_GW_MSG_DELIVER;
	assert_int_equal(rte_ring_enqueue(x->f.g.ring, m), 0);
	return m;
}

/* Poll once; @return deliveries made, never more than a step. */
static unsigned int fan_poll(struct fan_fix *x)
{
	unsigned int before = fan_total;

	dp_gw_pubsub_poll(&x->f.g);
	assert_true(fan_total - before <= DP_GW_FAN_STEP);
	return fan_total - before;
}

/* Three messages to 600 subscribers, in steps, each once and in order. */
static void test_fan_steps(void **state)
{
	struct fan_fix *x = fan_new();
	unsigned int polls = 0;

	(void)state;
	for (uint8_t t = 0; t < 3; t++)
		fan_put(x, t);
	/* The first step: three messages taken, the rest of it delivered. */
	assert_int_equal(fan_poll(x), DP_GW_FAN_STEP - 3);
	assert_true(dp_gw_pubsub_busy(&x->f.g));
	while (fan_poll(x) != 0)
		assert_true(++polls < 100);
	assert_int_equal(fan_total, 3 * FAN_SUBS);
	assert_false(dp_gw_pubsub_busy(&x->f.g));
	for (unsigned int i = 0; i < FAN_SUBS; i++) {
		assert_int_equal(fan_n[i], 3);
		for (uint8_t t = 0; t < 3; t++)
			assert_int_equal(fan_got[i][t], t);
	}
	for (unsigned int i = 0; i < FAN_SUBS; i++)
		dp_gw_unsubscribe(&x->f.g, &x->subs[i]);
	assert_int_equal(x->f.g.n_chans, 0);
	fan_free(x);
}

/*
 * Between steps: the subscriber the fan-out goes to next leaves, so do
 * one it has passed and one it has not reached, and one joins. Those
 * that left get nothing more; the newcomer gets what is still fanned out.
 */
static void test_fan_leave_join(void **state)
{
	struct fan_fix *x = fan_new();
	const unsigned int next = DP_GW_FAN_STEP - 2, passed = 5, ahead = 500;

	(void)state;
	fan_put(x, 0);
	fan_put(x, 1);
	assert_int_equal(fan_poll(x), DP_GW_FAN_STEP - 2);
	assert_int_equal(fan_n[next], 0);
	assert_int_equal(fan_n[next - 1], 1);
	dp_gw_unsubscribe(&x->f.g, &x->subs[next]);
	dp_gw_unsubscribe(&x->f.g, &x->subs[passed]);
	dp_gw_unsubscribe(&x->f.g, &x->subs[ahead]);
	subscribe(&x->f, 0, &x->subs[FAN_SUBS]);
	while (fan_poll(x) != 0)
		;
	for (unsigned int i = 0; i <= FAN_SUBS; i++) {
		unsigned int want = i == next || i == ahead ? 0 :
			i == passed ? 1 : 2;

		assert_int_equal(fan_n[i], want);
		for (unsigned int t = 0; t < want; t++)
			assert_int_equal(fan_got[i][t], t);
	}
	for (unsigned int i = 0; i <= FAN_SUBS; i++)
		if (x->subs[i].flags & DP_GW_CF_SUB)
			dp_gw_unsubscribe(&x->f.g, &x->subs[i]);
	assert_int_equal(x->f.g.n_chans, 0);
	fan_free(x);
}

/*
 * Everyone leaves amid a fan-out: it ends, the channel waits for the
 * sweep and then goes; messages queued behind it are freed undelivered.
 */
static void test_fan_channel_empties(void **state)
{
	struct fan_fix *x = fan_new();

	(void)state;
	fan_put(x, 0);
	fan_put(x, 1);
	fan_poll(x);
	for (unsigned int i = 0; i < FAN_SUBS; i++)
		dp_gw_unsubscribe(&x->f.g, &x->subs[i]);
	assert_int_equal(x->f.g.n_chans, 1);      /* the walk holds it */
	assert_int_equal(fan_poll(x), 0);
	assert_int_equal(x->f.g.n_chans, 0);
	assert_false(dp_gw_pubsub_busy(&x->f.g));
	assert_int_equal(fan_total, DP_GW_FAN_STEP - 2);
	fan_free(x);
}

/*
 * More messages than fan_q holds arrive while a fan-out runs: the oldest
 * finish at once rather than any being lost or reordered.
 */
static void test_fan_queue_full(void **state)
{
	struct fan_fix *x = fan_new();

	(void)state;
	for (unsigned int i = 0; i < FAN_SUBS; i++)
		dp_gw_unsubscribe(&x->f.g, &x->subs[i]);
	for (unsigned int i = 0; i < 3; i++)
		subscribe(&x->f, 0, &x->subs[i]);
	for (uint8_t t = 0; t < FAN_MSGS; t++)
		fan_put(x, t);
	/* Room for two behind the one running: one poll takes all four, and
	 * the fourth fits only once the first has finished. */
	x->f.g.fan_q.mask = 1;
	while (fan_poll(x) != 0)
		;
	for (unsigned int i = 0; i < 3; i++) {
		assert_int_equal(fan_n[i], FAN_MSGS);
		for (uint8_t t = 0; t < FAN_MSGS; t++)
			assert_int_equal(fan_got[i][t], t);
	}
	for (unsigned int i = 0; i < 3; i++)
		dp_gw_unsubscribe(&x->f.g, &x->subs[i]);
	fan_free(x);
}

/*
 * A frame that others hold nearly as often as its 16-bit count allows:
 * the fan-out shares a copy of it instead, and gives back every reference
 * it took on either. The frame fills its buffer from below the default
 * headroom (a header prepended), and the copy keeps it one whole piece.
 */
static void test_fan_refs_bound(void **state)
{
	struct fan_fix *x = fan_new();
	struct rte_mbuf *m;
	uint16_t held = DP_GW_REFS_MAX - 100;

	(void)state;
	x->f.g.pool = pool;
	x->f.g.ts = &x->w.ts;        /* no checksum flag: none kept */
	m = fan_put(x, 7);
	m->data_off = 64;
	m->data_len = (uint16_t)(m->buf_len - 64);
	m->pkt_len = m->data_len;
	*rte_pktmbuf_mtod(m, uint8_t *) = 7;
	fan_want_len = m->pkt_len;
	fan_bad_len = 0;
	rte_mbuf_refcnt_set(m, held);        /* ours, and others' */
	while (fan_poll(x) != 0)
		;
	fan_want_len = 0;
	assert_int_equal(fan_bad_len, 0);
	assert_int_equal(fan_total, FAN_SUBS);
	for (unsigned int i = 0; i < FAN_SUBS; i++)
		assert_int_equal(fan_got[i][0], 7);
	assert_ptr_not_equal(fan_buf, m->buf_addr);
	assert_int_equal(rte_mbuf_refcnt_read(m), held - 1);
	rte_mbuf_refcnt_set(m, 1);
	rte_pktmbuf_free(m);
	for (unsigned int i = 0; i < FAN_SUBS; i++)
		dp_gw_unsubscribe(&x->f.g, &x->subs[i]);
	fan_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chan_every_order),
		cmocka_unit_test(test_chan_two_subscribers),
		cmocka_unit_test(test_chan_full_and_clash),
		cmocka_unit_test(test_chan_sweep),
		cmocka_unit_test(test_fan_steps),
		cmocka_unit_test(test_fan_leave_join),
		cmocka_unit_test(test_fan_channel_empties),
		cmocka_unit_test(test_fan_queue_full),
		cmocka_unit_test(test_fan_refs_bound),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
