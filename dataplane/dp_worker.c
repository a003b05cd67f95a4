/**
 * @file
 * The worker: one per lcore, pinned, run to completion.
 *
 * dp_worker_main: rx burst on each port -> ts_input -> (replies buffered in
 * the stack) -> ts_flush -> rte_eth_tx_burst; every drain interval the
 * inter-worker neighbour ring and the stack's timers are served.
 */
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_ring_elem.h>

#include "dp.h"

#define DP_NEIGH_RING_SIZE 1024
#define DP_HANDOFF_RING_SIZE 4096
#define DP_TX_RETRIES 2
/* Receive bursts per port and loop while they come full. */
#define DP_RX_BURSTS 4
/* Empty polls in a row before dataplane.idle_sleep_us applies. */
#define DP_IDLE_LOOPS 1000

static uint16_t dp_tx(void *arg, uint16_t port, uint16_t queue,
		struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent = 0;

	RTE_SET_USED(arg);
	for (int i = 0; i <= DP_TX_RETRIES && sent < n; i++)
		sent += rte_eth_tx_burst(port, queue, pkts + sent,
				(uint16_t)(n - sent));
	return sent;
}

/* Pass what this worker learned from ARP to every other worker. */
static void dp_neigh_share(void *arg, uint8_t ifidx, uint32_t ip,
		const struct rte_ether_addr *mac)
{
	struct dp_worker *self = arg;
	struct dp_neigh_msg msg = { .ip = ip, .mac = *mac, .ifidx = ifidx };

	for (uint16_t i = 0; i < dp.n_workers; i++) {
		struct dp_worker *w = &dp.workers[i];

		if (w == self)
			continue;
		if (rte_ring_enqueue_elem(w->neigh_ring, &msg, sizeof(msg)) == 0)
			self->stats[DP_STAT_NEIGH_TX]++;
		else
			self->stats[DP_STAT_NEIGH_RING_FULL]++;
	}
}

static void dp_neigh_drain(struct dp_worker *w, uint64_t tsc)
{
	struct dp_neigh_msg msgs[DP_BURST];
	unsigned int n;

	n = rte_ring_dequeue_burst_elem(w->neigh_ring, msgs, sizeof(msgs[0]),
			DP_BURST, NULL);
	for (unsigned int i = 0; i < n; i++)
		ts_arp_learn(&w->ts, msgs[i].ifidx, msgs[i].ip, &msgs[i].mac,
				tsc);
}

/* A frame of a flow another worker owns goes to that worker's ring. */
static int dp_handoff(void *arg, uint16_t owner, uint8_t ifidx,
		struct rte_mbuf *m)
{
	RTE_SET_USED(arg);
	RTE_SET_USED(ifidx);            /* m->port says it again */
	return rte_ring_enqueue(dp.workers[owner].handoff_ring, m);
}

static uint8_t dp_ifidx_of_port(uint16_t port)
{
	for (uint8_t i = 0; i < dp.n_ports; i++)
		if (dp.port_ids[i] == port)
			return i;
	return 0;
}

static void dp_handoff_drain(struct dp_worker *w, uint64_t tsc)
{
	struct rte_mbuf *pkts[DP_BURST];
	unsigned int n;

	n = rte_ring_dequeue_burst(w->handoff_ring, (void **)pkts, DP_BURST,
			NULL);
	for (unsigned int i = 0; i < n; i++)
		ts_input_owned(&w->ts, dp_ifidx_of_port(pkts[i]->port), pkts[i],
				tsc);
}

/* TCP, its built-in services, and the ring for frames handed to us. */
static int dp_worker_tcp_init(struct dp_main *d, struct dp_worker *w,
		int socket)
{
	char name[RTE_RING_NAMESIZE];
	int rc;

	rc = ts_tcp_init(&w->ts, socket, d->n_workers, d->cookie_key,
			rte_rdtsc());
	if (rc < 0) {
		fprintf(stderr, "wsgw: worker %u: TCP set-up failed (%s)\n",
				w->id, rc == -TS_ERR_INVAL ? "bad tcp settings" :
				"out of memory");
		return -ENOMEM;
	}
	ts_set_handoff(&w->ts, dp_handoff, w);
	snprintf(name, sizeof(name), "wsgw_handoff_%u", w->id);
	w->handoff_ring = rte_ring_create(name, DP_HANDOFF_RING_SIZE, socket,
			RING_F_SC_DEQ);
	if (w->handoff_ring == NULL)
		return -ENOMEM;
	for (uint8_t p = 0; p < d->n_ports; p++) {
		if (d->conf.tcp_echo_port != 0 &&
				ts_svc_echo(&w->ts, p, d->conf.tcp_echo_port) != 0)
			return -EINVAL;
		if (d->conf.tcp_discard_port != 0 &&
				ts_svc_discard(&w->ts, p,
					d->conf.tcp_discard_port) != 0)
			return -EINVAL;
	}
	return 0;
}

static int dp_worker_init(struct dp_main *d, struct dp_worker *w,
		uint16_t id, unsigned int lcore)
{
	int socket = (int)rte_lcore_to_socket_id(lcore);
	char name[RTE_RING_NAMESIZE];
	int rc;

	w->id = id;
	w->lcore_id = (uint16_t)lcore;
	w->queue = id;
	w->drain_tsc = rte_get_tsc_hz() * d->conf.drain_us / 1000000;
	rc = ts_ctx_init(&w->ts, &d->conf.ts, d->pools[socket] ? d->pools[socket]
			: d->pools[0], id, rte_get_tsc_hz());
	if (rc < 0)
		return -EINVAL;
	ts_set_tx(&w->ts, dp_tx, w);
	ts_set_neigh(&w->ts, dp_neigh_share, w);
	for (uint16_t p = 0; p < d->n_ports; p++) {
		struct ts_iface_conf ic = {
			.port_id = d->port_ids[p],
			.addr = d->conf.ports[p].addr,
			.prefix_len = d->conf.ports[p].prefix_len,
			.gateway = d->conf.ports[p].gateway,
			.n_addrs = d->conf.ports[p].n_addrs,
			.n_more = d->conf.ports[p].n_more,
			.tx_cksum = d->port_tx_cksum[p],
			.no_chains = d->port_no_chains[p],
		};

		memcpy(ic.more, d->conf.ports[p].more, sizeof(ic.more));
		if (rte_eth_macaddr_get(ic.port_id, &ic.mac) != 0 ||
				ts_iface_add(&w->ts, &ic, w->queue, socket) < 0)
			return -ENOMEM;
	}
	snprintf(name, sizeof(name), "wsgw_neigh_%u", id);
	w->neigh_ring = rte_ring_create_elem(name, sizeof(struct dp_neigh_msg),
			DP_NEIGH_RING_SIZE, socket, RING_F_SC_DEQ);
	if (w->neigh_ring == NULL)
		return -ENOMEM;
	rc = dp_worker_tcp_init(d, w, socket);
	if (rc != 0 || d->app->worker_init == NULL)
		return rc;
	return d->app->worker_init(d, w);
}

int dp_workers_init(struct dp_main *d)
{
	unsigned int lcore;
	uint16_t id = 0;

	d->workers = rte_zmalloc("wsgw_workers",
			sizeof(*d->workers) * d->n_workers, RTE_CACHE_LINE_SIZE);
	if (d->workers == NULL)
		return -ENOMEM;
	d->ts_peers = rte_zmalloc("wsgw_ts_peers",
			sizeof(*d->ts_peers) * d->n_workers, 0);
	if (d->ts_peers == NULL)
		return -ENOMEM;
	RTE_LCORE_FOREACH(lcore) {
		int rc = dp_worker_init(d, &d->workers[id], id, lcore);

		if (rc != 0)
			return rc;
		d->ts_peers[id] = &d->workers[id].ts;
		id++;
	}
	/* Connection limits per listener and per source hold across workers. */
	for (id = 0; id < d->n_workers; id++)
		ts_tcp_set_peers(&d->workers[id].ts, d->ts_peers, d->n_workers);
	return 0;
}

void dp_workers_free(struct dp_main *d)
{
	if (d->workers == NULL)
		return;
	for (uint16_t i = 0; i < d->n_workers; i++) {
		struct dp_worker *w = &d->workers[i];
		struct rte_mbuf *m;

		if (d->app->worker_free != NULL)
			d->app->worker_free(w);
		ts_ctx_free(&w->ts);
		rte_ring_free(w->neigh_ring);
		while (w->handoff_ring != NULL &&
				rte_ring_dequeue(w->handoff_ring, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(w->handoff_ring);
	}
	rte_free(d->workers);
	d->workers = NULL;
	rte_free(d->ts_peers);
	d->ts_peers = NULL;
}

/* The worker of lcore @p lcore, found once before the loop. */
static struct dp_worker *dp_worker_of(unsigned int lcore)
{
	for (uint16_t i = 0; i < dp.n_workers; i++)
		if (dp.workers[i].lcore_id == lcore)
			return &dp.workers[i];
	return NULL;
}

/*
 * After quit: keep serving the ports while the application finishes what
 * is open, until it says it is done or its drain bound passes.
 */
static int dp_worker_draining(struct dp_worker *w, uint64_t tsc,
		uint64_t *deadline)
{
	const struct dp_app *app = dp.app;

	if (app->drain == NULL)
		return 0;
	if (*deadline == 0)
		*deadline = tsc + rte_get_tsc_hz() * app->drain_ms / 1000;
	return tsc < *deadline && app->drain(w, tsc) == 0;
}

int dp_worker_main(void *arg)
{
	struct dp_worker *w = dp_worker_of(rte_lcore_id());
	const struct dp_app *app = dp.app;
	const uint16_t n_ports = dp.n_ports;
	struct rte_mbuf *pkts[DP_BURST];
	uint64_t next_drain = 0, deadline = 0;
	const uint32_t idle_sleep_us = dp.conf.idle_sleep_us;
	uint32_t idle = 0;
	uint64_t prev_tsc = 0;
	uint16_t prev_got = 1;

	RTE_SET_USED(arg);
	if (w == NULL)
		return -EINVAL;
	if (w->id == 0) {
		for (uint8_t p = 0; p < n_ports; p++)
			ts_arp_announce(&w->ts, p, rte_rdtsc());
		if (dp.conf.client.dst != 0 && ts_svc_client(&w->ts, 0,
				&dp.conf.client, rte_rdtsc()) != 0)
			fprintf(stderr, "wsgw: --tcp-client could not start\n");
	}
	if (app->worker_start != NULL)
		app->worker_start(w, rte_rdtsc());
	ts_flush(&w->ts);
	prev_tsc = rte_rdtsc();
	for (;;) {
		uint64_t tsc = rte_rdtsc();
		uint16_t got = 0;

		/* The last iteration's cycles, idle when it received nothing:
		 * how busy the core is, without another TSC read. */
		w->stats[DP_STAT_CYCLES] += tsc - prev_tsc;
		if (prev_got == 0)
			w->stats[DP_STAT_IDLE_CYCLES] += tsc - prev_tsc;
		prev_tsc = tsc;

		if (unlikely(dp_quit_requested()) &&
				!dp_worker_draining(w, tsc, &deadline))
			break;
		for (uint8_t p = 0; p < n_ports; p++) {
			/*
			 * A full burst means more waits: take up to
			 * DP_RX_BURSTS of them, so that input (the peer's ACKs,
			 * which free our send queues) keeps pace with output
			 * that can be many segments per loop (fan-out).
			 */
			for (int b = 0; b < DP_RX_BURSTS; b++) {
				uint16_t n = rte_eth_rx_burst(dp.port_ids[p],
						w->queue, pkts, DP_BURST);

				if (n != 0)
					ts_input(&w->ts, p, pkts, n, tsc);
				got += n;
				if (n < DP_BURST)
					break;
			}
		}
		if (w->handoff_ring != NULL && !rte_ring_empty(w->handoff_ring)) {
			dp_handoff_drain(w, tsc);
			got++;
		}
		if (app->poll != NULL && app->poll(w, tsc) != 0)
			got++;
		w->stats[DP_STAT_LOOPS]++;
		prev_got = got;
		if (got != 0) {
			w->stats[DP_STAT_BUSY_LOOPS]++;
			idle = 0;
		} else if (unlikely(idle_sleep_us != 0) && ++idle > DP_IDLE_LOOPS) {
			/* Shared cores: give them back while nothing comes. */
			rte_delay_us_sleep(idle_sleep_us);
		}
		ts_flush(&w->ts);
		if (unlikely(tsc >= next_drain)) {
			next_drain = tsc + w->drain_tsc;
			dp_neigh_drain(w, tsc);
			ts_timers(&w->ts, tsc);
			if (app->timers != NULL)
				app->timers(w, tsc);
			ts_flush(&w->ts);
		}
	}
	/* What a full port still holds (the last FINs and ACKs), bounded. */
	{
		uint64_t end = rte_rdtsc() + rte_get_tsc_hz() / 50;

		do
			ts_flush(&w->ts);
		while (ts_tx_waiting(&w->ts) && rte_rdtsc() < end);
	}
	return 0;
}
