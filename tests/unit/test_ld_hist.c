/**
 * @file
 * Unit tests of wsgw-load's latency histogram: bucket bounds, percentiles
 * against a sorted array of the same values, merging across workers, and
 * the open loop's correction for coordinated omission (latency counted
 * from when a message was due, not from when a stalled sender got to it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ld.h"

#define N_VALUES 100000

static uint64_t rng = 0x853c49e6748fea9bull;

static uint64_t next_rand(void)
{
	rng += 0x9e3779b97f4a7c15ull;
	return ld_mix(rng);
}

/* Log-uniform from 1 ns to about 2^34 ns (17 s). */
static uint64_t log_uniform(void)
{
	unsigned int e = (unsigned int)(next_rand() % 34);

	return (1ull << e) + next_rand() % (1ull << e);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static struct ld_hist *new_hist(void)
{
	struct ld_hist *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	return h;
}

/* The exact value of rank ceil(p/100 * n) in a sorted array. */
static uint64_t exact_pct(const uint64_t *v, size_t n, double p)
{
	double want = p / 100.0 * (double)n;
	size_t rank = (size_t)want;

	if ((double)rank < want || rank == 0)
		rank++;
	return v[rank - 1];
}

static void test_bucket_bounds(void **state)
{
	unsigned int prev = 0;

	(void)state;
	for (uint64_t v = 0; v < 300000; v++) {
		unsigned int i = ld_hist_index(v);

		assert_true(i < LD_HIST_BUCKETS);
		assert_true(i >= prev);
		assert_true(ld_hist_lowest(i) <= v && v <= ld_hist_highest(i));
		prev = i;
	}
	for (int k = 0; k < 100000; k++) {
		uint64_t v = next_rand() % LD_HIST_MAX_VALUE;
		unsigned int i = ld_hist_index(v);
		uint64_t lo = ld_hist_lowest(i), hi = ld_hist_highest(i);

		assert_true(lo <= v && v <= hi);
		/* Every bucket is at most 1/128 of its values wide. */
		assert_true((hi - lo) * 128 <= lo || lo < LD_HIST_SUB);
	}
	/* Exact below 256; one past the top is clamped into the last bucket. */
	for (uint64_t v = 0; v < LD_HIST_SUB; v++)
		assert_int_equal(ld_hist_lowest(ld_hist_index(v)), v);
	assert_int_equal(ld_hist_index(LD_HIST_MAX_VALUE), LD_HIST_BUCKETS - 1);
	assert_int_equal(ld_hist_index(UINT64_MAX), LD_HIST_BUCKETS - 1);
	assert_int_equal(ld_hist_highest(LD_HIST_BUCKETS - 1), LD_HIST_MAX_VALUE);
}

static void check_against_sorted(const struct ld_hist *h, uint64_t *v,
		size_t n)
{
	static const double pcts[] = { 0.001, 0.1, 1, 10, 50, 90, 99, 99.9,
		99.99, 99.999 };

	qsort(v, n, sizeof(*v), cmp_u64);
	assert_int_equal(h->count, n);
	assert_int_equal(h->min, v[0]);
	assert_int_equal(h->max, v[n - 1]);
	assert_int_equal(ld_hist_percentile(h, 0), v[0]);
	assert_int_equal(ld_hist_percentile(h, 100), v[n - 1]);
	for (size_t i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++) {
		uint64_t want = exact_pct(v, n, pcts[i]);
		uint64_t got = ld_hist_percentile(h, pcts[i]);

		/* Never below the true value, at most one bucket above. */
		assert_true(got >= want);
		assert_true(got <= want + want / 128 + 1);
	}
}

static void test_percentiles_sorted(void **state)
{
	struct ld_hist *h = new_hist();
	uint64_t *v = malloc(sizeof(*v) * N_VALUES);
	uint64_t sum = 0;

	(void)state;
	assert_non_null(v);
	for (size_t i = 0; i < N_VALUES; i++) {
		v[i] = log_uniform();
		sum += v[i];
		ld_hist_record(h, v[i]);
	}
	assert_int_equal(h->sum, sum);
	check_against_sorted(h, v, N_VALUES);
	free(v);
	free(h);
}

static void test_small_and_empty(void **state)
{
	struct ld_hist *h = new_hist();
	uint64_t v[] = { 3, 1, 2, 200, 7 };

	(void)state;
	assert_int_equal(ld_hist_percentile(h, 50), 0);
	assert_true(ld_hist_mean(h) == 0);
	for (size_t i = 0; i < 5; i++)
		ld_hist_record(h, v[i]);
	/* Below 256 every value is its own bucket: percentiles are exact. */
	assert_int_equal(ld_hist_percentile(h, 20), 1);
	assert_int_equal(ld_hist_percentile(h, 40), 2);
	assert_int_equal(ld_hist_percentile(h, 50), 3);
	assert_int_equal(ld_hist_percentile(h, 80), 7);
	assert_int_equal(ld_hist_percentile(h, 99), 200);
	assert_true(ld_hist_mean(h) == 213.0 / 5);
	ld_hist_reset(h);
	assert_int_equal(h->count, 0);
	ld_hist_record(h, UINT64_MAX);
	assert_int_equal(h->clamped, 1);
	assert_int_equal(h->max, UINT64_MAX);
	free(h);
}

static void test_merge(void **state)
{
	struct ld_hist *all = new_hist(), *sum = new_hist(), *part[4];
	uint64_t *v = malloc(sizeof(*v) * N_VALUES);

	(void)state;
	assert_non_null(v);
	for (int i = 0; i < 4; i++)
		part[i] = new_hist();
	for (size_t i = 0; i < N_VALUES; i++) {
		v[i] = log_uniform();
		ld_hist_record(all, v[i]);
		/* Uneven shares, one worker idle. */
		ld_hist_record(part[(v[i] & 7) < 5 ? 0 : (v[i] & 7) < 7 ? 1 : 2],
				v[i]);
	}
	for (int i = 0; i < 4; i++)
		ld_hist_merge(sum, part[i]);
	assert_memory_equal(sum, all, sizeof(*all));
	check_against_sorted(sum, v, N_VALUES);
	/* Merging into an empty one keeps the source's minimum. */
	ld_hist_reset(sum);
	ld_hist_merge(sum, part[1]);
	assert_int_equal(sum->min, part[1]->min);
	for (int i = 0; i < 4; i++)
		free(part[i]);
	free(all);
	free(sum);
	free(v);
}

/*
 * An open loop at 1,000 messages/s for 10 s against a server that answers
 * in 100 us but stalls for 100 ms at t = 5 s. Counted from when each
 * message was due (ld_sched_tsc), the 100 messages due during the stall
 * wait 100.1 ms down to 1.1 ms: p99.9 shows the stall. A sender that
 * counts from when it got to send (coordinated omission) records one
 * late message among 9,901 and reports p99.9 of 100 us.
 */
static void test_coordinated_omission(void **state)
{
	const double tsc_per_slot = 1e6;          /* 1 ms in ns-cycles */
	const uint64_t stall_from = 5000000000ull, stall_to = 5100000000ull;
	const uint64_t service = 100000;          /* 100 us */
	struct ld_hist *fixed = new_hist(), *naive = new_hist();
	uint64_t *v = malloc(sizeof(*v) * 10000);
	size_t n = 0;

	(void)state;
	assert_non_null(v);
	for (uint64_t slot = 0; slot < 10000; slot++) {
		uint64_t due = ld_sched_tsc(0, slot, tsc_per_slot);
		uint64_t answer = due + service;

		if (due >= stall_from && due < stall_to)
			answer = stall_to + service;
		v[n++] = answer - due;
		ld_hist_record(fixed, answer - due);
		/* The naive sender is blocked through the stall: it sends the
		 * first stalled message, waits, and skips the rest. */
		if (due < stall_from || due >= stall_to || due == stall_from)
			ld_hist_record(naive, answer - due);
	}
	assert_int_equal(ld_sched_tsc(7, 3, 2.5), 7 + 7);
	check_against_sorted(fixed, v, n);
	assert_int_equal(fixed->max, stall_to - stall_from + service);
	assert_true(ld_hist_percentile(fixed, 99.9) >= 90000000);
	assert_true(ld_hist_percentile(fixed, 99.5) >= 50000000);
	assert_true(ld_hist_percentile(fixed, 98) <= service + service / 128);
	assert_int_equal(naive->count, 9901);
	assert_true(ld_hist_percentile(naive, 99.9) <= service + service / 128);
	free(v);
	free(fixed);
	free(naive);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_bounds),
		cmocka_unit_test(test_percentiles_sorted),
		cmocka_unit_test(test_small_and_empty),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_coordinated_omission),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
