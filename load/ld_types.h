/**
 * @file
 * Types of wsgw-load: the run's configuration, the message size
 * distribution, the latency histogram and the statistics table. Functions
 * are in ld.h; the workers' and connections' private state in ld_priv.h.
 * Nothing here needs DPDK, so the parser and the histogram are unit-tested
 * without EAL.
 */
#ifndef LD_TYPES_H
#define LD_TYPES_H

#include <stdint.h>

/** Error codes; int functions return 0 or the negative value. */
enum ld_err {
	LD_OK = 0,
	LD_ERR_USAGE = 1,   /**< bad option or value; the message names it */
	LD_ERR_HELP = 2,    /**< --help or --version was printed */
};

/** Exit status: errors over --max-errors, or the run could not go on. */
#define LD_EXIT_ERRORS 1
/** Exit status: bad arguments, or the target could not be reached at all. */
#define LD_EXIT_USAGE 2

/** What every connection does once it is open; zero is the default. */
enum ld_scenario {
	LD_SC_ECHO = 0,      /**< send, check the echo byte for byte */
	LD_SC_PUBSUB,        /**< publishers send, subscribers check delivery */
	LD_SC_CONNECT,       /**< open, handshake, close, again */
	LD_SC_IDLE,          /**< hold the connection open with pings */
	LD_SC__COUNT
};

/** How message sizes are drawn; zero is a fixed size. */
enum ld_size_kind {
	LD_SIZE_FIXED = 0,   /**< every message lo bytes */
	LD_SIZE_UNIFORM,     /**< uniform in [lo, hi] */
	LD_SIZE_LIST,        /**< one of vals[], by weight */
};

#define LD_SIZE_LIST_MAX 16
/** Largest message the generator builds (bytes of payload). */
#define LD_SIZE_MAX (16u << 20)

struct ld_size_dist {
	uint8_t kind;                      /**< enum ld_size_kind */
	uint8_t n;                         /**< entries of vals[] */
	uint32_t lo;
	uint32_t hi;
	uint32_t vals[LD_SIZE_LIST_MAX];
	uint32_t cum[LD_SIZE_LIST_MAX];    /**< cumulative weights */
};

#define LD_STR 256
#define LD_PATH 256
#define LD_MAX_ADDRS 4
/** Addresses one --addr may take (count=N); the stack's TS_MAX_ADDRS. */
#define LD_MAX_SOURCES 4096

/** Further runs one --addr may take (range=A-B); the stack's TS_MAX_MORE. */
#define LD_MAX_MORE 7

/** A run of source addresses: lo and the next n - 1, in host order. */
struct ld_range {
	uint32_t lo;
	uint32_t n;
};

/** One address of the generator: a DPDK port's, in host order. */
struct ld_addr {
	uint32_t addr;
	uint8_t prefix_len;
	uint8_t n_more;        /**< runs in more[] */
	uint32_t gateway;      /**< 0: none */
	uint16_t count;        /**< addresses from addr on (count=N), >= 1 */
	struct ld_range more[LD_MAX_MORE]; /**< range=A[-B], in order */
};

/** Everything one run is told; filled by ld_conf_parse(). */
struct ld_conf {
	/* Target. */
	char url[LD_STR];
	char host[LD_STR];          /**< Host header: as in the URL */
	uint32_t dst;               /**< host order */
	uint16_t dport;
	char path[LD_STR];          /**< request target, with the query */
	char origin[LD_STR];        /**< "": no Origin header */
	char protocols[LD_STR];     /**< "": no subprotocol offered */
	/* Sources: one address per DPDK port. */
	struct ld_addr addrs[LD_MAX_ADDRS];
	unsigned int n_addrs;
	/* Connections. */
	uint32_t conns;             /**< concurrent connections (slots) */
	double conn_rate;           /**< new connections per second; 0: free */
	double ramp_s;              /**< rate rises from 0 over this long */
	uint32_t max_opening;       /**< opening at once, per worker */
	uint32_t connect_timeout_ms;
	/* Load. */
	uint8_t scenario;           /**< enum ld_scenario */
	uint8_t binary;             /**< 1: binary frames, 0: text */
	uint8_t raw;                /**< no handshake; frames come back as sent */
	uint8_t quiet;              /**< no live line */
	uint32_t inflight;          /**< closed loop: per connection */
	double rate;                /**< open loop: messages/s in all; 0: closed */
	struct ld_size_dist size;
	double duration_s;          /**< 0: bounded by count alone */
	uint64_t count;             /**< messages (connect: connections); 0: none */
	uint32_t drain_ms;          /**< wait for answers after the last send */
	uint32_t settle_ms;         /**< after the ramp, before sending */
	uint32_t ping_ms;           /**< idle: ping interval per connection */
	uint32_t publishers;        /**< pubsub: the first P connections */
	char pub_path[LD_STR];      /**< pubsub: publishers' path */
	char sub_path[LD_STR];      /**< pubsub: subscribers' path */
	/* Outcome. */
	uint64_t max_errors;        /**< exit 1 beyond this many errors */
	char json_path[LD_PATH];    /**< "": no JSON report */
	char plot_path[LD_PATH];    /**< "": no PNG */
	/* Dataplane. */
	char stats_sock[108];
	uint32_t mbufs;             /**< 0: the dataplane's sizing */
	uint32_t time_wait_ms;
	uint32_t time_wait_reuse_ms; /**< tcp.time_wait_reuse_ms */
	uint16_t port_lo;            /**< --src-ports; 0: the stack's range */
	uint16_t port_hi;
	uint32_t seed;
};

/* ---- Latency histogram ---- */

/** Sub-bucket bits: 256 buckets per power of two, 0.4% resolution. */
#define LD_HIST_SUB_BITS 8
#define LD_HIST_SUB (1u << LD_HIST_SUB_BITS)
#define LD_HIST_HALF (LD_HIST_SUB / 2)
/** Largest exponent tracked: values up to 2^40 ns (18 minutes). */
#define LD_HIST_MAX_EXP 40
#define LD_HIST_BUCKETS (LD_HIST_SUB + \
		(LD_HIST_MAX_EXP - LD_HIST_SUB_BITS) * LD_HIST_HALF)
/** The largest value recorded as itself; above it values are clamped. */
#define LD_HIST_MAX_VALUE ((1ull << LD_HIST_MAX_EXP) - 1)

/**
 * A log-linear histogram in the manner of HdrHistogram: exact below 256,
 * then 128 linear buckets per power of two. Values are nanoseconds. Two
 * histograms merge by adding their buckets, so each worker records into
 * its own and the totals are summed once, at the end.
 */
struct ld_hist {
	uint64_t count;
	uint64_t min;
	uint64_t max;
	uint64_t sum;
	uint64_t clamped;           /**< values above LD_HIST_MAX_VALUE */
	uint64_t b[LD_HIST_BUCKETS];
};

/* ---- Statistics ---- */

/** Kinds of statistic: counted up, a current value, or an error. */
enum ld_stat_kind {
	LD_KIND_COUNTER = 0,
	LD_KIND_GAUGE,
	LD_KIND_ERROR,
};

/**
 * Statistics, defined once: X(enum suffix, name, description, kind).
 * wsgwctl, the live line, the summary and the JSON report derive from it.
 * New entries are only ever appended within their group.
 */
#define LD_STATS_COUNTERS(X) \
	X(CONN_ATTEMPTS, "conn_attempts", "TCP connections started", LD_KIND_COUNTER) \
	X(CONN_TCP_OK, "conn_tcp_established", "TCP connections established", LD_KIND_COUNTER) \
	X(HS_OK, "handshakes_ok", "upgrades answered by a 101 that checked", LD_KIND_COUNTER) \
	X(CONN_CLOSED_OK, "conn_closed_ok", "connections ended by both close frames and an orderly TCP close", LD_KIND_COUNTER) \
	X(MSG_TX, "msgs_sent", "data messages sent", LD_KIND_COUNTER) \
	X(MSG_RX, "msgs_received", "data messages received", LD_KIND_COUNTER) \
	X(MSG_OK, "msgs_verified", "echoes or deliveries that checked byte for byte, in order", LD_KIND_COUNTER) \
	X(BYTES_TX, "payload_bytes_sent", "data payload bytes sent", LD_KIND_COUNTER) \
	X(BYTES_RX, "payload_bytes_received", "data payload bytes received", LD_KIND_COUNTER) \
	X(PING_TX, "pings_sent", "pings sent", LD_KIND_COUNTER) \
	X(PONG_RX, "pongs_received", "pongs received that answered our ping", LD_KIND_COUNTER) \
	X(CLOSE_RX, "closes_received", "close frames received", LD_KIND_COUNTER) \
	X(PUB_OTHER_RX, "pub_received", "pubsub: messages publishers received (not checked)", LD_KIND_COUNTER) \
	X(SCHED_MISSED, "sched_missed", "open loop: messages due but never sent (connection down, or sender behind)", LD_KIND_COUNTER)

#define LD_STATS_GAUGES(X) \
	X(CONNS_OPEN, "conns_open", "WebSocket connections open", LD_KIND_GAUGE) \
	X(CONNS_OPENING, "conns_opening", "connections in TCP or WebSocket handshake", LD_KIND_GAUGE) \
	X(CONNS_CLOSING, "conns_closing", "connections in the closing handshake", LD_KIND_GAUGE) \
	X(INFLIGHT, "msgs_in_flight", "messages sent and not yet answered", LD_KIND_GAUGE)

#define LD_STATS_ERRORS(X) \
	X(ERR_CONNECT_REFUSED, "err_connect_refused", "TCP connection refused (RST to our SYN)", LD_KIND_ERROR) \
	X(ERR_CONNECT_TIMEOUT, "err_connect_timeout", "no TCP or handshake answer within --connect-timeout", LD_KIND_ERROR) \
	X(ERR_CONNECT_LOCAL, "err_connect_local", "no local port or connection block for a new connection", LD_KIND_ERROR) \
	X(ERR_HS_REFUSED, "err_handshake_refused", "upgrade answered with an HTTP status other than 101", LD_KIND_ERROR) \
	X(ERR_HS_INVALID, "err_handshake_invalid", "101 that does not check (accept key, Upgrade, Connection, ...)", LD_KIND_ERROR) \
	X(ERR_RESET, "err_reset", "connection reset by the server after it was established", LD_KIND_ERROR) \
	X(ERR_TCP_TIMEOUT, "err_tcp_timeout", "connection dropped: retransmissions unanswered", LD_KIND_ERROR) \
	X(ERR_SERVER_CLOSE, "err_server_close", "server sent a close frame before we asked", LD_KIND_ERROR) \
	X(ERR_ABNORMAL_CLOSE, "err_abnormal_close", "TCP ended without a closing handshake (1006)", LD_KIND_ERROR) \
	X(ERR_PROTOCOL, "err_protocol", "server broke RFC 6455; we failed the connection", LD_KIND_ERROR) \
	X(ERR_ECHO_MISMATCH, "err_echo_mismatch", "echo or delivery differs from what was sent (bytes, length, header, frame type)", LD_KIND_ERROR) \
	X(ERR_ECHO_ORDER, "err_echo_order", "echo intact but out of the order sent", LD_KIND_ERROR) \
	X(ERR_ECHO_UNEXPECTED, "err_echo_unexpected", "message received that was never sent on this connection", LD_KIND_ERROR) \
	X(ERR_MSG_TIMEOUT, "err_msg_timeout", "messages never answered: the drain ended or their connection did", LD_KIND_ERROR) \
	X(ERR_PUBSUB_ORDER, "err_pubsub_order", "delivery out of a publisher's order or a duplicate", LD_KIND_ERROR) \
	X(ERR_PUBSUB_MISSING, "err_pubsub_missing", "publications a subscriber never received", LD_KIND_ERROR) \
	X(ERR_PONG_TIMEOUT, "err_pong_timeout", "ping unanswered when the next was due", LD_KIND_ERROR) \
	X(ERR_NO_MBUF, "err_no_mbuf", "mbuf pool empty: a message or handshake not sent", LD_KIND_ERROR) \
	X(ERR_CLOSE_TIMEOUT, "err_close_timeout", "closing handshakes not done within --connect-timeout, or by the end", LD_KIND_ERROR)

#define LD_STAT_ENUM_(id, name, desc, kind) LD_STAT_##id,
enum ld_stat {
	LD_STATS_COUNTERS(LD_STAT_ENUM_)
	LD_STATS_GAUGES(LD_STAT_ENUM_)
	LD_STATS_ERRORS(LD_STAT_ENUM_)
	LD_STAT__COUNT
};
#undef LD_STAT_ENUM_

#define LD_STAT_FIRST_ERROR LD_STAT_ERR_CONNECT_REFUSED

/** Name, description and kind of one statistic. */
struct ld_stat_desc {
	const char *name;
	const char *desc;
	uint8_t kind;
};

/** Close codes counted one by one: 1000..1015; the rest share a slot. */
#define LD_CLOSE_FIRST 1000
#define LD_CLOSE_SLOTS 17

/* ---- Messages ---- */

/**
 * Header every data message starts with (binary: as is, little-endian;
 * text: as 48 hexadecimal digits), then a pattern drawn from the
 * connection and sequence number:
 *   gid u32 | seq u32 | t_intended u64 (TSC) | t_sent - t_intended u32 |
 *   check u32 (hash of the 20 bytes before it)
 */
#define LD_MSG_HDR 24
#define LD_MSG_HDR_TEXT 48

#endif /* LD_TYPES_H */
