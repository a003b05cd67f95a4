/**
 * @file
 * AVX-512 unmasking, 64 bytes a vector, four vectors a round; built with
 * -mavx512f -mavx512bw -mavx512vl. The tail is one masked load and store
 * (AVX512BW byte masks), which never touch the bytes past the end.
 */
#include <immintrin.h>

#include "ws_simd_priv.h"

void ws_unmask_avx512(uint8_t *dst, const uint8_t *src, size_t len,
		uint32_t key, size_t phase)
{
	uint32_t k = ws_mask_rotate(key, phase);
	__m512i kv = _mm512_set1_epi32((int)k);
	size_t i = 0;

	/*
	 * Long runs: one masked block up to a 64-byte boundary of dst, so
	 * that no store of the loop splits a cache line.
	 */
	if (len >= 1024 && ((uintptr_t)dst & 63) != 0) {
		i = 64 - ((uintptr_t)dst & 63);
		__mmask64 m = ((__mmask64)1 << i) - 1;

		_mm512_mask_storeu_epi8(dst, m, _mm512_xor_si512(
					_mm512_maskz_loadu_epi8(m, src), kv));
		k = ws_mask_rotate(key, phase + i);
		kv = _mm512_set1_epi32((int)k);
	}
	for (; i + 256 <= len; i += 256) {
		__m512i a = _mm512_loadu_si512(src + i);
		__m512i b = _mm512_loadu_si512(src + i + 64);
		__m512i c = _mm512_loadu_si512(src + i + 128);
		__m512i d = _mm512_loadu_si512(src + i + 192);

		_mm512_storeu_si512(dst + i, _mm512_xor_si512(a, kv));
		_mm512_storeu_si512(dst + i + 64, _mm512_xor_si512(b, kv));
		_mm512_storeu_si512(dst + i + 128, _mm512_xor_si512(c, kv));
		_mm512_storeu_si512(dst + i + 192, _mm512_xor_si512(d, kv));
	}
	for (; i + 64 <= len; i += 64) {
		__m512i a = _mm512_loadu_si512(src + i);

		_mm512_storeu_si512(dst + i, _mm512_xor_si512(a, kv));
	}
	if (i < len) {
		__mmask64 m = ((__mmask64)1 << (len - i)) - 1;
		__m512i a = _mm512_maskz_loadu_epi8(m, src + i);

		_mm512_mask_storeu_epi8(dst + i, m, _mm512_xor_si512(a, kv));
	}
}
