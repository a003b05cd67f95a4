/**
 * @file
 * The per-worker timer wheel and TCP's timers on it.
 *
 * A hashed wheel of TS_WHEEL_SLOTS one-millisecond slots: arming and
 * cancelling are O(1) list operations; each tick visits one slot, and an
 * entry more than one turn away stays in its slot until its turn comes.
 * Each connection has one entry, armed at the earliest of its deadlines
 * (t_rexmt, t_keep, t_delack); when it fires, ts_tcp_timer_fire() sees
 * which passed.
 *
 * ts_timers -> ts_tcp_timers -> ts_tcp_timer_fire -> delayed ACK /
 * retransmit / persist probe / keepalive probe / end of TIME-WAIT / give up.
 */
#include <rte_malloc.h>
#include <rte_mempool.h>

#include "ts_tcp_priv.h"

int ts_wheel_init(struct ts_ctx *ctx, int socket, uint64_t tsc)
{
	struct ts_wheel *w = rte_zmalloc_socket("ts_wheel", sizeof(*w),
			RTE_CACHE_LINE_SIZE, socket);

	if (w == NULL)
		return -TS_ERR_NOMEM;
	for (unsigned int i = 0; i < TS_WHEEL_SLOTS; i++)
		w->slots[i].next = w->slots[i].prev = &w->slots[i];
	w->tsc_per_tick = ctx->tsc_hz / 1000;
	/* Tick 1 is now, so that 0 can mean "not armed". */
	w->base_tsc = tsc - w->tsc_per_tick;
	w->now = 1;
	ctx->tcp.wheel = w;
	return 0;
}

void ts_wheel_free(struct ts_ctx *ctx)
{
	rte_free(ctx->tcp.wheel);
	ctx->tcp.wheel = NULL;
}

uint32_t ts_tick(const struct ts_ctx *ctx, uint64_t tsc)
{
	const struct ts_wheel *w = ctx->tcp.wheel;

	return (uint32_t)((tsc - w->base_tsc) / w->tsc_per_tick);
}

uint32_t ts_usec(const struct ts_ctx *ctx, uint64_t tsc)
{
	return (uint32_t)((tsc - ctx->tcp.wheel->base_tsc) * 1000 /
			ctx->tcp.wheel->tsc_per_tick);
}

static void ts_timer_unlink(struct ts_tcb *c)
{
	struct ts_timer *t = &c->timer;

	c->t_wheel = 0;
	if (t->next == NULL)
		return;
	t->prev->next = t->next;
	t->next->prev = t->prev;
	t->next = t->prev = NULL;
}

static void ts_timer_arm(struct ts_wheel *w, struct ts_tcb *c,
		uint64_t expire)
{
	struct ts_timer *t = &c->timer, *head;

	ts_timer_unlink(c);
	if (expire <= w->now)
		expire = w->now + 1;
	head = &w->slots[expire & (TS_WHEEL_SLOTS - 1)];
	c->t_wheel = (uint32_t)expire;
	t->next = head->next;
	t->prev = head;
	head->next->prev = t;
	head->next = t;
}

static uint32_t ts_min_deadline(uint32_t a, uint32_t b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return (int32_t)(a - b) < 0 ? a : b;
}

/* Re-arm the connection's entry at its earliest deadline, or disarm it. */
void ts_tcb_timer_update(struct ts_ctx *ctx, struct ts_tcb *c)
{
	struct ts_wheel *w = ctx->tcp.wheel;
	uint32_t d = ts_min_deadline(ts_min_deadline(c->t_rexmt, c->t_keep),
			c->t_delack);
	uint64_t expire;

	if (d == 0) {
		ts_timer_unlink(c);
		return;
	}
	/* Deadlines are 32-bit ticks; the wheel counts in 64. */
	expire = w->now + (uint64_t)(int64_t)(int32_t)(d - (uint32_t)w->now);
	if (c->timer.next == NULL || c->t_wheel != (uint32_t)expire)
		ts_timer_arm(w, c, expire);
}

static int ts_due(uint32_t deadline, uint32_t now)
{
	return deadline != 0 && (int32_t)(now - deadline) >= 0;
}

/* The retransmission deadline passed: what that means depends on state. */
static void ts_tcp_rexmt_fire(struct ts_ctx *ctx, struct ts_tcb *c,
		uint32_t now, uint64_t tsc)
{
	const struct ts_tcp_conf *conf = &ctx->tcp.conf;
	uint8_t limit;

	c->t_rexmt = 0;
	if (c->state == TS_TCP_TIME_WAIT) {
		/*
		 * The last ACK still waits for a full port: the connection
		 * waits with it, a tick at a time (bounded), since sending into
		 * the full queue would drop it and the peer's resent FIN would
		 * find no connection and draw a RST.
		 */
		if ((c->flags & TS_TCBF_ACK_NOW) &&
				ts_tx_held(&ctx->ifs[c->ifidx]) &&
				c->backoff < TS_TW_ACK_WAIT_MS) {
			c->backoff++;
			c->t_rexmt = now + 1;
			return;
		}
		/* The last ACK, if it waited for a full port, goes now. */
		if (c->flags & TS_TCBF_ACK_NOW)
			ts_tcp_send_ctl(ctx, c, TS_F_ACK, c->snd_nxt, tsc);
		ts_tcb_end(ctx, c, TS_TCP_END_OK);
		return;
	}
	if (c->flags & TS_TCBF_REO) {
		/* The reorder timer's deadline, not the RTO's: that one runs again. */
		c->flags &= (uint16_t)~TS_TCBF_REO;
		ts_sb_reo_fire(ctx, c, tsc);
		if (c->t_rexmt == 0 && c->snd_una != c->snd_max)
			ts_tcp_rto_arm(ctx, c, tsc);
		return;
	}
	if (c->flags & TS_TCBF_PTO) {
		ts_tcp_tlp_fire(ctx, c, tsc);
		return;
	}
	/* Zero window with data waiting: persist, probing the window. */
	if (c->snd_wnd == 0 && c->snd_una == c->snd_max && c->sndq_bytes > 0) {
		ts_count(ctx, TS_STAT_TCP_ZWP, 1);
		ts_tcp_send_ctl(ctx, c, TS_F_ACK, c->snd_una - 1, tsc);
		if (c->backoff < 16)
			c->backoff++;
		c->t_rexmt = now + RTE_MIN(c->rto << c->backoff,
				conf->rto_max_ms);
		return;
	}
	/*
	 * Our own port is full, not the path: as Linux's
	 * tcp_retransmit_timer on local congestion, no backoff and no retry
	 * counted; the timer tries again soon (what is in flight may well be
	 * waiting in our transmit buffer still).
	 */
	if (unlikely(ts_tx_held(&ctx->ifs[c->ifidx]))) {
		ts_count(ctx, TS_STAT_TCP_RTO_PORT_FULL, 1);
		c->t_rexmt = now + RTE_MIN(RTE_MIN(c->rto << c->backoff,
				conf->rto_max_ms), TS_TCP_PORT_FULL_RETRY_MS);
		return;
	}
	limit = (c->state == TS_TCP_SYN_SENT || c->state == TS_TCP_SYN_RCVD) ?
		conf->syn_retries : conf->retries;
	if (c->backoff >= limit) {
		ts_count(ctx, TS_STAT_TCP_TIMEOUT, 1);
		ts_tcp_send_rst(ctx, c, TS_STAT_TCP_RST_TX_TIMEOUT, tsc);
		ts_tcb_end(ctx, c, TS_TCP_END_TIMEOUT);
		return;
	}
	c->backoff++;
	ts_cc_rto(c);
	ts_tcp_retransmit(ctx, c, tsc);
	c->t_rexmt = now + RTE_MIN(c->rto << c->backoff, conf->rto_max_ms);
}

static void ts_tcp_keep_fire(struct ts_ctx *ctx, struct ts_tcb *c,
		uint32_t now, uint64_t tsc)
{
	const struct ts_tcp_conf *conf = &ctx->tcp.conf;

	if (c->keep_probes >= conf->keepalive_probes) {
		ts_count(ctx, TS_STAT_TCP_TIMEOUT, 1);
		ts_tcp_send_rst(ctx, c, TS_STAT_TCP_RST_TX_TIMEOUT, tsc);
		ts_tcb_end(ctx, c, TS_TCP_END_TIMEOUT);
		return;
	}
	c->keep_probes++;
	/* seq = snd_una - 1: the peer must answer with an ACK (RFC 9293). */
	ts_tcp_send_ctl(ctx, c, TS_F_ACK, c->snd_una - 1, tsc);
	c->t_keep = now + RTE_MAX(conf->keepalive_ms / 8, 1000u);
}

static void ts_tcp_timer_fire(struct ts_ctx *ctx, struct ts_tcb *c,
		uint32_t now, uint64_t tsc)
{
	if (ts_due(c->t_delack, now)) {
		c->t_delack = 0;
		if (c->last_ack != c->rcv_nxt)
			ts_tcp_send_ack(ctx, c, tsc);
	}
	if (ts_due(c->t_keep, now)) {
		c->t_keep = 0;
		ts_tcp_keep_fire(ctx, c, now, tsc);
		if (c->state == TS_TCP_CLOSED)
			return;
	}
	if (ts_due(c->t_rexmt, now)) {
		ts_tcp_rexmt_fire(ctx, c, now, tsc);
		if (c->state == TS_TCP_CLOSED)
			return;
	}
	ts_tcb_timer_update(ctx, c);
}

void ts_tcp_timers(struct ts_ctx *ctx, uint64_t tsc)
{
	struct ts_wheel *w = ctx->tcp.wheel;
	uint64_t target;

	if (w == NULL)
		return;
	target = (tsc - w->base_tsc) / w->tsc_per_tick;
	/* Once a tick: is the pool running dry? (The count walks caches.) */
	if ((uint32_t)target != ctx->tcp.mem_check_tick) {
		ctx->tcp.mem_check_tick = (uint32_t)target;
		ctx->tcp.mem_pressure =
			rte_mempool_avail_count(ctx->pool) < ctx->tcp.mem_low;
	}
	while (w->now < target) {
		struct ts_timer *head, *t;

		w->now++;
		head = &w->slots[w->now & (TS_WHEEL_SLOTS - 1)];
		t = head->next;
		while (t != head) {
			struct ts_timer *next = t->next;

			struct ts_tcb *c = container_of(t, struct ts_tcb, timer);

			/* Later turns of the wheel wait in the same slot. */
			if ((int32_t)((uint32_t)w->now - c->t_wheel) >= 0) {
				ts_timer_unlink(c);
				ts_tcp_timer_fire(ctx, c, (uint32_t)w->now, tsc);
			}
			t = next;
		}
	}
}
