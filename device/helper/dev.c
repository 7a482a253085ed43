// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One device of the list: its chip, the names block built once at open, the
 * per-line irq types, and the edges waiting to go to the device's sessions.
 * Edges are collected as the backend reports them and sent as one
 * IPC_EVT_LINE_EDGE per flush (or earlier when a batch fills), to every
 * open session, in the order they were seen.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "helper/chip.h"
#include "helper/devlist.h"
#include "helper/helper.h"
#include "log.h"
#include "virtio_gpio.h"

/* Longest name we pass on, NUL excluded: keeps every names block in one message. */
#define HELPER_NAME_MAX		31
_Static_assert(sizeof(struct ipc_hdr) + sizeof(struct ipc_device_info) +
	       IPC_MAX_LINES * (sizeof(struct ipc_line_state) + HELPER_NAME_MAX + 1)
	       <= IPC_MSG_MAX, "device info of the largest chip fits one message");

static void dev_edge(void *ctx, unsigned int line, uint8_t edge, uint8_t level, uint64_t ts_ns)
{
	struct helper_dev *dev = ctx;
	struct ipc_line_edge *e;

	/* Backends may report any change; the guest only asked for these. */
	if (line >= dev->ngpio || dev->irq_type[line] == VIRTIO_GPIO_IRQ_TYPE_NONE)
		return;
	if (dev->npending == HELPER_EDGE_BATCH)
		helper_dev_flush(dev);
	e = &dev->pending[dev->npending++];
	memset(e, 0, sizeof(*e));
	e->line = (uint16_t)line;
	e->edge = edge;
	e->level = level;
	e->timestamp_ns = ts_ns;
}

void helper_dev_flush(struct helper_dev *dev)
{
	struct helper_session *s, *next;
	uint32_t len = dev->npending * (uint32_t)sizeof(dev->pending[0]);

	if (!dev->npending)
		return;
	dev->npending = 0;
	for (s = dev->sessions; s; s = next) {
		/* Sending may close s and unlink it; its successor stays valid. */
		next = s->next;
		helper_session_send(s, IPC_EVT_LINE_EDGE, dev->pending, len);
	}
}

void helper_flush_edges(struct helper *h)
{
	for (unsigned int i = 0; i < h->ndevs; i++)
		helper_dev_flush(&h->devs[i]);
}

/* Build the names block; a chip without any name gets names_size 0. */
static int dev_build_names(struct helper_dev *dev)
{
	size_t size = 0, off = 0;
	bool any = false;

	for (unsigned int i = 0; i < dev->ngpio; i++) {
		const char *n = dev->chip->ops->line_name(dev->chip, i);
		size_t len = n ? strnlen(n, HELPER_NAME_MAX) : 0;

		any |= len > 0;
		size += len + 1;
	}
	if (!any)
		return 0;
	dev->names = calloc(1, size);
	if (!dev->names)
		return -ENOMEM;
	for (unsigned int i = 0; i < dev->ngpio; i++) {
		const char *n = dev->chip->ops->line_name(dev->chip, i);
		size_t len = n ? strnlen(n, HELPER_NAME_MAX) : 0;

		/* The guest wants 7-bit ASCII without control characters. */
		for (size_t k = 0; k < len; k++)
			dev->names[off + k] = (n[k] > 0x20 && n[k] < 0x7f) ? (uint8_t)n[k] : '_';
		off += len + 1;
	}
	dev->names_size = (uint32_t)size;
	return 0;
}

static void dev_chip_readable(evutil_socket_t fd, short what, void *arg)
{
	struct helper_dev *dev = arg;
	int ret;

	(void)fd;
	(void)what;
	ret = dev->chip->ops->handle_events(dev->chip);
	if (ret < 0)
		log_warn("device %u: reading chip events failed: %s", dev->index, strerror(-ret));
	helper_dev_flush(dev);
}

int helper_dev_open(struct helper *h, struct helper_dev *dev, unsigned int index,
		    const struct devlist_entry *entry)
{
	const char *why;
	int ret;

	memset(dev, 0, sizeof(*dev));
	dev->h = h;
	dev->index = index;
	ret = chip_open(entry, index, &dev->chip, &why);
	if (ret < 0) {
		char desc[48];

		devlist_describe(entry, desc, sizeof(desc));
		log_err("device %u: %s: %s", index, desc, why ? why : strerror(-ret));
		return ret;
	}
	if (dev->chip->ngpio < 1 || dev->chip->ngpio > IPC_MAX_LINES) {
		log_err("device %u: chip has %u lines, supported are 1..%u", index,
			dev->chip->ngpio, IPC_MAX_LINES);
		ret = -ERANGE;
		goto close_chip;
	}
	dev->ngpio = (uint16_t)dev->chip->ngpio;
	dev->irq_type = calloc(dev->ngpio, 1);
	if (!dev->irq_type) {
		ret = -ENOMEM;
		goto close_chip;
	}
	ret = dev_build_names(dev);
	if (ret < 0)
		goto free_irq;
	dev->chip->events.edge = dev_edge;
	dev->chip->events.ctx = dev;
	if (dev->chip->ops->event_fd && dev->chip->ops->handle_events) {
		int efd = dev->chip->ops->event_fd(dev->chip);

		if (efd >= 0) {
			dev->chip_ev = event_new(h->base, efd, EV_READ | EV_PERSIST,
						 dev_chip_readable, dev);
			if (!dev->chip_ev || event_add(dev->chip_ev, NULL) < 0) {
				ret = -ENOMEM;
				goto free_names;
			}
		}
	}
	log_info("device %u: %s chip with %u lines", index, dev->chip->ops->kind, dev->ngpio);
	return 0;

free_names:
	if (dev->chip_ev)
		event_free(dev->chip_ev);
	free(dev->names);
free_irq:
	free(dev->irq_type);
close_chip:
	chip_close(dev->chip);
	memset(dev, 0, sizeof(*dev));
	return ret;
}

void helper_dev_close(struct helper_dev *dev)
{
	while (dev->sessions)
		helper_session_close(dev->sessions, "helper exiting");
	if (dev->chip_ev)
		event_free(dev->chip_ev);
	chip_close(dev->chip);
	free(dev->names);
	free(dev->irq_type);
	memset(dev, 0, sizeof(*dev));
}
