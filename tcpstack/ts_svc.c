/**
 * @file
 * Built-in TCP services, for tests and for users checking a deployment:
 *
 * - echo: every byte back to its sender. Data that does not fit the send
 *   queue waits on the connection, and its bytes are not reported consumed
 *   (ts_tcp_recved), so the receive window closes: back-pressure, not loss.
 * - discard: reads and drops.
 * - client: active opens to a listener that echoes; sends a known pattern
 *   and checks every byte that comes back, then closes.
 *
 * ts_tcp_in -> ops callbacks here -> ts_tcp_send / ts_tcp_recved /
 * ts_tcp_shutdown.
 */
#include <rte_malloc.h>

#include "ts_tcp_priv.h"

/* ---- echo ---- */

/* Try to queue what waits; report it consumed once it is queued. */
static void echo_flush(struct ts_ctx *ctx, struct ts_tcb *c)
{
	struct rte_mbuf *m = ts_tcb_user(c);
	uint32_t len;

	if (m == NULL)
		return;
	len = m->pkt_len;
	if (ts_tcp_send(ctx, c, m) != 0)
		return;
	ts_tcb_set_user(c, NULL);
	ts_tcp_recved(ctx, c, len);
	if (c->state == TS_TCP_CLOSE_WAIT)
		ts_tcp_shutdown(ctx, c);
}

static void echo_recv(void *app, struct ts_ctx *ctx, struct ts_tcb *c,
		struct rte_mbuf *m)
{
	struct rte_mbuf *waiting = ts_tcb_user(c);

	RTE_SET_USED(app);
	if (waiting != NULL && rte_pktmbuf_chain(waiting, m) == 0)
		return;                  /* behind what already waits */
	if (waiting != NULL) {
		/* Chain too long to grow: keep order, send what waits first. */
		echo_flush(ctx, c);
		if (ts_tcb_user(c) != NULL) {
			rte_pktmbuf_free(m);
			ts_tcp_abort(ctx, c);
			return;
		}
	}
	ts_tcb_set_user(c, m);
	echo_flush(ctx, c);
}

static void echo_writable(void *app, struct ts_ctx *ctx, struct ts_tcb *c)
{
	RTE_SET_USED(app);
	echo_flush(ctx, c);
}

static void echo_peer_closed(void *app, struct ts_ctx *ctx, struct ts_tcb *c)
{
	RTE_SET_USED(app);
	if (ts_tcb_user(c) == NULL)
		ts_tcp_shutdown(ctx, c);
}

static void svc_closed(void *app, struct ts_ctx *ctx, struct ts_tcb *c,
		int why)
{
	RTE_SET_USED(app);
	RTE_SET_USED(ctx);
	RTE_SET_USED(why);
	rte_pktmbuf_free(ts_tcb_user(c));
	ts_tcb_set_user(c, NULL);
}

static const struct ts_tcp_ops echo_ops = {
	.recv = echo_recv,
	.writable = echo_writable,
	.peer_closed = echo_peer_closed,
	.closed = svc_closed,
};

int ts_svc_echo(struct ts_ctx *ctx, uint8_t ifidx, uint16_t port)
{
	return ts_tcp_listen(ctx, ifidx, port, &echo_ops, NULL);
}

/* ---- discard ---- */

static void discard_recv(void *app, struct ts_ctx *ctx, struct ts_tcb *c,
		struct rte_mbuf *m)
{
	uint32_t len = m->pkt_len;

	RTE_SET_USED(app);
	rte_pktmbuf_free(m);
	ts_tcp_recved(ctx, c, len);
}

static void discard_peer_closed(void *app, struct ts_ctx *ctx,
		struct ts_tcb *c)
{
	RTE_SET_USED(app);
	ts_tcp_shutdown(ctx, c);
}

static const struct ts_tcp_ops discard_ops = {
	.recv = discard_recv,
	.peer_closed = discard_peer_closed,
	.closed = svc_closed,
};

int ts_svc_discard(struct ts_ctx *ctx, uint8_t ifidx, uint16_t port)
{
	return ts_tcp_listen(ctx, ifidx, port, &discard_ops, NULL);
}

/* ---- client ---- */

#define TS_CLIENT_CHUNK 1400

struct ts_client_conn {
	uint64_t sent;
	uint64_t checked;
	uint32_t id;
	uint8_t failed;
};

struct ts_client {
	struct ts_client_conn *conns;
	uint32_t n;
	uint32_t opened;
	uint32_t finished;
	uint64_t bytes;
	uint32_t chunk;                  /**< bytes per send: the message */
	uint64_t window;                 /**< sent, not yet echoed; 0: any */
	uint32_t msg;                    /**< 0: a stream, not messages */
	uint32_t parallel;               /**< connections open at once */
	uint32_t dst;
	uint16_t dport;
	uint8_t ifidx;
};

/*
 * The byte at @p off of connection @p id: pat[off mod 64 KiB] ^ id ^
 * (off / 64 KiB), position-dependent so that a byte out of place or out of
 * order shows. The table makes the check a loop the compiler vectorises;
 * a run stops at the table's end, where the XOR term changes.
 */
#define TS_CLIENT_PAT 65536
#define TS_CLIENT_RUN 2048
static uint8_t client_pat[TS_CLIENT_PAT];
static int client_pat_ready;

/* Once, before the client's worker starts sending; read-only after. */
static void client_pat_init(void)
{
	if (client_pat_ready)
		return;
	client_pat_ready = 1;
	for (uint32_t i = 0; i < TS_CLIENT_PAT; i++)
		client_pat[i] = (uint8_t)(((i * 2654435761u) >> 24) ^ (i >> 8));
}

/* Bytes from @p off up to where the table's xor term next changes. */
static uint32_t client_run(uint64_t off, uint32_t n)
{
	uint32_t left = TS_CLIENT_PAT - (uint32_t)(off % TS_CLIENT_PAT);

	return RTE_MIN(n, RTE_MIN(left, (uint32_t)TS_CLIENT_RUN));
}

static uint8_t client_key(uint32_t id, uint64_t off)
{
	return (uint8_t)(id ^ (off / TS_CLIENT_PAT));
}

static void client_gen(uint8_t *p, uint32_t n, uint32_t id, uint64_t off)
{
	while (n > 0) {
		uint32_t run = client_run(off, n);
		const uint8_t *q = client_pat + off % TS_CLIENT_PAT;
		uint8_t k = client_key(id, off);

		for (uint32_t i = 0; i < run; i++)
			p[i] = q[i] ^ k;
		p += run;
		n -= run;
		off += run;
	}
}

/* @return 0 when @p n bytes at @p p are connection @p id's from @p off. */
static int client_check(const uint8_t *p, uint32_t n, uint32_t id,
		uint64_t off)
{
	while (n > 0) {
		uint32_t run = client_run(off, n);
		const uint8_t *q = client_pat + off % TS_CLIENT_PAT;
		uint8_t k = client_key(id, off), diff = 0;

		for (uint32_t i = 0; i < run; i++)
			diff |= (uint8_t)(p[i] ^ q[i] ^ k);
		if (diff != 0)
			return -1;
		p += run;
		n -= run;
		off += run;
	}
	return 0;
}

static void client_fill(struct ts_ctx *ctx, struct ts_tcb *c)
{
	struct ts_client_conn *cc = ts_tcb_user(c);
	const struct ts_client *cl = c->app;

	while (cc->sent < cl->bytes) {
		uint32_t n = (uint32_t)RTE_MIN((uint64_t)cl->chunk,
				cl->bytes - cc->sent);
		struct rte_mbuf *m;
		uint8_t *p;

		/* Messages in flight: the next goes when an echo is back. */
		if (cl->window != 0 && cc->sent + n - cc->checked > cl->window)
			return;
		if (ts_tcp_send_space(ctx, c) < n)
			break;
		m = rte_pktmbuf_alloc(ctx->pool);
		if (m == NULL)
			break;
		p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)n);
		client_gen(p, n, cc->id, cc->sent);
		if (ts_tcp_send(ctx, c, m) != 0) {
			rte_pktmbuf_free(m);
			break;
		}
		cc->sent += n;
	}
	if (cc->sent < cl->bytes)
		c->flags |= TS_TCBF_WANT_W;
}

static void client_open_next(struct ts_ctx *ctx, struct ts_client *cl);

static void client_connected(void *app, struct ts_ctx *ctx, struct ts_tcb *c)
{
	client_fill(ctx, c);
	client_open_next(ctx, app);
}

static void client_recv(void *app, struct ts_ctx *ctx, struct ts_tcb *c,
		struct rte_mbuf *m)
{
	struct ts_client_conn *cc = ts_tcb_user(c);
	const struct ts_client *cl = app;
	uint32_t len = m->pkt_len;
	uint64_t before = cc->checked;

	for (struct rte_mbuf *s = m; s != NULL && !cc->failed; s = s->next) {
		const uint8_t *p = rte_pktmbuf_mtod(s, const uint8_t *);

		if (cc->checked + s->data_len > cl->bytes ||
				client_check(p, s->data_len, cc->id,
					cc->checked) != 0)
			cc->failed = 1;
		cc->checked += s->data_len;
	}
	rte_pktmbuf_free(m);
	if (cc->failed) {
		ts_count(ctx, TS_STAT_TCP_CLIENT_FAIL, 1);
		/* An abort tells no closed(): its place is given back here. */
		ts_tcp_abort(ctx, c);
		((struct ts_client *)app)->finished++;
		client_open_next(ctx, app);
		return;
	}
	ts_count(ctx, TS_STAT_TCP_CLIENT_BYTES, len);
	ts_tcp_recved(ctx, c, len);
	if (cl->msg != 0)
		ts_count(ctx, TS_STAT_TCP_CLIENT_ECHOES,
				cc->checked / cl->msg - before / cl->msg);
	if (cc->checked == cl->bytes)
		ts_tcp_shutdown(ctx, c);
	else if (cl->window != 0)
		client_fill(ctx, c);
}

static void client_writable(void *app, struct ts_ctx *ctx, struct ts_tcb *c)
{
	RTE_SET_USED(app);
	client_fill(ctx, c);
}

static void client_peer_closed(void *app, struct ts_ctx *ctx,
		struct ts_tcb *c)
{
	RTE_SET_USED(app);
	ts_tcp_shutdown(ctx, c);
}

static void client_closed(void *app, struct ts_ctx *ctx, struct ts_tcb *c,
		int why)
{
	struct ts_client_conn *cc = ts_tcb_user(c);
	const struct ts_client *cl = app;

	if (!cc->failed)
		ts_count(ctx, why == TS_TCP_END_OK && cc->checked == cl->bytes ?
				TS_STAT_TCP_CLIENT_OK : TS_STAT_TCP_CLIENT_FAIL, 1);
	cc->failed = 1;
	((struct ts_client *)app)->finished++;
	client_open_next(ctx, app);
}

static const struct ts_tcp_ops client_ops = {
	.connected = client_connected,
	.recv = client_recv,
	.writable = client_writable,
	.peer_closed = client_peer_closed,
	.closed = client_closed,
};

/* Open connection number cl->opened and give it its state. */
static int client_connect_one(struct ts_ctx *ctx, struct ts_client *cl,
		uint64_t tsc)
{
	struct ts_tcb *c;
	int rc;

	rc = ts_tcp_connect(ctx, cl->ifidx, cl->dst, cl->dport, &client_ops, cl,
			tsc, &c);
	if (rc != 0)
		return rc;
	cl->conns[cl->opened].id = cl->opened;
	ts_tcb_set_user(c, &cl->conns[cl->opened]);
	cl->opened++;
	return 0;
}

/*
 * Keep up to cl->parallel connections in flight. The first few wait
 * for ARP (its queue is short); the rest follow once one has connected.
 */
static void client_open_next(struct ts_ctx *ctx, struct ts_client *cl)
{
	while (cl->opened < cl->n &&
			cl->opened - cl->finished < cl->parallel) {
		if (client_connect_one(ctx, cl, ctx->tcp.now) != 0) {
			ts_count(ctx, TS_STAT_TCP_CLIENT_FAIL, 1);
			cl->opened++;
			cl->finished++;
		}
	}
}

int ts_svc_client(struct ts_ctx *ctx, uint8_t ifidx,
		const struct ts_client_conf *conf, uint64_t tsc)
{
	uint32_t conns = conf->conns;
	struct ts_client *cl;

	if (conns == 0 || conf->bytes == 0 || ifidx >= ctx->n_ifs ||
			(conf->depth != 0 && conf->msg == 0) ||
			conf->msg > TS_CLIENT_MSG_MAX)
		return -TS_ERR_INVAL;
	client_pat_init();
	cl = rte_zmalloc("ts_client", sizeof(*cl), 0);
	if (cl == NULL)
		return -TS_ERR_NOMEM;
	cl->conns = rte_zmalloc("ts_client_conns", sizeof(*cl->conns) * conns, 0);
	if (cl->conns == NULL) {
		rte_free(cl);
		return -TS_ERR_NOMEM;
	}
	cl->n = conns;
	cl->bytes = conf->bytes;
	cl->msg = conf->msg;
	cl->parallel = conf->parallel != 0 ? conf->parallel :
		TS_CLIENT_PARALLEL;
	cl->chunk = conf->msg != 0 ? conf->msg : TS_CLIENT_CHUNK;
	cl->window = (uint64_t)conf->msg * conf->depth;
	cl->dst = conf->dst;
	cl->dport = conf->dport;
	cl->ifidx = ifidx;
	ctx->svc_client = cl;
	ctx->tcp.now = tsc;
	/* A first few only, while the server's address is resolved. */
	while (cl->opened < RTE_MIN(conns, (uint32_t)ctx->arp_queue_len) &&
			client_connect_one(ctx, cl, tsc) == 0)
		;
	return 0;
}

void ts_svc_free(struct ts_ctx *ctx)
{
	struct ts_client *cl = ctx->svc_client;

	if (cl == NULL)
		return;
	rte_free(cl->conns);
	rte_free(cl);
	ctx->svc_client = NULL;
}
