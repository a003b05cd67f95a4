/**
 * @file
 * proxy:HOST:PORT routes: each client connection is relayed one to one to
 * an upstream WebSocket server over the stack's active open.
 *
 * Client request valid -> dp_gw_proxy_start (second connection, the
 * upstream leg, on the same worker) -> dp_gw_proxy_connected: our request
 * upstream, with the client's path, Origin and subprotocols ->
 * dp_gw_proxy_recv: the upstream's answer -> 101: the client gets the
 * 101 saved from its handshake (with the upstream's subprotocol), both
 * legs open | refusal: the client gets the upstream's 4xx, or 502.
 * Frames: client -> dp_gw_proxy_frame (masked again) -> upstream;
 * upstream -> dp_gw_up_chunk (unmasked) -> client; opcodes and frame
 * boundaries as they came, close codes carried both ways. The legs point
 * at each other through sub.prev while DP_GW_CF_PAIRED is set.
 */
#include <stdio.h>
#include <string.h>

#include "dp_gw_priv.h"

static struct dp_gw_conn *dp_gw_peer(const struct dp_gw_conn *c)
{
	return (c->flags & DP_GW_CF_PAIRED) ?
		(struct dp_gw_conn *)(void *)c->sub.prev : NULL;
}

/* A leg alone no longer waits on the other: what it held is reported. */
static void dp_gw_leg_alone(struct dp_gw_conn *x)
{
	struct dp_gw_worker *g = dp_gw_here();

	x->flags &= (uint8_t)~DP_GW_CF_PAIRED;
	x->sub.prev = NULL;
	if ((x->flags & DP_GW_CF_HELD) && x->tcb != NULL)
		ts_tcp_recved(g->ts, x->tcb, x->held);
	x->flags &= (uint8_t)~DP_GW_CF_HELD;
	x->held = 0;
}

static void dp_gw_unpair(struct dp_gw_conn *a, struct dp_gw_conn *b)
{
	dp_gw_leg_alone(a);
	if (b != NULL)
		dp_gw_leg_alone(b);
}

/* Join the values of every field named @p name with ", ". */
static void dp_gw_join_fields(const struct ws_hs *hs, const char *name,
		char *out, size_t cap)
{
	size_t used = 0, n;
	const char *v;

	out[0] = '\0';
	for (unsigned int i = 0; (v = ws_hs_field(hs, name, i, &n)) != NULL;
			i++) {
		if (used + n + 3 > cap)
			break;
		used += (size_t)snprintf(out + used, cap - used, "%s%.*s",
				used ? ", " : "", (int)n, v);
	}
}

/* The client's request, as the upstream will see it. */
static void dp_gw_proxy_request(struct dp_gw_hs *up, const struct dp_gw_hs *cl,
		const struct dp_route_conf *r)
{
	const struct ws_hs *hs = &cl->hs;
	size_t n;
	const char *v;

	snprintf(up->path, sizeof(up->path), "%.*s",
			(int)hs->target_len, (const char *)hs->buf + hs->target);
	v = ws_hs_field(hs, "origin", 0, &n);
	if (v != NULL)
		snprintf(up->origin, sizeof(up->origin), "%.*s", (int)n, v);
	else
		up->origin[0] = '\0';
	dp_gw_join_fields(hs, "sec-websocket-protocol", up->protocols,
			sizeof(up->protocols));
	memset(&up->cconf, 0, sizeof(up->cconf));
	up->cconf.host = r->upstream_host;
	up->cconf.path = up->path;
	up->cconf.origin = up->origin[0] ? up->origin : NULL;
	up->cconf.protocols = up->protocols[0] ? up->protocols : NULL;
}

/* The interface that reaches @p ip: on its subnet, else one with a gateway. */
static uint8_t dp_gw_iface_for(const struct ts_ctx *ts, uint32_t ip)
{
	for (uint8_t i = 0; i < ts->n_ifs; i++)
		if ((ip & ts->ifs[i].netmask) ==
				(ts->ifs[i].conf.addr & ts->ifs[i].netmask))
			return i;
	for (uint8_t i = 0; i < ts->n_ifs; i++)
		if (ts->ifs[i].conf.gateway != 0)
			return i;
	return 0;
}

int dp_gw_proxy_start(struct dp_gw_worker *g, struct dp_gw_conn *c)
{
	const struct dp_route_conf *r = dp_gw_route(c);
	struct dp_gw_conn *up;
	struct ts_tcb *tcb;
	void *hs;

	if (rte_mempool_get(g->hs_pool, &hs) != 0) {
		dp_gw_count(g, DP_GW_STAT_PROXY_FAIL, 1);
		dp_gw_http_reply(g, c, 503, "Service Unavailable",
				"gateway busy\n");
		return -1;
	}
	up = dp_gw_conn_new(g);
	if (up == NULL) {
		rte_mempool_put(g->hs_pool, hs);
		dp_gw_count(g, DP_GW_STAT_PROXY_FAIL, 1);
		dp_gw_http_reply(g, c, 503, "Service Unavailable",
				"gateway busy\n");
		return -1;
	}
	up->u.hs = hs;
	up->flags = DP_GW_CF_UPSTREAM;
	up->route = c->route;
	up->state = DP_GW_UP_CONNECTING;
	up->t_ms = g->now_ms;
	dp_gw_proxy_request(up->u.hs, c->u.hs, r);
	ws_hs_client_init(&up->u.hs->hs, &up->u.hs->cconf, up->u.hs->buf,
			sizeof(up->u.hs->buf));
	if (ts_tcp_connect(g->ts, dp_gw_iface_for(g->ts, r->upstream_addr),
			r->upstream_addr, r->upstream_port, &dp_gw_tcp_ops, g,
			g->ts->tcp.now, &tcb) != 0) {
		dp_gw_conn_free(g, up, 0);
		dp_gw_count(g, DP_GW_STAT_PROXY_FAIL, 1);
		dp_gw_http_reply(g, c, 502, "Bad Gateway",
				"upstream unreachable\n");
		return -1;
	}
	up->tcb = tcb;
	ts_tcb_set_user(tcb, up);
	up->sub.prev = (struct dp_gw_link *)(void *)c;
	c->sub.prev = (struct dp_gw_link *)(void *)up;
	up->flags |= DP_GW_CF_PAIRED;
	c->flags |= DP_GW_CF_PAIRED;
	return 0;
}

void dp_gw_proxy_connected(void *app, struct ts_ctx *ctx, struct ts_tcb *tcb)
{
	struct dp_gw_worker *g = app;
	struct dp_gw_conn *up = ts_tcb_user(tcb);
	struct rte_mbuf *m;
	size_t len = 0;

	RTE_SET_USED(ctx);
	if (up == NULL || up->state != DP_GW_UP_CONNECTING)
		return;
	m = rte_pktmbuf_alloc(g->pool);
	if (m == NULL || ws_hs_client_request(&up->u.hs->hs, NULL,
			rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_tailroom(m),
			&len) != 0) {
		rte_pktmbuf_free(m);
		dp_gw_count(g, DP_GW_STAT_PROXY_FAIL, 1);
		dp_gw_abort(g, up);
		return;
	}
	rte_pktmbuf_append(m, (uint16_t)len);
	dp_gw_out(g, up, m, 0, 1);
}

/* The saved 101, with the subprotocol the upstream chose. */
static struct rte_mbuf *dp_gw_proxy_101(struct dp_gw_worker *g,
		const struct dp_gw_hs *cl, const struct ws_hs *uphs)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(g->pool);
	const char *proto;
	size_t plen = 0;
	char *p;
	int n;

	if (m == NULL)
		return NULL;
	proto = ws_hs_protocol(uphs, &plen);
	p = rte_pktmbuf_mtod(m, char *);
	/* Without its final CRLF, then the protocol, then the CRLF. */
	n = snprintf(p, rte_pktmbuf_tailroom(m), "%.*s",
			(int)(cl->resp_len - 2), (const char *)cl->resp);
	if (proto != NULL)
		n += snprintf(p + n, rte_pktmbuf_tailroom(m) - (size_t)n,
				"Sec-WebSocket-Protocol: %.*s\r\n", (int)plen,
				proto);
	n += snprintf(p + n, rte_pktmbuf_tailroom(m) - (size_t)n, "\r\n");
	rte_pktmbuf_append(m, (uint16_t)n);
	return m;
}

/* The upstream refused or broke the handshake: answer the client. */
static void dp_gw_proxy_refused(struct dp_gw_worker *g, struct dp_gw_conn *up,
		uint16_t status)
{
	struct dp_gw_conn *c = dp_gw_peer(up);
	char body[64];

	dp_gw_count(g, DP_GW_STAT_PROXY_FAIL, 1);
	dp_gw_unpair(up, c);
	dp_gw_abort(g, up);
	if (c == NULL || c->state != DP_GW_UPSTREAM)
		return;
	if (status >= 400 && status < 500) {
		snprintf(body, sizeof(body), "upstream refused: %u\n", status);
		dp_gw_http_reply(g, c, status, status == 403 ? "Forbidden" :
				status == 404 ? "Not Found" : "Refused", body);
		return;
	}
	if (status == 504) {
		dp_gw_http_reply(g, c, 504, "Gateway Timeout",
				"upstream did not answer in time\n");
		return;
	}
	snprintf(body, sizeof(body), "upstream answered %u\n", status);
	dp_gw_http_reply(g, c, 502, "Bad Gateway", body);
}

/* The upstream's head is complete: open both legs, or refuse. */
static int dp_gw_proxy_answer(struct dp_gw_worker *g, struct dp_gw_conn *up,
		int rc)
{
	struct dp_gw_conn *c = dp_gw_peer(up);
	struct rte_mbuf *m;

	if (rc == 0)
		rc = ws_hs_client_verify(&up->u.hs->hs);
	if (rc != 0) {
		dp_gw_proxy_refused(g, up, up->u.hs->hs.status != 101 ?
				up->u.hs->hs.status : 502);
		return -1;
	}
	if (c == NULL || c->state != DP_GW_UPSTREAM) {
		dp_gw_abort(g, up);
		return -1;
	}
	m = dp_gw_proxy_101(g, c->u.hs, &up->u.hs->hs);
	if (m == NULL) {
		dp_gw_count(g, DP_GW_STAT_NO_MBUF, 1);
		dp_gw_proxy_refused(g, up, 502);
		return -1;
	}
	dp_gw_count(g, DP_GW_STAT_PROXY_UP, 1);
	dp_gw_count(g, DP_GW_STAT_UPGRADES, 1);
	dp_gw_out(g, c, m, 0, 1);
	dp_gw_open(g, c);
	rte_mempool_put(g->hs_pool, up->u.hs);
	ws_conn_init(&up->u.ws, WS_ROLE_CLIENT, up, NULL, 0);
	up->state = DP_GW_UP_OPEN;
	return 0;
}

void dp_gw_proxy_recv(struct dp_gw_worker *g, struct dp_gw_conn *up,
		struct rte_mbuf *m)
{
	struct ts_tcb *tcb = up->tcb;
	uint32_t len = m->pkt_len;
	struct dp_gw_conn *c;

	for (struct rte_mbuf *s = m; s != NULL; s = s->next) {
		uint8_t *p = rte_pktmbuf_mtod(s, uint8_t *);
		size_t n = s->data_len, used = 0;
		int rc;

		if (up->state == DP_GW_UP_CONNECTING) {
			rc = ws_hs_parse(&up->u.hs->hs, p, n, &used);
			if (rc == -WS_ERR_AGAIN)
				continue;
			if (dp_gw_proxy_answer(g, up, rc) != 0)
				break;
			p += used;
			n -= used;
		}
		if ((up->state == DP_GW_UP_OPEN || up->state == DP_GW_CLOSING) &&
				n > 0 && !ws_conn_closed(&up->u.ws))
			(void)ws_conn_recv(&g->ws_up, &up->u.ws, p, n);
		if (ts_tcb_user(tcb) != up)
			break;
	}
	rte_pktmbuf_free(m);
	if (ts_tcb_user(tcb) != up)
		return;
	c = dp_gw_peer(up);
	if (c != NULL && c->outq != NULL) {
		up->held += len;
		up->flags |= DP_GW_CF_HELD;
	} else {
		ts_tcp_recved(g->ts, tcb, len);
	}
	if ((up->state == DP_GW_UP_OPEN || up->state == DP_GW_CLOSING) &&
			ws_conn_closed(&up->u.ws))
		dp_gw_fin_when_sent(g, up);   /* may free up */
}

/* Mask a frame for the upstream, in place, segment by segment. */
static struct rte_mbuf *dp_gw_mask_frame(struct dp_gw_worker *g,
		struct dp_gw_conn *c, enum ws_opcode op, int fin)
{
	struct rte_mbuf *m = c->rx_frame;
	uint32_t key = (uint32_t)ws_ctx_rand(&g->ws_up);
	size_t phase = 0, hl;
	uint8_t *h;

	if (m == NULL && dp_gw_frame_append(g, c, NULL, 0) != 0)
		return NULL;
	m = c->rx_frame;
	c->rx_frame = NULL;
	for (struct rte_mbuf *s = m; s != NULL; s = s->next) {
		ws_unmask(rte_pktmbuf_mtod(s, uint8_t *),
				rte_pktmbuf_mtod(s, uint8_t *), s->data_len, key,
				phase);
		phase = (phase + s->data_len) & 3;
	}
	hl = ws_frame_hdr_size(m->pkt_len, true);
	h = (uint8_t *)rte_pktmbuf_prepend(m, (uint16_t)hl);
	if (h == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	ws_frame_hdr_encode(h, op, fin, m->pkt_len - hl, (const uint8_t *)&key);
	return m;
}

/* Opcode of the next frame of a relayed message: CONT after the first. */
static enum ws_opcode dp_gw_relay_op(struct dp_gw_conn *c, enum ws_opcode op,
		unsigned int flags)
{
	enum ws_opcode out = (c->flags & DP_GW_CF_IN_MSG) ? WS_OP_CONT : op;

	if (flags & WS_CHUNK_MSG_END)
		c->flags &= (uint8_t)~DP_GW_CF_IN_MSG;
	else
		c->flags |= DP_GW_CF_IN_MSG;
	return out;
}

int dp_gw_proxy_frame(struct dp_gw_worker *g, struct dp_gw_conn *c,
		enum ws_opcode op, unsigned int flags)
{
	struct dp_gw_conn *up = dp_gw_peer(c);
	struct rte_mbuf *m;

	if (!(flags & WS_CHUNK_FRAME_END))
		return 0;
	m = dp_gw_mask_frame(g, c, dp_gw_relay_op(c, op, flags),
			(flags & WS_CHUNK_MSG_END) != 0);
	if (m == NULL) {
		dp_gw_count(g, DP_GW_STAT_NO_MBUF, 1);
		return -1;
	}
	if (up == NULL || up->state != DP_GW_UP_OPEN) {
		rte_pktmbuf_free(m);
		return 0;
	}
	dp_gw_count(g, DP_GW_STAT_MSG_OUT, 1);
	dp_gw_out(g, up, m, 0, 0);
	return 0;
}

/* A frame from the upstream, to the client unmasked. */
static int dp_gw_up_chunk(void *user, enum ws_opcode op, uint8_t *data,
		size_t len, unsigned int flags)
{
	struct dp_gw_worker *g = dp_gw_here();
	struct dp_gw_conn *up = user;
	struct dp_gw_conn *c = dp_gw_peer(up);
	struct rte_mbuf *m;

	if (dp_gw_frame_append(g, up, data, len) != 0) {
		dp_gw_count(g, DP_GW_STAT_NO_MBUF, 1);
		return -1;
	}
	if (!(flags & WS_CHUNK_FRAME_END))
		return 0;
	m = dp_gw_frame_finish(g, up, dp_gw_relay_op(up, op, flags),
			(flags & WS_CHUNK_MSG_END) != 0);
	if (m == NULL) {
		dp_gw_count(g, DP_GW_STAT_NO_MBUF, 1);
		return -1;
	}
	if (c == NULL || c->state != DP_GW_OPEN) {
		rte_pktmbuf_free(m);
		return 0;
	}
	dp_gw_count(g, DP_GW_STAT_MSG_OUT, 1);
	dp_gw_rcount(g, c->route, DP_GW_RSTAT_MSG_OUT, 1);
	dp_gw_out(g, c, m, 0, 0);
	return 0;
}

/* Close code as a close frame may carry it: 1005 and 1006 become none. */
static uint16_t dp_gw_relay_code(uint16_t code)
{
	return ws_close_code_valid(code) ? code : 0;
}

/*
 * Close @p to with the code and reason the other leg's peer sent (the
 * engine checked the reason's UTF-8 and its 123-byte bound).
 */
static void dp_gw_relay_close(struct dp_gw_worker *g, struct dp_gw_conn *to,
		uint16_t code, const uint8_t *reason, size_t len)
{
	char text[WS_CONTROL_MAX];

	len = RTE_MIN(len, (size_t)WS_CONTROL_MAX - 2);
	memcpy(text, reason, len);
	text[len] = '\0';
	dp_gw_close(g, to, dp_gw_relay_code(code),
			dp_gw_relay_code(code) != 0 ? text : NULL);
}

/* The upstream's close frame: the client gets the same code. */
static void dp_gw_up_close(void *user, uint16_t code, const uint8_t *reason,
		size_t len)
{
	struct dp_gw_worker *g = dp_gw_here();
	struct dp_gw_conn *up = user;
	struct dp_gw_conn *c = dp_gw_peer(up);
	if (c == NULL)
		return;
	dp_gw_unpair(up, c);
	dp_gw_relay_close(g, c, code, reason, len);
}

const struct ws_ops dp_gw_up_ops = {
	.send = dp_gw_ws_send,
	.on_chunk = dp_gw_up_chunk,
	.on_close = dp_gw_up_close,
};

void dp_gw_proxy_close(struct dp_gw_worker *g, struct dp_gw_conn *c,
		uint16_t code, const uint8_t *reason, size_t len)
{
	struct dp_gw_conn *up = dp_gw_peer(c);
	if (up == NULL)
		return;
	dp_gw_unpair(c, up);
	dp_gw_relay_close(g, up, code, reason, len);
}

void dp_gw_proxy_peer_closed(struct dp_gw_worker *g, struct dp_gw_conn *up)
{
	struct dp_gw_conn *c = dp_gw_peer(up);

	if (up->state == DP_GW_UP_CONNECTING) {
		dp_gw_proxy_refused(g, up, 502);
		return;
	}
	if (c != NULL) {
		dp_gw_count(g, DP_GW_STAT_PROXY_LOST, 1);
		dp_gw_unpair(up, c);
		dp_gw_close(g, c, WS_CLOSE_INTERNAL, "upstream went away");
	}
	dp_gw_peer_fin(g, up);
}

void dp_gw_proxy_writable(struct dp_gw_worker *g, struct dp_gw_conn *c)
{
	struct dp_gw_conn *p = dp_gw_peer(c);

	if (p == NULL || !(p->flags & DP_GW_CF_HELD) || p->tcb == NULL)
		return;
	p->flags &= (uint8_t)~DP_GW_CF_HELD;
	ts_tcp_recved(g->ts, p->tcb, p->held);
	p->held = 0;
}

void dp_gw_proxy_timeout(struct dp_gw_worker *g, struct dp_gw_conn *c)
{
	struct dp_gw_conn *up = (c->flags & DP_GW_CF_UPSTREAM) ? c :
		dp_gw_peer(c);

	if (up == NULL) {
		dp_gw_abort(g, c);
		return;
	}
	dp_gw_proxy_refused(g, up, 504);
}

void dp_gw_proxy_lost(struct dp_gw_worker *g, struct dp_gw_conn *c)
{
	struct dp_gw_conn *p = dp_gw_peer(c);

	if (p == NULL)
		return;
	dp_gw_unpair(c, p);
	if (c->flags & DP_GW_CF_UPSTREAM) {
		/* The upstream leg went: the client hears why. */
		if (p->state == DP_GW_UPSTREAM) {
			dp_gw_count(g, DP_GW_STAT_PROXY_FAIL, 1);
			dp_gw_http_reply(g, p, 502, "Bad Gateway",
					"upstream went away\n");
		} else if (p->state == DP_GW_OPEN) {
			dp_gw_count(g, DP_GW_STAT_PROXY_LOST, 1);
			dp_gw_close(g, p, WS_CLOSE_INTERNAL, "upstream went away");
		}
		return;
	}
	/* The client went: so does its upstream leg. */
	if (p->state == DP_GW_UP_OPEN)
		dp_gw_close(g, p, WS_CLOSE_GOING_AWAY, "client went away");
	else
		dp_gw_abort(g, p);
}
