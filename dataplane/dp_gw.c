/**
 * @file
 * The WebSocket gateway on the dataplane: connections from TCP accept to
 * close, the opening handshake and its routes, echo, the send queue that
 * every frame goes through, heartbeats and timeouts, graceful shutdown,
 * and the gateway's statistics.
 *
 * ts_tcp_in -> dp_gw_accepted -> dp_gw_recv -> dp_gw_input:
 *   HANDSHAKE: ws_hs_parse -> dp_gw_hs_done -> ws_hs_respond (hooks:
 *     dp_gw_on_upgrade picks the route, dp_gw_origin_ok, dp_gw_proto_ok,
 *     dp_gw_on_http) -> 101 and OPEN | plain answer and FIN
 *   OPEN: ws_conn_recv -> dp_gw_on_chunk -> echo | publish | proxy relay
 * Output: dp_gw_out -> ts_tcp_send, or the connection's queue until
 *   dp_gw_writable. Time: dp_gw_timers -> dp_gw_sweep (a slice of the
 *   slab per call: handshake, idle and closing deadlines).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>
#include <rte_per_lcore.h>
#include <rte_random.h>

#include "dp_gw_priv.h"

struct dp_gw_shared dp_gw;

/*
 * The engine's callbacks carry only the connection; the worker they run
 * on is this lcore's, set once before the loop.
 */
static RTE_DEFINE_PER_LCORE(struct dp_gw_worker *, dp_gw_self);

struct dp_gw_worker *dp_gw_here(void)
{
	return RTE_PER_LCORE(dp_gw_self);
}

static const char dp_gw_healthz_body[] = "ok\n";
static const char dp_gw_426_body[] = "this path takes WebSocket upgrades\n";

#define DP_GW_IP_SLOTS (1u << 16)
#define DP_GW_IP_PROBES 32

/* ---- per-source connection counts, shared by the workers ---- */

/*
 * Open addressing on the address; a slot, once claimed, keeps its address.
 * Touched on accept and close only, never per packet.
 */
static uint32_t *dp_gw_ip_slot(uint32_t ip, int claim)
{
	uint32_t h = rte_hash_crc_4byte(ip, 0x5eed) & dp_gw.ip_mask;

	for (uint32_t i = 0; i < DP_GW_IP_PROBES; i++) {
		uint32_t s = (h + i) & dp_gw.ip_mask;
		uint32_t k = __atomic_load_n(&dp_gw.ip_keys[s], __ATOMIC_ACQUIRE);

		if (k == ip)
			return &dp_gw.ip_counts[s];
		if (k == 0 && claim) {
			uint32_t zero = 0;

			if (__atomic_compare_exchange_n(&dp_gw.ip_keys[s], &zero,
					ip, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) ||
					zero == ip)
				return &dp_gw.ip_counts[s];
		}
	}
	return NULL;
}

/* @return 0 when @p ip may open one more connection (and counts it). */
static int dp_gw_ip_acquire(uint32_t ip)
{
	uint32_t limit = dp.conf.gw_max_conns_per_ip;
	uint32_t *n;

	if (limit == 0)
		return 0;
	n = dp_gw_ip_slot(ip, 1);
	if (n == NULL)
		return 0;               /* table crowded: not limited */
	if (__atomic_fetch_add(n, 1, __ATOMIC_RELAXED) >= limit) {
		__atomic_fetch_sub(n, 1, __ATOMIC_RELAXED);
		return -1;
	}
	return 0;
}

static void dp_gw_ip_release(uint32_t ip)
{
	uint32_t *n;

	if (dp.conf.gw_max_conns_per_ip == 0)
		return;
	n = dp_gw_ip_slot(ip, 0);
	if (n != NULL)
		__atomic_fetch_sub(n, 1, __ATOMIC_RELAXED);
}

/* ---- the slab ---- */

struct dp_gw_conn *dp_gw_conn_new(struct dp_gw_worker *g)
{
	struct dp_gw_conn *c = g->free_list;

	if (c == NULL)
		return NULL;
	g->free_list = c->u.next_free;
	memset(c, 0, sizeof(*c));
	g->used++;
	dp_gw_count(g, DP_GW_STAT_CONNS, 1);
	return c;
}

void dp_gw_outq_purge(struct dp_gw_conn *c)
{
	struct rte_mbuf *m = c->outq;

	while (m != NULL) {
		struct rte_mbuf *next = dp_gw_q(m)->next;

		rte_pktmbuf_free(m);
		m = next;
	}
	c->outq = c->outq_tail = NULL;
	c->outq_bytes = 0;
	c->outq_msgs = 0;
}

static int dp_gw_before_101(const struct dp_gw_conn *c)
{
	return c->state == DP_GW_HANDSHAKE || c->state == DP_GW_UPSTREAM ||
		c->state == DP_GW_HTTP_DONE;
}

static int dp_gw_is_ws(const struct dp_gw_conn *c)
{
	return c->state == DP_GW_OPEN || c->state == DP_GW_CLOSING;
}

/* Leave the state's gauges before another state or the slab. */
static void dp_gw_state_leave(struct dp_gw_worker *g, struct dp_gw_conn *c)
{
	if (dp_gw_before_101(c)) {
		dp_gw_count(g, DP_GW_STAT_HANDSHAKING, (uint64_t)-1);
		if (c->u.hs != NULL)
			rte_mempool_put(g->hs_pool, c->u.hs);
		c->u.hs = NULL;
	} else if (dp_gw_is_ws(c) && !(c->flags & DP_GW_CF_UPSTREAM)) {
		dp_gw_count(g, DP_GW_STAT_WS_OPEN, (uint64_t)-1);
		dp_gw_rcount(g, c->route, DP_GW_RSTAT_CONNS, (uint64_t)-1);
	} else if (c->state == DP_GW_UP_CONNECTING && c->u.hs != NULL) {
		rte_mempool_put(g->hs_pool, c->u.hs);
		c->u.hs = NULL;
	}
}

void dp_gw_conn_free(struct dp_gw_worker *g, struct dp_gw_conn *c,
		uint32_t rip)
{
	if (c->state == DP_GW_FREE)
		return;
	if (c->flags & DP_GW_CF_SUB)
		dp_gw_unsubscribe(g, c);
	if (c->flags & DP_GW_CF_PAIRED)
		dp_gw_proxy_lost(g, c);
	dp_gw_state_leave(g, c);
	dp_gw_outq_purge(c);
	rte_pktmbuf_free(c->rx_frame);
	if (!(c->flags & DP_GW_CF_UPSTREAM)) {
		__atomic_fetch_sub(&dp_gw.conns, 1, __ATOMIC_RELAXED);
		dp_gw_ip_release(rip);
	}
	if (c->tcb != NULL)
		ts_tcb_set_user(c->tcb, NULL);
	c->state = DP_GW_FREE;
	c->tcb = NULL;
	c->u.next_free = g->free_list;
	g->free_list = c;
	g->used--;
	dp_gw_count(g, DP_GW_STAT_CONNS, (uint64_t)-1);
}

void dp_gw_abort(struct dp_gw_worker *g, struct dp_gw_conn *c)
{
	struct ts_tcb *tcb = c->tcb;
	uint32_t rip = tcb != NULL ? tcb->rip : 0;

	if (tcb != NULL) {
		ts_tcb_set_user(tcb, NULL);
		ts_tcp_abort(g->ts, tcb);
		c->tcb = NULL;
	}
	dp_gw_conn_free(g, c, rip);
}

/* ---- output ---- */

static void dp_gw_release(struct dp_gw_worker *g, struct dp_gw_conn *c);

struct rte_mbuf *dp_gw_frame_alloc(struct dp_gw_worker *g, const void *data,
		size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(g->pool);

	if (m == NULL)
		return NULL;
	if (len > rte_pktmbuf_tailroom(m)) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), data, len);
	return m;
}

int dp_gw_frame_append(struct dp_gw_worker *g, struct dp_gw_conn *c,
		const uint8_t *data, size_t len)
{
	struct rte_mbuf *head = c->rx_frame, *last;

	if (head == NULL) {
		head = rte_pktmbuf_alloc(g->pool);
		if (head == NULL)
			return -1;
		c->rx_frame = head;
	}
	last = rte_pktmbuf_lastseg(head);
	while (len > 0) {
		uint16_t room = rte_pktmbuf_tailroom(last);
		uint16_t k;

		if (room == 0) {
			struct rte_mbuf *n = rte_pktmbuf_alloc(g->pool);

			if (n == NULL || head->nb_segs == UINT16_MAX) {
				rte_pktmbuf_free(n);
				return -1;
			}
			rte_pktmbuf_reset_headroom(n);
			n->data_off = 0;
			last->next = n;
			head->nb_segs++;
			last = n;
			room = rte_pktmbuf_tailroom(n);
		}
		k = (uint16_t)RTE_MIN((size_t)room, len);
		memcpy(rte_pktmbuf_mtod_offset(last, uint8_t *, last->data_len),
				data, k);
		last->data_len = (uint16_t)(last->data_len + k);
		head->pkt_len += k;
		data += k;
		len -= k;
	}
	return 0;
}

/* Put the header in front of the frame built on @p c and take it. */
struct rte_mbuf *dp_gw_frame_finish(struct dp_gw_worker *g,
		struct dp_gw_conn *c, enum ws_opcode op, int fin)
{
	struct rte_mbuf *m = c->rx_frame;
	size_t hl;
	uint8_t *h;

	if (m == NULL && dp_gw_frame_append(g, c, NULL, 0) != 0)
		return NULL;
	m = c->rx_frame;
	c->rx_frame = NULL;
	hl = ws_frame_hdr_size(m->pkt_len, false);
	h = (uint8_t *)rte_pktmbuf_prepend(m, (uint16_t)hl);
	if (h == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	ws_frame_hdr_encode(h, op, fin, m->pkt_len - hl, NULL);
	return m;
}

static void dp_gw_outq_push(struct dp_gw_conn *c, struct rte_mbuf *m,
		uint32_t key, int control)
{
	struct dp_gw_q_meta *q = dp_gw_q(m);

	q->next = NULL;
	q->key = key;
	q->control = (uint8_t)control;
	if (c->outq_tail != NULL)
		dp_gw_q(c->outq_tail)->next = m;
	else
		c->outq = m;
	c->outq_tail = m;
	c->outq_bytes += m->pkt_len;
	c->outq_msgs++;
}

static void dp_gw_out_to(struct dp_gw_worker *g, struct dp_gw_conn *c,
		struct rte_mbuf *m, uint32_t key, int control, int now)
{
	if (c->tcb == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	if (c->outq == NULL) {
		int rc = now ? ts_tcp_send_now(g->ts, c->tcb, m) :
			ts_tcp_send(g->ts, c->tcb, m);

		if (rc == 0)
			return;
		if (rc != -TS_ERR_FULL) {
			rte_pktmbuf_free(m);   /* TCP is past sending */
			return;
		}
	}
	dp_gw_outq_push(c, m, key, control);
}

void dp_gw_out(struct dp_gw_worker *g, struct dp_gw_conn *c,
		struct rte_mbuf *m, uint32_t key, int control)
{
	dp_gw_out_to(g, c, m, key, control, 0);
}

void dp_gw_out_now(struct dp_gw_worker *g, struct dp_gw_conn *c,
		struct rte_mbuf *m, uint32_t key)
{
	dp_gw_out_to(g, c, m, key, 0, 1);
}

/* Hand TCP what waits, in order, while it takes it. */
static void dp_gw_outq_flush(struct dp_gw_worker *g, struct dp_gw_conn *c)
{
	while (c->outq != NULL && c->tcb != NULL) {
		struct rte_mbuf *m = c->outq;
		struct rte_mbuf *next = dp_gw_q(m)->next;
		uint32_t len = m->pkt_len;
		int rc = ts_tcp_send(g->ts, c->tcb, m);

		if (rc == -TS_ERR_FULL)
			return;
		if (rc != 0)
			rte_pktmbuf_free(m);
		c->outq = next;
		if (next == NULL)
			c->outq_tail = NULL;
		c->outq_bytes -= len;
		c->outq_msgs--;
	}
}

/* FIN once everything queued is with TCP. */
void dp_gw_fin_when_sent(struct dp_gw_worker *g, struct dp_gw_conn *c)
{
	c->flags |= DP_GW_CF_FIN;
	if (c->outq != NULL || c->tcb == NULL)
		return;
	ts_tcp_shutdown(g->ts, c->tcb);
	dp_gw_release(g, c);
}

/*
 * Our FIN is queued behind everything we had to say: TCP finishes alone
 * (FIN-WAIT, LAST-ACK, TIME-WAIT; what the peer still sends is dropped
 * as for a departed application) and the connection goes back now.
 */
static void dp_gw_release(struct dp_gw_worker *g, struct dp_gw_conn *c)
{
	struct ts_tcb *tcb = c->tcb;

	if (!(c->flags & DP_GW_CF_FIN) || c->outq != NULL || tcb == NULL)
		return;
	ts_tcb_set_user(tcb, NULL);
	c->tcb = NULL;
	dp_gw_conn_free(g, c, tcb->rip);
}

void dp_gw_peer_fin(struct dp_gw_worker *g, struct dp_gw_conn *c)
{
	c->flags |= DP_GW_CF_PEER_FIN;
	dp_gw_fin_when_sent(g, c);
}

/* The engine's frames (pong, close, ping) go out through the queue. */
int dp_gw_ws_send(void *user, const uint8_t *frame, size_t len)
{
	struct dp_gw_worker *g = dp_gw_here();
	struct dp_gw_conn *c = user;
	struct rte_mbuf *m = dp_gw_frame_alloc(g, frame, len);

	if (m == NULL) {
		dp_gw_count(g, DP_GW_STAT_NO_MBUF, 1);
		return -1;
	}
	dp_gw_out(g, c, m, 0, 1);
	return 0;
}

void dp_gw_close(struct dp_gw_worker *g, struct dp_gw_conn *c, uint16_t code,
		const char *reason)
{
	struct ws_ctx *ctx = (c->flags & DP_GW_CF_UPSTREAM) ? &g->ws_up :
		&g->ws[c->route];

	if (!dp_gw_is_ws(c) && c->state != DP_GW_UP_OPEN)
		return;
	dp_gw_pub_unhold(g, c);          /* the peer's close must get in */
	if (c->u.ws.close_state == WS_OPEN)
		(void)ws_conn_close(ctx, &c->u.ws, code, reason,
				reason != NULL ? strlen(reason) : 0);
	if (c->state == DP_GW_OPEN || c->state == DP_GW_UP_OPEN) {
		c->state = DP_GW_CLOSING;
		c->t_ms = g->now_ms;
	}
	if (ws_conn_closed(&c->u.ws))
		dp_gw_fin_when_sent(g, c);
}

/* ---- routes ---- */

/* The host part of a Host header: without the port. */
static size_t dp_gw_host_len(const char *h, size_t n)
{
	for (size_t i = n; i > 0; i--) {
		if (h[i - 1] == ':')
			return i - 1;
		if (h[i - 1] < '0' || h[i - 1] > '9')
			break;
	}
	return n;
}

static int dp_gw_host_match(const struct dp_route_conf *r, const char *host,
		size_t hlen)
{
	size_t rl = strlen(r->host);

	if (rl == 0)
		return 1;
	if (host == NULL)
		return 0;
	if (strchr(r->host, ':') == NULL)
		hlen = dp_gw_host_len(host, hlen);
	return hlen == rl && strncasecmp(host, r->host, rl) == 0;
}

/* A channel name from a path: printable, no '/', not empty. */
static int dp_gw_chan_name_ok(const char *s, size_t n)
{
	if (n == 0 || n >= DP_GW_CHAN_NAME)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] == '/' || s[i] == 0x7f)
			return 0;
	return 1;
}

/* First route that matches, or -1; @p rest is what a prefix left. */
static int dp_gw_route_find(const char *host, size_t hlen, const char *path,
		size_t plen, const char **rest, size_t *rest_len)
{
	for (unsigned int i = 0; i < dp.conf.n_routes; i++) {
		const struct dp_route_conf *r = &dp.conf.routes[i];
		size_t n = strlen(r->path);

		if (!dp_gw_host_match(r, host, hlen))
			continue;
		if (r->prefix == 0 ? (plen != n || memcmp(path, r->path, n)) :
				(plen < n || memcmp(path, r->path, n)))
			continue;
		if (r->prefix == 2 && !dp_gw_chan_name_ok(path + n, plen - n))
			continue;
		*rest = path + n;
		*rest_len = plen - n;
		return (int)i;
	}
	return -1;
}

/* Whether @p item is in the comma list @p list (case-insensitive). */
static int dp_gw_list_has(const char *list, const char *item, size_t n)
{
	const char *p = list;

	while (*p != '\0') {
		size_t k = strcspn(p, ",");

		if (k == n && strncasecmp(p, item, n) == 0)
			return 1;
		p += k + (p[k] == ',');
	}
	return 0;
}

static int dp_gw_on_upgrade(void *arg, const struct ws_http_request *req)
{
	struct dp_gw_worker *g = arg;
	struct dp_gw_conn *c = g->cur;
	const struct dp_route_conf *r;
	const char *host, *rest;
	size_t hlen = 0, rest_len;
	int idx, rc;

	host = ws_hs_field(req->hs, "host", 0, &hlen);
	idx = dp_gw_route_find(host, hlen, req->path, req->path_len, &rest,
			&rest_len);
	if (idx < 0)
		return 404;
	c->route = (uint8_t)idx;
	r = &dp.conf.routes[idx];
	if (r->action == DP_ACT_PUBSUB) {
		const char *name = r->channel[0] ? r->channel : rest;
		size_t len = r->channel[0] ? strlen(r->channel) : rest_len;

		c->u.hs->chan = dp_gw_chan_id(name, len);
		rc = dp_gw_chan_room(g, c->u.hs->chan, name, len);
		if (rc != 0) {
			dp_gw_count(g, rc == -EEXIST ? DP_GW_STAT_CHAN_CLASH :
					DP_GW_STAT_CHAN_FULL, 1);
			return 503;
		}
		memcpy(c->u.hs->chan_name, name, len);
		c->u.hs->chan_name[len] = '\0';
	}
	return 0;
}

static int dp_gw_origin_ok(void *arg, const char *origin, size_t len)
{
	struct dp_gw_worker *g = arg;
	const struct dp_route_conf *r = dp_gw_route(g->cur);

	if (r->origins[0] == '\0')
		return 1;
	return origin != NULL && dp_gw_list_has(r->origins, origin, len);
}

static int dp_gw_proto_ok(void *arg, const char *proto, size_t len)
{
	struct dp_gw_worker *g = arg;
	const struct dp_route_conf *r = dp_gw_route(g->cur);

	/* A proxy route leaves the choice to the upstream. */
	if (r->action == DP_ACT_PROXY)
		return 0;
	return dp_gw_list_has(r->protocols, proto, len);
}

static int dp_gw_str_is(const char *s, size_t n, const char *lit)
{
	return n == strlen(lit) && memcmp(s, lit, n) == 0;
}

static void dp_gw_on_http(void *arg, const struct ws_http_request *req,
		struct ws_http_reply *reply)
{
	const char *host, *rest;
	size_t hlen = 0, rest_len;

	RTE_SET_USED(arg);
	if (!dp_gw_str_is(req->method, req->method_len, "GET")) {
		reply->status = 405;
		reply->reason = "Method Not Allowed";
		return;
	}
	if (dp_gw_str_is(req->path, req->path_len, "/healthz")) {
		reply->status = 200;
		reply->reason = "OK";
		reply->body = dp_gw_healthz_body;
		reply->body_len = sizeof(dp_gw_healthz_body) - 1;
		return;
	}
	host = ws_hs_field(req->hs, "host", 0, &hlen);
	if (dp_gw_route_find(host, hlen, req->path, req->path_len, &rest,
			&rest_len) >= 0) {
		reply->status = 426;
		reply->reason = "Upgrade Required";
		reply->body = dp_gw_426_body;
		reply->body_len = sizeof(dp_gw_426_body) - 1;
	}
}

/* ---- the handshake ---- */

static void dp_gw_count_status(struct dp_gw_worker *g, uint16_t status)
{
	switch (status) {
	case 101: dp_gw_count(g, DP_GW_STAT_UPGRADES, 1); break;
	case 200: dp_gw_count(g, DP_GW_STAT_HTTP_OK, 1); break;
	case 403: dp_gw_count(g, DP_GW_STAT_HTTP_403, 1); break;
	case 404: dp_gw_count(g, DP_GW_STAT_HTTP_404, 1); break;
	case 405: dp_gw_count(g, DP_GW_STAT_HTTP_405, 1); break;
	case 426: dp_gw_count(g, DP_GW_STAT_HTTP_426, 1); break;
	default: dp_gw_count(g, DP_GW_STAT_HTTP_OTHER, 1); break;
	}
}

/* A plain answer or refusal: send it, FIN after it. */
static void dp_gw_http_done(struct dp_gw_worker *g, struct dp_gw_conn *c,
		struct rte_mbuf *resp)
{
	dp_gw_state_leave(g, c);
	c->state = DP_GW_HTTP_DONE;
	dp_gw_count(g, DP_GW_STAT_HANDSHAKING, 1);
	c->t_ms = g->now_ms;
	dp_gw_out(g, c, resp, 0, 1);
	dp_gw_fin_when_sent(g, c);
}

void dp_gw_http_reply(struct dp_gw_worker *g, struct dp_gw_conn *c,
		uint16_t status, const char *reason, const char *body)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(g->pool);
	int n;

	dp_gw_count_status(g, status);
	if (m == NULL) {
		dp_gw_count(g, DP_GW_STAT_NO_MBUF, 1);
		dp_gw_abort(g, c);
		return;
	}
	n = snprintf(rte_pktmbuf_mtod(m, char *), rte_pktmbuf_tailroom(m),
			"HTTP/1.1 %u %s\r\nConnection: close\r\n"
			"Content-Type: text/plain\r\nContent-Length: %zu\r\n\r\n%s",
			status, reason, strlen(body), body);
	rte_pktmbuf_append(m, (uint16_t)RTE_MIN(n, (int)rte_pktmbuf_tailroom(m)));
	dp_gw_http_done(g, c, m);
}

void dp_gw_open(struct dp_gw_worker *g, struct dp_gw_conn *c)
{
	const struct dp_route_conf *r = dp_gw_route(c);
	uint64_t chan = c->u.hs->chan;
	char name[DP_GW_CHAN_NAME];
	int rc;

	/* The handshake block goes back below: keep what subscribing needs. */
	snprintf(name, sizeof(name), "%s", c->u.hs->chan_name);
	dp_gw_state_leave(g, c);
	ws_conn_init(&c->u.ws, WS_ROLE_SERVER, c, NULL, 0);
	c->state = DP_GW_OPEN;
	c->t_ms = g->now_ms;
	dp_gw_count(g, DP_GW_STAT_WS_OPEN, 1);
	dp_gw_rcount(g, c->route, DP_GW_RSTAT_CONNS, 1);
	if (r->action != DP_ACT_PUBSUB)
		return;
	rc = dp_gw_subscribe(g, c, chan, name, strlen(name));
	if (rc != 0) {
		/* Filled since the request was read: say so, never go quiet. */
		dp_gw_count(g, rc == -EEXIST ? DP_GW_STAT_CHAN_CLASH :
				DP_GW_STAT_CHAN_FULL, 1);
		dp_gw_close(g, c, WS_CLOSE_INTERNAL, rc == -EEXIST ?
				"channel id clash" : "channel table full");
	}
}

/* The head is complete or refused: answer it. @return 0 when OPEN. */
static int dp_gw_hs_done(struct dp_gw_worker *g, struct dp_gw_conn *c)
{
	struct dp_gw_hs *hs = c->u.hs;
	struct rte_mbuf *m = rte_pktmbuf_alloc(g->pool);
	size_t len = 0;

	if (m == NULL) {
		dp_gw_count(g, DP_GW_STAT_NO_MBUF, 1);
		dp_gw_abort(g, c);
		return -1;
	}
	g->cur = c;
	if (ws_hs_respond(&g->ws_hs, &hs->hs, rte_pktmbuf_mtod(m, uint8_t *),
			rte_pktmbuf_tailroom(m), &len) != 0) {
		rte_pktmbuf_free(m);
		dp_gw_abort(g, c);
		return -1;
	}
	rte_pktmbuf_append(m, (uint16_t)len);
	if (!ws_hs_upgraded(&hs->hs)) {
		dp_gw_count_status(g, hs->hs.status);
		dp_gw_http_done(g, c, m);
		return -1;
	}
	if (dp_gw_route(c)->action == DP_ACT_PROXY) {
		/* The client hears the upstream's answer, not ours. */
		if (len > sizeof(hs->resp)) {
			rte_pktmbuf_free(m);
			dp_gw_abort(g, c);
			return -1;
		}
		memcpy(hs->resp, rte_pktmbuf_mtod(m, uint8_t *), len);
		hs->resp_len = (uint16_t)len;
		rte_pktmbuf_free(m);
		c->state = DP_GW_UPSTREAM;
		if (dp_gw_proxy_start(g, c) != 0)
			return -1;
		return -1;
	}
	dp_gw_count_status(g, 101);
	dp_gw_out(g, c, m, 0, 1);
	dp_gw_open(g, c);
	return 0;
}

/* ---- frames ---- */

static int dp_gw_on_chunk(void *user, enum ws_opcode op, uint8_t *data,
		size_t len, unsigned int flags)
{
	struct dp_gw_worker *g = dp_gw_here();
	struct dp_gw_conn *c = user;
	const struct dp_route_conf *r = dp_gw_route(c);
	struct rte_mbuf *m;

	if (c->u.ws.close_state != WS_OPEN)
		return 0;              /* nothing is sent after our close */
	if (r->action == DP_ACT_PUBSUB && !r->publish) {
		dp_gw_count(g, DP_GW_STAT_PUB_REFUSED, 1);
		return -1;             /* 1008 */
	}
	if (flags & WS_CHUNK_MSG_START)
		c->rx_op = (uint8_t)op;
	if (dp_gw_frame_append(g, c, data, len) != 0) {
		dp_gw_count(g, DP_GW_STAT_NO_MBUF, 1);
		return -1;
	}
	if (flags & WS_CHUNK_MSG_END) {
		dp_gw_count(g, DP_GW_STAT_MSG_IN, 1);
		dp_gw_rcount(g, c->route, DP_GW_RSTAT_MSG_IN, 1);
	}
	switch (r->action) {
	case DP_ACT_ECHO:
		/* Frame for frame: opcodes and fragmentation kept. */
		if (!(flags & WS_CHUNK_FRAME_END))
			return 0;
		m = dp_gw_frame_finish(g, c, (c->flags & DP_GW_CF_IN_MSG) ?
				WS_OP_CONT : op, (flags & WS_CHUNK_MSG_END) != 0);
		if (flags & WS_CHUNK_MSG_END)
			c->flags &= (uint8_t)~DP_GW_CF_IN_MSG;
		else
			c->flags |= DP_GW_CF_IN_MSG;
		if (m == NULL) {
			dp_gw_count(g, DP_GW_STAT_NO_MBUF, 1);
			return -1;
		}
		dp_gw_count(g, DP_GW_STAT_ECHOED, 1);
		dp_gw_count(g, DP_GW_STAT_MSG_OUT, 1);
		dp_gw_rcount(g, c->route, DP_GW_RSTAT_MSG_OUT, 1);
		dp_gw_out(g, c, m, 0, 0);
		return 0;
	case DP_ACT_PUBSUB:
		/* Whole messages, as one frame, to every subscriber. */
		if (!(flags & WS_CHUNK_MSG_END))
			return 0;
		m = dp_gw_frame_finish(g, c, (enum ws_opcode)c->rx_op, 1);
		if (m == NULL) {
			dp_gw_count(g, DP_GW_STAT_NO_MBUF, 1);
			return -1;
		}
		dp_gw_publish(g, dp_gw_sub_chan(g, c), m);
		return 0;
	default:
		return dp_gw_proxy_frame(g, c, op, flags);
	}
}

static void dp_gw_on_pong(void *user, const uint8_t *data, size_t len)
{
	struct dp_gw_conn *c = user;

	RTE_SET_USED(data);
	RTE_SET_USED(len);
	c->flags &= (uint8_t)~DP_GW_CF_PING;
}

static void dp_gw_on_close(void *user, uint16_t code, const uint8_t *reason,
		size_t len)
{
	struct dp_gw_worker *g = dp_gw_here();
	struct dp_gw_conn *c = user;

	if (dp_gw_route(c)->action == DP_ACT_PROXY)
		dp_gw_proxy_close(g, c, code, reason, len);
}

static const struct ws_ops dp_gw_ws_ops = {
	.send = dp_gw_ws_send,
	.on_chunk = dp_gw_on_chunk,
	.on_pong = dp_gw_on_pong,
	.on_close = dp_gw_on_close,
};

/* Bytes of one received segment, in whatever state the connection is. */
static void dp_gw_input(struct dp_gw_worker *g, struct dp_gw_conn *c,
		uint8_t *data, size_t len)
{
	size_t used = 0;
	int rc;

	if (c->state == DP_GW_HANDSHAKE) {
		rc = ws_hs_parse(&c->u.hs->hs, data, len, &used);
		if (rc == -WS_ERR_AGAIN)
			return;
		if (dp_gw_hs_done(g, c) != 0)
			return;
		data += used;
		len -= used;
	}
	if (c->state == DP_GW_OPEN || c->state == DP_GW_CLOSING) {
		if (len == 0 || ws_conn_closed(&c->u.ws))
			return;
		(void)ws_conn_recv(&g->ws[c->route], &c->u.ws, data, len);
		if (ws_conn_closed(&c->u.ws)) {
			if (c->state == DP_GW_OPEN) {
				c->state = DP_GW_CLOSING;
				c->t_ms = g->now_ms;
			}
			dp_gw_fin_when_sent(g, c);
		}
	}
	/* Other states: bytes before a 101 or after our FIN are ignored. */
}

/* ---- TCP events ---- */

static int dp_gw_accepted(void *app, struct ts_ctx *ctx, struct ts_tcb *tcb)
{
	struct dp_gw_worker *g = app;
	struct dp_gw_conn *c;
	void *hs = NULL;

	RTE_SET_USED(ctx);
	if (g->draining) {
		dp_gw_count(g, DP_GW_STAT_REFUSED_DRAIN, 1);
		return -1;
	}
	if (__atomic_fetch_add(&dp_gw.conns, 1, __ATOMIC_RELAXED) >=
			dp.conf.gw_max_conns) {
		__atomic_fetch_sub(&dp_gw.conns, 1, __ATOMIC_RELAXED);
		dp_gw_count(g, DP_GW_STAT_REFUSED_LIMIT, 1);
		return -1;
	}
	if (dp_gw_ip_acquire(tcb->rip) != 0) {
		__atomic_fetch_sub(&dp_gw.conns, 1, __ATOMIC_RELAXED);
		dp_gw_count(g, DP_GW_STAT_REFUSED_IP, 1);
		return -1;
	}
	if (rte_mempool_get(g->hs_pool, &hs) != 0)
		hs = NULL;
	if (hs == NULL || (c = dp_gw_conn_new(g)) == NULL) {
		if (hs != NULL)
			rte_mempool_put(g->hs_pool, hs);
		__atomic_fetch_sub(&dp_gw.conns, 1, __ATOMIC_RELAXED);
		dp_gw_ip_release(tcb->rip);
		dp_gw_count(g, DP_GW_STAT_REFUSED_HS, 1);
		return -1;
	}
	c->u.hs = hs;
	ws_hs_server_init(&c->u.hs->hs, &g->hs_conf, c->u.hs->buf,
			sizeof(c->u.hs->buf));
	c->u.hs->chan = 0;
	c->tcb = tcb;
	c->state = DP_GW_HANDSHAKE;
	c->t_ms = g->now_ms;
	dp_gw_count(g, DP_GW_STAT_HANDSHAKING, 1);
	dp_gw_count(g, DP_GW_STAT_ACCEPTED, 1);
	ts_tcb_set_user(tcb, c);
	return 0;
}

static int dp_gw_holds_input(struct dp_gw_worker *g, struct dp_gw_conn *c)
{
	/* Echo and proxy push back on a sender whose output waits; pub/sub
	 * on publishers while a worker's fan-out is behind. */
	switch (dp_gw_route(c)->action) {
	case DP_ACT_PUBSUB:
		return dp_gw_pub_hold(g, c);
	case DP_ACT_ECHO:
		return c->outq != NULL;
	case DP_ACT_PROXY:
		return (c->flags & DP_GW_CF_PAIRED) &&
			((struct dp_gw_conn *)(void *)c->sub.prev)->outq != NULL;
	default:
		return 0;
	}
}

static void dp_gw_recv(void *app, struct ts_ctx *ctx, struct ts_tcb *tcb,
		struct rte_mbuf *m)
{
	struct dp_gw_worker *g = app;
	struct dp_gw_conn *c = ts_tcb_user(tcb);
	uint32_t len = m->pkt_len;

	if (c == NULL) {
		rte_pktmbuf_free(m);
		ts_tcp_recved(ctx, tcb, len);
		return;
	}
	if (c->flags & DP_GW_CF_UPSTREAM) {
		dp_gw_proxy_recv(g, c, m);
		return;
	}
	/* Activity counts for the idle timeout only; other deadlines hold. */
	if (c->state == DP_GW_OPEN) {
		c->t_ms = g->now_ms;
		c->flags &= (uint8_t)~DP_GW_CF_PING;
	}
	for (struct rte_mbuf *s = m; s != NULL; s = s->next) {
		dp_gw_input(g, c, rte_pktmbuf_mtod(s, uint8_t *), s->data_len);
		if (ts_tcb_user(tcb) != c)
			break;             /* aborted and freed */
	}
	rte_pktmbuf_free(m);
	if (ts_tcb_user(tcb) != c)
		return;
	if (dp_gw_holds_input(g, c)) {
		c->held += len;
		c->flags |= DP_GW_CF_HELD;
	} else {
		ts_tcp_recved(ctx, tcb, len);
	}
}

void dp_gw_writable(struct dp_gw_worker *g, struct dp_gw_conn *c)
{
	dp_gw_outq_flush(g, c);
	if (c->outq != NULL)
		return;
	/* A proxy leg's hold is on the other leg's queue (below); pub/sub's
	 * on the fan-out, released by dp_gw_pubsub_poll. */
	if ((c->flags & DP_GW_CF_HELD) && c->tcb != NULL &&
			!(c->flags & DP_GW_CF_PAIRED) &&
			dp_gw_route(c)->action != DP_ACT_PUBSUB) {
		c->flags &= (uint8_t)~DP_GW_CF_HELD;
		ts_tcp_recved(g->ts, c->tcb, c->held);
		c->held = 0;
	}
	dp_gw_proxy_writable(g, c);
	if (c->flags & DP_GW_CF_FIN)
		dp_gw_fin_when_sent(g, c);
}

static void dp_gw_tcp_writable(void *app, struct ts_ctx *ctx,
		struct ts_tcb *tcb)
{
	struct dp_gw_conn *c = ts_tcb_user(tcb);

	RTE_SET_USED(ctx);
	if (c != NULL)
		dp_gw_writable(app, c);
}

static void dp_gw_peer_closed(void *app, struct ts_ctx *ctx,
		struct ts_tcb *tcb)
{
	struct dp_gw_worker *g = app;
	struct dp_gw_conn *c = ts_tcb_user(tcb);

	RTE_SET_USED(ctx);
	if (c == NULL) {
		ts_tcp_shutdown(ctx, tcb);
		return;
	}
	if (c->flags & DP_GW_CF_UPSTREAM) {
		dp_gw_proxy_peer_closed(g, c);
		return;
	}
	if (c->state == DP_GW_OPEN) {
		/* FIN without a close frame: 1006 for us, nothing to send. */
		dp_gw_count(g, DP_GW_STAT_PEER_GONE, 1);
		if (c->flags & DP_GW_CF_PAIRED)
			dp_gw_proxy_lost(g, c);
		c->state = DP_GW_CLOSING;
		c->t_ms = g->now_ms;
	}
	dp_gw_peer_fin(g, c);
}

static void dp_gw_closed(void *app, struct ts_ctx *ctx, struct ts_tcb *tcb,
		int why)
{
	struct dp_gw_worker *g = app;
	struct dp_gw_conn *c = ts_tcb_user(tcb);

	RTE_SET_USED(ctx);
	if (c == NULL)
		return;
	if (why != TS_TCP_END_OK && c->state == DP_GW_OPEN)
		dp_gw_count(g, DP_GW_STAT_PEER_GONE, 1);
	c->tcb = NULL;
	dp_gw_conn_free(g, c, tcb->rip);
}

const struct ts_tcp_ops dp_gw_tcp_ops = {
	.accepted = dp_gw_accepted,
	.connected = dp_gw_proxy_connected,
	.recv = dp_gw_recv,
	.writable = dp_gw_tcp_writable,
	.peer_closed = dp_gw_peer_closed,
	.closed = dp_gw_closed,
};

/* ---- time ---- */

/* Deadlines of one connection; the sweep calls it about once a second. */
static void dp_gw_check(struct dp_gw_worker *g, struct dp_gw_conn *c)
{
	uint32_t age = g->now_ms - c->t_ms;
	uint32_t idle;

	switch (c->state) {
	case DP_GW_HANDSHAKE:
		if (age >= dp.conf.gw_handshake_ms) {
			dp_gw_count(g, DP_GW_STAT_HS_TIMEOUT, 1);
			dp_gw_abort(g, c);
		}
		return;
	case DP_GW_UPSTREAM:
	case DP_GW_UP_CONNECTING:
		if (age >= dp.conf.gw_handshake_ms)
			dp_gw_proxy_timeout(g, c);
		return;
	case DP_GW_HTTP_DONE:
	case DP_GW_CLOSING:
		if (age >= dp.conf.gw_close_ms) {
			dp_gw_count(g, DP_GW_STAT_CLOSE_TIMEOUT, 1);
			dp_gw_abort(g, c);
		}
		return;
	case DP_GW_OPEN:
		idle = dp_gw_route(c)->idle_timeout_ms;
		if (idle == 0 || (c->flags & DP_GW_CF_UPSTREAM) || age < idle)
			return;
		/* Silent because pub/sub backpressure closed its window:
		 * not idle. */
		if ((c->flags & DP_GW_CF_HELD) &&
				dp_gw_route(c)->action == DP_ACT_PUBSUB) {
			c->t_ms = g->now_ms;
			return;
		}
		if (!(c->flags & DP_GW_CF_PING)) {
			c->flags |= DP_GW_CF_PING;
			c->t_ms = g->now_ms;
			dp_gw_count(g, DP_GW_STAT_PINGS, 1);
			(void)ws_conn_ping(&g->ws[c->route], &c->u.ws, "hb", 2);
			return;
		}
		dp_gw_count(g, DP_GW_STAT_IDLE_CLOSED, 1);
		dp_gw_abort(g, c);
		return;
	default:
		return;
	}
}

static void dp_gw_sweep(struct dp_gw_worker *g)
{
	for (uint32_t i = 0; i < g->sweep_n; i++) {
		struct dp_gw_conn *c = &g->conns[g->sweep];

		if (++g->sweep == g->n_conns)
			g->sweep = 0;
		if (c->state != DP_GW_FREE)
			dp_gw_check(g, c);
	}
}

static uint32_t dp_gw_ms(uint64_t tsc)
{
	return (uint32_t)((tsc - dp.start_tsc) / (rte_get_tsc_hz() / 1000));
}

static void dp_gw_timers(struct dp_worker *w, uint64_t tsc)
{
	struct dp_gw_worker *g = dp_gw_of(w);

	g->now_ms = dp_gw_ms(tsc);
	dp_gw_sweep(g);
}

static int dp_gw_poll(struct dp_worker *w, uint64_t tsc)
{
	RTE_SET_USED(tsc);
	return dp_gw_pubsub_poll(dp_gw_of(w)) != 0;
}

/* ---- shutdown ---- */

/* SIGTERM: refuse new connections, close 1001 the open ones, then wait. */
static void dp_gw_drain_start(struct dp_gw_worker *g)
{
	g->draining = 1;
	for (uint32_t i = 0; i < g->n_conns; i++) {
		struct dp_gw_conn *c = &g->conns[i];

		switch (c->state) {
		case DP_GW_OPEN:
			if (c->flags & DP_GW_CF_UPSTREAM)
				break;
			dp_gw_count(g, DP_GW_STAT_SHUTDOWN_CLOSES, 1);
			dp_gw_close(g, c, WS_CLOSE_GOING_AWAY, "shutting down");
			break;
		case DP_GW_HANDSHAKE:
		case DP_GW_UPSTREAM:
			dp_gw_abort(g, c);
			break;
		default:
			break;
		}
	}
}

/* Past most of the bound: FIN whatever has not finished its handshake. */
static void dp_gw_drain_fin(struct dp_gw_worker *g)
{
	for (uint32_t i = 0; i < g->n_conns; i++) {
		struct dp_gw_conn *c = &g->conns[i];

		if (c->state != DP_GW_FREE && c->tcb != NULL)
			ts_tcp_shutdown(g->ts, c->tcb);
	}
}

static int dp_gw_drain(struct dp_worker *w, uint64_t tsc)
{
	struct dp_gw_worker *g = dp_gw_of(w);

	g->now_ms = dp_gw_ms(tsc);
	if (!g->draining) {
		g->drain_start_ms = g->now_ms;
		dp_gw_drain_start(g);
	}
	if (g->draining == 1 && g->now_ms - g->drain_start_ms >=
			dp.conf.gw_shutdown_ms * 3 / 4) {
		g->draining = 2;
		dp_gw_drain_fin(g);
	}
	dp_gw_pubsub_poll(g);
	dp_gw_sweep(g);
	return g->used == 0;
}

/* ---- set-up ---- */

static int dp_gw_shared_init(void)
{
	static const struct rte_mbuf_dynfield meta_field = {
		.name = "wsgw_gw_meta",
		.size = sizeof(union dp_gw_mbuf_meta),
		.align = __alignof__(union dp_gw_mbuf_meta),
	};

	if (dp_gw.ip_keys != NULL)
		return 0;
	dp_gw.meta_off = rte_mbuf_dynfield_register(&meta_field);
	if (dp_gw.meta_off < 0)
		return -ENOMEM;
	/* Channel ids are keyed: clients name channels, and must not be able
	 * to pick a name whose id is another channel's. */
	if (getrandom(&dp_gw.chan_key, sizeof(dp_gw.chan_key), 0) !=
			(ssize_t)sizeof(dp_gw.chan_key)) {
		dp_gw.chan_key.k0 = rte_rdtsc() ^ rte_rand();
		dp_gw.chan_key.k1 = rte_rand();
	}
	dp_gw.ip_mask = DP_GW_IP_SLOTS - 1;
	dp_gw.ip_keys = rte_zmalloc("wsgw_gw_ip_keys",
			DP_GW_IP_SLOTS * sizeof(uint32_t), RTE_CACHE_LINE_SIZE);
	dp_gw.ip_counts = rte_zmalloc("wsgw_gw_ip_counts",
			DP_GW_IP_SLOTS * sizeof(uint32_t), RTE_CACHE_LINE_SIZE);
	if (dp_gw.ip_keys == NULL || dp_gw.ip_counts == NULL)
		return -ENOMEM;
	return 0;
}

static int dp_gw_pools(struct dp_gw_worker *g, int socket)
{
	char name[RTE_MEMPOOL_NAMESIZE];

	snprintf(name, sizeof(name), "wsgw_hs_%u", g->w->id);
	g->hs_pool = rte_mempool_create(name, dp.conf.gw_max_handshakes,
			sizeof(struct dp_gw_hs), 0, 0, NULL, NULL, NULL, NULL,
			socket, RTE_MEMPOOL_F_SP_PUT | RTE_MEMPOOL_F_SC_GET);
	if (g->hs_pool == NULL)
		return -ENOMEM;
	g->n_conns = RTE_MIN(dp.conf.ts.tcp.max_conns, dp.conf.gw_max_conns);
	g->conns = rte_zmalloc_socket("wsgw_gw_conns",
			(size_t)g->n_conns * sizeof(struct dp_gw_conn),
			RTE_CACHE_LINE_SIZE, socket);
	if (g->conns == NULL)
		return -ENOMEM;
	for (uint32_t i = g->n_conns; i > 0; i--) {
		g->conns[i - 1].u.next_free = g->free_list;
		g->free_list = &g->conns[i - 1];
	}
	/* A full sweep of the slab about once a second. */
	g->sweep_n = RTE_MAX((uint32_t)DP_GW_SWEEP_MIN,
			(uint32_t)((uint64_t)g->n_conns * dp.conf.drain_us /
				1000000));
	return 0;
}

static void dp_gw_hooks(struct dp_gw_worker *g)
{
	g->hs_conf.on_upgrade = dp_gw_on_upgrade;
	g->hs_conf.origin_allowed = dp_gw_origin_ok;
	g->hs_conf.select_protocol = dp_gw_proto_ok;
	g->hs_conf.on_http = dp_gw_on_http;
	g->hs_conf.arg = g;
}

static int dp_gw_worker_init(struct dp_main *d, struct dp_worker *w)
{
	int socket = (int)rte_lcore_to_socket_id(w->lcore_id);
	struct dp_gw_worker *g;
	uint64_t seed = rte_rdtsc() ^ ((uint64_t)w->id << 48);
	int rc;

	rc = dp_gw_shared_init();
	if (rc != 0) {
		fprintf(stderr, "wsgw: gateway set-up: %s\n",
				rte_strerror(rte_errno));
		return rc;
	}
	g = rte_zmalloc_socket("wsgw_gw", sizeof(*g), RTE_CACHE_LINE_SIZE,
			socket);
	if (g == NULL)
		return -ENOMEM;
	w->app = g;
	g->w = w;
	g->ts = &w->ts;
	g->pool = w->ts.pool;
	dp_gw_hooks(g);
	for (unsigned int i = 0; i < d->conf.n_routes; i++)
		if (ws_ctx_init(&g->ws[i], &dp_gw_ws_ops,
				d->conf.routes[i].max_message, seed + i) != 0)
			return -EINVAL;
	if (ws_ctx_init(&g->ws_hs, &dp_gw_ws_ops, 0, seed) != 0 ||
			ws_ctx_init(&g->ws_up, &dp_gw_up_ops, 0, seed ^ 0x9e37) != 0)
		return -EINVAL;
	rc = dp_gw_pools(g, socket);
	if (rc == 0)
		rc = dp_gw_pubsub_init(g, socket);
	if (rc != 0) {
		fprintf(stderr, "wsgw: worker %u: gateway memory: %s (give EAL "
				"more with -m, or lower gateway.max_handshakes, "
				"gateway.fanout_mbufs, tcp.max_conns)\n", w->id,
				rte_strerror(rte_errno));
		return rc;
	}
	for (uint8_t p = 0; p < d->n_ports; p++)
		for (unsigned int i = 0; i < d->conf.n_listen; i++)
			if (ts_tcp_listen(&w->ts, p, d->conf.listen[i],
					&dp_gw_tcp_ops, g) != 0) {
				fprintf(stderr, "wsgw: cannot listen on port %u "
						"(in use by a built-in service?)\n",
						d->conf.listen[i]);
				return -EINVAL;
			}
	return 0;
}

static void dp_gw_worker_start(struct dp_worker *w, uint64_t tsc)
{
	struct dp_gw_worker *g = dp_gw_of(w);

	RTE_PER_LCORE(dp_gw_self) = g;
	g->now_ms = dp_gw_ms(tsc);
}

static void dp_gw_worker_free(struct dp_worker *w)
{
	struct dp_gw_worker *g = dp_gw_of(w);

	if (g == NULL)
		return;
	/* The stack frees its connections after this; nothing calls back,
	 * and no leg tells the other (nothing is sent any more). */
	for (uint32_t i = 0; g->conns != NULL && i < g->n_conns; i++)
		g->conns[i].flags &= (uint8_t)~DP_GW_CF_PAIRED;
	for (uint32_t i = 0; g->conns != NULL && i < g->n_conns; i++) {
		struct dp_gw_conn *c = &g->conns[i];

		if (c->state == DP_GW_FREE)
			continue;
		if (c->tcb != NULL)
			ts_tcb_set_user(c->tcb, NULL);
		c->tcb = NULL;
		dp_gw_conn_free(g, c, 0);
	}
	dp_gw_pubsub_free(g);
	rte_mempool_free(g->hs_pool);
	rte_free(g->conns);
	rte_free(g);
	w->app = NULL;
}

/* ---- statistics ---- */

#define DP_GW_STAT_DESC_(id, nm, d, gg) { .name = nm, .desc = d, .gauge = gg },
static const struct dp_app_stat dp_gw_stat_descs[] = {
	DP_GW_STATS(DP_GW_STAT_DESC_)
#define DP_GW_WS_DESC_(id, nm, d, code) { .name = "ws_" nm, .desc = d, .gauge = 0 },
	WS_STATS_COUNTERS(DP_GW_WS_DESC_)
	WS_STATS_ERRORS(DP_GW_WS_DESC_)
#undef DP_GW_WS_DESC_
};
#undef DP_GW_STAT_DESC_

#define DP_GW_N_STATS (sizeof(dp_gw_stat_descs) / sizeof(dp_gw_stat_descs[0]))

static uint64_t dp_gw_stat(const struct dp_worker *w, unsigned int id)
{
	const struct dp_gw_worker *g = w->app;
	const volatile uint64_t *v;
	uint64_t sum;

	if (g == NULL || g->clone_pool == NULL || g->hs_pool == NULL)
		return 0;
	/* Read off the pools (their caches count as free). */
	if (id == DP_GW_STAT_FAN_IN_USE)
		return g->clone_pool->size - rte_mempool_avail_count(g->clone_pool);
	if (id == DP_GW_STAT_HS_IN_USE)
		return g->hs_pool->size - rte_mempool_avail_count(g->hs_pool);
	if (id == DP_GW_STAT_FAN_WAITING)    /* read while the worker writes */
		return dp_gw_fan_waiting(g);
	if (id < DP_GW_STAT__COUNT) {
		v = &g->stats[id];
		return *v;
	}
	id -= DP_GW_STAT__COUNT;
	v = &g->ws_hs.stats.v[id];
	sum = *v;
	v = &g->ws_up.stats.v[id];
	sum += *v;
	for (unsigned int r = 0; r < dp.conf.n_routes; r++) {
		v = &g->ws[r].stats.v[id];
		sum += *v;
	}
	return sum;
}

static void dp_gw_routes_cmd(FILE *out)
{
	fprintf(out, "# route host path match action policy");
#define DP_GW_RSTAT_HDR_(id, nm) fprintf(out, " %s", nm);
	DP_GW_RSTATS(DP_GW_RSTAT_HDR_)
#undef DP_GW_RSTAT_HDR_
	fprintf(out, "\n");
	for (unsigned int i = 0; i < dp.conf.n_routes; i++) {
		const struct dp_route_conf *r = &dp.conf.routes[i];
		char action[DP_ROUTE_STR + 16];

		dp_route_action_text(r, action, sizeof(action));
		fprintf(out, "route%u %s %s%s %s %s %s", i,
				r->host[0] ? r->host : "*", r->path,
				r->prefix == 2 ? "{channel}" : "",
				r->prefix ? "prefix" : "exact", action,
				r->action == DP_ACT_PUBSUB ?
				dp_route_policy_name(r->policy) : "-");
		for (unsigned int k = 0; k < DP_GW_RSTAT__COUNT; k++) {
			uint64_t sum = 0;

			for (uint16_t w = 0; w < dp.n_workers; w++) {
				const struct dp_gw_worker *g = dp.workers[w].app;
				const volatile uint64_t *v;

				if (g == NULL)
					continue;
				v = &g->rstats[i][k];
				sum += *v;
			}
			fprintf(out, " %" PRIu64, sum);
		}
		fprintf(out, "\n");
	}
}

/* Connections by state, over the workers (control thread, racy reads). */
static void dp_gw_conns_cmd(FILE *out)
{
	static const char *const names[] = {
		[DP_GW_HANDSHAKE] = "handshake", [DP_GW_UPSTREAM] = "upstream_wait",
		[DP_GW_HTTP_DONE] = "http_done", [DP_GW_OPEN] = "open",
		[DP_GW_CLOSING] = "closing", [DP_GW_UP_CONNECTING] = "up_connecting",
		[DP_GW_UP_OPEN] = "up_open",
	};
	uint64_t n[RTE_DIM(names)] = { 0 };

	for (uint16_t w = 0; w < dp.n_workers; w++) {
		const struct dp_gw_worker *g = dp.workers[w].app;

		for (uint32_t i = 0; g != NULL && i < g->n_conns; i++) {
			uint8_t st = *(const volatile uint8_t *)&g->conns[i].state;

			if (st != DP_GW_FREE && st < RTE_DIM(names))
				n[st]++;
		}
	}
	for (unsigned int i = 1; i < RTE_DIM(names); i++)
		fprintf(out, "conns_%s %" PRIu64 "\n", names[i], n[i]);
}

static int dp_gw_cmd(struct dp_main *d, const char *line, FILE *out)
{
	RTE_SET_USED(d);
	if (strcmp(line, "conns") == 0) {
		dp_gw_conns_cmd(out);
		return 0;
	}
	if (strcmp(line, "routes") == 0) {
		dp_gw_routes_cmd(out);
		return 0;
	}
	if (strcmp(line, "channels") == 0) {
		dp_gw_channels_cmd(out);
		return 0;
	}
	if (strcmp(line, "memory") == 0) {
		size_t tcp = dp.n_workers ? ts_tcp_conn_bytes(&dp.workers[0].ts) : 0;

		fprintf(out, "tcp_conn_bytes %zu\ngw_conn_bytes %zu\n"
				"ws_conn_bytes_total %zu\nhandshake_bytes %zu\n",
				tcp, sizeof(struct dp_gw_conn),
				tcp + sizeof(struct dp_gw_conn),
				sizeof(struct dp_gw_hs));
		return 0;
	}
	return -1;
}

struct dp_app dp_gw_app = {
	.name = "wsgw",
	.worker_init = dp_gw_worker_init,
	.worker_start = dp_gw_worker_start,
	.poll = dp_gw_poll,
	.timers = dp_gw_timers,
	.drain = dp_gw_drain,
	.worker_free = dp_gw_worker_free,
	.n_stats = DP_GW_N_STATS,
	.stats = dp_gw_stat_descs,
	.stat = dp_gw_stat,
	.cmd = dp_gw_cmd,
	.cmd_names = "routes, channels, conns, memory",
};

_Static_assert(sizeof(struct dp_gw_conn) <= 256,
		"a gateway connection and its TCP block stay within 512 bytes");
