// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vug-bench, one line count L: start (or reach) the back-end, run every
 * phase on one connection, report. Keys carry `_lL` (L as asked; with
 * --socket and no --lines, the back-end's ngpio) so several L can share
 * one output.
 *
 * A phase that cannot be measured prints `key=skipped` with the reason in
 * the summary. A request timeout or a broken ring ends the phases of this L
 * (the ring state is unknown afterwards); a wrong answer does not.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define SETUP_DEPTH	32
#define DAEMON_REFUSED	2	/* the daemon's exit status for a refused configuration */

struct lrun {
	unsigned int asked;		/* L, 0 = all */
	unsigned int tag;		/* key suffix */
	unsigned int n;			/* lines used */
	bool own;			/* we started the daemon */
	struct bd_daemon d;
	int sim;
	struct bconn c;
	uint8_t *level;
};

static const char *k(const struct lrun *l, const char *name)
{
	static char buf[96];

	snprintf(buf, sizeof(buf), "%s_l%u", name, l->tag);
	return buf;
}

static double ratio(uint64_t ns)
{
	return bench_floor_ns ? (double)ns / (double)bench_floor_ns : 0.0;
}

static void kv_ms(const char *key, uint64_t ns)
{
	brep_kv(key, "%.2f", (double)ns / 1e6);
}

static char pcts_text[128];

/* @prefix_p50_us, _p99_us, _max_us of @v (sorted here); the same in pcts_text. */
static void report_pcts(const struct lrun *l, const char *prefix, uint64_t *v, unsigned int n)
{
	char name[64];
	uint64_t p50, p99;

	bench_sort(v, n);
	p50 = bench_pct(v, n, 50);
	p99 = bench_pct(v, n, 99);
	snprintf(name, sizeof(name), "%s_p50_us", prefix);
	brep_us(k(l, name), p50);
	snprintf(name, sizeof(name), "%s_p99_us", prefix);
	brep_us(k(l, name), p99);
	snprintf(name, sizeof(name), "%s_max_us", prefix);
	brep_us(k(l, name), v[n - 1]);
	snprintf(pcts_text, sizeof(pcts_text), "p50 %.1f µs (%.1f× floor)  p99 %.1f µs  "
		 "max %.1f µs", (double)p50 / 1e3, ratio(p50), (double)p99 / 1e3,
		 (double)v[n - 1] / 1e3);
}

/* Own daemon: start it startup_runs times, keep the last one running. */
static int start_own(struct lrun *l, int *sock)
{
	unsigned int runs = bopt.startup_runs ? bopt.startup_runs : 1;
	uint64_t conn[BENCH_MAX_STARTS], reply[BENCH_MAX_STARTS];
	char entry[16];
	int rc = 0;

	for (unsigned int i = 0; i < runs; i++) {
		rc = bd_start(&l->d, bopt.daemon, l->asked, (int)bopt.timeout_ms * 5, sock);
		if (rc < 0)
			break;
		conn[i] = l->d.connect_ns;
		reply[i] = l->d.reply_ns;
		if (i + 1 == runs)
			break;
		close(*sock);
		rc = bd_stop(&l->d);
		if (rc != 0) {
			bench_fail("daemon exit status %d after SIGTERM", rc);
			return -EIO;
		}
	}
	snprintf(entry, sizeof(entry), "\"s%u\"", l->asked);
	if (rc == -ECHILD && l->d.exit_status == DAEMON_REFUSED && bd_log_has(&l->d, entry)) {
		/* A daemon with a lower line cap: nothing is broken, L is just too big. */
		bd_show_log(&l->d);
		bd_stop(&l->d);
		brep_skip(k(l, "startup_ms"), "the daemon refused a chip of this many lines; "
			  "its message is on stderr");
		return rc;
	}
	if (rc < 0) {
		bd_show_log(&l->d);
		bd_stop(&l->d);
		if (rc == -ECHILD)
			bench_fail("daemon for %u lines exited during start-up (status %d)",
				   l->asked, l->d.exit_status);
		else
			bench_fail("daemon for %u lines did not start: %s", l->asked,
				   strerror(-rc));
		return rc;
	}
	bench_sort(conn, runs);
	bench_sort(reply, runs);
	kv_ms(k(l, "startup_ms"), bench_pct(conn, runs, 50));
	kv_ms(k(l, "startup_reply_ms"), bench_pct(reply, runs, 50));
	brep_line("  start-up          %.2f ms exec -> socket accepts, %.2f ms -> first reply "
		  "(median of %u)", (double)bench_pct(conn, runs, 50) / 1e6,
		  (double)bench_pct(reply, runs, 50) / 1e6, runs);
	l->sim = bd_sim_connect(l->d.ctl, (int)bopt.timeout_ms);
	if (l->sim < 0)
		bench_fail("sim control %s: %s", l->d.ctl, strerror(-l->sim));
	return 0;
}

static int reach_backend(struct lrun *l, int *sock)
{
	if (l->own)
		return start_own(l, sock);
	brep_skip(k(l, "startup_ms"), "back-end started elsewhere");
	*sock = bvu_connect(bopt.socket, (int)bopt.timeout_ms);
	if (*sock < 0) {
		bench_fail("connect %s: %s", bopt.socket, strerror(-*sock));
		return *sock;
	}
	if (bopt.sim_control) {
		l->sim = bd_sim_connect(bopt.sim_control, (int)bopt.timeout_ms);
		if (l->sim < 0)
			bench_fail("sim control %s: %s", bopt.sim_control, strerror(-l->sim));
	}
	return 0;
}

static unsigned int pow2_at_least(unsigned int v)
{
	unsigned int p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

static int connect_rings(struct lrun *l, unsigned int *armed)
{
	struct bconn *c = &l->c;
	unsigned int ngpio, evq;
	int rc = bvu_negotiate(c);

	if (rc < 0) {
		bench_fail("vhost-user handshake: %s", strerror(-rc));
		return rc;
	}
	ngpio = c->has_config ? c->ngpio : l->asked;
	if (ngpio == 0) {
		bench_fail("back-end has no CONFIG protocol feature: give --lines");
		return -EINVAL;
	}
	l->n = l->asked && l->asked < ngpio ? l->asked : ngpio;
	if (!l->tag)
		l->tag = l->n;
	brep_kv(k(l, "ngpio"), "%u", ngpio);
	brep_kv(k(l, "lines"), "%u", l->n);
	brep_kv(k(l, "features"), "0x%llx", (unsigned long long)c->acked);
	if (l->asked > ngpio)
		brep_line("  NOTE: the back-end has %u lines (config ngpio), %u were asked: "
			  "figures are for %u lines", ngpio, l->asked, ngpio);
	brep_line("  back-end: ngpio %u, %u lines used, %s descriptors, %s, requestq %u",
		  ngpio, l->n, c->indirect ? "indirect" : "direct",
		  c->irq ? "F_IRQ" : "no F_IRQ", bopt.qsize);
	*armed = c->irq && l->sim >= 0 ? bopt.irq_lines : 0;
	if (*armed > l->n)
		*armed = l->n;
	/* 64: what QEMU >= 9.0 gives the guest; more when the armed lines need it. */
	evq = pow2_at_least(c->indirect ? *armed : 2 * *armed);
	if (evq < 64)
		evq = 64;
	if (evq > 32768)
		evq = 32768;	/* the largest split ring */
	if (bopt.evq_size)
		evq = bopt.evq_size;
	rc = bvu_start_rings(c, (uint16_t)bopt.qsize, (uint16_t)evq);
	if (rc < 0) {
		bench_fail("ring set-up (requestq %u, eventq %u): %s", bopt.qsize, evq,
			   strerror(-rc));
		return rc;
	}
	if (c->irq && *armed > c->vq[VGPIO_QUEUE_EVENT].nslots) {
		brep_line("  NOTE: eventq of %u holds %u buffers: %u lines armed, not %u", evq,
			  c->vq[VGPIO_QUEUE_EVENT].nslots, c->vq[VGPIO_QUEUE_EVENT].nslots,
			  *armed);
		*armed = c->vq[VGPIO_QUEUE_EVENT].nslots;
	}
	l->level = calloc(ngpio, 1);
	return l->level ? breq_init(c) : -ENOMEM;
}

static int phase_requests(struct lrun *l)
{
	uint64_t total = (uint64_t)bopt.requests + bopt.warmup;
	uint64_t *lat = calloc(total + 1, sizeof(*lat));
	struct brun r = { .c = &l->c, .next = breq_prog_setup_out, .depth = SETUP_DEPTH,
			  .nlines = l->n, .level = l->level };
	char name[64];
	int rc = lat ? breq_run(&r) : -ENOMEM;

	if (rc < 0) {
		bench_fail("making %u lines outputs failed", l->n);
		free(lat);
		return rc;
	}
	for (unsigned int i = 0; i < bopt.ndepths; i++) {
		unsigned int d = bopt.depths[i];
		double rps, per_us;

		r = (struct brun){ .c = &l->c, .next = breq_prog_mix, .depth = d, .nlines = l->n,
				   .total = total, .warmup = bopt.warmup, .level = l->level,
				   .lat = d == 1 ? lat : NULL,
				   .max_ns = (uint64_t)bopt.max_seconds * 1000000000u };
		rc = breq_run(&r);
		if (rc < 0 && rc != -EIO)
			break;
		snprintf(name, sizeof(name), "req_rps_d%u", d);
		rps = r.elapsed_ns ? (double)r.timed * 1e9 / (double)r.elapsed_ns : 0;
		brep_kv(k(l, name), "%.0f", rps);
		if (r.depth != d) {
			snprintf(name, sizeof(name), "req_depth_d%u", d);
			brep_kv(k(l, name), "%u", r.depth);
		}
		per_us = rps > 0 ? 1e6 / rps : 0;
		brep_line("  requests D=%-3u   %9.0f req/s  %7.2f µs/req  %5.2f× floor%s", d,
			  rps, per_us, ratio((uint64_t)(per_us * 1000)),
			  r.depth != d ? " (D capped at L: one request per line)" : "");
		if (r.capped)
			brep_line("    (D=%u stopped at the %u s cap after %llu requests)", d,
				  bopt.max_seconds, (unsigned long long)r.done);
		if (d == 1 && r.nlat) {
			report_pcts(l, "req_lat", lat, r.nlat);
			brep_line("  request latency   %s (D=1, %llu requests)", pcts_text,
				  (unsigned long long)r.nlat);
		}
	}
	free(lat);
	return rc == -EIO ? 0 : rc;
}

static int phase_irq(struct lrun *l, unsigned int armed)
{
	struct birq_cfg cfg = { .nlines = armed, .samples = bopt.irq_samples,
				.bursts = bopt.irq_bursts, .sim_dev = bopt.sim_dev,
				.type = bopt.irq_type, .sim = l->sim };
	struct birq_res res;
	int rc;

	if (!l->c.irq || l->sim < 0 || !armed || !bopt.irq_samples) {
		brep_skip(k(l, "irq_lat_p50_us"), !l->c.irq ? "back-end without F_IRQ" :
			  l->sim < 0 ? "no simulation control socket" : "no samples asked");
		return 0;
	}
	rc = birq_run(&l->c, &cfg, &res);
	brep_kv(k(l, "irq_lines"), "%u", armed);
	if (res.nlat) {
		bench_sort(res.ok_lat, res.nlat);
		brep_us(k(l, "irq_ok_p50_us"), bench_pct(res.ok_lat, res.nlat, 50));
		report_pcts(l, "irq_lat", res.lat, res.nlat);
		brep_line("  interrupt latency %s (%u lines armed, %u samples; 'ok' reply after "
			  "%.1f µs)", pcts_text, armed, res.nlat,
			  (double)bench_pct(res.ok_lat, res.nlat, 50) / 1e3);
	}
	if (res.nburst) {
		uint64_t b;

		bench_sort(res.burst, res.nburst);
		b = bench_pct(res.burst, res.nburst, 50);
		brep_us(k(l, "irq_burst_us"), b);
		brep_kv(k(l, "irq_burst_eps"), "%.0f", (double)armed * 1e9 / (double)b);
		brep_line("  interrupt burst   %u lines at once: last event after %.1f µs "
			  "(%.0f events/s, median of %u)", armed, (double)b / 1e3,
			  (double)armed * 1e9 / (double)b, res.nburst);
	}
	brep_kv(k(l, "irq_spurious"), "%u", res.spurious);
	if (res.spurious)
		brep_line("  NOTE: %u eventq buffers came back without a matching edge",
			  res.spurious);
	free(res.lat);
	free(res.ok_lat);
	free(res.burst);
	return rc;
}

static void phase_rss(struct lrun *l)
{
	struct bp_proc p[BP_MAX];
	char name[64], line[512] = "";
	size_t len = 0;
	long total = 0;
	int n;

	if (l->own)
		n = bp_tree(l->d.pid, p, BP_MAX);
	else if (bopt.pids)
		n = bp_named(bopt.pids, p, BP_MAX);
	else
		n = 0;
	if (n <= 0) {
		brep_skip(k(l, "rss_kib"), l->own ? "no /proc entries" : "no --pids");
		return;
	}
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "rss_%.23s_kib", p[i].role);
		if (p[i].rss_kib < 0) {
			brep_skip(k(l, name), "process gone");
			continue;
		}
		brep_kv(k(l, name), "%ld", p[i].rss_kib);
		total += p[i].rss_kib;
		len += (size_t)snprintf(line + len, sizeof(line) - len, "  %s %ld",
					p[i].role, p[i].rss_kib);
		if (len >= sizeof(line))
			len = sizeof(line) - 1;
	}
	brep_kv(k(l, "rss_total_kib"), "%ld", total);
	brep_line("  memory (VmRSS KiB)%s  total %ld", line, total);
}

void bench_run_lines(unsigned int lines)
{
	struct lrun l = { .asked = lines, .tag = lines, .own = !bopt.socket, .sim = -1 };
	unsigned int armed = 0;
	int sock = -1, rc;

	brep_line("L=%u%s", lines, lines ? "" : " (all lines)");
	bvu_init(&l.c, -1, (int)bopt.timeout_ms);
	if (reach_backend(&l, &sock) < 0)
		goto out;
	l.c.sock = sock;
	rc = connect_rings(&l, &armed);
	if (rc == 0)
		rc = phase_requests(&l);
	if (rc == 0 && phase_irq(&l, armed) < 0)
		bench_fail("interrupt phase for %u lines failed", l.n);
	/* While the connection is up: the worker exists and has the rings mapped. */
	if (l.c.sock >= 0)
		phase_rss(&l);
out:
	breq_fini();
	bvu_close(&l.c);
	if (l.sim >= 0)
		close(l.sim);
	free(l.level);
	if (l.own && l.d.pid > 0) {
		rc = bd_stop(&l.d);
		if (rc != 0)
			bench_fail("daemon exit status %d after SIGTERM", rc);
	}
}
