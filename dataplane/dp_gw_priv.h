/**
 * @file
 * The gateway's internals, shared by dp_gw.c (connections, handshakes,
 * echo, timers, statistics), dp_gw_pubsub.c (channels, fan-out, slow
 * consumers) and dp_gw_proxy.c (upstream relay).
 */
#ifndef DP_GW_PRIV_H
#define DP_GW_PRIV_H

#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_seqcount.h>

#include "dp.h"
#include "dp_key.h"
#include "dp_gw.h"
#include "ws.h"

/** Size of the buffer a request head is read into (431 beyond it). */
#define DP_GW_HS_BUF 4096
/** Room kept for the saved 101 while a proxy waits for its upstream. */
#define DP_GW_HS_RESP 768
/** Longest path, Origin or subprotocol list a proxy passes upstream. */
#define DP_GW_HS_STR 512
/** Connections the idle sweep visits per drain interval, at least. */
#define DP_GW_SWEEP_MIN 64
/** Slots of a worker's channel table at most (chan_slot is 16 bits). */
#define DP_GW_CHAN_SLOTS_MAX 65536
/** Longest channel name, with its NUL. */
#define DP_GW_CHAN_NAME 64
/** Pub/sub ring between workers, entries (a power of two). */
#define DP_GW_RING 65536
/** Messages held back per destination worker (a power of two). */
#define DP_GW_BACKLOG 65536
/** Ring entries a worker takes per poll. */
#define DP_GW_RING_BURST 64
/** Deliveries per step of a fan-out: the port's input has its turn
 *  between steps, so that a large channel does not starve it. */
#define DP_GW_FAN_STEP 256
/** Messages waiting for this worker's fan-out. Publishers are held back
 *  long before (DP_GW_FAN_HOLD); should it fill all the same, the oldest
 *  walks finish at once (gw_fanout_forced), the port's input waiting. */
#define DP_GW_FAN_Q 4096
/** A worker is behind with this many messages waiting (its fan-out
 *  queue, its ring, its backlog to full rings): the input of pub/sub
 *  connections on every worker is held, closing their TCP windows, */
#define DP_GW_FAN_HOLD 256
/** until no worker has more than this many waiting. */
#define DP_GW_FAN_RESUME 64
/** Held connections a worker keeps a list of at most (and no more than
 *  its connections); past it, the release walks all of them. */
#define DP_GW_PUB_HELD 65536
/** References a fan-out's frame may hold before it is copied. Under
 *  65,536 with room for RTE_MAX_LCORE workers adding a step each at
 *  once (32,768) and for pieces that segments attach to it (16,383). */
#define DP_GW_REFS_MAX 16384

/**
 * Gateway statistics, defined once: X(enum suffix, name, description,
 * gauge). New entries are only ever appended.
 */
#define DP_GW_STATS(X) \
	X(CONNS, "gw_conns", "gateway connections in use (all states)", 1) \
	X(HANDSHAKING, "gw_handshakes", "connections reading their request head", 1) \
	X(WS_OPEN, "gw_ws_open", "WebSocket connections open", 1) \
	X(SUBSCRIBERS, "gw_subscribers", "pub/sub subscriptions", 1) \
	X(ACCEPTED, "gw_accepted", "TCP connections accepted by the gateway", 0) \
	X(REFUSED_LIMIT, "gw_refused_max_conns", "connections reset: gateway.max_conns reached", 0) \
	X(REFUSED_IP, "gw_refused_per_ip", "connections reset: gateway.max_conns_per_ip reached", 0) \
	X(REFUSED_HS, "gw_refused_handshakes", "connections reset: gateway.max_handshakes in progress", 0) \
	X(REFUSED_DRAIN, "gw_refused_shutdown", "connections reset: shutting down", 0) \
	X(HS_TIMEOUT, "gw_handshake_timeouts", "request heads not complete in time (408)", 0) \
	X(UPGRADES, "gw_upgrades", "WebSocket upgrades (101)", 0) \
	X(HTTP_OK, "gw_http_healthz", "GET /healthz answered 200", 0) \
	X(HTTP_404, "gw_http_404", "requests for no route (404)", 0) \
	X(HTTP_405, "gw_http_405", "methods other than GET (405)", 0) \
	X(HTTP_426, "gw_http_426", "GET without upgrade on a WebSocket route (426)", 0) \
	X(HTTP_403, "gw_http_403", "Origin not allowed by the route (403)", 0) \
	X(HTTP_OTHER, "gw_http_refused", "other refusals of a request (400, 414, 431, ...)", 0) \
	X(MSG_IN, "gw_messages_in", "WebSocket data messages received", 0) \
	X(MSG_OUT, "gw_messages_out", "WebSocket data frames queued to clients", 0) \
	X(ECHOED, "gw_echo_frames", "frames echoed", 0) \
	X(PUBLISHED, "gw_published", "messages published (clients and the control plane)", 0) \
	X(PUB_REFUSED, "gw_publish_refused", "messages from subscribers on a route without publish (1008)", 0) \
	X(DELIVERED, "gw_delivered", "pub/sub messages queued to subscribers", 0) \
	X(DROP_OLDEST, "gw_dropped_oldest", "queued messages dropped for a newer one (drop-oldest)", 0) \
	X(CONFLATED, "gw_conflated", "queued messages replaced by a newer one of the same key", 0) \
	X(SLOW_CLOSED, "gw_slow_disconnects", "subscribers closed 1008: send queue full (disconnect)", 0) \
	X(NO_MBUF, "gw_no_mbuf", "messages not built or delivered: mbuf pool empty", 0) \
	X(RING_BACKLOG, "gw_ring_backlog", "pub/sub messages held back: a worker's ring was full", 0) \
	X(RING_LOST, "gw_ring_overflow", "pub/sub messages lost: ring and backlog to a worker full", 0) \
	X(PUB_HELD, "gw_pubsub_input_held", "pub/sub connections whose input was held (TCP window closed): a worker's fan-out was behind", 0) \
	X(FAN_FORCED, "gw_fanout_forced", "fan-outs finished at once, the port's input waiting: the fan-out queue was full", 0) \
	X(CHAN_FULL, "gw_channels_full", "subscriptions refused: channel table full (503, or close 1011 after the 101)", 0) \
	X(CHAN_CLASH, "gw_channel_id_clashes", "subscriptions refused: another channel holds the name's id (503, or close 1011 after the 101)", 0) \
	X(PINGS, "gw_idle_pings", "pings sent to silent connections", 0) \
	X(IDLE_CLOSED, "gw_idle_timeouts", "connections reset: silent after a ping", 0) \
	X(CLOSE_TIMEOUT, "gw_close_timeouts", "connections reset: closing handshake not finished in time", 0) \
	X(PEER_GONE, "gw_abnormal_closes", "connections that ended without a close frame (1006)", 0) \
	X(SHUTDOWN_CLOSES, "gw_shutdown_closes", "close 1001 sent at shutdown", 0) \
	X(PROXY_UP, "gw_proxy_upstreams", "upstream connections opened (101 from upstream)", 0) \
	X(PROXY_FAIL, "gw_proxy_failures", "upstreams that refused or could not be reached (502/504)", 0) \
	X(PROXY_LOST, "gw_proxy_upstream_lost", "upstreams that went away mid-stream (1011 to the client)", 0) \
	X(FAN_IN_USE, "gw_fanout_mbufs_in_use", "fan-out mbufs taken from the worker's pool (0 when idle)", 1) \
	X(FAN_WAITING, "gw_fanout_waiting", "pub/sub messages waiting for the worker's fan-out: queued, in its ring, held back for full rings (0 when idle)", 1) \
	X(HS_IN_USE, "gw_handshake_slots_in_use", "handshake slots taken from the worker's pool (0 when idle)", 1)

#define DP_GW_STAT_ENUM_(id, name, desc, gauge) DP_GW_STAT_##id,
enum dp_gw_stat {
	DP_GW_STATS(DP_GW_STAT_ENUM_)
	DP_GW_STAT__COUNT
};
#undef DP_GW_STAT_ENUM_

/** Per-route counters, shown by the "routes" command. */
#define DP_GW_RSTATS(X) \
	X(CONNS, "conns") \
	X(MSG_IN, "msgs_in") \
	X(MSG_OUT, "msgs_out") \
	X(DROP_OLDEST, "dropped_oldest") \
	X(CONFLATED, "conflated") \
	X(SLOW_CLOSED, "slow_disconnects")

#define DP_GW_RSTAT_ENUM_(id, name) DP_GW_RSTAT_##id,
enum dp_gw_rstat {
	DP_GW_RSTATS(DP_GW_RSTAT_ENUM_)
	DP_GW_RSTAT__COUNT
};
#undef DP_GW_RSTAT_ENUM_

/** Connection states; zero is a free slab slot. */
enum dp_gw_state {
	DP_GW_FREE = 0,
	DP_GW_HANDSHAKE,     /**< reading the request head */
	DP_GW_UPSTREAM,      /**< proxy: the upstream's 101 is awaited */
	DP_GW_HTTP_DONE,     /**< a plain answer or refusal is queued, FIN next */
	DP_GW_OPEN,          /**< frames both ways */
	DP_GW_CLOSING,       /**< close frames exchanged or sent; FIN next */
	DP_GW_UP_CONNECTING, /**< proxy upstream leg: TCP or handshake */
	DP_GW_UP_OPEN,       /**< proxy upstream leg: frames */
};

/* dp_gw_conn.flags */
#define DP_GW_CF_PING     0x01   /**< a heartbeat ping is unanswered */
#define DP_GW_CF_SUB      0x02   /**< on a channel's subscriber list */
#define DP_GW_CF_UPSTREAM 0x04   /**< the upstream leg of a proxy pair */
#define DP_GW_CF_FIN      0x08   /**< FIN once the send queue drains */
#define DP_GW_CF_HELD     0x10   /**< received bytes not yet reported */
#define DP_GW_CF_IN_MSG   0x20   /**< echo: a fragmented message goes on */
#define DP_GW_CF_PAIRED   0x40   /**< proxy: sub.prev is the other leg */
#define DP_GW_CF_PEER_FIN 0x80   /**< the peer's FIN arrived */

/** A doubly-linked list node; a channel's head is one too. */
struct dp_gw_link {
	struct dp_gw_link *prev;
	struct dp_gw_link *next;
};

/** Handshake state, from a pool, only until the 101 (or the refusal). */
struct dp_gw_hs {
	struct ws_hs hs;
	uint64_t chan;                   /**< pubsub: the channel's id */
	char chan_name[DP_GW_CHAN_NAME]; /**< and its name */
	uint16_t resp_len;               /**< proxy: saved 101's length */
	uint8_t buf[DP_GW_HS_BUF];
	uint8_t resp[DP_GW_HS_RESP];     /**< proxy: the 101, until upstream's */
	/* Proxy upstream leg: what its request says. */
	struct ws_client_conf cconf;
	char path[DP_GW_HS_STR];
	char origin[DP_GW_HS_STR];
	char protocols[DP_GW_HS_STR];
};

/**
 * One gateway connection, from the worker's slab. Before the 101 the
 * WebSocket state is not in use, and the handshake's pointer lives in its
 * place; the proxy's upstream leg is a connection of its own.
 */
struct dp_gw_conn {
	union {
		struct ws_conn ws;       /**< from the 101 on */
		struct dp_gw_hs *hs;     /**< before it */
		struct dp_gw_conn *next_free;   /**< on the slab's free list */
	} u;
	struct rte_mbuf *rx_frame;       /**< echo, proxy, publish: being built */
	/* From here on, one cache line: what a fan-out's delivery reads. */
	struct dp_gw_link sub;           /**< on a channel's list; proxy: peer */
	struct ts_tcb *tcb;              /**< NULL once TCP is gone */
	struct rte_mbuf *outq;           /**< frames TCP did not take yet */
	struct rte_mbuf *outq_tail;
	uint32_t outq_bytes;
	uint32_t held;                   /**< bytes received, not yet reported */
	uint32_t t_ms;                   /**< last frame received, or state start */
	uint16_t outq_msgs;
	uint8_t state;                   /**< enum dp_gw_state */
	uint8_t route;                   /**< index in dp.conf.routes */
	uint8_t flags;                   /**< DP_GW_CF_* */
	uint8_t rx_op;                   /**< opcode of the message being built */
	uint16_t chan_slot;              /**< subscriber: its channel's slot */
};

/** Messages between workers carry this in an mbuf dynamic field. */
struct dp_gw_msg_meta {
	uint64_t chan;                   /**< channel id */
	uint32_t kind;                   /**< DP_GW_MSG_* */
};

#define DP_GW_MSG_PUBLISH 1   /**< to the channel's owner, who orders it */
#define DP_GW_MSG_DELIVER 2   /**< to every worker, for its subscribers */

/** Per-frame mark in a connection's queue (an mbuf dynamic field). */
struct dp_gw_q_meta {
	struct rte_mbuf *next;           /**< next frame in the queue */
	uint32_t key;                    /**< conflation key, 0: none */
	uint8_t control;                 /**< 1: never dropped or conflated */
};

/*
 * One dynamic field serves both: a message in a ring is never in a queue
 * (subscribers queue clones of it), and the mbuf's dynamic area is small.
 */
union dp_gw_mbuf_meta {
	struct dp_gw_msg_meta msg;
	struct dp_gw_q_meta q;
};

/** A FIFO of messages held back for one worker whose ring was full. */
struct dp_gw_fifo {
	struct rte_mbuf **v;
	uint32_t head;                   /**< next to send */
	uint32_t tail;                   /**< next free */
	uint32_t mask;
};

struct dp_gw_chan {
	uint64_t id;                     /**< 0: free slot */
	struct dp_gw_link subs;          /**< this worker's subscribers */
	uint32_t n_subs;
	char name[DP_GW_CHAN_NAME];
};

/** The gateway's state on one worker, touched by that worker alone. */
struct dp_gw_worker {
	uint64_t stats[DP_GW_STAT__COUNT];
	uint64_t rstats[DP_MAX_ROUTES][DP_GW_RSTAT__COUNT];
	struct ws_ctx ws[DP_MAX_ROUTES];  /**< per route: its message limit */
	struct ws_ctx ws_up;             /**< proxy upstream legs (client role) */
	struct ws_ctx ws_hs;             /**< handshake statistics */
	struct ws_hs_conf hs_conf;       /**< hooks; arg is this worker */
	struct ws_client_conf *up_conf;  /**< per route: upstream handshake */
	struct dp_worker *w;
	struct ts_ctx *ts;
	struct dp_gw_conn *cur;          /**< connection whose hooks run */
	struct dp_gw_conn *conns;        /**< the slab */
	struct dp_gw_conn *free_list;    /**< through ->tcb of free slots */
	uint32_t n_conns;
	uint32_t used;
	uint32_t sweep;                  /**< next slot the sweep visits */
	uint32_t sweep_n;                /**< slots per sweep step */
	uint32_t now_ms;                 /**< the worker's clock, ms */
	uint8_t draining;                /**< 1: closes sent, 2: FINs sent */
	uint32_t drain_start_ms;
	struct rte_mempool *hs_pool;
	struct rte_mempool *pool;        /**< the port's mbufs */
	struct rte_mempool *clone_pool;  /**< indirect mbufs for fan-out */
	struct rte_ring *ring;           /**< pub/sub messages for this worker */
	struct dp_gw_fifo *backlog;      /**< per destination worker */
	uint32_t backlog_n;              /**< messages held in all of them */
	struct dp_gw_chan *chans;        /**< open addressing, linear probing */
	uint32_t chan_mask;              /**< slots - 1 */
	uint32_t n_chans;                /**< at most dp.conf.gw_channels */
	struct dp_gw_fifo fan_q;         /**< messages for the fan-out, in order */
	struct rte_mbuf *fan_m;          /**< the one being fanned out, or NULL */
	struct dp_gw_link *fan_next;     /**< its next subscriber, */
	struct dp_gw_link *fan_end;      /**< and its channel's list head */
	uint32_t fan_key;                /**< its conflation key, 0: not yet */
	uint32_t fan_refs;               /**< references to it taken, unused */
	uint8_t fanning;                 /**< a subscriber list is being walked */
	uint8_t chan_sweep;              /**< a channel emptied while fanning */
	rte_seqcount_t chan_seq;         /**< the control thread's reads */
	uint32_t n_pub_held;
	uint32_t pub_held_max;           /**< pub_held's room */
	uint8_t pub_held_walk;           /**< more held than pub_held keeps */
	uint32_t *pub_held;              /**< slots of connections held; may
					  * have closed since (checked) */
	/** 1 while this worker is behind (DP_GW_FAN_HOLD); read by every
	 *  worker, written by this one on a change only: its own line. */
	uint32_t behind __rte_cache_aligned;
} __rte_cache_aligned;

/** Process-wide, set before the workers start. */
struct dp_gw_shared {
	int meta_off;                    /**< dynfield: union dp_gw_mbuf_meta */
	uint32_t conns;                  /**< all workers, atomic */
	uint32_t *ip_keys;               /**< per-source counts, atomic */
	uint32_t *ip_counts;
	uint32_t ip_mask;
	struct dp_sipkey chan_key;       /**< channel ids: secret, per process */
};

extern struct dp_gw_shared dp_gw;

static inline struct dp_gw_worker *dp_gw_of(struct dp_worker *w)
{
	return w->app;
}

static inline void dp_gw_count(struct dp_gw_worker *g, enum dp_gw_stat id,
		uint64_t n)
{
	g->stats[id] += n;
}

static inline void dp_gw_rcount(struct dp_gw_worker *g, unsigned int route,
		enum dp_gw_rstat id, uint64_t n)
{
	g->rstats[route][id] += n;
}

static inline struct dp_gw_q_meta *dp_gw_q(struct rte_mbuf *m)
{
	return &RTE_MBUF_DYNFIELD(m, dp_gw.meta_off, union dp_gw_mbuf_meta *)->q;
}

static inline struct dp_gw_msg_meta *dp_gw_meta(struct rte_mbuf *m)
{
	return &RTE_MBUF_DYNFIELD(m, dp_gw.meta_off, union dp_gw_mbuf_meta *)->msg;
}

static inline const struct dp_route_conf *dp_gw_route(
		const struct dp_gw_conn *c)
{
	return &dp.conf.routes[c->route];
}

/* dp_gw.c */
/** Queue a frame: to TCP when nothing waits, else behind what waits. */
void dp_gw_out(struct dp_gw_worker *g, struct dp_gw_conn *c,
		struct rte_mbuf *m, uint32_t key, int control);
/** As dp_gw_out(), and what TCP takes leaves now (ts_tcp_send_now()):
 *  a fan-out's delivery, while the subscriber's state is in cache. */
void dp_gw_out_now(struct dp_gw_worker *g, struct dp_gw_conn *c,
		struct rte_mbuf *m, uint32_t key);
/** Copy @p len bytes into a new frame mbuf (headroom for the header). */
struct rte_mbuf *dp_gw_frame_alloc(struct dp_gw_worker *g, const void *data,
		size_t len);
/** Append payload bytes to the frame being built on @p c. */
int dp_gw_frame_append(struct dp_gw_worker *g, struct dp_gw_conn *c,
		const uint8_t *data, size_t len);
/** The engine's send callback: frames it builds go through dp_gw_out. */
int dp_gw_ws_send(void *user, const uint8_t *frame, size_t len);
/** Take the frame built on @p c, with its header in front (unmasked). */
struct rte_mbuf *dp_gw_frame_finish(struct dp_gw_worker *g,
		struct dp_gw_conn *c, enum ws_opcode op, int fin);
/** The worker of this lcore (engine callbacks carry only a connection). */
struct dp_gw_worker *dp_gw_here(void);
/** Send a plain HTTP answer on a client before its 101, then FIN. */
void dp_gw_http_reply(struct dp_gw_worker *g, struct dp_gw_conn *c,
		uint16_t status, const char *reason, const char *body);
/** Close with @p code (1000..4999) and FIN once it is sent. */
void dp_gw_close(struct dp_gw_worker *g, struct dp_gw_conn *c, uint16_t code,
		const char *reason);
/**
 * Release everything @p c holds and return it to the slab; @p rip is the
 * client's address (its per-source count), ignored for upstream legs.
 */
void dp_gw_conn_free(struct dp_gw_worker *g, struct dp_gw_conn *c,
		uint32_t rip);
/** A connection from the slab, zeroed; NULL when the slab is empty. */
struct dp_gw_conn *dp_gw_conn_new(struct dp_gw_worker *g);
/** FIN once everything queued is with TCP. */
void dp_gw_fin_when_sent(struct dp_gw_worker *g, struct dp_gw_conn *c);
/**
 * The peer's FIN arrived: once ours is queued too, TCP finishes alone
 * (LAST-ACK, TIME-WAIT) and the connection goes back to the slab.
 */
void dp_gw_peer_fin(struct dp_gw_worker *g, struct dp_gw_conn *c);
/** Reset the connection's TCP and free it. */
void dp_gw_abort(struct dp_gw_worker *g, struct dp_gw_conn *c);
/** The 101 is out: frames from now on (subscribes a pubsub client). */
void dp_gw_open(struct dp_gw_worker *g, struct dp_gw_conn *c);
/** TCP took what it could: send what waits, reopen held input. */
void dp_gw_writable(struct dp_gw_worker *g, struct dp_gw_conn *c);
/** The TCP callbacks of every gateway connection, both legs. */
extern const struct ts_tcp_ops dp_gw_tcp_ops;
/** Drop the frames waiting in @p c's queue. */
void dp_gw_outq_purge(struct dp_gw_conn *c);

/* dp_gw_pubsub.c */
int dp_gw_pubsub_init(struct dp_gw_worker *g, int socket);
void dp_gw_pubsub_free(struct dp_gw_worker *g);
/** Channel id of a name (never 0). */
uint64_t dp_gw_chan_id(const char *name, size_t len);
/**
 * Find or make channel @p id (named @p name) and put @p c on its
 * subscriber list.
 * @return 0; -ENOSPC when the channel table is full; -EEXIST when another
 *         name holds the id (never seen for a keyed 64-bit hash; refused
 *         all the same, so that no subscriber gets another's messages).
 */
int dp_gw_subscribe(struct dp_gw_worker *g, struct dp_gw_conn *c,
		uint64_t id, const char *name, size_t len);
/** What dp_gw_subscribe would answer now, without subscribing. */
int dp_gw_chan_room(const struct dp_gw_worker *g, uint64_t id,
		const char *name, size_t len);
/** Channel id of a subscriber (the one it publishes to). */
uint64_t dp_gw_sub_chan(const struct dp_gw_worker *g,
		const struct dp_gw_conn *c);
/**
 * Off its channel's list; the channel goes when it has no subscriber
 * (while a subscriber list is walked, at the dp_gw_chan_sweep after it).
 */
void dp_gw_unsubscribe(struct dp_gw_worker *g, struct dp_gw_conn *c);
/** Take out the channels that emptied while a list was walked. */
void dp_gw_chan_sweep(struct dp_gw_worker *g);
/**
 * Publish a complete frame (header included, unmasked) on channel @p id:
 * it reaches every subscriber on every worker, in the order the
 * channel's owner saw it. Takes @p m.
 */
void dp_gw_publish(struct dp_gw_worker *g, uint64_t id, struct rte_mbuf *m);
/** Serve this worker's ring and retry held-back messages. */
/** @return messages taken from the ring, plus one for a backlog flushed. */
unsigned int dp_gw_pubsub_poll(struct dp_gw_worker *g);
/** Whether a message held back or in a ring still waits. */
int dp_gw_pubsub_busy(const struct dp_gw_worker *g);
/** Messages waiting for @p g's fan-out: queued, in its ring, held back
 *  for full rings. Safe to read from another thread (a gauge). */
uint32_t dp_gw_fan_waiting(const struct dp_gw_worker *g);
/**
 * Input just received on pub/sub connection @p c: whether to hold it
 * (leave it unreported to TCP, so that the peer's window closes) because
 * a worker is behind. dp_gw_pubsub_poll reports it once none is.
 */
int dp_gw_pub_hold(struct dp_gw_worker *g, struct dp_gw_conn *c);
/** Report what @p c held, if it holds any (it is closing). */
void dp_gw_pub_unhold(struct dp_gw_worker *g, struct dp_gw_conn *c);
/** The "channels" command. */
void dp_gw_channels_cmd(FILE *out);

/* dp_gw_proxy.c */
/** A proxy route's request is valid: open the upstream leg. */
int dp_gw_proxy_start(struct dp_gw_worker *g, struct dp_gw_conn *c);
/** TCP callback: the upstream leg's active open completed. */
void dp_gw_proxy_connected(void *app, struct ts_ctx *ctx, struct ts_tcb *tcb);
/** Bytes from the upstream leg. */
void dp_gw_proxy_recv(struct dp_gw_worker *g, struct dp_gw_conn *up,
		struct rte_mbuf *m);
/** A chunk from the client on a proxy route: relay frame by frame. */
int dp_gw_proxy_frame(struct dp_gw_worker *g, struct dp_gw_conn *c,
		enum ws_opcode op, unsigned int flags);
/** The client's close frame: carry its code upstream. */
void dp_gw_proxy_close(struct dp_gw_worker *g, struct dp_gw_conn *c,
		uint16_t code, const uint8_t *reason, size_t len);
/** The upstream leg's FIN. */
void dp_gw_proxy_peer_closed(struct dp_gw_worker *g, struct dp_gw_conn *up);
/** Either leg's queue drained: reopen the other's input. */
void dp_gw_proxy_writable(struct dp_gw_worker *g, struct dp_gw_conn *c);
/** The upstream did not answer within the handshake timeout. */
void dp_gw_proxy_timeout(struct dp_gw_worker *g, struct dp_gw_conn *c);
/** One leg of a pair is going away: tell the other. */
void dp_gw_proxy_lost(struct dp_gw_worker *g, struct dp_gw_conn *c);
extern const struct ws_ops dp_gw_up_ops;

#endif /* DP_GW_PRIV_H */
