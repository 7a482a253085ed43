/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by test_soak_irq.c and test_soak_req.c: the size of a soak and
 * its report. VUG_SOAK sets the size: unset, each file's default (160,000
 * interrupt cycles, 500,000 requests; both together about 10 s under ASan
 * on 2 cores); a number, that many; "full", 10^6. Counts and rates are
 * printed, never asserted.
 */
#ifndef FAULTS_SOAK_H
#define FAULTS_SOAK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faults_util.h"

static inline unsigned long soak_size(unsigned long dflt)
{
	const char *s = getenv("VUG_SOAK");
	unsigned long v;

	if (!s || !*s)
		return dflt;
	if (!strcmp(s, "full"))
		return 1000000;
	v = strtoul(s, NULL, 10);
	return v ? v : dflt;
}

static inline void report(const char *what, unsigned long n, const char *unit, long t0)
{
	long ms = fu_now_ms() - t0;

	fprintf(stderr, "  %s: %lu %s in %ld.%03ld s, %.0f/s\n", what, n, unit, ms / 1000,
		ms % 1000, ms > 0 ? n * 1000.0 / ms : 0.0);
}

#endif /* FAULTS_SOAK_H */
