// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Split virtqueue, device side. The guest can rewrite any ring byte at any
 * time, so every descriptor is copied out once before it is checked and used,
 * and ring indices are read with atomics paired with the driver's barriers.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vq.h"

void vq_init(struct vq *vq)
{
	memset(vq, 0, sizeof(*vq));
}

void vq_free(struct vq *vq)
{
	free(vq->inflight);
	vq->inflight = NULL;
}

static bool inflight_test(const struct vq *vq, uint16_t head)
{
	return vq->inflight[head / 32] & (1u << (head % 32));
}

static void inflight_set(struct vq *vq, uint16_t head, bool on)
{
	if (on)
		vq->inflight[head / 32] |= 1u << (head % 32);
	else
		vq->inflight[head / 32] &= ~(1u << (head % 32));
}

static size_t inflight_words(uint32_t num)
{
	return (num + 31) / 32;
}

int vq_set_num(struct vq *vq, uint32_t num)
{
	uint32_t *bm;

	if (num == 0 || num > VQ_MAX_SIZE || (num & (num - 1)))
		return -EINVAL;
	bm = calloc(inflight_words(num), sizeof(*bm));
	if (!bm)
		return -ENOMEM;
	free(vq->inflight);
	vq->inflight = bm;
	vq->num = num;
	/* The old translation was checked for the old size. */
	vq->desc = NULL;
	vq->avail = NULL;
	vq->used = NULL;
	return 0;
}

void vq_set_addr(struct vq *vq, uint64_t desc_uva, uint64_t avail_uva, uint64_t used_uva)
{
	vq->desc_uva = desc_uva;
	vq->avail_uva = avail_uva;
	vq->used_uva = used_uva;
	vq->addr_set = true;
	vq->desc = NULL;
	vq->avail = NULL;
	vq->used = NULL;
}

void vq_set_base(struct vq *vq, uint16_t base)
{
	vq->last_avail_idx = base;
	vq->signalled_valid = false;
}

/* The ring's event fields, past the last entry: only with EVENT_IDX (§2.7.10). */
static uint16_t *used_event(const struct vq *vq)
{
	return &vq->avail->ring[vq->num];
}

static uint16_t *avail_event(const struct vq *vq)
{
	return (uint16_t *)&vq->used->ring[vq->num];
}

static int translate(struct vq *vq, const struct gmem *gm)
{
	uint64_t num = vq->num;
	uint64_t ev = vq->event_idx ? sizeof(uint16_t) : 0;
	void *d, *a, *u;

	vq->desc = NULL;
	vq->avail = NULL;
	vq->used = NULL;
	if (!num || !vq->addr_set || !vq->inflight)
		return -EFAULT;
	if ((vq->desc_uva & 15) || (vq->avail_uva & 1) || (vq->used_uva & 3))
		return -EFAULT;
	d = gmem_uva_to_host(gm, vq->desc_uva, sizeof(struct vring_desc) * num);
	a = gmem_uva_to_host(gm, vq->avail_uva, sizeof(struct vring_avail) + 2 * num + ev);
	u = gmem_uva_to_host(gm, vq->used_uva,
			     sizeof(struct vring_used) + sizeof(struct vring_used_elem) * num + ev);
	if (!d || !a || !u)
		return -EFAULT;
	/* Atomic ring accesses need natural alignment on the host side too. */
	if (((uintptr_t)d & 15) || ((uintptr_t)a & 1) || ((uintptr_t)u & 3))
		return -EFAULT;
	vq->desc = d;
	vq->avail = a;
	vq->used = u;
	return 0;
}

int vq_map(struct vq *vq, const struct gmem *gm)
{
	int err = translate(vq, gm);

	if (err)
		return err;
	vq->used_idx = le16toh(__atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE));
	vq->broken = false;
	vq->signalled_valid = false;
	return 0;
}

int vq_remap(struct vq *vq, const struct gmem *gm)
{
	return translate(vq, gm);
}

bool vq_head_inflight(const struct vq *vq, uint16_t head)
{
	return vq->inflight && head < vq->num && inflight_test(vq, head);
}

void vq_forget_inflight(struct vq *vq)
{
	if (vq->inflight)
		memset(vq->inflight, 0, inflight_words(vq->num) * sizeof(*vq->inflight));
}

/* Copy one descriptor out of guest memory (possibly unaligned in an indirect table). */
static void load_desc(struct vring_desc *out, const void *src)
{
	struct vring_desc d;

	memcpy(&d, src, sizeof(d));
	out->addr = le64toh(d.addr);
	out->len = le32toh(d.len);
	out->flags = le16toh(d.flags);
	out->next = le16toh(d.next);
}

struct walk {
	const struct gmem *gm;
	struct vq_chain *chain;
	bool seen_writable;
};

static int add_seg(struct walk *w, const struct vring_desc *d)
{
	struct vq_chain *c = w->chain;
	bool writable = d->flags & VRING_DESC_F_WRITE;
	uint32_t *sum = writable ? &c->writable_len : &c->readable_len;
	uint8_t *host;

	/* The driver must put all device-readable buffers first (§2.7.4). */
	if (!writable && w->seen_writable)
		return -EINVAL;
	w->seen_writable |= writable;
	if (d->len == 0)
		return 0;
	if (c->nsegs >= VQ_CHAIN_MAX_SEGS)
		return -EINVAL;
	if (d->len > UINT32_MAX - *sum)
		return -EINVAL;
	host = gmem_gpa_to_host(w->gm, d->addr, d->len);
	if (!host)
		return -EINVAL;
	*sum += d->len;
	c->segs[c->nsegs++] = (struct vq_seg){
		.host = host,
		.gpa = d->addr,
		.len = d->len,
		.writable = writable,
	};
	return 0;
}

/*
 * Walk the table an INDIRECT descriptor points to. Its own WRITE flag is
 * ignored, as the spec asks of devices; NEXT on it is forbidden to drivers.
 */
static int walk_indirect(struct walk *w, const struct vq *vq, const struct vring_desc *ind)
{
	const uint8_t *table;
	uint32_t n, i = 0;

	if (!vq->indirect || (ind->flags & VRING_DESC_F_NEXT))
		return -EINVAL;
	if (ind->len == 0 || ind->len % sizeof(struct vring_desc) ||
	    ind->len / sizeof(struct vring_desc) > VQ_MAX_SIZE)
		return -EINVAL;
	n = ind->len / sizeof(struct vring_desc);
	table = gmem_gpa_to_host(w->gm, ind->addr, ind->len);
	if (!table)
		return -EINVAL;

	/* At most n steps: a longer walk can only be a loop. */
	for (uint32_t steps = 0; steps < n; steps++) {
		struct vring_desc d;

		load_desc(&d, table + (size_t)i * sizeof(struct vring_desc));
		if (d.flags & VRING_DESC_F_INDIRECT)
			return -EINVAL;
		if (add_seg(w, &d))
			return -EINVAL;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		if (d.next >= n)
			return -EINVAL;
		i = d.next;
	}
	return -EINVAL;
}

/* Zero or more direct descriptors, optionally ending in one INDIRECT one. */
static int walk_chain(const struct vq *vq, const struct gmem *gm, uint16_t head,
		      struct vq_chain *chain)
{
	struct walk w = { .gm = gm, .chain = chain };
	uint32_t i = head;

	for (uint32_t steps = 0; steps < vq->num; steps++) {
		struct vring_desc d;

		load_desc(&d, &vq->desc[i]);
		if (d.flags & VRING_DESC_F_INDIRECT)
			return walk_indirect(&w, vq, &d);
		if (add_seg(&w, &d))
			return -EINVAL;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		if (d.next >= vq->num)
			return -EINVAL;
		i = d.next;
	}
	return -EINVAL;
}

int vq_pop(struct vq *vq, const struct gmem *gm, struct vq_chain *chain)
{
	uint16_t avail_idx, pending, head;

	if (vq->broken)
		return -EIO;
	if (!vq->desc || !vq->avail || !vq->used || !vq->inflight)
		return -EFAULT;

	/* Acquire pairs with the driver's write barrier before it bumps idx. */
	avail_idx = le16toh(__atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE));
	pending = (uint16_t)(avail_idx - vq->last_avail_idx);
	if (pending == 0 && vq->event_idx) {
		/*
		 * Ask for a kick at the next entry, then look again: one the
		 * driver added before it could see the request sends none.
		 */
		__atomic_store_n(avail_event(vq), htole16(vq->last_avail_idx), __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		avail_idx = le16toh(__atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE));
		pending = (uint16_t)(avail_idx - vq->last_avail_idx);
	}
	if (pending == 0)
		return 0;
	if (pending > vq->num)
		goto broken;
	head = le16toh(__atomic_load_n(&vq->avail->ring[vq->last_avail_idx & (vq->num - 1)],
				       __ATOMIC_RELAXED));
	/* A head in flight is still owned by us: the driver reused it, the ring is corrupt. */
	if (head >= vq->num || inflight_test(vq, head))
		goto broken;

	vq->last_avail_idx++;
	inflight_set(vq, head, true);
	memset(chain, 0, sizeof(*chain));
	chain->head = head;
	if (walk_chain(vq, gm, head, chain)) {
		chain->bad = true;
		chain->nsegs = 0;
		chain->readable_len = 0;
		chain->writable_len = 0;
	}
	return 1;

broken:
	vq->broken = true;
	return -EIO;
}

int vq_push(struct vq *vq, uint16_t head, uint32_t len)
{
	struct vring_used_elem *e;

	if (!vq_head_inflight(vq, head))
		return -EINVAL;
	if (!vq->used)
		return -EFAULT;
	e = &vq->used->ring[vq->used_idx & (vq->num - 1)];
	__atomic_store_n(&e->id, htole32(head), __ATOMIC_RELAXED);
	__atomic_store_n(&e->len, htole32(len), __ATOMIC_RELAXED);
	vq->used_idx++;
	/* Release: the element and the buffer contents are visible before the index. */
	__atomic_store_n(&vq->used->idx, htole16(vq->used_idx), __ATOMIC_RELEASE);
	inflight_set(vq, head, false);
	return 0;
}

bool vq_should_notify(struct vq *vq)
{
	uint16_t flags, event, old;

	if (!vq->avail)
		return false;
	/* Order the used index store before the flags/event load (store-load). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->event_idx) {
		flags = le16toh(__atomic_load_n(&vq->avail->flags, __ATOMIC_RELAXED));
		return !(flags & VRING_AVAIL_F_NO_INTERRUPT);
	}
	old = vq->signalled_used;
	if (vq->signalled_valid && old == vq->used_idx)
		return false;		/* nothing new since the last one */
	event = le16toh(__atomic_load_n(used_event(vq), __ATOMIC_RELAXED));
	vq->signalled_used = vq->used_idx;
	if (!vq->signalled_valid) {
		vq->signalled_valid = true;
		return true;
	}
	/* Did used_idx pass used_event since the last notification? (§2.7.10) */
	return (uint16_t)(vq->used_idx - event - 1) < (uint16_t)(vq->used_idx - old);
}

uint32_t vq_chain_read(const struct vq_chain *chain, uint32_t off, void *dst, uint32_t len)
{
	uint32_t done = 0;

	if (chain->bad)
		return 0;
	for (unsigned int i = 0; i < chain->nsegs && i < VQ_CHAIN_MAX_SEGS && done < len; i++) {
		const struct vq_seg *s = &chain->segs[i];
		uint32_t n;

		if (s->writable)
			continue;
		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		n = s->len - off;
		if (n > len - done)
			n = len - done;
		memcpy((uint8_t *)dst + done, s->host + off, n);
		done += n;
		off = 0;
	}
	return done;
}

uint32_t vq_chain_write(const struct vq_chain *chain, const void *src, uint32_t len)
{
	uint32_t done = 0;

	if (chain->bad)
		return 0;
	for (unsigned int i = 0; i < chain->nsegs && i < VQ_CHAIN_MAX_SEGS && done < len; i++) {
		const struct vq_seg *s = &chain->segs[i];
		uint32_t n;

		if (!s->writable)
			continue;
		n = s->len < len - done ? s->len : len - done;
		memcpy(s->host, (const uint8_t *)src + done, n);
		done += n;
	}
	return done;
}
