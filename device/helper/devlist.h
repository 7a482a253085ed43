/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The device list of the command line, in the syntax of rust-vmm's
 * vhost-device-gpio: entries separated by ':', one per guest device.
 *   sN   a simulated chip with N lines, 1 <= N <= IPC_MAX_LINES
 *   N    the host chip /dev/gpiochipN (decimal, listed at most once)
 * Pure parsing: whether a kind can be opened is chip_open()'s business.
 */
#ifndef HELPER_DEVLIST_H
#define HELPER_DEVLIST_H

#include <stddef.h>

#include "ipc.h"

enum devlist_kind {
	DEVLIST_SIM,
	DEVLIST_HOST,
};

struct devlist_entry {
	enum devlist_kind kind;
	unsigned int num;		/* SIM: number of lines; HOST: N of /dev/gpiochipN */
};

struct devlist {
	unsigned int n;
	struct devlist_entry entry[IPC_MAX_DEVICES];
};

/*
 * Parse @text into @out. Returns 0, or -EINVAL with a message naming the
 * bad entry in @err (e.g. "device 1: bad entry \"sx\": ...").
 */
int devlist_parse(const char *text, struct devlist *out, char *err, size_t errlen);

/* "/dev/gpiochip3" or "simulated chip (8 lines)", for messages. */
void devlist_describe(const struct devlist_entry *entry, char *buf, size_t len);

#endif /* HELPER_DEVLIST_H */
