// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * eventq against the real daemon, edges injected through the sim control:
 * every trigger type, latching while masked, coalescing, INVALID returns on
 * SET_IRQ_TYPE(NONE) visible before the NONE completes (VE2, MUST 12), the
 * eventq drained before NONE is answered (MUST 31), the disable->enable
 * race, out-of-range and duplicate buffers, buffers held for NONE lines.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "../harness.h"
#include "../frontend/tfe.h"

#define QUIET_MS	60	/* how long "nothing arrives" is watched */

static struct tfe_daemon dmn;

static struct tfe *begin(enum tfe_order order)
{
	struct tfe *t;

	if (tfe_daemon_start(&dmn, "s8", 1) < 0) {
		CHECK(!"daemon start");
		return NULL;
	}
	t = tfe_daemon_open(&dmn, order);
	CHECK(t != NULL);
	if (t)
		CHECK(t->acked & (1ull << VIRTIO_GPIO_F_IRQ));
	return t;
}

static void end(struct tfe *t)
{
	if (t) {
		CHECK_EQ(t->vq[0].errors, 0);
		CHECK_EQ(t->vq[1].errors, 0);
	}
	tfe_free(t);
	CHECK_EQ(tfe_daemon_stop(&dmn), 0);
}

static void irq_type(struct tfe *t, uint16_t gpio, uint32_t type)
{
	CHECK_EQ(tfe_cmd(t, VIRTIO_GPIO_MSG_SET_IRQ_TYPE, gpio, type, NULL), VIRTIO_GPIO_STATUS_OK);
}

static void sim(uint16_t line, int level)
{
	CHECK_EQ(tfe_sim_set(&dmn, 0, line, level), 0);
}

/* The next eventq completion must be @gpio with @status, used length 1. */
static int expect_evt(struct tfe *t, uint16_t gpio, int status)
{
	struct tfe_done d;

	if (tfe_evt_wait(t, &d, TFE_TIMEOUT_MS) < 0) {
		CHECK(!"eventq buffer returned");
		return -1;
	}
	CHECK_EQ(d.gpio, gpio);
	CHECK_EQ(d.len, 1);
	CHECK_EQ(d.status, status);
	return d.head;
}

/* Nothing comes back on the eventq for a while. */
static void expect_quiet(struct tfe *t)
{
	struct tfe_done d;
	int rc = tfe_evt_wait(t, &d, QUIET_MS);

	CHECK_EQ(rc, -ETIMEDOUT);
	if (rc == 0)
		fprintf(stderr, "  unexpected eventq return: line %u status %u len %u\n", d.gpio,
			d.status, d.len);
}

static void edges(enum tfe_order order)
{
	struct tfe *t = begin(order);

	if (!t)
		return;
	/* rising, line 0 */
	irq_type(t, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	CHECK(tfe_evt_arm(t, 0) >= 0);
	expect_quiet(t);
	sim(0, 1);
	expect_evt(t, 0, VIRTIO_GPIO_IRQ_STATUS_VALID);
	CHECK(tfe_evt_arm(t, 0) >= 0);
	sim(0, 0);
	expect_quiet(t);
	sim(0, 1);
	expect_evt(t, 0, VIRTIO_GPIO_IRQ_STATUS_VALID);
	/* falling, line 1 */
	irq_type(t, 1, VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING);
	CHECK(tfe_evt_arm(t, 1) >= 0);
	sim(1, 1);
	expect_quiet(t);
	sim(1, 0);
	expect_evt(t, 1, VIRTIO_GPIO_IRQ_STATUS_VALID);
	/* both, line 2 */
	irq_type(t, 2, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH);
	CHECK(tfe_evt_arm(t, 2) >= 0);
	sim(2, 1);
	expect_evt(t, 2, VIRTIO_GPIO_IRQ_STATUS_VALID);
	CHECK(tfe_evt_arm(t, 2) >= 0);
	sim(2, 0);
	expect_evt(t, 2, VIRTIO_GPIO_IRQ_STATUS_VALID);
	/* level high, line 3: fires while active, again on re-queue, not when inactive */
	irq_type(t, 3, VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH);
	CHECK(tfe_evt_arm(t, 3) >= 0);
	expect_quiet(t);
	sim(3, 1);
	expect_evt(t, 3, VIRTIO_GPIO_IRQ_STATUS_VALID);
	CHECK(tfe_evt_arm(t, 3) >= 0);
	expect_evt(t, 3, VIRTIO_GPIO_IRQ_STATUS_VALID);
	sim(3, 0);
	CHECK(tfe_evt_arm(t, 3) >= 0);
	expect_quiet(t);
	/* level high is not latched while masked: pulse it with no buffer held */
	irq_type(t, 3, VIRTIO_GPIO_IRQ_TYPE_NONE);
	expect_evt(t, 3, VIRTIO_GPIO_IRQ_STATUS_INVALID);
	irq_type(t, 3, VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH);
	sim(3, 1);
	sim(3, 0);
	CHECK(tfe_evt_arm(t, 3) >= 0);
	expect_quiet(t);
	/* level low, line 4: the input starts at 0, so it is active at once */
	irq_type(t, 4, VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW);
	CHECK(tfe_evt_arm(t, 4) >= 0);
	expect_evt(t, 4, VIRTIO_GPIO_IRQ_STATUS_VALID);
	sim(4, 1);
	CHECK(tfe_evt_arm(t, 4) >= 0);
	expect_quiet(t);
	sim(4, 0);
	expect_evt(t, 4, VIRTIO_GPIO_IRQ_STATUS_VALID);
	/* line 3's held buffer comes back INVALID on NONE */
	irq_type(t, 3, VIRTIO_GPIO_IRQ_TYPE_NONE);
	expect_evt(t, 3, VIRTIO_GPIO_IRQ_STATUS_INVALID);
	end(t);
}

static void t_edges_qemu9(void)
{
	edges(TFE_QEMU9);
}

static void t_edges_crosvm(void)
{
	edges(TFE_CROSVM);
}

static void t_latch_coalesce(void)
{
	struct tfe *t = begin(TFE_QEMU9);

	if (!t)
		return;
	/* An edge while masked is delivered when the buffer comes. */
	irq_type(t, 5, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH);
	sim(5, 1);
	CHECK(tfe_evt_arm(t, 5) >= 0);
	expect_evt(t, 5, VIRTIO_GPIO_IRQ_STATUS_VALID);
	/* Three edges while masked collapse into one event. */
	sim(5, 0);
	sim(5, 1);
	sim(5, 0);
	CHECK(tfe_evt_arm(t, 5) >= 0);
	expect_evt(t, 5, VIRTIO_GPIO_IRQ_STATUS_VALID);
	CHECK(tfe_evt_arm(t, 5) >= 0);
	expect_quiet(t);
	/* A latched edge is dropped by NONE (VR10). */
	irq_type(t, 5, VIRTIO_GPIO_IRQ_TYPE_NONE);
	expect_evt(t, 5, VIRTIO_GPIO_IRQ_STATUS_INVALID);
	irq_type(t, 5, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	sim(5, 1);
	irq_type(t, 5, VIRTIO_GPIO_IRQ_TYPE_NONE);
	irq_type(t, 5, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	CHECK(tfe_evt_arm(t, 5) >= 0);
	expect_quiet(t);
	/* Edges not matching the trigger are not latched. */
	sim(5, 0);
	expect_quiet(t);
	sim(5, 1);
	expect_evt(t, 5, VIRTIO_GPIO_IRQ_STATUS_VALID);
	end(t);
}

/* After the requestq completion of @head the eventq return must already be there. */
static void none_returns_held(struct tfe *t, uint16_t gpio, uint16_t type, uint32_t value,
			      int evt_head)
{
	struct pollfd pfd = { .fd = t->vq[1].call_fd, .events = POLLIN };
	struct tfe_done d;
	uint8_t v;

	CHECK_EQ(tfe_evt_poll(t, &d), 0);
	tfe_call_drain(t, 1);
	CHECK_EQ(tfe_cmd(t, type, gpio, value, &v), VIRTIO_GPIO_STATUS_OK);
	/* No waiting: the INVALID buffer and its call come before the answer. */
	CHECK_EQ(poll(&pfd, 1, 0), 1);
	CHECK_EQ(tfe_evt_poll(t, &d), 1);
	CHECK_EQ(d.head, evt_head);
	CHECK_EQ(d.gpio, gpio);
	CHECK_EQ(d.len, 1);
	CHECK_EQ(d.status, VIRTIO_GPIO_IRQ_STATUS_INVALID);
	CHECK_EQ(tfe_evt_poll(t, &d), 0);
}

static void t_none_returns_invalid(void)
{
	struct tfe *t = begin(TFE_QEMU9);
	int head;

	if (!t)
		return;
	irq_type(t, 6, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH);
	head = tfe_evt_arm(t, 6);
	CHECK_EQ(tfe_get_value(t, 6), 0);
	usleep(10 * 1000);	/* let the device take the buffer */
	none_returns_held(t, 6, VIRTIO_GPIO_MSG_SET_IRQ_TYPE, VIRTIO_GPIO_IRQ_TYPE_NONE, head);
	/* The same for SET_DIRECTION(NONE) (MUST 9). */
	irq_type(t, 6, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	head = tfe_evt_arm(t, 6);
	usleep(10 * 1000);
	none_returns_held(t, 6, VIRTIO_GPIO_MSG_SET_DIRECTION, VIRTIO_GPIO_DIRECTION_NONE, head);
	{
		struct tfe_sim_line sl;

		CHECK_EQ(tfe_sim_get(&dmn, 0, 6, &sl), 0);
		CHECK(!strcmp(sl.irq, "none"));
	}
	/* Buffers for a NONE line are held, not bounced, and return on NONE. */
	head = tfe_evt_arm(t, 6);
	expect_quiet(t);
	none_returns_held(t, 6, VIRTIO_GPIO_MSG_SET_IRQ_TYPE, VIRTIO_GPIO_IRQ_TYPE_NONE, head);
	end(t);
}

/* MUST 31: a buffer posted and kicked just before NONE comes back with/before NONE. */
static void t_drain_before_none(void)
{
	struct tfe *t = begin(TFE_QEMU9);
	int bad = 0;

	if (!t)
		return;
	for (int i = 0; i < 100 && !bad; i++) {
		struct pollfd pfd = { .fd = t->vq[1].call_fd, .events = POLLIN };
		struct tfe_done d, e;
		int eh, rh;

		irq_type(t, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH);
		tfe_call_drain(t, 1);
		eh = tfe_evt_arm(t, 0);
		rh = tfe_req_post(t, VIRTIO_GPIO_MSG_SET_IRQ_TYPE, 0, VIRTIO_GPIO_IRQ_TYPE_NONE, 2,
				  t->indirect);
		if (eh < 0 || rh < 0 || tfe_kick(t, 0) < 0 ||
		    tfe_vq_take(t, 0, rh, &d, TFE_TIMEOUT_MS) < 0) {
			bad = 1;
			break;
		}
		bad |= d.status != VIRTIO_GPIO_STATUS_OK || d.len != 2;
		if (poll(&pfd, 1, 0) != 1 || tfe_evt_poll(t, &e) != 1) {
			fprintf(stderr, "  round %d: eventq buffer not back when NONE completed\n",
				i);
			bad = 2;
			break;
		}
		bad |= e.head != eh || e.status != VIRTIO_GPIO_IRQ_STATUS_INVALID || e.len != 1;
	}
	CHECK_EQ(bad, 0);
	end(t);
}

/*
 * Linux's disable -> enable race (§2.6): NONE is answered while the guest has
 * not yet seen the INVALID buffer; the guest re-queues the line's buffer and
 * sends the trigger again. One edge must give exactly one VALID.
 */
static void t_disable_enable_race(void)
{
	struct tfe *t = begin(TFE_QEMU9);
	struct tfe_sim_line sl;
	struct tfe_done d[4];
	int old, fresh, n = 0, valid = 0, invalid = 0;

	if (!t)
		return;
	irq_type(t, 7, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH);
	old = tfe_evt_arm(t, 7);
	CHECK_EQ(tfe_get_value(t, 7), 0);
	irq_type(t, 7, VIRTIO_GPIO_IRQ_TYPE_NONE);	/* INVALID left uncollected */
	fresh = tfe_evt_arm(t, 7);
	irq_type(t, 7, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH);
	CHECK(old >= 0 && fresh >= 0 && old != fresh);
	sim(7, 1);
	while (n < 4 && tfe_evt_wait(t, &d[n], n < 2 ? TFE_TIMEOUT_MS : QUIET_MS) == 0)
		n++;
	CHECK_EQ(n, 2);
	for (int i = 0; i < n; i++) {
		CHECK_EQ(d[i].len, 1);
		CHECK_EQ(d[i].gpio, 7);
		if (d[i].status == VIRTIO_GPIO_IRQ_STATUS_VALID) {
			valid++;
			CHECK_EQ(d[i].head, fresh);
		} else {
			invalid++;
			CHECK_EQ(d[i].head, old);
		}
	}
	CHECK_EQ(valid, 1);
	CHECK_EQ(invalid, 1);
	/* Still enabled. */
	CHECK_EQ(tfe_sim_get(&dmn, 0, 7, &sl), 0);
	CHECK(!strcmp(sl.irq, "both"));
	CHECK(tfe_evt_arm(t, 7) >= 0);
	sim(7, 0);
	expect_evt(t, 7, VIRTIO_GPIO_IRQ_STATUS_VALID);
	end(t);
}

static void t_bad_buffers(void)
{
	struct tfe *t = begin(TFE_QEMU9);
	int a, b;

	if (!t)
		return;
	/* Out of range: INVALID at once. */
	CHECK(tfe_evt_arm(t, 8) >= 0);
	expect_evt(t, 8, VIRTIO_GPIO_IRQ_STATUS_INVALID);
	CHECK(tfe_evt_arm(t, 0xffff) >= 0);
	expect_evt(t, 0xffff, VIRTIO_GPIO_IRQ_STATUS_INVALID);
	/* Duplicate: the newcomer comes back INVALID, the held one stays. */
	irq_type(t, 1, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	a = tfe_evt_arm(t, 1);
	b = tfe_evt_arm(t, 1);
	CHECK_EQ(expect_evt(t, 1, VIRTIO_GPIO_IRQ_STATUS_INVALID), b);
	expect_quiet(t);
	sim(1, 1);
	CHECK_EQ(expect_evt(t, 1, VIRTIO_GPIO_IRQ_STATUS_VALID), a);
	/* Direct and indirect eventq chains, all used length 1. */
	for (int mode = 0; mode < 2; mode++) {
		t->indirect = mode;
		CHECK(tfe_evt_arm(t, 1) >= 0);
		sim(1, 0);
		sim(1, 1);
		expect_evt(t, 1, VIRTIO_GPIO_IRQ_STATUS_VALID);
	}
	/* Any layout: the line number split over two descriptors, a 4-byte status part. */
	{
		struct tfe_inflight meta = { .slot = -1, .gpio = 1, .resp_len = 1 };
		uint64_t gpa;
		uint8_t *p;
		int h1, h2;

		CHECK_EQ(tfe_mem_alloc(&t->mem, 32, 8, &gpa), 0);
		p = tfe_gpa_ptr(&t->mem, gpa, 32);
		p[0] = 1;
		p[1] = 0;
		memset(p + 8, 0xee, 8);
		meta.resp_gpa = gpa + 8;
		h1 = tfe_vq_add(t, 1, (struct tfe_buf[]){ { gpa, 1, false }, { gpa + 1, 1, false },
							  { gpa + 8, 1, true } }, 3, false, &meta);
		CHECK_EQ(tfe_kick(t, 1), 0);
		sim(1, 0);
		sim(1, 1);
		CHECK_EQ(expect_evt(t, 1, VIRTIO_GPIO_IRQ_STATUS_VALID), h1);
		memset(p + 8, 0xee, 8);
		h2 = tfe_vq_add(t, 1, (struct tfe_buf[]){ { gpa, 2, false }, { gpa + 8, 4, true } },
				2, true, &meta);
		CHECK_EQ(tfe_kick(t, 1), 0);
		sim(1, 0);
		sim(1, 1);
		CHECK_EQ(expect_evt(t, 1, VIRTIO_GPIO_IRQ_STATUS_VALID), h2);
		CHECK_EQ(p[9], 0xee);
	}
	/* Many lines held at once, each returned exactly once. */
	irq_type(t, 1, VIRTIO_GPIO_IRQ_TYPE_NONE);
	for (uint16_t g = 0; g < 8; g++) {
		irq_type(t, g, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH);
		CHECK(tfe_evt_arm(t, g) >= 0);
	}
	for (uint16_t g = 0; g < 8; g++)
		sim(g, g == 1 ? 0 : 1);
	for (int i = 0; i < 8; i++) {
		struct tfe_done d;

		CHECK_EQ(tfe_evt_wait(t, &d, TFE_TIMEOUT_MS), 0);
		CHECK_EQ(d.status, VIRTIO_GPIO_IRQ_STATUS_VALID);
		CHECK_EQ(d.len, 1);
	}
	expect_quiet(t);
	CHECK_EQ(tfe_vq_inflight(&t->vq[1]), 0);
	end(t);
}

/*
 * Level triggers read the line when a buffer arrives: an edge the chip never
 * reported (sim "noevent") must neither fire a stale level nor hide an
 * active one.
 */
static void t_level_reads_line(void)
{
	struct tfe *t = begin(TFE_QEMU9);
	char reply[128];

	if (!t)
		return;
	irq_type(t, 5, VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH);
	sim(5, 1);
	CHECK(tfe_evt_arm(t, 5) >= 0);
	expect_evt(t, 5, VIRTIO_GPIO_IRQ_STATUS_VALID);
	/* Low without an edge: the cached level says high, the line does not. */
	CHECK_EQ(tfe_sim_cmd(&dmn, reply, sizeof(reply), "set 0 5 0 noevent"), 0);
	CHECK(tfe_evt_arm(t, 5) >= 0);
	CHECK_EQ(tfe_get_value(t, 5), 0);
	expect_quiet(t);
	/* The buffer is held, not lost: a reported edge fires it. */
	sim(5, 1);
	expect_evt(t, 5, VIRTIO_GPIO_IRQ_STATUS_VALID);
	/* Level low, line high; it goes low unreported while masked. */
	irq_type(t, 5, VIRTIO_GPIO_IRQ_TYPE_NONE);
	irq_type(t, 5, VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW);
	CHECK_EQ(tfe_sim_cmd(&dmn, reply, sizeof(reply), "set 0 5 0 noevent"), 0);
	CHECK(tfe_evt_arm(t, 5) >= 0);
	expect_evt(t, 5, VIRTIO_GPIO_IRQ_STATUS_VALID);
	end(t);
}

/* Linux changes the trigger without NONE first: the held buffer stays (MUST 11). */
static void t_type_change(void)
{
	struct tfe *t = begin(TFE_QEMU9);
	int head;

	if (!t)
		return;
	irq_type(t, 3, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	head = tfe_evt_arm(t, 3);
	irq_type(t, 3, VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING);
	expect_quiet(t);
	sim(3, 1);
	expect_quiet(t);
	sim(3, 0);
	CHECK_EQ(expect_evt(t, 3, VIRTIO_GPIO_IRQ_STATUS_VALID), head);
	end(t);
}

/* Stopped rings are quiet (MUST 28); held buffers and latched edges survive. */
static void t_edge_while_stopped(void)
{
	struct tfe *t = begin(TFE_QEMU9);
	uint16_t used;
	int head;

	if (!t)
		return;
	irq_type(t, 2, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH);
	head = tfe_evt_arm(t, 2);
	CHECK_EQ(tfe_get_value(t, 2), 0);
	usleep(10 * 1000);
	CHECK_EQ(tfe_stop(t), 0);
	CHECK_EQ(t->base[1], 1);
	used = t->vq[1].used->idx;
	tfe_call_drain(t, 1);
	sim(2, 1);
	usleep(QUIET_MS * 1000);
	CHECK_EQ(t->vq[1].used->idx, used);
	CHECK_EQ(tfe_call_drain(t, 1), 0);
	CHECK_EQ(tfe_start(t), 0);
	CHECK_EQ(expect_evt(t, 2, VIRTIO_GPIO_IRQ_STATUS_VALID), head);
	/* crosvm sleep/wake, the same. */
	tfe_free(t);
	t = tfe_daemon_open(&dmn, TFE_CROSVM);
	CHECK(t != NULL);
	if (!t)
		goto out;
	irq_type(t, 2, VIRTIO_GPIO_IRQ_TYPE_NONE);
	irq_type(t, 2, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH);
	head = tfe_evt_arm(t, 2);
	CHECK_EQ(tfe_get_value(t, 2), 1);
	usleep(10 * 1000);
	CHECK_EQ(tfe_stop(t), 0);
	sim(2, 0);
	usleep(QUIET_MS * 1000);
	CHECK_EQ(tfe_vq_collect(t, 1), 0);
	CHECK_EQ(tfe_start(t), 0);
	CHECK_EQ(expect_evt(t, 2, VIRTIO_GPIO_IRQ_STATUS_VALID), head);
out:
	end(t);
}

TEST_MAIN(TEST_CASE(t_level_reads_line), TEST_CASE(t_edges_qemu9), TEST_CASE(t_edges_crosvm), TEST_CASE(t_latch_coalesce),
	  TEST_CASE(t_none_returns_invalid), TEST_CASE(t_drain_before_none),
	  TEST_CASE(t_disable_enable_race), TEST_CASE(t_bad_buffers), TEST_CASE(t_type_change),
	  TEST_CASE(t_edge_while_stopped))
