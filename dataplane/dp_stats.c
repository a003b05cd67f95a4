/**
 * @file
 * Statistics over a Unix socket, served by a control thread (never a
 * worker): a client sends one command line and reads the answer until the
 * server closes. Counters are summed over workers as they are read; the
 * workers themselves never synchronise for it.
 *
 * Commands: "stats" (totals), "stats workers" (per worker), "describe"
 * (name, kind and description of every counter), "status".
 *
 * dp_stats_start -> dp_stats_thread -> dp_stats_serve -> dp_stats_cmd_*
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mempool.h>

#include "dp.h"

#define DP_STATS_POLL_MS 100

static int dp_stats_fd = -1;
static pthread_t dp_stats_tid;
static int dp_stats_running;

#define DP_STAT_DESC_(id, name, desc) { name, desc },
static const struct ts_stat_desc dp_stat_descs[DP_STAT__COUNT] = {
	DP_WORKER_COUNTERS(DP_STAT_DESC_)
};
#undef DP_STAT_DESC_

/* Port counters from ethdev, read on demand. */
#define DP_PORT_STATS(X) \
	X(ipackets, "frames the port received") \
	X(opackets, "frames the port sent") \
	X(ibytes, "bytes the port received") \
	X(obytes, "bytes the port sent") \
	X(imissed, "frames dropped by the port: queue full") \
	X(ierrors, "erroneous frames received") \
	X(oerrors, "frames the port failed to send") \
	X(rx_nombuf, "receive mbuf allocation failures")

/* Counters in order: the stack's, the worker loop's, the application's. */
#define DP_N_OWN (TS_STAT__COUNT + DP_STAT__COUNT)
#define DP_N_COUNTERS (DP_N_OWN + dp.app->n_stats)

static uint64_t dp_counter(const struct dp_worker *w, unsigned int id)
{
	const volatile uint64_t *v;

	if (id >= DP_N_OWN)
		return dp.app->stat(w, id - DP_N_OWN);
	v = id < TS_STAT__COUNT ? &w->ts.stats.v[id] :
		&w->stats[id - TS_STAT__COUNT];
	return *v;
}

static const char *dp_counter_name(unsigned int id)
{
	if (id >= DP_N_OWN)
		return dp.app->stats[id - DP_N_OWN].name;
	return id < TS_STAT__COUNT ? ts_stat_desc(id)->name :
		dp_stat_descs[id - TS_STAT__COUNT].name;
}

static const char *dp_counter_help(unsigned int id)
{
	if (id >= DP_N_OWN)
		return dp.app->stats[id - DP_N_OWN].desc;
	return id < TS_STAT__COUNT ? ts_stat_desc(id)->desc :
		dp_stat_descs[id - TS_STAT__COUNT].desc;
}

static int dp_counter_is_gauge(unsigned int id)
{
	if (id >= DP_N_OWN)
		return dp.app->stats[id - DP_N_OWN].gauge;
	return id < TS_STAT__COUNT && ts_stat_is_gauge(id);
}

static void dp_stats_pools(FILE *out)
{
	for (unsigned int s = 0; s < RTE_MAX_NUMA_NODES; s++) {
		if (dp.pools[s] == NULL)
			continue;
		fprintf(out, "pool%u_mbufs %u\npool%u_mbufs_free %u\n", s,
				dp.pools[s]->size, s,
				rte_mempool_avail_count(dp.pools[s]));
	}
}

static void dp_stats_cmd_totals(FILE *out)
{
	for (unsigned int id = 0; id < DP_N_COUNTERS; id++) {
		uint64_t sum = 0;

		for (uint16_t i = 0; i < dp.n_workers; i++)
			sum += dp_counter(&dp.workers[i], id);
		fprintf(out, "%s %" PRIu64 "\n", dp_counter_name(id), sum);
	}
	for (uint16_t p = 0; p < dp.n_ports; p++) {
		struct rte_eth_stats st;

		if (rte_eth_stats_get(dp.port_ids[p], &st) != 0)
			continue;
#define DP_PORT_LINE_(f, desc) \
		fprintf(out, "port%u_%s %" PRIu64 "\n", p, #f, (uint64_t)st.f);
		DP_PORT_STATS(DP_PORT_LINE_)
#undef DP_PORT_LINE_
	}
	dp_stats_pools(out);
}

static void dp_stats_cmd_workers(FILE *out)
{
	for (uint16_t i = 0; i < dp.n_workers; i++)
		for (unsigned int id = 0; id < DP_N_COUNTERS; id++)
			fprintf(out, "worker%u_%s %" PRIu64 "\n", i,
					dp_counter_name(id),
					dp_counter(&dp.workers[i], id));
}

static void dp_stats_cmd_describe(FILE *out)
{
	for (unsigned int id = 0; id < DP_N_COUNTERS; id++)
		fprintf(out, "%s %s %s%s\n", dp_counter_name(id),
				dp_counter_is_gauge(id) ? "gauge" : "counter",
				id < TS_STAT__COUNT && ts_stat_is_drop(id) ?
				"drop: " : "", dp_counter_help(id));
#define DP_PORT_DESC_(f, desc) \
	fprintf(out, "portN_%s counter %s\n", #f, desc);
	DP_PORT_STATS(DP_PORT_DESC_)
#undef DP_PORT_DESC_
	fprintf(out, "poolN_mbufs gauge mbufs in the pool of NUMA socket N\n"
			"poolN_mbufs_free gauge of them, free now\n");
}

static void dp_stats_cmd_status(FILE *out)
{
	fprintf(out, "state %s\nversion %s\nworkers %u\nports %u\n"
			"uptime_s %" PRIu64 "\n", dp_quit_requested() ?
			"stopping" : "running", WSGW_VERSION, dp.n_workers,
			dp.n_ports, (rte_rdtsc() - dp.start_tsc) /
			rte_get_tsc_hz());
}

static void dp_stats_serve(int fd)
{
	char line[128];
	ssize_t n = recv(fd, line, sizeof(line) - 1, 0);
	FILE *out;

	if (n <= 0)
		return;
	line[n] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	out = fdopen(dup(fd), "w");
	if (out == NULL)
		return;
	if (strcmp(line, "stats") == 0)
		dp_stats_cmd_totals(out);
	else if (strcmp(line, "stats workers") == 0)
		dp_stats_cmd_workers(out);
	else if (strcmp(line, "describe") == 0)
		dp_stats_cmd_describe(out);
	else if (strcmp(line, "status") == 0)
		dp_stats_cmd_status(out);
	else if (dp.app->cmd == NULL || dp.app->cmd(&dp, line, out) != 0)
		fprintf(out, "error unknown command '%s'; valid commands: "
				"stats, stats workers, describe, status%s%s\n",
				line, dp.app->cmd_names != NULL ? ", " : "",
				dp.app->cmd_names != NULL ? dp.app->cmd_names : "");
	fclose(out);
}

static void *dp_stats_thread(void *arg)
{
	RTE_SET_USED(arg);
	while (__atomic_load_n(&dp_stats_running, __ATOMIC_ACQUIRE)) {
		struct pollfd pfd = { .fd = dp_stats_fd, .events = POLLIN };
		int c;

		if (poll(&pfd, 1, DP_STATS_POLL_MS) <= 0)
			continue;
		c = accept(dp_stats_fd, NULL, NULL);
		if (c < 0)
			continue;
		dp_stats_serve(c);
		close(c);
	}
	return NULL;
}

/* Create the socket's folder if it is missing (one level, like /run/wsgw). */
static void dp_stats_mkdir(const char *path)
{
	char dir[DP_PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return;
	*slash = '\0';
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		fprintf(stderr, "wsgw: mkdir %s: %s\n", dir, strerror(errno));
}

int dp_stats_start(struct dp_main *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int rc;

	dp_stats_mkdir(d->conf.stats_sock);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", d->conf.stats_sock);
	dp_stats_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (dp_stats_fd < 0)
		return -errno;
	unlink(sa.sun_path);
	if (bind(dp_stats_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
			listen(dp_stats_fd, 16) != 0) {
		rc = -errno;
		fprintf(stderr, "wsgw: statistics socket %s: %s\n", sa.sun_path,
				strerror(errno));
		close(dp_stats_fd);
		dp_stats_fd = -1;
		return rc;
	}
	chmod(sa.sun_path, 0660);
	dp_stats_running = 1;
	rc = rte_ctrl_thread_create(&dp_stats_tid, "wsgw-stats", NULL,
			dp_stats_thread, NULL);
	if (rc != 0) {
		dp_stats_running = 0;
		return -rc;
	}
	return 0;
}

void dp_stats_stop(void)
{
	if (dp_stats_fd < 0)
		return;
	if (__atomic_exchange_n(&dp_stats_running, 0, __ATOMIC_ACQ_REL))
		pthread_join(dp_stats_tid, NULL);
	close(dp_stats_fd);
	dp_stats_fd = -1;
	unlink(dp.conf.stats_sock);
}
