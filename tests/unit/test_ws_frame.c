/**
 * @file
 * Framing (RFC 6455 section 5): every wire input is fed whole, one byte
 * at a time and at seeded random splits, in reassembly and streaming
 * mode, on every SIMD implementation; the events and the frames sent back
 * must be the same each time. Protocol errors must fail with the right
 * close code and count their reason. The writer's frames must parse back.
 */
#include "test_ws_common.c"

static const uint8_t fr_key[4] = { 0x37, 0xfa, 0x21, 0x3d };

/* Every (implementation, mode, split) combination for one input. */
struct fr_run {
	const char *simd;
	uint32_t msg_cap;      /* 0: streaming */
	enum test_split how;
};

static unsigned int fr_runs(struct fr_run *runs, uint32_t cap)
{
	const char *names[8];
	unsigned int n = test_simd_names(names), k = 0;

	for (unsigned int i = 0; i < n; i++)
		for (int mode = 0; mode < 2; mode++)
			for (int how = 0; how < TEST_SPLIT__COUNT; how++)
				runs[k++] = (struct fr_run){ names[i],
					mode ? cap : 0, (enum test_split)how };
	return k;
}

/* RFC 6455 section 5.7: a masked "Hello". */
static void test_frame_rfc_examples(void **state)
{
	static const uint8_t masked[] = { 0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
		0x7f, 0x9f, 0x4d, 0x51, 0x58 };
	static const uint8_t unmasked[] = { 0x81, 0x05, 'H', 'e', 'l', 'l', 'o' };
	struct fr_run runs[48];
	unsigned int n = fr_runs(runs, 1024);

	(void)state;
	test_seed(0x5eed0201);
	for (unsigned int r = 0; r < n; r++) {
		struct th *s = th_new(WS_ROLE_SERVER, runs[r].simd,
				runs[r].msg_cap, 0);
		struct th *c = th_new(WS_ROLE_CLIENT, runs[r].simd,
				runs[r].msg_cap, 0);

		assert_int_equal(th_feed(s, masked, sizeof(masked), runs[r].how), 0);
		th_assert_single(s, "Hello", 5);
		assert_int_equal(s->msgs[0].op, WS_OP_TEXT);
		assert_int_equal(s->n_sent, 0);
		assert_int_equal(th_feed(c, unmasked, sizeof(unmasked), runs[r].how), 0);
		th_assert_single(c, "Hello", 5);
		assert_int_equal(s->ctx.stats.v[WS_STAT_RX_MESSAGES], 1);
		th_free(s);
		th_free(c);
	}
}

/*
 * Fragments with control frames between them: "Hel" + ping + "lo" + pong,
 * then a binary message; the ping is answered with its payload.
 */
static void test_frame_fragments_and_control(void **state)
{
	uint8_t wire[256];
	size_t len = 0;
	struct fr_run runs[48];
	unsigned int n = fr_runs(runs, 1024);

	(void)state;
	len += test_frame(wire + len, WS_OP_TEXT, "Hel", 3, fr_key);
	len += test_frame(wire + len, 0x80 | WS_OP_PING, "ping!", 5, fr_key);
	len += test_frame(wire + len, WS_OP_CONT, "", 0, fr_key);
	len += test_frame(wire + len, 0x80 | WS_OP_PONG, "x", 1, fr_key);
	len += test_frame(wire + len, 0x80 | WS_OP_CONT, "lo", 2, fr_key);
	len += test_frame(wire + len, 0x80 | WS_OP_BINARY, "\x00\xff", 2, fr_key);
	len += test_frame(wire + len, 0x80 | WS_OP_TEXT, "", 0, fr_key);
	test_seed(0x5eed0202);
	for (unsigned int r = 0; r < n; r++) {
		struct th *t = th_new(WS_ROLE_SERVER, runs[r].simd,
				runs[r].msg_cap, 0);
		uint8_t b0, pl[WS_CONTROL_MAX];
		size_t plen;

		assert_int_equal(th_feed(t, wire, len, runs[r].how), 0);
		assert_int_equal(t->n_msgs, 3);
		assert_int_equal(t->msgs[0].op, WS_OP_TEXT);
		assert_int_equal(t->msgs[0].len, 5);
		assert_memory_equal(t->data, "Hello", 5);
		assert_int_equal(t->msgs[1].op, WS_OP_BINARY);
		assert_int_equal(t->msgs[1].len, 2);
		assert_memory_equal(t->data + 5, "\x00\xff", 2);
		assert_int_equal(t->msgs[2].op, WS_OP_TEXT);
		assert_int_equal(t->msgs[2].len, 0);
		assert_int_equal(t->chunk_errors, 0);
		/* One pong, unmasked (server), same payload; pong ignored. */
		assert_int_equal(t->n_sent, 1);
		th_sent_frame(t, 0, &b0, pl, &plen);
		assert_int_equal(b0, 0x80 | WS_OP_PONG);
		assert_int_equal(plen, 5);
		assert_memory_equal(pl, "ping!", 5);
		assert_int_equal(t->sent[1] & 0x80, 0);
		assert_int_equal(t->n_pongs, 1);
		assert_int_equal(t->ctx.stats.v[WS_STAT_RX_FRAMES], 7);
		assert_int_equal(t->ctx.stats.v[WS_STAT_TX_PONGS], 1);
		th_free(t);
	}
}

/* 7-, 16- and 64-bit lengths at their boundaries. */
static void test_frame_lengths(void **state)
{
	static const size_t sizes[] = { 0, 1, 125, 126, 127, 65535, 65536,
		70000 };
	uint8_t *payload = malloc(70000), *wire = malloc(70000 + 14);
	const char *names[8];
	unsigned int n = test_simd_names(names);

	(void)state;
	assert_non_null(payload);
	assert_non_null(wire);
	test_seed(0x5eed0203);
	test_fill(payload, 70000);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t len = test_frame(wire, 0x80 | WS_OP_BINARY, payload,
				sizes[i], fr_key);

		for (unsigned int k = 0; k < n; k++) {
			for (int mode = 0; mode < 2; mode++) {
				/* Bytewise feeding of 70 KB is slow; random here. */
				struct th *t = th_new(WS_ROLE_SERVER, names[k],
						mode ? 80000 : 0, 0);

				assert_int_equal(th_feed(t, wire, len, TEST_RANDOM), 0);
				th_assert_single(t, payload, sizes[i]);
				th_free(t);
			}
		}
	}
	free(payload);
	free(wire);
}

struct fr_bad {
	const char *what;
	uint8_t wire[32];
	size_t len;
	enum ws_role role;
	int rc;
	uint16_t code;
	enum ws_stat stat;
};

#define M 0x80   /* mask bit, with the key 00 00 00 00 after the length */

static const struct fr_bad fr_bad[] = {
	{ "rsv1", { 0xc1, M | 0, 0, 0, 0, 0 }, 6, WS_ROLE_SERVER,
		-WS_ERR_PROTOCOL, 1002, WS_STAT_ERR_RSV },
	{ "rsv2", { 0xa1, M | 0, 0, 0, 0, 0 }, 6, WS_ROLE_SERVER,
		-WS_ERR_PROTOCOL, 1002, WS_STAT_ERR_RSV },
	{ "rsv3", { 0x91, M | 0, 0, 0, 0, 0 }, 6, WS_ROLE_SERVER,
		-WS_ERR_PROTOCOL, 1002, WS_STAT_ERR_RSV },
	{ "opcode 3", { 0x83, M | 0, 0, 0, 0, 0 }, 6, WS_ROLE_SERVER,
		-WS_ERR_PROTOCOL, 1002, WS_STAT_ERR_OPCODE },
	{ "opcode 7", { 0x87, M | 0, 0, 0, 0, 0 }, 6, WS_ROLE_SERVER,
		-WS_ERR_PROTOCOL, 1002, WS_STAT_ERR_OPCODE },
	{ "opcode B", { 0x8b, M | 0, 0, 0, 0, 0 }, 6, WS_ROLE_SERVER,
		-WS_ERR_PROTOCOL, 1002, WS_STAT_ERR_OPCODE },
	{ "opcode F", { 0x8f, M | 0, 0, 0, 0, 0 }, 6, WS_ROLE_SERVER,
		-WS_ERR_PROTOCOL, 1002, WS_STAT_ERR_OPCODE },
	{ "16-bit length under 126", { 0x82, M | 126, 0, 125, 0, 0, 0, 0 }, 8,
		WS_ROLE_SERVER, -WS_ERR_PROTOCOL, 1002, WS_STAT_ERR_LENGTH },
	{ "64-bit length under 65536", { 0x82, M | 127, 0, 0, 0, 0, 0, 0,
		0xff, 0xff, 0, 0, 0, 0 }, 14, WS_ROLE_SERVER, -WS_ERR_PROTOCOL, 1002,
		WS_STAT_ERR_LENGTH },
	{ "64-bit length high bit", { 0x82, M | 127, 0x80, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0 }, 14, WS_ROLE_SERVER, -WS_ERR_PROTOCOL, 1002,
		WS_STAT_ERR_LENGTH },
	{ "unmasked to server", { 0x81, 0 }, 2, WS_ROLE_SERVER,
		-WS_ERR_PROTOCOL, 1002, WS_STAT_ERR_MASK },
	{ "masked to client", { 0x81, M | 0, 0, 0, 0, 0 }, 6, WS_ROLE_CLIENT,
		-WS_ERR_PROTOCOL, 1002, WS_STAT_ERR_MASK },
	{ "ping of 126", { 0x89, M | 126, 0, 126 }, 4, WS_ROLE_SERVER,
		-WS_ERR_PROTOCOL, 1002, WS_STAT_ERR_CTRL_LEN },
	{ "fragmented ping", { 0x09, M | 0, 0, 0, 0, 0 }, 6, WS_ROLE_SERVER,
		-WS_ERR_PROTOCOL, 1002, WS_STAT_ERR_CTRL_FRAG },
	{ "continuation first", { 0x80, M | 0, 0, 0, 0, 0 }, 6,
		WS_ROLE_SERVER, -WS_ERR_PROTOCOL, 1002,
		WS_STAT_ERR_CONTINUATION },
	{ "text inside a message", { 0x01, M | 0, 0, 0, 0, 0, 0x81, M | 0, 0,
		0, 0, 0 }, 12, WS_ROLE_SERVER, -WS_ERR_PROTOCOL, 1002,
		WS_STAT_ERR_CONTINUATION },
	{ "invalid UTF-8", { 0x81, M | 2, 0, 0, 0, 0, 0xc0, 0x80 }, 8,
		WS_ROLE_SERVER, -WS_ERR_UTF8, 1007, WS_STAT_ERR_UTF8 },
	{ "UTF-8 cut at message end", { 0x01, M | 1, 0, 0, 0, 0, 0xe2, 0x80,
		M | 1, 0, 0, 0, 0, 0x82 }, 14, WS_ROLE_SERVER, -WS_ERR_UTF8,
		1007, WS_STAT_ERR_UTF8 },
	{ "too big", { 0x82, M | 126, 0x10, 0, 0, 0, 0, 0 }, 8, WS_ROLE_SERVER,
		-WS_ERR_TOO_BIG, 1009, WS_STAT_ERR_TOO_BIG },
	{ "under the limit", { 0x02, M | 126, 0x08, 0, 0, 0, 0, 0 }, 8,
		WS_ROLE_SERVER, 0, 0, WS_STAT_ERR_TOO_BIG },
};

static void fr_check_bad(const struct fr_bad *b, const char *simd,
		uint32_t cap, enum test_split how)
{
	struct th *t = th_new(b->role, simd, cap, 4000);
	int rc = th_feed(t, b->wire, b->len, how);

	if (rc != b->rc)
		fail_msg("%s (%s, cap %u): %d, want %d", b->what,
				test_split_names[how], cap, rc, b->rc);
	if (b->rc != 0) {
		assert_true(ws_conn_closed(&t->conn));
		assert_int_equal(t->n_sent, 1);
		assert_int_equal(th_sent_close_code(t), b->code);
		assert_int_equal(t->ctx.stats.v[b->stat], 1);
		/* Nothing is taken after the failure. */
		assert_int_equal(ws_conn_recv(&t->ctx, &t->conn,
					(uint8_t *)"\x81\x80xxxx", 6), -WS_ERR_CLOSED);
		/* No message completes (streaming may have seen its start). */
		if (cap != 0)
			assert_int_equal(t->n_msgs, 0);
		else
			assert_true(t->in_msg || t->n_msgs == 0);
	} else {
		assert_false(ws_conn_closed(&t->conn));
		assert_int_equal(t->n_sent, 0);
	}
	th_free(t);
}

static void test_frame_protocol_errors(void **state)
{
	const char *names[8];
	unsigned int n = test_simd_names(names);

	(void)state;
	test_seed(0x5eed0204);
	for (size_t i = 0; i < sizeof(fr_bad) / sizeof(fr_bad[0]); i++)
		for (unsigned int k = 0; k < n; k++)
			for (int how = 0; how < TEST_SPLIT__COUNT; how++) {
				fr_check_bad(&fr_bad[i], names[k], 0,
						(enum test_split)how);
				fr_check_bad(&fr_bad[i], names[k], 8192,
						(enum test_split)how);
			}
}

/* 2 KiB fragments pass a 4000-byte limit until the third. */
static void test_frame_too_big_fragments(void **state)
{
	static uint8_t wire[3 * (2048 + 8)], payload[2048];
	size_t len = 0;

	(void)state;
	memset(payload, 'a', sizeof(payload));
	len += test_frame(wire + len, WS_OP_TEXT, payload, 2048, fr_key);
	len += test_frame(wire + len, WS_OP_CONT, payload, 2048, fr_key);
	for (int mode = 0; mode < 2; mode++) {
		struct th *t = th_new(WS_ROLE_SERVER, NULL, mode ? 8192 : 0, 4000);

		assert_int_equal(th_feed(t, wire, len, TEST_RANDOM), -WS_ERR_TOO_BIG);
		assert_int_equal(th_sent_close_code(t), 1009);
		th_free(t);
	}
	/* The reassembly buffer is a limit too. */
	{
		struct th *t = th_new(WS_ROLE_SERVER, NULL, 3000, 0);

		assert_int_equal(th_feed(t, wire, len, TEST_WHOLE), -WS_ERR_TOO_BIG);
		th_free(t);
	}
}

/* A callback's refusal fails the connection with 1008. */
static void test_frame_policy(void **state)
{
	uint8_t wire[32];
	size_t len = test_frame(wire, 0x81, "hi", 2, fr_key);

	(void)state;
	for (int mode = 0; mode < 2; mode++) {
		struct th *t = th_new(WS_ROLE_SERVER, NULL, mode ? 64 : 0, 0);

		t->refuse = 1;
		assert_int_equal(th_feed(t, wire, len, TEST_BYTES), -WS_ERR_POLICY);
		assert_int_equal(th_sent_close_code(t), 1008);
		assert_int_equal(t->ctx.stats.v[WS_STAT_ERR_POLICY], 1);
		th_free(t);
	}
}

/* UTF-8 split across fragments and segments is fine. */
static void test_frame_utf8_split(void **state)
{
	const char *text = "\xf0\x9f\x98\x80 \xe2\x82\xac";   /* 8 bytes */
	uint8_t wire[128];
	size_t len = 0;
	struct fr_run runs[48];
	unsigned int n = fr_runs(runs, 64);

	(void)state;
	len += test_frame(wire + len, WS_OP_TEXT, text, 2, fr_key);
	len += test_frame(wire + len, WS_OP_CONT, text + 2, 5, fr_key);
	len += test_frame(wire + len, 0x80 | WS_OP_CONT, text + 7, 1, fr_key);
	test_seed(0x5eed0205);
	for (unsigned int r = 0; r < n; r++) {
		struct th *t = th_new(WS_ROLE_SERVER, runs[r].simd,
				runs[r].msg_cap, 0);

		assert_int_equal(th_feed(t, wire, len, runs[r].how), 0);
		th_assert_single(t, text, 8);
		th_free(t);
	}
}

/* Writer: headers in front of the payload; parse back in the other role. */
static void test_frame_writer_roundtrip(void **state)
{
	static const size_t sizes[] = { 0, 1, 125, 126, 65535, 65536, 70000 };
	uint8_t *buf = malloc(70000 + 64), *orig = malloc(70000);

	(void)state;
	test_seed(0x5eed0206);
	test_fill(orig, 70000);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (int role = 0; role < 2; role++) {
			struct th *tx = th_new((enum ws_role)role, NULL, 0, 0);
			struct th *rx = th_new((enum ws_role)!role, NULL, 80000, 0);
			size_t hl = 0, want = ws_frame_hdr_size(sizes[i], role == 1);
			uint8_t *payload = buf + 32;

			memcpy(payload, orig, sizes[i]);
			assert_int_equal(ws_frame_prepend(&tx->ctx, &tx->conn, payload,
						sizes[i], WS_OP_BINARY, true, want - 1, &hl),
					-WS_ERR_NOSPACE);
			assert_int_equal(ws_frame_prepend(&tx->ctx, &tx->conn, payload,
						sizes[i], WS_OP_BINARY, true, 32, &hl), 0);
			assert_int_equal(hl, want);
			assert_true(hl >= 2 && hl <= WS_FRAME_HDR_MAX);
			/* Server frames leave the payload as it was. */
			if (role == WS_ROLE_SERVER)
				assert_memory_equal(payload, orig, sizes[i]);
			assert_int_equal(th_feed(rx, payload - hl, hl + sizes[i],
						TEST_RANDOM), 0);
			th_assert_single(rx, orig, sizes[i]);
			th_free(tx);
			th_free(rx);
		}
	}
	free(buf);
	free(orig);
}

/* Fragmented sending, continuation rules and control-frame rules. */
static void test_frame_writer_rules(void **state)
{
	struct th *t = th_new(WS_ROLE_CLIENT, NULL, 0, 0);
	uint8_t buf[256];
	size_t hl;
	uint8_t key1[4], key2[4];

	(void)state;
	assert_int_equal(ws_frame_prepend(&t->ctx, &t->conn, buf + 16, 3,
				WS_OP_CONT, true, 16, &hl), -WS_ERR_INVAL);
	assert_int_equal(ws_frame_prepend(&t->ctx, &t->conn, buf + 16, 3,
				WS_OP_TEXT, false, 16, &hl), 0);
	memcpy(key1, buf + 16 - 4, 4);
	assert_int_equal(buf[16 - hl], WS_OP_TEXT);   /* no FIN */
	assert_int_equal(ws_frame_prepend(&t->ctx, &t->conn, buf + 16, 3,
				WS_OP_TEXT, true, 16, &hl), -WS_ERR_INVAL);
	assert_int_equal(ws_frame_prepend(&t->ctx, &t->conn, buf + 16, 126,
				WS_OP_PING, true, 16, &hl), -WS_ERR_INVAL);
	assert_int_equal(ws_frame_prepend(&t->ctx, &t->conn, buf + 16, 4,
				WS_OP_PING, false, 16, &hl), -WS_ERR_INVAL);
	assert_int_equal(ws_frame_prepend(&t->ctx, &t->conn, buf + 16, 4,
				WS_OP_CLOSE, true, 16, &hl), -WS_ERR_INVAL);
	assert_int_equal(ws_frame_prepend(&t->ctx, &t->conn, buf + 16, 4,
				WS_OP_PING, true, 16, &hl), 0);
	assert_int_equal(ws_frame_prepend(&t->ctx, &t->conn, buf + 16, 3,
				WS_OP_CONT, true, 16, &hl), 0);
	memcpy(key2, buf + 16 - 4, 4);
	assert_int_equal(buf[16 - hl], 0x80 | WS_OP_CONT);
	assert_int_equal(buf[16 - hl + 1], 0x80 | 3);
	/* Keys come from the PRNG: two frames, two keys. */
	assert_memory_not_equal(key1, key2, 4);
	assert_int_equal(ws_frame_prepend(&t->ctx, &t->conn, buf + 16, 3,
				WS_OP_CONT, true, 16, &hl), -WS_ERR_INVAL);
	/* The caller's ping goes out masked, through send. */
	assert_int_equal(ws_conn_ping(&t->ctx, &t->conn, "abc", 3), 0);
	assert_int_equal(t->n_sent, 1);
	assert_int_equal(t->sent[0], 0x80 | WS_OP_PING);
	assert_int_equal(t->sent[1], 0x80 | 3);
	assert_int_equal(ws_conn_ping(&t->ctx, &t->conn, buf, 126),
			-WS_ERR_INVAL);
	th_free(t);
}

static void test_frame_conn_size(void **state)
{
	(void)state;
	print_message("sizeof(struct ws_conn) = %zu\n", sizeof(struct ws_conn));
	assert_true(sizeof(struct ws_conn) <= 192);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_rfc_examples),
		cmocka_unit_test(test_frame_fragments_and_control),
		cmocka_unit_test(test_frame_lengths),
		cmocka_unit_test(test_frame_protocol_errors),
		cmocka_unit_test(test_frame_too_big_fragments),
		cmocka_unit_test(test_frame_policy),
		cmocka_unit_test(test_frame_utf8_split),
		cmocka_unit_test(test_frame_writer_roundtrip),
		cmocka_unit_test(test_frame_writer_rules),
		cmocka_unit_test(test_frame_conn_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
