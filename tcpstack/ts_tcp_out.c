/**
 * @file
 * TCP output: segments from the send queue within the peer's window and
 * the congestion window, control segments (SYN, SYN-ACK, ACK, FIN, RST),
 * retransmission, and options (MSS, window scale, timestamps, SACK).
 *
 * ts_tcp_flush_pending -> ts_tcp_output -> ts_tcp_xmit -> ts_ipv4_output
 * ts_tcp_timers -> ts_tcp_retransmit -> ts_tcp_output
 *
 * Payload is never copied into the queue: a segment's payload is attached
 * to the queued mbufs (indirect mbufs share their buffers), except small
 * payloads, which are cheaper to copy next to the header.
 */
#include <string.h>

#include <rte_ip.h>

#include "ts_tcp_priv.h"

#define TS_OPT_EOL 0
#define TS_OPT_NOP 1
#define TS_OPT_MSS 2
#define TS_OPT_WS 3
#define TS_OPT_SACK_OK 4
#define TS_OPT_SACK 5
#define TS_OPT_TS 8

/* Window scale that lets a window of @p buf bytes be announced. */
static uint8_t ts_wscale_for(uint32_t buf)
{
	uint8_t s = 0;

	while (s < TS_TCP_WSCALE_MAX && (65535u << s) < buf)
		s++;
	return s;
}

uint32_t ts_tcp_rcv_window(const struct ts_tcb *c)
{
	uint32_t w = c->rcv_free;
	uint32_t max = 65535u << c->rcv_wscale;
	uint32_t promised = c->rcv_adv - c->rcv_nxt;

	if (w > max)
		w = max;
	/* Never shrink what was already offered (RFC 9293 3.8.6). */
	if (ts_seq_gt(c->rcv_adv, c->rcv_nxt) && promised > w)
		w = promised;
	return w;
}

static uint8_t *ts_opt_ts(uint8_t *p, const struct ts_ctx *ctx,
		const struct ts_tcb *c, uint64_t tsc)
{
	uint32_t val = rte_cpu_to_be_32(ts_tick(ctx, tsc));
	uint32_t ecr = rte_cpu_to_be_32(c->ts_recent);

	*p++ = TS_OPT_NOP;
	*p++ = TS_OPT_NOP;
	*p++ = TS_OPT_TS;
	*p++ = 10;
	memcpy(p, &val, 4);
	memcpy(p + 4, &ecr, 4);
	return p + 8;
}

/*
 * SACK blocks (RFC 2018) for what the out-of-order queue holds: the block
 * with the segment received last first (RFC 2018 4), then the others from
 * the lowest, as many as fit in @p room.
 */
static uint8_t *ts_opt_sack(uint8_t *p, const struct ts_ctx *ctx,
		const struct ts_tcb *c, int room)
{
	uint32_t blocks[TS_TCP_OOO_MAX / 2 + 1][2];
	int n = 0, first = 0, max = RTE_MIN((room - 4) / 8, 4);
	struct rte_mbuf *m;

	for (m = c->ooo_head; m != NULL; m = ts_ooo(ctx, m)->next) {
		uint32_t seq = ts_ooo(ctx, m)->seq;
		uint32_t end = seq + m->pkt_len;

		if (n > 0 && blocks[n - 1][1] == seq) {
			blocks[n - 1][1] = end;
		} else {
			if (n == RTE_DIM(blocks))
				break;
			blocks[n][0] = seq;
			blocks[n][1] = end;
			n++;
		}
		if (ts_ooo(ctx, m)->recent)
			first = n - 1;
	}
	if (n <= 0 || max <= 0)
		return p;
	*p++ = TS_OPT_NOP;
	*p++ = TS_OPT_NOP;
	*p++ = TS_OPT_SACK;
	*p++ = (uint8_t)(2 + 8 * RTE_MIN(n, max));
	for (int i = -1, k = 0; k < max && i < n; i++) {
		int b = i < 0 ? first : i;
		uint32_t l, r;

		if (i == first)
			continue;
		l = rte_cpu_to_be_32(blocks[b][0]);
		r = rte_cpu_to_be_32(blocks[b][1]);
		memcpy(p, &l, 4);
		memcpy(p + 4, &r, 4);
		p += 8;
		k++;
	}
	return p;
}

/* Options of a SYN or SYN-ACK: MSS, SACK permitted, timestamps, scale. */
static uint8_t *ts_opt_syn(uint8_t *p, const struct ts_ctx *ctx,
		const struct ts_tcb *c, int synack, uint64_t tsc)
{
	uint16_t mss = rte_cpu_to_be_16(ctx->tcp.conf.mss);
	int ws = !synack || (c->flags & TS_TCBF_WS_OK);

	*p++ = TS_OPT_MSS;
	*p++ = 4;
	memcpy(p, &mss, 2);
	p += 2;
	if (!synack || (c->flags & TS_TCBF_SACK)) {
		*p++ = TS_OPT_NOP;
		*p++ = TS_OPT_NOP;
		*p++ = TS_OPT_SACK_OK;
		*p++ = 2;
	}
	if (!synack || (c->flags & TS_TCBF_TS))
		p = ts_opt_ts(p, ctx, c, tsc);
	if (ws) {
		*p++ = TS_OPT_NOP;
		*p++ = TS_OPT_WS;
		*p++ = 3;
		*p++ = c->rcv_wscale;
	}
	return p;
}

/*
 * The mbuf of the send queue that holds offset @p off (from snd_una), and
 * in *@p off the offset within it. The walk starts at the cursor kept on
 * the queue's head when that lies at or before @p off: a queue of many
 * small messages then costs each segment only the mbufs it covers. The
 * cursor is good while its mbuf is untouched, that is while its first
 * byte is not below snd_una (acknowledged bytes leave from the head, and
 * the cursor moves to each new head).
 */
static struct rte_mbuf *ts_sndq_seek(const struct ts_ctx *ctx,
		const struct ts_tcb *c, uint32_t *off)
{
	struct rte_mbuf *m = c->sndq_head;
	struct ts_ooo_link *k = ts_ooo(ctx, m);
	uint32_t at = c->snd_una;
	uint32_t seq = c->snd_una + *off;
	uint32_t tail_at = at + c->sndq_bytes - c->sndq_tail->data_len;

	/* What was queued last: the usual case of a message sent as soon as
	 * queued, without touching the older, cold, pieces before it. */
	if (ts_seq_ge(seq, tail_at)) {
		*off = seq - tail_at;
		return c->sndq_tail;
	}
	if (k->cur && ts_seq_ge(k->seq, at) && ts_seq_ge(seq, k->seq)) {
		m = k->next;
		at = k->seq;
	}
	while (seq - at >= m->data_len) {
		at += m->data_len;
		m = m->next;
	}
	k->cur = 1;
	k->next = m;
	k->seq = at;
	*off = seq - at;
	return m;
}

/*
 * Copy @p len bytes at @p off of the send queue to @p dst. @return their
 * raw sum, unfolded, taken from the queue's pieces where they were summed
 * before (ts_payload_cksum_prepare).
 */
static uint32_t ts_sndq_copy(const struct ts_ctx *ctx, const struct ts_tcb *c,
		uint32_t off, uint8_t *dst, uint32_t len)
{
	const struct ts_iface *ifc = &ctx->ifs[c->ifidx];
	const struct rte_mbuf *m = ts_sndq_seek(ctx, c, &off);
	uint32_t sum = 0, done = 0;

	while (done < len) {
		uint32_t n = RTE_MIN(len - done, m->data_len - off);

		memcpy(dst + done, rte_pktmbuf_mtod_offset(m, const uint8_t *, off),
				n);
		sum = ts_sum_add(sum, ifc->piece_sum[0](ctx, m, off, n), done);
		done += n;
		off = 0;
		m = m->next;
	}
	return sum;
}

/*
 * Attach up to @p len bytes at @p off of the send queue to @p hdr, sharing
 * the queued buffers, and add their raw sum to *@p sum (as ts_sndq_copy).
 * @return the bytes attached (fewer when the pieces run out or an mbuf
 * cannot be had).
 */
static uint32_t ts_sndq_attach(struct ts_ctx *ctx, const struct ts_tcb *c,
		uint32_t off, struct rte_mbuf *hdr, uint32_t len, uint32_t *sum)
{
	const struct ts_iface *ifc = &ctx->ifs[c->ifidx];
	struct rte_mbuf *m = ts_sndq_seek(ctx, c, &off);
	uint32_t done = 0;

	for (int n = 0; done < len && n < TS_TCP_MAX_PIECES; n++) {
		uint32_t take = RTE_MIN(len - done, m->data_len - off);
		struct rte_mbuf *piece = rte_pktmbuf_alloc(ctx->pool);

		if (piece == NULL)
			break;
		rte_pktmbuf_attach(piece, m);
		piece->data_off = (uint16_t)(m->data_off + off);
		piece->data_len = (uint16_t)take;
		piece->pkt_len = take;
		if (rte_pktmbuf_chain(hdr, piece) != 0) {
			rte_pktmbuf_free(piece);
			break;
		}
		*sum = ts_sum_add(*sum, ifc->piece_sum[1](ctx, m, off, take),
				done);
		done += take;
		off = 0;
		m = m->next;
	}
	return done;
}

static uint16_t ts_piece_sum_sw(const struct ts_ctx *ctx,
		const struct rte_mbuf *m, uint32_t off, uint32_t n)
{
	return ts_piece_sum(ctx, m, off, n);
}

static uint16_t ts_piece_sum_port(const struct ts_ctx *ctx,
		const struct rte_mbuf *m, uint32_t off, uint32_t n)
{
	RTE_SET_USED(ctx);
	RTE_SET_USED(m);
	RTE_SET_USED(off);
	RTE_SET_USED(n);
	return 0;
}

void ts_tcp_iface_init(struct ts_iface *ifc)
{
	ifc->copy_max = ifc->conf.no_chains ? UINT32_MAX : TS_TCP_COPY_MAX;
	for (int chain = 0; chain < 2; chain++) {
		const int port = ifc->conf.tx_cksum == TS_TX_CKSUM_PORT ||
			(ifc->conf.tx_cksum == TS_TX_CKSUM_PORT_FLAT && !chain);

		ifc->sum_mask[chain] = port ? 0 : UINT32_MAX;
		ifc->sum_xor[chain] = port ? 0 : 0xffff;
		ifc->tx_ol[chain] = port ?
			RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM : 0;
		ifc->piece_sum[chain] = port ? ts_piece_sum_port :
			ts_piece_sum_sw;
	}
}

/*
 * Fill the TCP header at the start of @p m and send it. @p psum is the
 * raw sum of the payload after the @p hlen header bytes (hlen is even, so
 * it needs no swap). In software the checksum is the complement of the
 * whole sum; for a port that sums, the pseudo-header's sum alone, as
 * DPDK asks (RTE_MBUF_F_TX_TCP_CKSUM), with no branch on which it is.
 */
static void ts_tcp_emit(struct ts_ctx *ctx, struct rte_mbuf *m,
		uint8_t ifidx, uint32_t lip, uint32_t rip, uint16_t lport,
		uint16_t rport, uint32_t seq, uint32_t ack, uint8_t flags,
		uint16_t wnd, uint8_t hlen, uint32_t psum, uint64_t tsc)
{
	const struct ts_iface *ifc = &ctx->ifs[ifidx];
	const int chain = m->nb_segs > 1;     /* the payload attached, not copied */
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod(m, struct rte_tcp_hdr *);
	uint32_t hsum;

	th->src_port = rte_cpu_to_be_16(lport);
	th->dst_port = rte_cpu_to_be_16(rport);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)((hlen / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(wnd);
	th->cksum = 0;
	th->tcp_urp = 0;
	/* The fixed header's sum from the values just stored, in host order
	 * and put in network order once; only the options are read back. */
	hsum = rte_cpu_to_be_16(ts_fold(lport + rport + ts_sum32(seq) +
			ts_sum32(ack) + ((uint32_t)(hlen / 4) << 12) + flags + wnd)) +
			rte_raw_cksum(th + 1, (size_t)hlen - sizeof(*th));
	th->cksum = (uint16_t)(ts_fold(ts_tcp_pseudo_sum(lip, rip, m->pkt_len) +
			((hsum + psum) & ifc->sum_mask[chain])) ^
			ifc->sum_xor[chain]);
	m->l2_len = sizeof(struct rte_ether_hdr);
	m->l3_len = sizeof(struct rte_ipv4_hdr);
	m->l4_len = hlen;
	m->ol_flags |= ifc->tx_ol[chain];
	ts_count(ctx, TS_STAT_TCP_SEGS_OUT, 1);
	if (flags & TS_F_RST)
		ts_count(ctx, TS_STAT_TCP_RST_TX, 1);
	ts_ipv4_output(ctx, ifidx, m, lip, rip, IPPROTO_TCP, tsc);
}

/*
 * One segment of connection @p c: header, options, and @p len bytes of
 * payload from offset @p off of the send queue. @return payload bytes
 * actually sent (0 when no mbuf could be had).
 */
static uint32_t ts_tcp_xmit(struct ts_ctx *ctx, struct ts_tcb *c,
		uint32_t seq, uint8_t flags, uint32_t off, uint32_t len,
		uint64_t tsc)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(ctx->pool);
	uint32_t wnd, psum = 0;
	uint8_t *opts, *p;
	uint8_t hlen;

	if (unlikely(m == NULL)) {
		ts_count(ctx, TS_STAT_DROP_NO_MBUF, 1);
		return 0;
	}
	/* Room for the most options, written in place and the rest trimmed:
	 * no copy from a buffer on the stack. */
	opts = (uint8_t *)rte_pktmbuf_append(m, sizeof(struct rte_tcp_hdr) +
			TS_TCP_MAX_OPT) + sizeof(struct rte_tcp_hdr);
	p = opts;
	if (flags & TS_F_SYN)
		p = ts_opt_syn(p, ctx, c, !!(flags & TS_F_ACK), tsc);
	else {
		if (c->flags & TS_TCBF_TS)
			p = ts_opt_ts(p, ctx, c, tsc);
		if ((c->flags & TS_TCBF_SACK) && c->ooo_head != NULL)
			p = ts_opt_sack(p, ctx, c, RTE_MIN(
					(int)(TS_TCP_MAX_OPT - (p - opts)),
					(int)c->mss - (int)len - (int)(p - opts)));
	}
	hlen = (uint8_t)(sizeof(struct rte_tcp_hdr) + (p - opts));
	rte_pktmbuf_trim(m, (uint16_t)(TS_TCP_MAX_OPT - (p - opts)));
	if (len > 0 && len <= ctx->ifs[c->ifidx].copy_max) {
		/* Beside the header, as much as the mbuf holds. */
		len = RTE_MIN(len, (uint32_t)rte_pktmbuf_tailroom(m));
		psum = ts_sndq_copy(ctx, c, off, (uint8_t *)rte_pktmbuf_append(m,
				(uint16_t)len), len);
	} else if (len > 0)
		len = ts_sndq_attach(ctx, c, off, m, len, &psum);
	if ((flags & TS_F_FIN) && len < c->sndq_bytes - off)
		flags &= (uint8_t)~TS_F_FIN;   /* FIN only after the last byte */
	wnd = ts_tcp_rcv_window(c);
	if (!(flags & TS_F_SYN))
		wnd >>= c->rcv_wscale;
	ts_tcp_emit(ctx, m, c->ifidx, c->lip, c->rip, c->lport, c->rport, seq,
			(flags & TS_F_ACK) ? c->rcv_nxt : 0, flags,
			(uint16_t)RTE_MIN(wnd, 65535u), hlen, psum, tsc);
	if (flags & TS_F_ACK) {
		c->last_ack = c->rcv_nxt;
		c->t_delack = 0;     /* its wheel entry, if first, fires idle */
		c->flags &= (uint16_t)~TS_TCBF_ACK_NOW;
		c->rcv_adv = c->rcv_nxt + ts_tcp_rcv_window(c);
	}
	return len;
}

void ts_tcp_send_ctl(struct ts_ctx *ctx, struct ts_tcb *c, uint8_t flags,
		uint32_t seq, uint64_t tsc)
{
	ts_tcp_xmit(ctx, c, seq, flags, 0, 0, tsc);
}

void ts_tcp_send_rst(struct ts_ctx *ctx, struct ts_tcb *c, enum ts_stat why,
		uint64_t tsc)
{
	/* ts_tcp_emit() counts what left: no mbuf, no RST, no reason. */
	uint64_t sent = ctx->stats.v[TS_STAT_TCP_RST_TX];

	ts_tcp_xmit(ctx, c, c->snd_nxt, TS_F_RST | TS_F_ACK, 0, 0, tsc);
	if (ctx->stats.v[TS_STAT_TCP_RST_TX] != sent)
		ts_count(ctx, why, 1);
}

void ts_tcp_send_ack(struct ts_ctx *ctx, struct ts_tcb *c, uint64_t tsc)
{
	/* Port full: owed, and sent (one for all) when the list's turn comes. */
	if (unlikely(ts_tx_held(&ctx->ifs[c->ifidx]))) {
		c->flags |= TS_TCBF_ACK_NOW;
		ts_tcp_pend(ctx, c);
		return;
	}
	ts_tcp_xmit(ctx, c, c->snd_nxt, TS_F_ACK, 0, 0, tsc);
}

void ts_tcp_send_syn(struct ts_ctx *ctx, struct ts_tcb *c, uint64_t tsc)
{
	/*
	 * A burst of opens (or of SYNs answered) can outrun a full port:
	 * rather than dropped, and resent a whole RTO later, it waits on the
	 * output list like any other output.
	 */
	if (unlikely(ts_tx_held(&ctx->ifs[c->ifidx]))) {
		c->flags |= TS_TCBF_SYN_OWED;
		ts_tcp_pend(ctx, c);
		return;
	}
	ts_tcp_send_ctl(ctx, c, c->state == TS_TCP_SYN_SENT ? TS_F_SYN :
			TS_F_SYN | TS_F_ACK, c->iss, tsc);
	/* One that waited: its timeout counts from now, not from the open. */
	if (c->flags & TS_TCBF_SYN_OWED) {
		c->flags &= (uint16_t)~TS_TCBF_SYN_OWED;
		ts_tcp_rto_arm(ctx, c, tsc);
	}
}

static uint32_t ts_tcp_seg_size(const struct ts_tcb *c);
static uint32_t ts_tcp_new_len(const struct ts_ctx *ctx, struct ts_tcb *c,
		uint32_t seg, uint32_t budget);
static uint32_t ts_tcp_send_new(struct ts_ctx *ctx, struct ts_tcb *c,
		uint32_t len, uint64_t tsc);
static uint32_t ts_tcp_resend(struct ts_ctx *ctx, struct ts_tcb *c,
		uint32_t seq, uint32_t len, uint64_t tsc);

/* RFC 8985 7.2: when a tail loss probe, not the RTO, should come first. */
static int ts_tcp_tlp_ok(const struct ts_tcb *c)
{
	return (c->flags & TS_TCBF_SACK) && c->srtt_us != 0 &&
		!(c->flags & (TS_TCBF_RECOVERY | TS_TCBF_TLP_SENT)) &&
		c->backoff == 0 && c->snd_wnd != 0 &&
		(c->state == TS_TCP_ESTABLISHED || c->state == TS_TCP_CLOSE_WAIT);
}

void ts_tcp_rto_arm(struct ts_ctx *ctx, struct ts_tcb *c, uint64_t tsc)
{
	uint32_t rto = RTE_MIN(c->rto << c->backoff, ctx->tcp.conf.rto_max_ms);

	c->flags &= (uint16_t)~(TS_TCBF_PTO | TS_TCBF_REO);
	if (ts_tcp_tlp_ok(c)) {
		/* PTO = 2 SRTT; with one segment out, room for a delayed ACK. */
		uint32_t pto = 2 * c->srtt_us / 1000 + 2;

		if (c->snd_max - c->snd_una <= c->mss)
			pto += ctx->tcp.conf.rto_min_ms;
		if (pto < rto) {
			rto = pto;
			c->flags |= TS_TCBF_PTO;
		}
	}
	c->t_rexmt = ts_tick(ctx, tsc) + rto;
	ts_tcb_timer_update(ctx, c);
}

/*
 * The probe timeout fired (RFC 8985 7.3): send one new segment if the
 * window allows, short or not, else the last one again, so that its ACK's
 * SACK blocks show what is missing; then the RTO runs as usual.
 */
void ts_tcp_tlp_fire(struct ts_ctx *ctx, struct ts_tcb *c, uint64_t tsc)
{
	uint32_t seg = ts_tcp_seg_size(c), len, tail;
	uint8_t nagle = c->reo & TS_REO_NAGLE;

	c->flags &= (uint16_t)~TS_TCBF_PTO;
	c->flags |= TS_TCBF_TLP_SENT;
	ts_count(ctx, TS_STAT_TCP_TLP, 1);
	/* Nagle waits for an ACK, and the probe is what draws one: a short
	 * segment it held goes as the probe (as Linux's). */
	c->reo &= (uint8_t)~TS_REO_NAGLE;
	len = ts_tcp_new_len(ctx, c, seg, seg);
	c->reo |= nagle;
	if (len == 0 || ts_tcp_send_new(ctx, c, len, tsc) == 0) {
		tail = RTE_MIN(c->sndq_bytes, c->snd_nxt - c->snd_una);
		len = RTE_MIN(tail, seg);
		if (len > 0)
			ts_tcp_resend(ctx, c, c->snd_una + tail - len, len, tsc);
	}
	ts_tcp_rto_arm(ctx, c, tsc);
}

/* Our FIN took a sequence number: the state moves on (RFC 9293 3.10.4). */
static void ts_tcp_fin_sent(struct ts_ctx *ctx, struct ts_tcb *c)
{
	c->flags |= TS_TCBF_FIN_SENT;
	if (c->state == TS_TCP_ESTABLISHED || c->state == TS_TCP_SYN_RCVD)
		ts_tcb_set_state(ctx, c, TS_TCP_FIN_WAIT_1);
	else if (c->state == TS_TCP_CLOSE_WAIT)
		ts_tcb_set_state(ctx, c, TS_TCP_LAST_ACK);
}

static int ts_tcp_may_send_data(uint8_t state)
{
	return state == TS_TCP_ESTABLISHED || state == TS_TCP_CLOSE_WAIT ||
		state == TS_TCP_FIN_WAIT_1 || state == TS_TCP_CLOSING ||
		state == TS_TCP_LAST_ACK;
}

/* Bytes of payload per segment: the MSS less the options every one carries. */
static uint32_t ts_tcp_seg_size(const struct ts_tcb *c)
{
	uint32_t opt = (c->flags & TS_TCBF_TS) ? 12u : 0u;

	/*
	 * SACK blocks ride on every segment while the out-of-order queue
	 * holds data: the payload gives way to as many as fit, or a full
	 * segment would pass the MTU (RFC 6691: the MSS counts options).
	 */
	if ((c->flags & TS_TCBF_SACK) && c->ooo_head != NULL)
		opt += 4 + 8 * RTE_MIN((TS_TCP_MAX_OPT - opt - 4) / 8, 4u);
	return c->mss - opt;
}

/*
 * Bytes of new data (from snd_nxt) that may go in one segment now, with
 * at most @p budget bytes more in flight: the peer's window, the segment
 * size, and what the peer already holds (after a timeout, go-back-N
 * skips what the scoreboard says was sacked).
 */
static uint32_t ts_tcp_new_len(const struct ts_ctx *ctx, struct ts_tcb *c,
		uint32_t seg, uint32_t budget)
{
	uint32_t off, unsent, room, len;

	if (ts_seq_lt(c->snd_nxt, c->snd_max))
		c->snd_nxt += ts_sb_skip(ctx, c, c->snd_nxt);
	off = c->snd_nxt - c->snd_una;
	unsent = c->sndq_bytes > off ? c->sndq_bytes - off : 0;
	room = c->snd_wnd > off ? c->snd_wnd - off : 0;
	len = RTE_MIN(RTE_MIN(unsent, room), RTE_MIN(RTE_MIN(seg, budget),
			ts_sb_gap(ctx, c, c->snd_nxt)));
	/*
	 * Nagle (RFC 9293 3.7.4), where asked for: new data short of a
	 * segment waits while anything sent is unacknowledged, unless our
	 * FIN follows it.
	 */
	if (unlikely(c->reo & TS_REO_NAGLE) && len < seg && off != 0 &&
			c->snd_nxt == c->snd_max && !(c->flags & TS_TCBF_FIN_Q))
		return 0;
	return len;
}

/* One segment of @p len bytes from snd_nxt. @return the bytes sent. */
static uint32_t ts_tcp_send_new(struct ts_ctx *ctx, struct ts_tcb *c,
		uint32_t len, uint64_t tsc)
{
	uint32_t off = c->snd_nxt - c->snd_una;
	uint32_t unsent = c->sndq_bytes - off;
	int fresh = c->snd_nxt == c->snd_max;
	uint8_t flags = TS_F_ACK;

	if (len == unsent)
		flags |= TS_F_PSH;
	if (len == unsent && (c->flags & TS_TCBF_FIN_Q) &&
			!(c->flags & TS_TCBF_FIN_SENT))
		flags |= TS_F_FIN;
	len = ts_tcp_xmit(ctx, c, c->snd_nxt, flags, off, len, tsc);
	if (len == 0)
		return 0;
	/* Karn: time only data sent for the first time. */
	if (c->rtt_usec == 0 && fresh) {
		c->rtt_seq = c->snd_nxt;
		c->rtt_usec = ts_usec(ctx, tsc) | 1;
	}
	c->snd_nxt += len;
	if ((flags & TS_F_FIN) && len == unsent) {
		c->snd_nxt++;
		ts_tcp_fin_sent(ctx, c);
	}
	if (ts_seq_gt(c->snd_nxt, c->snd_max))
		c->snd_max = c->snd_nxt;
	return len;
}

/* Resend @p len bytes at @p seq, with the FIN if they end the data. */
static uint32_t ts_tcp_resend(struct ts_ctx *ctx, struct ts_tcb *c,
		uint32_t seq, uint32_t len, uint64_t tsc)
{
	uint32_t off = seq - c->snd_una;
	uint8_t flags = TS_F_ACK;

	ts_count(ctx, TS_STAT_TCP_RETRANS_FAST, 1);
	c->rtt_usec = 0;                 /* Karn: no sample across a resend */
	if ((c->flags & TS_TCBF_FIN_SENT) && off + len == c->sndq_bytes)
		flags |= TS_F_FIN;
	return ts_tcp_xmit(ctx, c, seq, flags, off, len, tsc);
}

/* The recovery's first resend goes whatever the pipe (RFC 6675 4.3). */
static int ts_tcp_first_rxt(const struct ts_ctx *ctx, const struct ts_tcb *c,
		uint32_t seg, uint32_t *seq, uint32_t *len)
{
	*seq = c->snd_una;
	*len = RTE_MIN(RTE_MIN(seg, c->sndq_bytes), ts_sb_gap(ctx, c, c->snd_una));
	return *len > 0;
}

/*
 * The port is full and its transmit buffer nearly so: the connection's
 * output waits on the list (in order, behind the others) rather than
 * being sent to be dropped.
 */
static int ts_tcp_tx_wait(struct ts_ctx *ctx, struct ts_tcb *c)
{
	const struct ts_iface *ifc = &ctx->ifs[c->ifidx];

	if (likely(!ifc->tx_blocked || ifc->tx_n < TS_TX_QUEUE - TS_TX_BURST))
		return 0;
	ts_tcp_pend(ctx, c);
	return 1;
}

/*
 * RFC 6675 6: while the congestion window has a segment's room over the
 * pipe, send NextSeg: a lost hole, new data, another hole, or the rescue.
 * @return whether anything was sent.
 */
static int ts_tcp_output_sack(struct ts_ctx *ctx, struct ts_tcb *c,
		uint32_t seg, uint64_t tsc)
{
	struct ts_sb *sb = ts_sb_of(ctx, c);
	int sent = 0;

	for (;;) {
		uint32_t pipe = ts_sb_pipe(ctx, c);
		uint32_t budget = c->cwnd > pipe ? c->cwnd - pipe : 0;
		uint32_t seq, len;

		if (ts_tcp_tx_wait(ctx, c))
			break;
		if (budget < seg && !sb->must_rxt)
			break;
		if (ts_sb_next_hole(ctx, c, seg, &seq, &len) ||
				(sb->must_rxt && ts_tcp_first_rxt(ctx, c, seg, &seq,
						&len))) {
			len = ts_tcp_resend(ctx, c, seq, len, tsc);
			if (len == 0)
				break;
			if (sb->must_rxt)
				sb->rxt_tick = ts_tick(ctx, tsc);
			sb->must_rxt = 0;
			if (ts_seq_gt(seq + len, sb->high_rxt))
				sb->high_rxt = seq + len;
			sb->rxt_end = c->snd_max;
		} else if ((len = ts_tcp_new_len(ctx, c, seg, budget)) > 0) {
			if (ts_tcp_send_new(ctx, c, len, tsc) == 0)
				break;
		} else if (ts_sb_rescue(ctx, c, seg, &seq, &len)) {
			if (ts_tcp_resend(ctx, c, seq, len, tsc) == 0)
				break;
			sb->rescue_rxt = c->recover;
		} else {
			break;
		}
		sent = 1;
	}
	return sent;
}

/* Outside a SACK recovery: new data as the windows allow. */
static int ts_tcp_output_new(struct ts_ctx *ctx, struct ts_tcb *c,
		uint32_t seg, uint64_t tsc)
{
	int sent = 0;

	for (;;) {
		uint32_t flight = c->snd_nxt - c->snd_una;
		uint32_t len = ts_tcp_new_len(ctx, c, seg,
				c->cwnd > flight ? c->cwnd - flight : 0);

		if (len == 0 || ts_tcp_tx_wait(ctx, c) ||
				ts_tcp_send_new(ctx, c, len, tsc) == 0)
			break;
		sent = 1;
	}
	return sent;
}

void ts_tcp_output(struct ts_ctx *ctx, struct ts_tcb *c, uint64_t tsc)
{
	uint32_t seg = ts_tcp_seg_size(c);
	int sent;

	if (!ts_tcp_may_send_data(c->state)) {
		if ((c->flags & TS_TCBF_SYN_OWED) &&
				(c->state == TS_TCP_SYN_SENT ||
				 c->state == TS_TCP_SYN_RCVD))
			ts_tcp_send_syn(ctx, c, tsc);
		else if (c->flags & TS_TCBF_ACK_NOW)
			ts_tcp_send_ack(ctx, c, tsc);
		return;
	}
	if (c->flags & TS_TCBF_SACK_REC)
		sent = ts_tcp_output_sack(ctx, c, seg, tsc);
	else
		sent = ts_tcp_output_new(ctx, c, seg, tsc);
	/* A FIN with no data left to carry it. */
	if ((c->flags & TS_TCBF_FIN_Q) && !(c->flags & TS_TCBF_FIN_SENT) &&
			c->snd_nxt - c->snd_una >= c->sndq_bytes &&
			!ts_tcp_tx_wait(ctx, c)) {
		ts_tcp_xmit(ctx, c, c->snd_nxt, TS_F_FIN | TS_F_ACK, 0, 0, tsc);
		c->snd_nxt++;
		if (ts_seq_gt(c->snd_nxt, c->snd_max))
			c->snd_max = c->snd_nxt;
		ts_tcp_fin_sent(ctx, c);
		sent = 1;
	}
	if (!sent && (c->flags & TS_TCBF_ACK_NOW))
		ts_tcp_send_ack(ctx, c, tsc);
	/* Something in flight, or a zero window to probe: the timer runs. */
	if (c->t_rexmt == 0 && (c->snd_max != c->snd_una ||
			(c->snd_wnd == 0 && c->sndq_bytes > 0)))
		ts_tcp_rto_arm(ctx, c, tsc);
}

/*
 * Resend from snd_una. After a timeout everything in flight is resent as
 * the window allows (go back N, skipping what the peer sacked).
 */
void ts_tcp_retransmit(struct ts_ctx *ctx, struct ts_tcb *c, uint64_t tsc)
{
	c->rtt_usec = 0;                 /* Karn: no sample from a resend */
	switch (c->state) {
	case TS_TCP_SYN_SENT:
	case TS_TCP_SYN_RCVD:
		ts_count(ctx, TS_STAT_TCP_RETRANS_RTO, 1);
		ts_tcp_send_syn(ctx, c, tsc);
		return;
	default:
		break;
	}
	if (c->snd_una == c->snd_max)
		return;
	ts_count(ctx, TS_STAT_TCP_RETRANS_RTO, 1);
	c->snd_nxt = c->snd_una;
	if (c->flags & TS_TCBF_FIN_SENT) {
		/* The FIN is resent when the data before it has been. */
		c->flags &= (uint16_t)~TS_TCBF_FIN_SENT;
	}
	/* With the ordinary output: many connections' RTOs firing on one
	 * tick do not overrun the port. */
	ts_tcp_pend(ctx, c);
}

/* Fast retransmit (RFC 5681 3.2): the first unacknowledged segment. */
void ts_tcp_resend_first(struct ts_ctx *ctx, struct ts_tcb *c, uint64_t tsc)
{
	ts_tcp_resend(ctx, c, c->snd_una,
			RTE_MIN(c->sndq_bytes, ts_tcp_seg_size(c)), tsc);
}

/* RST for a segment that has no connection (RFC 9293 3.10.7.1). */
void ts_tcp_reset_for(struct ts_ctx *ctx, uint8_t ifidx,
		const struct ts_seg *s, enum ts_stat why, uint64_t tsc)
{
	struct rte_mbuf *m;
	uint32_t seq = 0, ack = 0;
	uint8_t flags = TS_F_RST;

	if (s->flags & TS_F_RST)
		return;
	m = rte_pktmbuf_alloc(ctx->pool);
	if (m == NULL) {
		ts_count(ctx, TS_STAT_DROP_NO_MBUF, 1);
		return;
	}
	if (s->flags & TS_F_ACK) {
		seq = s->ack;
	} else {
		ack = s->seq + s->len + !!(s->flags & TS_F_SYN) +
			!!(s->flags & TS_F_FIN);
		flags |= TS_F_ACK;
	}
	rte_pktmbuf_append(m, sizeof(struct rte_tcp_hdr));
	ts_count(ctx, why, 1);
	ts_tcp_emit(ctx, m, ifidx, s->lip, s->rip, s->lport, s->rport, seq, ack,
			flags, 0, sizeof(struct rte_tcp_hdr), 0, tsc);
}

/* A SYN-ACK that keeps no state: the cookie is our ISS (RFC 4987). */
void ts_tcp_send_synack_cookie(struct ts_ctx *ctx, uint8_t ifidx,
		const struct ts_seg *s, uint32_t iss, uint16_t mss, uint64_t tsc)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(ctx->pool);
	uint8_t *p;
	uint16_t be_mss = rte_cpu_to_be_16(mss);

	if (m == NULL) {
		ts_count(ctx, TS_STAT_DROP_NO_MBUF, 1);
		return;
	}
	p = (uint8_t *)rte_pktmbuf_append(m, sizeof(struct rte_tcp_hdr) + 4);
	p += sizeof(struct rte_tcp_hdr);
	p[0] = TS_OPT_MSS;
	p[1] = 4;
	memcpy(p + 2, &be_mss, 2);
	ts_count(ctx, TS_STAT_TCP_COOKIE_TX, 1);
	ts_tcp_emit(ctx, m, ifidx, s->lip, s->rip, s->lport, s->rport, iss,
			s->seq + 1, TS_F_SYN | TS_F_ACK, 65535,
			sizeof(struct rte_tcp_hdr) + 4, 0, tsc);
}

/* Choose our window scale when the SYN is built or answered. */
void ts_tcp_pick_wscale(const struct ts_ctx *ctx, struct ts_tcb *c)
{
	c->rcv_wscale = ts_wscale_for(ctx->tcp.conf.rcvbuf);
}

void ts_payload_cksum_prepare(const struct ts_ctx *ctx, struct rte_mbuf *m)
{
	if (ctx->tcp.cksum_flag == 0)
		return;
	for (; m != NULL; m = m->next) {
		if (!RTE_MBUF_DIRECT(m))
			continue;            /* its buffer is another mbuf's */
		m->hash.usr = (uint32_t)m->data_len << 16 |
			rte_raw_cksum(rte_pktmbuf_mtod(m, const void *),
					m->data_len);
		m->ol_flags |= ctx->tcp.cksum_flag;
	}
}
