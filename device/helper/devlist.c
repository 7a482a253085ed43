// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Grammar accepted (no spaces, no signs, no empty entries):
 *   list  := entry { ':' entry }          at most IPC_MAX_DEVICES entries
 *   entry := 's' count | chip
 *   count := decimal 1..IPC_MAX_LINES     lines of a simulated chip
 *   chip  := decimal 0..99999999          /dev/gpiochipN
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "helper/devlist.h"

/* Longest decimal we read; keeps the value far from overflow. */
#define DEVLIST_MAX_DIGITS	8
#define DEVLIST_EXPECTED	"expected sN (simulated chip, N = 1..1024 lines) or N (/dev/gpiochipN)"

_Static_assert(IPC_MAX_LINES == 1024, "update DEVLIST_EXPECTED");

/* Strict decimal over [s, s+len): digits only, 1..DEVLIST_MAX_DIGITS of them. */
static bool devlist_number(const char *s, size_t len, unsigned int *out)
{
	unsigned int v = 0;

	if (len == 0 || len > DEVLIST_MAX_DIGITS)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned int)(s[i] - '0');
	}
	*out = v;
	return true;
}

static int devlist_entry(const char *s, size_t len, unsigned int idx, struct devlist *out,
			 char *err, size_t errlen)
{
	struct devlist_entry *e = &out->entry[idx];

	if (len == 0) {
		snprintf(err, errlen, "device %u: empty entry; %s", idx, DEVLIST_EXPECTED);
		return -EINVAL;
	}
	if (s[0] == 's') {
		if (!devlist_number(s + 1, len - 1, &e->num)) {
			snprintf(err, errlen, "device %u: bad entry \"%.*s\"; %s", idx, (int)len, s,
				 DEVLIST_EXPECTED);
			return -EINVAL;
		}
		if (e->num < 1 || e->num > IPC_MAX_LINES) {
			snprintf(err, errlen,
				 "device %u: bad entry \"%.*s\": a simulated chip has 1..%u lines",
				 idx, (int)len, s, IPC_MAX_LINES);
			return -EINVAL;
		}
		e->kind = DEVLIST_SIM;
		return 0;
	}
	if (!devlist_number(s, len, &e->num)) {
		snprintf(err, errlen, "device %u: bad entry \"%.*s\"; %s", idx, (int)len, s,
			 DEVLIST_EXPECTED);
		return -EINVAL;
	}
	e->kind = DEVLIST_HOST;
	for (unsigned int i = 0; i < idx; i++) {
		if (out->entry[i].kind == DEVLIST_HOST && out->entry[i].num == e->num) {
			snprintf(err, errlen, "device %u: /dev/gpiochip%u is already device %u",
				 idx, e->num, i);
			return -EINVAL;
		}
	}
	return 0;
}

int devlist_parse(const char *text, struct devlist *out, char *err, size_t errlen)
{
	const char *p = text;

	out->n = 0;
	if (!text || !*text) {
		snprintf(err, errlen, "empty device list; %s", DEVLIST_EXPECTED);
		return -EINVAL;
	}
	for (;;) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		int ret;

		if (out->n == IPC_MAX_DEVICES) {
			snprintf(err, errlen, "more than %u devices in the list", IPC_MAX_DEVICES);
			return -EINVAL;
		}
		ret = devlist_entry(p, len, out->n, out, err, errlen);
		if (ret < 0)
			return ret;
		out->n++;
		if (!end)
			return 0;
		p = end + 1;
	}
}

void devlist_describe(const struct devlist_entry *entry, char *buf, size_t len)
{
	if (entry->kind == DEVLIST_HOST)
		snprintf(buf, len, "/dev/gpiochip%u", entry->num);
	else
		snprintf(buf, len, "simulated chip (%u lines)", entry->num);
}
