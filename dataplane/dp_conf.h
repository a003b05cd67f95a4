/**
 * @file
 * wsgw's configuration: built-in defaults, the configuration file (libconfig
 * syntax) and the command-line options after EAL's "--", in that order of
 * precedence (later wins).
 */
#ifndef DP_CONF_H
#define DP_CONF_H

#include <stdint.h>
#include <stdio.h>

#include "ts_types.h"

#define DP_MAX_PORTS TS_MAX_IFACES
#define DP_PATH_MAX 108          /* sun_path of a Unix socket */
#define DP_ERR_MAX 512

/** Exit status for a bad configuration file or option. */
#define DP_EXIT_USAGE 2

/** Default address: RFC 2544's benchmarking range, never routed. */
#define DP_DEFAULT_ADDR "198.18.0.1/24"
#define DP_DEFAULT_STATS_SOCK "/run/wsgw/wsgw.sock"

enum dp_conf_err {
	DP_CONF_OK = 0,
	DP_CONF_ERR_USAGE = 1,   /**< bad file, key, value or option */
	DP_CONF_ERR_HELP = 2,    /**< --help or --version was printed */
};

struct dp_port_conf {
	uint32_t addr;            /**< host order */
	uint8_t prefix_len;
	uint32_t gateway;         /**< host order, 0 for none */
};

struct dp_conf {
	struct dp_port_conf ports[DP_MAX_PORTS];
	unsigned int n_ports;
	struct ts_conf ts;
	uint32_t mbufs;           /**< per NUMA socket; 0 sizes from the rest */
	uint16_t rx_desc;
	uint16_t tx_desc;
	uint32_t drain_us;        /**< timer and ring service interval */
	char stats_sock[DP_PATH_MAX];
	char config_file[256];
	uint16_t tcp_echo_port;   /**< built-in echo service; 0: off */
	uint16_t tcp_discard_port;
	uint32_t client_addr;     /**< built-in client target; 0: off */
	uint16_t client_port;
	uint32_t client_conns;
	uint64_t client_bytes;
};

/** Fill @p conf with the built-in defaults. */
void dp_conf_defaults(struct dp_conf *conf);

/**
 * Read a configuration file over @p conf.
 * @param err receives a message naming the key, its line and what was
 *            expected
 * @return 0, or -DP_CONF_ERR_USAGE.
 */
int dp_conf_load(struct dp_conf *conf, const char *path, char *err,
		size_t err_len);

/**
 * Apply wsgw's own options (those after EAL's "--"); --config is read
 * first wherever it stands, so that the other options override the file.
 * @return 0, -DP_CONF_ERR_USAGE with @p err set, or -DP_CONF_ERR_HELP when
 *         --help or --version was printed to @p out.
 */
int dp_conf_parse_args(struct dp_conf *conf, int argc, char **argv,
		FILE *out, char *err, size_t err_len);

/** Parse "A.B.C.D/N" (host order). @return 0 or -DP_CONF_ERR_USAGE. */
int dp_parse_prefix(const char *s, uint32_t *addr, uint8_t *prefix_len);

/** Parse "A.B.C.D" (host order). @return 0 or -DP_CONF_ERR_USAGE. */
int dp_parse_ipv4(const char *s, uint32_t *addr);

/** Print the configuration as a file that dp_conf_load() reads back. */
void dp_conf_dump(const struct dp_conf *conf, FILE *out);

#endif /* DP_CONF_H */
