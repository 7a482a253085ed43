// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Session channels: one SOCK_SEQPACKET socket per worker connection, bound
 * to one device. Trust note: the worker is less privileged than we are and
 * may be compromised. Every message passes ipc_admit() against the table
 * below before its handler runs; a message that fails (unknown type, wrong
 * direction, bad length, an fd attached) ends that session only. The line
 * state is the device's, so it outlives the session.
 *
 * Sending never blocks the helper: what the socket does not take now waits
 * in a per-session queue, and a worker that lets it grow past
 * HELPER_OUTQ_MAX is dropped.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "helper/devlist.h"
#include "helper/helper.h"
#include "log.h"

/* The largest device info (65535 lines, 32-byte names) and then some edges. */
#define HELPER_OUTQ_MAX		(4u << 20)
_Static_assert((uint64_t)IPC_MAX_LINES * (sizeof(struct ipc_line_state) + DEVLIST_NAME_MAX + 1)
	       < HELPER_OUTQ_MAX, "a device info always fits the queue");

struct helper_out {
	struct helper_out *next;
	uint32_t type;
	uint32_t len;
	uint8_t payload[];
};

typedef int (*session_handler)(struct helper_session *s, const struct ipc_msg *msg);

static int answer_device_info(struct helper_session *s, const struct ipc_msg *msg);
static int answer_line_ops(struct helper_session *s, const struct ipc_msg *msg);

/* What a worker may send; the handler runs only after ipc_admit() agreed. */
static const struct {
	struct ipc_rule rule;
	session_handler handler;
} session_table[] = {
	{ { IPC_REQ_DEVICE_INFO, 0, 0, 0, 0, 0 }, answer_device_info },
	{ { IPC_REQ_LINE_OPS, sizeof(struct ipc_line_op), IPC_MAX_OPS * sizeof(struct ipc_line_op),
	    0, sizeof(struct ipc_line_op), 0 }, answer_line_ops },
};
#define SESSION_NTYPES	(sizeof(session_table) / sizeof(session_table[0]))

/* The info and the first part of its body, then the rest in continuations. */
static int answer_device_info(struct helper_session *s, const struct ipc_msg *msg)
{
	struct ipc_device_info info;
	uint8_t *body, *buf;
	uint64_t size, off;
	uint32_t n;
	int ret;

	(void)msg;
	buf = malloc(IPC_MSG_MAX);
	ret = buf ? helper_device_info(s->dev, &info, &body) : -ENOMEM;
	if (ret < 0) {
		free(buf);
		return ret;
	}
	size = ipc_device_info_body(&(struct ipc_device_info){
		.ngpio = le16toh(info.ngpio), .names_size = le32toh(info.names_size) });
	n = size < IPC_DEVICE_INFO_FIRST ? (uint32_t)size : (uint32_t)IPC_DEVICE_INFO_FIRST;
	memcpy(buf, &info, sizeof(info));
	memcpy(buf + sizeof(info), body, n);
	ret = helper_session_send(s, IPC_ANS_DEVICE_INFO, buf, (uint32_t)sizeof(info) + n);
	for (off = n; ret == 0 && off < size; off += n) {
		n = size - off < IPC_DEVICE_INFO_CONT ? (uint32_t)(size - off)
						       : (uint32_t)IPC_DEVICE_INFO_CONT;
		ret = helper_session_send(s, IPC_CONT_DEVICE_INFO, body + off, n);
	}
	free(body);
	free(buf);
	return ret;
}

static int answer_line_ops(struct helper_session *s, const struct ipc_msg *msg)
{
	struct ipc_line_result res[IPC_MAX_OPS];
	unsigned int n = msg->hdr.len / sizeof(struct ipc_line_op);

	for (unsigned int i = 0; i < n; i++) {
		struct ipc_line_op op;

		memcpy(&op, msg->payload + i * sizeof(op), sizeof(op));
		helper_line_op(s->dev, &op, &res[i]);
		s->dev->ops_run++;
		helper_caps_after_op(s, &op, &res[i]);
		log_debug("device %u: session %u: op %u line %u value %u -> status %u value %u",
			  s->dev->index, s->id, op.op, op.line, op.value, res[i].status,
			  res[i].value);
	}
	return helper_session_send(s, IPC_ANS_LINE_OPS, res, n * (uint32_t)sizeof(res[0]));
}

static void session_dispatch(struct helper_session *s, struct ipc_msg *msg)
{
	struct ipc_rule rules[SESSION_NTYPES];
	unsigned int i;
	int ret;

	for (i = 0; i < SESSION_NTYPES; i++)
		rules[i] = session_table[i].rule;
	if (ipc_admit(msg, rules, SESSION_NTYPES) < 0) {
		log_warn("device %u: session %u: refused %s (type %u, %u bytes, %s fd)",
			 s->dev->index, s->id, ipc_type_name(msg->hdr.type), msg->hdr.type,
			 msg->hdr.len, msg->fd >= 0 ? "with" : "no");
		if (msg->fd >= 0) {
			close(msg->fd);
			msg->fd = -1;
		}
		helper_session_close(s, "malformed message");
		return;
	}
	for (i = 0; i < SESSION_NTYPES; i++)
		if (session_table[i].rule.type == msg->hdr.type)
			break;
	ret = session_table[i].handler(s, msg);
	if (ret < 0 && !s->dead) {
		log_warn("device %u: session %u: %s failed: %s", s->dev->index, s->id,
			 ipc_type_name(msg->hdr.type), strerror(-ret));
		helper_session_close(s, "request failed");
	}
}

static void session_readable(evutil_socket_t fd, short what, void *arg)
{
	struct helper_session *s = arg;
	struct ipc_msg *msg = s->dev->h->rx;
	int ret;

	(void)what;
	ret = ipc_recv(fd, msg);
	if (ret == -EAGAIN || ret == -EWOULDBLOCK)
		return;
	if (ret == -ECONNRESET) {
		helper_session_close(s, "peer closed");
		return;
	}
	if (ret < 0) {
		log_warn("device %u: session %u: bad %s datagram: %s", s->dev->index, s->id,
			 ipc_type_name(msg->hdr.type), strerror(-ret));
		helper_session_close(s, "malformed message");
		return;
	}
	session_dispatch(s, msg);
}

static void outq_pop(struct helper_session *s)
{
	struct helper_out *o = s->outq;

	s->outq = o->next;
	if (!s->outq)
		s->outq_tail = &s->outq;
	s->outq_bytes -= o->len;
	free(o);
}

static void session_writable(evutil_socket_t fd, short what, void *arg)
{
	struct helper_session *s = arg;

	(void)what;
	while (s->outq) {
		int ret = ipc_send(fd, s->outq->type, s->outq->payload, s->outq->len, -1);

		if (ret == -EAGAIN || ret == -EWOULDBLOCK)
			return;
		if (ret < 0) {
			helper_session_close(s, strerror(-ret));
			return;
		}
		outq_pop(s);
	}
	event_del(s->ev_write);
}

int helper_session_send(struct helper_session *s, uint32_t type, const void *payload,
			uint32_t len)
{
	struct helper_out *o;
	int ret;

	if (s->dead)
		return -EPIPE;
	if (!s->outq) {
		ret = ipc_send(s->fd, type, payload, len, -1);
		if (ret == 0)
			return 0;
		if (ret != -EAGAIN && ret != -EWOULDBLOCK) {
			helper_session_close(s, ret == -EPIPE ? "peer closed" : strerror(-ret));
			return ret;
		}
	}
	if (s->outq_bytes + len > HELPER_OUTQ_MAX) {
		helper_session_close(s, "peer does not read");
		return -ENOBUFS;
	}
	o = malloc(sizeof(*o) + len);
	if (!o) {
		helper_session_close(s, "out of memory");
		return -ENOMEM;
	}
	o->next = NULL;
	o->type = type;
	o->len = len;
	if (len)
		memcpy(o->payload, payload, len);
	*s->outq_tail = o;
	s->outq_tail = &o->next;
	s->outq_bytes += len;
	event_add(s->ev_write, NULL);
	return 0;
}

int helper_session_open(struct helper_dev *dev, int fd)
{
	struct helper *h = dev->h;
	struct helper_session *s;
	int flags;

	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		return -ENOMEM;
	}
	s->dev = dev;
	s->fd = fd;
	s->id = ++h->next_session_id;
	s->outq_tail = &s->outq;
	s->ev_read = event_new(h->base, fd, EV_READ | EV_PERSIST, session_readable, s);
	s->ev_write = event_new(h->base, fd, EV_WRITE | EV_PERSIST, session_writable, s);
	if (!s->ev_read || !s->ev_write || event_add(s->ev_read, NULL) < 0) {
		if (s->ev_read)
			event_free(s->ev_read);
		if (s->ev_write)
			event_free(s->ev_write);
		free(s);
		close(fd);
		return -ENOMEM;
	}
	s->next = dev->sessions;
	dev->sessions = s;
	log_info("device %u: session %u opened", dev->index, s->id);
	return 0;
}

void helper_session_close(struct helper_session *s, const char *why)
{
	struct helper *h = s->dev->h;
	struct helper_session **pp;

	if (s->dead)
		return;
	log_info("device %u: session %u closed: %s", s->dev->index, s->id, why);
	for (pp = &s->dev->sessions; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	event_free(s->ev_read);
	event_free(s->ev_write);
	s->ev_read = s->ev_write = NULL;
	while (s->outq)
		outq_pop(s);
	close(s->fd);
	s->fd = -1;
	s->dead = true;
	/* Callers up the stack may still hold s: free it from the loop. */
	s->next = h->dead;
	h->dead = s;
	if (h->reaper)
		event_active(h->reaper, EV_TIMEOUT, 0);
}

void helper_sessions_reap(struct helper *h)
{
	while (h->dead) {
		struct helper_session *s = h->dead;

		h->dead = s->next;
		helper_caps_session_free(s);
		free(s);
	}
}
