/**
 * @file
 * Helpers the ws tests share, #included by each test_ws_*.c (each test is
 * one translation unit; this file is not a test of its own): a seeded
 * PRNG, the three ways of feeding a parser (whole, one byte at a time,
 * random split points), and a harness that records a connection's events
 * and the frames it sends.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ws.h"

/* Each test uses some of the helpers below. */
#pragma GCC diagnostic ignored "-Wunused-function"

/* xorshift64*: reproducible inputs from a printed seed. */
static uint64_t test_rng = 0x9e3779b97f4a7c15ull;

static void test_seed(uint64_t seed)
{
	test_rng = seed != 0 ? seed : 1;
}

static uint64_t test_rand(void)
{
	test_rng ^= test_rng >> 12;
	test_rng ^= test_rng << 25;
	test_rng ^= test_rng >> 27;
	return test_rng * 0x2545f4914f6cdd1dull;
}

static void test_fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)test_rand();
}

/* How a parser is fed. */
enum test_split {
	TEST_WHOLE,
	TEST_BYTES,
	TEST_RANDOM,
	TEST_SPLIT__COUNT,
};

static const char *const test_split_names[] = { "whole", "bytes", "random" };

/* Length of the next piece of @p left bytes. */
static size_t test_piece(enum test_split how, size_t left)
{
	switch (how) {
	case TEST_WHOLE:
		return left;
	case TEST_BYTES:
		return left > 0 ? 1 : 0;
	default:
		return left > 0 ? 1 + (size_t)(test_rand() % left) : 0;
	}
}

/* ---- Connection harness ---- */

#define TH_MAX_MSGS 64
#define TH_DATA_CAP (200 * 1024)
#define TH_SENT_CAP 4096

struct th_msg {
	enum ws_opcode op;
	size_t off;
	size_t len;
};

struct th {
	struct ws_ctx ctx;
	struct ws_conn conn;
	struct ws_ops ops;
	uint8_t *msg_buf;             /* reassembly buffer, NULL: streaming */
	uint8_t data[TH_DATA_CAP];    /* message payloads, one after another */
	size_t data_len;
	struct th_msg msgs[TH_MAX_MSGS];
	unsigned int n_msgs;
	bool in_msg;                  /* streaming: a message is open */
	unsigned int chunk_errors;    /* flags out of order */
	uint8_t sent[TH_SENT_CAP];
	size_t sent_len;
	unsigned int n_sent;
	unsigned int n_pongs;
	unsigned int n_closes;
	uint16_t close_code;
	int refuse;                   /* callbacks return -1 */
};

static void th_add_msg(struct th *t, enum ws_opcode op, const uint8_t *p,
		size_t len)
{
	assert_true(t->n_msgs < TH_MAX_MSGS);
	assert_true(t->data_len + len <= TH_DATA_CAP);
	t->msgs[t->n_msgs].op = op;
	t->msgs[t->n_msgs].off = t->data_len;
	t->msgs[t->n_msgs].len = len;
	if (len > 0)
		memcpy(t->data + t->data_len, p, len);
	t->data_len += len;
	t->n_msgs++;
}

static int th_on_message(void *user, enum ws_opcode op, uint8_t *data,
		size_t len)
{
	struct th *t = user;

	th_add_msg(t, op, data, len);
	return t->refuse ? -1 : 0;
}

static int th_on_chunk(void *user, enum ws_opcode op, uint8_t *data,
		size_t len, unsigned int flags)
{
	struct th *t = user;

	if (!!(flags & WS_CHUNK_MSG_START) == t->in_msg)
		t->chunk_errors++;
	if ((flags & WS_CHUNK_MSG_END) && !(flags & WS_CHUNK_FRAME_END))
		t->chunk_errors++;
	if (flags & WS_CHUNK_MSG_START)
		th_add_msg(t, op, data, len);
	else {
		assert_true(t->data_len + len <= TH_DATA_CAP);
		if (len > 0)
			memcpy(t->data + t->data_len, data, len);
		t->data_len += len;
		t->msgs[t->n_msgs - 1].len += len;
	}
	t->in_msg = !(flags & WS_CHUNK_MSG_END);
	return t->refuse ? -1 : 0;
}

static int th_send(void *user, const uint8_t *frame, size_t len)
{
	struct th *t = user;

	assert_true(t->sent_len + len <= TH_SENT_CAP);
	memcpy(t->sent + t->sent_len, frame, len);
	t->sent_len += len;
	t->n_sent++;
	return 0;
}

static void th_on_pong(void *user, const uint8_t *data, size_t len)
{
	struct th *t = user;

	(void)data;
	(void)len;
	t->n_pongs++;
}

static void th_on_close(void *user, uint16_t code, const uint8_t *reason,
		size_t len)
{
	struct th *t = user;

	(void)reason;
	(void)len;
	t->n_closes++;
	t->close_code = code;
}

/* A fresh harness; @p msg_cap 0 streams, else reassembles up to it. */
static struct th *th_new(enum ws_role role, const char *simd,
		uint32_t msg_cap, uint64_t max_message)
{
	struct th *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	t->ops.send = th_send;
	t->ops.on_message = th_on_message;
	t->ops.on_chunk = th_on_chunk;
	t->ops.on_pong = th_on_pong;
	t->ops.on_close = th_on_close;
	assert_int_equal(ws_ctx_init(&t->ctx, &t->ops, max_message, 42), 0);
	if (simd != NULL)
		assert_int_equal(ws_ctx_use_simd(&t->ctx, simd), 0);
	if (msg_cap != 0) {
		t->msg_buf = malloc(msg_cap);
		assert_non_null(t->msg_buf);
	}
	ws_conn_init(&t->conn, role, t, t->msg_buf, msg_cap);
	return t;
}

static void th_free(struct th *t)
{
	free(t->msg_buf);
	free(t);
}

/* Exactly one message was received, holding @p want. */
static void th_assert_single(const struct th *t, const void *want, size_t len)
{
	assert_int_equal(t->n_msgs, 1);
	assert_int_equal(t->msgs[0].len, len);
	assert_memory_equal(t->data, want, len);
	assert_int_equal(t->chunk_errors, 0);
}

/* Feed a copy of @p wire in pieces; the first non-zero result stops it. */
static int th_feed(struct th *t, const uint8_t *wire, size_t len,
		enum test_split how)
{
	uint8_t *copy = malloc(len + 1);
	size_t off = 0;
	int rc = 0;

	assert_non_null(copy);
	if (len > 0)
		memcpy(copy, wire, len);
	while (off < len && rc == 0) {
		size_t n = test_piece(how, len - off);

		rc = ws_conn_recv(&t->ctx, &t->conn, copy + off, n);
		off += n;
	}
	free(copy);
	return rc;
}

/*
 * Frame @p n of those the harness sent, decoded independently of the
 * library; the payload is unmasked into @p payload.
 */
static void th_sent_frame(const struct th *t, unsigned int n, uint8_t *b0,
		uint8_t *payload, size_t *len)
{
	const uint8_t *p = t->sent;

	for (;;) {
		size_t plen = p[1] & 0x7f, h = 2;
		const uint8_t *mask = NULL;

		assert_true(p < t->sent + t->sent_len);
		if (plen == 126) {
			plen = (size_t)p[2] << 8 | p[3];
			h = 4;
		}
		assert_true(plen <= 125 || (p[1] & 0x7f) == 126);
		if (p[1] & 0x80) {
			mask = p + h;
			h += 4;
		}
		if (n-- == 0) {
			*b0 = p[0];
			*len = plen;
			for (size_t i = 0; i < plen; i++)
				payload[i] = p[h + i] ^ (mask ? mask[i & 3] : 0);
			return;
		}
		p += h + plen;
	}
}

/* The close code of the last frame sent, which must be a close. */
static uint16_t th_sent_close_code(const struct th *t)
{
	uint8_t b0, payload[WS_CONTROL_MAX];
	size_t len;

	th_sent_frame(t, t->n_sent - 1, &b0, payload, &len);
	assert_int_equal(b0, 0x80 | WS_OP_CLOSE);
	if (len < 2)
		return 0;
	return (uint16_t)(payload[0] << 8 | payload[1]);
}

/*
 * Build a frame as a peer would: @p b0 is FIN/RSV/opcode, @p mask NULL
 * for none. Returns the frame's size.
 */
static size_t test_frame(uint8_t *dst, uint8_t b0, const void *payload,
		uint64_t len, const uint8_t *mask)
{
	size_t h = 2;
	const uint8_t *src = payload;

	dst[0] = b0;
	if (len < 126) {
		dst[1] = (uint8_t)len;
	} else if (len <= 0xffff) {
		dst[1] = 126;
		dst[2] = (uint8_t)(len >> 8);
		dst[3] = (uint8_t)len;
		h = 4;
	} else {
		dst[1] = 127;
		for (int i = 0; i < 8; i++)
			dst[2 + i] = (uint8_t)(len >> (56 - 8 * i));
		h = 10;
	}
	if (mask != NULL) {
		dst[1] |= 0x80;
		memcpy(dst + h, mask, 4);
		h += 4;
	}
	for (uint64_t i = 0; i < len; i++)
		dst[h + i] = src[i] ^ (mask ? mask[i & 3] : 0);
	return h + (size_t)len;
}

/* Names of the SIMD implementations this CPU runs. */
static unsigned int test_simd_names(const char **names)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < ws_simd_count(); i++)
		if (ws_simd_supported(ws_simd_get(i)))
			names[n++] = ws_simd_get(i)->name;
	return n;
}
