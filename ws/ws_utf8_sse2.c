/**
 * @file
 * SSE2 UTF-8 validation; built with -msse2. SSE2 has no byte shuffle, so
 * only ASCII runs are vectorised: 16 bytes are checked at once, and from
 * the first non-ASCII byte the automaton validates one code point before
 * the vector check resumes.
 */
#include <emmintrin.h>

#include "ws_simd_priv.h"

static int ws_utf8_bulk_sse2(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i + 16 <= n) {
		__m128i v = _mm_loadu_si128((const __m128i *)(p + i));
		unsigned int high = (unsigned int)_mm_movemask_epi8(v);
		uint32_t st;

		if (high == 0) {
			i += 16;
			continue;
		}
		i += (unsigned int)__builtin_ctz(high);
		st = ws_utf8_step(0, p[i++]);
		while (st != 0 && st != WS_UTF8_BAD && i < n)
			st = ws_utf8_step(st, p[i++]);
		if (st != 0)
			return -1;
	}
	return ws_utf8_run(0, p + i, n - i) != 0;
}

int ws_utf8_sse2(uint32_t *state, const uint8_t *p, size_t len)
{
	return ws_utf8_drive(state, p, len, ws_utf8_bulk_sse2);
}
