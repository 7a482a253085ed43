// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Backend selection: the one place that maps a device list entry to a chip
 * implementation.
 */
#include <errno.h>

#include "helper/chip.h"
#include "helper/chip_gpiod.h"
#include "helper/chip_sim.h"
#include "helper/devlist.h"

int chip_open(const struct devlist_entry *entry, unsigned int index, int state_fd,
	      struct chip **chip, const char **why)
{
	*chip = NULL;
	*why = NULL;
	switch (entry->kind) {
	case DEVLIST_SIM:
		*chip = chip_sim_new(index, entry->num, state_fd);
		return *chip ? 0 : -errno;
	case DEVLIST_HOST:
	case DEVLIST_PATH:
	case DEVLIST_LABEL:
		*chip = chip_gpiod_open(entry, index, why);
		return *chip ? 0 : -errno;
	}
	*why = "unknown device kind";
	return -EINVAL;
}

void chip_close(struct chip *chip)
{
	if (chip)
		chip->ops->close(chip);
}
