/**
 * @file
 * SSE2 unmasking, 16 bytes a vector, four vectors a round; built with
 * -msse2. Unaligned loads and stores, so any alignment works; 16 is a
 * multiple of 4, so the key phase never changes inside the loop.
 */
#include <emmintrin.h>

#include "ws_simd_priv.h"

void ws_unmask_sse2(uint8_t *dst, const uint8_t *src, size_t len,
		uint32_t key, size_t phase)
{
	uint32_t k = ws_mask_rotate(key, phase);
	__m128i kv = _mm_set1_epi32((int)k);
	size_t i = 0;

	for (; i + 64 <= len; i += 64) {
		__m128i a = _mm_loadu_si128((const __m128i *)(src + i));
		__m128i b = _mm_loadu_si128((const __m128i *)(src + i + 16));
		__m128i c = _mm_loadu_si128((const __m128i *)(src + i + 32));
		__m128i d = _mm_loadu_si128((const __m128i *)(src + i + 48));

		_mm_storeu_si128((__m128i *)(dst + i), _mm_xor_si128(a, kv));
		_mm_storeu_si128((__m128i *)(dst + i + 16), _mm_xor_si128(b, kv));
		_mm_storeu_si128((__m128i *)(dst + i + 32), _mm_xor_si128(c, kv));
		_mm_storeu_si128((__m128i *)(dst + i + 48), _mm_xor_si128(d, kv));
	}
	for (; i + 16 <= len; i += 16) {
		__m128i a = _mm_loadu_si128((const __m128i *)(src + i));

		_mm_storeu_si128((__m128i *)(dst + i), _mm_xor_si128(a, kv));
	}
	if (i + 8 <= len) {
		__m128i a = _mm_loadl_epi64((const __m128i *)(src + i));

		_mm_storel_epi64((__m128i *)(dst + i), _mm_xor_si128(a, kv));
		i += 8;
	}
	ws_unmask_tail(dst + i, src + i, len - i, k);
}
