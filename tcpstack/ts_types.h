/**
 * @file
 * Types of the userspace stack: per-worker context, interfaces, the ARP
 * cache and the statistics table. Functions are in ts.h.
 */
#ifndef TS_TYPES_H
#define TS_TYPES_H

#include <stdint.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "ts_tcp_types.h"

/** Interfaces (DPDK ports) one stack context drives. */
#define TS_MAX_IFACES 4
/** Addresses one interface may own, all its ranges together. */
#define TS_MAX_ADDRS 4096
/** Ranges of addresses an interface may own besides addr's own
 * (struct ts_iface_conf more). */
#define TS_MAX_MORE 7
/** Packets a transmit buffer collects before it is offered to the port. */
#define TS_TX_BURST 32
/**
 * Packets a transmit buffer holds while the port's queue is full; new ones
 * are dropped only beyond this. Output from the send queues stops once
 * half of it is taken (TS_TX_HOLD), and resumes when the port drains.
 */
#define TS_TX_QUEUE 512
#define TS_TX_HOLD (TS_TX_QUEUE / 2)
_Static_assert((TS_TX_BURST & (TS_TX_BURST - 1)) == 0 &&
		TS_TX_QUEUE % TS_TX_BURST == 0,
		"ts_tx offers the port a burst at each multiple of TS_TX_BURST");
/** Dropped packets collected before they go back to their pool at once. */
#define TS_FREE_BURST 64
/** Packets one ARP entry may hold while its address is resolved. */
#define TS_ARP_QUEUE_MAX 8

/**
 * Statistics, defined once: X(enum suffix, name, description).
 * Drop reasons come last, each counts packets freed for that reason.
 * New counters are only ever appended within their group.
 */
#define TS_STATS_COUNTERS(X) \
	X(RX_PKTS, "rx_packets", "frames received") \
	X(RX_BYTES, "rx_bytes", "bytes received") \
	X(TX_PKTS, "tx_packets", "frames handed to the port") \
	X(TX_BYTES, "tx_bytes", "bytes handed to the port") \
	X(ARP_RX_REQUEST, "arp_rx_requests", "ARP requests received") \
	X(ARP_RX_REPLY, "arp_rx_replies", "ARP replies received") \
	X(ARP_TX_REQUEST, "arp_tx_requests", "ARP requests sent") \
	X(ARP_TX_REPLY, "arp_tx_replies", "ARP replies sent") \
	X(ARP_LEARNED, "arp_learned", "ARP entries learned or refreshed") \
	X(IP_RX, "ip_rx_packets", "IPv4 packets accepted for us") \
	X(ICMP_ECHO_RX, "icmp_echo_requests", "ICMP echo requests received") \
	X(ICMP_ECHO_TX, "icmp_echo_replies", "ICMP echo replies sent") \
	X(TCP_SEGS_IN, "tcp_segs_in", "TCP segments received for us") \
	X(TCP_SEGS_OUT, "tcp_segs_out", "TCP segments sent") \
	X(TCP_RETRANS_RTO, "tcp_retrans_timeout", "segments resent after a retransmission timeout") \
	X(TCP_RTO_PORT_FULL, "tcp_rto_port_full", "retransmission timeouts put off, without backoff: the port was full") \
	X(TCP_RETRANS_FAST, "tcp_retrans_fast", "segments resent by fast retransmit or recovery") \
	X(TCP_OOO, "tcp_ooo_segs", "segments received out of order and queued") \
	X(TCP_DUP, "tcp_dup_segs", "segments whose data we had already, in whole or part") \
	X(TCP_RST_RX, "tcp_rst_rcvd", "acceptable RSTs received") \
	X(TCP_RST_TX, "tcp_rst_sent", "RSTs sent") \
	X(TCP_CHALLENGE_ACK, "tcp_challenge_acks", "challenge ACKs sent (RFC 5961)") \
	X(TCP_COOKIE_TX, "tcp_syncookies_sent", "SYN cookies sent: backlog full") \
	X(TCP_COOKIE_OK, "tcp_syncookies_ok", "connections made from a valid SYN cookie") \
	X(TCP_COOKIE_BAD, "tcp_syncookies_failed", "ACKs whose SYN cookie did not check") \
	X(TCP_PASSIVE_OPEN, "tcp_passive_opens", "connections accepted") \
	X(TCP_ACTIVE_OPEN, "tcp_active_opens", "connections opened by us") \
	X(TCP_TW_REUSE, "tcp_time_wait_reused", "TIME-WAIT connections ended by a new SYN of the same tuple (RFC 6191)") \
	X(TCP_TIMEOUT, "tcp_timeouts", "connections dropped: retransmissions or keepalives unanswered") \
	X(TCP_ZWP, "tcp_zero_window_probes", "zero-window probes sent") \
	X(TCP_HANDOFF, "tcp_handoff", "segments passed to the worker that owns their flow") \
	X(TCP_CLIENT_OK, "tcp_client_conns_ok", "built-in client: connections whose echo checked") \
	X(TCP_CLIENT_FAIL, "tcp_client_conns_failed", "built-in client: connections that failed") \
	X(TCP_CLIENT_BYTES, "tcp_client_bytes_verified", "built-in client: echoed bytes verified") \
	X(TCP_CLIENT_ECHOES, "tcp_client_echoes", "built-in client: messages (msg=) echoed and verified") \
	X(TCP_SACK_RECOVERY, "tcp_sack_recoveries", "loss recoveries driven by the SACK scoreboard (RFC 6675)") \
	X(TCP_RECOVERY_UNDO, "tcp_recoveries_undone", "recoveries undone: timestamps showed no resend was needed") \
	X(TCP_LOST_RXT, "tcp_lost_retransmits", "resends found lost by SACKs for later data, sent again") \
	X(TCP_SB_NONE, "tcp_sack_no_scoreboard", "SACK blocks ignored: no free scoreboard (NewReno recovery instead)") \
	X(TCP_TLP, "tcp_loss_probes", "tail loss probes sent (RFC 8985 7)") \
	X(TCP_RST_RX_REFUSED, "tcp_rst_rcvd_refused", "RSTs received in SYN-SENT: our connect refused") \
	X(TCP_RST_RX_SYN_RCVD, "tcp_rst_rcvd_syn_rcvd", "RSTs received in SYN-RECEIVED: the peer gave up its handshake") \
	X(TCP_RST_RX_OPEN, "tcp_rst_rcvd_open", "RSTs received in ESTABLISHED, FIN-WAIT or CLOSE-WAIT: the connection reset") \
	X(TCP_RST_RX_CLOSING, "tcp_rst_rcvd_closing", "RSTs received in CLOSING, LAST-ACK or TIME-WAIT") \
	X(TCP_RST_TX_NO_CONN, "tcp_rst_sent_no_conn", "RSTs sent for a segment with no connection or listener, or a SYN cookie that did not check") \
	X(TCP_RST_TX_BAD_ACK, "tcp_rst_sent_bad_ack", "RSTs sent for an ACK of data never sent, in SYN-SENT or SYN-RECEIVED") \
	X(TCP_RST_TX_LIMIT, "tcp_rst_sent_limit", "RSTs sent for a SYN cookie's connection over the listener's or source's limit") \
	X(TCP_RST_TX_ABORT, "tcp_rst_sent_abort", "RSTs sent because the application aborted the connection") \
	X(TCP_RST_TX_TIMEOUT, "tcp_rst_sent_timeout", "RSTs sent when retransmissions or keepalive probes gave up") \
	X(TCP_TW_REUSE_CONNECT, "tcp_time_wait_reused_connect", "TIME-WAIT connections ended by a connect that took their port (tcp.time_wait_reuse_ms)") \
	X(TCP_REO_LOST, "tcp_reorder_timeouts", "reorder timer expirations that found a hole lost (RFC 8985 6.2)")

/** Gauges: current values, raised and lowered by the owning worker. */
#define TS_STATS_GAUGES(X) \
	X(TCP_CONNS, "tcp_conns", "connection objects in use") \
	X(TCP_ST_SYN_SENT, "tcp_state_syn_sent", "connections in SYN-SENT") \
	X(TCP_ST_SYN_RCVD, "tcp_state_syn_rcvd", "connections in SYN-RECEIVED") \
	X(TCP_ST_ESTABLISHED, "tcp_state_established", "connections in ESTABLISHED") \
	X(TCP_ST_FIN_WAIT_1, "tcp_state_fin_wait_1", "connections in FIN-WAIT-1") \
	X(TCP_ST_FIN_WAIT_2, "tcp_state_fin_wait_2", "connections in FIN-WAIT-2") \
	X(TCP_ST_CLOSE_WAIT, "tcp_state_close_wait", "connections in CLOSE-WAIT") \
	X(TCP_ST_CLOSING, "tcp_state_closing", "connections in CLOSING") \
	X(TCP_ST_LAST_ACK, "tcp_state_last_ack", "connections in LAST-ACK") \
	X(TCP_ST_TIME_WAIT, "tcp_state_time_wait", "connections in TIME-WAIT")

#define TS_STATS_DROPS(X) \
	X(DROP_ETH_SHORT, "drop_eth_short", "frame shorter than an Ethernet header") \
	X(DROP_ETH_NOT_FOR_US, "drop_eth_not_for_us", "destination MAC neither ours nor broadcast") \
	X(DROP_ETH_TYPE, "drop_eth_type", "EtherType other than IPv4 and ARP") \
	X(DROP_ARP_MALFORMED, "drop_arp_malformed", "ARP packet short or not Ethernet/IPv4") \
	X(DROP_ARP_NOT_FOR_US, "drop_arp_not_for_us", "ARP request for another address") \
	X(DROP_ARP_UNRESOLVED, "drop_arp_unresolved", "next hop did not answer ARP") \
	X(DROP_ARP_QUEUE_FULL, "drop_arp_queue_full", "too many packets waiting on one ARP resolution") \
	X(DROP_ARP_TABLE_FULL, "drop_arp_table_full", "no free ARP cache entry") \
	X(DROP_IP_SHORT, "drop_ip_short", "shorter than an IPv4 header") \
	X(DROP_IP_VERSION, "drop_ip_version", "IP version not 4") \
	X(DROP_IP_HDR_LEN, "drop_ip_hdr_len", "IPv4 header length below 20 or beyond the packet") \
	X(DROP_IP_LEN, "drop_ip_len", "IPv4 total length beyond the frame or below the header") \
	X(DROP_IP_CKSUM, "drop_ip_cksum", "bad IPv4 header checksum") \
	X(DROP_IP_FRAGMENT, "drop_ip_fragment", "IPv4 fragment (reassembly not supported)") \
	X(DROP_IP_OPTIONS, "drop_ip_options", "IPv4 option other than NOP and EOL") \
	X(DROP_IP_NOT_FOR_US, "drop_ip_not_for_us", "destination address not ours") \
	X(DROP_IP_BAD_SRC, "drop_ip_bad_src", "source address broadcast, multicast, loopback or zero") \
	X(DROP_IP_PROTO, "drop_ip_proto", "IP protocol not handled") \
	X(DROP_ICMP_SHORT, "drop_icmp_short", "ICMP message shorter than its header") \
	X(DROP_ICMP_CKSUM, "drop_icmp_cksum", "bad ICMP checksum") \
	X(DROP_ICMP_TYPE, "drop_icmp_type", "ICMP type not handled") \
	X(DROP_NO_ROUTE, "drop_no_route", "destination off-link and no gateway") \
	X(DROP_NO_MBUF, "drop_no_mbuf", "mbuf pool empty") \
	X(DROP_TX_FULL, "drop_tx_full", "port transmit queue full") \
	X(DROP_TCP_SHORT, "drop_tcp_short", "TCP segment shorter than its header") \
	X(DROP_TCP_CKSUM, "drop_tcp_cksum", "bad TCP checksum") \
	X(DROP_TCP_FLAGS, "drop_tcp_flags", "TCP flags that make no sense together or in this state") \
	X(DROP_TCP_NO_CONN, "drop_tcp_no_conn", "no connection or listener (answered with RST)") \
	X(DROP_TCP_WINDOW, "drop_tcp_window", "outside the receive window (answered with ACK)") \
	X(DROP_TCP_PAWS, "drop_tcp_paws", "old timestamp (PAWS, RFC 7323)") \
	X(DROP_TCP_OOO_FULL, "drop_tcp_ooo_full", "out-of-order queue full") \
	X(DROP_TCP_CONN_LIMIT, "drop_tcp_conn_limit", "SYN over the listener's or source's connection limit") \
	X(DROP_TCP_NO_TCB, "drop_tcp_no_tcb", "connection pool empty") \
	X(DROP_TCP_ACK, "drop_tcp_ack", "ACK for data never sent (answered with ACK)") \
	X(DROP_TCP_RST, "drop_tcp_rst", "RST not exactly in sequence (challenge ACK sent)") \
	X(DROP_TCP_HANDOFF_FULL, "drop_tcp_handoff_full", "owner worker's ring full") \
	X(DROP_TCP_CLOSED, "drop_tcp_closed", "data for a connection the application has left") \
	X(DROP_TCP_MEM, "drop_tcp_mem", "payload not queued: mbuf pool nearly empty (the peer resends)")

#define TS_STAT_ENUM_(id, name, desc) TS_STAT_##id,
enum ts_stat {
	TS_STATS_COUNTERS(TS_STAT_ENUM_)
	TS_STATS_GAUGES(TS_STAT_ENUM_)
	TS_STATS_DROPS(TS_STAT_ENUM_)
	TS_STAT__COUNT
};
#undef TS_STAT_ENUM_

/** Name and description of one statistic. */
struct ts_stat_desc {
	const char *name;
	const char *desc;
};

/** Per-worker counters: written by the owning worker only. */
struct ts_stats {
	uint64_t v[TS_STAT__COUNT];
} __rte_cache_aligned;

/** Error codes of the stack; functions return 0 or the negative value. */
enum ts_err {
	TS_OK = 0,
	TS_ERR_INVAL = 1,   /**< bad argument */
	TS_ERR_NOMEM = 2,   /**< allocation at set-up failed */
	TS_ERR_FULL = 3,    /**< a bounded table or queue is full */
};

/** A run of addresses: lo and the next n - 1, in host order. */
struct ts_addr_range {
	uint32_t lo;
	uint32_t n;                  /**< >= 1 */
};

/**
 * Who sums an interface's TCP segments. A segment the port sums leaves
 * with the pseudo-header's sum in the field and RTE_MBUF_F_TX_IPV4 |
 * RTE_MBUF_F_TX_TCP_CKSUM (RTE_ETH_TX_OFFLOAD_TCP_CKSUM must be on).
 */
enum ts_tx_cksum {
	TS_TX_CKSUM_SW = 0,      /**< all in software */
	TS_TX_CKSUM_PORT = 1,    /**< all by the port */
	/** Segments in one piece by the port, chains in software: for a
	 * port that miscounts chains with a piece of odd length (net_tap of
	 * DPDK 22.11 sums piece by piece, each from an even offset). */
	TS_TX_CKSUM_PORT_FLAT = 2,
};

/** Static configuration of an interface, in host byte order. */
struct ts_iface_conf {
	uint16_t port_id;            /**< DPDK port */
	struct rte_ether_addr mac;   /**< our MAC on that port */
	uint32_t addr;               /**< our IPv4 address */
	uint16_t n_addrs;            /**< addr and the next n_addrs - 1 are
	                                  ours (0 and 1: addr alone) */
	uint8_t prefix_len;          /**< 0..32 */
	uint8_t n_more;              /**< ranges in more[] */
	/** Who sums the TCP segments we send: enum ts_tx_cksum. */
	uint8_t tx_cksum;
	/** 1: the port sends no chains (no RTE_ETH_TX_OFFLOAD_MULTI_SEGS,
	 * as net_af_xdp): each segment's payload is copied beside its
	 * header, up to the mbuf's room, rather than attached. */
	uint8_t no_chains;
	uint32_t gateway;            /**< default gateway, 0 for none */
	/** More addresses of ours, on the link and apart from addr's and
	 * from each other: a source-address set of several runs. */
	struct ts_addr_range more[TS_MAX_MORE];
};

/** Tunables shared by every worker's context. */
struct ts_conf {
	uint32_t arp_entries;        /**< ARP cache entries per interface */
	uint32_t arp_timeout_ms;     /**< an entry is reachable this long */
	uint32_t arp_retry_ms;       /**< between requests while resolving */
	uint8_t arp_retries;         /**< requests before giving up */
	uint8_t arp_queue_len;       /**< 1..TS_ARP_QUEUE_MAX */
	uint8_t ip_ttl;              /**< TTL of packets we send */
	struct ts_tcp_conf tcp;
};

/** ARP entry states; zero is a free slot. */
enum ts_arp_state {
	TS_ARP_FREE = 0,
	TS_ARP_INCOMPLETE,   /**< request sent, no answer yet */
	TS_ARP_REACHABLE,    /**< confirmed until ->deadline */
	TS_ARP_PROBE,        /**< past its lifetime, still used, re-asked */
};

struct ts_arp_entry {
	uint32_t ip;                 /**< host order */
	uint8_t state;               /**< enum ts_arp_state */
	uint8_t retries;             /**< requests sent in this state */
	uint8_t n_pending;
	uint8_t pad_;
	struct rte_ether_addr mac;
	uint16_t pad2_;
	uint64_t deadline;           /**< TSC of the next state change */
	struct rte_mbuf *pending[TS_ARP_QUEUE_MAX];
};

struct ts_arp_table {
	struct ts_arp_entry *slots;  /**< open addressing, linear probing */
	uint32_t mask;               /**< slots - 1, a power of two minus one */
	uint32_t used;
	uint32_t max_used;           /**< the configured entry limit */
};

struct ts_ctx;

/**
 * Hands @p n packets to the port; returns how many it took. The stack
 * counts and frees the rest.
 */
typedef uint16_t (*ts_tx_fn)(void *arg, uint16_t port_id, uint16_t queue,
		struct rte_mbuf **pkts, uint16_t n);

/**
 * Tells the other workers of an address learned from ARP, so that every
 * worker can reach a neighbour whatever queue its ARP reply arrived on.
 */
typedef void (*ts_neigh_fn)(void *arg, uint8_t ifidx, uint32_t ip,
		const struct rte_ether_addr *mac);

/**
 * Hands a received frame to the worker that owns its flow (@p owner), or
 * returns < 0 when that worker's ring is full (the stack drops it).
 */
typedef int (*ts_handoff_fn)(void *arg, uint16_t owner, uint8_t ifidx,
		struct rte_mbuf *m);

/** One interface as seen by one worker. */
struct ts_iface {
	uint32_t netmask;            /**< host order, from prefix_len */
	uint32_t n_addrs;            /**< addresses from conf.addr on, >= 1 */
	uint32_t n_total;            /**< n_addrs and those of conf.more[] */
	/* TCP checksums, chosen once by conf.tx_cksum (ts_tcp_iface_init),
	 * for a segment in one piece [0] and a chain [1]: what of the
	 * header's and payload's sums is kept, whether the fold is
	 * complemented, the segment's ol_flags, and the payload piece's sum
	 * (none when the port sums). */
	uint32_t sum_mask[2];
	uint64_t tx_ol[2];
	uint16_t (*piece_sum[2])(const struct ts_ctx *ctx,
			const struct rte_mbuf *m, uint32_t off, uint32_t n);
	uint16_t sum_xor[2];
	/** Payloads up to this are copied beside the header, longer ones
	 * attached: TS_TCP_COPY_MAX, or all with conf.no_chains. */
	uint32_t copy_max;
	/** Largest MSS a connection may use here: what one mbuf holds after
	 * the largest TCP header with conf.no_chains, else no bound. */
	uint16_t mss_max;
	uint16_t tx_queue;           /**< this worker's queue on the port */
	uint16_t tx_n;               /**< frames in tx_buf */
	uint8_t tx_blocked;          /**< the port took less than offered */
	/* What every segment reads (the above, and conf's MAC and address)
	 * lies in the first two cache lines; conf.more[] comes after, read
	 * only off the common path. */
	struct ts_iface_conf conf;
	struct ts_arp_table arp;
	struct rte_mbuf *tx_buf[TS_TX_QUEUE];
} __rte_cache_aligned;
_Static_assert(offsetof(struct ts_iface, conf.more) <= 2 * RTE_CACHE_LINE_SIZE,
		"an interface's common fields fit two cache lines");

/** Per-worker stack context; one per lcore, touched by it alone. */
struct ts_ctx {
	struct ts_stats stats;
	struct ts_iface ifs[TS_MAX_IFACES];
	uint8_t n_ifs;
	uint8_t ip_ttl;
	uint8_t arp_retries;
	uint8_t arp_queue_len;
	uint16_t worker_id;
	uint16_t ip_id;              /**< next IPv4 identification */
	uint32_t arp_entries;        /**< ARP cache size per interface */
	uint64_t tsc_hz;
	uint64_t arp_timeout_tsc;
	uint64_t arp_retry_tsc;
	uint64_t next_scan_tsc;      /**< when ts_timers next walks the tables */
	struct rte_mempool *pool;    /**< for packets the stack originates */
	ts_tx_fn tx;
	void *tx_arg;
	ts_neigh_fn neigh;
	void *neigh_arg;
	ts_handoff_fn handoff;
	void *handoff_arg;
	void *svc_client;            /**< the built-in client, if started */
	uint16_t n_free;
	struct rte_mbuf *free_buf[TS_FREE_BURST];  /**< dropped, to free in bulk */
	struct ts_tcp tcp;
} __rte_cache_aligned;

/** Largest message of the built-in client's message mode (one mbuf). */
#define TS_CLIENT_MSG_MAX 1400
/** The built-in client's connections open at once, by default. */
#define TS_CLIENT_PARALLEL 256

/** What the built-in client does. */
struct ts_client_conf {
	uint32_t dst;                    /**< echo server, host order */
	uint16_t dport;
	uint32_t conns;                  /**< connections in all */
	uint32_t parallel;               /**< open at once; 0: 256 */
	uint64_t bytes;                  /**< sent and checked on each */
	uint32_t msg;                    /**< 0: a stream; else message size */
	uint32_t depth;                  /**< messages in flight; 0: any */
};

#endif /* TS_TYPES_H */
