// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Soak through the real daemon (issue 7, part 4), with exact accounting:
 *
 *  t_irq_soak   interrupt enable/disable/edge cycles on 16 lines at once,
 *               the disable -> enable race timed in the way Linux makes it
 *               (SET_IRQ_TYPE NONE kicked while an edge comes in, the
 *               INVALID buffer re-queued at once around the next enable).
 *               Every eventq buffer must come back exactly once; VALID only
 *               for an edge seen while enabled and unmasked; edges while
 *               masked coalesce into exactly one VALID.
 *  t_req_soak   mixed requests over the 64 lines of an s64 chip, checked
 *               against a model of each line (direction, output value,
 *               external input, trigger): every request completes once,
 *               with the exact used length, status and value, same-line
 *               requests in the order posted.
 *
 * VUG_SOAK sets the size: unset, 160,000 cycles and 500,000 requests (about
 * 10 s under ASan on 2 cores); a number, that many of each; "full", 10^6 of
 * each. Counts and rates are printed, never asserted. VUG_SOAK_SEED changes
 * the request mix.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../harness.h"
#include "../frontend/tfe.h"
#include "faults_util.h"

#define IRQ_LINES	16
#define REQ_LINES	64
#define REQ_BATCH_MAX	128
#define NAMES_BUFS	8		/* GET_LINE_NAMES responses in flight per batch */
#define QUIET_MS	100

static struct tfe_daemon dmn;

static unsigned long soak_size(unsigned long dflt)
{
	const char *s = getenv("VUG_SOAK");
	unsigned long v;

	if (!s || !*s)
		return dflt;
	if (!strcmp(s, "full"))
		return 1000000;
	v = strtoul(s, NULL, 10);
	return v ? v : dflt;
}

static void report(const char *what, unsigned long n, const char *unit, long t0)
{
	long ms = fu_now_ms() - t0;

	fprintf(stderr, "  %s: %lu %s in %ld.%03ld s, %.0f/s\n", what, n, unit, ms / 1000,
		ms % 1000, ms > 0 ? n * 1000.0 / ms : 0.0);
}

/* ---- interrupts ---- */

struct irq_line {
	uint8_t type;			/* rising, falling or both */
	int level;			/* the sim input */
	int head;			/* eventq buffer the device holds, -1 if none */
	unsigned long posted, returned, matching;
	unsigned long valid, race_valid, race_invalid;
};

struct irq_soak {
	struct tfe *t;
	int sim;			/* own sim-control connection, for pipelining */
	char cmds[4096];
	size_t len;
	unsigned int ncmd;
	struct irq_line l[IRQ_LINES];
	unsigned long rounds, spurious, bad;
};

static void sim_add(struct irq_soak *s, unsigned int line, int level)
{
	s->len += (size_t)snprintf(s->cmds + s->len, sizeof(s->cmds) - s->len, "set 0 %u %d\n",
				   line, level);
	s->ncmd++;
	s->l[line].level = level;
}

static bool sim_flush(struct irq_soak *s)
{
	int rc = s->ncmd ? fu_sim_batch(s->sim, s->cmds, s->len, s->ncmd) : 0;

	s->len = 0;
	s->ncmd = 0;
	if (rc)
		fprintf(stderr, "  sim control batch failed: %d\n", rc);
	return rc == 0;
}

static bool arm(struct irq_soak *s, unsigned int i)
{
	int head = tfe_evt_post(s->t, (uint16_t)i, s->t->indirect);

	if (head < 0 || s->l[i].head >= 0) {
		s->bad++;
		return false;
	}
	s->l[i].head = head;
	s->l[i].posted++;
	return true;
}

/*
 * Take @n eventq returns, one per line of @mask: used length 1, the head
 * the line's buffer has. Counts VALID and INVALID into @valid/@invalid.
 */
static bool take_returns(struct irq_soak *s, uint32_t mask, unsigned int n, unsigned long *valid,
			 unsigned long *invalid)
{
	struct tfe_done d;

	if (fu_vq_wait(s->t, 1, n, TFE_TIMEOUT_MS) < 0) {
		fprintf(stderr, "  round %lu: %u of %u eventq buffers back\n", s->rounds,
			s->t->vq[1].ndone, n);
		s->bad++;
		return false;
	}
	for (unsigned int k = 0; k < n; k++) {
		struct irq_line *l;

		tfe_vq_take(s->t, 1, -1, &d, 0);
		l = d.gpio < IRQ_LINES ? &s->l[d.gpio] : NULL;
		if (!l || !(mask >> d.gpio & 1) || d.head != l->head || d.len != 1 ||
		    d.status > VIRTIO_GPIO_IRQ_STATUS_VALID) {
			fprintf(stderr, "  round %lu: eventq return line %u head %u len %u "
				"status %u\n", s->rounds, d.gpio, d.head, d.len, d.status);
			s->bad++;
			return false;
		}
		mask &= ~(1u << d.gpio);
		l->head = -1;
		l->returned++;
		if (d.status == VIRTIO_GPIO_IRQ_STATUS_VALID)
			valid[d.gpio]++;
		else
			invalid[d.gpio]++;
	}
	return true;
}

/* @n requests posted on the requestq: all OK with used length 2. */
static bool take_ok(struct irq_soak *s, unsigned int n)
{
	struct tfe_done d;

	if (fu_vq_wait(s->t, 0, n, TFE_TIMEOUT_MS) < 0) {
		s->bad++;
		return false;
	}
	while (n--) {
		tfe_vq_take(s->t, 0, -1, &d, 0);
		if (d.len != 2 || d.status != VIRTIO_GPIO_STATUS_OK) {
			fprintf(stderr, "  round %lu: request %u line %u: len %u status %u\n",
				s->rounds, d.type, d.gpio, d.len, d.status);
			s->bad++;
			return false;
		}
	}
	return true;
}

/*
 * A requestq round trip orders everything: the helper sent the edges of
 * every sim batch answered before, the worker handled them before this
 * answer. After it, no eventq buffer may have come back unasked.
 */
static bool fence(struct irq_soak *s)
{
	unsigned int i = (unsigned int)(s->rounds % IRQ_LINES);
	int v = tfe_get_value(s->t, (uint16_t)i);

	if (v != s->l[i].level) {
		fprintf(stderr, "  round %lu: line %u reads %d, input is %d\n", s->rounds, i, v,
			s->l[i].level);
		s->bad++;
	}
	if (tfe_vq_collect(s->t, 1) != 0) {
		struct tfe_done d;

		tfe_vq_take(s->t, 1, -1, &d, 0);
		fprintf(stderr, "  round %lu: unasked eventq return: line %u status %u\n",
			s->rounds, d.gpio, d.status);
		s->spurious++;
		return false;
	}
	return s->bad == 0;
}

static bool post_irq_types(struct irq_soak *s, bool none)
{
	for (unsigned int i = 0; i < IRQ_LINES; i++)
		if (tfe_req_post(s->t, VIRTIO_GPIO_MSG_SET_IRQ_TYPE, (uint16_t)i,
				 none ? VIRTIO_GPIO_IRQ_TYPE_NONE : s->l[i].type, 2,
				 s->t->indirect) < 0)
			return false;
	return tfe_kick(s->t, 0) == 0;
}

/* Flip the input; count it when the line's trigger matches the edge. */
static void toggle(struct irq_soak *s, unsigned int i)
{
	struct irq_line *l = &s->l[i];
	int to = !l->level;

	if (l->type == VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH ||
	    l->type == (to ? VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING : VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING))
		l->matching++;
	sim_add(s, i, to);
}

static bool matches_next(const struct irq_line *l)
{
	return l->type == VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH ||
	       l->type == (l->level ? VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING
				    : VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
}

/* One edge the trigger matches, after a non-matching one if the level needs it. */
static void matching_edge(struct irq_soak *s, unsigned int i)
{
	if (!matches_next(&s->l[i]))
		toggle(s, i);
	toggle(s, i);
}

static bool arm_mask(struct irq_soak *s, uint32_t mask)
{
	for (unsigned int i = 0; i < IRQ_LINES; i++)
		if ((mask >> i & 1) && !arm(s, i))
			return false;
	return tfe_kick(s->t, 1) == 0;
}

/*
 * One round, every line through: an edge while enabled and unmasked (A1),
 * edges while masked, latched (A2), NONE racing an edge (B), enable again
 * with the INVALID buffer re-queued at once (C), non-matching edges (C2).
 */
static bool irq_round(struct irq_soak *s)
{
	const uint32_t all = (1u << IRQ_LINES) - 1;
	unsigned long a1[IRQ_LINES] = { 0 }, a2[IRQ_LINES] = { 0 }, wrong[IRQ_LINES] = { 0 };
	unsigned long bv[IRQ_LINES] = { 0 }, bi[IRQ_LINES] = { 0 };
	uint32_t invalid = 0;
	bool early = s->rounds & 1;

	if (!fence(s))
		return false;
	for (unsigned int i = 0; i < IRQ_LINES; i++)
		matching_edge(s, i);
	if (!sim_flush(s) || !take_returns(s, all, IRQ_LINES, a1, wrong))
		return false;
	for (unsigned int i = 0; i < IRQ_LINES; i++) {
		matching_edge(s, i);
		for (unsigned long k = 0; k < (s->rounds + i) % 3; k++)
			toggle(s, i);
	}
	if (!sim_flush(s) || !arm_mask(s, all) || !take_returns(s, all, IRQ_LINES, a2, wrong))
		return false;
	if (!arm_mask(s, all) || !post_irq_types(s, true))
		return false;
	for (unsigned int i = 0; i < IRQ_LINES; i++)
		matching_edge(s, i);
	if (!sim_flush(s) || !take_ok(s, IRQ_LINES) || !take_returns(s, all, IRQ_LINES, bv, bi))
		return false;
	for (unsigned int i = 0; i < IRQ_LINES; i++)
		invalid |= bi[i] ? 1u << i : 0;
	if ((early && !arm_mask(s, invalid)) || !post_irq_types(s, false) ||
	    (!early && !arm_mask(s, invalid)) || !take_ok(s, IRQ_LINES) ||
	    !arm_mask(s, all & ~invalid))
		return false;
	for (unsigned int i = 0; i < IRQ_LINES; i++)
		if (s->l[i].type != VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH && !matches_next(&s->l[i]))
			sim_add(s, i, !s->l[i].level);
	if (!sim_flush(s))
		return false;
	for (unsigned int i = 0; i < IRQ_LINES; i++) {
		struct irq_line *l = &s->l[i];

		if (a1[i] != 1 || a2[i] != 1 || wrong[i] || bv[i] + bi[i] != 1) {
			fprintf(stderr, "  round %lu line %u: A1 %lu, A2 %lu VALID, %lu INVALID\n",
				s->rounds, i, a1[i], a2[i], wrong[i]);
			s->bad++;
		}
		l->valid += a1[i] + a2[i] + bv[i];
		l->race_valid += bv[i];
		l->race_invalid += bi[i];
	}
	s->rounds++;
	return s->bad == 0;
}

/* NONE everywhere: each held buffer comes back INVALID; 0, or -1. */
static int irq_disable_all(struct irq_soak *s)
{
	unsigned long v[IRQ_LINES] = { 0 }, inv[IRQ_LINES] = { 0 }, nv = 0;
	uint32_t held = 0;
	unsigned int n = 0;

	for (unsigned int i = 0; i < IRQ_LINES; i++)
		if (s->l[i].head >= 0) {
			held |= 1u << i;
			n++;
		}
	if (!post_irq_types(s, true) || !take_ok(s, IRQ_LINES) ||
	    !take_returns(s, held, n, v, inv))
		return -1;
	for (unsigned int i = 0; i < IRQ_LINES; i++)
		nv += v[i];
	return nv ? -1 : 0;
}

/* Half way: another front-end (crosvm order, EVENT_IDX) takes over; triggers and buffers anew. */
static bool irq_reconnect(struct irq_soak *s)
{
	if (irq_disable_all(s) < 0)
		return false;
	tfe_free(s->t);
	s->t = tfe_daemon_connect(&dmn, 0);
	if (!s->t)
		return false;
	s->t->want_event_idx = true;
	return tfe_handshake(s->t, TFE_CROSVM) == 0 && post_irq_types(s, false) &&
	       take_ok(s, IRQ_LINES) && arm_mask(s, (1u << IRQ_LINES) - 1);
}

static void t_irq_soak(void)
{
	unsigned long rounds = (soak_size(160000) + IRQ_LINES - 1) / IRQ_LINES;
	unsigned long posted = 0, returned = 0, valid = 0, rv = 0, ri = 0, edges = 0, acct = 0;
	struct irq_soak *s = calloc(1, sizeof(*s));
	bool second = false;
	long t0;

	alarm(FU_WATCHDOG_S);
	if (!s || tfe_daemon_start(&dmn, "s16", 1) < 0) {
		CHECK(!"daemon start");
		free(s);
		return;
	}
	s->t = tfe_daemon_open(&dmn, TFE_QEMU9);
	s->sim = tfe_connect(dmn.ctl, TFE_TIMEOUT_MS);
	CHECK(s->t && s->sim >= 0);
	if (!s->t || s->sim < 0)
		goto out;
	for (unsigned int i = 0; i < IRQ_LINES; i++) {
		s->l[i].type = i % 3 == 0 ? VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH :
			       i % 3 == 1 ? VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING :
					    VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING;
		s->l[i].head = -1;
	}
	/* request_irq: the trigger first, then the buffer. */
	CHECK(post_irq_types(s, false) && take_ok(s, IRQ_LINES) &&
	      arm_mask(s, (1u << IRQ_LINES) - 1));
	t0 = fu_now_ms();
	while (s->rounds < rounds) {
		if (s->rounds == rounds / 2 && !second && !(second = irq_reconnect(s)))
			break;
		if (!irq_round(s))
			break;
		if (s->rounds % 1024 == 0)
			alarm(FU_WATCHDOG_S);
	}
	report("irq soak", s->rounds * IRQ_LINES, "enable/edge/disable cycles", t0);
	CHECK_EQ(s->rounds, rounds);
	CHECK_EQ(s->bad, 0);
	CHECK_EQ(s->spurious, 0);
	CHECK(second);
	if (!s->t)
		goto out;
	/* The end: nothing unasked, every buffer back; then no latched edge survives NONE. */
	CHECK(s->bad == 0 && fence(s));
	CHECK_EQ(irq_disable_all(s), 0);
	CHECK(post_irq_types(s, false) && take_ok(s, IRQ_LINES) &&
	      arm_mask(s, (1u << IRQ_LINES) - 1));
	CHECK_EQ(fu_vq_wait(s->t, 1, 1, QUIET_MS), -ETIMEDOUT);
	CHECK_EQ(irq_disable_all(s), 0);
	for (unsigned int i = 0; i < IRQ_LINES; i++) {
		struct irq_line *l = &s->l[i];

		posted += l->posted;
		returned += l->returned;
		valid += l->valid;
		rv += l->race_valid;
		ri += l->race_invalid;
		edges += l->matching;
		/* Per line: A1, A2 and the race once a round; never more than the edges. */
		acct += l->valid != 2 * s->rounds + l->race_valid ||
			l->race_valid + l->race_invalid != s->rounds || l->valid > l->matching;
	}
	CHECK_EQ(returned, posted);
	CHECK_EQ(acct, 0);
	CHECK_EQ(s->t->vq[0].errors + s->t->vq[1].errors, 0);
	CHECK_EQ(tfe_vq_inflight(&s->t->vq[0]) + tfe_vq_inflight(&s->t->vq[1]), 0);
	fprintf(stderr, "  irq soak: %lu buffers posted and returned, %lu VALID for %lu matching "
		"edges; NONE/edge race: edge first %lu, NONE first %lu\n", posted, valid, edges,
		rv, ri);
out:
	if (s->sim >= 0)
		close(s->sim);
	tfe_free(s->t);
	free(s);
	CHECK_EQ(tfe_daemon_stop(&dmn), 0);
}

/* ---- requests ---- */

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

TEST_MAIN(TEST_CASE(t_irq_soak), TEST_CASE(t_req_soak))
