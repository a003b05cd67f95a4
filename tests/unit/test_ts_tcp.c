/**
 * @file
 * Unit tests of TCP: crafted segments go in through ts_input, what the
 * stack sends is captured and parsed, time is the TSC each call is given
 * (1 tick = 1 ms here), and every test ends with the connection pool and
 * the mbuf pool back to zero in use.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "test_eal.h"
#include "ts.h"
#include "ts_tcp_priv.h"

#define HZ 1000000000ull
#define MS (HZ / 1000)
#define OUR_IP TS_IPV4(198, 18, 0, 1)
#define PEER_IP TS_IPV4(198, 18, 0, 2)
#define PEER_PORT 40000
#define ECHO 7
#define DISCARD 9
#define APP 80
#define MAX_CAP 1024

static const struct rte_ether_addr our_mac = {{ 2, 0, 0, 0, 0, 1 }};
static const struct rte_ether_addr peer_mac = {{ 2, 0, 0, 0, 0, 2 }};
static const uint64_t key[2] = { 0x0123456789abcdefull, 0xfedcba9876543210ull };

static struct rte_mempool *pool;
static struct ts_ctx ctx;
static struct ts_ctx *rx_ctx = &ctx;   /* where crafted segments go */
static struct rte_mbuf *cap[MAX_CAP];
static unsigned int n_cap;
static uint64_t now;

/* A parsed captured segment. */
struct seg {
	uint32_t seq, ack, len;
	uint16_t sport, dport, wnd;
	uint8_t flags;
	struct ts_tcp_opts opt;
	const uint8_t *data;
};

/* What the test application heard. */
static struct {
	int accepted, connected, peer_closed, closed, closed_why, writable;
	uint8_t data[1 << 16];
	uint32_t n;
	struct ts_tcb *last;
	int reply_now;          /* recv answers with ts_tcp_send_now */
	uint32_t reply_nxt;     /* snd_nxt just after that send */
	int reply_pending;      /* and whether it waited for the flush */
	int hold;               /* recv keeps what it got unreported */
} app;

static struct rte_mbuf *mbuf_of(const void *data, uint16_t len);

static unsigned int tx_room = UINT32_MAX;   /* frames the "port" takes */
static int port_sums;           /* the interface's tx_cksum in make_ctx */
static unsigned int port_summed; /* TCP segments the "port" summed */
static unsigned int chains_sw;   /* chains that came summed in software */
static int no_chains;           /* the interface's no_chains in make_ctx */
static uint64_t rx_ol_flags;    /* the port's verdict on crafted segments */

/*
 * What a port that sums TCP does (port_sums, enum ts_tx_cksum): a segment
 * for it must ask as DPDK says (flags, header lengths, the pseudo-header's
 * sum in the field), and the port writes the real sum; a segment not for
 * it (all, in software; a chain, with TS_TX_CKSUM_PORT_FLAT) may not ask.
 */
static void cap_port_sum(struct rte_mbuf *m)
{
	const uint64_t want = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM;
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)(eh + 1);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ih + 1);
	int tcp = eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
		ih->next_proto_id == IPPROTO_TCP;
	int port = tcp && (port_sums == TS_TX_CKSUM_PORT ||
			(port_sums == TS_TX_CKSUM_PORT_FLAT && m->nb_segs == 1));

	assert_int_equal(m->ol_flags & want, port ? want : 0);
	if (no_chains)
		assert_int_equal(m->nb_segs, 1);
	chains_sw += tcp && !port && m->nb_segs > 1;
	if (!port)
		return;
	assert_int_equal(m->l2_len, sizeof(*eh));
	assert_int_equal(m->l3_len, sizeof(*ih));
	assert_int_equal(m->l4_len, (th->data_off >> 4) * 4);
	assert_int_equal(th->cksum, rte_ipv4_phdr_cksum(ih, 0));
	/* Whole, for rte_raw_cksum_mbuf loses carries at odd offsets. */
	assert_int_equal(rte_pktmbuf_linearize(m), 0);
	th->cksum = 0;
	th->cksum = rte_ipv4_udptcp_cksum(ih, th);
	m->ol_flags &= ~want;
	port_summed++;
}

static uint16_t cap_tx(void *arg, uint16_t port, uint16_t queue,
		struct rte_mbuf **pkts, uint16_t n)
{
	(void)arg;
	(void)port;
	(void)queue;
	if (n > tx_room)
		n = (uint16_t)tx_room;
	tx_room -= tx_room == UINT32_MAX ? 0 : n;
	for (uint16_t i = 0; i < n; i++) {
		assert_true(n_cap < MAX_CAP);
		cap_port_sum(pkts[i]);
		cap[n_cap++] = pkts[i];
	}
	return n;
}

static void cap_free(void)
{
	for (unsigned int i = 0; i < n_cap; i++)
		rte_pktmbuf_free(cap[i]);
	n_cap = 0;
}

static int app_accepted(void *a, struct ts_ctx *c, struct ts_tcb *t)
{
	(void)a;
	(void)c;
	app.accepted++;
	app.last = t;
	return 0;
}

static void app_connected(void *a, struct ts_ctx *c, struct ts_tcb *t)
{
	(void)a;
	(void)c;
	app.connected++;
	app.last = t;
}

static void app_recv(void *a, struct ts_ctx *c, struct ts_tcb *t,
		struct rte_mbuf *m)
{
	uint32_t len = m->pkt_len;

	(void)a;
	const void *p;

	assert_true(app.n + len <= sizeof(app.data));
	p = rte_pktmbuf_read(m, 0, len, app.data + app.n);
	if (p != app.data + app.n)      /* contiguous: not copied for us */
		memcpy(app.data + app.n, p, len);
	app.n += len;
	rte_pktmbuf_free(m);
	if (!app.hold)
		ts_tcp_recved(c, t, len);
	if (app.reply_now) {
		assert_int_equal(ts_tcp_send_now(c, t, mbuf_of("ok", 2)), 0);
		app.reply_nxt = t->snd_nxt;
		app.reply_pending = !!(t->flags & TS_TCBF_PENDING);
	}
}

static void app_peer_closed(void *a, struct ts_ctx *c, struct ts_tcb *t)
{
	(void)a;
	(void)c;
	(void)t;
	app.peer_closed++;
}

static void app_closed(void *a, struct ts_ctx *c, struct ts_tcb *t, int why)
{
	(void)a;
	(void)c;
	(void)t;
	app.closed++;
	app.closed_why = why;
	app.last = NULL;
}

static void app_writable(void *a, struct ts_ctx *c, struct ts_tcb *t)
{
	(void)a;
	(void)c;
	(void)t;
	app.writable++;
}

static const struct ts_tcp_ops app_ops = {
	.accepted = app_accepted,
	.connected = app_connected,
	.recv = app_recv,
	.writable = app_writable,
	.peer_closed = app_peer_closed,
	.closed = app_closed,
};

static int group_setup(void **state)
{
	(void)state;
	pool = test_eal_start(4095);
	return pool == NULL ? -1 : 0;
}

static int group_teardown(void **state)
{
	(void)state;
	test_eal_stop(pool);
	return 0;
}

static int make_ctx_into(struct ts_ctx *x, void (*tune)(struct ts_conf *))
{
	struct ts_iface_conf ic = { .mac = our_mac, .addr = OUR_IP,
		.prefix_len = 24, .tx_cksum = (uint8_t)port_sums,
		.no_chains = (uint8_t)no_chains };
	struct ts_conf conf;

	ts_conf_defaults(&conf);
	conf.tcp.max_conns = 64;
	conf.tcp.time_wait_ms = 1000;
	conf.arp_timeout_ms = 86400000;    /* no ARP traffic in these tests */
	if (tune != NULL)
		tune(&conf);
	now = 5 * HZ;
	if (ts_ctx_init(x, &conf, pool, 0, HZ) != 0 ||
			ts_iface_add(x, &ic, 0, 0) != 0 ||
			ts_tcp_init(x, 0, 1, key, now) != 0)
		return -1;
	ts_set_tx(x, cap_tx, NULL);
	ts_arp_learn(x, 0, PEER_IP, &peer_mac, now);
	if (ts_svc_echo(x, 0, ECHO) != 0 ||
			ts_svc_discard(x, 0, DISCARD) != 0 ||
			ts_tcp_listen(x, 0, APP, &app_ops, NULL) != 0)
		return -1;
	return 0;
}

static int make_ctx(void (*tune)(struct ts_conf *))
{
	return make_ctx_into(&ctx, tune);
}

/* The peer's ISN in open_conn (a test may move it; fresh puts it back). */
static uint32_t peer_isn = 1000;

/* A fresh context and app: its port summing TCP or not (enum
 * ts_tx_cksum), taking chains or not, the stack's tunables as @p tune
 * sets them. */
static int fresh(int sums, int flat, void (*tune)(struct ts_conf *))
{
	memset(&app, 0, sizeof(app));
	peer_isn = 1000;
	rx_ctx = &ctx;
	n_cap = 0;
	tx_room = UINT32_MAX;
	port_sums = sums;
	port_summed = 0;
	chains_sw = 0;
	no_chains = flat;
	rx_ol_flags = 0;
	return make_ctx(tune);
}

static int setup(void **state)
{
	(void)state;
	return fresh(0, 0, NULL);
}

static int teardown(void **state)
{
	int in_use;

	(void)state;
	cap_free();
	in_use = (int)rte_mempool_in_use_count(ctx.tcp.tcb_pool);
	/* Every RST sent or taken is counted under one reason. */
	if (ctx.stats.v[TS_STAT_TCP_RST_TX] !=
			ctx.stats.v[TS_STAT_TCP_RST_TX_NO_CONN] +
			ctx.stats.v[TS_STAT_TCP_RST_TX_BAD_ACK] +
			ctx.stats.v[TS_STAT_TCP_RST_TX_LIMIT] +
			ctx.stats.v[TS_STAT_TCP_RST_TX_ABORT] +
			ctx.stats.v[TS_STAT_TCP_RST_TX_TIMEOUT] ||
			ctx.stats.v[TS_STAT_TCP_RST_RX] !=
			ctx.stats.v[TS_STAT_TCP_RST_RX_REFUSED] +
			ctx.stats.v[TS_STAT_TCP_RST_RX_SYN_RCVD] +
			ctx.stats.v[TS_STAT_TCP_RST_RX_OPEN] +
			ctx.stats.v[TS_STAT_TCP_RST_RX_CLOSING]) {
		print_error("RST counters by reason do not add up\n");
		in_use = -1;
	}
	ts_ctx_free(&ctx);
	if (in_use != 0 || ctx.stats.v[TS_STAT_TCP_CONNS] != 0)
		return -1;
	return rte_mempool_in_use_count(pool) == 0 ? 0 : -1;
}

/* Step time by @p ms, running the timers each millisecond. */
static void step(uint64_t ms)
{
	for (uint64_t i = 0; i < ms; i++) {
		now += MS;
		ts_timers(&ctx, now);
	}
	ts_flush(&ctx);
}

/* Options to put on a crafted segment. */
struct opts {
	uint16_t mss;
	int ws;          /* -1: none */
	int sack_ok;
	int ts;          /* send a timestamp */
	uint32_t tsval, tsecr;
	uint32_t sack_l, sack_r;   /* one SACK block when sack_r != 0 */
};

/* A segment from @p src:@p sport to our @p dport. */
static void send_ip(uint32_t src, uint16_t sport, uint16_t dport,
		uint32_t seq, uint32_t ack, uint8_t flags, uint16_t wnd,
		const void *payload, uint32_t len, const struct opts *o,
		int bad_cksum)
{
	uint8_t opt[40];
	uint32_t olen = 0;
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ih;
	struct rte_tcp_hdr *th;
	uint8_t *p;

	assert_non_null(m);
	if (o != NULL && o->mss) {
		opt[olen++] = 2; opt[olen++] = 4;
		opt[olen++] = (uint8_t)(o->mss >> 8); opt[olen++] = (uint8_t)o->mss;
	}
	if (o != NULL && o->sack_ok) {
		opt[olen++] = 1; opt[olen++] = 1; opt[olen++] = 4; opt[olen++] = 2;
	}
	if (o != NULL && o->ts) {
		uint32_t v = rte_cpu_to_be_32(o->tsval), e = rte_cpu_to_be_32(o->tsecr);

		opt[olen++] = 1; opt[olen++] = 1; opt[olen++] = 8; opt[olen++] = 10;
		memcpy(opt + olen, &v, 4);
		memcpy(opt + olen + 4, &e, 4);
		olen += 8;
	}
	if (o != NULL && o->sack_r != 0) {
		uint32_t l = rte_cpu_to_be_32(o->sack_l), r = rte_cpu_to_be_32(o->sack_r);

		opt[olen++] = 1; opt[olen++] = 1; opt[olen++] = 5; opt[olen++] = 10;
		memcpy(opt + olen, &l, 4);
		memcpy(opt + olen + 4, &r, 4);
		olen += 8;
	}
	if (o != NULL && o->ws >= 0 && (flags & TS_F_SYN)) {
		opt[olen++] = 1; opt[olen++] = 3; opt[olen++] = 3;
		opt[olen++] = (uint8_t)o->ws;
	}
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(14 + 20 + 20 + olen + len));
	assert_non_null(p);
	eh = (struct rte_ether_hdr *)p;
	eh->dst_addr = our_mac;
	eh->src_addr = peer_mac;
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ih = (struct rte_ipv4_hdr *)(eh + 1);
	memset(ih, 0, sizeof(*ih));
	ih->version_ihl = RTE_IPV4_VHL_DEF;
	ih->total_length = rte_cpu_to_be_16((uint16_t)(20 + 20 + olen + len));
	ih->time_to_live = 64;
	ih->next_proto_id = IPPROTO_TCP;
	ih->src_addr = rte_cpu_to_be_32(src);
	ih->dst_addr = rte_cpu_to_be_32(OUR_IP);
	ih->hdr_checksum = rte_ipv4_cksum(ih);
	th = (struct rte_tcp_hdr *)(ih + 1);
	memset(th, 0, sizeof(*th));
	th->src_port = rte_cpu_to_be_16(sport);
	th->dst_port = rte_cpu_to_be_16(dport);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)(((20 + olen) / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(wnd);
	memcpy(th + 1, opt, olen);
	if (payload != NULL)
		memcpy((uint8_t *)(th + 1) + olen, payload, len);
	else
		memset((uint8_t *)(th + 1) + olen, 0, len);
	th->cksum = rte_ipv4_udptcp_cksum(ih, th);
	if (bad_cksum)
		th->cksum ^= 0x0101;
	m->ol_flags |= rx_ol_flags;
	ts_input(rx_ctx, 0, &m, 1, now);
	ts_flush(rx_ctx);
}

/* A segment from the peer's @p sport to our @p dport. */
static void send_from(uint16_t sport, uint16_t dport, uint32_t seq,
		uint32_t ack, uint8_t flags, uint16_t wnd, const void *payload,
		uint32_t len, const struct opts *o, int bad_cksum)
{
	send_ip(PEER_IP, sport, dport, seq, ack, flags, wnd, payload, len, o,
			bad_cksum);
}

/* A segment from the peer's usual port; @p payload NULL sends zeros. */
static void send_seg(uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
		uint16_t wnd, const void *payload, uint32_t len,
		const struct opts *o)
{
	send_from(PEER_PORT, dport, seq, ack, flags, wnd, payload, len, o, 0);
}

static struct seg parse(unsigned int i)
{
	struct rte_mbuf *m = cap[i];
	struct rte_ipv4_hdr *ih = rte_pktmbuf_mtod_offset(m,
			struct rte_ipv4_hdr *, 14);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ih + 1);
	uint32_t hlen = (uint32_t)(th->data_off >> 4) * 4;
	uint32_t tlen = rte_be_to_cpu_16(ih->total_length) - 20u;
	struct seg s;

	assert_true(i < n_cap);
	assert_int_equal(ih->next_proto_id, IPPROTO_TCP);
	/* Every segment we send carries a right checksum. */
	assert_int_equal(rte_pktmbuf_linearize(m), 0);
	ih = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
	th = (struct rte_tcp_hdr *)(ih + 1);
	assert_int_equal(rte_ipv4_udptcp_cksum_verify(ih, th), 0);
	s.seq = rte_be_to_cpu_32(th->sent_seq);
	s.ack = rte_be_to_cpu_32(th->recv_ack);
	s.flags = th->tcp_flags;
	s.wnd = rte_be_to_cpu_16(th->rx_win);
	s.sport = rte_be_to_cpu_16(th->src_port);
	s.dport = rte_be_to_cpu_16(th->dst_port);
	s.len = tlen - hlen;
	s.data = (const uint8_t *)th + hlen;
	memset(&s.opt, 0, sizeof(s.opt));
	{
		const uint8_t *p = (const uint8_t *)(th + 1);
		const uint8_t *end = (const uint8_t *)th + hlen;

		while (p < end && *p != 0) {
			if (*p == 1) { p++; continue; }
			if (p[0] == 2) s.opt.mss = (uint16_t)(p[2] << 8 | p[3]);
			if (p[0] == 3) { s.opt.has_ws = 1; s.opt.wscale = p[2]; }
			if (p[0] == 4) s.opt.sack_ok = 1;
			if (p[0] == 5) s.opt.has_ts |= 2;   /* SACK blocks */
			if (p[0] == 8) {
				uint32_t v;

				memcpy(&v, p + 2, 4);
				s.opt.has_ts |= 1;
				s.opt.ts_val = rte_be_to_cpu_32(v);
			}
			p += p[1];
		}
	}
	return s;
}

/* Payload bytes of captured segment @p i, without checking it. */
static uint32_t parse_len(unsigned int i)
{
	const struct rte_ipv4_hdr *ih = rte_pktmbuf_mtod_offset(cap[i],
			const struct rte_ipv4_hdr *, 14);
	const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)(ih + 1);

	return rte_be_to_cpu_16(ih->total_length) - 20u -
		(uint32_t)(th->data_off >> 4) * 4;
}


/* Three-way handshake from the peer; returns our ISN + 1 (our snd_nxt). */
static uint32_t open_conn(uint16_t port, const struct opts *o)
{
	struct seg sa;

	send_seg(port, peer_isn, 0, TS_F_SYN, 65535, NULL, 0, o);
	assert_int_equal(n_cap, 1);
	sa = parse(0);
	assert_int_equal(sa.flags, TS_F_SYN | TS_F_ACK);
	assert_int_equal(sa.ack, peer_isn + 1);
	cap_free();
	send_seg(port, peer_isn + 1, sa.seq + 1, TS_F_ACK, 65535, NULL, 0, o);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_ESTABLISHED], 1);
	return sa.seq + 1;
}

static const struct opts plain = { .mss = 1460, .ws = -1 };

/* An mbuf holding @p len bytes of @p data, for ts_tcp_send. */
static struct rte_mbuf *mbuf_of(const void *data, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, len), data, len);
	return m;
}

static void test_handshake_options(void **state)
{
	struct opts o = { .mss = 1400, .ws = 7, .sack_ok = 1, .ts = 1,
		.tsval = 12345 };
	struct seg sa;

	(void)state;
	send_seg(APP, 1000, 0, TS_F_SYN, 65535, NULL, 0, &o);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_SYN_RCVD], 1);
	assert_int_equal(n_cap, 1);
	sa = parse(0);
	assert_int_equal(sa.flags, TS_F_SYN | TS_F_ACK);
	assert_int_equal(sa.ack, 1001);
	assert_int_equal(sa.opt.mss, 1460);
	assert_true(sa.opt.has_ws);
	assert_true(sa.opt.wscale >= 1);   /* 64 KB window needs a scale */
	assert_true(sa.opt.sack_ok);
	assert_true(sa.opt.has_ts & 1);
	cap_free();
	assert_int_equal(app.accepted, 0);
	o.tsecr = 0;
	send_seg(APP, 1001, sa.seq + 1, TS_F_ACK, 512, NULL, 0, &o);
	assert_int_equal(app.accepted, 1);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_ESTABLISHED], 1);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_SYN_RCVD], 0);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_PASSIVE_OPEN], 1);
	/* The peer's scale applies to its windows from now on. */
	assert_int_equal(app.last->snd_wnd, 512u << 7);
	assert_int_equal(app.last->mss, 1400);
	ts_tcp_abort(&ctx, app.last);
	ts_flush(&ctx);
	assert_int_equal(n_cap, 1);
	assert_true(parse(0).flags & TS_F_RST);
}

/* Data echoed back; the peer's FIN answered by ours; then gone. */
static void test_echo_and_passive_close(void **state)
{
	static const char msg[] = "hello, wsgw";
	uint32_t snd;
	struct seg s;

	(void)state;
	snd = open_conn(ECHO, &plain);
	send_seg(ECHO, 1001, snd, TS_F_ACK | TS_F_PSH, 65535, msg,
			sizeof(msg), &plain);
	assert_int_equal(n_cap, 1);
	s = parse(0);
	assert_int_equal(s.len, sizeof(msg));
	assert_memory_equal(s.data, msg, sizeof(msg));
	assert_int_equal(s.seq, snd);
	assert_int_equal(s.ack, 1001 + sizeof(msg));
	cap_free();
	/* Peer acknowledges and closes: we answer with FIN (LAST-ACK). */
	send_seg(ECHO, 1001 + sizeof(msg), snd + sizeof(msg),
			TS_F_ACK | TS_F_FIN, 65535, NULL, 0, &plain);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_LAST_ACK], 1);
	assert_int_equal(n_cap, 1);
	s = parse(0);
	assert_int_equal(s.flags, TS_F_FIN | TS_F_ACK);
	assert_int_equal(s.ack, 1001 + sizeof(msg) + 1);
	cap_free();
	send_seg(ECHO, 1002 + sizeof(msg), s.seq + 1, TS_F_ACK, 65535, NULL, 0,
			&plain);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_CONNS], 0);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_LAST_ACK], 0);
}

static void one_port(struct ts_conf *c)
{
	c->tcp.port_lo = c->tcp.port_hi = 40000;
}

/* A range of one port: each source address has it to one destination,
 * and a second connection from one address finds none. */
static void test_port_range(void **state)
{
	struct ts_tcb *a, *b, *x;

	(void)state;
	ts_ctx_free(&ctx);
	assert_int_equal(make_ctx(one_port), 0);
	ctx.ifs[0].n_addrs = 2;            /* .1 and .2 would clash with the peer */
	ctx.ifs[0].conf.addr = TS_IPV4(198, 18, 0, 100);
	assert_int_equal(ts_tcp_connect_from(&ctx, 0, TS_IPV4(198, 18, 0, 100),
			PEER_IP, 8080, &app_ops, NULL, now, &a), 0);
	assert_int_equal(ts_tcp_connect_from(&ctx, 0, TS_IPV4(198, 18, 0, 101),
			PEER_IP, 8080, &app_ops, NULL, now, &b), 0);
	assert_int_equal(ts_tcp_connect_from(&ctx, 0, TS_IPV4(198, 18, 0, 100),
			PEER_IP, 8080, &app_ops, NULL, now, &x), -TS_ERR_FULL);
	ts_flush(&ctx);
	assert_int_equal(n_cap, 2);
	assert_int_equal(parse(0).sport, 40000);
	assert_int_equal(parse(1).sport, 40000);
	cap_free();
	ts_tcp_abort(&ctx, a);
	ts_tcp_abort(&ctx, b);
}

/* Connections from each of the interface's addresses, none from others. */
static void test_connect_from(void **state)
{
	const uint32_t first = TS_IPV4(198, 18, 0, 100);
	struct ts_tcb *c[3], *x;

	(void)state;
	/* The interface as ts_iface_add() leaves it for .100-.102. */
	ctx.ifs[0].conf.addr = first;
	ctx.ifs[0].n_addrs = 3;
	assert_int_equal(ts_tcp_connect_from(&ctx, 0, first + 3, PEER_IP, 8080,
			&app_ops, NULL, now, &x), -TS_ERR_INVAL);
	assert_int_equal(ts_tcp_connect_from(&ctx, 0, OUR_IP, PEER_IP, 8080,
			&app_ops, NULL, now, &x), -TS_ERR_INVAL);
	for (uint32_t i = 0; i < 3; i++)
		assert_int_equal(ts_tcp_connect_from(&ctx, 0, first + i, PEER_IP,
				8080, &app_ops, NULL, now, &c[i]), 0);
	ts_flush(&ctx);
	assert_int_equal(n_cap, 3);
	for (unsigned int i = 0; i < 3; i++) {
		const struct rte_ipv4_hdr *ih = rte_pktmbuf_mtod_offset(cap[i],
				const struct rte_ipv4_hdr *, 14);

		assert_int_equal(rte_be_to_cpu_32(ih->src_addr), first + i);
		assert_int_equal(parse(i).flags, TS_F_SYN);
	}
	cap_free();
	for (unsigned int i = 0; i < 3; i++)
		ts_tcp_abort(&ctx, c[i]);
}

static void many_conns(struct ts_conf *c)
{
	c->tcp.max_conns = 1024;
	c->tcp.time_wait_ms = 1000;
}

/* @p n opens into a port that takes nothing. */
static void connect_blocked(struct ts_tcb **c, unsigned int n)
{
	tx_room = 0;
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(ts_tcp_connect(&ctx, 0, PEER_IP, 8080,
				&app_ops, NULL, now, &c[i]), 0);
	ts_flush(&ctx);
}

/*
 * A burst of opens larger than the transmit queue, into a port that takes
 * nothing: every SYN waits its turn (none dropped), and all go, in the
 * order of the opens, once the port drains.
 */
static void test_syn_burst_held(void **state)
{
	enum { N = 700 };
	static struct ts_tcb *c[N];
	uint16_t prev = 0;

	(void)state;
	ts_ctx_free(&ctx);
	assert_int_equal(make_ctx(many_conns), 0);
	connect_blocked(c, N);
	assert_int_equal(n_cap, 0);
	assert_true(ts_tx_waiting(&ctx));
	assert_int_equal(ctx.stats.v[TS_STAT_DROP_TX_FULL], 0);
	/* The port takes 100 a loop. */
	for (int loop = 0; loop < 100 && ts_tx_waiting(&ctx); loop++) {
		tx_room = 100;
		ts_flush(&ctx);
	}
	assert_false(ts_tx_waiting(&ctx));
	assert_int_equal(n_cap, N);
	assert_int_equal(ctx.stats.v[TS_STAT_DROP_TX_FULL], 0);
	for (unsigned int i = 0; i < N; i++) {
		struct seg s = parse(i);

		assert_int_equal(s.flags, TS_F_SYN);
		assert_int_equal(s.sport, c[i]->lport);
		assert_true(s.sport != prev);
		prev = s.sport;
	}
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_RETRANS_RTO], 0);
	cap_free();
	tx_room = UINT32_MAX;
	for (unsigned int i = 0; i < N; i++)
		ts_tcp_abort(&ctx, c[i]);
	cap_free();

	/* Aborted while their SYNs wait: the blocks go back to the pool
	 * as the list drains, and no SYN of theirs goes out after. */
	connect_blocked(c, N);
	for (unsigned int i = 0; i < N; i++)
		ts_tcp_abort(&ctx, c[i]);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_CONNS], 0);
	tx_room = UINT32_MAX;
	ts_flush(&ctx);
	assert_false(ts_tx_waiting(&ctx));
	assert_int_equal(rte_mempool_in_use_count(ctx.tcp.tcb_pool), 0);
	/* What had reached the transmit buffer before the hold, only. */
	assert_true(n_cap < N);
	cap_free();
}

/*
 * A retransmission timeout while our own port is full is put off without
 * backoff (Linux's local congestion rule); once the port drains, the next
 * one resends as usual.
 */
static void test_rto_port_full_no_backoff(void **state)
{
	enum { N = 300 };
	static struct ts_tcb *c[N];
	struct ts_tcb *d;
	struct seg sent;
	int resent = 0;

	(void)state;
	ts_ctx_free(&ctx);
	assert_int_equal(make_ctx(many_conns), 0);
	open_conn(APP, &plain);
	d = app.last;
	assert_int_equal(ts_tcp_send(&ctx, d, mbuf_of("abcdef", 6)), 0);
	ts_flush(&ctx);
	assert_int_equal(n_cap, 1);
	sent = parse(0);
	assert_int_equal(sent.len, 6);
	cap_free();
	connect_blocked(c, N);
	step(TS_TCP_INIT_RTO_MS + 100);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_RETRANS_RTO], 0);
	assert_true(ctx.stats.v[TS_STAT_TCP_RTO_PORT_FULL] >= 1);
	assert_int_equal(d->backoff, 0);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_TIMEOUT], 0);
	tx_room = UINT32_MAX;
	for (int loop = 0; loop < 10 && ts_tx_waiting(&ctx); loop++)
		ts_flush(&ctx);
	cap_free();
	step(TS_TCP_PORT_FULL_RETRY_MS + 10);
	assert_true(ctx.stats.v[TS_STAT_TCP_RETRANS_RTO] >= 1);
	assert_int_equal(d->backoff, 1);
	for (unsigned int i = 0; i < n_cap; i++) {
		struct seg r = parse(i);

		resent += r.len == 6 && r.seq == sent.seq;
	}
	assert_int_equal(resent, 1);
	cap_free();
	ts_tcp_abort(&ctx, d);
	for (unsigned int i = 0; i < N; i++)
		ts_tcp_abort(&ctx, c[i]);
	ts_flush(&ctx);
	cap_free();
}

/*
 * SYNs that waited for the port time out from when they went, not from
 * the open: those that reached the transmit buffer at once time out at
 * the initial RTO, the ones that waited do not.
 */
static void test_syn_owed_rto_from_send(void **state)
{
	enum { N = 400 };
	static struct ts_tcb *c[N];
	unsigned int owed = 0;

	(void)state;
	ts_ctx_free(&ctx);
	assert_int_equal(make_ctx(many_conns), 0);
	connect_blocked(c, N);
	for (unsigned int i = 0; i < N; i++)
		owed += !!(c[i]->flags & TS_TCBF_SYN_OWED);
	assert_true(owed > 0 && owed < N);
	step(TS_TCP_INIT_RTO_MS - 100);
	tx_room = UINT32_MAX;
	for (int loop = 0; loop < 10 && ts_tx_waiting(&ctx); loop++)
		ts_flush(&ctx);
	assert_int_equal(n_cap, N);
	cap_free();
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_RETRANS_RTO], 0);
	step(200);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_RETRANS_RTO], N - owed);
	cap_free();
	for (unsigned int i = 0; i < N; i++)
		ts_tcp_abort(&ctx, c[i]);
	ts_flush(&ctx);
	cap_free();
}

/*
 * Data (a delayed ACK is due), then a RST before the delay ends: the
 * block leaves the timer wheel with the connection, so no ACK comes from
 * it later and the wheel stays sound when the block is reused.
 */
static void test_rst_while_ack_delayed(void **state)
{
	const char data[10] = "0123456789";

	(void)state;
	open_conn(APP, &plain);
	send_seg(APP, peer_isn + 1, 0, TS_F_ACK, 65535, data, sizeof(data),
			&plain);
	assert_int_equal(app.n, sizeof(data));
	cap_free();
	send_seg(APP, peer_isn + 11, 0, TS_F_RST, 0, NULL, 0, &plain);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_CONNS], 0);
	step(TS_TCP_DELACK_MS + 10);
	assert_int_equal(n_cap, 0);
	/* The block again, its own delayed ACK, then the end. */
	open_conn(APP, &plain);
	send_seg(APP, peer_isn + 1, 0, TS_F_ACK, 65535, data, sizeof(data),
			&plain);
	step(TS_TCP_DELACK_MS + 10);
	assert_int_equal(n_cap, 1);
	assert_int_equal(parse(0).ack, peer_isn + 11);
	cap_free();
	ts_tcp_abort(&ctx, app.last);
	cap_free();
}

static void tw_zero(struct ts_conf *c)
{
	c->tcp.max_conns = 1024;
	c->tcp.time_wait_ms = 0;
}

/* Our close, the peer's FIN, while 300 opens wait for a port that takes
 * nothing: the last ACK is owed. */
static void tw_close_held(struct ts_tcb **c, unsigned int n)
{
	struct seg fin;

	open_conn(APP, &plain);
	ts_tcp_shutdown(&ctx, app.last);
	ts_flush(&ctx);
	fin = parse(0);
	assert_true(fin.flags & TS_F_FIN);
	cap_free();
	connect_blocked(c, n);
	send_seg(APP, peer_isn + 1, fin.seq + 1, TS_F_ACK | TS_F_FIN, 65535,
			NULL, 0, &plain);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_TIME_WAIT], 1);
}

/*
 * TIME-WAIT of 0 ms ends while its last ACK waits for a full port: the
 * connection outstays it until the ACK has gone, and at most 100 ms.
 */
static void test_time_wait_last_ack_waits(void **state)
{
	enum { N = 300 };
	static struct ts_tcb *c[N];
	int acked = 0;

	(void)state;
	ts_ctx_free(&ctx);
	assert_int_equal(make_ctx(tw_zero), 0);
	tw_close_held(c, N);
	step(50);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_TIME_WAIT], 1);
	assert_int_equal(n_cap, 0);
	tx_room = UINT32_MAX;
	ts_flush(&ctx);
	step(2);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_TIME_WAIT], 0);
	for (unsigned int i = 0; i < n_cap; i++) {
		struct seg s = parse(i);

		acked += s.flags == TS_F_ACK && s.dport != 8080 &&
			s.ack == peer_isn + 2;
	}
	assert_int_equal(acked, 1);
	assert_int_equal(ctx.stats.v[TS_STAT_DROP_TX_FULL], 0);
	cap_free();
	for (unsigned int i = 0; i < N; i++)
		ts_tcp_abort(&ctx, c[i]);
	cap_free();

	/* A port that stays full: the connection goes after 100 ms. */
	tw_close_held(c, N);
	step(TS_TW_ACK_WAIT_MS - 5);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_TIME_WAIT], 1);
	step(10);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_TIME_WAIT], 0);
	tx_room = UINT32_MAX;
	ts_flush(&ctx);
	cap_free();
	for (unsigned int i = 0; i < N; i++)
		ts_tcp_abort(&ctx, c[i]);
	ts_flush(&ctx);                  /* the aborted go back to the pool */
	cap_free();
}

/* Active open, active close, TIME-WAIT for exactly its configured time,
 * with the peer's sequence numbers wrapping through zero. */
static void test_active_open_and_time_wait(void **state)
{
	const uint32_t theirs = 0xfffffff0;
	char data[40];
	struct ts_tcb *c;
	struct seg syn, s;
	uint16_t lport;

	(void)state;
	memset(data, 'w', sizeof(data));
	assert_int_equal(ts_tcp_connect(&ctx, 0, PEER_IP, 8080, &app_ops, NULL,
			now, &c), 0);
	ts_flush(&ctx);
	assert_int_equal(n_cap, 1);
	syn = parse(0);
	lport = syn.sport;
	assert_int_equal(syn.flags, TS_F_SYN);
	assert_int_equal(syn.dport, 8080);
	assert_true(lport >= 32768 && lport < 61000);
	assert_true(syn.opt.mss && syn.opt.has_ws && syn.opt.sack_ok);
	cap_free();
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_SYN_SENT], 1);
	send_from(8080, lport, theirs, syn.seq + 1, TS_F_SYN | TS_F_ACK, 1000,
			NULL, 0, &plain, 0);
	assert_int_equal(app.connected, 1);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_ESTABLISHED], 1);
	assert_int_equal(n_cap, 1);
	s = parse(0);
	assert_int_equal(s.flags, TS_F_ACK);
	assert_int_equal(s.ack, theirs + 1);
	cap_free();
	/* 40 bytes that straddle the peer's sequence wrap. */
	send_from(8080, lport, theirs + 1, syn.seq + 1, TS_F_ACK, 1000, data,
			sizeof(data), &plain, 0);
	assert_int_equal(app.n, sizeof(data));
	step(TS_TCP_DELACK_MS);
	s = parse(n_cap - 1);
	assert_int_equal(s.ack, (uint32_t)(theirs + 1 + sizeof(data)));
	assert_true(s.ack < 100);
	cap_free();
	/* We close first: FIN-WAIT-1, -2, then TIME-WAIT on their FIN. */
	ts_tcp_shutdown(&ctx, c);
	ts_flush(&ctx);
	s = parse(0);
	assert_int_equal(s.flags, TS_F_FIN | TS_F_ACK);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_FIN_WAIT_1], 1);
	cap_free();
	send_from(8080, lport, theirs + 41, s.seq + 1, TS_F_ACK, 1000, NULL, 0,
			&plain, 0);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_FIN_WAIT_2], 1);
	send_from(8080, lport, theirs + 41, s.seq + 1, TS_F_ACK | TS_F_FIN, 1000,
			NULL, 0, &plain, 0);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_TIME_WAIT], 1);
	assert_int_equal(parse(n_cap - 1).ack, (uint32_t)(theirs + 42));
	step(990);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_TIME_WAIT], 1);
	step(20);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_TIME_WAIT], 0);
	assert_int_equal(app.closed, 1);
	assert_int_equal(app.closed_why, TS_TCP_END_OK);
}

/* We close first; the peer's FIN puts the connection in TIME-WAIT. */
static void close_to_time_wait(const struct opts *o)
{
	struct seg fin;

	open_conn(APP, o);
	ts_tcp_shutdown(&ctx, app.last);
	ts_flush(&ctx);
	fin = parse(0);
	cap_free();
	send_seg(APP, peer_isn + 1, fin.seq + 1, TS_F_ACK | TS_F_FIN, 65535,
			NULL, 0, o);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_TIME_WAIT], 1);
	cap_free();
}

/* The SYN-ACK of a new passive connection from the same tuple, and its
 * end (RST), the TIME-WAIT block gone. */
static void expect_new_conn(uint32_t isn, const struct opts *o)
{
	struct seg sa;

	assert_int_equal(n_cap, 1);
	sa = parse(0);
	assert_int_equal(sa.flags, TS_F_SYN | TS_F_ACK);
	assert_int_equal(sa.ack, isn + 1);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_TIME_WAIT], 0);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_SYN_RCVD], 1);
	cap_free();
	send_seg(APP, isn + 1, 0, TS_F_RST, 0, NULL, 0, o);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_CONNS], 0);
}

/*
 * A SYN for a connection in TIME-WAIT: a new connection when it starts
 * past what the old one received (no timestamps) or carries a newer
 * timestamp (RFC 6191); otherwise a challenge ACK and TIME-WAIT goes on.
 */
static void test_time_wait_new_syn(void **state)
{
	struct opts ts = { .mss = 1460, .ws = -1, .ts = 1, .tsval = 100 };

	(void)state;
	close_to_time_wait(&plain);
	send_seg(APP, peer_isn, 0, TS_F_SYN, 65535, NULL, 0, &plain);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_TIME_WAIT], 1);
	assert_int_equal(n_cap, 1);
	assert_int_equal(parse(0).flags, TS_F_ACK);   /* challenge */
	cap_free();
	send_seg(APP, peer_isn + 100000, 0, TS_F_SYN, 65535, NULL, 0, &plain);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_TW_REUSE], 1);
	expect_new_conn(peer_isn + 100000, &plain);

	/* Timestamps decide, whatever the sequence number. */
	close_to_time_wait(&ts);
	ts.tsval = 90;
	send_seg(APP, peer_isn + 100000, 0, TS_F_SYN, 65535, NULL, 0, &ts);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_TIME_WAIT], 1);
	cap_free();
	ts.tsval = 200;
	send_seg(APP, peer_isn - 5000, 0, TS_F_SYN, 65535, NULL, 0, &ts);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_TW_REUSE], 2);
	expect_new_conn(peer_isn - 5000, &ts);
}

/* Both FINs cross: CLOSING, then TIME-WAIT. */
static void test_simultaneous_close(void **state)
{
	uint32_t snd = open_conn(APP, &plain);
	struct seg fin;

	(void)state;
	ts_tcp_shutdown(&ctx, app.last);
	ts_flush(&ctx);
	fin = parse(0);
	cap_free();
	send_seg(APP, 1001, snd, TS_F_ACK | TS_F_FIN, 65535, NULL, 0, &plain);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_CLOSING], 1);
	assert_int_equal(app.peer_closed, 0);     /* we were already closing */
	send_seg(APP, 1002, fin.seq + 1, TS_F_ACK, 65535, NULL, 0, &plain);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_TIME_WAIT], 1);
	step(1100);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_CONNS], 0);
}

/*
 * Simultaneous open (RFC 9293 figure 8): our SYN and the peer's cross;
 * each side answers with SYN-ACK, and the peer's completes our connect().
 */
/* connect() to the peer's port 8080: the SYN that went out. */
static struct seg connect_syn(struct ts_tcb **c)
{
	struct seg syn;

	assert_int_equal(ts_tcp_connect(&ctx, 0, PEER_IP, 8080, &app_ops, NULL,
			now, c), 0);
	ts_flush(&ctx);
	syn = parse(0);
	cap_free();
	return syn;
}

static void test_simultaneous_open(void **state)
{
	const uint32_t theirs = 7000;
	struct ts_tcb *c;
	struct seg syn, sa;

	(void)state;
	syn = connect_syn(&c);
	/* The peer's own SYN, no ACK: SYN-RECEIVED, our SYN-ACK, same ISS. */
	send_from(8080, syn.sport, theirs, 0, TS_F_SYN, 65535, NULL, 0, &plain,
			0);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_SYN_RCVD], 1);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_SYN_SENT], 0);
	assert_int_equal(n_cap, 1);
	sa = parse(0);
	assert_int_equal(sa.flags, TS_F_SYN | TS_F_ACK);
	assert_int_equal(sa.seq, syn.seq);
	assert_int_equal(sa.ack, theirs + 1);
	cap_free();
	assert_int_equal(app.connected, 0);
	/* The peer's SYN-ACK: established, connected(), no challenge. */
	send_from(8080, syn.sport, theirs, syn.seq + 1, TS_F_SYN | TS_F_ACK,
			65535, NULL, 0, &plain, 0);
	assert_int_equal(app.connected, 1);
	assert_int_equal(app.accepted, 0);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_ESTABLISHED], 1);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_CHALLENGE_ACK], 0);
	assert_int_equal(c->snd_una, syn.seq + 1);
	cap_free();
	/* Data both ways, and our SYN's timer is gone: no resend later. */
	send_from(8080, syn.sport, theirs + 1, syn.seq + 1, TS_F_ACK, 65535,
			"abc", 3, &plain, 0);
	assert_int_equal(app.n, 3);
	cap_free();
	assert_int_equal(ts_tcp_send(&ctx, c, mbuf_of("xyz", 3)), 0);
	ts_flush(&ctx);
	assert_int_equal(n_cap, 1);
	assert_int_equal(parse(0).seq, syn.seq + 1);
	assert_int_equal(parse(0).len, 3);
	cap_free();
	send_from(8080, syn.sport, theirs + 4, syn.seq + 4, TS_F_ACK, 65535,
			NULL, 0, &plain, 0);
	step(3000);
	assert_int_equal(n_cap, 0);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_RETRANS_RTO], 0);
	ts_tcp_abort(&ctx, c);
}

/* RFC 5961: RST in window but not exact gets a challenge ACK; exact ends. */
static void test_rst_rules(void **state)
{
	uint32_t snd = open_conn(APP, &plain);

	(void)state;
	send_seg(APP, 1001 + 100, snd, TS_F_RST, 0, NULL, 0, NULL);
	assert_int_equal(ctx.stats.v[TS_STAT_DROP_TCP_RST], 1);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_CHALLENGE_ACK], 1);
	assert_int_equal(n_cap, 1);
	assert_int_equal(parse(0).ack, 1001);
	cap_free();
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_ESTABLISHED], 1);
	/* Out of the window entirely: no effect but an ACK. */
	send_seg(APP, 1001 + 10000000, snd, TS_F_RST, 0, NULL, 0, NULL);
	assert_int_equal(ctx.stats.v[TS_STAT_DROP_TCP_WINDOW], 1);
	assert_int_equal(n_cap, 0);
	send_seg(APP, 1001, snd, TS_F_RST, 0, NULL, 0, NULL);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_RST_RX], 1);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_RST_RX_OPEN], 1);
	assert_int_equal(app.closed, 1);
	assert_int_equal(app.closed_why, TS_TCP_END_RESET);
	assert_int_equal(n_cap, 0);      /* never answer a RST */
}

static void test_syn_in_established_challenged(void **state)
{
	uint32_t snd = open_conn(APP, &plain);

	(void)state;
	send_seg(APP, 5000, 0, TS_F_SYN, 65535, NULL, 0, &plain);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_CHALLENGE_ACK], 1);
	assert_int_equal(parse(0).ack, 1001);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_ESTABLISHED], 1);
	cap_free();
	/* An ACK for data never sent: challenge, dropped. */
	send_seg(APP, 1001, snd + 5000, TS_F_ACK, 65535, "x", 1, &plain);
	assert_int_equal(ctx.stats.v[TS_STAT_DROP_TCP_ACK], 1);
	assert_int_equal(app.n, 0);
	ts_tcp_abort(&ctx, app.last);
}

/* Segments out of order are held, SACKed, and delivered in order. */
static void test_out_of_order(void **state)
{
	struct opts o = { .mss = 1460, .ws = -1, .sack_ok = 1 };
	char a[100], b[100], c3[100];
	uint32_t snd;
	struct seg s;

	(void)state;
	memset(a, 'a', sizeof(a));
	memset(b, 'b', sizeof(b));
	memset(c3, 'c', sizeof(c3));
	snd = open_conn(APP, &o);
	send_seg(APP, 1201, snd, TS_F_ACK, 65535, c3, 100, &o);
	send_seg(APP, 1101, snd, TS_F_ACK, 65535, b, 100, &o);
	assert_int_equal(app.n, 0);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_OOO], 2);
	/* Each was answered at once with a duplicate ACK carrying SACK. */
	assert_int_equal(n_cap, 2);
	s = parse(1);
	assert_int_equal(s.ack, 1001);
	assert_true(s.opt.has_ts & 2);
	cap_free();
	/* A duplicate of what is held changes nothing. */
	send_seg(APP, 1101, snd, TS_F_ACK, 65535, b, 100, &o);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_DUP], 1);
	cap_free();
	/* The hole is filled, with an overlap into what is held. */
	{
		char fill[150];

		memset(fill, 'a', 100);
		memset(fill + 100, 'b', 50);
		send_seg(APP, 1001, snd, TS_F_ACK, 65535, fill, 150, &o);
	}
	assert_int_equal(app.n, 300);
	assert_memory_equal(app.data, a, 100);
	assert_memory_equal(app.data + 100, b, 100);
	assert_memory_equal(app.data + 200, c3, 100);
	assert_int_equal(parse(n_cap - 1).ack, 1301);
	ts_tcp_abort(&ctx, app.last);
}

/* Unacknowledged data: resent at the RTO, doubling, then given up. */
static void test_retransmit_backoff_timeout(void **state)
{
	static const char msg[] = "ping";
	uint32_t snd = open_conn(ECHO, &plain);

	(void)state;
	send_seg(ECHO, 1001, snd, TS_F_ACK, 65535, msg, 4, &plain);
	assert_int_equal(n_cap, 1);
	cap_free();
	/* Initial RTO 1 s (no RTT sample yet), then 2, 4, 8 s: to the tick. */
	for (unsigned int i = 0; i < 4; i++) {
		step((1000u << i) - 1);
		assert_int_equal(n_cap, 0);
		step(1);
		assert_int_equal(n_cap, 1);
		assert_int_equal(parse(0).seq, snd);
		assert_int_equal(parse(0).len, 4);
		cap_free();
		assert_int_equal(ctx.stats.v[TS_STAT_TCP_RETRANS_RTO], i + 1);
	}
	/* Eventually the connection is given up with a RST. */
	step(3000000);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_TIMEOUT], 1);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_CONNS], 0);
	assert_true(parse(n_cap - 1).flags & TS_F_RST);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_RST_TX_TIMEOUT], 1);
}

/*
 * Slow start grows the window by what an ACK covers, two segments at
 * most (RFC 3465, L = 2); after a timeout, until what was then in flight
 * is acknowledged, by one segment at most (L = 1).
 */
static void test_abc_after_rto(void **state)
{
	struct ts_tcb c = { .mss = 1000, .iss = 5000 };
	uint32_t cw;

	(void)state;
	ts_cc_init(&c);
	c.snd_una = 6000;
	c.snd_max = 26000;                     /* 20 segments in flight */
	cw = c.cwnd;
	ts_cc_newreno.ack(&ctx, &c, 9000, 3000, 0);
	assert_int_equal(c.cwnd, cw + 2000);   /* slow start, L = 2 */
	ts_cc_rto(&c);
	assert_int_equal(c.cwnd, 1000);
	assert_int_equal(c.ssthresh, 10000);
	assert_int_equal(c.recover, 26000);
	/* Resent segments acknowledged with held ones: one segment each. */
	ts_cc_newreno.ack(&ctx, &c, 9000, 3000, 0);
	assert_int_equal(c.cwnd, 2000);
	ts_cc_newreno.ack(&ctx, &c, 25999, 16999, 0);
	assert_int_equal(c.cwnd, 3000);
	/* Past recover, L is two segments again. */
	ts_cc_newreno.ack(&ctx, &c, 29000, 3000, 0);
	assert_int_equal(c.cwnd, 5000);
}

/*
 * Past 2 GB of a stream, recover still compares right: slow start keeps
 * L = 2, and a SACK recovery may start (ts_cc_may_recover).
 */
static void test_recover_long_stream(void **state)
{
	struct ts_tcb c = { .mss = 1000, .iss = 0 };
	uint32_t cw;

	(void)state;
	ts_cc_init(&c);
	for (uint32_t k = 1; k <= 6; k++) {
		c.snd_una = k << 30;
		c.snd_max = c.snd_una + 20000;
		cw = c.cwnd;
		ts_cc_newreno.ack(&ctx, &c, c.snd_una, 3000, 0);
		assert_int_equal(c.cwnd, cw + 2000);
		assert_true(ts_cc_may_recover(&c));
	}
}

/* Three duplicate ACKs: the first segment is resent at once. */
static void test_fast_retransmit(void **state)
{
	char big[4000];
	uint32_t snd = open_conn(ECHO, &plain);

	(void)state;
	memset(big, 'z', sizeof(big));
	send_seg(ECHO, 1001, snd, TS_F_ACK, 65535, big, 1400, &plain);
	send_seg(ECHO, 2401, snd, TS_F_ACK, 65535, big, 1400, &plain);
	send_seg(ECHO, 3801, snd, TS_F_ACK, 65535, big, 1200, &plain);
	cap_free();
	for (int i = 0; i < 3; i++)
		send_seg(ECHO, 5001, snd, TS_F_ACK, 65535, NULL, 0, &plain);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_RETRANS_FAST], 1);
	assert_int_equal(n_cap, 1);
	assert_int_equal(parse(0).seq, snd);
	cap_free();
	/* A full ACK ends recovery. */
	send_seg(ECHO, 5001, snd + 4000, TS_F_ACK, 65535, NULL, 0, &plain);
	assert_int_equal(app.last, NULL);
	ts_tcp_abort(&ctx, ts_flow_find(&ctx, ts_flow_hash(PEER_IP, OUR_IP,
			PEER_PORT, ECHO), PEER_IP, OUR_IP, PEER_PORT, ECHO));
}

/*
 * SACK recovery (RFC 6675): the peer holds all but the first segment; the
 * first alone is resent, at once, nothing it sacked goes again, and the
 * scoreboard goes back to its pool when the hole is filled.
 */
static void test_sack_recovery(void **state)
{
	struct opts o = { .mss = 1460, .ws = -1, .sack_ok = 1 };
	char big[5000];
	uint32_t snd;
	struct ts_tcb *c;
	struct seg r;

	(void)state;
	memset(big, 'q', sizeof(big));
	snd = open_conn(ECHO, &o);
	c = ts_flow_find(&ctx, ts_flow_hash(PEER_IP, OUR_IP, PEER_PORT, ECHO),
			PEER_IP, OUR_IP, PEER_PORT, ECHO);
	send_seg(ECHO, 1001, snd, TS_F_ACK, 65535, big, 1460, &o);
	send_seg(ECHO, 2461, snd, TS_F_ACK, 65535, big, 1460, &o);
	send_seg(ECHO, 3921, snd, TS_F_ACK, 65535, big, 1460, &o);
	send_seg(ECHO, 5381, snd, TS_F_ACK, 65535, big, 620, &o);
	assert_int_equal(n_cap, 4);          /* the echo: 4 segments */
	cap_free();
	/* One ACK: the first segment missing, the other three sacked. */
	o.sack_l = snd + 1460;
	o.sack_r = snd + 5000;
	send_seg(ECHO, 6001, snd, TS_F_ACK, 65535, NULL, 0, &o);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_SACK_RECOVERY], 1);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_RETRANS_FAST], 1);
	assert_int_equal(n_cap, 1);
	r = parse(0);
	assert_int_equal(r.seq, snd);
	assert_int_equal(r.len, 1460);
	assert_int_not_equal(c->sb, 0);
	cap_free();
	/* More duplicates: nothing sacked is resent, nothing else is owed. */
	send_seg(ECHO, 6001, snd, TS_F_ACK, 65535, NULL, 0, &o);
	send_seg(ECHO, 6001, snd, TS_F_ACK, 65535, NULL, 0, &o);
	for (unsigned int i = 0; i < n_cap; i++)
		assert_int_equal(parse(i).len, 0);
	cap_free();
	/* The hole filled: recovery over, the scoreboard back in the pool. */
	o.sack_r = 0;
	send_seg(ECHO, 6001, snd + 5000, TS_F_ACK, 65535, NULL, 0, &o);
	assert_int_equal(c->sb, 0);
	assert_int_equal(c->flags & TS_TCBF_RECOVERY, 0);
	assert_int_equal(ctx.tcp.sb.n_free, ctx.tcp.sb.size);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_RETRANS_RTO], 0);
	ts_tcp_abort(&ctx, c);
}

/*
 * Delayed ACKs: a lone segment is acknowledged after TS_TCP_DELACK_MS,
 * the second full segment at once, a segment out of order or filling a
 * gap at once, and data sent back carries the ACK so none follows.
 */
static void test_delayed_ack(void **state)
{
	static uint8_t full[1460];
	uint32_t snd = open_conn(APP, &plain), rcv = 1001;
	struct seg s;

	(void)state;
	send_seg(APP, rcv, snd, TS_F_ACK, 65535, "ping", 4, &plain);
	rcv += 4;
	assert_int_equal(app.n, 4);
	step(TS_TCP_DELACK_MS - 1);
	assert_int_equal(n_cap, 0);
	step(1);
	assert_int_equal(n_cap, 1);
	s = parse(0);
	assert_int_equal(s.len, 0);
	assert_int_equal(s.ack, rcv);
	cap_free();
	step(200);
	assert_int_equal(n_cap, 0);
	/* Full segments: every second one acknowledged at once. */
	for (int i = 0; i < 4; i++) {
		send_seg(APP, rcv, snd, TS_F_ACK, 65535, full, sizeof(full),
				&plain);
		rcv += sizeof(full);
		assert_int_equal(n_cap, (unsigned int)(i & 1));
		if (n_cap == 1)
			assert_int_equal(parse(0).ack, rcv);
		cap_free();
	}
	step(200);
	assert_int_equal(n_cap, 0);
	/* Out of order: a duplicate ACK at once; the gap filled: at once. */
	send_seg(APP, rcv + 100, snd, TS_F_ACK, 65535, full, 100, &plain);
	assert_int_equal(n_cap, 1);
	assert_int_equal(parse(0).ack, rcv);
	cap_free();
	send_seg(APP, rcv, snd, TS_F_ACK, 65535, full, 100, &plain);
	assert_int_equal(n_cap, 1);
	assert_int_equal(parse(0).ack, rcv + 200);
	cap_free();
	step(200);
	assert_int_equal(n_cap, 0);
	ts_tcp_abort(&ctx, app.last);
	ts_flush(&ctx);
	cap_free();
	/* Echoed: the reply carries the ACK, nothing follows it. */
	snd = open_conn(ECHO, &plain);
	send_seg(ECHO, 1001, snd, TS_F_ACK, 65535, "ping", 4, &plain);
	assert_int_equal(n_cap, 1);
	s = parse(0);
	assert_int_equal(s.len, 4);
	assert_int_equal(s.ack, 1005);
	cap_free();
	step(200);
	assert_int_equal(n_cap, 0);
	ts_tcp_abort(&ctx, ts_flow_find(&ctx, ts_flow_hash(PEER_IP, OUR_IP,
			PEER_PORT, ECHO), PEER_IP, OUR_IP, PEER_PORT, ECHO));
}

/*
 * An application that keeps what it received unreported (no
 * ts_tcp_recved) closes the window: each ACK offers only the receive
 * buffer's room left, and a segment past it is refused. Whichever half of
 * the sequence space the peer's ISN is in (and across the wrap): a window
 * edge never set once read as far ahead of an ISN past 2^31, and the
 * window never closed.
 */
static void test_window_closes_when_held(void **state)
{
	static uint8_t full[1460];
	const uint32_t isns[] = { 1000, 0x90000000u, 0xfffff000u };

	(void)state;
	for (unsigned int k = 0; k < RTE_DIM(isns); k++) {
		uint32_t snd, rcv, held = 0;
		uint64_t refused;
		struct seg s;

		peer_isn = isns[k];
		app.hold = 1;
		app.n = 0;
		snd = open_conn(APP, &plain);
		rcv = peer_isn + 1;
		for (int i = 0; i < 41; i++) {    /* 59,860 bytes */
			send_seg(APP, rcv, snd, TS_F_ACK, 65535, full,
					sizeof(full), &plain);
			rcv += sizeof(full);
			held += sizeof(full);
			cap_free();
		}
		step(TS_TCP_DELACK_MS);
		assert_int_equal(n_cap, 1);
		s = parse(0);
		assert_int_equal(s.ack, rcv);
		assert_true(s.wnd <= 65536 - held);
		cap_free();
		/* At the room's edge and past it: not taken. */
		refused = ctx.stats.v[TS_STAT_DROP_TCP_WINDOW];
		send_seg(APP, rcv + 65536 - held, snd, TS_F_ACK, 65535, full,
				sizeof(full), &plain);
		assert_int_equal(ctx.stats.v[TS_STAT_DROP_TCP_WINDOW],
				refused + 1);
		assert_int_equal(app.n, held);
		cap_free();
		ts_tcp_abort(&ctx, app.last);
		ts_flush(&ctx);
		cap_free();
	}
}

/* A zero window is probed, with backoff, until it opens. */
static void test_zero_window_probe(void **state)
{
	uint32_t snd = open_conn(ECHO, &plain);

	(void)state;
	send_seg(ECHO, 1001, snd, TS_F_ACK, 0, "abcd", 4, &plain);
	/* Window 0: the echo waits, nothing but the (delayed) ACK goes out. */
	assert_int_equal(n_cap, 0);
	step(TS_TCP_DELACK_MS);
	assert_int_equal(n_cap, 1);
	assert_int_equal(parse(0).len, 0);
	cap_free();
	step(1010 - TS_TCP_DELACK_MS);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ZWP], 1);
	assert_int_equal(parse(0).seq, snd - 1);
	cap_free();
	step(2010);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ZWP], 2);
	cap_free();
	/* The window opens: the data goes. */
	send_seg(ECHO, 1005, snd, TS_F_ACK, 1000, NULL, 0, &plain);
	assert_int_equal(n_cap, 1);
	assert_int_equal(parse(0).len, 4);
	ts_tcp_abort(&ctx, ts_flow_find(&ctx, ts_flow_hash(PEER_IP, OUR_IP,
			PEER_PORT, ECHO), PEER_IP, OUR_IP, PEER_PORT, ECHO));
}

/*
 * A segment made of two queued pieces, the first of odd length: its
 * checksum (checked in parse) must still be right.
 */
static void test_odd_pieces_checksum(void **state)
{
	char a[301], b[300];
	uint32_t snd = open_conn(ECHO, &plain);
	struct seg s;

	(void)state;
	memset(a, 0x5a, sizeof(a));
	memset(b, 0xa7, sizeof(b));
	send_seg(ECHO, 1001, snd, TS_F_ACK, 0, a, sizeof(a), &plain);
	send_seg(ECHO, 1302, snd, TS_F_ACK, 0, b, sizeof(b), &plain);
	cap_free();
	send_seg(ECHO, 1602, snd, TS_F_ACK, 4000, NULL, 0, &plain);
	assert_int_equal(n_cap, 1);
	s = parse(0);
	assert_int_equal(s.len, 601);
	assert_int_equal(s.data[300], 0x5a);
	assert_int_equal(s.data[301], 0xa7);
	ts_tcp_abort(&ctx, ts_flow_find(&ctx, ts_flow_hash(PEER_IP, OUR_IP,
			PEER_PORT, ECHO), PEER_IP, OUR_IP, PEER_PORT, ECHO));
}

/* Byte @p k of the stream test_small_frames sends. */
static uint8_t small_byte(uint32_t k)
{
	return (uint8_t)(k * 13 + 1);
}

/* Captured segments into @p got at their offset from @p base. */
static void small_collect(uint8_t *got, uint8_t *seen, uint32_t size,
		uint32_t base)
{
	for (unsigned int i = 0; i < n_cap; i++) {
		struct seg sg = parse(i);

		for (uint32_t j = 0; j < sg.len; j++) {
			uint32_t k = sg.seq - base + j;

			assert_true(k < size);
			got[k] = sg.data[j];
			seen[k] = 1;
		}
	}
	cap_free();
}

/*
 * Many small frames queued on one connection: each segment's data is found
 * from where the last one began (the send cursor), through partial ACKs
 * that trim a frame, a window that stops sending mid-queue, and an RTO that
 * goes back to snd_una. Every byte arrives right, in its place.
 */
static void test_small_frames(void **state)
{
	enum { FRAMES = 200, LEN = 7, SIZE = FRAMES * LEN };
	static uint8_t got[SIZE], seen[SIZE];
	uint32_t snd = open_conn(APP, &plain);
	struct ts_tcb *c = app.last;
	uint32_t k = 0;

	(void)state;
	memset(seen, 0, sizeof(seen));
	send_seg(APP, 1001, snd, TS_F_ACK, 600, NULL, 0, &plain);
	for (unsigned int i = 0; i < FRAMES; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, LEN);

		for (unsigned int j = 0; j < LEN; j++)
			p[j] = small_byte(k++);
		assert_int_equal(ts_tcp_send(&ctx, c, m), 0);
	}
	ts_flush(&ctx);
	small_collect(got, seen, SIZE, snd);
	for (k = 0; k < SIZE; k++)
		assert_int_equal(seen[k], k < 600);
	/* 300 acknowledged: a frame cut in two; 300 more may go. */
	send_seg(APP, 1001, snd + 300, TS_F_ACK, 600, NULL, 0, &plain);
	small_collect(got, seen, SIZE, snd);
	for (k = 0; k < SIZE; k++)
		assert_int_equal(seen[k], k < 900);
	/* Nothing more acknowledged: the RTO resends from snd_una (300). */
	memset(seen, 0, sizeof(seen));
	assert_int_equal(c->rto, 200);   /* an RTT sample of 0: rto_min */
	step(200);
	assert_true(n_cap >= 1);
	assert_int_equal(parse(0).seq, snd + 300);
	small_collect(got, seen, SIZE, snd);
	/* Then the rest, a window at a time. */
	for (uint32_t una = 900; una < SIZE; una += 500) {
		send_seg(APP, 1001, snd + una, TS_F_ACK, 600, NULL, 0, &plain);
		small_collect(got, seen, SIZE, snd);
	}
	send_seg(APP, 1001, snd + SIZE, TS_F_ACK, 600, NULL, 0, &plain);
	cap_free();
	for (k = 0; k < SIZE; k++)
		assert_int_equal(got[k], small_byte(k));
	assert_int_equal(c->sndq_bytes, 0);
	ts_tcp_abort(&ctx, c);
}

/*
 * ts_tcp_send_now: the segment is built at once (snd_nxt moves before the
 * burst's flush), from the queue's tail past unacknowledged data, and the
 * connection stays off the output list; one already on it waits its turn.
 */
static void test_send_now(void **state)
{
	uint32_t snd = open_conn(APP, &plain);
	struct ts_tcb *c = app.last;
	struct seg s;

	(void)state;
	assert_int_equal(ts_tcp_send_now(&ctx, c, mbuf_of("abc", 3)), 0);
	assert_int_equal(c->snd_nxt, snd + 3);
	assert_false(c->flags & TS_TCBF_PENDING);
	/* "abc" unacknowledged: the next one's bytes come from the tail. */
	assert_int_equal(ts_tcp_send_now(&ctx, c, mbuf_of("defg", 4)), 0);
	assert_int_equal(c->snd_nxt, snd + 7);
	ts_flush(&ctx);
	assert_int_equal(n_cap, 2);
	s = parse(0);
	assert_int_equal(s.seq, snd);
	assert_int_equal(s.len, 3);
	assert_memory_equal(s.data, "abc", 3);
	s = parse(1);
	assert_int_equal(s.seq, snd + 3);
	assert_int_equal(s.len, 4);
	assert_memory_equal(s.data, "defg", 4);
	cap_free();
	/* Queued for the flush first: the next waits with it, in order. */
	assert_int_equal(ts_tcp_send(&ctx, c, mbuf_of("hi", 2)), 0);
	assert_int_equal(ts_tcp_send_now(&ctx, c, mbuf_of("jkl", 3)), 0);
	assert_int_equal(c->snd_nxt, snd + 7);
	assert_true(c->flags & TS_TCBF_PENDING);
	ts_flush(&ctx);
	assert_int_equal(c->snd_nxt, snd + 12);
	assert_true(n_cap >= 1);
	s = parse(0);
	assert_int_equal(s.seq, snd + 7);
	assert_int_equal(s.len, 5);
	assert_memory_equal(s.data, "hijkl", 5);
	cap_free();
	send_seg(APP, 1001, snd + 12, TS_F_ACK, 65535, NULL, 0, &plain);
	assert_int_equal(c->sndq_bytes, 0);
	/* From within the connection's own input: it waits for the flush,
	 * and leaves then with the ACK for what came in. */
	app.reply_now = 1;
	send_seg(APP, 1001, snd + 12, TS_F_ACK, 65535, "hey", 3, &plain);
	app.reply_now = 0;
	assert_int_equal(app.reply_nxt, snd + 12);
	assert_true(app.reply_pending);
	assert_int_equal(c->snd_nxt, snd + 14);
	assert_int_equal(n_cap, 1);
	s = parse(0);
	assert_int_equal(s.seq, snd + 12);
	assert_int_equal(s.ack, 1004);
	assert_memory_equal(s.data, "ok", 2);
	cap_free();
	ts_tcp_abort(&ctx, c);
}

/* Whether captured segment @p i carries a right TCP checksum. */
static int cksum_right(unsigned int i)
{
	struct rte_ipv4_hdr *ih;

	assert_true(i < n_cap);
	assert_int_equal(rte_pktmbuf_linearize(cap[i]), 0);
	ih = rte_pktmbuf_mtod_offset(cap[i], struct rte_ipv4_hdr *, 14);
	return rte_ipv4_udptcp_cksum_verify(ih, ih + 1) == 0;
}

/* A frame of @p len patterned bytes starting @p shift bytes into the room. */
static struct rte_mbuf *frame_of(uint16_t len, uint16_t shift, uint8_t seed)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p;

	assert_non_null(m);
	m->data_off = (uint16_t)(m->data_off + shift);
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	assert_non_null(p);
	for (uint16_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7);
	return m;
}

/*
 * Queue @p m on @p c and flush: @p n_segs segments whose checksums are
 * right (or, with @p want_right 0, wrong); then the peer acknowledges
 * them all. *@p snd is our next sequence number.
 */
static void send_expect(struct ts_tcb *c, struct rte_mbuf *m, uint32_t *snd,
		unsigned int n_segs, int want_right)
{
	uint32_t bytes = 0;

	assert_int_equal(ts_tcp_send(&ctx, c, m), 0);
	ts_flush(&ctx);
	assert_int_equal(n_cap, n_segs);
	for (unsigned int i = 0; i < n_cap; i++) {
		assert_int_equal(cksum_right(i), want_right);
		bytes += parse_len(i);
	}
	cap_free();
	*snd += bytes;
	send_seg(APP, 1001, *snd, TS_F_ACK, 65535, NULL, 0, &plain);
	assert_int_equal(c->sndq_bytes, 0);
}

/*
 * Payload checksums summed once (ts_payload_cksum_prepare) and reused: a
 * segment that is one whole prepared piece, sent as the frame itself or
 * as a clone, copied (<= 256 bytes) or attached, at any alignment, gets
 * the right checksum. To show the stored sum is what was used, the data
 * is then changed after the sum: whole pieces carry the stale (wrong)
 * checksum, while segments holding only part of a piece (split by the
 * MSS, or after a partial ACK) are summed afresh and stay right.
 */
static void test_payload_cksum_reuse(void **state)
{
	static const uint16_t lens[] = { 1, 3, 255, 256, 257, 1001, 1459, 1460 };
	uint32_t snd = open_conn(APP, &plain);
	struct ts_tcb *c = app.last;
	struct rte_mbuf *d, *a, *b;

	(void)state;
	for (unsigned int i = 0; i < RTE_DIM(lens); i++) {
		for (int stale = 0; stale <= 1; stale++) {
			d = frame_of(lens[i], (uint16_t)(i & 3), (uint8_t)i);
			ts_payload_cksum_prepare(&ctx, d);
			if (stale)
				rte_pktmbuf_mtod(d, uint8_t *)[lens[i] / 2] ^= 0x10;
			send_expect(c, rte_pktmbuf_clone(d, pool), &snd, 1, !stale);
			send_expect(c, d, &snd, 1, !stale);   /* the frame itself */
		}
	}
	/* Whole pieces at an odd position of the payload: copied, attached. */
	for (int stale = 0; stale <= 1; stale++) {
		for (uint16_t second = 101; second <= 1001; second += 900) {
			a = frame_of(1, 0, 9);
			b = frame_of(second, 1, 3);
			ts_payload_cksum_prepare(&ctx, a);
			ts_payload_cksum_prepare(&ctx, b);
			if (stale)
				rte_pktmbuf_mtod(b, uint8_t *)[second - 1] ^= 0x01;
			assert_int_equal(ts_tcp_send(&ctx, c, rte_pktmbuf_clone(a,
					pool)), 0);
			send_expect(c, rte_pktmbuf_clone(b, pool), &snd, 1, !stale);
			rte_pktmbuf_free(a);
			rte_pktmbuf_free(b);
		}
	}
	/* A chain prepared at once: each segment of it has its own sum. */
	a = frame_of(700, 2, 1);
	b = frame_of(300, 3, 2);
	rte_pktmbuf_chain(a, b);
	ts_payload_cksum_prepare(&ctx, a);
	send_expect(c, rte_pktmbuf_clone(a, pool), &snd, 1, 1);
	rte_pktmbuf_free(a);
	/* Larger than a segment: two parts of one piece, both summed. */
	d = frame_of(2000, 1, 5);
	ts_payload_cksum_prepare(&ctx, d);
	rte_pktmbuf_mtod(d, uint8_t *)[7] ^= 0x10;
	send_expect(c, rte_pktmbuf_clone(d, pool), &snd, 2, 1);
	rte_pktmbuf_free(d);
	/* Resent after a partial ACK, clone and frame: what is left is summed. */
	for (int direct = 0; direct <= 1; direct++) {
		d = frame_of(1000, 0, 6);
		ts_payload_cksum_prepare(&ctx, d);
		rte_pktmbuf_mtod(d, uint8_t *)[900] ^= 0x10;
		assert_int_equal(ts_tcp_send(&ctx, c, direct ? d :
				rte_pktmbuf_clone(d, pool)), 0);
		if (!direct)
			rte_pktmbuf_free(d);
		ts_flush(&ctx);
		assert_int_equal(n_cap, 1);
		assert_false(cksum_right(0));
		cap_free();
		send_seg(APP, 1001, snd + 400, TS_F_ACK, 65535, NULL, 0, &plain);
		step(c->rto + 1);
		assert_int_equal(n_cap, 1);
		assert_int_equal(parse_len(0), 600);
		assert_true(cksum_right(0));
		cap_free();
		snd += 1000;
		send_seg(APP, 1001, snd, TS_F_ACK, 65535, NULL, 0, &plain);
		assert_int_equal(c->sndq_bytes, 0);
	}
	ts_tcp_abort(&ctx, c);
}

static void backlog_one(struct ts_conf *c)
{
	c->tcp.syn_backlog = 1;
	c->tcp.max_conns = 64;
	c->tcp.time_wait_ms = 1000;
}

/* Past the backlog: a cookie, no state; a valid ACK makes the connection. */
static void test_syn_cookies(void **state)
{
	struct seg sa;

	(void)state;
	ts_ctx_free(&ctx);
	assert_int_equal(make_ctx(backlog_one), 0);
	send_from(50000, APP, 7000, 0, TS_F_SYN, 65535, NULL, 0, &plain, 0);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_CONNS], 1);
	cap_free();
	send_seg(APP, 1000, 0, TS_F_SYN, 65535, NULL, 0, &plain);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_COOKIE_TX], 1);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_CONNS], 1);   /* no state */
	sa = parse(0);
	assert_int_equal(sa.flags, TS_F_SYN | TS_F_ACK);
	assert_int_equal(sa.opt.mss, 1460);
	cap_free();
	/* A forged ACK fails and is reset. */
	send_seg(APP, 1001, sa.seq + 77, TS_F_ACK, 65535, NULL, 0, NULL);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_COOKIE_BAD], 1);
	assert_true(parse(0).flags & TS_F_RST);
	cap_free();
	/* The real one, carrying data. */
	send_seg(APP, 1001, sa.seq + 1, TS_F_ACK, 65535, "hi", 2, NULL);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_COOKIE_OK], 1);
	assert_int_equal(app.accepted, 1);
	assert_int_equal(app.n, 2);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_ESTABLISHED], 1);
	ts_tcp_abort(&ctx, app.last);
	/* And the half-open connection that filled the backlog. */
	ts_tcp_abort(&ctx, ts_flow_find(&ctx, ts_flow_hash(PEER_IP, OUR_IP,
			50000, APP), PEER_IP, OUR_IP, 50000, APP));
}

static void two_per_ip(struct ts_conf *c)
{
	backlog_one(c);
	c->tcp.max_conns_per_ip = 2;
}

static struct ts_tcb *conn_to(uint32_t ip, uint16_t port, uint16_t lport)
{
	struct ts_tcb *c = ts_flow_find(&ctx, ts_flow_hash(ip, OUR_IP, port,
				lport), ip, OUR_IP, port, lport);

	assert_non_null(c);
	return c;
}

static struct ts_tcb *conn_of(uint32_t ip, uint16_t port)
{
	return conn_to(ip, port, APP);
}

/*
 * At most two connections per source: half-open ones count, a SYN over
 * the limit is dropped unanswered, an ACK completing a cookie over it is
 * reset; another source is not affected; a closed connection makes room.
 */
static void test_conn_limit_per_ip(void **state)
{
	const uint32_t other = TS_IPV4(198, 18, 0, 3);
	struct seg a, b, cc;

	(void)state;
	ts_ctx_free(&ctx);
	assert_int_equal(make_ctx(two_per_ip), 0);
	ts_arp_learn(&ctx, 0, other, &peer_mac, now);
	/* One half-open (it fills the backlog), two answered by cookies. */
	send_from(50000, APP, 7000, 0, TS_F_SYN, 65535, NULL, 0, &plain, 0);
	a = parse(0);
	cap_free();
	send_from(50001, APP, 8000, 0, TS_F_SYN, 65535, NULL, 0, &plain, 0);
	b = parse(0);
	cap_free();
	send_from(50002, APP, 9000, 0, TS_F_SYN, 65535, NULL, 0, &plain, 0);
	cc = parse(0);
	cap_free();
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_COOKIE_TX], 2);
	assert_int_equal(ctx.tcp.srcs.used, 1);
	/* The first cookie makes the second connection; the next is over. */
	send_from(50001, APP, 8001, b.seq + 1, TS_F_ACK, 65535, NULL, 0, NULL, 0);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_COOKIE_OK], 1);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_CONNS], 2);
	send_from(50002, APP, 9001, cc.seq + 1, TS_F_ACK, 65535, NULL, 0, NULL, 0);
	assert_int_equal(ctx.stats.v[TS_STAT_DROP_TCP_CONN_LIMIT], 1);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_CONNS], 2);
	assert_int_equal(n_cap, 1);
	assert_true(parse(0).flags & TS_F_RST);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_RST_TX_LIMIT], 1);
	cap_free();
	/* Completing the half-open one changes nothing; a SYN is dropped. */
	send_from(50000, APP, 7001, a.seq + 1, TS_F_ACK, 65535, NULL, 0, &plain, 0);
	assert_int_equal(app.accepted, 2);
	send_from(50003, APP, 9500, 0, TS_F_SYN, 65535, NULL, 0, &plain, 0);
	assert_int_equal(ctx.stats.v[TS_STAT_DROP_TCP_CONN_LIMIT], 2);
	assert_int_equal(n_cap, 0);
	/* Another source connects. */
	send_ip(other, 50000, APP, 100, 0, TS_F_SYN, 65535, NULL, 0, &plain, 0);
	assert_int_equal(n_cap, 1);
	assert_int_equal(parse(0).flags, TS_F_SYN | TS_F_ACK);
	cap_free();
	assert_int_equal(ctx.tcp.srcs.used, 2);
	/* One closed: the first source may connect again (the other's
	 * half-open connection fills the backlog, so by cookie). */
	ts_tcp_abort(&ctx, conn_of(PEER_IP, 50000));
	ts_flush(&ctx);
	cap_free();
	send_from(50004, APP, 9900, 0, TS_F_SYN, 65535, NULL, 0, &plain, 0);
	assert_int_equal(ctx.stats.v[TS_STAT_DROP_TCP_CONN_LIMIT], 2);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_COOKIE_TX], 3);
	a = parse(0);
	cap_free();
	send_from(50004, APP, 9901, a.seq + 1, TS_F_ACK, 65535, NULL, 0, NULL, 0);
	assert_int_equal(app.accepted, 3);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_CONNS], 3);
	ts_tcp_abort(&ctx, conn_of(PEER_IP, 50001));
	ts_tcp_abort(&ctx, conn_of(PEER_IP, 50004));
	ts_tcp_abort(&ctx, conn_of(other, 50000));
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_CONNS], 0);
	assert_int_equal(ctx.tcp.srcs.used, 0);
	/* The one over the limit, then the four aborted (one half-open). */
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_RST_TX_ABORT], 4);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_RST_TX], 5);
}

static void two_per_listener(struct ts_conf *c)
{
	c->tcp.max_conns_per_listener = 2;
}

/* A handshake from the peer's port @p sport to @p dport: 0 when made. */
static int handshake_from(uint16_t sport, uint16_t dport)
{
	struct seg sa;

	send_from(sport, dport, 3000, 0, TS_F_SYN, 65535, NULL, 0, &plain, 0);
	if (n_cap != 1)
		return -1;
	sa = parse(0);
	cap_free();
	send_from(sport, dport, 3001, sa.seq + 1, TS_F_ACK, 65535, NULL, 0,
			&plain, 0);
	return 0;
}

/* Two connections per listener: the third SYN is dropped unanswered,
 * another listener is not affected, and a closed one makes room. */
static void test_conn_limit_per_listener(void **state)
{
	(void)state;
	ts_ctx_free(&ctx);
	assert_int_equal(make_ctx(two_per_listener), 0);
	assert_int_equal(handshake_from(51000, APP), 0);
	assert_int_equal(handshake_from(51001, APP), 0);
	assert_int_equal(app.accepted, 2);
	assert_int_equal(handshake_from(51002, APP), -1);
	assert_int_equal(ctx.stats.v[TS_STAT_DROP_TCP_CONN_LIMIT], 1);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_CONNS], 2);
	/* Its ACK finds no connection: a RST, as for any stray segment. */
	cap_free();
	assert_int_equal(handshake_from(51003, ECHO), 0);
	assert_int_equal(handshake_from(51004, ECHO), 0);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_CONNS], 4);
	/* Half-open ones count too: the third SYN to ECHO is dropped. */
	send_from(51005, ECHO, 3000, 0, TS_F_SYN, 65535, NULL, 0, &plain, 0);
	assert_int_equal(n_cap, 0);
	assert_int_equal(ctx.stats.v[TS_STAT_DROP_TCP_CONN_LIMIT], 2);
	ts_tcp_abort(&ctx, conn_of(PEER_IP, 51000));
	ts_flush(&ctx);
	cap_free();
	assert_int_equal(handshake_from(51006, APP), 0);
	assert_int_equal(app.accepted, 3);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_CONNS], 4);
	ts_tcp_abort(&ctx, conn_of(PEER_IP, 51001));
	ts_tcp_abort(&ctx, conn_of(PEER_IP, 51006));
	ts_tcp_abort(&ctx, conn_to(PEER_IP, 51003, ECHO));
	ts_tcp_abort(&ctx, conn_to(PEER_IP, 51004, ECHO));
	ts_flush(&ctx);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_CONNS], 0);
}

static void two_per_ip_three_per_listener(struct ts_conf *c)
{
	c->tcp.max_conns_per_ip = 2;
	c->tcp.max_conns_per_listener = 3;
}

/*
 * Two workers that know each other (ts_tcp_set_peers): a source's and a
 * listener's connections on one count against the limits on the other;
 * a connection closed on one makes room on the other.
 */
static void test_limits_across_workers(void **state)
{
	static struct ts_ctx other;
	struct ts_ctx *const peers[2] = { &ctx, &other };
	const uint32_t src2 = TS_IPV4(198, 18, 0, 3);
	const uint32_t src3 = TS_IPV4(198, 18, 0, 4);
	struct ts_tcb *a;

	(void)state;
	ts_ctx_free(&ctx);
	assert_int_equal(make_ctx(two_per_ip_three_per_listener), 0);
	assert_int_equal(make_ctx_into(&other, two_per_ip_three_per_listener), 0);
	ts_tcp_set_peers(&ctx, peers, 2);
	ts_tcp_set_peers(&other, peers, 2);
	ts_arp_learn(&ctx, 0, src2, &peer_mac, now);
	ts_arp_learn(&ctx, 0, src3, &peer_mac, now);
	/* Two from the peer on the other worker... */
	rx_ctx = &other;
	assert_int_equal(handshake_from(52000, APP), 0);
	assert_int_equal(handshake_from(52001, APP), 0);
	assert_int_equal(other.stats.v[TS_STAT_TCP_CONNS], 2);
	/* ...so none more from it here; another source may. */
	rx_ctx = &ctx;
	assert_int_equal(handshake_from(52002, APP), -1);
	assert_int_equal(ctx.stats.v[TS_STAT_DROP_TCP_CONN_LIMIT], 1);
	send_ip(src2, 52003, APP, 100, 0, TS_F_SYN, 65535, NULL, 0, &plain, 0);
	assert_int_equal(n_cap, 1);
	assert_int_equal(parse(0).flags, TS_F_SYN | TS_F_ACK);
	cap_free();
	/* The listener holds three in all now: a third source is refused. */
	send_ip(src3, 52004, APP, 100, 0, TS_F_SYN, 65535, NULL, 0, &plain, 0);
	assert_int_equal(n_cap, 0);
	assert_int_equal(ctx.stats.v[TS_STAT_DROP_TCP_CONN_LIMIT], 2);
	/* Another listener is not affected. */
	send_ip(src3, 52005, ECHO, 100, 0, TS_F_SYN, 65535, NULL, 0, &plain, 0);
	assert_int_equal(n_cap, 1);
	assert_int_equal(parse(0).flags, TS_F_SYN | TS_F_ACK);
	cap_free();
	/* One closed on the other worker: the peer connects here. */
	a = ts_flow_find(&other, ts_flow_hash(PEER_IP, OUR_IP, 52000, APP),
			PEER_IP, OUR_IP, 52000, APP);
	assert_non_null(a);
	ts_tcp_abort(&other, a);
	ts_flush(&other);
	cap_free();
	assert_int_equal(handshake_from(52006, APP), 0);
	assert_int_equal(ctx.stats.v[TS_STAT_DROP_TCP_CONN_LIMIT], 2);
	/* Without the peers, each counts its own: the limit is per worker. */
	ts_tcp_set_peers(&ctx, NULL, 0);
	assert_int_equal(handshake_from(52007, APP), 0);
	ts_ctx_free(&other);
	ts_tcp_abort(&ctx, conn_to(src2, 52003, APP));
	ts_tcp_abort(&ctx, conn_to(src3, 52005, ECHO));
	ts_tcp_abort(&ctx, conn_of(PEER_IP, 52006));
	ts_tcp_abort(&ctx, conn_of(PEER_IP, 52007));
	ts_flush(&ctx);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_CONNS], 0);
}

/* No listener: RST with the sequence numbers RFC 9293 gives. */
static void test_no_listener_reset(void **state)
{
	struct seg r;

	(void)state;
	send_seg(4444, 9000, 0, TS_F_SYN, 65535, NULL, 0, NULL);
	r = parse(0);
	assert_int_equal(r.flags, TS_F_RST | TS_F_ACK);
	assert_int_equal(r.seq, 0);
	assert_int_equal(r.ack, 9001);
	cap_free();
	send_seg(4444, 9000, 123456, TS_F_ACK, 65535, "data", 4, NULL);
	r = parse(0);
	assert_int_equal(r.flags, TS_F_RST);
	assert_int_equal(r.seq, 123456);
	cap_free();
	send_seg(4444, 9000, 0, TS_F_RST, 0, NULL, 0, NULL);
	assert_int_equal(n_cap, 0);
	assert_int_equal(ctx.stats.v[TS_STAT_DROP_TCP_NO_CONN], 3);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_RST_TX], 2);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_RST_TX_NO_CONN], 2);
}

/* The goal: at most 256 bytes of stack state per idle connection. */
static void test_memory_per_connection(void **state)
{
	(void)state;
	assert_true(ts_tcp_conn_bytes(&ctx) <= 256);
	assert_true(ts_tcp_conn_bytes(&ctx) >= sizeof(struct ts_tcb));
}

static void test_bad_segments(void **state)
{
	(void)state;
	send_from(PEER_PORT, APP, 1, 0, TS_F_SYN, 65535, NULL, 0, NULL, 1);
	assert_int_equal(ctx.stats.v[TS_STAT_DROP_TCP_CKSUM], 1);
	send_seg(APP, 1, 0, TS_F_SYN | TS_F_FIN, 65535, NULL, 0, NULL);
	assert_int_equal(ctx.stats.v[TS_STAT_DROP_TCP_FLAGS], 1);
	assert_int_equal(n_cap, 0);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_CONNS], 0);
}

/* Timestamps: an old one is dropped by PAWS, a reordered one is not. */
static void test_paws(void **state)
{
	struct opts o = { .mss = 1460, .ws = -1, .ts = 1, .tsval = 100 };
	uint32_t snd = open_conn(APP, &o);

	(void)state;
	o.tsval = 200;
	send_seg(APP, 1001, snd, TS_F_ACK, 65535, "a", 1, &o);
	assert_int_equal(app.n, 1);
	cap_free();
	o.tsval = 150;      /* older than what we hold: stale duplicate */
	send_seg(APP, 1002, snd, TS_F_ACK, 65535, "b", 1, &o);
	assert_int_equal(ctx.stats.v[TS_STAT_DROP_TCP_PAWS], 1);
	assert_int_equal(app.n, 1);
	cap_free();
	/* Ahead of the window edge with a newer stamp, then the gap with an
	 * older one: the older is held, not PAWS-dropped. */
	o.tsval = 300;
	send_seg(APP, 1003, snd, TS_F_ACK, 65535, "c", 1, &o);
	o.tsval = 250;
	send_seg(APP, 1002, snd, TS_F_ACK, 65535, "b", 1, &o);
	assert_int_equal(ctx.stats.v[TS_STAT_DROP_TCP_PAWS], 1);
	assert_int_equal(app.n, 3);
	assert_memory_equal(app.data, "abc", 3);
	ts_tcp_abort(&ctx, app.last);
}

/* The handshake completes only with an ACK of our SYN-ACK. */
static void test_synrcvd_bad_ack_reset(void **state)
{
	struct seg sa;

	(void)state;
	send_seg(APP, 1000, 0, TS_F_SYN, 65535, NULL, 0, &plain);
	sa = parse(0);
	cap_free();
	send_seg(APP, 1001, sa.seq + 99, TS_F_ACK, 65535, NULL, 0, &plain);
	assert_true(parse(0).flags & TS_F_RST);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_RST_TX_BAD_ACK], 1);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_SYN_RCVD], 1);
	cap_free();
	/* The lost SYN-ACK case: the SYN again gets the SYN-ACK again. */
	send_seg(APP, 1000, 0, TS_F_SYN, 65535, NULL, 0, &plain);
	assert_int_equal(parse(0).flags, TS_F_SYN | TS_F_ACK);
	assert_int_equal(parse(0).seq, sa.seq);
	cap_free();
	/* Unanswered, the half-open connection is given up. */
	step(200000);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_CONNS], 0);
	assert_int_equal(app.accepted, 0);
}

/* RSTs taken, by the state they end: refused, half-open, closing. */
static void test_rst_reasons(void **state)
{
	struct ts_tcb *c;
	struct seg syn, fin;
	uint32_t snd;

	(void)state;
	/* Our connect refused. */
	syn = connect_syn(&c);
	send_from(8080, syn.sport, 0, syn.seq + 1, TS_F_RST | TS_F_ACK, 0,
			NULL, 0, NULL, 0);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_RST_RX_REFUSED], 1);
	assert_int_equal(app.closed_why, TS_TCP_END_REFUSED);
	/* A half-open connection the peer gives up. */
	send_from(50100, APP, 5000, 0, TS_F_SYN, 65535, NULL, 0, &plain, 0);
	cap_free();
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_SYN_RCVD], 1);
	send_from(50100, APP, 5001, 0, TS_F_RST, 0, NULL, 0, NULL, 0);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_RST_RX_SYN_RCVD], 1);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_SYN_RCVD], 0);
	assert_int_equal(n_cap, 0);
	/* LAST-ACK (the echo service closes after the peer), then a RST. */
	snd = open_conn(ECHO, &plain);
	send_seg(ECHO, 1001, snd, TS_F_ACK | TS_F_FIN, 65535, NULL, 0, &plain);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_LAST_ACK], 1);
	fin = parse(n_cap - 1);
	cap_free();
	send_seg(ECHO, 1002, fin.seq, TS_F_RST, 0, NULL, 0, NULL);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_RST_RX_CLOSING], 1);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_RST_RX_OPEN], 0);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_RST_RX], 3);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_CONNS], 0);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_RST_TX], 0);
}

static void one_port_long_tw(struct ts_conf *c)
{
	one_port(c);
	c->tcp.time_wait_ms = 60000;
}

static void one_port_no_reuse(struct ts_conf *c)
{
	one_port_long_tw(c);
	c->tcp.time_wait_reuse_ms = 0;
}

/* Our connection from the one port, closed by us first: TIME-WAIT.
 * @return our snd_nxt at the end. */
static uint32_t active_to_time_wait(const struct opts *o)
{
	struct ts_tcb *c;
	struct seg syn = connect_syn(&c), fin;

	send_from(8080, syn.sport, 7000, syn.seq + 1, TS_F_SYN | TS_F_ACK,
			65535, NULL, 0, o, 0);
	cap_free();
	ts_tcp_shutdown(&ctx, c);
	ts_flush(&ctx);
	fin = parse(0);
	assert_true(fin.flags & TS_F_FIN);
	cap_free();
	send_from(8080, syn.sport, 7001, fin.seq + 1, TS_F_ACK | TS_F_FIN,
			65535, NULL, 0, o, 0);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_TIME_WAIT], 1);
	cap_free();
	return fin.seq + 1;
}

/*
 * A connect takes a port held in TIME-WAIT once that connection has been
 * there time_wait_reuse_ms, when it used timestamps; its SYN starts past
 * the old sequence space. Not before, not without timestamps, not when
 * turned off.
 */
static void test_time_wait_reuse_connect(void **state)
{
	static const struct opts ts_on = { .mss = 1460, .ws = -1, .ts = 1,
		.tsval = 100 };
	struct ts_tcb *c;
	struct seg syn;
	uint32_t nxt;

	(void)state;
	ts_ctx_free(&ctx);
	assert_int_equal(make_ctx(one_port_long_tw), 0);
	nxt = active_to_time_wait(&ts_on);
	assert_int_equal(ts_tcp_connect(&ctx, 0, PEER_IP, 8080, &app_ops, NULL,
			now, &c), -TS_ERR_FULL);
	step(999);
	assert_int_equal(ts_tcp_connect(&ctx, 0, PEER_IP, 8080, &app_ops, NULL,
			now, &c), -TS_ERR_FULL);
	assert_int_equal(app.closed, 0);
	step(1);
	syn = connect_syn(&c);
	assert_int_equal(syn.flags, TS_F_SYN);
	assert_int_equal(syn.sport, 40000);
	assert_int_equal(syn.seq, nxt + 65535 + 2);
	assert_true(syn.opt.has_ts);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_TW_REUSE_CONNECT], 1);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_TIME_WAIT], 0);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_SYN_SENT], 1);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_CONNS], 1);
	/* The old connection's end, told once. */
	assert_int_equal(app.closed, 1);
	assert_int_equal(app.closed_why, TS_TCP_END_OK);
	ts_tcp_abort(&ctx, c);

	/* No timestamps: the port waits out TIME-WAIT. */
	ts_ctx_free(&ctx);
	assert_int_equal(make_ctx(one_port_long_tw), 0);
	active_to_time_wait(&plain);
	step(2000);
	assert_int_equal(ts_tcp_connect(&ctx, 0, PEER_IP, 8080, &app_ops, NULL,
			now, &c), -TS_ERR_FULL);
	step(60000);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_ST_TIME_WAIT], 0);
	connect_syn(&c);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_TW_REUSE_CONNECT], 0);
	ts_tcp_abort(&ctx, c);

	/* Turned off. */
	ts_ctx_free(&ctx);
	assert_int_equal(make_ctx(one_port_no_reuse), 0);
	active_to_time_wait(&ts_on);
	step(2000);
	assert_int_equal(ts_tcp_connect(&ctx, 0, PEER_IP, 8080, &app_ops, NULL,
			now, &c), -TS_ERR_FULL);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_TW_REUSE_CONNECT], 0);
	step(60000);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_CONNS], 0);
}

/* Data segments among the captured ones; @p first: the first one's. */
static unsigned int data_segs(struct seg *first)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < n_cap; i++) {
		struct seg r = parse(i);

		if (r.len == 0)
			continue;
		if (n++ == 0 && first != NULL)
			*first = r;
	}
	return n;
}

/* A full segment with timestamps on an MSS of 1460. */
#define REO_SEG 1448

/* The peer sends five full segments, which the echo sends back.
 * @return the first echo's timestamp. */
static uint32_t reo_send5(struct opts *o, uint32_t *peer, uint32_t snd)
{
	static const char big[REO_SEG];
	struct seg r = { 0 };

	for (int i = 0; i < 5; i++) {
		o->tsval++;
		send_seg(ECHO, *peer, snd, TS_F_ACK, 65535, big, REO_SEG, o);
		*peer += REO_SEG;
	}
	assert_int_equal(data_segs(&r), 5);
	cap_free();
	return r.opt.ts_val;
}

/*
 * The peer sends five full segments, which the echo sends back; 20 ms
 * later it acknowledges none of them but sacks @p sacked of them after the
 * first. @return the first echo's timestamp; what that ACK drew stays
 * captured.
 */
static uint32_t reo_five(struct opts *o, uint32_t *peer, uint32_t snd,
		uint32_t sacked)
{
	uint32_t first = reo_send5(o, peer, snd);

	step(20);
	o->tsval++;
	o->tsecr = first;
	o->sack_l = snd + REO_SEG;
	o->sack_r = snd + (1 + sacked) * REO_SEG;
	send_seg(ECHO, *peer, snd, TS_F_ACK, 65535, NULL, 0, o);
	return first;
}

/* 20 ms on, the peer acknowledges everything up to @p ack. */
static void reo_ack(struct opts *o, uint32_t peer, uint32_t ack)
{
	step(20);
	o->tsval++;
	o->sack_r = 0;
	send_seg(ECHO, peer, ack, TS_F_ACK, 65535, NULL, 0, o);
	cap_free();
}

/* A connection to the echo with SACK, timestamps and an SRTT of 20 ms. */
static struct ts_tcb *reo_open(struct opts *o, uint32_t *peer,
		uint32_t *snd)
{
	struct ts_tcb *c;
	struct seg r = { 0 };

	*snd = open_conn(ECHO, o);
	c = ts_flow_find(&ctx, ts_flow_hash(PEER_IP, OUR_IP, PEER_PORT, ECHO),
			PEER_IP, OUR_IP, PEER_PORT, ECHO);
	assert_non_null(c);
	assert_true(c->flags & TS_TCBF_SACK);
	send_seg(ECHO, *peer, *snd, TS_F_ACK, 65535, NULL, 100, o);
	*peer += 100;
	assert_int_equal(data_segs(&r), 1);
	o->tsecr = r.opt.ts_val;
	*snd += 100;
	reo_ack(o, *peer, *snd);
	assert_true(c->srtt_us >= 19000 && c->srtt_us <= 21000);
	return c;
}

/*
 * Five segments out, the first lost, one sacked above it: too few for
 * DupThresh, yet the peer holds data sent after the hole. RACK's reorder
 * timer (RFC 8985 6.2) resends the hole a quarter SRTT after that SACK;
 * no RTO. The recovery proves spurious (the ACK echoes the original's
 * timestamp), so the window widens, and counts of sacked segments no
 * longer declare a hole lost: the timer does, later. A hole filled
 * before the timer fires is not resent.
 */
static void test_reorder_timer(void **state)
{
	struct opts o = { .mss = 1460, .ws = -1, .sack_ok = 1, .ts = 1,
		.tsval = 100 };
	uint32_t snd, peer = 1001, quarter;
	struct ts_tcb *c;
	struct seg r = { 0 };

	(void)state;
	c = reo_open(&o, &peer, &snd);

	/* The first lost, the second sacked: resent after a quarter SRTT. */
	o.tsecr = reo_five(&o, &peer, snd, 1);
	assert_int_equal(data_segs(NULL), 0);
	assert_true(c->flags & TS_TCBF_REO);
	quarter = (c->srtt_us / 4 + 999) / 1000;
	step(quarter - 1);
	assert_int_equal(data_segs(NULL), 0);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_REO_LOST], 0);
	step(2);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_REO_LOST], 1);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_SACK_RECOVERY], 1);
	assert_int_equal(data_segs(&r), 1);
	assert_int_equal(r.seq, snd);
	assert_int_equal(r.len, REO_SEG);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_RETRANS_RTO], 0);
	/* The original was only late: the whole ACK echoes its timestamp. */
	snd += 5 * REO_SEG;
	reo_ack(&o, peer, snd);
	assert_int_equal(c->flags & TS_TCBF_RECOVERY, 0);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_RECOVERY_UNDO], 1);
	assert_int_equal(c->reo & TS_REO_STEPS, 1);

	/* Four of five sacked above a hole: no longer lost by the count. */
	reo_five(&o, &peer, snd, 4);
	assert_int_equal(data_segs(NULL), 0);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_SACK_RECOVERY], 1);
	quarter = (c->srtt_us / 4 + 999) / 1000;
	step(quarter + 1);           /* the window is two quarters now */
	assert_int_equal(data_segs(NULL), 0);
	step(c->srtt_us / 1000);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_REO_LOST], 2);
	assert_int_equal(data_segs(&r), 1);
	assert_int_equal(r.seq, snd);
	snd += 5 * REO_SEG;
	reo_ack(&o, peer, snd);

	/* The hole filled before the timer: nothing resent. */
	reo_five(&o, &peer, snd, 1);
	assert_int_equal(data_segs(NULL), 0);
	assert_true(c->flags & TS_TCBF_REO);
	step(1);
	o.tsval++;
	o.sack_r = 0;
	send_seg(ECHO, peer, snd + 2 * REO_SEG, TS_F_ACK, 65535, NULL, 0, &o);
	assert_int_equal(c->flags & TS_TCBF_REO, 0);
	step(c->srtt_us / 1000 + 2);
	assert_int_equal(data_segs(NULL), 0);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_REO_LOST], 2);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_RETRANS_RTO], 0);
	ts_tcp_abort(&ctx, c);
}

/*
 * The ACK that reopens a zero window also sacks above a hole: the reorder
 * timer it set runs on, for the window's reopening ends a persist timer
 * only. The hole goes a quarter SRTT later, with no RTO.
 */
static void test_reorder_timer_window_reopens(void **state)
{
	struct opts o = { .mss = 1460, .ws = -1, .sack_ok = 1, .ts = 1,
		.tsval = 100 };
	uint32_t snd, peer = 1001, quarter;
	struct ts_tcb *c;
	struct seg r = { 0 };

	(void)state;
	c = reo_open(&o, &peer, &snd);
	o.tsecr = reo_send5(&o, &peer, snd);
	step(10);
	/* The peer's window closes, nothing acknowledged... */
	o.tsval++;
	send_seg(ECHO, peer, snd, TS_F_ACK, 0, NULL, 0, &o);
	assert_int_equal(c->snd_wnd, 0);
	step(10);
	/* ...and opens with the second segment sacked. */
	o.tsval++;
	o.sack_l = snd + REO_SEG;
	o.sack_r = snd + 2 * REO_SEG;
	send_seg(ECHO, peer, snd, TS_F_ACK, 65535, NULL, 0, &o);
	assert_int_equal(c->snd_wnd, 65535);
	assert_true(c->flags & TS_TCBF_REO);
	assert_int_equal(data_segs(NULL), 0);
	quarter = (c->srtt_us / 4 + 999) / 1000;
	step(quarter + 1);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_REO_LOST], 1);
	assert_int_equal(data_segs(&r), 1);
	assert_int_equal(r.seq, snd);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_RETRANS_RTO], 0);
	ts_tcp_abort(&ctx, c);
}

/*
 * Four of five sacked above a hole: DupThresh resends it at once, and
 * the reorder timer, set by the same ACK, does not send it again.
 */
static void test_reorder_timer_after_dupthresh(void **state)
{
	struct opts o = { .mss = 1460, .ws = -1, .sack_ok = 1, .ts = 1,
		.tsval = 100 };
	uint32_t snd, peer = 1001;
	struct ts_tcb *c;
	struct seg r = { 0 };

	(void)state;
	c = reo_open(&o, &peer, &snd);
	reo_five(&o, &peer, snd, 4);
	assert_int_equal(data_segs(&r), 1);
	assert_int_equal(r.seq, snd);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_RETRANS_FAST], 1);
	cap_free();
	step(c->srtt_us / 1000 + 2);
	assert_int_equal(data_segs(NULL), 0);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_REO_LOST], 0);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_LOST_RXT], 0);
	o.tsecr = r.opt.ts_val;          /* the resend's: no undo */
	reo_ack(&o, peer, snd + 5 * REO_SEG);
	assert_int_equal(c->flags & TS_TCBF_RECOVERY, 0);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_RECOVERY_UNDO], 0);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_RETRANS_RTO], 0);
	ts_tcp_abort(&ctx, c);
}

static void keepalive_2s(struct ts_conf *c)
{
	c->tcp.keepalive_ms = 2000;
	c->tcp.keepalive_probes = 3;
}

/* The probe a keepalive timer sends: an empty ACK at SND.UNA - 1. */
static void expect_probe(uint32_t snd)
{
	struct seg r;

	assert_int_equal(n_cap, 1);
	r = parse(0);
	assert_int_equal(r.flags, TS_F_ACK);
	assert_int_equal(r.seq, snd - 1);
	assert_int_equal(r.len, 0);
	cap_free();
}

/*
 * Keepalive: an idle connection is probed after tcp.keepalive_ms; an
 * answer resets the count; probes then every second (keepalive_ms / 8,
 * at least 1 s), and after keepalive_probes unanswered ones the
 * connection is reset and counted as timed out.
 */
static void test_keepalive(void **state)
{
	uint32_t snd;

	(void)state;
	ts_ctx_free(&ctx);
	assert_int_equal(make_ctx(keepalive_2s), 0);
	snd = open_conn(ECHO, &plain);
	step(1999);
	assert_int_equal(n_cap, 0);
	step(2);
	expect_probe(snd);
	/* Answered: idle again for the whole interval. */
	send_seg(ECHO, 1001, snd, TS_F_ACK, 65535, NULL, 0, &plain);
	assert_int_equal(n_cap, 0);
	step(1998);
	assert_int_equal(n_cap, 0);
	step(2);
	expect_probe(snd);
	/* Unanswered: two more a second apart, then the reset. */
	step(1000);
	expect_probe(snd);
	step(1000);
	expect_probe(snd);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_TIMEOUT], 0);
	step(1000);
	assert_int_equal(n_cap, 1);
	assert_true(parse(0).flags & TS_F_RST);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_TIMEOUT], 1);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_RST_TX_TIMEOUT], 1);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_CONNS], 0);
}

static void nagle_on(struct ts_conf *c)
{
	c->tcp.nagle = 1;
}

static void mss_9000(struct ts_conf *c)
{
	c->tcp.mss = 9000;
	c->tcp.sndbuf = 1u << 20;
}

/* A fresh context with Nagle on, and a connection of the app on it. */
static struct ts_tcb *nagle_open(const struct opts *o, uint32_t *snd)
{
	ts_ctx_free(&ctx);
	assert_int_equal(make_ctx(nagle_on), 0);
	*snd = open_conn(APP, o);
	assert_non_null(app.last);
	return app.last;
}

/* Payload bytes of the data segments captured, and how many there were. */
static uint32_t data_bytes(unsigned int *segs)
{
	uint32_t bytes = 0;

	*segs = 0;
	for (unsigned int i = 0; i < n_cap; i++) {
		uint32_t len = parse(i).len;

		bytes += len;
		*segs += len > 0;
	}
	return bytes;
}

/*
 * Nagle (tcp.nagle = 1): a short segment goes when nothing is
 * unacknowledged; the next short ones wait for the ACK, then go as one;
 * a full segment never waits; a FIN takes what waits at once. Turned
 * off on the connection (ts_tcp_set_nagle), short segments go at once.
 */
static void test_nagle(void **state)
{
	static const char data[3000];
	uint32_t snd;
	unsigned int segs;
	struct ts_tcb *c;

	(void)state;
	c = nagle_open(&plain, &snd);
	assert_int_equal(ts_tcp_send(&ctx, c, mbuf_of(data, 100)), 0);
	ts_flush(&ctx);
	assert_int_equal(data_bytes(&segs), 100);
	cap_free();
	/* 100 unacknowledged: two short sends wait. */
	assert_int_equal(ts_tcp_send(&ctx, c, mbuf_of(data, 100)), 0);
	assert_int_equal(ts_tcp_send(&ctx, c, mbuf_of(data, 200)), 0);
	ts_flush(&ctx);
	assert_int_equal(n_cap, 0);
	/* The ACK: both leave in one segment. */
	send_seg(APP, 1001, snd + 100, TS_F_ACK, 65535, NULL, 0, &plain);
	assert_int_equal(data_bytes(&segs), 300);
	assert_int_equal(segs, 1);
	cap_free();
	/* A full segment goes despite what is in flight; its tail waits. */
	assert_int_equal(ts_tcp_send(&ctx, c, mbuf_of(data, 1500)), 0);
	ts_flush(&ctx);
	assert_int_equal(data_bytes(&segs), 1460);
	cap_free();
	/* The close: the tail and the FIN go without an ACK. */
	ts_tcp_shutdown(&ctx, c);
	ts_flush(&ctx);
	assert_int_equal(data_bytes(&segs), 40);
	assert_true(parse(n_cap - 1).flags & TS_F_FIN);
	cap_free();
	send_seg(APP, 1001, snd + 1901, TS_F_ACK, 65535, NULL, 0, &plain);
	ts_tcp_abort(&ctx, c);
	ts_flush(&ctx);
	cap_free();

	/* Off on this connection: short segments at once, each; what
	 * waited when it was turned off goes then. */
	open_conn(APP, &plain);
	c = app.last;
	assert_int_equal(ts_tcp_send(&ctx, c, mbuf_of(data, 100)), 0);
	ts_flush(&ctx);
	assert_int_equal(ts_tcp_send(&ctx, c, mbuf_of(data, 100)), 0);
	ts_flush(&ctx);
	assert_int_equal(data_bytes(&segs), 100);
	cap_free();
	ts_tcp_set_nagle(&ctx, c, 0);
	ts_flush(&ctx);
	assert_int_equal(data_bytes(&segs), 100);
	cap_free();
	assert_int_equal(ts_tcp_send(&ctx, c, mbuf_of(data, 100)), 0);
	ts_flush(&ctx);
	assert_int_equal(ts_tcp_send(&ctx, c, mbuf_of(data, 100)), 0);
	ts_flush(&ctx);
	assert_int_equal(data_bytes(&segs), 200);
	assert_int_equal(segs, 2);
	ts_tcp_abort(&ctx, c);
	ts_flush(&ctx);
}

/*
 * A tail loss probe with Nagle on: the short segment Nagle held goes as
 * the probe, new data, rather than the last one again (RFC 8985 7.3).
 */
static void test_tlp_sends_held_data(void **state)
{
	static const char data[1500];
	struct opts o = { .mss = 1460, .ws = -1, .sack_ok = 1 };
	uint64_t tlp;
	uint32_t snd;
	unsigned int segs;
	struct ts_tcb *c;
	struct seg r = { 0 };

	(void)state;
	c = nagle_open(&o, &snd);
	/* One round trip of 20 ms, for an SRTT. */
	assert_int_equal(ts_tcp_send(&ctx, c, mbuf_of(data, 100)), 0);
	ts_flush(&ctx);
	cap_free();
	step(20);
	send_seg(APP, 1001, snd + 100, TS_F_ACK, 65535, NULL, 0, &o);
	assert_true(c->srtt_us != 0);
	/* Two full segments out, and the 50 after them that Nagle holds. */
	assert_int_equal(ts_tcp_send(&ctx, c, mbuf_of(data, 1500)), 0);
	assert_int_equal(ts_tcp_send(&ctx, c, mbuf_of(data, 1470)), 0);
	ts_flush(&ctx);
	assert_int_equal(data_bytes(&segs), 2920);
	assert_int_equal(segs, 2);
	cap_free();
	assert_true(c->flags & TS_TCBF_PTO);
	tlp = ctx.stats.v[TS_STAT_TCP_TLP];
	for (unsigned int i = 0; i < 2000 && ctx.stats.v[TS_STAT_TCP_TLP] == tlp;
			i++)
		step(1);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_TLP], tlp + 1);
	assert_int_equal(data_segs(&r), 1);
	assert_int_equal(r.seq, snd + 100 + 2920);
	assert_int_equal(r.len, 50);
	assert_int_equal(ctx.stats.v[TS_STAT_TCP_RETRANS_RTO], 0);
	ts_tcp_abort(&ctx, c);
	ts_flush(&ctx);
}

/*
 * A port that sums TCP (struct ts_iface_conf tx_cksum), every segment or
 * those in one piece: the handshake, echoes of pieces at odd offsets,
 * small frames through partial ACKs and an RTO, a fast retransmit, the
 * close and a RST, each with what DPDK asks of such a segment
 * (cap_port_sum), and right once the port summed.
 */
static void test_port_sums(void **state)
{
	static void (*const runs[])(void **) = {
		test_echo_and_passive_close, test_odd_pieces_checksum,
		test_small_frames, test_fast_retransmit, test_rst_rules,
	};
	static const int modes[] = { TS_TX_CKSUM_PORT, TS_TX_CKSUM_PORT_FLAT };
	unsigned int chains[RTE_DIM(modes)] = { 0 };

	for (unsigned int k = 0; k < RTE_DIM(modes); k++)
		for (unsigned int i = 0; i < RTE_DIM(runs); i++) {
			cap_free();
			ts_ctx_free(&ctx);
			assert_int_equal(fresh(modes[k], 0, NULL), 0);
			runs[i](state);
			assert_true(port_summed > 0);
			chains[k] += chains_sw;
		}
	/* Chains went (test_odd_pieces_checksum): in software when flat. */
	assert_int_equal(chains[0], 0);
	assert_true(chains[1] > 0);
}

/*
 * A port that sends no chains (struct ts_iface_conf no_chains): every
 * segment leaves in one mbuf (cap_port_sum), its payload copied beside the
 * header: pieces at odd offsets, small frames through partial ACKs and an
 * RTO, prepared sums. A peer's MSS past an mbuf's room is cut to it, and
 * every byte arrives in its place.
 */
static void test_no_chains(void **state)
{
	static void (*const runs[])(void **) = {
		test_odd_pieces_checksum, test_small_frames,
		test_payload_cksum_reuse,
	};
	static const struct opts jumbo = { .mss = 9000, .ws = -1 };
	static uint8_t data[6000];
	uint32_t snd, at = 0, room;
	struct ts_tcb *c;

	for (unsigned int i = 0; i < RTE_DIM(runs); i++) {
		cap_free();
		ts_ctx_free(&ctx);
		assert_int_equal(fresh(0, 1, NULL), 0);
		runs[i](state);
	}
	cap_free();
	ts_ctx_free(&ctx);
	assert_int_equal(fresh(0, 1, mss_9000), 0);
	snd = open_conn(APP, &jumbo);
	c = app.last;
	for (unsigned int i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	for (unsigned int k = 0; k < 4; k++)
		assert_int_equal(ts_tcp_send(&ctx, c, mbuf_of(data + 1500 * k,
				1500)), 0);
	ts_flush(&ctx);
	/* The MSS is cut to what one mbuf holds after the largest header;
	 * each segment but the last is that long. */
	room = rte_pktmbuf_data_room_size(pool) - RTE_PKTMBUF_HEADROOM - 60;
	assert_int_equal(c->mss, room);
	assert_true(room < 9000 && n_cap == (sizeof(data) + room - 1) / room);
	for (unsigned int i = 0; i < n_cap; i++) {
		struct seg r = parse(i);

		assert_int_equal(r.seq, snd + at);
		if (i + 1 < n_cap)
			assert_int_equal(r.len, room);
		assert_memory_equal(r.data, data + at, r.len);
		at += r.len;
	}
	assert_int_equal(at, sizeof(data));
	ts_tcp_abort(&ctx, c);
	ts_flush(&ctx);
}

/*
 * The port's verdict on a received TCP checksum: GOOD and BAD are taken
 * as said; NONE (the field not final, the data verified: virtio with the
 * sender's partial sum) is good; UNKNOWN, or none given, is summed here.
 */
static void test_rx_cksum_verdicts(void **state)
{
	static const struct {
		uint64_t flags;
		int bad, taken;
	} cases[] = {
		{ 0, 1, 0 },
		{ RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN, 0, 1 },
		{ RTE_MBUF_F_RX_L4_CKSUM_GOOD, 1, 1 },
		{ RTE_MBUF_F_RX_L4_CKSUM_BAD, 0, 0 },
		{ RTE_MBUF_F_RX_L4_CKSUM_NONE, 1, 1 },
	};
	uint32_t snd = open_conn(DISCARD, &plain), peer = 1001;
	struct ts_tcb *c = ts_flow_find(&ctx, ts_flow_hash(PEER_IP, OUR_IP,
			PEER_PORT, DISCARD), PEER_IP, OUR_IP, PEER_PORT, DISCARD);
	uint64_t drops = 0;

	(void)state;
	assert_non_null(c);
	for (unsigned int i = 0; i < RTE_DIM(cases); i++) {
		rx_ol_flags = cases[i].flags;
		send_from(PEER_PORT, DISCARD, peer, snd, TS_F_ACK, 65535, "abcd",
				4, &plain, cases[i].bad);
		rx_ol_flags = 0;
		peer += cases[i].taken ? 4 : 0;
		drops += !cases[i].taken;
		assert_int_equal(c->rcv_nxt, peer);
		assert_int_equal(ctx.stats.v[TS_STAT_DROP_TCP_CKSUM], drops);
		cap_free();
	}
	ts_tcp_abort(&ctx, c);
	ts_flush(&ctx);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_handshake_options),
		T(test_echo_and_passive_close),
		T(test_active_open_and_time_wait),
		T(test_simultaneous_close),
		T(test_simultaneous_open),
		T(test_rst_rules),
		T(test_syn_in_established_challenged),
		T(test_out_of_order),
		T(test_retransmit_backoff_timeout),
		T(test_fast_retransmit),
		T(test_sack_recovery),
		T(test_window_closes_when_held),
		T(test_zero_window_probe),
		T(test_delayed_ack),
		T(test_odd_pieces_checksum),
		T(test_payload_cksum_reuse),
		T(test_syn_cookies),
		T(test_conn_limit_per_ip),
		T(test_no_listener_reset),
		T(test_bad_segments),
		T(test_memory_per_connection),
		T(test_paws),
		T(test_small_frames),
		T(test_send_now),
		T(test_syn_burst_held),
		T(test_time_wait_new_syn),
		T(test_rst_while_ack_delayed),
		T(test_syn_owed_rto_from_send),
		T(test_rto_port_full_no_backoff),
		T(test_time_wait_last_ack_waits),
		T(test_connect_from),
		T(test_port_range),
		T(test_synrcvd_bad_ack_reset),
		T(test_rst_reasons),
		T(test_conn_limit_per_listener),
		T(test_limits_across_workers),
		T(test_time_wait_reuse_connect),
		T(test_reorder_timer),
		T(test_reorder_timer_after_dupthresh),
		T(test_reorder_timer_window_reopens),
		T(test_keepalive),
		T(test_nagle),
		T(test_abc_after_rto),
		T(test_recover_long_stream),
		T(test_tlp_sends_held_data),
		T(test_port_sums),
		T(test_no_chains),
		T(test_rx_cksum_verdicts),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
