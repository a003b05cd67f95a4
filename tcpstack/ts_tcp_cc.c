/**
 * @file
 * Congestion control: NewReno (RFC 5681, RFC 6582) behind struct
 * ts_cc_ops, so that another algorithm can take its place. Initial window
 * of ten segments (RFC 6928).
 *
 * ts_tcp_in (ACK processing) -> ts_cc_newreno.ack / .dupack
 * ts_tcp_timers (RTO) -> ts_cc_rto
 */
#include "ts_tcp_priv.h"

static uint32_t ts_cc_flight(const struct ts_tcb *c)
{
	return c->snd_max - c->snd_una;
}

static void ts_cc_loss_threshold(struct ts_tcb *c)
{
	c->ssthresh = RTE_MAX(ts_cc_flight(c) / 2, 2u * c->mss);
}

static void newreno_init(struct ts_tcb *c)
{
	c->cwnd = RTE_MIN(10u * c->mss, RTE_MAX(2u * c->mss, 14600u));
	c->ssthresh = UINT32_MAX >> 1;
	c->dupacks = 0;
	c->flags &= (uint16_t)~(TS_TCBF_RECOVERY | TS_TCBF_SACK_REC);
}

static void newreno_ack(struct ts_ctx *ctx, struct ts_tcb *c, uint32_t ack,
		uint32_t acked, uint64_t tsc)
{
	c->dupacks = 0;
	if (c->flags & TS_TCBF_RECOVERY) {
		if (ts_seq_ge(ack, c->recover)) {
			/* Full ACK: leave recovery (RFC 6582 3.2 step 3). */
			c->cwnd = RTE_MIN(c->ssthresh,
					RTE_MAX(ts_cc_flight(c), (uint32_t)c->mss) +
					c->mss);
			/*
			 * The pipe kept the flight near ssthresh throughout
			 * a SACK recovery: no burst to fear (RFC 6675 leaves
			 * cwnd at ssthresh).
			 */
			if (c->flags & TS_TCBF_SACK_REC) {
				c->cwnd = c->ssthresh;
				ts_sb_recovery_end(ctx, c);
			}
			c->flags &= (uint16_t)~(TS_TCBF_RECOVERY | TS_TCBF_SACK_REC);
			return;
		}
		if (c->flags & TS_TCBF_SACK_REC)
			return;              /* the scoreboard picks what to resend */
		/* Partial ACK: resend the next hole, deflate (step 4). */
		ts_tcp_resend_first(ctx, c, tsc);
		c->cwnd = c->cwnd > acked ? c->cwnd - acked : 0;
		c->cwnd += c->mss;
		return;
	}
	/*
	 * Past recover, it follows the ACK (one short of it, so that a loss
	 * at SND.UNA may still start a recovery, RFC 6582 step 2): sequence
	 * comparisons with it stay within 2 GB of the stream however long
	 * the connection lives.
	 */
	if (!ts_seq_lt(ack, c->recover))
		c->recover = ack - 1;
	/*
	 * Appropriate byte counting (RFC 3465, L = 2 segments): a delayed ACK
	 * for two segments grows the window as two ACKs would, so that
	 * congestion avoidance adds a segment per round trip, not half one.
	 * In the slow start after a timeout, until what was in flight then
	 * is acknowledged (recover), L is one segment (RFC 3465 2.3): an ACK
	 * there may cover data that left before the timeout and the peer
	 * held, and must not release a burst for it.
	 */
	if (c->cwnd < c->ssthresh)
		c->cwnd += RTE_MIN(acked, ts_seq_lt(ack, c->recover) ?
				(uint32_t)c->mss : 2u * c->mss);
	else
		c->cwnd += RTE_MAX(1u, (uint32_t)((uint64_t)c->mss *
				RTE_MIN(acked, 2u * c->mss) / c->cwnd));
}

static void newreno_dupack(struct ts_ctx *ctx, struct ts_tcb *c,
		uint64_t tsc)
{
	if (c->flags & TS_TCBF_RECOVERY) {
		if (!(c->flags & TS_TCBF_SACK_REC))
			c->cwnd += c->mss;   /* inflate for each segment gone */
		return;
	}
	if (++c->dupacks < TS_TCP_DUPACK_THRESH)
		return;
	if (c->sb != 0) {
		/*
		 * RFC 6675 5: the pipe, not inflation, paces what follows.
		 * Once reordering has been seen, the reorder timer rather than
		 * a count of duplicates says when (RFC 8985 6.2).
		 */
		if (ts_cc_may_recover(c) && !(c->reo & TS_REO_STEPS))
			ts_sb_recovery_start(ctx, c, 1);
		return;
	}
	/* RFC 6582 step 2: only when this loss is past the last recovery. */
	if (ts_seq_le(c->snd_una, c->recover) && c->recover != c->iss)
		return;
	ts_cc_loss_threshold(c);
	c->recover = c->snd_max;
	c->cwnd = c->ssthresh + TS_TCP_DUPACK_THRESH * c->mss;
	c->flags |= TS_TCBF_RECOVERY;
	ts_tcp_resend_first(ctx, c, tsc);
}

static void newreno_rto(struct ts_tcb *c)
{
	ts_cc_loss_threshold(c);
	c->cwnd = c->mss;
	c->dupacks = 0;
	c->recover = c->snd_max;
	c->flags &= (uint16_t)~(TS_TCBF_RECOVERY | TS_TCBF_SACK_REC);
}

const struct ts_cc_ops ts_cc_newreno = {
	.name = "newreno",
	.init = newreno_init,
	.ack = newreno_ack,
	.dupack = newreno_dupack,
	.rto = newreno_rto,
};

void ts_cc_init(struct ts_tcb *c)
{
	ts_cc_newreno.init(c);
	c->recover = c->iss;
}

int ts_cc_may_recover(const struct ts_tcb *c)
{
	/* RFC 6675 5.1: not before the last recovery's point is acknowledged. */
	return ts_seq_ge(c->snd_una, c->recover);
}

void ts_cc_rto(struct ts_tcb *c)
{
	ts_cc_newreno.rto(c);
}
