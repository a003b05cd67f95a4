/**
 * @file
 * TCP types: connection blocks, listeners, the flow table and the timer
 * wheel. Included by ts_types.h; the functions are in ts.h.
 */
#ifndef TS_TCP_TYPES_H
#define TS_TCP_TYPES_H

#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>

/** Slots of the per-worker timer wheel, one millisecond each. */
#define TS_WHEEL_SLOTS 4096
/** Listening ports per worker. */
#define TS_TCP_MAX_LISTENERS 16
/** Out-of-order segments kept per connection (the window bounds bytes). */
#define TS_TCP_OOO_MAX 250

/** RFC 9293 states; zero is CLOSED, so zeroed memory is a free block. */
enum ts_tcp_state {
	TS_TCP_CLOSED = 0,
	TS_TCP_SYN_SENT,
	TS_TCP_SYN_RCVD,
	TS_TCP_ESTABLISHED,
	TS_TCP_FIN_WAIT_1,
	TS_TCP_FIN_WAIT_2,
	TS_TCP_CLOSE_WAIT,
	TS_TCP_CLOSING,
	TS_TCP_LAST_ACK,
	TS_TCP_TIME_WAIT,
	TS_TCP__STATES
};

/** Why a connection ended, as closed() reports it. */
enum ts_tcp_end {
	TS_TCP_END_OK = 0,       /**< orderly close, both FINs acknowledged */
	TS_TCP_END_RESET,        /**< the peer reset it */
	TS_TCP_END_TIMEOUT,      /**< retransmissions or keepalives unanswered */
	TS_TCP_END_REFUSED,      /**< active open answered with RST */
	TS_TCP_END_ABORTED,      /**< the application aborted it */
};

/**
 * The links of a timer wheel entry, embedded in the connection it times
 * (whose t_wheel holds the tick it fires at).
 */
struct ts_timer {
	struct ts_timer *next;     /**< NULL: not armed */
	struct ts_timer *prev;
};

struct ts_wheel {
	struct ts_timer slots[TS_WHEEL_SLOTS];   /**< list heads */
	uint64_t now;              /**< last tick processed */
	uint64_t tsc_per_tick;
	uint64_t base_tsc;         /**< TSC of tick 0 */
};

struct ts_tcb;
struct ts_ctx;

/**
 * What the layer above hears from a connection. Every callback gets the
 * listener's (or connect()'s) @p app pointer. A connection's own pointer
 * for the application is ts_tcb_user().
 */
struct ts_tcp_ops {
	/** A passive open completed; return 0 to keep it, < 0 to reset it. */
	int (*accepted)(void *app, struct ts_ctx *ctx, struct ts_tcb *c);
	/** An active open completed. */
	void (*connected)(void *app, struct ts_ctx *ctx, struct ts_tcb *c);
	/**
	 * In-order data; the application owns @p m (one or more segments,
	 * payload only) and reports it processed with ts_tcp_recved().
	 */
	void (*recv)(void *app, struct ts_ctx *ctx, struct ts_tcb *c,
			struct rte_mbuf *m);
	/** Send space opened after ts_tcp_send() returned -TS_ERR_FULL. */
	void (*writable)(void *app, struct ts_ctx *ctx, struct ts_tcb *c);
	/** The peer sent FIN: no more data will come. */
	void (*peer_closed)(void *app, struct ts_ctx *ctx, struct ts_tcb *c);
	/**
	 * The connection is over (enum ts_tcp_end says why); @p c is freed
	 * when this returns. Not called for connections never accepted.
	 */
	void (*closed)(void *app, struct ts_ctx *ctx, struct ts_tcb *c,
			int why);
};

struct ts_tcp_listener {
	const struct ts_tcp_ops *ops;
	void *app;
	uint16_t port;             /**< host order; 0: free slot */
	uint8_t ifidx;
	uint32_t syn_rcvd;         /**< half-open connections now */
	uint32_t conns;            /**< connections from this listener now
	                                 (written by its worker alone) */
};

/** Flow table: open addressing on the 4-tuple's hash. */
struct ts_flow_slot {
	uint32_t hash;
	struct ts_tcb *tcb;        /**< NULL: free */
};

struct ts_flow_table {
	struct ts_flow_slot *slots;
	uint32_t mask;
	uint32_t used;
};

/**
 * Connections each source address holds on this worker (limits): open
 * addressing on the address, only with max_conns_per_ip. A
 * slot is one 64-bit word, the source (host order; 0: free, never a
 * source) above its count, so that other workers may read it while its
 * owner writes (ts_tcp_set_peers).
 */
struct ts_src_table {
	uint64_t *slots;           /**< NULL: no per-source limit */
	uint32_t mask;
	uint32_t used;
};

/** Tunables of TCP, shared by every worker. */
struct ts_tcp_conf {
	uint32_t max_conns;        /**< connection blocks per worker */
	uint32_t syn_backlog;      /**< half-open per listener before cookies */
	uint32_t max_conns_per_listener;
	uint32_t max_conns_per_ip; /**< passive, per source and worker; 0: off */
	uint32_t sndbuf;           /**< bytes queued to send per connection */
	uint32_t rcvbuf;           /**< receive window, bytes */
	uint32_t time_wait_ms;
	/**
	 * A connect may take a port whose connection to the same destination
	 * has been in TIME-WAIT this long, when that one used timestamps
	 * (Linux's tcp_tw_reuse); 0: never.
	 */
	uint32_t time_wait_reuse_ms;
	uint32_t rto_min_ms;
	uint32_t rto_max_ms;
	uint32_t keepalive_ms;     /**< idle before probing; 0: off */
	uint16_t mss;              /**< our MSS (clamp) */
	uint16_t port_lo;          /**< ephemeral ports for active opens, */
	uint16_t port_hi;          /**< port_lo..port_hi, 1 <= lo <= hi */
	uint8_t retries;           /**< RTO expirations before giving up */
	uint8_t syn_retries;
	uint8_t keepalive_probes;
	uint8_t syn_cookies;       /**< 1: answer with cookies when full */
	uint8_t nagle;             /**< 1: Nagle on new connections; 0: off */
};

/**
 * A connection. Sequence numbers are 32-bit and compared with wraparound
 * (ts_seq_lt and friends). Times are wheel ticks (milliseconds).
 */
struct ts_tcb {
	/* Receive side. */
	uint32_t rcv_nxt;
	uint32_t rcv_adv;          /**< right edge of the window we advertised */
	uint32_t rcv_free;         /**< receive space the application left */
	uint32_t ts_recent;        /**< peer's last timestamp (PAWS) */
	uint32_t last_ack;         /**< rcv_nxt of the last ACK we sent */
	/* Send side. */
	uint32_t snd_una;
	uint32_t snd_nxt;
	uint32_t snd_max;          /**< highest sequence sent */
	uint32_t snd_wnd;          /**< peer's window, scaled */
	uint32_t snd_wl1;
	uint32_t snd_wl2;
	uint32_t iss;
	uint32_t sndq_bytes;       /**< bytes queued from snd_una on */
	uint32_t cwnd;
	uint32_t ssthresh;
	uint32_t recover;          /**< NewReno: snd_max when loss was seen */
	/* RTT (RFC 6298), microseconds, and the RTO in ticks. */
	uint32_t srtt_us;
	uint32_t rttvar_us;
	uint32_t rto;
	uint32_t rtt_seq;          /**< sequence being timed without TS */
	uint32_t rtt_usec;         /**< when it was sent (us); 0: none */
	/* Timers: deadlines in ticks, 0 when off. */
	uint32_t t_rexmt;          /**< RTO, persist, SYN, TIME-WAIT */
	uint32_t t_keep;           /**< keepalive */
	uint32_t t_delack;         /**< delayed ACK owed */
	uint32_t t_wheel;          /**< tick the wheel entry fires at; 0: none */
	/* Identity. */
	uint32_t lip;
	uint32_t rip;
	uint16_t lport;
	uint16_t rport;
	uint16_t mss;              /**< what we send per segment */
	uint8_t state;             /**< enum ts_tcp_state */
	uint8_t ifidx;
	uint8_t snd_wscale;
	uint8_t rcv_wscale;
	uint8_t dupacks;
	uint8_t backoff;           /**< RTO expirations in a row */
	uint8_t ooo_n;
	uint8_t listener;          /**< index + 1; 0 for an active open */
	uint8_t keep_probes;
	uint8_t reo;               /**< TS_REO_*: reordering window, Nagle */
	uint16_t flags;            /**< TS_TCBF_* */
	uint16_t sb;               /**< SACK scoreboard: index + 1; 0: none */
	struct rte_mbuf *sndq_head;  /**< single segments linked by ->next */
	struct rte_mbuf *sndq_tail;
	struct rte_mbuf *ooo_head;   /**< sorted by sequence */
	struct ts_tcb *pend_next;    /**< on the worker's output list */
	const struct ts_tcp_ops *ops;
	void *app;
	void *user;
	struct ts_timer timer;
};

/* Connection flags. */
#define TS_TCBF_TS        0x01   /**< timestamps negotiated */
#define TS_TCBF_SACK      0x02   /**< SACK permitted both ways */
#define TS_TCBF_FIN_Q     0x04   /**< FIN to be sent after the data */
#define TS_TCBF_ACK_NOW   0x08   /**< an ACK is owed */
#define TS_TCBF_PENDING   0x10   /**< on the output list */
#define TS_TCBF_RECOVERY  0x20   /**< NewReno fast recovery */
#define TS_TCBF_WANT_W    0x40   /**< writable() owed when space opens */
#define TS_TCBF_APP_GONE  0x80   /**< application closed: no more events */
#define TS_TCBF_FIN_SENT  0x100  /**< our FIN has a sequence number */
#define TS_TCBF_SACK_REC  0x200  /**< the recovery is the scoreboard's (RFC 6675) */
#define TS_TCBF_WS_OK     0x400  /**< window scaling both ways (RFC 7323) */
#define TS_TCBF_PTO       0x800  /**< t_rexmt is a tail loss probe's (RFC 8985 7) */
#define TS_TCBF_TLP_SENT  0x1000 /**< a probe is out, not yet answered */
#define TS_TCBF_SYN_OWED  0x2000 /**< our SYN or SYN-ACK waits for the port */
#define TS_TCBF_FREED     0x4000 /**< freed while on the output list */
#define TS_TCBF_REO       0x8000 /**< t_rexmt is the reorder timer's (RFC 8985 6.2) */

/** Ranges one SACK scoreboard holds; the peer's oldest news goes first. */
#define TS_SB_RANGES 16

/**
 * The SACK scoreboard of a connection that has seen SACK blocks (RFC
 * 6675): what the peer holds above SND.UNA, as sorted, disjoint ranges,
 * and the state of the recovery it drives. Not part of the connection
 * block: taken from the worker's pool when the first SACK block arrives,
 * given back once everything is acknowledged, so an idle connection costs
 * nothing for it.
 */
struct ts_sb {
	uint32_t n;                /**< ranges in use */
	uint32_t high_rxt;         /**< end of what this recovery resent */
	uint32_t rxt_end;          /**< snd_max when the last resend left */
	uint32_t rescue_rxt;       /**< RFC 6675 RescueRxt; snd_una: none yet */
	uint32_t rxt_tick;         /**< tick of the recovery's first resend */
	uint32_t prior_cwnd;       /**< cwnd and ssthresh before the recovery, */
	uint32_t prior_ssthresh;   /**<   restored if it proves spurious */
	/*
	 * RACK's time rule (RFC 8985 6.2), without per-segment send times: data
	 * above a hole was sent after it, so once its SACK is a reordering
	 * window old the hole is lost. reo_seq is the top of what was sacked
	 * when the reorder timer was set for reo_tick; when it fires with a
	 * hole still below reo_seq, every unsacked byte below is lost.
	 */
	uint32_t lost_to;          /**< holes below this are lost */
	uint32_t reo_seq;
	uint32_t reo_tick;         /**< the reorder timer's deadline; 0: none */
	uint8_t must_rxt;          /**< resend once whatever the pipe (6675 4.3) */
	uint8_t undo_ok;           /**< no resend has proved needed yet */
	uint16_t pad_;
	uint32_t r[TS_SB_RANGES][2];   /**< [start, end) */
};

/** The worker's scoreboards: an array and a stack of free indices. */
struct ts_sb_pool {
	struct ts_sb *blocks;
	uint16_t *free;            /**< indices + 1 */
	uint32_t n_free;
	uint32_t size;
};

/** TCP state of one worker. */
struct ts_tcp {
	struct ts_tcp_conf conf;
	struct rte_mempool *tcb_pool;
	struct ts_flow_table flows;
	struct ts_src_table srcs;   /**< per-source counts (max_conns_per_ip) */
	/** Every worker's context, this one's included, read for the limits;
	 *  NULL: this worker's counts alone. */
	struct ts_ctx *const *peers;
	uint16_t n_peers;
	struct ts_tcp_listener listeners[TS_TCP_MAX_LISTENERS];
	struct ts_tcb *pend_head;   /**< connections with output to do, */
	struct ts_tcb *pend_tail;   /**< oldest first */
	struct ts_wheel *wheel;
	uint64_t cookie_key[2];     /**< SipHash key, the same on all workers */
	uint32_t iss_base;
	uint16_t next_port;         /**< ephemeral port search start */
	uint16_t n_workers;         /**< flows are owned by hash % n_workers */
	uint64_t now;               /**< TSC the stack was last handed */
	int ooo_off;                /**< mbuf dynfield: struct ts_ooo_link */
	uint64_t cksum_flag;        /**< mbuf dynflag: hash.usr holds a sum */
	struct ts_tcb *busy;        /**< amid its input: no output from
				     *   ts_tcp_send_now() */
	uint8_t in_handoff;         /**< processing a frame handed over */
	uint8_t mem_pressure;       /**< pool nearly empty: queue no payload */
	uint32_t mem_check_tick;    /**< when the pool was last looked at */
	uint32_t mem_low;           /**< free mbufs below which pressure is on */
	uint32_t mss_default;
	struct ts_sb_pool sb;       /**< SACK scoreboards (ts_tcp_sack.c) */
};

#endif /* TS_TCP_TYPES_H */
