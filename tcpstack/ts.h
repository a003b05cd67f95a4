/**
 * @file
 * The userspace stack's public API: Ethernet, ARP, IPv4 and ICMP for one
 * worker. Every function takes the worker's context first and, where time
 * matters, the current TSC; the stack never reads the clock itself.
 *
 * Receive: ts_input() -> ts_eth_input -> ts_arp_input | ts_ipv4_input
 *          -> ts_icmp_input.
 * Transmit: ts_ipv4_output() -> ts_eth_output() -> ARP resolution ->
 *          per-interface buffer -> ts_flush() -> the tx callback.
 */
#ifndef TS_H
#define TS_H

#include <stdint.h>

#include "ts_types.h"

/**
 * An IPv4 address in host order from its four bytes. (DPDK's RTE_IPV4
 * shifts a signed int, undefined for a first byte above 127.)
 */
#define TS_IPV4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
		(uint32_t)(c) << 8 | (uint32_t)(d))

/** Defaults that match Linux's behaviour closely enough for a gateway. */
void ts_conf_defaults(struct ts_conf *conf);

/** TCP's share of the defaults (ts_conf_defaults calls it). */
void ts_tcp_conf_defaults(struct ts_tcp_conf *conf);

/**
 * Prepare a worker's context.
 * @param ctx       zeroed or previously freed context
 * @param conf      tunables (copied)
 * @param pool      pool for packets the stack originates (ARP, replies)
 * @param worker_id index of the worker, for statistics
 * @param tsc_hz    TSC frequency, to turn milliseconds into cycles
 * @return 0, or -TS_ERR_INVAL for a bad tunable.
 */
int ts_ctx_init(struct ts_ctx *ctx, const struct ts_conf *conf,
		struct rte_mempool *pool, uint16_t worker_id, uint64_t tsc_hz);

/** Set the callback that hands packets to a port. */
void ts_set_tx(struct ts_ctx *ctx, ts_tx_fn fn, void *arg);

/** Set the callback that shares learned neighbours with other workers. */
void ts_set_neigh(struct ts_ctx *ctx, ts_neigh_fn fn, void *arg);

/**
 * Add an interface; its index is the return value order (0, 1, ...).
 * @param tx_queue this worker's transmit queue on the port
 * @param socket   NUMA socket for the ARP table
 * @return the interface index (>= 0), -TS_ERR_INVAL (bad prefix, address
 *         zero, too many interfaces, a run off the link, holding the
 *         subnet's network or broadcast address, or meeting another run,
 *         more than TS_MAX_ADDRS in all), or -TS_ERR_NOMEM.
 */
int ts_iface_add(struct ts_ctx *ctx, const struct ts_iface_conf *conf,
		uint16_t tx_queue, int socket);

/** How many addresses interface @p ifidx owns, all its runs together. */
uint32_t ts_iface_addrs(const struct ts_ctx *ctx, uint8_t ifidx);

/**
 * The @p k-th address of interface @p ifidx (k modulo ts_iface_addrs()):
 * addr's run first, then struct ts_iface_conf more[] in order.
 */
uint32_t ts_iface_addr(const struct ts_ctx *ctx, uint8_t ifidx, uint32_t k);

/** Release the context's tables and any packets still queued in it. */
void ts_ctx_free(struct ts_ctx *ctx);

/**
 * Built-in services, for tests and for checking a deployment: echo sends
 * back every byte, discard reads and drops. @return as ts_tcp_listen().
 */
int ts_svc_echo(struct ts_ctx *ctx, uint8_t ifidx, uint16_t port);
int ts_svc_discard(struct ts_ctx *ctx, uint8_t ifidx, uint16_t port);

/**
 * Built-in client: open @p conf->conns connections, send @p conf->bytes
 * of a known pattern on each, check the echo byte for byte, then close.
 * With @p conf->msg and @p conf->depth, each connection sends messages of
 * msg bytes and keeps depth of them in flight: echo round trips, counted
 * in tcp_client_echoes. Outcomes in tcp_client_* statistics.
 * @return 0, -TS_ERR_INVAL for a bad @p conf, or the first error of
 *         ts_tcp_connect().
 */
int ts_svc_client(struct ts_ctx *ctx, uint8_t ifidx,
		const struct ts_client_conf *conf, uint64_t tsc);

/**
 * Process a burst of received frames. The stack owns the mbufs from here:
 * each is answered, consumed or dropped under a named reason.
 */
void ts_input(struct ts_ctx *ctx, uint8_t ifidx, struct rte_mbuf **pkts,
		uint16_t n, uint64_t tsc);

/**
 * Run the stack's timers: ARP retries and expiry. Cheap to call often; it
 * does real work at most every few milliseconds.
 */
void ts_timers(struct ts_ctx *ctx, uint64_t tsc);

/** Hand every buffered packet to its port. */
void ts_flush(struct ts_ctx *ctx);

/** Whether output still waits (a full port held it): flush again later. */
int ts_tx_waiting(const struct ts_ctx *ctx);

/**
 * Send an IPv4 packet. @p m holds the L4 header and payload, with at least
 * 34 bytes of headroom; the IPv4 and Ethernet headers are prepended.
 * The stack owns @p m from here (sent, queued on ARP, or dropped).
 * @param src  our address to send from (host order)
 * @param dst  destination (host order)
 */
void ts_ipv4_output(struct ts_ctx *ctx, uint8_t ifidx, struct rte_mbuf *m,
		uint32_t src, uint32_t dst, uint8_t proto, uint64_t tsc);

/**
 * Send a frame whose Ethernet header space is at the start of @p m (the
 * stack fills both addresses and leaves the EtherType alone), to
 * @p next_hop on interface @p ifidx, resolving it first if needed.
 */
void ts_eth_output(struct ts_ctx *ctx, uint8_t ifidx, struct rte_mbuf *m,
		uint32_t next_hop, uint64_t tsc);

/**
 * Record what another worker learned from ARP (see ts_set_neigh); sends
 * whatever was waiting on that address.
 */
void ts_arp_learn(struct ts_ctx *ctx, uint8_t ifidx, uint32_t ip,
		const struct rte_ether_addr *mac, uint64_t tsc);

/** Broadcast a gratuitous ARP for the interface's address. */
void ts_arp_announce(struct ts_ctx *ctx, uint8_t ifidx, uint64_t tsc);

/**
 * Look up a neighbour. @return 0 and its MAC in @p mac when the entry is
 * usable, -TS_ERR_INVAL otherwise.
 */
int ts_arp_lookup(const struct ts_ctx *ctx, uint8_t ifidx, uint32_t ip,
		struct rte_ether_addr *mac);

/**
 * Set up TCP for this worker: connection pool, flow table, timer wheel.
 * @param n_workers flows are owned by worker (hash % n_workers); segments
 *                  that reach another worker are handed over (ts_set_handoff)
 * @param cookie_key SipHash key for SYN cookies, the same on every worker
 * @return 0, -TS_ERR_INVAL for a bad tunable, -TS_ERR_NOMEM.
 */
int ts_tcp_init(struct ts_ctx *ctx, int socket, uint16_t n_workers,
		const uint64_t cookie_key[2], uint64_t tsc);

/**
 * Nagle's algorithm on one connection (RFC 9293 3.7.4): with @p on, data
 * short of a full segment waits while sent data is unacknowledged. Off
 * unless tcp.nagle says otherwise; may be changed at any time (turned
 * off, what waited goes).
 */
void ts_tcp_set_nagle(struct ts_ctx *ctx, struct ts_tcb *c, int on);

/**
 * Every worker's context (this one's included, the same array on each),
 * so that tcp.max_conns_per_listener and tcp.max_conns_per_ip bound the
 * connections of all workers together: a new connection's check reads the
 * others' counts, without locks (a race between workers admitting the
 * same source or listener at the same instant may let one more in each).
 * Call before traffic; without it each worker counts its own. The array
 * must outlive the contexts.
 */
void ts_tcp_set_peers(struct ts_ctx *ctx, struct ts_ctx *const *peers,
		uint16_t n);

/**
 * Memory one connection costs the stack: its block with the pool's header,
 * and its share of the flow table at the configured maximum (mbufs aside).
 */
size_t ts_tcp_conn_bytes(const struct ts_ctx *ctx);

/** Set the callback that passes frames to the worker owning their flow. */
void ts_set_handoff(struct ts_ctx *ctx, ts_handoff_fn fn, void *arg);

/**
 * Process a frame another worker handed over: this worker owns its flow.
 */
void ts_input_owned(struct ts_ctx *ctx, uint8_t ifidx, struct rte_mbuf *m,
		uint64_t tsc);

/**
 * Accept connections on @p port of interface @p ifidx.
 * @return 0, -TS_ERR_INVAL (port 0 or already listening), -TS_ERR_FULL.
 */
int ts_tcp_listen(struct ts_ctx *ctx, uint8_t ifidx, uint16_t port,
		const struct ts_tcp_ops *ops, void *app);

/**
 * Open a connection to @p dst:@p dport (host order) from an ephemeral port
 * whose flow this worker owns.
 * @return 0 with *@p out set, -TS_ERR_FULL (no block or no port), or
 *         -TS_ERR_INVAL (no route).
 */
int ts_tcp_connect(struct ts_ctx *ctx, uint8_t ifidx, uint32_t dst,
		uint16_t dport, const struct ts_tcp_ops *ops, void *app,
		uint64_t tsc, struct ts_tcb **out);

/**
 * ts_tcp_connect() from @p src, one of the interface's addresses
 * (struct ts_iface_conf n_addrs and more[]): each source has its own ephemeral ports,
 * so N addresses reach N times as many connections to one destination.
 * @return as ts_tcp_connect(); -TS_ERR_INVAL also when @p src is not ours.
 */
int ts_tcp_connect_from(struct ts_ctx *ctx, uint8_t ifidx, uint32_t src,
		uint32_t dst, uint16_t dport, const struct ts_tcp_ops *ops,
		void *app, uint64_t tsc, struct ts_tcb **out);

/**
 * Queue @p m (payload only, any number of segments) for sending. The
 * stack owns it on success; it takes a whole chain while any send space
 * is left, so the queue may pass sndbuf by one chain. On -TS_ERR_FULL the
 * caller keeps @p m and hears writable() when space opens. -TS_ERR_INVAL: the connection cannot send
 * (closed, or shut down for writing).
 */
int ts_tcp_send(struct ts_ctx *ctx, struct ts_tcb *c, struct rte_mbuf *m);

/**
 * As ts_tcp_send(), and the segments leave now rather than with the
 * burst's output (ts_flush()): for a caller that touches many connections
 * once each, a fan-out, so that each is sent while its state is in cache.
 * It still waits for the burst's output when the port is full or the
 * connection already waits for it.
 */
int ts_tcp_send_now(struct ts_ctx *ctx, struct ts_tcb *c, struct rte_mbuf *m);

/**
 * Prefetch what a send on @p c touches: its state, and once that is in
 * cache (a step later in a caller's pipeline), its send queue's tail.
 */
void ts_tcp_prefetch(const struct ts_tcb *c);
void ts_tcp_prefetch_sndq(const struct ts_tcb *c);

/** Bytes ts_tcp_send() would take now. */
uint32_t ts_tcp_send_space(const struct ts_ctx *ctx, const struct ts_tcb *c);

/** The application has processed @p len received bytes: reopen the window. */
void ts_tcp_recved(struct ts_ctx *ctx, struct ts_tcb *c, uint32_t len);

/** Send FIN once the queued data is out (half-close). */
void ts_tcp_shutdown(struct ts_ctx *ctx, struct ts_tcb *c);

/**
 * Abort: send RST, free the connection now. closed() is not called: the
 * caller already knows.
 */
void ts_tcp_abort(struct ts_ctx *ctx, struct ts_tcb *c);

/**
 * Sum each segment of @p m once, for payload queued on many connections
 * (the indirect clones of one frame, fan-out). The ones'-complement sum
 * of each direct segment's data is kept on that segment (m->hash.usr and
 * a dynamic flag); a TCP segment whose payload is exactly one whole such
 * segment, queued as it is or as an indirect mbuf of it, takes that sum
 * instead of reading the bytes. Call it where the frame is built, after
 * its last change and before it is cloned or shared with other workers:
 * a later change to the data is not seen (a change of a segment's length
 * is, and the bytes are summed again). Indirect and external-buffer
 * segments of @p m are left alone. Cannot fail: without the flag (its
 * registration failed at ts_tcp_init) it does nothing.
 */
void ts_payload_cksum_prepare(const struct ts_ctx *ctx, struct rte_mbuf *m);

/** The application's pointer for a connection. */
static inline void *ts_tcb_user(const struct ts_tcb *c) { return c->user; }
static inline void ts_tcb_set_user(struct ts_tcb *c, void *u) { c->user = u; }

/** Name and description of statistic @p id, or NULL past the end. */
const struct ts_stat_desc *ts_stat_desc(unsigned int id);

/** Whether statistic @p id is a drop reason. */
int ts_stat_is_drop(unsigned int id);

/** Whether statistic @p id is a gauge (a current value, not a count). */
int ts_stat_is_gauge(unsigned int id);

#endif /* TS_H */
