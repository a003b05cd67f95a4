/**
 * @file
 * Hashes of client-chosen names: conflation keys and channel ids (dp_key.c).
 */
#ifndef DP_KEY_H
#define DP_KEY_H

#include <stddef.h>
#include <stdint.h>

/**
 * FNV-1a, 64 bits, over bytes at any alignment: channel ids and
 * conflation keys (short strings, hashed off the hot per-packet path).
 */
static inline uint64_t dp_fnv1a64(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

/** SipHash-2-4 key: 16 bytes, secret, chosen at start. */
struct dp_sipkey {
	uint64_t k0, k1;
};

/**
 * SipHash-2-4 of @p n bytes under @p key: channel ids, which clients name
 * and must not be able to make collide.
 */
uint64_t dp_siphash(const struct dp_sipkey *key, const void *p, size_t n);

/**
 * The value of JSON member @p field in @p p (the first member of that
 * name, at any depth), as a hash that is never 0.
 * @return the hash, or 0 when there is no such member or its value is cut
 *         off by the end of @p p.
 */
uint32_t dp_conflate_key(const uint8_t *p, size_t n, const char *field);

#endif /* DP_KEY_H */
