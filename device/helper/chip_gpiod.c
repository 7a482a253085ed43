// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Host GPIO chips through libgpiod v2 (the kernel's v2 character device
 * uAPI; Linux 7.x kernels no longer have v1).
 *
 * Lines: a host line is only requested ("held") while the guest uses it,
 * with one line request per line, so the lines the guest leaves alone stay
 * free for other consumers of the chip:
 *  - SET_DIRECTION(IN/OUT) and SET_IRQ_TYPE(type) take hold of the line or
 *    reconfigure its request (gpiod_line_request_reconfigure_lines);
 *    SET_DIRECTION(NONE) releases it: the kernel line goes back to whatever
 *    the chip does with free lines, our remembered output value is forgotten.
 *  - GET_VALUE on a line not held takes hold of it with its direction as
 *    it is (the v2 uAPI reads only requested lines); the guest's gpiolib
 *    ends every use of a line with SET_DIRECTION(NONE), which releases it.
 *  - SET_VALUE is remembered and driven while we hold the line as an
 *    output; on a line not held that the kernel reports as an output (as
 *    GET_DIRECTION told the guest) it takes hold of the line as an output.
 *  - GET_DIRECTION answers our direction for a held line, else the kernel's
 *    (line info; no request).
 *  - DEVICE_INFO levels (peek_value) come only from held lines, so a guest
 *    connecting never takes hold of lines.
 *
 * Levels are physical: every request sets active-low off explicitly, so
 * GPIOD_LINE_VALUE_ACTIVE is a high line and _INACTIVE a low one, both
 * ways. (libgpiod's enum puts INACTIVE = 0 and ACTIVE = 1 after ERROR = -1;
 * a peer that converted the enum by position answered inverted levels. We
 * convert with a switch.) The guest applies its own active-low on top.
 *
 * Edges: when the guest sets any irq type the line is held as an input with
 * edge detection BOTH (level types are emulated by the worker from the
 * edges, and edge types are filtered there too), events stamped with
 * CLOCK_MONOTONIC. Each edge is reported with the level after it: 1 after
 * a rising edge, 0 after a falling one. The request fds sit in one epoll fd
 * of ours, which is the event_fd the core polls, so one libevent event
 * serves however many lines are held. Turning edges off drains what the
 * kernel had queued, so a stale edge never shows up after a new trigger.
 *
 * Jail: the chip is opened (path checks under /sys, open) before the helper
 * jails itself; label lookups read /dev then too. After that libgpiod 2.1.3
 * only uses the open fds: gpiod_chip_request_lines() does ioctl
 * GPIO_GET_CHIPINFO_IOCTL (for the request's chip name) and
 * GPIO_V2_GET_LINE_IOCTL on the chip fd, gpiod_chip_get_line_info()
 * GPIO_V2_GET_LINEINFO_IOCTL; on a request fd reconfigure_lines does
 * GPIO_V2_LINE_SET_CONFIG_IOCTL, get_value GPIO_V2_LINE_GET_VALUES_IOCTL,
 * set_value GPIO_V2_LINE_SET_VALUES_IOCTL, read_edge_events read(), and
 * release close(). (Checked in the 2.1.3 binary: lstat/stat/realpath/open
 * are reached only from gpiod_chip_open() and gpiod_is_gpiochip_device().)
 * We add fcntl(F_GETFL/F_SETFL) for O_NONBLOCK on request fds and
 * epoll_ctl/epoll_wait. policy/<arch>/helper.policy allows exactly these.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <gpiod.h>

#include "helper/chip_gpiod.h"
#include "helper/chip_gpiod_int.h"
#include "helper/devlist.h"
#include "log.h"
#include "virtio_gpio.h"

static struct chip_gpiod *to_gpiod(struct chip *chip)
{
	return (struct chip_gpiod *)((char *)chip - offsetof(struct chip_gpiod, chip));
}

static enum gpiod_line_value level_to_gpiod(uint8_t level)
{
	return level ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE;
}

/* Returns 0 with *level set, or -errno. */
static int level_from_gpiod(enum gpiod_line_value v, uint8_t *level)
{
	switch (v) {
	case GPIOD_LINE_VALUE_ACTIVE:
		*level = 1;	/* active-low is off: active is high */
		return 0;
	case GPIOD_LINE_VALUE_INACTIVE:
		*level = 0;
		return 0;
	default:
		return errno ? -errno : -EIO;
	}
}

/* The kernel's direction of @line; -errno if line info fails. */
static int kernel_direction(struct chip_gpiod *g, unsigned int line, uint8_t *dir)
{
	struct gpiod_line_info *info = gpiod_chip_get_line_info(g->gc, line);

	if (!info)
		return errno ? -errno : -EIO;
	*dir = gpiod_line_info_get_direction(info) == GPIOD_LINE_DIRECTION_OUTPUT
		       ? VIRTIO_GPIO_DIRECTION_OUT : VIRTIO_GPIO_DIRECTION_IN;
	gpiod_line_info_free(info);
	return 0;
}

/* A failed request: say once who holds the line, if anyone. */
static void log_request_failure(struct chip_gpiod *g, unsigned int line, int err)
{
	struct gpiod_hline *l = &g->lines[line];
	struct gpiod_line_info *info;

	if (l->busy_logged)
		return;
	l->busy_logged = true;
	info = gpiod_chip_get_line_info(g->gc, line);
	if (err == EBUSY && info && gpiod_line_info_is_used(info)) {
		const char *who = gpiod_line_info_get_consumer(info);

		log_warn("device %u: host line %u is in use by \"%s\": the guest's requests "
			 "on it fail until it is released", g->index, line, who ? who : "?");
	} else {
		log_warn("device %u: requesting host line %u failed: %s", g->index, line,
			 strerror(err));
	}
	gpiod_line_info_free(info);
}

/* Drop queued edge events of a held line (its fd is non-blocking). */
static void drain_events(struct chip_gpiod *g, struct gpiod_hline *l)
{
	for (int i = 0; i < 64; i++)
		if (gpiod_line_request_read_edge_events(l->req, g->evbuf, GPIOD_EVENTS_MAX) <= 0)
			return;
}

/*
 * Hold @line with @dir (OUT, IN, or NONE for "as it is") and @edges, as a
 * new request or by reconfiguring the one we have.
 */
static int line_apply(struct chip_gpiod *g, unsigned int line, uint8_t dir, bool edges)
{
	struct gpiod_hline *l = &g->lines[line];
	enum gpiod_line_direction d = dir == VIRTIO_GPIO_DIRECTION_OUT ? GPIOD_LINE_DIRECTION_OUTPUT
				    : dir == VIRTIO_GPIO_DIRECTION_IN ? GPIOD_LINE_DIRECTION_INPUT
				    : GPIOD_LINE_DIRECTION_AS_IS;
	struct gpiod_line_settings *s = g->settings;
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = line };
	int fd, fl, ret;

	gpiod_line_settings_reset(s);
	gpiod_line_config_reset(g->lcfg);
	if (gpiod_line_settings_set_direction(s, d) < 0 ||
	    gpiod_line_settings_set_edge_detection(s, edges ? GPIOD_LINE_EDGE_BOTH
							    : GPIOD_LINE_EDGE_NONE) < 0 ||
	    gpiod_line_settings_set_event_clock(s, GPIOD_LINE_CLOCK_MONOTONIC) < 0 ||
	    gpiod_line_settings_set_output_value(s, level_to_gpiod(l->out)) < 0)
		return -EINVAL;
	/* Physical levels: never let a firmware or former consumer's flag invert them. */
	gpiod_line_settings_set_active_low(s, false);
	if (gpiod_line_config_add_line_settings(g->lcfg, &line, 1, s) < 0)
		return -errno;

	if (l->req) {
		if (gpiod_line_request_reconfigure_lines(l->req, g->lcfg) < 0)
			return -errno;
		if (l->edges && !edges)
			drain_events(g, l);
		l->edges = edges;
		if (dir != VIRTIO_GPIO_DIRECTION_NONE)
			l->dir = dir;
		return 0;
	}

	l->req = gpiod_chip_request_lines(g->gc, g->rcfg, g->lcfg);
	if (!l->req) {
		ret = -errno;
		log_request_failure(g, line, -ret);
		return ret;
	}
	l->busy_logged = false;
	l->broken = false;
	l->seqno = 0;
	fd = gpiod_line_request_get_fd(l->req);
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    epoll_ctl(g->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		ret = -errno;
		gpiod_line_request_release(l->req);
		l->req = NULL;
		return ret;
	}
	l->edges = edges;
	if (dir != VIRTIO_GPIO_DIRECTION_NONE) {
		l->dir = dir;
		return 0;
	}
	/* Held as it is: learn which way that is. */
	ret = kernel_direction(g, line, &l->dir);
	if (ret < 0)
		l->dir = VIRTIO_GPIO_DIRECTION_IN;
	return 0;
}

/*
 * A worker closes its copy of a request fd before it asks for the release,
 * so the kernel line is free once we close ours. If it is still in use, a
 * worker kept the fd: it keeps the line (with the configuration it had)
 * until that worker exits. Say so; nothing more can be done from here.
 */
static void check_released(struct chip_gpiod *g, unsigned int line)
{
	struct gpiod_line_info *info = gpiod_chip_get_line_info(g->gc, line);

	if (info && gpiod_line_info_is_used(info))
		log_err("device %u: host line %u is still in use after its release: a worker "
			"kept the line's request fd; the line stays held until that worker exits",
			g->index, line);
	gpiod_line_info_free(info);
}

static void line_release(struct chip_gpiod *g, unsigned int line, bool check)
{
	struct gpiod_hline *l = &g->lines[line];
	bool shared = l->shared;

	if (l->req) {
		if (!l->broken)
			epoll_ctl(g->epfd, EPOLL_CTL_DEL, gpiod_line_request_get_fd(l->req), NULL);
		gpiod_line_request_release(l->req);
		l->req = NULL;
	}
	l->out = 0;
	l->edges = false;
	l->broken = false;
	l->shared = false;
	if (shared && check)
		check_released(g, line);
}

static int chip_gpiod_get_direction(struct chip *chip, unsigned int line, uint8_t *dir)
{
	struct chip_gpiod *g = to_gpiod(chip);

	if (g->lines[line].req) {
		*dir = g->lines[line].dir;
		return 0;
	}
	return kernel_direction(g, line, dir);
}

static int chip_gpiod_set_direction(struct chip *chip, unsigned int line, uint8_t dir)
{
	struct chip_gpiod *g = to_gpiod(chip);

	switch (dir) {
	case VIRTIO_GPIO_DIRECTION_NONE:
		line_release(g, line, true);
		return 0;
	case VIRTIO_GPIO_DIRECTION_OUT:
		/* The core allows OUT only with the irq off. */
		return line_apply(g, line, dir, false);
	case VIRTIO_GPIO_DIRECTION_IN:
		return line_apply(g, line, dir, g->lines[line].edges);
	default:
		return -EINVAL;
	}
}

static int chip_gpiod_get_value(struct chip *chip, unsigned int line, uint8_t *value)
{
	struct chip_gpiod *g = to_gpiod(chip);
	struct gpiod_hline *l = &g->lines[line];
	int ret;

	if (!l->req) {
		ret = line_apply(g, line, VIRTIO_GPIO_DIRECTION_NONE, false);
		if (ret < 0)
			return ret;
	}
	errno = 0;
	return level_from_gpiod(gpiod_line_request_get_value(l->req, line), value);
}

static int chip_gpiod_peek_value(struct chip *chip, unsigned int line, uint8_t *value)
{
	if (!to_gpiod(chip)->lines[line].req)
		return -ENODATA;
	return chip_gpiod_get_value(chip, line, value);
}

static int chip_gpiod_set_value(struct chip *chip, unsigned int line, uint8_t value)
{
	struct chip_gpiod *g = to_gpiod(chip);
	struct gpiod_hline *l = &g->lines[line];
	uint8_t dir = VIRTIO_GPIO_DIRECTION_IN;
	int ret;

	l->out = value ? 1 : 0;
	if (l->req) {
		if (l->dir != VIRTIO_GPIO_DIRECTION_OUT)
			return 0;
		if (gpiod_line_request_set_value(l->req, line, level_to_gpiod(l->out)) < 0)
			return -errno;
		return 0;
	}
	ret = kernel_direction(g, line, &dir);
	if (ret < 0)
		return ret;
	return dir == VIRTIO_GPIO_DIRECTION_OUT ? line_apply(g, line, dir, false) : 0;
}

static int chip_gpiod_set_irq_type(struct chip *chip, unsigned int line, uint8_t type)
{
	struct chip_gpiod *g = to_gpiod(chip);
	struct gpiod_hline *l = &g->lines[line];
	bool edges = type != VIRTIO_GPIO_IRQ_TYPE_NONE;

	if (edges == l->edges && (l->req || !edges))
		return 0;
	/* The core calls this with a type only on lines that are not outputs. */
	return line_apply(g, line, edges ? VIRTIO_GPIO_DIRECTION_IN : l->dir, edges);
}

static int chip_gpiod_line_cap(struct chip *chip, unsigned int line, struct chip_cap *cap)
{
	struct gpiod_hline *l = &to_gpiod(chip)->lines[line];

	if (!l->req || l->broken)
		return -ENOENT;
	l->shared = true;
	cap->kind = IPC_CAP_LINE_REQUEST;
	cap->dir = l->dir;
	cap->size = 0;
	cap->fd = gpiod_line_request_get_fd(l->req);
	return 0;
}

static const char *chip_gpiod_line_name(struct chip *chip, unsigned int line)
{
	return to_gpiod(chip)->lines[line].name;
}

static int chip_gpiod_event_fd(struct chip *chip)
{
	return to_gpiod(chip)->epfd;
}

/* Report what one held line's request has queued. */
static int read_line_events(struct chip_gpiod *g, unsigned int line)
{
	struct gpiod_hline *l = &g->lines[line];
	int n;

	if (!l->req || l->broken)
		return 0;
	n = gpiod_line_request_read_edge_events(l->req, g->evbuf, GPIOD_EVENTS_MAX);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		/* E.g. the chip went away: stop watching, or the loop would spin. */
		n = -errno;
		epoll_ctl(g->epfd, EPOLL_CTL_DEL, gpiod_line_request_get_fd(l->req), NULL);
		l->broken = true;
		log_err("device %u: host line %u: reading edge events failed: %s; its edges "
			"are no longer reported", g->index, line, strerror(-n));
		return n;
	}
	for (int i = 0; i < n; i++) {
		struct gpiod_edge_event *e = gpiod_edge_event_buffer_get_event(g->evbuf,
									      (unsigned long)i);
		unsigned long seq = gpiod_edge_event_get_line_seqno(e);
		bool rising = gpiod_edge_event_get_event_type(e) == GPIOD_EDGE_EVENT_RISING_EDGE;

		if (gpiod_edge_event_get_line_offset(e) != line)
			continue;
		if (l->seqno && seq > l->seqno + 1)
			log_warn("device %u: host line %u: %lu edge events lost (kernel queue "
				 "overflow)", g->index, line, seq - l->seqno - 1);
		l->seqno = seq;
		if (!l->edges)
			continue;
		chip_report_edge(&g->chip, line, rising ? IPC_EDGE_RISING : IPC_EDGE_FALLING,
				 rising ? 1 : 0, gpiod_edge_event_get_timestamp_ns(e));
	}
	return 0;
}

static int chip_gpiod_handle_events(struct chip *chip)
{
	struct chip_gpiod *g = to_gpiod(chip);
	struct epoll_event ev[GPIOD_READY_MAX];
	int n, ret = 0;

	n = epoll_wait(g->epfd, ev, GPIOD_READY_MAX, 0);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		unsigned int line = ev[i].data.u32;

		if (line < g->chip.ngpio) {
			int r = read_line_events(g, line);

			if (r < 0)
				ret = r;
		}
	}
	return ret;
}

void chip_gpiod_close(struct chip *chip)
{
	struct chip_gpiod *g = to_gpiod(chip);

	for (unsigned int i = 0; g->lines && i < g->chip.ngpio; i++) {
		line_release(g, i, false);
		free(g->lines[i].name);
	}
	free(g->lines);
	if (g->epfd >= 0)
		close(g->epfd);
	gpiod_edge_event_buffer_free(g->evbuf);
	gpiod_request_config_free(g->rcfg);
	gpiod_line_config_free(g->lcfg);
	gpiod_line_settings_free(g->settings);
	gpiod_chip_close(g->gc);
	free(g);
}

const struct chip_ops chip_gpiod_ops = {
	.kind = "gpiod",
	.get_direction = chip_gpiod_get_direction,
	.set_direction = chip_gpiod_set_direction,
	.get_value = chip_gpiod_get_value,
	.peek_value = chip_gpiod_peek_value,
	.set_value = chip_gpiod_set_value,
	.set_irq_type = chip_gpiod_set_irq_type,
	.line_cap = chip_gpiod_line_cap,
	.line_name = chip_gpiod_line_name,
	.event_fd = chip_gpiod_event_fd,
	.handle_events = chip_gpiod_handle_events,
	.close = chip_gpiod_close,
};
