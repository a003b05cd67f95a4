/**
 * @file
 * AVX-512 UTF-8 validation; built with -mavx512f -mavx512bw -mavx512vl.
 * The lookup validator of the AVX2 file on 64-byte blocks; the previous
 * bytes come from a cross-lane permute, the last partial block from a
 * zero-masked load.
 */
#include <immintrin.h>

#include "ws_simd_priv.h"

struct ws_u8_avx512 {
	__m512i error;
	__m512i prev;
	__m512i incomplete;
};

static inline __m512i ws_u8_nibble_hi512(__m512i v)
{
	return _mm512_and_si512(_mm512_srli_epi16(v, 4), _mm512_set1_epi8(0x0f));
}

static inline __m512i ws_u8_check_avx512(__m512i in, __m512i prev)
{
	const __m512i t1 = _mm512_broadcast_i32x4(_mm_setr_epi8(WS_U8_BYTE1_HIGH));
	const __m512i t2 = _mm512_broadcast_i32x4(_mm_setr_epi8(WS_U8_BYTE1_LOW));
	const __m512i t3 = _mm512_broadcast_i32x4(_mm_setr_epi8(WS_U8_BYTE2_HIGH));
	/* Each 128-bit lane of @p in preceded by the lane before it. */
	const __m512i up = _mm512_setr_epi32(28, 29, 30, 31, 0, 1, 2, 3,
			4, 5, 6, 7, 8, 9, 10, 11);
	__m512i joined = _mm512_permutex2var_epi32(in, up, prev);
	__m512i prev1 = _mm512_alignr_epi8(in, joined, 15);
	__m512i prev2 = _mm512_alignr_epi8(in, joined, 14);
	__m512i prev3 = _mm512_alignr_epi8(in, joined, 13);
	__m512i sc = _mm512_and_si512(
			_mm512_and_si512(
				_mm512_shuffle_epi8(t1, ws_u8_nibble_hi512(prev1)),
				_mm512_shuffle_epi8(t2, _mm512_and_si512(prev1,
						_mm512_set1_epi8(0x0f)))),
			_mm512_shuffle_epi8(t3, ws_u8_nibble_hi512(in)));
	__m512i third = _mm512_subs_epu8(prev2, _mm512_set1_epi8(0xe0 - 0x80));
	__m512i fourth = _mm512_subs_epu8(prev3, _mm512_set1_epi8(0xf0 - 0x80));
	__m512i must23 = _mm512_and_si512(_mm512_or_si512(third, fourth),
			_mm512_set1_epi8((char)0x80));

	return _mm512_xor_si512(must23, sc);
}

static inline void ws_u8_block_avx512(struct ws_u8_avx512 *s, __m512i in)
{
	if (_mm512_movepi8_mask(in) == 0) {
		s->error = _mm512_or_si512(s->error, s->incomplete);
	} else {
		/* Non-zero where the block ends inside a code point. */
		const __m512i max = _mm512_mask_blend_epi8(0x7ull << 61,
				_mm512_set1_epi8(-1),
				_mm512_set_epi32((int)0xbfdfef00u, 0, 0, 0, 0, 0, 0, 0,
					0, 0, 0, 0, 0, 0, 0, 0));

		s->error = _mm512_or_si512(s->error,
				ws_u8_check_avx512(in, s->prev));
		s->incomplete = _mm512_subs_epu8(in, max);
	}
	s->prev = in;
}

static int ws_utf8_bulk_avx512(const uint8_t *p, size_t n)
{
	struct ws_u8_avx512 s = {
		_mm512_setzero_si512(), _mm512_setzero_si512(),
		_mm512_setzero_si512(),
	};
	size_t i = 0;

	for (; i + 64 <= n; i += 64)
		ws_u8_block_avx512(&s, _mm512_loadu_si512(p + i));
	if (i < n) {
		__mmask64 m = ((__mmask64)1 << (n - i)) - 1;

		ws_u8_block_avx512(&s, _mm512_maskz_loadu_epi8(m, p + i));
	}
	s.error = _mm512_or_si512(s.error, s.incomplete);
	return _mm512_test_epi8_mask(s.error, s.error) != 0;
}

int ws_utf8_avx512(uint32_t *state, const uint8_t *p, size_t len)
{
	return ws_utf8_drive(state, p, len, ws_utf8_bulk_avx512);
}
