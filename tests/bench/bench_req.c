// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vug-bench requestq engine. A run keeps `depth` requests in flight, one per
 * buffer slot; slot s only ever talks to lines s, s + depth, s + 2 depth ...,
 * so no line has two requests in flight, as with the Linux driver (one
 * mutex per line). A program (breq_prog_*) says what slot s sends as its
 * k-th request; each completion is checked (used length 2, status OK, the
 * level GET_VALUE reads is the one SET_VALUE wrote) and its slot reposted at
 * once. Kicks are batched: one per wake-up, after every repost.
 *
 * Nothing is allocated per request: per-slot state lives in arrays sized
 * for the ring at breq_init().
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define POISON	0xee

static struct {
	uint64_t *k;			/* requests the slot has sent */
	uint64_t *t0;			/* when its current one was posted */
	struct breq_op *op;		/* its current one */
	unsigned int n;
} st;

int breq_init(struct bconn *c)
{
	unsigned int n = c->vq[VGPIO_QUEUE_REQUEST].nslots;

	breq_fini();
	st.k = calloc(n, sizeof(*st.k));
	st.t0 = calloc(n, sizeof(*st.t0));
	st.op = calloc(n, sizeof(*st.op));
	if (!st.k || !st.t0 || !st.op)
		return -ENOMEM;
	st.n = n;
	return 0;
}

void breq_fini(void)
{
	free(st.k);
	free(st.t0);
	free(st.op);
	memset(&st, 0, sizeof(st));
}

static unsigned int slot_lines(const struct brun *r, unsigned int slot)
{
	return (r->nlines - slot + r->depth - 1) / r->depth;
}

static unsigned int slot_line(const struct brun *r, unsigned int slot, uint64_t i)
{
	return r->first_line + slot + r->depth * (unsigned int)i;
}

/* Linux's direction_output: SET_VALUE(0), then SET_DIRECTION(OUT), line by line. */
bool breq_prog_setup_out(struct brun *r, unsigned int slot, uint64_t k, struct breq_op *op)
{
	if (k / 2 >= slot_lines(r, slot))
		return false;
	op->gpio = (uint16_t)slot_line(r, slot, k / 2);
	op->type = k % 2 ? VIRTIO_GPIO_MSG_SET_DIRECTION : VIRTIO_GPIO_MSG_SET_VALUE;
	op->value = k % 2 ? VIRTIO_GPIO_DIRECTION_OUT : 0;
	op->expect = -1;
	return true;
}

/* Toggle a line, read it back, next line of the slot; round and round. */
bool breq_prog_mix(struct brun *r, unsigned int slot, uint64_t k, struct breq_op *op)
{
	unsigned int line = slot_line(r, slot, (k / 2) % slot_lines(r, slot));

	op->gpio = (uint16_t)line;
	if (k % 2 == 0) {
		op->type = VIRTIO_GPIO_MSG_SET_VALUE;
		op->value = r->level[line] ^ 1u;
		op->expect = -1;
	} else {
		op->type = VIRTIO_GPIO_MSG_GET_VALUE;
		op->value = 0;
		op->expect = r->level[line];
	}
	return true;
}

/* request_irq: input, then the trigger in r->arg. */
bool breq_prog_irq_on(struct brun *r, unsigned int slot, uint64_t k, struct breq_op *op)
{
	if (k / 2 >= slot_lines(r, slot))
		return false;
	op->gpio = (uint16_t)slot_line(r, slot, k / 2);
	op->type = k % 2 ? VIRTIO_GPIO_MSG_SET_IRQ_TYPE : VIRTIO_GPIO_MSG_SET_DIRECTION;
	op->value = k % 2 ? r->arg : VIRTIO_GPIO_DIRECTION_IN;
	op->expect = -1;
	return true;
}

/* free_irq: trigger NONE, which hands back the line's eventq buffer. */
bool breq_prog_irq_off(struct brun *r, unsigned int slot, uint64_t k, struct breq_op *op)
{
	if (k >= slot_lines(r, slot))
		return false;
	op->gpio = (uint16_t)slot_line(r, slot, k);
	op->type = VIRTIO_GPIO_MSG_SET_IRQ_TYPE;
	op->value = VIRTIO_GPIO_IRQ_TYPE_NONE;
	op->expect = -1;
	return true;
}

struct run_state {
	uint64_t posted, start;
};

static bool post_next(struct brun *r, struct run_state *rs, struct bvq *vq, unsigned int s,
		      uint64_t now)
{
	struct virtio_gpio_request req;
	struct breq_op *op = &st.op[s];
	uint8_t *p;

	if (r->total && rs->posted >= r->total)
		return false;
	if (r->max_ns && now - rs->start >= r->max_ns) {
		r->capped = true;
		return false;
	}
	if (!r->next(r, s, st.k[s], op))
		return false;
	st.k[s]++;
	p = bring_slot(vq, s);
	req.type = htole16(op->type);
	req.gpio = htole16(op->gpio);
	req.value = htole32(op->value);
	memcpy(p, &req, sizeof(req));
	/* A field the device forgets to write shows up as poison. */
	p[BENCH_SLOT_RESP] = POISON;
	p[BENCH_SLOT_RESP + 1] = POISON;
	st.t0[s] = now;
	rs->posted++;
	bring_post(vq, s);
	return true;
}

static const char *type_name(uint16_t type)
{
	switch (type) {
	case VIRTIO_GPIO_MSG_SET_DIRECTION:
		return "SET_DIRECTION";
	case VIRTIO_GPIO_MSG_GET_VALUE:
		return "GET_VALUE";
	case VIRTIO_GPIO_MSG_SET_VALUE:
		return "SET_VALUE";
	case VIRTIO_GPIO_MSG_SET_IRQ_TYPE:
		return "SET_IRQ_TYPE";
	default:
		return "request";
	}
}

/* Check one completion; false (and a counted failure) if it is wrong. */
static bool complete(struct brun *r, struct bvq *vq, unsigned int s, uint32_t len)
{
	const struct breq_op *op = &st.op[s];
	const uint8_t *resp = bring_slot(vq, s) + BENCH_SLOT_RESP;

	if (len != sizeof(struct virtio_gpio_response)) {
		bench_fail("%s line %u value %u: used length %u, want 2", type_name(op->type),
			   op->gpio, op->value, len);
		return false;
	}
	if (resp[0] != VIRTIO_GPIO_STATUS_OK) {
		bench_fail("%s line %u value %u: status %u", type_name(op->type), op->gpio,
			   op->value, resp[0]);
		return false;
	}
	if (op->expect >= 0 && resp[1] != op->expect) {
		bench_fail("GET_VALUE line %u: %u, want %d", op->gpio, resp[1], op->expect);
		return false;
	}
	if (op->type == VIRTIO_GPIO_MSG_SET_VALUE && r->level)
		r->level[op->gpio] = (uint8_t)op->value;
	return true;
}

int breq_run(struct brun *r)
{
	struct bvq *vq = &r->c->vq[VGPIO_QUEUE_REQUEST];
	struct run_state rs = { 0 };
	uint64_t now, tstart = 0, tend = 0;
	unsigned int active = 0;
	int rc;

	r->done = r->timed = r->nlat = r->errors = r->elapsed_ns = 0;
	r->capped = false;
	if (!vq->ready || r->nlines == 0)
		return -EINVAL;
	if (r->depth > st.n)
		r->depth = st.n;
	if (r->depth > r->nlines)
		r->depth = r->nlines;
	memset(st.k, 0, sizeof(*st.k) * r->depth);
	rs.start = now = bench_now_ns();
	if (r->warmup == 0)
		tstart = now;
	for (unsigned int s = 0; s < r->depth; s++)
		active += post_next(r, &rs, vq, s, now);
	if (active && (rc = bring_kick(vq)) < 0)
		return rc;
	while (active) {
		unsigned int got = 0, reposted = 0, s;
		uint32_t len;

		now = bench_now_ns();
		while ((rc = bring_take(vq, &s, &len)) == 1) {
			got++;
			r->done++;
			if (!complete(r, vq, s, len))
				r->errors++;
			if (r->done == r->warmup)
				tstart = now;
			if (r->done > r->warmup) {
				r->timed++;
				tend = now;
				if (r->lat && r->nlat < r->total)
					r->lat[r->nlat++] = now - st.t0[s];
			}
			if (post_next(r, &rs, vq, s, now))
				reposted++;
			else
				active--;
		}
		if (rc < 0) {
			bench_fail("requestq: the back-end broke the ring protocol");
			return rc;
		}
		if (reposted && (rc = bring_kick(vq)) < 0)
			return rc;
		if (got)
			continue;
		rc = bring_wait(vq, r->c->timeout_ms);
		if (rc == -ETIMEDOUT) {
			bench_fail("requestq: no completion in %d ms (%u in flight)",
				   r->c->timeout_ms, vq->inflight);
			return rc;
		}
		if (rc < 0)
			return rc;
	}
	r->elapsed_ns = tend > tstart ? tend - tstart : 0;
	return r->errors ? -EIO : 0;
}
