/**
 * @file
 * The dataplane's life, shared by every application on it (the gateway,
 * the load generator): EAL, ports, workers, the statistics socket, the
 * launch, and the orderly exit.
 *
 * dp_run -> rte_eal_init -> dp_ports_init -> dp_workers_init (app
 * worker_init) -> dp_stats_start -> rte_eal_mp_remote_launch
 * (dp_worker_main on every lcore, the main one included) -> SIGTERM ->
 * app drain -> workers return -> ports stopped and closed ->
 * rte_eal_cleanup.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "dp.h"

struct dp_main dp;
static int dp_quit;

int dp_quit_requested(void)
{
	return __atomic_load_n(&dp_quit, __ATOMIC_RELAXED);
}

void dp_request_quit(void)
{
	__atomic_store_n(&dp_quit, 1, __ATOMIC_RELAXED);
}

static void dp_on_signal(int sig)
{
	RTE_SET_USED(sig);
	dp_request_quit();
}

static void dp_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = dp_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void dp_print_ready(void)
{
	for (uint16_t p = 0; p < dp.n_ports; p++) {
		const struct dp_port_conf *pc = &dp.conf.ports[p];
		struct rte_ether_addr mac;
		char mac_text[RTE_ETHER_ADDR_FMT_SIZE];

		uint32_t n = pc->n_addrs > 1 ? pc->n_addrs : 1;

		for (uint8_t k = 0; k < pc->n_more; k++)
			n += pc->more[k].n;
		struct rte_eth_dev_info info = { .driver_name = "?" };

		rte_eth_dev_info_get(dp.port_ids[p], &info);
		rte_eth_macaddr_get(dp.port_ids[p], &mac);
		rte_ether_format_addr(mac_text, sizeof(mac_text), &mac);
		printf("%s: port %u mac %s driver %s addr %u.%u.%u.%u/%u",
				dp.app->name, dp.port_ids[p], mac_text,
				info.driver_name, pc->addr >> 24,
				(pc->addr >> 16) & 0xff, (pc->addr >> 8) & 0xff,
				pc->addr & 0xff, pc->prefix_len);
		if (pc->n_more != 0)
			printf(" (%u addresses in %u runs)", n, pc->n_more + 1u);
		else if (n > 1)
			printf(" (%u addresses)", n);
		printf(" tcp checksums by %s\n",
				dp.port_tx_cksum[p] == TS_TX_CKSUM_PORT ? "the port" :
				dp.port_tx_cksum[p] == TS_TX_CKSUM_PORT_FLAT ?
				"the port (chains in software)" : "software");
	}
	printf("%s: %u worker(s), statistics on %s\n%s: ready\n", dp.app->name,
			dp.n_workers, dp.conf.stats_sock, dp.app->name);
	fflush(stdout);
}

static void dp_shutdown(void)
{
	dp_stats_stop();
	dp_ports_close(&dp);
	dp_workers_free(&dp);
	rte_eal_cleanup();
}

int dp_run(const struct dp_app *app, int eal_argc, char **argv)
{
	int rc;

	dp.app = app;
	rc = rte_eal_init(eal_argc, argv);
	if (rc < 0) {
		fprintf(stderr, "%s: EAL initialisation failed: %s\n",
				app->name, rte_strerror(rte_errno));
		return 1;
	}
	dp_signals();
	dp.start_tsc = rte_rdtsc();
	if (getrandom(dp.cookie_key, sizeof(dp.cookie_key), 0) !=
			(ssize_t)sizeof(dp.cookie_key)) {
		fprintf(stderr, "%s: getrandom: no key for SYN cookies\n",
				app->name);
		return 1;
	}
	dp.n_workers = (uint16_t)rte_lcore_count();
	if (dp_ports_init(&dp) != 0 || dp_workers_init(&dp) != 0 ||
			dp_stats_start(&dp) != 0) {
		dp_shutdown();
		return 1;
	}
	dp_print_ready();
	rte_eal_mp_remote_launch(dp_worker_main, NULL, CALL_MAIN);
	rte_eal_mp_wait_lcore();
	printf("%s: stopping\n", app->name);
	fflush(stdout);
	dp_shutdown();
	printf("%s: stopped\n", app->name);
	return 0;
}
