/**
 * @file
 * TCP internals shared by ts_tcp*.c: sequence arithmetic, options, the
 * connection table, timers and the output entry points.
 */
#ifndef TS_TCP_PRIV_H
#define TS_TCP_PRIV_H

#include <netinet/in.h>

/** A timeout that finds the port full tries again after this, at most. */
#define TS_TCP_PORT_FULL_RETRY_MS 500u
/** Longest a connection outstays TIME-WAIT while its last ACK waits. */
#define TS_TW_ACK_WAIT_MS 100

#include <rte_ip.h>
#include <rte_mbuf_dyn.h>
#include <rte_tcp.h>

#include "ts_priv.h"

#define TS_TCP_MAX_OPT 40
#define TS_TCP_WSCALE_MAX 14
#define TS_TCP_INIT_RTO_MS 1000
#define TS_TCP_DUPACK_THRESH 3
/** Longest an ACK for in-order data waits (Linux's minimum delayed ACK). */
#define TS_TCP_DELACK_MS 40
/** Payloads up to this size are copied into the header mbuf, not cloned. */
#define TS_TCP_COPY_MAX 256
/** Pieces (mbufs) of payload in one segment at most. */
#define TS_TCP_MAX_PIECES 8

#define TS_F_FIN RTE_TCP_FIN_FLAG
#define TS_F_SYN RTE_TCP_SYN_FLAG
#define TS_F_RST RTE_TCP_RST_FLAG
#define TS_F_PSH RTE_TCP_PSH_FLAG
#define TS_F_ACK RTE_TCP_ACK_FLAG

static inline int ts_seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline int ts_seq_le(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline int ts_seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline int ts_seq_ge(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }

/**
 * Raw sum of the IPv4 pseudo header of a TCP segment of @p len bytes, in
 * memory order (as rte_raw_cksum). Summed from the values in host order
 * and put in network order once (RFC 1071 2(B)): a header built on the
 * stack and read back as wider words would wait on store forwarding on
 * every segment.
 */
static inline uint32_t ts_tcp_pseudo_sum(uint32_t src, uint32_t dst,
		uint32_t len)
{
	return rte_cpu_to_be_16(ts_fold(ts_sum32(src) + ts_sum32(dst) +
			IPPROTO_TCP + (len & 0xffff)));
}

/**
 * Ones'-complement sum of the TCP segment in @p m from @p off, pseudo
 * header included, folded to 16 bits in memory order (as rte_raw_cksum):
 * 0xffff when a received checksum is right; its complement is what a
 * sender stores, unswapped.
 */
static inline uint16_t ts_tcp_sum(const struct rte_mbuf *m, uint32_t off,
		uint32_t len, uint32_t src, uint32_t dst)
{
	return ts_fold(ts_tcp_pseudo_sum(src, dst, len) +
			ts_sum_mbuf(m, off, len));
}

/**
 * Raw sum (as rte_raw_cksum) of @p n bytes at @p off of the single
 * segment @p m. When they are the whole of a segment that
 * ts_payload_cksum_prepare() summed, directly or through an indirect
 * mbuf, its stored sum is taken; otherwise the bytes are read.
 */
static inline uint16_t ts_piece_sum(const struct ts_ctx *ctx,
		const struct rte_mbuf *m, uint32_t off, uint32_t n)
{
	const struct rte_mbuf *d = m;

	if (off == 0 && n == m->data_len &&
			!(m->ol_flags & RTE_MBUF_F_EXTERNAL)) {
		if (RTE_MBUF_CLONED(m))
			d = rte_mbuf_from_indirect((struct rte_mbuf *)(uintptr_t)m);
		/* The stored length catches a segment trimmed since. */
		if ((d->ol_flags & ctx->tcp.cksum_flag) &&
				m->data_off == d->data_off &&
				m->data_len == d->data_len &&
				(d->hash.usr >> 16) == d->data_len)
			return (uint16_t)d->hash.usr;
	}
	return rte_raw_cksum(rte_pktmbuf_mtod_offset(m, const void *, off), n);
}

/** Add a piece's sum that starts @p at bytes into the summed range. */
static inline uint32_t ts_sum_add(uint32_t sum, uint16_t piece, uint32_t at)
{
	return sum + ((at & 1) ? rte_bswap16(piece) : piece);
}

/** Options of a received segment. */
struct ts_tcp_opts {
	uint16_t mss;              /**< 0: absent */
	uint8_t wscale;            /**< valid when has_ws */
	uint8_t has_ws;
	uint8_t sack_ok;
	uint8_t has_ts;
	uint32_t ts_val;
	uint32_t ts_ecr;
	uint8_t n_sack;            /**< SACK blocks (RFC 2018) */
	uint32_t sack[4][2];       /**< [left, right), host order */
};

/**
 * Per-mbuf state of TCP (an mbuf dynamic field). On an out-of-order
 * segment: its link in the queue. On the head of a send queue, when @c cur
 * is set: the send cursor, the mbuf (@c next) where the connection's last
 * segment began and the sequence number of its first byte (@c seq), so
 * that the next segment's data is found from there, not from the head.
 */
struct ts_ooo_link {
	struct rte_mbuf *next;
	uint32_t seq;
	uint8_t fin;
	uint8_t recent;            /**< the segment received last (RFC 2018) */
	uint8_t cur;               /**< send queue head: the cursor is set */
};

static inline struct ts_ooo_link *ts_ooo(const struct ts_ctx *ctx,
		struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, ctx->tcp.ooo_off, struct ts_ooo_link *);
}

/** A parsed received segment. */
struct ts_seg {
	struct rte_mbuf *m;        /**< payload only once parsed */
	uint32_t seq;
	uint32_t ack;
	uint32_t len;              /**< payload bytes */
	uint32_t wnd;              /**< unscaled */
	uint32_t rip;
	uint32_t lip;
	uint16_t rport;
	uint16_t lport;
	uint8_t flags;
	struct ts_tcp_opts opt;
};

/* ts_tcp_timer.c */
int ts_wheel_init(struct ts_ctx *ctx, int socket, uint64_t tsc);
void ts_wheel_free(struct ts_ctx *ctx);
uint32_t ts_tick(const struct ts_ctx *ctx, uint64_t tsc);
uint32_t ts_usec(const struct ts_ctx *ctx, uint64_t tsc);
void ts_tcb_timer_update(struct ts_ctx *ctx, struct ts_tcb *c);

/* ts_tcp.c */
uint32_t ts_flow_hash(uint32_t rip, uint32_t lip, uint16_t rport,
		uint16_t lport);
struct ts_tcb *ts_flow_find(const struct ts_ctx *ctx, uint32_t hash,
		uint32_t rip, uint32_t lip, uint16_t rport, uint16_t lport);
struct ts_tcb *ts_tcb_new(struct ts_ctx *ctx, uint8_t ifidx, uint32_t lip,
		uint32_t rip, uint16_t lport, uint16_t rport);
void ts_tcb_set_state(struct ts_ctx *ctx, struct ts_tcb *c, uint8_t state);
void ts_tcb_end(struct ts_ctx *ctx, struct ts_tcb *c, int why);
void ts_tcb_free(struct ts_ctx *ctx, struct ts_tcb *c);
void ts_tcp_pend(struct ts_ctx *ctx, struct ts_tcb *c);
uint16_t ts_owner(const struct ts_ctx *ctx, uint32_t hash);
struct ts_tcp_listener *ts_tcb_listener(struct ts_ctx *ctx,
		const struct ts_tcb *c);
void ts_tcp_established(struct ts_ctx *ctx, struct ts_tcb *c);
uint32_t ts_tcp_new_iss(struct ts_ctx *ctx, const struct ts_seg *s);
/** Whether source @p ip may open one more connection (max_conns_per_ip). */
int ts_src_allowed(const struct ts_ctx *ctx, uint32_t ip);
/** A listener's connections, on every worker when peers are known. */
uint32_t ts_listener_conns(const struct ts_ctx *ctx,
		const struct ts_tcp_listener *l);
/** Its worker changes a listener's count (read by the others). */
void ts_listener_count(struct ts_tcp_listener *l, int delta);
/** A passive connection from @p ip now exists; ts_tcb_free counts it out. */
void ts_src_add(struct ts_ctx *ctx, uint32_t ip);

/* ts_tcp_in.c */
void ts_tcp_sndq_ack(struct ts_ctx *ctx, struct ts_tcb *c, uint32_t acked);

/* ts_tcp_out.c */
void ts_tcp_output(struct ts_ctx *ctx, struct ts_tcb *c, uint64_t tsc);
void ts_tcp_send_ctl(struct ts_ctx *ctx, struct ts_tcb *c, uint8_t flags,
		uint32_t seq, uint64_t tsc);
void ts_tcp_send_ack(struct ts_ctx *ctx, struct ts_tcb *c, uint64_t tsc);
/** SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED); waits its turn on a full port. */
void ts_tcp_send_syn(struct ts_ctx *ctx, struct ts_tcb *c, uint64_t tsc);
void ts_tcp_retransmit(struct ts_ctx *ctx, struct ts_tcb *c, uint64_t tsc);
/** RST for @p s, which has no connection; counted as sent and under @p why. */
void ts_tcp_reset_for(struct ts_ctx *ctx, uint8_t ifidx,
		const struct ts_seg *s, enum ts_stat why, uint64_t tsc);
/** RST on connection @p c, counted as sent and under @p why. */
void ts_tcp_send_rst(struct ts_ctx *ctx, struct ts_tcb *c, enum ts_stat why,
		uint64_t tsc);
void ts_tcp_send_synack_cookie(struct ts_ctx *ctx, uint8_t ifidx,
		const struct ts_seg *s, uint32_t iss, uint16_t mss,
		uint64_t tsc);
uint32_t ts_tcp_rcv_window(const struct ts_tcb *c);
void ts_tcp_rto_arm(struct ts_ctx *ctx, struct ts_tcb *c, uint64_t tsc);
void ts_tcp_tlp_fire(struct ts_ctx *ctx, struct ts_tcb *c, uint64_t tsc);
void ts_tcp_resend_first(struct ts_ctx *ctx, struct ts_tcb *c, uint64_t tsc);
void ts_tcp_pick_wscale(const struct ts_ctx *ctx, struct ts_tcb *c);

/* ts_tcp_cc.c: NewReno (RFC 5681, RFC 6582) behind a small interface. */
struct ts_cc_ops {
	const char *name;
	void (*init)(struct ts_tcb *c);
	/** New data acknowledged: @p acked bytes up to @p ack. */
	void (*ack)(struct ts_ctx *ctx, struct ts_tcb *c, uint32_t ack,
			uint32_t acked, uint64_t tsc);
	/** A duplicate ACK. */
	void (*dupack)(struct ts_ctx *ctx, struct ts_tcb *c, uint64_t tsc);
	/** A retransmission timeout. */
	void (*rto)(struct ts_tcb *c);
};
extern const struct ts_cc_ops ts_cc_newreno;
void ts_cc_init(struct ts_tcb *c);
void ts_cc_rto(struct ts_tcb *c);
/** Whether a new SACK recovery may start (RFC 6675 5.1). */
int ts_cc_may_recover(const struct ts_tcb *c);

/* ts_tcp_sack.c: the SACK scoreboard and RFC 6675 recovery. */
int ts_sb_pool_init(struct ts_ctx *ctx, int socket);
void ts_sb_pool_free(struct ts_ctx *ctx);
void ts_sb_release(struct ts_ctx *ctx, struct ts_tcb *c);
void ts_sb_update(struct ts_ctx *ctx, struct ts_tcb *c,
		const struct ts_seg *s);
void ts_sb_acked(struct ts_ctx *ctx, struct ts_tcb *c, uint32_t old_una,
		const struct ts_seg *s);
int ts_sb_lost_at_una(const struct ts_ctx *ctx, const struct ts_tcb *c);
/** Enter a SACK recovery; @p reduce: halve the window (not after an RTO). */
void ts_sb_recovery_start(struct ts_ctx *ctx, struct ts_tcb *c, int reduce);
void ts_sb_recovery_end(struct ts_ctx *ctx, struct ts_tcb *c);
uint32_t ts_sb_pipe(const struct ts_ctx *ctx, const struct ts_tcb *c);
/**
 * After an ACK: set the reorder timer when sacked data sent after a hole
 * came (RFC 8985 6.2), keep it while that hole stays, drop it when none.
 */
void ts_sb_reo_check(struct ts_ctx *ctx, struct ts_tcb *c, uint64_t tsc);
/** The reorder timer fired: the hole still there is lost, and resent. */
void ts_sb_reo_fire(struct ts_ctx *ctx, struct ts_tcb *c, uint64_t tsc);
/*
 * ts_tcb reo: the reordering window's steps (bits 0-1), the recoveries
 * since it last widened (bits 2-6), and Nagle's algorithm (bit 7).
 */
#define TS_REO_STEPS 0x03
#define TS_REO_COUNT 0x7c
#define TS_REO_COUNT_ONE 0x04
#define TS_REO_NAGLE 0x80
/** The next hole to resend (RFC 6675 NextSeg rules 1 and 3): 0 or 1. */
int ts_sb_next_hole(const struct ts_ctx *ctx, const struct ts_tcb *c,
		uint32_t seg, uint32_t *seq, uint32_t *len);
/** RFC 6675 rule 4: the rescue resend, once per recovery: 0 or 1. */
int ts_sb_rescue(const struct ts_ctx *ctx, const struct ts_tcb *c,
		uint32_t seg, uint32_t *seq, uint32_t *len);
/** Sacked bytes at @p seq: how far new data may skip; 0 if not sacked. */
uint32_t ts_sb_skip(const struct ts_ctx *ctx, const struct ts_tcb *c,
		uint32_t seq);
/** Bytes from @p seq to the next sacked range (UINT32_MAX: none). */
uint32_t ts_sb_gap(const struct ts_ctx *ctx, const struct ts_tcb *c,
		uint32_t seq);

static inline struct ts_sb *ts_sb_of(const struct ts_ctx *ctx,
		const struct ts_tcb *c)
{
	return c->sb ? &ctx->tcp.sb.blocks[c->sb - 1] : NULL;
}

/* ts_tcp_cookie.c: SYN cookies. */
uint32_t ts_cookie_make(const struct ts_ctx *ctx, const struct ts_seg *s,
		uint16_t mss, uint32_t tick);
/** @return the MSS the cookie encodes, or 0 when it does not check. */
uint16_t ts_cookie_check(const struct ts_ctx *ctx, const struct ts_seg *s,
		uint32_t tick);
uint64_t ts_siphash(const uint64_t key[2], const void *data, size_t len);

#endif /* TS_TCP_PRIV_H */
