// SPDX-License-Identifier: GPL-2.0-or-later
/* Guest memory map over memfd-backed regions. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../harness.h"
#include "gmem.h"

static int memfd(uint64_t size)
{
	int fd = memfd_create("gmem-test", MFD_CLOEXEC);

	CHECK(fd >= 0);
	CHECK_EQ(ftruncate(fd, (off_t)size), 0);
	return fd;
}

static struct vu_mem_region region(uint64_t gpa, uint64_t size, uint64_t uva, uint64_t off)
{
	return (struct vu_mem_region){
		.guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = uva, .mmap_offset = off,
	};
}

/* Mappings of our memfds still in the address space. */
static int count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, "gmem-test") != NULL;
	fclose(f);
	return n;
}

static int fd_closed(int fd)
{
	return fcntl(fd, F_GETFD) < 0 && errno == EBADF;
}

static void test_basic(void)
{
	struct gmem gm;
	struct vu_mem_region r = region(0x10000, 0x4000, 0x7f0000000000ull, 0);
	int fd = memfd(0x4000), keep = dup(fd);
	uint8_t *p, byte = 0;

	gmem_init(&gm);
	CHECK_EQ(gm.nregions, 0);
	CHECK(gmem_gpa_to_host(&gm, 0x10000, 1) == NULL);
	CHECK_EQ(gmem_set_table(&gm, &r, 1, &fd), 0);
	CHECK(fd_closed(fd));
	CHECK_EQ(gm.nregions, 1);

	p = gmem_gpa_to_host(&gm, 0x10000, 0x4000);
	CHECK(p != NULL);
	CHECK(gmem_gpa_to_host(&gm, 0x10000, 0x4001) == NULL);
	CHECK(gmem_gpa_to_host(&gm, 0x10000, 0) == NULL);
	CHECK(gmem_gpa_to_host(&gm, 0xffff, 1) == NULL);
	CHECK(gmem_gpa_to_host(&gm, 0xffff, 2) == NULL);
	CHECK(gmem_gpa_to_host(&gm, 0x13fff, 1) == p + 0x3fff);
	CHECK(gmem_gpa_to_host(&gm, 0x13fff, 2) == NULL);
	CHECK(gmem_gpa_to_host(&gm, 0x14000, 1) == NULL);
	CHECK(gmem_gpa_to_host(&gm, 0x13ffe, 2) == p + 0x3ffe);
	CHECK(gmem_gpa_to_host(&gm, 0x13ffe, 3) == NULL);
	CHECK(gmem_gpa_to_host(&gm, 0x10010, UINT64_MAX) == NULL);
	CHECK(gmem_gpa_to_host(&gm, UINT64_MAX - 1, 4) == NULL);
	CHECK(gmem_gpa_to_host(&gm, UINT64_MAX, UINT64_MAX) == NULL);

	/* The mapping is shared with the file. */
	p[0x123] = 0x5a;
	CHECK_EQ(pread(keep, &byte, 1, 0x123), 1);
	CHECK_EQ(byte, 0x5a);

	/* Front-end virtual addresses reach the same bytes. */
	CHECK(gmem_uva_to_host(&gm, 0x7f0000000000ull, 0x4000) == p);
	CHECK(gmem_uva_to_host(&gm, 0x7f0000000010ull, 4) == p + 0x10);
	CHECK(gmem_uva_to_host(&gm, 0x7f0000003fffull, 1) == p + 0x3fff);
	CHECK(gmem_uva_to_host(&gm, 0x7f0000004000ull, 1) == NULL);
	CHECK(gmem_uva_to_host(&gm, 0x7f0000003ffcull, 8) == NULL);
	CHECK(gmem_uva_to_host(&gm, 0x10000, 1) == NULL);
	CHECK(gmem_uva_to_host(&gm, 0x7f0000000000ull, 0) == NULL);

	gmem_clear(&gm);
	CHECK_EQ(gm.nregions, 0);
	CHECK(gmem_gpa_to_host(&gm, 0x10000, 1) == NULL);
	CHECK(gmem_uva_to_host(&gm, 0x7f0000000000ull, 1) == NULL);
	gmem_clear(&gm);
	close(keep);
}

static void test_mmap_offset(void)
{
	struct gmem gm;
	struct vu_mem_region r = region(0x100000, 0x2000, 0x1000000, 0x1000);
	int fd = memfd(0x3000);
	uint8_t pat[4] = { 1, 2, 3, 4 }, *p;

	CHECK_EQ(pwrite(fd, pat, sizeof(pat), 0x1000), 4);
	CHECK_EQ(pwrite(fd, pat, 1, 0x2fff), 1);
	gmem_init(&gm);
	CHECK_EQ(gmem_set_table(&gm, &r, 1, &fd), 0);
	p = gmem_gpa_to_host(&gm, 0x100000, 4);
	CHECK(p != NULL);
	if (p)
		CHECK(memcmp(p, pat, 4) == 0);
	p = gmem_gpa_to_host(&gm, 0x101fff, 1);
	CHECK(p != NULL);
	if (p)
		CHECK_EQ(*p, 1);
	CHECK(gmem_gpa_to_host(&gm, 0x102000, 1) == NULL);
	CHECK_EQ(gm.regions[0].map_len, 0x3000);
	CHECK(gm.regions[0].host == (uint8_t *)gm.regions[0].map + 0x1000);
	gmem_clear(&gm);
}

static void test_two_regions(void)
{
	struct gmem gm;
	struct vu_mem_region r[2] = {
		region(0x0, 0x2000, 0x10000, 0),
		region(0x2000, 0x1000, 0x40000, 0),
	};
	int fds[2] = { memfd(0x2000), memfd(0x1000) };
	uint8_t *a, *b;

	gmem_init(&gm);
	CHECK_EQ(gmem_set_table(&gm, r, 2, fds), 0);
	CHECK(fd_closed(fds[0]) && fd_closed(fds[1]));
	a = gmem_gpa_to_host(&gm, 0x1fff, 1);
	b = gmem_gpa_to_host(&gm, 0x2000, 1);
	CHECK(a != NULL && b != NULL);
	CHECK(b == gm.regions[1].host);
	/* Adjacent in GPA space but not in the host: a range may not straddle. */
	CHECK(gmem_gpa_to_host(&gm, 0x1fff, 2) == NULL);
	CHECK(gmem_uva_to_host(&gm, 0x40000, 0x1000) == b);
	CHECK(gmem_uva_to_host(&gm, 0x11fff, 1) == a);
	CHECK(gmem_uva_to_host(&gm, 0x12000, 1) == NULL);
	gmem_clear(&gm);
}

static void test_top_of_space(void)
{
	struct gmem gm;
	struct vu_mem_region r = region(UINT64_MAX - 0xfff, 0x1000, UINT64_MAX - 0xfff, 0);
	int fd = memfd(0x1000);

	gmem_init(&gm);
	CHECK_EQ(gmem_set_table(&gm, &r, 1, &fd), 0);
	CHECK(gmem_gpa_to_host(&gm, UINT64_MAX, 1) != NULL);
	CHECK(gmem_gpa_to_host(&gm, UINT64_MAX - 1, 2) != NULL);
	CHECK(gmem_gpa_to_host(&gm, UINT64_MAX - 1, 4) == NULL);
	CHECK(gmem_gpa_to_host(&gm, UINT64_MAX - 0xfff, 0x1000) != NULL);
	CHECK(gmem_gpa_to_host(&gm, UINT64_MAX - 0xfff, 0x1001) == NULL);
	CHECK(gmem_uva_to_host(&gm, UINT64_MAX, 1) != NULL);
	CHECK(gmem_uva_to_host(&gm, UINT64_MAX, 2) == NULL);
	gmem_clear(&gm);
}

/* Every call below must fail with @err, close its fd and keep the old map. */
static void expect_fail(struct gmem *gm, const struct vu_mem_region *r, unsigned int n,
			int fd, int err, const uint8_t *old)
{
	int fds[VU_MAX_MEM_REGIONS + 1];

	for (unsigned int i = 0; i < VU_MAX_MEM_REGIONS + 1; i++)
		fds[i] = -1;
	fds[0] = fd;
	CHECK_EQ(gmem_set_table(gm, r, n, fds), err);
	if (fd >= 0)
		CHECK(fd_closed(fd));
	CHECK_EQ(gm->nregions, 1);
	CHECK(gmem_gpa_to_host(gm, 0x1000, 0x1000) == old);
}

static void test_rejects_keep_old(void)
{
	static struct vu_mem_region many[VU_MAX_MEM_REGIONS + 1];
	struct gmem gm;
	struct vu_mem_region good = region(0x1000, 0x1000, 0x9000, 0), bad[2];
	int fd = memfd(0x1000), pfd[2];
	uint8_t *old;
	int maps;

	gmem_init(&gm);
	CHECK_EQ(gmem_set_table(&gm, &good, 1, &fd), 0);
	maps = count_maps();
	CHECK_EQ(maps, 1);
	old = gmem_gpa_to_host(&gm, 0x1000, 0x1000);
	CHECK(old != NULL);
	old[0] = 0x77;

	expect_fail(&gm, &good, 0, -1, -EINVAL, old);
	expect_fail(&gm, many, VU_MAX_MEM_REGIONS + 1, memfd(0x1000), -EINVAL, old);
	bad[0] = region(0x0, 0, 0x0, 0);
	expect_fail(&gm, bad, 1, memfd(0x1000), -EINVAL, old);
	bad[0] = region(UINT64_MAX - 0xfff, 0x2000, 0x0, 0);
	expect_fail(&gm, bad, 1, memfd(0x2000), -EINVAL, old);
	bad[0] = region(0x0, 0x2000, UINT64_MAX, 0);
	expect_fail(&gm, bad, 1, memfd(0x2000), -EINVAL, old);
	bad[0] = region(0x0, 0x1000, 0x0, UINT64_MAX - 0x800);
	expect_fail(&gm, bad, 1, memfd(0x1000), -EINVAL, old);
	/* The file is shorter than mmap_offset + memory_size. */
	bad[0] = region(0x0, 0x2000, 0x0, 0x1000);
	expect_fail(&gm, bad, 1, memfd(0x2000), -EINVAL, old);
	/* Not mappable for writing: mmap's errno comes back. */
	CHECK_EQ(pipe(pfd), 0);
	close(pfd[1]);
	bad[0] = region(0x0, 0x1000, 0x0, 0);
	expect_fail(&gm, bad, 1, pfd[0], -EACCES, old);
	expect_fail(&gm, bad, 1, -1, -EBADF, old);

	/* Overlapping regions; the fds of both are closed. */
	{
		int fds[2] = { memfd(0x2000), memfd(0x2000) };

		bad[0] = region(0x0, 0x2000, 0x0, 0);
		bad[1] = region(0x1000, 0x2000, 0x100000, 0);
		CHECK_EQ(gmem_set_table(&gm, bad, 2, fds), -EINVAL);
		CHECK(fd_closed(fds[0]) && fd_closed(fds[1]));
		bad[1] = region(0x0, 0x1, 0x100000, 0);
		fds[0] = memfd(0x2000);
		fds[1] = memfd(0x2000);
		CHECK_EQ(gmem_set_table(&gm, bad, 2, fds), -EINVAL);
		bad[1] = region(0x1fff, 0x1000, 0x100000, 0);
		fds[0] = memfd(0x2000);
		fds[1] = memfd(0x2000);
		CHECK_EQ(gmem_set_table(&gm, bad, 2, fds), -EINVAL);
		/* The second region fails to map: the first is undone. */
		bad[1] = region(0x2000, 0x1000, 0x100000, 0);
		fds[0] = memfd(0x2000);
		CHECK_EQ(pipe(pfd), 0);
		close(pfd[1]);
		fds[1] = pfd[0];
		CHECK_EQ(gmem_set_table(&gm, bad, 2, fds), -EACCES);
		CHECK(fd_closed(fds[0]) && fd_closed(fds[1]));
	}
	CHECK_EQ(gm.nregions, 1);
	CHECK(gmem_gpa_to_host(&gm, 0x1000, 1) == old);
	CHECK_EQ(old[0], 0x77);
	/* Nothing a failed call mapped is left behind. */
	CHECK_EQ(count_maps(), maps);
	CHECK_EQ(gmem_set_table(&gm, &good, 1, NULL), -EINVAL);

	/* A good table replaces the old one. */
	good = region(0x8000, 0x1000, 0x9000, 0);
	fd = memfd(0x1000);
	CHECK_EQ(gmem_set_table(&gm, &good, 1, &fd), 0);
	CHECK(gmem_gpa_to_host(&gm, 0x1000, 1) == NULL);
	CHECK(gmem_gpa_to_host(&gm, 0x8000, 1) != NULL);
	CHECK_EQ(count_maps(), 1);
	gmem_clear(&gm);
	CHECK_EQ(count_maps(), 0);
}

static void test_max_regions(void)
{
	static struct vu_mem_region r[VU_MAX_MEM_REGIONS];
	int fds[VU_MAX_MEM_REGIONS];
	struct gmem gm;

	for (unsigned int i = 0; i < VU_MAX_MEM_REGIONS; i++) {
		r[i] = region(0x10000ull * i, 0x1000, 0x100000 + 0x10000ull * i, 0);
		fds[i] = memfd(0x1000);
	}
	gmem_init(&gm);
	CHECK_EQ(gmem_set_table(&gm, r, VU_MAX_MEM_REGIONS, fds), 0);
	CHECK_EQ(gm.nregions, VU_MAX_MEM_REGIONS);
	CHECK(gmem_gpa_to_host(&gm, 0x10000ull * 31 + 0xfff, 1) != NULL);
	CHECK(gmem_gpa_to_host(&gm, 0x10000ull * 31 + 0x1000, 1) == NULL);
	CHECK(gmem_uva_to_host(&gm, 0x100000 + 0x10000ull * 7, 0x1000) == gm.regions[7].host);
	for (unsigned int i = 0; i < VU_MAX_MEM_REGIONS; i++)
		CHECK(fd_closed(fds[i]));
	gmem_clear(&gm);
}

TEST_MAIN(TEST_CASE(test_basic), TEST_CASE(test_mmap_offset), TEST_CASE(test_two_regions),
	  TEST_CASE(test_top_of_space), TEST_CASE(test_rejects_keep_old),
	  TEST_CASE(test_max_regions))
