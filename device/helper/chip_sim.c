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
 *
 * Shared table: the output values live in a sealed memfd of struct
 * ipc_sim_cell, one per line, which also carries copies of each line's
 * direction and input level. It is the simulated counterpart of a kernel
 * line request: the core may hand it to the worker (IPC_CAP_SIM_TABLE), which
 * then answers GET_VALUE and SET_VALUE itself. Direction and input level stay
 * ours (the copies are written, never read back), so a worker can only do
 * to the table what its guest may do anyway with SET_VALUE. The seals stop
 * it from shrinking the memfd under our mapping. Without memfds the table is
 * private memory and there is nothing to hand out. A helper started again
 * after one died (--helper-restarts) gets the broker's state memfd of the
 * device and takes the lines over as they were: directions, output values
 * and external levels (ipc.h, IPC_STATE_SIZE).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "helper/chip_sim.h"
#include "ipc.h"
#include "virtio_gpio.h"

#define SIM_NAME_MAX	16	/* "SIM63_L1023" + NUL fits with room */

struct sim_line {
	uint8_t dir;
	uint8_t input;
	char name[SIM_NAME_MAX];
};

struct chip_sim {
	struct chip chip;		/* first: struct chip * converts back */
	struct sim_line *lines;		/* chip.ngpio entries */
	struct ipc_sim_cell *cells;	/* chip.ngpio entries, shared when table_fd >= 0 */
	size_t table_size;
	int table_fd;			/* sealed memfd of cells, or -1 */
	bool table_borrowed;		/* table_fd is the state memfd: not ours to close */
};

static const struct chip_ops chip_sim_ops;

static struct chip_sim *to_sim(struct chip *chip)
{
	return (struct chip_sim *)((char *)chip - offsetof(struct chip_sim, chip));
}

/* The worker may write any byte there: only 0 counts as low. */
static uint8_t sim_out(const struct chip_sim *sim, unsigned int line)
{
	return __atomic_load_n(&sim->cells[line].out, __ATOMIC_ACQUIRE) ? 1 : 0;
}

static void sim_store(uint8_t *cell_byte, uint8_t v)
{
	__atomic_store_n(cell_byte, v, __ATOMIC_RELEASE);
}

static uint8_t sim_level(const struct chip_sim *sim, unsigned int line)
{
	const struct sim_line *l = &sim->lines[line];

	return l->dir == VIRTIO_GPIO_DIRECTION_OUT ? sim_out(sim, line) : l->input;
}

static int sim_get_direction(struct chip *chip, unsigned int line, uint8_t *dir)
{
	*dir = to_sim(chip)->lines[line].dir;
	return 0;
}

static int sim_set_direction(struct chip *chip, unsigned int line, uint8_t dir)
{
	struct chip_sim *sim = to_sim(chip);
	struct sim_line *l = &sim->lines[line];

	switch (dir) {
	case VIRTIO_GPIO_DIRECTION_NONE:
		sim_store(&sim->cells[line].out, 0);
		l->dir = VIRTIO_GPIO_DIRECTION_IN;
		break;
	case VIRTIO_GPIO_DIRECTION_OUT:
	case VIRTIO_GPIO_DIRECTION_IN:
		l->dir = dir;
		break;
	default:
		return -EINVAL;
	}
	sim_store(&sim->cells[line].dir, l->dir);
	return 0;
}

static int sim_get_value(struct chip *chip, unsigned int line, uint8_t *value)
{
	*value = sim_level(to_sim(chip), line);
	return 0;
}

static int sim_set_value(struct chip *chip, unsigned int line, uint8_t value)
{
	sim_store(&to_sim(chip)->cells[line].out, value ? 1 : 0);
	return 0;
}

static int sim_line_cap(struct chip *chip, unsigned int line, struct chip_cap *cap)
{
	struct chip_sim *sim = to_sim(chip);

	(void)line;
	if (sim->table_fd < 0)
		return -ENOENT;
	cap->kind = IPC_CAP_SIM_TABLE;
	cap->dir = 0;
	cap->size = (uint32_t)sim->table_size;
	cap->fd = sim->table_fd;
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

static void sim_table_free(struct chip_sim *sim)
{
	if (sim->table_fd >= 0) {
		munmap(sim->cells, sim->table_size);
		if (!sim->table_borrowed)
			close(sim->table_fd);
	} else {
		free(sim->cells);
	}
}

static void sim_close(struct chip *chip)
{
	struct chip_sim *sim = to_sim(chip);

	sim_table_free(sim);
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
	.line_cap = sim_line_cap,
	.line_name = sim_line_name,
	.close = sim_close,
};

/*
 * The cells: in @state_fd (a restarted helper's state memfd, >= 0), else in a
 * sealed memfd of our own (so they can be shared), else in private memory.
 * Returns whether the cells came from an earlier helper.
 */
static int sim_table_new(struct chip_sim *sim, unsigned int nlines, int state_fd)
{
	const int seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;
	void *p;

	sim->table_size = (size_t)nlines * sizeof(struct ipc_sim_cell);
	if (state_fd >= 0) {
		p = mmap(NULL, sim->table_size, PROT_READ | PROT_WRITE, MAP_SHARED, state_fd, 0);
		if (p == MAP_FAILED)
			return -errno;
		sim->cells = p;
		sim->table_fd = state_fd;
		sim->table_borrowed = true;
		return 0;
	}
	sim->table_fd = memfd_create("vhost-user-gpio-sim", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (sim->table_fd >= 0) {
		if (ftruncate(sim->table_fd, (off_t)sim->table_size) == 0 &&
		    fcntl(sim->table_fd, F_ADD_SEALS, seals) == 0) {
			p = mmap(NULL, sim->table_size, PROT_READ | PROT_WRITE, MAP_SHARED,
				 sim->table_fd, 0);
			if (p != MAP_FAILED) {
				sim->cells = p;
				return 0;
			}
		}
		close(sim->table_fd);
		sim->table_fd = -1;
	}
	sim->cells = calloc(nlines, sizeof(*sim->cells));
	return sim->cells ? 0 : -ENOMEM;
}

/*
 * A line as the previous helper left it, or fresh. The cells were shared
 * with a worker: anything not a direction or a level counts as fresh.
 */
static void sim_line_init(struct chip_sim *sim, unsigned int line)
{
	struct ipc_sim_cell *c = &sim->cells[line];
	uint8_t dir = __atomic_load_n(&c->dir, __ATOMIC_ACQUIRE);

	if (dir != VIRTIO_GPIO_DIRECTION_OUT && dir != VIRTIO_GPIO_DIRECTION_IN) {
		memset(c, 0, sizeof(*c));
		dir = VIRTIO_GPIO_DIRECTION_IN;
	}
	sim->lines[line].dir = dir;
	sim->lines[line].input = __atomic_load_n(&c->input, __ATOMIC_ACQUIRE) ? 1 : 0;
	sim_store(&c->dir, dir);
	sim_store(&c->input, sim->lines[line].input);
}

struct chip *chip_sim_new(unsigned int index, unsigned int nlines, int state_fd)
{
	struct chip_sim *sim;

	if (nlines < 1 || nlines > IPC_MAX_LINES) {
		errno = EINVAL;
		return NULL;
	}
	sim = calloc(1, sizeof(*sim));
	if (!sim)
		return NULL;
	sim->table_fd = -1;
	sim->lines = calloc(nlines, sizeof(*sim->lines));
	if (!sim->lines || sim_table_new(sim, nlines, state_fd) < 0) {
		free(sim->lines);
		free(sim);
		errno = ENOMEM;
		return NULL;
	}
	for (unsigned int i = 0; i < nlines; i++) {
		sim_line_init(sim, i);
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
	struct chip_sim *sim;
	struct sim_line *l;
	uint8_t before;

	if (!chip_is_sim(chip) || line >= chip->ngpio || level > 1)
		return -EINVAL;
	sim = to_sim(chip);
	l = &sim->lines[line];
	before = sim_level(sim, line);
	l->input = level;
	/* Before the edge goes out: a worker reading after it sees the new level. */
	sim_store(&sim->cells[line].input, level);
	if (l->dir == VIRTIO_GPIO_DIRECTION_IN && before != level && !lose_edge)
		chip_report_edge(chip, line, level ? IPC_EDGE_RISING : IPC_EDGE_FALLING, level,
				 sim_now_ns());
	return 0;
}

int chip_sim_get_state(const struct chip *chip, unsigned int line,
		       struct chip_sim_line_state *st)
{
	const struct chip_sim *sim;
	const struct sim_line *l;

	if (!chip_is_sim(chip) || line >= chip->ngpio)
		return -EINVAL;
	sim = (const struct chip_sim *)chip;
	l = &sim->lines[line];
	st->dir = l->dir;
	st->out = sim_out(sim, line);
	st->input = l->input;
	st->level = sim_level(sim, line);
	return 0;
}
