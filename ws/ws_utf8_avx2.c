/**
 * @file
 * AVX2 UTF-8 validation; built with -mavx2. 32-byte blocks: all-ASCII
 * blocks cost one test, the others go through the lookup validator
 * (three vpshufb table look-ups per block, see ws_simd_priv.h). The last
 * partial block is zero-padded.
 */
#include <immintrin.h>

#include "ws_simd_priv.h"

struct ws_u8_avx2 {
	__m256i error;
	__m256i prev;         /* previous block */
	__m256i incomplete;   /* previous block ends inside a code point */
};

static inline __m256i ws_u8_nibble_hi(__m256i v)
{
	return _mm256_and_si256(_mm256_srli_epi16(v, 4), _mm256_set1_epi8(0x0f));
}

static inline __m256i ws_u8_check_avx2(__m256i in, __m256i prev)
{
	const __m256i t1 = _mm256_setr_epi8(WS_U8_BYTE1_HIGH, WS_U8_BYTE1_HIGH);
	const __m256i t2 = _mm256_setr_epi8(WS_U8_BYTE1_LOW, WS_U8_BYTE1_LOW);
	const __m256i t3 = _mm256_setr_epi8(WS_U8_BYTE2_HIGH, WS_U8_BYTE2_HIGH);
	/* Lane 0 of this block after the last lane of the previous one. */
	__m256i joined = _mm256_permute2x128_si256(prev, in, 0x21);
	__m256i prev1 = _mm256_alignr_epi8(in, joined, 15);
	__m256i prev2 = _mm256_alignr_epi8(in, joined, 14);
	__m256i prev3 = _mm256_alignr_epi8(in, joined, 13);
	__m256i sc = _mm256_and_si256(
			_mm256_and_si256(
				_mm256_shuffle_epi8(t1, ws_u8_nibble_hi(prev1)),
				_mm256_shuffle_epi8(t2, _mm256_and_si256(prev1,
						_mm256_set1_epi8(0x0f)))),
			_mm256_shuffle_epi8(t3, ws_u8_nibble_hi(in)));
	/* Top bit set where prev2 >= 0xE0 or prev3 >= 0xF0. */
	__m256i third = _mm256_subs_epu8(prev2, _mm256_set1_epi8(0xe0 - 0x80));
	__m256i fourth = _mm256_subs_epu8(prev3, _mm256_set1_epi8(0xf0 - 0x80));
	__m256i must23 = _mm256_and_si256(_mm256_or_si256(third, fourth),
			_mm256_set1_epi8((char)0x80));

	return _mm256_xor_si256(must23, sc);
}

static inline void ws_u8_block_avx2(struct ws_u8_avx2 *s, __m256i in)
{
	if (_mm256_movemask_epi8(in) == 0) {
		s->error = _mm256_or_si256(s->error, s->incomplete);
	} else {
		const __m256i max = _mm256_setr_epi8(
				-1, -1, -1, -1, -1, -1, -1, -1,
				-1, -1, -1, -1, -1, -1, -1, -1,
				-1, -1, -1, -1, -1, -1, -1, -1,
				-1, -1, -1, -1, -1, (char)0xef, (char)0xdf,
				(char)0xbf);

		s->error = _mm256_or_si256(s->error, ws_u8_check_avx2(in, s->prev));
		s->incomplete = _mm256_subs_epu8(in, max);
	}
	s->prev = in;
}

static int ws_utf8_bulk_avx2(const uint8_t *p, size_t n)
{
	struct ws_u8_avx2 s = {
		_mm256_setzero_si256(), _mm256_setzero_si256(),
		_mm256_setzero_si256(),
	};
	size_t i = 0;

	for (; i + 32 <= n; i += 32)
		ws_u8_block_avx2(&s, _mm256_loadu_si256((const __m256i *)(p + i)));
	if (i < n) {
		uint8_t last[32] = { 0 };

		memcpy(last, p + i, n - i);
		ws_u8_block_avx2(&s, _mm256_loadu_si256((const __m256i *)last));
	}
	s.error = _mm256_or_si256(s.error, s.incomplete);
	return !_mm256_testz_si256(s.error, s.error);
}

int ws_utf8_avx2(uint32_t *state, const uint8_t *p, size_t len)
{
	return ws_utf8_drive(state, p, len, ws_utf8_bulk_avx2);
}
