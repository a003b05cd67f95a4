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
#define DP_MAX_LISTEN 8
#define DP_MAX_ROUTES 32
#define DP_ROUTE_STR 128         /* host, path, channel, origins ... */
#define DP_DEFAULT_LISTEN 8080
#define DP_CHANNEL_MAX 63        /* bytes of a channel name */
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
	uint16_t n_addrs;         /**< addr and the next ones: 0 or 1, addr alone */
	uint8_t n_more;           /**< runs in more[] */
	struct ts_addr_range more[TS_MAX_MORE]; /**< struct ts_iface_conf's */
};

/** What a route does with the connections it matches. */
enum dp_route_action {
	DP_ACT_ECHO = 0,          /**< every message back to its sender */
	DP_ACT_PUBSUB,            /**< subscribe to a channel */
	DP_ACT_PROXY,             /**< relay to an upstream WebSocket server */
};

/** What a subscriber's full send queue does to the next message. */
enum dp_route_policy {
	DP_POL_DROP_OLDEST = 0,
	DP_POL_CONFLATE,          /**< keep the latest message per key */
	DP_POL_DISCONNECT,        /**< close 1008 */
};

/** One route: what it matches and what it does (docs/configuration.md). */
struct dp_route_conf {
	char host[DP_ROUTE_STR];       /**< Host to match; "": any */
	char path[DP_ROUTE_STR];       /**< exact path, or the prefix */
	uint8_t prefix;                /**< 1: path is a prefix */
	uint8_t action;                /**< enum dp_route_action */
	uint8_t publish;               /**< pubsub: clients may publish */
	uint8_t policy;                /**< enum dp_route_policy */
	char channel[DP_ROUTE_STR];    /**< pubsub: name; "": the path's rest */
	char upstream_host[DP_ROUTE_STR]; /**< proxy: Host sent upstream */
	uint32_t upstream_addr;        /**< proxy: host order */
	uint16_t upstream_port;
	char conflate_key[64];         /**< conflate: JSON field of the key */
	char origins[DP_ROUTE_STR * 4];   /**< allowed Origins, comma list; "": any */
	char protocols[DP_ROUTE_STR];  /**< subprotocols we speak, comma list */
	uint32_t max_message;          /**< bytes; over it: close 1009 */
	uint32_t idle_timeout_ms;      /**< no frame this long: ping, then close */
	uint32_t queue_bytes;          /**< send queue bound, bytes */
	uint32_t queue_msgs;           /**< send queue bound, messages */
};

struct dp_conf {
	struct dp_port_conf ports[DP_MAX_PORTS];
	unsigned int n_ports;
	struct ts_conf ts;
	uint32_t mbufs;           /**< per NUMA socket; 0 sizes from the rest */
	uint16_t rx_desc;
	uint16_t tx_desc;
	uint32_t drain_us;        /**< timer and ring service interval */
	uint32_t idle_sleep_us;   /**< sleep when idle this long; 0: always poll */
	uint32_t tx_cksum;        /**< 1: TCP checksums by the port where it can */
	char stats_sock[DP_PATH_MAX];
	char config_file[256];
	uint16_t tcp_echo_port;   /**< built-in echo service; 0: off */
	uint16_t tcp_discard_port;
	struct ts_client_conf client;  /**< built-in client; dst 0: off */
	/* The gateway. */
	uint16_t listen[DP_MAX_LISTEN];
	unsigned int n_listen;
	struct dp_route_conf routes[DP_MAX_ROUTES];
	unsigned int n_routes;
	uint32_t gw_max_conns;         /**< WebSocket and HTTP, all workers */
	uint32_t gw_max_conns_per_ip;  /**< 0: no limit */
	uint32_t gw_handshake_ms;      /**< request head must arrive within */
	uint32_t gw_shutdown_ms;       /**< bound of the closing handshakes */
	uint32_t gw_close_ms;          /**< a closing handshake or a refusal's FIN */
	uint32_t gw_max_handshakes;    /**< in progress at once, per worker */
	uint32_t gw_fanout_mbufs;      /**< per worker: one per queued delivery */
	uint32_t gw_channels;          /**< per worker: channels at once */
};

/** Route defaults: echo, 1 MiB messages, 60 s idle, 1 MiB / 4096 queued. */
void dp_route_defaults(struct dp_route_conf *r);

/**
 * Parse "[HOST]/PATH=ACTION" (--route): ACTION is echo, pubsub:CHANNEL
 * (CHANNEL "{channel}" takes the path's rest; PATH then ends with
 * "{channel}") or proxy:HOST:PORT. A PATH ending in '*' is a prefix.
 * @return 0 or -DP_CONF_ERR_USAGE with @p err naming what is wrong.
 */
int dp_route_parse(struct dp_route_conf *r, const char *arg, char *err,
		size_t err_len);

/** Parse an action ("echo", "pubsub:...", "proxy:HOST:PORT") into @p r. */
int dp_route_parse_action(struct dp_route_conf *r, const char *action,
		char *err, size_t err_len);

/** The action's text, as dp_route_parse_action() reads it back. */
void dp_route_action_text(const struct dp_route_conf *r, char *buf,
		size_t len);

/** Name of a policy ("drop-oldest", ...); -1 from the parser if unknown. */
const char *dp_route_policy_name(unsigned int policy);
int dp_route_policy_parse(const char *name);

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
