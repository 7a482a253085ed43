/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The simulated chip backend ("sN" in the device list). Besides struct
 * chip_ops it offers what the simulation control socket needs: driving the
 * external input level of a line and reading a line's whole state.
 */
#ifndef HELPER_CHIP_SIM_H
#define HELPER_CHIP_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "helper/chip.h"

struct chip_sim_line_state {
	uint8_t dir;		/* VIRTIO_GPIO_DIRECTION_OUT / _IN */
	uint8_t out;		/* remembered output value */
	uint8_t input;		/* external input level */
	uint8_t level;		/* what GET_VALUE reads */
};

/*
 * NULL with errno on failure. @index names the lines ("SIM<index>_L<line>").
 * @state_fd: the device's state memfd (ipc.h) to keep the lines in and take
 * them over from, or -1.
 */
struct chip *chip_sim_new(unsigned int index, unsigned int nlines, int state_fd);

bool chip_is_sim(const struct chip *chip);

/*
 * Set the external input level of @line (0/1). An input line whose level
 * changes reports the edge synchronously through chip->events before this
 * returns, unless @lose_edge: then the change goes unreported, as on a real
 * chip whose event buffer overflowed (level triggers must still see it).
 * Returns 0 or -EINVAL (not a sim chip, bad line or level).
 */
int chip_sim_set_input(struct chip *chip, unsigned int line, uint8_t level, bool lose_edge);

int chip_sim_get_state(const struct chip *chip, unsigned int line,
		       struct chip_sim_line_state *st);

#endif /* HELPER_CHIP_SIM_H */
