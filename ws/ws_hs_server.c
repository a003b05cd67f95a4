/**
 * @file
 * Server side of the opening handshake (RFC 6455 section 4.2): checks the
 * parsed request in the RFC's order, runs the hooks (path, Origin,
 * subprotocol, plain HTTP) and writes the 101, the hook's answer or a
 * refusal (status, short reason, Connection: close).
 *
 * ws_hs_respond() -> ws_hs_decide() -> ws_hs_check_upgrade()
 *   -> ws_hs_write_101() | ws_hs_write_reply().
 */
#include <string.h>

#include <openssl/evp.h>

#include "ws_hs_priv.h"

void ws_hs_server_init(struct ws_hs *hs, const struct ws_hs_conf *conf,
		uint8_t *buf, size_t cap)
{
	ws_hs_init(hs, WS_ROLE_SERVER, buf, cap,
			conf != NULL && conf->max_request_line ?
			conf->max_request_line : WS_HS_DEFAULT_LINE,
			conf != NULL && conf->max_fields ?
			conf->max_fields : WS_HS_DEFAULT_FIELDS);
	hs->conf = conf;
}

static const char *ws_http_reason(uint16_t status)
{
	switch (status) {
	case 101: return "Switching Protocols";
	case 200: return "OK";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 414: return "URI Too Long";
	case 426: return "Upgrade Required";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

static void ws_hs_request_view(const struct ws_hs *hs,
		struct ws_http_request *req)
{
	const char *t = ws_hs_str(hs, hs->target);
	const char *q = memchr(t, '?', hs->target_len);

	req->method = ws_hs_str(hs, hs->method);
	req->method_len = hs->method_len;
	req->path = t;
	req->path_len = q != NULL ? (size_t)(q - t) : hs->target_len;
	req->query = q != NULL ? q + 1 : NULL;
	req->query_len = q != NULL ? hs->target_len - req->path_len - 1 : 0;
	req->hs = hs;
}

static bool ws_key_valid(const char *k, size_t len)
{
	unsigned char out[18];

	if (len != 24 || k[22] != '=' || k[23] != '=')
		return false;
	for (size_t i = 0; i < 22; i++) {
		char c = k[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
					(c >= '0' && c <= '9') || c == '+' || c == '/'))
			return false;
	}
	/* 24 characters with "==" decode to 16 bytes (18 with the padding). */
	return EVP_DecodeBlock(out, (const unsigned char *)k, 24) == 18;
}

static int ws_hs_offer_cb(void *arg, const char *name, size_t len,
		const struct ws_pmd_offer *pmd)
{
	struct ws_hs *hs = arg;

	(void)name;
	(void)len;
	hs->n_ext_offers++;
	if (pmd != NULL && !hs->pmd_offered) {
		hs->pmd = *pmd;
		hs->pmd_offered = 1;
	}
	return 0;
}

/* Offers are parsed and recorded, and declined: the 101 names none. */
static int ws_hs_extensions(struct ws_hs *hs)
{
	const char *v;
	size_t len;

	for (unsigned int i = 0;
			(v = ws_hs_field(hs, "Sec-WebSocket-Extensions", i, &len));
			i++)
		if (ws_ext_walk(v, len, ws_hs_offer_cb, hs) != 0)
			return -1;
	return 0;
}

/* Refusal status with its reason, for the checks below. */
static uint16_t ws_hs_no(struct ws_hs *hs, uint16_t status, const char *why)
{
	hs->why = why;
	return status;
}

/* Subprotocols in the client's order; the hook picks the first it likes. */
static int ws_hs_protocols(struct ws_hs *hs)
{
	const struct ws_hs_conf *conf = hs->conf;
	const char *v, *tok;
	size_t vlen, tlen;

	for (unsigned int i = 0;
			(v = ws_hs_field(hs, "Sec-WebSocket-Protocol", i, &vlen));
			i++) {
		struct ws_list l = { v, vlen, 0 };

		while (ws_list_next(&l, &tok, &tlen)) {
			if (!ws_is_token(tok, tlen))
				return -1;
			if (hs->proto_len == 0 && conf != NULL &&
					conf->select_protocol != NULL &&
					conf->select_protocol(conf->arg, tok, tlen)) {
				hs->proto = (uint16_t)((const uint8_t *)tok - hs->buf);
				hs->proto_len = (uint16_t)tlen;
			}
		}
	}
	return 0;
}

static uint16_t ws_hs_check_origin(struct ws_hs *hs)
{
	const struct ws_hs_conf *conf = hs->conf;
	const char *v;
	size_t len;

	if (conf == NULL || conf->origin_allowed == NULL)
		return 0;
	if (ws_hs_count(hs, "Origin") > 1)
		return ws_hs_no(hs, 400, "more than one Origin");
	v = ws_hs_field(hs, "Origin", 0, &len);
	if (!conf->origin_allowed(conf->arg, v, len))
		return ws_hs_no(hs, 403, "origin not allowed");
	return 0;
}

/* Section 4.2.1's requirements, in its order; 0 when all hold. */
static uint16_t ws_hs_check_upgrade(struct ws_hs *hs,
		const struct ws_http_request *req)
{
	const struct ws_hs_conf *conf = hs->conf;
	const char *v;
	size_t len;
	uint16_t st;
	int app;

	if (req->method_len != 3 || memcmp(req->method, "GET", 3) != 0)
		return ws_hs_no(hs, 405, "WebSocket upgrade needs GET");
	if (hs->http_minor < 1)
		return ws_hs_no(hs, 400, "WebSocket upgrade needs HTTP/1.1");
	if (!ws_hs_has_token(hs, "Connection", "upgrade"))
		return ws_hs_no(hs, 400, "Connection lacks Upgrade");
	if (ws_hs_count(hs, "Sec-WebSocket-Version") != 1)
		return ws_hs_no(hs, 400, "one Sec-WebSocket-Version needed");
	v = ws_hs_field(hs, "Sec-WebSocket-Version", 0, &len);
	if (len != 2 || memcmp(v, "13", 2) != 0)
		return ws_hs_no(hs, 426, "WebSocket version 13 only");
	v = ws_hs_field(hs, "Sec-WebSocket-Key", 0, &len);
	if (ws_hs_count(hs, "Sec-WebSocket-Key") != 1 || !ws_key_valid(v, len))
		return ws_hs_no(hs, 400, "bad Sec-WebSocket-Key");
	if (conf != NULL && conf->on_upgrade != NULL &&
			(app = conf->on_upgrade(conf->arg, req)) != 0)
		return ws_hs_no(hs, app >= 300 && app <= 599 ? (uint16_t)app : 403,
				"refused by the application");
	if ((st = ws_hs_check_origin(hs)) != 0)
		return st;
	if (ws_hs_extensions(hs) != 0)
		return ws_hs_no(hs, 400, "bad Sec-WebSocket-Extensions");
	if (ws_hs_protocols(hs) != 0)
		return ws_hs_no(hs, 400, "bad Sec-WebSocket-Protocol");
	if (ws_accept_key(v, len, hs->accept) != 0)
		return ws_hs_no(hs, 500, "accept computation failed");
	return 0;
}

/* The status to answer; @p plain when the on_http hook made the reply. */
static uint16_t ws_hs_decide(struct ws_hs *hs, struct ws_http_reply *reply,
		bool *plain)
{
	struct ws_http_request req;
	uint16_t st;

	hs->proto_len = 0;
	hs->n_ext_offers = 0;
	hs->pmd_offered = 0;
	ws_hs_request_view(hs, &req);
	hs->upgrade = ws_hs_has_token(hs, "Upgrade", "websocket");
	*plain = false;
	if (hs->http_minor >= 1 && ws_hs_count(hs, "Host") != 1)
		return ws_hs_no(hs, 400, "one Host header needed");
	if (!hs->upgrade) {
		if (hs->conf == NULL || hs->conf->on_http == NULL)
			return ws_hs_no(hs, 426, "WebSocket only");
		hs->conf->on_http(hs->conf->arg, &req, reply);
		*plain = true;
		if (reply->status < 200 || reply->status > 599)
			reply->status = 500;   /* never a 101 by mistake */
		return reply->status;
	}
	st = ws_hs_check_upgrade(hs, &req);
	return st != 0 ? st : 101;
}

static void ws_hs_write_101(struct ws_out *o, const struct ws_hs *hs)
{
	ws_out_str(o, "HTTP/1.1 101 Switching Protocols\r\n"
			"Upgrade: websocket\r\n"
			"Connection: Upgrade\r\n");
	ws_out_field(o, "Sec-WebSocket-Accept", hs->accept, 28);
	if (hs->proto_len != 0)
		ws_out_field(o, "Sec-WebSocket-Protocol",
				ws_hs_str(hs, hs->proto), hs->proto_len);
	ws_out_mem(o, "\r\n", 2);
}

/* A complete non-101 response; the connection closes after it. */
static void ws_hs_write_reply(struct ws_out *o, const struct ws_http_reply *r)
{
	ws_out_str(o, "HTTP/1.1 ");
	ws_out_uint(o, r->status);
	ws_out_mem(o, " ", 1);
	ws_out_str(o, r->reason != NULL ? r->reason : ws_http_reason(r->status));
	ws_out_str(o, "\r\n");
	if (r->status == 426)
		ws_out_str(o, "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n");
	if (r->status == 405)
		ws_out_str(o, "Allow: GET\r\n");
	ws_out_str(o, "Connection: close\r\nContent-Type: ");
	ws_out_str(o, r->content_type != NULL ? r->content_type : "text/plain");
	ws_out_str(o, "\r\nContent-Length: ");
	ws_out_uint(o, (unsigned int)r->body_len);
	ws_out_str(o, "\r\n\r\n");
	if (r->body_len > 0)
		ws_out_mem(o, r->body, r->body_len);
}

int ws_hs_respond(struct ws_ctx *ctx, struct ws_hs *hs, uint8_t *out,
		size_t cap, size_t *out_len)
{
	struct ws_out o = { out, cap, 0 };
	struct ws_http_reply reply = { 404, NULL, NULL, NULL, 0 };
	enum ws_stat counter = WS_STAT_HS_REFUSED;
	bool plain = false;
	uint16_t status;
	int rc;

	if (hs->role != WS_ROLE_SERVER)
		return -WS_ERR_INVAL;
	if (hs->state == WS_HS_FAILED)
		status = hs->status;
	else if (hs->state == WS_HS_DONE)
		status = ws_hs_decide(hs, &reply, &plain);
	else
		return -WS_ERR_INVAL;
	if (status == 101) {
		ws_hs_write_101(&o, hs);
		counter = WS_STAT_HS_ACCEPTED;
	} else if (plain) {
		ws_hs_write_reply(&o, &reply);
		counter = WS_STAT_HS_PLAIN;
	} else {
		struct ws_http_reply refusal = {
			status, NULL, NULL, hs->why, strlen(hs->why),
		};

		ws_hs_write_reply(&o, &refusal);
	}
	rc = ws_out_end(&o, out_len);
	if (rc != 0)
		return rc;
	hs->status = status;
	ctx->stats.v[counter]++;
	return 0;
}

const char *ws_hs_protocol(const struct ws_hs *hs, size_t *len)
{
	*len = hs->proto_len;
	return hs->proto_len != 0 ? ws_hs_str(hs, hs->proto) : NULL;
}

const struct ws_pmd_offer *ws_hs_pmd_offer(const struct ws_hs *hs)
{
	return hs->pmd_offered ? &hs->pmd : NULL;
}
