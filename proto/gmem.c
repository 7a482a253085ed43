// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Guest memory map. All arithmetic on front-end supplied addresses is done
 * so that it cannot wrap: a range is described by its start and size, and
 * "end" values (start + size - 1) are only formed once size > 0 and the sum
 * is known not to overflow.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gmem.h"

void gmem_init(struct gmem *gm)
{
	memset(gm, 0, sizeof(*gm));
}

void gmem_clear(struct gmem *gm)
{
	for (unsigned int i = 0; i < gm->nregions && i < VU_MAX_MEM_REGIONS; i++) {
		if (gm->regions[i].map)
			munmap(gm->regions[i].map, gm->regions[i].map_len);
	}
	gmem_init(gm);
}

/* [start, start+size) with size > 0 stays within the 64-bit space. */
static bool range_ok(uint64_t start, uint64_t size)
{
	return size > 0 && size - 1 <= UINT64_MAX - start;
}

static bool ranges_overlap(uint64_t a, uint64_t asize, uint64_t b, uint64_t bsize)
{
	/* Inclusive ends cannot overflow once range_ok() held for both. */
	return a <= b + (bsize - 1) && b <= a + (asize - 1);
}

static int check_region(const struct vu_mem_region *r)
{
	if (!range_ok(r->guest_phys_addr, r->memory_size) ||
	    !range_ok(r->userspace_addr, r->memory_size))
		return -EINVAL;
	/* The mapping covers [0, mmap_offset + memory_size) of the file. */
	if (r->mmap_offset > UINT64_MAX - r->memory_size ||
	    r->mmap_offset + r->memory_size > (uint64_t)SIZE_MAX ||
	    r->mmap_offset + r->memory_size > (uint64_t)INT64_MAX)
		return -EINVAL;
	return 0;
}

/*
 * A file shorter than the mapping would make the first access past its end
 * raise SIGBUS; refuse it up front. Non-regular files (devices) are left to mmap.
 */
static int check_backing(int fd, uint64_t map_len)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISREG(st.st_mode) && (st.st_size < 0 || (uint64_t)st.st_size < map_len))
		return -EINVAL;
	return 0;
}

static void unmap_regions(struct gmem_region *regs, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		munmap(regs[i].map, regs[i].map_len);
}

static int map_all(struct gmem_region *out, const struct vu_mem_region *regions,
		   unsigned int n, const int *fds)
{
	for (unsigned int i = 0; i < n; i++) {
		const struct vu_mem_region *r = &regions[i];
		size_t len = (size_t)(r->mmap_offset + r->memory_size);
		void *map;
		int err;

		err = fds[i] < 0 ? -EBADF : check_backing(fds[i], len);
		if (err) {
			unmap_regions(out, i);
			return err;
		}
		map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fds[i], 0);
		if (map == MAP_FAILED) {
			err = -errno;
			unmap_regions(out, i);
			return err;
		}
		out[i] = (struct gmem_region){
			.gpa = r->guest_phys_addr,
			.size = r->memory_size,
			.uva = r->userspace_addr,
			.host = (uint8_t *)map + r->mmap_offset,
			.map = map,
			.map_len = len,
		};
	}
	return 0;
}

static int validate_table(const struct vu_mem_region *regions, unsigned int n)
{
	if (n == 0 || n > VU_MAX_MEM_REGIONS)
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++) {
		if (check_region(&regions[i]))
			return -EINVAL;
		for (unsigned int j = 0; j < i; j++) {
			if (ranges_overlap(regions[i].guest_phys_addr, regions[i].memory_size,
					   regions[j].guest_phys_addr, regions[j].memory_size))
				return -EINVAL;
		}
	}
	return 0;
}

int gmem_set_table(struct gmem *gm, const struct vu_mem_region *regions,
		   unsigned int n, const int *fds)
{
	struct gmem_region fresh[VU_MAX_MEM_REGIONS];
	unsigned int nfds = n < VU_MAX_MEM_REGIONS ? n : VU_MAX_MEM_REGIONS;
	int err;

	err = fds ? validate_table(regions, n) : -EINVAL;
	if (!err)
		err = map_all(fresh, regions, n, fds);
	/* Mappings keep the memory alive; the fds are never needed again. */
	for (unsigned int i = 0; fds && i < nfds; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
	}
	if (err)
		return err;

	gmem_clear(gm);
	memcpy(gm->regions, fresh, n * sizeof(fresh[0]));
	gm->nregions = n;
	return 0;
}

/* Offset of [addr, addr+len) inside [start, start+size), or false. */
static bool inside(uint64_t addr, uint64_t len, uint64_t start, uint64_t size, uint64_t *off)
{
	if (addr < start || addr - start >= size)
		return false;
	if (len > size - (addr - start))
		return false;
	*off = addr - start;
	return true;
}

void *gmem_gpa_to_host(const struct gmem *gm, uint64_t gpa, uint64_t len)
{
	uint64_t off;

	if (len == 0)
		return NULL;
	for (unsigned int i = 0; i < gm->nregions && i < VU_MAX_MEM_REGIONS; i++) {
		const struct gmem_region *r = &gm->regions[i];

		if (inside(gpa, len, r->gpa, r->size, &off))
			return r->host + off;
	}
	return NULL;
}

void *gmem_uva_to_host(const struct gmem *gm, uint64_t uva, uint64_t len)
{
	uint64_t off;

	if (len == 0)
		return NULL;
	for (unsigned int i = 0; i < gm->nregions && i < VU_MAX_MEM_REGIONS; i++) {
		const struct gmem_region *r = &gm->regions[i];

		if (inside(uva, len, r->uva, r->size, &off))
			return r->host + off;
	}
	return NULL;
}
