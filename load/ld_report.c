/**
 * @file
 * The end of a run: the workers' counters and histograms summed once
 * they stopped, the checks only the whole run can make (publications a
 * subscriber never received, connections left open), then the summary
 * table, the JSON report, the plot, and the exit status.
 *
 * ld_worker_free (first call) -> ld_finish; main -> ld_report_print,
 *   ld_report_json, ld_report_plot, ld_exit_status.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "ld_priv.h"

static const double ld_pcts[] = { 50, 90, 99, 99.9, 99.99 };
static const char *const ld_pct_names[] = { "p50", "p90", "p99", "p99.9",
	"p99.99" };
#define LD_N_PCTS (sizeof(ld_pcts) / sizeof(ld_pcts[0]))

/* The connection of gid @p gid, wherever it lives. */
static const struct ld_conn *ld_conn_of(uint32_t gid)
{
	const struct ld_worker *w = ld.workers[gid % ld.n_workers];

	return w != NULL ? &w->conns[gid / ld.n_workers] : NULL;
}

/* Source addresses over all ports (--addr ...,count=N,range=A-B). */
static unsigned int ld_sources(const struct ld_conf *cf)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < cf->n_addrs; i++) {
		n += cf->addrs[i].count;
		for (uint8_t k = 0; k < cf->addrs[i].n_more; k++)
			n += cf->addrs[i].more[k].n;
	}
	return n;
}

/* Publications each subscriber that opened should have had. */
static uint64_t ld_pubsub_missing(void)
{
	uint64_t missing = 0;

	for (uint16_t i = 0; i < ld.n_workers; i++) {
		const struct ld_worker *w = ld.workers[i];

		for (uint32_t k = 0; w != NULL && k < w->n_conns; k++) {
			const struct ld_conn *c = &w->conns[k];

			if (c->role != LD_ROLE_SUBSCRIBER || !(c->flags & LD_CF_WS))
				continue;
			for (uint32_t p = 0; p < ld.n_pub; p++) {
				const struct ld_conn *pc = ld_conn_of(p);
				uint32_t got = c->sub[2 * p + 1];

				if (pc != NULL && pc->tx_seq > got)
					missing += pc->tx_seq - got;
			}
		}
	}
	return missing;
}

void ld_finish(void)
{
	uint64_t end = rte_rdtsc();

	ld.finished = 1;
	ld_ctl_stop();
	for (uint16_t i = 0; i < ld.n_workers; i++) {
		const struct ld_worker *w = ld.workers[i];

		if (w == NULL)
			continue;
		for (unsigned int k = 0; k < LD_STAT__COUNT; k++)
			ld.tot[k] += w->st[k];
		for (unsigned int k = 0; k < LD_CLOSE_SLOTS; k++)
			ld.tot_close[k] += w->close_codes[k];
		ld.tot_tx_bytes += w->ts->stats.v[TS_STAT_TX_BYTES];
		ld.tot_rx_bytes += w->ts->stats.v[TS_STAT_RX_BYTES];
		ld.tot_retrans += w->ts->stats.v[TS_STAT_TCP_RETRANS_RTO] +
			w->ts->stats.v[TS_STAT_TCP_RETRANS_FAST];
		if (w->hs_status != 0)
			ld.hs_status = w->hs_status;
		ld_hist_merge(&ld.lat, w->lat);
		ld_hist_merge(&ld.lat_raw, w->lat_raw);
		ld_hist_merge(&ld.hs_lat, w->hs_lat);
	}
	if (ld.conf.scenario == LD_SC_PUBSUB)
		ld.tot[LD_STAT_ERR_PUBSUB_MISSING] = ld_pubsub_missing();
	ld.tot[LD_STAT_ERR_CLOSE_TIMEOUT] += ld.tot[LD_STAT_CONNS_OPEN] +
		ld.tot[LD_STAT_CONNS_CLOSING];
	if (ld.t_phase[LD_PH_RUN] != 0)
		ld.run_s = (double)((ld.t_phase[LD_PH_DRAIN] != 0 ?
					ld.t_phase[LD_PH_DRAIN] : end) -
				ld.t_phase[LD_PH_RUN]) / (double)ld.tsc_hz;
}

int ld_exit_status(void)
{
	if (ld.fatal[0] != '\0')
		return LD_EXIT_USAGE;
	if (!ld.finished)
		return LD_EXIT_ERRORS;
	return ld_errors_total(ld.tot) > ld.conf.max_errors ? LD_EXIT_ERRORS : 0;
}

static double ld_per_s(uint64_t n)
{
	return ld.run_s > 0 ? (double)n / ld.run_s : 0;
}

static const char *ld_mode_text(char *buf, size_t len)
{
	const struct ld_conf *cf = &ld.conf;

	if (cf->scenario == LD_SC_CONNECT || cf->scenario == LD_SC_IDLE)
		snprintf(buf, len, "%s", ld_scenario_name(cf->scenario));
	else if (cf->rate > 0)
		snprintf(buf, len, "%s, open loop at %.0f msg/s",
				ld_scenario_name(cf->scenario), cf->rate);
	else
		snprintf(buf, len, "%s, closed loop, %u in flight per connection",
				ld_scenario_name(cf->scenario), cf->inflight);
	return buf;
}

static const char *ld_latency_name(void)
{
	switch (ld.conf.scenario) {
	case LD_SC_CONNECT:
		return "handshake (connect to 101)";
	case LD_SC_IDLE:
		return "ping to pong";
	case LD_SC_PUBSUB:
		return "publish to delivery";
	default:
		return "send to echo";
	}
}

static void ld_print_hist(FILE *out, const char *title, const struct ld_hist *h)
{
	if (h->count == 0)
		return;
	fprintf(out, "  %-14s %" PRIu64 " samples, us: min %.1f", title,
			h->count, h->min / 1000.0);
	for (unsigned int i = 0; i < LD_N_PCTS; i++)
		fprintf(out, " %s %.1f", ld_pct_names[i],
				ld_hist_percentile(h, ld_pcts[i]) / 1000.0);
	fprintf(out, " max %.1f\n", h->max / 1000.0);
}

void ld_report_print(FILE *out)
{
	const struct ld_conf *cf = &ld.conf;
	const uint64_t *t = ld.tot;
	uint64_t errors = ld_errors_total(t);
	char mode[96], size[64];

	ld_size_text(&cf->size, size, sizeof(size));
	fprintf(out, "\nwsgw-load: %s: %s%s\n", cf->url,
			ld_mode_text(mode, sizeof(mode)),
			ld.interrupted ? " (interrupted)" : "");
	fprintf(out, "  %-14s %u at once from %u source address%s; %" PRIu64
			" started, %" PRIu64 " opened, %" PRIu64
			" closed cleanly\n", "connections", cf->conns,
			ld_sources(cf), ld_sources(cf) == 1 ? "" : "es",
			t[LD_STAT_CONN_ATTEMPTS],
			cf->raw ? t[LD_STAT_CONN_TCP_OK] : t[LD_STAT_HS_OK],
			t[LD_STAT_CONN_CLOSED_OK]);
	fprintf(out, "  %-14s %.2f s\n", "sending for", ld.run_s);
	if (cf->scenario == LD_SC_ECHO || cf->scenario == LD_SC_PUBSUB)
		fprintf(out, "  %-14s %" PRIu64 " sent (%.0f/s), %" PRIu64
				" received, %" PRIu64 " verified; %s bytes, %s\n",
				"messages", t[LD_STAT_MSG_TX],
				ld_per_s(t[LD_STAT_MSG_TX]), t[LD_STAT_MSG_RX],
				t[LD_STAT_MSG_OK], size,
				cf->binary ? "binary" : "text");
	if (t[LD_STAT_SCHED_MISSED] != 0)
		fprintf(out, "  %-14s %" PRIu64 " messages due were never sent: "
				"the target pushed back, or wsgw-load fell behind\n",
				"open loop", t[LD_STAT_SCHED_MISSED]);
	if (cf->scenario == LD_SC_IDLE)
		fprintf(out, "  %-14s %" PRIu64 " pings, %" PRIu64 " pongs\n",
				"pings", t[LD_STAT_PING_TX], t[LD_STAT_PONG_RX]);
	if (cf->scenario == LD_SC_CONNECT)
		fprintf(out, "  %-14s %.0f handshakes/s\n", "rate",
				ld_per_s(t[LD_STAT_HS_OK]));
	fprintf(out, "  %-14s tx %.3f Gbit/s, rx %.3f Gbit/s (Ethernet frames)"
			"; %" PRIu64 " TCP resends\n", "wire",
			ld_per_s(ld.tot_tx_bytes) * 8 / 1e9,
			ld_per_s(ld.tot_rx_bytes) * 8 / 1e9, ld.tot_retrans);
	if (cf->scenario != LD_SC_CONNECT)
		ld_print_hist(out, "latency", &ld.lat);
	if (cf->rate > 0 && cf->scenario != LD_SC_IDLE)
		ld_print_hist(out, "  from send", &ld.lat_raw);
	ld_print_hist(out, "handshake", &ld.hs_lat);
	fprintf(out, "  %-14s %s%s\n", "latency is",
			ld_latency_name(), cf->rate > 0 &&
			cf->scenario != LD_SC_IDLE ? ", from when each message was "
			"due (corrected for coordinated omission)" : "");
	for (unsigned int k = 0; k < LD_CLOSE_SLOTS; k++)
		if (ld.tot_close[k] != 0)
			fprintf(out, "  %-14s %s%u: %" PRIu64 "\n", "close code",
					k + 1 == LD_CLOSE_SLOTS ? "other than 1000-" : "",
					k + 1 == LD_CLOSE_SLOTS ? LD_CLOSE_FIRST +
					LD_CLOSE_SLOTS - 2 : LD_CLOSE_FIRST + k,
					ld.tot_close[k]);
	fprintf(out, "  %-14s %" PRIu64 " (--max-errors %" PRIu64 ")\n",
			"errors", errors, cf->max_errors);
	for (unsigned int k = LD_STAT_FIRST_ERROR; k < LD_STAT__COUNT; k++)
		if (t[k] != 0)
			fprintf(out, "    %-26s %10" PRIu64 "  %s\n",
					ld_stat_desc(k)->name, t[k],
					ld_stat_desc(k)->desc);
	if (ld.hs_status != 0)
		fprintf(out, "    (the server refused with HTTP %u)\n",
				ld.hs_status);
	if (ld.stalled[0] != '\0')
		fprintf(out, "  %-14s %s\n", "stalled", ld.stalled);
	if (ld.fatal[0] != '\0')
		fprintf(out, "  %-14s FAILED: %s\n", "result", ld.fatal);
	else
		fprintf(out, "  %-14s %s\n", "result", ld_exit_status() == 0 ?
				"ok" : "FAILED: errors over --max-errors");
	fflush(out);
}

/* ---- JSON ---- */

static void ld_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void ld_json_hist(FILE *f, const char *name, const struct ld_hist *h)
{
	fprintf(f, "  \"%s\": {\"count\": %" PRIu64 ", \"min_us\": %.3f, "
			"\"mean_us\": %.3f", name, h->count, h->min / 1000.0,
			ld_hist_mean(h) / 1000.0);
	for (unsigned int i = 0; i < LD_N_PCTS; i++)
		fprintf(f, ", \"%s_us\": %.3f", ld_pct_names[i],
				ld_hist_percentile(h, ld_pcts[i]) / 1000.0);
	fprintf(f, ", \"max_us\": %.3f},\n", h->max / 1000.0);
}

static void ld_json_num(FILE *f, double v)
{
	if (v < 0)
		fputs("null", f);
	else
		fprintf(f, "%.3f", v);
}

static void ld_json_timeline(FILE *f)
{
	fputs("  \"timeline\": [", f);
	for (uint32_t i = 0; i < ld.n_samples; i++) {
		const struct ld_sample *m = &ld.samples[i];

		fprintf(f, "%s\n    {\"t\": %.0f, \"open\": %" PRIu64
				", \"opening\": %" PRIu64 ", \"failed\": %" PRIu64
				", \"tx_msgs_per_s\": %.1f, \"rx_msgs_per_s\": %.1f, "
				"\"handshakes_per_s\": %.1f, "
				"\"tx_gbit_per_s\": %.4f, \"rx_gbit_per_s\": %.4f, "
				"\"p50_us\": ", i ? "," : "", m->t, m->open, m->opening,
				m->failed, m->tx_msgs, m->rx_msgs, m->hs, m->tx_gbit,
				m->rx_gbit);
		ld_json_num(f, m->p50_us);
		fputs(", \"p90_us\": ", f);
		ld_json_num(f, m->p90_us);
		fputs(", \"p99_us\": ", f);
		ld_json_num(f, m->p99_us);
		fputs(", \"p99.9_us\": ", f);
		ld_json_num(f, m->p999_us);
		fputs(", \"max_us\": ", f);
		ld_json_num(f, m->max_us);
		fprintf(f, ", \"errors\": %" PRIu64 "}", m->errors);
	}
	fputs("\n  ],\n", f);
}

static void ld_json_conf(FILE *f)
{
	const struct ld_conf *cf = &ld.conf;
	char size[64], inflight[16] = "null";

	ld_size_text(&cf->size, size, sizeof(size));
	if (cf->inflight != UINT32_MAX)
		snprintf(inflight, sizeof(inflight), "%u", cf->inflight);
	fputs("  \"url\": ", f);
	ld_json_str(f, cf->url);
	fprintf(f, ",\n  \"scenario\": \"%s\",\n  \"loop\": \"%s\",\n"
			"  \"conns\": %u,\n  \"inflight\": %s,\n  \"rate\": %.3f,\n"
			"  \"size\": \"%s\",\n  \"frames\": \"%s\",\n"
			"  \"workers\": %u,\n  \"source_addresses\": %u,\n"
			"  \"interrupted\": %s,\n",
			ld_scenario_name(cf->scenario), cf->rate > 0 ? "open" :
			"closed", cf->conns, inflight, cf->rate, size,
			cf->binary ? "binary" : "text", ld.n_workers, ld_sources(cf),
			ld.interrupted ? "true" : "false");
}

int ld_report_json(const char *path)
{
	FILE *f = fopen(path, "w");
	uint64_t errors = ld_errors_total(ld.tot);

	if (f == NULL)
		return -1;
	fprintf(f, "{\n  \"tool\": \"wsgw-load\",\n");
	ld_json_conf(f);
	fprintf(f, "  \"run_s\": %.3f,\n  \"counters\": {", ld.run_s);
	for (unsigned int k = 0; k < LD_STAT_FIRST_ERROR; k++)
		fprintf(f, "%s\"%s\": %" PRIu64, k ? ", " : "",
				ld_stat_desc(k)->name, ld.tot[k]);
	fprintf(f, "},\n  \"msgs_per_s\": {\"tx\": %.1f, \"rx\": %.1f},\n"
			"  \"handshakes_per_s\": %.1f,\n"
			"  \"gbit_per_s\": {\"tx\": %.4f, \"rx\": %.4f},\n"
			"  \"tcp_resends\": %" PRIu64 ",\n",
			ld_per_s(ld.tot[LD_STAT_MSG_TX]),
			ld_per_s(ld.tot[LD_STAT_MSG_RX]),
			ld_per_s(ld.tot[LD_STAT_HS_OK]),
			ld_per_s(ld.tot_tx_bytes) * 8 / 1e9,
			ld_per_s(ld.tot_rx_bytes) * 8 / 1e9, ld.tot_retrans);
	ld_json_hist(f, "latency", &ld.lat);
	ld_json_hist(f, "latency_from_send", &ld.lat_raw);
	ld_json_hist(f, "handshake", &ld.hs_lat);
	fputs("  \"close_codes\": {", f);
	for (unsigned int k = 0, n = 0; k < LD_CLOSE_SLOTS; k++) {
		char code[8] = "other";

		if (ld.tot_close[k] == 0)
			continue;
		if (k + 1 < LD_CLOSE_SLOTS)
			snprintf(code, sizeof(code), "%u", LD_CLOSE_FIRST + k);
		fprintf(f, "%s\"%s\": %" PRIu64, n++ ? ", " : "", code,
				ld.tot_close[k]);
	}
	fputs("},\n  \"errors\": {", f);
	for (unsigned int k = LD_STAT_FIRST_ERROR; k < LD_STAT__COUNT; k++)
		fprintf(f, "%s\"%s\": %" PRIu64, k > LD_STAT_FIRST_ERROR ? ", " :
				"", ld_stat_desc(k)->name, ld.tot[k]);
	fprintf(f, "},\n  \"refusal_status\": %u,\n", ld.hs_status);
	fprintf(f, "  \"errors_total\": %" PRIu64 ",\n"
			"  \"max_errors\": %" PRIu64 ",\n", errors,
			ld.conf.max_errors);
	ld_json_timeline(f);
	fputs("  \"fatal\": ", f);
	ld_json_str(f, ld.fatal);
	fputs(",\n  \"stalled\": ", f);
	ld_json_str(f, ld.stalled);
	fprintf(f, ",\n  \"exit_status\": %d\n}\n", ld_exit_status());
	return fclose(f) == 0 ? 0 : -1;
}

/* ---- Plot ---- */

static int ld_plot_data(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fputs("# t tx_msgs rx_msgs p50_us p90_us p99_us p999_us max_us open "
			"handshakes\n", f);
	for (uint32_t i = 0; i < ld.n_samples; i++) {
		const struct ld_sample *m = &ld.samples[i];

		fprintf(f, "%.0f %.1f %.1f", m->t, m->tx_msgs, m->rx_msgs);
		if (m->p50_us >= 0)
			fprintf(f, " %.3f %.3f %.3f %.3f %.3f", m->p50_us,
					m->p90_us, m->p99_us, m->p999_us, m->max_us);
		else
			fputs(" NaN NaN NaN NaN NaN", f);
		fprintf(f, " %" PRIu64 " %.1f\n", m->open, m->hs);
	}
	return fclose(f) == 0 ? 0 : -1;
}

int ld_report_plot(const char *path)
{
	char data[LD_PATH + 8];
	FILE *g;

	snprintf(data, sizeof(data), "%s.dat", path);
	if (ld.n_samples == 0 || ld_plot_data(data) != 0)
		return -1;
	g = popen("gnuplot", "w");
	if (g == NULL)
		return -1;
	fprintf(g, "set terminal png size 1000,800\n"
			"set output '%s'\n"
			"set multiplot layout 2,1 title 'wsgw-load: %s (%s)'\n"
			"set grid\nset key outside right\nset y2tics\n"
			"set xlabel 'seconds'\nset ylabel 'per second'\n"
			"plot '%s' using 1:2 with lines title 'messages sent', "
			"'' using 1:3 with lines title 'messages received', "
			"'' using 1:10 with lines title 'handshakes', "
			"'' using 1:9 axes x1y2 with lines title 'open conns'\n"
			"unset y2tics\nset logscale y\nset ylabel 'latency (us)'\n"
			"plot '%s' using 1:4 with lines title 'p50', "
			"'' using 1:5 with lines title 'p90', "
			"'' using 1:6 with lines title 'p99', "
			"'' using 1:7 with lines title 'p99.9', "
			"'' using 1:8 with lines title 'max'\n"
			"unset multiplot\n", path, ld.conf.url,
			ld_scenario_name(ld.conf.scenario), data, data);
	return pclose(g) == 0 ? 0 : -1;
}
