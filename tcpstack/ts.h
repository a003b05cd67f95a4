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

/** Defaults that match Linux's behaviour closely enough for a gateway. */
void ts_conf_defaults(struct ts_conf *conf);

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
 *         zero, too many interfaces), or -TS_ERR_NOMEM.
 */
int ts_iface_add(struct ts_ctx *ctx, const struct ts_iface_conf *conf,
		uint16_t tx_queue, int socket);

/** Release the context's tables and any packets still queued in it. */
void ts_ctx_free(struct ts_ctx *ctx);

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

/** Name and description of statistic @p id, or NULL past the end. */
const struct ts_stat_desc *ts_stat_desc(unsigned int id);

/** Whether statistic @p id is a drop reason. */
int ts_stat_is_drop(unsigned int id);

#endif /* TS_H */
