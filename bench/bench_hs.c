/**
 * @file
 * Benchmarks of the opening handshake, one handshake per item:
 * the server's side (parse a browser's upgrade request, check it, write
 * the 101 with its Sec-WebSocket-Accept) and the client's (write the
 * request, parse the 101, verify it), with a memcpy of the same request
 * bytes as the baseline.
 */
#include <stdlib.h>
#include <string.h>

#include "bench_harness.h"
#include "ws.h"

/* What Chromium sends, cookies aside. */
static const char bh_request[] =
	"GET /chat HTTP/1.1\r\n"
	"Host: 198.18.0.1:8080\r\n"
	"Connection: Upgrade\r\n"
	"Pragma: no-cache\r\n"
	"Cache-Control: no-cache\r\n"
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
	"(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\r\n"
	"Upgrade: websocket\r\n"
	"Origin: http://198.18.0.1:8000\r\n"
	"Sec-WebSocket-Version: 13\r\n"
	"Accept-Encoding: gzip, deflate, br\r\n"
	"Accept-Language: en-US,en;q=0.9\r\n"
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	"Sec-WebSocket-Extensions: permessage-deflate; "
	"client_max_window_bits\r\n"
	"\r\n";

struct bh_state {
	struct ws_ctx ctx;
	struct ws_ops ops;
	struct ws_hs hs;
	struct ws_client_conf client;
	uint8_t head[4096];
	uint8_t out[1024];
	uint8_t resp[1024];
	size_t resp_len;
};

static uint64_t bh_one(int64_t arg)
{
	(void)arg;
	return 1;
}

static uint64_t bh_request_bytes(int64_t arg)
{
	(void)arg;
	return sizeof(bh_request) - 1;
}

static int bh_send(void *user, const uint8_t *f, size_t len)
{
	(void)user;
	(void)f;
	(void)len;
	return 0;
}

static void *bh_setup(int64_t arg)
{
	struct bh_state *s = calloc(1, sizeof(*s));

	(void)arg;
	if (s == NULL)
		return NULL;
	s->ops.send = bh_send;
	if (ws_ctx_init(&s->ctx, &s->ops, 0, 1) != 0) {
		free(s);
		return NULL;
	}
	s->client.host = "198.18.0.1:8080";
	s->client.path = "/chat";
	return s;
}

static void bh_teardown(void *p)
{
	free(p);
}

/* One server handshake into @p s->out; 0 when it is a 101. */
static int bh_server_once(struct bh_state *s, size_t *out_len)
{
	size_t used;

	ws_hs_server_init(&s->hs, NULL, s->head, sizeof(s->head));
	if (ws_hs_parse(&s->hs, (const uint8_t *)bh_request,
				sizeof(bh_request) - 1, &used) != 0 ||
			ws_hs_respond(&s->ctx, &s->hs, s->out, sizeof(s->out),
				out_len) != 0 || !ws_hs_upgraded(&s->hs))
		return -1;
	return 0;
}

static void *bh_setup_server(int64_t arg)
{
	struct bh_state *s = bh_setup(arg);
	size_t len;

	if (s != NULL && bh_server_once(s, &len) != 0) {
		bh_teardown(s);
		return NULL;
	}
	return s;
}

static void bh_run_server(void *p, uint64_t n)
{
	struct bh_state *s = p;

	for (uint64_t i = 0; i < n; i++) {
		size_t len = 0;

		if (bh_server_once(s, &len) != 0)
			abort();
		bench_do_not_optimize(s->out);
	}
}

static struct bench_case bh_server_case = {
	.name = "ws_hs/server", .args = { 0 }, .n_args = 1,
	.items_per_iter = bh_one, .bytes_per_iter = bh_request_bytes,
	.setup = bh_setup_server, .run = bh_run_server,
	.teardown = bh_teardown, .batch = 16,
};
BENCH_REGISTER(bh_server_case)

/* The baseline: only the copy of the request into the head buffer. */
static void bh_run_memcpy(void *p, uint64_t n)
{
	struct bh_state *s = p;

	for (uint64_t i = 0; i < n; i++) {
		memcpy(s->head, bh_request, sizeof(bh_request) - 1);
		bench_do_not_optimize(s->head);
	}
}

static struct bench_case bh_memcpy_case = {
	.name = "ws_hs/memcpy", .args = { 0 }, .n_args = 1,
	.items_per_iter = bh_one, .bytes_per_iter = bh_request_bytes,
	.setup = bh_setup, .run = bh_run_memcpy, .teardown = bh_teardown,
	.batch = 16,
};
BENCH_REGISTER(bh_memcpy_case)

/* Client: request with a fixed key, then the server's 101 verified. */
static int bh_client_once(struct bh_state *s)
{
	static const uint8_t key[16] = "the sample nonce";
	size_t len, used;

	ws_hs_client_init(&s->hs, &s->client, s->head, sizeof(s->head));
	if (ws_hs_client_request(&s->hs, key, s->out, sizeof(s->out),
				&len) != 0 ||
			ws_hs_parse(&s->hs, s->resp, s->resp_len, &used) != 0)
		return -1;
	return ws_hs_client_verify(&s->hs);
}

static void *bh_setup_client(int64_t arg)
{
	struct bh_state *s = bh_setup(arg);

	if (s == NULL)
		return NULL;
	/* The 101 for bh_request, whose key is the one bh_client_once uses. */
	if (bh_server_once(s, &s->resp_len) != 0 ||
			s->resp_len > sizeof(s->resp)) {
		bh_teardown(s);
		return NULL;
	}
	memcpy(s->resp, s->out, s->resp_len);
	if (bh_client_once(s) != 0) {
		bh_teardown(s);
		return NULL;
	}
	return s;
}

static void bh_run_client(void *p, uint64_t n)
{
	struct bh_state *s = p;

	for (uint64_t i = 0; i < n; i++) {
		if (bh_client_once(s) != 0)
			abort();
		bench_do_not_optimize(s->out);
	}
}

static struct bench_case bh_client_case = {
	.name = "ws_hs/client", .args = { 0 }, .n_args = 1,
	.items_per_iter = bh_one, .setup = bh_setup_client,
	.run = bh_run_client, .teardown = bh_teardown, .batch = 16,
};
BENCH_REGISTER(bh_client_case)
