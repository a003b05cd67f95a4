/**
 * @file
 * Shared by the configuration reader's files (dp_conf.c, dp_route.c):
 * error messages that name the file, line and key.
 */
#ifndef DP_CONF_PRIV_H
#define DP_CONF_PRIV_H

#include <libconfig.h>

#include "dp_conf.h"

/**
 * Write "FILE:LINE: key 'PATH': @p fmt@p what" into @p err.
 * @return -DP_CONF_ERR_USAGE.
 */
int dp_key_error(char *err, size_t len, const char *file,
		const config_setting_t *s, const char *fmt, const char *what);

/** Read the "routes" list, appending to conf->routes. */
int dp_routes_load(struct dp_conf *conf, const config_setting_t *s,
		const char *file, char *err, size_t len);

/** Print conf->routes as a "routes" list dp_routes_load() reads back. */
void dp_routes_dump(const struct dp_conf *conf, FILE *out);

#endif /* DP_CONF_PRIV_H */
