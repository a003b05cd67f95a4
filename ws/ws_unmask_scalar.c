/**
 * @file
 * Portable unmasking, 8 bytes at a time through a 64-bit word. Built
 * with -fno-tree-vectorize so that it stays the scalar reference the SIMD
 * versions are tested and measured against.
 * Called through ws_ctx.unmask / ws_unmask() (ws_simd.c picks it).
 */
#include "ws_simd_priv.h"

void ws_unmask_scalar(uint8_t *dst, const uint8_t *src, size_t len,
		uint32_t key, size_t phase)
{
	uint32_t k = ws_mask_rotate(key, phase);
	uint64_t k64 = (uint64_t)k << 32 | k;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t v;

		memcpy(&v, src + i, 8);
		v ^= k64;
		memcpy(dst + i, &v, 8);
	}
	ws_unmask_tail(dst + i, src + i, len - i, k);
}
