/**
 * @file
 * Unit tests of a worker's pub/sub channel table (dp_gw_pubsub.c): ids
 * chosen by hand so that runs collide and wrap, every order of leaving,
 * a full table, an id held by another name, and channels that empty
 * while a subscriber list is walked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dp_gw_priv.h"

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

/* Emptied while its list is walked: the slot stays until the sweep. */
static void test_chan_sweep(void **state)
{
	struct fix f;
	int held[N] = { 0, 1, 0, 1, 1, 0 };

	(void)state;
	fix_init(&f);
	for (unsigned int i = 0; i < N; i++)
		subscribe(&f, i, &f.conns[i]);
	f.g.fanning = 1;
	dp_gw_unsubscribe(&f.g, &f.conns[0]);
	dp_gw_unsubscribe(&f.g, &f.conns[2]);
	dp_gw_unsubscribe(&f.g, &f.conns[5]);
	assert_true(present(&f, 0) && present(&f, 2) && present(&f, 5));
	assert_int_equal(f.g.chan_sweep, 1);
	f.g.fanning = 0;
	dp_gw_chan_sweep(&f.g);
	assert_int_equal(f.g.chan_sweep, 0);
	check(&f, held);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chan_every_order),
		cmocka_unit_test(test_chan_two_subscribers),
		cmocka_unit_test(test_chan_full_and_clash),
		cmocka_unit_test(test_chan_sweep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
