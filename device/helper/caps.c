// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Line capabilities handed to a session's worker (IPC_EVT_LINE_CAP), so that
 * GET_VALUE and SET_VALUE need no helper hop. What the worker gets is never
 * more than its guest may do through us:
 *  - a host line's request fd, only while we hold the line for this guest,
 *    never for an input-only line (the kernel still has it as an output
 *    when the guest only read it), and at most IPC_MAX_LINE_CAPS per
 *    session (each is an fd in the worker). The worker's seccomp filter
 *    allows only the two value ioctls on it, so direction, bias, drive and
 *    edge detection stay ours; the kernel refuses values of input lines.
 *  - the value table of a simulated chip, only when the guest sees the
 *    whole chip with no input-only line, so every cell is a line it may
 *    read and drive anyway (chip_sim.c keeps direction and input level).
 * A capability is offered after an op that succeeded on its line (the op
 * that made us hold it), before the op's answer goes out, and only when
 * nothing waits in the session's send queue (an fd cannot wait there).
 * Release: the worker closes its copy first; chip_gpiod.c checks.
 */
#include <errno.h>
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "helper/chip.h"
#include "helper/helper.h"
#include "log.h"
#include "virtio_gpio.h"

void helper_caps_dev_init(struct helper_dev *dev, bool enabled)
{
	const struct chip_ops *ops = dev->chip->ops;
	bool whole = !dev->remapped && dev->ngpio == dev->chip->ngpio;

	for (unsigned int i = 0; whole && i < dev->ngpio; i++)
		if (dev->input_only[i])
			whole = false;
	dev->caps = enabled && ops->line_cap;
	/* A table covers every chip line; only a guest that owns them all gets one. */
	dev->caps_table_ok = whole;
}

void helper_caps_session_free(struct helper_session *s)
{
	free(s->cap_given);
	s->cap_given = NULL;
}

static void caps_send(struct helper_session *s, uint16_t gline, const struct chip_cap *cap)
{
	struct ipc_line_cap msg = {
		.line = htole16(cap->kind == IPC_CAP_LINE_REQUEST ? gline : 0),
		.kind = cap->kind,
		.dir = cap->kind == IPC_CAP_LINE_REQUEST ? cap->dir : 0,
		.size = htole32(cap->size),
	};
	int ret = ipc_send(s->fd, IPC_EVT_LINE_CAP, &msg, sizeof(msg), cap->fd);

	if (ret < 0) {
		/* Full socket: the slow path still works, offer it again later. */
		if (ret != -EAGAIN && ret != -EWOULDBLOCK)
			log_debug("device %u: session %u: capability not sent: %s",
				  s->dev->index, s->id, strerror(-ret));
		return;
	}
	if (cap->kind == IPC_CAP_SIM_TABLE) {
		s->table_given = true;
	} else {
		s->cap_given[gline] = 1;
		s->ncaps++;
	}
}

void helper_caps_after_op(struct helper_session *s, const struct ipc_line_op *op,
			  const struct ipc_line_result *res)
{
	struct helper_dev *dev = s->dev;
	struct chip_cap cap;
	uint16_t gline = op->line;

	if (!dev->caps || s->dead || gline >= dev->ngpio)
		return;
	if (op->op == IPC_OP_SET_DIRECTION && op->value == VIRTIO_GPIO_DIRECTION_NONE) {
		/* The worker closed its copy before asking (or the chip reports it). */
		if (s->cap_given && s->cap_given[gline]) {
			s->cap_given[gline] = 0;
			s->ncaps--;
		}
		return;
	}
	if (res->status != VIRTIO_GPIO_STATUS_OK || s->outq || s->table_given)
		return;
	if (s->cap_given && s->cap_given[gline])
		return;
	if (dev->chip->ops->line_cap(dev->chip, dev->host_line[gline], &cap) < 0)
		return;
	if (cap.kind == IPC_CAP_SIM_TABLE) {
		if (dev->caps_table_ok)
			caps_send(s, gline, &cap);
		return;
	}
	if (dev->input_only[gline] || s->ncaps >= IPC_MAX_LINE_CAPS)
		return;
	if (!s->cap_given) {
		s->cap_given = calloc(dev->ngpio, 1);
		if (!s->cap_given)
			return;
	}
	caps_send(s, gline, &cap);
}
