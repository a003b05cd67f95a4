/**
 * @file
 * wsgw-load's application on the dataplane: the process-wide run state,
 * the per-worker state and the per-connection state. Private to load/.
 *
 * Threads: every worker (one per lcore) owns its ld_worker and the
 * connections in it; the control thread (ld_ctl.c) reads their counters
 * and interval histograms and moves the run from phase to phase; the main
 * thread parses, runs the dataplane and writes the report.
 */
#ifndef LD_PRIV_H
#define LD_PRIV_H

#include <pthread.h>

#include <rte_common.h>

#include "dp.h"
#include "ld.h"
#include "ts.h"
#include "ws.h"

/** Phases of a run, set by the control thread; zero is the first. */
enum ld_phase {
	LD_PH_RAMP = 0,     /**< opening connections */
	LD_PH_SETTLE,       /**< all open; a pause before the first message */
	LD_PH_RUN,          /**< sending */
	LD_PH_DRAIN,        /**< no new message; answers still counted */
	LD_PH_CLOSE,        /**< closing handshakes */
	LD_PH_DONE,         /**< everything closed, or the bound passed */
};

/** A connection's state; zero is "not connected yet". */
enum ld_conn_state {
	LD_CS_IDLE = 0,     /**< waiting to be opened (or reopened) */
	LD_CS_TCP,          /**< SYN sent */
	LD_CS_HS,           /**< upgrade request sent, response awaited */
	LD_CS_OPEN,         /**< frames flow */
	LD_CS_CLOSING,      /**< our close frame or FIN is out */
	LD_CS_DONE,         /**< over, not to be reopened */
};

/** What a connection does in its scenario. */
enum ld_role {
	LD_ROLE_SENDER = 0,     /**< echo: sends and checks the echo */
	LD_ROLE_PUBLISHER,
	LD_ROLE_SUBSCRIBER,
};

/* Connection flags. */
#define LD_CF_CLEAN_CLOSE 0x01   /**< close frames went both ways */
#define LD_CF_PING_OUT    0x02   /**< idle: a ping awaits its pong */
#define LD_CF_COUNTED     0x04   /**< its failure is already counted */
#define LD_CF_WS          0x08   /**< handshake done: frames flow */
#define LD_CF_TIMED       0x10   /**< on the timed list (opening, closing) */

/* What was wrong with a message received (ld_conn.rx_bad); 0: nothing. */
#define LD_RX_BAD_BODY 1         /**< payload, length or frame type */
#define LD_RX_BAD_HDR  2         /**< the header: whose message is unknown */

/** Response head buffer of one handshake. */
#define LD_HS_BUF 1024

/** A handshake in progress: only held from connect to the 101. */
struct ld_hs_slot {
	struct ws_hs hs;
	struct ld_hs_slot *next_free;
	uint8_t buf[LD_HS_BUF];
};

struct ld_worker;

/** One connection: the WebSocket state, the transport, the checker. */
struct ld_conn {
	struct ws_conn ws;
	struct ld_worker *w;
	struct ts_tcb *tcb;            /**< NULL when not connected */
	struct ld_hs_slot *hs;         /**< during the handshake */
	struct rte_mbuf *tx_wait;      /**< a message the send queue refused */
	struct ld_conn *onext;         /**< timed list (FIFO by t_start) */
	struct ld_conn *oprev;
	uint32_t *sub;                 /**< subscriber: [next seq, count] per publisher */
	uint64_t t_start;              /**< TSC the connect (then the close) began */
	uint64_t t_ping;               /**< idle: TSC of the ping awaited */
	uint32_t gid;                  /**< connection number in the whole run */
	uint32_t sidx;                 /**< open loop: index in senders[] */
	uint32_t tx_seq;               /**< next sequence number to send */
	uint32_t answered;             /**< echoes received (in flight: tx - this) */
	uint32_t rx_seq;               /**< next sequence number expected */
	uint32_t due;                  /**< open loop: messages due so far */
	uint32_t rx_off;               /**< bytes of the message being received */
	struct ld_msg_hdr rx_h;        /**< its header, once complete */
	uint8_t state;                 /**< enum ld_conn_state */
	uint8_t role;                  /**< enum ld_role */
	uint8_t ifidx;
	uint8_t flags;                 /**< LD_CF_* */
	uint8_t rx_bad;                /**< LD_RX_BAD_*: it did not check */
	uint8_t rx_have;               /**< header bytes in rx_hdr */
	uint8_t rx_hdr[LD_MSG_HDR_TEXT];
};

/*
 * What a connection costs wsgw-load, beside the stack's 256 bytes: a
 * million connections take about 600 MB in all.
 */
_Static_assert(sizeof(struct ld_conn) <= 384,
		"a connection's state stays within six cache lines");

/** Interval histograms kept per worker, rotated every second. */
#define LD_IV_SLOTS 3

/** One worker's part of the run. Written by its lcore only. */
struct ld_worker {
	uint64_t st[LD_STAT__COUNT];
	uint64_t close_codes[LD_CLOSE_SLOTS];
	struct ws_ctx ws;
	struct dp_worker *dw;
	struct ts_ctx *ts;
	struct ld_conn *conns;         /**< n_conns: gid = id + k * n_workers */
	uint32_t n_conns;
	uint32_t n_senders;            /**< open-loop schedule: senders[] */
	struct ld_conn **senders;
	uint32_t *ready;               /**< ring of connection indexes to open */
	uint32_t ready_head;
	uint32_t ready_n;
	struct ld_hs_slot *hs_slots;
	struct ld_hs_slot *hs_free;
	struct ld_conn *open_head;     /**< opening or closing, oldest first */
	struct ld_conn *open_tail;
	uint32_t next_hop[TS_MAX_IFACES];
	uint64_t opens;                /**< connections started */
	uint64_t open_quota;           /**< connect: connections left to start */
	uint64_t msg_quota;            /**< messages left to send */
	double open_rate;              /**< per second, this worker's share */
	double open_ramp_tsc;          /**< ramp length in TSC cycles */
	uint64_t t_open0;              /**< TSC the opening began */
	uint64_t open_hold_until;      /**< no port or block: wait until */
	double tsc_per_slot;           /**< open loop or pings: cycles per slot */
	uint64_t t_run0;               /**< TSC sending began */
	uint64_t t_end;                /**< TSC sending ends (--duration) */
	uint64_t t_drain;              /**< TSC the drain after a signal began */
	uint64_t sched_next;           /**< next slot of the schedule */
	uint8_t phase;                 /**< the run's phase as last seen */
	uint8_t ramp_done;             /**< every slot opened or failed */
	uint8_t closing_started;
	uint8_t arp_ok;                /**< the next hop answered ARP */
	uint16_t hs_status;            /**< the last refusal's HTTP status */
	uint64_t now;                  /**< TSC of the TCP event being handled */
	uint32_t sec;                  /**< interval second, published */
	struct ld_hist *lat;           /**< the run's main latency */
	struct ld_hist *lat_raw;       /**< open loop: from the actual send */
	struct ld_hist *hs_lat;        /**< connect to 101 */
	struct ld_hist *iv[LD_IV_SLOTS];
	struct ld_hist *iv_cur;
	uint16_t id;
} __rte_cache_aligned;

/** A sample of the live line, kept for the timeline and the plot. */
struct ld_sample {
	double t;                      /**< seconds since the start */
	uint64_t open, opening, failed;
	double tx_msgs, rx_msgs;       /**< per second */
	double hs;                     /**< handshakes per second */
	double tx_gbit, rx_gbit;       /**< on the wire */
	double p50_us, p90_us, p99_us, p999_us, max_us;   /**< < 0: none */
	uint64_t errors;
};

/** The run: set before the workers start, then read by every thread. */
struct ld_main {
	struct ld_conf conf;
	struct ws_client_conf client[2];   /**< senders and pubs, subscribers */
	struct ld_worker *workers[RTE_MAX_LCORE];
	uint16_t n_workers;
	uint32_t n_pub;                /**< pubsub: publishers in the run */
	uint64_t tsc_hz;
	double ns_per_tsc;
	uint64_t t0;                   /**< TSC of the start */
	uint8_t phase;                 /**< enum ld_phase, atomic */
	uint64_t t_phase[LD_PH_DONE + 1];  /**< TSC each phase began */
	pthread_t ctl;
	int ctl_running;
	int ctl_stop;                  /**< atomic: the control thread ends */
	int interrupted;               /**< SIGINT or SIGTERM */
	char fatal[256];               /**< why the run could not go on */
	char stalled[128];             /**< why a --count run ended early */
	/* Timeline, written by the control thread. */
	struct ld_sample *samples;
	uint32_t n_samples;
	uint32_t cap_samples;
	/* Totals, summed when the workers stopped. */
	int finished;
	uint64_t tot[LD_STAT__COUNT];
	uint64_t tot_close[LD_CLOSE_SLOTS];
	uint64_t tot_tx_bytes, tot_rx_bytes;   /**< frames on the wire */
	uint64_t tot_retrans;
	uint16_t hs_status;            /**< an HTTP status a refusal had */
	struct ld_hist lat, lat_raw, hs_lat;
	double run_s;                  /**< length of the sending phase */
};

extern struct ld_main ld;

/** The dataplane application of wsgw-load. */
extern struct dp_app ld_app;

static inline uint64_t ld_ns(uint64_t tsc_delta)
{
	return (uint64_t)((double)tsc_delta * ld.ns_per_tsc);
}

static inline void ld_count(struct ld_worker *w, enum ld_stat s, uint64_t n)
{
	w->st[s] += n;
}

static inline uint8_t ld_phase_now(void)
{
	return __atomic_load_n(&ld.phase, __ATOMIC_ACQUIRE);
}

/* ld_conn.c */
extern const struct ts_tcp_ops ld_tcp_ops;
extern const struct ws_ops ld_ws_ops;
void ld_conn_set_state(struct ld_conn *c, uint8_t state);
int ld_conn_open(struct ld_worker *w, struct ld_conn *c, uint64_t tsc);
/** The source address of connection @p gid: its port's addresses in turn. */
uint32_t ld_src_for(const struct ts_ctx *ts, uint32_t gid);
void ld_conn_pump(struct ld_conn *c, uint64_t tsc);
void ld_conn_close(struct ld_conn *c);
void ld_conn_abort(struct ld_conn *c);
void ld_conn_ping(struct ld_conn *c, uint64_t tsc);
void ld_timed_unlink(struct ld_worker *w, struct ld_conn *c);

/** Closing handshakes get this long before the run ends regardless. */
#define LD_CLOSE_BOUND_MS 3000

/* ld_ctl.c */
int ld_ctl_start(void);
void ld_ctl_stop(void);
void ld_phase_set(uint8_t phase);

/* ld_report.c */
void ld_finish(void);
void ld_report_print(FILE *out);
int ld_report_json(const char *path);
int ld_report_plot(const char *path);
uint64_t ld_errors_total(const uint64_t *st);
int ld_exit_status(void);

#endif /* LD_PRIV_H */
