/**
 * @file
 * wsgw-load's library API: the option and URL parser, the latency
 * histogram, the message layout and the statistics table. None of it
 * needs DPDK; the dataplane application (hooks, workers, connections) is
 * in ld_priv.h.
 *
 * main -> ld_conf_parse -> (dp_run with ld_app, ld_worker.c) ->
 *   ld_report_print / ld_report_json / ld_report_plot.
 */
#ifndef LD_H
#define LD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ld_types.h"

/* ---- Configuration ---- */

/** Fill @p conf with the defaults (one connection, echo, 64-byte binary). */
void ld_conf_defaults(struct ld_conf *conf);

/**
 * Apply wsgw-load's options (those after EAL's "--"), then check them
 * together: the target must be reachable from an --addr, the sizes must
 * hold the message header, and so on.
 * @param out where --help and --version print
 * @param err receives a message that names the option and what it takes
 * @return 0, -LD_ERR_USAGE, or -LD_ERR_HELP after --help or --version.
 */
int ld_conf_parse(struct ld_conf *conf, int argc, char **argv, FILE *out,
		char *err, size_t err_len);

/**
 * Parse "ws://A.B.C.D[:PORT][/PATH[?QUERY]]" into conf's host, dst, dport
 * and path. @return 0 or -LD_ERR_USAGE with @p err naming --url.
 */
int ld_url_parse(struct ld_conf *conf, const char *url, char *err,
		size_t err_len);

/**
 * Parse a size specification: "N", "LO-HI" (uniform) or "N:W,N:W,..."
 * (weighted list, at most LD_SIZE_LIST_MAX entries).
 * @return 0 or -LD_ERR_USAGE with @p err naming --size.
 */
int ld_size_parse(struct ld_size_dist *d, const char *spec, char *err,
		size_t err_len);

/** Write @p d back in the syntax ld_size_parse() reads. */
void ld_size_text(const struct ld_size_dist *d, char *buf, size_t len);

/** Smallest size @p d can draw. */
uint32_t ld_size_min(const struct ld_size_dist *d);

/** Name of a scenario ("echo", ...). */
const char *ld_scenario_name(unsigned int sc);

/* ---- Mixing and message sizes ---- */

/** A 64-bit mixing function (SplitMix64's finaliser). */
static inline uint64_t ld_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/**
 * Size of message @p seq of connection @p gid: drawn from @p d by a hash,
 * so that sender and checker agree without storing anything.
 */
static inline uint32_t ld_size_of(const struct ld_size_dist *d, uint32_t gid,
		uint32_t seq)
{
	uint64_t u;
	uint32_t r;

	if (d->kind == LD_SIZE_FIXED)
		return d->lo;
	u = ld_mix(((uint64_t)gid << 32 | seq) ^ 0x2545f4914f6cdd1dull);
	if (d->kind == LD_SIZE_UNIFORM)
		return d->lo + (uint32_t)(u % ((uint64_t)d->hi - d->lo + 1));
	r = (uint32_t)(u % d->cum[d->n - 1]);
	for (unsigned int i = 0; i + 1 < d->n; i++)
		if (r < d->cum[i])
			return d->vals[i];
	return d->vals[d->n - 1];
}

/* ---- Histogram ---- */

/** Empty @p h. */
void ld_hist_reset(struct ld_hist *h);

/** Bucket of value @p v (clamped to the largest bucket). */
static inline unsigned int ld_hist_index(uint64_t v)
{
	unsigned int msb, shift;

	if (v < LD_HIST_SUB)
		return (unsigned int)v;
	if (v > LD_HIST_MAX_VALUE)
		v = LD_HIST_MAX_VALUE;
	msb = 63u - (unsigned int)__builtin_clzll(v);
	shift = msb - LD_HIST_SUB_BITS + 1;
	return LD_HIST_SUB + (msb - LD_HIST_SUB_BITS) * LD_HIST_HALF +
		(unsigned int)((v >> shift) - LD_HIST_HALF);
}

/** Lowest value that falls in bucket @p idx. */
uint64_t ld_hist_lowest(unsigned int idx);

/** Highest value that falls in bucket @p idx. */
uint64_t ld_hist_highest(unsigned int idx);

/** Record one value (nanoseconds). */
static inline void ld_hist_record(struct ld_hist *h, uint64_t v)
{
	h->b[ld_hist_index(v)]++;
	h->count++;
	h->sum += v;
	if (v < h->min || h->count == 1)
		h->min = v;
	if (v > h->max)
		h->max = v;
	if (v > LD_HIST_MAX_VALUE)
		h->clamped++;
}

/** Add @p src into @p dst. */
void ld_hist_merge(struct ld_hist *dst, const struct ld_hist *src);

/**
 * The value below or at which @p pct percent of the recorded values lie:
 * the highest value of the bucket holding the value of that rank (so at
 * most 1/128 above the true one), never above the exact maximum.
 * @return 0 for an empty histogram.
 */
uint64_t ld_hist_percentile(const struct ld_hist *h, double pct);

/** Mean of the recorded values, 0 when empty. */
double ld_hist_mean(const struct ld_hist *h);

/**
 * Intended send time of schedule slot @p slot in an open loop that
 * started at @p t0 and sends one message every @p tsc_per_slot cycles.
 * Latency measured from it rather than from the actual send is what
 * corrects the open loop for coordinated omission: a message held back
 * by a stalled server still counts from when it was due.
 */
static inline uint64_t ld_sched_tsc(uint64_t t0, uint64_t slot,
		double tsc_per_slot)
{
	return t0 + (uint64_t)((double)slot * tsc_per_slot);
}

/* ---- Messages ---- */

/** What a message's header carries. */
struct ld_msg_hdr {
	uint32_t gid;          /**< sending connection */
	uint32_t seq;          /**< its sequence number on that connection */
	uint64_t t_intended;   /**< TSC it was due (open loop) or sent */
	uint32_t t_delta;      /**< TSC sent minus due, saturated */
};

/** Header size for text or binary messages. */
static inline uint32_t ld_msg_hdr_size(bool text)
{
	return text ? LD_MSG_HDR_TEXT : LD_MSG_HDR;
}

/** Seed of the pattern after the header of message (@p gid, @p seq). */
static inline uint64_t ld_msg_seed(uint32_t gid, uint32_t seq)
{
	return ld_mix((uint64_t)gid << 32 | seq);
}

/**
 * Write a whole message of @p len bytes (at least the header size) at
 * @p p: the header, then the pattern. Text messages are printable ASCII.
 */
void ld_msg_build(uint8_t *p, uint32_t len, const struct ld_msg_hdr *h,
		bool text);

/**
 * Write bytes [@p off, @p off + @p len) of the message ld_msg_build()
 * writes, @p h's, masked as a client frame's payload with @p key (its
 * bytes in memory order, RFC 6455 section 5.3) as they are written: the
 * same bytes as building, then masking at phase @p off, in one pass, and
 * with no load of what was just stored. The message must reach off + len.
 */
void ld_msg_put_masked(uint8_t *p, uint32_t off, uint32_t len,
		const struct ld_msg_hdr *h, bool text, uint32_t key);

/** Write the header alone (ld_msg_hdr_size() bytes). */
void ld_msg_hdr_write(uint8_t *p, const struct ld_msg_hdr *h, bool text);

/**
 * Read a header. @return 0, or -1 when it is not one of ours (check word,
 * or a character that is not a hexadecimal digit).
 */
int ld_msg_hdr_read(const uint8_t *p, bool text, struct ld_msg_hdr *h);

/**
 * Write @p len pattern bytes of seed @p seed starting at pattern offset
 * @p off (counted from the end of the header).
 */
void ld_pat_fill(uint8_t *p, uint64_t off, size_t len, uint64_t seed,
		bool text);

/** Whether @p len bytes at @p p equal the pattern from offset @p off. */
bool ld_pat_check(const uint8_t *p, uint64_t off, size_t len, uint64_t seed,
		bool text);

/* ---- Statistics ---- */

/** Name, description and kind of statistic @p id; NULL past the end. */
const struct ld_stat_desc *ld_stat_desc(unsigned int id);

#endif /* LD_H */
