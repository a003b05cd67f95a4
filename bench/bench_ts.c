/**
 * @file
 * Benchmarks of the stack.
 *
 * ts_input: the L2/L3 input path, bursts of prebuilt ICMP echo requests
 * through ts_input, replies handed to a transmit callback that recycles
 * them. Reported as packets per second, beside a baseline that does the
 * same per-burst header restore and reads each frame's Ethernet and IPv4
 * headers without the stack, so the stack's cost is the ratio.
 *
 * ts_tcp/fanout: one message sent on many established connections, as the
 * gateway's pub/sub does: an indirect clone per connection, ts_tcp_send,
 * ts_flush (segment, checksum, transmit). With and without
 * ts_payload_cksum_prepare, so the gain of summing the payload once is
 * the ratio. Reported as segments per second.
 */
#include <string.h>

#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "bench_harness.h"
#include "ts.h"
#include "ts_tcp_priv.h"

#define BENCH_TS_BURST 32

struct bench_ts {
	struct ts_ctx ctx;
	struct rte_mempool *pool;
	struct rte_mbuf *pkts[BENCH_TS_BURST];
	/* Template frame; each iteration copies its headers back in place. */
	uint8_t tmpl[128];
	uint16_t len;
};

static const struct rte_ether_addr bench_our = {{ 2, 0, 0, 0, 0, 1 }};
static const struct rte_ether_addr bench_peer = {{ 2, 0, 0, 0, 0, 2 }};

/* The "port" takes everything; the buffers go back for the next burst. */
static uint16_t bench_ts_tx(void *arg, uint16_t port, uint16_t queue,
		struct rte_mbuf **pkts, uint16_t n)
{
	(void)arg;
	(void)port;
	(void)queue;
	(void)pkts;
	return n;
}

static void bench_ts_template(struct bench_ts *b, uint16_t payload)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)b->tmpl;
	struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)(eh + 1);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ih + 1);

	memset(b->tmpl, 0, sizeof(b->tmpl));
	eh->dst_addr = bench_our;
	eh->src_addr = bench_peer;
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ih->version_ihl = RTE_IPV4_VHL_DEF;
	ih->total_length = rte_cpu_to_be_16((uint16_t)(28 + payload));
	ih->time_to_live = 64;
	ih->next_proto_id = IPPROTO_ICMP;
	ih->src_addr = RTE_BE32(TS_IPV4(198, 18, 0, 2));
	ih->dst_addr = RTE_BE32(TS_IPV4(198, 18, 0, 1));
	ih->hdr_checksum = rte_ipv4_cksum(ih);
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, 8u + payload);
	b->len = (uint16_t)(14 + 28 + payload);
}

static void *bench_ts_setup(int64_t arg)
{
	struct ts_iface_conf ic = { .mac = bench_our,
		.addr = TS_IPV4(198, 18, 0, 1), .prefix_len = 24 };
	struct ts_conf conf;
	struct bench_ts *b;

	if (bench_eal_init() != 0)
		return NULL;
	b = rte_zmalloc("bench_ts", sizeof(*b), RTE_CACHE_LINE_SIZE);
	if (b == NULL)
		return NULL;
	b->pool = rte_pktmbuf_pool_create("bench_ts", 4095, 0, 0,
			RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	ts_conf_defaults(&conf);
	if (b->pool == NULL || ts_ctx_init(&b->ctx, &conf, b->pool, 0,
			rte_get_tsc_hz()) != 0 ||
			ts_iface_add(&b->ctx, &ic, 0, 0) != 0) {
		rte_mempool_free(b->pool);
		rte_free(b);
		return NULL;
	}
	ts_set_tx(&b->ctx, bench_ts_tx, b);
	ts_arp_learn(&b->ctx, 0, TS_IPV4(198, 18, 0, 2), &bench_peer, 0);
	bench_ts_template(b, (uint16_t)arg);
	if (rte_pktmbuf_alloc_bulk(b->pool, b->pkts, BENCH_TS_BURST) != 0)
		return NULL;
	for (int i = 0; i < BENCH_TS_BURST; i++)
		rte_pktmbuf_append(b->pkts[i], b->len);
	return b;
}

/*
 * One iteration is one burst. Echo replies are built in place and the tx
 * callback keeps nothing, so the same mbufs come back each time; only the
 * headers the stack rewrote are restored from the template.
 */
static void bench_ts_run(void *state, uint64_t n)
{
	struct bench_ts *b = state;

	for (uint64_t it = 0; it < n; it++) {
		for (int i = 0; i < BENCH_TS_BURST; i++)
			rte_memcpy(rte_pktmbuf_mtod(b->pkts[i], void *),
					b->tmpl, 42);
		ts_input(&b->ctx, 0, b->pkts, BENCH_TS_BURST, 0);
		ts_flush(&b->ctx);
	}
}

/* The baseline: the same restore, then a read of each frame's headers. */
static void bench_ts_run_baseline(void *state, uint64_t n)
{
	struct bench_ts *b = state;
	uint32_t acc = 0;

	for (uint64_t it = 0; it < n; it++) {
		for (int i = 0; i < BENCH_TS_BURST; i++)
			rte_memcpy(rte_pktmbuf_mtod(b->pkts[i], void *),
					b->tmpl, 42);
		for (int i = 0; i < BENCH_TS_BURST; i++) {
			const struct rte_ipv4_hdr *ih = rte_pktmbuf_mtod_offset(
					b->pkts[i], const struct rte_ipv4_hdr *,
					sizeof(struct rte_ether_hdr));

			acc += ih->dst_addr ^ ih->total_length;
		}
	}
	bench_do_not_optimize(&acc);
}

static void bench_ts_teardown(void *state)
{
	struct bench_ts *b = state;

	rte_pktmbuf_free_bulk(b->pkts, BENCH_TS_BURST);
	ts_ctx_free(&b->ctx);
	rte_mempool_free(b->pool);
	rte_free(b);
}

static uint64_t bench_ts_items(int64_t arg)
{
	(void)arg;
	return BENCH_TS_BURST;
}

static struct bench_case bench_ts_icmp = {
	.name = "ts_input/icmp_echo",
	.args = { 56, 1400 },
	.n_args = 2,
	.items_per_iter = bench_ts_items,
	.setup = bench_ts_setup,
	.run = bench_ts_run,
	.teardown = bench_ts_teardown,
};
BENCH_REGISTER(bench_ts_icmp)

static struct bench_case bench_ts_baseline = {
	.name = "ts_input/baseline_touch",
	.args = { 56, 1400 },
	.n_args = 2,
	.items_per_iter = bench_ts_items,
	.setup = bench_ts_setup,
	.run = bench_ts_run_baseline,
	.teardown = bench_ts_teardown,
};
BENCH_REGISTER(bench_ts_baseline)

/* ---- ts_tcp/fanout ---- */

#define BENCH_FAN_CONNS 64
#define BENCH_FAN_PORT 8080

struct bench_fan {
	struct ts_ctx ctx;
	struct rte_mempool *pool;
	struct rte_mbuf *frame;            /* the message, one segment */
	struct ts_tcb *conns[BENCH_FAN_CONNS];
	uint16_t len;
};

/* The "port" frees what it is given: the segments' headers and pieces. */
static uint16_t bench_fan_tx(void *arg, uint16_t port, uint16_t queue,
		struct rte_mbuf **pkts, uint16_t n)
{
	(void)arg;
	(void)port;
	(void)queue;
	rte_pktmbuf_free_bulk(pkts, n);
	return n;
}

static void bench_fan_recv(void *app, struct ts_ctx *ctx, struct ts_tcb *c,
		struct rte_mbuf *m)
{
	(void)app;
	(void)ctx;
	(void)c;
	rte_pktmbuf_free(m);
}

static const struct ts_tcp_ops bench_fan_ops = { .recv = bench_fan_recv };

/* The peer's SYN-ACK (MSS 1460, a 64 KB window) for the SYN @p c sent. */
static struct rte_mbuf *bench_fan_synack(struct bench_fan *b,
		const struct ts_tcb *c)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(b->pool);
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ih;
	struct rte_tcp_hdr *th;
	uint8_t *opt;

	if (m == NULL)
		return NULL;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, 14 + 20 + 24);
	if (eh == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(eh, 0, 14 + 20 + 24);
	eh->dst_addr = bench_our;
	eh->src_addr = bench_peer;
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ih = (struct rte_ipv4_hdr *)(eh + 1);
	ih->version_ihl = RTE_IPV4_VHL_DEF;
	ih->total_length = RTE_BE16(20 + 24);
	ih->time_to_live = 64;
	ih->next_proto_id = IPPROTO_TCP;
	ih->src_addr = rte_cpu_to_be_32(c->rip);
	ih->dst_addr = rte_cpu_to_be_32(c->lip);
	ih->hdr_checksum = rte_ipv4_cksum(ih);
	th = (struct rte_tcp_hdr *)(ih + 1);
	th->src_port = rte_cpu_to_be_16(c->rport);
	th->dst_port = rte_cpu_to_be_16(c->lport);
	th->sent_seq = RTE_BE32(1000);
	th->recv_ack = rte_cpu_to_be_32(c->iss + 1);
	th->data_off = (24 / 4) << 4;
	th->tcp_flags = TS_F_SYN | TS_F_ACK;
	th->rx_win = RTE_BE16(65535);
	opt = (uint8_t *)(th + 1);
	opt[0] = 2;
	opt[1] = 4;
	opt[2] = 1460 >> 8;
	opt[3] = 1460 & 0xff;
	th->cksum = rte_ipv4_udptcp_cksum(ih, th);
	return m;
}

static void *bench_fan_setup(int64_t arg, int prepared)
{
	struct ts_iface_conf ic = { .mac = bench_our,
		.addr = TS_IPV4(198, 18, 0, 1), .prefix_len = 24 };
	static const uint64_t key[2] = { 1, 2 };
	uint64_t tsc = rte_rdtsc();
	struct ts_conf conf;
	struct bench_fan *b;

	if (bench_eal_init() != 0)
		return NULL;
	b = rte_zmalloc("bench_fan", sizeof(*b), RTE_CACHE_LINE_SIZE);
	if (b == NULL)
		return NULL;
	b->pool = rte_pktmbuf_pool_create("bench_fan", 4095, 0, 0,
			RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	ts_conf_defaults(&conf);
	conf.tcp.max_conns = 1024;
	conf.tcp.sndbuf = 1 << 20;
	if (b->pool == NULL || ts_ctx_init(&b->ctx, &conf, b->pool, 0,
			rte_get_tsc_hz()) != 0 ||
			ts_iface_add(&b->ctx, &ic, 0, 0) != 0 ||
			ts_tcp_init(&b->ctx, 0, 1, key, tsc) != 0)
		goto fail;
	ts_set_tx(&b->ctx, bench_fan_tx, b);
	ts_arp_learn(&b->ctx, 0, TS_IPV4(198, 18, 0, 2), &bench_peer, tsc);
	for (int i = 0; i < BENCH_FAN_CONNS; i++) {
		struct rte_mbuf *sa;

		if (ts_tcp_connect(&b->ctx, 0, TS_IPV4(198, 18, 0, 2),
				BENCH_FAN_PORT, &bench_fan_ops, b, tsc,
				&b->conns[i]) != 0)
			goto fail;
		sa = bench_fan_synack(b, b->conns[i]);
		if (sa == NULL)
			goto fail;
		ts_input(&b->ctx, 0, &sa, 1, tsc);
		ts_flush(&b->ctx);
		if (b->conns[i]->state != TS_TCP_ESTABLISHED)
			goto fail;
	}
	b->len = (uint16_t)arg;
	b->frame = rte_pktmbuf_alloc(b->pool);
	if (b->frame == NULL || rte_pktmbuf_append(b->frame, b->len) == NULL)
		goto fail;
	memset(rte_pktmbuf_mtod(b->frame, void *), 0x5a, b->len);
	if (prepared)
		ts_payload_cksum_prepare(&b->ctx, b->frame);
	return b;
fail:
	rte_pktmbuf_free(b->frame);
	ts_ctx_free(&b->ctx);
	rte_mempool_free(b->pool);
	rte_free(b);
	return NULL;
}

static void *bench_fan_setup_plain(int64_t arg)
{
	return bench_fan_setup(arg, 0);
}

static void *bench_fan_setup_prepared(int64_t arg)
{
	return bench_fan_setup(arg, 1);
}

/*
 * One iteration: the message to every connection, then a flush that
 * builds and sends one segment each. The peer's ACK is not simulated:
 * the bytes leave each send queue by hand, as an ACK would take them,
 * so the figure is the sending side alone.
 */
static void bench_fan_run(void *state, uint64_t n)
{
	struct bench_fan *b = state;

	for (uint64_t it = 0; it < n; it++) {
		for (int i = 0; i < BENCH_FAN_CONNS; i++)
			ts_tcp_send(&b->ctx, b->conns[i],
					rte_pktmbuf_clone(b->frame, b->pool));
		ts_flush(&b->ctx);
		for (int i = 0; i < BENCH_FAN_CONNS; i++) {
			struct ts_tcb *c = b->conns[i];

			ts_tcp_sndq_ack(&b->ctx, c, c->snd_nxt - c->snd_una);
			c->snd_una = c->snd_nxt;
		}
	}
}

static void bench_fan_teardown(void *state)
{
	struct bench_fan *b = state;

	rte_pktmbuf_free(b->frame);
	ts_ctx_free(&b->ctx);
	rte_mempool_free(b->pool);
	rte_free(b);
}

static uint64_t bench_fan_items(int64_t arg)
{
	(void)arg;
	return BENCH_FAN_CONNS;
}

static struct bench_case bench_ts_fan_plain = {
	.name = "ts_tcp/fanout_summed_each",
	.args = { 200, 1400 },
	.n_args = 2,
	.items_per_iter = bench_fan_items,
	.setup = bench_fan_setup_plain,
	.run = bench_fan_run,
	.teardown = bench_fan_teardown,
};
BENCH_REGISTER(bench_ts_fan_plain)

static struct bench_case bench_ts_fan_prepared = {
	.name = "ts_tcp/fanout_summed_once",
	.args = { 200, 1400 },
	.n_args = 2,
	.items_per_iter = bench_fan_items,
	.setup = bench_fan_setup_prepared,
	.run = bench_fan_run,
	.teardown = bench_fan_teardown,
};
BENCH_REGISTER(bench_ts_fan_prepared)
