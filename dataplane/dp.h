/**
 * @file
 * The dataplane's process-wide state and per-worker context. Workers own
 * their dp_worker; the control thread only reads counters.
 */
#ifndef DP_H
#define DP_H

#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_ring.h>

#include "dp_conf.h"
#include "ts.h"

#define DP_BURST 32

/** Counters of the worker loop itself, beside the stack's. */
#define DP_WORKER_COUNTERS(X) \
	X(LOOPS, "worker_loops", "iterations of the poll loop") \
	X(BUSY_LOOPS, "worker_busy_loops", "iterations that received packets or in which the application did work") \
	X(CYCLES, "worker_cycles", "TSC cycles in the poll loop") \
	X(IDLE_CYCLES, "worker_idle_cycles", "TSC cycles of iterations that received nothing and had no application work") \
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
	void *app;                        /**< the application's per-worker state */
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

struct dp_main;

/** One statistic an application adds to the dataplane's. */
struct dp_app_stat {
	const char *name;
	const char *desc;
	uint8_t gauge;                    /**< 1: a current value */
};

/**
 * An application on the dataplane (the gateway, the load generator): the
 * layer above the stack. The workers call its hooks; every hook but
 * worker_init runs on the worker's own lcore. Hooks may be NULL.
 */
struct dp_app {
	const char *name;                 /**< "wsgw", "wsgw-load": messages */
	/** Once per worker on the main lcore, after the stack is set up. */
	int (*worker_init)(struct dp_main *d, struct dp_worker *w);
	/** On the worker's lcore, before its loop (first sends, connects). */
	void (*worker_start)(struct dp_worker *w, uint64_t tsc);
	/**
	 * Every loop iteration, after input and before the flush.
	 * @return non-zero when it did some work: the iteration is then busy
	 * (worker_idle_cycles, dataplane.idle_sleep_us) though nothing came.
	 */
	int (*poll)(struct dp_worker *w, uint64_t tsc);
	/** Every drain interval, after the stack's timers. */
	void (*timers)(struct dp_worker *w, uint64_t tsc);
	/**
	 * Once quit is requested, every loop until it returns non-zero or
	 * drain_ms passes: finish what is open (close frames, FINs).
	 */
	int (*drain)(struct dp_worker *w, uint64_t tsc);
	/** After the workers stopped, on the main lcore. */
	void (*worker_free)(struct dp_worker *w);
	/** Statistics: n_stats entries, each a counter or a gauge per worker. */
	unsigned int n_stats;
	const struct dp_app_stat *stats;
	uint64_t (*stat)(const struct dp_worker *w, unsigned int id);
	/**
	 * A statistics-socket command the dataplane does not know, on the
	 * control thread: write the answer and return 0, or return -1.
	 */
	int (*cmd)(struct dp_main *d, const char *line, FILE *out);
	/** Help text of the commands cmd() takes, appended to the error. */
	const char *cmd_names;
	uint32_t drain_ms;                /**< bound of the drain phase */
};

/** Everything the process shares, set before the workers start. */
struct dp_main {
	const struct dp_app *app;
	struct dp_conf conf;
	uint16_t n_ports;
	uint16_t port_ids[DP_MAX_PORTS];
	/** Who sums the TCP segments we send there: enum ts_tx_cksum
	 * (dataplane.tx_cksum and the port's offloads). */
	uint8_t port_tx_cksum[DP_MAX_PORTS];
	/** 1: the port sends no chains (no RTE_ETH_TX_OFFLOAD_MULTI_SEGS). */
	uint8_t port_no_chains[DP_MAX_PORTS];
	uint16_t n_workers;
	struct dp_worker *workers;        /**< n_workers, cache aligned */
	/** Each worker's stack context, for limits across workers. */
	struct ts_ctx **ts_peers;
	struct rte_mempool *pools[RTE_MAX_NUMA_NODES];
	uint64_t start_tsc;
	uint64_t cookie_key[2];           /**< SYN cookies and ISNs, all workers */
};

extern struct dp_main dp;

/**
 * Run the dataplane: EAL (the first @p eal_argc words of @p argv), ports,
 * workers with @p app on top, the statistics socket, until SIGINT or
 * SIGTERM and the app's drain. dp.conf must be filled first.
 * @return the process's exit status.
 */
int dp_run(const struct dp_app *app, int eal_argc, char **argv);

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
