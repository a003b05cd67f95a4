/**
 * @file
 * Shared by the per-ISA files (each compiled with its own -m flags) and
 * the dispatcher: CPU feature bits, the implementations' entry points and
 * the scalar pieces every implementation reuses (mask rotation, the UTF-8
 * byte automaton and the driver that wraps an ISA's bulk validator with
 * the incremental, fail-early handling of split code points).
 */
#ifndef WS_SIMD_PRIV_H
#define WS_SIMD_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ws_types.h"

#define WS_CPU_SSE2 0x1u
#define WS_CPU_AVX2 0x2u
#define WS_CPU_AVX512 0x4u   /* avx512f + avx512bw + avx512vl */

#define WS_SIMD_DECLARE_(isa) \
	void ws_unmask_##isa(uint8_t *dst, const uint8_t *src, size_t len, \
			uint32_t key, size_t phase); \
	int ws_utf8_##isa(uint32_t *state, const uint8_t *p, size_t len);
WS_SIMD_DECLARE_(scalar)
WS_SIMD_DECLARE_(sse2)
WS_SIMD_DECLARE_(avx2)
WS_SIMD_DECLARE_(avx512)
#undef WS_SIMD_DECLARE_

/** The key as it applies @p phase bytes into the payload. */
static inline uint32_t ws_mask_rotate(uint32_t key, size_t phase)
{
	uint8_t m[4], r[4];

	memcpy(m, &key, 4);
	for (unsigned int i = 0; i < 4; i++)
		r[i] = m[(i + phase) & 3];
	memcpy(&key, r, 4);
	return key;
}

/** Bytewise unmask of a short tail, with a key already rotated. */
static inline void ws_unmask_tail(uint8_t *dst, const uint8_t *src,
		size_t len, uint32_t key)
{
	uint8_t m[4];

	memcpy(m, &key, 4);
	for (size_t i = 0; i < len; i++)
		dst[i] = src[i] ^ m[i & 3];
}

/*
 * UTF-8 automaton state: continuation bytes still expected (bits 0-1), the
 * range the next one must fall in (bits 8-15 low, 16-23 high). Zero is
 * "between code points". The narrow ranges after E0, ED, F0 and F4 reject
 * overlongs, surrogates and code points above U+10FFFF at the second
 * byte, so an impossible prefix fails as soon as it arrives.
 */
#define WS_UTF8_BAD 0xff000000u

static inline uint32_t ws_utf8_expect(uint32_t n, uint32_t lo, uint32_t hi)
{
	return n | lo << 8 | hi << 16;
}

/** One byte; returns the new state, WS_UTF8_BAD on an invalid byte. */
static inline uint32_t ws_utf8_step(uint32_t st, uint8_t b)
{
	uint32_t lo = (st >> 8) & 0xff, hi = (st >> 16) & 0xff;

	if (st != 0) {
		if (b < lo || b > hi)
			return WS_UTF8_BAD;
		return (st & 3) == 1 ? 0 : ws_utf8_expect((st & 3) - 1, 0x80, 0xbf);
	}
	if (b < 0x80)
		return 0;
	if (b < 0xc2)
		return WS_UTF8_BAD;
	if (b < 0xe0)
		return ws_utf8_expect(1, 0x80, 0xbf);
	if (b == 0xe0)
		return ws_utf8_expect(2, 0xa0, 0xbf);
	if (b == 0xed)
		return ws_utf8_expect(2, 0x80, 0x9f);
	if (b < 0xf0)
		return ws_utf8_expect(2, 0x80, 0xbf);
	if (b == 0xf0)
		return ws_utf8_expect(3, 0x90, 0xbf);
	if (b < 0xf4)
		return ws_utf8_expect(3, 0x80, 0xbf);
	if (b == 0xf4)
		return ws_utf8_expect(3, 0x80, 0x8f);
	return WS_UTF8_BAD;
}

/** Run the automaton over @p p; the state comes back, maybe BAD. */
static inline uint32_t ws_utf8_run(uint32_t st, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n && st != WS_UTF8_BAD; i++)
		st = ws_utf8_step(st, p[i]);
	return st;
}

/**
 * Where the last, maybe incomplete, code point of @p p starts: the bulk
 * validators then see only whole code points and the automaton sees the
 * tail, so a split code point is "more needed" and not an error.
 */
static inline size_t ws_utf8_whole_prefix(const uint8_t *p, size_t n)
{
	for (size_t k = 1; k <= 3 && k <= n; k++) {
		uint8_t b = p[n - k];
		size_t need;

		if ((b & 0xc0) == 0x80)
			continue;
		need = b < 0xc0 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
		return need > k ? n - k : n;
	}
	return n;
}

/**
 * An ISA's validator: finish a code point left from the last piece, hand
 * the whole code points to @p bulk (returns non-zero when invalid), then
 * run the automaton on the tail.
 */
static inline int ws_utf8_drive(uint32_t *state, const uint8_t *p, size_t n,
		int (*bulk)(const uint8_t *, size_t))
{
	uint32_t st = *state;
	size_t i = 0, end;

	while (st != 0 && st != WS_UTF8_BAD && i < n)
		st = ws_utf8_step(st, p[i++]);
	if (st == 0 && i < n) {
		end = i + ws_utf8_whole_prefix(p + i, n - i);
		if (bulk(p + i, end - i) != 0)
			st = WS_UTF8_BAD;
		else
			st = ws_utf8_run(0, p + end, n - end);
	}
	*state = st;
	if (st == WS_UTF8_BAD)
		return -WS_ERR_UTF8;
	return st != 0 ? -WS_ERR_AGAIN : 0;
}


/*
 * Tables of the lookup validator (Keiser and Lemire, "Validating UTF-8 in
 * less than one instruction per byte", 2021) that the AVX2 and AVX-512
 * files share: each byte pair is classified by the high nibble of the
 * first byte, its low nibble and the high nibble of the second; the AND
 * of the three is non-zero for an error, except TWO_CONTS, which must be
 * set exactly where a third or fourth byte is due.
 */
#define WS_U8_TOO_SHORT (1 << 0)
#define WS_U8_TOO_LONG (1 << 1)
#define WS_U8_OVERLONG_3 (1 << 2)
#define WS_U8_TOO_LARGE (1 << 3)
#define WS_U8_SURROGATE (1 << 4)
#define WS_U8_OVERLONG_2 (1 << 5)
#define WS_U8_TOO_LARGE_1000 (1 << 6)
#define WS_U8_OVERLONG_4 (1 << 6)
#define WS_U8_TWO_CONTS (-128)  /* bit 7, negative so tables fit a char */
#define WS_U8_CARRY (WS_U8_TOO_SHORT | WS_U8_TOO_LONG | WS_U8_TWO_CONTS)
#define WS_U8_LARGE (WS_U8_CARRY | WS_U8_TOO_LARGE | WS_U8_TOO_LARGE_1000)
#define WS_U8_CONT_ANY (WS_U8_TOO_LONG | WS_U8_OVERLONG_2 | WS_U8_TWO_CONTS)

/* By the first byte's high nibble. */
#define WS_U8_BYTE1_HIGH \
	WS_U8_TOO_LONG, WS_U8_TOO_LONG, WS_U8_TOO_LONG, WS_U8_TOO_LONG, \
	WS_U8_TOO_LONG, WS_U8_TOO_LONG, WS_U8_TOO_LONG, WS_U8_TOO_LONG, \
	WS_U8_TWO_CONTS, WS_U8_TWO_CONTS, WS_U8_TWO_CONTS, WS_U8_TWO_CONTS, \
	WS_U8_TOO_SHORT | WS_U8_OVERLONG_2, \
	WS_U8_TOO_SHORT, \
	WS_U8_TOO_SHORT | WS_U8_OVERLONG_3 | WS_U8_SURROGATE, \
	WS_U8_TOO_SHORT | WS_U8_TOO_LARGE | WS_U8_TOO_LARGE_1000 | \
		WS_U8_OVERLONG_4

/* By the first byte's low nibble. */
#define WS_U8_BYTE1_LOW \
	WS_U8_CARRY | WS_U8_OVERLONG_3 | WS_U8_OVERLONG_2 | WS_U8_OVERLONG_4, \
	WS_U8_CARRY | WS_U8_OVERLONG_2, \
	WS_U8_CARRY, WS_U8_CARRY, \
	WS_U8_CARRY | WS_U8_TOO_LARGE, \
	WS_U8_LARGE, WS_U8_LARGE, WS_U8_LARGE, WS_U8_LARGE, WS_U8_LARGE, \
	WS_U8_LARGE, WS_U8_LARGE, WS_U8_LARGE, \
	WS_U8_LARGE | WS_U8_SURROGATE, \
	WS_U8_LARGE, WS_U8_LARGE

/* By the second byte's high nibble. */
#define WS_U8_BYTE2_HIGH \
	WS_U8_TOO_SHORT, WS_U8_TOO_SHORT, WS_U8_TOO_SHORT, WS_U8_TOO_SHORT, \
	WS_U8_TOO_SHORT, WS_U8_TOO_SHORT, WS_U8_TOO_SHORT, WS_U8_TOO_SHORT, \
	WS_U8_CONT_ANY | WS_U8_OVERLONG_3 | WS_U8_TOO_LARGE_1000 | \
		WS_U8_OVERLONG_4, \
	WS_U8_CONT_ANY | WS_U8_OVERLONG_3 | WS_U8_TOO_LARGE, \
	WS_U8_CONT_ANY | WS_U8_SURROGATE | WS_U8_TOO_LARGE, \
	WS_U8_CONT_ANY | WS_U8_SURROGATE | WS_U8_TOO_LARGE, \
	WS_U8_TOO_SHORT, WS_U8_TOO_SHORT, WS_U8_TOO_SHORT, WS_U8_TOO_SHORT

#endif /* WS_SIMD_PRIV_H */
