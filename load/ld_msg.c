/**
 * @file
 * What wsgw-load puts in a message, and how it checks what comes back.
 * A message is its header (connection, sequence number, the time it was
 * due and how late it went, a check word) and then a pattern drawn from
 * the connection and sequence number. Nothing of what was sent is kept:
 * the checker regenerates it, so every byte of an echo or a delivery is
 * compared, at any split, with no copy. Text messages carry the header in
 * hexadecimal and a printable pattern, so they stay valid UTF-8.
 *
 * ld_send_msg (ld_conn.c) -> ld_msg_build; on_chunk -> ld_msg_hdr_read,
 * ld_pat_check.
 */
#include <string.h>

#include "ld.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
		"the pattern's word and byte paths agree on little-endian only");

static const char ld_hex[16] = "0123456789abcdef";

static void ld_put_le(uint8_t *p, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t ld_get_le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static uint32_t ld_msg_check(const struct ld_msg_hdr *h)
{
	uint64_t c = ld_mix(ld_msg_seed(h->gid, h->seq) ^ h->t_intended ^
			((uint64_t)h->t_delta << 17));

	return (uint32_t)(c >> 32);
}

static void ld_hdr_bin(uint8_t *b, const struct ld_msg_hdr *h)
{
	ld_put_le(b, h->gid, 4);
	ld_put_le(b + 4, h->seq, 4);
	ld_put_le(b + 8, h->t_intended, 8);
	ld_put_le(b + 16, h->t_delta, 4);
	ld_put_le(b + 20, ld_msg_check(h), 4);
}

void ld_msg_hdr_write(uint8_t *p, const struct ld_msg_hdr *h, bool text)
{
	uint8_t b[LD_MSG_HDR];

	if (!text) {
		ld_hdr_bin(p, h);
		return;
	}
	ld_hdr_bin(b, h);
	for (unsigned int i = 0; i < LD_MSG_HDR; i++) {
		p[2 * i] = (uint8_t)ld_hex[b[i] >> 4];
		p[2 * i + 1] = (uint8_t)ld_hex[b[i] & 15];
	}
}

static int ld_unhex(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int ld_msg_hdr_read(const uint8_t *p, bool text, struct ld_msg_hdr *h)
{
	uint8_t b[LD_MSG_HDR];
	const uint8_t *q = p;

	if (text) {
		for (unsigned int i = 0; i < LD_MSG_HDR; i++) {
			int hi = ld_unhex(p[2 * i]), lo = ld_unhex(p[2 * i + 1]);

			if (hi < 0 || lo < 0)
				return -1;
			b[i] = (uint8_t)(hi << 4 | lo);
		}
		q = b;
	}
	h->gid = (uint32_t)ld_get_le(q, 4);
	h->seq = (uint32_t)ld_get_le(q + 4, 4);
	h->t_intended = ld_get_le(q + 8, 8);
	h->t_delta = (uint32_t)ld_get_le(q + 16, 4);
	return (uint32_t)ld_get_le(q + 20, 4) == ld_msg_check(h) ? 0 : -1;
}

/* Word @p k of the pattern: eight bytes, printable ones for text. */
static inline uint64_t ld_pat_word(uint64_t seed, uint64_t k, bool text)
{
	uint64_t w = ld_mix(seed + k * 0x9e3779b97f4a7c15ull);

	/* 0x41..0x60 in every byte: no carry crosses a byte. */
	return text ? (w & 0x1f1f1f1f1f1f1f1full) + 0x4141414141414141ull : w;
}

/* The pattern from offset @p off, each word XORed with @p x (0: none). */
static inline void ld_pat_put(uint8_t *p, uint64_t off, size_t len,
		uint64_t seed, bool text, uint64_t x)
{
	uint64_t k = off >> 3;
	unsigned int s = (unsigned int)(off & 7);

	while (len > 0) {
		uint64_t w = ld_pat_word(seed, k++, text) ^ x;

		if (s == 0 && len >= 8) {
			memcpy(p, &w, 8);
			p += 8;
			len -= 8;
			continue;
		}
		for (; s < 8 && len > 0; s++, len--)
			*p++ = (uint8_t)(w >> (8 * s));
		s = 0;
	}
}

void ld_pat_fill(uint8_t *p, uint64_t off, size_t len, uint64_t seed,
		bool text)
{
	ld_pat_put(p, off, len, seed, text, 0);
}

/* Regenerated in small pieces and compared: no copy of the message kept. */
bool ld_pat_check(const uint8_t *p, uint64_t off, size_t len, uint64_t seed,
		bool text)
{
	uint8_t want[64];

	while (len > 0) {
		size_t n = len < sizeof(want) ? len : sizeof(want);

		ld_pat_fill(want, off, n, seed, text);
		if (memcmp(p, want, n) != 0)
			return false;
		p += n;
		off += n;
		len -= n;
	}
	return true;
}

_Static_assert(LD_MSG_HDR % 4 == 0 && LD_MSG_HDR_TEXT % 4 == 0,
		"the pattern's words start at mask phase 0");
_Static_assert(LD_MSG_HDR == 24, "ld_msg_put_masked writes three words");

void ld_msg_put_masked(uint8_t *p, uint32_t off, uint32_t len,
		const struct ld_msg_hdr *h, bool text, uint32_t key)
{
	const uint32_t hl = ld_msg_hdr_size(text);
	const uint64_t seed = ld_msg_seed(h->gid, h->seq);
	const uint64_t key2 = (uint64_t)key << 32 | key;

	if (off == 0 && len >= hl && !text) {
		/* The binary header's fields as words (ld_hdr_bin's layout). */
		uint64_t w[3] = {
			((uint64_t)h->seq << 32 | h->gid) ^ key2,
			h->t_intended ^ key2,
			((uint64_t)ld_msg_check(h) << 32 | h->t_delta) ^ key2,
		};

		memcpy(p, w, sizeof(w));
		p += hl;
		off = hl;
		len -= hl;
	} else if (off < hl) {
		uint8_t b[LD_MSG_HDR_TEXT];
		uint32_t n = len < hl - off ? len : hl - off;

		ld_msg_hdr_write(b, h, text);
		for (uint32_t i = 0; i < n; i++)
			p[i] = b[off + i] ^ (uint8_t)(key >> (8 * ((off + i) & 3)));
		p += n;
		off += n;
		len -= n;
	}
	/* Pattern offset off - hl agrees with off modulo 4: each pattern
	 * word starts at mask phase 0. */
	ld_pat_put(p, off - hl, len, seed, text, key2);
}

void ld_msg_build(uint8_t *p, uint32_t len, const struct ld_msg_hdr *h,
		bool text)
{
	uint32_t hl = ld_msg_hdr_size(text);

	ld_msg_hdr_write(p, h, text);
	ld_pat_fill(p + hl, 0, len - hl, ld_msg_seed(h->gid, h->seq), text);
}

#define LD_STAT_DESC_(id, name, desc, kind) { name, desc, kind },
static const struct ld_stat_desc ld_stat_descs[LD_STAT__COUNT] = {
	LD_STATS_COUNTERS(LD_STAT_DESC_)
	LD_STATS_GAUGES(LD_STAT_DESC_)
	LD_STATS_ERRORS(LD_STAT_DESC_)
};
#undef LD_STAT_DESC_

const struct ld_stat_desc *ld_stat_desc(unsigned int id)
{
	return id < LD_STAT__COUNT ? &ld_stat_descs[id] : NULL;
}
