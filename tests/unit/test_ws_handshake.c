/**
 * @file
 * Opening handshake (RFC 6455 section 4): requests fed whole, one byte at
 * a time and at random splits must give the same answer; the RFC's
 * example key; every refusal status; the hooks (path and query, Origin,
 * subprotocol, plain HTTP); extension offers parsed and declined; the
 * client's request and its checks on the server's response.
 */
#include <stdio.h>

#include "test_ws_common.c"

#define HS_BUF 4096

static const char hs_ok_req[] =
	"GET /chat?room=1&x=y HTTP/1.1\r\n"
	"Host: server.example.com\r\n"
	"Upgrade: websocket\r\n"
	"Connection: Upgrade\r\n"
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	"Origin: http://example.com\r\n"
	"Sec-WebSocket-Protocol: chat, superchat\r\n"
	"Sec-WebSocket-Version: 13\r\n"
	"\r\n";

struct hs_hooks {
	char path[64];
	char query[64];
	int upgrade_status;
	unsigned int n_http;
};

static int hs_on_upgrade(void *arg, const struct ws_http_request *req)
{
	struct hs_hooks *h = arg;

	snprintf(h->path, sizeof(h->path), "%.*s", (int)req->path_len, req->path);
	snprintf(h->query, sizeof(h->query), "%.*s", (int)req->query_len,
			req->query != NULL ? req->query : "");
	return h->upgrade_status;
}

static int hs_origin(void *arg, const char *origin, size_t len)
{
	(void)arg;
	return origin != NULL && len == 18 && memcmp(origin, "http://example.com", 18) == 0;
}

static int hs_pick_superchat(void *arg, const char *p, size_t len)
{
	(void)arg;
	return len == 9 && memcmp(p, "superchat", 9) == 0;
}

static void hs_on_http(void *arg, const struct ws_http_request *req,
		struct ws_http_reply *reply)
{
	struct hs_hooks *h = arg;

	h->n_http++;
	if (req->path_len == 8 && memcmp(req->path, "/healthz", 8) == 0) {
		reply->status = 200;
		reply->body = "ok\n";
		reply->body_len = 3;
	}
}

static struct hs_hooks hs_hooks;
static const struct ws_hs_conf hs_conf = {
	.max_request_line = 256,
	.max_fields = 12,
	.on_upgrade = hs_on_upgrade,
	.origin_allowed = hs_origin,
	.select_protocol = hs_pick_superchat,
	.on_http = hs_on_http,
	.arg = &hs_hooks,
};

static int hs_send(void *user, const uint8_t *f, size_t len)
{
	(void)user;
	(void)f;
	(void)len;
	return 0;
}

static const struct ws_ops hs_ops = { .send = hs_send, .on_chunk = NULL };

/* Parse @p req (split as asked) and respond; the response is in @p out. */
static int hs_run(struct ws_hs *hs, const char *req, size_t len,
		enum test_split how, char *out, size_t *out_len)
{
	static uint8_t buf[HS_BUF];
	struct ws_ctx ctx;
	size_t off = 0, used;
	int rc = -WS_ERR_AGAIN;

	assert_int_equal(ws_ctx_init(&ctx, &hs_ops, 0, 1), 0);
	ws_hs_server_init(hs, &hs_conf, buf, sizeof(buf));
	while (off < len && rc == -WS_ERR_AGAIN) {
		size_t n = test_piece(how, len - off);

		rc = ws_hs_parse(hs, (const uint8_t *)req + off, n, &used);
		assert_true(used <= n);
		if (rc == -WS_ERR_AGAIN)
			assert_int_equal(used, n);
		off += used;
	}
	if (rc == -WS_ERR_AGAIN)
		return rc;
	assert_int_equal(ws_hs_respond(&ctx, hs, (uint8_t *)out, HS_BUF,
				out_len), 0);
	out[*out_len] = '\0';
	return rc;
}

/*
 * RFC 6455 section 1.3. (The issue quoted "...kYGzHzo+xOo4pw=", which is
 * not what SHA-1 gives; the RFC's value is the one below.)
 */
static void test_hs_rfc_key(void **state)
{
	char acc[29];

	(void)state;
	assert_int_equal(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", 24, acc), 0);
	assert_string_equal(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

static void test_hs_accept(void **state)
{
	static const char want[] =
		"HTTP/1.1 101 Switching Protocols\r\n"
		"Upgrade: websocket\r\n"
		"Connection: Upgrade\r\n"
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
		"Sec-WebSocket-Protocol: superchat\r\n"
		"\r\n";
	static char out[HS_BUF + 1];
	struct ws_hs hs;
	size_t len, plen;
	const char *p;

	(void)state;
	test_seed(0x5eed0301);
	for (int how = 0; how < TEST_SPLIT__COUNT; how++) {
		memset(&hs_hooks, 0, sizeof(hs_hooks));
		assert_int_equal(hs_run(&hs, hs_ok_req, sizeof(hs_ok_req) - 1,
					(enum test_split)how, out, &len), 0);
		assert_string_equal(out, want);
		assert_true(ws_hs_upgraded(&hs));
		assert_string_equal(hs_hooks.path, "/chat");
		assert_string_equal(hs_hooks.query, "room=1&x=y");
		p = ws_hs_protocol(&hs, &plen);
		assert_int_equal(plen, 9);
		assert_memory_equal(p, "superchat", 9);
		assert_null(ws_hs_pmd_offer(&hs));
	}
}

/* Bytes after the head belong to the frames and are left unconsumed. */
static void test_hs_leaves_trailing_bytes(void **state)
{
	static uint8_t buf[HS_BUF];
	char req[sizeof(hs_ok_req) + 8];
	struct ws_hs hs;
	size_t used;

	(void)state;
	memcpy(req, hs_ok_req, sizeof(hs_ok_req) - 1);
	memcpy(req + sizeof(hs_ok_req) - 1, "\x81\x80", 2);
	ws_hs_server_init(&hs, &hs_conf, buf, sizeof(buf));
	assert_int_equal(ws_hs_parse(&hs, (const uint8_t *)req,
				sizeof(hs_ok_req) + 1, &used), 0);
	assert_int_equal(used, sizeof(hs_ok_req) - 1);
}

/* Tolerated variations: case, token lists, repeated fields, spaces. */
static void test_hs_variations(void **state)
{
	static const char req[] =
		"GET / HTTP/1.1\r\n"
		"host:   h  \r\n"
		"UPGRADE: WebSocket\r\n"
		"connection: keep-alive\r\n"
		"Connection: ,  foo , Upgrade\r\n"
		"sec-websocket-key:dGhlIHNhbXBsZSBub25jZQ==\t\r\n"
		"Sec-WebSocket-Version: 13\r\n"
		"Origin: http://example.com\r\n"
		"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, foo\r\n"
		"Sec-WebSocket-Extensions: x-webkit;a=\"b\\\"c\"\r\n"
		"X-Note: a\x80" "b  c \t\r\n"
		"Host-X: y\r\n"
		"\r\n";
	static char out[HS_BUF + 1];
	struct ws_hs hs;
	const struct ws_pmd_offer *pmd;
	size_t len, vlen;
	const char *v;

	(void)state;
	test_seed(0x5eed0302);
	for (int how = 0; how < TEST_SPLIT__COUNT; how++) {
		assert_int_equal(hs_run(&hs, req, sizeof(req) - 1,
					(enum test_split)how, out, &len), 0);
		assert_int_equal(hs.status, 101);
		assert_non_null(strstr(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
		/* The deflate offer is parsed, and declined. */
		assert_null(strstr(out, "Extensions"));
		assert_null(strstr(out, "Sec-WebSocket-Protocol"));
		pmd = ws_hs_pmd_offer(&hs);
		assert_non_null(pmd);
		assert_int_equal(pmd->client_max_window_bits, 1);
		assert_int_equal(pmd->server_max_window_bits, 0);
		assert_int_equal(hs.n_ext_offers, 3);
		/* "Host-X" is another field, not a second Host. */
		assert_null(ws_hs_field(&hs, "host", 1, &vlen));
		v = ws_hs_field(&hs, "HOST", 0, &vlen);
		assert_int_equal(vlen, 1);
		assert_memory_equal(v, "h", 1);
		v = ws_hs_field(&hs, "connection", 1, &vlen);
		assert_int_equal(vlen, 16);
		assert_memory_equal(v, ",  foo , Upgrade", 16);
		assert_null(ws_hs_field(&hs, "connection", 2, &vlen));
		/* obs-text kept, inner spaces kept, trailing OWS trimmed. */
		v = ws_hs_field(&hs, "x-note", 0, &vlen);
		assert_int_equal(vlen, 6);
		assert_memory_equal(v, "a\x80" "b  c", 6);
	}
}

static void test_hs_pmd_params(void **state)
{
	static const struct {
		const char *value;
		int valid;
		uint8_t smwb, cmwb, snct, cnct;
	} cases[] = {
		{ "permessage-deflate", 1, 0, 0, 0, 0 },
		{ "permessage-deflate; server_max_window_bits=10; "
			"client_no_context_takeover", 1, 10, 0, 0, 1 },
		{ "permessage-deflate;client_max_window_bits=\"15\";"
			"server_no_context_takeover", 1, 0, 15, 1, 0 },
		{ "permessage-deflate; server_max_window_bits=7", 0, 0, 0, 0, 0 },
		{ "permessage-deflate; server_max_window_bits=08", 0, 0, 0, 0, 0 },
		{ "permessage-deflate; server_max_window_bits", 0, 0, 0, 0, 0 },
		{ "permessage-deflate; client_no_context_takeover=1", 0, 0, 0, 0, 0 },
		{ "permessage-deflate; unknown", 0, 0, 0, 0, 0 },
		{ "permessage-deflate; server_no_context_takeover; "
			"server_no_context_takeover", 0, 0, 0, 0, 0 },
		/* First invalid, second valid: the second is recorded. */
		{ "permessage-deflate; x, permessage-deflate; "
			"server_max_window_bits=9", 1, 9, 0, 0, 0 },
	};
	static char req[1024], out[HS_BUF + 1];
	struct ws_hs hs;
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct ws_pmd_offer *o;
		int n = snprintf(req, sizeof(req),
				"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
				"Connection: Upgrade\r\nOrigin: http://example.com\r\n"
				"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
				"Sec-WebSocket-Version: 13\r\n"
				"Sec-WebSocket-Extensions: %s\r\n\r\n", cases[i].value);

		assert_int_equal(hs_run(&hs, req, (size_t)n, TEST_WHOLE, out,
					&len), 0);
		assert_int_equal(hs.status, 101);
		assert_null(strstr(out, "Extensions"));
		o = ws_hs_pmd_offer(&hs);
		if (!cases[i].valid) {
			assert_null(o);
			continue;
		}
		assert_non_null(o);
		assert_int_equal(o->server_max_window_bits, cases[i].smwb);
		assert_int_equal(o->client_max_window_bits, cases[i].cmwb);
		assert_int_equal(o->server_no_context_takeover, cases[i].snct);
		assert_int_equal(o->client_no_context_takeover, cases[i].cnct);
	}
}

struct hs_refusal {
	const char *what;
	const char *req;
	uint16_t status;
	const char *must;      /* a line the response must hold */
};

#define HS_HDRS_OK "Host: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" \
	"Origin: http://example.com\r\n"
#define HS_KEY "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
#define HS_V13 "Sec-WebSocket-Version: 13\r\n"
#define HS_MANY "A: 1\r\nA: 2\r\nA: 3\r\nA: 4\r\nA: 5\r\nA: 6\r\nA: 7\r\nA: 8\r\n"
#define HS_LONG_64 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
#define HS_LONG_256 HS_LONG_64 HS_LONG_64 HS_LONG_64 HS_LONG_64

static const struct hs_refusal hs_refusals[] = {
	{ "POST", "POST / HTTP/1.1\r\n" HS_HDRS_OK HS_KEY HS_V13 "\r\n", 405,
		"Allow: GET\r\n" },
	{ "HTTP/1.0", "GET / HTTP/1.0\r\n" HS_HDRS_OK HS_KEY HS_V13 "\r\n", 400,
		NULL },
	{ "HTTP/2.0", "GET / HTTP/2.0\r\n" HS_HDRS_OK HS_KEY HS_V13 "\r\n", 505,
		NULL },
	{ "no Host", "GET / HTTP/1.1\r\nUpgrade: websocket\r\n"
		"Connection: Upgrade\r\n" HS_KEY HS_V13 "\r\n", 400, NULL },
	{ "two Hosts", "GET / HTTP/1.1\r\nHost: a\r\n" HS_HDRS_OK HS_KEY HS_V13
		"\r\n", 400, NULL },
	{ "no Connection: upgrade", "GET / HTTP/1.1\r\nHost: h\r\n"
		"Upgrade: websocket\r\nConnection: keep-alive\r\n" HS_KEY HS_V13
		"\r\n", 400, NULL },
	{ "version 8", "GET / HTTP/1.1\r\n" HS_HDRS_OK HS_KEY
		"Sec-WebSocket-Version: 8\r\n\r\n", 426,
		"Sec-WebSocket-Version: 13\r\n" },
	{ "no version", "GET / HTTP/1.1\r\n" HS_HDRS_OK HS_KEY "\r\n", 400, NULL },
	{ "no key", "GET / HTTP/1.1\r\n" HS_HDRS_OK HS_V13 "\r\n", 400, NULL },
	{ "short key", "GET / HTTP/1.1\r\n" HS_HDRS_OK
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=\r\n" HS_V13 "\r\n",
		400, NULL },
	{ "key of 15 bytes", "GET / HTTP/1.1\r\n" HS_HDRS_OK
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZT0=\r\n" HS_V13 "\r\n",
		400, NULL },
	{ "key not base64", "GET / HTTP/1.1\r\n" HS_HDRS_OK
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25j*Q==\r\n" HS_V13 "\r\n",
		400, NULL },
	{ "two keys", "GET / HTTP/1.1\r\n" HS_HDRS_OK HS_KEY HS_KEY HS_V13
		"\r\n", 400, NULL },
	{ "origin refused", "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
		"Connection: Upgrade\r\nOrigin: http://evil.example\r\n" HS_KEY
		HS_V13 "\r\n", 403, NULL },
	{ "no origin", "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
		"Connection: Upgrade\r\n" HS_KEY HS_V13 "\r\n", 403, NULL },
	{ "path refused by hook", "GET /nope HTTP/1.1\r\n" HS_HDRS_OK HS_KEY
		HS_V13 "\r\n", 404, NULL },
	{ "bad extension syntax", "GET / HTTP/1.1\r\n" HS_HDRS_OK HS_KEY HS_V13
		"Sec-WebSocket-Extensions: ;x\r\n\r\n", 400, NULL },
	{ "bad protocol token", "GET / HTTP/1.1\r\n" HS_HDRS_OK HS_KEY HS_V13
		"Sec-WebSocket-Protocol: a b\r\n\r\n", 400, NULL },
	{ "too many fields", "GET / HTTP/1.1\r\n" HS_HDRS_OK HS_KEY HS_V13
		HS_MANY "\r\n", 431, NULL },
	{ "head too big", "GET / HTTP/1.1\r\n" HS_HDRS_OK HS_KEY HS_V13
		"A: " HS_LONG_256 HS_LONG_256 HS_LONG_256 HS_LONG_256 HS_LONG_256
		HS_LONG_256 HS_LONG_256 HS_LONG_256 HS_LONG_256 HS_LONG_256
		HS_LONG_256 HS_LONG_256 HS_LONG_256 HS_LONG_256 HS_LONG_256
		HS_LONG_256 "\r\n\r\n", 431, NULL },
	{ "request line too long", "GET /" HS_LONG_256 " HTTP/1.1\r\n"
		HS_HDRS_OK HS_KEY HS_V13 "\r\n", 414, NULL },
	{ "obs-fold", "GET / HTTP/1.1\r\n" HS_HDRS_OK " folded\r\n" HS_KEY
		HS_V13 "\r\n", 400, NULL },
	{ "bare LF", "GET / HTTP/1.1\n" HS_HDRS_OK HS_KEY HS_V13 "\r\n", 400,
		NULL },
	{ "space before colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400,
		NULL },
	{ "control byte in value", "GET / HTTP/1.1\r\nHost: h\x01\r\n\r\n", 400,
		NULL },
	/* Each valid but for one byte: accepting it would give a 101. */
	{ "DEL in value", "GET / HTTP/1.1\r\n" HS_HDRS_OK HS_KEY HS_V13
		"X-A: a b\x7f\r\n\r\n", 400, NULL },
	{ "control byte in target", "GET /a\tb HTTP/1.1\r\n" HS_HDRS_OK HS_KEY
		HS_V13 "\r\n", 400, NULL },
	{ "separator in field name", "GET / HTTP/1.1\r\n" HS_HDRS_OK HS_KEY
		HS_V13 "X-A(b: c\r\n\r\n", 400, NULL },
	{ "target not origin-form", "GET chat HTTP/1.1\r\n" HS_HDRS_OK "\r\n",
		400, NULL },
	{ "malformed version", "GET / HTTPS/1.1\r\n" HS_HDRS_OK "\r\n", 400,
		NULL },
};

static void test_hs_refusals(void **state)
{
	static char out[HS_BUF + 1];
	struct ws_hs hs;
	size_t len;

	(void)state;
	test_seed(0x5eed0303);
	for (size_t i = 0; i < sizeof(hs_refusals) / sizeof(hs_refusals[0]); i++) {
		const struct hs_refusal *r = &hs_refusals[i];
		char status[32];

		snprintf(status, sizeof(status), "HTTP/1.1 %u ", r->status);
		for (int how = 0; how < TEST_SPLIT__COUNT; how++) {
			hs_hooks.upgrade_status = strstr(r->req, "/nope") ? 404 : 0;
			hs_run(&hs, r->req, strlen(r->req), (enum test_split)how,
					out, &len);
			if (hs.status != r->status)
				fail_msg("%s (%s): status %u, want %u: %s", r->what,
						test_split_names[how], hs.status,
						r->status, out);
			assert_false(ws_hs_upgraded(&hs));
			assert_ptr_equal(strstr(out, status), out);
			assert_non_null(strstr(out, "\r\nConnection: close\r\n"));
			assert_non_null(strstr(out, "\r\nContent-Length: "));
			assert_non_null(hs.why);
			/* The short reason is the body. */
			assert_non_null(strstr(out, hs.why));
			if (r->must != NULL)
				assert_non_null(strstr(out, r->must));
		}
	}
}

/*
 * Runs long enough for the 16-byte scan (name, value, target), with one
 * byte of the wrong class at each offset: 400 every time, where the same
 * request with a good byte there is a 101.
 */
static int hs_run_status(const char *req, size_t len)
{
	static char out[HS_BUF + 1];
	struct ws_hs hs;
	size_t out_len;

	hs_hooks.upgrade_status = 0;
	hs_run(&hs, req, len, TEST_WHOLE, out, &out_len);
	return hs.status;
}

static void test_hs_long_runs(void **state)
{
	static const struct {
		const char *what;
		const char *pre, *post;
		const char *bad;       /* bytes each refused in this place */
		size_t n_bad;
		char good;
	} places[] = {
		{ "value", "GET / HTTP/1.1\r\n" HS_HDRS_OK HS_KEY HS_V13 "X-Long: ",
			"\r\n\r\n", "\x00\x01\x0b\x1f\x7f", 5, 'v' },
		{ "target", "GET /", " HTTP/1.1\r\n" HS_HDRS_OK HS_KEY HS_V13 "\r\n",
			"\x01\t\x7f\x80\xff", 5, 't' },
		{ "name", "GET / HTTP/1.1\r\n" HS_HDRS_OK HS_KEY HS_V13 "X",
			": v\r\n\r\n", "(),/;=@[]{}\"\x7f\x80 ", 15, 'n' },
	};
	char req[1024];

	(void)state;
	for (size_t p = 0; p < sizeof(places) / sizeof(places[0]); p++) {
		size_t pre = strlen(places[p].pre), post = strlen(places[p].post);

		for (size_t b = 0; b < places[p].n_bad; b++) {
			for (size_t at = 0; at < 48; at++) {
				size_t len = pre + 48 + post;

				memcpy(req, places[p].pre, pre);
				memset(req + pre, places[p].good, 48);
				memcpy(req + pre + 48, places[p].post, post);
				assert_int_equal(hs_run_status(req, len), 101);
				req[pre + at] = places[p].bad[b];
				if (hs_run_status(req, len) != 400)
					fail_msg("%s: byte 0x%02x at %zu accepted",
							places[p].what,
							(uint8_t)places[p].bad[b], at);
			}
		}
	}
	/* Every tchar in a long name, obs-text and HTAB in a long value. */
	snprintf(req, sizeof(req), "GET / HTTP/1.1\r\n" HS_HDRS_OK HS_KEY HS_V13
			"%s: %s\r\n\r\n", "x!#$%&'*+-.^_`|~0123456789AZaz!#$%&'*+-.^_`|~",
			"\xc3\xa9\t\xff obs-text and a tab\t\x80\x80\x80\x80\x80 end");
	assert_int_equal(hs_run_status(req, strlen(req)), 101);
}

static void test_hs_plain_http(void **state)
{
	static char out[HS_BUF + 1];
	struct ws_hs hs;
	size_t len;

	(void)state;
	memset(&hs_hooks, 0, sizeof(hs_hooks));
	hs_run(&hs, "GET /healthz HTTP/1.1\r\nHost: h\r\n\r\n", 35, TEST_BYTES,
			out, &len);
	assert_int_equal(hs.status, 200);
	assert_string_equal(out, "HTTP/1.1 200 OK\r\nConnection: close\r\n"
			"Content-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n");
	hs_run(&hs, "GET /other HTTP/1.0\r\n\r\n", 23, TEST_WHOLE, out, &len);
	assert_int_equal(hs.status, 404);
	assert_ptr_equal(strstr(out, "HTTP/1.1 404 Not Found\r\n"), out);
	assert_int_equal(hs_hooks.n_http, 2);
}

/* Without an on_http hook, a plain request gets 426. */
static void test_hs_plain_without_hook(void **state)
{
	static uint8_t buf[HS_BUF];
	static const char req[] = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
	char out[512];
	struct ws_hs hs;
	struct ws_ctx ctx;
	size_t used, len;

	(void)state;
	assert_int_equal(ws_ctx_init(&ctx, &hs_ops, 0, 1), 0);
	ws_hs_server_init(&hs, NULL, buf, sizeof(buf));
	assert_int_equal(ws_hs_parse(&hs, (const uint8_t *)req, sizeof(req) - 1,
				&used), 0);
	assert_int_equal(ws_hs_respond(&ctx, &hs, (uint8_t *)out, 20, &len),
			-WS_ERR_NOSPACE);
	assert_int_equal(ws_hs_respond(&ctx, &hs, (uint8_t *)out, sizeof(out),
				&len), 0);
	assert_int_equal(hs.status, 426);
	assert_int_equal(ctx.stats.v[WS_STAT_HS_REFUSED], 1);
}

/* Client: the request it writes, parsed by our server, is accepted. */
static void test_hs_client_roundtrip(void **state)
{
	static const uint8_t nonce[16] = "the sample nonce";
	static uint8_t cbuf[HS_BUF];
	static char req[HS_BUF], out[HS_BUF + 1];
	const struct ws_client_conf cc = {
		.host = "server.example.com", .path = "/chat",
		.origin = "http://example.com", .protocols = "chat, superchat",
		.extensions = NULL,
	};
	struct ws_hs client, server;
	size_t len, rlen, used;
	const char *p;

	(void)state;
	memset(&hs_hooks, 0, sizeof(hs_hooks));
	test_seed(0x5eed0304);
	for (int how = 0; how < TEST_SPLIT__COUNT; how++) {
		ws_hs_client_init(&client, &cc, cbuf, sizeof(cbuf));
		assert_int_equal(ws_hs_client_request(&client, how == 0 ? nonce : NULL,
					(uint8_t *)req, 10, &len), -WS_ERR_NOSPACE);
		assert_int_equal(ws_hs_client_request(&client, how == 0 ? nonce : NULL,
					(uint8_t *)req, sizeof(req), &len), 0);
		if (how == 0)
			assert_non_null(strstr(req, "Sec-WebSocket-Key: "
						"dGhlIHNhbXBsZSBub25jZQ==\r\n"));
		assert_int_equal(hs_run(&server, req, len, (enum test_split)how,
					out, &rlen), 0);
		assert_int_equal(server.status, 101);
		/* The client parses the 101 in pieces and accepts it. */
		for (size_t off = 0; off < rlen;) {
			size_t n = test_piece((enum test_split)how, rlen - off);
			int rc = ws_hs_parse(&client, (const uint8_t *)out + off, n,
					&used);

			off += used;
			assert_true(rc == 0 || rc == -WS_ERR_AGAIN);
		}
		assert_int_equal(ws_hs_client_verify(&client), 0);
		p = ws_hs_protocol(&client, &len);
		assert_int_equal(len, 9);
		assert_memory_equal(p, "superchat", 9);
	}
}

struct hs_bad_resp {
	const char *what;
	const char *resp;
	int rc;
};

#define HS_101 "HTTP/1.1 101 Switching Protocols\r\n"
#define HS_UC "Upgrade: websocket\r\nConnection: Upgrade\r\n"
#define HS_ACC "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"

static const struct hs_bad_resp hs_bad_resps[] = {
	{ "ok", HS_101 HS_UC HS_ACC "\r\n", 0 },
	{ "ok, case and lists", "HTTP/1.1 101 x\r\nupgrade: WebSocket\r\n"
		"connection: foo, upgrade\r\n" HS_ACC "\r\n", 0 },
	{ "ok, offered protocol", HS_101 HS_UC HS_ACC
		"Sec-WebSocket-Protocol: chat\r\n\r\n", 0 },
	{ "ok, offered extension", HS_101 HS_UC HS_ACC
		"Sec-WebSocket-Extensions: x-test; a=1\r\n\r\n", 0 },
	{ "status 200", "HTTP/1.1 200 OK\r\n" HS_UC HS_ACC "\r\n", -WS_ERR_HTTP },
	{ "status 403", "HTTP/1.1 403 Forbidden\r\n\r\n", -WS_ERR_HTTP },
	{ "HTTP/1.0", "HTTP/1.0 101 x\r\n" HS_UC HS_ACC "\r\n",
		-WS_ERR_HANDSHAKE },
	{ "no Upgrade", HS_101 "Connection: Upgrade\r\n" HS_ACC "\r\n",
		-WS_ERR_HANDSHAKE },
	{ "no Connection", HS_101 "Upgrade: websocket\r\n" HS_ACC "\r\n",
		-WS_ERR_HANDSHAKE },
	{ "no accept", HS_101 HS_UC "\r\n", -WS_ERR_HANDSHAKE },
	{ "wrong accept", HS_101 HS_UC
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOO=\r\n\r\n",
		-WS_ERR_HANDSHAKE },
	{ "two accepts", HS_101 HS_UC HS_ACC HS_ACC "\r\n", -WS_ERR_HANDSHAKE },
	{ "protocol not offered", HS_101 HS_UC HS_ACC
		"Sec-WebSocket-Protocol: superchat\r\n\r\n", -WS_ERR_HANDSHAKE },
	{ "two protocols", HS_101 HS_UC HS_ACC
		"Sec-WebSocket-Protocol: chat, chat\r\n\r\n", -WS_ERR_HANDSHAKE },
	{ "extension not offered", HS_101 HS_UC HS_ACC
		"Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
		-WS_ERR_HANDSHAKE },
	{ "malformed status", "HTTP/1.1 10x OK\r\n\r\n", -WS_ERR_HANDSHAKE },
};

static void test_hs_client_checks(void **state)
{
	static const uint8_t nonce[16] = "the sample nonce";
	static uint8_t cbuf[HS_BUF];
	char req[1024];
	const struct ws_client_conf cc = {
		.host = "h", .protocols = "chat", .extensions = "x-test; a=1",
	};
	struct ws_hs hs;
	size_t len, used;

	(void)state;
	for (size_t i = 0; i < sizeof(hs_bad_resps) / sizeof(hs_bad_resps[0]); i++) {
		const struct hs_bad_resp *b = &hs_bad_resps[i];
		int rc;

		for (int how = 0; how < TEST_SPLIT__COUNT; how++) {
			size_t off = 0, n = strlen(b->resp);

			ws_hs_client_init(&hs, &cc, cbuf, sizeof(cbuf));
			assert_int_equal(ws_hs_client_request(&hs, nonce,
						(uint8_t *)req, sizeof(req), &len), 0);
			rc = -WS_ERR_AGAIN;
			while (off < n && rc == -WS_ERR_AGAIN) {
				size_t k = test_piece((enum test_split)how, n - off);

				rc = ws_hs_parse(&hs, (const uint8_t *)b->resp + off,
						k, &used);
				off += used;
			}
			if (rc == 0)
				rc = ws_hs_client_verify(&hs);
			if (rc != b->rc)
				fail_msg("%s (%s): %d, want %d", b->what,
						test_split_names[how], rc, b->rc);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hs_rfc_key),
		cmocka_unit_test(test_hs_accept),
		cmocka_unit_test(test_hs_leaves_trailing_bytes),
		cmocka_unit_test(test_hs_variations),
		cmocka_unit_test(test_hs_pmd_params),
		cmocka_unit_test(test_hs_refusals),
		cmocka_unit_test(test_hs_long_runs),
		cmocka_unit_test(test_hs_plain_http),
		cmocka_unit_test(test_hs_plain_without_hook),
		cmocka_unit_test(test_hs_client_roundtrip),
		cmocka_unit_test(test_hs_client_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
