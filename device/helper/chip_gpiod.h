/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host chip backend: a kernel GPIO character device through libgpiod
 * v2 ("N", "/path" and "label=NAME" in the device list). See chip_gpiod.c
 * for what it does with the lines and which syscalls that takes.
 */
#ifndef HELPER_CHIP_GPIOD_H
#define HELPER_CHIP_GPIOD_H

#include "helper/chip.h"

struct devlist_entry;

/*
 * Open the chip @entry names, device @index of the list. Returns the chip,
 * or NULL with errno set (EINVAL: the entry names no usable GPIO chip) and
 * *why a static explanation when there is one.
 */
struct chip *chip_gpiod_open(const struct devlist_entry *entry, unsigned int index,
			     const char **why);

#endif /* HELPER_CHIP_GPIOD_H */
