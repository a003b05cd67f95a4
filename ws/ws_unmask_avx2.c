/**
 * @file
 * AVX2 unmasking, 32 bytes a vector, four vectors a round; built with
 * -mavx2. The tail below 32 bytes uses one 16-byte vector, then bytes.
 */
#include <immintrin.h>

#include "ws_simd_priv.h"

void ws_unmask_avx2(uint8_t *dst, const uint8_t *src, size_t len,
		uint32_t key, size_t phase)
{
	uint32_t k = ws_mask_rotate(key, phase);
	__m256i kv = _mm256_set1_epi32((int)k);
	size_t i = 0;

	for (; i + 128 <= len; i += 128) {
		__m256i a = _mm256_loadu_si256((const __m256i *)(src + i));
		__m256i b = _mm256_loadu_si256((const __m256i *)(src + i + 32));
		__m256i c = _mm256_loadu_si256((const __m256i *)(src + i + 64));
		__m256i d = _mm256_loadu_si256((const __m256i *)(src + i + 96));

		_mm256_storeu_si256((__m256i *)(dst + i), _mm256_xor_si256(a, kv));
		_mm256_storeu_si256((__m256i *)(dst + i + 32), _mm256_xor_si256(b, kv));
		_mm256_storeu_si256((__m256i *)(dst + i + 64), _mm256_xor_si256(c, kv));
		_mm256_storeu_si256((__m256i *)(dst + i + 96), _mm256_xor_si256(d, kv));
	}
	for (; i + 32 <= len; i += 32) {
		__m256i a = _mm256_loadu_si256((const __m256i *)(src + i));

		_mm256_storeu_si256((__m256i *)(dst + i), _mm256_xor_si256(a, kv));
	}
	if (i + 16 <= len) {
		__m128i a = _mm_loadu_si128((const __m128i *)(src + i));

		_mm_storeu_si128((__m128i *)(dst + i),
				_mm_xor_si128(a, _mm256_castsi256_si128(kv)));
		i += 16;
	}
	ws_unmask_tail(dst + i, src + i, len - i, k);
}
