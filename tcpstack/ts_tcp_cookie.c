/**
 * @file
 * SYN cookies (RFC 4987): when a listener's backlog is full, the SYN-ACK's
 * sequence number carries what the connection needs, and no state is kept
 * until the handshake's ACK returns it. The cookie is keyed with SipHash-2-4
 * (a PRF with a 128-bit key shared by the workers), and encodes a 64-second
 * time counter and one of four MSS values, as Linux does.
 *
 * ts_tcp_input (listener, backlog full) -> ts_cookie_make
 * ts_tcp_input (ACK, no connection) -> ts_cookie_check
 */
#include <string.h>

#include "ts_tcp_priv.h"

static const uint16_t ts_cookie_mss[] = { 536, 1300, 1440, 1460 };

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND \
	do { \
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2; \
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; \
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
	} while (0)

/* SipHash-2-4 (Aumasson and Bernstein), little-endian words. */
uint64_t ts_siphash(const uint64_t key[2], const void *data, size_t len)
{
	uint64_t v0 = 0x736f6d6570736575ull ^ key[0];
	uint64_t v1 = 0x646f72616e646f6dull ^ key[1];
	uint64_t v2 = 0x6c7967656e657261ull ^ key[0];
	uint64_t v3 = 0x7465646279746573ull ^ key[1];
	const uint8_t *p = data;
	uint64_t b = (uint64_t)len << 56;
	uint64_t m;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&m, p + i, 8);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t k = 0; i + k < len; k++)
		b |= (uint64_t)p[i + k] << (8 * k);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

static uint32_t ts_cookie_hash(const struct ts_ctx *ctx,
		const struct ts_seg *s, uint32_t count)
{
	uint32_t w[4] = { s->rip, s->lip,
		((uint32_t)s->rport << 16) | s->lport, count };

	return (uint32_t)ts_siphash(ctx->tcp.cookie_key, w, sizeof(w));
}

/* The 64-second counter: 2^16 ms ticks. */
static uint32_t ts_cookie_count(uint32_t tick)
{
	return tick >> 16;
}

uint32_t ts_cookie_make(const struct ts_ctx *ctx, const struct ts_seg *s,
		uint16_t mss, uint32_t tick)
{
	uint32_t count = ts_cookie_count(tick);
	uint32_t idx = 0;

	for (uint32_t i = 0; i < RTE_DIM(ts_cookie_mss); i++)
		if (ts_cookie_mss[i] <= mss)
			idx = i;
	return ts_cookie_hash(ctx, s, UINT32_MAX) + s->seq + (count << 24) +
		((ts_cookie_hash(ctx, s, count) + idx) & 0xffffff);
}

uint16_t ts_cookie_check(const struct ts_ctx *ctx, const struct ts_seg *s,
		uint32_t tick)
{
	/* The ACK of our SYN-ACK: its ack is cookie + 1, its seq ISN + 1. */
	struct ts_seg orig = *s;
	uint32_t cookie = s->ack - 1;
	uint32_t diff, count, idx;

	orig.seq = s->seq - 1;
	diff = cookie - ts_cookie_hash(ctx, &orig, UINT32_MAX) - orig.seq;
	count = diff >> 24;
	/* Made in this period or the one before. */
	if (((ts_cookie_count(tick) - count) & 0xff) > 1)
		return 0;
	idx = (diff - ts_cookie_hash(ctx, &orig, ts_cookie_count(tick) -
			((ts_cookie_count(tick) - count) & 0xff))) & 0xffffff;
	return idx < RTE_DIM(ts_cookie_mss) ? ts_cookie_mss[idx] : 0;
}
