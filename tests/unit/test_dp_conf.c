/**
 * @file
 * Unit tests of wsgw's configuration: the file reader's values and errors
 * (key, line, what was expected), and the command-line options.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dp_conf.h"

static char path[64];
static char err[DP_ERR_MAX];

static const char *write_file(const char *text)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/wsgw-test-conf-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static int load(struct dp_conf *c, const char *text)
{
	int rc;

	dp_conf_defaults(c);
	err[0] = '\0';
	rc = dp_conf_load(c, write_file(text), err, sizeof(err));
	unlink(path);
	return rc;
}

static int args(struct dp_conf *c, FILE *out, ...)
{
	char *argv[16] = { "wsgw" };
	int argc = 1;
	va_list ap;
	char *a;

	va_start(ap, out);
	while ((a = va_arg(ap, char *)) != NULL)
		argv[argc++] = a;
	va_end(ap);
	err[0] = '\0';
	return dp_conf_parse_args(c, argc, argv, out, err, sizeof(err));
}

static void test_defaults(void **state)
{
	struct dp_conf c;

	(void)state;
	dp_conf_defaults(&c);
	assert_int_equal(c.n_ports, 1);
	assert_int_equal(c.ports[0].addr, 0xc6120001);   /* 198.18.0.1 */
	assert_int_equal(c.ports[0].prefix_len, 24);
	assert_int_equal(c.ports[0].gateway, 0);
	assert_string_equal(c.stats_sock, DP_DEFAULT_STATS_SOCK);
	assert_int_equal(c.ts.ip_ttl, 64);
}

static void test_full_file(void **state)
{
	struct dp_conf c;

	(void)state;
	assert_int_equal(load(&c,
		"# a comment\n"
		"ports = ( { addr = \"10.1.2.3/16\"; gateway = \"10.1.0.1\"; },\n"
		"          { addr = \"192.0.2.9/30\"; } );\n"
		"stats_socket = \"/tmp/x.sock\";\n"
		"dataplane = { rx_desc = 512; tx_desc = 256; mbufs = 8191;\n"
		"              drain_us = 50; };\n"
		"arp = { entries = 64; timeout_ms = 5000; retry_ms = 200;\n"
		"        retries = 5; queue_len = 2; };\n"
		"ip = { ttl = 32; };\n"), 0);
	assert_int_equal(c.n_ports, 2);
	assert_int_equal(c.ports[0].addr, 0x0a010203);
	assert_int_equal(c.ports[0].prefix_len, 16);
	assert_int_equal(c.ports[0].gateway, 0x0a010001);
	assert_int_equal(c.ports[1].addr, 0xc0000209);
	assert_int_equal(c.ports[1].prefix_len, 30);
	assert_string_equal(c.stats_sock, "/tmp/x.sock");
	assert_int_equal(c.rx_desc, 512);
	assert_int_equal(c.tx_desc, 256);
	assert_int_equal(c.mbufs, 8191);
	assert_int_equal(c.drain_us, 50);
	assert_int_equal(c.ts.arp_entries, 64);
	assert_int_equal(c.ts.arp_timeout_ms, 5000);
	assert_int_equal(c.ts.arp_retry_ms, 200);
	assert_int_equal(c.ts.arp_retries, 5);
	assert_int_equal(c.ts.arp_queue_len, 2);
	assert_int_equal(c.ts.ip_ttl, 32);
}

static void test_errors_name_key_and_line(void **state)
{
	static const struct {
		const char *text;
		const char *expect[3];
	} cases[] = {
		{ "arp = {\n  entrys = 5;\n};\n",
		  { ":2: key 'arp.entrys': unknown key",
		    "valid keys here: entries, timeout_ms", NULL } },
		{ "\n\narp = { entries = 5; };\n",
		  { ":3: key 'arp.entries'",
		    "expected an integer from 16 to 1048576", NULL } },
		{ "ip = { ttl = \"high\"; };\n",
		  { ":1: key 'ip.ttl'", "expected an integer from 1 to 255",
		    NULL } },
		{ "ip = { ttl = 300; };\n", { "key 'ip.ttl'", NULL, NULL } },
		{ "tcp = { port_lo = 5000; port_hi = 4000; };\n",
		  { "key 'tcp.port_lo' (5000) is above 'tcp.port_hi' (4000)",
		    NULL, NULL } },
		{ "listen_on = 80;\n",
		  { ":1: key 'listen_on': unknown key",
		    "ports, listen, routes, dataplane, arp, ip, tcp, gateway, "
		    "stats_socket", NULL } },
		{ "ports = ( { addr = \"10.0.0.1\"; } );\n",
		  { ":1: key", "addr", "198.18.0.1/24" } },
		{ "ports = ( { addr = \"10.0.0.1/8\"; gw = \"10.0.0.9\"; } );\n",
		  { "unknown key", "addr, gateway", NULL } },
		{ "ports = ( { gateway = \"10.0.0.9\"; } );\n",
		  { "missing 'addr'", NULL, NULL } },
		{ "ports = ();\n", { "key 'ports'", "1 to 4 groups", NULL } },
		{ "arp = 5;\n", { "key 'arp'", "expected a group", NULL } },
		{ "arp = { entries = 64; };\nip = { ttl = ; };\n",
		  { ":2: syntax error", NULL, NULL } },
	};

	(void)state;
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dp_conf c;

		if (load(&c, cases[i].text) != -DP_CONF_ERR_USAGE)
			fail_msg("case %u accepted: %s", i, cases[i].text);
		for (int k = 0; k < 3 && cases[i].expect[k]; k++) {
			if (strstr(err, cases[i].expect[k]) == NULL)
				fail_msg("case %u: '%s' not in '%s'", i,
						cases[i].expect[k], err);
		}
		assert_non_null(strstr(err, "/tmp/wsgw-test-conf-"));
	}
}

static void test_missing_file(void **state)
{
	struct dp_conf c;

	(void)state;
	dp_conf_defaults(&c);
	assert_int_equal(dp_conf_load(&c, "/nonexistent/wsgw.conf", err,
			sizeof(err)), -DP_CONF_ERR_USAGE);
	assert_non_null(strstr(err, "/nonexistent/wsgw.conf"));
	assert_non_null(strstr(err, "cannot read"));
}

static void test_args(void **state)
{
	struct dp_conf c;

	(void)state;
	dp_conf_defaults(&c);
	assert_int_equal(args(&c, stdout, "--addr", "10.9.8.7/8,gw=10.0.0.1",
			"--addr", "172.16.0.1/12", "--stats-sock", "/tmp/s",
			NULL), 0);
	assert_int_equal(c.n_ports, 2);
	assert_int_equal(c.ports[0].addr, 0x0a090807);
	assert_int_equal(c.ports[0].gateway, 0x0a000001);
	assert_int_equal(c.ports[1].addr, 0xac100001);
	assert_string_equal(c.stats_sock, "/tmp/s");

	dp_conf_defaults(&c);
	assert_int_equal(args(&c, stdout, "--gw", "198.18.0.254", NULL), 0);
	assert_int_equal(c.ports[0].gateway, 0xc61200fe);

	dp_conf_defaults(&c);
	assert_int_equal(args(&c, stdout, "--tcp-client",
			"198.18.0.2:7,conns=64,bytes=6400,msg=64,depth=32,"
			"parallel=8", NULL), 0);
	assert_int_equal(c.client.dst, 0xc6120002);
	assert_int_equal(c.client.dport, 7);
	assert_int_equal(c.client.conns, 64);
	assert_int_equal(c.client.bytes, 6400);
	assert_int_equal(c.client.msg, 64);
	assert_int_equal(c.client.depth, 32);
	assert_int_equal(c.client.parallel, 8);
}

static void test_args_override_file(void **state)
{
	struct dp_conf c;
	const char *f = write_file("ports = ( { addr = \"10.0.0.1/24\"; } );\n"
			"ip = { ttl = 9; };\n");

	(void)state;
	dp_conf_defaults(&c);
	/* --addr before --config still wins: the file is read first. */
	assert_int_equal(args(&c, stdout, "--addr", "10.0.0.2/24",
			"--config", f, NULL), 0);
	unlink(path);
	assert_int_equal(c.ports[0].addr, 0x0a000002);
	assert_int_equal(c.ts.ip_ttl, 9);
	assert_string_equal(c.config_file, f);
}

static void test_args_errors(void **state)
{
	static const struct {
		const char *a[3];
		const char *expect;
	} cases[] = {
		{ { "--addr", "10.0.0.1", NULL }, "--addr: '10.0.0.1'" },
		{ { "--addr", "10.0.0.1/24,gateway=1.2.3.4", NULL }, "gw=IP" },
		{ { "--addr", "300.0.0.1/24", NULL }, "is not IP/PREFIX" },
		{ { "--gw", "x", NULL }, "--gw: 'x'" },
		{ { "--bogus", NULL, NULL }, "unknown option '--bogus'" },
		{ { "--addr", NULL, NULL }, "--addr needs a value" },
		{ { "extra", NULL, NULL }, "unexpected argument 'extra'" },
		{ { "--config", "/nonexistent.conf", NULL }, "cannot read" },
		{ { "--tcp-client", "1.2.3.4:7,msg=0", NULL },
		  "msg '0' is not 1 to 1400 bytes" },
		{ { "--tcp-client", "1.2.3.4:7,msg=1401", NULL },
		  "msg '1401' is not 1 to 1400 bytes" },
		{ { "--tcp-client", "1.2.3.4:7,depth=8", NULL },
		  "depth= needs msg=" },
		{ { "--tcp-client", "1.2.3.4:7,msg=64,depth=0", NULL },
		  "is not IP:PORT[,conns=N][,bytes=M][,msg=S[,depth=K]]" },
		{ { "--tcp-client", "1.2.3.4:7,parallel=0", NULL },
		  "[,parallel=P]" },
		{ { "--tcp-client", "1.2.3.4", NULL }, "is not IP:PORT" },
	};

	(void)state;
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dp_conf c;

		dp_conf_defaults(&c);
		assert_int_equal(args(&c, stdout, cases[i].a[0], cases[i].a[1],
				cases[i].a[2]), -DP_CONF_ERR_USAGE);
		if (strstr(err, cases[i].expect) == NULL)
			fail_msg("case %u: '%s' not in '%s'", i, cases[i].expect,
					err);
	}
}

/* --help documents every option; --dump-config reads back identically. */
static void test_help_and_dump(void **state)
{
	static const char *const opts[] = { "--config", "--addr", "--gw",
		"--stats-sock", "--dump-config", "--help", "--version" };
	struct dp_conf c, back;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	(void)state;
	dp_conf_defaults(&c);
	assert_int_equal(args(&c, out, "--help", NULL), -DP_CONF_ERR_HELP);
	fflush(out);
	for (unsigned int i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		assert_non_null(strstr(buf, opts[i]));
	fclose(out);
	free(buf);

	buf = NULL;
	out = open_memstream(&buf, &len);
	dp_conf_defaults(&c);
	assert_int_equal(args(&c, out, "--addr", "10.1.1.1/20,gw=10.1.0.1",
			"--dump-config", NULL), -DP_CONF_ERR_HELP);
	fclose(out);
	assert_int_equal(load(&back, buf), 0);
	free(buf);
	assert_int_equal(back.ports[0].addr, c.ports[0].addr);
	assert_int_equal(back.ports[0].gateway, c.ports[0].gateway);
	assert_int_equal(back.ts.arp_entries, c.ts.arp_entries);
	assert_string_equal(back.stats_sock, c.stats_sock);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_errors_name_key_and_line),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_args_override_file),
		cmocka_unit_test(test_args_errors),
		cmocka_unit_test(test_help_and_dump),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
