/**
 * @file
 * SIMD dispatch: the table of implementations in priority order, each
 * with the CPU features it needs, and the choice made once at start by
 * ws_simd_init(). ws_ctx_init() copies the chosen function pointers into
 * the worker's context, so the hot path reads no global.
 */
#include <stdio.h>
#include <string.h>

#include "ws.h"
#include "ws_simd_priv.h"

static const struct ws_simd_impl ws_simd_table[] = {
	{ "avx512", "avx512f avx512bw avx512vl", WS_CPU_AVX512,
		ws_unmask_avx512, ws_utf8_avx512 },
	{ "avx2", "avx2", WS_CPU_AVX2, ws_unmask_avx2, ws_utf8_avx2 },
	{ "sse2", "sse2", WS_CPU_SSE2, ws_unmask_sse2, ws_utf8_sse2 },
	{ "scalar", "", 0, ws_unmask_scalar, ws_utf8_scalar },
};

#define WS_SIMD_N (sizeof(ws_simd_table) / sizeof(ws_simd_table[0]))

static const struct ws_simd_impl *ws_simd_chosen;
static char ws_simd_errbuf[160];

/* __builtin_cpu_supports() wants literals, hence the bits. */
static unsigned int ws_cpu_features(void)
{
	unsigned int f = 0;

	__builtin_cpu_init();
	if (__builtin_cpu_supports("sse2"))
		f |= WS_CPU_SSE2;
	if (__builtin_cpu_supports("avx2"))
		f |= WS_CPU_AVX2;
	if (__builtin_cpu_supports("avx512f") &&
			__builtin_cpu_supports("avx512bw") &&
			__builtin_cpu_supports("avx512vl"))
		f |= WS_CPU_AVX512;
	return f;
}

bool ws_simd_supported(const struct ws_simd_impl *impl)
{
	return (impl->needs & ~ws_cpu_features()) == 0;
}

unsigned int ws_simd_count(void)
{
	return WS_SIMD_N;
}

const struct ws_simd_impl *ws_simd_get(unsigned int i)
{
	return i < WS_SIMD_N ? &ws_simd_table[i] : NULL;
}

const struct ws_simd_impl *ws_simd_find(const char *name)
{
	for (unsigned int i = 0; i < WS_SIMD_N; i++)
		if (strcmp(ws_simd_table[i].name, name) == 0)
			return &ws_simd_table[i];
	return NULL;
}

static int ws_simd_refuse(int err, const char *what, const char *name)
{
	size_t off;

	off = (size_t)snprintf(ws_simd_errbuf, sizeof(ws_simd_errbuf),
			"%s SIMD implementation '%s'; valid:", what, name);
	for (unsigned int i = 0; i < WS_SIMD_N && off < sizeof(ws_simd_errbuf); i++)
		if (ws_simd_supported(&ws_simd_table[i]))
			off += (size_t)snprintf(ws_simd_errbuf + off,
					sizeof(ws_simd_errbuf) - off, " %s",
					ws_simd_table[i].name);
	return -err;
}

int ws_simd_init(const char *override)
{
	const struct ws_simd_impl *impl;

	if (override == NULL || override[0] == '\0') {
		for (unsigned int i = 0; i < WS_SIMD_N; i++) {
			if (ws_simd_supported(&ws_simd_table[i])) {
				ws_simd_chosen = &ws_simd_table[i];
				break;
			}
		}
		return 0;
	}
	impl = ws_simd_find(override);
	if (impl == NULL)
		return ws_simd_refuse(WS_ERR_INVAL, "unknown", override);
	if (!ws_simd_supported(impl))
		return ws_simd_refuse(WS_ERR_NOTSUP, "unsupported", override);
	ws_simd_chosen = impl;
	return 0;
}

const struct ws_simd_impl *ws_simd_active(void)
{
	if (ws_simd_chosen == NULL)
		ws_simd_init(NULL);
	return ws_simd_chosen;
}

const char *ws_simd_name(void)
{
	return ws_simd_active()->name;
}

const char *ws_simd_error(void)
{
	return ws_simd_errbuf;
}

void ws_unmask(uint8_t *dst, const uint8_t *src, size_t len, uint32_t key,
		size_t phase)
{
	ws_simd_active()->unmask(dst, src, len, key, phase);
}

int ws_utf8_validate(uint32_t *state, const uint8_t *p, size_t len)
{
	return ws_simd_active()->utf8(state, p, len);
}
