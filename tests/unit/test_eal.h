/**
 * @file
 * EAL for the unit tests that need mbufs: no hugepages, no shared files
 * (DPDK 22.11 refuses --no-huge with --in-memory), one lcore, and one mbuf
 * pool. Included by the tests' group set-up and tear-down.
 */
#ifndef TEST_EAL_H
#define TEST_EAL_H

#include <rte_eal.h>
#include <rte_mbuf.h>

/** Start EAL and create a pool of @p n mbufs; NULL on failure. */
static inline struct rte_mempool *test_eal_start(unsigned int n)
{
	char *argv[] = { "test", "--no-huge", "--no-shconf", "-m", "256",
		"--no-pci", "-l", "0", "--log-level", "lib.eal:error", NULL };

	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0)
		return NULL;
	return rte_pktmbuf_pool_create("test_pool", n, 0, 0,
			RTE_MBUF_DEFAULT_BUF_SIZE, 0);
}

static inline void test_eal_stop(struct rte_mempool *pool)
{
	rte_mempool_free(pool);
	rte_eal_cleanup();
}

#endif /* TEST_EAL_H */
