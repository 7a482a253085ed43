/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the two files of the host chip backend: chip_gpiod.c (the line
 * operations and edge events) and chip_gpiod_open.c (finding and opening
 * the chip, reading its line names). Private to them.
 */
#ifndef HELPER_CHIP_GPIOD_INT_H
#define HELPER_CHIP_GPIOD_INT_H

#include <stdbool.h>

#include <gpiod.h>

#include "helper/chip.h"

#define GPIOD_CONSUMER		"vhost-user-gpio"
#define GPIOD_EVENTS_MAX	16	/* edge events read at once from one line */
#define GPIOD_READY_MAX		16	/* ready request fds taken per handle_events */

struct gpiod_hline {
	struct gpiod_line_request *req;	/* NULL: not held */
	uint8_t dir;			/* while held: VIRTIO_GPIO_DIRECTION_OUT / _IN */
	uint8_t out;			/* remembered output value */
	bool edges;			/* held as an input with edge detection */
	bool busy_logged;		/* "in use by" said once until a request works */
	bool broken;			/* its fd failed; no longer watched */
	bool shared;			/* its request fd went to a worker (line_cap) */
	unsigned long seqno;		/* last line_seqno seen */
	char *name;			/* the kernel's name, NULL for none or hidden */
};

struct chip_gpiod {
	struct chip chip;		/* first: struct chip * converts back */
	unsigned int index;		/* device index, for logs */
	struct gpiod_chip *gc;
	int epfd;
	struct gpiod_line_settings *settings;
	struct gpiod_line_config *lcfg;
	struct gpiod_request_config *rcfg;
	struct gpiod_edge_event_buffer *evbuf;
	struct gpiod_hline *lines;	/* [chip.ngpio] */
};

extern const struct chip_ops chip_gpiod_ops;

/* Release everything of @chip (a struct chip_gpiod), however far its opening got. */
void chip_gpiod_close(struct chip *chip);

#endif /* HELPER_CHIP_GPIOD_INT_H */
