/**
 * @file
 * SACK-based loss recovery (RFC 6675): the scoreboard of what the peer
 * holds above SND.UNA, the pipe, NextSeg, lost-retransmission detection
 * the undo of a recovery that timestamps prove spurious (RFC 3522), and
 * RACK's reorder timer (RFC 8985 6.2): a hole is lost once data sent
 * after it has been sacked for a reordering window, however few segments
 * that data is.
 *
 * ts_tcp_in_ack -> ts_sb_acked (cumulative part) -> ts_sb_update (SACK
 *   blocks) -> ts_sb_lost_at_una -> ts_sb_recovery_start -> ts_sb_reo_check
 * ts_tcp_output -> ts_sb_pipe / ts_sb_next_hole / ts_sb_rescue
 * ts_tcp_timers -> ts_sb_reo_fire
 *
 * A scoreboard is not part of the connection block: it comes from the
 * worker's pool with the first SACK block and goes back once nothing
 * above SND.UNA is sacked and no recovery runs. When the pool is empty
 * the connection recovers as NewReno does, without SACK.
 */
#include <string.h>

#include <rte_malloc.h>

#include "ts_tcp_priv.h"

/** Scoreboards per worker: a sixteenth of the connections, at least 64. */
static uint32_t ts_sb_pool_size(const struct ts_tcp_conf *conf)
{
	uint32_t n = conf->max_conns / 16;

	return RTE_MIN(RTE_MAX(n, 64u), (uint32_t)UINT16_MAX);
}

int ts_sb_pool_init(struct ts_ctx *ctx, int socket)
{
	struct ts_sb_pool *p = &ctx->tcp.sb;
	uint32_t n = ts_sb_pool_size(&ctx->tcp.conf);

	p->blocks = rte_zmalloc_socket("ts_sb", n * sizeof(*p->blocks),
			RTE_CACHE_LINE_SIZE, socket);
	p->free = rte_malloc_socket("ts_sb_free", n * sizeof(*p->free), 0,
			socket);
	if (p->blocks == NULL || p->free == NULL) {
		ts_sb_pool_free(ctx);
		return -TS_ERR_NOMEM;
	}
	for (uint32_t i = 0; i < n; i++)
		p->free[i] = (uint16_t)(n - i);
	p->n_free = n;
	p->size = n;
	return 0;
}

void ts_sb_pool_free(struct ts_ctx *ctx)
{
	struct ts_sb_pool *p = &ctx->tcp.sb;

	rte_free(p->blocks);
	rte_free(p->free);
	memset(p, 0, sizeof(*p));
}

static struct ts_sb *ts_sb_get(struct ts_ctx *ctx, struct ts_tcb *c)
{
	struct ts_sb_pool *p = &ctx->tcp.sb;
	struct ts_sb *sb;

	if (c->sb != 0)
		return &p->blocks[c->sb - 1];
	if (p->n_free == 0) {
		ts_count(ctx, TS_STAT_TCP_SB_NONE, 1);
		return NULL;
	}
	c->sb = p->free[--p->n_free];
	sb = &p->blocks[c->sb - 1];
	memset(sb, 0, sizeof(*sb));
	sb->lost_to = c->snd_una;
	return sb;
}

void ts_sb_release(struct ts_ctx *ctx, struct ts_tcb *c)
{
	if (c->sb == 0)
		return;
	ctx->tcp.sb.free[ctx->tcp.sb.n_free++] = c->sb;
	c->sb = 0;
}

/* Add [l, r) to the sorted, disjoint ranges, merging what it touches. */
static void ts_sb_add(struct ts_sb *sb, uint32_t l, uint32_t r)
{
	uint32_t i = 0, j;

	while (i < sb->n && ts_seq_lt(sb->r[i][1], l))
		i++;
	for (j = i; j < sb->n && ts_seq_le(sb->r[j][0], r); j++) {
		if (ts_seq_lt(sb->r[j][0], l))
			l = sb->r[j][0];
		if (ts_seq_gt(sb->r[j][1], r))
			r = sb->r[j][1];
	}
	if (j > i) {                     /* merged ranges i .. j - 1 */
		sb->r[i][0] = l;
		sb->r[i][1] = r;
		memmove(&sb->r[i + 1], &sb->r[j], (sb->n - j) * sizeof(sb->r[0]));
		sb->n -= j - i - 1;
		return;
	}
	if (sb->n == TS_SB_RANGES) {
		/* Full: forget the highest range (SACK is advisory, RFC 2018). */
		if (i == sb->n)
			return;
		sb->n--;
	}
	memmove(&sb->r[i + 1], &sb->r[i], (sb->n - i) * sizeof(sb->r[0]));
	sb->r[i][0] = l;
	sb->r[i][1] = r;
	sb->n++;
}

/* Ranges the cumulative ACK reached are dropped or cut. */
static void ts_sb_trim(struct ts_sb *sb, uint32_t una)
{
	uint32_t i = 0;

	while (i < sb->n && ts_seq_le(sb->r[i][1], una))
		i++;
	memmove(&sb->r[0], &sb->r[i], (sb->n - i) * sizeof(sb->r[0]));
	sb->n -= i;
	if (sb->n > 0 && ts_seq_lt(sb->r[0][0], una))
		sb->r[0][0] = una;
}

static uint32_t ts_sb_bytes_above(const struct ts_sb *sb, uint32_t seq,
		uint32_t *ranges)
{
	uint32_t bytes = 0;

	*ranges = 0;
	for (uint32_t i = sb->n; i-- > 0;) {
		if (ts_seq_le(sb->r[i][1], seq))
			break;
		bytes += sb->r[i][1] - (ts_seq_gt(sb->r[i][0], seq) ?
				sb->r[i][0] : seq);
		(*ranges)++;
	}
	return bytes;
}

/*
 * Segments sacked above a hole that make it lost: DupThresh, or fewer
 * when too little is in flight for that many to come and nothing is left
 * to send (early retransmit, RFC 5827).
 */
static uint32_t ts_sb_thresh(const struct ts_tcb *c)
{
	uint32_t flight = c->snd_max - c->snd_una;
	uint32_t segs = (flight + c->mss - 1) / c->mss;

	if (segs > TS_TCP_DUPACK_THRESH || c->sndq_bytes > flight)
		return TS_TCP_DUPACK_THRESH;
	return segs > 1 ? segs - 1 : 1;
}

/*
 * RFC 6675 IsLost for a hole: DupThresh sacked ranges above it, or more
 * than (DupThresh - 1) segments' worth of sacked bytes. While a tail loss
 * probe is out, anything sacked above a hole was sent after it, a probe
 * time ago: the hole is lost (RFC 8985's rule, without per-segment times).
 */
static int ts_sb_is_lost(const struct ts_tcb *c, uint32_t bytes_above,
		uint32_t ranges_above)
{
	uint32_t t = ts_sb_thresh(c);

	if (ranges_above > 0 && (c->flags & TS_TCBF_TLP_SENT))
		return 1;
	/* Reordering seen: time decides (the reorder timer), not counts. */
	if (c->reo & TS_REO_STEPS)
		return 0;
	return ranges_above >= t || bytes_above > (t - 1) * (uint32_t)c->mss;
}

/*
 * A resend older than data the peer has since sacked, well past it, was
 * lost too: NextSeg may send those holes again.
 */
static void ts_sb_lost_rxt(struct ts_ctx *ctx, struct ts_tcb *c,
		struct ts_sb *sb)
{
	uint32_t ranges;

	if (!(c->flags & TS_TCBF_SACK_REC) ||
			!ts_seq_gt(sb->high_rxt, c->snd_una))
		return;
	if (ts_sb_bytes_above(sb, sb->rxt_end, &ranges) <=
			(TS_TCP_DUPACK_THRESH - 1) * (uint32_t)c->mss)
		return;
	sb->high_rxt = c->snd_una;
	sb->undo_ok = 0;
	ts_count(ctx, TS_STAT_TCP_LOST_RXT, 1);
}

void ts_sb_update(struct ts_ctx *ctx, struct ts_tcb *c,
		const struct ts_seg *s)
{
	uint32_t data_end = c->snd_una + c->sndq_bytes;
	struct ts_sb *sb = NULL;

	if (!(c->flags & TS_TCBF_SACK))
		return;
	for (uint32_t i = 0; i < s->opt.n_sack; i++) {
		uint32_t l = s->opt.sack[i][0], r = s->opt.sack[i][1];

		if (ts_seq_gt(r, data_end))
			r = data_end;        /* a FIN's sequence, or nonsense */
		if (ts_seq_lt(l, c->snd_una))
			l = c->snd_una;      /* D-SACK, or already acknowledged */
		if (!ts_seq_lt(l, r))
			continue;
		if (sb == NULL && (sb = ts_sb_get(ctx, c)) == NULL)
			return;
		ts_sb_add(sb, l, r);
	}
	if (sb != NULL)
		ts_sb_lost_rxt(ctx, c, sb);
}

void ts_sb_acked(struct ts_ctx *ctx, struct ts_tcb *c, uint32_t old_una,
		const struct ts_seg *s)
{
	struct ts_sb *sb = ts_sb_of(ctx, c);

	if (sb == NULL)
		return;
	ts_sb_trim(sb, c->snd_una);
	if (ts_seq_lt(sb->lost_to, c->snd_una))
		sb->lost_to = c->snd_una;
	/*
	 * RFC 3522: an ACK for resent bytes that echoes a timestamp from
	 * before the first resend was for the original, so far no resend
	 * was needed.
	 */
	if ((c->flags & TS_TCBF_SACK_REC) && sb->undo_ok &&
			ts_seq_lt(old_una, sb->high_rxt) &&
			(!(c->flags & TS_TCBF_TS) || !s->opt.has_ts ||
			 ts_seq_ge(s->opt.ts_ecr, sb->rxt_tick)))
		sb->undo_ok = 0;
	if (sb->n == 0 && !(c->flags & TS_TCBF_SACK_REC))
		ts_sb_release(ctx, c);
}

int ts_sb_lost_at_una(const struct ts_ctx *ctx, const struct ts_tcb *c)
{
	const struct ts_sb *sb = ts_sb_of(ctx, c);
	uint32_t ranges, bytes;

	if (sb == NULL || sb->n == 0 || c->snd_una == c->snd_max)
		return 0;
	if (sb->r[0][0] == c->snd_una)
		return 0;                /* no hole at SND.UNA */
	if (ts_seq_lt(c->snd_una, sb->lost_to))
		return 1;
	bytes = ts_sb_bytes_above(sb, c->snd_una, &ranges);
	return ts_sb_is_lost(c, bytes, ranges);
}

void ts_sb_recovery_start(struct ts_ctx *ctx, struct ts_tcb *c, int reduce)
{
	struct ts_sb *sb = ts_sb_of(ctx, c);
	uint32_t flight = c->snd_max - c->snd_una;

	sb->prior_cwnd = c->cwnd;
	sb->prior_ssthresh = c->ssthresh;
	if (reduce) {
		c->ssthresh = RTE_MAX(flight / 2, 2u * c->mss);
		c->cwnd = c->ssthresh;
	}
	c->recover = c->snd_max;
	c->flags |= TS_TCBF_RECOVERY | TS_TCBF_SACK_REC;
	sb->high_rxt = c->snd_una;
	sb->rescue_rxt = c->snd_una - 1;
	sb->rxt_end = c->snd_max;
	sb->must_rxt = 1;
	/* Nothing to undo where nothing was cut. */
	sb->undo_ok = reduce && (c->flags & TS_TCBF_TS) != 0;
	ts_count(ctx, TS_STAT_TCP_SACK_RECOVERY, 1);
}

void ts_sb_recovery_end(struct ts_ctx *ctx, struct ts_tcb *c)
{
	struct ts_sb *sb = ts_sb_of(ctx, c);

	if (sb == NULL)
		return;
	if (sb->undo_ok && !sb->must_rxt) {
		c->cwnd = RTE_MAX(c->cwnd, sb->prior_cwnd);
		c->ssthresh = RTE_MAX(c->ssthresh, sb->prior_ssthresh);
		ts_count(ctx, TS_STAT_TCP_RECOVERY_UNDO, 1);
		/* Reordering fooled us: a wider window (RFC 8985 6.2.4). */
		c->reo = (uint8_t)((c->reo & TS_REO_NAGLE) |
				RTE_MIN((c->reo & TS_REO_STEPS) + 1, TS_REO_STEPS));
	} else if ((c->reo & TS_REO_STEPS) != 0) {
		/* Sixteen recoveries without: back to the narrowest. */
		c->reo = (uint8_t)(c->reo + TS_REO_COUNT_ONE);
		if ((c->reo & TS_REO_COUNT) >= 16 * TS_REO_COUNT_ONE)
			c->reo &= TS_REO_NAGLE;
	}
	if (sb->n == 0)
		ts_sb_release(ctx, c);
}

/*
 * RFC 6675 SetPipe: bytes in flight. A hole not yet lost counts as in
 * flight, a resent one counts (again) for its resend; sacked bytes do not.
 * Walked from the top, so each hole knows what is sacked above it.
 */
uint32_t ts_sb_pipe(const struct ts_ctx *ctx, const struct ts_tcb *c)
{
	const struct ts_sb *sb = ts_sb_of(ctx, c);
	uint32_t pipe = 0, above = 0, ranges = 0, top = c->snd_nxt;

	for (uint32_t i = sb->n + 1; i-- > 0;) {
		uint32_t lo = i == 0 ? c->snd_una : sb->r[i - 1][1];
		uint32_t hi = i == sb->n ? top : sb->r[i][0];

		if (i < sb->n) {
			above += sb->r[i][1] - sb->r[i][0];
			ranges++;
		}
		if (!ts_seq_lt(lo, hi))
			continue;
		if (!ts_seq_lt(lo, sb->lost_to) &&
				!ts_sb_is_lost(c, above, ranges))
			pipe += hi - lo;
		if (ts_seq_gt(sb->high_rxt, lo))
			pipe += (ts_seq_lt(sb->high_rxt, hi) ? sb->high_rxt : hi) -
				lo;
	}
	return pipe;
}

/*
 * RFC 6675 NextSeg rules 1 (@p lost_only) and 3: the first byte past
 * HighRxt, below the highest sacked byte, not sacked, and lost.
 */
static int ts_sb_hole(const struct ts_sb *sb, const struct ts_tcb *c,
		uint32_t seg, int lost_only, uint32_t *seq, uint32_t *len)
{
	uint32_t ranges = sb->n, above = 0;

	for (uint32_t i = 0; i < sb->n; i++)
		above += sb->r[i][1] - sb->r[i][0];
	for (uint32_t i = 0; i < sb->n; i++) {
		uint32_t lo = i == 0 ? c->snd_una : sb->r[i - 1][1];
		uint32_t hi = sb->r[i][0];

		if (ts_seq_gt(sb->high_rxt, lo))
			lo = sb->high_rxt;
		if (ts_seq_lt(lo, hi) && (!lost_only ||
				ts_seq_lt(lo, sb->lost_to) ||
				ts_sb_is_lost(c, above, ranges))) {
			*seq = lo;
			*len = RTE_MIN(hi - lo, seg);
			return 1;
		}
		above -= sb->r[i][1] - sb->r[i][0];
		ranges--;
	}
	return 0;
}

int ts_sb_next_hole(const struct ts_ctx *ctx, const struct ts_tcb *c,
		uint32_t seg, uint32_t *seq, uint32_t *len)
{
	const struct ts_sb *sb = ts_sb_of(ctx, c);

	return ts_sb_hole(sb, c, seg, 1, seq, len) ||
		(sb->must_rxt && ts_sb_hole(sb, c, seg, 0, seq, len));
}

int ts_sb_rescue(const struct ts_ctx *ctx, const struct ts_tcb *c,
		uint32_t seg, uint32_t *seq, uint32_t *len)
{
	const struct ts_sb *sb = ts_sb_of(ctx, c);
	uint32_t data_end = c->snd_una + c->sndq_bytes, hi = data_end, lo;

	if (!ts_seq_gt(c->snd_una, sb->rescue_rxt) || c->snd_nxt != c->snd_max)
		return 0;
	/* The highest unsacked data: below the top range if it ends the data. */
	if (sb->n > 0 && sb->r[sb->n - 1][1] == data_end)
		hi = sb->r[sb->n - 1][0];
	/* Not what this recovery already resent. */
	lo = ts_seq_gt(sb->high_rxt, c->snd_una) ? sb->high_rxt : c->snd_una;
	if (!ts_seq_gt(hi, lo))
		return 0;
	*len = RTE_MIN(hi - lo, seg);
	*seq = hi - *len;
	return 1;
}

uint32_t ts_sb_skip(const struct ts_ctx *ctx, const struct ts_tcb *c,
		uint32_t seq)
{
	const struct ts_sb *sb = ts_sb_of(ctx, c);

	if (sb == NULL)
		return 0;
	for (uint32_t i = 0; i < sb->n; i++)
		if (ts_seq_le(sb->r[i][0], seq) && ts_seq_lt(seq, sb->r[i][1]))
			return sb->r[i][1] - seq;
	return 0;
}

uint32_t ts_sb_gap(const struct ts_ctx *ctx, const struct ts_tcb *c,
		uint32_t seq)
{
	const struct ts_sb *sb = ts_sb_of(ctx, c);

	if (sb == NULL)
		return UINT32_MAX;
	for (uint32_t i = 0; i < sb->n; i++)
		if (ts_seq_gt(sb->r[i][0], seq))
			return sb->r[i][0] - seq;
	return UINT32_MAX;
}

/* The first unsacked byte from @p seq on, when sacked data lies above it. */
static int ts_sb_first_hole(const struct ts_sb *sb, uint32_t seq,
		uint32_t *hole)
{
	for (uint32_t i = 0; i < sb->n; i++) {
		if (ts_seq_lt(seq, sb->r[i][0])) {
			*hole = seq;
			return 1;
		}
		if (ts_seq_lt(seq, sb->r[i][1]))
			seq = sb->r[i][1];
	}
	return 0;
}

/*
 * Where sacked data must lie for a hole at @p hole to have been sent
 * before it: the hole itself, unless it went again since. A resend in
 * this recovery went before snd_max passed rxt_end; after a timeout,
 * whatever went again went before snd_max passed recover.
 */
static uint32_t ts_sb_sent_after(const struct ts_sb *sb,
		const struct ts_tcb *c, uint32_t hole)
{
	if (c->flags & TS_TCBF_SACK_REC) {
		if (ts_seq_gt(sb->high_rxt, hole))
			return ts_seq_gt(sb->rxt_end, hole) ? sb->rxt_end : hole;
		return hole;
	}
	if (!(c->flags & TS_TCBF_RECOVERY) && !ts_cc_may_recover(c) &&
			ts_seq_gt(c->recover, hole))
		return c->recover;
	return hole;
}

/* RFC 8985 6.2: the reordering window, a quarter SRTT per step. */
static uint32_t ts_sb_reo_wnd(const struct ts_tcb *c)
{
	uint32_t us = c->srtt_us / 4 * ((c->reo & TS_REO_STEPS) + 1u);

	return (RTE_MIN(us, c->srtt_us) + 999) / 1000;
}

/*
 * The hole the reorder timer watches: the first one, unless it is already
 * lost and waits to be resent; then the first past what is lost.
 */
static int ts_sb_reo_hole(const struct ts_sb *sb, const struct ts_tcb *c,
		uint32_t *hole)
{
	if (!ts_sb_first_hole(sb, c->snd_una, hole))
		return 0;
	if (!ts_seq_lt(*hole, sb->lost_to) || ((c->flags & TS_TCBF_SACK_REC) &&
			ts_seq_gt(sb->high_rxt, *hole)))
		return 1;
	return ts_sb_first_hole(sb, sb->lost_to, hole);
}

void ts_sb_reo_check(struct ts_ctx *ctx, struct ts_tcb *c, uint64_t tsc)
{
	struct ts_sb *sb = ts_sb_of(ctx, c);
	uint32_t hole, top, now;

	if (sb == NULL)
		return;
	/* Not while a timeout's resends are still under way (go back N). */
	if (sb->n == 0 || c->srtt_us == 0 || c->snd_nxt != c->snd_max ||
			((c->flags & TS_TCBF_RECOVERY) &&
			 !(c->flags & TS_TCBF_SACK_REC)) ||
			!ts_sb_reo_hole(sb, c, &hole)) {
		sb->reo_tick = 0;
		return;
	}
	top = sb->r[sb->n - 1][1];
	now = ts_tick(ctx, tsc);
	/*
	 * The timer runs on while its hole stays and what was sacked when it
	 * was set still went after the hole's last send; else it starts anew.
	 */
	if (sb->reo_tick == 0 || !ts_seq_lt(hole, sb->reo_seq) ||
			!ts_seq_gt(sb->reo_seq, ts_sb_sent_after(sb, c, hole))) {
		if (!ts_seq_gt(top, ts_sb_sent_after(sb, c, hole))) {
			sb->reo_tick = 0;
			return;
		}
		sb->reo_seq = top;
		sb->reo_tick = now + ts_sb_reo_wnd(c);
	} else if ((int32_t)(sb->reo_tick - now) <= 0) {
		/* Its deadline passed while another held t_rexmt: soon, then. */
		sb->reo_tick = now + 1;
	}
	if (sb->reo_tick == 0)
		sb->reo_tick = 1;            /* 0 means none */
	if (c->t_rexmt == 0 || (int32_t)(sb->reo_tick - c->t_rexmt) < 0) {
		c->t_rexmt = sb->reo_tick;
		c->flags = (uint16_t)((c->flags & ~TS_TCBF_PTO) | TS_TCBF_REO);
		ts_tcb_timer_update(ctx, c);
	}
}

void ts_sb_reo_fire(struct ts_ctx *ctx, struct ts_tcb *c, uint64_t tsc)
{
	struct ts_sb *sb = ts_sb_of(ctx, c);
	uint32_t hole;

	if (sb == NULL || sb->reo_tick == 0)
		return;
	/* An earlier deadline the timer kept when it was set anew: wait on. */
	if ((int32_t)(sb->reo_tick - ts_tick(ctx, tsc)) > 0) {
		c->t_rexmt = sb->reo_tick;
		c->flags |= TS_TCBF_REO;
		return;
	}
	sb->reo_tick = 0;
	/* The hole must still be there, and not resent since the SACK. */
	if (c->snd_nxt != c->snd_max || !ts_sb_reo_hole(sb, c, &hole) ||
			!ts_seq_lt(hole, sb->reo_seq) ||
			!ts_seq_gt(sb->reo_seq, ts_sb_sent_after(sb, c, hole)))
		return;
	ts_count(ctx, TS_STAT_TCP_REO_LOST, 1);
	if (ts_seq_gt(sb->reo_seq, sb->lost_to))
		sb->lost_to = sb->reo_seq;
	if (!(c->flags & TS_TCBF_RECOVERY)) {
		/* After a timeout the window is already down: no second cut. */
		ts_sb_recovery_start(ctx, c, ts_cc_may_recover(c));
	} else if (ts_seq_gt(sb->high_rxt, hole)) {
		/* A resend of this recovery was lost: holes may go again. */
		sb->high_rxt = c->snd_una;
		sb->undo_ok = 0;
		ts_count(ctx, TS_STAT_TCP_LOST_RXT, 1);
	}
	ts_tcp_output(ctx, c, tsc);
}
