/**
 * @file
 * TCP input (RFC 9293 3.10.7, with RFC 5961, RFC 7323 and RFC 6298).
 *
 * ts_ipv4_input -> ts_tcp_input: header, checksum, owner worker, lookup
 *   -> ts_tcp_in_closed  no connection: listener (SYN, cookie ACK) or RST
 *   -> ts_tcp_in_syn_sent
 *   -> ts_tcp_in_synced  every other state, in the RFC's order: PAWS,
 *      sequence acceptable, RST, SYN, ACK (ts_tcp_in_ack), data
 *      (ts_tcp_in_data, out-of-order queue), FIN (ts_tcp_in_fin)
 *
 * A segment that is not processed leaves through ts_drop() under its
 * reason; the connection is answered (ACK, challenge ACK or RST) where the
 * RFC says so.
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

/* SACK blocks (RFC 2018 3): @p olen is 2 + 8 per block. */
static void ts_tcp_parse_sack(const uint8_t *p, uint8_t olen,
		struct ts_tcp_opts *o)
{
	for (int i = 0; i < (olen - 2) / 8 && i < 4; i++) {
		uint32_t l, r;

		memcpy(&l, p + 2 + 8 * i, 4);
		memcpy(&r, p + 6 + 8 * i, 4);
		o->sack[i][0] = rte_be_to_cpu_32(l);
		o->sack[i][1] = rte_be_to_cpu_32(r);
		o->n_sack++;
	}
}

static void ts_tcp_parse_opts(const uint8_t *p, uint32_t len,
		struct ts_tcp_opts *o)
{
	const uint8_t *end = p + len;

	memset(o, 0, sizeof(*o));
	while (p < end) {
		uint8_t kind = p[0], olen;

		if (kind == TS_OPT_EOL)
			return;
		if (kind == TS_OPT_NOP) {
			p++;
			continue;
		}
		if (end - p < 2 || p[1] < 2 || p[1] > end - p)
			return;              /* malformed: ignore the rest */
		olen = p[1];
		if (kind == TS_OPT_MSS && olen == 4) {
			o->mss = (uint16_t)((p[2] << 8) | p[3]);
		} else if (kind == TS_OPT_WS && olen == 3) {
			o->has_ws = 1;
			o->wscale = RTE_MIN(p[2], (uint8_t)TS_TCP_WSCALE_MAX);
		} else if (kind == TS_OPT_SACK_OK && olen == 2) {
			o->sack_ok = 1;
		} else if (kind == TS_OPT_SACK && olen >= 10 &&
				(olen - 2) % 8 == 0) {
			ts_tcp_parse_sack(p, olen, o);
		} else if (kind == TS_OPT_TS && olen == 10) {
			uint32_t v, e;

			memcpy(&v, p + 2, 4);
			memcpy(&e, p + 6, 4);
			o->has_ts = 1;
			o->ts_val = rte_be_to_cpu_32(v);
			o->ts_ecr = rte_be_to_cpu_32(e);
		}
		p += olen;
	}
}

static int ts_tcp_cksum_ok(const struct rte_mbuf *m, uint32_t off,
		uint32_t len, uint32_t src, uint32_t dst)
{
	uint64_t f = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;

	/* NONE: the field is not final (a virtual port passed on the
	 * sender's partial sum) but the port verified the data. */
	if (f == RTE_MBUF_F_RX_L4_CKSUM_GOOD || f == RTE_MBUF_F_RX_L4_CKSUM_NONE)
		return 1;
	if (f == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		return 0;
	return ts_tcp_sum(m, off, len, src, dst) == 0xffff;
}

/* Acknowledged bytes leave the send queue; buffers go back to the pool. */
void ts_tcp_sndq_ack(struct ts_ctx *ctx, struct ts_tcb *c, uint32_t acked)
{
	if (acked > c->sndq_bytes)
		acked = c->sndq_bytes;
	c->sndq_bytes -= acked;
	while (acked > 0) {
		struct rte_mbuf *m = c->sndq_head;

		if (acked < m->data_len) {
			m->data_off = (uint16_t)(m->data_off + acked);
			m->data_len = (uint16_t)(m->data_len - acked);
			m->pkt_len = m->data_len;
			return;
		}
		acked -= m->data_len;
		c->sndq_head = m->next;
		if (c->sndq_head == NULL)
			c->sndq_tail = NULL;
		else if (ts_ooo(ctx, m)->cur)
			*ts_ooo(ctx, c->sndq_head) = *ts_ooo(ctx, m);
		m->next = NULL;
		rte_pktmbuf_free(m);
	}
}

/* RFC 6298 2.2/2.3: smoothed RTT, its variation, and the RTO from them. */
static void ts_tcp_rtt_sample(struct ts_ctx *ctx, struct ts_tcb *c,
		uint32_t r)
{
	uint32_t rto_us;

	if (c->srtt_us == 0) {
		c->srtt_us = r ? r : 1;
		c->rttvar_us = r / 2;
	} else {
		uint32_t d = c->srtt_us > r ? c->srtt_us - r : r - c->srtt_us;

		c->rttvar_us = (3 * c->rttvar_us + d) / 4;
		c->srtt_us = (7 * c->srtt_us + r) / 8;
	}
	rto_us = c->srtt_us + RTE_MAX(1000u, 4 * c->rttvar_us);
	c->rto = RTE_MAX(rto_us / 1000, ctx->tcp.conf.rto_min_ms);
	c->rto = RTE_MIN(c->rto, ctx->tcp.conf.rto_max_ms);
}

static void ts_tcp_ack_now(struct ts_ctx *ctx, struct ts_tcb *c)
{
	c->flags |= TS_TCBF_ACK_NOW;
	ts_tcp_pend(ctx, c);
}

/* RFC 5961: answer a suspicious segment with an ACK, and drop it. */
static void ts_tcp_challenge(struct ts_ctx *ctx, struct ts_tcb *c,
		struct ts_seg *s, enum ts_stat reason, uint64_t tsc)
{
	ts_count(ctx, TS_STAT_TCP_CHALLENGE_ACK, 1);
	ts_tcp_send_ack(ctx, c, tsc);
	ts_drop(ctx, s->m, reason);
}

static void ts_tcp_time_wait(struct ts_ctx *ctx, struct ts_tcb *c,
		uint64_t tsc)
{
	ts_tcb_set_state(ctx, c, TS_TCP_TIME_WAIT);
	c->t_keep = 0;
	c->backoff = 0;                  /* counts ticks the last ACK waits */
	c->t_rexmt = ts_tick(ctx, tsc) + ctx->tcp.conf.time_wait_ms;
	ts_tcb_timer_update(ctx, c);
}

/* Options of the peer's SYN decide what the connection uses. */
static void ts_tcp_syn_options(struct ts_ctx *ctx, struct ts_tcb *c,
		const struct ts_seg *s, int we_offered_all)
{
	uint16_t peer_mss = s->opt.mss ? s->opt.mss : 536;

	c->mss = RTE_MIN(RTE_MIN(peer_mss, ctx->tcp.conf.mss),
			ctx->ifs[c->ifidx].mss_max);
	if (s->opt.has_ws && we_offered_all) {
		c->flags |= TS_TCBF_WS_OK;
		c->snd_wscale = s->opt.wscale;
		ts_tcp_pick_wscale(ctx, c);
	} else {
		c->snd_wscale = 0;
		c->rcv_wscale = 0;
	}
	if (s->opt.has_ts) {
		c->flags |= TS_TCBF_TS;
		c->ts_recent = s->opt.ts_val;
	}
	if (s->opt.sack_ok)
		c->flags |= TS_TCBF_SACK;
}

/*
 * Limits on connections per listener and per source: on every worker
 * together once ts_tcp_set_peers has been called, on this one else.
 */
static int ts_tcp_conn_allowed(const struct ts_ctx *ctx,
		const struct ts_tcp_listener *l, uint32_t rip)
{
	uint32_t max = ctx->tcp.conf.max_conns_per_listener;

	return (max == 0 || ts_listener_conns(ctx, l) < max) &&
		ts_src_allowed(ctx, rip);
}

/* A new passive connection of listener @p l, counted against its limits. */
static void ts_tcp_adopt(struct ts_ctx *ctx, struct ts_tcb *c,
		struct ts_tcp_listener *l)
{
	c->listener = (uint8_t)(l - ctx->tcp.listeners + 1);
	l->syn_rcvd++;
	ts_listener_count(l, 1);
	ts_src_add(ctx, c->rip);
	c->ops = l->ops;
	c->app = l->app;
}

/* A SYN for a listener: a half-open connection, or a cookie if full. */
static void ts_tcp_passive_open(struct ts_ctx *ctx, struct ts_iface *ifc,
		struct ts_tcp_listener *l, struct ts_seg *s, uint64_t tsc)
{
	const struct ts_tcp_conf *conf = &ctx->tcp.conf;
	struct ts_tcb *c = NULL;

	if (!ts_tcp_conn_allowed(ctx, l, s->rip)) {
		ts_drop(ctx, s->m, TS_STAT_DROP_TCP_CONN_LIMIT);
		return;
	}
	if (l->syn_rcvd < conf->syn_backlog)
		c = ts_tcb_new(ctx, (uint8_t)(ifc - ctx->ifs), s->lip, s->rip,
				s->lport, s->rport);
	if (c == NULL) {
		if (conf->syn_cookies) {
			uint16_t mss = RTE_MIN(s->opt.mss ? s->opt.mss : 536,
					conf->mss);

			ts_tcp_send_synack_cookie(ctx, (uint8_t)(ifc - ctx->ifs),
					s, ts_cookie_make(ctx, s, mss,
						ts_tick(ctx, tsc)), mss, tsc);
			rte_pktmbuf_free(s->m);
			return;
		}
		ts_drop(ctx, s->m, l->syn_rcvd >= conf->syn_backlog ?
				TS_STAT_DROP_TCP_CONN_LIMIT :
				TS_STAT_DROP_TCP_NO_TCB);
		return;
	}
	ts_tcp_adopt(ctx, c, l);
	c->rcv_nxt = s->seq + 1;
	c->rcv_adv = c->rcv_nxt;         /* nothing offered yet */
	c->iss = ts_tcp_new_iss(ctx, s);
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->iss + 1;
	c->snd_wnd = s->wnd;             /* never scaled in a SYN */
	c->snd_wl1 = s->seq;
	c->snd_wl2 = c->iss;
	ts_tcp_syn_options(ctx, c, s, 1);
	ts_tcb_set_state(ctx, c, TS_TCP_SYN_RCVD);
	ts_tcp_send_syn(ctx, c, tsc);
	ts_tcp_rto_arm(ctx, c, tsc);
	rte_pktmbuf_free(s->m);          /* data on a SYN is not taken */
}

static void ts_tcp_accepted(struct ts_ctx *ctx, struct ts_tcb *c)
{
	struct ts_tcp_listener *l = ts_tcb_listener(ctx, c);

	l->syn_rcvd--;
	ts_tcp_established(ctx, c);
	ts_count(ctx, TS_STAT_TCP_PASSIVE_OPEN, 1);
}

static void ts_tcp_in_synced(struct ts_ctx *ctx, struct ts_tcb *c,
		struct ts_seg *s, uint64_t tsc);

/* An ACK that may complete a handshake we answered with a cookie. */
static void ts_tcp_cookie_open(struct ts_ctx *ctx, struct ts_iface *ifc,
		struct ts_tcp_listener *l, struct ts_seg *s, uint64_t tsc)
{
	uint16_t mss = ts_cookie_check(ctx, s, ts_tick(ctx, tsc));
	struct ts_tcb *c;

	if (mss == 0) {
		ts_count(ctx, TS_STAT_TCP_COOKIE_BAD, 1);
		ts_tcp_reset_for(ctx, (uint8_t)(ifc - ctx->ifs), s,
				TS_STAT_TCP_RST_TX_NO_CONN, tsc);
		ts_drop(ctx, s->m, TS_STAT_DROP_TCP_NO_CONN);
		return;
	}
	if (!ts_tcp_conn_allowed(ctx, l, s->rip)) {
		/* The peer thinks it is connected: tell it otherwise. */
		ts_tcp_reset_for(ctx, (uint8_t)(ifc - ctx->ifs), s,
				TS_STAT_TCP_RST_TX_LIMIT, tsc);
		ts_drop(ctx, s->m, TS_STAT_DROP_TCP_CONN_LIMIT);
		return;
	}
	c = ts_tcb_new(ctx, (uint8_t)(ifc - ctx->ifs), s->lip, s->rip, s->lport,
			s->rport);
	if (c == NULL) {
		ts_drop(ctx, s->m, TS_STAT_DROP_TCP_NO_TCB);
		return;
	}
	ts_count(ctx, TS_STAT_TCP_COOKIE_OK, 1);
	ts_tcp_adopt(ctx, c, l);         /* ts_tcp_accepted takes syn_rcvd back */
	c->rcv_nxt = s->seq;
	c->rcv_adv = c->rcv_nxt;
	c->iss = s->ack - 1;
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = s->ack;
	c->snd_wl1 = s->seq - 1;
	c->mss = RTE_MIN(mss, ctx->ifs[c->ifidx].mss_max);
	ts_tcb_set_state(ctx, c, TS_TCP_SYN_RCVD);
	/* The ACK now completes the handshake the normal way. */
	ts_tcp_in_synced(ctx, c, s, tsc);
}

static void ts_tcp_in_closed(struct ts_ctx *ctx, struct ts_iface *ifc,
		struct ts_seg *s, uint64_t tsc)
{
	struct ts_tcp_listener *l = NULL;

	for (int i = 0; i < TS_TCP_MAX_LISTENERS; i++)
		if (ctx->tcp.listeners[i].port == s->lport &&
				ctx->tcp.listeners[i].ifidx == ifc - ctx->ifs) {
			l = &ctx->tcp.listeners[i];
			break;
		}
	if (s->flags & TS_F_RST) {
		ts_drop(ctx, s->m, TS_STAT_DROP_TCP_NO_CONN);
		return;
	}
	if (l != NULL && (s->flags & (TS_F_SYN | TS_F_ACK | TS_F_FIN)) ==
			TS_F_SYN) {
		ts_tcp_passive_open(ctx, ifc, l, s, tsc);
		return;
	}
	if (l != NULL && ctx->tcp.conf.syn_cookies &&
			(s->flags & (TS_F_SYN | TS_F_ACK)) == TS_F_ACK) {
		ts_tcp_cookie_open(ctx, ifc, l, s, tsc);
		return;
	}
	ts_tcp_reset_for(ctx, (uint8_t)(ifc - ctx->ifs), s,
			TS_STAT_TCP_RST_TX_NO_CONN, tsc);
	ts_drop(ctx, s->m, TS_STAT_DROP_TCP_NO_CONN);
}

/* Which counter an acceptable RST in synchronized state @p st goes to. */
static enum ts_stat ts_tcp_rst_rx_why(uint8_t st)
{
	switch (st) {
	case TS_TCP_SYN_RCVD:
		return TS_STAT_TCP_RST_RX_SYN_RCVD;
	case TS_TCP_CLOSING:
	case TS_TCP_LAST_ACK:
	case TS_TCP_TIME_WAIT:
		return TS_STAT_TCP_RST_RX_CLOSING;
	default:
		return TS_STAT_TCP_RST_RX_OPEN;
	}
}

/* RFC 9293 3.10.7.3: our SYN is out, waiting for the SYN-ACK. */
static void ts_tcp_in_syn_sent(struct ts_ctx *ctx, struct ts_tcb *c,
		struct ts_seg *s, uint64_t tsc)
{
	int ack_ok = (s->flags & TS_F_ACK) && ts_seq_gt(s->ack, c->iss) &&
		ts_seq_le(s->ack, c->snd_max);

	if ((s->flags & TS_F_ACK) && !ack_ok) {
		if (!(s->flags & TS_F_RST))
			ts_tcp_reset_for(ctx, c->ifidx, s,
					TS_STAT_TCP_RST_TX_BAD_ACK, tsc);
		ts_drop(ctx, s->m, TS_STAT_DROP_TCP_ACK);
		return;
	}
	if (s->flags & TS_F_RST) {
		if (ack_ok) {
			ts_count(ctx, TS_STAT_TCP_RST_RX, 1);
			ts_count(ctx, TS_STAT_TCP_RST_RX_REFUSED, 1);
			rte_pktmbuf_free(s->m);
			ts_tcb_end(ctx, c, TS_TCP_END_REFUSED);
			return;
		}
		ts_drop(ctx, s->m, TS_STAT_DROP_TCP_RST);
		return;
	}
	if (!(s->flags & TS_F_SYN)) {
		ts_drop(ctx, s->m, TS_STAT_DROP_TCP_FLAGS);
		return;
	}
	c->rcv_nxt = s->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	ts_tcp_syn_options(ctx, c, s, 1);
	c->snd_wnd = s->wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	if (!ack_ok) {
		/* Simultaneous open (3.10.7.3 fifth step). */
		ts_tcb_set_state(ctx, c, TS_TCP_SYN_RCVD);
		ts_tcp_send_syn(ctx, c, tsc);
		rte_pktmbuf_free(s->m);
		return;
	}
	c->snd_una = s->ack;
	c->backoff = 0;
	c->t_rexmt = 0;
	ts_tcb_timer_update(ctx, c);
	ts_tcp_established(ctx, c);
	ts_tcp_ack_now(ctx, c);
	rte_pktmbuf_free(s->m);
	if (c->ops->connected != NULL)
		c->ops->connected(c->app, ctx, c);
}

/*
 * RFC 9293 3.10.7.4 first check, as Linux applies it (tcp_sequence): a
 * segment is acceptable unless it ends before RCV.NXT or starts past the
 * window's right edge. The RFC's strict test would refuse a pure ACK at
 * exactly the right edge, which is what a peer that filled our window
 * sends; refusing it loses the ACK and can deadlock both sides. Payload
 * beyond the window is trimmed later (ts_tcp_in_data).
 */
static int ts_tcp_acceptable(const struct ts_tcb *c, const struct ts_seg *s)
{
	uint32_t len = s->len + !!(s->flags & TS_F_SYN) +
		!!(s->flags & TS_F_FIN);

	if (ts_seq_lt(s->seq + len, c->rcv_nxt))
		return 0;
	return ts_seq_le(s->seq, c->rcv_nxt + ts_tcp_rcv_window(c));
}

static void ts_tcp_deliver(struct ts_ctx *ctx, struct ts_tcb *c,
		struct rte_mbuf *m)
{
	uint32_t len = m->pkt_len;

	c->rcv_nxt += len;
	c->rcv_free = c->rcv_free > len ? c->rcv_free - len : 0;
	if (unlikely(c->flags & TS_TCBF_APP_GONE)) {
		ts_drop(ctx, m, TS_STAT_DROP_TCP_CLOSED);
		return;
	}
	c->ops->recv(c->app, ctx, c, m);
}

static void ts_tcp_in_fin(struct ts_ctx *ctx, struct ts_tcb *c,
		uint64_t tsc);

/* Deliver what the out-of-order queue now holds in sequence. */
static void ts_tcp_ooo_drain(struct ts_ctx *ctx, struct ts_tcb *c,
		uint64_t tsc)
{
	while (c->ooo_head != NULL) {
		struct rte_mbuf *m = c->ooo_head;
		struct ts_ooo_link *l = ts_ooo(ctx, m);
		uint32_t end = l->seq + m->pkt_len;
		int fin = l->fin;

		if (ts_seq_gt(l->seq, c->rcv_nxt))
			return;
		c->ooo_head = l->next;
		c->ooo_n--;
		if (ts_seq_le(end, c->rcv_nxt) && m->pkt_len > 0) {
			rte_pktmbuf_free(m);
			continue;
		}
		rte_pktmbuf_adj(m, (uint16_t)(c->rcv_nxt - l->seq));
		if (m->pkt_len > 0)
			ts_tcp_deliver(ctx, c, m);
		else
			rte_pktmbuf_free(m);
		/* The application may have aborted from its recv(). */
		if (c->state == TS_TCP_CLOSED)
			return;
		if (fin) {
			ts_tcp_in_fin(ctx, c, tsc);
			return;
		}
	}
}

/*
 * Keep a segment that arrived ahead of rcv_nxt, sorted, trimmed against
 * its neighbours so no byte is held twice. @return 0, or -1 when it was
 * not kept (all duplicate, or the queue is full); the caller counts.
 */
static int ts_tcp_ooo_insert(struct ts_ctx *ctx, struct ts_tcb *c,
		struct rte_mbuf *m, uint32_t seq, int fin)
{
	struct rte_mbuf **pp = &c->ooo_head;
	uint32_t end = seq + m->pkt_len;

	while (*pp != NULL) {
		struct rte_mbuf *n = *pp;
		struct ts_ooo_link *nl = ts_ooo(ctx, n);
		uint32_t nend = nl->seq + n->pkt_len;

		if (ts_seq_le(nend, seq)) {          /* wholly before us */
			pp = &nl->next;
			continue;
		}
		if (ts_seq_le(nl->seq, seq) && ts_seq_ge(nend, end) && !fin)
			return -1;                   /* we add nothing */
		if (ts_seq_lt(nl->seq, seq)) {       /* it covers our front */
			rte_pktmbuf_adj(m, (uint16_t)(nend - seq));
			seq = nend;
			pp = &nl->next;
			continue;
		}
		if (ts_seq_ge(nl->seq, end))         /* wholly after us */
			break;
		if (ts_seq_le(nend, end) && !nl->fin) {  /* we cover it all */
			*pp = nl->next;
			c->ooo_n--;
			rte_pktmbuf_free(n);
			continue;
		}
		rte_pktmbuf_trim(m, (uint16_t)(end - nl->seq));  /* cut our tail */
		end = nl->seq;
		break;
	}
	if (c->ooo_n >= TS_TCP_OOO_MAX)
		return -1;
	for (struct rte_mbuf *o = c->ooo_head; o != NULL; o = ts_ooo(ctx, o)->next)
		ts_ooo(ctx, o)->recent = 0;
	ts_ooo(ctx, m)->seq = seq;
	ts_ooo(ctx, m)->fin = (uint8_t)fin;
	ts_ooo(ctx, m)->recent = 1;
	ts_ooo(ctx, m)->next = *pp;
	*pp = m;
	c->ooo_n++;
	return 0;
}

/*
 * In-order data, no gap involved (RFC 9293 3.8.6.3, RFC 5681 4.2): ACK
 * once more than a full segment is unacknowledged, so at least every
 * second one, with the burst's other output; else within
 * TS_TCP_DELACK_MS, unless data or another ACK leaves before.
 */
static void ts_tcp_ack_delayed(struct ts_ctx *ctx, struct ts_tcb *c,
		uint64_t tsc)
{
	uint32_t full = c->mss;

	if ((c->flags & TS_TCBF_TS) && full > 12)
		full -= 12;
	if (c->rcv_nxt - c->last_ack > full) {
		ts_tcp_ack_now(ctx, c);
		return;
	}
	if (c->t_delack == 0)
		c->t_delack = ts_tick(ctx, tsc) + TS_TCP_DELACK_MS;
}

/* Payload and FIN of an acceptable segment (3.10.7.4 seventh, eighth). */
static void ts_tcp_in_data(struct ts_ctx *ctx, struct ts_tcb *c,
		struct ts_seg *s, uint64_t tsc)
{
	struct rte_mbuf *m = s->m;
	uint32_t seq = s->seq, wnd = ts_tcp_rcv_window(c);
	int fin = !!(s->flags & TS_F_FIN), hole;

	if (c->state != TS_TCP_ESTABLISHED && c->state != TS_TCP_FIN_WAIT_1 &&
			c->state != TS_TCP_FIN_WAIT_2) {
		/* The peer's FIN came before: nothing more to take. */
		rte_pktmbuf_free(m);
		if (c->state == TS_TCP_TIME_WAIT && fin) {
			ts_tcp_time_wait(ctx, c, tsc);   /* FIN again: restart */
			ts_tcp_ack_now(ctx, c);
		}
		return;
	}
	if (ts_seq_lt(seq, c->rcv_nxt)) {              /* old bytes in front */
		uint32_t old = c->rcv_nxt - seq;

		ts_count(ctx, TS_STAT_TCP_DUP, 1);
		if (old >= m->pkt_len && !(fin && old == m->pkt_len)) {
			rte_pktmbuf_free(m);
			ts_tcp_ack_now(ctx, c);
			return;
		}
		rte_pktmbuf_adj(m, (uint16_t)RTE_MIN(old, m->pkt_len));
		seq = c->rcv_nxt;
	}
	if (m->pkt_len > 0 && ts_seq_gt(seq + m->pkt_len, c->rcv_nxt + wnd)) {
		uint32_t over = seq + m->pkt_len - (c->rcv_nxt + wnd);

		rte_pktmbuf_trim(m, (uint16_t)RTE_MIN(over, m->pkt_len));
		fin = 0;                                 /* FIN was past it */
		if (m->pkt_len == 0) {
			/* All of it past the window: say where it is. */
			ts_drop(ctx, m, TS_STAT_DROP_TCP_WINDOW);
			ts_tcp_ack_now(ctx, c);
			return;
		}
	}
	if (seq != c->rcv_nxt) {
		ts_count(ctx, TS_STAT_TCP_OOO, 1);
		if (ts_tcp_ooo_insert(ctx, c, m, seq, fin) != 0) {
			if (c->ooo_n >= TS_TCP_OOO_MAX)
				ts_drop(ctx, m, TS_STAT_DROP_TCP_OOO_FULL);
			else {
				ts_count(ctx, TS_STAT_TCP_DUP, 1);
				rte_pktmbuf_free(m);
			}
		}
		ts_tcp_ack_now(ctx, c);          /* a duplicate ACK, at once */
		return;
	}
	hole = c->ooo_head != NULL;
	if (m->pkt_len > 0)
		ts_tcp_deliver(ctx, c, m);
	else
		rte_pktmbuf_free(m);
	if (c->state == TS_TCP_CLOSED)
		return;
	if (fin) {
		ts_tcp_in_fin(ctx, c, tsc);      /* acknowledged at once */
		return;
	}
	if (!hole) {
		ts_tcp_ack_delayed(ctx, c, tsc);
		return;
	}
	ts_tcp_ack_now(ctx, c);                  /* it fills a gap (5681 4.2) */
	ts_tcp_ooo_drain(ctx, c, tsc);
}

/* The peer's FIN, in sequence (3.10.7.4 eighth step). */
static void ts_tcp_in_fin(struct ts_ctx *ctx, struct ts_tcb *c, uint64_t tsc)
{
	int fin_acked = (c->flags & TS_TCBF_FIN_SENT) &&
		c->snd_una == c->snd_max;

	c->rcv_nxt++;
	ts_tcp_ack_now(ctx, c);
	switch (c->state) {
	case TS_TCP_ESTABLISHED:
		ts_tcb_set_state(ctx, c, TS_TCP_CLOSE_WAIT);
		if (!(c->flags & TS_TCBF_APP_GONE) && c->ops->peer_closed)
			c->ops->peer_closed(c->app, ctx, c);
		break;
	case TS_TCP_FIN_WAIT_1:
		if (fin_acked)
			ts_tcp_time_wait(ctx, c, tsc);
		else
			ts_tcb_set_state(ctx, c, TS_TCP_CLOSING);
		break;
	case TS_TCP_FIN_WAIT_2:
		ts_tcp_time_wait(ctx, c, tsc);
		break;
	default:
		break;
	}
}

/* Our FIN was acknowledged: where that leads (3.10.7.4 fifth step). */
static int ts_tcp_fin_acked(struct ts_ctx *ctx, struct ts_tcb *c,
		uint64_t tsc)
{
	switch (c->state) {
	case TS_TCP_FIN_WAIT_1:
		ts_tcb_set_state(ctx, c, TS_TCP_FIN_WAIT_2);
		return 0;
	case TS_TCP_CLOSING:
		ts_tcp_time_wait(ctx, c, tsc);
		return 0;
	case TS_TCP_LAST_ACK:
		ts_tcb_end(ctx, c, TS_TCP_END_OK);
		return 1;
	default:
		return 0;
	}
}

/*
 * The ACK field (3.10.7.4 fifth step). @return 1 when the connection is
 * gone or the segment was dropped, 0 to go on with the data.
 */
static int ts_tcp_in_ack(struct ts_ctx *ctx, struct ts_tcb *c,
		struct ts_seg *s, uint64_t tsc)
{
	uint32_t ack = s->ack;
	uint32_t wnd = s->wnd << c->snd_wscale;

	if (c->state == TS_TCP_SYN_RCVD) {
		if (!ts_seq_gt(ack, c->snd_una) || ts_seq_gt(ack, c->snd_max)) {
			ts_tcp_reset_for(ctx, c->ifidx, s,
					TS_STAT_TCP_RST_TX_BAD_ACK, tsc);
			ts_drop(ctx, s->m, TS_STAT_DROP_TCP_ACK);
			return 1;
		}
		c->snd_wnd = wnd;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = ack;
		c->snd_una++;                    /* our SYN, not queued data */
		c->t_rexmt = 0;                  /* its timer */
		c->backoff = 0;
		if (c->listener == 0) {
			/* Simultaneous open: our own connect() completes. */
			ts_tcp_established(ctx, c);
			if (c->ops->connected != NULL)
				c->ops->connected(c->app, ctx, c);
		} else {
			ts_tcp_accepted(ctx, c);
		}
		if (c->listener != 0 && c->ops->accepted != NULL &&
				c->ops->accepted(c->app, ctx, c) < 0) {
			rte_pktmbuf_free(s->m);
			ts_tcp_abort(ctx, c);
			return 1;
		}
	}
	if (ts_seq_gt(ack, c->snd_max)) {
		ts_tcp_challenge(ctx, c, s, TS_STAT_DROP_TCP_ACK, tsc);
		return 1;
	}
	if (ts_seq_gt(ack, c->snd_una)) {
		uint32_t acked = ack - c->snd_una, old_una = c->snd_una;
		int fin_acked = (c->flags & TS_TCBF_FIN_SENT) &&
			ack == c->snd_max;

		ts_tcp_sndq_ack(ctx, c, acked - (uint32_t)fin_acked);
		c->snd_una = ack;
		if (ts_seq_lt(c->snd_nxt, ack))
			c->snd_nxt = ack;
		if (c->rtt_usec != 0 && ts_seq_gt(ack, c->rtt_seq)) {
			/* rtt_usec has its low bit set to tell it from none: an
			 * answer within the microsecond must not wrap to 71 min. */
			uint32_t r = ts_usec(ctx, tsc) - c->rtt_usec;

			ts_tcp_rtt_sample(ctx, c, (int32_t)r < 0 ? 0 : r);
			c->rtt_usec = 0;
		}
		c->backoff = 0;
		c->flags &= (uint16_t)~TS_TCBF_TLP_SENT;
		if (c->sb != 0)
			ts_sb_acked(ctx, c, old_una, s);
		ts_cc_newreno.ack(ctx, c, ack, acked, tsc);
		ts_sb_update(ctx, c, s);
		c->t_rexmt = 0;
		if (c->snd_una != c->snd_max)
			ts_tcp_rto_arm(ctx, c, tsc);
		if ((c->flags & TS_TCBF_WANT_W) &&
				ts_tcp_send_space(ctx, c) >= ctx->tcp.conf.sndbuf / 2) {
			c->flags &= (uint16_t)~TS_TCBF_WANT_W;
			if (!(c->flags & TS_TCBF_APP_GONE) && c->ops->writable)
				c->ops->writable(c->app, ctx, c);
		}
		ts_tcp_pend(ctx, c);
		if (fin_acked && ts_tcp_fin_acked(ctx, c, tsc)) {
			rte_pktmbuf_free(s->m);
			return 1;
		}
	} else {
		ts_sb_update(ctx, c, s);
		if (ack == c->snd_una && s->len == 0 &&
				!(s->flags & TS_F_FIN) && c->snd_una != c->snd_max &&
				wnd == c->snd_wnd) {
			ts_cc_newreno.dupack(ctx, c, tsc);
			ts_tcp_pend(ctx, c);
		}
	}
	/* RFC 6675 5: a hole at SND.UNA with enough sacked above is lost. */
	if (c->sb != 0 && !(c->flags & TS_TCBF_RECOVERY) &&
			ts_cc_may_recover(c) && ts_sb_lost_at_una(ctx, c)) {
		ts_sb_recovery_start(ctx, c, 1);
		ts_tcp_pend(ctx, c);
	}
	if (c->sb != 0)
		ts_sb_reo_check(ctx, c, tsc);
	/* Window update (3.10.7.4 fifth step, SND.WL1/WL2 rule). */
	if (ts_seq_lt(c->snd_wl1, s->seq) || (c->snd_wl1 == s->seq &&
			ts_seq_le(c->snd_wl2, ack))) {
		if (c->snd_wnd == 0 && wnd > 0) {
			/* Persist over: output sets a fresh timer. A reorder
			 * deadline this ACK set (ts_sb_reo_check) runs on. */
			if (!(c->flags & TS_TCBF_REO))
				c->t_rexmt = 0;
			c->backoff = 0;
			ts_tcp_pend(ctx, c);
		}
		c->snd_wnd = wnd;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = ack;
	}
	return 0;
}

/* Every state after SYN-SENT (3.10.7.4). */
static void ts_tcp_in_synced(struct ts_ctx *ctx, struct ts_tcb *c,
		struct ts_seg *s, uint64_t tsc)
{
	/*
	 * PAWS (RFC 7323 5.3): an old timestamp is a stale duplicate. One
	 * tick of slack, as Linux (TCP_PAWS_WINDOW): segments reordered within
	 * the peer's clock tick are not stale.
	 */
	if ((c->flags & TS_TCBF_TS) && s->opt.has_ts && !(s->flags & TS_F_RST) &&
			ts_seq_lt(s->opt.ts_val + 1, c->ts_recent)) {
		ts_tcp_send_ack(ctx, c, tsc);
		ts_drop(ctx, s->m, TS_STAT_DROP_TCP_PAWS);
		return;
	}
	if (c->state == TS_TCP_SYN_RCVD && (s->flags & TS_F_SYN) &&
			!(s->flags & TS_F_ACK) && s->seq == c->rcv_nxt - 1) {
		/* Our SYN-ACK was lost: the peer's SYN came again. */
		ts_tcp_send_syn(ctx, c, tsc);
		rte_pktmbuf_free(s->m);
		return;
	}
	if (!ts_tcp_acceptable(c, s)) {
		if (!(s->flags & TS_F_RST))
			ts_tcp_send_ack(ctx, c, tsc);
		if (ts_seq_lt(s->seq, c->rcv_nxt) && !(s->flags & TS_F_RST)) {
			ts_count(ctx, TS_STAT_TCP_DUP, 1);
			rte_pktmbuf_free(s->m);
			return;
		}
		ts_drop(ctx, s->m, TS_STAT_DROP_TCP_WINDOW);
		return;
	}
	if (s->flags & TS_F_RST) {
		if (s->seq != c->rcv_nxt) {              /* RFC 5961 3.2 */
			ts_tcp_challenge(ctx, c, s, TS_STAT_DROP_TCP_RST, tsc);
			return;
		}
		ts_count(ctx, TS_STAT_TCP_RST_RX, 1);
		ts_count(ctx, ts_tcp_rst_rx_why(c->state), 1);
		rte_pktmbuf_free(s->m);
		ts_tcb_end(ctx, c, TS_TCP_END_RESET);
		return;
	}
	if ((s->flags & TS_F_SYN) && c->state == TS_TCP_SYN_RCVD &&
			c->listener == 0 && (s->flags & TS_F_ACK) &&
			s->seq + 1 == c->rcv_nxt && s->ack == c->snd_nxt) {
		/*
		 * Simultaneous open (RFC 9293 figure 8): the peer's SYN-ACK
		 * answers ours; its SYN is the one already taken. As Linux
		 * (tcp_validate_incoming), it is an ACK, not an attack.
		 */
		s->flags &= (uint8_t)~TS_F_SYN;
		s->seq++;
	}
	if (s->flags & TS_F_SYN) {
		ts_tcp_challenge(ctx, c, s, TS_STAT_DROP_TCP_FLAGS, tsc); /* 5961 4 */
		return;
	}
	if (!(s->flags & TS_F_ACK)) {
		ts_drop(ctx, s->m, TS_STAT_DROP_TCP_FLAGS);
		return;
	}
	/*
	 * RFC 7323 4.3: take the timestamp only from a segment that starts
	 * at or before what we last acknowledged, so a reordered earlier
	 * segment never trips PAWS.
	 */
	if ((c->flags & TS_TCBF_TS) && s->opt.has_ts &&
			ts_seq_le(s->seq, c->last_ack) &&
			ts_seq_ge(s->opt.ts_val, c->ts_recent))
		c->ts_recent = s->opt.ts_val;
	if (ts_tcp_in_ack(ctx, c, s, tsc))
		return;
	c->keep_probes = 0;
	if (ctx->tcp.conf.keepalive_ms != 0 && c->state == TS_TCP_ESTABLISHED)
		c->t_keep = ts_tick(ctx, tsc) + ctx->tcp.conf.keepalive_ms;
	if (s->len == 0 && !(s->flags & TS_F_FIN)) {
		rte_pktmbuf_free(s->m);
	} else if (unlikely(ctx->tcp.mem_pressure) && s->len > 0) {
		/* Its ACK is taken; its bytes come again when memory allows. */
		ts_drop(ctx, s->m, TS_STAT_DROP_TCP_MEM);
	} else {
		ts_tcp_in_data(ctx, c, s, tsc);
		if (c->state == TS_TCP_CLOSED)
			return;
	}
	ts_tcb_timer_update(ctx, c);
}

/*
 * A SYN for a connection in TIME-WAIT starts a new one, as Linux does
 * (tcp_timewait_state_process): when both ends use timestamps, if its
 * timestamp is newer than the last one seen (RFC 6191), else if it starts
 * past what the old connection received (RFC 1122 4.2.2.13). A client
 * that reuses its port soon after we closed first then connects at once
 * rather than after a challenge ACK, a RST and a resend.
 */
static int ts_tcp_tw_reusable(const struct ts_tcb *c, const struct ts_seg *s)
{
	if ((s->flags & (TS_F_SYN | TS_F_ACK)) != TS_F_SYN)
		return 0;
	if ((c->flags & TS_TCBF_TS) && s->opt.has_ts)
		return ts_seq_gt(s->opt.ts_val, c->ts_recent);
	return ts_seq_gt(s->seq, c->rcv_nxt);
}

void ts_tcp_input(struct ts_ctx *ctx, struct ts_iface *ifc,
		struct rte_mbuf *m, uint16_t l3_len, uint64_t tsc)
{
	const uint32_t off = sizeof(struct rte_ether_hdr) + l3_len;
	const struct rte_ipv4_hdr *ih = rte_pktmbuf_mtod_offset(m,
			const struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	uint32_t tcp_len = m->pkt_len - off;
	const struct rte_tcp_hdr *th;
	struct ts_seg s;
	struct ts_tcb *c;
	uint32_t hlen, hash;

	if (unlikely(tcp_len < sizeof(*th) || m->data_len < off + sizeof(*th))) {
		ts_drop(ctx, m, TS_STAT_DROP_TCP_SHORT);
		return;
	}
	th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, off);
	hlen = (uint32_t)(th->data_off >> 4) * 4;
	if (unlikely(hlen < sizeof(*th) || hlen > tcp_len ||
			off + hlen > m->data_len)) {
		ts_drop(ctx, m, TS_STAT_DROP_TCP_SHORT);
		return;
	}
	s.rip = rte_be_to_cpu_32(ih->src_addr);
	s.lip = rte_be_to_cpu_32(ih->dst_addr);
	s.rport = rte_be_to_cpu_16(th->src_port);
	s.lport = rte_be_to_cpu_16(th->dst_port);
	hash = ts_flow_hash(s.rip, s.lip, s.rport, s.lport);
	/* Another worker owns this flow: hand the frame over, untouched. */
	if (ctx->tcp.n_workers > 1 && !ctx->tcp.in_handoff &&
			ts_owner(ctx, hash) != ctx->worker_id) {
		if (ctx->handoff(ctx->handoff_arg, ts_owner(ctx, hash),
				(uint8_t)(ifc - ctx->ifs), m) != 0)
			ts_drop(ctx, m, TS_STAT_DROP_TCP_HANDOFF_FULL);
		else
			ts_count(ctx, TS_STAT_TCP_HANDOFF, 1);
		return;
	}
	if (unlikely(!ts_tcp_cksum_ok(m, off, tcp_len, s.rip, s.lip))) {
		ts_drop(ctx, m, TS_STAT_DROP_TCP_CKSUM);
		return;
	}
	ts_count(ctx, TS_STAT_TCP_SEGS_IN, 1);
	s.seq = rte_be_to_cpu_32(th->sent_seq);
	s.ack = rte_be_to_cpu_32(th->recv_ack);
	s.flags = th->tcp_flags & (TS_F_FIN | TS_F_SYN | TS_F_RST | TS_F_PSH |
			TS_F_ACK);
	s.wnd = rte_be_to_cpu_16(th->rx_win);
	s.len = tcp_len - hlen;
	ts_tcp_parse_opts((const uint8_t *)(th + 1), hlen - sizeof(*th), &s.opt);
	if (unlikely((s.flags & TS_F_SYN) && (s.flags & (TS_F_FIN | TS_F_RST)))) {
		ts_drop(ctx, m, TS_STAT_DROP_TCP_FLAGS);
		return;
	}
	rte_pktmbuf_adj(m, (uint16_t)(off + hlen));
	s.m = m;
	ctx->tcp.now = tsc;
	c = ts_flow_find(ctx, hash, s.rip, s.lip, s.rport, s.lport);
	if (unlikely(c != NULL && c->state == TS_TCP_TIME_WAIT) &&
			ts_tcp_tw_reusable(c, &s)) {
		ts_count(ctx, TS_STAT_TCP_TW_REUSE, 1);
		ts_tcb_end(ctx, c, TS_TCP_END_OK);
		c = NULL;
	}
	if (c == NULL) {
		ts_tcp_in_closed(ctx, ifc, &s, tsc);
		return;
	}
	/* What an ACK frees, while the rest of the segment is looked at. */
	if (c->sndq_head != NULL)
		rte_prefetch0(c->sndq_head);
	ctx->tcp.busy = c;
	if (c->state == TS_TCP_SYN_SENT)
		ts_tcp_in_syn_sent(ctx, c, &s, tsc);
	else
		ts_tcp_in_synced(ctx, c, &s, tsc);
	ctx->tcp.busy = NULL;
}
