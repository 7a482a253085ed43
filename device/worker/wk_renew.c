// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A new helper session after the helper died (--helper-restarts), over the
 * connection the worker already serves: QEMU 10 cannot reconnect a
 * vhost-user-gpio device, so ending the connection would leave its guest's
 * GPIO requests hanging for good.
 *
 * When the session is lost the worker answers what was in flight with ERR
 * (as always), drops its line capabilities (their line requests must be
 * closed before the new helper takes the lines over), stops taking requests
 * from the requestq (they wait in the ring) and waits up to
 * WK_RENEW_TIMEOUT_S for IPC_EVT_SESSION_RENEW from the broker on its own
 * channel. The new session must show the same device (lines and names);
 * then the requests waiting in the ring are served and level reads that were
 * lost with the old helper are asked again. Interrupt triggers and held
 * eventq buffers are the worker's and stay as they were; the new helper took
 * the line state over from the previous one (device/helper/state.c).
 * Without the broker's channel, or when it fails or times out, the
 * connection ends as it did before renewals existed (exit status 1).
 *
 * Trust: the broker is more privileged than we are; its message still goes
 * through ipc_admit(), and the only thing it can give us is a session.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "worker/wk.h"

#define WK_RENEW_TIMEOUT_S	30

static const struct ipc_rule renew_rule[] = {
	{ IPC_EVT_SESSION_RENEW, 0, 0, 0, 0, 1 },
};

static void wk_renew_give_up(struct worker *w, const char *why)
{
	log_err("no new helper session (%s); closing the connection", why);
	wk_stop_loop(w, 1);
}

static void wk_on_renew_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	wk_renew_give_up(arg, "timed out");
}

static int wk_renew_session(struct worker *w, int fd)
{
	int flags, ret;

	w->session_fd = fd;
	ret = hc_check_device_info(w);
	if (ret < 0)
		return ret;
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	w->session_ev = event_new(w->base, fd, EV_READ | EV_PERSIST, wk_session_readable, w);
	if (!w->session_ev || event_add(w->session_ev, NULL) < 0)
		return -ENOMEM;
	w->helper_lost = false;
	event_del(w->renew_timer);
	/* Level reads the dead helper never answered. */
	for (uint16_t g = 0; g < w->info.ngpio; g++)
		if (vgpio_irq_is_reading(w->irq, g))
			wk_irq_read_level(w, g);
	wk_level_reads_flush(w);
	return 0;
}

static void wk_on_renew(evutil_socket_t fd, short what, void *arg)
{
	static struct ipc_msg msg;
	struct worker *w = arg;
	int ret;

	(void)fd;
	(void)what;
	ret = ipc_recv(w->renew_fd, &msg);
	if (ret == -EAGAIN || ret == -EWOULDBLOCK)
		return;
	if (ret < 0 || ipc_admit(&msg, renew_rule, 1) < 0) {
		if (ret == 0 && msg.fd >= 0)
			close(msg.fd);
		log_warn("broker channel: %s; no new helper session can come",
			 ret < 0 ? strerror(-ret) : "malformed message");
		event_del(w->renew_ev);
		close(w->renew_fd);
		w->renew_fd = -1;
		if (w->helper_lost)
			wk_renew_give_up(w, "the broker's channel is gone");
		return;
	}
	if (!w->helper_lost) {
		close(msg.fd);	/* a session we do not need */
		return;
	}
	ret = wk_renew_session(w, msg.fd);
	if (ret < 0) {
		wk_renew_give_up(w, ret == -ENXIO ? "the new helper shows another device"
						  : strerror(-ret));
		return;
	}
	log_info("device %u: serving on with a new helper session", w->device);
	wk_queue_kicked(w, VGPIO_QUEUE_REQUEST);
	wk_queue_kicked(w, VGPIO_QUEUE_EVENT);
	wk_notify_flush(w);
}

int wk_renew_setup(struct worker *w, int renew_fd)
{
	int flags;

	w->renew_fd = renew_fd;
	if (renew_fd < 0)
		return 0;
	flags = fcntl(renew_fd, F_GETFL);
	if (flags < 0 || fcntl(renew_fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	w->renew_ev = event_new(w->base, renew_fd, EV_READ | EV_PERSIST, wk_on_renew, w);
	w->renew_timer = evtimer_new(w->base, wk_on_renew_timeout, w);
	if (!w->renew_ev || !w->renew_timer || event_add(w->renew_ev, NULL) < 0)
		return -ENOMEM;
	return 0;
}

void wk_renew_free(struct worker *w)
{
	if (w->renew_ev)
		event_free(w->renew_ev);
	if (w->renew_timer)
		event_free(w->renew_timer);
	w->renew_ev = w->renew_timer = NULL;
	if (w->renew_fd >= 0)
		close(w->renew_fd);
	w->renew_fd = -1;
}

bool wk_renew_wait(struct worker *w)
{
	struct timeval tv = { .tv_sec = WK_RENEW_TIMEOUT_S };

	if (w->renew_fd < 0 || !w->renew_timer)
		return false;
	wk_caps_reset(w);
	if (w->session_ev) {
		event_free(w->session_ev);
		w->session_ev = NULL;
	}
	if (w->session_fd >= 0)
		close(w->session_fd);
	w->session_fd = -1;
	return evtimer_add(w->renew_timer, &tv) == 0;
}
