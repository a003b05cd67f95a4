/**
 * @file
 * Unit tests of wsgw-load's messages: the header read back in binary and
 * text, the pattern equal whether written whole or in pieces, masked as
 * written equal to masked after, the checker
 * at every split, and every single corrupted byte caught.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ld.h"

static const struct ld_msg_hdr hdr = {
	.gid = 0x01020304, .seq = 77, .t_intended = 0x1122334455667788ull,
	.t_delta = 999,
};

static void test_header(void **state)
{
	uint8_t p[LD_MSG_HDR_TEXT];
	struct ld_msg_hdr h;

	(void)state;
	for (int text = 0; text < 2; text++) {
		uint32_t n = ld_msg_hdr_size(text);

		ld_msg_hdr_write(p, &hdr, text);
		assert_int_equal(ld_msg_hdr_read(p, text, &h), 0);
		assert_int_equal(h.gid, hdr.gid);
		assert_int_equal(h.seq, hdr.seq);
		assert_int_equal(h.t_intended, hdr.t_intended);
		assert_int_equal(h.t_delta, hdr.t_delta);
		/* Any flipped bit in the header fails the check word. */
		for (uint32_t i = 0; i < n; i++)
			for (int bit = 0; bit < 8; bit++) {
				p[i] ^= (uint8_t)(1u << bit);
				assert_int_equal(ld_msg_hdr_read(p, text, &h), -1);
				p[i] ^= (uint8_t)(1u << bit);
			}
	}
}

static void test_text_is_printable(void **state)
{
	uint8_t p[4096];

	(void)state;
	ld_msg_build(p, sizeof(p), &hdr, true);
	for (size_t i = 0; i < sizeof(p); i++)
		assert_true(p[i] >= 0x21 && p[i] <= 0x7e);
}

/* Written masked, in pieces at every split, the bytes are the built
 * message masked byte by byte with the key in memory order. */
static void test_put_masked(void **state)
{
	const uint32_t key = 0xa1b2c3d4;
	const uint8_t *kb = (const uint8_t *)&key;
	uint8_t want[300], got[300];

	(void)state;
	for (int text = 0; text < 2; text++)
		for (uint32_t len = ld_msg_hdr_size(text); len <= 140; len += 13) {
			ld_msg_build(want, len, &hdr, text);
			for (uint32_t i = 0; i < len; i++)
				want[i] ^= kb[i & 3];
			for (uint32_t a = 0; a <= len; a++)
				for (uint32_t b = a; b <= len; b += 1 + (b & 3)) {
					memset(got, 0xee, sizeof(got));
					ld_msg_put_masked(got, 0, a, &hdr, text, key);
					ld_msg_put_masked(got + a, a, b - a, &hdr,
							text, key);
					ld_msg_put_masked(got + b, b, len - b, &hdr,
							text, key);
					assert_memory_equal(got, want, len);
					assert_int_equal(got[len], 0xee);
				}
		}
}

static void test_fill_in_pieces(void **state)
{
	const uint64_t seed = ld_msg_seed(5, 6);
	uint8_t whole[256], part[256];

	(void)state;
	for (int text = 0; text < 2; text++) {
		ld_pat_fill(whole, 0, sizeof(whole), seed, text);
		for (size_t off = 0; off < 40; off++)
			for (size_t len = 0; off + len <= 120; len++) {
				memset(part, 0xee, sizeof(part));
				ld_pat_fill(part + off, off, len, seed, text);
				assert_memory_equal(part + off, whole + off, len);
				assert_int_equal(part[off + len], 0xee);
				assert_true(ld_pat_check(whole + off, off, len, seed,
							text));
			}
	}
}

/* The checker fed the message in pieces, as on_chunk would be. */
static bool check_split(const uint8_t *p, uint32_t len, bool text,
		unsigned int seed)
{
	uint32_t hl = ld_msg_hdr_size(text), off = hl;
	struct ld_msg_hdr h;

	if (ld_msg_hdr_read(p, text, &h) != 0)
		return false;
	srand(seed);
	while (off < len) {
		uint32_t n = 1 + (uint32_t)rand() % 97;

		if (n > len - off)
			n = len - off;
		if (!ld_pat_check(p + off, off - hl, n, ld_msg_seed(h.gid, h.seq),
					text))
			return false;
		off += n;
	}
	return h.gid == hdr.gid && h.seq == hdr.seq;
}

static void test_every_byte_checked(void **state)
{
	uint8_t p[700];

	(void)state;
	for (int text = 0; text < 2; text++) {
		uint32_t hl = ld_msg_hdr_size(text);

		for (uint32_t len = hl; len <= sizeof(p); len += 97) {
			ld_msg_build(p, len, &hdr, text);
			assert_true(check_split(p, len, text, len));
			for (uint32_t i = 0; i < len; i++) {
				p[i] ^= 0x01;
				assert_false(check_split(p, len, text, i));
				p[i] ^= 0x01;
			}
		}
	}
	/* Another message's payload (gid or seq off by one) does not check. */
	ld_msg_build(p, 200, &hdr, false);
	assert_false(ld_pat_check(p + LD_MSG_HDR, 0, 200 - LD_MSG_HDR,
				ld_msg_seed(hdr.gid, hdr.seq + 1), false));
	assert_false(ld_pat_check(p + LD_MSG_HDR, 0, 200 - LD_MSG_HDR,
				ld_msg_seed(hdr.gid + 1, hdr.seq), false));
}

static void test_stats_table(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < LD_STAT__COUNT; i++) {
		const struct ld_stat_desc *d = ld_stat_desc(i);

		assert_non_null(d);
		assert_true(strlen(d->name) > 0 && strlen(d->desc) > 0);
		assert_int_equal(d->kind == LD_KIND_ERROR,
				i >= LD_STAT_FIRST_ERROR);
		assert_int_equal(strncmp(d->name, "err_", 4) == 0,
				i >= LD_STAT_FIRST_ERROR);
	}
	assert_null(ld_stat_desc(LD_STAT__COUNT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_text_is_printable),
		cmocka_unit_test(test_fill_in_pieces),
		cmocka_unit_test(test_put_masked),
		cmocka_unit_test(test_every_byte_checked),
		cmocka_unit_test(test_stats_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
