/**
 * @file
 * Unmasking and SIMD dispatch: every implementation the CPU supports must
 * equal a bytewise reference for lengths 0..1024, every mask phase, many
 * source and destination misalignments, in place and copying, on seeded
 * random data; a payload unmasked in pieces equals one unmasked whole.
 */
#include "test_ws_common.c"

#define UM_MAX 1024
#define UM_PAD 64

static const size_t um_offsets[] = { 0, 1, 2, 3, 5, 7, 13, 31, 33, 63 };
#define UM_N_OFF (sizeof(um_offsets) / sizeof(um_offsets[0]))

static void um_reference(uint8_t *dst, const uint8_t *src, size_t len,
		const uint8_t key[4], size_t phase)
{
	for (size_t i = 0; i < len; i++)
		dst[i] = src[i] ^ key[(i + phase) & 3];
}

/* One implementation against the reference, copying and in place. */
static void um_check_impl(const struct ws_simd_impl *impl)
{
	static uint8_t src[UM_MAX + UM_PAD], dst[UM_MAX + 2 * UM_PAD];
	static uint8_t want[UM_MAX], inplace[UM_MAX + UM_PAD];
	uint8_t key[4];
	uint32_t k;

	test_seed(0x5eed0001);
	for (size_t len = 0; len <= UM_MAX; len++) {
		for (size_t phase = 0; phase < 4; phase++) {
			size_t so = um_offsets[test_rand() % UM_N_OFF];
			size_t dof = um_offsets[test_rand() % UM_N_OFF];

			test_fill(key, 4);
			memcpy(&k, key, 4);
			test_fill(src, sizeof(src));
			um_reference(want, src + so, len, key, phase);
			/* Guard bytes around dst catch stores past the end. */
			memset(dst, 0xa5, sizeof(dst));
			impl->unmask(dst + dof + UM_PAD / 2, src + so, len, k, phase);
			assert_memory_equal(want, dst + dof + UM_PAD / 2, len);
			for (size_t i = 0; i < dof + UM_PAD / 2; i++)
				assert_int_equal(dst[i], 0xa5);
			for (size_t i = dof + UM_PAD / 2 + len; i < sizeof(dst); i++)
				assert_int_equal(dst[i], 0xa5);
			memcpy(inplace + so, src + so, len);
			impl->unmask(inplace + so, inplace + so, len, k, phase);
			assert_memory_equal(want, inplace + so, len);
		}
	}
}

static void test_unmask_every_impl(void **state)
{
	unsigned int tested = 0;

	(void)state;
	for (unsigned int i = 0; i < ws_simd_count(); i++) {
		const struct ws_simd_impl *impl = ws_simd_get(i);

		if (!ws_simd_supported(impl))
			continue;
		um_check_impl(impl);
		tested++;
	}
	/* scalar and sse2 run on every x86-64. */
	assert_true(tested >= 2);
}

/* A frame unmasked in segments, each with the offset into the frame. */
static void test_unmask_segments(void **state)
{
	const char *names[8];
	unsigned int n = test_simd_names(names);
	uint8_t key[4], src[3000], whole[3000], parts[3000];
	uint32_t k;

	(void)state;
	test_seed(0x5eed0002);
	for (unsigned int i = 0; i < n; i++) {
		const struct ws_simd_impl *impl = ws_simd_find(names[i]);

		for (int round = 0; round < 200; round++) {
			size_t len = (size_t)(test_rand() % sizeof(src)), off = 0;

			test_fill(src, len);
			test_fill(key, 4);
			memcpy(&k, key, 4);
			um_reference(whole, src, len, key, 0);
			memcpy(parts, src, len);
			while (off < len) {
				size_t piece = test_piece(TEST_RANDOM, len - off);

				impl->unmask(parts + off, parts + off, piece, k, off);
				off += piece;
			}
			assert_memory_equal(whole, parts, len);
		}
	}
}

static void test_simd_dispatch(void **state)
{
	const struct ws_simd_impl *best = NULL;

	(void)state;
	for (unsigned int i = 0; i < ws_simd_count() && best == NULL; i++)
		if (ws_simd_supported(ws_simd_get(i)))
			best = ws_simd_get(i);
	assert_non_null(best);
	assert_int_equal(ws_simd_init(NULL), 0);
	assert_string_equal(ws_simd_name(), best->name);
	assert_int_equal(ws_simd_init("scalar"), 0);
	assert_string_equal(ws_simd_name(), "scalar");
	assert_ptr_equal(ws_simd_active()->unmask, ws_simd_find("scalar")->unmask);

	assert_int_equal(ws_simd_init("neon"), -WS_ERR_INVAL);
	assert_non_null(strstr(ws_simd_error(), "neon"));
	assert_non_null(strstr(ws_simd_error(), "scalar"));
	assert_non_null(strstr(ws_simd_error(), "sse2"));
	/* A failed override keeps the previous choice. */
	assert_string_equal(ws_simd_name(), "scalar");
	assert_null(ws_simd_get(ws_simd_count()));
	assert_true(ws_simd_supported(ws_simd_find("scalar")));

	if (!__builtin_cpu_supports("avx512bw")) {
		assert_int_equal(ws_simd_init("avx512"), -WS_ERR_NOTSUP);
	} else {
		assert_int_equal(ws_simd_init("avx512"), 0);
		assert_string_equal(ws_simd_name(), "avx512");
	}
	assert_int_equal(ws_simd_init(""), 0);
	assert_string_equal(ws_simd_name(), best->name);
}

/* The chosen-implementation entry point works and matches scalar. */
static void test_unmask_public(void **state)
{
	uint8_t buf[100], want[100];
	const uint8_t key[4] = { 0x37, 0xfa, 0x21, 0x3d };
	uint32_t k;

	(void)state;
	memcpy(&k, key, 4);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)i;
	um_reference(want, buf, sizeof(buf), key, 3);
	ws_unmask(buf, buf, sizeof(buf), k, 3);
	assert_memory_equal(buf, want, sizeof(buf));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unmask_every_impl),
		cmocka_unit_test(test_unmask_segments),
		cmocka_unit_test(test_simd_dispatch),
		cmocka_unit_test(test_unmask_public),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
