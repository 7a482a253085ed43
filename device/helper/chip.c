// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Backend selection: the one place that maps a device list entry to a chip
 * implementation. A libgpiod backend adds its row here and nothing else in
 * the core changes.
 */
#include <errno.h>

#include "helper/chip.h"
#include "helper/chip_sim.h"
#include "helper/devlist.h"

int chip_open(const struct devlist_entry *entry, unsigned int index, struct chip **chip,
	      const char **why)
{
	*chip = NULL;
	*why = NULL;
	switch (entry->kind) {
	case DEVLIST_SIM:
		*chip = chip_sim_new(index, entry->num);
		return *chip ? 0 : -errno;
	case DEVLIST_HOST:
		*why = "host chips are not supported yet";
		return -EOPNOTSUPP;
	}
	*why = "unknown device kind";
	return -EINVAL;
}

void chip_close(struct chip *chip)
{
	if (chip)
		chip->ops->close(chip);
}
