// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Request soak through the real daemon (issue 7, part 4), with exact
 * accounting: mixed requests over the 64 lines of an s64 chip, checked
 * against a model of each line (direction, output value, external input,
 * trigger): every request completes once, with the exact used length,
 * status and value, same-line requests in the order posted.
 *
 * VUG_SOAK sets the number of requests (default 500,000; "full", 10^6; see
 * faults_soak.h); VUG_SOAK_SEED changes the request mix. The interrupt soak
 * is test_soak_irq.c.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../harness.h"
#include "../frontend/tfe.h"
#include "faults_util.h"
#include "faults_soak.h"

#define REQ_LINES	64
#define REQ_BATCH_MAX	128
#define NAMES_BUFS	8		/* GET_LINE_NAMES responses in flight per batch */

static struct tfe_daemon dmn;

struct rline {
	uint8_t dir, out, input, irq;
	uint32_t last_seq;
	bool any;
};

struct rexp {
	uint8_t status, value;
	uint32_t len;
};

struct req_soak {
	struct tfe *t;
	int sim;
	uint64_t rng;
	uint32_t names_size;
	char names[4096];			/* the block as first read */
	uint64_t names_gpa[NAMES_BUFS];		/* reused response buffers */
	unsigned int names_used;
	struct rline l[REQ_LINES];
	struct rexp e[1024];			/* by head */
	unsigned long done, errs, nnames, order, bad, batches, sims, xchecks;
};

static uint32_t rnd(struct req_soak *s)
{
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 7;
	s->rng ^= s->rng << 17;
	return (uint32_t)(s->rng >> 16);
}

static bool irq_type_ok(uint32_t v)
{
	return v <= 4 || v == 8;
}

/* Apply one request to the model: the answer the device owes it. */
static struct rexp model(struct req_soak *s, uint16_t type, uint16_t gpio, uint32_t v)
{
	struct rexp e = { VIRTIO_GPIO_STATUS_ERR, 0, 2 };
	struct rline *l = gpio < REQ_LINES ? &s->l[gpio] : NULL;
	bool ok = false;

	if (type == VIRTIO_GPIO_MSG_GET_LINE_NAMES)
		return (struct rexp){ VIRTIO_GPIO_STATUS_OK, 'S', 1 + s->names_size };
	if (!l)
		return e;
	switch (type) {
	case VIRTIO_GPIO_MSG_GET_DIRECTION:
		e.value = l->dir;
		ok = true;
		break;
	case VIRTIO_GPIO_MSG_GET_VALUE:
		e.value = l->dir == VIRTIO_GPIO_DIRECTION_OUT ? l->out : l->input;
		ok = true;
		break;
	case VIRTIO_GPIO_MSG_SET_VALUE:
		if ((ok = v <= 1))
			l->out = (uint8_t)v;
		break;
	case VIRTIO_GPIO_MSG_SET_DIRECTION:
		/* An output never has a trigger; NONE forgets the line (VR7). */
		ok = v <= VIRTIO_GPIO_DIRECTION_IN && !(v == VIRTIO_GPIO_DIRECTION_OUT && l->irq);
		if (ok && v == VIRTIO_GPIO_DIRECTION_NONE) {
			l->dir = VIRTIO_GPIO_DIRECTION_IN;
			l->out = 0;
			l->irq = 0;
		} else if (ok) {
			l->dir = (uint8_t)v;
		}
		break;
	case VIRTIO_GPIO_MSG_SET_IRQ_TYPE:
		ok = irq_type_ok(v) && !(v && l->dir == VIRTIO_GPIO_DIRECTION_OUT);
		if (ok)
			l->irq = (uint8_t)v;
		break;
	default:
		break;
	}
	if (ok)
		e.status = VIRTIO_GPIO_STATUS_OK;
	else
		e.value = 0;
	return e;
}

/* A random request, Linux-like most of the time, wrong some of the time. */
static void gen(struct req_soak *s, uint16_t *type, uint16_t *gpio, uint32_t *v)
{
	static const uint32_t irq_types[] = { 0, 0, 0, 1, 2, 3, 4, 8, 5, 16 };
	uint32_t r = rnd(s) % 1000, x = rnd(s);

	*gpio = (uint16_t)(rnd(s) % REQ_LINES);
	*v = 0;
	if (r < 250) {
		*type = VIRTIO_GPIO_MSG_GET_VALUE;
	} else if (r < 400) {
		*type = VIRTIO_GPIO_MSG_GET_DIRECTION;
	} else if (r < 600) {
		*type = VIRTIO_GPIO_MSG_SET_VALUE;
		*v = x % 50 ? x & 1 : 2 + x % 300;
	} else if (r < 800) {
		*type = VIRTIO_GPIO_MSG_SET_DIRECTION;
		x %= 40;
		*v = x < 18 ? VIRTIO_GPIO_DIRECTION_IN : x < 36 ? VIRTIO_GPIO_DIRECTION_OUT :
		     x < 39 ? VIRTIO_GPIO_DIRECTION_NONE : 3 + x;
	} else if (r < 920) {
		*type = VIRTIO_GPIO_MSG_SET_IRQ_TYPE;
		*v = irq_types[x % 10];
	} else if (r < 970) {
		*type = (uint16_t)(2 + x % 5);
		*gpio = (uint16_t)(REQ_LINES + x % 2000);
	} else if (r < 990) {
		*type = x & 1 ? 0 : (uint16_t)(7 + x % 100);
	} else {
		*type = VIRTIO_GPIO_MSG_GET_LINE_NAMES;
		*gpio = 0;
	}
}

/* Change some external inputs, sometimes without an edge (as a chip that lost one). */
static bool req_sim(struct req_soak *s)
{
	char cmds[512];
	unsigned int n = 1 + rnd(s) % 8;
	size_t len = 0;

	for (unsigned int k = 0; k < n; k++) {
		unsigned int line = rnd(s) % REQ_LINES, level = rnd(s) & 1;

		len += (size_t)snprintf(cmds + len, sizeof(cmds) - len, "set 0 %u %u%s\n", line,
					level, rnd(s) % 4 ? "" : " noevent");
		s->l[line].input = (uint8_t)level;
	}
	s->sims += n;
	return fu_sim_batch(s->sim, cmds, len, n) == 0;
}

/* What the sim control says about a line against the model. */
static bool req_xcheck(struct req_soak *s, unsigned int i)
{
	static const char *const names[] = { "none", "rising", "falling", "both", "high",
					     [8] = "low" };
	const struct rline *l = &s->l[i];
	struct tfe_sim_line sl;

	s->xchecks++;
	if (tfe_sim_get(&dmn, 0, i, &sl) < 0)
		return false;
	return sl.dir_out == (l->dir == VIRTIO_GPIO_DIRECTION_OUT) && sl.input == l->input &&
	       sl.value == (l->dir == VIRTIO_GPIO_DIRECTION_OUT ? l->out : l->input) &&
	       !strcmp(sl.irq, names[l->irq]);
}

/*
 * GET_LINE_NAMES into one of the connection's reused response buffers
 * (tfe_req_post takes fresh guest memory for every large response).
 */
static int post_names(struct req_soak *s, bool indirect)
{
	struct tfe_vq *vq = &s->t->vq[VGPIO_QUEUE_REQUEST];
	struct tfe_inflight meta = { .type = VIRTIO_GPIO_MSG_GET_LINE_NAMES,
				     .resp_len = 1 + s->names_size };
	struct virtio_gpio_request *r;
	struct tfe_buf bufs[2];
	uint64_t gpa;
	int head;

	meta.slot = tfe_vq_slot(vq, &gpa);
	if (meta.slot < 0)
		return meta.slot;
	meta.resp_gpa = s->names_gpa[s->names_used++];
	r = tfe_gpa_ptr(&s->t->mem, gpa, sizeof(*r));
	*r = (struct virtio_gpio_request){ .type = htole16(VIRTIO_GPIO_MSG_GET_LINE_NAMES) };
	memset(tfe_gpa_ptr(&s->t->mem, meta.resp_gpa, meta.resp_len), 0xee, meta.resp_len);
	bufs[0] = (struct tfe_buf){ gpa, sizeof(*r), false };
	bufs[1] = (struct tfe_buf){ meta.resp_gpa, meta.resp_len, true };
	head = tfe_vq_add(s->t, VGPIO_QUEUE_REQUEST, bufs, 2, indirect, &meta);
	if (head < 0)
		vq->slot_free[vq->nslot_free++] = meta.slot;
	return head;
}

/* Post one batch, kick once, check every completion against the model. */
static bool req_batch(struct req_soak *s, unsigned int n)
{
	struct tfe_done d;

	s->names_used = 0;
	for (unsigned int k = 0; k < n; k++) {
		bool indirect = (rnd(s) & 1) && s->t->indirect;
		uint16_t type, gpio;
		uint32_t v;
		struct rexp e;
		int head;

		gen(s, &type, &gpio, &v);
		if (type == VIRTIO_GPIO_MSG_GET_LINE_NAMES && s->names_used == NAMES_BUFS)
			type = VIRTIO_GPIO_MSG_GET_VALUE;
		e = model(s, type, gpio, v);
		if (type == VIRTIO_GPIO_MSG_GET_LINE_NAMES)
			head = post_names(s, indirect);
		else
			head = tfe_req_post(s->t, type, gpio, v, e.len, indirect);
		if (head < 0 || head >= 1024) {
			fprintf(stderr, "  batch %lu: cannot post: %d\n", s->batches, head);
			return false;
		}
		s->e[head] = e;
	}
	if (tfe_kick(s->t, 0) < 0 || fu_vq_wait(s->t, 0, n, TFE_TIMEOUT_MS) < 0) {
		fprintf(stderr, "  batch %lu: %u of %u completions\n", s->batches,
			s->t->vq[0].ndone, n);
		return false;
	}
	while (n--) {
		const struct rexp *e;

		tfe_vq_take(s->t, 0, -1, &d, 0);
		e = &s->e[d.head];
		if (d.type == VIRTIO_GPIO_MSG_GET_LINE_NAMES &&
		    memcmp((char *)tfe_gpa_ptr(&s->t->mem, d.resp_gpa, d.resp_len) + 1, s->names,
			   s->names_size)) {
			fprintf(stderr, "  batch %lu: the names block changed\n", s->batches);
			s->bad++;
		}
		if (d.status != e->status || d.len != e->len || d.value != e->value) {
			fprintf(stderr, "  batch %lu: type %u line %u: status %u len %u value %u, "
				"model says %u %u %u\n", s->batches, d.type, d.gpio, d.status,
				d.len, d.value, e->status, e->len, e->value);
			s->bad++;
		}
		if (d.gpio < REQ_LINES && d.type != VIRTIO_GPIO_MSG_GET_LINE_NAMES) {
			struct rline *l = &s->l[d.gpio];

			s->order += l->any && (int32_t)(d.seq - l->last_seq) <= 0;
			l->last_seq = d.seq;
			l->any = true;
		}
		s->done++;
		s->errs += d.status == VIRTIO_GPIO_STATUS_ERR;
		s->nnames += d.type == VIRTIO_GPIO_MSG_GET_LINE_NAMES;
	}
	s->batches++;
	return s->bad == 0 && s->order == 0;
}

/* A front-end with a 256-entry requestq: QEMU 9 order with indirect chains, or crosvm. */
static struct tfe *req_open(enum tfe_order order, bool event_idx)
{
	struct tfe *t = tfe_daemon_connect(&dmn, 0);

	if (!t)
		return NULL;
	t->want_event_idx = event_idx;
	if (tfe_init(t, order) < 0) {
		tfe_free(t);
		return NULL;
	}
	t->qsize[0] = 256;
	if (tfe_start(t) < 0) {
		tfe_free(t);
		return NULL;
	}
	return t;
}

/* The reused GET_LINE_NAMES response buffers of a new connection. */
static bool names_setup(struct req_soak *s)
{
	for (unsigned int i = 0; i < NAMES_BUFS; i++)
		if (tfe_mem_alloc(&s->t->mem, 1 + s->names_size, 8, &s->names_gpa[i]) < 0)
			return false;
	return true;
}

static void t_req_soak(void)
{
	unsigned long total = soak_size(500000);
	struct req_soak *s = calloc(1, sizeof(*s));
	const char *seed = getenv("VUG_SOAK_SEED");
	bool ok = true, second = false;
	long t0;

	alarm(FU_WATCHDOG_S);
	if (!s || tfe_daemon_start(&dmn, "s64", 1) < 0) {
		CHECK(!"daemon start");
		free(s);
		return;
	}
	s->rng = seed ? strtoull(seed, NULL, 0) | 1 : 0x9e3779b97f4a7c15ull;
	for (unsigned int i = 0; i < REQ_LINES; i++)
		s->l[i].dir = VIRTIO_GPIO_DIRECTION_IN;
	s->t = req_open(TFE_QEMU9, false);
	s->sim = tfe_connect(dmn.ctl, TFE_TIMEOUT_MS);
	CHECK(s->t && s->sim >= 0);
	if (!s->t || s->sim < 0)
		goto out;
	s->names_size = le32toh(s->t->cfg.gpio_names_size);
	{
		struct tfe_done d;

		CHECK(s->names_size > 0 && s->names_size < sizeof(s->names));
		CHECK(tfe_get_names(s->t, s->names, sizeof(s->names), &d) == 0 &&
		      d.status == VIRTIO_GPIO_STATUS_OK && names_setup(s));
	}
	t0 = fu_now_ms();
	while (ok && s->done < total) {
		unsigned int n = 1 + rnd(s) % REQ_BATCH_MAX;

		if (n > total - s->done)
			n = (unsigned int)(total - s->done);
		/* Half way, another front-end (crosvm, EVENT_IDX) takes over the same lines. */
		if (!second && s->done >= total / 2) {
			second = true;
			tfe_free(s->t);
			s->t = req_open(TFE_CROSVM, true);
			if (!(ok = s->t != NULL && names_setup(s)))
				break;
			for (unsigned int i = 0; i < REQ_LINES; i++)
				s->l[i].any = false;	/* post order numbers start again */
		}
		if (rnd(s) % 8 == 0)
			ok = req_sim(s);
		ok = ok && req_batch(s, n);
		if (ok && s->batches % 64 == 0)
			ok = req_xcheck(s, rnd(s) % REQ_LINES);
		if (s->batches % 1024 == 0)
			alarm(FU_WATCHDOG_S);
	}
	report("request soak", s->done, "requests", t0);
	CHECK(ok);
	CHECK_EQ(s->done, total);
	CHECK_EQ(s->bad, 0);
	CHECK_EQ(s->order, 0);
	CHECK(second);
	for (unsigned int i = 0; ok && i < REQ_LINES; i++)
		ok = req_xcheck(s, i);
	CHECK(ok);
	CHECK_EQ(s->t ? s->t->vq[0].errors : 1, 0);
	CHECK_EQ(s->t ? tfe_vq_inflight(&s->t->vq[0]) : 1, 0);
	fprintf(stderr, "  request soak: %lu batches, %lu ERR (expected by the model), %lu "
		"GET_LINE_NAMES, %lu input changes, %lu sim cross-checks\n", s->batches, s->errs,
		s->nnames, s->sims, s->xchecks);
out:
	if (s->sim >= 0)
		close(s->sim);
	tfe_free(s->t);
	free(s);
	CHECK_EQ(tfe_daemon_stop(&dmn), 0);
}

TEST_MAIN(TEST_CASE(t_req_soak))
