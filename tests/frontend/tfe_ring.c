// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tfe guest memory and the driver side of a split virtqueue.
 *
 * Guest memory is a few memfd regions mapped into this process, like QEMU's
 * RAM: the region's "userspace address" is where we mapped it, which is
 * unrelated to its guest physical address. Region i > 0 also starts at a
 * non-zero offset into its fd, so the daemon has to honour mmap_offset.
 *
 * The ring code trusts nothing the device writes: used ids are checked
 * against the heads in flight (a head returned twice is counted as an
 * error), and the used index may not run ahead of what was made available.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>

#include "tfe.h"

#define MAX_CHAIN	8
#define RESERVED_LOW	0x1000	/* keep GPA 0 out of use, like a real guest */

int tfe_mem_init(struct tfe_mem *m, unsigned int n, size_t size)
{
	memset(m, 0, sizeof(*m));
	if (n == 0 || n > TFE_MAX_REGIONS)
		return -EINVAL;
	for (unsigned int i = 0; i < TFE_MAX_REGIONS; i++)
		m->r[i].fd = -1;
	for (unsigned int i = 0; i < n; i++) {
		struct tfe_region *r = &m->r[i];

		r->gpa = (uint64_t)i * size;
		r->size = size;
		r->offset = (uint64_t)i * 0x10000;
		r->map_len = size + r->offset;
		r->used = i == 0 ? RESERVED_LOW : 0;
		r->fd = memfd_create("tfe-guest", MFD_CLOEXEC);
		if (r->fd < 0 || ftruncate(r->fd, (off_t)r->map_len) < 0)
			goto fail;
		r->map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
		if (r->map == MAP_FAILED) {
			r->map = NULL;
			goto fail;
		}
		m->n = i + 1;
	}
	return 0;
fail:
	m->n = n;
	tfe_mem_fini(m);
	return -ENOMEM;
}

void tfe_mem_fini(struct tfe_mem *m)
{
	for (unsigned int i = 0; i < m->n; i++) {
		if (m->r[i].map)
			munmap(m->r[i].map, m->r[i].map_len);
		if (m->r[i].fd >= 0)
			close(m->r[i].fd);
	}
	memset(m, 0, sizeof(*m));
	for (unsigned int i = 0; i < TFE_MAX_REGIONS; i++)
		m->r[i].fd = -1;
}

static int alloc_in(struct tfe_region *r, size_t size, size_t align, uint64_t *gpa)
{
	uint64_t start = (r->used + align - 1) & ~(uint64_t)(align - 1);

	if (start + size > r->size)
		return -ENOMEM;
	r->used = start + size;
	memset(r->map + r->offset + start, 0, size);
	*gpa = r->gpa + start;
	return 0;
}

/* First fit, starting with region @pref. */
static int mem_alloc_pref(struct tfe_mem *m, unsigned int pref, size_t size, size_t align,
			  uint64_t *gpa)
{
	for (unsigned int i = 0; i < m->n; i++)
		if (alloc_in(&m->r[(pref + i) % m->n], size, align, gpa) == 0)
			return 0;
	return -ENOMEM;
}

int tfe_mem_alloc(struct tfe_mem *m, size_t size, size_t align, uint64_t *gpa)
{
	return mem_alloc_pref(m, 0, size, align, gpa);
}

static struct tfe_region *region_of(struct tfe_mem *m, uint64_t gpa, size_t len)
{
	for (unsigned int i = 0; i < m->n; i++) {
		struct tfe_region *r = &m->r[i];

		if (gpa >= r->gpa && gpa - r->gpa <= r->size && len <= r->size - (gpa - r->gpa))
			return r;
	}
	return NULL;
}

void *tfe_gpa_ptr(struct tfe_mem *m, uint64_t gpa, size_t len)
{
	struct tfe_region *r = region_of(m, gpa, len);

	return r ? r->map + r->offset + (gpa - r->gpa) : NULL;
}

uint64_t tfe_gpa_va(struct tfe_mem *m, uint64_t gpa)
{
	return (uint64_t)(uintptr_t)tfe_gpa_ptr(m, gpa, 1);
}

void tfe_vq_reset(struct tfe_vq *vq)
{
	if (!vq->allocated)
		return;
	memset(vq->desc, 0, sizeof(*vq->desc) * vq->num);
	memset(vq->avail, 0, sizeof(*vq->avail) + 2u * vq->num + 2);
	memset(vq->used, 0, sizeof(*vq->used) + sizeof(struct tfe_used_elem) * vq->num + 2);
	vq->avail_idx = 0;
	vq->kicked_idx = 0;
	vq->last_used = 0;
	vq->nfree = 0;
	for (unsigned int i = vq->num; i-- > 0;)
		vq->free[vq->nfree++] = (uint16_t)i;
	memset(vq->inflight, 0, sizeof(*vq->inflight) * vq->num);
	vq->nslot_free = 0;
	for (int i = TFE_NSLOTS; i-- > 0;)
		vq->slot_free[vq->nslot_free++] = i;
	vq->ndone = 0;
}

void tfe_vq_free(struct tfe_vq *vq)
{
	if (vq->kick_fd >= 0)
		close(vq->kick_fd);
	if (vq->call_fd >= 0)
		close(vq->call_fd);
	vq->kick_fd = vq->call_fd = -1;
	free(vq->free);
	free(vq->inflight);
	free(vq->done);
	vq->free = NULL;
	vq->inflight = NULL;
	vq->done = NULL;
	vq->allocated = false;
}

int tfe_vq_alloc(struct tfe *t, unsigned int q, uint16_t num)
{
	struct tfe_vq *vq = &t->vq[q];
	unsigned int pref = (q + 1) % t->mem.n;	/* rings away from the buffers */
	int rc;

	if (num == 0 || q >= VGPIO_NUM_QUEUES)
		return -EINVAL;
	if (vq->allocated && vq->num == num) {
		tfe_vq_reset(vq);
		return 0;
	}
	if (vq->kick_fd < 0)
		vq->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vq->call_fd < 0)
		vq->call_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vq->kick_fd < 0 || vq->call_fd < 0)
		return -errno;
	free(vq->free);
	free(vq->inflight);
	free(vq->done);
	vq->num = num;
	vq->free = calloc(num, sizeof(*vq->free));
	vq->inflight = calloc(num, sizeof(*vq->inflight));
	vq->done_cap = num < 64 ? 64 : num;
	vq->done = calloc(vq->done_cap, sizeof(*vq->done));
	if (!vq->free || !vq->inflight || !vq->done)
		return -ENOMEM;
	rc = mem_alloc_pref(&t->mem, pref, sizeof(struct tfe_desc) * num, 4096, &vq->desc_gpa);
	if (rc == 0)
		rc = mem_alloc_pref(&t->mem, pref, 4 + 2u * num + 2, 64, &vq->avail_gpa);
	if (rc == 0)
		rc = mem_alloc_pref(&t->mem, pref, 4 + 8u * num + 2, 4096, &vq->used_gpa);
	if (rc == 0)
		rc = tfe_mem_alloc(&t->mem, TFE_NSLOTS * TFE_SLOT_SIZE, 64, &vq->slot_gpa);
	if (rc < 0)
		return rc;
	vq->desc = tfe_gpa_ptr(&t->mem, vq->desc_gpa, sizeof(struct tfe_desc) * num);
	vq->avail = tfe_gpa_ptr(&t->mem, vq->avail_gpa, 4);
	vq->used = tfe_gpa_ptr(&t->mem, vq->used_gpa, 4);
	vq->allocated = true;
	tfe_vq_reset(vq);
	return 0;
}

int tfe_vq_slot(struct tfe_vq *vq, uint64_t *gpa)
{
	int s;

	if (vq->nslot_free == 0)
		return -ENOSPC;
	s = vq->slot_free[--vq->nslot_free];
	*gpa = vq->slot_gpa + (uint64_t)s * TFE_SLOT_SIZE;
	return s;
}

static void put_desc(struct tfe_desc *d, const struct tfe_buf *b, bool more, uint16_t next)
{
	d->addr = b->gpa;
	d->len = b->len;
	d->flags = (uint16_t)((b->write ? TFE_DESC_F_WRITE : 0) | (more ? TFE_DESC_F_NEXT : 0));
	d->next = more ? next : 0;
}

/*
 * Put a chain on the ring and publish it (no kick). An indirect chain takes
 * one descriptor; its table goes in the request's slot when it fits.
 * Returns the head.
 */
int tfe_vq_add(struct tfe *t, unsigned int q, const struct tfe_buf *bufs, unsigned int n,
	       bool indirect, const struct tfe_inflight *meta)
{
	struct tfe_vq *vq = &t->vq[q];
	unsigned int need = indirect ? 1 : n;
	uint16_t ids[MAX_CHAIN];
	uint16_t head;

	if (!vq->allocated || n == 0 || n > MAX_CHAIN)
		return -EINVAL;
	if (vq->nfree < need)
		return -ENOSPC;
	for (unsigned int i = 0; i < need; i++)
		ids[i] = vq->free[--vq->nfree];
	head = ids[0];
	if (indirect) {
		uint64_t tgpa;
		struct tfe_desc *tbl;

		if (meta && meta->slot >= 0 && n <= 2)
			tgpa = vq->slot_gpa + (uint64_t)meta->slot * TFE_SLOT_SIZE + 32;
		else if (tfe_mem_alloc(&t->mem, 16u * n, 16, &tgpa) < 0)
			return -ENOMEM;
		tbl = tfe_gpa_ptr(&t->mem, tgpa, 16u * n);
		for (unsigned int i = 0; i < n; i++)
			put_desc(&tbl[i], &bufs[i], i + 1 < n, (uint16_t)(i + 1));
		vq->desc[head].addr = tgpa;
		vq->desc[head].len = 16u * n;
		vq->desc[head].flags = TFE_DESC_F_INDIRECT;
		vq->desc[head].next = 0;
	} else {
		for (unsigned int i = 0; i < n; i++)
			put_desc(&vq->desc[ids[i]], &bufs[i], i + 1 < n,
				 i + 1 < n ? ids[i + 1] : 0);
	}
	if (meta)
		vq->inflight[head] = *meta;
	else
		memset(&vq->inflight[head], 0, sizeof(vq->inflight[head]));
	if (!meta)
		vq->inflight[head].slot = -1;
	vq->inflight[head].busy = true;
	vq->inflight[head].ndesc = (uint16_t)need;
	memcpy(vq->inflight[head].ids, ids, sizeof(ids[0]) * need);
	vq->inflight[head].seq = vq->seq++;
	vq->avail->ring[vq->avail_idx % vq->num] = head;
	vq->avail_idx++;
	__atomic_store_n(&vq->avail->idx, vq->avail_idx, __ATOMIC_RELEASE);
	return head;
}

/*
 * Hostile chains: write @n raw descriptors, with each NEXT-flagged `next`
 * naming a position in @descs (so loops and odd shapes can be built), and
 * publish descs[0] as the head.
 */
int tfe_vq_add_desc(struct tfe *t, unsigned int q, const struct tfe_desc *descs, unsigned int n,
		    const struct tfe_inflight *meta)
{
	struct tfe_vq *vq = &t->vq[q];
	uint16_t ids[MAX_CHAIN];

	if (!vq->allocated || n == 0 || n > MAX_CHAIN || vq->nfree < n)
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++)
		ids[i] = vq->free[--vq->nfree];
	for (unsigned int i = 0; i < n; i++) {
		vq->desc[ids[i]] = descs[i];
		if ((descs[i].flags & TFE_DESC_F_NEXT) && descs[i].next < n)
			vq->desc[ids[i]].next = ids[descs[i].next];
	}
	vq->inflight[ids[0]] = *meta;
	vq->inflight[ids[0]].busy = true;
	vq->inflight[ids[0]].ndesc = (uint16_t)n;
	vq->inflight[ids[0]].seq = vq->seq++;
	memcpy(vq->inflight[ids[0]].ids, ids, sizeof(ids[0]) * n);
	vq->avail->ring[vq->avail_idx % vq->num] = ids[0];
	vq->avail_idx++;
	__atomic_store_n(&vq->avail->idx, vq->avail_idx, __ATOMIC_RELEASE);
	return ids[0];
}

/* §2.7.10: has idx moved past @event since @old? */
static bool need_event(uint16_t event, uint16_t idx, uint16_t old)
{
	return (uint16_t)(idx - event - 1) < (uint16_t)(idx - old);
}

/* The event field past the used ring (avail_event) / the avail ring (used_event). */
static volatile uint16_t *avail_event(struct tfe_vq *vq)
{
	return (volatile uint16_t *)&vq->used->ring[vq->num];
}

static volatile uint16_t *used_event(struct tfe_vq *vq)
{
	return &vq->avail->ring[vq->num];
}

int tfe_kick(struct tfe *t, unsigned int q)
{
	struct tfe_vq *vq = &t->vq[q];
	uint64_t one = 1;

	if (t->vq[q].kick_fd < 0)
		return -EBADF;
	if (t->event_idx && vq->allocated) {
		uint16_t old = vq->kicked_idx;

		/* Order our avail idx store before reading the device's avail_event. */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		vq->kicked_idx = vq->avail_idx;
		if (!need_event(*avail_event(vq), vq->avail_idx, old)) {
			vq->kicks_saved++;
			return 0;
		}
	}
	if (write(t->vq[q].kick_fd, &one, sizeof(one)) != sizeof(one))
		return -errno;
	return 0;
}

static void release_head(struct tfe_vq *vq, uint16_t head)
{
	struct tfe_inflight *in = &vq->inflight[head];

	/* The ids recorded at post time: never trust the table after the device saw it. */
	for (unsigned int i = 0; i < in->ndesc; i++)
		vq->free[vq->nfree++] = in->ids[i];
	if (in->slot >= 0)
		vq->slot_free[vq->nslot_free++] = in->slot;
	in->busy = false;
}

/* Move new used entries to the done list. Returns how many, or -EPROTO. */
int tfe_vq_collect(struct tfe *t, unsigned int q)
{
	struct tfe_vq *vq = &t->vq[q];
	uint16_t idx;
	int got = 0;

	if (!vq->allocated)
		return 0;
	idx = __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);
	if ((uint16_t)(idx - vq->last_used) > vq->num ||
	    (uint16_t)(idx - vq->last_used) > (uint16_t)(vq->avail_idx - vq->last_used)) {
		fprintf(stderr, "tfe: ring %u used idx %u runs ahead (last used %u, avail %u)\n",
			q, idx, vq->last_used, vq->avail_idx);
		vq->errors++;
		return -EPROTO;
	}
	while (vq->last_used != idx || t->event_idx) {
		struct tfe_used_elem e;

		if (vq->last_used == idx) {
			/*
			 * Ask for a call at the next entry, then look again: one
			 * the device added before it saw the request gets none.
			 */
			*used_event(vq) = vq->last_used;
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			idx = __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);
			if (idx == vq->last_used)
				break;
			continue;
		}
		e = vq->used->ring[vq->last_used % vq->num];
		struct tfe_inflight *in;
		struct tfe_done *d;
		uint8_t *resp;

		vq->last_used++;
		if (e.id >= vq->num || !vq->inflight[e.id].busy) {
			fprintf(stderr, "tfe: ring %u returned head %u that is not in flight\n",
				q, e.id);
			vq->errors++;
			continue;
		}
		in = &vq->inflight[e.id];
		if (vq->ndone == vq->done_cap) {
			struct tfe_done *nd = realloc(vq->done, sizeof(*nd) * vq->done_cap * 2);

			if (!nd)
				return -ENOMEM;
			vq->done = nd;
			vq->done_cap *= 2;
		}
		d = &vq->done[vq->ndone++];
		memset(d, 0, sizeof(*d));
		d->head = (uint16_t)e.id;
		d->len = e.len;
		d->type = in->type;
		d->gpio = in->gpio;
		d->seq = in->seq;
		d->resp_gpa = in->resp_gpa;
		d->resp_len = in->resp_len;
		resp = in->resp_len ? tfe_gpa_ptr(&t->mem, in->resp_gpa, in->resp_len) : NULL;
		if (resp) {
			d->status = resp[0];
			d->value = in->resp_len > 1 ? resp[1] : 0;
		}
		release_head(vq, (uint16_t)e.id);
		vq->completions++;
		got++;
	}
	return got;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/*
 * Wait for the device's call, then collect. The used ring is looked at only
 * after a call, so a device that forgets to signal fails here. Without a
 * call fd (no-fd flag sent) the ring is polled instead.
 */
int tfe_vq_wait(struct tfe *t, unsigned int q, int timeout_ms)
{
	struct tfe_vq *vq = &t->vq[q];
	long deadline = now_ms() + timeout_ms;

	for (;;) {
		long left = deadline - now_ms();
		int got;

		if (vq->call_nofd || vq->call_fd < 0) {
			got = tfe_vq_collect(t, q);
			if (got != 0)
				return got;
			if (left <= 0)
				return -ETIMEDOUT;
			usleep(1000);
			continue;
		}
		struct pollfd pfd = { .fd = vq->call_fd, .events = POLLIN };
		int rc = poll(&pfd, 1, left > 0 ? (int)left : 0);
		uint64_t cnt;

		if (rc < 0 && errno != EINTR)
			return -errno;
		if (rc == 0)
			return -ETIMEDOUT;
		if (rc < 0)
			continue;
		if (read(vq->call_fd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
			return -errno;
		got = tfe_vq_collect(t, q);
		if (got != 0)
			return got;
	}
}

/* Take the completion of @head (or the oldest one if head < 0). */
int tfe_vq_take(struct tfe *t, unsigned int q, int head, struct tfe_done *out, int timeout_ms)
{
	struct tfe_vq *vq = &t->vq[q];
	long deadline = now_ms() + timeout_ms;

	for (;;) {
		for (unsigned int i = 0; i < vq->ndone; i++) {
			if (head >= 0 && vq->done[i].head != head)
				continue;
			if (out)
				*out = vq->done[i];
			memmove(&vq->done[i], &vq->done[i + 1],
				sizeof(*vq->done) * (vq->ndone - i - 1));
			vq->ndone--;
			return 0;
		}
		long left = deadline - now_ms();
		int rc;

		if (left <= 0)
			return -ETIMEDOUT;
		rc = tfe_vq_wait(t, q, (int)left);
		if (rc < 0)
			return rc;
	}
}

/* Clear a pending call (so the next check sees only new ones); returns its count. */
uint64_t tfe_call_drain(struct tfe *t, unsigned int q)
{
	uint64_t cnt = 0;

	if (t->vq[q].call_fd < 0 || read(t->vq[q].call_fd, &cnt, sizeof(cnt)) != sizeof(cnt))
		return 0;
	return cnt;
}

unsigned int tfe_vq_inflight(const struct tfe_vq *vq)
{
	unsigned int n = 0;

	for (unsigned int i = 0; vq->allocated && i < vq->num; i++)
		n += vq->inflight[i].busy;
	return n;
}
