/**
 * @file
 * wsgw-load's options: the target URL, sources, connections, scenario,
 * load, bounds and outputs. Every value is checked where it is read, and
 * the options are checked together at the end (reachable target, sizes
 * that hold the header); each error names its option and what it takes.
 *
 * main -> ld_conf_defaults -> ld_conf_parse -> ld_url_parse,
 *   ld_size_parse, ld_conf_check.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ld.h"

#ifndef WSGW_VERSION
#define WSGW_VERSION "unknown"
#endif

#define LD_DEFAULT_ADDR_TEXT "198.18.0.2/24"
#define LD_MAX_CONNS 100000000u

static const char *const ld_scenario_names[LD_SC__COUNT] = {
	[LD_SC_ECHO] = "echo",
	[LD_SC_PUBSUB] = "pubsub",
	[LD_SC_CONNECT] = "connect",
	[LD_SC_IDLE] = "idle",
};

const char *ld_scenario_name(unsigned int sc)
{
	return sc < LD_SC__COUNT ? ld_scenario_names[sc] : "?";
}

void ld_conf_defaults(struct ld_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->conns = 1;
	c->max_opening = 1024;
	c->connect_timeout_ms = 5000;
	c->scenario = LD_SC_ECHO;
	c->binary = 1;
	c->inflight = 1;
	c->size.kind = LD_SIZE_FIXED;
	c->size.lo = c->size.hi = 64;
	c->drain_ms = 2000;
	c->settle_ms = 0;
	c->ping_ms = 1000;
	c->publishers = 1;
	c->max_errors = 0;
	snprintf(c->stats_sock, sizeof(c->stats_sock), "%s",
			"/run/wsgw/load.sock");
	c->time_wait_ms = 0;
	c->time_wait_reuse_ms = 1000;
	c->seed = 1;
}

static int ld_fail(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int ld_fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -LD_ERR_USAGE;
}

static int ld_num_u64(const char *opt, const char *arg, uint64_t min,
		uint64_t max, uint64_t *out, char *err, size_t len)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (arg[0] == '-' || arg[0] == '\0' || *end != '\0' || errno != 0 ||
			v < min || v > max)
		return ld_fail(err, len, "option %s: '%s' is not a whole number "
				"from %llu to %llu", opt, arg,
				(unsigned long long)min, (unsigned long long)max);
	*out = v;
	return 0;
}

static int ld_num_u32(const char *opt, const char *arg, uint32_t min,
		uint32_t max, uint32_t *out, char *err, size_t len)
{
	uint64_t v = 0;
	int rc = ld_num_u64(opt, arg, min, max, &v, err, len);

	if (rc == 0)
		*out = (uint32_t)v;
	return rc;
}

static int ld_num_dbl(const char *opt, const char *arg, double min,
		double max, double *out, char *err, size_t len)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (arg[0] == '\0' || *end != '\0' || errno != 0 || !isfinite(v) ||
			v < min || v > max)
		return ld_fail(err, len, "option %s: '%s' is not a number from "
				"%g to %g", opt, arg, min, max);
	*out = v;
	return 0;
}

static int ld_str(const char *opt, const char *arg, char *dst, size_t cap,
		char *err, size_t len)
{
	if (strlen(arg) >= cap)
		return ld_fail(err, len, "option %s: at most %zu characters",
				opt, cap - 1);
	memcpy(dst, arg, strlen(arg) + 1);
	return 0;
}

static int ld_ipv4(const char *s, uint32_t *addr)
{
	struct in_addr in;

	if (inet_pton(AF_INET, s, &in) != 1)
		return -1;
	*addr = ntohl(in.s_addr);
	return 0;
}

/*
 * A host name (letters, digits, '-' and '.', a letter among them) to its
 * first IPv4 address, through the system's resolver (/etc/hosts, DNS),
 * once, before the run. @return 0, or -1 with the reason in @p why.
 */
static int ld_resolve(const char *name, uint32_t *addr, char *why,
		size_t n)
{
	const struct addrinfo hints = { .ai_family = AF_INET,
		.ai_socktype = SOCK_STREAM };
	struct addrinfo *res;
	int letter = 0, rc;

	for (const char *p = name; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.') {
			snprintf(why, n, "not an IPv4 address or a host name");
			return -1;
		}
		letter |= isalpha((unsigned char)*p);
	}
	if (!letter) {
		snprintf(why, n, "not an IPv4 address A.B.C.D");
		return -1;
	}
	rc = getaddrinfo(name, NULL, &hints, &res);
	if (rc != 0) {
		snprintf(why, n, "it does not resolve to an IPv4 address: %s",
				gai_strerror(rc));
		return -1;
	}
	*addr = ntohl(((const struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr);
	freeaddrinfo(res);
	return 0;
}

static void ld_ip_text(uint32_t ip, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff,
			(ip >> 8) & 0xff, ip & 0xff);
}

#define LD_ADDR_FORM "IP/PREFIX[,gw=IP][,count=N][,range=A[-B]]..."

/* "LO-HI" for --src-ports: 1 <= LO <= HI <= 65535. */
static int ld_ports_parse(struct ld_conf *c, const char *arg, char *err,
		size_t len)
{
	char *end, *end2;
	unsigned long lo, hi;

	errno = 0;
	lo = strtoul(arg, &end, 10);
	if (end == arg || *end != '-')
		goto bad;
	hi = strtoul(end + 1, &end2, 10);
	if (end2 == end + 1 || *end2 != '\0' || errno != 0 || lo == 0 ||
			lo > hi || hi > 65535)
		goto bad;
	c->port_lo = (uint16_t)lo;
	c->port_hi = (uint16_t)hi;
	return 0;
bad:
	return ld_fail(err, len, "option --src-ports: '%s' is not LO-HI with "
			"1 <= LO <= HI <= 65535", arg);
}

/* "range=A[-B]" of --addr: the run A..B (A alone without -B). */
static int ld_range_parse(struct ld_addr *a, char *opt, const char *arg,
		char *err, size_t len)
{
	char *dash = strchr(opt + 6, '-');
	uint32_t lo, hi;

	if (a->n_more == LD_MAX_MORE)
		return ld_fail(err, len, "option --addr: at most %d range= "
				"(in '%s')", LD_MAX_MORE, arg);
	if (dash != NULL)
		*dash = '\0';
	if (ld_ipv4(opt + 6, &lo) != 0 ||
			ld_ipv4(dash != NULL ? dash + 1 : opt + 6, &hi) != 0) {
		if (dash != NULL)
			*dash = '-';
		return ld_fail(err, len, "option --addr: '%s' is not "
				"range=IP or range=IP-IP (in '%s')", opt, arg);
	}
	if (dash != NULL)
		*dash = '-';
	if (lo == 0 || hi < lo || hi - lo >= LD_MAX_SOURCES)
		return ld_fail(err, len, "option --addr: '%s': a range runs "
				"upwards from a nonzero address, %d addresses "
				"at most (in '%s')", opt, LD_MAX_SOURCES, arg);
	a->more[a->n_more].lo = lo;
	a->more[a->n_more++].n = hi - lo + 1;
	return 0;
}

/* One ",key=value" of --addr. */
static int ld_addr_opt(struct ld_addr *a, char *opt, const char *arg,
		char *err, size_t len)
{
	char *end;
	unsigned long n;

	if (strncmp(opt, "range=", 6) == 0)
		return ld_range_parse(a, opt, arg, err, len);

	if (strncmp(opt, "gw=", 3) == 0) {
		if (ld_ipv4(opt + 3, &a->gateway) != 0)
			return ld_fail(err, len, "option --addr: '%s' is not "
					"gw=IP (in '%s')", opt, arg);
		return 0;
	}
	if (strncmp(opt, "count=", 6) == 0) {
		errno = 0;
		n = strtoul(opt + 6, &end, 10);
		if (end == opt + 6 || *end != '\0' || errno != 0 || n == 0 ||
				n > LD_MAX_SOURCES)
			return ld_fail(err, len, "option --addr: '%s' is not "
					"count=1..%d (in '%s')", opt,
					LD_MAX_SOURCES, arg);
		a->count = (uint16_t)n;
		return 0;
	}
	return ld_fail(err, len, "option --addr: '%s' is none of gw=IP, "
			"count=N and range=A[-B] (in '%s')", opt, arg);
}

/* Whether runs a.. and b.. share an address; n >= 1 and neither wraps,
 * but one may end at 255.255.255.255, so the ends are inclusive. */
static int ld_runs_meet(uint32_t a, uint32_t na, uint32_t b, uint32_t nb)
{
	return a <= b + (nb - 1) && b <= a + (na - 1);
}

/* Each range= of @p a: on the link, short of its network and broadcast
 * addresses, apart from count=N's run and from each other; and no more
 * than LD_MAX_SOURCES addresses in all. */
static int ld_ranges_check(const struct ld_addr *a, uint32_t mask,
		const char *arg, char *err, size_t len)
{
	uint32_t net = a->addr & mask, total = a->count;
	char lo[16], hi[16];

	for (uint8_t i = 0; i < a->n_more; i++) {
		const struct ld_range *r = &a->more[i];
		uint32_t last = r->lo + (r->n - 1);

		ld_ip_text(r->lo, lo, sizeof(lo));
		ld_ip_text(last, hi, sizeof(hi));
		if ((r->lo & mask) != net || (last & mask) != net)
			return ld_fail(err, len, "option --addr: range %s-%s is "
					"not on the link of '%s'", lo, hi, arg);
		if (a->prefix_len < 31 && (r->lo == net ||
				last == (net | ~mask)))
			return ld_fail(err, len, "option --addr: range %s-%s "
					"holds the subnet's network or broadcast "
					"address (in '%s')", lo, hi, arg);
		if (ld_runs_meet(r->lo, r->n, a->addr, a->count))
			return ld_fail(err, len, "option --addr: range %s-%s "
					"meets the addresses of IP and count=N "
					"(in '%s')", lo, hi, arg);
		for (uint8_t j = 0; j < i; j++)
			if (ld_runs_meet(r->lo, r->n, a->more[j].lo,
					a->more[j].n))
				return ld_fail(err, len, "option --addr: range "
						"%s-%s meets an earlier range "
						"(in '%s')", lo, hi, arg);
		total += r->n;
	}
	if (total > LD_MAX_SOURCES)
		return ld_fail(err, len, "option --addr: %u addresses, more than "
				"%d (in '%s')", total, LD_MAX_SOURCES, arg);
	return 0;
}

/* LD_ADDR_FORM for --addr: count=N takes IP and the N - 1 after it. */
static int ld_addr_parse(struct ld_addr *a, const char *arg, char *err,
		size_t len)
{
	char buf[512], *slash, *comma, *end;
	unsigned long plen;
	uint32_t mask, last;

	if (strlen(arg) >= sizeof(buf))
		return ld_fail(err, len, "option --addr: '%s' is not "
				LD_ADDR_FORM, arg);
	strcpy(buf, arg);
	a->count = 1;
	a->n_more = 0;
	comma = strchr(buf, ',');
	if (comma != NULL)
		*comma++ = '\0';
	while (comma != NULL) {
		char *opt = comma;

		comma = strchr(opt, ',');
		if (comma != NULL)
			*comma++ = '\0';
		if (ld_addr_opt(a, opt, arg, err, len) != 0)
			return -1;
	}
	slash = strchr(buf, '/');
	if (slash == NULL)
		return ld_fail(err, len, "option --addr: '%s' is not "
				LD_ADDR_FORM, arg);
	*slash++ = '\0';
	errno = 0;
	plen = strtoul(slash, &end, 10);
	if (ld_ipv4(buf, &a->addr) != 0 || a->addr == 0 || *end != '\0' ||
			end == slash || plen == 0 || plen > 32 || errno != 0)
		return ld_fail(err, len, "option --addr: '%s' is not "
				LD_ADDR_FORM, arg);
	a->prefix_len = (uint8_t)plen;
	mask = UINT32_MAX << (32 - plen);
	last = a->addr + (a->count - 1u);
	if (last < a->addr || (last & mask) != (a->addr & mask))
		return ld_fail(err, len, "option --addr: '%s': %u addresses "
				"from %s do not fit in /%lu", arg, a->count, buf,
				plen);
	if (a->count > 1 && plen < 31 && (a->addr == (a->addr & mask) ||
			last == (a->addr | ~mask)))
		return ld_fail(err, len, "option --addr: '%s': the range holds "
				"the subnet's network or broadcast address", arg);
	return ld_ranges_check(a, mask, arg, err, len);
}

int ld_url_parse(struct ld_conf *c, const char *url, char *err, size_t len)
{
	const char *host, *hend, *path;
	char hbuf[256], why[96];
	size_t hlen;
	uint64_t port = 80;

	if (strncasecmp(url, "wss://", 6) == 0)
		return ld_fail(err, len, "option --url: '%s': wss:// needs TLS, "
				"which wsgw-load does not speak; use ws://", url);
	if (strncasecmp(url, "ws://", 5) != 0)
		return ld_fail(err, len, "option --url: '%s' is not "
				"ws://HOST[:PORT][/PATH]", url);
	if (strlen(url) >= sizeof(c->url))
		return ld_fail(err, len, "option --url: at most %zu characters",
				sizeof(c->url) - 1);
	host = url + 5;
	hend = host + strcspn(host, ":/?#");
	hlen = (size_t)(hend - host);
	if (hlen == 0)
		return ld_fail(err, len, "option --url: '%s' has no host", url);
	if (host[0] == '[' || memchr(host, '@', hlen) != NULL ||
			hlen >= sizeof(hbuf))
		return ld_fail(err, len, "option --url: host in '%s' must be an "
				"IPv4 address A.B.C.D or a host name", url);
	memcpy(hbuf, host, hlen);
	hbuf[hlen] = '\0';
	if (ld_ipv4(hbuf, &c->dst) != 0 &&
			ld_resolve(hbuf, &c->dst, why, sizeof(why)) != 0)
		return ld_fail(err, len, "option --url: host '%s': %s (names "
				"are resolved once, at start)", hbuf, why);
	if (c->dst == 0 || c->dst == 0xffffffffu || (c->dst >> 28) == 0xe)
		return ld_fail(err, len, "option --url: %s is not a unicast "
				"address", hbuf);
	path = hend;
	if (*hend == ':') {
		char pbuf[8];
		size_t plen = strcspn(hend + 1, "/?#");

		if (plen == 0 || plen >= sizeof(pbuf))
			return ld_fail(err, len, "option --url: '%s' has a bad "
					"port (1 to 65535)", url);
		memcpy(pbuf, hend + 1, plen);
		pbuf[plen] = '\0';
		if (ld_num_u64("--url", pbuf, 1, 65535, &port, err, len) != 0)
			return ld_fail(err, len, "option --url: port '%s' is not "
					"from 1 to 65535", pbuf);
		path = hend + 1 + plen;
	}
	if (strchr(path, '#') != NULL)
		return ld_fail(err, len, "option --url: '%s' has a fragment "
				"(#...), which a request cannot carry", url);
	for (const char *p = path; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return ld_fail(err, len, "option --url: the path of '%s' "
					"has a space or control character", url);
	c->dport = (uint16_t)port;
	snprintf(c->path, sizeof(c->path), "%s%s", *path == '/' ? "" : "/",
			path);
	memcpy(c->host, host, (size_t)(path - host));
	c->host[path - host] = '\0';
	strcpy(c->url, url);
	return 0;
}

static int ld_size_val(const char *s, const char *end, uint32_t *out)
{
	char buf[16];
	char *e;
	unsigned long v;

	if (end - s <= 0 || end - s >= (long)sizeof(buf) || *s == '-' ||
			*s == '+')
		return -1;
	memcpy(buf, s, (size_t)(end - s));
	buf[end - s] = '\0';
	errno = 0;
	v = strtoul(buf, &e, 10);
	if (*e != '\0' || errno != 0 || v == 0 || v > LD_SIZE_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* "N:W,N:W,...": sizes with weights. */
static int ld_size_list(struct ld_size_dist *d, const char *spec)
{
	const char *p = spec;
	uint32_t total = 0;

	d->n = 0;
	while (*p != '\0') {
		const char *item_end = p + strcspn(p, ","), *colon;
		uint32_t w = 1;

		if (d->n == LD_SIZE_LIST_MAX)
			return -1;
		colon = memchr(p, ':', (size_t)(item_end - p));
		if (ld_size_val(p, colon != NULL ? colon : item_end,
					&d->vals[d->n]) != 0)
			return -1;
		if (colon != NULL && (ld_size_val(colon + 1, item_end, &w) != 0 ||
					w > 1000000))
			return -1;
		total += w;
		d->cum[d->n++] = total;
		p = *item_end == ',' ? item_end + 1 : item_end;
		if (*item_end == ',' && *p == '\0')
			return -1;
	}
	if (d->n == 0)
		return -1;
	d->kind = LD_SIZE_LIST;
	d->lo = d->hi = d->vals[0];
	for (unsigned int i = 1; i < d->n; i++) {
		d->lo = d->vals[i] < d->lo ? d->vals[i] : d->lo;
		d->hi = d->vals[i] > d->hi ? d->vals[i] : d->hi;
	}
	return 0;
}

int ld_size_parse(struct ld_size_dist *d, const char *spec, char *err,
		size_t len)
{
	const char *dash = strchr(spec, '-');
	struct ld_size_dist n = { 0 };
	int rc;

	if (strpbrk(spec, ":,") != NULL) {
		rc = ld_size_list(&n, spec);
	} else if (dash != NULL) {
		n.kind = LD_SIZE_UNIFORM;
		rc = ld_size_val(spec, dash, &n.lo) != 0 ||
			ld_size_val(dash + 1, spec + strlen(spec), &n.hi) != 0 ||
			n.lo > n.hi ? -1 : 0;
	} else {
		n.kind = LD_SIZE_FIXED;
		rc = ld_size_val(spec, spec + strlen(spec), &n.lo);
		n.hi = n.lo;
	}
	if (rc != 0)
		return ld_fail(err, len, "option --size: '%s' is not N, LO-HI or "
				"N:WEIGHT,N:WEIGHT,... (sizes 1 to %u bytes, at "
				"most %d in a list)", spec, LD_SIZE_MAX,
				LD_SIZE_LIST_MAX);
	*d = n;
	return 0;
}

void ld_size_text(const struct ld_size_dist *d, char *buf, size_t len)
{
	size_t off = 0;
	uint32_t prev = 0;

	if (d->kind == LD_SIZE_FIXED) {
		snprintf(buf, len, "%u", d->lo);
		return;
	}
	if (d->kind == LD_SIZE_UNIFORM) {
		snprintf(buf, len, "%u-%u", d->lo, d->hi);
		return;
	}
	buf[0] = '\0';
	for (unsigned int i = 0; i < d->n && off < len; i++) {
		int n = snprintf(buf + off, len - off, "%s%u:%u", i ? "," : "",
				d->vals[i], d->cum[i] - prev);

		prev = d->cum[i];
		if (n < 0)
			return;
		off += (size_t)n;
	}
}

uint32_t ld_size_min(const struct ld_size_dist *d)
{
	return d->lo;
}

static int ld_scenario_parse(struct ld_conf *c, const char *arg, char *err,
		size_t len)
{
	for (unsigned int i = 0; i < LD_SC__COUNT; i++)
		if (strcmp(arg, ld_scenario_names[i]) == 0) {
			c->scenario = (uint8_t)i;
			return 0;
		}
	return ld_fail(err, len, "option --scenario: unknown scenario '%s'; "
			"valid: echo, pubsub, connect, idle", arg);
}

static int ld_path_opt(const char *opt, const char *arg, char *dst,
		size_t cap, char *err, size_t len)
{
	if (arg[0] != '/')
		return ld_fail(err, len, "option %s: '%s' does not start with "
				"'/'", opt, arg);
	for (const char *p = arg; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '#')
			return ld_fail(err, len, "option %s: '%s' has a space, "
					"control character or '#'", opt, arg);
	return ld_str(opt, arg, dst, cap, err, len);
}

static const char ld_usage[] =
"Usage: wsgw-load [EAL options] -- [options] ws://HOST[:PORT][/PATH]\n"
"\n"
"A WebSocket load generator on wsgw's dataplane (docs/load.md).\n"
"\n"
"EAL options (before --), e.g.:\n"
"  -l 0,1                      one worker per lcore\n"
"  --vdev net_memif0,role=client   or net_af_packet0,iface=veth0\n"
"\n"
"Target and sources:\n"
"  --url URL                   the target (or give it as the last word)\n"
"  --origin ORIGIN             send this Origin header\n"
"  --protocol LIST             offer these subprotocols\n"
"  --addr IP/PREFIX[,gw=IP][,count=N][,range=A[-B]]...\n"
"                              our address on the next port (repeat per\n"
"                              port; connections spread over them);\n"
"                              count=N: IP and the N-1 after it, used in\n"
"                              turn, each with its own ephemeral ports;\n"
"                              range=A-B (up to 7): more such addresses,\n"
"                              on the link, after those of count=N;\n"
"                              default " LD_DEFAULT_ADDR_TEXT "\n"
"  --gw IP                     default gateway of the first port\n"
"\n"
"Connections:\n"
"  -c, --conns N               connections at once (default 1)\n"
"  --conn-rate R               new connections per second (default: as\n"
"                              fast as --max-opening lets them)\n"
"  --ramp-up S                 the connection rate rises from 0 to R over\n"
"                              S seconds; without --conn-rate, the N\n"
"                              connections are spread over S seconds\n"
"  --max-opening N             in TCP or WebSocket handshake at once, per\n"
"                              worker (default 1024)\n"
"  --connect-timeout MS        bound of opening (TCP and WebSocket\n"
"                              handshakes) and of closing (default 5000)\n"
"\n"
"Scenario and load:\n"
"  -s, --scenario NAME         echo (default), pubsub, connect, idle\n"
"  --inflight K                messages in flight per connection (closed\n"
"                              loop, default 1; in open loop a cap, none\n"
"                              by default)\n"
"  --rate R                    open loop: R messages per second in all\n"
"  --size SPEC                 N, LO-HI (uniform) or N:W,N:W,... (default 64)\n"
"  --text | --binary           frame type (default binary)\n"
"  -d, --duration S            run for S seconds (default 10 unless --count)\n"
"  -n, --count N               messages in all (connect: connections)\n"
"  --drain MS                  wait for answers after the last send (2000)\n"
"  --settle MS                 pause between the ramp and the first message\n"
"                              (default 0; pubsub 200)\n"
"  --ping-interval MS          idle: ping each connection every MS (1000)\n"
"  --publishers P              pubsub: the first P connections publish\n"
"                              (default 1), the others subscribe\n"
"  --pub-path PATH             pubsub: publishers' path (default the URL's)\n"
"  --sub-path PATH             pubsub: subscribers' path (default the URL's)\n"
"  --raw                       no handshake: a plain TCP echo server sends\n"
"                              our masked frames back as they were\n"
"\n"
"Outcome:\n"
"  --max-errors N              exit 1 when errors exceed N (default 0)\n"
"  --json FILE                 write the report as JSON\n"
"  --plot FILE.png             plot throughput and latency over time\n"
"  -q, --quiet                 no live line\n"
"\n"
"Dataplane:\n"
"  --stats-sock PATH           statistics socket (default /run/wsgw/load.sock)\n"
"  --mbufs N                   mbufs per NUMA socket (default: sized)\n"
"  --time-wait MS              our TIME-WAIT (default 0: ports reused at once)\n"
"  --time-wait-reuse MS        a port in TIME-WAIT this long, with timestamps,\n"
"                              may be reused (default 1000; 0: never)\n"
"  --src-ports LO-HI           source ports of our connections, per source\n"
"                              address (default 32768-60999)\n"
"  --seed N                    seed of masks and handshake keys (default 1)\n"
"  --help, --version\n";

enum ld_opt {
	LD_OPT_URL = 256, LD_OPT_ORIGIN, LD_OPT_PROTOCOL, LD_OPT_ADDR, LD_OPT_GW,
	LD_OPT_CONN_RATE, LD_OPT_RAMP, LD_OPT_MAX_OPENING, LD_OPT_CONNECT_TIMEOUT,
	LD_OPT_INFLIGHT, LD_OPT_RATE, LD_OPT_SIZE, LD_OPT_TEXT, LD_OPT_BINARY,
	LD_OPT_DRAIN, LD_OPT_SETTLE, LD_OPT_PING, LD_OPT_PUBLISHERS,
	LD_OPT_PUB_PATH, LD_OPT_SUB_PATH, LD_OPT_RAW, LD_OPT_MAX_ERRORS,
	LD_OPT_JSON, LD_OPT_PLOT, LD_OPT_STATS_SOCK, LD_OPT_MBUFS,
	LD_OPT_TIME_WAIT, LD_OPT_TIME_WAIT_REUSE, LD_OPT_SRC_PORTS, LD_OPT_SEED, LD_OPT_HELP, LD_OPT_VERSION,
};

static const struct option ld_options[] = {
	{ "url", required_argument, NULL, LD_OPT_URL },
	{ "origin", required_argument, NULL, LD_OPT_ORIGIN },
	{ "protocol", required_argument, NULL, LD_OPT_PROTOCOL },
	{ "addr", required_argument, NULL, LD_OPT_ADDR },
	{ "gw", required_argument, NULL, LD_OPT_GW },
	{ "conns", required_argument, NULL, 'c' },
	{ "conn-rate", required_argument, NULL, LD_OPT_CONN_RATE },
	{ "ramp-up", required_argument, NULL, LD_OPT_RAMP },
	{ "max-opening", required_argument, NULL, LD_OPT_MAX_OPENING },
	{ "connect-timeout", required_argument, NULL, LD_OPT_CONNECT_TIMEOUT },
	{ "scenario", required_argument, NULL, 's' },
	{ "inflight", required_argument, NULL, LD_OPT_INFLIGHT },
	{ "rate", required_argument, NULL, LD_OPT_RATE },
	{ "size", required_argument, NULL, LD_OPT_SIZE },
	{ "text", no_argument, NULL, LD_OPT_TEXT },
	{ "binary", no_argument, NULL, LD_OPT_BINARY },
	{ "duration", required_argument, NULL, 'd' },
	{ "count", required_argument, NULL, 'n' },
	{ "drain", required_argument, NULL, LD_OPT_DRAIN },
	{ "settle", required_argument, NULL, LD_OPT_SETTLE },
	{ "ping-interval", required_argument, NULL, LD_OPT_PING },
	{ "publishers", required_argument, NULL, LD_OPT_PUBLISHERS },
	{ "pub-path", required_argument, NULL, LD_OPT_PUB_PATH },
	{ "sub-path", required_argument, NULL, LD_OPT_SUB_PATH },
	{ "raw", no_argument, NULL, LD_OPT_RAW },
	{ "max-errors", required_argument, NULL, LD_OPT_MAX_ERRORS },
	{ "json", required_argument, NULL, LD_OPT_JSON },
	{ "plot", required_argument, NULL, LD_OPT_PLOT },
	{ "quiet", no_argument, NULL, 'q' },
	{ "stats-sock", required_argument, NULL, LD_OPT_STATS_SOCK },
	{ "mbufs", required_argument, NULL, LD_OPT_MBUFS },
	{ "time-wait", required_argument, NULL, LD_OPT_TIME_WAIT },
	{ "time-wait-reuse", required_argument, NULL, LD_OPT_TIME_WAIT_REUSE },
	{ "src-ports", required_argument, NULL, LD_OPT_SRC_PORTS },
	{ "seed", required_argument, NULL, LD_OPT_SEED },
	{ "help", no_argument, NULL, LD_OPT_HELP },
	{ "version", no_argument, NULL, LD_OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* What the parser saw, for the checks that need several options. */
struct ld_seen {
	uint8_t inflight;
	uint8_t settle;
	uint8_t rate;
	uint8_t url;
};

static int ld_opt_target(struct ld_conf *c, int opt, const char *arg,
		struct ld_seen *seen, char *err, size_t len)
{
	switch (opt) {
	case LD_OPT_URL:
		seen->url = 1;
		return ld_url_parse(c, arg, err, len);
	case LD_OPT_ORIGIN:
		return ld_str("--origin", arg, c->origin, sizeof(c->origin), err,
				len);
	case LD_OPT_PROTOCOL:
		return ld_str("--protocol", arg, c->protocols,
				sizeof(c->protocols), err, len);
	case LD_OPT_ADDR:
		if (c->n_addrs == LD_MAX_ADDRS)
			return ld_fail(err, len, "option --addr: at most %d ports",
					LD_MAX_ADDRS);
		return ld_addr_parse(&c->addrs[c->n_addrs++], arg, err, len);
	case LD_OPT_GW:
		if (ld_ipv4(arg, &c->addrs[0].gateway) != 0)
			return ld_fail(err, len, "option --gw: '%s' is not an IPv4 "
					"address", arg);
		return 0;
	}
	return 1;
}

static int ld_opt_conns(struct ld_conf *c, int opt, const char *arg,
		char *err, size_t len)
{
	switch (opt) {
	case 'c':
		return ld_num_u32("--conns", arg, 1, LD_MAX_CONNS, &c->conns, err,
				len);
	case LD_OPT_CONN_RATE:
		return ld_num_dbl("--conn-rate", arg, 0.001, 1e9, &c->conn_rate,
				err, len);
	case LD_OPT_RAMP:
		return ld_num_dbl("--ramp-up", arg, 0, 86400, &c->ramp_s, err, len);
	case LD_OPT_MAX_OPENING:
		return ld_num_u32("--max-opening", arg, 1, 1u << 20,
				&c->max_opening, err, len);
	case LD_OPT_CONNECT_TIMEOUT:
		return ld_num_u32("--connect-timeout", arg, 1, 3600000,
				&c->connect_timeout_ms, err, len);
	}
	return 1;
}

static int ld_opt_load(struct ld_conf *c, int opt, const char *arg,
		struct ld_seen *seen, char *err, size_t len)
{
	switch (opt) {
	case 's':
		return ld_scenario_parse(c, arg, err, len);
	case LD_OPT_INFLIGHT:
		seen->inflight = 1;
		return ld_num_u32("--inflight", arg, 1, 1u << 20, &c->inflight,
				err, len);
	case LD_OPT_RATE:
		seen->rate = 1;
		return ld_num_dbl("--rate", arg, 0.001, 1e10, &c->rate, err, len);
	case LD_OPT_SIZE:
		return ld_size_parse(&c->size, arg, err, len);
	case LD_OPT_TEXT:
		c->binary = 0;
		return 0;
	case LD_OPT_BINARY:
		c->binary = 1;
		return 0;
	case 'd':
		return ld_num_dbl("--duration", arg, 0.001, 31 * 86400.0,
				&c->duration_s, err, len);
	case 'n':
		return ld_num_u64("--count", arg, 1, UINT64_MAX / 2, &c->count,
				err, len);
	case LD_OPT_DRAIN:
		return ld_num_u32("--drain", arg, 0, 3600000, &c->drain_ms, err,
				len);
	case LD_OPT_SETTLE:
		seen->settle = 1;
		return ld_num_u32("--settle", arg, 0, 3600000, &c->settle_ms, err,
				len);
	case LD_OPT_PING:
		return ld_num_u32("--ping-interval", arg, 1, 3600000, &c->ping_ms,
				err, len);
	case LD_OPT_PUBLISHERS:
		return ld_num_u32("--publishers", arg, 1, LD_MAX_CONNS,
				&c->publishers, err, len);
	case LD_OPT_PUB_PATH:
		return ld_path_opt("--pub-path", arg, c->pub_path,
				sizeof(c->pub_path), err, len);
	case LD_OPT_SUB_PATH:
		return ld_path_opt("--sub-path", arg, c->sub_path,
				sizeof(c->sub_path), err, len);
	case LD_OPT_RAW:
		c->raw = 1;
		return 0;
	}
	return 1;
}

static int ld_opt_out(struct ld_conf *c, int opt, const char *arg,
		char *err, size_t len)
{
	switch (opt) {
	case LD_OPT_MAX_ERRORS:
		return ld_num_u64("--max-errors", arg, 0, UINT64_MAX / 2,
				&c->max_errors, err, len);
	case LD_OPT_JSON:
		return ld_str("--json", arg, c->json_path, sizeof(c->json_path),
				err, len);
	case LD_OPT_PLOT:
		return ld_str("--plot", arg, c->plot_path, sizeof(c->plot_path),
				err, len);
	case 'q':
		c->quiet = 1;
		return 0;
	case LD_OPT_STATS_SOCK:
		if (arg[0] == '\0')
			return ld_fail(err, len, "option --stats-sock: empty path");
		return ld_str("--stats-sock", arg, c->stats_sock,
				sizeof(c->stats_sock), err, len);
	case LD_OPT_MBUFS:
		return ld_num_u32("--mbufs", arg, 1024, 1u << 30, &c->mbufs, err,
				len);
	case LD_OPT_SRC_PORTS:
		return ld_ports_parse(c, arg, err, len);
	case LD_OPT_TIME_WAIT:
		return ld_num_u32("--time-wait", arg, 0, 600000, &c->time_wait_ms,
				err, len);
	case LD_OPT_TIME_WAIT_REUSE:
		return ld_num_u32("--time-wait-reuse", arg, 0, 600000,
				&c->time_wait_reuse_ms, err, len);
	case LD_OPT_SEED:
		return ld_num_u32("--seed", arg, 0, UINT32_MAX, &c->seed, err, len);
	}
	return 1;
}

static uint32_t ld_netmask(uint8_t prefix_len)
{
	return prefix_len == 0 ? 0 : 0xffffffffu << (32 - prefix_len);
}

/* The target must be on a port's subnet or behind its gateway. */
static int ld_check_route(const struct ld_conf *c, char *err, size_t len)
{
	char dst[16], a[16];

	ld_ip_text(c->dst, dst, sizeof(dst));
	for (unsigned int i = 0; i < c->n_addrs; i++) {
		const struct ld_addr *p = &c->addrs[i];
		uint32_t m = ld_netmask(p->prefix_len);

		int ours = c->dst - p->addr < p->count;

		for (uint8_t k = 0; k < p->n_more; k++)
			ours |= c->dst - p->more[k].lo < p->more[k].n;
		if (ours)
			return ld_fail(err, len, "option --url: %s is our own "
					"address (--addr)", dst);
		if ((p->addr & m) == (c->dst & m) || p->gateway != 0)
			return 0;
	}
	ld_ip_text(c->addrs[0].addr, a, sizeof(a));
	return ld_fail(err, len, "option --url: %s is not on the subnet of any "
			"--addr (%s/%u) and no gateway is set (--gw, or "
			"--addr ...,gw=IP)", dst, a, c->addrs[0].prefix_len);
}

static int ld_check_scenario(struct ld_conf *c, const struct ld_seen *seen,
		char *err, size_t len)
{
	uint32_t hdr = ld_msg_hdr_size(!c->binary);

	if ((c->scenario == LD_SC_ECHO || c->scenario == LD_SC_PUBSUB) &&
			ld_size_min(&c->size) < hdr)
		return ld_fail(err, len, "option --size: messages must hold the "
				"%u-byte header of a %s message (sequence number "
				"and timestamps)", hdr, c->binary ? "binary" : "text");
	if (c->raw && c->scenario != LD_SC_ECHO)
		return ld_fail(err, len, "option --raw: only with --scenario echo");
	if (c->scenario == LD_SC_PUBSUB) {
		if (c->publishers >= c->conns)
			return ld_fail(err, len, "option --publishers: %u leaves no "
					"subscriber among --conns %u", c->publishers,
					c->conns);
		if (!seen->rate)
			c->rate = 1000;
		if (!seen->settle)
			c->settle_ms = 200;
	}
	/* The open loop sends on schedule; --inflight only caps it if given. */
	if (c->rate > 0 && !seen->inflight)
		c->inflight = UINT32_MAX;
	if (c->pub_path[0] == '\0')
		strcpy(c->pub_path, c->path);
	if (c->sub_path[0] == '\0')
		strcpy(c->sub_path, c->path);
	return 0;
}

static int ld_conf_check(struct ld_conf *c, const struct ld_seen *seen,
		char *err, size_t len)
{
	int rc;

	if (!seen->url)
		return ld_fail(err, len, "no target: give ws://HOST:PORT/PATH "
				"(or --url); see --help");
	if (c->n_addrs == 0) {
		ld_addr_parse(&c->addrs[0], LD_DEFAULT_ADDR_TEXT, err, len);
		c->n_addrs = 1;
	}
	rc = ld_check_route(c, err, len);
	if (rc == 0)
		rc = ld_check_scenario(c, seen, err, len);
	if (rc != 0)
		return rc;
	if (c->duration_s == 0 && c->count == 0)
		c->duration_s = 10;
	return 0;
}

int ld_conf_parse(struct ld_conf *c, int argc, char **argv, FILE *out,
		char *err, size_t len)
{
	struct ld_seen seen = { 0 };
	int opt, rc;

	opterr = 0;
	optind = 0;
	while ((opt = getopt_long(argc, argv, ":c:s:d:n:q", ld_options,
					NULL)) != -1) {
		if (opt == LD_OPT_HELP) {
			fputs(ld_usage, out);
			return -LD_ERR_HELP;
		}
		if (opt == LD_OPT_VERSION) {
			fprintf(out, "wsgw-load %s\n", WSGW_VERSION);
			return -LD_ERR_HELP;
		}
		if (opt == ':')
			return ld_fail(err, len, "option %s needs a value; see "
					"--help", argv[optind - 1]);
		if (opt == '?')
			return ld_fail(err, len, "unknown option '%s'; see --help "
					"for the valid ones", argv[optind - 1]);
		rc = ld_opt_target(c, opt, optarg, &seen, err, len);
		if (rc == 1)
			rc = ld_opt_conns(c, opt, optarg, err, len);
		if (rc == 1)
			rc = ld_opt_load(c, opt, optarg, &seen, err, len);
		if (rc == 1)
			rc = ld_opt_out(c, opt, optarg, err, len);
		if (rc != 0)
			return rc < 0 ? rc : -LD_ERR_USAGE;
	}
	if (optind < argc) {
		if (optind + 1 < argc || seen.url)
			return ld_fail(err, len, "unexpected argument '%s'; give "
					"one target URL", argv[seen.url ? optind :
					optind + 1]);
		seen.url = 1;
		rc = ld_url_parse(c, argv[optind], err, len);
		if (rc != 0)
			return rc;
	}
	return ld_conf_check(c, &seen, err, len);
}
