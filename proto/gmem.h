/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guest memory map: the regions a front-end shared with SET_MEM_TABLE, mapped
 * into this process. Two address spaces translate to host pointers: guest
 * physical addresses (descriptor addr fields) and front-end virtual addresses
 * (ring addresses in SET_VRING_ADDR). A translation succeeds only when the
 * whole [addr, addr+len) range lies inside one region.
 *
 * Errors: 0 or -errno; translations return NULL.
 */
#ifndef GMEM_H
#define GMEM_H

#include <stdint.h>
#include <stddef.h>
#include "vu_proto.h"

struct gmem_region {
	uint64_t gpa;		/* guest physical start */
	uint64_t size;
	uint64_t uva;		/* front-end virtual start */
	uint8_t *host;		/* host pointer to gpa (map + mmap_offset) */
	void *map;		/* what mmap() returned, for munmap() */
	size_t map_len;
};

struct gmem {
	unsigned int nregions;
	struct gmem_region regions[VU_MAX_MEM_REGIONS];
};

void gmem_init(struct gmem *gm);

/*
 * Replace the map with @n regions, mapping fds[i] for regions[i]
 * (MAP_SHARED, length memory_size + mmap_offset). Rejects n == 0, n too big,
 * zero-sized regions, overflowing ranges and regions overlapping in GPA space
 * with -EINVAL; mmap failure gives its -errno. On failure the old map stays.
 * The fds are always closed: a mapping does not need them.
 */
int gmem_set_table(struct gmem *gm, const struct vu_mem_region *regions,
		   unsigned int n, const int *fds);

/* Unmap everything. */
void gmem_clear(struct gmem *gm);

/* Host pointer for guest-physical [gpa, gpa+len), or NULL. len 0 is refused. */
void *gmem_gpa_to_host(const struct gmem *gm, uint64_t gpa, uint64_t len);

/* Host pointer for front-end-virtual [uva, uva+len), or NULL. len 0 is refused. */
void *gmem_uva_to_host(const struct gmem *gm, uint64_t uva, uint64_t len);

#endif /* GMEM_H */
