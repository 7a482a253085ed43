// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The worker's side of the helper session (proto/ipc.h). The helper is more
 * privileged than we are, but its messages are still checked for size and
 * consistency: a confused peer ends the session instead of corrupting state.
 */
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "worker/wk.h"

/* How long the worker waits for the helper before declaring it lost. */
#define HC_TIMEOUT_MS	5000

static const struct ipc_rule hc_rules[] = {
	{ IPC_ANS_DEVICE_INFO, sizeof(struct ipc_device_info), IPC_MSG_MAX, 0, 0, 0 },
	{ IPC_ANS_LINE_OPS, sizeof(struct ipc_line_result),
	  IPC_MAX_OPS * sizeof(struct ipc_line_result), 0, sizeof(struct ipc_line_result), 0 },
	{ IPC_EVT_LINE_EDGE, sizeof(struct ipc_line_edge), IPC_MSG_MAX, 0,
	  sizeof(struct ipc_line_edge), 0 },
	{ IPC_CONT_DEVICE_INFO, 1, IPC_DEVICE_INFO_CONT, 0, 0, 0 },
	{ IPC_EVT_LINE_CAP, sizeof(struct ipc_line_cap), sizeof(struct ipc_line_cap), 0, 0, 1 },
};

/* Largest device info body accepted: 65535 lines with 32-byte names is 2.2 MiB. */
#define HC_INFO_BODY_MAX	(16u << 20)

static int hc_wait_readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int ret;

	do
		ret = poll(&pfd, 1, HC_TIMEOUT_MS);
	while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	if (ret == 0)
		return -ETIMEDOUT;
	return 0;
}

static int hc_recv_admitted(struct worker *w, struct ipc_msg *msg, bool block)
{
	int ret;

	if (block) {
		ret = hc_wait_readable(w->session_fd);
		if (ret < 0)
			return ret;
	}
	ret = ipc_recv(w->session_fd, msg);
	if (ret < 0)
		return ret;
	/* Only IPC_EVT_LINE_CAP comes with an fd; the caller owns it then. */
	ret = ipc_admit(msg, hc_rules, sizeof(hc_rules) / sizeof(hc_rules[0]));
	if (ret < 0) {
		log_err("helper sent a malformed %s (%u bytes, %s fd)",
			ipc_type_name(msg->hdr.type), msg->hdr.len, msg->fd >= 0 ? "with" : "no");
		if (msg->fd >= 0)
			close(msg->fd);
		msg->fd = -1;
	}
	return ret;
}

/* Before the device info is complete nothing may carry an fd. */
static int hc_recv_info_part(struct worker *w, struct ipc_msg *msg)
{
	int ret = hc_recv_admitted(w, msg, true);

	if (ret == 0 && msg->fd >= 0) {
		close(msg->fd);
		msg->fd = -1;
		ret = -EPROTO;
	}
	return ret;
}

/*
 * Trust note: the names block is handed to the guest, so check its shape;
 * the body's size comes from two peer fields and is checked against what
 * actually arrives, message by message.
 */
static int hc_parse_info(struct ipc_device_info *out, const struct ipc_msg *msg, uint8_t **body,
			 uint64_t *size, uint64_t *have)
{
	struct ipc_device_info info;

	memcpy(&info, msg->payload, sizeof(info));
	info.ngpio = le16toh(info.ngpio);
	info.names_size = le32toh(info.names_size);
	if (info.ngpio == 0)
		return -EBADMSG;
	*size = ipc_device_info_body(&info);
	*have = msg->hdr.len - sizeof(info);
	/* Short of a full first message only when nothing more follows. */
	if (*have > *size || (*have < *size && *have != IPC_DEVICE_INFO_FIRST))
		return -EBADMSG;
	/* ngpio is 16 bits and names_size 32: at most 4 GiB, refused past 16 MiB. */
	if (*size > HC_INFO_BODY_MAX)
		return -EFBIG;
	*body = malloc(*size + 1);
	if (!*body)
		return -ENOMEM;
	memcpy(*body, msg->payload + sizeof(info), *have);
	*out = info;
	return 0;
}

/* The rest of the body, in IPC_CONT_DEVICE_INFO messages, each full but the last. */
static int hc_recv_info_body(struct worker *w, struct ipc_msg *msg, uint8_t *body,
			     uint64_t size, uint64_t have)
{
	while (have < size) {
		int ret = hc_recv_info_part(w, msg);

		if (ret < 0)
			return ret;
		if (msg->hdr.type != IPC_CONT_DEVICE_INFO)
			return -EPROTO;
		if (msg->hdr.len > size - have ||
		    (msg->hdr.len < size - have && msg->hdr.len != IPC_DEVICE_INFO_CONT))
			return -EBADMSG;
		memcpy(body + have, msg->payload, msg->hdr.len);
		have += msg->hdr.len;
	}
	return 0;
}

/* Keep the names as the whole GET_LINE_NAMES response: status OK, then the block. */
static int hc_take_names(struct worker *w, const uint8_t *body)
{
	const uint8_t *names = body + (size_t)w->info.ngpio * sizeof(struct ipc_line_state);
	uint32_t n = w->info.names_size;

	if (n && names[n - 1] != '\0')
		return -EBADMSG;
	w->names = malloc(1 + (size_t)n);
	if (!w->names)
		return -ENOMEM;
	w->names[0] = VIRTIO_GPIO_STATUS_OK;
	memcpy(w->names + 1, names, n);
	w->info.names = w->names + 1;
	return 0;
}

static void hc_restore_lines(struct worker *w, const uint8_t *body)
{
	const uint8_t *p = body;

	for (uint16_t i = 0; i < w->info.ngpio; i++, p += sizeof(struct ipc_line_state))
		vgpio_irq_restore(w->irq, i, p[0], p[1]);
}

/* Ask for the device info and take all of it in: *info and the body (freed by the caller). */
static int hc_fetch_info(struct worker *w, struct ipc_device_info *info, uint8_t **body)
{
	static struct ipc_msg msg;	/* 64 KiB: keep it off the stack */
	uint64_t size = 0, have = 0;
	int ret;

	*body = NULL;
	ret = ipc_send(w->session_fd, IPC_REQ_DEVICE_INFO, NULL, 0, -1);
	if (ret < 0)
		return ret;
	do
		ret = hc_recv_info_part(w, &msg);
	while (ret == 0 && msg.hdr.type == IPC_EVT_LINE_EDGE);	/* nothing to latch yet */
	if (ret < 0)
		return ret;
	if (msg.hdr.type != IPC_ANS_DEVICE_INFO)
		return -EPROTO;
	ret = hc_parse_info(info, &msg, body, &size, &have);
	if (ret == 0)
		ret = hc_recv_info_body(w, &msg, *body, size, have);
	if (ret < 0) {
		free(*body);
		*body = NULL;
	}
	return ret;
}

int hc_get_device_info(struct worker *w)
{
	struct ipc_device_info info;
	uint8_t *body;
	int ret;

	ret = hc_fetch_info(w, &info, &body);
	if (ret == 0) {
		w->info.ngpio = info.ngpio;
		w->info.names_size = info.names_size;
		ret = hc_take_names(w, body);
	}
	if (ret < 0) {
		log_err("helper sent inconsistent device info");
		goto out;
	}
	w->irq = vgpio_irq_new(w->info.ngpio, &(struct vgpio_irq_sink){
		.complete = wk_irq_complete, .read_level = wk_irq_read_level, .ctx = w });
	if (!w->irq) {
		ret = -ENOMEM;
		goto out;
	}
	ret = wk_caps_init(w);
	if (ret < 0)
		goto out;
	hc_restore_lines(w, body);
out:
	free(body);
	return ret;
}

int hc_check_device_info(struct worker *w)
{
	struct ipc_device_info info;
	const uint8_t *names;
	uint8_t *body;
	int ret;

	ret = hc_fetch_info(w, &info, &body);
	if (ret < 0)
		return ret;
	names = body + (size_t)info.ngpio * sizeof(struct ipc_line_state);
	/* The guest knows the device: the new helper must show it the same one. */
	if (info.ngpio != w->info.ngpio || info.names_size != w->info.names_size ||
	    memcmp(names, w->info.names, info.names_size))
		ret = -ENXIO;
	free(body);
	return ret;
}

/*
 * A busy helper can let the session's send buffer fill (a big ring's worth
 * of single-op batches). Waiting for room cannot deadlock: the helper never
 * blocks on us, it queues what we do not read. Only a helper silent for
 * HC_TIMEOUT_MS counts as lost.
 */
static int hc_wait_writable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int ret;

	do
		ret = poll(&pfd, 1, HC_TIMEOUT_MS);
	while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	return ret == 0 ? -ETIMEDOUT : 0;
}

int hc_send_ops(struct worker *w, const struct ipc_line_op *ops, unsigned int n)
{
	while (n) {
		unsigned int chunk = n > IPC_MAX_OPS ? IPC_MAX_OPS : n;
		int ret = ipc_send(w->session_fd, IPC_REQ_LINE_OPS, ops,
				   chunk * sizeof(*ops), -1);

		if (ret == -EAGAIN || ret == -EWOULDBLOCK) {
			ret = hc_wait_writable(w->session_fd);
			if (ret == 0)
				continue;
		}
		if (ret < 0)
			return ret;
		ops += chunk;
		n -= chunk;
	}
	return 0;
}

static int hc_dispatch(struct worker *w, const struct ipc_msg *msg)
{
	unsigned int n;

	struct ipc_line_cap cap;

	switch (msg->hdr.type) {
	case IPC_EVT_LINE_CAP:
		memcpy(&cap, msg->payload, sizeof(cap));
		cap.line = le16toh(cap.line);
		cap.size = le32toh(cap.size);
		if (wk_caps_receive(w, &cap, msg->fd) < 0)
			log_warn("helper sent a capability that does not fit (kind %u, line %u, "
				 "size %u): ignored", cap.kind, cap.line, cap.size);
		return 0;
	case IPC_ANS_LINE_OPS:
		n = msg->hdr.len / sizeof(struct ipc_line_result);
		for (unsigned int i = 0; i < n; i++) {
			struct ipc_line_result res;

			memcpy(&res, msg->payload + i * sizeof(res), sizeof(res));
			res.tag = le32toh(res.tag);
			if (wk_req_answered(w, &res) < 0) {
				log_err("helper answered tag %u out of order", res.tag);
				return -EPROTO;
			}
		}
		wk_fifo_flush(w);
		return 0;
	case IPC_EVT_LINE_EDGE:
		n = msg->hdr.len / sizeof(struct ipc_line_edge);
		for (unsigned int i = 0; i < n; i++) {
			struct ipc_line_edge ev;

			memcpy(&ev, msg->payload + i * sizeof(ev), sizeof(ev));
			vgpio_irq_edge(w->irq, le16toh(ev.line), ev.edge, ev.level);
		}
		return 0;
	default:
		log_err("helper sent an unexpected %s", ipc_type_name(msg->hdr.type));
		return -EPROTO;
	}
}

int hc_receive(struct worker *w, bool block)
{
	static struct ipc_msg msg;
	int ret;

	for (;;) {
		ret = hc_recv_admitted(w, &msg, block);
		if (ret == -EAGAIN || ret == -EWOULDBLOCK)
			return 0;
		if (ret < 0)
			return ret;
		ret = hc_dispatch(w, &msg);
		if (ret < 0 || block)
			return ret;
	}
}

int hc_quiesce(struct worker *w)
{
	while (w->unresolved) {
		int ret = hc_receive(w, true);

		if (ret < 0) {
			wk_helper_lost(w, strerror(-ret));
			return ret;
		}
	}
	return 0;
}
