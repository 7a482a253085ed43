/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Split virtqueue, device side (VIRTIO 1.2 §2.7): pop descriptor chains from
 * the available ring (direct and one level of indirect descriptors), push
 * used elements. Everything in guest memory is hostile: descriptor addresses
 * and lengths are bounds-checked through gmem, chains are length-limited
 * (no loops), the available index may not run ahead by more than the ring
 * size, and a head can be completed only while it is in flight (never twice).
 *
 * The queue does not know about eventfds or vhost-user; the caller sets
 * addresses, size and base, and asks for a notification decision. With
 * VIRTIO_RING_F_EVENT_IDX (event_idx) the decision follows the driver's
 * used_event, and vq_pop() keeps avail_event at the next entry it will look
 * at, so the driver kicks exactly when we might be idle (§2.7.7, §2.7.10).
 */
#ifndef VQ_H
#define VQ_H

#include <stdbool.h>
#include <stdint.h>
#include "gmem.h"

#define VQ_MAX_SIZE		32768
/* Segments kept per chain; a longer chain is reported bad (gpio needs 2). */
#define VQ_CHAIN_MAX_SEGS	16

#define VRING_DESC_F_NEXT	1
#define VRING_DESC_F_WRITE	2
#define VRING_DESC_F_INDIRECT	4
#define VRING_AVAIL_F_NO_INTERRUPT 1

struct vring_desc {
	uint64_t addr;		/* le64 guest physical */
	uint32_t len;		/* le32 */
	uint16_t flags;		/* le16 */
	uint16_t next;		/* le16 */
};

struct vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};

struct vring_used_elem {
	uint32_t id;
	uint32_t len;
};

struct vring_used {
	uint16_t flags;
	uint16_t idx;
	struct vring_used_elem ring[];
};

_Static_assert(sizeof(struct vring_desc) == 16, "descriptor is 16 bytes");
_Static_assert(sizeof(struct vring_avail) == 4, "avail header is 4 bytes");
_Static_assert(sizeof(struct vring_used_elem) == 8, "used element is 8 bytes");
_Static_assert(sizeof(struct vring_used) == 4, "used header is 4 bytes");

struct vq_seg {
	uint8_t *host;		/* valid until the memory map changes */
	uint64_t gpa;		/* for buffers held across a memory map change */
	uint32_t len;
	bool writable;
};

struct vq_chain {
	uint16_t head;
	bool bad;		/* malformed: complete it with used length 0 */
	unsigned int nsegs;
	struct vq_seg segs[VQ_CHAIN_MAX_SEGS];
	uint32_t readable_len;	/* sum of device-readable segment lengths */
	uint32_t writable_len;	/* sum of device-writable segment lengths */
};

struct vq {
	uint32_t num;			/* 0 = SET_VRING_NUM not seen */
	uint64_t desc_uva, avail_uva, used_uva;
	bool addr_set;
	struct vring_desc *desc;	/* host pointers, set by vq_map() */
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t last_avail_idx;	/* next available entry to pop */
	uint16_t used_idx;		/* next used entry to fill */
	bool indirect;			/* VIRTIO_F_INDIRECT_DESC negotiated */
	bool event_idx;			/* VIRTIO_RING_F_EVENT_IDX negotiated; set before vq_map() */
	bool signalled_valid;		/* signalled_used means something */
	uint16_t signalled_used;	/* used_idx at the last notification */
	bool broken;			/* ring-level corruption seen; stop using it */
	uint32_t *inflight;		/* bitmap of heads popped and not yet pushed */
};

void vq_init(struct vq *vq);
/* Free the in-flight bitmap; the struct may be reused after vq_init(). */
void vq_free(struct vq *vq);

/* Set the size: 1..VQ_MAX_SIZE, a power of two. Clears the in-flight set. */
int vq_set_num(struct vq *vq, uint32_t num);

/* Record the front-end virtual addresses of the three ring parts. */
void vq_set_addr(struct vq *vq, uint64_t desc_uva, uint64_t avail_uva, uint64_t used_uva);

/* Set the next available index to pop (SET_VRING_BASE). */
void vq_set_base(struct vq *vq, uint16_t base);

/*
 * Translate the ring addresses through @gm (each part must lie wholly in one
 * region for the current size) and read the used index from guest memory.
 * Returns 0 or -EFAULT (ring unusable until mapped again).
 */
int vq_map(struct vq *vq, const struct gmem *gm);

/* Re-translate only, keeping used_idx (after a new memory table). */
int vq_remap(struct vq *vq, const struct gmem *gm);

/*
 * Pop the next available chain into @chain.
 * Returns 1 when a chain was popped (check chain->bad), 0 when the ring is
 * empty, -EIO when the ring itself is corrupt (available index ran ahead by
 * more than num, head out of range, head already in flight); the queue is
 * then marked broken and pops nothing more.
 */
int vq_pop(struct vq *vq, const struct gmem *gm, struct vq_chain *chain);

/*
 * Publish a used element for @head with @len bytes written.
 * Returns 0, or -EINVAL if @head is not in flight (never completes twice).
 */
int vq_push(struct vq *vq, uint16_t head, uint32_t len);

/* Is @head popped and not yet pushed? */
bool vq_head_inflight(const struct vq *vq, uint16_t head);

/* Forget every in-flight head (ring reset by the guest). */
void vq_forget_inflight(struct vq *vq);

/*
 * Should the driver be notified of what was pushed since the last time this
 * said yes? Without EVENT_IDX: the avail flags; with it: used_event.
 */
bool vq_should_notify(struct vq *vq);

/*
 * Copy up to @len bytes from the chain's readable segments, in order,
 * starting at byte @off. Returns the number of bytes copied.
 */
uint32_t vq_chain_read(const struct vq_chain *chain, uint32_t off, void *dst, uint32_t len);

/*
 * Copy @len bytes into the chain's writable segments, in order. Returns the
 * number of bytes written (less than @len if the writable part is shorter).
 */
uint32_t vq_chain_write(const struct vq_chain *chain, const void *src, uint32_t len);

#endif /* VQ_H */
