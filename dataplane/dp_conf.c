/**
 * @file
 * Configuration: a table of known keys drives the file reader (libconfig),
 * its error messages and the dump, so a key is described in one place.
 *
 * main -> dp_conf_defaults -> dp_conf_parse_args -> dp_conf_load
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "dp_conf_priv.h"
#include "ts.h"

enum dp_key_type {
	DP_KEY_UINT,
	DP_KEY_STRING,
};

struct dp_key {
	const char *group;        /**< "" for the top level */
	const char *name;
	enum dp_key_type type;
	uint64_t min;
	uint64_t max;             /**< for strings: the longest accepted */
	size_t off;               /**< offset in struct dp_conf */
	size_t size;              /**< width of the field */
	const char *desc;
};

#define DP_U(grp, nm, lo, hi, field, d) \
	{ grp, nm, DP_KEY_UINT, lo, hi, offsetof(struct dp_conf, field), \
	  sizeof(((struct dp_conf *)0)->field), d }

static const struct dp_key dp_keys[] = {
	{ "", "stats_socket", DP_KEY_STRING, 1, DP_PATH_MAX - 1,
	  offsetof(struct dp_conf, stats_sock), DP_PATH_MAX,
	  "Unix socket where statistics are served" },
	DP_U("dataplane", "rx_desc", 64, 32768, rx_desc,
	     "receive descriptors per queue"),
	DP_U("dataplane", "tx_desc", 64, 32768, tx_desc,
	     "transmit descriptors per queue"),
	DP_U("dataplane", "mbufs", 0, 1u << 26, mbufs,
	     "mbufs per NUMA socket (0: sized from the rest)"),
	DP_U("dataplane", "drain_us", 1, 100000, drain_us,
	     "interval of timers and inter-worker rings, microseconds"),
	DP_U("dataplane", "idle_sleep_us", 0, 10000, idle_sleep_us,
	     "after 1000 idle polls, sleep this long between polls (0: never)"),
	DP_U("dataplane", "tx_cksum", 0, 1, tx_cksum,
	     "1: TCP checksums summed by the port where it offers it; 0: software"),
	DP_U("arp", "entries", 16, 1u << 20, ts.arp_entries,
	     "ARP cache entries per port and worker"),
	DP_U("arp", "timeout_ms", 1000, 86400000, ts.arp_timeout_ms,
	     "how long an answered entry is used before it is checked"),
	DP_U("arp", "retry_ms", 10, 60000, ts.arp_retry_ms,
	     "interval between ARP requests while resolving"),
	DP_U("arp", "retries", 1, 20, ts.arp_retries,
	     "requests before an address is given up"),
	DP_U("arp", "queue_len", 1, TS_ARP_QUEUE_MAX, ts.arp_queue_len,
	     "packets that may wait on one resolution"),
	DP_U("ip", "ttl", 1, 255, ts.ip_ttl, "TTL of packets wsgw sends"),
	DP_U("tcp", "max_conns", 16, 1u << 24, ts.tcp.max_conns,
	     "connection blocks per worker"),
	DP_U("tcp", "syn_backlog", 1, 1u << 20, ts.tcp.syn_backlog,
	     "half-open connections per listener and worker before SYN cookies"),
	DP_U("tcp", "max_conns_per_listener", 0, 1u << 24,
	     ts.tcp.max_conns_per_listener,
	     "connections per listener, all workers together (0: none)"),
	DP_U("tcp", "max_conns_per_ip", 0, 1u << 24, ts.tcp.max_conns_per_ip,
	     "passive connections per source, all workers together (0: none)"),
	DP_U("tcp", "syn_cookies", 0, 1, ts.tcp.syn_cookies,
	     "1: answer SYNs with cookies once the backlog is full"),
	DP_U("tcp", "nagle", 0, 1, ts.tcp.nagle,
	     "1: Nagle's algorithm on every connection; 0: segments go at once"),
	DP_U("tcp", "sndbuf", 4096, 1u << 26, ts.tcp.sndbuf,
	     "bytes queued for sending per connection"),
	DP_U("tcp", "rcvbuf", 4096, 1u << 30, ts.tcp.rcvbuf,
	     "receive window per connection, bytes"),
	DP_U("tcp", "mss", 536, 9000, ts.tcp.mss,
	     "largest segment payload we announce and send"),
	DP_U("tcp", "port_lo", 1, 65535, ts.tcp.port_lo,
	     "lowest ephemeral port of connections we open"),
	DP_U("tcp", "port_hi", 1, 65535, ts.tcp.port_hi,
	     "highest ephemeral port of connections we open"),
	DP_U("tcp", "time_wait_ms", 0, 240000, ts.tcp.time_wait_ms,
	     "how long a connection stays in TIME-WAIT"),
	DP_U("tcp", "time_wait_reuse_ms", 0, 240000, ts.tcp.time_wait_reuse_ms,
	     "age in TIME-WAIT after which a connect may take the port (0: never)"),
	DP_U("tcp", "rto_min_ms", 1, 60000, ts.tcp.rto_min_ms,
	     "smallest retransmission timeout"),
	DP_U("tcp", "rto_max_ms", 100, 600000, ts.tcp.rto_max_ms,
	     "largest retransmission timeout"),
	DP_U("tcp", "retries", 1, 30, ts.tcp.retries,
	     "timeouts in a row before a connection is dropped"),
	DP_U("tcp", "syn_retries", 1, 30, ts.tcp.syn_retries,
	     "SYN or SYN-ACK resends before giving up"),
	DP_U("tcp", "keepalive_ms", 0, 86400000, ts.tcp.keepalive_ms,
	     "idle time before keepalive probes (0: off)"),
	DP_U("tcp", "keepalive_probes", 1, 30, ts.tcp.keepalive_probes,
	     "unanswered probes before a connection is dropped"),
	DP_U("tcp", "echo_port", 0, 65535, tcp_echo_port,
	     "port of the built-in echo service (0: off)"),
	DP_U("tcp", "discard_port", 0, 65535, tcp_discard_port,
	     "port of the built-in discard service (0: off)"),
	DP_U("gateway", "max_conns", 1, 1u << 28, gw_max_conns,
	     "WebSocket and HTTP connections, all workers together"),
	DP_U("gateway", "max_conns_per_ip", 0, 1u << 28, gw_max_conns_per_ip,
	     "connections from one source address (0: no limit)"),
	DP_U("gateway", "handshake_timeout_ms", 100, 600000, gw_handshake_ms,
	     "time a client has to send its request head"),
	DP_U("gateway", "shutdown_ms", 0, 600000, gw_shutdown_ms,
	     "on SIGTERM, how long closing handshakes may take"),
	DP_U("gateway", "close_timeout_ms", 100, 600000, gw_close_ms,
	     "a closing handshake (or a refusal's FIN) longer than this is reset"),
	DP_U("gateway", "max_handshakes", 16, 1u << 20, gw_max_handshakes,
	     "handshakes in progress at once, per worker"),
	DP_U("gateway", "fanout_mbufs", 1024, 1u << 26, gw_fanout_mbufs,
	     "per worker: pub/sub deliveries queued at once (about 210 bytes each)"),
	DP_U("gateway", "channels", 4, 49152, gw_channels,
	     "per worker: pub/sub channels with a subscriber there at once"),
};

#undef DP_U

#define DP_N_KEYS (sizeof(dp_keys) / sizeof(dp_keys[0]))

/* Groups of keys, and the top-level keys that are not in dp_keys. */
static const char *const dp_groups[] = { "dataplane", "arp", "ip", "tcp",
	"gateway" };
#define DP_N_GROUPS (sizeof(dp_groups) / sizeof(dp_groups[0]))

void dp_conf_defaults(struct dp_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	ts_conf_defaults(&conf->ts);
	conf->rx_desc = 1024;
	conf->tx_desc = 1024;
	conf->drain_us = 100;
	conf->tx_cksum = 1;
	snprintf(conf->stats_sock, sizeof(conf->stats_sock), "%s",
			DP_DEFAULT_STATS_SOCK);
	dp_parse_prefix(DP_DEFAULT_ADDR, &conf->ports[0].addr,
			&conf->ports[0].prefix_len);
	conf->n_ports = 1;
	conf->gw_max_conns = 1u << 20;
	conf->gw_handshake_ms = 5000;
	conf->gw_shutdown_ms = 2000;
	conf->gw_close_ms = 5000;
	conf->gw_max_handshakes = 1024;
	conf->gw_fanout_mbufs = 65536;
	conf->gw_channels = 3072;
}

/* Built-in routes, when neither the file nor --route gives one. */
static void dp_conf_default_routes(struct dp_conf *conf)
{
	char err[DP_ERR_MAX];

	dp_route_parse(&conf->routes[0], "/echo=echo", err, sizeof(err));
	dp_route_parse(&conf->routes[1], "/md/{channel}=pubsub:{channel}", err,
			sizeof(err));
	conf->routes[1].publish = 1;
	conf->n_routes = 2;
}

/* What the file and the options left unset. */
static void dp_conf_finish(struct dp_conf *conf)
{
	if (conf->n_listen == 0) {
		conf->listen[0] = DP_DEFAULT_LISTEN;
		conf->n_listen = 1;
	}
	if (conf->n_routes == 0)
		dp_conf_default_routes(conf);
}

int dp_parse_ipv4(const char *s, uint32_t *addr)
{
	struct in_addr in;

	if (inet_pton(AF_INET, s, &in) != 1)
		return -DP_CONF_ERR_USAGE;
	*addr = ntohl(in.s_addr);
	return 0;
}

int dp_parse_prefix(const char *s, uint32_t *addr, uint8_t *prefix_len)
{
	const char *slash = strchr(s, '/');
	char ip[INET_ADDRSTRLEN];
	char *end;
	unsigned long len;

	if (slash == NULL || (size_t)(slash - s) >= sizeof(ip))
		return -DP_CONF_ERR_USAGE;
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = '\0';
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (errno != 0 || end == slash + 1 || *end != '\0' || len > 32 ||
			len == 0)
		return -DP_CONF_ERR_USAGE;
	if (dp_parse_ipv4(ip, addr) < 0 || *addr == 0)
		return -DP_CONF_ERR_USAGE;
	*prefix_len = (uint8_t)len;
	return 0;
}

static const struct dp_key *dp_key_find(const char *group, const char *name)
{
	for (size_t i = 0; i < DP_N_KEYS; i++)
		if (strcmp(dp_keys[i].group, group) == 0 &&
				strcmp(dp_keys[i].name, name) == 0)
			return &dp_keys[i];
	return NULL;
}

/* "a, b, c": the keys valid in @p group, for error messages. */
static void dp_key_list(const char *group, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	if (group[0] == '\0') {
		used = (size_t)snprintf(buf, len, "ports, listen, routes, ");
		for (size_t g = 0; g < DP_N_GROUPS && used < len; g++)
			used += (size_t)snprintf(buf + used, len - used, "%s, ",
					dp_groups[g]);
	}
	for (size_t i = 0; i < DP_N_KEYS && used < len; i++)
		if (strcmp(dp_keys[i].group, group) == 0)
			used += (size_t)snprintf(buf + used, len - used, "%s, ",
					dp_keys[i].name);
	if (used >= 2 && used < len)
		buf[used - 2] = '\0';
}

static void dp_key_store(struct dp_conf *conf, const struct dp_key *k,
		uint64_t v)
{
	char *p = (char *)conf + k->off;

	switch (k->size) {
	case 1: *(uint8_t *)p = (uint8_t)v; break;
	case 2: *(uint16_t *)p = (uint16_t)v; break;
	case 4: *(uint32_t *)p = (uint32_t)v; break;
	default: *(uint64_t *)p = v; break;
	}
}

static uint64_t dp_key_value(const struct dp_conf *conf, const struct dp_key *k)
{
	const char *p = (const char *)conf + k->off;

	switch (k->size) {
	case 1: return *(const uint8_t *)p;
	case 2: return *(const uint16_t *)p;
	case 4: return *(const uint32_t *)p;
	default: return *(const uint64_t *)p;
	}
}

/* "arp.entries", "ports[1].gateway": where @p s stands in the file. */
static void dp_key_path(const config_setting_t *s, char *buf, size_t len)
{
	const config_setting_t *parent = config_setting_parent(s);
	const char *name = config_setting_name(s);
	size_t used;

	buf[0] = '\0';
	if (parent == NULL)
		return;                /* the root has no name */
	dp_key_path(parent, buf, len);
	used = strlen(buf);
	if (name == NULL)
		snprintf(buf + used, len - used, "[%d]", config_setting_index(s));
	else
		snprintf(buf + used, len - used, "%s%s", used ? "." : "", name);
}

/* Where an error is reported: "FILE:LINE: key 'G.K': ...". */
int dp_key_error(char *err, size_t len, const char *file,
		const config_setting_t *s, const char *fmt, const char *what)
{
	char path[128];

	dp_key_path(s, path, sizeof(path));
	snprintf(err, len, "%s:%d: key '%s': %s%s", file,
			config_setting_source_line(s), path, fmt, what);
	return -DP_CONF_ERR_USAGE;
}

static int dp_load_value(struct dp_conf *conf, const struct dp_key *k,
		const config_setting_t *s, const char *file, char *err,
		size_t len)
{
	char what[160];
	int t = config_setting_type(s);

	if (k->type == DP_KEY_STRING) {
		const char *v = config_setting_get_string(s);

		snprintf(what, sizeof(what), "of 1 to %" PRIu64 " characters",
				k->max);
		if (t != CONFIG_TYPE_STRING || v == NULL || strlen(v) < k->min ||
				strlen(v) > k->max)
			return dp_key_error(err, len, file, s,
					"expected a string ", what);
		snprintf((char *)conf + k->off, k->size, "%s", v);
		return 0;
	}
	snprintf(what, sizeof(what), "from %" PRIu64 " to %" PRIu64,
			k->min, k->max);
	if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
		return dp_key_error(err, len, file, s,
				"expected an integer ", what);
	{
		long long v = config_setting_get_int64(s);

		if (v < 0 || (uint64_t)v < k->min || (uint64_t)v > k->max)
			return dp_key_error(err, len, file, s,
					"expected an integer ", what);
		dp_key_store(conf, k, (uint64_t)v);
	}
	return 0;
}

static int dp_load_group(struct dp_conf *conf, const char *group,
		const config_setting_t *g, const char *file, char *err,
		size_t len)
{
	char valid[512];
	int n = config_setting_length(g);

	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const struct dp_key *k = dp_key_find(group,
				config_setting_name(s));
		int rc;

		if (k == NULL) {
			dp_key_list(group, valid, sizeof(valid));
			return dp_key_error(err, len, file, s,
					"unknown key; valid keys here: ", valid);
		}
		rc = dp_load_value(conf, k, s, file, err, len);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int dp_load_port(struct dp_port_conf *p, const config_setting_t *g,
		const char *file, char *err, size_t len)
{
	int n = config_setting_length(g);
	int have_addr = 0;

	memset(p, 0, sizeof(*p));
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(s);
		const char *v = config_setting_get_string(s);

		if (strcmp(name, "addr") == 0) {
			if (v == NULL || dp_parse_prefix(v, &p->addr,
					&p->prefix_len) < 0)
				return dp_key_error(err, len, file, s,
					"expected an IPv4 address with prefix ",
					"length, e.g. \"198.18.0.1/24\"");
			have_addr = 1;
		} else if (strcmp(name, "gateway") == 0) {
			if (v == NULL || dp_parse_ipv4(v, &p->gateway) < 0)
				return dp_key_error(err, len, file, s,
					"expected an IPv4 address, ",
					"e.g. \"198.18.0.254\"");
		} else {
			return dp_key_error(err, len, file, s,
					"unknown key; valid keys here: ",
					"addr, gateway");
		}
	}
	if (!have_addr)
		return dp_key_error(err, len, file, g, "missing ",
				"'addr' (e.g. addr = \"198.18.0.1/24\";)");
	return 0;
}

static int dp_load_ports(struct dp_conf *conf, const config_setting_t *s,
		const char *file, char *err, size_t len)
{
	char what[64];
	int n = config_setting_length(s);

	snprintf(what, sizeof(what), "with 1 to %d groups", DP_MAX_PORTS);
	if (config_setting_type(s) != CONFIG_TYPE_LIST || n < 1 ||
			n > DP_MAX_PORTS)
		return dp_key_error(err, len, file, s, "expected a list ( {...} ) ",
				what);
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(s, (unsigned)i);
		int rc;

		if (config_setting_type(g) != CONFIG_TYPE_GROUP)
			return dp_key_error(err, len, file, g,
					"expected a group ", "{ addr = ...; }");
		rc = dp_load_port(&conf->ports[i], g, file, err, len);
		if (rc < 0)
			return rc;
	}
	conf->n_ports = (unsigned int)n;
	return 0;
}

static int dp_load_listen(struct dp_conf *conf, const config_setting_t *s,
		const char *file, char *err, size_t len)
{
	char what[64];
	int n = config_setting_length(s);

	snprintf(what, sizeof(what), "of 1 to %d ports, e.g. [ 8080 ]",
			DP_MAX_LISTEN);
	if (config_setting_type(s) != CONFIG_TYPE_ARRAY || n < 1 ||
			n > DP_MAX_LISTEN)
		return dp_key_error(err, len, file, s, "expected an array ",
				what);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		long long v = config_setting_get_int64(e);

		if (config_setting_type(e) != CONFIG_TYPE_INT || v < 1 ||
				v > 65535)
			return dp_key_error(err, len, file, e,
					"expected a port ", "from 1 to 65535");
		conf->listen[i] = (uint16_t)v;
	}
	conf->n_listen = (unsigned int)n;
	return 0;
}

static int dp_is_group_name(const char *name)
{
	for (size_t g = 0; g < DP_N_GROUPS; g++)
		if (strcmp(dp_groups[g], name) == 0)
			return 1;
	return 0;
}

static int dp_load_root(struct dp_conf *conf, const config_setting_t *root,
		const char *file, char *err, size_t len)
{
	char valid[512];
	int n = config_setting_length(root);

	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(root,
				(unsigned)i);
		const char *name = config_setting_name(s);
		const struct dp_key *k;
		int rc;

		if (strcmp(name, "ports") == 0) {
			rc = dp_load_ports(conf, s, file, err, len);
		} else if (strcmp(name, "listen") == 0) {
			rc = dp_load_listen(conf, s, file, err, len);
		} else if (strcmp(name, "routes") == 0) {
			rc = dp_routes_load(conf, s, file, err, len);
		} else if (dp_is_group_name(name)) {
			if (config_setting_type(s) != CONFIG_TYPE_GROUP)
				return dp_key_error(err, len, file, s,
					"expected a group ", "{ key = value; }");
			rc = dp_load_group(conf, name, s, file, err, len);
		} else if ((k = dp_key_find("", name)) != NULL) {
			rc = dp_load_value(conf, k, s, file, err, len);
		} else {
			dp_key_list("", valid, sizeof(valid));
			return dp_key_error(err, len, file, s,
					"unknown key; valid keys here: ", valid);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

int dp_conf_load(struct dp_conf *conf, const char *path, char *err,
		size_t len)
{
	config_t cfg;
	int rc;

	config_init(&cfg);
	if (config_read_file(&cfg, path) != CONFIG_TRUE) {
		if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO)
			snprintf(err, len, "%s: cannot read the file: %s", path,
					strerror(errno));
		else
			snprintf(err, len, "%s:%d: %s", path,
					config_error_line(&cfg),
					config_error_text(&cfg));
		config_destroy(&cfg);
		return -DP_CONF_ERR_USAGE;
	}
	rc = dp_load_root(conf, config_root_setting(&cfg), path, err, len);
	config_destroy(&cfg);
	if (rc == 0 && conf->ts.tcp.port_lo > conf->ts.tcp.port_hi) {
		snprintf(err, len, "%s: key 'tcp.port_lo' (%u) is above "
				"'tcp.port_hi' (%u)", path, conf->ts.tcp.port_lo,
				conf->ts.tcp.port_hi);
		return -DP_CONF_ERR_USAGE;
	}
	return rc;
}

static const char dp_usage[] =
"Usage: wsgw [EAL options] -- [options]\n"
"\n"
"EAL options come first (see the DPDK documentation), for example:\n"
"  -l 0,1                      lcores; every lcore runs a worker\n"
"  --vdev net_af_packet0,iface=veth0,qpairs=2   a port on a Linux device\n"
"  --vdev net_memif0,role=server                a shared-memory port\n"
"  --in-memory --no-huge       no hugepage files (testing)\n"
"\n"
"wsgw options:\n"
"  --config FILE               read the configuration file FILE (libconfig\n"
"                              syntax, see docs/configuration.md); the\n"
"                              options below override it\n"
"  --addr IP/PREFIX[,gw=IP]    address of the next port (port 0 first,\n"
"                              repeat for ports 1, 2, ...), with an\n"
"                              optional default gateway\n"
"                              (default " DP_DEFAULT_ADDR " on port 0)\n"
"  --gw IP                     default gateway of port 0\n"
"  --listen PORT               accept WebSocket and HTTP on PORT (repeat\n"
"                              for more; default 8080)\n"
"  --route [HOST]/PATH=ACTION  add a route; ACTION is echo,\n"
"                              pubsub:CHANNEL or proxy:HOST:PORT; a PATH\n"
"                              ending in '*' is a prefix; '/md/{channel}'\n"
"                              with pubsub:{channel} takes the channel\n"
"                              from the path (default routes: /echo=echo,\n"
"                              /md/{channel}=pubsub:{channel})\n"
"  --tcp-echo PORT             built-in TCP echo service on PORT\n"
"  --tcp-discard PORT          built-in TCP discard service on PORT\n"
"  --tcp-client IP:PORT[,conns=N][,bytes=M][,msg=S[,depth=K]][,parallel=P]\n"
"                              open N connections (default 1; P, default\n"
"                              256, at a time) to an echo\n"
"                              server, send M bytes (default 1048576) of a\n"
"                              known pattern on each, check every byte\n"
"                              echoed, close; with msg= in messages of S\n"
"                              bytes, K of them in flight (echo round\n"
"                              trips); see tcp_client_* statistics\n"
"  --stats-sock PATH           Unix socket for statistics\n"
"                              (default " DP_DEFAULT_STATS_SOCK ")\n"
"  --dump-config               print the effective configuration and exit\n"
"  --help                      print this help and exit\n"
"  --version                   print the version and exit\n"
"\n"
"Exit status: 0 after SIGINT/SIGTERM, 1 on a start-up failure, 2 on a bad\n"
"option or configuration file.\n";

enum {
	DP_OPT_CONFIG = 256,
	DP_OPT_ADDR,
	DP_OPT_GW,
	DP_OPT_STATS_SOCK,
	DP_OPT_DUMP,
	DP_OPT_TCP_ECHO,
	DP_OPT_TCP_DISCARD,
	DP_OPT_TCP_CLIENT,
	DP_OPT_LISTEN,
	DP_OPT_ROUTE,
	DP_OPT_HELP,
	DP_OPT_VERSION,
};

static const struct option dp_options[] = {
	{ "config", required_argument, NULL, DP_OPT_CONFIG },
	{ "addr", required_argument, NULL, DP_OPT_ADDR },
	{ "gw", required_argument, NULL, DP_OPT_GW },
	{ "stats-sock", required_argument, NULL, DP_OPT_STATS_SOCK },
	{ "dump-config", no_argument, NULL, DP_OPT_DUMP },
	{ "tcp-echo", required_argument, NULL, DP_OPT_TCP_ECHO },
	{ "tcp-discard", required_argument, NULL, DP_OPT_TCP_DISCARD },
	{ "tcp-client", required_argument, NULL, DP_OPT_TCP_CLIENT },
	{ "listen", required_argument, NULL, DP_OPT_LISTEN },
	{ "route", required_argument, NULL, DP_OPT_ROUTE },
	{ "help", no_argument, NULL, DP_OPT_HELP },
	{ "version", no_argument, NULL, DP_OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* "IP/PREFIX" or "IP/PREFIX,gw=IP" into port @p p. */
static int dp_parse_addr_opt(struct dp_port_conf *p, const char *arg,
		char *err, size_t len)
{
	char buf[96];
	char *comma;

	snprintf(buf, sizeof(buf), "%s", arg);
	comma = strchr(buf, ',');
	if (comma != NULL)
		*comma++ = '\0';
	if (dp_parse_prefix(buf, &p->addr, &p->prefix_len) < 0) {
		snprintf(err, len, "option --addr: '%s' is not IP/PREFIX "
				"(e.g. 198.18.0.1/24)", buf);
		return -DP_CONF_ERR_USAGE;
	}
	p->gateway = 0;
	if (comma == NULL)
		return 0;
	if (strncmp(comma, "gw=", 3) != 0 ||
			dp_parse_ipv4(comma + 3, &p->gateway) < 0) {
		snprintf(err, len, "option --addr: '%s' is not gw=IP "
				"(e.g. gw=198.18.0.254)", comma);
		return -DP_CONF_ERR_USAGE;
	}
	return 0;
}

static int dp_parse_port(const char *opt, const char *arg, uint16_t *port,
		char *err, size_t len)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || v == 0 || v > 65535) {
		snprintf(err, len, "option %s: '%s' is not a port from 1 to "
				"65535", opt, arg);
		return -DP_CONF_ERR_USAGE;
	}
	*port = (uint16_t)v;
	return 0;
}

#define DP_CLIENT_USAGE \
	"IP:PORT[,conns=N][,bytes=M][,msg=S[,depth=K]][,parallel=P]"

/* DP_CLIENT_USAGE, for the built-in client. */
static int dp_parse_client_opt(struct dp_conf *conf, const char *arg,
		char *err, size_t len)
{
	struct ts_client_conf *cl = &conf->client;
	char buf[128];
	char *colon, *opt, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", arg);
	opt = strtok_r(buf, ",", &save);
	colon = opt ? strrchr(opt, ':') : NULL;
	if (colon == NULL)
		goto bad;
	*colon = '\0';
	if (dp_parse_ipv4(opt, &cl->dst) < 0 ||
			dp_parse_port("--tcp-client", colon + 1, &cl->dport,
				err, len) < 0)
		goto bad;
	cl->conns = 1;
	cl->bytes = 1u << 20;
	cl->msg = 0;
	cl->depth = 0;
	cl->parallel = TS_CLIENT_PARALLEL;
	while ((opt = strtok_r(NULL, ",", &save)) != NULL) {
		char *end;
		unsigned long long v;

		errno = 0;
		if (strncmp(opt, "conns=", 6) == 0) {
			v = strtoull(opt + 6, &end, 10);
			if (errno || *end || v == 0 || v > 10000000)
				goto bad;
			cl->conns = (uint32_t)v;
		} else if (strncmp(opt, "bytes=", 6) == 0) {
			v = strtoull(opt + 6, &end, 10);
			if (errno || *end || v == 0)
				goto bad;
			cl->bytes = v;
		} else if (strncmp(opt, "msg=", 4) == 0) {
			v = strtoull(opt + 4, &end, 10);
			if (errno || *end || v == 0 || v > TS_CLIENT_MSG_MAX) {
				snprintf(err, len, "option --tcp-client: msg "
						"'%s' is not 1 to %u bytes",
						opt + 4, TS_CLIENT_MSG_MAX);
				return -DP_CONF_ERR_USAGE;
			}
			cl->msg = (uint32_t)v;
		} else if (strncmp(opt, "parallel=", 9) == 0) {
			v = strtoull(opt + 9, &end, 10);
			if (errno || *end || v == 0 || v > (1u << 24))
				goto bad;
			cl->parallel = (uint32_t)v;
		} else if (strncmp(opt, "depth=", 6) == 0) {
			v = strtoull(opt + 6, &end, 10);
			if (errno || *end || v == 0 || v > 65536)
				goto bad;
			cl->depth = (uint32_t)v;
		} else {
			goto bad;
		}
	}
	if (cl->depth != 0 && cl->msg == 0) {
		snprintf(err, len, "option --tcp-client: depth= needs msg=");
		return -DP_CONF_ERR_USAGE;
	}
	return 0;
bad:
	snprintf(err, len, "option --tcp-client: '%s' is not "
			DP_CLIENT_USAGE " (e.g. 198.18.0.2:7,conns=10,"
			"bytes=65536)", arg);
	return -DP_CONF_ERR_USAGE;
}

/* First pass: only --config, so that every other option overrides it. */
static int dp_conf_args_file(struct dp_conf *conf, int argc, char **argv,
		char *err, size_t len)
{
	int c;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, "", dp_options, NULL)) != -1) {
		if (c != DP_OPT_CONFIG)
			continue;
		snprintf(conf->config_file, sizeof(conf->config_file), "%s",
				optarg);
		return dp_conf_load(conf, optarg, err, len);
	}
	return 0;
}

int dp_conf_parse_args(struct dp_conf *conf, int argc, char **argv,
		FILE *out, char *err, size_t len)
{
	unsigned int n_addr = 0, n_listen = 0;
	int dump = 0;
	int c, rc;

	rc = dp_conf_args_file(conf, argc, argv, err, len);
	if (rc < 0)
		return rc;
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":", dp_options, NULL)) != -1) {
		switch (c) {
		case DP_OPT_CONFIG:
			break;
		case DP_OPT_ADDR:
			if (n_addr == DP_MAX_PORTS) {
				snprintf(err, len, "option --addr: at most %d "
						"ports", DP_MAX_PORTS);
				return -DP_CONF_ERR_USAGE;
			}
			rc = dp_parse_addr_opt(&conf->ports[n_addr++], optarg,
					err, len);
			if (rc < 0)
				return rc;
			if (conf->n_ports < n_addr)
				conf->n_ports = n_addr;
			break;
		case DP_OPT_GW:
			if (dp_parse_ipv4(optarg, &conf->ports[0].gateway) < 0) {
				snprintf(err, len, "option --gw: '%s' is not an "
						"IPv4 address", optarg);
				return -DP_CONF_ERR_USAGE;
			}
			break;
		case DP_OPT_STATS_SOCK:
			if (strlen(optarg) == 0 ||
					strlen(optarg) >= sizeof(conf->stats_sock)) {
				snprintf(err, len, "option --stats-sock: path must "
						"have 1 to %d characters",
						DP_PATH_MAX - 1);
				return -DP_CONF_ERR_USAGE;
			}
			snprintf(conf->stats_sock, sizeof(conf->stats_sock), "%s",
					optarg);
			break;
		case DP_OPT_DUMP:
			dump = 1;
			break;
		case DP_OPT_TCP_ECHO:
			rc = dp_parse_port("--tcp-echo", optarg,
					&conf->tcp_echo_port, err, len);
			if (rc < 0)
				return rc;
			break;
		case DP_OPT_TCP_DISCARD:
			rc = dp_parse_port("--tcp-discard", optarg,
					&conf->tcp_discard_port, err, len);
			if (rc < 0)
				return rc;
			break;
		case DP_OPT_TCP_CLIENT:
			rc = dp_parse_client_opt(conf, optarg, err, len);
			if (rc < 0)
				return rc;
			break;
		case DP_OPT_LISTEN:
			if (n_listen == DP_MAX_LISTEN) {
				snprintf(err, len, "option --listen: at most %d "
						"ports", DP_MAX_LISTEN);
				return -DP_CONF_ERR_USAGE;
			}
			rc = dp_parse_port("--listen", optarg,
					&conf->listen[n_listen++], err, len);
			if (rc < 0)
				return rc;
			conf->n_listen = n_listen;
			break;
		case DP_OPT_ROUTE:
			if (conf->n_routes == DP_MAX_ROUTES) {
				snprintf(err, len, "option --route: at most %d "
						"routes", DP_MAX_ROUTES);
				return -DP_CONF_ERR_USAGE;
			}
			rc = dp_route_parse(&conf->routes[conf->n_routes], optarg,
					err, len);
			if (rc < 0)
				return rc;
			conf->n_routes++;
			break;
		case DP_OPT_HELP:
			fputs(dp_usage, out);
			return -DP_CONF_ERR_HELP;
		case DP_OPT_VERSION:
			fprintf(out, "wsgw %s\n", WSGW_VERSION);
			return -DP_CONF_ERR_HELP;
		case ':':
			snprintf(err, len, "option %s needs a value; see --help",
					argv[optind - 1]);
			return -DP_CONF_ERR_USAGE;
		default:
			snprintf(err, len, "unknown option '%s'; valid options: "
					"--config, --addr, --gw, --listen, --route, "
					"--stats-sock, --tcp-echo, --tcp-discard, "
					"--tcp-client, "
					"--dump-config, --help, --version",
					argv[optind - 1]);
			return -DP_CONF_ERR_USAGE;
		}
	}
	if (optind < argc) {
		snprintf(err, len, "unexpected argument '%s'; see --help",
				argv[optind]);
		return -DP_CONF_ERR_USAGE;
	}
	dp_conf_finish(conf);
	if (dump) {
		dp_conf_dump(conf, out);
		return -DP_CONF_ERR_HELP;
	}
	return 0;
}

static void dp_ip_text(uint32_t ip, char *buf, size_t len)
{
	struct in_addr in = { .s_addr = htonl(ip) };

	inet_ntop(AF_INET, &in, buf, (socklen_t)len);
}

void dp_conf_dump(const struct dp_conf *conf, FILE *out)
{
	const char *group = NULL;
	char ip[INET_ADDRSTRLEN];

	fprintf(out, "ports = (\n");
	for (unsigned int i = 0; i < conf->n_ports; i++) {
		const struct dp_port_conf *p = &conf->ports[i];

		dp_ip_text(p->addr, ip, sizeof(ip));
		fprintf(out, "  { addr = \"%s/%u\";", ip, p->prefix_len);
		if (p->gateway != 0) {
			dp_ip_text(p->gateway, ip, sizeof(ip));
			fprintf(out, " gateway = \"%s\";", ip);
		}
		fprintf(out, " }%s\n", i + 1 < conf->n_ports ? "," : "");
	}
	fprintf(out, ");\nlisten = [");
	for (unsigned int i = 0; i < conf->n_listen; i++)
		fprintf(out, "%s%u", i ? ", " : " ", conf->listen[i]);
	fprintf(out, " ];\n");
	dp_routes_dump(conf, out);
	for (size_t i = 0; i < DP_N_KEYS; i++) {
		const struct dp_key *k = &dp_keys[i];

		if (group == NULL || strcmp(group, k->group) != 0) {
			if (group != NULL && group[0] != '\0')
				fprintf(out, "};\n");
			group = k->group;
			if (group[0] != '\0')
				fprintf(out, "%s = {\n", group);
		}
		fprintf(out, "%s", group[0] ? "  " : "");
		if (k->type == DP_KEY_STRING)
			fprintf(out, "%s = \"%s\";", k->name,
					(const char *)conf + k->off);
		else
			fprintf(out, "%s = %" PRIu64 ";", k->name,
					dp_key_value(conf, k));
		fprintf(out, "  # %s\n", k->desc);
	}
	if (group != NULL && group[0] != '\0')
		fprintf(out, "};\n");
}
