// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The two virtqueues of the device as the worker runs them.
 *
 * requestq: chains are popped in ring order into a FIFO. Requests the worker
 * can answer itself (errors, line names) are resolved at once; the others go
 * to the helper in batches. Used entries are published strictly in FIFO
 * order, which gives same-line ordering (VR5) without tracking lines.
 *
 * eventq: chains are handed to the interrupt state machine (vgpio_irq),
 * which returns them through wk_irq_complete(). A buffer for a level-trigger
 * line makes it ask for the line's level (wk_irq_read_level()); those reads
 * go to the helper as GET_VALUE ops tagged WK_TAG_LEVEL_READ, one batch per
 * pass over the eventq, and are answered outside the FIFO.
 *
 * Ordering that the Linux driver depends on (digest MUST 12 and 31): before a
 * SET_IRQ_TYPE(NONE) or SET_DIRECTION(NONE) is completed, every buffer already
 * on the eventq is taken, the line's held buffer is returned INVALID and the
 * eventq is signalled; only then is the request's used entry published.
 */
#include <errno.h>
#include <endian.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "worker/wk.h"

void wk_irq_complete(void *ctx, uint16_t head, uint64_t status_gpa, uint8_t status)
{
	struct worker *w = ctx;
	struct wk_queue *q = &w->q[VGPIO_QUEUE_EVENT];
	uint8_t *p = gmem_gpa_to_host(&w->gm, status_gpa, 1);
	uint32_t len = 1;

	if (!p) {
		/* Only possible if the memory table changed under a held buffer. */
		log_warn("eventq head %u: status byte %#llx no longer mapped", head,
			 (unsigned long long)status_gpa);
		len = 0;
	} else {
		*p = status;
	}
	if (vq_push(&q->vq, head, len) < 0)
		log_err("eventq head %u completed while not in flight (refused)", head);
	q->notify_pending = true;
}

void wk_irq_read_level(void *ctx, uint16_t gpio)
{
	struct worker *w = ctx;
	struct ipc_line_op *op;

	if (w->nlevel_reads == IPC_MAX_OPS)
		wk_level_reads_flush(w);
	op = &w->level_reads[w->nlevel_reads++];
	memset(op, 0, sizeof(*op));
	op->tag = htole32(WK_TAG_LEVEL_READ | gpio);
	op->op = htole16(IPC_OP_GET_VALUE);
	op->line = htole16(gpio);
}

void wk_level_reads_flush(struct worker *w)
{
	unsigned int n = w->nlevel_reads;

	if (!n)
		return;
	w->nlevel_reads = 0;
	if (w->helper_lost)
		return;
	if (hc_send_ops(w, w->level_reads, n) < 0)
		wk_helper_lost(w, "cannot send level reads");
}

void wk_process_eventq(struct worker *w)
{
	struct wk_queue *q = &w->q[VGPIO_QUEUE_EVENT];
	struct vq_chain chain;
	uint16_t gpio;
	int ret;

	/*
	 * At most a ring's worth per pass: a driver whose used ring lies over
	 * its avail index makes every completion look like a new buffer, and
	 * an unbounded loop would never return (found by fuzzing).
	 */
	for (uint32_t n = 0; n < q->vq.num && wk_queue_ready(w, VGPIO_QUEUE_EVENT); n++) {
		ret = vq_pop(&q->vq, &w->gm, &chain);
		if (ret == 0)
			break;
		if (ret < 0) {
			wk_queue_broken(w, VGPIO_QUEUE_EVENT);
			break;
		}
		if (chain.bad || chain.readable_len < sizeof(gpio) || chain.writable_len < 1) {
			log_warn("eventq head %u: malformed buffer (readable %u, writable %u)",
				 chain.head, chain.readable_len, chain.writable_len);
			vq_push(&q->vq, chain.head, 0);
			q->notify_pending = true;
			continue;
		}
		vq_chain_read(&chain, 0, &gpio, sizeof(gpio));
		for (unsigned int i = 0; i < chain.nsegs; i++) {
			if (chain.segs[i].writable) {
				vgpio_irq_buffer(w->irq, le16toh(gpio), chain.head,
						 chain.segs[i].gpa);
				break;
			}
		}
	}
	wk_level_reads_flush(w);
}

int wk_fifo_alloc(struct worker *w, uint32_t num)
{
	struct wk_req *fifo;

	if (w->fifo_cap == num)
		return 0;
	if (w->fifo_len)
		return -EBUSY;
	fifo = calloc(num, sizeof(*fifo));
	if (!fifo)
		return -ENOMEM;
	free(w->fifo);
	w->fifo = fifo;
	w->fifo_cap = num;
	w->fifo_head = 0;
	return 0;
}

static struct wk_req *wk_fifo_at(struct worker *w, uint32_t off)
{
	return &w->fifo[(w->fifo_head + off) % w->fifo_cap];
}

/* Point resp[0..1] at the first two writable bytes of the chain. */
static uint32_t wk_chain_resp_ptrs(const struct vq_chain *chain, uint8_t *resp[2])
{
	uint32_t n = 0;

	resp[0] = resp[1] = NULL;
	for (unsigned int i = 0; i < chain->nsegs && n < 2; i++) {
		const struct vq_seg *s = &chain->segs[i];

		for (uint32_t b = 0; s->writable && b < s->len && n < 2; b++)
			resp[n++] = s->host + b;
	}
	return n;
}

static void wk_req_write(struct wk_req *r)
{
	if (r->resp[0])
		*r->resp[0] = r->status;
	if (r->resp[1])
		*r->resp[1] = r->value;
}

/* Decode one chain into FIFO entry @r; returns true when it needs the helper. */
static bool wk_req_decode(struct worker *w, const struct vq_chain *chain, struct wk_req *r,
			  struct ipc_line_op *op)
{
	struct virtio_gpio_request req = { 0 };
	uint32_t got, nresp;
	enum vgpio_req_action action;

	memset(r, 0, sizeof(*r));
	r->head = chain->head;
	if (chain->bad) {
		log_warn("requestq head %u: malformed chain, completed with length 0", chain->head);
		r->resolved = true;
		return false;
	}
	got = vq_chain_read(chain, 0, &req, sizeof(req));
	nresp = wk_chain_resp_ptrs(chain, r->resp);
	r->type = le16toh(req.type);
	r->gpio = le16toh(req.gpio);
	r->req_value = le32toh(req.value);
	action = vgpio_req_decode(&w->info, &req, got, chain->writable_len, op, &r->status,
				  &r->value);
	switch (action) {
	case VGPIO_REQ_FORWARD:
		return true;
	case VGPIO_REQ_NAMES:
		/* w->names holds the status byte OK followed by the names block. */
		r->used_len = vq_chain_write(chain, w->names, 1 + w->info.names_size);
		r->resolved = true;
		return false;
	case VGPIO_REQ_ANSWER:
	default:
		wk_req_write(r);
		r->used_len = nresp;
		r->resolved = true;
		return false;
	}
}

/* Queue @op for the helper, sending a full batch. */
static int wk_ops_add(struct worker *w, struct ipc_line_op *ops, unsigned int *n,
		      const struct ipc_line_op *op)
{
	ops[(*n)++] = *op;
	if (*n < IPC_MAX_OPS)
		return 0;
	*n = 0;
	return hc_send_ops(w, ops, IPC_MAX_OPS);
}

void wk_process_requestq(struct worker *w)
{
	static struct ipc_line_op ops[IPC_MAX_OPS];
	struct wk_queue *q = &w->q[VGPIO_QUEUE_REQUEST];
	struct ipc_line_op op, sync;
	struct vq_chain chain;
	unsigned int nops = 0;
	uint8_t value;
	int ret;

	/* Waiting for a new helper session: the requests wait in the ring. */
	if (w->helper_lost && w->renew_timer && w->renew_fd >= 0)
		return;
	while (wk_queue_ready(w, VGPIO_QUEUE_REQUEST) && w->fifo_len < w->fifo_cap) {
		struct wk_req *r;

		ret = vq_pop(&q->vq, &w->gm, &chain);
		if (ret == 0)
			break;
		if (ret < 0) {
			wk_queue_broken(w, VGPIO_QUEUE_REQUEST);
			break;
		}
		r = wk_fifo_at(w, w->fifo_len++);
		w->nreq++;
		if (!wk_req_decode(w, &chain, r, &op))
			continue;
		r->used_len = 2;
		if (wk_caps_try(w, &op, &value)) {
			w->nreq_direct++;
			r->status = VIRTIO_GPIO_STATUS_OK;
			r->value = value;
			r->resolved = true;
			wk_req_write(r);
			continue;
		}
		if (wk_caps_before_forward(w, &op, &sync) && wk_ops_add(w, ops, &nops, &sync) < 0)
			goto lost;
		r->tag = w->next_tag++ & ~WK_TAG_OWN;
		op.tag = htole32(r->tag);
		r->forwarded = true;
		w->unresolved++;
		if (wk_ops_add(w, ops, &nops, &op) < 0)
			goto lost;
	}
	if (nops && hc_send_ops(w, ops, nops) < 0)
		goto lost;
	wk_fifo_flush(w);
	return;
lost:
	wk_helper_lost(w, "cannot send line operations");
}

void wk_fail_unresolved(struct worker *w)
{
	for (uint32_t off = 0; off < w->fifo_len; off++) {
		struct wk_req *r = wk_fifo_at(w, off);

		if (r->resolved)
			continue;
		r->status = VIRTIO_GPIO_STATUS_ERR;
		r->value = 0;
		r->resolved = true;
	}
	w->unresolved = 0;
	wk_fifo_flush(w);
}

int wk_req_answered(struct worker *w, const struct ipc_line_result *res)
{
	bool ok = res->status == VIRTIO_GPIO_STATUS_OK;

	if (res->tag & WK_TAG_LEVEL_READ) {
		/* Not a FIFO entry; vgpio_irq checks the line number. */
		vgpio_irq_level(w->irq, (uint16_t)res->tag, ok, res->value);
		return 0;
	}
	if (res->tag & WK_TAG_SYNC) {
		/* Not a FIFO entry either; wk_caps checks the line number. */
		wk_caps_answered(w, (uint16_t)res->tag, IPC_OP_SET_VALUE, 0, ok);
		return 0;
	}
	for (uint32_t off = 0; off < w->fifo_len; off++) {
		struct wk_req *r = wk_fifo_at(w, off);

		if (r->resolved)
			continue;
		/* The first unresolved entry is the oldest forwarded one. */
		if (r->tag != res->tag)
			return -EPROTO;
		r->status = ok ? VIRTIO_GPIO_STATUS_OK : VIRTIO_GPIO_STATUS_ERR;
		r->value = ok ? res->value : 0;
		r->resolved = true;
		w->unresolved--;
		wk_caps_answered(w, r->gpio, r->type, r->req_value, ok);
		return 0;
	}
	return -EPROTO;
}

/* Take every buffer already on the eventq, so a NONE can return it (MUST 31). */
static void wk_irq_disable_line(struct worker *w, const struct wk_req *r)
{
	wk_process_eventq(w);
	if (r->type == VIRTIO_GPIO_MSG_SET_DIRECTION)
		vgpio_irq_release(w->irq, r->gpio);
	else
		vgpio_irq_set_type(w->irq, r->gpio, VIRTIO_GPIO_IRQ_TYPE_NONE, 0);
	wk_notify_queue(w, VGPIO_QUEUE_EVENT);
}

static void wk_req_side_effects(struct worker *w, struct wk_req *r)
{
	bool none = r->type == VIRTIO_GPIO_MSG_SET_IRQ_TYPE &&
		    r->req_value == VIRTIO_GPIO_IRQ_TYPE_NONE;

	/* Disabling is always safe, so the guest gets its buffer back even on ERR (VE2). */
	if (r->status != VIRTIO_GPIO_STATUS_OK && !none)
		return;
	if (r->type == VIRTIO_GPIO_MSG_SET_IRQ_TYPE) {
		if (r->req_value == VIRTIO_GPIO_IRQ_TYPE_NONE)
			wk_irq_disable_line(w, r);
		else
			vgpio_irq_set_type(w->irq, r->gpio, (uint8_t)r->req_value, r->value);
		/* The answer's value carried the level; the guest gets 0. */
		r->value = 0;
	} else if (r->type == VIRTIO_GPIO_MSG_SET_DIRECTION &&
		   r->req_value == VIRTIO_GPIO_DIRECTION_NONE) {
		wk_irq_disable_line(w, r);
	}
}

void wk_fifo_flush(struct worker *w)
{
	struct wk_queue *q = &w->q[VGPIO_QUEUE_REQUEST];

	while (w->fifo_len) {
		struct wk_req *r = wk_fifo_at(w, 0);

		if (!r->resolved)
			break;
		if (r->forwarded) {
			wk_req_side_effects(w, r);
			wk_req_write(r);
		}
		if (vq_push(&q->vq, r->head, r->used_len) < 0)
			log_err("requestq head %u completed while not in flight (refused)", r->head);
		q->notify_pending = true;
		w->fifo_head = (w->fifo_head + 1) % w->fifo_cap;
		w->fifo_len--;
	}
}
