/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The device list of the command line: entries separated by ':', one per
 * guest device. An entry names a chip (sN, N, /path or label=NAME) and may
 * add a line access policy (lines=, input-only=, names=), all separated by
 * ','. The grammar and its reasons are at the top of devlist.c.
 *
 * Pure parsing plus the checks that need a chip's line count: whether a
 * chip can be opened is chip_open()'s business.
 */
#ifndef HELPER_DEVLIST_H
#define HELPER_DEVLIST_H

#include <stddef.h>
#include <stdint.h>

#include "ipc.h"

/* Host line numbers are 0..65535: gpiolib counts a chip's lines in a u16. */
#define DEVLIST_HOST_LINES	65536
/* Longest guest-visible name of names= (and the helper's cap on chip names). */
#define DEVLIST_NAME_MAX	31
/* Longest chip path; a label is at most 31 bytes, as the kernel's. */
#define DEVLIST_PATH_MAX	255
#define DEVLIST_LABEL_MAX	31

enum devlist_kind {
	DEVLIST_SIM,		/* sN */
	DEVLIST_HOST,		/* N: /dev/gpiochipN */
	DEVLIST_PATH,		/* /path: a GPIO character device or a symlink to one */
	DEVLIST_LABEL,		/* label=NAME: the host chip with that label */
};

/*
 * What the guest may see and do. Guest line i is host line line[i]; without
 * lines= it is host line i and the guest sees the whole chip.
 */
struct devlist_policy {
	unsigned int nlines;	/* 0: no lines=, every line of the chip */
	uint16_t *line;		/* [nlines] host line of each guest line */
	unsigned int ninput;
	uint16_t *input;	/* [ninput] input-only host lines */
	unsigned int nnames;	/* 0: no names=, the chip's own names */
	char (*name)[DEVLIST_NAME_MAX + 1]; /* [nnames] by guest line; "" = no name */
};

struct devlist_entry {
	enum devlist_kind kind;
	unsigned int num;		/* SIM: number of lines; HOST: N of /dev/gpiochipN */
	char *spec;			/* PATH: the path; LABEL: the label; else NULL */
	struct devlist_policy pol;
};

struct devlist {
	unsigned int n;
	struct devlist_entry entry[IPC_MAX_DEVICES];
};

/*
 * Parse @text into @out. Returns 0, or -EINVAL (-ENOMEM) with a message
 * naming the bad entry in @err (e.g. "device 1: bad entry \"sx\": ...");
 * on error nothing stays allocated. Free a parsed list with devlist_free().
 */
int devlist_parse(const char *text, struct devlist *out, char *err, size_t errlen);
void devlist_free(struct devlist *dl);

/*
 * The checks that need the chip's line count @ngpio (done by
 * devlist_parse() for simulated chips, at open for host chips): every line
 * of lines= and input-only= exists, the guest sees 1..IPC_MAX_LINES lines,
 * names= has one name per guest line. Returns 0 or -EINVAL with @err set.
 */
int devlist_check_chip(const struct devlist_entry *e, unsigned int index, unsigned int ngpio,
		       char *err, size_t errlen);

/* Lines the guest sees on a chip of @ngpio lines. */
unsigned int devlist_visible(const struct devlist_entry *e, unsigned int ngpio);

/* "/dev/gpiochip3", "chip labelled \"x\"" or "simulated chip (8 lines)", for messages. */
void devlist_describe(const struct devlist_entry *entry, char *buf, size_t len);

#endif /* HELPER_DEVLIST_H */
