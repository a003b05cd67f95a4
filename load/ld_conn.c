/**
 * @file
 * One connection of wsgw-load, from SYN to the last FIN: the upgrade
 * request and the check of the 101, data messages built straight into
 * mbufs and masked in place, and the checker that regenerates what was
 * sent and compares every byte that comes back, at any split, in
 * streaming mode (nothing is reassembled or kept).
 *
 * ts_tcp_connect -> connected -> ld_hs_send -> recv -> ld_conn_input ->
 *   ws_hs_parse / ws_hs_client_verify -> ld_conn_ready -> ld_conn_pump ->
 *   ld_send_msg; recv -> ws_conn_recv -> ld_on_chunk -> ld_msg_done;
 *   ld_conn_close -> ws_conn_close -> ld_on_close -> ts_tcp_shutdown ->
 *   closed -> ld_conn_gone.
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "ld_priv.h"

static const int8_t ld_state_gauge[LD_CS_DONE + 1] = {
	[LD_CS_IDLE] = -1,
	[LD_CS_TCP] = LD_STAT_CONNS_OPENING,
	[LD_CS_HS] = LD_STAT_CONNS_OPENING,
	[LD_CS_OPEN] = LD_STAT_CONNS_OPEN,
	[LD_CS_CLOSING] = LD_STAT_CONNS_CLOSING,
	[LD_CS_DONE] = -1,
};

void ld_conn_set_state(struct ld_conn *c, uint8_t state)
{
	struct ld_worker *w = c->w;
	int from = ld_state_gauge[c->state], to = ld_state_gauge[state];

	if (from >= 0)
		w->st[from]--;
	if (to >= 0)
		w->st[to]++;
	c->state = state;
}

/*
 * The timed list: connections opening or closing, oldest first, each with
 * --connect-timeout from when it joined (ld_timeouts gives up on them).
 * One bound for both keeps the list in deadline order.
 */
static void ld_timed_link(struct ld_worker *w, struct ld_conn *c)
{
	if (c->flags & LD_CF_TIMED)
		return;
	c->flags |= LD_CF_TIMED;
	c->t_start = rte_rdtsc();
	c->onext = NULL;
	c->oprev = w->open_tail;
	if (w->open_tail != NULL)
		w->open_tail->onext = c;
	else
		w->open_head = c;
	w->open_tail = c;
}

void ld_timed_unlink(struct ld_worker *w, struct ld_conn *c)
{
	if (!(c->flags & LD_CF_TIMED))
		return;
	c->flags &= (uint8_t)~LD_CF_TIMED;
	if (c->oprev != NULL)
		c->oprev->onext = c->onext;
	else
		w->open_head = c->onext;
	if (c->onext != NULL)
		c->onext->oprev = c->oprev;
	else
		w->open_tail = c->oprev;
	c->onext = c->oprev = NULL;
}

static void ld_hs_release(struct ld_worker *w, struct ld_conn *c)
{
	if (c->hs == NULL)
		return;
	c->hs->next_free = w->hs_free;
	w->hs_free = c->hs;
	c->hs = NULL;
}

/*
 * The time of a TCP event, read when the event arrives rather than taken
 * from the loop's start: on a shared core a worker may be descheduled
 * between the two, which would make an echo look faster than it was.
 */
static inline uint64_t ld_now(struct ld_worker *w)
{
	w->now = rte_rdtsc();
	return w->now;
}

static void ld_record(struct ld_worker *w, uint64_t ns)
{
	ld_hist_record(w->lat, ns);
	ld_hist_record(w->iv_cur, ns);
}

/* ---- Sending ---- */

/* Queue @p m on the connection, or keep it for writable(). */
static int ld_tx(struct ld_conn *c, struct rte_mbuf *m)
{
	struct ld_worker *w = c->w;
	int rc;

	if (c->tx_wait != NULL) {
		/* Behind what already waits, in order. */
		if (rte_pktmbuf_chain(c->tx_wait, m) != 0) {
			rte_pktmbuf_free(m);
			return -1;
		}
		return 1;
	}
	rc = ts_tcp_send(w->ts, c->tcb, m);
	if (rc == -TS_ERR_FULL) {
		c->tx_wait = m;
		return 1;
	}
	if (rc != 0) {
		rte_pktmbuf_free(m);
		return -1;
	}
	return 0;
}

/* Send what the send queue refused before. @return 0 when nothing waits. */
static int ld_conn_flush(struct ld_conn *c)
{
	struct rte_mbuf *m = c->tx_wait;
	int rc;

	if (m == NULL)
		return 0;
	rc = ts_tcp_send(c->w->ts, c->tcb, m);
	if (rc == -TS_ERR_FULL)
		return 1;
	if (rc != 0)
		rte_pktmbuf_free(m);
	c->tx_wait = NULL;
	return rc == 0 ? 0 : -1;
}

/* The engine's control frames (pong, close, ping): copied into an mbuf. */
static int ld_ws_send(void *user, const uint8_t *frame, size_t len)
{
	struct ld_conn *c = user;
	struct ld_worker *w = c->w;
	struct rte_mbuf *m;
	uint8_t *p;

	if (c->tcb == NULL)
		return -1;
	m = rte_pktmbuf_alloc(w->ts->pool);
	if (m == NULL) {
		ld_count(w, LD_STAT_ERR_NO_MBUF, 1);
		return -1;
	}
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return -1;
	}
	memcpy(p, frame, len);
	return ld_tx(c, m) < 0 ? -1 : 0;
}

/*
 * A data message of @p size payload bytes as a masked client frame: the
 * frame header, then the message, masked as it is written, segment by
 * segment with the payload offset as the mask phase.
 */
static struct rte_mbuf *ld_msg_mbuf(struct ld_worker *w, uint32_t size,
		const struct ld_msg_hdr *h)
{
	const bool text = !ld.conf.binary;
	const uint32_t hl = (uint32_t)ws_frame_hdr_size(size, true);
	uint32_t key = (uint32_t)ws_ctx_rand(&w->ws);
	struct rte_mbuf *head = NULL;
	uint32_t off = 0;   /* payload bytes written */

	while (head == NULL || off < size) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(w->ts->pool);
		uint32_t room, n, skip = 0;
		uint8_t *p;

		if (m == NULL)
			goto fail;
		room = rte_pktmbuf_tailroom(m);
		if (head == NULL) {
			head = m;
			skip = hl;
		} else if (rte_pktmbuf_chain(head, m) != 0) {
			rte_pktmbuf_free(m);
			goto fail;
		}
		n = RTE_MIN(room - skip, size - off);
		p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(skip + n));
		if (skip != 0)
			ws_frame_hdr_encode(p, text ? WS_OP_TEXT : WS_OP_BINARY,
					true, size, (const uint8_t *)&key);
		ld_msg_put_masked(p + skip, off, n, h, text, key);
		off += n;
	}
	return head;
fail:
	rte_pktmbuf_free(head);
	ld_count(w, LD_STAT_ERR_NO_MBUF, 1);
	return NULL;
}

/*
 * Send message c->tx_seq, due at @p due (TSC).
 * @return 0 sent, 1 sent but waiting for send space, -1 not sent.
 */
static int ld_send_msg(struct ld_conn *c, uint64_t due, uint64_t tsc)
{
	struct ld_worker *w = c->w;
	uint32_t size = ld_size_of(&ld.conf.size, c->gid, c->tx_seq);
	struct ld_msg_hdr h = {
		.gid = c->gid,
		.seq = c->tx_seq,
		.t_intended = due,
		.t_delta = tsc > due ? (uint32_t)RTE_MIN(tsc - due,
				(uint64_t)UINT32_MAX) : 0,
	};
	struct rte_mbuf *m = ld_msg_mbuf(w, size, &h);
	int rc;

	if (m == NULL)
		return -1;
	rc = ld_tx(c, m);
	if (rc < 0)
		return rc;   /* the connection cannot send: nothing went */
	c->tx_seq++;
	w->msg_quota--;
	ld_count(w, LD_STAT_MSG_TX, 1);
	ld_count(w, LD_STAT_BYTES_TX, size);
	if (c->role == LD_ROLE_SENDER)
		ld_count(w, LD_STAT_INFLIGHT, 1);
	return rc;
}

void ld_conn_pump(struct ld_conn *c, uint64_t tsc)
{
	struct ld_worker *w = c->w;
	const uint32_t cap = ld.conf.inflight;
	const bool open_loop = ld.conf.rate > 0;

	/* The open loop's schedule stops at the end; the closed loop here. */
	if (w->phase != LD_PH_RUN || (!open_loop && tsc >= w->t_end) ||
			c->state != LD_CS_OPEN ||
			c->role == LD_ROLE_SUBSCRIBER ||
			ld.conf.scenario == LD_SC_IDLE ||
			ld.conf.scenario == LD_SC_CONNECT)
		return;
	if (ld_conn_flush(c) != 0)
		return;
	while (w->msg_quota > 0 && (c->role == LD_ROLE_PUBLISHER ||
				c->tx_seq - c->answered < cap)) {
		uint64_t due = tsc;

		if (open_loop) {
			if (c->tx_seq >= c->due)
				break;
			due = ld_sched_tsc(w->t_run0, (uint64_t)c->tx_seq *
					w->n_senders + c->sidx, w->tsc_per_slot);
		}
		if (ld_send_msg(c, due, tsc) != 0)
			break;
	}
}

void ld_conn_ping(struct ld_conn *c, uint64_t tsc)
{
	struct ld_worker *w = c->w;
	uint8_t p[12];

	if (w->msg_quota == 0)
		return;
	w->msg_quota--;
	if (c->flags & LD_CF_PING_OUT)
		ld_count(w, LD_STAT_ERR_PONG_TIMEOUT, 1);
	memcpy(p, &c->gid, 4);
	memcpy(p + 4, &tsc, 8);
	if (ws_conn_ping(&w->ws, &c->ws, p, sizeof(p)) != 0)
		return;
	c->flags |= LD_CF_PING_OUT;
	c->t_ping = tsc;
	ld_count(w, LD_STAT_PING_TX, 1);
}

/* ---- Opening ---- */

int ld_conn_open(struct ld_worker *w, struct ld_conn *c, uint64_t tsc)
{
	struct ts_tcb *tcb;
	int rc;

	rc = ts_tcp_connect_from(w->ts, c->ifidx, ld_src_for(w->ts, c->gid),
			ld.conf.dst, ld.conf.dport, &ld_tcp_ops, w, tsc, &tcb);
	if (rc != 0) {
		ld_count(w, LD_STAT_ERR_CONNECT_LOCAL, 1);
		return rc;
	}
	if (!ld.conf.raw) {
		c->hs = w->hs_free;
		w->hs_free = c->hs->next_free;
	}
	ts_tcb_set_user(tcb, c);
	c->tcb = tcb;
	c->tx_seq = c->answered = c->rx_seq = c->due = 0;
	c->flags = 0;
	c->rx_have = c->rx_bad = 0;
	c->rx_off = 0;
	ld_conn_set_state(c, LD_CS_TCP);
	ld_timed_link(w, c);
	c->t_start = tsc;
	ld_count(w, LD_STAT_CONN_ATTEMPTS, 1);
	return 0;
}

static void ld_conn_ready(struct ld_conn *c, uint64_t tsc)
{
	struct ld_worker *w = c->w;
	uint64_t ns = ld_ns(tsc - c->t_start);

	ld_timed_unlink(w, c);
	ld_hs_release(w, c);
	ld_hist_record(w->hs_lat, ns);
	if (ld.conf.scenario == LD_SC_CONNECT)
		ld_hist_record(w->iv_cur, ns);
	if (!ld.conf.raw)
		ld_count(w, LD_STAT_HS_OK, 1);
	ws_conn_init(&c->ws, ld.conf.raw ? WS_ROLE_SERVER : WS_ROLE_CLIENT, c,
			NULL, 0);
	c->flags |= LD_CF_WS;
	ld_conn_set_state(c, LD_CS_OPEN);
	if (ld.conf.scenario == LD_SC_CONNECT)
		ld_conn_close(c);
	else
		ld_conn_pump(c, tsc);
}

/* Closing, timed like opening: a server that never answers is given up. */
static void ld_conn_closing(struct ld_conn *c)
{
	if (c->state != LD_CS_CLOSING)
		ld_conn_set_state(c, LD_CS_CLOSING);
	ld_timed_link(c->w, c);
}

/* End our side of the TCP connection once we are done with it. */
static void ld_tcp_finish(struct ld_conn *c)
{
	ld_conn_closing(c);
	ts_tcp_shutdown(c->w->ts, c->tcb);
}

static void ld_hs_send(struct ld_conn *c)
{
	struct ld_worker *w = c->w;
	struct ld_hs_slot *s = c->hs;
	const struct ws_client_conf *cc =
		&ld.client[c->role == LD_ROLE_SUBSCRIBER];
	uint64_t key[2] = { ws_ctx_rand(&w->ws), ws_ctx_rand(&w->ws) };
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->ts->pool);
	size_t n;

	if (m == NULL) {
		ld_count(w, LD_STAT_ERR_NO_MBUF, 1);
		c->flags |= LD_CF_COUNTED;
		ld_conn_abort(c);
		return;
	}
	ws_hs_client_init(&s->hs, cc, s->buf, sizeof(s->buf));
	if (ws_hs_client_request(&s->hs, (const uint8_t *)key,
				rte_pktmbuf_mtod(m, uint8_t *),
				rte_pktmbuf_tailroom(m), &n) != 0 ||
			rte_pktmbuf_append(m, (uint16_t)n) == NULL) {
		rte_pktmbuf_free(m);
		m = NULL;
	}
	/* ld_tx frees what it refuses. */
	if (m == NULL || ld_tx(c, m) < 0) {
		ld_count(w, LD_STAT_ERR_CONNECT_LOCAL, 1);
		c->flags |= LD_CF_COUNTED;
		ld_conn_abort(c);
		return;
	}
	ld_conn_set_state(c, LD_CS_HS);
}

static void ld_hs_failed(struct ld_conn *c, int rc)
{
	struct ld_worker *w = c->w;
	uint16_t status = c->hs->hs.status;

	if (rc == -WS_ERR_HTTP && status != 0 && status != 101) {
		ld_count(w, LD_STAT_ERR_HS_REFUSED, 1);
		w->hs_status = status;
	} else {
		ld_count(w, LD_STAT_ERR_HS_INVALID, 1);
	}
	c->flags |= LD_CF_COUNTED;
	ld_timed_unlink(w, c);
	ld_hs_release(w, c);
	ld_tcp_finish(c);
}

/* ---- Receiving ---- */

static void ld_ws_input(struct ld_conn *c, uint8_t *data, size_t len)
{
	struct ld_worker *w = c->w;
	int rc = ws_conn_recv(&w->ws, &c->ws, data, len);

	if (rc < 0 && rc != -WS_ERR_CLOSED && !(c->flags & LD_CF_COUNTED)) {
		ld_count(w, LD_STAT_ERR_PROTOCOL, 1);
		c->flags |= LD_CF_COUNTED;
	}
	if (ws_conn_closed(&c->ws) && c->tcb != NULL)
		ld_tcp_finish(c);
}

static void ld_conn_input(struct ld_conn *c, uint8_t *data, size_t len)
{
	if (c->state == LD_CS_HS) {
		size_t used = 0;
		int rc = ws_hs_parse(&c->hs->hs, data, len, &used);

		if (rc == -WS_ERR_AGAIN)
			return;
		if (rc == 0)
			rc = ws_hs_client_verify(&c->hs->hs);
		if (rc != 0) {
			ld_hs_failed(c, rc);
			return;
		}
		ld_conn_ready(c, c->w->now);
		data += used;
		len -= used;
	}
	if (len > 0 && (c->flags & LD_CF_WS) && !ws_conn_closed(&c->ws))
		ld_ws_input(c, data, len);
}

/* A whole message arrived: did it check, and was it the one expected? */
static void ld_echo_done(struct ld_conn *c, int bad, uint64_t now)
{
	struct ld_worker *w = c->w;
	const struct ld_msg_hdr *h = &c->rx_h;

	if (c->answered == c->tx_seq) {
		ld_count(w, LD_STAT_ERR_ECHO_UNEXPECTED, 1);
		return;
	}
	c->answered++;
	w->st[LD_STAT_INFLIGHT]--;
	if (bad) {
		/* Skip past it, so that what follows is judged on its own. */
		ld_count(w, LD_STAT_ERR_ECHO_MISMATCH, 1);
		if (bad != LD_RX_BAD_HDR && h->gid == c->gid && h->seq >= c->rx_seq)
			c->rx_seq = h->seq + 1;
		else if (bad == LD_RX_BAD_HDR)
			c->rx_seq++;
	} else if (h->gid != c->gid || h->seq >= c->tx_seq) {
		ld_count(w, LD_STAT_ERR_ECHO_UNEXPECTED, 1);
	} else {
		/*
		 * Out of order is a message behind one sent after it: a swapped
		 * pair counts once. A gap alone is not: the message missing
		 * stays unanswered and is counted when the run ends.
		 */
		if (h->seq < c->rx_seq) {
			ld_count(w, LD_STAT_ERR_ECHO_ORDER, 1);
		} else {
			ld_count(w, LD_STAT_MSG_OK, 1);
			c->rx_seq = h->seq + 1;
		}
		ld_record(w, now > h->t_intended ? ld_ns(now - h->t_intended) : 0);
		if (ld.conf.rate > 0) {
			uint64_t sent = h->t_intended + h->t_delta;

			ld_hist_record(w->lat_raw, now > sent ? ld_ns(now - sent) : 0);
		}
	}
	ld_conn_pump(c, now);
}

static void ld_delivery_done(struct ld_conn *c, int bad, uint64_t now)
{
	struct ld_worker *w = c->w;
	const struct ld_msg_hdr *h = &c->rx_h;
	uint32_t *e;

	if (bad) {
		ld_count(w, LD_STAT_ERR_ECHO_MISMATCH, 1);
		return;
	}
	if (h->gid >= ld.n_pub) {
		ld_count(w, LD_STAT_ERR_ECHO_UNEXPECTED, 1);
		return;
	}
	e = &c->sub[2 * h->gid];
	if (h->seq < e[0]) {
		ld_count(w, LD_STAT_ERR_PUBSUB_ORDER, 1);
		return;
	}
	/* A gap is counted once, at the end, as publications missing. */
	e[0] = h->seq + 1;
	e[1]++;
	ld_count(w, LD_STAT_MSG_OK, 1);
	ld_record(w, now > h->t_intended ? ld_ns(now - h->t_intended) : 0);
}

static void ld_msg_done(struct ld_conn *c)
{
	struct ld_worker *w = c->w;
	const uint32_t hl = ld_msg_hdr_size(!ld.conf.binary);
	uint64_t now = w->now;
	int bad = c->rx_have < hl ? LD_RX_BAD_HDR : c->rx_bad;

	if (!bad && c->rx_off != ld_size_of(&ld.conf.size, c->rx_h.gid,
				c->rx_h.seq))
		bad = LD_RX_BAD_BODY;

	ld_count(w, LD_STAT_MSG_RX, 1);
	ld_count(w, LD_STAT_BYTES_RX, c->rx_off);
	if (c->role == LD_ROLE_SENDER)
		ld_echo_done(c, bad, now);
	else if (c->role == LD_ROLE_SUBSCRIBER)
		ld_delivery_done(c, bad, now);
	else
		ld_count(w, LD_STAT_PUB_OTHER_RX, 1);
	c->rx_off = 0;
	c->rx_have = 0;
	c->rx_bad = 0;
}

static int ld_on_chunk(void *user, enum ws_opcode op, uint8_t *data,
		size_t len, unsigned int flags)
{
	struct ld_conn *c = user;
	const bool text = !ld.conf.binary;
	const uint32_t hl = ld_msg_hdr_size(text);

	if (flags & WS_CHUNK_MSG_START) {
		c->rx_off = 0;
		c->rx_have = 0;
		c->rx_bad = op != (text ? WS_OP_TEXT : WS_OP_BINARY) ?
			LD_RX_BAD_BODY : 0;
	}
	if (c->rx_have < hl) {
		size_t take = RTE_MIN((size_t)(hl - c->rx_have), len);

		memcpy(c->rx_hdr + c->rx_have, data, take);
		c->rx_have = (uint8_t)(c->rx_have + take);
		c->rx_off += (uint32_t)take;
		data += take;
		len -= take;
		if (c->rx_have == hl &&
				ld_msg_hdr_read(c->rx_hdr, text, &c->rx_h) != 0)
			c->rx_bad = LD_RX_BAD_HDR;
	}
	if (len > 0 && !c->rx_bad && !ld_pat_check(data, c->rx_off - hl, len,
				ld_msg_seed(c->rx_h.gid, c->rx_h.seq), text))
		c->rx_bad = LD_RX_BAD_BODY;
	c->rx_off += (uint32_t)len;
	if (flags & WS_CHUNK_MSG_END)
		ld_msg_done(c);
	return 0;
}

static void ld_on_pong(void *user, const uint8_t *data, size_t len)
{
	struct ld_conn *c = user;
	struct ld_worker *w = c->w;
	uint64_t t;
	uint32_t gid;

	if (len != 12 || !(c->flags & LD_CF_PING_OUT))
		return;
	memcpy(&gid, data, 4);
	memcpy(&t, data + 4, 8);
	if (gid != c->gid || t != c->t_ping)
		return;
	c->flags &= (uint8_t)~LD_CF_PING_OUT;
	ld_count(w, LD_STAT_PONG_RX, 1);
	ld_record(w, ld_ns(w->now - t));
}

static void ld_on_close(void *user, uint16_t code, const uint8_t *reason,
		size_t len)
{
	struct ld_conn *c = user;
	struct ld_worker *w = c->w;
	unsigned int slot = code >= LD_CLOSE_FIRST &&
		code < LD_CLOSE_FIRST + LD_CLOSE_SLOTS - 1 ?
		code - LD_CLOSE_FIRST : LD_CLOSE_SLOTS - 1;

	RTE_SET_USED(reason);
	RTE_SET_USED(len);
	w->close_codes[slot]++;
	ld_count(w, LD_STAT_CLOSE_RX, 1);
	/* Ours went first when we are closing; otherwise the server began. */
	if (c->state != LD_CS_CLOSING && !(c->flags & LD_CF_COUNTED)) {
		ld_count(w, LD_STAT_ERR_SERVER_CLOSE, 1);
		c->flags |= LD_CF_COUNTED;
	}
	c->flags |= LD_CF_CLEAN_CLOSE;
}

const struct ws_ops ld_ws_ops = {
	.send = ld_ws_send,
	.on_chunk = ld_on_chunk,
	.on_pong = ld_on_pong,
	.on_close = ld_on_close,
};

/* ---- Closing ---- */

/* The connection is over: give back what it held, maybe open it again. */
static void ld_conn_gone(struct ld_conn *c)
{
	struct ld_worker *w = c->w;
	uint32_t left = c->tx_seq - c->answered;

	ld_timed_unlink(w, c);
	ld_hs_release(w, c);
	rte_pktmbuf_free(c->tx_wait);
	c->tx_wait = NULL;
	c->tcb = NULL;
	if (c->role == LD_ROLE_SENDER && left != 0) {
		w->st[LD_STAT_INFLIGHT] -= left;
		ld_count(w, LD_STAT_ERR_MSG_TIMEOUT, left);
		c->answered = c->tx_seq;
	}
	if (ld.conf.scenario == LD_SC_CONNECT && w->phase == LD_PH_RUN &&
			w->open_quota > 0) {
		ld_conn_set_state(c, LD_CS_IDLE);
		w->ready[(w->ready_head + w->ready_n++) % w->n_conns] =
			(uint32_t)(c - w->conns);
		return;
	}
	ld_conn_set_state(c, LD_CS_DONE);
}

void ld_conn_abort(struct ld_conn *c)
{
	if (c->tcb != NULL)
		ts_tcp_abort(c->w->ts, c->tcb);
	ld_conn_gone(c);
}

void ld_conn_close(struct ld_conn *c)
{
	struct ld_worker *w = c->w;

	if (c->state == LD_CS_TCP || c->state == LD_CS_HS) {
		ld_conn_abort(c);
		return;
	}
	if (c->state != LD_CS_OPEN)
		return;
	ld_conn_closing(c);
	if (ld.conf.raw || ws_conn_close(&w->ws, &c->ws, WS_CLOSE_NORMAL,
				NULL, 0) != 0)
		ld_tcp_finish(c);
}

/* ---- TCP events ---- */

static void ld_tcp_connected(void *app, struct ts_ctx *ctx, struct ts_tcb *tcb)
{
	struct ld_conn *c = ts_tcb_user(tcb);

	RTE_SET_USED(ctx);
	ld_count(app, LD_STAT_CONN_TCP_OK, 1);
	if (ld.conf.raw)
		ld_conn_ready(c, ld_now(c->w));
	else
		ld_hs_send(c);
}

static void ld_tcp_recv(void *app, struct ts_ctx *ctx, struct ts_tcb *tcb,
		struct rte_mbuf *m)
{
	struct ld_conn *c = ts_tcb_user(tcb);
	uint32_t len = m->pkt_len;

	ld_now(app);
	for (struct rte_mbuf *s = m; s != NULL && c->tcb == tcb; s = s->next)
		ld_conn_input(c, rte_pktmbuf_mtod(s, uint8_t *), s->data_len);
	rte_pktmbuf_free(m);
	if (c->tcb == tcb)
		ts_tcp_recved(ctx, tcb, len);
}

static void ld_tcp_writable(void *app, struct ts_ctx *ctx, struct ts_tcb *tcb)
{
	struct ld_conn *c = ts_tcb_user(tcb);

	RTE_SET_USED(app);
	RTE_SET_USED(ctx);
	if (ld_conn_flush(c) == 0)
		ld_conn_pump(c, ld_now(c->w));
}

static void ld_tcp_peer_closed(void *app, struct ts_ctx *ctx,
		struct ts_tcb *tcb)
{
	struct ld_conn *c = ts_tcb_user(tcb);
	int expected = c->flags & (LD_CF_CLEAN_CLOSE | LD_CF_COUNTED) ||
		(ld.conf.raw && c->state == LD_CS_CLOSING);

	RTE_SET_USED(ctx);
	if (!expected) {
		ld_count(app, LD_STAT_ERR_ABNORMAL_CLOSE, 1);
		c->flags |= LD_CF_COUNTED;
	}
	ld_timed_unlink(app, c);
	ld_hs_release(app, c);
	ld_tcp_finish(c);
}

static void ld_tcp_closed(void *app, struct ts_ctx *ctx, struct ts_tcb *tcb,
		int why)
{
	struct ld_conn *c = ts_tcb_user(tcb);
	struct ld_worker *w = app;
	int clean = (c->flags & LD_CF_CLEAN_CLOSE) ||
		(ld.conf.raw && c->state == LD_CS_CLOSING);

	RTE_SET_USED(ctx);
	switch (why) {
	case TS_TCP_END_OK:
		if (clean && !(c->flags & LD_CF_COUNTED))
			ld_count(w, LD_STAT_CONN_CLOSED_OK, 1);
		break;
	case TS_TCP_END_REFUSED:
		ld_count(w, LD_STAT_ERR_CONNECT_REFUSED, 1);
		break;
	case TS_TCP_END_RESET:
		if (!clean)
			ld_count(w, c->state == LD_CS_TCP ?
					LD_STAT_ERR_CONNECT_REFUSED :
					LD_STAT_ERR_RESET, 1);
		break;
	case TS_TCP_END_TIMEOUT:
		ld_count(w, c->state == LD_CS_TCP ? LD_STAT_ERR_CONNECT_TIMEOUT :
				LD_STAT_ERR_TCP_TIMEOUT, 1);
		break;
	default:
		break;
	}
	ld_conn_gone(c);
}

const struct ts_tcp_ops ld_tcp_ops = {
	.connected = ld_tcp_connected,
	.recv = ld_tcp_recv,
	.writable = ld_tcp_writable,
	.peer_closed = ld_tcp_peer_closed,
	.closed = ld_tcp_closed,
};
