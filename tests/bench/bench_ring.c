// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vug-bench guest memory and the driver side of the split rings.
 *
 * Guest memory is one memfd mapped here; guest physical address 0 is the
 * start of the fd (page 0 is kept unused, like a real guest's). Every buffer
 * slot has fixed descriptors written once at setup, so the hot path only
 * writes a payload and publishes a head: the figures are the back-end's cost,
 * not the driver's. The used ring is still checked on every entry: a head
 * that is not in flight, or a used index that runs ahead, is -EPROTO.
 */
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>

#include "bench.h"

#define PAGE	4096u

int bring_mem_init(struct bconn *c, size_t size)
{
	size = (size + PAGE - 1) & ~(size_t)(PAGE - 1);
	c->memfd = memfd_create("vug-bench-guest", MFD_CLOEXEC);
	if (c->memfd < 0)
		return -errno;
	if (ftruncate(c->memfd, (off_t)size) < 0)
		return -errno;
	c->mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, c->memfd, 0);
	if (c->mem == MAP_FAILED) {
		c->mem = NULL;
		return -errno;
	}
	c->mem_len = size;
	c->mem_used = PAGE;
	return 0;
}

static int mem_alloc(struct bconn *c, size_t size, size_t align, uint64_t *gpa)
{
	uint64_t start = (c->mem_used + align - 1) & ~(uint64_t)(align - 1);

	if (start + size > c->mem_len)
		return -ENOMEM;
	c->mem_used = start + size;
	*gpa = start;
	return 0;
}

uint64_t bring_va(const struct bconn *c, uint64_t gpa)
{
	return (uint64_t)(uintptr_t)(c->mem + gpa);
}

uint8_t *bring_slot(struct bvq *vq, unsigned int slot)
{
	return vq->slots + (size_t)slot * BENCH_SLOT_SIZE;
}

static void put_desc(struct bench_desc *d, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	d->addr = htole64(addr);
	d->len = htole32(len);
	d->flags = htole16(flags);
	d->next = htole16(next);
}

/*
 * Ring @q of @num entries whose buffers are @out_len device-readable bytes
 * then @in_len device-writable ones.
 */
int bring_vq_init(struct bconn *c, unsigned int q, uint16_t num, uint32_t out_len,
		  uint32_t in_len)
{
	struct bvq *vq = &c->vq[q];
	int rc;

	if (num == 0 || (num & (num - 1)) || (!c->indirect && num < 2))
		return -EINVAL;
	memset(vq, 0, sizeof(*vq));
	vq->index = q;
	vq->num = num;
	vq->indirect = c->indirect;
	vq->nslots = vq->indirect ? num : num / 2u;
	vq->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	vq->call_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	vq->busy = calloc(vq->nslots, 1);
	if (vq->kick_fd < 0 || vq->call_fd < 0 || !vq->busy)
		return -ENOMEM;
	rc = mem_alloc(c, sizeof(struct bench_desc) * num, PAGE, &vq->desc_gpa);
	if (rc == 0)
		rc = mem_alloc(c, 6u + 2u * num, 64, &vq->avail_gpa);
	if (rc == 0)
		rc = mem_alloc(c, 6u + sizeof(struct bench_used_elem) * num, PAGE, &vq->used_gpa);
	if (rc == 0)
		rc = mem_alloc(c, (size_t)BENCH_SLOT_SIZE * vq->nslots, PAGE, &vq->slot_gpa);
	if (rc < 0)
		return rc;
	vq->desc = (struct bench_desc *)(c->mem + vq->desc_gpa);
	vq->avail = (struct bench_avail *)(c->mem + vq->avail_gpa);
	vq->used = (struct bench_used *)(c->mem + vq->used_gpa);
	vq->slots = c->mem + vq->slot_gpa;
	for (unsigned int s = 0; s < vq->nslots; s++) {
		uint64_t base = vq->slot_gpa + (uint64_t)s * BENCH_SLOT_SIZE;

		if (vq->indirect) {
			struct bench_desc *tbl = (struct bench_desc *)(bring_slot(vq, s) +
								       BENCH_SLOT_TABLE);

			put_desc(&vq->desc[s], base + BENCH_SLOT_TABLE, 2 * sizeof(*tbl),
				 BENCH_DESC_F_INDIRECT, 0);
			put_desc(&tbl[0], base, out_len, BENCH_DESC_F_NEXT, 1);
			put_desc(&tbl[1], base + BENCH_SLOT_RESP, in_len, BENCH_DESC_F_WRITE, 0);
		} else {
			put_desc(&vq->desc[2 * s], base, out_len, BENCH_DESC_F_NEXT,
				 (uint16_t)(2 * s + 1));
			put_desc(&vq->desc[2 * s + 1], base + BENCH_SLOT_RESP, in_len,
				 BENCH_DESC_F_WRITE, 0);
		}
	}
	return 0;
}

void bring_fini(struct bconn *c)
{
	for (unsigned int q = 0; q < VGPIO_NUM_QUEUES; q++) {
		struct bvq *vq = &c->vq[q];

		if (vq->kick_fd >= 0)
			close(vq->kick_fd);
		if (vq->call_fd >= 0)
			close(vq->call_fd);
		free(vq->busy);
		memset(vq, 0, sizeof(*vq));
		vq->kick_fd = vq->call_fd = -1;
	}
	if (c->mem)
		munmap(c->mem, c->mem_len);
	if (c->memfd >= 0)
		close(c->memfd);
	c->mem = NULL;
	c->memfd = -1;
}

/* Publish slot @slot's buffer; the caller kicks (once per batch). */
void bring_post(struct bvq *vq, unsigned int slot)
{
	uint16_t head = (uint16_t)(vq->indirect ? slot : 2 * slot);

	vq->busy[slot] = 1;
	vq->inflight++;
	vq->avail->ring[vq->avail_idx & (vq->num - 1)] = htole16(head);
	vq->avail_idx++;
	__atomic_store_n(&vq->avail->idx, htole16(vq->avail_idx), __ATOMIC_RELEASE);
}

int bring_kick(struct bvq *vq)
{
	uint64_t one = 1;

	/* The avail index must be visible before we look at the device's flag. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (le16toh(__atomic_load_n(&vq->used->flags, __ATOMIC_RELAXED)) &
	    BENCH_USED_F_NO_NOTIFY)
		return 0;
	if (write(vq->kick_fd, &one, sizeof(one)) != sizeof(one))
		return -errno;
	return 0;
}

void bring_call_clear(struct bvq *vq)
{
	uint64_t cnt;

	if (read(vq->call_fd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		fprintf(stderr, "vug-bench: read call fd: %s\n", strerror(errno));
}

/* Wait for the device's call on @vq and clear it: 0, or -ETIMEDOUT. */
int bring_wait(struct bvq *vq, int timeout_ms)
{
	struct pollfd pfd = { .fd = vq->call_fd, .events = POLLIN };
	int rc;

	do {
		rc = poll(&pfd, 1, timeout_ms);
	} while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return -errno;
	if (rc == 0)
		return -ETIMEDOUT;
	bring_call_clear(vq);
	return 0;
}

int bring_take(struct bvq *vq, unsigned int *slot, uint32_t *len)
{
	uint16_t idx = le16toh(__atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE));
	struct bench_used_elem e;
	unsigned int s;

	if (idx == vq->last_used)
		return 0;
	if ((uint16_t)(idx - vq->last_used) > vq->inflight) {
		fprintf(stderr, "vug-bench: ring %u: used index %u runs ahead (last %u, %u in "
			"flight)\n", vq->index, idx, vq->last_used, vq->inflight);
		return -EPROTO;
	}
	e = vq->used->ring[vq->last_used & (vq->num - 1)];
	vq->last_used++;
	e.id = le32toh(e.id);
	s = vq->indirect ? e.id : e.id / 2;
	if (e.id >= vq->num || (!vq->indirect && (e.id & 1)) || !vq->busy[s]) {
		fprintf(stderr, "vug-bench: ring %u: used head %u is not in flight\n", vq->index,
			e.id);
		return -EPROTO;
	}
	vq->busy[s] = 0;
	vq->inflight--;
	*slot = s;
	*len = le32toh(e.len);
	return 1;
}
