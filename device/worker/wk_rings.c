// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Ring lifecycle (digest §4.7): a ring is started once it has a size,
 * addresses, guest memory and a kick fd; it is processed only while also
 * enabled; GET_VRING_BASE stops it. Notifications are collected per queue
 * and sent once per wake-up (wk_notify_flush), except where ordering
 * towards the guest matters and a queue is signalled on the spot.
 */
#include <errno.h>
#include <endian.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "worker/wk.h"

void wk_queue_init(struct wk_queue *q)
{
	memset(q, 0, sizeof(*q));
	vq_init(&q->vq);
	q->kick_fd = q->call_fd = q->err_fd = -1;
}

static void wk_close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void wk_queue_close(struct wk_queue *q)
{
	if (q->kick_ev) {
		event_free(q->kick_ev);
		q->kick_ev = NULL;
	}
	wk_close_fd(&q->kick_fd);
	wk_close_fd(&q->call_fd);
	wk_close_fd(&q->err_fd);
}

bool wk_queue_ready(const struct worker *w, unsigned int idx)
{
	const struct wk_queue *q = &w->q[idx];

	return q->started && q->enabled && !q->vq.broken;
}

void wk_notify_queue(struct worker *w, unsigned int idx)
{
	struct wk_queue *q = &w->q[idx];

	if (!q->notify_pending)
		return;
	q->notify_pending = false;
	if (!q->started || q->call_fd < 0 || !vq_should_notify(&q->vq))
		return;
	if (eventfd_write(q->call_fd, 1) < 0)
		log_warn("queue %u: cannot signal the call eventfd: %s", idx, strerror(errno));
}

void wk_notify_flush(struct worker *w)
{
	for (unsigned int i = 0; i < VGPIO_NUM_QUEUES; i++)
		wk_notify_queue(w, i);
}

/* The ring is corrupt: it stays stopped; tell the front-end if it gave an err fd. */
void wk_queue_broken(struct worker *w, unsigned int idx)
{
	struct wk_queue *q = &w->q[idx];

	log_err("queue %u: the driver corrupted the ring (avail idx %u, last %u); queue stopped",
		idx, q->vq.avail ? le16toh(q->vq.avail->idx) : 0, q->vq.last_avail_idx);
	if (q->err_fd >= 0 && eventfd_write(q->err_fd, 1) < 0)
		log_warn("queue %u: cannot signal the err eventfd", idx);
	if (idx == VGPIO_QUEUE_EVENT)
		wk_eventq_update_running(w);
}

void wk_eventq_update_running(struct worker *w)
{
	vgpio_irq_set_running(w->irq, wk_queue_ready(w, VGPIO_QUEUE_EVENT));
}

static void wk_on_kick(evutil_socket_t fd, short what, void *arg)
{
	struct wk_queue *q = arg;
	struct worker *w = q->owner;
	eventfd_t count;

	(void)what;
	if (eventfd_read(fd, &count) < 0 && errno != EAGAIN)
		log_warn("queue %u: kick eventfd read failed: %s", (unsigned int)(q - w->q),
			 strerror(errno));
	/*
	 * Level changes the helper already sent come first: a buffer must be
	 * judged against the line as it is, not as it was before an edge that
	 * is still waiting in the session socket.
	 */
	if (q == &w->q[VGPIO_QUEUE_EVENT]) {
		int ret = hc_receive(w, false);

		if (ret < 0) {
			wk_helper_lost(w, strerror(-ret));
			return;
		}
	}
	wk_queue_kicked(w, (unsigned int)(q - w->q));
	wk_notify_flush(w);
}

void wk_queue_kicked(struct worker *w, unsigned int idx)
{
	if (!wk_queue_ready(w, idx))
		return;
	if (idx == VGPIO_QUEUE_REQUEST)
		wk_process_requestq(w);
	else
		wk_process_eventq(w);
}

int wk_queue_try_start(struct worker *w, unsigned int idx)
{
	struct wk_queue *q = &w->q[idx];
	int ret;

	if (q->started || !q->kick_set || !q->vq.addr_set || !q->vq.num || !w->gm.nregions)
		return 0;
	ret = vq_map(&q->vq, &w->gm);
	if (ret < 0) {
		log_err("queue %u: ring addresses are not inside guest memory", idx);
		return ret;
	}
	if (idx == VGPIO_QUEUE_REQUEST) {
		ret = wk_fifo_alloc(w, q->vq.num);
		if (ret < 0)
			return ret;
	}
	q->started = true;
	log_debug("queue %u started: size %u, next avail %u, used %u", idx, q->vq.num,
		  q->vq.last_avail_idx, q->vq.used_idx);
	if (idx == VGPIO_QUEUE_EVENT)
		wk_eventq_update_running(w);
	/* Buffers may have been added while nobody watched. */
	wk_queue_kicked(w, idx);
	return 0;
}

void wk_queue_stop(struct worker *w, unsigned int idx)
{
	struct wk_queue *q = &w->q[idx];

	q->started = false;
	q->kick_set = false;
	if (q->kick_ev) {
		event_free(q->kick_ev);
		q->kick_ev = NULL;
	}
	wk_close_fd(&q->kick_fd);
	if (idx == VGPIO_QUEUE_EVENT)
		wk_eventq_update_running(w);
}

int wk_queue_set_kick(struct worker *w, unsigned int idx, int fd)
{
	struct wk_queue *q = &w->q[idx];

	if (q->kick_ev) {
		event_free(q->kick_ev);
		q->kick_ev = NULL;
	}
	wk_close_fd(&q->kick_fd);
	q->kick_fd = fd;
	q->kick_ev = event_new(w->base, fd, EV_READ | EV_PERSIST, wk_on_kick, q);
	if (!q->kick_ev || event_add(q->kick_ev, NULL) < 0)
		return -ENOMEM;
	q->kick_set = true;
	if (q->started) {
		wk_queue_kicked(w, idx);
		return 0;
	}
	return wk_queue_try_start(w, idx);
}
