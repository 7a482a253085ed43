// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vug-bench interrupt latency: the time from writing `set DEV LINE LEVEL` to
 * the simulation control socket until the eventq call eventfd fires with
 * that line's buffer VALID. Lines 0..n-1 are made inputs with an edge
 * trigger (SET_IRQ_TYPE, then one eventq buffer each, like request_irq),
 * then one line at a time is toggled; its buffer is re-queued as soon as it
 * comes back, as the Linux driver does on unmask. The `ok` reply of the
 * control socket is read too (the back-end promises the edge is on its way
 * when it answers), and its delay is reported on the side.
 *
 * A burst toggles every armed line with one write and times the last event:
 * with 1,024 lines armed it shows whether the back-end's cost grows with the
 * number of held buffers.
 *
 * At the end every line's trigger is set back to NONE, and the back-end must
 * hand every held buffer back INVALID (VIRTIO 1.2 §5.18, VE2).
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define POISON		0xee
#define SETTLE_MS	20

struct irq_ctx {
	struct bconn *c;
	struct bvq *vq;
	const struct birq_cfg *cfg;
	uint8_t *lvl;			/* external level we set, by line */
	char rbuf[4096];		/* sim replies not yet split into lines */
	size_t rlen;
	unsigned int spurious;
};

/* Unmask @line: its buffer is slot @line, the status byte poisoned. */
static void evt_post(struct irq_ctx *x, unsigned int line)
{
	uint8_t *p = bring_slot(x->vq, line);
	uint16_t g = htole16((uint16_t)line);

	memcpy(p, &g, sizeof(g));
	p[BENCH_SLOT_RESP] = POISON;
	bring_post(x->vq, line);
}

/* Read what the control socket has; count "ok" lines, fail on anything else. */
static int sim_read(struct irq_ctx *x, unsigned int *oks)
{
	ssize_t n = read(x->cfg->sim, x->rbuf + x->rlen, sizeof(x->rbuf) - x->rlen);
	char *p, *nl;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		bench_fail("sim control: connection lost");
		return -ECONNRESET;
	}
	x->rlen += (size_t)n;
	p = x->rbuf;
	while ((nl = memchr(p, '\n', x->rlen - (size_t)(p - x->rbuf)))) {
		if (nl - p == 2 && !memcmp(p, "ok", 2)) {
			(*oks)++;
		} else {
			*nl = '\0';
			bench_fail("sim control: '%s'", p);
			return -EIO;
		}
		p = nl + 1;
	}
	x->rlen -= (size_t)(p - x->rbuf);
	memmove(x->rbuf, p, x->rlen);
	if (x->rlen == sizeof(x->rbuf)) {
		bench_fail("sim control: reply line too long");
		return -EPROTO;
	}
	return 0;
}

/*
 * Take every returned eventq buffer. One with @expect_status (-1: either) for
 * a line marked in @want (any line if @want is NULL) is counted in *got and
 * unmarked; others are spurious. Every buffer is re-queued at once, as Linux
 * does, unless @requeue is false.
 */
static int evt_collect(struct irq_ctx *x, uint8_t *want, unsigned int *got, bool requeue,
		       int expect_status)
{
	unsigned int s, posted = 0;
	uint32_t len;
	int rc;

	while ((rc = bring_take(x->vq, &s, &len)) == 1) {
		uint8_t status = bring_slot(x->vq, s)[BENCH_SLOT_RESP];

		if (len != 1 || (status != VIRTIO_GPIO_IRQ_STATUS_VALID &&
				 status != VIRTIO_GPIO_IRQ_STATUS_INVALID)) {
			bench_fail("eventq line %u: used length %u status 0x%x", s, len, status);
			return -EPROTO;
		}
		if ((expect_status < 0 || status == expect_status) && (!want || want[s])) {
			if (want)
				want[s] = 0;
			(*got)++;
		} else {
			x->spurious++;
		}
		if (requeue) {
			evt_post(x, s);
			posted++;
		}
	}
	if (rc < 0) {
		bench_fail("eventq: the back-end broke the ring protocol");
		return rc;
	}
	return posted ? bring_kick(x->vq) : 0;
}

static int send_all(int fd, const char *buf, size_t len, size_t *off)
{
	while (*off < len) {
		ssize_t n = write(fd, buf + *off, len - *off);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n < 0)
			return -errno;
		*off += (size_t)n;
	}
	return 0;
}

/*
 * Write @cmd (lines of `set ...`), then wait for @nev VALID events on the
 * lines marked in @want and @nok replies. t_ev/t_ok: when the last of each came.
 */
static int drive(struct irq_ctx *x, const char *cmd, size_t len, uint8_t *want,
		 unsigned int nev, unsigned int nok, uint64_t *t_ev, uint64_t *t_ok)
{
	unsigned int ev = 0, ok = 0;
	size_t off = 0;
	int rc = send_all(x->cfg->sim, cmd, len, &off);

	while (rc == 0 && (ev < nev || ok < nok || off < len)) {
		struct pollfd p[2] = {
			{ .fd = x->vq->call_fd, .events = POLLIN },
			{ .fd = x->cfg->sim, .events = POLLIN | (off < len ? POLLOUT : 0) },
		};
		uint64_t now;

		rc = poll(p, 2, x->c->timeout_ms);
		now = bench_now_ns();
		if (rc < 0 && errno == EINTR) {
			rc = 0;
			continue;
		}
		if (rc <= 0) {
			bench_fail("interrupt: %u of %u events and %u of %u replies in %d ms",
				   ev, nev, ok, nok, x->c->timeout_ms);
			return rc < 0 ? -errno : -ETIMEDOUT;
		}
		rc = 0;
		if (p[0].revents) {
			unsigned int before = ev;

			bring_call_clear(x->vq);
			rc = evt_collect(x, want, &ev, true, VIRTIO_GPIO_IRQ_STATUS_VALID);
			if (ev != before && t_ev)
				*t_ev = now;
		}
		if (rc == 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			unsigned int before = ok;

			rc = sim_read(x, &ok);
			if (ok != before && t_ok)
				*t_ok = now;
		}
		if (rc == 0 && (p[1].revents & POLLOUT))
			rc = send_all(x->cfg->sim, cmd, len, &off);
	}
	return rc;
}

static int fmt_set(char *buf, size_t size, const struct irq_ctx *x, unsigned int line,
		   unsigned int level)
{
	return snprintf(buf, size, "set %u %u %u\n", x->cfg->sim_dev, line, level);
}

/*
 * Rising edges only: lines that are high go low first, untimed. No event is
 * expected (@none is all zero), so one that comes anyway counts as spurious.
 */
static int lower_all(struct irq_ctx *x, unsigned int first, unsigned int count, char *buf,
		     size_t size, uint8_t *none)
{
	size_t len = 0;
	unsigned int n = 0;

	if (x->cfg->type != VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING)
		return 0;
	for (unsigned int j = first; j < first + count; j++) {
		if (!x->lvl[j])
			continue;
		len += (size_t)fmt_set(buf + len, size - len, x, j, 0);
		x->lvl[j] = 0;
		n++;
	}
	return n ? drive(x, buf, len, none, 0, n, NULL, NULL) : 0;
}

static int sample(struct irq_ctx *x, struct birq_res *res, unsigned int line, uint8_t *want)
{
	uint64_t t0, t_ev = 0, t_ok = 0;
	char cmd[64];
	int len, rc;

	rc = lower_all(x, line, 1, cmd, sizeof(cmd), want);
	if (rc < 0)
		return rc;
	x->lvl[line] ^= 1;
	len = fmt_set(cmd, sizeof(cmd), x, line, x->lvl[line]);
	want[line] = 1;
	t0 = bench_now_ns();
	rc = drive(x, cmd, (size_t)len, want, 1, 1, &t_ev, &t_ok);
	if (rc < 0)
		return rc;
	res->lat[res->nlat] = t_ev - t0;
	res->ok_lat[res->nlat++] = t_ok - t0;
	return 0;
}

static int burst(struct irq_ctx *x, struct birq_res *res, char *buf, size_t size,
		 uint8_t *want)
{
	unsigned int n = x->cfg->nlines;
	uint64_t t0, t_ev = 0;
	size_t len = 0;
	int rc;

	rc = lower_all(x, 0, n, buf, size, want);
	if (rc < 0)
		return rc;
	for (unsigned int j = 0; j < n; j++) {
		x->lvl[j] ^= 1;
		len += (size_t)fmt_set(buf + len, size - len, x, j, x->lvl[j]);
		want[j] = 1;
	}
	t0 = bench_now_ns();
	rc = drive(x, buf, len, want, n, n, &t_ev, NULL);
	if (rc == 0)
		res->burst[res->nburst++] = t_ev - t0;
	return rc;
}

/* The external levels the back-end has now (another run may have left them high). */
static int read_levels(struct irq_ctx *x)
{
	char cmd[64], reply[160];

	for (unsigned int j = 0; j < x->cfg->nlines; j++) {
		const char *p;
		int rc;

		snprintf(cmd, sizeof(cmd), "get %u %u", x->cfg->sim_dev, j);
		rc = bd_sim_cmd(x->cfg->sim, cmd, reply, sizeof(reply), x->c->timeout_ms);
		if (rc < 0)
			return rc;
		p = strstr(reply, "input=");
		if (strncmp(reply, "ok", 2) || !p || (p[6] != '0' && p[6] != '1')) {
			bench_fail("sim control: '%s' -> '%s'", cmd, reply);
			return -EPROTO;
		}
		x->lvl[j] = (uint8_t)(p[6] - '0');
	}
	return 0;
}

/*
 * Trigger NONE everywhere; every held buffer must come back (INVALID, or
 * VALID for an edge that got there first: either counts as returned).
 */
static int disarm(struct irq_ctx *x, uint8_t *want)
{
	struct brun r = { .c = x->c, .next = breq_prog_irq_off, .depth = 32,
			  .nlines = x->cfg->nlines };
	unsigned int got = 0, n = x->cfg->nlines;
	int rc;

	memset(want, 1, n);
	rc = breq_run(&r);
	if (rc < 0)
		return rc;
	while (got < n) {
		rc = evt_collect(x, want, &got, false, -1);
		if (rc < 0 || got == n)
			break;
		rc = bring_wait(x->vq, x->c->timeout_ms);
		if (rc == -ETIMEDOUT) {
			bench_fail("eventq: %u of %u buffers not returned after SET_IRQ_TYPE NONE",
				   n - got, n);
			break;
		}
	}
	return rc;
}

static int arm(struct irq_ctx *x)
{
	struct brun r = { .c = x->c, .next = breq_prog_irq_on, .depth = 32,
			  .nlines = x->cfg->nlines, .arg = x->cfg->type };
	unsigned int none = 0;
	int rc = breq_run(&r);

	if (rc < 0)
		return rc;
	for (unsigned int j = 0; j < x->cfg->nlines; j++)
		evt_post(x, j);
	rc = bring_kick(x->vq);
	if (rc < 0)
		return rc;
	/* Nothing has changed since the triggers were set: nothing may fire. */
	if (bring_wait(x->vq, SETTLE_MS) == 0)
		rc = evt_collect(x, NULL, &none, true, VIRTIO_GPIO_IRQ_STATUS_VALID);
	x->spurious += none;
	return rc;
}

int birq_run(struct bconn *c, const struct birq_cfg *cfg, struct birq_res *res)
{
	struct irq_ctx x = { .c = c, .vq = &c->vq[VGPIO_QUEUE_EVENT], .cfg = cfg };
	size_t bsize = (size_t)cfg->nlines * 32 + 64;
	char *buf = malloc(bsize);
	uint8_t *want = calloc(cfg->nlines, 1);
	int rc;

	memset(res, 0, sizeof(*res));
	x.lvl = calloc(cfg->nlines, 1);
	res->lat = calloc(cfg->samples + 1, sizeof(*res->lat));
	res->ok_lat = calloc(cfg->samples + 1, sizeof(*res->ok_lat));
	res->burst = calloc(cfg->bursts + 1, sizeof(*res->burst));
	if (!buf || !want || !x.lvl || !res->lat || !res->ok_lat || !res->burst) {
		rc = -ENOMEM;
		goto out;
	}
	if (cfg->nlines == 0 || cfg->nlines > x.vq->nslots) {
		rc = -EINVAL;
		goto out;
	}
	fcntl(cfg->sim, F_SETFL, fcntl(cfg->sim, F_GETFL) | O_NONBLOCK);
	rc = read_levels(&x);
	if (rc == 0)
		rc = arm(&x);
	for (unsigned int i = 0; rc == 0 && i < cfg->samples; i++)
		rc = sample(&x, res, i % cfg->nlines, want);
	for (unsigned int b = 0; rc == 0 && cfg->nlines > 1 && b < cfg->bursts; b++)
		rc = burst(&x, res, buf, bsize, want);
	if (rc == 0)
		rc = disarm(&x, want);
out:
	res->spurious = x.spurious;
	free(buf);
	free(want);
	free(x.lvl);
	return rc;
}
