/**
 * @file
 * The log-linear latency histogram (HdrHistogram's layout with 256
 * sub-buckets): exact below 256 ns, then 128 equal buckets per power of
 * two, so every value is kept within 1/128 of itself. Recording is a
 * count-leading-zeros and an increment (ld.h); this file has what runs
 * off the hot path: reset, merge, and the percentile walk.
 *
 * worker: ld_hist_record -> (end) ld_hist_merge -> ld_hist_percentile.
 */
#include <string.h>

#include "ld.h"

void ld_hist_reset(struct ld_hist *h)
{
	memset(h, 0, sizeof(*h));
}

uint64_t ld_hist_lowest(unsigned int idx)
{
	unsigned int k, shift;

	if (idx < LD_HIST_SUB)
		return idx;
	k = idx - LD_HIST_SUB;
	shift = k / LD_HIST_HALF + 1;
	return (uint64_t)(LD_HIST_HALF + k % LD_HIST_HALF) << shift;
}

uint64_t ld_hist_highest(unsigned int idx)
{
	unsigned int shift;

	if (idx < LD_HIST_SUB)
		return idx;
	shift = (idx - LD_HIST_SUB) / LD_HIST_HALF + 1;
	return ld_hist_lowest(idx) + (1ull << shift) - 1;
}

void ld_hist_merge(struct ld_hist *dst, const struct ld_hist *src)
{
	if (src->count == 0)
		return;
	if (dst->count == 0 || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->sum += src->sum;
	dst->clamped += src->clamped;
	for (unsigned int i = 0; i < LD_HIST_BUCKETS; i++)
		dst->b[i] += src->b[i];
}

uint64_t ld_hist_percentile(const struct ld_hist *h, double pct)
{
	uint64_t rank, seen = 0;
	double want;

	if (h->count == 0)
		return 0;
	if (pct <= 0)
		return h->min;
	if (pct >= 100)
		return h->max;
	/* The rank of the value asked for: ceil(pct/100 * count), at least 1. */
	want = pct / 100.0 * (double)h->count;
	rank = (uint64_t)want;
	if ((double)rank < want || rank == 0)
		rank++;
	for (unsigned int i = 0; i < LD_HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank) {
			uint64_t v = ld_hist_highest(i);

			return v < h->max ? v : h->max;
		}
	}
	return h->max;
}

double ld_hist_mean(const struct ld_hist *h)
{
	return h->count == 0 ? 0 : (double)h->sum / (double)h->count;
}
