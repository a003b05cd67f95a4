/**
 * @file
 * Unit tests of the gateway's routes in the configuration (--route, the
 * "routes" list, their errors and dump) and of conflation keys.
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
#include "dp_key.h"

static char err[DP_ERR_MAX];

static int load_text(struct dp_conf *c, const char *text)
{
	char path[] = "/tmp/wsgw-test-route-XXXXXX";
	int fd = mkstemp(path);
	int rc;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	dp_conf_defaults(c);
	err[0] = '\0';
	rc = dp_conf_load(c, path, err, sizeof(err));
	unlink(path);
	return rc;
}

static void test_route_option(void **state)
{
	struct dp_route_conf r;

	(void)state;
	assert_int_equal(dp_route_parse(&r, "/echo=echo", err, sizeof(err)), 0);
	assert_string_equal(r.path, "/echo");
	assert_int_equal(r.prefix, 0);
	assert_int_equal(r.action, DP_ACT_ECHO);
	assert_string_equal(r.host, "");

	assert_int_equal(dp_route_parse(&r, "md.example/md/{channel}="
			"pubsub:{channel}", err, sizeof(err)), 0);
	assert_string_equal(r.host, "md.example");
	assert_string_equal(r.path, "/md/");
	assert_int_equal(r.prefix, 2);
	assert_int_equal(r.action, DP_ACT_PUBSUB);
	assert_string_equal(r.channel, "");

	assert_int_equal(dp_route_parse(&r, "/feed*=pubsub:prices", err,
			sizeof(err)), 0);
	assert_int_equal(r.prefix, 1);
	assert_string_equal(r.path, "/feed");
	assert_string_equal(r.channel, "prices");

	assert_int_equal(dp_route_parse(&r, "/t=proxy:10.1.2.3:9000", err,
			sizeof(err)), 0);
	assert_int_equal(r.action, DP_ACT_PROXY);
	assert_int_equal(r.upstream_addr, 0x0a010203);
	assert_int_equal(r.upstream_port, 9000);
	assert_string_equal(r.upstream_host, "10.1.2.3:9000");

	/* A name, through /etc/hosts, once: Host upstream keeps the name. */
	assert_int_equal(dp_route_parse(&r, "/t=proxy:localhost:9001", err,
			sizeof(err)), 0);
	assert_int_equal(r.upstream_addr, 0x7f000001);
	assert_string_equal(r.upstream_host, "localhost:9001");
}

static void test_route_option_errors(void **state)
{
	static const struct {
		const char *arg;
		const char *says;
	} bad[] = {
		{ "echo", "[HOST]/PATH=ACTION" },
		{ "/x=mirror", "expected echo, pubsub:CHANNEL" },
		{ "/x=proxy:10.0.0.1", "proxy:HOST:PORT" },
		{ "/x=proxy:bad_host.example:80", "does not resolve" },
		{ "/x=proxy:10.0.0:80", "does not resolve" },
		{ "/x=proxy:10.0.0.1:0", "proxy:HOST:PORT" },
		{ "/x=proxy::80", "proxy:HOST:PORT" },
		{ "/md/=pubsub:{channel}", "needs a path ending in {channel}" },
		{ "/md/{channel}=echo", "needs the action pubsub:{channel}" },
		{ "/x=pubsub:", "expected echo" },
	};
	struct dp_route_conf r;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(dp_route_parse(&r, bad[i].arg, err, sizeof(err)),
				-DP_CONF_ERR_USAGE);
		if (strstr(err, bad[i].says) == NULL)
			fail_msg("'%s': '%s' lacks '%s'", bad[i].arg, err,
					bad[i].says);
	}
}

static void test_routes_file(void **state)
{
	struct dp_conf c;

	(void)state;
	assert_int_equal(load_text(&c,
		"listen = [ 8080, 9090 ];\n"
		"routes = (\n"
		"  { path = \"/echo\"; action = \"echo\"; max_message = 4096;\n"
		"    origins = [ \"https://a.example\", \"https://b.example\" ];\n"
		"    protocols = [ \"v1\" ]; idle_timeout_ms = 5000; },\n"
		"  { path = \"/md/{channel}\"; action = \"pubsub:{channel}\";\n"
		"    publish = true; policy = \"conflate\"; conflate_key = \"sym\";\n"
		"    queue_messages = 16; queue_bytes = 65536; }\n"
		");\n"
		"gateway = { max_conns = 100; max_conns_per_ip = 5; };\n"), 0);
	assert_int_equal(c.n_listen, 2);
	assert_int_equal(c.listen[1], 9090);
	assert_int_equal(c.n_routes, 2);
	assert_int_equal(c.routes[0].max_message, 4096);
	assert_string_equal(c.routes[0].origins,
			"https://a.example,https://b.example");
	assert_string_equal(c.routes[0].protocols, "v1");
	assert_int_equal(c.routes[0].idle_timeout_ms, 5000);
	assert_int_equal(c.routes[1].prefix, 2);
	assert_int_equal(c.routes[1].publish, 1);
	assert_int_equal(c.routes[1].policy, DP_POL_CONFLATE);
	assert_string_equal(c.routes[1].conflate_key, "sym");
	assert_int_equal(c.routes[1].queue_msgs, 16);
	assert_int_equal(c.gw_max_conns, 100);
	assert_int_equal(c.gw_max_conns_per_ip, 5);
}

static void test_routes_file_errors(void **state)
{
	static const struct {
		const char *text;
		const char *says;
	} bad[] = {
		{ "routes = ( { action = \"echo\"; } );",
		  ":1: key 'routes[0]': missing 'path'" },
		{ "routes = ( { path = \"/x\"; action = \"echo\"; colour = 1; } );",
		  ":1: key 'routes[0].colour': unknown key; valid keys here: path" },
		{ "routes = ( { path = \"/x\";\n action = \"echo\"; policy = \"lifo\"; } );",
		  ":2: key 'routes[0].policy': expected \"drop-oldest\"" },
		{ "routes = ( { path = \"/x\"; action = \"pubsub:a\"; policy = \"conflate\"; } );",
		  "policy conflate needs conflate_key" },
		{ "routes = ( { path = \"/x\"; action = \"echo\"; max_message = 0; } );",
		  "key 'routes[0].max_message': expected an integer from 1" },
		{ "listen = [ 0 ];", "key 'listen[0]': expected a port" },
		{ "gateway = { max_conns = 0; };",
		  "key 'gateway.max_conns': expected an integer from 1" },
	};
	struct dp_conf c;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(load_text(&c, bad[i].text), -DP_CONF_ERR_USAGE);
		if (strstr(err, bad[i].says) == NULL)
			fail_msg("'%s': '%s' lacks '%s'", bad[i].text, err,
					bad[i].says);
	}
}

/* --dump-config's routes read back as the same routes. */
static void test_routes_dump_reads_back(void **state)
{
	char *argv[] = { "wsgw", "--route", "h.example/md/{channel}=pubsub:{channel}",
		"--route", "/p*=proxy:10.0.0.9:81", "--listen", "81", "--dump-config",
		NULL };
	struct dp_conf c, back;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	(void)state;
	dp_conf_defaults(&c);
	assert_int_equal(dp_conf_parse_args(&c, 8, argv, out, err, sizeof(err)),
			-DP_CONF_ERR_HELP);
	fclose(out);
	assert_int_equal(load_text(&back, text), 0);
	free(text);
	assert_int_equal(back.n_routes, 2);
	assert_string_equal(back.routes[0].host, "h.example");
	assert_int_equal(back.routes[0].prefix, 2);
	assert_int_equal(back.routes[1].prefix, 1);
	assert_int_equal(back.routes[1].upstream_port, 81);
	assert_int_equal(back.listen[0], 81);
}

static void test_default_routes(void **state)
{
	char *argv[] = { "wsgw", NULL };
	struct dp_conf c;

	(void)state;
	dp_conf_defaults(&c);
	assert_int_equal(dp_conf_parse_args(&c, 1, argv, stdout, err,
			sizeof(err)), 0);
	assert_int_equal(c.n_listen, 1);
	assert_int_equal(c.listen[0], DP_DEFAULT_LISTEN);
	assert_int_equal(c.n_routes, 2);
	assert_string_equal(c.routes[0].path, "/echo");
	assert_int_equal(c.routes[1].action, DP_ACT_PUBSUB);
}

static uint32_t key_of(const char *json, const char *field)
{
	return dp_conflate_key((const uint8_t *)json, strlen(json), field);
}

static void test_conflate_key(void **state)
{
	uint32_t a = key_of("{\"symbol\":\"EURUSD\",\"px\":1.1}", "symbol");

	(void)state;
	assert_int_not_equal(a, 0);
	/* The same value, whatever the spacing and the other members. */
	assert_int_equal(key_of("{ \"px\" : 2, \"symbol\" :\t\"EURUSD\" }",
			"symbol"), a);
	assert_int_not_equal(key_of("{\"symbol\":\"USDJPY\"}", "symbol"), a);
	/* A value that names the field is not the field. */
	assert_int_not_equal(key_of("{\"x\":\"symbol\",\"symbol\":\"B\"}",
			"symbol"), 0);
	assert_int_equal(key_of("{\"x\":\"symbol\",\"symbol\":\"B\"}", "symbol"),
			key_of("{\"symbol\":\"B\"}", "symbol"));
	/* Escaped quotes inside strings do not end them. */
	assert_int_equal(key_of("{\"n\":\"a\\\"symbol\\\":1\",\"symbol\":\"B\"}",
			"symbol"), key_of("{\"symbol\":\"B\"}", "symbol"));
	/* Numbers. */
	assert_int_equal(key_of("{\"id\":42,\"v\":1}", "id"),
			key_of("{\"v\":2,\"id\":42}", "id"));
	/* Absent, or cut off. */
	assert_int_equal(key_of("{\"other\":1}", "symbol"), 0);
	assert_int_equal(key_of("{\"symbol\":\"EUR", "symbol"), 0);
	assert_int_equal(key_of("", "symbol"), 0);
	assert_int_equal(key_of("not json at all", "symbol"), 0);
}

/* The reference vectors: key 00..0f, message 00..len-1. */
static void test_siphash(void **state)
{
	const struct dp_sipkey key = { 0x0706050403020100ull,
		0x0f0e0d0c0b0a0908ull };
	struct dp_sipkey other = key;
	uint8_t msg[16];

	(void)state;
	for (unsigned int i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	assert_true(dp_siphash(&key, msg, 0) == 0x726fdb47dd0e0e31ull);
	assert_true(dp_siphash(&key, msg, 1) == 0x74f839c593dc67fdull);
	assert_true(dp_siphash(&key, msg, 15) == 0xa129ca6149be45e5ull);
	/* Another key, another hash. */
	other.k1 ^= 1;
	assert_true(dp_siphash(&other, msg, 15) != 0xa129ca6149be45e5ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_option),
		cmocka_unit_test(test_route_option_errors),
		cmocka_unit_test(test_routes_file),
		cmocka_unit_test(test_routes_file_errors),
		cmocka_unit_test(test_routes_dump_reads_back),
		cmocka_unit_test(test_default_routes),
		cmocka_unit_test(test_conflate_key),
		cmocka_unit_test(test_siphash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
