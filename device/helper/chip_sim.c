// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Simulated GPIO chip. Semantics, per line:
 *  - direction starts IN; remembered output value starts 0; external input
 *    level starts 0 and changes only through the control socket ("set").
 *  - GET_VALUE reads the output value on an OUT line, the input level on an
 *    IN line.
 *  - SET_VALUE is remembered in any direction and driven while OUT (so the
 *    spec's "set the value, then switch to output" works).
 *  - SET_DIRECTION(OUT) drives the remembered value; IN stops driving.
 *  - SET_DIRECTION(NONE) releases the line: the output value is forgotten
 *    (0) and it floats as an input, so GET_DIRECTION answers IN afterwards
 *    (Linux treats NONE from GET_DIRECTION as an error). The core resets
 *    the irq type to NONE. The external level is outside the chip and stays.
 *  - A change of the external level on an IN line is reported as an edge
 *    (rising or falling, with the new level and a CLOCK_MONOTONIC stamp);
 *    an OUT line keeps driving its own value, the level is only remembered
 *    and becomes visible when the line turns back into an input. Switching
 *    direction reports nothing: the core only allows it with the irq off.
 *  - Every line is named "SIM<device>_L<line>" (e.g. "SIM0_L3"): unique
 *    within the chip and across chips, 7-bit ASCII, at most 12 bytes.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "helper/chip_sim.h"
#include "ipc.h"
#include "virtio_gpio.h"

#define SIM_NAME_MAX	16	/* "SIM63_L1023" + NUL fits with room */

struct sim_line {
	uint8_t dir;
	uint8_t out;
	uint8_t input;
	char name[SIM_NAME_MAX];
};

struct chip_sim {
	struct chip chip;		/* first: struct chip * converts back */
	struct sim_line *lines;		/* chip.ngpio entries */
};

static const struct chip_ops chip_sim_ops;

static struct chip_sim *to_sim(struct chip *chip)
{
	return (struct chip_sim *)((char *)chip - offsetof(struct chip_sim, chip));
}

static uint8_t sim_level(const struct sim_line *l)
{
	return l->dir == VIRTIO_GPIO_DIRECTION_OUT ? l->out : l->input;
}

static int sim_get_direction(struct chip *chip, unsigned int line, uint8_t *dir)
{
	*dir = to_sim(chip)->lines[line].dir;
	return 0;
}

static int sim_set_direction(struct chip *chip, unsigned int line, uint8_t dir)
{
	struct sim_line *l = &to_sim(chip)->lines[line];

	switch (dir) {
	case VIRTIO_GPIO_DIRECTION_NONE:
		l->out = 0;
		l->dir = VIRTIO_GPIO_DIRECTION_IN;
		return 0;
	case VIRTIO_GPIO_DIRECTION_OUT:
	case VIRTIO_GPIO_DIRECTION_IN:
		l->dir = dir;
		return 0;
	default:
		return -EINVAL;
	}
}

static int sim_get_value(struct chip *chip, unsigned int line, uint8_t *value)
{
	*value = sim_level(&to_sim(chip)->lines[line]);
	return 0;
}

static int sim_set_value(struct chip *chip, unsigned int line, uint8_t value)
{
	to_sim(chip)->lines[line].out = value ? 1 : 0;
	return 0;
}

/* Every input change is reported anyway; the core filters by irq type. */
static int sim_set_irq_type(struct chip *chip, unsigned int line, uint8_t type)
{
	(void)chip;
	(void)line;
	(void)type;
	return 0;
}

static const char *sim_line_name(struct chip *chip, unsigned int line)
{
	return to_sim(chip)->lines[line].name;
}

static void sim_close(struct chip *chip)
{
	struct chip_sim *sim = to_sim(chip);

	free(sim->lines);
	free(sim);
}

static const struct chip_ops chip_sim_ops = {
	.kind = "sim",
	.get_direction = sim_get_direction,
	.set_direction = sim_set_direction,
	.get_value = sim_get_value,
	.set_value = sim_set_value,
	.set_irq_type = sim_set_irq_type,
	.line_name = sim_line_name,
	.close = sim_close,
};

struct chip *chip_sim_new(unsigned int index, unsigned int nlines)
{
	struct chip_sim *sim;

	if (nlines < 1 || nlines > IPC_MAX_LINES) {
		errno = EINVAL;
		return NULL;
	}
	sim = calloc(1, sizeof(*sim));
	if (!sim)
		return NULL;
	sim->lines = calloc(nlines, sizeof(*sim->lines));
	if (!sim->lines) {
		free(sim);
		return NULL;
	}
	for (unsigned int i = 0; i < nlines; i++) {
		sim->lines[i].dir = VIRTIO_GPIO_DIRECTION_IN;
		snprintf(sim->lines[i].name, sizeof(sim->lines[i].name), "SIM%u_L%u",
			 index % 1000, i);
	}
	sim->chip.ops = &chip_sim_ops;
	sim->chip.ngpio = nlines;
	return &sim->chip;
}

bool chip_is_sim(const struct chip *chip)
{
	return chip && chip->ops == &chip_sim_ops;
}

static uint64_t sim_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int chip_sim_set_input(struct chip *chip, unsigned int line, uint8_t level, bool lose_edge)
{
	struct sim_line *l;
	uint8_t before;

	if (!chip_is_sim(chip) || line >= chip->ngpio || level > 1)
		return -EINVAL;
	l = &to_sim(chip)->lines[line];
	before = sim_level(l);
	l->input = level;
	if (l->dir == VIRTIO_GPIO_DIRECTION_IN && before != level && !lose_edge)
		chip_report_edge(chip, line, level ? IPC_EDGE_RISING : IPC_EDGE_FALLING, level,
				 sim_now_ns());
	return 0;
}

int chip_sim_get_state(const struct chip *chip, unsigned int line,
		       struct chip_sim_line_state *st)
{
	const struct sim_line *l;

	if (!chip_is_sim(chip) || line >= chip->ngpio)
		return -EINVAL;
	l = &((const struct chip_sim *)chip)->lines[line];
	st->dir = l->dir;
	st->out = l->out;
	st->input = l->input;
	st->level = sim_level(l);
	return 0;
}
