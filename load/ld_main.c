/**
 * @file
 * wsgw-load's entry point: its own options (checked before EAL starts,
 * so a typo costs nothing), the dataplane with the load generator on top,
 * then the report and the exit status.
 *
 * main -> ld_conf_parse -> ld_dp_conf -> dp_run(&ld_app) -> ld_report_*.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ld_priv.h"

/* Index of "--" in argv; without one, every word is ours. */
static int ld_split_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			return i;
	return 0;
}

static void ld_args(int argc, char **argv, int split)
{
	char err[512];
	char *app_argv[argc + 1];
	int app_argc = 0, rc;

	app_argv[app_argc++] = argv[0];
	for (int i = split + 1; i < argc; i++)
		app_argv[app_argc++] = argv[i];
	app_argv[app_argc] = NULL;
	ld_conf_defaults(&ld.conf);
	rc = ld_conf_parse(&ld.conf, app_argc, app_argv, stdout, err,
			sizeof(err));
	if (rc == -LD_ERR_HELP)
		exit(0);
	if (rc < 0) {
		fprintf(stderr, "wsgw-load: %s\n", err);
		exit(LD_EXIT_USAGE);
	}
}

/* The upgrade requests: senders and publishers, then subscribers. */
static void ld_clients(void)
{
	const struct ld_conf *cf = &ld.conf;
	const bool pubsub = cf->scenario == LD_SC_PUBSUB;

	for (int i = 0; i < 2; i++) {
		ld.client[i].host = cf->host;
		ld.client[i].path = !pubsub ? cf->path : i == 0 ? cf->pub_path :
			cf->sub_path;
		ld.client[i].origin = cf->origin[0] != '\0' ? cf->origin : NULL;
		ld.client[i].protocols = cf->protocols[0] != '\0' ?
			cf->protocols : NULL;
	}
	ld.n_pub = pubsub ? cf->publishers : 0;
}

_Static_assert(LD_MAX_SOURCES == TS_MAX_ADDRS,
		"--addr count=N is what one interface may own");
_Static_assert(LD_MAX_MORE == TS_MAX_MORE,
		"--addr range= are the interface's further runs");

/* The dataplane's configuration from ours. */
static void ld_dp_conf(void)
{
	const struct ld_conf *cf = &ld.conf;
	struct dp_conf *d = &dp.conf;

	dp_conf_defaults(d);
	d->n_ports = cf->n_addrs;
	for (unsigned int i = 0; i < cf->n_addrs; i++) {
		d->ports[i].addr = cf->addrs[i].addr;
		d->ports[i].prefix_len = cf->addrs[i].prefix_len;
		d->ports[i].gateway = cf->addrs[i].gateway;
		d->ports[i].n_addrs = cf->addrs[i].count;
		d->ports[i].n_more = cf->addrs[i].n_more;
		for (uint8_t k = 0; k < cf->addrs[i].n_more; k++) {
			d->ports[i].more[k].lo = cf->addrs[i].more[k].lo;
			d->ports[i].more[k].n = cf->addrs[i].more[k].n;
		}
	}
	snprintf(d->stats_sock, sizeof(d->stats_sock), "%s", cf->stats_sock);
	d->mbufs = cf->mbufs;
	d->ts.tcp.time_wait_ms = cf->time_wait_ms;
	d->ts.tcp.time_wait_reuse_ms = cf->time_wait_reuse_ms;
	if (cf->port_lo != 0) {
		d->ts.tcp.port_lo = cf->port_lo;
		d->ts.tcp.port_hi = cf->port_hi;
	}
	/* Every worker may hold all connections at once (spread is by hash). */
	if (cf->conns + 1024 > d->ts.tcp.max_conns)
		d->ts.tcp.max_conns = cf->conns + 1024;
}

int main(int argc, char **argv)
{
	int split = ld_split_args(argc, argv);
	int rc;

	ld_args(argc, argv, split);
	if (ws_simd_init(NULL) != 0) {
		fprintf(stderr, "wsgw-load: %s\n", ws_simd_error());
		return 1;
	}
	ld_clients();
	ld_dp_conf();
	ld_app.drain_ms = ld.conf.drain_ms + LD_CLOSE_BOUND_MS;
	rc = dp_run(&ld_app, split > 0 ? split : 1, argv);
	if (!ld.finished)
		return 1;
	if (ld.fatal[0] != '\0')
		fprintf(stderr, "wsgw-load: %s\n", ld.fatal);
	ld_report_print(stdout);
	if (ld.conf.json_path[0] != '\0' && ld_report_json(ld.conf.json_path) != 0)
		fprintf(stderr, "wsgw-load: --json %s: cannot write it\n",
				ld.conf.json_path);
	if (ld.conf.plot_path[0] != '\0' && ld_report_plot(ld.conf.plot_path) != 0)
		fprintf(stderr, "wsgw-load: --plot %s: no plot (is gnuplot "
				"installed?)\n", ld.conf.plot_path);
	free(ld.samples);
	return rc != 0 ? 1 : ld_exit_status();
}
