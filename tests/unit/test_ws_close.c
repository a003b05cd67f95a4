/**
 * @file
 * Close codes and the closing handshake (RFC 6455 sections 5.5.1 and 7):
 * the table of valid codes, close frames received in every form (fed
 * whole, bytewise and split at random), both roles, both directions of
 * initiation, and "nothing is sent after our close".
 */
#include "test_ws_common.c"

static const uint8_t cl_key[4] = { 0x11, 0x22, 0x33, 0x44 };

static void test_close_code_table(void **state)
{
	static const struct {
		uint16_t lo, hi;
		bool valid;
	} ranges[] = {
		{ 0, 999, false },
		{ 1000, 1003, true },
		{ 1004, 1006, false },
		{ 1007, 1011, true },
		{ 1012, 2999, false },   /* incl. 1015 and unassigned */
		{ 3000, 4999, true },
		{ 5000, 65535, false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		for (uint32_t c = ranges[i].lo; c <= ranges[i].hi; c++)
			if (ws_close_code_valid((uint16_t)c) != ranges[i].valid)
				fail_msg("close code %u", c);
}

/* The peer closes with @p payload; what we answer and report. */
static void cl_peer_close(enum ws_role role, const uint8_t *payload,
		size_t len, int want_rc, uint16_t want_sent, uint16_t want_seen)
{
	uint8_t wire[160];
	size_t wlen = test_frame(wire, 0x80 | WS_OP_CLOSE, payload, len,
			role == WS_ROLE_SERVER ? cl_key : NULL);

	for (int how = 0; how < TEST_SPLIT__COUNT; how++) {
		struct th *t = th_new(role, NULL, 0, 0);
		uint8_t b0, pl[WS_CONTROL_MAX];
		size_t plen;

		/*
		 * Bytes after the close are dropped, not parsed: in the same
		 * call silently, in a later one with -WS_ERR_CLOSED.
		 */
		memcpy(wire + wlen, "\xff\xff", 2);
		assert_int_equal(th_feed(t, wire, how == TEST_WHOLE ? wlen + 2 : wlen,
					(enum test_split)how), want_rc);
		assert_int_equal(ws_conn_recv(&t->ctx, &t->conn, wire + wlen, 2),
				-WS_ERR_CLOSED);
		assert_true(ws_conn_closed(&t->conn));
		assert_int_equal(t->n_sent, 1);
		th_sent_frame(t, 0, &b0, pl, &plen);
		assert_int_equal(b0, 0x80 | WS_OP_CLOSE);
		if (want_sent == 0)
			assert_int_equal(plen, 0);
		else
			assert_int_equal(pl[0] << 8 | pl[1], want_sent);
		/* Client frames are masked, server frames are not. */
		assert_int_equal(!!(t->sent[1] & 0x80), role == WS_ROLE_CLIENT);
		if (want_rc == 0) {
			assert_int_equal(t->n_closes, 1);
			assert_int_equal(t->close_code, want_seen);
		} else {
			assert_int_equal(t->n_closes, 0);
		}
		th_free(t);
	}
}

static void test_close_received(void **state)
{
	static const uint16_t bad[] = { 0, 999, 1004, 1005, 1006, 1012, 1015,
		1016, 2000, 2999, 5000, 65535 };
	static const uint16_t good[] = { 1000, 1001, 1002, 1003, 1007, 1008,
		1009, 1010, 1011, 3000, 4000, 4999 };

	(void)state;
	test_seed(0x5eed0401);
	for (int role = 0; role < 2; role++) {
		/* Empty: answered with an empty close, reported as 1005. */
		cl_peer_close((enum ws_role)role, NULL, 0, 0, 0, 1005);
		/* A code alone and with a reason: echoed. */
		cl_peer_close((enum ws_role)role, (const uint8_t *)"\x03\xe8", 2,
				0, 1000, 1000);
		cl_peer_close((enum ws_role)role,
				(const uint8_t *)"\x03\xe9" "bye \xc3\xa9t\xc3\xa9", 11,
				0, 1001, 1001);
		/* One byte: protocol error. */
		cl_peer_close((enum ws_role)role, (const uint8_t *)"\x03", 1,
				-WS_ERR_PROTOCOL, 1002, 0);
		/* Reason not UTF-8: 1007; cut inside a code point too. */
		cl_peer_close((enum ws_role)role,
				(const uint8_t *)"\x03\xe8\xed\xa0\x80", 5,
				-WS_ERR_UTF8, 1007, 0);
		cl_peer_close((enum ws_role)role, (const uint8_t *)"\x03\xe8\xc3",
				3, -WS_ERR_UTF8, 1007, 0);
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			uint8_t p[2] = { (uint8_t)(bad[i] >> 8), (uint8_t)bad[i] };

			cl_peer_close((enum ws_role)role, p, 2, -WS_ERR_PROTOCOL,
					1002, 0);
		}
		for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
			uint8_t p[2] = { (uint8_t)(good[i] >> 8), (uint8_t)good[i] };

			cl_peer_close((enum ws_role)role, p, 2, 0, good[i], good[i]);
		}
	}
}

/* We close first: data still arrives, the peer's close ends it. */
static void test_close_we_initiate(void **state)
{
	uint8_t wire[64];
	size_t len = 0;

	(void)state;
	len += test_frame(wire + len, 0x81, "late", 4, cl_key);
	len += test_frame(wire + len, 0x89, "p", 1, cl_key);
	len += test_frame(wire + len, 0x88, "\x03\xe8", 2, cl_key);
	test_seed(0x5eed0402);
	for (int how = 0; how < TEST_SPLIT__COUNT; how++) {
		struct th *t = th_new(WS_ROLE_SERVER, NULL, 64, 0);
		uint8_t payload[8] = "abc";
		size_t hl;

		assert_int_equal(ws_conn_close(&t->ctx, &t->conn, 1001, "going", 5), 0);
		assert_int_equal(t->conn.close_state, WS_CLOSE_SENT);
		assert_int_equal(th_sent_close_code(t), 1001);
		/* Nothing more is sent after our close. */
		assert_int_equal(ws_conn_close(&t->ctx, &t->conn, 1000, NULL, 0),
				-WS_ERR_CLOSED);
		assert_int_equal(ws_conn_ping(&t->ctx, &t->conn, "x", 1),
				-WS_ERR_CLOSED);
		assert_int_equal(ws_frame_prepend(&t->ctx, &t->conn, payload + 4,
					3, WS_OP_TEXT, true, 4, &hl), -WS_ERR_CLOSED);
		assert_int_equal(th_feed(t, wire, len, (enum test_split)how), 0);
		assert_int_equal(t->n_msgs, 1);
		assert_int_equal(t->n_sent, 1);   /* no pong, no second close */
		assert_true(ws_conn_closed(&t->conn));
		assert_int_equal(t->n_closes, 1);
		assert_int_equal(t->close_code, 1000);
		assert_int_equal(ws_conn_recv(&t->ctx, &t->conn, wire, 1),
				-WS_ERR_CLOSED);
		th_free(t);
	}
}

static void test_close_arguments(void **state)
{
	struct th *t = th_new(WS_ROLE_CLIENT, NULL, 0, 0);
	char reason[124];

	(void)state;
	memset(reason, 'r', sizeof(reason));
	assert_int_equal(ws_conn_close(&t->ctx, &t->conn, 1005, NULL, 0),
			-WS_ERR_INVAL);
	assert_int_equal(ws_conn_close(&t->ctx, &t->conn, 0, "x", 1),
			-WS_ERR_INVAL);
	assert_int_equal(ws_conn_close(&t->ctx, &t->conn, 1000, reason, 124),
			-WS_ERR_INVAL);
	assert_int_equal(ws_conn_close(&t->ctx, &t->conn, 1000, "\xff", 1),
			-WS_ERR_INVAL);
	assert_int_equal(t->n_sent, 0);
	assert_int_equal(ws_conn_close(&t->ctx, &t->conn, 4000, reason, 123), 0);
	assert_int_equal(th_sent_close_code(t), 4000);
	assert_int_equal(t->ctx.stats.v[WS_STAT_TX_CLOSES], 1);
	th_free(t);
}

/* Stats: names defined once; error reasons carry their close code. */
static void test_close_stat_table(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < WS_STAT__COUNT; i++) {
		const struct ws_stat_desc *d = ws_stat_desc(i);

		assert_non_null(d);
		assert_non_null(d->name);
		assert_true(strlen(d->desc) > 0);
		if (i >= WS_STAT_ERR_RSV)
			assert_true(ws_close_code_valid(d->close_code));
		else
			assert_int_equal(d->close_code, 0);
	}
	assert_null(ws_stat_desc(WS_STAT__COUNT));
	assert_string_equal(ws_stat_desc(WS_STAT_ERR_UTF8)->name, "err_utf8");
	assert_int_equal(ws_stat_desc(WS_STAT_ERR_UTF8)->close_code, 1007);
	assert_int_equal(ws_stat_desc(WS_STAT_ERR_TOO_BIG)->close_code, 1009);
	assert_int_equal(ws_stat_desc(WS_STAT_ERR_POLICY)->close_code, 1008);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_close_code_table),
		cmocka_unit_test(test_close_received),
		cmocka_unit_test(test_close_we_initiate),
		cmocka_unit_test(test_close_arguments),
		cmocka_unit_test(test_close_stat_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
