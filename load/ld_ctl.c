/**
 * @file
 * The control thread: never a worker, so its clock reads, sleeps and
 * prints cost the workers nothing. Once a millisecond it sums the
 * workers' counters and moves the run to its next phase; once a second
 * it merges the workers' interval histograms, prints the live line and
 * keeps the sample for the timeline and the plot. It ends the run with
 * dp_request_quit().
 *
 * ld_worker_init (last worker) -> ld_ctl_start -> ld_ctl_main ->
 *   ld_ctl_phase / ld_ctl_sample; ld_finish -> ld_ctl_stop.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_lcore.h>

#include "ld_priv.h"

/** Pubsub drain: deliveries that stop this long are all there are. */
#define LD_QUIET_MS 500
/** A run bounded by --count alone ends when nothing moves for this long. */
#define LD_STALL_MS 10000

/** Counters summed over the workers. */
struct ld_sum {
	uint64_t st[LD_STAT__COUNT];
	uint64_t tx_bytes, rx_bytes;
	uint64_t arp_unresolved;
	uint32_t arp_ok;            /**< workers whose next hop answered */
	uint8_t seen;               /**< the earliest phase a worker acts on */
	uint64_t ready;             /**< connections not started yet */
	uint32_t msg_left;          /**< workers with messages left to send */
	uint32_t open_left;         /**< workers with connections left to open */
};

static struct ld_hist *ld_ctl_iv;

static uint64_t ld_rd(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void ld_ctl_sum(struct ld_sum *s)
{
	memset(s, 0, sizeof(*s));
	s->seen = LD_PH_DONE;
	for (uint16_t i = 0; i < ld.n_workers; i++) {
		const struct ld_worker *w = ld.workers[i];
		const struct ts_stats *ts = &w->ts->stats;

		for (unsigned int k = 0; k < LD_STAT__COUNT; k++)
			s->st[k] += ld_rd(&w->st[k]);
		s->tx_bytes += ld_rd(&ts->v[TS_STAT_TX_BYTES]);
		s->rx_bytes += ld_rd(&ts->v[TS_STAT_RX_BYTES]);
		s->arp_unresolved += ld_rd(&ts->v[TS_STAT_DROP_ARP_UNRESOLVED]);
		s->ready += __atomic_load_n(&w->ready_n, __ATOMIC_RELAXED);
		s->arp_ok += __atomic_load_n(&w->arp_ok, __ATOMIC_RELAXED);
		s->seen = RTE_MIN(s->seen, __atomic_load_n(&w->phase,
					__ATOMIC_ACQUIRE));
		s->msg_left += ld_rd(&w->msg_quota) != 0;
		s->open_left += ld_rd(&w->open_quota) != 0;
	}
}

uint64_t ld_errors_total(const uint64_t *st)
{
	uint64_t n = 0;

	for (unsigned int k = LD_STAT_FIRST_ERROR; k < LD_STAT__COUNT; k++)
		n += st[k];
	return n;
}

/* Connections that never opened. */
static uint64_t ld_failed(const uint64_t *st)
{
	return st[LD_STAT_ERR_CONNECT_REFUSED] + st[LD_STAT_ERR_CONNECT_TIMEOUT] +
		st[LD_STAT_ERR_CONNECT_LOCAL] + st[LD_STAT_ERR_HS_REFUSED] +
		st[LD_STAT_ERR_HS_INVALID];
}

void ld_phase_set(uint8_t phase)
{
	ld.t_phase[phase] = rte_rdtsc();
	__atomic_store_n(&ld.phase, phase, __ATOMIC_RELEASE);
}

static double ld_ms_since(uint64_t tsc, uint64_t now)
{
	return (double)(now - tsc) * 1000.0 / (double)ld.tsc_hz;
}

/*
 * Not one connection opened: say why, naming the option to look at. A
 * target that cannot be reached at all is a usage error (exit 2).
 */
static void ld_ctl_nothing_opened(const struct ld_sum *s)
{
	const struct ld_conf *cf = &ld.conf;
	char ip[16];

	snprintf(ip, sizeof(ip), "%u.%u.%u.%u", cf->dst >> 24,
			(cf->dst >> 16) & 0xff, (cf->dst >> 8) & 0xff,
			cf->dst & 0xff);
	if (s->st[LD_STAT_CONN_TCP_OK] != 0)
		return;   /* TCP worked: the errors tell the rest (exit 1) */
	if (s->st[LD_STAT_ERR_CONNECT_REFUSED] != 0)
		snprintf(ld.fatal, sizeof(ld.fatal), "every connection to %s:%u "
				"was refused: nothing listens there (option --url)",
				ip, cf->dport);
	else if (s->arp_unresolved != 0 || s->arp_ok == 0)
		snprintf(ld.fatal, sizeof(ld.fatal), "%s is unreachable: its next "
				"hop never answered ARP (option --url, or --addr/--gw)",
				ip);
	else if (s->st[LD_STAT_ERR_CONNECT_TIMEOUT] != 0)
		snprintf(ld.fatal, sizeof(ld.fatal), "%s:%u is unreachable: no "
				"answer within --connect-timeout %u ms (option --url)",
				ip, cf->dport, cf->connect_timeout_ms);
}

static void ld_ctl_ramp(const struct ld_sum *s)
{
	if (ld.conf.scenario == LD_SC_CONNECT) {
		ld_phase_set(LD_PH_RUN);
		return;
	}
	if (s->ready != 0 || s->st[LD_STAT_CONNS_OPENING] != 0)
		return;
	if (s->st[LD_STAT_CONNS_OPEN] == 0) {
		ld_ctl_nothing_opened(s);
		ld_phase_set(LD_PH_CLOSE);
		return;
	}
	ld_phase_set(LD_PH_SETTLE);
}

/* No message or handshake moved for LD_STALL_MS. */
static int ld_ctl_stalled(const struct ld_sum *s, uint64_t now)
{
	static uint64_t last, since;
	uint64_t moved = s->st[LD_STAT_MSG_TX] + s->st[LD_STAT_MSG_RX] +
		s->st[LD_STAT_HS_OK] + s->st[LD_STAT_PONG_RX] +
		s->st[LD_STAT_CONN_ATTEMPTS];

	if (moved != last || since == 0) {
		last = moved;
		since = now;
	}
	return ld_ms_since(since, now) >= LD_STALL_MS;
}

static int ld_ctl_run_over(const struct ld_sum *s, uint64_t now)
{
	const struct ld_conf *cf = &ld.conf;

	if (cf->duration_s > 0 &&
			ld_ms_since(ld.t_phase[LD_PH_RUN], now) >= cf->duration_s * 1000)
		return 1;
	if (cf->scenario == LD_SC_CONNECT)
		return cf->count != 0 && s->open_left == 0;
	if (cf->count != 0 && s->msg_left == 0)
		return 1;
	if (cf->duration_s == 0 && ld_ctl_stalled(s, now)) {
		snprintf(ld.stalled, sizeof(ld.stalled), "nothing sent or "
				"received for %d s: the run ended before --count "
				"was reached", LD_STALL_MS / 1000);
		return 1;
	}
	/* Every connection gone: nothing more will happen. */
	return s->st[LD_STAT_CONNS_OPEN] == 0 && s->st[LD_STAT_CONNS_OPENING] == 0;
}

static int ld_ctl_drained(const struct ld_sum *s, uint64_t now)
{
	static uint64_t last_rx, quiet_since;
	const struct ld_conf *cf = &ld.conf;

	switch (cf->scenario) {
	case LD_SC_ECHO:
		return s->st[LD_STAT_INFLIGHT] == 0;
	case LD_SC_PUBSUB:
		/* Subscribers' deliveries: a server may echo to publishers too. */
		if (s->st[LD_STAT_MSG_OK] >= s->st[LD_STAT_MSG_TX] *
				(uint64_t)(cf->conns - ld.n_pub))
			return 1;
		if (s->st[LD_STAT_MSG_RX] != last_rx || quiet_since == 0) {
			last_rx = s->st[LD_STAT_MSG_RX];
			quiet_since = now;
		}
		return ld_ms_since(quiet_since, now) >= LD_QUIET_MS;
	case LD_SC_CONNECT:
		return s->st[LD_STAT_CONNS_OPENING] + s->st[LD_STAT_CONNS_OPEN] +
			s->st[LD_STAT_CONNS_CLOSING] == 0;
	default:
		return 1;
	}
}

/* One step of the run's phases. @return 1 once the run is over. */
static int ld_ctl_phase(uint64_t now)
{
	const struct ld_conf *cf = &ld.conf;
	uint8_t ph = ld.phase;
	struct ld_sum s;

	ld_ctl_sum(&s);
	/* Judge a phase only once every worker acts on it. */
	if (s.seen < ph)
		return 0;
	switch (ph) {
	case LD_PH_RAMP:
		ld_ctl_ramp(&s);
		break;
	case LD_PH_SETTLE:
		if (ld_ms_since(ld.t_phase[LD_PH_SETTLE], now) >= cf->settle_ms)
			ld_phase_set(LD_PH_RUN);
		break;
	case LD_PH_RUN:
		if (ld_ctl_run_over(&s, now))
			ld_phase_set(LD_PH_DRAIN);
		break;
	case LD_PH_DRAIN:
		if (ld_ctl_drained(&s, now) ||
				ld_ms_since(ld.t_phase[LD_PH_DRAIN], now) >= cf->drain_ms)
			ld_phase_set(LD_PH_CLOSE);
		break;
	case LD_PH_CLOSE:
		if (s.st[LD_STAT_CONNS_OPEN] + s.st[LD_STAT_CONNS_OPENING] +
				s.st[LD_STAT_CONNS_CLOSING] == 0 ||
				ld_ms_since(ld.t_phase[LD_PH_CLOSE], now) >=
				LD_CLOSE_BOUND_MS)
			ld_phase_set(LD_PH_DONE);
		break;
	default:
		return 1;
	}
	return 0;
}

static double ld_us(uint64_t ns)
{
	return (double)ns / 1000.0;
}

static void ld_ctl_keep(const struct ld_sample *smp)
{
	if (ld.n_samples == ld.cap_samples) {
		uint32_t cap = ld.cap_samples ? ld.cap_samples * 2 : 64;
		struct ld_sample *n = realloc(ld.samples, sizeof(*n) * cap);

		if (n == NULL)
			return;
		ld.samples = n;
		ld.cap_samples = cap;
	}
	ld.samples[ld.n_samples++] = *smp;
}

/* The workers' histograms of second @p k - 1, once all are past it. */
static int ld_ctl_interval(uint32_t k)
{
	uint64_t deadline = rte_rdtsc() + ld.tsc_hz / 20;
	const unsigned int slot = (k - 1) % LD_IV_SLOTS;

	ld_hist_reset(ld_ctl_iv);
	for (uint16_t i = 0; i < ld.n_workers; i++)
		while (__atomic_load_n(&ld.workers[i]->sec, __ATOMIC_ACQUIRE) < k) {
			if (rte_rdtsc() > deadline)
				return -1;
			rte_delay_us_sleep(200);
		}
	for (uint16_t i = 0; i < ld.n_workers; i++)
		ld_hist_merge(ld_ctl_iv, ld.workers[i]->iv[slot]);
	/* Whoever entered second k + 2 meanwhile cleared that slot under us. */
	for (uint16_t i = 0; i < ld.n_workers; i++)
		if (__atomic_load_n(&ld.workers[i]->sec, __ATOMIC_ACQUIRE) >= k + 2)
			return -1;
	return 0;
}

static void ld_ctl_print(const struct ld_sample *m)
{
	char lat[96] = "", rate[64];

	if (ld.conf.quiet)
		return;
	if (m->p50_us >= 0)
		snprintf(lat, sizeof(lat), " | p50 %.1f us p99 %.1f us",
				m->p50_us, m->p99_us);
	if (ld.conf.scenario == LD_SC_CONNECT)
		snprintf(rate, sizeof(rate), "handshakes/s %.0f", m->hs);
	else
		snprintf(rate, sizeof(rate), "msg/s tx %.0f rx %.0f", m->tx_msgs,
				m->rx_msgs);
	printf("[%5.0fs] conns %" PRIu64 " open %" PRIu64 " opening %" PRIu64
			" failed | %s | Gbit/s tx %.3f rx %.3f%s | errors %" PRIu64
			"\n", m->t, m->open, m->opening, m->failed, rate, m->tx_gbit,
			m->rx_gbit, lat, m->errors);
	fflush(stdout);
}

/* Second @p k ended: rates over it, its percentiles, the line. */
static void ld_ctl_sample(uint32_t k)
{
	static struct ld_sum prev;
	static uint64_t prev_tsc;
	struct ld_sample m = { .t = k };
	uint64_t now = rte_rdtsc();
	double dt;
	struct ld_sum s;

	if (prev_tsc == 0)
		prev_tsc = ld.t0;
	dt = (double)(now - prev_tsc) / (double)ld.tsc_hz;
	ld_ctl_sum(&s);
	m.open = s.st[LD_STAT_CONNS_OPEN];
	m.opening = s.st[LD_STAT_CONNS_OPENING];
	m.failed = ld_failed(s.st);
	m.tx_msgs = (double)(s.st[LD_STAT_MSG_TX] - prev.st[LD_STAT_MSG_TX]) / dt;
	m.rx_msgs = (double)(s.st[LD_STAT_MSG_RX] - prev.st[LD_STAT_MSG_RX]) / dt;
	m.hs = (double)(s.st[LD_STAT_HS_OK] - prev.st[LD_STAT_HS_OK]) / dt;
	m.tx_gbit = (double)(s.tx_bytes - prev.tx_bytes) * 8 / dt / 1e9;
	m.rx_gbit = (double)(s.rx_bytes - prev.rx_bytes) * 8 / dt / 1e9;
	m.errors = ld_errors_total(s.st);
	m.p50_us = m.p90_us = m.p99_us = m.p999_us = m.max_us = -1;
	if (ld_ctl_interval(k) == 0 && ld_ctl_iv->count != 0) {
		m.p50_us = ld_us(ld_hist_percentile(ld_ctl_iv, 50));
		m.p90_us = ld_us(ld_hist_percentile(ld_ctl_iv, 90));
		m.p99_us = ld_us(ld_hist_percentile(ld_ctl_iv, 99));
		m.p999_us = ld_us(ld_hist_percentile(ld_ctl_iv, 99.9));
		m.max_us = ld_us(ld_ctl_iv->max);
	}
	prev = s;
	prev_tsc = now;
	ld_ctl_keep(&m);
	ld_ctl_print(&m);
}

static void *ld_ctl_main(void *arg)
{
	const struct timespec tick = { 0, 1000000 };
	uint32_t k = 1;

	RTE_SET_USED(arg);
	while (!__atomic_load_n(&ld.ctl_stop, __ATOMIC_ACQUIRE)) {
		uint64_t now = rte_rdtsc();

		if (dp_quit_requested() && ld.phase != LD_PH_DONE) {
			ld.interrupted = 1;
			break;
		}
		/* A few milliseconds late, so that every worker has rotated. */
		if (now >= ld.t0 + k * ld.tsc_hz + ld.tsc_hz / 200)
			ld_ctl_sample(k++);
		if (ld_ctl_phase(now)) {
			dp_request_quit();
			break;
		}
		nanosleep(&tick, NULL);
	}
	return NULL;
}

int ld_ctl_start(void)
{
	int rc;

	ld_ctl_iv = calloc(1, sizeof(*ld_ctl_iv));
	if (ld_ctl_iv == NULL)
		return -ENOMEM;
	ld.t0 = rte_rdtsc();
	ld.t_phase[LD_PH_RAMP] = ld.t0;
	rc = rte_ctrl_thread_create(&ld.ctl, "wsgw-load-ctl", NULL,
			ld_ctl_main, NULL);
	if (rc != 0) {
		fprintf(stderr, "wsgw-load: control thread: %s\n", strerror(rc));
		return -rc;
	}
	ld.ctl_running = 1;
	return 0;
}

void ld_ctl_stop(void)
{
	if (ld.ctl_running) {
		__atomic_store_n(&ld.ctl_stop, 1, __ATOMIC_RELEASE);
		pthread_join(ld.ctl, NULL);
		ld.ctl_running = 0;
	}
	free(ld_ctl_iv);
	ld_ctl_iv = NULL;
}
