/**
 * @file
 * wsgw's entry point: its own options, then the dataplane with the
 * gateway on top.
 *
 * main -> dp_conf_parse_args -> dp_run(&dp_gw_app) (dp_run.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp.h"
#include "dp_gw.h"

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

int main(int argc, char **argv)
{
	int split = dp_split_args(argc, argv);

	dp_app_args(argc, argv, split);
	dp_gw_app.drain_ms = dp.conf.gw_shutdown_ms;
	return dp_run(&dp_gw_app, split, argv);
}
