/**
 * @file
 * libFuzzer target for the handshake parser, both roles. The first byte
 * picks the role and how the input is split; the input is parsed whole
 * and in pieces, and both must reach the same outcome and status (a
 * difference aborts). A complete server head is then answered, a complete
 * client head verified.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ws.h"

#define FZ_BUF 2048

static int fz_send(void *user, const uint8_t *f, size_t len)
{
	(void)user;
	(void)f;
	(void)len;
	return 0;
}

static int fz_origin(void *arg, const char *o, size_t len)
{
	(void)arg;
	return o == NULL || len % 2 == 0;
}

static int fz_proto(void *arg, const char *p, size_t len)
{
	(void)arg;
	return len > 0 && p[0] == 'c';
}

static void fz_http(void *arg, const struct ws_http_request *req,
		struct ws_http_reply *reply)
{
	(void)arg;
	if (req->query != NULL)
		reply->status = 200;
}

static const struct ws_hs_conf fz_conf = {
	.max_request_line = 512, .max_fields = 16,
	.origin_allowed = fz_origin, .select_protocol = fz_proto,
	.on_http = fz_http,
};

static const struct ws_client_conf fz_client = {
	.host = "h", .protocols = "chat", .extensions = "x-a",
};

static void fz_init(struct ws_hs *hs, bool client, uint8_t *buf)
{
	if (client) {
		uint8_t req[512], key[16] = { 0 };
		size_t len;

		ws_hs_client_init(hs, &fz_client, buf, FZ_BUF);
		if (ws_hs_client_request(hs, key, req, sizeof(req), &len) != 0)
			abort();
	} else {
		ws_hs_server_init(hs, &fz_conf, buf, FZ_BUF);
	}
}

/* Parse in pieces of 1..step bytes; returns the outcome. */
static int fz_parse(struct ws_hs *hs, const uint8_t *p, size_t len,
		size_t step)
{
	size_t off = 0, used;
	int rc = -WS_ERR_AGAIN;

	while (off < len && rc == -WS_ERR_AGAIN) {
		size_t n = len - off < step ? len - off : step;

		rc = ws_hs_parse(hs, p + off, n, &used);
		if (used > n)
			abort();
		off += used;
	}
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf_a[FZ_BUF], buf_b[FZ_BUF], out[4096];
	struct ws_hs a, b;
	struct ws_ctx ctx;
	struct ws_ops ops = { .send = fz_send };
	bool client;
	size_t step, out_len;
	int ra, rb;

	if (size < 1)
		return 0;
	client = data[0] & 1;
	step = 1 + (data[0] >> 1);
	data++;
	size--;
	fz_init(&a, client, buf_a);
	fz_init(&b, client, buf_b);
	ra = fz_parse(&a, data, size, size + 1);
	rb = fz_parse(&b, data, size, step);
	if (ra != rb || a.status != b.status || a.n_fields != b.n_fields)
		abort();
	if (ra == -WS_ERR_AGAIN)
		return 0;
	if (client) {
		if (ra == 0 && ws_hs_client_verify(&a) == 0 && a.status != 101)
			abort();
		return 0;
	}
	if (ws_ctx_init(&ctx, &ops, 0, 1) != 0)
		abort();
	if (ws_hs_respond(&ctx, &a, out, sizeof(out), &out_len) != 0)
		abort();
	if (out_len < 12 || memcmp(out, "HTTP/1.1 ", 9) != 0)
		abort();
	if (ws_hs_upgraded(&a) && ws_hs_field(&a, "Sec-WebSocket-Key", 0,
				&out_len) == NULL)
		abort();
	return 0;
}
