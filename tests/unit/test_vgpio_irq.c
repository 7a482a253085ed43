// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for the eventq state machine (device/worker/vgpio_irq.c).
 *
 * The fake sink logs every completion in order and keeps the set of heads
 * the "guest" has outstanding at the device: give() adds one, complete()
 * must find and remove it. A head completed that is not outstanding (twice,
 * or never given) or with a wrong status address counts as a violation;
 * every test ends by checking there were none.
 */
#include <errno.h>

#include "../harness.h"
#include "ipc.h"
#include "virtio_gpio.h"
#include "worker/vgpio_irq.h"

#define INV	VIRTIO_GPIO_IRQ_STATUS_INVALID
#define VAL	VIRTIO_GPIO_IRQ_STATUS_VALID
#define RISE	IPC_EDGE_RISING
#define FALL	IPC_EDGE_FALLING
#define T_NONE	VIRTIO_GPIO_IRQ_TYPE_NONE
#define T_RISE	VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING
#define T_FALL	VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING
#define T_BOTH	VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH
#define T_HIGH	VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH
#define T_LOW	VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW

/* Event kinds in the log: completions, plus markers the test adds. */
#define EV_DONE		0	/* a completion */
#define EV_REQ_ANSWERED	1	/* the test "answered" a requestq message */

struct rec {
	int kind;
	uint16_t head;
	uint64_t gpa;
	uint8_t status;
};

static struct fake {
	struct vgpio_irq *irq;
	struct rec log[512];
	unsigned int n;
	bool outstanding[UINT16_MAX + 1];
	unsigned int violations;
	/* optional re-entrant behaviour of the sink */
	void (*hook)(uint16_t head, uint8_t status);
} F;

static uint64_t gpa_of(uint16_t head)
{
	return 0x100000 + (uint64_t)head * 16 + 3;
}

static void fake_complete(void *ctx, uint16_t head, uint64_t gpa, uint8_t status)
{
	CHECK(ctx == &F);
	if (!F.outstanding[head] || gpa != gpa_of(head) || (status != INV && status != VAL)) {
		fprintf(stderr, "violation: head %u gpa %#llx status %u outstanding %d\n",
			head, (unsigned long long)gpa, status, F.outstanding[head]);
		F.violations++;
	}
	F.outstanding[head] = false;
	if (F.n < sizeof(F.log) / sizeof(F.log[0]))
		F.log[F.n++] = (struct rec){ EV_DONE, head, gpa, status };
	if (F.hook)
		F.hook(head, status);
}

static void setup_stopped(uint16_t ngpio)
{
	static const struct vgpio_irq_sink sink = { .complete = fake_complete, .ctx = &F };

	memset(&F, 0, sizeof(F));
	F.irq = vgpio_irq_new(ngpio, &sink);
	CHECK(F.irq != NULL);
}

static void setup(uint16_t ngpio)
{
	setup_stopped(ngpio);
	vgpio_irq_set_running(F.irq, true);
}

static void teardown(void)
{
	CHECK_EQ(F.violations, 0);
	vgpio_irq_free(F.irq);
	F.irq = NULL;
}

/* The guest queues eventq buffer @head for @gpio. */
static void give(uint16_t gpio, uint16_t head)
{
	F.outstanding[head] = true;
	vgpio_irq_buffer(F.irq, gpio, head, gpa_of(head));
}

static void mark_answered(void)
{
	if (F.n < sizeof(F.log) / sizeof(F.log[0]))
		F.log[F.n++] = (struct rec){ EV_REQ_ANSWERED, 0, 0, 0 };
}

static bool done_is(unsigned int i, uint16_t head, uint8_t status)
{
	return i < F.n && F.log[i].kind == EV_DONE && F.log[i].head == head &&
	       F.log[i].status == status;
}

static unsigned int count(uint16_t head, uint8_t status)
{
	unsigned int c = 0;

	for (unsigned int i = 0; i < F.n; i++)
		c += F.log[i].kind == EV_DONE && F.log[i].head == head &&
		     F.log[i].status == status;
	return c;
}

static void t_new_and_bounds(void)
{
	static const struct vgpio_irq_sink nocb = { .complete = NULL, .ctx = NULL };
	static const struct vgpio_irq_sink sink = { .complete = fake_complete, .ctx = &F };
	errno = 0;
	CHECK(vgpio_irq_new(0, &sink) == NULL);
	CHECK_EQ(errno, EINVAL);
	errno = 0;
	CHECK(vgpio_irq_new(4, NULL) == NULL);
	CHECK_EQ(errno, EINVAL);
	CHECK(vgpio_irq_new(4, &nocb) == NULL);
	vgpio_irq_free(NULL);

	/* The largest device: line 65534 works like any other. */
	setup(UINT16_MAX);
	CHECK_EQ(vgpio_irq_type(F.irq, 65534), T_NONE);
	vgpio_irq_set_type(F.irq, 65534, T_RISE, 0);
	give(65534, 7);
	CHECK(vgpio_irq_is_held(F.irq, 65534));
	vgpio_irq_edge(F.irq, 65534, RISE, 1);
	CHECK_EQ(F.n, 1);
	CHECK(done_is(0, 7, VAL));
	/* gpio 65535 is out of range for ngpio 65535. */
	give(65535, 8);
	CHECK(done_is(1, 8, INV));
	CHECK(!vgpio_irq_is_held(F.irq, 65535));
	teardown();
}

static void t_edge_latched_then_delivered(void)
{
	setup(4);
	vgpio_irq_set_type(F.irq, 1, T_RISE, 0);
	CHECK(!vgpio_irq_is_latched(F.irq, 1));
	vgpio_irq_edge(F.irq, 1, RISE, 1);		/* masked: latch (VR8) */
	CHECK(vgpio_irq_is_latched(F.irq, 1));
	CHECK_EQ(F.n, 0);
	give(1, 10);					/* delivered on arrival */
	CHECK_EQ(F.n, 1);
	CHECK(done_is(0, 10, VAL));
	CHECK(!vgpio_irq_is_latched(F.irq, 1));
	CHECK(!vgpio_irq_is_held(F.irq, 1));
	give(1, 11);					/* nothing pending now */
	CHECK_EQ(F.n, 1);
	CHECK(vgpio_irq_is_held(F.irq, 1));
	vgpio_irq_edge(F.irq, 1, RISE, 1);		/* held: immediate */
	CHECK(done_is(1, 11, VAL));
	teardown();
}

static void t_edges_coalesce(void)
{
	setup(2);
	vgpio_irq_set_type(F.irq, 0, T_BOTH, 0);
	for (int i = 0; i < 5; i++)
		vgpio_irq_edge(F.irq, 0, i % 2 ? FALL : RISE, !(i % 2));
	CHECK(vgpio_irq_is_latched(F.irq, 0));
	CHECK_EQ(F.n, 0);
	give(0, 1);
	give(0, 2);	/* head 1 came back already, so 2 is legal and is held */
	CHECK_EQ(F.n, 1);
	CHECK(done_is(0, 1, VAL));
	CHECK(vgpio_irq_is_held(F.irq, 0));
	CHECK(!vgpio_irq_is_latched(F.irq, 0));
	teardown();
}

static void t_edge_matching(void)
{
	setup(3);
	vgpio_irq_set_type(F.irq, 0, T_RISE, 1);
	vgpio_irq_set_type(F.irq, 1, T_FALL, 0);
	vgpio_irq_set_type(F.irq, 2, T_BOTH, 0);
	give(0, 100);
	give(1, 101);
	give(2, 102);

	vgpio_irq_edge(F.irq, 0, FALL, 0);		/* rising type, falling edge */
	vgpio_irq_edge(F.irq, 1, RISE, 1);		/* falling type, rising edge */
	vgpio_irq_edge(F.irq, 2, 0, 1);			/* no edge bit */
	vgpio_irq_edge(F.irq, 2, 4, 1);			/* no known edge bit */
	CHECK_EQ(F.n, 0);
	CHECK(!vgpio_irq_is_latched(F.irq, 0));
	CHECK(!vgpio_irq_is_latched(F.irq, 1));
	CHECK(!vgpio_irq_is_latched(F.irq, 2));

	vgpio_irq_edge(F.irq, 0, RISE, 1);
	vgpio_irq_edge(F.irq, 1, FALL, 0);
	vgpio_irq_edge(F.irq, 2, RISE, 1);
	CHECK(done_is(0, 100, VAL));
	CHECK(done_is(1, 101, VAL));
	CHECK(done_is(2, 102, VAL));
	give(2, 103);
	vgpio_irq_edge(F.irq, 2, FALL, 0);		/* BOTH takes falling too */
	CHECK(done_is(3, 103, VAL));
	/* Non-matching edges do not latch while masked either. */
	vgpio_irq_edge(F.irq, 0, FALL, 0);
	give(0, 104);
	CHECK_EQ(F.n, 4);
	teardown();
}

/* The helper coalesces a line's edges into one report: every type it holds matches. */
static void t_edge_coalesced(void)
{
	setup(3);
	vgpio_irq_set_type(F.irq, 0, T_RISE, 0);
	vgpio_irq_set_type(F.irq, 1, T_FALL, 0);
	vgpio_irq_set_type(F.irq, 2, T_HIGH, 0);
	give(0, 10);
	give(1, 11);
	give(2, 12);
	vgpio_irq_edge(F.irq, 0, RISE | FALL, 0);	/* a pulse: ends low */
	vgpio_irq_edge(F.irq, 1, RISE | FALL, 0);
	vgpio_irq_edge(F.irq, 2, RISE | FALL, 0);	/* level types go by the level */
	CHECK(done_is(0, 10, VAL));
	CHECK(done_is(1, 11, VAL));
	CHECK_EQ(F.n, 2);
	CHECK(vgpio_irq_is_held(F.irq, 2));
	teardown();
}

static void t_level_high(void)
{
	setup(2);
	vgpio_irq_set_type(F.irq, 0, T_HIGH, 1);	/* active, nothing held */
	CHECK_EQ(F.n, 0);
	give(0, 1);					/* fires on arrival */
	CHECK(done_is(0, 1, VAL));
	give(0, 2);					/* still high: storm */
	CHECK(done_is(1, 2, VAL));
	give(0, 3);
	CHECK(done_is(2, 3, VAL));
	vgpio_irq_edge(F.irq, 0, FALL, 0);		/* goes inactive, masked */
	give(0, 4);
	CHECK_EQ(F.n, 3);
	CHECK(vgpio_irq_is_held(F.irq, 0));
	vgpio_irq_edge(F.irq, 0, RISE, 1);		/* active while held */
	CHECK(done_is(3, 4, VAL));
	CHECK(!vgpio_irq_is_latched(F.irq, 0));
	teardown();
}

static void t_level_low(void)
{
	setup(1);
	vgpio_irq_set_type(F.irq, 0, T_LOW, 1);	/* inactive */
	give(0, 1);
	CHECK_EQ(F.n, 0);
	vgpio_irq_edge(F.irq, 0, FALL, 0);
	CHECK(done_is(0, 1, VAL));
	give(0, 2);					/* still low: re-fires */
	CHECK(done_is(1, 2, VAL));
	vgpio_irq_edge(F.irq, 0, RISE, 1);
	give(0, 3);
	CHECK_EQ(F.n, 2);
	teardown();
}

static void t_level_not_latched(void)
{
	setup(2);
	vgpio_irq_set_type(F.irq, 0, T_HIGH, 0);
	vgpio_irq_set_type(F.irq, 1, T_LOW, 1);
	/* Active and back while masked (VR9): nothing on arrival. */
	vgpio_irq_edge(F.irq, 0, RISE, 1);
	vgpio_irq_edge(F.irq, 0, FALL, 0);
	vgpio_irq_edge(F.irq, 1, FALL, 0);
	vgpio_irq_edge(F.irq, 1, RISE, 1);
	CHECK(!vgpio_irq_is_latched(F.irq, 0));
	CHECK(!vgpio_irq_is_latched(F.irq, 1));
	give(0, 1);
	give(1, 2);
	CHECK_EQ(F.n, 0);
	CHECK(vgpio_irq_is_held(F.irq, 0));
	CHECK(vgpio_irq_is_held(F.irq, 1));
	teardown();
}

static void t_set_type_level_active_fires(void)
{
	setup(1);
	give(0, 1);					/* held while NONE */
	vgpio_irq_set_type(F.irq, 0, T_HIGH, 1);	/* enabled, already active */
	CHECK(done_is(0, 1, VAL));
	vgpio_irq_edge(F.irq, 0, FALL, 0);
	give(0, 2);
	CHECK_EQ(F.n, 1);
	vgpio_irq_set_type(F.irq, 0, T_LOW, 1);	/* direct change, inactive */
	CHECK_EQ(F.n, 1);
	CHECK(vgpio_irq_is_held(F.irq, 0));
	vgpio_irq_set_type(F.irq, 0, T_LOW, 0);	/* same type, now active */
	CHECK(done_is(1, 2, VAL));
	teardown();
}

static void t_disable_returns_invalid_and_clears_latch(void)
{
	setup(2);
	vgpio_irq_set_type(F.irq, 0, T_BOTH, 0);
	give(0, 5);
	vgpio_irq_set_type(F.irq, 0, T_NONE, 0);	/* VE2 */
	CHECK(done_is(0, 5, INV));
	CHECK_EQ(vgpio_irq_type(F.irq, 0), T_NONE);
	CHECK(!vgpio_irq_is_held(F.irq, 0));

	/* A latched edge does not survive NONE (VR10). */
	vgpio_irq_set_type(F.irq, 1, T_RISE, 0);
	vgpio_irq_edge(F.irq, 1, RISE, 1);
	CHECK(vgpio_irq_is_latched(F.irq, 1));
	vgpio_irq_set_type(F.irq, 1, T_NONE, 1);
	CHECK(!vgpio_irq_is_latched(F.irq, 1));
	CHECK_EQ(F.n, 1);				/* nothing held: nothing returned */
	vgpio_irq_set_type(F.irq, 1, T_RISE, 1);
	give(1, 6);
	CHECK_EQ(F.n, 1);
	CHECK(vgpio_irq_is_held(F.irq, 1));
	/* Even a latch left by an enabled type is dropped by re-enabling. */
	vgpio_irq_set_type(F.irq, 0, T_RISE, 0);
	vgpio_irq_edge(F.irq, 0, RISE, 1);
	vgpio_irq_set_type(F.irq, 0, T_FALL, 1);
	CHECK(!vgpio_irq_is_latched(F.irq, 0));
	teardown();
}

static void t_buffer_for_none_line_is_held(void)
{
	setup(1);
	give(0, 9);
	CHECK_EQ(F.n, 0);				/* not bounced */
	CHECK(vgpio_irq_is_held(F.irq, 0));
	vgpio_irq_edge(F.irq, 0, RISE, 1);		/* disabled: ignored (VE1) */
	CHECK_EQ(F.n, 0);
	CHECK(!vgpio_irq_is_latched(F.irq, 0));
	vgpio_irq_set_type(F.irq, 0, T_RISE, 1);
	CHECK_EQ(F.n, 0);
	vgpio_irq_edge(F.irq, 0, RISE, 1);
	CHECK(done_is(0, 9, VAL));
	/* NONE on a NONE line that holds a buffer still returns it. */
	give(0, 10);
	vgpio_irq_set_type(F.irq, 0, T_NONE, 0);
	give(0, 11);
	vgpio_irq_set_type(F.irq, 0, T_NONE, 0);
	CHECK(done_is(1, 10, INV));
	CHECK(done_is(2, 11, INV));
	teardown();
}

static void t_type_change_keeps_buffer(void)
{
	setup(1);
	vgpio_irq_set_type(F.irq, 0, T_RISE, 0);
	give(0, 1);
	vgpio_irq_set_type(F.irq, 0, T_FALL, 1);	/* no NONE in between */
	CHECK_EQ(F.n, 0);
	CHECK(vgpio_irq_is_held(F.irq, 0));
	CHECK_EQ(vgpio_irq_type(F.irq, 0), T_FALL);
	vgpio_irq_edge(F.irq, 0, RISE, 1);
	CHECK_EQ(F.n, 0);
	vgpio_irq_edge(F.irq, 0, FALL, 0);
	CHECK(done_is(0, 1, VAL));
	give(0, 2);
	vgpio_irq_set_type(F.irq, 0, T_HIGH, 0);	/* edge -> level, inactive */
	vgpio_irq_set_type(F.irq, 0, T_BOTH, 0);	/* level -> edge */
	CHECK_EQ(F.n, 1);
	vgpio_irq_edge(F.irq, 0, RISE, 1);
	CHECK(done_is(1, 2, VAL));
	teardown();
}

static void t_out_of_range(void)
{
	setup(4);
	give(4, 1);
	give(UINT16_MAX, 2);
	CHECK(done_is(0, 1, INV));
	CHECK(done_is(1, 2, INV));
	/* Helper input for unknown lines is ignored, getters say "nothing". */
	vgpio_irq_set_type(F.irq, 4, T_RISE, 0);
	vgpio_irq_restore(F.irq, 4, T_RISE, 0);
	vgpio_irq_edge(F.irq, 4, RISE, 1);
	vgpio_irq_release(F.irq, 4);
	CHECK_EQ(vgpio_irq_type(F.irq, 4), T_NONE);
	CHECK(!vgpio_irq_is_held(F.irq, 4));
	CHECK(!vgpio_irq_is_latched(F.irq, 4));
	/* An unknown trigger type from the helper is stored as NONE. */
	vgpio_irq_set_type(F.irq, 0, 5, 1);
	CHECK_EQ(vgpio_irq_type(F.irq, 0), T_NONE);
	CHECK_EQ(F.n, 2);
	teardown();
}

static void t_duplicate_buffer(void)
{
	setup(2);
	vgpio_irq_set_type(F.irq, 0, T_RISE, 0);
	give(0, 1);
	give(0, 2);					/* DE4 broken: newcomer back */
	CHECK_EQ(F.n, 1);
	CHECK(done_is(0, 2, INV));
	CHECK(vgpio_irq_is_held(F.irq, 0));
	/* The same head offered again while held (stale entry): ignored. */
	vgpio_irq_buffer(F.irq, 0, 1, gpa_of(1));
	vgpio_irq_buffer(F.irq, 1, 1, gpa_of(1));
	CHECK_EQ(F.n, 1);
	CHECK(!vgpio_irq_is_held(F.irq, 1));
	vgpio_irq_edge(F.irq, 0, RISE, 1);
	CHECK(done_is(1, 1, VAL));
	CHECK_EQ(count(1, VAL) + count(1, INV), 1);
	/* Once returned, the head may come again and is a new buffer. */
	give(1, 1);
	CHECK(vgpio_irq_is_held(F.irq, 1));
	teardown();
}

static void t_stopped(void)
{
	setup_stopped(4);
	/* Starts stopped: a buffer (should not be popped, but) is only held. */
	vgpio_irq_set_type(F.irq, 0, T_RISE, 0);
	vgpio_irq_edge(F.irq, 0, RISE, 1);
	give(0, 1);
	CHECK_EQ(F.n, 0);
	CHECK(vgpio_irq_is_latched(F.irq, 0));
	vgpio_irq_set_running(F.irq, true);
	CHECK(done_is(0, 1, VAL));

	give(0, 2);
	vgpio_irq_set_type(F.irq, 1, T_HIGH, 0);
	give(1, 3);
	vgpio_irq_set_type(F.irq, 2, T_BOTH, 0);
	give(2, 4);
	vgpio_irq_set_type(F.irq, 3, T_LOW, 1);
	give(3, 5);
	vgpio_irq_set_running(F.irq, false);		/* VM paused */
	vgpio_irq_edge(F.irq, 0, RISE, 1);		/* latches */
	vgpio_irq_edge(F.irq, 0, RISE, 1);
	vgpio_irq_edge(F.irq, 1, RISE, 1);		/* level recorded */
	vgpio_irq_set_type(F.irq, 2, T_NONE, 0);	/* cannot return now */
	vgpio_irq_set_type(F.irq, 3, T_LOW, 0);		/* active, cannot fire */
	give(3, 6);					/* duplicate: cannot return */
	give(9, 7);					/* out of range: cannot return */
	F.outstanding[6] = F.outstanding[7] = false;	/* dropped, by contract */
	CHECK_EQ(F.n, 1);
	CHECK(vgpio_irq_is_held(F.irq, 2));
	CHECK(vgpio_irq_is_latched(F.irq, 0));

	vgpio_irq_set_running(F.irq, true);		/* resumed: re-evaluate */
	CHECK_EQ(F.n, 4);
	CHECK(done_is(1, 2, VAL));
	CHECK(done_is(2, 3, VAL));
	CHECK(done_is(3, 5, VAL));
	CHECK(vgpio_irq_is_held(F.irq, 2));		/* NONE + held is legal */
	CHECK(!vgpio_irq_is_latched(F.irq, 0));
	vgpio_irq_set_type(F.irq, 2, T_NONE, 0);	/* and goes back on NONE */
	CHECK(done_is(4, 4, INV));
	teardown();
}

static void t_forget_held(void)
{
	setup(3);
	vgpio_irq_set_type(F.irq, 0, T_RISE, 0);
	give(0, 1);
	give(1, 2);
	vgpio_irq_forget_held(F.irq);
	CHECK_EQ(F.n, 0);
	CHECK(!vgpio_irq_is_held(F.irq, 0));
	CHECK(!vgpio_irq_is_held(F.irq, 1));
	CHECK_EQ(vgpio_irq_type(F.irq, 0), T_RISE);
	/* A fresh ring may reuse the heads. */
	give(0, 2);
	vgpio_irq_edge(F.irq, 0, RISE, 1);
	CHECK(done_is(0, 2, VAL));
	CHECK_EQ(count(1, VAL) + count(1, INV), 0);
	F.outstanding[1] = false;
	teardown();
}

static void t_release(void)
{
	setup(3);
	vgpio_irq_set_type(F.irq, 0, T_BOTH, 0);
	give(0, 1);
	vgpio_irq_set_type(F.irq, 1, T_RISE, 0);
	vgpio_irq_edge(F.irq, 1, RISE, 1);
	vgpio_irq_release(F.irq, 0);
	vgpio_irq_release(F.irq, 1);
	vgpio_irq_release(F.irq, 2);			/* idle line: no-op */
	CHECK_EQ(F.n, 1);
	CHECK(done_is(0, 1, INV));
	CHECK_EQ(vgpio_irq_type(F.irq, 0), T_NONE);
	CHECK_EQ(vgpio_irq_type(F.irq, 1), T_NONE);
	CHECK(!vgpio_irq_is_latched(F.irq, 1));
	teardown();
}

static void t_restore(void)
{
	setup_stopped(2);
	vgpio_irq_restore(F.irq, 0, T_HIGH, 1);
	vgpio_irq_restore(F.irq, 1, T_RISE, 1);
	CHECK_EQ(vgpio_irq_type(F.irq, 0), T_HIGH);
	CHECK(!vgpio_irq_is_latched(F.irq, 1));
	vgpio_irq_set_running(F.irq, true);
	CHECK_EQ(F.n, 0);
	give(0, 1);					/* restored level is active */
	CHECK(done_is(0, 1, VAL));
	give(1, 2);					/* no edge yet */
	CHECK_EQ(F.n, 1);
	/* restore never completes, even with a buffer held. */
	vgpio_irq_restore(F.irq, 1, T_NONE, 0);
	vgpio_irq_restore(F.irq, 0, T_HIGH, 1);
	CHECK_EQ(F.n, 1);
	vgpio_irq_set_type(F.irq, 1, T_NONE, 0);
	CHECK(done_is(1, 2, INV));
	teardown();
}

/* A sink that re-queues at once, like Linux's ignore_irq on INVALID. */
static int requeue_budget;
static uint16_t next_head;

static void requeue_hook(uint16_t head, uint8_t status)
{
	(void)head;
	(void)status;
	if (requeue_budget-- > 0)
		give(0, next_head++);
}

static void stop_hook(uint16_t head, uint8_t status)
{
	(void)head;
	(void)status;
	vgpio_irq_set_running(F.irq, false);
}

static void t_reentrant_sink(void)
{
	setup(2);
	vgpio_irq_set_type(F.irq, 0, T_HIGH, 1);
	requeue_budget = 3;
	next_head = 20;
	F.hook = requeue_hook;
	give(0, 10);			/* storm of 4, each head exactly once */
	F.hook = NULL;
	CHECK_EQ(F.n, 4);
	CHECK(done_is(0, 10, VAL));
	CHECK(done_is(1, 20, VAL));
	CHECK(done_is(2, 21, VAL));
	CHECK(done_is(3, 22, VAL));
	CHECK(!vgpio_irq_is_held(F.irq, 0));		/* the guest stopped first */

	/* A sink that stops the rings halts the resume sweep. */
	vgpio_irq_edge(F.irq, 0, FALL, 0);
	give(0, 23);
	vgpio_irq_set_running(F.irq, false);
	vgpio_irq_edge(F.irq, 0, RISE, 1);
	vgpio_irq_set_type(F.irq, 1, T_HIGH, 1);
	give(1, 30);
	F.hook = stop_hook;
	vgpio_irq_set_running(F.irq, true);
	F.hook = NULL;
	CHECK_EQ(F.n, 5);				/* line 0 only */
	CHECK(done_is(4, 23, VAL));
	CHECK(vgpio_irq_is_held(F.irq, 1));
	teardown();
}

/*
 * THE RACE (digest §2.6, MUST 31). Line 0 enabled EDGE_BOTH, buffer A held.
 * Disable returns A INVALID; the driver re-queues A at some point; the line
 * is re-enabled; maybe an edge lands between disable and enable. Every
 * order of {requeue A, enable, stray edge} is played, then one more edge.
 */
enum { R_REQUEUE, R_ENABLE, R_EDGE };

/* Line 0 enabled EDGE_BOTH holding @a, then disable_irq: @a back INVALID. */
static void race_prefix(uint16_t a)
{
	setup(2);
	vgpio_irq_set_type(F.irq, 0, T_BOTH, 0);
	give(0, a);
	vgpio_irq_set_type(F.irq, 0, T_NONE, 0);
	mark_answered();
	CHECK(done_is(0, a, INV));			/* before the answer */
}

static void race_once(const int order[3], bool with_edge)
{
	const uint16_t A = 42;
	unsigned int disabled_at, enabled_at = 0;
	bool edge_after_enable = false, enabled = false;

	race_prefix(A);
	disabled_at = F.n;

	for (int i = 0; i < 3; i++) {
		switch (order[i]) {
		case R_REQUEUE:
			give(0, A);			/* held, not bounced */
			if (!enabled)
				CHECK_EQ(F.n, disabled_at);
			break;
		case R_ENABLE:
			vgpio_irq_set_type(F.irq, 0, T_BOTH, 0);
			mark_answered();
			enabled = true;
			enabled_at = F.n;
			break;
		case R_EDGE:
			if (!with_edge)
				break;
			vgpio_irq_edge(F.irq, 0, RISE, 1);
			edge_after_enable = enabled;
			break;
		}
	}
	/* VE1: no VALID before the enable, whatever the order. */
	for (unsigned int i = disabled_at; i < enabled_at; i++)
		CHECK(F.log[i].kind != EV_DONE);
	/* A stray edge before the enable is never delivered. */
	if (with_edge && !edge_after_enable) {
		CHECK_EQ(count(A, VAL), 0);
		CHECK(vgpio_irq_is_held(F.irq, 0));
	}
	if (edge_after_enable) {
		CHECK_EQ(count(A, VAL), 1);		/* that edge was not lost */
		CHECK(!vgpio_irq_is_held(F.irq, 0));
	}

	vgpio_irq_edge(F.irq, 0, FALL, 0);		/* an edge after everything */
	CHECK_EQ(vgpio_irq_type(F.irq, 0), T_BOTH);
	CHECK_EQ(count(A, VAL), 1);			/* exactly one delivery */
	CHECK_EQ(count(A, INV), 1);
	CHECK(!vgpio_irq_is_held(F.irq, 0));
	/* If A was already used by the stray edge, the last one waits. */
	CHECK_EQ(vgpio_irq_is_latched(F.irq, 0), edge_after_enable);
	if (edge_after_enable) {
		give(0, A);
		CHECK_EQ(count(A, VAL), 2);
	}
	teardown();
}

static void t_race_disable_enable(void)
{
	static const int orders[6][3] = {
		{ R_REQUEUE, R_ENABLE, R_EDGE }, { R_REQUEUE, R_EDGE, R_ENABLE },
		{ R_ENABLE, R_REQUEUE, R_EDGE }, { R_ENABLE, R_EDGE, R_REQUEUE },
		{ R_EDGE, R_REQUEUE, R_ENABLE }, { R_EDGE, R_ENABLE, R_REQUEUE },
	};

	for (int i = 0; i < 6; i++) {
		race_once(orders[i], false);
		race_once(orders[i], true);
	}
}

/* The named interleavings once more, spelled out. */
static void t_race_named(void)
{
	const uint16_t A = 3;

	/* Re-queued before the re-enable (ignore_irq ran inside irq_enable). */
	race_prefix(A);
	give(0, A);
	vgpio_irq_set_type(F.irq, 0, T_BOTH, 1);
	CHECK_EQ(F.n, 2);
	CHECK(vgpio_irq_is_held(F.irq, 0));
	vgpio_irq_edge(F.irq, 0, FALL, 0);
	CHECK(done_is(2, A, VAL));
	teardown();

	/* Re-queued after the re-enable. */
	race_prefix(A);
	vgpio_irq_set_type(F.irq, 0, T_BOTH, 0);
	give(0, A);
	CHECK_EQ(F.n, 2);
	vgpio_irq_edge(F.irq, 0, RISE, 1);
	CHECK(done_is(2, A, VAL));
	teardown();

	/* An edge between NONE and the enable: dropped, not latched (VE1). */
	race_prefix(A);
	vgpio_irq_edge(F.irq, 0, RISE, 1);
	give(0, A);
	vgpio_irq_set_type(F.irq, 0, T_BOTH, 1);
	CHECK_EQ(F.n, 2);
	CHECK(!vgpio_irq_is_latched(F.irq, 0));
	vgpio_irq_edge(F.irq, 0, FALL, 0);
	CHECK(done_is(2, A, VAL));
	CHECK_EQ(F.n, 3);
	teardown();
}

/*
 * MUST 31 seen from the model: the driver re-queued A (after a delivery)
 * and then sent NONE. The worker drains the eventq before answering, so A
 * is held when set_type(NONE) runs and goes back INVALID before the answer.
 */
static void t_drain_before_none(void)
{
	const uint16_t A = 8;

	setup(1);
	vgpio_irq_set_type(F.irq, 0, T_BOTH, 0);
	give(0, A);
	vgpio_irq_edge(F.irq, 0, RISE, 1);
	CHECK(done_is(0, A, VAL));
	/* A is on the avail ring; NONE is on the requestq. Drain first: */
	give(0, A);
	vgpio_irq_set_type(F.irq, 0, T_NONE, 0);
	mark_answered();
	CHECK(done_is(1, A, INV));
	CHECK_EQ(F.log[2].kind, EV_REQ_ANSWERED);
	CHECK(!vgpio_irq_is_held(F.irq, 0));
	teardown();
}

/* ---- level triggers with a read_level sink (the worker's configuration) ---- */

static unsigned int reads[4];		/* read_level calls per line */

static void fake_read_level(void *ctx, uint16_t gpio)
{
	CHECK(ctx == &F);
	if (gpio < 4)
		reads[gpio]++;
}

static void setup_reading(uint16_t ngpio)
{
	static const struct vgpio_irq_sink sink = {
		.complete = fake_complete, .read_level = fake_read_level, .ctx = &F
	};

	memset(&F, 0, sizeof(F));
	memset(reads, 0, sizeof(reads));
	F.irq = vgpio_irq_new(ngpio, &sink);
	CHECK(F.irq != NULL);
	vgpio_irq_set_running(F.irq, true);
}

/* The cached level is stale (an edge not yet seen): the read decides. */
static void t_level_read_on_arrival(void)
{
	setup_reading(2);
	vgpio_irq_set_type(F.irq, 0, T_HIGH, 1);	/* cached: active */
	give(0, 1);
	CHECK_EQ(reads[0], 1);
	CHECK(vgpio_irq_is_reading(F.irq, 0));
	CHECK_EQ(F.n, 0);				/* waits for the read */
	vgpio_irq_level(F.irq, 0, true, 0);		/* it went low meanwhile */
	CHECK_EQ(F.n, 0);
	CHECK(vgpio_irq_is_held(F.irq, 0));
	CHECK(!vgpio_irq_is_reading(F.irq, 0));
	vgpio_irq_edge(F.irq, 0, RISE, 1);		/* edges still fire a held line */
	CHECK(done_is(0, 1, VAL));
	give(0, 2);					/* still high: read again, fires */
	CHECK_EQ(reads[0], 2);
	CHECK_EQ(F.n, 1);
	vgpio_irq_level(F.irq, 0, true, 1);
	CHECK(done_is(1, 2, VAL));
	teardown();
}

/* Cached inactive but the line is active now (the chip dropped the edge). */
static void t_level_read_finds_active(void)
{
	setup_reading(1);
	vgpio_irq_set_type(F.irq, 0, T_LOW, 1);
	give(0, 1);
	CHECK_EQ(F.n, 0);
	vgpio_irq_level(F.irq, 0, true, 0);
	CHECK(done_is(0, 1, VAL));
	teardown();
}

/* A failed read keeps the last level; edges never ask for reads. */
static void t_level_read_failed_and_edges(void)
{
	setup_reading(2);
	vgpio_irq_set_type(F.irq, 0, T_HIGH, 1);
	give(0, 1);
	vgpio_irq_level(F.irq, 0, false, 0);		/* ERR: cached high stands */
	CHECK(done_is(0, 1, VAL));
	vgpio_irq_set_type(F.irq, 1, T_BOTH, 0);
	give(1, 2);
	vgpio_irq_edge(F.irq, 1, RISE, 1);
	CHECK(done_is(1, 2, VAL));
	CHECK_EQ(reads[1], 0);				/* edge types never read */
	teardown();
}

/*
 * Disabled while the read is out: the buffer goes back INVALID at once, and
 * the late answer completes nothing. Re-enabled with a new buffer before the
 * first answer: only one read is out per line and the answer serves it.
 */
static void t_level_read_races_disable(void)
{
	setup_reading(1);
	vgpio_irq_set_type(F.irq, 0, T_HIGH, 0);
	give(0, 1);
	CHECK_EQ(reads[0], 1);
	vgpio_irq_set_type(F.irq, 0, T_NONE, 0);
	CHECK(done_is(0, 1, INV));
	vgpio_irq_set_type(F.irq, 0, T_HIGH, 0);
	give(0, 2);
	CHECK_EQ(reads[0], 1);				/* the first read is still out */
	vgpio_irq_level(F.irq, 0, true, 1);
	CHECK(done_is(1, 2, VAL));
	CHECK_EQ(count(1, VAL), 0);
	vgpio_irq_level(F.irq, 0, true, 1);		/* stray answer: nothing held */
	vgpio_irq_level(F.irq, 7, true, 1);		/* no such line: ignored */
	CHECK_EQ(F.n, 2);
	teardown();
}

TEST_MAIN(TEST_CASE(t_new_and_bounds), TEST_CASE(t_edge_latched_then_delivered),
	  TEST_CASE(t_edges_coalesce), TEST_CASE(t_edge_matching), TEST_CASE(t_edge_coalesced),
	  TEST_CASE(t_level_high),
	  TEST_CASE(t_level_low), TEST_CASE(t_level_not_latched),
	  TEST_CASE(t_set_type_level_active_fires),
	  TEST_CASE(t_disable_returns_invalid_and_clears_latch),
	  TEST_CASE(t_buffer_for_none_line_is_held), TEST_CASE(t_type_change_keeps_buffer),
	  TEST_CASE(t_out_of_range), TEST_CASE(t_duplicate_buffer), TEST_CASE(t_stopped),
	  TEST_CASE(t_forget_held), TEST_CASE(t_release), TEST_CASE(t_restore),
	  TEST_CASE(t_reentrant_sink), TEST_CASE(t_race_disable_enable), TEST_CASE(t_race_named),
	  TEST_CASE(t_drain_before_none), TEST_CASE(t_level_read_on_arrival),
	  TEST_CASE(t_level_read_finds_active), TEST_CASE(t_level_read_failed_and_edges),
	  TEST_CASE(t_level_read_races_disable))
