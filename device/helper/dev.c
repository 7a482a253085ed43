// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One device of the list: its chip, the line access policy applied to it
 * (guest <-> chip line maps, input-only lines), the names block built once
 * at open, the per-line irq types, and the edges waiting to go to the
 * device's sessions.
 * Edges are collected as the backend reports them and sent as one
 * IPC_EVT_LINE_EDGE per flush (or earlier when a batch fills), to every
 * open session, in the order the lines first changed. A line appears once
 * per batch: its later edges are merged into its entry (edge bits ORed, the
 * last level and time kept), so a burst on one line costs the worker one
 * entry, and a batch never fills with one noisy line.
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


/* @line is the backend's (a chip line); the guest knows it by dev->guest_line[line]. */
static void dev_edge(void *ctx, unsigned int line, uint8_t edge, uint8_t level, uint64_t ts_ns)
{
	struct helper_dev *dev = ctx;
	struct ipc_line_edge *e;
	unsigned int gline;

	/* Backends may report any change; the guest only asked for these. */
	if (line >= dev->chip->ngpio || dev->guest_line[line] == HELPER_LINE_HIDDEN)
		return;
	gline = dev->guest_line[line];
	if (dev->irq_type[gline] == VIRTIO_GPIO_IRQ_TYPE_NONE)
		return;
	if (dev->pending_slot[gline] != HELPER_NO_SLOT) {
		e = &dev->pending[dev->pending_slot[gline]];
		e->edge |= edge;
		e->level = level;
		e->timestamp_ns = ts_ns;
		return;
	}
	if (dev->npending == HELPER_EDGE_BATCH)
		helper_dev_flush(dev);
	dev->pending_slot[gline] = (uint16_t)dev->npending;
	e = &dev->pending[dev->npending++];
	memset(e, 0, sizeof(*e));
	e->line = (uint16_t)gline;
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
	for (unsigned int i = 0; i < dev->npending; i++)
		dev->pending_slot[dev->pending[i].line] = HELPER_NO_SLOT;
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

/* Name of guest line @i as the guest will see it, before cleaning. */
static const char *dev_raw_name(struct helper_dev *dev, const struct devlist_entry *entry,
				unsigned int i)
{
	if (entry->pol.nnames)
		return entry->pol.name[i];
	return dev->chip->ops->line_name(dev->chip, dev->host_line[i]);
}

typedef char dev_name_t[DEVLIST_NAME_MAX + 1];

/* By name, then by line: the first line of equal names comes first. */
static int dev_name_order(const void *a, const void *b, void *arg)
{
	const dev_name_t *names = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int c = strcmp(names[x], names[y]);

	return c ? c : (x > y) - (x < y);
}

/*
 * Blank every name that an earlier line already has. Sorting keeps this
 * O(n log n): a 65535-line chip would take seconds pairwise.
 */
static int dev_unique_names(struct helper_dev *dev, dev_name_t *clean)
{
	uint32_t *order = malloc(dev->ngpio * sizeof(*order));

	if (!order)
		return -ENOMEM;
	for (uint32_t i = 0; i < dev->ngpio; i++)
		order[i] = i;
	qsort_r(order, dev->ngpio, sizeof(*order), dev_name_order, clean);
	for (uint32_t i = 1, first = order[0]; i < dev->ngpio; i++) {
		uint32_t line = order[i];

		if (!clean[line][0] || strcmp(clean[first], clean[line])) {
			first = line;
			continue;
		}
		log_warn("device %u: guest lines %u and %u are both named \"%s\"; line %u stays "
			 "unnamed", dev->index, first, line, clean[line], line);
		clean[line][0] = '\0';
	}
	free(order);
	return 0;
}

/*
 * Build the names block; a device without any name gets names_size 0.
 * Names are cut to DEVLIST_NAME_MAX bytes and anything but printable 7-bit
 * ASCII becomes '_', the way the guest wants them. They must be unique (the
 * guest finds lines by name): of equal names, the first stays and later
 * ones are blanked with a log line. names= is unique already; a kernel chip
 * may have duplicates, or names equal once cut or cleaned.
 */
static int dev_build_names(struct helper_dev *dev, const struct devlist_entry *entry)
{
	dev_name_t *clean;
	size_t size = 0, off = 0;
	bool any = false;

	clean = calloc(dev->ngpio, sizeof(*clean));
	if (!clean)
		return -ENOMEM;
	for (unsigned int i = 0; i < dev->ngpio; i++) {
		const char *n = dev_raw_name(dev, entry, i);
		size_t len = n ? strnlen(n, DEVLIST_NAME_MAX) : 0;

		for (size_t k = 0; k < len; k++)
			clean[i][k] = (n[k] > 0x20 && n[k] < 0x7f) ? n[k] : '_';
	}
	if (dev_unique_names(dev, clean) < 0) {
		free(clean);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < dev->ngpio; i++) {
		size_t len = strlen(clean[i]);

		any |= len > 0;
		size += len + 1;
	}
	if (any) {
		dev->names = calloc(1, size);
		if (!dev->names) {
			free(clean);
			return -ENOMEM;
		}
		for (unsigned int i = 0; i < dev->ngpio; i++) {
			size_t len = strlen(clean[i]);

			memcpy(dev->names + off, clean[i], len);
			off += len + 1;
		}
		dev->names_size = (uint32_t)size;
	}
	free(clean);
	return 0;
}

/*
 * Apply the entry's access policy to the opened chip: which chip lines the
 * guest sees and as which guest line, which are input-only. A chip that two
 * entries share (same host_id) must not give a line to both.
 */
static int dev_apply_policy(struct helper *h, struct helper_dev *dev,
			    const struct devlist_entry *entry)
{
	const struct devlist_policy *pol = &entry->pol;
	unsigned int nchip = dev->chip->ngpio;
	char err[256];

	if (devlist_check_chip(entry, dev->index, nchip, err, sizeof(err)) < 0) {
		log_err("%s", err);
		return -EINVAL;
	}
	dev->ngpio = (uint16_t)devlist_visible(entry, nchip);
	dev->remapped = pol->nlines != 0;
	dev->host_line = calloc(dev->ngpio, sizeof(*dev->host_line));
	dev->guest_line = malloc(nchip * sizeof(*dev->guest_line));
	dev->input_only = calloc(dev->ngpio, 1);
	if (!dev->host_line || !dev->guest_line || !dev->input_only)
		return -ENOMEM;
	for (unsigned int l = 0; l < nchip; l++)
		dev->guest_line[l] = HELPER_LINE_HIDDEN;
	for (unsigned int i = 0; i < dev->ngpio; i++) {
		dev->host_line[i] = (uint16_t)(pol->nlines ? pol->line[i] : i);
		dev->guest_line[dev->host_line[i]] = (uint16_t)i;
	}
	for (unsigned int i = 0; i < pol->ninput; i++)
		dev->input_only[dev->guest_line[pol->input[i]]] = 1;
	for (unsigned int d = 0; dev->chip->host_id && d < dev->index; d++) {
		const struct helper_dev *o = &h->devs[d];

		if (o->chip->host_id != dev->chip->host_id)
			continue;
		for (unsigned int i = 0; i < o->ngpio; i++) {
			if (dev->guest_line[o->host_line[i]] != HELPER_LINE_HIDDEN) {
				log_err("device %u: host line %u is also device %u's: entries of "
					"one chip need disjoint lines=", dev->index,
					o->host_line[i], d);
				return -EINVAL;
			}
		}
	}
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
		    const struct devlist_entry *entry, int state_fd)
{
	const char *why;
	unsigned int ninput = 0;
	int ret;

	memset(dev, 0, sizeof(*dev));
	dev->h = h;
	dev->index = index;
	ret = chip_open(entry, index, state_fd, &dev->chip, &why);
	if (ret < 0) {
		char desc[DEVLIST_PATH_MAX + 32];

		devlist_describe(entry, desc, sizeof(desc));
		log_err("device %u: %s: %s", index, desc, why ? why : strerror(-ret));
		return ret;
	}
	if (dev->chip->ngpio < 1 || dev->chip->ngpio > DEVLIST_HOST_LINES) {
		log_err("device %u: chip has %u lines, supported are 1..%u", index,
			dev->chip->ngpio, DEVLIST_HOST_LINES);
		ret = -ERANGE;
		goto fail;
	}
	ret = dev_apply_policy(h, dev, entry);
	if (ret < 0)
		goto fail;
	dev->irq_type = calloc(dev->ngpio, 1);
	dev->pending_slot = malloc(dev->ngpio * sizeof(*dev->pending_slot));
	if (!dev->irq_type || !dev->pending_slot) {
		ret = -ENOMEM;
		goto fail;
	}
	for (unsigned int i = 0; i < dev->ngpio; i++)
		dev->pending_slot[i] = HELPER_NO_SLOT;
	ret = dev_build_names(dev, entry);
	if (ret < 0)
		goto fail;
	helper_caps_dev_init(dev, h->line_caps);
	ret = helper_state_map(dev, state_fd);
	if (ret < 0)
		goto fail;
	dev->chip->events.edge = dev_edge;
	dev->chip->events.ctx = dev;
	if (dev->chip->ops->event_fd && dev->chip->ops->handle_events) {
		int efd = dev->chip->ops->event_fd(dev->chip);

		if (efd >= 0) {
			dev->chip_ev = event_new(h->base, efd, EV_READ | EV_PERSIST,
						 dev_chip_readable, dev);
			if (!dev->chip_ev || event_add(dev->chip_ev, NULL) < 0) {
				ret = -ENOMEM;
				goto fail;
			}
		}
	}
	helper_state_restore(dev);
	for (unsigned int i = 0; i < dev->ngpio; i++)
		ninput += dev->input_only[i];
	if (dev->ngpio != dev->chip->ngpio || dev->remapped || ninput)
		log_info("device %u: %s chip with %u lines; the guest sees %u, %u of them "
			 "input-only", index, dev->chip->ops->kind, dev->chip->ngpio, dev->ngpio,
			 ninput);
	else
		log_info("device %u: %s chip with %u lines", index, dev->chip->ops->kind,
			 dev->ngpio);
	return 0;

fail:
	helper_dev_close(dev);
	return ret;
}

void helper_dev_close(struct helper_dev *dev)
{
	while (dev->sessions)
		helper_session_close(dev->sessions, "helper exiting");
	if (dev->chip_ev)
		event_free(dev->chip_ev);
	if (dev->chip)
		helper_state_unmap(dev);
	chip_close(dev->chip);
	free(dev->names);
	free(dev->irq_type);
	free(dev->pending_slot);
	free(dev->host_line);
	free(dev->guest_line);
	free(dev->input_only);
	memset(dev, 0, sizeof(*dev));
}
