/**
 * @file
 * Conflation keys: the value of one JSON member of a message, hashed, so
 * that a slow subscriber's queue keeps one message per key.
 *
 * dp_gw_deliver (conflate policy, queue not empty) -> dp_conflate_key.
 */
#include <string.h>

#include "dp_key.h"

#define DP_ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

/* One SipRound (Aumasson and Bernstein, "SipHash: a fast short-input PRF"). */
#define DP_SIPROUND(v0, v1, v2, v3) do { \
		v0 += v1; v1 = DP_ROTL(v1, 13); v1 ^= v0; v0 = DP_ROTL(v0, 32); \
		v2 += v3; v3 = DP_ROTL(v3, 16); v3 ^= v2; \
		v0 += v3; v3 = DP_ROTL(v3, 21); v3 ^= v0; \
		v2 += v1; v1 = DP_ROTL(v1, 17); v1 ^= v2; v2 = DP_ROTL(v2, 32); \
	} while (0)

/* Eight bytes at any alignment, little-endian. */
static uint64_t dp_le64(const uint8_t *b, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

uint64_t dp_siphash(const struct dp_sipkey *key, const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t v0 = key->k0 ^ 0x736f6d6570736575ull;
	uint64_t v1 = key->k1 ^ 0x646f72616e646f6dull;
	uint64_t v2 = key->k0 ^ 0x6c7967656e657261ull;
	uint64_t v3 = key->k1 ^ 0x7465646279746573ull;
	uint64_t m;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		m = dp_le64(b + i, 8);
		v3 ^= m;
		DP_SIPROUND(v0, v1, v2, v3);
		DP_SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	m = dp_le64(b + i, n - i) | (uint64_t)(n & 0xff) << 56;
	v3 ^= m;
	DP_SIPROUND(v0, v1, v2, v3);
	DP_SIPROUND(v0, v1, v2, v3);
	v0 ^= m;
	v2 ^= 0xff;
	for (int r = 0; r < 4; r++)
		DP_SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/*
 * A scan, not a parser: strings are skipped with their escapes, a name is
 * a string followed by ':', and the value ends at its closing quote or at
 * ',', '}', ']' or white space.
 */
uint32_t dp_conflate_key(const uint8_t *p, size_t n, const char *field)
{
	size_t flen = strlen(field);

	for (size_t i = 0; i < n; i++) {
		size_t start, end, v;
		uint64_t hv;
		uint32_t h;

		if (p[i] != '"')
			continue;
		start = ++i;
		while (i < n && p[i] != '"')
			i += p[i] == '\\' ? 2 : 1;
		if (i >= n)
			return 0;
		end = i;
		v = i + 1;
		while (v < n && (p[v] == ' ' || p[v] == '\t' || p[v] == '\r' ||
					p[v] == '\n'))
			v++;
		if (v >= n || p[v] != ':')
			continue;          /* a value, not a name */
		if (end - start != flen || memcmp(p + start, field, flen) != 0)
			continue;
		v++;
		while (v < n && (p[v] == ' ' || p[v] == '\t' || p[v] == '\r' ||
					p[v] == '\n'))
			v++;
		if (v >= n)
			return 0;
		start = v;
		if (p[v] == '"') {
			for (v++; v < n && p[v] != '"'; v += p[v] == '\\' ? 2 : 1)
				;
			if (v >= n)
				return 0;
			end = v + 1;
		} else {
			while (v < n && p[v] != ',' && p[v] != '}' &&
					p[v] != ']' && p[v] != ' ' && p[v] != '\n')
				v++;
			end = v;
		}
		hv = dp_fnv1a64(p + start, end - start);
		h = (uint32_t)(hv ^ (hv >> 32));
		return h != 0 ? h : 1;
	}
	return 0;
}

