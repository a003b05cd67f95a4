/**
 * @file
 * wsgw's entry point: options, EAL, ports, workers, and the orderly exit.
 *
 * main -> dp_conf_parse_args -> rte_eal_init -> dp_ports_init ->
 * dp_workers_init -> dp_stats_start -> rte_eal_mp_remote_launch
 * (dp_worker_main on every lcore, the main one included) -> SIGTERM ->
 * workers return -> ports stopped and closed -> rte_eal_cleanup.
 */
#include <signal.h>
#include <sys/random.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Index of "--" in argv, or argc when there is none. */
static int dp_split_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			return i;
	return argc;
}

/* wsgw's own options are read before EAL starts, so a typo costs nothing. */
static int dp_app_args(int argc, char **argv, int split)
{
	char err[DP_ERR_MAX];
	char *app_argv[argc + 1];
	int app_argc = 0;
	int rc;

	app_argv[app_argc++] = argv[0];
	for (int i = split + 1; i < argc; i++)
		app_argv[app_argc++] = argv[i];
	app_argv[app_argc] = NULL;
	dp_conf_defaults(&dp.conf);
	rc = dp_conf_parse_args(&dp.conf, app_argc, app_argv, stdout, err,
			sizeof(err));
	if (rc == -DP_CONF_ERR_HELP)
		exit(0);
	if (rc < 0) {
		fprintf(stderr, "wsgw: %s\n", err);
		exit(DP_EXIT_USAGE);
	}
	return 0;
}

static void dp_print_ready(void)
{
	for (uint16_t p = 0; p < dp.n_ports; p++) {
		const struct dp_port_conf *pc = &dp.conf.ports[p];
		struct rte_ether_addr mac;
		char mac_text[RTE_ETHER_ADDR_FMT_SIZE];

		rte_eth_macaddr_get(dp.port_ids[p], &mac);
		rte_ether_format_addr(mac_text, sizeof(mac_text), &mac);
		printf("wsgw: port %u mac %s addr %u.%u.%u.%u/%u\n",
				dp.port_ids[p], mac_text, pc->addr >> 24,
				(pc->addr >> 16) & 0xff, (pc->addr >> 8) & 0xff,
				pc->addr & 0xff, pc->prefix_len);
	}
	printf("wsgw: %u worker(s), statistics on %s\nwsgw: ready\n",
			dp.n_workers, dp.conf.stats_sock);
	fflush(stdout);
}

static void dp_shutdown(void)
{
	dp_stats_stop();
	dp_ports_close(&dp);
	dp_workers_free(&dp);
	rte_eal_cleanup();
}

int main(int argc, char **argv)
{
	int split = dp_split_args(argc, argv);
	int rc;

	dp_app_args(argc, argv, split);
	rc = rte_eal_init(split, argv);
	if (rc < 0) {
		fprintf(stderr, "wsgw: EAL initialisation failed: %s\n",
				rte_strerror(rte_errno));
		return 1;
	}
	dp_signals();
	dp.start_tsc = rte_rdtsc();
	if (getrandom(dp.cookie_key, sizeof(dp.cookie_key), 0) !=
			(ssize_t)sizeof(dp.cookie_key)) {
		fprintf(stderr, "wsgw: getrandom: no key for SYN cookies\n");
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
	printf("wsgw: stopping\n");
	dp_shutdown();
	printf("wsgw: stopped\n");
	return 0;
}
