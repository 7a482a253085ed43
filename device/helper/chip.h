/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The GPIO chip backend interface of the helper. One struct chip per entry
 * of the device list; the helper core (dev.c, lineops.c) talks to it only
 * through struct chip_ops. Backends: chip_sim.c ("sN") and chip_gpiod.c
 * (host chips through libgpiod v2); chip.c picks one.
 *
 * Division of labour:
 *   core     validates every request (line < ngpio, value ranges, reserved
 *            fields), applies the entry's line access policy (which host
 *            lines the guest sees, under which guest number and name, which
 *            are input-only), owns the per-line irq type, the names block
 *            and the sessions, and refuses SET_IRQ_TYPE on an output line
 *            and SET_DIRECTION(OUT) on a line with an irq enabled.
 *   backend  applies already-valid operations to its lines and reports
 *            level changes it observes through chip->events.edge. It may
 *            report edges for any line; the core forwards only those of
 *            visible lines whose irq type is not NONE.
 *
 * Line numbers here are always the chip's own (host lines); the core never
 * passes a line the policy hides. Errors: ops return 0 or -errno; the core
 * turns any error into VIRTIO_GPIO_STATUS_ERR for that one operation. Lines
 * are 0..ngpio-1 and values are in range when an op is called.
 */
#ifndef HELPER_CHIP_H
#define HELPER_CHIP_H

#include <stdint.h>

struct chip;
struct devlist_entry;

/* What line_cap hands out; the fields are those of struct ipc_line_cap. */
struct chip_cap {
	uint8_t kind;		/* enum ipc_cap_kind */
	uint8_t dir;		/* LINE_REQUEST: VIRTIO_GPIO_DIRECTION_OUT / _IN now */
	uint32_t size;		/* SIM_TABLE: bytes */
	int fd;
};

struct chip_ops {
	const char *kind;	/* "sim" or "gpiod"; shown by the sim control "info" */

	/*
	 * *dir = VIRTIO_GPIO_DIRECTION_OUT or _IN. A line the guest released
	 * (or never used) reads as the chip has it: IN for the simulator, the
	 * kernel's current direction for a host line, which is OUT when the
	 * last consumer left it driving. Linux asks this for every line at
	 * probe and shows the answer in gpioinfo, so it must be the truth.
	 */
	int (*get_direction)(struct chip *chip, unsigned int line, uint8_t *dir);
	/*
	 * OUT drives the value last given to set_value; IN stops driving;
	 * NONE releases the line: forget the output value and any edge
	 * detection (the core resets its irq type to NONE itself).
	 */
	int (*set_direction)(struct chip *chip, unsigned int line, uint8_t dir);
	/* The level now: driven value for an output, sensed level for an input. */
	int (*get_value)(struct chip *chip, unsigned int line, uint8_t *value);
	/*
	 * Optional (NULL: get_value has no side effects): the level for
	 * DEVICE_INFO, or -ENODATA when reading it would take hold of a line
	 * the guest has not used yet (a host line must be requested to be
	 * read). The core reports such a line as level 0.
	 */
	int (*peek_value)(struct chip *chip, unsigned int line, uint8_t *value);
	/* Remembered in any direction, driven while the line is an output. */
	int (*set_value)(struct chip *chip, unsigned int line, uint8_t value);
	/*
	 * Start (type != NONE) or stop (NONE) watching an input line. Only
	 * called for input lines. Backends that see every change anyway may
	 * do nothing: the core filters by its own irq type.
	 */
	int (*set_irq_type)(struct chip *chip, unsigned int line, uint8_t type);
	/*
	 * Optional: a capability for GET_VALUE / SET_VALUE of @line that the
	 * worker may use without the helper (IPC_EVT_LINE_CAP in ipc.h; the
	 * core decides whether to hand it out). Returns 0 with *cap, or
	 * -ENOENT when there is none now (a host line that is not held). The
	 * fd stays the backend's: valid until the line is released (kind
	 * LINE_REQUEST) or the chip closes (SIM_TABLE).
	 */
	int (*line_cap)(struct chip *chip, unsigned int line, struct chip_cap *cap);
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
	unsigned int ngpio;		/* 1..DEVLIST_HOST_LINES, fixed after open */
	struct chip_events events;
	/*
	 * Set by host backends: the same nonzero value for every chip_open()
	 * of one kernel chip (device number + 1), so the core can refuse two
	 * entries sharing its lines however each one named the chip. 0: none.
	 */
	uint64_t host_id;
	/*
	 * Most fds the backend may open after chip_open() returned (the jail's
	 * RLIMIT_NOFILE is set from it); the chip's own fds are already open.
	 */
	unsigned int max_runtime_fds;
};

/*
 * Open the chip described by @entry, number @index in the device list.
 * Returns 0 and *chip, or -errno with *why set to a static explanation when
 * there is one: -EINVAL when the entry names no usable chip (no such file,
 * not a GPIO chip, no chip with that label: a configuration error),
 * -EOPNOTSUPP for a kind this build cannot drive. Backends see the entry's
 * policy (to report visible lines that another consumer holds); applying it
 * is the core's job. @state_fd is the device's state memfd (ipc.h) or -1; the
 * simulated chip keeps its lines there.
 */
int chip_open(const struct devlist_entry *entry, unsigned int index, int state_fd,
	      struct chip **chip, const char **why);
void chip_close(struct chip *chip);

/* Report an edge to the core (for backends). */
static inline void chip_report_edge(struct chip *chip, unsigned int line, uint8_t edge,
				    uint8_t level, uint64_t ts_ns)
{
	if (chip->events.edge)
		chip->events.edge(chip->events.ctx, line, edge, level, ts_ns);
}

#endif /* HELPER_CHIP_H */
