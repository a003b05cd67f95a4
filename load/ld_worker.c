/**
 * @file
 * wsgw-load's hooks on the dataplane: per-worker set-up, opening
 * connections at the configured rate, the open-loop and ping schedules,
 * following the run's phases, connection timeouts, the interval
 * histograms, and the statistics wsgwctl shows.
 *
 * dp_workers_init -> ld_worker_init; dp_worker_main -> ld_worker_start,
 *   then every loop ld_poll (ld_open_more, ld_sched) and every drain
 *   interval ld_timers (ld_phase_enter, ld_timeouts, ld_iv_rotate);
 *   after quit ld_drain; dp_workers_free -> ld_worker_free.
 */
#include <math.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>

#include "ld_priv.h"

/** Schedule slots served per loop at most, so a late worker catches up
 * without starving its input. */
#define LD_SCHED_BURST 512
/** Connections opened before the next hop answers ARP (its queue is 8). */
#define LD_ARP_WAIT_OPENS 4

struct ld_main ld;

/* ---- Set-up ---- */

static struct ld_hist *ld_hist_new(int socket)
{
	return rte_zmalloc_socket("ld_hist", sizeof(struct ld_hist),
			RTE_CACHE_LINE_SIZE, socket);
}

static int ld_worker_hists(struct ld_worker *w, int socket)
{
	w->lat = ld_hist_new(socket);
	w->lat_raw = ld_hist_new(socket);
	w->hs_lat = ld_hist_new(socket);
	for (int i = 0; i < LD_IV_SLOTS; i++)
		w->iv[i] = ld_hist_new(socket);
	w->iv_cur = w->iv[0];
	for (int i = 0; i < LD_IV_SLOTS; i++)
		if (w->iv[i] == NULL)
			return -1;
	return w->lat && w->lat_raw && w->hs_lat ? 0 : -1;
}

/* Messages (or connections) of @p total that go to gid @p gid of @p n. */
static uint64_t ld_share(uint64_t total, uint32_t gid, uint32_t n)
{
	return total / n + (gid < total % n);
}

static bool ld_on_link(const struct ts_iface *ifc, uint32_t ip)
{
	return (ip & ifc->netmask) == (ifc->conf.addr & ifc->netmask);
}

/* The ports that reach the target, in @p usable. @return how many. */
static uint8_t ld_usable(const struct ts_ctx *ts, uint8_t *usable)
{
	uint8_t n = 0;

	for (uint8_t i = 0; i < ts->n_ifs; i++)
		if (ld_on_link(&ts->ifs[i], ld.conf.dst) ||
				ts->ifs[i].conf.gateway != 0)
			usable[n++] = i;
	return n;
}

/* Connections spread over the ports that reach the target. */
static uint8_t ld_ifidx_for(const struct ts_ctx *ts, uint32_t gid)
{
	uint8_t usable[TS_MAX_IFACES], n = ld_usable(ts, usable);

	return n == 0 ? 0 : usable[gid % n];
}

uint32_t ld_src_for(const struct ts_ctx *ts, uint32_t gid)
{
	uint8_t usable[TS_MAX_IFACES], n = ld_usable(ts, usable);
	uint32_t ports = n != 0 ? n : 1, gcd = ld.n_workers, b = ports;
	uint8_t ifidx = n != 0 ? usable[gid % n] : 0;

	/* A worker's k-th connections (k = gid / workers) visit its ports
	 * with period ports / gcd(workers, ports): each visit of a port takes
	 * the port's next address. */
	while (b != 0) {
		uint32_t t = gcd % b;

		gcd = b;
		b = t;
	}
	return ts_iface_addr(ts, ifidx, gid / ld.n_workers / (ports / gcd));
}

static int ld_worker_conns(struct ld_worker *w, int socket)
{
	const struct ld_conf *cf = &ld.conf;
	const uint32_t nw = ld.n_workers;
	uint32_t n_sub = 0;

	w->n_conns = cf->conns / nw + (w->id < cf->conns % nw);
	if (w->n_conns == 0)
		return 0;
	w->conns = rte_zmalloc_socket("ld_conns", sizeof(*w->conns) *
			w->n_conns, RTE_CACHE_LINE_SIZE, socket);
	w->senders = rte_zmalloc_socket("ld_senders", sizeof(*w->senders) *
			w->n_conns, 0, socket);
	w->ready = rte_zmalloc_socket("ld_ready", sizeof(*w->ready) *
			w->n_conns, 0, socket);
	if (w->conns == NULL || w->senders == NULL || w->ready == NULL)
		return -1;
	for (uint32_t k = 0; k < w->n_conns; k++) {
		struct ld_conn *c = &w->conns[k];

		c->w = w;
		c->gid = w->id + k * nw;
		c->ifidx = ld_ifidx_for(w->ts, c->gid);
		if (cf->scenario == LD_SC_PUBSUB)
			c->role = c->gid < ld.n_pub ? LD_ROLE_PUBLISHER :
				LD_ROLE_SUBSCRIBER;
		if (c->role != LD_ROLE_SUBSCRIBER) {
			c->sidx = w->n_senders;
			w->senders[w->n_senders++] = c;
		} else {
			n_sub++;
		}
		w->ready[k] = k;
	}
	w->ready_n = w->n_conns;
	if (n_sub == 0)
		return 0;
	/* Each subscriber: next sequence number and count, per publisher. */
	uint32_t *sub = rte_zmalloc_socket("ld_sub", sizeof(uint32_t) * 2 *
			ld.n_pub * n_sub, 0, socket);

	if (sub == NULL)
		return -1;
	for (uint32_t k = 0; k < w->n_conns; k++)
		if (w->conns[k].role == LD_ROLE_SUBSCRIBER) {
			w->conns[k].sub = sub;
			sub += 2 * ld.n_pub;
		}
	return 0;
}

static int ld_worker_hs_slots(struct ld_worker *w, int socket)
{
	uint32_t n = RTE_MIN(ld.conf.max_opening, w->n_conns);

	if (ld.conf.raw || n == 0)
		return 0;
	w->hs_slots = rte_zmalloc_socket("ld_hs", sizeof(*w->hs_slots) * n,
			RTE_CACHE_LINE_SIZE, socket);
	if (w->hs_slots == NULL)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		w->hs_slots[i].next_free = w->hs_free;
		w->hs_free = &w->hs_slots[i];
	}
	return 0;
}

/* Quotas and rates: this worker's share of the run's. */
static void ld_worker_shares(struct ld_worker *w)
{
	const struct ld_conf *cf = &ld.conf;
	const uint64_t hz = ld.tsc_hz;
	uint32_t total_senders = cf->scenario == LD_SC_PUBSUB ? ld.n_pub :
		cf->conns;

	w->msg_quota = cf->count == 0 ? UINT64_MAX : 0;
	w->open_quota = cf->scenario == LD_SC_CONNECT && cf->count != 0 ? 0 :
		UINT64_MAX;
	for (uint32_t k = 0; k < w->n_conns; k++) {
		const struct ld_conn *c = &w->conns[k];

		if (cf->count != 0 && cf->scenario == LD_SC_CONNECT)
			w->open_quota += ld_share(cf->count, c->gid, cf->conns);
		else if (cf->count != 0 && c->role != LD_ROLE_SUBSCRIBER)
			w->msg_quota += ld_share(cf->count, c->gid, total_senders);
	}
	if (cf->conn_rate > 0) {
		w->open_rate = cf->conn_rate * w->n_conns / cf->conns;
		w->open_ramp_tsc = cf->ramp_s * (double)hz;
	} else if (cf->ramp_s > 0) {
		w->open_rate = w->n_conns / cf->ramp_s;
	}
	if (cf->scenario == LD_SC_IDLE && w->n_conns != 0)
		w->tsc_per_slot = (double)hz * cf->ping_ms / 1000.0 / w->n_conns;
	else if (cf->rate > 0 && w->n_senders != 0)
		w->tsc_per_slot = (double)hz /
			(cf->rate * w->n_senders / total_senders);
}

static int ld_worker_init(struct dp_main *d, struct dp_worker *dw)
{
	int socket = (int)rte_lcore_to_socket_id(dw->lcore_id);
	struct ld_worker *w;

	w = rte_zmalloc_socket("ld_worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
			socket);
	if (w == NULL)
		return -ENOMEM;
	dw->app = w;
	w->dw = dw;
	w->ts = &dw->ts;
	w->id = dw->id;
	ld.workers[w->id] = w;
	ld.n_workers = d->n_workers;
	ld.tsc_hz = rte_get_tsc_hz();
	ld.ns_per_tsc = 1e9 / (double)ld.tsc_hz;
	if (ws_ctx_init(&w->ws, &ld_ws_ops, 0,
				ld_mix(ld.conf.seed * 0x100000001ull + w->id)) != 0 ||
			ld_worker_hists(w, socket) != 0 ||
			ld_worker_conns(w, socket) != 0 ||
			ld_worker_hs_slots(w, socket) != 0) {
		fprintf(stderr, "wsgw-load: worker %u: out of memory for %u "
				"connections\n", w->id, w->n_conns);
		return -ENOMEM;
	}
	for (uint8_t i = 0; i < w->ts->n_ifs; i++)
		w->next_hop[i] = ld_on_link(&w->ts->ifs[i], ld.conf.dst) ?
			ld.conf.dst : w->ts->ifs[i].conf.gateway;
	ld_worker_shares(w);
	if (w->id + 1 == d->n_workers)
		return ld_ctl_start();
	return 0;
}

/* ---- Opening connections ---- */

/* Connections the rate allows by now (ramp: rate rising linearly). */
static uint64_t ld_opens_allowed(const struct ld_worker *w, uint64_t tsc)
{
	double t = (double)(tsc - w->t_open0), r, n;
	double ramp = w->open_ramp_tsc;

	if (w->open_rate <= 0)
		return UINT64_MAX;
	r = w->open_rate / (double)ld.tsc_hz;
	if (ramp > 0)
		n = t < ramp ? r * t * t / (2 * ramp) : r * ramp / 2 + r * (t - ramp);
	else
		n = r * t;
	return (uint64_t)n + 1;
}

/* @return the connections it tried to open. */
static unsigned int ld_open_more(struct ld_worker *w, uint64_t tsc)
{
	const uint64_t allowed = ld_opens_allowed(w, tsc);
	const uint64_t opens0 = w->opens;
	struct rte_ether_addr mac;

	if (tsc < w->open_hold_until)
		return 0;
	while (w->ready_n > 0 && w->opens < allowed && w->open_quota > 0 &&
			w->st[LD_STAT_CONNS_OPENING] < ld.conf.max_opening) {
		uint32_t k = w->ready[w->ready_head];
		struct ld_conn *c = &w->conns[k];

		if (w->st[LD_STAT_CONNS_OPENING] >= LD_ARP_WAIT_OPENS &&
				ts_arp_lookup(w->ts, c->ifidx,
					w->next_hop[c->ifidx], &mac) != 0)
			break;
		w->ready_head = (w->ready_head + 1) % w->n_conns;
		w->ready_n--;
		w->opens++;
		w->open_quota--;
		if (ld_conn_open(w, c, tsc) == 0)
			continue;
		if (ld.conf.scenario != LD_SC_CONNECT) {
			ld_conn_set_state(c, LD_CS_DONE);
			continue;
		}
		/* No port or block free now: try again in a millisecond. */
		w->ready[(w->ready_head + w->ready_n++) % w->n_conns] = k;
		w->open_quota++;
		w->open_hold_until = tsc + ld.tsc_hz / 1000;
		break;
	}
	return (unsigned int)(w->opens - opens0);
}

/* ---- Schedules: open-loop messages, pings ---- */

/* @return the slots it served. */
static unsigned int ld_sched(struct ld_worker *w, uint64_t tsc)
{
	const bool idle = ld.conf.scenario == LD_SC_IDLE;
	uint64_t due;
	unsigned int n = 0;

	if (tsc < w->t_run0 || w->tsc_per_slot <= 0)
		return 0;
	/* Slots due by now, and none due at or after the end. */
	due = (uint64_t)((double)(RTE_MIN(tsc, w->t_end) - w->t_run0) /
			w->tsc_per_slot) + 1;
	if (w->t_end != UINT64_MAX)
		due = RTE_MIN(due, (uint64_t)ceil((double)(w->t_end - w->t_run0) /
					w->tsc_per_slot));
	while (w->sched_next < due && n++ < LD_SCHED_BURST) {
		uint64_t slot = w->sched_next++;
		struct ld_conn *c;

		if (idle) {
			c = &w->conns[slot % w->n_conns];
			if (c->state == LD_CS_OPEN)
				ld_conn_ping(c, tsc);
			continue;
		}
		c = w->senders[slot % w->n_senders];
		if (c->state != LD_CS_OPEN) {
			ld_count(w, LD_STAT_SCHED_MISSED, 1);
			continue;
		}
		if (c->due < slot / w->n_senders + 1)
			c->due = (uint32_t)(slot / w->n_senders + 1);
		ld_conn_pump(c, tsc);
	}
	return n;
}

static void ld_close_all(struct ld_worker *w)
{
	if (w->closing_started)
		return;
	w->closing_started = 1;
	w->ready_n = 0;
	for (uint32_t k = 0; k < w->n_conns; k++) {
		struct ld_conn *c = &w->conns[k];

		if (c->state == LD_CS_IDLE)
			ld_conn_set_state(c, LD_CS_DONE);
		else
			ld_conn_close(c);
	}
}

/*
 * The open loop's end: what was due and never went out, because its
 * connection's send queue was full or this worker fell behind.
 */
static void ld_sched_missed(struct ld_worker *w)
{
	uint64_t due, missed = 0;

	if (ld.conf.rate <= 0 || ld.conf.scenario == LD_SC_IDLE ||
			w->tsc_per_slot <= 0 || w->t_end == UINT64_MAX)
		return;
	due = (uint64_t)ceil((double)(w->t_end - w->t_run0) / w->tsc_per_slot);
	if (due > w->sched_next)
		missed = due - w->sched_next;
	for (uint32_t i = 0; i < w->n_senders; i++) {
		const struct ld_conn *c = w->senders[i];

		if (c->state == LD_CS_OPEN && c->due > c->tx_seq)
			missed += c->due - c->tx_seq;
	}
	ld_count(w, LD_STAT_SCHED_MISSED, missed);
}

static void ld_phase_enter(struct ld_worker *w, uint8_t ph, uint64_t tsc)
{
	if (ph >= LD_PH_DRAIN && w->phase == LD_PH_RUN)
		ld_sched_missed(w);
	__atomic_store_n(&w->phase, ph, __ATOMIC_RELEASE);
	if (ph == LD_PH_RUN) {
		w->t_run0 = ld.t_phase[LD_PH_RUN];
		w->t_end = ld.conf.duration_s > 0 ? w->t_run0 +
			(uint64_t)(ld.conf.duration_s * (double)ld.tsc_hz) : UINT64_MAX;
		w->sched_next = 0;
		for (uint32_t i = 0; i < w->n_senders; i++)
			ld_conn_pump(w->senders[i], tsc);
	} else if (ph >= LD_PH_CLOSE) {
		ld_close_all(w);
	}
}

/* Connections still opening or closing past --connect-timeout: given up. */
static void ld_timeouts(struct ld_worker *w, uint64_t tsc)
{
	const uint64_t limit = ld.tsc_hz * ld.conf.connect_timeout_ms / 1000;

	while (w->open_head != NULL && tsc > w->open_head->t_start &&
			tsc - w->open_head->t_start > limit) {
		struct ld_conn *c = w->open_head;

		ld_count(w, c->state == LD_CS_CLOSING ? LD_STAT_ERR_CLOSE_TIMEOUT :
				LD_STAT_ERR_CONNECT_TIMEOUT, 1);
		c->flags |= LD_CF_COUNTED;
		ld_conn_abort(c);
	}
}

/*
 * Interval histograms: second s records into iv[s % 3]. Entering a
 * second clears its slot; the control thread reads the slot of s - 1
 * once every worker is in s, well before anyone enters s + 2 and clears
 * it again.
 */
static void ld_iv_rotate(struct ld_worker *w, uint64_t tsc)
{
	uint32_t sec = (uint32_t)((tsc - ld.t0) / ld.tsc_hz);

	if (sec == w->sec)
		return;
	for (uint32_t s = w->sec + 1; s <= sec && s <= w->sec + LD_IV_SLOTS; s++)
		ld_hist_reset(w->iv[s % LD_IV_SLOTS]);
	w->iv_cur = w->iv[sec % LD_IV_SLOTS];
	__atomic_store_n(&w->sec, sec, __ATOMIC_RELEASE);
}

/* ---- Hooks ---- */

static void ld_worker_start(struct dp_worker *dw, uint64_t tsc)
{
	struct ld_worker *w = dw->app;

	w->t_open0 = tsc;
	w->sec = (uint32_t)((tsc - ld.t0) / ld.tsc_hz);
	w->iv_cur = w->iv[w->sec % LD_IV_SLOTS];
	ld_open_more(w, tsc);
}

static int ld_poll(struct dp_worker *dw, uint64_t tsc)
{
	struct ld_worker *w = dw->app;
	unsigned int work = 0;

	if (w->ready_n > 0 && w->phase <= LD_PH_RUN)
		work += ld_open_more(w, tsc);
	if (w->phase == LD_PH_RUN && w->tsc_per_slot > 0)
		work += ld_sched(w, tsc);
	return work != 0;
}

static void ld_timers(struct dp_worker *dw, uint64_t tsc)
{
	struct ld_worker *w = dw->app;
	uint8_t ph = ld_phase_now();

	if (ph != w->phase)
		ld_phase_enter(w, ph, tsc);
	if (!w->arp_ok) {
		struct rte_ether_addr mac;

		w->arp_ok = ts_arp_lookup(w->ts, 0, w->next_hop[0], &mac) == 0;
	}
	ld_timeouts(w, tsc);
	ld_iv_rotate(w, tsc);
}

/*
 * After SIGINT or SIGTERM (or our own quit, once all is closed): stop
 * sending, give the echoes in flight up to --drain, then close.
 */
static int ld_drain(struct dp_worker *dw, uint64_t tsc)
{
	struct ld_worker *w = dw->app;

	if (w->phase < LD_PH_DRAIN) {
		__atomic_store_n(&w->phase, LD_PH_DRAIN, __ATOMIC_RELEASE);
		w->t_drain = tsc;
	}
	if (w->st[LD_STAT_INFLIGHT] == 0 || tsc - w->t_drain >=
			ld.tsc_hz * ld.conf.drain_ms / 1000)
		ld_close_all(w);
	return w->st[LD_STAT_CONNS_OPEN] + w->st[LD_STAT_CONNS_OPENING] +
		w->st[LD_STAT_CONNS_CLOSING] == 0;
}

static void ld_worker_free(struct dp_worker *dw)
{
	struct ld_worker *w = dw->app;

	if (!ld.finished)
		ld_finish();
	if (w == NULL)
		return;
	for (uint32_t k = 0; k < w->n_conns && w->conns != NULL; k++)
		if (w->conns[k].role == LD_ROLE_SUBSCRIBER) {
			rte_free(w->conns[k].sub);
			break;
		}
	for (uint32_t k = 0; k < w->n_conns && w->conns != NULL; k++)
		rte_pktmbuf_free(w->conns[k].tx_wait);
	rte_free(w->conns);
	rte_free(w->senders);
	rte_free(w->ready);
	rte_free(w->hs_slots);
	rte_free(w->lat);
	rte_free(w->lat_raw);
	rte_free(w->hs_lat);
	for (int i = 0; i < LD_IV_SLOTS; i++)
		rte_free(w->iv[i]);
	ld.workers[w->id] = NULL;
	rte_free(w);
	dw->app = NULL;
}

static uint64_t ld_stat(const struct dp_worker *dw, unsigned int id)
{
	const struct ld_worker *w = dw->app;

	return w != NULL && id < LD_STAT__COUNT ?
		__atomic_load_n(&w->st[id], __ATOMIC_RELAXED) : 0;
}

#define LD_APP_STAT_(id, name, desc, kind) \
	{ name, desc, kind == LD_KIND_GAUGE },
static const struct dp_app_stat ld_app_stats[LD_STAT__COUNT] = {
	LD_STATS_COUNTERS(LD_APP_STAT_)
	LD_STATS_GAUGES(LD_APP_STAT_)
	LD_STATS_ERRORS(LD_APP_STAT_)
};
#undef LD_APP_STAT_

struct dp_app ld_app = {
	.name = "wsgw-load",
	.worker_init = ld_worker_init,
	.worker_start = ld_worker_start,
	.poll = ld_poll,
	.timers = ld_timers,
	.drain = ld_drain,
	.worker_free = ld_worker_free,
	.n_stats = LD_STAT__COUNT,
	.stats = ld_app_stats,
	.stat = ld_stat,
	.drain_ms = 3000,                 /* set from --drain by main */
};
