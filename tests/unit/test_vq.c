// SPDX-License-Identifier: GPL-2.0-or-later
/* Split virtqueue: rings built by hand in a memfd-backed guest memory region. */
#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../harness.h"
#include "vq.h"

#define GPA_BASE	0x40000000ull
#define UVA_BASE	0x7f1200000000ull
#define MEM_SIZE	0x200000ull
#define DESC_OFF	0x0		/* room for 32768 descriptors */
#define AVAIL_OFF	0x80000
#define USED_OFF	0xa0000
#define BUF_OFF		0x100000

struct fx {
	struct gmem gm;
	struct vq vq;
	uint8_t *mem;
	uint16_t avail_idx;
};

static struct fx fx;
static struct vq_chain ch;

static void fx_init_size(uint32_t num, bool indirect, uint64_t mem_size)
{
	struct vu_mem_region r = {
		.guest_phys_addr = GPA_BASE, .memory_size = mem_size, .userspace_addr = UVA_BASE,
	};
	int fd = memfd_create("vq-test", MFD_CLOEXEC);

	CHECK(fd >= 0);
	CHECK_EQ(ftruncate(fd, (off_t)mem_size), 0);
	gmem_init(&fx.gm);
	CHECK_EQ(gmem_set_table(&fx.gm, &r, 1, &fd), 0);
	fx.mem = gmem_gpa_to_host(&fx.gm, GPA_BASE, mem_size);
	CHECK(fx.mem != NULL);
	fx.avail_idx = 0;
	vq_init(&fx.vq);
	CHECK_EQ(vq_set_num(&fx.vq, num), 0);
	fx.vq.indirect = indirect;
	vq_set_addr(&fx.vq, UVA_BASE + DESC_OFF, UVA_BASE + AVAIL_OFF, UVA_BASE + USED_OFF);
	CHECK_EQ(vq_map(&fx.vq, &fx.gm), 0);
	memset(&ch, 0xa5, sizeof(ch));
}

static void fx_init(uint32_t num, bool indirect)
{
	fx_init_size(num, indirect, MEM_SIZE);
}

static void fx_fini(void)
{
	vq_free(&fx.vq);
	gmem_clear(&fx.gm);
}

static void put_desc(uint8_t *at, uint64_t gpa, uint32_t len, uint16_t flags, uint16_t next)
{
	struct vring_desc d = {
		.addr = htole64(gpa), .len = htole32(len), .flags = htole16(flags),
		.next = htole16(next),
	};

	memcpy(at, &d, sizeof(d));
}

/* Direct descriptor @i pointing at buffer offset @off. */
static void desc(uint16_t i, uint64_t off, uint32_t len, uint16_t flags, uint16_t next)
{
	put_desc(fx.mem + DESC_OFF + 16 * (size_t)i, GPA_BASE + off, len, flags, next);
}

/* Entry @i of an indirect table at offset @table. */
static void idesc(uint64_t table, uint16_t i, uint64_t off, uint32_t len, uint16_t flags,
		  uint16_t next)
{
	put_desc(fx.mem + table + 16 * (size_t)i, GPA_BASE + off, len, flags, next);
}

static struct vring_avail *avail(void)
{
	return (struct vring_avail *)(fx.mem + AVAIL_OFF);
}

static struct vring_used *used(void)
{
	return (struct vring_used *)(fx.mem + USED_OFF);
}

static void offer(uint16_t head)
{
	avail()->ring[fx.avail_idx % fx.vq.num] = htole16(head);
	fx.avail_idx++;
	avail()->idx = htole16(fx.avail_idx);
}

static int pop(void)
{
	return vq_pop(&fx.vq, &fx.gm, &ch);
}

static void test_direct(void)
{
	uint8_t out[8], st[2] = { 0xee, 0xdd };

	fx_init(8, false);
	CHECK_EQ(pop(), 0);
	CHECK(!fx.vq.broken);
	CHECK_EQ(fx.vq.last_avail_idx, 0);
	memcpy(fx.mem + BUF_OFF, "abcdefgh", 8);
	desc(3, BUF_OFF, 8, VRING_DESC_F_NEXT, 5);
	desc(5, BUF_OFF + 0x100, 2, VRING_DESC_F_WRITE, 0);
	offer(3);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(ch.head, 3);
	CHECK(!ch.bad);
	CHECK_EQ(ch.nsegs, 2);
	CHECK_EQ(ch.readable_len, 8);
	CHECK_EQ(ch.writable_len, 2);
	CHECK(ch.segs[0].host == fx.mem + BUF_OFF);
	CHECK_EQ(ch.segs[0].gpa, GPA_BASE + BUF_OFF);
	CHECK(!ch.segs[0].writable);
	CHECK(ch.segs[1].host == fx.mem + BUF_OFF + 0x100);
	CHECK(ch.segs[1].writable);
	CHECK(vq_head_inflight(&fx.vq, 3));
	CHECK(!vq_head_inflight(&fx.vq, 5));
	CHECK_EQ(fx.vq.last_avail_idx, 1);
	CHECK_EQ(vq_chain_read(&ch, 0, out, 8), 8);
	CHECK(memcmp(out, "abcdefgh", 8) == 0);
	CHECK_EQ(vq_chain_read(&ch, 6, out, 8), 2);
	CHECK(memcmp(out, "gh", 2) == 0);
	CHECK_EQ(vq_chain_read(&ch, 8, out, 8), 0);
	CHECK_EQ(vq_chain_write(&ch, st, 2), 2);
	CHECK_EQ(fx.mem[BUF_OFF + 0x100], 0xee);
	CHECK_EQ(fx.mem[BUF_OFF + 0x101], 0xdd);
	CHECK_EQ(pop(), 0);

	CHECK_EQ(vq_push(&fx.vq, 3, 2), 0);
	CHECK_EQ(le16toh(used()->idx), 1);
	CHECK_EQ(le32toh(used()->ring[0].id), 3);
	CHECK_EQ(le32toh(used()->ring[0].len), 2);
	CHECK(!vq_head_inflight(&fx.vq, 3));
	CHECK_EQ(vq_push(&fx.vq, 3, 2), -EINVAL);
	CHECK_EQ(vq_push(&fx.vq, 5, 0), -EINVAL);
	CHECK_EQ(vq_push(&fx.vq, 100, 0), -EINVAL);
	CHECK_EQ(le16toh(used()->idx), 1);

	/* The same head may come back once completed. */
	offer(3);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(ch.head, 3);
	CHECK_EQ(vq_push(&fx.vq, 3, 0), 0);
	CHECK_EQ(le16toh(used()->idx), 2);
	CHECK_EQ(le32toh(used()->ring[1].len), 0);
	fx_fini();
}

static void test_zero_len_and_limits(void)
{
	fx_init(32, false);
	/* Zero-length segments are skipped but still ordered. */
	desc(0, BUF_OFF, 8, VRING_DESC_F_NEXT, 1);
	desc(1, BUF_OFF, 0, VRING_DESC_F_NEXT, 2);
	desc(2, BUF_OFF, 0, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 3);
	desc(3, BUF_OFF, 2, VRING_DESC_F_WRITE, 0);
	offer(0);
	CHECK_EQ(pop(), 1);
	CHECK(!ch.bad);
	CHECK_EQ(ch.nsegs, 2);
	CHECK_EQ(vq_push(&fx.vq, 0, 0), 0);

	/* Exactly VQ_CHAIN_MAX_SEGS segments are fine, one more is not. */
	for (uint16_t i = 0; i < VQ_CHAIN_MAX_SEGS; i++)
		desc(i, BUF_OFF + i, 1, VRING_DESC_F_NEXT, i + 1);
	desc(VQ_CHAIN_MAX_SEGS - 1, BUF_OFF, 1, 0, 0);
	offer(0);
	CHECK_EQ(pop(), 1);
	CHECK(!ch.bad);
	CHECK_EQ(ch.nsegs, VQ_CHAIN_MAX_SEGS);
	CHECK_EQ(ch.readable_len, VQ_CHAIN_MAX_SEGS);
	CHECK_EQ(vq_push(&fx.vq, 0, 0), 0);
	desc(VQ_CHAIN_MAX_SEGS - 1, BUF_OFF, 1, VRING_DESC_F_NEXT, VQ_CHAIN_MAX_SEGS);
	desc(VQ_CHAIN_MAX_SEGS, BUF_OFF, 1, 0, 0);
	offer(0);
	CHECK_EQ(pop(), 1);
	CHECK(ch.bad);
	CHECK_EQ(ch.nsegs, 0);
	CHECK_EQ(vq_push(&fx.vq, 0, 0), 0);

	/* A chain using every descriptor once is not a loop. */
	for (uint16_t i = 0; i < 32; i++)
		desc(i, BUF_OFF, 0, VRING_DESC_F_NEXT, i + 1);
	desc(31, BUF_OFF, 4, 0, 0);
	offer(0);
	CHECK_EQ(pop(), 1);
	CHECK(!ch.bad);
	CHECK_EQ(ch.nsegs, 1);
	fx_fini();
}

/* Offer @head, pop it, expect a bad chain that can still be completed once. */
static void expect_bad(uint16_t head)
{
	uint16_t before = fx.vq.last_avail_idx;
	uint8_t b = 1;

	offer(head);
	CHECK_EQ(pop(), 1);
	CHECK(ch.bad);
	CHECK_EQ(ch.head, head);
	CHECK_EQ(ch.nsegs, 0);
	CHECK_EQ(ch.readable_len, 0);
	CHECK_EQ(ch.writable_len, 0);
	CHECK_EQ(vq_chain_write(&ch, &b, 1), 0);
	CHECK_EQ(vq_chain_read(&ch, 0, &b, 1), 0);
	CHECK(!fx.vq.broken);
	CHECK_EQ(fx.vq.last_avail_idx, (uint16_t)(before + 1));
	CHECK(vq_head_inflight(&fx.vq, head));
	CHECK_EQ(vq_push(&fx.vq, head, 0), 0);
	CHECK_EQ(vq_push(&fx.vq, head, 0), -EINVAL);
}

static void test_bad_direct(void)
{
	fx_init(8, false);
	/* Loop a -> b -> a terminates. */
	desc(0, BUF_OFF, 4, VRING_DESC_F_NEXT, 1);
	desc(1, BUF_OFF, 4, VRING_DESC_F_NEXT, 0);
	expect_bad(0);
	/* Self loop of empty descriptors. */
	desc(2, BUF_OFF, 0, VRING_DESC_F_NEXT, 2);
	expect_bad(2);
	/* next out of range. */
	desc(0, BUF_OFF, 4, VRING_DESC_F_NEXT, 8);
	expect_bad(0);
	desc(0, BUF_OFF, 4, VRING_DESC_F_NEXT, 0xffff);
	expect_bad(0);
	/* Buffer outside guest memory, or straddling its end. */
	put_desc(fx.mem + DESC_OFF, 0x1000, 4, 0, 0);
	expect_bad(0);
	desc(0, MEM_SIZE - 4, 8, 0, 0);
	expect_bad(0);
	put_desc(fx.mem + DESC_OFF, UINT64_MAX - 1, 4, 0, 0);
	expect_bad(0);
	desc(0, MEM_SIZE - 4, 4, 0, 0);
	offer(0);
	CHECK_EQ(pop(), 1);
	CHECK(!ch.bad);
	CHECK_EQ(vq_push(&fx.vq, 0, 0), 0);
	/* Readable after writable. */
	desc(0, BUF_OFF, 2, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	desc(1, BUF_OFF, 2, VRING_DESC_F_NEXT, 2);
	desc(2, BUF_OFF, 2, VRING_DESC_F_WRITE, 0);
	expect_bad(0);
	/* INDIRECT without the feature. */
	desc(0, BUF_OFF, 32, VRING_DESC_F_INDIRECT, 0);
	expect_bad(0);
	fx_fini();
}

static void test_indirect(void)
{
	const uint64_t t = BUF_OFF + 0x1000;
	uint8_t out[4];

	fx_init(8, true);
	memcpy(fx.mem + BUF_OFF, "ping", 4);
	idesc(t, 0, BUF_OFF, 4, VRING_DESC_F_NEXT, 2);
	idesc(t, 2, BUF_OFF + 0x200, 1, VRING_DESC_F_WRITE, 0);
	desc(6, t, 48, VRING_DESC_F_INDIRECT, 0);
	offer(6);
	CHECK_EQ(pop(), 1);
	CHECK(!ch.bad);
	CHECK_EQ(ch.head, 6);
	CHECK_EQ(ch.nsegs, 2);
	CHECK_EQ(ch.readable_len, 4);
	CHECK_EQ(ch.writable_len, 1);
	CHECK(ch.segs[1].host == fx.mem + BUF_OFF + 0x200);
	CHECK_EQ(vq_chain_read(&ch, 0, out, 4), 4);
	CHECK(memcmp(out, "ping", 4) == 0);
	CHECK_EQ(vq_push(&fx.vq, 6, 1), 0);
	CHECK_EQ(le32toh(used()->ring[0].id), 6);

	/* A table need not be 16-byte aligned; WRITE on the indirect descriptor is ignored. */
	idesc(t + 8, 0, BUF_OFF, 2, VRING_DESC_F_NEXT, 1);
	idesc(t + 8, 1, BUF_OFF + 0x10, 1, VRING_DESC_F_WRITE, 0);
	desc(1, t + 8, 32, VRING_DESC_F_INDIRECT | VRING_DESC_F_WRITE, 0);
	offer(1);
	CHECK_EQ(pop(), 1);
	CHECK(!ch.bad);
	CHECK_EQ(ch.readable_len, 2);
	CHECK_EQ(ch.writable_len, 1);
	CHECK_EQ(vq_push(&fx.vq, 1, 1), 0);

	/* Direct descriptors may precede the indirect one (spec MUST for devices). */
	desc(0, BUF_OFF, 2, VRING_DESC_F_NEXT, 4);
	idesc(t, 0, BUF_OFF + 0x10, 1, VRING_DESC_F_WRITE, 0);
	desc(4, t, 16, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	CHECK_EQ(pop(), 1);
	CHECK(!ch.bad);
	CHECK_EQ(ch.nsegs, 2);
	CHECK_EQ(ch.readable_len, 2);
	CHECK_EQ(ch.writable_len, 1);
	CHECK_EQ(vq_push(&fx.vq, 0, 1), 0);
	fx_fini();
}

static void test_bad_indirect(void)
{
	const uint64_t t = BUF_OFF + 0x1000, t2 = BUF_OFF + 0x2000;

	fx_init(8, true);
	idesc(t, 0, BUF_OFF, 2, VRING_DESC_F_NEXT, 1);
	idesc(t, 1, BUF_OFF, 1, VRING_DESC_F_WRITE, 0);
	/* NEXT on the indirect descriptor. */
	desc(0, t, 32, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	desc(1, BUF_OFF, 1, VRING_DESC_F_WRITE, 0);
	expect_bad(0);
	/* Bad table lengths and addresses. */
	desc(0, t, 0, VRING_DESC_F_INDIRECT, 0);
	expect_bad(0);
	desc(0, t, 24, VRING_DESC_F_INDIRECT, 0);
	expect_bad(0);
	desc(0, MEM_SIZE - 16, 32, VRING_DESC_F_INDIRECT, 0);
	expect_bad(0);
	put_desc(fx.mem + DESC_OFF, 0x10, 32, VRING_DESC_F_INDIRECT, 0);
	expect_bad(0);
	desc(0, t, 16 * (VQ_MAX_SIZE + 1), VRING_DESC_F_INDIRECT, 0);
	expect_bad(0);
	/* Nested indirect. */
	idesc(t2, 0, BUF_OFF, 1, VRING_DESC_F_WRITE, 0);
	idesc(t, 1, t2, 16, VRING_DESC_F_INDIRECT, 0);
	desc(0, t, 32, VRING_DESC_F_INDIRECT, 0);
	expect_bad(0);
	/* next just past the table (where a valid entry lies), and a loop inside it. */
	idesc(t, 0, BUF_OFF, 2, VRING_DESC_F_NEXT, 3);
	idesc(t, 3, BUF_OFF, 1, VRING_DESC_F_WRITE, 0);
	desc(0, t, 48, VRING_DESC_F_INDIRECT, 0);
	expect_bad(0);
	desc(0, t, 32, VRING_DESC_F_INDIRECT, 0);
	/* Empty entries: only the step limit can stop this loop. */
	idesc(t, 0, BUF_OFF, 0, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	idesc(t, 1, BUF_OFF, 0, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 0);
	expect_bad(0);
	/* Buffer in the table outside memory. */
	idesc(t, 0, BUF_OFF, 2, VRING_DESC_F_NEXT, 1);
	idesc(t, 1, MEM_SIZE, 1, VRING_DESC_F_WRITE, 0);
	expect_bad(0);
	idesc(t, 1, MEM_SIZE - 1, 1, VRING_DESC_F_WRITE, 0);
	offer(0);
	CHECK_EQ(pop(), 1);
	CHECK(!ch.bad);
	CHECK_EQ(ch.nsegs, 2);
	CHECK_EQ(vq_push(&fx.vq, 0, 0), 0);
	/* Readable table entries after a writable direct descriptor. */
	idesc(t, 0, BUF_OFF, 2, 0, 0);
	desc(0, BUF_OFF, 2, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	desc(1, t, 16, VRING_DESC_F_INDIRECT, 0);
	expect_bad(0);
	/* Too many segments through the table. */
	for (uint16_t i = 0; i <= VQ_CHAIN_MAX_SEGS; i++)
		idesc(t, i, BUF_OFF + i, 1, VRING_DESC_F_NEXT, i + 1);
	idesc(t, VQ_CHAIN_MAX_SEGS, BUF_OFF, 1, 0, 0);
	desc(0, t, 16 * (VQ_CHAIN_MAX_SEGS + 1), VRING_DESC_F_INDIRECT, 0);
	expect_bad(0);
	CHECK_EQ(pop(), 0);
	fx_fini();
}

static void test_len_overflow(void)
{
	/* 2 GiB of sparse memory: two overlapping 2 GiB readable buffers overflow u32. */
	const uint64_t big = 0x80000000ull;

	fx_init_size(8, false, BUF_OFF + big);
	desc(0, BUF_OFF, (uint32_t)big, VRING_DESC_F_NEXT, 1);
	desc(1, BUF_OFF, (uint32_t)big, 0, 0);
	expect_bad(0);
	desc(0, BUF_OFF, (uint32_t)big - 1, VRING_DESC_F_NEXT, 1);
	offer(0);
	CHECK_EQ(pop(), 1);
	CHECK(!ch.bad);
	CHECK_EQ(ch.readable_len, UINT32_MAX);
	CHECK_EQ(vq_push(&fx.vq, 0, 0), 0);
	fx_fini();
}

static void test_ring_corruption(void)
{
	fx_init(8, false);
	desc(0, BUF_OFF, 1, VRING_DESC_F_WRITE, 0);
	/* The driver claims more entries than the ring holds. */
	avail()->idx = htole16(9);
	CHECK_EQ(pop(), -EIO);
	CHECK(fx.vq.broken);
	avail()->idx = htole16(0);
	CHECK_EQ(pop(), -EIO);
	/* A fresh map (ring restart) clears the state. */
	CHECK_EQ(vq_map(&fx.vq, &fx.gm), 0);
	CHECK(!fx.vq.broken);
	CHECK_EQ(pop(), 0);
	avail()->idx = htole16(8);
	avail()->ring[0] = htole16(0);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(vq_push(&fx.vq, 0, 0), 0);
	fx_fini();

	fx_init(8, false);
	offer(8);
	CHECK_EQ(pop(), -EIO);
	CHECK(fx.vq.broken);
	CHECK_EQ(fx.vq.last_avail_idx, 0);
	fx_fini();

	/* A head offered again while still in flight. */
	fx_init(8, false);
	desc(2, BUF_OFF, 1, VRING_DESC_F_WRITE, 0);
	offer(2);
	offer(2);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pop(), -EIO);
	CHECK(fx.vq.broken);
	/* What is in flight can still be completed. */
	CHECK_EQ(vq_push(&fx.vq, 2, 1), 0);
	fx_fini();
}

static void test_notify(void)
{
	fx_init(8, false);
	avail()->flags = 0;
	CHECK(vq_should_notify(&fx.vq));
	avail()->flags = htole16(VRING_AVAIL_F_NO_INTERRUPT);
	CHECK(!vq_should_notify(&fx.vq));
	avail()->flags = htole16(2);
	CHECK(vq_should_notify(&fx.vq));
	fx_fini();
}

static uint16_t avail_event_of(void)
{
	uint16_t v;

	memcpy(&v, fx.mem + USED_OFF + 4 + 8 * fx.vq.num, sizeof(v));
	return le16toh(v);
}

static void set_used_event(uint16_t v)
{
	avail()->ring[fx.vq.num] = htole16(v);
}

/* VIRTIO_F_EVENT_IDX (§2.7.10): calls follow used_event, avail_event follows pops. */
static void test_event_idx(void)
{
	struct vq vq;

	fx_init(8, false);
	fx.vq.event_idx = true;
	CHECK_EQ(vq_remap(&fx.vq, &fx.gm), 0);
	desc(0, BUF_OFF, 4, 0, 0);
	desc(1, BUF_OFF + 16, 4, 0, 0);
	/* An empty ring asks for a kick at the next entry. */
	CHECK_EQ(pop(), 0);
	CHECK_EQ(avail_event_of(), 0);
	offer(0);
	offer(1);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pop(), 0);
	CHECK_EQ(avail_event_of(), 2);
	/* The first call after set-up always goes out. */
	set_used_event(5);
	CHECK_EQ(vq_push(&fx.vq, 0, 0), 0);
	CHECK(vq_should_notify(&fx.vq));
	/* Nothing new: no call. used_event 5 not passed by used index 2: no call. */
	CHECK(!vq_should_notify(&fx.vq));
	CHECK_EQ(vq_push(&fx.vq, 1, 0), 0);
	CHECK(!vq_should_notify(&fx.vq));
	/* The driver asks for a call at entry 1 (already passed since the last call). */
	for (uint16_t i = 0; i < 4; i++) {
		offer(i % 2);
		CHECK_EQ(pop(), 1);
		CHECK_EQ(vq_push(&fx.vq, i % 2, 0), 0);
	}
	set_used_event(5);			/* used index went 2 -> 6: passes 5 */
	CHECK(vq_should_notify(&fx.vq));
	set_used_event(1);			/* long behind: no call until it wraps */
	offer(0);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(vq_push(&fx.vq, 0, 0), 0);
	CHECK(!vq_should_notify(&fx.vq));
	/* A new base starts over: the next call goes out. */
	vq_set_base(&fx.vq, fx.vq.last_avail_idx);
	offer(1);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(vq_push(&fx.vq, 1, 0), 0);
	CHECK(vq_should_notify(&fx.vq));
	fx_fini();

	/* The event fields must lie in guest memory too. */
	fx_init(8, false);
	vq_init(&vq);
	CHECK_EQ(vq_set_num(&vq, 8), 0);
	vq.event_idx = true;
	vq_set_addr(&vq, UVA_BASE, UVA_BASE + MEM_SIZE - 20, UVA_BASE + USED_OFF);
	CHECK_EQ(vq_map(&vq, &fx.gm), -EFAULT);
	vq_set_addr(&vq, UVA_BASE, UVA_BASE + MEM_SIZE - 22, UVA_BASE + USED_OFF);
	CHECK_EQ(vq_map(&vq, &fx.gm), 0);
	vq_set_addr(&vq, UVA_BASE, UVA_BASE + AVAIL_OFF, UVA_BASE + MEM_SIZE - 68);
	CHECK_EQ(vq_map(&vq, &fx.gm), -EFAULT);
	vq_set_addr(&vq, UVA_BASE, UVA_BASE + AVAIL_OFF, UVA_BASE + MEM_SIZE - 72);
	CHECK_EQ(vq_map(&vq, &fx.gm), 0);
	vq_free(&vq);
	fx_fini();
}

static void test_wrap(void)
{
	fx_init(4, false);
	used()->idx = htole16(65534);
	CHECK_EQ(vq_map(&fx.vq, &fx.gm), 0);
	CHECK_EQ(fx.vq.used_idx, 65534);
	vq_set_base(&fx.vq, 65534);
	fx.avail_idx = 65534;
	for (uint16_t i = 0; i < 3; i++) {
		desc(i, BUF_OFF + i, 1, VRING_DESC_F_WRITE, 0);
		offer(i);
	}
	CHECK_EQ(le16toh(avail()->idx), 1);
	CHECK_EQ(le16toh(avail()->ring[2]), 0);
	for (uint16_t i = 0; i < 3; i++) {
		CHECK_EQ(pop(), 1);
		CHECK_EQ(ch.head, i);
		CHECK(!ch.bad);
	}
	CHECK_EQ(pop(), 0);
	CHECK_EQ(fx.vq.last_avail_idx, 1);
	for (uint16_t i = 0; i < 3; i++)
		CHECK_EQ(vq_push(&fx.vq, i, 10 + i), 0);
	CHECK_EQ(le16toh(used()->idx), 1);
	CHECK_EQ(le32toh(used()->ring[2].id), 0);
	CHECK_EQ(le32toh(used()->ring[3].id), 1);
	CHECK_EQ(le32toh(used()->ring[0].id), 2);
	CHECK_EQ(le32toh(used()->ring[0].len), 12);

	/* Exactly num pending across the wrap is allowed, num + 1 is not. */
	for (uint16_t i = 0; i < 4; i++) {
		desc(i, BUF_OFF, 1, VRING_DESC_F_WRITE, 0);
		offer(i);
	}
	for (uint16_t i = 0; i < 4; i++)
		CHECK_EQ(pop(), 1);
	CHECK_EQ(fx.vq.last_avail_idx, 5);
	fx_fini();
}

static void test_split_copy(void)
{
	uint8_t out[16], in[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	fx_init(8, false);
	memcpy(fx.mem + BUF_OFF, "abc", 3);
	memcpy(fx.mem + BUF_OFF + 0x100, "defgh", 5);
	memset(fx.mem + BUF_OFF + 0x200, 0, 0x200);
	desc(0, BUF_OFF, 3, VRING_DESC_F_NEXT, 1);
	desc(1, BUF_OFF + 0x100, 5, VRING_DESC_F_NEXT, 2);
	desc(2, BUF_OFF + 0x200, 1, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 3);
	desc(3, BUF_OFF + 0x300, 3, VRING_DESC_F_WRITE, 0);
	offer(0);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(ch.nsegs, 4);
	CHECK_EQ(ch.readable_len, 8);
	CHECK_EQ(ch.writable_len, 4);
	memset(out, 0, sizeof(out));
	CHECK_EQ(vq_chain_read(&ch, 2, out, 5), 5);
	CHECK(memcmp(out, "cdefg", 5) == 0);
	CHECK_EQ(vq_chain_read(&ch, 0, out, 16), 8);
	CHECK(memcmp(out, "abcdefgh", 8) == 0);
	CHECK_EQ(vq_chain_read(&ch, 3, out, 2), 2);
	CHECK(memcmp(out, "de", 2) == 0);
	CHECK_EQ(vq_chain_read(&ch, 7, out, 16), 1);
	CHECK_EQ(vq_chain_read(&ch, 100, out, 16), 0);
	CHECK_EQ(vq_chain_read(&ch, 0, out, 0), 0);

	CHECK_EQ(vq_chain_write(&ch, in, 3), 3);
	CHECK_EQ(fx.mem[BUF_OFF + 0x200], 1);
	CHECK_EQ(fx.mem[BUF_OFF + 0x300], 2);
	CHECK_EQ(fx.mem[BUF_OFF + 0x301], 3);
	CHECK_EQ(fx.mem[BUF_OFF + 0x302], 0);
	CHECK_EQ(vq_chain_write(&ch, in, 8), 4);
	CHECK_EQ(fx.mem[BUF_OFF + 0x302], 4);
	CHECK_EQ(fx.mem[BUF_OFF + 0x303], 0);
	/* The readable part is never written. */
	CHECK(memcmp(fx.mem + BUF_OFF, "abc", 3) == 0);
	CHECK_EQ(vq_push(&fx.vq, 0, 4), 0);
	fx_fini();
}

static void test_big_queue(void)
{
	fx_init(VQ_MAX_SIZE, true);
	desc(VQ_MAX_SIZE - 1, BUF_OFF, 2, VRING_DESC_F_NEXT, 0);
	desc(0, BUF_OFF + 2, 1, VRING_DESC_F_WRITE, 0);
	fx.avail_idx = VQ_MAX_SIZE - 1;
	vq_set_base(&fx.vq, VQ_MAX_SIZE - 1);
	offer(VQ_MAX_SIZE - 1);
	CHECK_EQ(pop(), 1);
	CHECK(!ch.bad);
	CHECK_EQ(ch.head, VQ_MAX_SIZE - 1);
	CHECK_EQ(ch.nsegs, 2);
	CHECK_EQ(vq_push(&fx.vq, VQ_MAX_SIZE - 1, 1), 0);
	CHECK_EQ(le16toh(used()->idx), 1);
	CHECK_EQ(le32toh(used()->ring[0].id), VQ_MAX_SIZE - 1);
	fx_fini();
}

static void test_set_num(void)
{
	struct vq vq;

	vq_init(&vq);
	CHECK_EQ(vq_set_num(&vq, 0), -EINVAL);
	CHECK_EQ(vq_set_num(&vq, 3), -EINVAL);
	CHECK_EQ(vq_set_num(&vq, 65536), -EINVAL);
	CHECK_EQ(vq_set_num(&vq, VQ_MAX_SIZE + 1), -EINVAL);
	CHECK_EQ(vq_set_num(&vq, 0x80000000u), -EINVAL);
	CHECK_EQ(vq.num, 0);
	CHECK_EQ(vq_set_num(&vq, 1), 0);
	CHECK_EQ(vq.num, 1);
	CHECK_EQ(vq_set_num(&vq, 256), 0);
	CHECK_EQ(vq_set_num(&vq, 96), -EINVAL);
	CHECK_EQ(vq.num, 256);
	CHECK(!vq_head_inflight(&vq, 0));
	vq_free(&vq);
	vq_free(&vq);
}

static void test_map_errors(void)
{
	struct vq vq;

	fx_init(8, false);
	vq_init(&vq);
	CHECK_EQ(vq_map(&vq, &fx.gm), -EFAULT);
	CHECK_EQ(vq_set_num(&vq, 8), 0);
	CHECK_EQ(vq_map(&vq, &fx.gm), -EFAULT);
	CHECK_EQ(vq_pop(&vq, &fx.gm, &ch), -EFAULT);
	CHECK(!vq.broken);
	vq_set_addr(&vq, UVA_BASE + 8, UVA_BASE + AVAIL_OFF, UVA_BASE + USED_OFF);
	CHECK_EQ(vq_map(&vq, &fx.gm), -EFAULT);
	vq_set_addr(&vq, UVA_BASE, UVA_BASE + AVAIL_OFF + 1, UVA_BASE + USED_OFF);
	CHECK_EQ(vq_map(&vq, &fx.gm), -EFAULT);
	vq_set_addr(&vq, UVA_BASE, UVA_BASE + AVAIL_OFF, UVA_BASE + USED_OFF + 2);
	CHECK_EQ(vq_map(&vq, &fx.gm), -EFAULT);
	/* The used ring (4 + 8 * 8 bytes) would end past the region. */
	vq_set_addr(&vq, UVA_BASE, UVA_BASE + AVAIL_OFF, UVA_BASE + MEM_SIZE - 64);
	CHECK_EQ(vq_map(&vq, &fx.gm), -EFAULT);
	vq_set_addr(&vq, UVA_BASE, UVA_BASE + MEM_SIZE - 18, UVA_BASE + USED_OFF);
	CHECK_EQ(vq_map(&vq, &fx.gm), -EFAULT);
	vq_set_addr(&vq, UVA_BASE, UVA_BASE + MEM_SIZE - 20, UVA_BASE + USED_OFF);
	CHECK_EQ(vq_map(&vq, &fx.gm), 0);
	vq_set_addr(&vq, GPA_BASE, UVA_BASE + AVAIL_OFF, UVA_BASE + USED_OFF);
	CHECK_EQ(vq_map(&vq, &fx.gm), -EFAULT);
	CHECK(vq.desc == NULL && vq.avail == NULL && vq.used == NULL);
	CHECK_EQ(vq_pop(&vq, &fx.gm, &ch), -EFAULT);
	CHECK(!vq_should_notify(&vq));
	vq_free(&vq);
	fx_fini();
}

static void test_remap_and_reset(void)
{
	fx_init(8, false);
	desc(0, BUF_OFF, 1, VRING_DESC_F_WRITE, 0);
	desc(1, BUF_OFF, 1, VRING_DESC_F_WRITE, 0);
	offer(0);
	offer(1);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(vq_push(&fx.vq, 0, 1), 0);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(fx.vq.used_idx, 1);
	/* remap keeps the device's used index and what is in flight. */
	used()->idx = htole16(77);
	CHECK_EQ(vq_remap(&fx.vq, &fx.gm), 0);
	CHECK_EQ(fx.vq.used_idx, 1);
	CHECK(vq_head_inflight(&fx.vq, 1));
	/* map re-reads it from guest memory. */
	CHECK_EQ(vq_map(&fx.vq, &fx.gm), 0);
	CHECK_EQ(fx.vq.used_idx, 77);
	CHECK(vq_head_inflight(&fx.vq, 1));
	vq_forget_inflight(&fx.vq);
	CHECK(!vq_head_inflight(&fx.vq, 1));
	CHECK_EQ(vq_push(&fx.vq, 1, 1), -EINVAL);

	/* A new size drops the in-flight set and the translation. */
	offer(0);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(vq_set_num(&fx.vq, 8), 0);
	CHECK(!vq_head_inflight(&fx.vq, 0));
	CHECK_EQ(vq_push(&fx.vq, 0, 1), -EINVAL);
	CHECK_EQ(pop(), -EFAULT);
	CHECK_EQ(vq_map(&fx.vq, &fx.gm), 0);
	CHECK_EQ(pop(), 0);
	fx_fini();
}

TEST_MAIN(TEST_CASE(test_direct), TEST_CASE(test_event_idx), TEST_CASE(test_zero_len_and_limits),
	  TEST_CASE(test_bad_direct), TEST_CASE(test_indirect), TEST_CASE(test_bad_indirect),
	  TEST_CASE(test_len_overflow), TEST_CASE(test_ring_corruption), TEST_CASE(test_notify),
	  TEST_CASE(test_wrap), TEST_CASE(test_split_copy), TEST_CASE(test_big_queue),
	  TEST_CASE(test_set_num), TEST_CASE(test_map_errors), TEST_CASE(test_remap_and_reset))
