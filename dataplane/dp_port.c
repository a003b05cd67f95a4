/**
 * @file
 * Port set-up: one receive and one transmit queue per worker on every port,
 * RSS where the PMD offers it, mbuf pools per NUMA socket.
 *
 * main -> dp_ports_init -> dp_pool_for / dp_port_start; dp_ports_close.
 */
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "dp.h"

#define DP_MBUF_CACHE 512
/* Buffered TCP data per worker, when dataplane.mbufs leaves it to us. */
#define DP_MBUFS_TCP 32768

static int dp_port_socket(uint16_t port)
{
	int s = rte_eth_dev_socket_id(port);

	return s < 0 ? 0 : s;
}

/* Enough for every descriptor on the socket plus what workers hold. */
static uint32_t dp_pool_size(const struct dp_main *d, int socket)
{
	uint32_t n = 0;

	if (d->conf.mbufs != 0)
		return d->conf.mbufs;
	for (uint16_t i = 0; i < d->n_ports; i++)
		if (dp_port_socket(d->port_ids[i]) == socket)
			n += (uint32_t)(d->conf.rx_desc + d->conf.tx_desc) *
				d->n_workers;
	n += d->n_workers * (DP_MBUF_CACHE + DP_BURST * 2 +
			TS_TX_BURST * DP_MAX_PORTS +
			d->conf.ts.arp_queue_len * 64u);
	/* TCP send and out-of-order queues hold mbufs, not copies. */
	n += d->n_workers * DP_MBUFS_TCP;
	return n + 4096;
}

static struct rte_mempool *dp_pool_for(struct dp_main *d, int socket)
{
	char name[RTE_MEMPOOL_NAMESIZE];

	if (d->pools[socket] != NULL)
		return d->pools[socket];
	snprintf(name, sizeof(name), "wsgw_mbuf_%d", socket);
	d->pools[socket] = rte_pktmbuf_pool_create(name, dp_pool_size(d, socket),
			DP_MBUF_CACHE, 0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (d->pools[socket] == NULL)
		fprintf(stderr, "wsgw: mbuf pool on socket %d: %s\n", socket,
				rte_strerror(rte_errno));
	return d->pools[socket];
}

/*
 * RSS over the workers' queues; received IPv4 and TCP checksums checked by
 * the port where it can (the stack trusts its verdict); and, unless
 * dataplane.tx_cksum = 0, TCP checksums of what we send summed by the
 * port where it offers that. net_tap (DPDK 22.11) sums a chain piece by
 * piece, each as if from an even offset, so a chain with a piece of odd
 * length would leave with a wrong sum: there chains are summed in
 * software. @return who sums, enum ts_tx_cksum.
 */
static int dp_port_offloads(const struct dp_main *d,
		const struct rte_eth_dev_info *info, struct rte_eth_conf *pc,
		uint16_t nq)
{
	const uint64_t rx = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM |
		RTE_ETH_RX_OFFLOAD_TCP_CKSUM;

	if (nq > 1 && info->flow_type_rss_offloads != 0) {
		pc->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		pc->rx_adv_conf.rss_conf.rss_hf = info->flow_type_rss_offloads &
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP);
	}
	pc->rxmode.offloads |= info->rx_offload_capa & rx;
	/* Segments that share payload are chains. */
	pc->txmode.offloads |= info->tx_offload_capa &
		RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	if (d->conf.tx_cksum == 0 ||
			!(info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_CKSUM))
		return TS_TX_CKSUM_SW;
	pc->txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
	return strcmp(info->driver_name, "net_tap") == 0 ?
		TS_TX_CKSUM_PORT_FLAT : TS_TX_CKSUM_PORT;
}

static int dp_port_start(struct dp_main *d, uint16_t idx)
{
	uint16_t port = d->port_ids[idx];
	struct rte_eth_conf pc = { 0 };
	struct rte_eth_dev_info info;
	uint16_t nq = d->n_workers;
	uint16_t nrx = d->conf.rx_desc, ntx = d->conf.tx_desc;
	int socket = dp_port_socket(port);
	struct rte_mempool *pool;
	int rc;

	rc = rte_eth_dev_info_get(port, &info);
	if (rc != 0)
		return rc;
	if (nq > info.max_rx_queues || nq > info.max_tx_queues) {
		fprintf(stderr, "wsgw: port %u (%s) offers %u rx and %u tx "
			"queues but %u workers need one each: give the port "
			"more queues (e.g. qpairs=%u for net_af_packet) or use "
			"fewer lcores\n", port, info.driver_name,
			info.max_rx_queues, info.max_tx_queues, nq, nq);
		return -EINVAL;
	}
	pool = dp_pool_for(d, socket);
	if (pool == NULL)
		return -ENOMEM;
	d->port_tx_cksum[idx] = (uint8_t)dp_port_offloads(d, &info, &pc, nq);
	d->port_no_chains[idx] = !(info.tx_offload_capa &
			RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
	rc = rte_eth_dev_configure(port, nq, nq, &pc);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nrx, &ntx);
	for (uint16_t q = 0; rc == 0 && q < nq; q++) {
		rc = rte_eth_rx_queue_setup(port, q, nrx, (unsigned)socket,
				NULL, pool);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(port, q, ntx,
					(unsigned)socket, NULL);
	}
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	if (rc != 0)
		fprintf(stderr, "wsgw: port %u (%s): set-up failed: %s\n", port,
				info.driver_name, rte_strerror(-rc));
	return rc;
}

int dp_ports_init(struct dp_main *d)
{
	uint16_t port;

	RTE_ETH_FOREACH_DEV(port) {
		if (d->n_ports == d->conf.n_ports)
			break;
		d->port_ids[d->n_ports++] = port;
	}
	if (d->n_ports == 0) {
		fprintf(stderr, "wsgw: no DPDK port: attach one with --vdev "
			"(e.g. --vdev net_af_packet0,iface=veth0) or a PCI "
			"address\n");
		return -ENODEV;
	}
	if (d->n_ports < d->conf.n_ports) {
		fprintf(stderr, "wsgw: %u ports configured but only %u "
			"attached\n", d->conf.n_ports, d->n_ports);
		return -ENODEV;
	}
	for (uint16_t i = 0; i < d->n_ports; i++) {
		int rc = dp_port_start(d, i);

		if (rc != 0)
			return rc;
	}
	return 0;
}

void dp_ports_close(struct dp_main *d)
{
	for (uint16_t i = 0; i < d->n_ports; i++) {
		rte_eth_dev_stop(d->port_ids[i]);
		rte_eth_dev_close(d->port_ids[i]);
	}
	d->n_ports = 0;
	for (unsigned int s = 0; s < RTE_MAX_NUMA_NODES; s++) {
		rte_mempool_free(d->pools[s]);
		d->pools[s] = NULL;
	}
}
