/**
 * @file
 * The dataplane's process-wide state and per-worker context. Workers own
 * their dp_worker; the control thread only reads counters.
 */
#ifndef DP_H
#define DP_H

#include <stdint.h>

#include <rte_common.h>
#include <rte_ring.h>

#include "dp_conf.h"
#include "ts.h"

#define DP_BURST 32

/** Counters of the worker loop itself, beside the stack's. */
#define DP_WORKER_COUNTERS(X) \
	X(LOOPS, "worker_loops", "iterations of the poll loop") \
	X(BUSY_LOOPS, "worker_busy_loops", "iterations that received packets") \
	X(NEIGH_TX, "neigh_shared", "ARP entries passed to other workers") \
	X(NEIGH_RING_FULL, "neigh_ring_full", "ARP entries not passed: ring full")

#define DP_STAT_ENUM_(id, name, desc) DP_STAT_##id,
enum dp_stat {
	DP_WORKER_COUNTERS(DP_STAT_ENUM_)
	DP_STAT__COUNT
};
#undef DP_STAT_ENUM_

/** A learned neighbour passed between workers (12 bytes, ring element). */
struct dp_neigh_msg {
	uint32_t ip;
	struct rte_ether_addr mac;
	uint8_t ifidx;
	uint8_t pad;
};

struct dp_worker {
	struct ts_ctx ts;                 /**< the stack, first: hot */
	uint64_t stats[DP_STAT__COUNT];
	struct rte_ring *neigh_ring;      /**< neighbours from other workers */
	struct rte_ring *handoff_ring;    /**< frames of flows we own */
	uint16_t id;
	uint16_t lcore_id;
	uint16_t queue;                   /**< our queue on every port */
	uint64_t drain_tsc;
} __rte_cache_aligned;

_Static_assert(sizeof(struct dp_neigh_msg) == 12,
		"ring elements are a multiple of 4 bytes");
_Static_assert(offsetof(struct dp_worker, ts) % RTE_CACHE_LINE_SIZE == 0,
		"stack state starts a cache line");

/** Everything the process shares, set before the workers start. */
struct dp_main {
	struct dp_conf conf;
	uint16_t n_ports;
	uint16_t port_ids[DP_MAX_PORTS];
	uint16_t n_workers;
	struct dp_worker *workers;        /**< n_workers, cache aligned */
	struct rte_mempool *pools[RTE_MAX_NUMA_NODES];
	uint64_t start_tsc;
	uint64_t cookie_key[2];           /**< SYN cookies and ISNs, all workers */
};

extern struct dp_main dp;

/** Set by SIGINT/SIGTERM; workers leave their loop when they see it. */
int dp_quit_requested(void);
void dp_request_quit(void);

/* dp_port.c */
int dp_ports_init(struct dp_main *d);
void dp_ports_close(struct dp_main *d);

/* dp_worker.c */
int dp_workers_init(struct dp_main *d);
int dp_worker_main(void *arg);
void dp_workers_free(struct dp_main *d);

/* dp_stats.c */
int dp_stats_start(struct dp_main *d);
void dp_stats_stop(void);

#endif /* DP_H */
