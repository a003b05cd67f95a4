/**
 * @file
 * Portable UTF-8 validation: ASCII runs 8 bytes at a time through a
 * 64-bit word, the rest through the byte automaton of ws_simd_priv.h.
 * Built with -fno-tree-vectorize, as the reference the others must equal.
 * Called through ws_ctx.utf8 / ws_utf8_validate().
 */
#include "ws_simd_priv.h"

static int ws_utf8_bulk_scalar(const uint8_t *p, size_t n)
{
	uint32_t st = 0;
	size_t i = 0;

	while (i < n) {
		uint64_t v;

		if (st == 0 && i + 8 <= n) {
			memcpy(&v, p + i, 8);
			if ((v & 0x8080808080808080ull) == 0) {
				i += 8;
				continue;
			}
		}
		st = ws_utf8_step(st, p[i++]);
		if (st == WS_UTF8_BAD)
			return -1;
	}
	return st != 0;
}

int ws_utf8_scalar(uint32_t *state, const uint8_t *p, size_t len)
{
	return ws_utf8_drive(state, p, len, ws_utf8_bulk_scalar);
}
