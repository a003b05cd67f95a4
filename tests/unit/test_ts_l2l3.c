/**
 * @file
 * Unit tests of the stack's Ethernet, ARP, IPv4 and ICMP code: crafted
 * frames in mbufs go in through ts_input, what the stack transmits is
 * captured by its tx callback, timers are stepped by hand through the TSC
 * argument, and every test ends with the mbuf pool back to zero in use.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "test_eal.h"
#include "ts.h"

#define HZ 1000000000ull          /* a 1 GHz TSC keeps the arithmetic plain */
#define MS (HZ / 1000)
#define OUR_IP TS_IPV4(198, 18, 0, 1)
#define PEER_IP TS_IPV4(198, 18, 0, 2)
#define GW_IP TS_IPV4(198, 18, 0, 254)
#define MAX_CAPTURE (TS_TX_QUEUE + 64)

static const struct rte_ether_addr our_mac = {{ 0x02, 0, 0, 0, 0, 0x01 }};
static const struct rte_ether_addr peer_mac = {{ 0x02, 0, 0, 0, 0, 0x02 }};
static const struct rte_ether_addr gw_mac = {{ 0x02, 0, 0, 0, 0, 0xfe }};
static const struct rte_ether_addr bcast = {{ 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff }};

static struct rte_mempool *pool;
static struct ts_ctx ctx;
static struct rte_mbuf *captured[MAX_CAPTURE];
static unsigned int n_captured;
static unsigned int tx_accept = UINT32_MAX;   /* packets the "port" takes */
static unsigned int neigh_calls;

static uint16_t capture_tx(void *arg, uint16_t port, uint16_t queue,
		struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t take = n;

	(void)arg;
	(void)port;
	(void)queue;
	if (take > tx_accept)
		take = (uint16_t)tx_accept;
	for (uint16_t i = 0; i < take; i++) {
		assert_true(n_captured < MAX_CAPTURE);
		captured[n_captured++] = pkts[i];
	}
	return take;
}

static void count_neigh(void *arg, uint8_t ifidx, uint32_t ip,
		const struct rte_ether_addr *mac)
{
	(void)arg;
	(void)ifidx;
	(void)ip;
	(void)mac;
	neigh_calls++;
}

static void free_captured(void)
{
	for (unsigned int i = 0; i < n_captured; i++)
		rte_pktmbuf_free(captured[i]);
	n_captured = 0;
}

static int group_setup(void **state)
{
	(void)state;
	pool = test_eal_start(1023);
	return pool == NULL ? -1 : 0;
}

static int group_teardown(void **state)
{
	(void)state;
	test_eal_stop(pool);
	return 0;
}

static int make_ctx(struct ts_conf *conf, uint32_t gateway)
{
	struct ts_iface_conf ic = {
		.port_id = 0, .mac = our_mac, .addr = OUR_IP, .prefix_len = 24,
		.gateway = gateway,
	};

	if (ts_ctx_init(&ctx, conf, pool, 0, HZ) != 0)
		return -1;
	ts_set_tx(&ctx, capture_tx, NULL);
	ts_set_neigh(&ctx, count_neigh, NULL);
	return ts_iface_add(&ctx, &ic, 0, 0) == 0 ? 0 : -1;
}

static int test_setup(void **state)
{
	struct ts_conf conf;

	(void)state;
	ts_conf_defaults(&conf);
	n_captured = 0;
	tx_accept = UINT32_MAX;
	neigh_calls = 0;
	return make_ctx(&conf, GW_IP);
}

/* Every test must leave no mbuf behind: the stack frees what it drops. */
static int test_teardown(void **state)
{
	(void)state;
	ts_flush(&ctx);
	free_captured();
	ts_ctx_free(&ctx);
	return rte_mempool_in_use_count(pool) == 0 ? 0 : -1;
}

static struct rte_mbuf *frame(const struct rte_ether_addr *dst,
		const struct rte_ether_addr *src, uint16_t type, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ether_hdr *eh;

	assert_non_null(m);
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, len);
	assert_non_null(eh);
	memset(eh, 0, len);
	if (len >= sizeof(*eh)) {
		eh->dst_addr = *dst;
		eh->src_addr = *src;
		eh->ether_type = rte_cpu_to_be_16(type);
	}
	return m;
}

static struct rte_mbuf *arp_frame(uint16_t op, const struct rte_ether_addr *sha,
		uint32_t sip, uint32_t tip)
{
	struct rte_mbuf *m = frame(op == RTE_ARP_OP_REQUEST ? &bcast : &our_mac,
			sha, RTE_ETHER_TYPE_ARP, 60);
	struct rte_arp_hdr *ah = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *,
			sizeof(struct rte_ether_hdr));

	ah->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	ah->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ah->arp_hlen = 6;
	ah->arp_plen = 4;
	ah->arp_opcode = rte_cpu_to_be_16(op);
	ah->arp_data.arp_sha = *sha;
	ah->arp_data.arp_sip = rte_cpu_to_be_32(sip);
	ah->arp_data.arp_tip = rte_cpu_to_be_32(tip);
	return m;
}

static struct rte_ipv4_hdr *ip_of(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
			sizeof(struct rte_ether_hdr));
}

/* An echo request from @p src with @p payload bytes of a known pattern. */
static struct rte_mbuf *echo_frame(uint32_t src, uint32_t dst,
		uint16_t payload)
{
	uint16_t ip_len = (uint16_t)(20 + 8 + payload);
	struct rte_mbuf *m = frame(&our_mac, &peer_mac, RTE_ETHER_TYPE_IPV4,
			(uint16_t)(14 + ip_len));
	struct rte_ipv4_hdr *ih = ip_of(m);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ih + 1);
	uint8_t *data = (uint8_t *)(icmp + 1);

	ih->version_ihl = RTE_IPV4_VHL_DEF;
	ih->total_length = rte_cpu_to_be_16(ip_len);
	ih->time_to_live = 64;
	ih->next_proto_id = IPPROTO_ICMP;
	ih->src_addr = rte_cpu_to_be_32(src);
	ih->dst_addr = rte_cpu_to_be_32(dst);
	ih->hdr_checksum = rte_ipv4_cksum(ih);
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	icmp->icmp_ident = RTE_BE16(0x1234);
	icmp->icmp_seq_nb = RTE_BE16(7);
	for (uint16_t i = 0; i < payload; i++)
		data[i] = (uint8_t)(i * 7 + 3);
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, 8u + payload);
	return m;
}

static void input1(struct rte_mbuf *m, uint64_t tsc)
{
	ts_input(&ctx, 0, &m, 1, tsc);
	ts_flush(&ctx);
}

static void learn_peer(uint64_t tsc)
{
	input1(arp_frame(RTE_ARP_OP_REQUEST, &peer_mac, PEER_IP, OUR_IP), tsc);
	free_captured();
}

static void assert_only_drop(enum ts_stat reason)
{
	for (unsigned int id = 0; id < TS_STAT__COUNT; id++)
		if (ts_stat_is_drop(id))
			assert_int_equal(ctx.stats.v[id], id == reason ? 1 : 0);
	assert_int_equal(n_captured, 0);
}

static void test_arp_request_answered(void **state)
{
	struct rte_arp_hdr *ah;
	struct rte_ether_hdr *eh;
	struct rte_ether_addr mac;

	(void)state;
	input1(arp_frame(RTE_ARP_OP_REQUEST, &peer_mac, PEER_IP, OUR_IP), 0);
	assert_int_equal(n_captured, 1);
	eh = rte_pktmbuf_mtod(captured[0], struct rte_ether_hdr *);
	ah = (struct rte_arp_hdr *)(eh + 1);
	assert_true(rte_is_same_ether_addr(&eh->dst_addr, &peer_mac));
	assert_true(rte_is_same_ether_addr(&eh->src_addr, &our_mac));
	assert_int_equal(ah->arp_opcode, RTE_BE16(RTE_ARP_OP_REPLY));
	assert_true(rte_is_same_ether_addr(&ah->arp_data.arp_sha, &our_mac));
	assert_int_equal(rte_be_to_cpu_32(ah->arp_data.arp_sip), OUR_IP);
	assert_true(rte_is_same_ether_addr(&ah->arp_data.arp_tha, &peer_mac));
	assert_int_equal(rte_be_to_cpu_32(ah->arp_data.arp_tip), PEER_IP);
	assert_int_equal(ctx.stats.v[TS_STAT_ARP_RX_REQUEST], 1);
	assert_int_equal(ctx.stats.v[TS_STAT_ARP_TX_REPLY], 1);
	/* The requester was learned and shared with the other workers. */
	assert_int_equal(ts_arp_lookup(&ctx, 0, PEER_IP, &mac), 0);
	assert_true(rte_is_same_ether_addr(&mac, &peer_mac));
	assert_int_equal(neigh_calls, 1);
}

static void test_arp_not_for_us(void **state)
{
	struct rte_ether_addr mac;

	(void)state;
	input1(arp_frame(RTE_ARP_OP_REQUEST, &peer_mac, PEER_IP,
			TS_IPV4(198, 18, 0, 9)), 0);
	assert_only_drop(TS_STAT_DROP_ARP_NOT_FOR_US);
	/* RFC 826: a request for someone else creates no entry. */
	assert_int_not_equal(ts_arp_lookup(&ctx, 0, PEER_IP, &mac), 0);
}

static void test_arp_malformed(void **state)
{
	struct rte_mbuf *m = arp_frame(RTE_ARP_OP_REQUEST, &peer_mac, PEER_IP,
			OUR_IP);
	struct rte_mbuf *m2 = arp_frame(7, &peer_mac, PEER_IP, OUR_IP);
	struct rte_mbuf *m3 = frame(&bcast, &peer_mac, RTE_ETHER_TYPE_ARP, 30);

	(void)state;
	rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, 14)->arp_hlen = 8;
	input1(m, 0);
	input1(m2, 0);
	input1(m3, 0);
	assert_int_equal(ctx.stats.v[TS_STAT_DROP_ARP_MALFORMED], 3);
	assert_int_equal(n_captured, 0);
}

static void check_echo_reply(struct rte_mbuf *m, uint16_t payload)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ih = ip_of(m);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ih + 1);
	const uint8_t *data = (const uint8_t *)(icmp + 1);

	assert_true(rte_is_same_ether_addr(&eh->dst_addr, &peer_mac));
	assert_true(rte_is_same_ether_addr(&eh->src_addr, &our_mac));
	assert_int_equal(rte_be_to_cpu_32(ih->src_addr), OUR_IP);
	assert_int_equal(rte_be_to_cpu_32(ih->dst_addr), PEER_IP);
	assert_int_equal(rte_raw_cksum(ih, 20), 0xffff);
	assert_int_equal(icmp->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
	assert_int_equal(icmp->icmp_ident, RTE_BE16(0x1234));
	assert_int_equal(icmp->icmp_seq_nb, RTE_BE16(7));
	assert_int_equal(rte_raw_cksum(icmp, 8u + payload), 0xffff);
	assert_int_equal(m->pkt_len, 14u + 20 + 8 + payload);
	for (uint16_t i = 0; i < payload; i++)
		assert_int_equal(data[i], (uint8_t)(i * 7 + 3));
}

static void test_echo_answered_intact(void **state)
{
	static const uint16_t sizes[] = { 0, 1, 56, 1400, 1472 };

	(void)state;
	learn_peer(0);
	for (unsigned int i = 0; i < RTE_DIM(sizes); i++) {
		input1(echo_frame(PEER_IP, OUR_IP, sizes[i]), 0);
		assert_int_equal(n_captured, 1);
		check_echo_reply(captured[0], sizes[i]);
		free_captured();
	}
	assert_int_equal(ctx.stats.v[TS_STAT_ICMP_ECHO_RX], RTE_DIM(sizes));
	assert_int_equal(ctx.stats.v[TS_STAT_ICMP_ECHO_TX], RTE_DIM(sizes));
}

/* A reply to an unknown peer waits for ARP, then leaves. */
static void test_echo_waits_for_arp(void **state)
{
	struct rte_arp_hdr *ah;

	(void)state;
	input1(echo_frame(PEER_IP, OUR_IP, 56), 0);
	assert_int_equal(n_captured, 1);   /* the ARP request, not the reply */
	ah = rte_pktmbuf_mtod_offset(captured[0], struct rte_arp_hdr *, 14);
	assert_int_equal(ah->arp_opcode, RTE_BE16(RTE_ARP_OP_REQUEST));
	assert_int_equal(rte_be_to_cpu_32(ah->arp_data.arp_tip), PEER_IP);
	free_captured();
	input1(arp_frame(RTE_ARP_OP_REPLY, &peer_mac, PEER_IP, OUR_IP), MS);
	assert_int_equal(n_captured, 1);
	check_echo_reply(captured[0], 56);
	assert_int_equal(ctx.stats.v[TS_STAT_ARP_RX_REPLY], 1);
}

/* Padding beyond the IP length (short frames) is trimmed, not echoed. */
static void test_echo_padding_trimmed(void **state)
{
	struct rte_mbuf *m;

	(void)state;
	learn_peer(0);
	m = echo_frame(PEER_IP, OUR_IP, 4);
	memset(rte_pktmbuf_append(m, 60 - m->pkt_len), 0xee, 60 - m->pkt_len);
	input1(m, 0);
	assert_int_equal(n_captured, 1);
	check_echo_reply(captured[0], 4);
}

typedef void (*mangle_fn)(struct rte_mbuf *m);

static void reck(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ih = ip_of(m);

	ih->hdr_checksum = 0;
	ih->hdr_checksum = rte_ipv4_cksum(ih);
}

static void mangle_cksum(struct rte_mbuf *m) { ip_of(m)->hdr_checksum ^= 1; }
static void mangle_version(struct rte_mbuf *m)
{
	ip_of(m)->version_ihl = 0x65;
	reck(m);
}
static void mangle_hlen(struct rte_mbuf *m)
{
	ip_of(m)->version_ihl = 0x44;
}
static void mangle_len_long(struct rte_mbuf *m)
{
	ip_of(m)->total_length = RTE_BE16(1000);
	reck(m);
}
static void mangle_len_short(struct rte_mbuf *m)
{
	ip_of(m)->total_length = RTE_BE16(12);
	reck(m);
}
static void mangle_mf(struct rte_mbuf *m)
{
	ip_of(m)->fragment_offset = RTE_BE16(RTE_IPV4_HDR_MF_FLAG);
	reck(m);
}
static void mangle_offset(struct rte_mbuf *m)
{
	ip_of(m)->fragment_offset = RTE_BE16(185);
	reck(m);
}
static void mangle_dst(struct rte_mbuf *m)
{
	ip_of(m)->dst_addr = RTE_BE32(TS_IPV4(198, 18, 0, 77));
	reck(m);
}
static void mangle_src_loopback(struct rte_mbuf *m)
{
	ip_of(m)->src_addr = RTE_BE32(TS_IPV4(127, 0, 0, 1));
	reck(m);
}
static void mangle_src_bcast(struct rte_mbuf *m)
{
	ip_of(m)->src_addr = RTE_BE32(TS_IPV4(198, 18, 0, 255));
	reck(m);
}
static void mangle_proto(struct rte_mbuf *m)
{
	ip_of(m)->next_proto_id = IPPROTO_UDP;
	reck(m);
}
static void mangle_icmp_cksum(struct rte_mbuf *m)
{
	((struct rte_icmp_hdr *)(ip_of(m) + 1))->icmp_cksum ^= 0x100;
}
static void mangle_icmp_type(struct rte_mbuf *m)
{
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip_of(m) + 1);

	icmp->icmp_type = 13;    /* timestamp request */
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, 8 + 16);
}
static void mangle_icmp_short(struct rte_mbuf *m)
{
	ip_of(m)->total_length = RTE_BE16(24);
	reck(m);
}

/* Record route (7) in a 24-byte header: refused. NOPs alone: accepted. */
static struct rte_mbuf *options_frame(uint8_t opt)
{
	struct rte_mbuf *m = echo_frame(PEER_IP, OUR_IP, 16);
	struct rte_ipv4_hdr *ih;
	uint8_t *p;

	p = (uint8_t *)rte_pktmbuf_append(m, 4);
	assert_non_null(p);
	ih = ip_of(m);
	memmove((uint8_t *)ih + 24, (uint8_t *)ih + 20, 8 + 16);
	memset((uint8_t *)ih + 20, opt, 4);
	ih->version_ihl = 0x46;
	ih->total_length = RTE_BE16(20 + 4 + 8 + 16);
	reck(m);
	return m;
}

static void test_ip_drops(void **state)
{
	static const struct {
		mangle_fn fn;
		enum ts_stat reason;
	} cases[] = {
		{ mangle_cksum, TS_STAT_DROP_IP_CKSUM },
		{ mangle_version, TS_STAT_DROP_IP_VERSION },
		{ mangle_hlen, TS_STAT_DROP_IP_HDR_LEN },
		{ mangle_len_long, TS_STAT_DROP_IP_LEN },
		{ mangle_len_short, TS_STAT_DROP_IP_LEN },
		{ mangle_mf, TS_STAT_DROP_IP_FRAGMENT },
		{ mangle_offset, TS_STAT_DROP_IP_FRAGMENT },
		{ mangle_dst, TS_STAT_DROP_IP_NOT_FOR_US },
		{ mangle_src_loopback, TS_STAT_DROP_IP_BAD_SRC },
		{ mangle_src_bcast, TS_STAT_DROP_IP_BAD_SRC },
		{ mangle_proto, TS_STAT_DROP_IP_PROTO },
		{ mangle_icmp_cksum, TS_STAT_DROP_ICMP_CKSUM },
		{ mangle_icmp_type, TS_STAT_DROP_ICMP_TYPE },
		{ mangle_icmp_short, TS_STAT_DROP_ICMP_SHORT },
	};

	(void)state;
	learn_peer(0);
	for (unsigned int i = 0; i < RTE_DIM(cases); i++) {
		struct rte_mbuf *m = echo_frame(PEER_IP, OUR_IP, 16);

		memset(ctx.stats.v, 0, sizeof(ctx.stats.v));
		cases[i].fn(m);
		input1(m, 0);
		assert_only_drop(cases[i].reason);
	}
	/* And a well-formed one still goes through after all that. */
	input1(echo_frame(PEER_IP, OUR_IP, 16), 0);
	assert_int_equal(n_captured, 1);
}

static void test_ip_options(void **state)
{
	(void)state;
	learn_peer(0);
	input1(options_frame(7), 0);
	assert_only_drop(TS_STAT_DROP_IP_OPTIONS);
	input1(options_frame(1), 0);     /* NOP padding only */
	assert_int_equal(n_captured, 1);
	assert_int_equal(ctx.stats.v[TS_STAT_ICMP_ECHO_TX], 1);
}

static void test_eth_drops(void **state)
{
	static const struct rte_ether_addr other = {{ 0x02, 0, 0, 0, 0, 0x33 }};

	(void)state;
	input1(frame(&our_mac, &peer_mac, RTE_ETHER_TYPE_IPV4, 10), 0);
	assert_only_drop(TS_STAT_DROP_ETH_SHORT);
	memset(ctx.stats.v, 0, sizeof(ctx.stats.v));
	input1(frame(&other, &peer_mac, RTE_ETHER_TYPE_IPV4, 60), 0);
	assert_only_drop(TS_STAT_DROP_ETH_NOT_FOR_US);
	memset(ctx.stats.v, 0, sizeof(ctx.stats.v));
	input1(frame(&our_mac, &peer_mac, RTE_ETHER_TYPE_IPV6, 60), 0);
	assert_only_drop(TS_STAT_DROP_ETH_TYPE);
	memset(ctx.stats.v, 0, sizeof(ctx.stats.v));
	input1(frame(&our_mac, &peer_mac, RTE_ETHER_TYPE_IPV4, 30), 0);
	assert_only_drop(TS_STAT_DROP_IP_SHORT);
}

/* Bounded queue, retries at the configured interval, then give up. */
static void test_arp_resolution_gives_up(void **state)
{
	struct ts_conf conf;
	struct rte_ether_addr mac;
	uint64_t t = 0;

	(void)state;
	ts_ctx_free(&ctx);
	ts_conf_defaults(&conf);
	conf.arp_queue_len = 3;
	conf.arp_retries = 3;
	conf.arp_retry_ms = 1000;
	assert_int_equal(make_ctx(&conf, GW_IP), 0);
	for (int i = 0; i < 5; i++)
		input1(echo_frame(PEER_IP, OUR_IP, 8), t);
	assert_int_equal(ctx.stats.v[TS_STAT_DROP_ARP_QUEUE_FULL], 2);
	assert_int_equal(ctx.stats.v[TS_STAT_ARP_TX_REQUEST], 1);
	free_captured();
	/* Step the timers as a worker does; before 1 s nothing happens. */
	for (t = 0; t < 1000 * MS; t += 5 * MS)
		ts_timers(&ctx, t);
	ts_flush(&ctx);
	assert_int_equal(n_captured, 0);
	for (; t < 2900 * MS; t += 5 * MS)
		ts_timers(&ctx, t);
	ts_flush(&ctx);
	/* Three requests in all, the packets still waiting. */
	assert_int_equal(ctx.stats.v[TS_STAT_ARP_TX_REQUEST], 3);
	assert_int_equal(ctx.stats.v[TS_STAT_DROP_ARP_UNRESOLVED], 0);
	for (; t < 3100 * MS; t += 5 * MS)
		ts_timers(&ctx, t);
	assert_int_equal(ctx.stats.v[TS_STAT_ARP_TX_REQUEST], 3);
	assert_int_equal(ctx.stats.v[TS_STAT_DROP_ARP_UNRESOLVED], 3);
	assert_int_not_equal(ts_arp_lookup(&ctx, 0, PEER_IP, &mac), 0);
	assert_int_equal(ctx.ifs[0].arp.used, 0);
}

/* Past its lifetime an entry is still used while a unicast probe asks. */
static void test_arp_expiry_probes(void **state)
{
	uint64_t life = 60000 * MS;
	struct rte_ether_hdr *eh;

	(void)state;
	learn_peer(0);
	input1(echo_frame(PEER_IP, OUR_IP, 8), life + 1);
	assert_int_equal(n_captured, 2);
	eh = rte_pktmbuf_mtod(captured[0], struct rte_ether_hdr *);
	assert_int_equal(eh->ether_type, RTE_BE16(RTE_ETHER_TYPE_ARP));
	assert_true(rte_is_same_ether_addr(&eh->dst_addr, &peer_mac));
	check_echo_reply(captured[1], 8);
	free_captured();
	/* No answer to the probes: the entry goes after the retries. */
	for (uint64_t t = life + 1000 * MS; t <= life + 4000 * MS; t += 500 * MS)
		ts_timers(&ctx, t);
	assert_int_equal(ctx.ifs[0].arp.used, 0);
}

static void test_arp_table_full_and_removal(void **state)
{
	struct ts_conf conf;
	struct rte_ether_addr mac;

	(void)state;
	ts_ctx_free(&ctx);
	ts_conf_defaults(&conf);
	conf.arp_entries = 16;
	assert_int_equal(make_ctx(&conf, GW_IP), 0);
	for (uint32_t i = 0; i < 20; i++)
		ts_arp_learn(&ctx, 0, TS_IPV4(198, 18, 0, 10 + i), &peer_mac, 0);
	assert_int_equal(ctx.ifs[0].arp.used, 16);
	assert_int_equal(ctx.stats.v[TS_STAT_DROP_ARP_TABLE_FULL], 4);
	for (uint32_t i = 0; i < 16; i++)
		assert_int_equal(ts_arp_lookup(&ctx, 0,
				TS_IPV4(198, 18, 0, 10 + i), &mac), 0);
	/* Unused for two lifetimes: reclaimed, and probing chains stay whole. */
	ts_arp_learn(&ctx, 0, TS_IPV4(198, 18, 0, 12), &peer_mac, 60000 * MS);
	ts_timers(&ctx, 120000 * MS);
	assert_int_equal(ctx.ifs[0].arp.used, 1);
	assert_int_equal(ts_arp_lookup(&ctx, 0, TS_IPV4(198, 18, 0, 12), &mac),
			0);
}

static void test_gratuitous_announce(void **state)
{
	struct rte_ether_hdr *eh;
	struct rte_arp_hdr *ah;

	(void)state;
	ts_arp_announce(&ctx, 0, 0);
	ts_flush(&ctx);
	assert_int_equal(n_captured, 1);
	eh = rte_pktmbuf_mtod(captured[0], struct rte_ether_hdr *);
	ah = (struct rte_arp_hdr *)(eh + 1);
	assert_true(rte_is_broadcast_ether_addr(&eh->dst_addr));
	assert_int_equal(ah->arp_opcode, RTE_BE16(RTE_ARP_OP_REQUEST));
	assert_int_equal(rte_be_to_cpu_32(ah->arp_data.arp_sip), OUR_IP);
	assert_int_equal(rte_be_to_cpu_32(ah->arp_data.arp_tip), OUR_IP);
	assert_int_equal(captured[0]->pkt_len, 60);
}

static void test_output_routes(void **state)
{
	struct rte_mbuf *m;
	struct rte_ipv4_hdr *ih;
	struct rte_ether_hdr *eh;

	(void)state;
	ts_arp_learn(&ctx, 0, GW_IP, &gw_mac, 0);
	m = rte_pktmbuf_alloc(pool);
	memset(rte_pktmbuf_append(m, 10), 0xab, 10);
	ts_ipv4_output(&ctx, 0, m, OUR_IP, TS_IPV4(203, 0, 113, 5), 253, 0);
	ts_flush(&ctx);
	assert_int_equal(n_captured, 1);
	eh = rte_pktmbuf_mtod(captured[0], struct rte_ether_hdr *);
	ih = ip_of(captured[0]);
	assert_true(rte_is_same_ether_addr(&eh->dst_addr, &gw_mac));
	assert_int_equal(rte_be_to_cpu_32(ih->dst_addr), TS_IPV4(203, 0, 113, 5));
	assert_int_equal(rte_be_to_cpu_16(ih->total_length), 30);
	assert_int_equal(ih->next_proto_id, 253);
	assert_int_equal(ih->time_to_live, 64);
	assert_int_equal(rte_raw_cksum(ih, 20), 0xffff);
	free_captured();

	/* Without a gateway an off-link destination has no route. */
	ts_ctx_free(&ctx);
	{
		struct ts_conf conf;

		ts_conf_defaults(&conf);
		assert_int_equal(make_ctx(&conf, 0), 0);
	}
	m = rte_pktmbuf_alloc(pool);
	rte_pktmbuf_append(m, 10);
	ts_ipv4_output(&ctx, 0, m, OUR_IP, TS_IPV4(203, 0, 113, 5), 253, 0);
	assert_only_drop(TS_STAT_DROP_NO_ROUTE);
}

/* An interface that owns .10-.13: ARP, IPv4 and ICMP answer for each,
 * from the address asked; .9 and .14 are someone else's. */
static void test_several_addresses(void **state)
{
	const uint32_t first = TS_IPV4(198, 18, 0, 10);
	struct ts_iface_conf ic = {
		.port_id = 0, .mac = our_mac, .addr = first, .prefix_len = 24,
		.n_addrs = 4,
	};
	struct ts_conf conf;

	(void)state;
	ts_ctx_free(&ctx);
	ts_conf_defaults(&conf);
	assert_int_equal(ts_ctx_init(&ctx, &conf, pool, 0, HZ), 0);
	ts_set_tx(&ctx, capture_tx, NULL);
	/* Too many, or past the prefix: refused. */
	ic.n_addrs = TS_MAX_ADDRS + 1;
	assert_int_equal(ts_iface_add(&ctx, &ic, 0, 0), -TS_ERR_INVAL);
	ic.n_addrs = 4;
	ic.addr = TS_IPV4(198, 18, 0, 253);
	assert_int_equal(ts_iface_add(&ctx, &ic, 0, 0), -TS_ERR_INVAL);
	ic.addr = TS_IPV4(198, 18, 0, 252);     /* .255, the broadcast */
	assert_int_equal(ts_iface_add(&ctx, &ic, 0, 0), -TS_ERR_INVAL);
	ic.addr = TS_IPV4(198, 18, 1, 0);       /* its network */
	assert_int_equal(ts_iface_add(&ctx, &ic, 0, 0), -TS_ERR_INVAL);
	ic.addr = first;
	assert_int_equal(ts_iface_add(&ctx, &ic, 0, 0), 0);

	input1(arp_frame(RTE_ARP_OP_REQUEST, &peer_mac, PEER_IP, first + 3), 0);
	assert_int_equal(n_captured, 1);
	assert_int_equal(rte_be_to_cpu_32(((struct rte_arp_hdr *)(rte_pktmbuf_mtod(
			captured[0], struct rte_ether_hdr *) + 1))->arp_data.arp_sip),
			first + 3);
	free_captured();
	input1(arp_frame(RTE_ARP_OP_REQUEST, &peer_mac, PEER_IP, first + 4), 0);
	assert_int_equal(n_captured, 0);
	assert_int_equal(ctx.stats.v[TS_STAT_DROP_ARP_NOT_FOR_US], 1);

	for (uint32_t a = first - 1; a <= first + 4; a++) {
		input1(echo_frame(PEER_IP, a, 8), 0);
		if (a < first || a > first + 3) {
			assert_int_equal(n_captured, 0);
			continue;
		}
		assert_int_equal(n_captured, 1);
		assert_int_equal(rte_be_to_cpu_32(ip_of(captured[0])->src_addr), a);
		free_captured();
	}
	assert_int_equal(ctx.stats.v[TS_STAT_DROP_IP_NOT_FOR_US], 2);

	/* Announced, each of them. */
	ts_arp_announce(&ctx, 0, 0);
	ts_flush(&ctx);
	assert_int_equal(n_captured, 4);
	for (unsigned int i = 0; i < 4; i++)
		assert_int_equal(rte_be_to_cpu_32(((struct rte_arp_hdr *)(
				rte_pktmbuf_mtod(captured[i],
				struct rte_ether_hdr *) + 1))->arp_data.arp_sip),
				first + i);
}

static uint32_t arp_sip_of(struct rte_mbuf *m)
{
	return rte_be_to_cpu_32(((struct rte_arp_hdr *)(rte_pktmbuf_mtod(m,
			struct rte_ether_hdr *) + 1))->arp_data.arp_sip);
}

/* A set of runs: .10-.11, .40-.42 and .100 are ours, in that order; runs
 * off the link, on its network or broadcast address, meeting another, or
 * too many are refused. */
static void test_address_set(void **state)
{
	const uint32_t net = TS_IPV4(198, 18, 0, 0);
	const uint32_t ours[] = { net + 10, net + 11, net + 40, net + 41,
		net + 42, net + 100 };
	struct ts_iface_conf ic = {
		.port_id = 0, .mac = our_mac, .addr = net + 10, .prefix_len = 24,
		.n_addrs = 2, .n_more = 2,
		.more = { { net + 40, 3 }, { net + 100, 1 } },
	};
	struct ts_iface_conf bad;
	struct ts_conf conf;
	uint64_t drops = 0;

	(void)state;
	ts_ctx_free(&ctx);
	ts_conf_defaults(&conf);
	assert_int_equal(ts_ctx_init(&ctx, &conf, pool, 0, HZ), 0);
	ts_set_tx(&ctx, capture_tx, NULL);
	bad = ic;
	bad.more[1] = (struct ts_addr_range){ TS_IPV4(198, 18, 1, 1), 1 };
	assert_int_equal(ts_iface_add(&ctx, &bad, 0, 0), -TS_ERR_INVAL);
	bad.more[1] = (struct ts_addr_range){ net + 250, 6 };  /* to .255 */
	assert_int_equal(ts_iface_add(&ctx, &bad, 0, 0), -TS_ERR_INVAL);
	bad.more[1] = (struct ts_addr_range){ net, 1 };
	assert_int_equal(ts_iface_add(&ctx, &bad, 0, 0), -TS_ERR_INVAL);
	bad.more[1] = (struct ts_addr_range){ net + 5, 6 };    /* meets .10 */
	assert_int_equal(ts_iface_add(&ctx, &bad, 0, 0), -TS_ERR_INVAL);
	bad.more[1] = (struct ts_addr_range){ net + 42, 2 };   /* meets .42 */
	assert_int_equal(ts_iface_add(&ctx, &bad, 0, 0), -TS_ERR_INVAL);
	bad.more[1] = (struct ts_addr_range){ net + 100, 0 };
	assert_int_equal(ts_iface_add(&ctx, &bad, 0, 0), -TS_ERR_INVAL);
	bad = ic;
	bad.prefix_len = 16;
	bad.more[1] = (struct ts_addr_range){ TS_IPV4(198, 18, 1, 1),
		TS_MAX_ADDRS - 4 };                     /* 4,097 in all */
	assert_int_equal(ts_iface_add(&ctx, &bad, 0, 0), -TS_ERR_INVAL);
	bad.more[1].n--;
	assert_int_equal(ts_iface_add(&ctx, &bad, 0, 0), 0);
	assert_int_equal(ts_iface_addrs(&ctx, 0), TS_MAX_ADDRS);
	ts_ctx_free(&ctx);
	assert_int_equal(ts_ctx_init(&ctx, &conf, pool, 0, HZ), 0);
	ts_set_tx(&ctx, capture_tx, NULL);
	/* A /31 whose second address is 255.255.255.255: one run apart,
	 * taken; the same address twice, refused. */
	bad = (struct ts_iface_conf){ .port_id = 0, .mac = our_mac,
		.addr = UINT32_MAX - 1, .prefix_len = 31, .n_addrs = 2,
		.n_more = 1, .more = { { UINT32_MAX, 1 } } };
	assert_int_equal(ts_iface_add(&ctx, &bad, 0, 0), -TS_ERR_INVAL);
	bad.n_addrs = 1;
	assert_int_equal(ts_iface_add(&ctx, &bad, 0, 0), 0);
	assert_int_equal(ts_iface_addr(&ctx, 0, 1), UINT32_MAX);
	ts_ctx_free(&ctx);
	assert_int_equal(ts_ctx_init(&ctx, &conf, pool, 0, HZ), 0);
	ts_set_tx(&ctx, capture_tx, NULL);
	bad = ic;
	bad.n_more = TS_MAX_MORE + 1;
	assert_int_equal(ts_iface_add(&ctx, &bad, 0, 0), -TS_ERR_INVAL);
	assert_int_equal(ts_iface_add(&ctx, &ic, 0, 0), 0);

	assert_int_equal(ts_iface_addrs(&ctx, 0), 6);
	for (uint32_t k = 0; k < 12; k++)
		assert_int_equal(ts_iface_addr(&ctx, 0, k), ours[k % 6]);
	/* ARP and ICMP answer for each of ours, from the address asked. */
	for (uint32_t a = net + 1; a < net + 120; a++) {
		int mine = 0;

		for (unsigned int i = 0; i < RTE_DIM(ours); i++)
			mine |= a == ours[i];
		input1(arp_frame(RTE_ARP_OP_REQUEST, &peer_mac, PEER_IP, a), 0);
		if (!mine) {
			assert_int_equal(n_captured, 0);
			drops++;
			continue;
		}
		assert_int_equal(n_captured, 1);
		assert_int_equal(arp_sip_of(captured[0]), a);
		free_captured();
		input1(echo_frame(PEER_IP, a, 8), 0);
		assert_int_equal(n_captured, 1);
		assert_int_equal(rte_be_to_cpu_32(ip_of(captured[0])->src_addr), a);
		free_captured();
	}
	assert_int_equal(ctx.stats.v[TS_STAT_DROP_ARP_NOT_FOR_US], drops);
	input1(echo_frame(PEER_IP, net + 43, 8), 0);
	assert_int_equal(n_captured, 0);
	assert_int_equal(ctx.stats.v[TS_STAT_DROP_IP_NOT_FOR_US], 1);
	/* Announced, each of them, in order. */
	ts_arp_announce(&ctx, 0, 0);
	ts_flush(&ctx);
	assert_int_equal(n_captured, 6);
	for (unsigned int i = 0; i < 6; i++)
		assert_int_equal(arp_sip_of(captured[i]), ours[i]);
}

/* A full port holds frames back, in order; only beyond TS_TX_QUEUE are
 * they dropped, and counted. */
static void test_tx_full_counted(void **state)
{
	const unsigned int extra = 3;
	uint64_t sent;

	(void)state;
	learn_peer(0);
	tx_accept = 0;
	input1(echo_frame(PEER_IP, OUR_IP, 8), 0);
	assert_int_equal(ctx.stats.v[TS_STAT_ICMP_ECHO_TX], 1);
	assert_int_equal(ctx.stats.v[TS_STAT_DROP_TX_FULL], 0);
	assert_int_equal(n_captured, 0);
	tx_accept = UINT32_MAX;
	ts_flush(&ctx);
	assert_int_equal(n_captured, 1);
	free_captured();

	sent = ctx.stats.v[TS_STAT_TX_PKTS];
	tx_accept = 0;
	for (unsigned int i = 0; i < TS_TX_QUEUE + extra; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

		assert_non_null(m);
		*(uint32_t *)rte_pktmbuf_append(m, 4) = i;
		ts_ipv4_output(&ctx, 0, m, OUR_IP, PEER_IP, 253, 0);
	}
	ts_flush(&ctx);
	assert_int_equal(n_captured, 0);
	assert_int_equal(ctx.stats.v[TS_STAT_DROP_TX_FULL], extra);
	/* The port takes a few at a time: the rest keep their order. */
	tx_accept = 5;
	ts_flush(&ctx);
	tx_accept = UINT32_MAX;
	ts_flush(&ctx);
	assert_int_equal(n_captured, TS_TX_QUEUE);
	for (unsigned int i = 0; i < n_captured; i++) {
		const uint8_t *ip = rte_pktmbuf_mtod_offset(captured[i],
				const uint8_t *, sizeof(struct rte_ether_hdr));

		assert_int_equal(*(const uint32_t *)(ip + 20), i);
	}
	assert_int_equal(ctx.stats.v[TS_STAT_TX_PKTS] - sent, TS_TX_QUEUE);
}

/*
 * A burst larger than the transmit buffer flushes as it fills; one
 * larger than ts_input's window of 32 is taken in two, counted whole.
 */
static void test_burst(void **state)
{
	struct rte_mbuf *pkts[40];
	uint64_t bytes = 0;

	(void)state;
	learn_peer(0);
	memset(ctx.stats.v, 0, sizeof(ctx.stats.v));
	for (unsigned int i = 0; i < RTE_DIM(pkts); i++) {
		pkts[i] = echo_frame(PEER_IP, OUR_IP, 32);
		bytes += pkts[i]->pkt_len;
	}
	ts_input(&ctx, 0, pkts, RTE_DIM(pkts), 0);
	assert_int_equal(ctx.stats.v[TS_STAT_RX_PKTS], RTE_DIM(pkts));
	assert_int_equal(ctx.stats.v[TS_STAT_RX_BYTES], bytes);
	assert_int_equal(ctx.stats.v[TS_STAT_ICMP_ECHO_RX], RTE_DIM(pkts));
	assert_int_equal(n_captured, TS_TX_BURST);
	ts_flush(&ctx);
	assert_int_equal(n_captured, RTE_DIM(pkts));
	assert_int_equal(ctx.stats.v[TS_STAT_TX_PKTS], RTE_DIM(pkts));
	for (unsigned int i = 0; i < n_captured; i++)
		check_echo_reply(captured[i], 32);
}

static void test_stat_names(void **state)
{
	(void)state;
	for (unsigned int id = 0; id < TS_STAT__COUNT; id++) {
		assert_non_null(ts_stat_desc(id));
		assert_true(strlen(ts_stat_desc(id)->name) > 0);
		assert_int_equal(ts_stat_is_drop(id),
				strncmp(ts_stat_desc(id)->name, "drop_", 5) == 0);
		for (unsigned int j = 0; j < id; j++)
			assert_string_not_equal(ts_stat_desc(id)->name,
					ts_stat_desc(j)->name);
	}
	assert_null(ts_stat_desc(TS_STAT__COUNT));
}

static void test_bad_conf(void **state)
{
	struct ts_conf conf;
	struct ts_iface_conf ic = { .addr = OUR_IP, .prefix_len = 33 };

	(void)state;
	ts_ctx_free(&ctx);
	ts_conf_defaults(&conf);
	conf.arp_queue_len = TS_ARP_QUEUE_MAX + 1;
	assert_int_equal(ts_ctx_init(&ctx, &conf, pool, 0, HZ), -TS_ERR_INVAL);
	ts_conf_defaults(&conf);
	assert_int_equal(ts_ctx_init(&ctx, &conf, pool, 0, HZ), 0);
	assert_int_equal(ts_iface_add(&ctx, &ic, 0, 0), -TS_ERR_INVAL);
	ic.prefix_len = 24;
	ic.addr = 0;
	assert_int_equal(ts_iface_add(&ctx, &ic, 0, 0), -TS_ERR_INVAL);
	assert_int_equal(make_ctx(&conf, 0), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, test_setup, test_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_arp_request_answered),
		T(test_arp_not_for_us),
		T(test_arp_malformed),
		T(test_echo_answered_intact),
		T(test_echo_waits_for_arp),
		T(test_echo_padding_trimmed),
		T(test_ip_drops),
		T(test_ip_options),
		T(test_eth_drops),
		T(test_arp_resolution_gives_up),
		T(test_arp_expiry_probes),
		T(test_arp_table_full_and_removal),
		T(test_gratuitous_announce),
		T(test_output_routes),
		T(test_tx_full_counted),
		T(test_address_set),
		T(test_several_addresses),
		T(test_burst),
		T(test_stat_names),
		T(test_bad_conf),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
