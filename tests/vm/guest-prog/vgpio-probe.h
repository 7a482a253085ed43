/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vgpio-probe's checks and their shared pieces (vgpio-probe.c has the usage). */
#ifndef VGPIO_PROBE_H
#define VGPIO_PROBE_H

#include <sys/types.h>

#include "../../frontend/tfe.h"

#define MAXL		64
#define EVT_MS		3000	/* an edge reaches the eventq (TCG, jailed daemon) */
#define QUIET_MS	250	/* how long "nothing comes back" is watched */

extern struct tfe *t;
extern unsigned int ngpio;
extern int host[MAXL];		/* guest line -> gpio-sim line */

/* The current check failed because...; report() ends it with PASS or FAIL. */
void miss(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* gpio-sim's sysfs of guest line @g's host line */
int sim_value(unsigned int g);
void sim_pull(unsigned int g, int up);
void expect_sim(unsigned int g, int level, const char *when);

/* Requests that must succeed or return @want; eventq buffers. */
void ok(uint16_t type, unsigned int g, uint32_t value);
void expect_get(uint16_t type, unsigned int g, int want);
void irq_type(unsigned int g, uint32_t type);
void arm(unsigned int g);
void expect_evt(unsigned int g, int status, const char *when);
void expect_quiet(const char *when);

/* probe_restart.c */
void check_restart(pid_t broker);

#endif
