/**
 * @file
 * Unit tests of wsgw-load's options: the target URL, sizes and their
 * distributions, every option read back, and the errors, each of which
 * must name its option.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ld.h"

static char err[512];
static struct ld_conf conf;

/* Parse a NULL-terminated list of words as wsgw-load's options. */
static int parse_v(const char *first, va_list ap)
{
	char *argv[64];
	int argc = 0;
	FILE *out = fopen("/dev/null", "w");
	int rc;

	argv[argc++] = "wsgw-load";
	for (const char *a = first; a != NULL; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	argv[argc] = NULL;
	ld_conf_defaults(&conf);
	err[0] = '\0';
	rc = ld_conf_parse(&conf, argc, argv, out, err, sizeof(err));
	fclose(out);
	return rc;
}

static int parse(const char *first, ...)
{
	va_list ap;
	int rc;

	va_start(ap, first);
	rc = parse_v(first, ap);
	va_end(ap);
	return rc;
}

/* The words fail, with a message that holds @p needle. */
static void expect_error(const char *needle, const char *first, ...)
{
	va_list ap;
	int rc;

	va_start(ap, first);
	rc = parse_v(first, ap);
	va_end(ap);
	if (rc != -LD_ERR_USAGE || strstr(err, needle) == NULL)
		fail_msg("rc %d, message '%s', wanted '%s'", rc, err, needle);
}

static void test_url(void **state)
{
	static const struct {
		const char *url, *host, *path;
		uint32_t dst;
		uint16_t port;
	} good[] = {
		{ "ws://198.18.0.2", "198.18.0.2", "/", 0xc6120002, 80 },
		{ "ws://198.18.0.2:8080/echo", "198.18.0.2:8080", "/echo",
			0xc6120002, 8080 },
		{ "WS://198.18.0.9:1/a/b?x=1&y", "198.18.0.9:1", "/a/b?x=1&y",
			0xc6120009, 1 },
		{ "ws://198.18.0.2?q", "198.18.0.2", "/?q", 0xc6120002, 80 },
		{ "ws://198.18.0.2:65535/", "198.18.0.2:65535", "/", 0xc6120002,
			65535 },
		/* A name, through /etc/hosts: the Host header keeps it. */
		{ "ws://localhost:8080/x", "localhost:8080", "/x", 0x7f000001,
			8080 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ld_conf_defaults(&conf);
		assert_int_equal(ld_url_parse(&conf, good[i].url, err,
					sizeof(err)), 0);
		assert_string_equal(conf.host, good[i].host);
		assert_string_equal(conf.path, good[i].path);
		assert_int_equal(conf.dst, good[i].dst);
		assert_int_equal(conf.dport, good[i].port);
	}
}

static void test_url_errors(void **state)
{
	static const struct {
		const char *url, *why;
	} bad[] = {
		{ "http://198.18.0.2/", "is not ws://" },
		{ "198.18.0.2", "is not ws://" },
		{ "wss://198.18.0.2/", "needs TLS" },
		{ "ws://", "no host" },
		{ "ws:///path", "no host" },
		{ "ws://bad_name.example/", "not an IPv4 address or a host name" },
		{ "ws://198.18.0/", "not an IPv4 address A.B.C.D" },
		{ "ws://[::1]:80/", "IPv4" },
		{ "ws://user@198.18.0.2/", "IPv4" },
		{ "ws://198.18.0.2:0/", "port" },
		{ "ws://198.18.0.2:65536/", "port" },
		{ "ws://198.18.0.2:/", "port" },
		{ "ws://198.18.0.2:80x/", "port" },
		{ "ws://198.18.0.2/a#frag", "fragment" },
		{ "ws://198.18.0.2/a b", "space" },
		{ "ws://224.0.0.1/", "unicast" },
		{ "ws://0.0.0.0/", "unicast" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ld_conf_defaults(&conf);
		err[0] = '\0';
		if (ld_url_parse(&conf, bad[i].url, err, sizeof(err)) !=
				-LD_ERR_USAGE || strstr(err, "--url") == NULL ||
				strstr(err, bad[i].why) == NULL)
			fail_msg("%s: '%s'", bad[i].url, err);
		/* The same through the option parser, as --url and as a word. */
		expect_error("--url", "--url", bad[i].url, NULL);
		expect_error("--url", bad[i].url, NULL);
	}
}

static void test_defaults(void **state)
{
	(void)state;
	assert_int_equal(parse("ws://198.18.0.1:8080/echo", NULL), 0);
	assert_int_equal(conf.conns, 1);
	assert_int_equal(conf.scenario, LD_SC_ECHO);
	assert_int_equal(conf.binary, 1);
	assert_int_equal(conf.inflight, 1);
	assert_true(conf.rate == 0);
	assert_int_equal(conf.size.kind, LD_SIZE_FIXED);
	assert_int_equal(conf.size.lo, 64);
	assert_true(conf.duration_s == 10);
	assert_int_equal(conf.count, 0);
	assert_int_equal(conf.n_addrs, 1);
	assert_int_equal(conf.addrs[0].addr, 0xc6120002);
	assert_int_equal(conf.addrs[0].prefix_len, 24);
	assert_int_equal(conf.max_errors, 0);
	assert_string_equal(conf.pub_path, "/echo");
	assert_string_equal(conf.sub_path, "/echo");
	assert_int_equal(conf.time_wait_ms, 0);
	assert_int_equal(conf.time_wait_reuse_ms, 1000);
}

static void test_every_option(void **state)
{
	(void)state;
	assert_int_equal(parse("--url", "ws://10.1.2.3:9000/x?y", "--origin",
				"http://o", "--protocol", "a, b", "--addr",
				"198.18.0.5/16,gw=198.18.0.1", "--addr", "10.9.0.1/8",
				"-c", "1000", "--conn-rate", "500.5", "--ramp-up", "2",
				"--max-opening", "64", "--connect-timeout", "1500",
				"-s", "pubsub", "--inflight", "4", "--rate", "2000",
				"--size", "64:3,1024:1", "--text", "-d", "2.5", "-n",
				"12345", "--drain", "700", "--settle", "50",
				"--ping-interval", "250", "--publishers", "10",
				"--pub-path", "/md/p", "--sub-path", "/md/s",
				"--max-errors", "7", "--json", "/tmp/r.json",
				"--plot", "/tmp/r.png", "-q", "--stats-sock",
				"/tmp/l.sock", "--mbufs", "65536", "--time-wait",
				"100", "--time-wait-reuse", "0", "--seed", "42",
				NULL), 0);
	assert_int_equal(conf.dst, 0x0a010203);
	assert_int_equal(conf.dport, 9000);
	assert_string_equal(conf.path, "/x?y");
	assert_string_equal(conf.origin, "http://o");
	assert_string_equal(conf.protocols, "a, b");
	assert_int_equal(conf.n_addrs, 2);
	assert_int_equal(conf.addrs[0].gateway, 0xc6120001);
	assert_int_equal(conf.addrs[0].count, 1);
	assert_int_equal(conf.addrs[1].addr, 0x0a090001);
	assert_int_equal(conf.conns, 1000);
	assert_true(conf.conn_rate == 500.5);
	assert_true(conf.ramp_s == 2);
	assert_int_equal(conf.max_opening, 64);
	assert_int_equal(conf.connect_timeout_ms, 1500);
	assert_int_equal(conf.scenario, LD_SC_PUBSUB);
	assert_int_equal(conf.inflight, 4);
	assert_true(conf.rate == 2000);
	assert_int_equal(conf.size.kind, LD_SIZE_LIST);
	assert_int_equal(conf.binary, 0);
	assert_true(conf.duration_s == 2.5);
	assert_int_equal(conf.count, 12345);
	assert_int_equal(conf.drain_ms, 700);
	assert_int_equal(conf.settle_ms, 50);
	assert_int_equal(conf.ping_ms, 250);
	assert_int_equal(conf.publishers, 10);
	assert_string_equal(conf.pub_path, "/md/p");
	assert_string_equal(conf.sub_path, "/md/s");
	assert_int_equal(conf.max_errors, 7);
	assert_string_equal(conf.json_path, "/tmp/r.json");
	assert_string_equal(conf.plot_path, "/tmp/r.png");
	assert_int_equal(conf.quiet, 1);
	assert_string_equal(conf.stats_sock, "/tmp/l.sock");
	assert_int_equal(conf.mbufs, 65536);
	assert_int_equal(conf.time_wait_ms, 100);
	assert_int_equal(conf.time_wait_reuse_ms, 0);
	assert_int_equal(conf.seed, 42);
	/* Scenario defaults: pubsub settles and has a rate of its own. */
	assert_int_equal(parse("-s", "pubsub", "-c", "3",
				"ws://198.18.0.1/md/x", NULL), 0);
	assert_true(conf.rate == 1000);
	assert_int_equal(conf.settle_ms, 200);
	assert_int_equal(parse("-s", "connect", "-n", "10", "--size", "1",
				"ws://198.18.0.1/", NULL), 0);
	assert_true(conf.duration_s == 0);
	assert_int_equal(parse("-s", "echo", "--raw", "--binary",
				"ws://198.18.0.1:7/", NULL), 0);
	assert_int_equal(conf.raw, 1);
}

/* count=N takes N addresses from IP on, with or without a gateway. */
static void test_addr_count(void **state)
{
	(void)state;
	assert_int_equal(parse("--addr", "198.18.0.10/24,count=6,gw=198.18.0.1",
			"ws://198.18.0.1/", NULL), 0);
	assert_int_equal(conf.addrs[0].addr, 0xc612000a);
	assert_int_equal(conf.addrs[0].count, 6);
	assert_int_equal(conf.addrs[0].gateway, 0xc6120001);
	assert_int_equal(parse("--addr", "198.18.0.249/24,count=6",
			"ws://198.18.0.1/", NULL), 0);
	assert_int_equal(conf.addrs[0].count, 6);
	assert_int_equal(parse("--src-ports", "40000-40001", "ws://198.18.0.1/",
			NULL), 0);
	assert_int_equal(conf.port_lo, 40000);
	assert_int_equal(conf.port_hi, 40001);
}

/* range=A[-B] adds runs to count=N's: several, single addresses too. */
static void test_addr_ranges(void **state)
{
	const char *u = "ws://198.18.0.1/", *u10 = "ws://10.9.9.9/";

	(void)state;
	assert_int_equal(parse("--addr", "198.18.0.10/16,count=2,"
			"range=198.18.4.1-198.18.4.200,range=198.18.9.7,gw=198.18.0.1",
			u, NULL), 0);
	assert_int_equal(conf.addrs[0].count, 2);
	assert_int_equal(conf.addrs[0].n_more, 2);
	assert_int_equal(conf.addrs[0].more[0].lo, 0xc6120401);
	assert_int_equal(conf.addrs[0].more[0].n, 200);
	assert_int_equal(conf.addrs[0].more[1].lo, 0xc6120907);
	assert_int_equal(conf.addrs[0].more[1].n, 1);
	assert_int_equal(conf.addrs[0].gateway, 0xc6120001);
	/* A plain --addr after a ranged one starts with none. */
	assert_int_equal(parse("--addr", "198.18.0.10/24,range=198.18.0.20",
			"--addr", "10.0.0.2/8", u, NULL), 0);
	assert_int_equal(conf.addrs[0].n_more, 1);
	assert_int_equal(conf.addrs[1].n_more, 0);
	/* Seven at most, each a run upwards, on the link, apart. */
	assert_int_equal(parse("--addr", "10.0.0.1/8,range=10.0.1.1,"
			"range=10.0.2.1,range=10.0.3.1,range=10.0.4.1,"
			"range=10.0.5.1,range=10.0.6.1,range=10.0.7.1", u10, NULL), 0);
	assert_int_equal(conf.addrs[0].n_more, 7);
	expect_error("at most 7 range=", "--addr", "10.0.0.1/8,range=10.0.1.1,"
			"range=10.0.2.1,range=10.0.3.1,range=10.0.4.1,"
			"range=10.0.5.1,range=10.0.6.1,range=10.0.7.1,"
			"range=10.0.8.1", u10, NULL);
	expect_error("is not range=IP or range=IP-IP", "--addr",
			"198.18.0.10/24,range=198.18.0.x", u, NULL);
	expect_error("is not range=IP or range=IP-IP", "--addr",
			"198.18.0.10/24,range=198.18.0.20-", u, NULL);
	expect_error("runs upwards", "--addr",
			"198.18.0.10/24,range=198.18.0.30-198.18.0.20", u, NULL);
	expect_error("not on the link", "--addr",
			"198.18.0.10/24,range=198.18.1.5", u, NULL);
	expect_error("not on the link", "--addr",
			"198.18.0.10/24,range=198.18.0.250-198.18.1.3", u, NULL);
	expect_error("network or broadcast", "--addr",
			"198.18.0.10/24,range=198.18.0.250-198.18.0.255", u, NULL);
	expect_error("network or broadcast", "--addr",
			"198.18.0.10/24,range=198.18.0.0", u, NULL);
	expect_error("meets the addresses of IP", "--addr",
			"198.18.0.10/24,count=5,range=198.18.0.14-198.18.0.20", u,
			NULL);
	/* Runs that end at 255.255.255.255 (a /31) still meet. */
	expect_error("meets the addresses of IP", "--addr",
			"255.255.255.254/31,count=2,range=255.255.255.255,"
			"gw=255.255.255.254", u, NULL);
	assert_int_equal(parse("--addr", "255.255.255.254/31,"
			"range=255.255.255.255,gw=255.255.255.254", u, NULL), 0);
	expect_error("meets an earlier range", "--addr",
			"198.18.0.10/24,range=198.18.0.30-198.18.0.40,"
			"range=198.18.0.20-198.18.0.30", u, NULL);
	expect_error("more than 4096", "--addr",
			"10.0.0.1/8,count=4000,range=10.1.0.1-10.1.0.97", u10, NULL);
	assert_int_equal(parse("--addr",
			"10.0.0.1/8,count=4000,range=10.1.0.1-10.1.0.96", u10, NULL),
			0);
	expect_error("our own address", "--addr",
			"198.18.0.10/24,range=198.18.0.20-198.18.0.30",
			"ws://198.18.0.25/", NULL);
}

static void test_option_errors(void **state)
{
	const char *u = "ws://198.18.0.1:8080/echo";

	(void)state;
	expect_error("--conns", "-c", "0", u, NULL);
	expect_error("--conns", "--conns", "many", u, NULL);
	expect_error("--conns", "--conns", "-5", u, NULL);
	expect_error("--conns", "--conns", "", u, NULL);
	expect_error("--rate", "--rate", "0", u, NULL);
	expect_error("--rate", "--rate", "nan", u, NULL);
	expect_error("--duration", "-d", "0", u, NULL);
	expect_error("--count", "-n", "0", u, NULL);
	expect_error("--inflight", "--inflight", "0", u, NULL);
	expect_error("valid: echo, pubsub, connect, idle", "-s", "flood", u,
			NULL);
	expect_error("--size", "--size", "0", u, NULL);
	expect_error("--size", "--size", "5-3", u, NULL);
	expect_error("--size", "--size", "64:0", u, NULL);
	expect_error("--size", "--size", "64,", u, NULL);
	expect_error("--size", "--size", "99999999999", u, NULL);
	/* Too small for the header: 24 bytes binary, 48 text. */
	expect_error("24-byte header", "--size", "23", u, NULL);
	expect_error("48-byte header", "--size", "40", "--text", u, NULL);
	assert_int_equal(parse("--size", "24", u, NULL), 0);
	expect_error("--addr", "--addr", "198.18.0.2", u, NULL);
	expect_error("--addr", "--addr", "198.18.0.2/33", u, NULL);
	expect_error("gw=IP", "--addr", "198.18.0.2/24,via=1.2.3.4", u, NULL);
	expect_error("count=1..4096", "--addr", "198.18.0.2/24,count=0", u,
			NULL);
	expect_error("count=1..4096", "--addr", "198.18.0.2/16,count=4097", u,
			NULL);
	expect_error("count=1..4096", "--addr", "198.18.0.2/24,count=x", u,
			NULL);
	expect_error("--src-ports", "--src-ports", "0-10", u, NULL);
	expect_error("--src-ports", "--src-ports", "20-10", u, NULL);
	expect_error("--src-ports", "--src-ports", "10-65536", u, NULL);
	expect_error("--src-ports", "--src-ports", "10", u, NULL);
	expect_error("our own address", "--addr", "198.18.0.1/24,count=3",
			"ws://198.18.0.3/", NULL);
	expect_error("broadcast", "--addr", "198.18.0.250/24,count=6", u, NULL);
	expect_error("do not fit in /24", "--addr", "198.18.0.250/24,count=7",
			u, NULL);
	expect_error("--gw", "--gw", "nowhere", u, NULL);
	expect_error("at most 4 ports", "--addr", "1.0.0.1/8", "--addr",
			"2.0.0.1/8", "--addr", "3.0.0.1/8", "--addr", "4.0.0.1/8",
			"--addr", "5.0.0.1/8", u, NULL);
	expect_error("unknown option '--bogus'", "--bogus", u, NULL);
	expect_error("--drain needs a value", u, "--drain", NULL);
	expect_error("no target", "-c", "5", NULL);
	expect_error("unexpected argument 'ws://198.18.0.1/b'", u,
			"ws://198.18.0.1/b", NULL);
	expect_error("unexpected argument", "--url", u, "ws://198.18.0.1/b",
			NULL);
	/* The target must be reachable from some port. */
	expect_error("not on the subnet", "ws://10.0.0.1/", NULL);
	assert_int_equal(parse("--gw", "198.18.0.1", "ws://10.0.0.1/", NULL), 0);
	expect_error("our own address", "ws://198.18.0.2/", NULL);
	expect_error("--publishers", "-s", "pubsub", "-c", "4",
			"--publishers", "4", u, NULL);
	expect_error("--raw", "-s", "pubsub", "-c", "4", "--raw", u, NULL);
	expect_error("--pub-path", "--pub-path", "md", u, NULL);
	expect_error("--stats-sock", "--stats-sock", "", u, NULL);
}

static void test_help(void **state)
{
	static const char *const names[] = { "--url", "--origin", "--protocol",
		"--addr", "--gw", "--conns", "--conn-rate", "--ramp-up",
		"--max-opening", "--connect-timeout", "--scenario", "--inflight",
		"--rate", "--size", "--text", "--binary", "--duration", "--count",
		"--drain", "--settle", "--ping-interval", "--publishers",
		"--pub-path", "--sub-path", "--raw", "--max-errors", "--json",
		"--plot", "--quiet", "--stats-sock", "--mbufs", "--time-wait",
		"--time-wait-reuse", "--seed", "--help", "--version" };
	char text[8192];
	char *argv[] = { "wsgw-load", "--help", NULL };
	FILE *out = fmemopen(text, sizeof(text), "w");

	(void)state;
	assert_non_null(out);
	ld_conf_defaults(&conf);
	assert_int_equal(ld_conf_parse(&conf, 2, argv, out, err, sizeof(err)),
			-LD_ERR_HELP);
	fclose(out);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strstr(text, names[i]) == NULL)
			fail_msg("--help does not mention %s", names[i]);
}

static void test_sizes(void **state)
{
	struct ld_size_dist d;
	char text[64];
	unsigned int hits[2] = { 0 };
	uint32_t lo_seen = UINT32_MAX, hi_seen = 0;

	(void)state;
	assert_int_equal(ld_size_parse(&d, "100", err, sizeof(err)), 0);
	for (uint32_t s = 0; s < 100; s++)
		assert_int_equal(ld_size_of(&d, 3, s), 100);
	assert_int_equal(ld_size_parse(&d, "64-71", err, sizeof(err)), 0);
	for (uint32_t s = 0; s < 10000; s++) {
		uint32_t v = ld_size_of(&d, 5, s);

		assert_true(v >= 64 && v <= 71);
		lo_seen = v < lo_seen ? v : lo_seen;
		hi_seen = v > hi_seen ? v : hi_seen;
		/* Sender and checker draw the same size. */
		assert_int_equal(v, ld_size_of(&d, 5, s));
	}
	assert_int_equal(lo_seen, 64);
	assert_int_equal(hi_seen, 71);
	ld_size_text(&d, text, sizeof(text));
	assert_string_equal(text, "64-71");
	assert_int_equal(ld_size_parse(&d, "64:3,1024", err, sizeof(err)), 0);
	assert_int_equal(ld_size_min(&d), 64);
	for (uint32_t g = 0; g < 40; g++)
		for (uint32_t s = 0; s < 1000; s++)
			hits[ld_size_of(&d, g, s) == 1024]++;
	/* Weights 3:1, so a quarter are 1024 bytes (40,000 draws). */
	assert_true(hits[1] > 9500 && hits[1] < 10500);
	ld_size_text(&d, text, sizeof(text));
	assert_string_equal(text, "64:3,1024:1");
	assert_int_equal(ld_size_parse(&d, text, err, sizeof(err)), 0);
	assert_int_equal(d.cum[1], 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_url_errors),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_option),
		cmocka_unit_test(test_option_errors),
		cmocka_unit_test(test_addr_count),
		cmocka_unit_test(test_addr_ranges),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
