// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Interrupt soak through the real daemon (issue 7, part 4), with exact
 * accounting: enable/disable/edge cycles on 16 lines at once, the
 * disable -> enable race timed in the way Linux makes it (SET_IRQ_TYPE NONE
 * kicked while an edge comes in, the INVALID buffer re-queued at once around
 * the next enable). Every eventq buffer must come back exactly once; VALID
 * only for an edge seen while enabled and unmasked; edges while masked
 * coalesce into exactly one VALID.
 *
 * VUG_SOAK sets the number of cycles (default 160,000; "full", 10^6; see
 * faults_soak.h). The request soak is test_soak_req.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../harness.h"
#include "../frontend/tfe.h"
#include "faults_util.h"
#include "faults_soak.h"

#define IRQ_LINES	16
#define QUIET_MS	100

static struct tfe_daemon dmn;

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

TEST_MAIN(TEST_CASE(t_irq_soak))
