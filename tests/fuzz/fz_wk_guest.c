// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The guest driver of the worker state-machine target: it builds requestq
 * and eventq chains in guest memory (several descriptor layouts, indirect
 * tables, malformed chains), knows what each one must come back with, and
 * reads the used rings to check every completion the worker publishes.
 */
#include <endian.h>
#include <string.h>

#include "fz_wk.h"

static uint8_t *ring(struct wkf *x, unsigned int q, unsigned int part)
{
	return x->mem + WKF_RING_OFF(q) + part * 0x400;
}

static uint16_t used_idx(struct wkf *x, unsigned int q)
{
	uint16_t v;

	memcpy(&v, ring(x, q, 2) + 2, sizeof(v));
	return le16toh(v);
}

static void put_desc(struct wkf *x, uint8_t *at, uint64_t off, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	struct vring_desc d = {
		.addr = htole64(WKF_GPA + off), .len = htole32(len), .flags = htole16(flags),
		.next = htole16(next),
	};

	(void)x;
	memcpy(at, &d, sizeof(d));
}

/* Descriptor @i of queue @q, or entry @i of the table at @table when table != 0. */
static void desc(struct wkf *x, unsigned int q, uint64_t table, uint16_t i, uint64_t off,
		 uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t *at = table ? x->mem + table + 16 * (size_t)i : ring(x, q, 0) + 16 * (size_t)i;

	put_desc(x, at, off, len, flags, next);
}

/* @n free descriptors into @out (out[0] is the head), or false. */
static bool alloc_descs(struct wkf *x, unsigned int q, unsigned int n, uint16_t *out)
{
	unsigned int k = 0;

	for (uint16_t i = 0; i < x->q[q].num && k < n; i++)
		if (!x->q[q].busy[i])
			out[k++] = i;
	if (k < n)
		return false;
	for (k = 0; k < n; k++)
		x->q[q].busy[out[k]] = true;
	return true;
}

static void publish(struct wkf *x, unsigned int q, uint16_t head)
{
	struct wkf_q *g = &x->q[q];
	uint16_t v = htole16(head), idx;

	memcpy(ring(x, q, 1) + 4 + 2 * (g->avail_idx & (g->num - 1)), &v, sizeof(v));
	g->avail_idx++;
	idx = htole16(g->avail_idx);
	__atomic_store_n((uint16_t *)(ring(x, q, 1) + 2), idx, __ATOMIC_RELEASE);
}

void wkf_ring_reset(struct wkf *x, unsigned int q, uint32_t num)
{
	struct wkf_q *g = &x->q[q];

	memset(g, 0, sizeof(*g));
	g->num = num;
	memset(x->mem + WKF_RING_OFF(q), 0, 0x1000);
	if (q == 0) {
		memset(x->req, 0, sizeof(x->req));
		x->rq_n = 0;
	} else {
		memset(x->ev, 0, sizeof(x->ev));
	}
}

static uint16_t pick_line(struct wkf *x)
{
	uint8_t b = fz_u8(x->in);

	return b < 0xf0 ? b % (x->ngpio + 1) : fz_u16(x->in);
}

/* What the worker must answer without the helper (vgpio_req.h rules). */
static void expect(struct wkf *x, struct wkf_req *r, uint32_t readable, uint32_t writable)
{
	uint32_t need = r->type == VIRTIO_GPIO_MSG_GET_LINE_NAMES ? 1 + x->names_size : 2;
	uint32_t v = r->value;
	bool op_ok;

	r->nresp = writable < 2 ? (uint8_t)writable : 2;
	r->used = r->nresp;
	if (r->bad) {
		r->used = 0;
		r->nresp = 0;
		return;
	}
	if (readable < 8 || writable < need)
		return;
	if (r->type == VIRTIO_GPIO_MSG_GET_LINE_NAMES) {
		r->names = x->names_size != 0;
		if (r->names)
			r->used = 1 + x->names_size;
		return;
	}
	switch (r->type) {
	case VIRTIO_GPIO_MSG_GET_DIRECTION:
	case VIRTIO_GPIO_MSG_GET_VALUE:
		op_ok = true;
		break;
	case VIRTIO_GPIO_MSG_SET_DIRECTION:
		op_ok = v <= VIRTIO_GPIO_DIRECTION_IN;
		break;
	case VIRTIO_GPIO_MSG_SET_VALUE:
		op_ok = v <= 1;
		break;
	case VIRTIO_GPIO_MSG_SET_IRQ_TYPE:
		op_ok = x->irq_neg && virtio_gpio_irq_type_valid(v);
		break;
	default:
		op_ok = false;
	}
	r->fwd = op_ok && r->gpio < x->ngpio;
}

void wkf_add_request(struct wkf *x)
{
	uint8_t tsel = fz_u8(x->in), vsel, rsel, layout;
	uint16_t gpio = pick_line(x), d[4];
	uint32_t rlen, need, rd = 8, value;
	uint64_t slot, tab;
	struct wkf_req *r;
	uint8_t reqb[8];

	vsel = fz_u8(x->in);
	value = vsel < 0xe0 ? vsel % 10 : fz_u32(x->in);
	rsel = fz_u8(x->in);
	layout = fz_u8(x->in) % 8;
	if (!alloc_descs(x, 0, layout == 2 || layout == 3 ? 3 : 2, d))
		return;
	r = &x->req[d[0]];
	memset(r, 0, sizeof(*r));
	r->type = tsel % 8;
	r->gpio = gpio;
	r->value = value;
	r->ndesc = layout == 2 || layout == 3 ? 3 : 2;
	memcpy(r->desc, d, sizeof(d));
	need = r->type == VIRTIO_GPIO_MSG_GET_LINE_NAMES ? 1 + x->names_size : 2;
	switch (rsel % 8) {
	case 5:
		rlen = need + 1;
		break;
	case 6:
		rlen = need - 1;
		break;
	case 7:
		rlen = rsel >> 7;
		break;
	default:
		rlen = need;
	}
	slot = WKF_SLOT(0, d[0]);
	tab = slot + 192;
	reqb[0] = (uint8_t)r->type;
	reqb[1] = (uint8_t)(r->type >> 8);
	reqb[2] = (uint8_t)gpio;
	reqb[3] = (uint8_t)(gpio >> 8);
	for (int i = 0; i < 4; i++)
		reqb[4 + i] = (uint8_t)(value >> (8 * i));
	memcpy(x->mem + slot, reqb, sizeof(reqb));
	memset(x->mem + slot + 64, 0xee, 80);
	r->resp[0] = slot + 64;
	r->resp[1] = slot + 65;

	switch (layout) {
	case 1:		/* one indirect descriptor: a table of two */
		r->bad = !x->indirect;
		desc(x, 0, 0, d[0], tab, rlen ? 32 : 16, VRING_DESC_F_INDIRECT, 0);
		desc(x, 0, tab, 0, slot, 8, rlen ? VRING_DESC_F_NEXT : 0, 1);
		desc(x, 0, tab, 1, slot + 64, rlen, VRING_DESC_F_WRITE, 0);
		break;
	case 2:		/* the request in two halves */
		desc(x, 0, 0, d[0], slot, 4, VRING_DESC_F_NEXT, d[1]);
		desc(x, 0, 0, d[1], slot + 4, 4, rlen ? VRING_DESC_F_NEXT : 0, d[2]);
		desc(x, 0, 0, d[2], slot + 64, rlen, VRING_DESC_F_WRITE, 0);
		break;
	case 3:		/* status and value in two descriptors */
		if (rlen < 2)
			rlen = 2;
		desc(x, 0, 0, d[0], slot, 8, VRING_DESC_F_NEXT, d[1]);
		desc(x, 0, 0, d[1], slot + 64, 1, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, d[2]);
		desc(x, 0, 0, d[2], slot + 65, rlen - 1, VRING_DESC_F_WRITE, 0);
		break;
	case 4:		/* a short request */
		rd = rsel % 8;
		desc(x, 0, 0, d[0], slot, rd, VRING_DESC_F_NEXT, d[1]);
		desc(x, 0, 0, d[1], slot + 64, rlen ? rlen : 1, VRING_DESC_F_WRITE, 0);
		rlen = rlen ? rlen : 1;
		break;
	case 5:		/* nowhere to answer */
		rlen = 0;
		desc(x, 0, 0, d[0], slot, 8, 0, 0);
		break;
	case 6:		/* writable before readable */
		r->bad = true;
		desc(x, 0, 0, d[0], slot + 64, 2, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, d[1]);
		desc(x, 0, 0, d[1], slot, 8, 0, 0);
		break;
	case 7:		/* outside guest memory */
		r->bad = true;
		desc(x, 0, 0, d[0], WKF_MEM_SIZE + (rsel & 0xf0), 8, VRING_DESC_F_NEXT, d[1]);
		desc(x, 0, 0, d[1], slot + 64, 2, VRING_DESC_F_WRITE, 0);
		break;
	default:
		desc(x, 0, 0, d[0], slot, 8, rlen ? VRING_DESC_F_NEXT : 0, d[1]);
		desc(x, 0, 0, d[1], slot + 64, rlen, VRING_DESC_F_WRITE, 0);
	}
	expect(x, r, rd, rlen);
	r->active = true;
	r->pos = x->q[0].avail_idx;
	x->rq_order[x->rq_n++] = d[0];
	publish(x, 0, d[0]);
}

void wkf_add_event(struct wkf *x)
{
	uint16_t gpio = pick_line(x), d[3];
	uint8_t layout = fz_u8(x->in) % 6;
	uint64_t slot, tab;
	struct wkf_ev *e;

	if (!alloc_descs(x, 1, layout == 2 ? 3 : 2, d))
		return;
	e = &x->ev[d[0]];
	memset(e, 0, sizeof(*e));
	e->ndesc = layout == 2 ? 3 : 2;
	memcpy(e->desc, d, sizeof(d));
	e->line = gpio;
	slot = WKF_SLOT(1, d[0]);
	tab = slot + 192;
	x->mem[slot] = (uint8_t)gpio;
	x->mem[slot + 1] = (uint8_t)(gpio >> 8);
	memset(x->mem + slot + 64, 0xee, 2);
	e->status = slot + 64;
	switch (layout) {
	case 1:
		e->malformed = !x->indirect;
		desc(x, 1, 0, d[0], tab, 32, VRING_DESC_F_INDIRECT, 0);
		desc(x, 1, tab, 0, slot, 2, VRING_DESC_F_NEXT, 1);
		desc(x, 1, tab, 1, slot + 64, 1, VRING_DESC_F_WRITE, 0);
		break;
	case 2:
		desc(x, 1, 0, d[0], slot, 1, VRING_DESC_F_NEXT, d[1]);
		desc(x, 1, 0, d[1], slot + 1, 1, VRING_DESC_F_NEXT, d[2]);
		desc(x, 1, 0, d[2], slot + 64, 1, VRING_DESC_F_WRITE, 0);
		break;
	case 3:
		desc(x, 1, 0, d[0], slot, 2, VRING_DESC_F_NEXT, d[1]);
		desc(x, 1, 0, d[1], slot + 64, 2, VRING_DESC_F_WRITE, 0);
		break;
	case 4:
		e->malformed = true;
		desc(x, 1, 0, d[0], slot, 2, 0, 0);
		break;
	case 5:
		e->malformed = true;
		desc(x, 1, 0, d[0], slot, 1, VRING_DESC_F_NEXT, d[1]);
		desc(x, 1, 0, d[1], slot + 64, 1, VRING_DESC_F_WRITE, 0);
		break;
	default:
		desc(x, 1, 0, d[0], slot, 2, VRING_DESC_F_NEXT, d[1]);
		desc(x, 1, 0, d[1], slot + 64, 1, VRING_DESC_F_WRITE, 0);
	}
	e->active = true;
	e->pos = x->q[1].avail_idx;
	publish(x, 1, d[0]);
}

/* Entries [last_avail_idx, avail_idx) are still on the ring; anything older was taken. */
static bool popped(const struct wkf *x, unsigned int q, uint16_t pos)
{
	uint16_t last = x->w.q[q].vq.last_avail_idx;

	return (uint16_t)(pos - last) >= (uint16_t)(x->q[q].avail_idx - last);
}

bool wkf_req_popped(const struct wkf *x, const struct wkf_req *r)
{
	return popped(x, 0, r->pos);
}

bool wkf_ev_popped(const struct wkf *x, const struct wkf_ev *e)
{
	return popped(x, 1, e->pos);
}

unsigned int wkf_requests_owed(const struct wkf *x)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < x->rq_n; i++)
		n += wkf_req_popped(x, &x->req[x->rq_order[i]]);
	return n;
}

bool wkf_enabling(const struct wkf *x, uint16_t line)
{
	const struct wkf_req *r;

	if (!x->rq_n)
		return false;
	r = &x->req[x->rq_order[0]];
	return r->fwd && r->answered && r->ans_status == VIRTIO_GPIO_STATUS_OK &&
	       r->type == VIRTIO_GPIO_MSG_SET_IRQ_TYPE && r->value != 0 && r->gpio == line;
}

/* MUST 12/31: once a disable is visible, no buffer of that line may be left unreturned. */
static void check_disabled(struct wkf *x, uint16_t line)
{
	if (!x->ev_ready || !wk_queue_ready(&x->w, VGPIO_QUEUE_EVENT))
		return;
	for (unsigned int i = 0; i < WKF_MAX_NUM; i++) {
		const struct wkf_ev *e = &x->ev[i];

		FZ_ASSERT(!(e->active && !e->malformed && !e->sink_done && e->line == line));
	}
}

void wkf_local_done(const struct wkf *x, const struct wkf_req *r)
{
	FZ_ASSERT(!r->matched && !r->answered);
	FZ_ASSERT(x->mem[r->resp[0]] == VIRTIO_GPIO_STATUS_OK);
	FZ_ASSERT(x->mem[r->resp[1]] == r->local_value);
}

/* A forwarded request completed: its status and value, and the trigger it leaves. */
static void forwarded_done(struct wkf *x, struct wkf_req *r)
{
	bool ok = r->ans_status == VIRTIO_GPIO_STATUS_OK;
	uint8_t value = ok && r->type != VIRTIO_GPIO_MSG_SET_IRQ_TYPE ? r->ans_value : 0;

	FZ_ASSERT(r->answered);
	FZ_ASSERT(x->mem[r->resp[0]] == (ok ? VIRTIO_GPIO_STATUS_OK : VIRTIO_GPIO_STATUS_ERR));
	FZ_ASSERT(x->mem[r->resp[1]] == value);
	if (r->type == VIRTIO_GPIO_MSG_SET_IRQ_TYPE && r->value == VIRTIO_GPIO_IRQ_TYPE_NONE) {
		x->gtype[r->gpio] = VIRTIO_GPIO_IRQ_TYPE_NONE;
		check_disabled(x, r->gpio);
	} else if (r->type == VIRTIO_GPIO_MSG_SET_IRQ_TYPE && ok) {
		x->gtype[r->gpio] = (uint8_t)r->value;
	} else if (r->type == VIRTIO_GPIO_MSG_SET_DIRECTION &&
		   r->value == VIRTIO_GPIO_DIRECTION_NONE && ok) {
		x->gtype[r->gpio] = VIRTIO_GPIO_IRQ_TYPE_NONE;
		check_disabled(x, r->gpio);
	}
}

static void release(struct wkf *x, unsigned int q, const uint16_t *d, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		x->q[q].busy[d[i]] = false;
}

void wkf_scan_requests(struct wkf *x)
{
	struct wkf_q *g = &x->q[0];
	uint16_t idx = used_idx(x, 0);

	while (g->used_seen != idx) {
		const uint8_t *e = ring(x, 0, 2) + 4 + 8 * (g->used_seen & (g->num - 1));
		uint32_t id = (uint32_t)e[0] | (uint32_t)e[1] << 8 | (uint32_t)e[2] << 16 |
			      (uint32_t)e[3] << 24;
		uint32_t len = (uint32_t)e[4] | (uint32_t)e[5] << 8 | (uint32_t)e[6] << 16 |
			       (uint32_t)e[7] << 24;
		struct wkf_req *r;

		/* A head the driver gave, completed once, strictly in ring order. */
		FZ_ASSERT(id < g->num);
		r = &x->req[id];
		FZ_ASSERT(r->active && wkf_req_popped(x, r));
		FZ_ASSERT(x->rq_n && x->rq_order[0] == id);
		if (r->fwd) {
			FZ_ASSERT(len == 2);
			if (r->local)
				wkf_local_done(x, r);
			else
				forwarded_done(x, r);
		} else {
			FZ_ASSERT(len == r->used);
			if (r->names) {
				FZ_ASSERT(x->mem[r->resp[0]] == VIRTIO_GPIO_STATUS_OK);
				FZ_ASSERT(!memcmp(x->mem + r->resp[0] + 1, x->names, x->names_size));
			} else {
				if (r->nresp >= 1)
					FZ_ASSERT(x->mem[r->resp[0]] == VIRTIO_GPIO_STATUS_ERR);
				if (r->nresp == 2)
					FZ_ASSERT(x->mem[r->resp[1]] == 0);
			}
		}
		r->active = false;
		release(x, 0, r->desc, r->ndesc);
		memmove(x->rq_order, x->rq_order + 1, --x->rq_n * sizeof(x->rq_order[0]));
		g->used_seen++;
	}
}

void wkf_scan_events(struct wkf *x)
{
	struct wkf_q *g = &x->q[1];
	uint16_t idx = used_idx(x, 1);

	while (g->used_seen != idx) {
		const uint8_t *e = ring(x, 1, 2) + 4 + 8 * (g->used_seen & (g->num - 1));
		uint32_t id = (uint32_t)e[0] | (uint32_t)e[1] << 8 | (uint32_t)e[2] << 16 |
			      (uint32_t)e[3] << 24;
		uint32_t len = (uint32_t)e[4] | (uint32_t)e[5] << 8 | (uint32_t)e[6] << 16 |
			       (uint32_t)e[7] << 24;
		struct wkf_ev *ev;

		FZ_ASSERT(id < g->num);
		ev = &x->ev[id];
		FZ_ASSERT(ev->active && wkf_ev_popped(x, ev));
		if (ev->sink_done) {
			/* MUST 17: length exactly 1, status 0 or 1 in the byte. */
			FZ_ASSERT(len == 1 && x->mem[ev->status] == ev->sink_status);
		} else {
			FZ_ASSERT(ev->malformed && len == 0);
		}
		ev->active = false;
		release(x, 1, ev->desc, ev->ndesc);
		g->used_seen++;
	}
}

/* At most one buffer held per line, and exactly the one vgpio_irq says it holds. */
void wkf_check_held(struct wkf *x)
{
	for (uint16_t l = 0; l < x->ngpio; l++) {
		unsigned int n = 0;

		for (unsigned int i = 0; i < WKF_MAX_NUM; i++) {
			const struct wkf_ev *e = &x->ev[i];

			n += e->active && !e->malformed && !e->sink_done && e->line == l &&
			     wkf_ev_popped(x, e);
		}
		FZ_ASSERT(n <= 1);
		FZ_ASSERT(vgpio_irq_is_held(x->w.irq, l) == (n == 1));
	}
}
