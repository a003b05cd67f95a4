/**
 * @file
 * UTF-8 validation: a table of valid, invalid and incomplete sequences
 * (RFC 3629 boundaries, every overlong and surrogate form, above U+10FFFF)
 * run on every supported implementation, whole, byte by byte, at random
 * splits and at every offset inside ASCII text; the automaton against an
 * independent decoder for every 1-, 2- and 3-byte sequence; SIMD against
 * scalar on seeded random text.
 */
#include "test_ws_common.c"

enum u8_want {
	U8_VALID,       /* complete and valid: 0 */
	U8_MORE,        /* valid prefix: -WS_ERR_AGAIN */
	U8_BAD,         /* -WS_ERR_UTF8 */
};

struct u8_case {
	const char *bytes;
	size_t len;
	enum u8_want want;
};

#define U8(s, w) { s, sizeof(s) - 1, w }

static const struct u8_case u8_cases[] = {
	U8("", U8_VALID),
	U8("\x00", U8_VALID),                  /* U+0000 */
	U8("\x7f", U8_VALID),                  /* U+007F */
	U8("\xc2\x80", U8_VALID),              /* U+0080 */
	U8("\xdf\xbf", U8_VALID),              /* U+07FF */
	U8("\xe0\xa0\x80", U8_VALID),          /* U+0800 */
	U8("\xed\x9f\xbf", U8_VALID),          /* U+D7FF */
	U8("\xee\x80\x80", U8_VALID),          /* U+E000 */
	U8("\xef\xbf\xbd", U8_VALID),          /* U+FFFD */
	U8("\xef\xbf\xbf", U8_VALID),          /* U+FFFF */
	U8("\xf0\x90\x80\x80", U8_VALID),      /* U+10000 */
	U8("\xf4\x8f\xbf\xbf", U8_VALID),      /* U+10FFFF */
	U8("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", U8_VALID),
	U8("Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0\xc3\xa1-UTF-8!!",
			U8_VALID),
	/* Lone continuation bytes and bad leads. */
	U8("\x80", U8_BAD),
	U8("\xbf", U8_BAD),
	U8("\xc0", U8_BAD),
	U8("\xc1", U8_BAD),
	U8("\xf5", U8_BAD),
	U8("\xf8", U8_BAD),
	U8("\xfe", U8_BAD),
	U8("\xff", U8_BAD),
	U8("\xf8\x88\x80\x80\x80", U8_BAD),    /* old 5-byte form */
	/* Overlongs: every form, at both ends of its range. */
	U8("\xc0\x80", U8_BAD),
	U8("\xc0\xaf", U8_BAD),
	U8("\xc1\xbf", U8_BAD),
	U8("\xe0\x80\x80", U8_BAD),
	U8("\xe0\x80\xaf", U8_BAD),
	U8("\xe0\x9f\xbf", U8_BAD),
	U8("\xf0\x80\x80\x80", U8_BAD),
	U8("\xf0\x80\x80\xaf", U8_BAD),
	U8("\xf0\x8f\xbf\xbf", U8_BAD),
	/* Surrogates, single and paired. */
	U8("\xed\xa0\x80", U8_BAD),            /* U+D800 */
	U8("\xed\xad\xbf", U8_BAD),
	U8("\xed\xae\x80", U8_BAD),
	U8("\xed\xaf\xbf", U8_BAD),
	U8("\xed\xb0\x80", U8_BAD),
	U8("\xed\xbe\x80", U8_BAD),
	U8("\xed\xbf\xbf", U8_BAD),            /* U+DFFF */
	U8("\xed\xa0\x80\xed\xb0\x80", U8_BAD),
	U8("\xed\xaf\xbf\xed\xbf\xbf", U8_BAD),
	/* Above U+10FFFF. */
	U8("\xf4\x90\x80\x80", U8_BAD),
	U8("\xf7\xbf\xbf\xbf", U8_BAD),
	/* Truncated in the middle of text, and too long. */
	U8("\xc2" "a", U8_BAD),
	U8("\xe0\xa0" "a", U8_BAD),
	U8("\xf0\x90\x80" "a", U8_BAD),
	U8("\xc2\x80\x80", U8_BAD),
	U8("a\x80" "b", U8_BAD),
	/* Valid so far: more is needed. */
	U8("\xc2", U8_MORE),
	U8("\xe0\xa0", U8_MORE),
	U8("\xe1", U8_MORE),
	U8("\xed\x9f", U8_MORE),
	U8("\xf0\x90", U8_MORE),
	U8("\xf0\x90\x80", U8_MORE),
	U8("\xf4\x8f\xbf", U8_MORE),
	U8("abc\xce", U8_MORE),
	/* Impossible prefixes fail at once, not at the end. */
	U8("\xe0\x80", U8_BAD),
	U8("\xe0\x9f", U8_BAD),
	U8("\xed\xa0", U8_BAD),
	U8("\xf0\x80", U8_BAD),
	U8("\xf0\x8f", U8_BAD),
	U8("\xf4\x90", U8_BAD),
	U8("\xc2\xc2", U8_BAD),
};

#define U8_N (sizeof(u8_cases) / sizeof(u8_cases[0]))

static int u8_expected_rc(enum u8_want w)
{
	return w == U8_VALID ? 0 : w == U8_MORE ? -WS_ERR_AGAIN : -WS_ERR_UTF8;
}

/* Validate @p p in pieces; stops at the first error like the engine. */
static int u8_feed(ws_utf8_fn fn, const uint8_t *p, size_t len,
		enum test_split how)
{
	uint32_t st = 0;
	size_t off = 0;
	int rc = 0;

	if (len == 0)
		return fn(&st, p, 0);
	while (off < len) {
		size_t n = test_piece(how, len - off);

		rc = fn(&st, p + off, n);
		if (rc == -WS_ERR_UTF8)
			return rc;
		off += n;
	}
	return rc;
}

static void test_utf8_table(void **state)
{
	const char *names[8];
	unsigned int n = test_simd_names(names);
	uint8_t buf[256];

	(void)state;
	test_seed(0x5eed0101);
	for (unsigned int i = 0; i < n; i++) {
		ws_utf8_fn fn = ws_simd_find(names[i])->utf8;

		for (size_t c = 0; c < U8_N; c++) {
			const struct u8_case *tc = &u8_cases[c];
			int want = u8_expected_rc(tc->want);

			for (int how = 0; how < TEST_SPLIT__COUNT; how++) {
				int rc = u8_feed(fn, (const uint8_t *)tc->bytes,
						tc->len, (enum test_split)how);

				if (rc != want)
					fail_msg("%s case %zu (%s): %d, want %d",
							names[i], c, test_split_names[how],
							rc, want);
			}
			/* At every offset of SIMD blocks, behind ASCII. */
			for (size_t pre = 0; pre < 130; pre++) {
				memset(buf, 'x', pre);
				memcpy(buf + pre, tc->bytes, tc->len);
				if (u8_feed(fn, buf, pre + tc->len, TEST_WHOLE) != want)
					fail_msg("%s case %zu after %zu ASCII",
							names[i], c, pre);
			}
		}
	}
}

/* Independent decoder from RFC 3629's definition: 1 valid, 0 not. */
static int u8_reference_one(const uint8_t *p, size_t len)
{
	uint32_t cp;
	size_t need;

	if (len == 0)
		return 0;
	if (p[0] < 0x80)
		return len == 1;
	if ((p[0] & 0xe0) == 0xc0) {
		need = 2;
		cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		need = 3;
		cp = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		need = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (len != need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((need == 2 && cp < 0x80) || (need == 3 && cp < 0x800) ||
			(need == 4 && cp < 0x10000))
		return 0;   /* overlong */
	return !(cp >= 0xd800 && cp <= 0xdfff) && cp <= 0x10ffff;
}

/* A string: code points one after another, each decoded as above. */
static int u8_reference(const uint8_t *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t need = p[i] < 0x80 ? 1 : (p[i] & 0xe0) == 0xc0 ? 2 :
			(p[i] & 0xf0) == 0xe0 ? 3 : (p[i] & 0xf8) == 0xf0 ? 4 : 0;

		if (need == 0 || i + need > len || !u8_reference_one(p + i, need))
			return 0;
		i += need;
	}
	return 1;
}

/* Every string of 1..3 bytes. */
static void test_utf8_exhaustive_short(void **state)
{
	ws_utf8_fn fn = ws_simd_find("scalar")->utf8;
	unsigned long valid = 0;

	(void)state;
	for (uint32_t v = 0; v < (1u << 24); v++) {
		uint8_t b[3] = { (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
		uint32_t st = 0;
		int ok2, rc;

		/* Lengths 1 and 2 only once per prefix. */
		if ((v & 0xffff) == 0) {
			st = 0;
			rc = fn(&st, b, 1);
			assert_int_equal(rc == 0, u8_reference(b, 1));
		}
		if ((v & 0xff) == 0) {
			st = 0;
			rc = fn(&st, b, 2);
			ok2 = u8_reference(b, 2);
			assert_int_equal(rc == 0, ok2);
			valid += (unsigned long)ok2;
		}
		st = 0;
		rc = fn(&st, b, 3);
		if ((rc == 0) != u8_reference(b, 3))
			fail_msg("%02x %02x %02x: %d", b[0], b[1], b[2], rc);
	}
	/* Two ASCII bytes, or one of the 1920 code points U+0080..U+07FF. */
	assert_int_equal(valid, 128 * 128 + 1920);
}

/* Four-byte sequences: every lead and second byte, sampled tails. */
static void test_utf8_four_bytes(void **state)
{
	ws_utf8_fn fn = ws_simd_find("scalar")->utf8;

	(void)state;
	for (uint32_t a = 0xf0; a <= 0xff; a++)
		for (uint32_t b = 0; b < 256; b++)
			for (uint32_t c = 0x70; c < 0xd0; c += 0x0f)
				for (uint32_t d = 0x70; d < 0xd0; d += 0x0d) {
					uint8_t s[4] = { (uint8_t)a, (uint8_t)b,
						(uint8_t)c, (uint8_t)d };
					uint32_t st = 0;
					int rc = fn(&st, s, 4);

					assert_int_equal(rc == 0,
							u8_reference(s, 4));
				}
}

/* Random text with mistakes: every implementation equals scalar. */
static void u8_random_text(uint8_t *p, size_t len)
{
	static const char *const pieces[] = {
		"a", "Z", " ", "\xc2\xa9", "\xce\xba", "\xe2\x82\xac",
		"\xe6\x97\xa5", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf",
	};
	size_t i = 0;

	while (i < len) {
		const char *s = pieces[test_rand() % 9];
		size_t n = strlen(s);

		if (test_rand() % 4 != 0)
			s = "abcdefgh", n = 8;
		for (size_t k = 0; k < n && i < len; k++)
			p[i++] = (uint8_t)s[k];
	}
	/* One in three texts gets a random byte somewhere. */
	if (len > 0 && test_rand() % 3 == 0)
		p[test_rand() % len] = (uint8_t)test_rand();
}

static void test_utf8_impls_equal_scalar(void **state)
{
	const char *names[8];
	unsigned int n = test_simd_names(names);
	ws_utf8_fn ref = ws_simd_find("scalar")->utf8;
	static uint8_t buf[1024 + 64];

	(void)state;
	test_seed(0x5eed0102);
	for (size_t len = 0; len <= 1024; len++) {
		for (int round = 0; round < 4; round++) {
			size_t mis = (size_t)(test_rand() % 64);
			uint8_t *p = buf + mis;
			uint32_t st_ref = 0;
			int want;

			u8_random_text(p, len);
			want = ref(&st_ref, p, len);
			for (unsigned int i = 0; i < n; i++) {
				ws_utf8_fn fn = ws_simd_find(names[i])->utf8;
				uint32_t st = 0;
				int rc = fn(&st, p, len);

				if (rc != want || (rc != -WS_ERR_UTF8 && st != st_ref))
					fail_msg("%s len %zu: %d want %d", names[i],
							len, rc, want);
				/* Random splits agree with whole. */
				rc = u8_feed(fn, p, len, TEST_RANDOM);
				assert_int_equal(rc, want);
			}
		}
	}
}

/* Once invalid, a state stays invalid. */
static void test_utf8_sticky(void **state)
{
	uint32_t st = 0;

	(void)state;
	assert_int_equal(ws_utf8_validate(&st, (const uint8_t *)"\xff", 1),
			-WS_ERR_UTF8);
	assert_int_equal(ws_utf8_validate(&st, (const uint8_t *)"a", 1),
			-WS_ERR_UTF8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_table),
		cmocka_unit_test(test_utf8_exhaustive_short),
		cmocka_unit_test(test_utf8_four_bytes),
		cmocka_unit_test(test_utf8_impls_equal_scalar),
		cmocka_unit_test(test_utf8_sticky),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
