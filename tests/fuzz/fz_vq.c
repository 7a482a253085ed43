// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: the split virtqueue walker (proto/vq.c) over a fuzzed guest
 * memory image, and the guest memory map (proto/gmem.c).
 *
 * Guest memory is two malloc'ed regions of exactly their size, so any
 * access past a region is an ASan report. The input is a header (ring
 * size, features, region placement, ring addresses) and then a program of
 * operations playing a hostile driver: write descriptors (direct, indirect
 * tables, loops, huge lengths, addresses anywhere), publish heads, move the
 * available index, scribble on any byte, while the device side pops,
 * reads, writes and pushes. Optionally a memory table is first checked
 * through gmem_set_table() with memfd-backed regions.
 *
 * Checked after every step: a popped head is in range and in flight, a good
 * chain's segments lie inside guest memory and translate back to
 * themselves, readable ones first, lengths add up; a bad chain is empty;
 * chain reads/writes copy exactly what they promise; a head is pushed at
 * most once; a broken ring stays broken; received fds are closed.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vq.h"
#include "fz.h"

#define FZ_NREG		2
#define FZ_MAX_NUM	256
#define FZ_MAX_OPS	512
#define FZ_MEMFD_SIZE	0x10000

struct fx {
	struct gmem gm;
	struct vq vq;
	uint8_t *mem[FZ_NREG];
	uint64_t gpa[FZ_NREG], size[FZ_NREG];
	uint8_t *desc, *avail;		/* driver's view: host pointers of the rings, or NULL */
	uint16_t avail_idx;
	uint16_t held[FZ_MAX_NUM];	/* heads popped and not pushed, in pop order */
	unsigned int nheld;
	struct vq_chain chain;
	uint8_t scratch[4096];
};

static int memfd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_setup("fuzz-vq");
	memfd = memfd_create("fz-vq", MFD_CLOEXEC);
	FZ_ASSERT(memfd >= 0 && ftruncate(memfd, FZ_MEMFD_SIZE) == 0);
	return 0;
}

/* A guest address: mostly inside or at the edge of a region, sometimes anything. */
static uint64_t fz_addr(struct fx *x, struct fz_in *in)
{
	uint8_t sel = fz_u8(in);
	unsigned int r = (sel >> 2) % FZ_NREG;

	switch (sel & 3) {
	case 0:
		return x->gpa[r] + fz_u16(in) % x->size[r];
	case 1:
		return x->gpa[r] + x->size[r] - (fz_u8(in) & 31);
	case 2:
		return x->gpa[r] - (fz_u8(in) & 31);
	default:
		return fz_u64(in);
	}
}

static uint32_t fz_len(struct fz_in *in)
{
	uint8_t sel = fz_u8(in);

	if (sel < 0xf0)
		return sel & 0x7f;
	return sel == 0xff ? UINT32_MAX - (fz_u8(in) & 15) : fz_u32(in);
}

static void put_desc(uint8_t *at, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	struct vring_desc d = {
		.addr = htole64(addr), .len = htole32(len), .flags = htole16(flags),
		.next = htole16(next),
	};

	memcpy(at, &d, sizeof(d));
}

/* Does [p, p+len) lie inside one region? */
static bool in_guest(const struct fx *x, const uint8_t *p, uint64_t len)
{
	for (unsigned int r = 0; r < FZ_NREG; r++)
		if (p >= x->mem[r] && (uint64_t)(p - x->mem[r]) <= x->size[r] &&
		    len <= x->size[r] - (uint64_t)(p - x->mem[r]))
			return true;
	return false;
}

static void check_chain(struct fx *x)
{
	const struct vq_chain *c = &x->chain;
	uint64_t rsum = 0, wsum = 0;
	bool seen_w = false;
	uint32_t n, off;

	FZ_ASSERT(c->head < x->vq.num && vq_head_inflight(&x->vq, c->head));
	if (c->bad) {
		FZ_ASSERT(c->nsegs == 0 && c->readable_len == 0 && c->writable_len == 0);
		FZ_ASSERT(vq_chain_read(c, 0, x->scratch, sizeof(x->scratch)) == 0);
		FZ_ASSERT(vq_chain_write(c, x->scratch, sizeof(x->scratch)) == 0);
		return;
	}
	FZ_ASSERT(c->nsegs <= VQ_CHAIN_MAX_SEGS);
	for (unsigned int i = 0; i < c->nsegs; i++) {
		const struct vq_seg *s = &c->segs[i];

		FZ_ASSERT(s->len > 0 && in_guest(x, s->host, s->len));
		FZ_ASSERT(gmem_gpa_to_host(&x->gm, s->gpa, s->len) == s->host);
		FZ_ASSERT(s->writable || !seen_w);
		seen_w |= s->writable;
		*(s->writable ? &wsum : &rsum) += s->len;
	}
	FZ_ASSERT(rsum == c->readable_len && wsum == c->writable_len);

	/* Reads from every offset class give exactly what is left, up to the buffer. */
	off = c->readable_len ? (uint32_t)(x->avail_idx * 7u) % c->readable_len : 0;
	n = vq_chain_read(c, off, x->scratch, sizeof(x->scratch));
	FZ_ASSERT(n == (c->readable_len - off < sizeof(x->scratch) ?
			c->readable_len - off : sizeof(x->scratch)));
	if (n && c->segs[0].len > off && !c->segs[0].writable)
		FZ_ASSERT(x->scratch[0] == c->segs[0].host[off]);
	FZ_ASSERT(vq_chain_read(c, c->readable_len, x->scratch, 1) == 0);
	n = vq_chain_write(c, x->scratch, sizeof(x->scratch));
	FZ_ASSERT(n == (c->writable_len < sizeof(x->scratch) ? c->writable_len :
			sizeof(x->scratch)));
}

static void do_pop(struct fx *x)
{
	bool was_broken = x->vq.broken;
	int ret = vq_pop(&x->vq, &x->gm, &x->chain);

	if (was_broken)
		FZ_ASSERT(ret == -EIO);
	if (ret == -EIO)
		FZ_ASSERT(x->vq.broken);
	if (ret != 1)
		return;
	check_chain(x);
	FZ_ASSERT(x->nheld < x->vq.num);
	for (unsigned int i = 0; i < x->nheld; i++)
		FZ_ASSERT(x->held[i] != x->chain.head);
	x->held[x->nheld++] = x->chain.head;
}

static void do_push(struct fx *x, uint16_t head, uint32_t len)
{
	bool inflight = vq_head_inflight(&x->vq, head);
	uint16_t before = x->vq.used_idx;
	int ret = vq_push(&x->vq, head, len);
	unsigned int i;

	FZ_ASSERT((ret == 0) == inflight);
	for (i = 0; i < x->nheld && x->held[i] != head; i++)
		;
	FZ_ASSERT((i < x->nheld) == inflight);
	if (ret)
		return;
	FZ_ASSERT(x->vq.used_idx == (uint16_t)(before + 1));
	FZ_ASSERT(le32toh(x->vq.used->ring[before & (x->vq.num - 1)].id) == head);
	FZ_ASSERT(le16toh(x->vq.used->idx) == x->vq.used_idx);
	FZ_ASSERT(!vq_head_inflight(&x->vq, head));
	FZ_ASSERT(vq_push(&x->vq, head, len) == -EINVAL);
	x->held[i] = x->held[--x->nheld];
}

static void do_publish(struct fx *x, uint16_t head)
{
	uint16_t *ring;

	if (!x->avail)
		return;
	ring = (uint16_t *)(x->avail + 4);
	ring[x->avail_idx & (x->vq.num - 1)] = htole16(head);
	x->avail_idx++;
	((uint16_t *)x->avail)[1] = htole16(x->avail_idx);
}

static void run_op(struct fx *x, struct fz_in *in)
{
	uint8_t op = fz_u8(in);
	uint64_t total = x->size[0] + x->size[1];
	uint32_t off;
	uint8_t n;

	switch (op % 12) {
	case 0:		/* direct descriptor */
	case 1:
		off = fz_u8(in) % x->vq.num;
		if (x->desc)
			put_desc(x->desc + 16 * off, fz_addr(x, in), fz_len(in), fz_u8(in) & 7,
				 fz_u8(in) % (x->vq.num + 2));
		break;
	case 2:		/* indirect table entry anywhere in region 0 */
		off = fz_u16(in) % (uint32_t)(x->size[0] - 15);
		put_desc(x->mem[0] + off, fz_addr(x, in), fz_len(in), fz_u8(in) & 7, fz_u8(in) & 15);
		break;
	case 3:		/* raw bytes anywhere */
		off = fz_u16(in);
		n = fz_u8(in) & 15;
		for (uint8_t i = 0; i < n; i++, off++) {
			uint64_t at = off % total;
			uint8_t b = fz_u8(in);

			if (at < x->size[0])
				x->mem[0][at] = b;
			else
				x->mem[1][at - x->size[0]] = b;
		}
		break;
	case 4:
	case 5:
		do_publish(x, fz_u8(in) % (x->vq.num + 1));
		break;
	case 6:		/* the driver moves its index: ahead, back, anywhere */
		x->avail_idx += (uint16_t)(int8_t)fz_u8(in);
		if (x->avail)
			((uint16_t *)x->avail)[1] = htole16(x->avail_idx);
		break;
	case 7:
	case 8:
		do_pop(x);
		break;
	case 9:		/* complete one held head (or a random one) */
		n = fz_u8(in);
		if (x->nheld && n < 0xf0)
			do_push(x, x->held[n % x->nheld], fz_len(in));
		else
			do_push(x, fz_u16(in), fz_len(in));
		break;
	case 10:	/* flags, notification decision */
		if (x->avail)
			((uint16_t *)x->avail)[0] = htole16(fz_u8(in) & 3);
		vq_should_notify(&x->vq);
		break;
	default:	/* device-side ring management */
		n = fz_u8(in);
		if (n & 1) {
			vq_forget_inflight(&x->vq);
			x->nheld = 0;
		}
		if (n & 2)
			vq_set_base(&x->vq, x->avail_idx - (n >> 4));
		if (n & 4)
			vq_remap(&x->vq, &x->gm);
		break;
	}
}

/* gmem_set_table() on fuzzed regions backed by one small memfd. */
static void check_table(struct fz_in *in)
{
	struct vu_mem_region regs[4];
	int fds[4];
	unsigned int n = fz_u8(in) % 5;
	struct gmem gm;

	gmem_init(&gm);
	fz_fds_mark();
	for (unsigned int i = 0; i < n; i++) {
		uint8_t k = fz_u8(in);

		regs[i].guest_phys_addr = k & 1 ? fz_u64(in) : (uint64_t)fz_u16(in) << 12;
		regs[i].memory_size = k & 2 ? fz_u64(in) : fz_u16(in);
		regs[i].userspace_addr = k & 4 ? fz_u64(in) : (uint64_t)fz_u16(in) << 12;
		regs[i].mmap_offset = k & 8 ? fz_u64(in) : fz_u16(in) & 0xf000;
		fds[i] = k & 16 ? -1 : dup(memfd);
	}
	if (gmem_set_table(&gm, regs, n, fds) == 0) {
		FZ_ASSERT(gm.nregions == n);
		for (unsigned int i = 0; i < n; i++) {
			const struct vu_mem_region *r = &regs[i];
			uint8_t *h = gmem_gpa_to_host(&gm, r->guest_phys_addr, r->memory_size);

			/* UVA ranges may overlap (only GPAs are checked): the first one wins. */
			FZ_ASSERT(h && gmem_uva_to_host(&gm, r->userspace_addr, r->memory_size));
			FZ_ASSERT(r->mmap_offset + r->memory_size <= FZ_MEMFD_SIZE);
			h[0] = h[r->memory_size - 1] = 0x5a;
			FZ_ASSERT(!gmem_gpa_to_host(&gm, r->guest_phys_addr, r->memory_size + 1));
		}
	}
	gmem_clear(&gm);
	fz_fds_check();
}

/* Two regions, a gap (maybe none) between them in both address spaces. */
static bool fx_init(struct fx *x, struct fz_in *in)
{
	uint8_t flags = fz_u8(in);
	uint32_t num = 1u << (fz_u8(in) % 9);
	uint64_t gpa = (uint64_t)fz_u32(in) << 12, uva = 0x7f0000000000ull + fz_u16(in);
	uint64_t gap = (fz_u8(in) & 3) * 0x1000ull;
	uint32_t off[3];

	memset(x, 0, sizeof(*x));
	if (flags & 0x80)
		gpa = UINT64_MAX - 0x20000;	/* near the top of the address space */
	x->size[0] = 0x3000 + (fz_u8(in) & 0x1f) * 0x100ull;
	x->size[1] = 0x800 + (fz_u8(in) & 0xf) * 0x10ull;
	x->gpa[0] = gpa;
	x->gpa[1] = gpa + x->size[0] + gap;
	gmem_init(&x->gm);
	x->gm.nregions = FZ_NREG;
	for (unsigned int r = 0; r < FZ_NREG; r++) {
		x->mem[r] = calloc(1, x->size[r]);
		if (!x->mem[r])
			return false;
		x->gm.regions[r] = (struct gmem_region){
			.gpa = x->gpa[r], .size = x->size[r], .host = x->mem[r],
			.uva = uva + (r ? x->size[0] + gap : 0),
		};
	}
	/* Ring parts: usually the canonical layout, sometimes anywhere (unaligned too). */
	off[0] = 0;
	off[1] = 16 * num;
	off[2] = (off[1] + 4 + 2 * num + 3) & ~3u;
	if (flags & 2)
		for (unsigned int i = 0; i < 3; i++)
			off[i] = fz_u16(in) % (uint32_t)(x->size[0] + x->size[1] + gap);
	vq_init(&x->vq);
	FZ_ASSERT(vq_set_num(&x->vq, num) == 0);
	x->vq.indirect = flags & 1;
	vq_set_addr(&x->vq, uva + off[0], uva + off[1], uva + off[2]);
	vq_set_base(&x->vq, fz_u16(in));
	x->avail_idx = x->vq.last_avail_idx;
	if (vq_map(&x->vq, &x->gm) == 0) {
		x->desc = (uint8_t *)x->vq.desc;
		x->avail = (uint8_t *)x->vq.avail;
		FZ_ASSERT(in_guest(x, x->desc, 16ull * num));
		FZ_ASSERT(in_guest(x, x->avail, 4 + 2ull * num));
		FZ_ASSERT(in_guest(x, (uint8_t *)x->vq.used, 4 + 8ull * num));
		((uint16_t *)x->avail)[1] = htole16(x->avail_idx);
	}
	if (flags & 4)
		check_table(in);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = fz_in(data, size);
	static struct fx x;

	if (memfd < 0)
		LLVMFuzzerInitialize(NULL, NULL);
	if (fx_init(&x, &in))
		for (unsigned int i = 0; i < FZ_MAX_OPS && fz_more(&in); i++)
			run_op(&x, &in);
	vq_free(&x.vq);
	for (unsigned int r = 0; r < FZ_NREG; r++)
		free(x.mem[r]);
	return 0;
}
