/**
 * @file
 * Benchmarks of the RFC 6455 engine, one case per SIMD implementation:
 * unmasking (with a bytewise loop and memcpy as baselines), UTF-8
 * validation of ASCII and mixed text (memcpy as baseline), and parsing
 * 64-byte masked text frames packed in a 16 KiB buffer (messages/s).
 * Cases whose implementation the CPU lacks are skipped.
 */
#include <stdlib.h>
#include <string.h>

#include "bench_harness.h"
#include "ws.h"

#define BW_MAX (64 * 1024)
#define BW_FRAMES_BUF (16 * 1024)
#define BW_FRAME_PAYLOAD 64

struct bw_state {
	const struct ws_simd_impl *impl;
	uint8_t *src;
	uint8_t *dst;
	size_t len;
	uint32_t key;
	/* frames case */
	struct ws_ctx ctx;
	struct ws_conn conn;
	struct ws_ops ops;
	uint8_t msg[BW_FRAME_PAYLOAD];
	uint64_t n_msgs;
};

static uint64_t bw_bytes(int64_t arg)
{
	return (uint64_t)arg;
}

static uint64_t bw_rng = 0x243f6a8885a308d3ull;

static uint8_t bw_rand8(void)
{
	bw_rng ^= bw_rng << 13;
	bw_rng ^= bw_rng >> 7;
	bw_rng ^= bw_rng << 17;
	return (uint8_t)bw_rng;
}

/* ASCII words, or 1 in 4 characters from 2-, 3- and 4-byte ranges. */
static void bw_text(uint8_t *p, size_t len, bool mixed)
{
	static const char *const multi[] = { "\xc3\xa9", "\xce\xbb",
		"\xe2\x82\xac", "\xe6\x97\xa5", "\xf0\x9f\x98\x80" };
	size_t i = 0;

	while (i < len) {
		const char *s = multi[bw_rand8() % 5];
		size_t n = strlen(s);

		if (!mixed || bw_rand8() % 4 != 0 || i + n > len) {
			p[i++] = (uint8_t)('a' + bw_rand8() % 26);
			continue;
		}
		memcpy(p + i, s, n);
		i += n;
	}
}

static void *bw_setup(int64_t arg, const char *impl, int text)
{
	struct bw_state *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	if (impl != NULL) {
		s->impl = ws_simd_find(impl);
		if (s->impl == NULL || !ws_simd_supported(s->impl)) {
			free(s);
			return NULL;
		}
	}
	s->len = (size_t)arg;
	/* One byte off alignment: the usual case for payload in a packet. */
	s->src = malloc(BW_MAX + 64);
	s->dst = malloc(BW_MAX + 64);
	if (s->src == NULL || s->dst == NULL) {
		free(s->src);
		free(s->dst);
		free(s);
		return NULL;
	}
	for (size_t i = 0; i < BW_MAX + 64; i++)
		s->src[i] = bw_rand8();
	if (text)
		bw_text(s->src + 1, s->len, text == 2);
	s->key = 0x3d21fa37;
	return s;
}

static void bw_teardown(void *p)
{
	struct bw_state *s = p;

	free(s->src);
	free(s->dst);
	free(s);
}

/* ---- unmask ---- */

#if defined(__clang__)
#define BW_NO_VECTORIZE _Pragma("clang loop vectorize(disable) interleave(disable)")
#define BW_SCALAR_FN
#else
#define BW_NO_VECTORIZE
#define BW_SCALAR_FN __attribute__((optimize("no-tree-vectorize")))
#endif

/* The naive loop every WebSocket library starts with. */
static BW_SCALAR_FN void bw_unmask_bytewise(uint8_t *dst, const uint8_t *src,
		size_t len, const uint8_t key[4])
{
	BW_NO_VECTORIZE
	for (size_t i = 0; i < len; i++)
		dst[i] = src[i] ^ key[i & 3];
}

static void bw_run_bytewise(void *p, uint64_t n)
{
	struct bw_state *s = p;
	uint8_t key[4];

	memcpy(key, &s->key, 4);
	for (uint64_t i = 0; i < n; i++) {
		bw_unmask_bytewise(s->dst + 1, s->src + 1, s->len, key);
		bench_do_not_optimize(s->dst);
	}
}

static void bw_run_memcpy(void *p, uint64_t n)
{
	struct bw_state *s = p;

	for (uint64_t i = 0; i < n; i++) {
		memcpy(s->dst + 1, s->src + 1, s->len);
		bench_do_not_optimize(s->dst);
	}
}

static void bw_run_unmask(void *p, uint64_t n)
{
	struct bw_state *s = p;

	for (uint64_t i = 0; i < n; i++) {
		s->impl->unmask(s->dst + 1, s->src + 1, s->len, s->key, i & 3);
		bench_do_not_optimize(s->dst);
	}
}

static void *bw_setup_plain(int64_t arg)
{
	return bw_setup(arg, NULL, 0);
}

static void *bw_setup_plain_ascii(int64_t arg)
{
	return bw_setup(arg, NULL, 1);
}

#define BW_UNMASK_SIZES { 16, 125, 1024, 65536 }, 4
#define BW_UTF8_SIZES { 1024, 65536 }, 2

static struct bench_case bw_unmask_bytewise_case = {
	.name = "ws_unmask/bytewise", .args = BW_UNMASK_SIZES,
	.bytes_per_iter = bw_bytes, .setup = bw_setup_plain,
	.run = bw_run_bytewise, .teardown = bw_teardown, .batch = 16,
};
BENCH_REGISTER(bw_unmask_bytewise_case)

static struct bench_case bw_unmask_memcpy_case = {
	.name = "ws_unmask/memcpy", .args = BW_UNMASK_SIZES,
	.bytes_per_iter = bw_bytes, .setup = bw_setup_plain,
	.run = bw_run_memcpy, .teardown = bw_teardown, .batch = 16,
};
BENCH_REGISTER(bw_unmask_memcpy_case)

/* ---- UTF-8 ---- */

static void bw_run_utf8(void *p, uint64_t n)
{
	struct bw_state *s = p;

	for (uint64_t i = 0; i < n; i++) {
		uint32_t st = 0;
		int rc = s->impl->utf8(&st, s->src + 1, s->len);

		bench_do_not_optimize(&rc);
	}
}

static struct bench_case bw_utf8_memcpy_case = {
	.name = "ws_utf8/memcpy", .args = BW_UTF8_SIZES,
	.bytes_per_iter = bw_bytes, .setup = bw_setup_plain_ascii,
	.run = bw_run_memcpy, .teardown = bw_teardown, .batch = 16,
};
BENCH_REGISTER(bw_utf8_memcpy_case)

/* ---- frames: parse + unmask + validate ---- */

static uint64_t bw_frames_per_buf(int64_t arg)
{
	(void)arg;
	return BW_FRAMES_BUF / (BW_FRAME_PAYLOAD + 6);
}

static int bw_send(void *user, const uint8_t *f, size_t len)
{
	(void)user;
	(void)f;
	(void)len;
	return 0;
}

static int bw_on_message(void *user, enum ws_opcode op, uint8_t *data,
		size_t len)
{
	struct bw_state *s = user;

	(void)op;
	(void)data;
	(void)len;
	s->n_msgs++;
	return 0;
}

/* Masked text frames as a browser sends them, back to back. */
static void *bw_setup_frames(int64_t arg, const char *impl)
{
	struct bw_state *s = bw_setup(arg, impl, 0);
	uint8_t *p;

	if (s == NULL)
		return NULL;
	s->ops.send = bw_send;
	s->ops.on_message = bw_on_message;
	if (ws_ctx_init(&s->ctx, &s->ops, 0, 1) != 0 ||
			ws_ctx_use_simd(&s->ctx, impl) != 0) {
		bw_teardown(s);
		return NULL;
	}
	ws_conn_init(&s->conn, WS_ROLE_SERVER, s, s->msg, sizeof(s->msg));
	p = s->src;
	s->len = bw_frames_per_buf(0) * (BW_FRAME_PAYLOAD + 6);
	for (uint64_t i = 0; i < bw_frames_per_buf(0); i++) {
		uint8_t text[BW_FRAME_PAYLOAD], mask[4];
		uint32_t k;

		bw_text(text, sizeof(text), true);
		for (int j = 0; j < 4; j++)
			mask[j] = bw_rand8();
		memcpy(&k, mask, 4);
		ws_frame_hdr_encode(p, WS_OP_TEXT, true, BW_FRAME_PAYLOAD, mask);
		s->impl->unmask(p + 6, text, BW_FRAME_PAYLOAD, k, 0);
		p += BW_FRAME_PAYLOAD + 6;
	}
	return s;
}

static void bw_run_frames(void *p, uint64_t n)
{
	struct bw_state *s = p;

	/* Reassembly mode copies out as it unmasks: the input stays intact. */
	for (uint64_t i = 0; i < n; i++)
		if (ws_conn_recv(&s->ctx, &s->conn, s->src, s->len) != 0)
			abort();
	bench_do_not_optimize(&s->n_msgs);
}

/* One case of each kind per implementation. */
#define BW_IMPL(isa) \
	static void *bw_setup_unmask_##isa(int64_t a) \
	{ \
		return bw_setup(a, #isa, 0); \
	} \
	static void *bw_setup_ascii_##isa(int64_t a) \
	{ \
		return bw_setup(a, #isa, 1); \
	} \
	static void *bw_setup_mixed_##isa(int64_t a) \
	{ \
		return bw_setup(a, #isa, 2); \
	} \
	static void *bw_setup_frames_##isa(int64_t a) \
	{ \
		return bw_setup_frames(a, #isa); \
	} \
	static struct bench_case bw_unmask_##isa = { \
		.name = "ws_unmask/" #isa, .args = BW_UNMASK_SIZES, \
		.bytes_per_iter = bw_bytes, .setup = bw_setup_unmask_##isa, \
		.run = bw_run_unmask, .teardown = bw_teardown, .batch = 16, \
	}; \
	BENCH_REGISTER(bw_unmask_##isa) \
	static struct bench_case bw_ascii_##isa = { \
		.name = "ws_utf8_ascii/" #isa, .args = BW_UTF8_SIZES, \
		.bytes_per_iter = bw_bytes, .setup = bw_setup_ascii_##isa, \
		.run = bw_run_utf8, .teardown = bw_teardown, .batch = 16, \
	}; \
	BENCH_REGISTER(bw_ascii_##isa) \
	static struct bench_case bw_mixed_##isa = { \
		.name = "ws_utf8_mixed/" #isa, .args = BW_UTF8_SIZES, \
		.bytes_per_iter = bw_bytes, .setup = bw_setup_mixed_##isa, \
		.run = bw_run_utf8, .teardown = bw_teardown, .batch = 16, \
	}; \
	BENCH_REGISTER(bw_mixed_##isa) \
	static struct bench_case bw_frames_##isa = { \
		.name = "ws_frames64/" #isa, .items_per_iter = bw_frames_per_buf, \
		.bytes_per_iter = NULL, .setup = bw_setup_frames_##isa, \
		.run = bw_run_frames, .teardown = bw_teardown, .batch = 1, \
	}; \
	BENCH_REGISTER(bw_frames_##isa)

BW_IMPL(scalar)
BW_IMPL(sse2)
BW_IMPL(avx2)
BW_IMPL(avx512)
