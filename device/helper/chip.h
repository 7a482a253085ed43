/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The GPIO chip backend interface of the helper. One struct chip per entry
 * of the device list; the helper core (dev.c, lineops.c) talks to it only
 * through struct chip_ops, so a second backend (libgpiod v2 for
 * /dev/gpiochipN) is one more file plus one row in chip.c.
 *
 * Division of labour:
 *   core     validates every request (line < ngpio, value ranges, reserved
 *            fields), owns the per-line irq type, the names block and the
 *            sessions, and refuses SET_IRQ_TYPE on an output line and
 *            SET_DIRECTION(OUT) on a line with an irq enabled.
 *   backend  applies already-valid operations to its lines and reports
 *            level changes it observes through chip->events.edge. It may
 *            report edges for any line; the core forwards only those of
 *            lines whose irq type is not NONE.
 *
 * Errors: ops return 0 or -errno; the core turns any error into
 * VIRTIO_GPIO_STATUS_ERR for that one operation. Lines are 0..ngpio-1 and
 * values are in range when an op is called.
 */
#ifndef HELPER_CHIP_H
#define HELPER_CHIP_H

#include <stdint.h>

struct chip;
struct devlist_entry;

struct chip_ops {
	const char *kind;	/* "sim", later "gpiod"; shown by the sim control "info" */

	/* *dir = VIRTIO_GPIO_DIRECTION_OUT or _IN; a released line reads as IN. */
	int (*get_direction)(struct chip *chip, unsigned int line, uint8_t *dir);
	/*
	 * OUT drives the value last given to set_value; IN stops driving;
	 * NONE releases the line: forget the output value and any edge
	 * detection (the core resets its irq type to NONE itself).
	 */
	int (*set_direction)(struct chip *chip, unsigned int line, uint8_t dir);
	/* The level now: driven value for an output, sensed level for an input. */
	int (*get_value)(struct chip *chip, unsigned int line, uint8_t *value);
	/* Remembered in any direction, driven while the line is an output. */
	int (*set_value)(struct chip *chip, unsigned int line, uint8_t value);
	/*
	 * Start (type != NONE) or stop (NONE) watching an input line. Only
	 * called for input lines. Backends that see every change anyway may
	 * do nothing: the core filters by its own irq type.
	 */
	int (*set_irq_type)(struct chip *chip, unsigned int line, uint8_t type);
	/* Name of @line, or NULL / "" for none. Called once, at open. */
	const char *(*line_name)(struct chip *chip, unsigned int line);

	/*
	 * Optional (NULL when the backend reports edges synchronously, as the
	 * simulator does): an fd the core polls for reading, and the function
	 * it calls when that fd is readable. handle_events reports what it
	 * read through events.edge; the core sends them out when it returns.
	 */
	int (*event_fd)(struct chip *chip);
	int (*handle_events)(struct chip *chip);

	/* Release everything; the chip is gone afterwards. */
	void (*close)(struct chip *chip);
};

/*
 * How a backend reports a level change it observed: @edge is IPC_EDGE_RISING
 * or IPC_EDGE_FALLING, @level the level after it, @ts_ns CLOCK_MONOTONIC.
 * Set by the core right after chip_open(), before any op runs.
 */
struct chip_events {
	void (*edge)(void *ctx, unsigned int line, uint8_t edge, uint8_t level, uint64_t ts_ns);
	void *ctx;
};

/* Backends embed this as their first member (see container_of use in chip_sim.c). */
struct chip {
	const struct chip_ops *ops;
	unsigned int ngpio;		/* 1..IPC_MAX_LINES, fixed after open */
	struct chip_events events;
};

/*
 * Open the chip described by @entry, number @index in the device list.
 * Returns 0 and *chip, or -errno: -EOPNOTSUPP for a kind this build cannot
 * drive (with *why set to a static explanation).
 */
int chip_open(const struct devlist_entry *entry, unsigned int index, struct chip **chip,
	      const char **why);
void chip_close(struct chip *chip);

/* Report an edge to the core (for backends). */
static inline void chip_report_edge(struct chip *chip, unsigned int line, uint8_t edge,
				    uint8_t level, uint64_t ts_ns)
{
	if (chip->events.edge)
		chip->events.edge(chip->events.ctx, line, edge, level, ts_ns);
}

#endif /* HELPER_CHIP_H */
