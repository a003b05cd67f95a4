/**
 * @file
 * Routes in the configuration: the --route syntax, the "routes" list of
 * the configuration file, and their dump. Matching is in dp_gw.c.
 *
 * dp_conf_parse_args -> dp_route_parse -> dp_route_parse_action;
 * dp_conf_load -> dp_routes_load -> dp_route_load_key.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "dp_conf_priv.h"

static const char *const dp_policy_names[] = {
	[DP_POL_DROP_OLDEST] = "drop-oldest",
	[DP_POL_CONFLATE] = "conflate",
	[DP_POL_DISCONNECT] = "disconnect",
};

#define DP_N_POLICIES (sizeof(dp_policy_names) / sizeof(dp_policy_names[0]))

const char *dp_route_policy_name(unsigned int policy)
{
	return policy < DP_N_POLICIES ? dp_policy_names[policy] : "?";
}

int dp_route_policy_parse(const char *name)
{
	for (unsigned int i = 0; i < DP_N_POLICIES; i++)
		if (strcmp(name, dp_policy_names[i]) == 0)
			return (int)i;
	return -1;
}

void dp_route_defaults(struct dp_route_conf *r)
{
	memset(r, 0, sizeof(*r));
	r->max_message = 1u << 20;
	r->idle_timeout_ms = 60000;
	r->queue_bytes = 1u << 20;
	r->queue_msgs = 4096;
}

static int dp_route_usage(char *err, size_t len, const char *what,
		const char *arg)
{
	snprintf(err, len, "%s '%s': expected echo, pubsub:CHANNEL, "
			"pubsub:{channel} or proxy:HOST:PORT (e.g. "
			"proxy:198.18.1.2:9000)", what, arg);
	return -DP_CONF_ERR_USAGE;
}

/* A host name (a letter in it) to its first IPv4 address, through the
 * system's resolver (/etc/hosts, DNS). @return 0 or -1. */
static int dp_route_resolve(const char *name, uint32_t *addr)
{
	const struct addrinfo hints = { .ai_family = AF_INET,
		.ai_socktype = SOCK_STREAM };
	struct addrinfo *res;
	int letter = 0;

	for (const char *p = name; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
			return -1;
		letter |= isalpha((unsigned char)*p);
	}
	if (!letter || getaddrinfo(name, NULL, &hints, &res) != 0)
		return -1;
	*addr = ntohl(((const struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr);
	freeaddrinfo(res);
	return 0;
}

int dp_route_parse_action(struct dp_route_conf *r, const char *a, char *err,
		size_t len)
{
	if (strcmp(a, "echo") == 0) {
		r->action = DP_ACT_ECHO;
		return 0;
	}
	if (strncmp(a, "pubsub:", 7) == 0) {
		const char *ch = a + 7;

		if (ch[0] == '\0' || strlen(ch) > DP_CHANNEL_MAX)
			return dp_route_usage(err, len, "action", a);
		r->action = DP_ACT_PUBSUB;
		if (strcmp(ch, "{channel}") == 0)
			r->channel[0] = '\0';
		else
			snprintf(r->channel, sizeof(r->channel), "%s", ch);
		return 0;
	}
	if (strncmp(a, "proxy:", 6) == 0) {
		char host[DP_ROUTE_STR - 8];    /* and ":PORT" in upstream_host */
		const char *colon = strrchr(a + 6, ':');
		char *end;
		unsigned long port;

		if (colon == NULL || (size_t)(colon - (a + 6)) >= sizeof(host))
			return dp_route_usage(err, len, "action", a);
		memcpy(host, a + 6, (size_t)(colon - (a + 6)));
		host[colon - (a + 6)] = '\0';
		errno = 0;
		port = strtoul(colon + 1, &end, 10);
		if (errno != 0 || *end != '\0' || port == 0 || port > 65535 ||
				host[0] == '\0')
			return dp_route_usage(err, len, "action", a);
		if (dp_parse_ipv4(host, &r->upstream_addr) < 0 &&
				dp_route_resolve(host, &r->upstream_addr) < 0) {
			snprintf(err, len, "action '%s': upstream '%s' is not an "
					"IPv4 address and does not resolve to one "
					"(names are resolved once, at start)", a, host);
			return -DP_CONF_ERR_USAGE;
		}
		r->action = DP_ACT_PROXY;
		r->upstream_port = (uint16_t)port;
		if (r->upstream_host[0] == '\0')
			snprintf(r->upstream_host, sizeof(r->upstream_host),
					"%s:%lu", host, port);
		return 0;
	}
	return dp_route_usage(err, len, "action", a);
}

/* The path part: exact, "/prefix*", or ".../{channel}" with pubsub. */
static int dp_route_set_path(struct dp_route_conf *r, const char *path,
		char *err, size_t len)
{
	static const char tmpl[] = "{channel}";
	size_t n = strlen(path);

	if (n == 0 || path[0] != '/' || n >= sizeof(r->path)) {
		snprintf(err, len, "route path '%s': expected /PATH of at most "
				"%zu characters", path, sizeof(r->path) - 1);
		return -DP_CONF_ERR_USAGE;
	}
	snprintf(r->path, sizeof(r->path), "%s", path);
	r->prefix = 0;
	if (n >= sizeof(tmpl) - 1 &&
			strcmp(path + n - (sizeof(tmpl) - 1), tmpl) == 0) {
		r->path[n - (sizeof(tmpl) - 1)] = '\0';
		r->prefix = 2;                 /* the rest names the channel */
	} else if (path[n - 1] == '*') {
		r->path[n - 1] = '\0';
		r->prefix = 1;
	}
	return 0;
}

/* A pubsub:{channel} route needs a path that names the channel. */
static int dp_route_check(const struct dp_route_conf *r, char *err,
		size_t len)
{
	if (r->action == DP_ACT_PUBSUB && r->channel[0] == '\0' &&
			r->prefix != 2) {
		snprintf(err, len, "route '%s': pubsub:{channel} needs a path "
				"ending in {channel}, e.g. /md/{channel}", r->path);
		return -DP_CONF_ERR_USAGE;
	}
	if (r->prefix == 2 && !(r->action == DP_ACT_PUBSUB &&
			r->channel[0] == '\0')) {
		snprintf(err, len, "route '%s{channel}': a path ending in "
				"{channel} needs the action pubsub:{channel}",
				r->path);
		return -DP_CONF_ERR_USAGE;
	}
	return 0;
}

int dp_route_parse(struct dp_route_conf *r, const char *arg, char *err,
		size_t len)
{
	char buf[DP_ROUTE_STR * 3];
	char *eq, *slash;
	int rc;

	dp_route_defaults(r);
	snprintf(buf, sizeof(buf), "%s", arg);
	eq = strchr(buf, '=');
	slash = strchr(buf, '/');
	if (eq == NULL || slash == NULL || slash > eq) {
		snprintf(err, len, "option --route: '%s' is not "
				"[HOST]/PATH=ACTION (e.g. /echo=echo)", arg);
		return -DP_CONF_ERR_USAGE;
	}
	*eq = '\0';
	if (slash > buf) {
		if ((size_t)(slash - buf) >= sizeof(r->host)) {
			snprintf(err, len, "option --route: host too long");
			return -DP_CONF_ERR_USAGE;
		}
		memcpy(r->host, buf, (size_t)(slash - buf));
	}
	rc = dp_route_set_path(r, slash, err, len);
	if (rc == 0)
		rc = dp_route_parse_action(r, eq + 1, err, len);
	if (rc == 0)
		rc = dp_route_check(r, err, len);
	return rc;
}

void dp_route_action_text(const struct dp_route_conf *r, char *buf,
		size_t len)
{
	switch (r->action) {
	case DP_ACT_PUBSUB:
		snprintf(buf, len, "pubsub:%s", r->channel[0] ? r->channel :
				"{channel}");
		break;
	case DP_ACT_PROXY:
		snprintf(buf, len, "proxy:%u.%u.%u.%u:%u", r->upstream_addr >> 24,
				(r->upstream_addr >> 16) & 0xff,
				(r->upstream_addr >> 8) & 0xff,
				r->upstream_addr & 0xff, r->upstream_port);
		break;
	default:
		snprintf(buf, len, "echo");
	}
}

/* ---- the configuration file's "routes" list ---- */

enum dp_rkey_type {
	DP_RKEY_STR,
	DP_RKEY_UINT,
	DP_RKEY_BOOL,
	DP_RKEY_LIST,      /**< list of strings, stored comma-separated */
};

struct dp_rkey {
	const char *name;
	enum dp_rkey_type type;
	size_t off;
	size_t size;
	uint64_t min, max;
	const char *desc;
};

#define DP_RS(nm, field, d) { nm, DP_RKEY_STR, \
	offsetof(struct dp_route_conf, field), \
	sizeof(((struct dp_route_conf *)0)->field), 0, 0, d }
#define DP_RL(nm, field, d) { nm, DP_RKEY_LIST, \
	offsetof(struct dp_route_conf, field), \
	sizeof(((struct dp_route_conf *)0)->field), 0, 0, d }
#define DP_RU(nm, field, lo, hi, d) { nm, DP_RKEY_UINT, \
	offsetof(struct dp_route_conf, field), \
	sizeof(((struct dp_route_conf *)0)->field), lo, hi, d }
#define DP_RB(nm, field, d) { nm, DP_RKEY_BOOL, \
	offsetof(struct dp_route_conf, field), 1, 0, 1, d }

/* "path", "action", "match" and "policy" are read by hand (see below). */
static const struct dp_rkey dp_rkeys[] = {
	DP_RS("host", host, "Host header to match (any when absent)"),
	DP_RS("upstream_host", upstream_host, "proxy: Host sent upstream"),
	DP_RS("conflate_key", conflate_key, "conflate: JSON field whose value is the key"),
	DP_RL("origins", origins, "allowed Origin values (any when absent)"),
	DP_RL("protocols", protocols, "subprotocols the route speaks"),
	DP_RB("publish", publish, "pubsub: clients may publish"),
	DP_RU("max_message", max_message, 1, 1u << 26, "largest message, bytes"),
	DP_RU("idle_timeout_ms", idle_timeout_ms, 0, 86400000,
	      "silence before a ping; twice that closes (0: never)"),
	DP_RU("queue_bytes", queue_bytes, 1024, 1u << 30,
	      "send queue bound per connection, bytes"),
	DP_RU("queue_messages", queue_msgs, 1, 65535,
	      "send queue bound per connection, messages"),
};

#define DP_N_RKEYS (sizeof(dp_rkeys) / sizeof(dp_rkeys[0]))

static const char dp_rkeys_valid[] = "path, action, match, policy, host, "
	"upstream_host, conflate_key, origins, protocols, publish, "
	"max_message, idle_timeout_ms, queue_bytes, queue_messages";

static int dp_route_load_list(char *dst, size_t size,
		const config_setting_t *s, const char *file, char *err,
		size_t len)
{
	size_t used = 0;
	int n = config_setting_length(s);

	if (config_setting_type(s) != CONFIG_TYPE_ARRAY &&
			config_setting_type(s) != CONFIG_TYPE_LIST)
		return dp_key_error(err, len, file, s, "expected a list of ",
				"strings, e.g. [ \"https://a.example\" ]");
	dst[0] = '\0';
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *v = config_setting_get_string(e);

		if (v == NULL || v[0] == '\0' || strchr(v, ',') != NULL)
			return dp_key_error(err, len, file, e, "expected a ",
					"non-empty string without commas");
		if (used + strlen(v) + 2 > size)
			return dp_key_error(err, len, file, s, "list too long",
					"");
		used += (size_t)snprintf(dst + used, size - used, "%s%s",
				used ? "," : "", v);
	}
	return 0;
}

static int dp_route_load_key(struct dp_route_conf *r, const struct dp_rkey *k,
		const config_setting_t *s, const char *file, char *err,
		size_t len)
{
	char *dst = (char *)r + k->off;
	char what[96];
	const char *v;
	long long n;

	switch (k->type) {
	case DP_RKEY_STR:
		v = config_setting_get_string(s);
		snprintf(what, sizeof(what), "of at most %zu characters",
				k->size - 1);
		if (v == NULL || strlen(v) >= k->size)
			return dp_key_error(err, len, file, s,
					"expected a string ", what);
		snprintf(dst, k->size, "%s", v);
		return 0;
	case DP_RKEY_LIST:
		return dp_route_load_list(dst, k->size, s, file, err, len);
	case DP_RKEY_BOOL:
		if (config_setting_type(s) != CONFIG_TYPE_BOOL)
			return dp_key_error(err, len, file, s,
					"expected true or false", "");
		*(uint8_t *)dst = (uint8_t)config_setting_get_bool(s);
		return 0;
	default:
		n = config_setting_get_int64(s);
		snprintf(what, sizeof(what), "from %" PRIu64 " to %" PRIu64,
				k->min, k->max);
		if ((config_setting_type(s) != CONFIG_TYPE_INT &&
				config_setting_type(s) != CONFIG_TYPE_INT64) ||
				n < 0 || (uint64_t)n < k->min ||
				(uint64_t)n > k->max)
			return dp_key_error(err, len, file, s,
					"expected an integer ", what);
		*(uint32_t *)dst = (uint32_t)n;
		return 0;
	}
}

/* path, match, action and policy, which are not plain copies. */
static int dp_route_load_special(struct dp_route_conf *r,
		const config_setting_t *g, const char *file, char *err,
		size_t len)
{
	const config_setting_t *s;
	const char *v;
	char msg[DP_ERR_MAX];
	int rc;

	s = config_setting_get_member(g, "path");
	v = s ? config_setting_get_string(s) : NULL;
	if (s == NULL)
		return dp_key_error(err, len, file, g, "missing ",
				"'path' (e.g. path = \"/echo\";)");
	if (v == NULL || dp_route_set_path(r, v, msg, sizeof(msg)) < 0)
		return dp_key_error(err, len, file, s, "expected /PATH, ",
				"/PREFIX* or /PREFIX/{channel}");
	s = config_setting_get_member(g, "match");
	if (s != NULL) {
		v = config_setting_get_string(s);
		if (v == NULL || (strcmp(v, "exact") && strcmp(v, "prefix")))
			return dp_key_error(err, len, file, s, "expected ",
					"\"exact\" or \"prefix\"");
		if (r->prefix != 2)
			r->prefix = strcmp(v, "prefix") == 0;
	}
	s = config_setting_get_member(g, "action");
	v = s ? config_setting_get_string(s) : NULL;
	if (s == NULL)
		return dp_key_error(err, len, file, g, "missing ",
				"'action' (e.g. action = \"echo\";)");
	if (v == NULL || dp_route_parse_action(r, v, msg, sizeof(msg)) < 0)
		return dp_key_error(err, len, file, s, "expected echo, ",
				"pubsub:CHANNEL, pubsub:{channel} or proxy:HOST:PORT");
	s = config_setting_get_member(g, "policy");
	if (s != NULL) {
		v = config_setting_get_string(s);
		rc = v ? dp_route_policy_parse(v) : -1;
		if (rc < 0)
			return dp_key_error(err, len, file, s, "expected ",
					"\"drop-oldest\", \"conflate\" or \"disconnect\"");
		r->policy = (uint8_t)rc;
	}
	rc = dp_route_check(r, msg, sizeof(msg));
	if (rc < 0)
		return dp_key_error(err, len, file, g, msg, "");
	if (r->policy == DP_POL_CONFLATE && r->conflate_key[0] == '\0')
		return dp_key_error(err, len, file, g, "policy conflate needs ",
				"conflate_key (the JSON field of the key)");
	return 0;
}

static int dp_route_load(struct dp_route_conf *r, const config_setting_t *g,
		const char *file, char *err, size_t len)
{
	int n = config_setting_length(g);

	dp_route_defaults(r);
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(s);
		const struct dp_rkey *k = NULL;
		int rc;

		if (!strcmp(name, "path") || !strcmp(name, "action") ||
				!strcmp(name, "match") || !strcmp(name, "policy"))
			continue;
		for (size_t j = 0; j < DP_N_RKEYS; j++)
			if (strcmp(dp_rkeys[j].name, name) == 0)
				k = &dp_rkeys[j];
		if (k == NULL)
			return dp_key_error(err, len, file, s,
					"unknown key; valid keys here: ",
					dp_rkeys_valid);
		rc = dp_route_load_key(r, k, s, file, err, len);
		if (rc < 0)
			return rc;
	}
	return dp_route_load_special(r, g, file, err, len);
}

int dp_routes_load(struct dp_conf *conf, const config_setting_t *s,
		const char *file, char *err, size_t len)
{
	char what[64];
	int n = config_setting_length(s);

	snprintf(what, sizeof(what), "with at most %d groups", DP_MAX_ROUTES);
	if (config_setting_type(s) != CONFIG_TYPE_LIST ||
			conf->n_routes + (unsigned int)n > DP_MAX_ROUTES)
		return dp_key_error(err, len, file, s,
				"expected a list ( {...} ) ", what);
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(s, (unsigned)i);
		int rc;

		if (config_setting_type(g) != CONFIG_TYPE_GROUP)
			return dp_key_error(err, len, file, g, "expected a group ",
					"{ path = ...; action = ...; }");
		rc = dp_route_load(&conf->routes[conf->n_routes], g, file, err,
				len);
		if (rc < 0)
			return rc;
		conf->n_routes++;
	}
	return 0;
}

/* A comma list as a libconfig array of strings. */
static void dp_route_dump_list(FILE *out, const char *name, const char *v)
{
	const char *p = v;

	fprintf(out, " %s = [", name);
	while (*p != '\0') {
		size_t n = strcspn(p, ",");

		fprintf(out, "%s\"%.*s\"", p == v ? " " : ", ", (int)n, p);
		p += n + (p[n] == ',');
	}
	fprintf(out, " ];");
}

void dp_routes_dump(const struct dp_conf *conf, FILE *out)
{
	fprintf(out, "routes = (\n");
	for (unsigned int i = 0; i < conf->n_routes; i++) {
		const struct dp_route_conf *r = &conf->routes[i];
		char action[DP_ROUTE_STR + 16];

		dp_route_action_text(r, action, sizeof(action));
		fprintf(out, "  { path = \"%s%s\";", r->path,
				r->prefix == 2 ? "{channel}" : "");
		if (r->prefix == 1)
			fprintf(out, " match = \"prefix\";");
		fprintf(out, " action = \"%s\";", action);
		if (r->host[0])
			fprintf(out, " host = \"%s\";", r->host);
		if (r->action == DP_ACT_PROXY)
			fprintf(out, " upstream_host = \"%s\";", r->upstream_host);
		if (r->action == DP_ACT_PUBSUB)
			fprintf(out, " publish = %s; policy = \"%s\";",
					r->publish ? "true" : "false",
					dp_route_policy_name(r->policy));
		if (r->conflate_key[0])
			fprintf(out, " conflate_key = \"%s\";", r->conflate_key);
		if (r->origins[0])
			dp_route_dump_list(out, "origins", r->origins);
		if (r->protocols[0])
			dp_route_dump_list(out, "protocols", r->protocols);
		fprintf(out, " max_message = %u; idle_timeout_ms = %u;"
				" queue_bytes = %u; queue_messages = %u; }%s\n",
				r->max_message, r->idle_timeout_ms, r->queue_bytes,
				r->queue_msgs, i + 1 < conf->n_routes ? "," : "");
	}
	fprintf(out, ");\n");
}
