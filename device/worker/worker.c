// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Worker process entry: one vhost-user connection, one helper session, one
 * libevent loop. The connection socket is read one whole message at a time
 * (vu_msg_recv blocks until the payload is in: a front-end that stalls
 * mid-message only stalls its own worker). The session socket is
 * non-blocking and drained on every wake-up.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "../../sandbox/jail.h"
#include "log.h"
#include "worker/wk.h"
#include "worker/worker.h"

void wk_stop_loop(struct worker *w, int exit_status)
{
	w->exit_status = exit_status;
	event_base_loopbreak(w->base);
}

static void wk_on_conn(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct vu_msg msg;
	int ret;

	(void)what;
	ret = vu_msg_recv(fd, &msg);
	if (ret == -ECONNRESET) {
		log_info("front-end closed the connection after %llu requests (%llu values answered "
			 "through line capabilities)", (unsigned long long)w->nreq,
			 (unsigned long long)w->nreq_direct);
		wk_stop_loop(w, 0);
		return;
	}
	if (ret == -EPIPE) {
		log_warn("front-end closed the connection in the middle of a message");
		wk_stop_loop(w, 1);
		return;
	}
	if (ret < 0) {
		log_err("bad vhost-user message from the front-end: %s; closing the connection",
			strerror(-ret));
		wk_stop_loop(w, 1);
		return;
	}
	ret = vu_dispatch(w, &msg);
	vu_msg_close_fds(&msg);
	if (ret < 0) {
		log_err("%s (id %u) failed: %s; closing the connection",
			vu_request_name(msg.hdr.request), msg.hdr.request, strerror(-ret));
		wk_stop_loop(w, 1);
		return;
	}
	wk_notify_flush(w);
}

void wk_helper_lost(struct worker *w, const char *why)
{
	unsigned int failed = w->unresolved;

	if (w->helper_lost)
		return;
	w->helper_lost = true;
	wk_fail_unresolved(w);
	wk_notify_flush(w);
	if (wk_renew_wait(w)) {
		log_warn("helper session lost (%s): %u request(s) in flight answered ERR; "
			 "waiting for a new helper", why, failed);
		return;
	}
	log_err("helper session lost (%s): %u request(s) in flight answered ERR; closing the "
		"connection", why, failed);
	wk_stop_loop(w, 1);
}

void wk_session_readable(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	int ret;

	(void)fd;
	(void)what;
	ret = hc_receive(w, false);
	if (ret < 0) {
		wk_helper_lost(w, strerror(-ret));
		return;
	}
	wk_notify_flush(w);
}

static int wk_setup(struct worker *w)
{
	int flags;

	w->base = event_base_new();
	if (!w->base)
		return -ENOMEM;
	if (hc_get_device_info(w) < 0)
		return -EPROTO;
	flags = fcntl(w->session_fd, F_GETFL);
	if (flags < 0 || fcntl(w->session_fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	w->conn_ev = event_new(w->base, w->conn_fd, EV_READ | EV_PERSIST, wk_on_conn, w);
	w->session_ev = event_new(w->base, w->session_fd, EV_READ | EV_PERSIST, wk_session_readable,
				  w);
	if (!w->conn_ev || !w->session_ev)
		return -ENOMEM;
	if (event_add(w->conn_ev, NULL) < 0 || event_add(w->session_ev, NULL) < 0)
		return -EIO;
	return 0;
}

static void wk_teardown(struct worker *w)
{
	for (unsigned int i = 0; i < VGPIO_NUM_QUEUES; i++) {
		wk_queue_close(&w->q[i]);
		vq_free(&w->q[i].vq);
	}
	gmem_clear(&w->gm);
	if (w->conn_ev)
		event_free(w->conn_ev);
	if (w->session_ev)
		event_free(w->session_ev);
	if (w->base)
		event_base_free(w->base);
	vgpio_irq_free(w->irq);
	wk_caps_free(w);
	wk_renew_free(w);
	free(w->names);
	free(w->fifo);
	close(w->conn_fd);
	close(w->session_fd);
}

int worker_run(int conn_fd, int session_fd, const struct worker_opts *opts)
{
	struct worker w;
	int ret;

	/* Test-only (see worker.h); the jail is in place when we get here. */
	if (opts && opts->probe)
		jail_probe_run(opts->probe);
	memset(&w, 0, sizeof(w));
	w.conn_fd = conn_fd;
	w.session_fd = session_fd;
	w.device = opts ? opts->device : 0;
	w.renew_fd = -1;
	w.exit_status = 1;
	gmem_init(&w.gm);
	for (unsigned int i = 0; i < VGPIO_NUM_QUEUES; i++) {
		wk_queue_init(&w.q[i]);
		w.q[i].owner = &w;
	}

	ret = wk_setup(&w);
	if (ret == 0)
		ret = wk_renew_setup(&w, opts ? opts->renew_fd : -1);
	else if (opts && opts->renew_fd >= 0)
		close(opts->renew_fd);
	if (ret < 0) {
		log_err("device %u: worker set-up failed: %s", w.device, strerror(-ret));
		wk_teardown(&w);
		return 1;
	}
	log_info("device %u: serving a front-end (%u lines)", w.device, w.info.ngpio);
	event_base_dispatch(w.base);
	ret = w.exit_status;
	wk_teardown(&w);
	return ret;
}
