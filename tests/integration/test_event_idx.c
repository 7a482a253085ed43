// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * VIRTIO_F_EVENT_IDX against the real daemon (VIRTIO 1.2 §2.7.7, §2.7.10):
 * the device calls only when the used index passes the driver's used_event,
 * keeps avail_event at the next entry it will look at, and requests and
 * interrupts keep flowing when both sides suppress notifications.
 */
#include <endian.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "../harness.h"
#include "../frontend/tfe.h"

#define QUIET_MS	100

static struct tfe_daemon dmn;

static struct tfe *open_event_idx(void)
{
	struct tfe *t;

	if (tfe_daemon_start(&dmn, "s8", 1) < 0) {
		CHECK(!"daemon start");
		return NULL;
	}
	t = tfe_daemon_connect(&dmn, 0);
	CHECK(t != NULL);
	if (!t)
		return NULL;
	t->want_event_idx = true;
	CHECK_EQ(tfe_init(t, TFE_QEMU9), 0);
	CHECK_EQ(tfe_start(t), 0);
	CHECK(t->event_idx);
	return t;
}

static void close_dev(struct tfe *t)
{
	if (t) {
		CHECK_EQ(t->vq[0].errors, 0);
		CHECK_EQ(t->vq[1].errors, 0);
	}
	tfe_free(t);
	CHECK_EQ(tfe_daemon_stop(&dmn), 0);
}

static bool call_pending(struct tfe *t, unsigned int q, int ms)
{
	struct pollfd pfd = { .fd = t->vq[q].call_fd, .events = POLLIN };

	return poll(&pfd, 1, ms) == 1;
}

/* Wait (bounded) until the device has used @idx entries, without a call. */
static bool used_reaches(struct tfe_vq *vq, uint16_t idx)
{
	for (int i = 0; i < 2000; i++) {
		if (__atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE) == idx)
			return true;
		usleep(1000);
	}
	return false;
}

static void post_gets(struct tfe *t, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		CHECK(tfe_req_post(t, VIRTIO_GPIO_MSG_GET_VALUE, (uint16_t)(i % 8), 0, 2,
				   false) >= 0);
}

/* used_event ahead of the work: no call until the used index passes it. */
static void t_used_event_suppresses_calls(void)
{
	struct tfe *t = open_event_idx();
	struct tfe_vq *vq;
	uint16_t base;

	if (!t)
		goto out;
	vq = &t->vq[0];
	/* The first completion after start is always signalled; get it out of the way. */
	CHECK_EQ(tfe_cmd(t, VIRTIO_GPIO_MSG_GET_VALUE, 0, 0, NULL), VIRTIO_GPIO_STATUS_OK);
	tfe_call_drain(t, 0);
	base = vq->last_used;
	/* Driver: "call me after entry base+10 is used". */
	vq->avail->ring[vq->num] = htole16((uint16_t)(base + 10));
	post_gets(t, 4);
	CHECK_EQ(tfe_kick(t, 0), 0);
	CHECK(used_reaches(vq, (uint16_t)(base + 4)));
	CHECK(!call_pending(t, 0, QUIET_MS));
	/* Eight more pass used_event: now the call comes, and all 12 are there. */
	post_gets(t, 8);
	CHECK_EQ(tfe_kick(t, 0), 0);
	CHECK(call_pending(t, 0, TFE_TIMEOUT_MS));
	CHECK_EQ(tfe_vq_collect(t, 0), 12);
	/* The device asks to be kicked at the next entry it has not seen. */
	{
		uint16_t avail_event;

		memcpy(&avail_event, &vq->used->ring[vq->num], sizeof(avail_event));
		CHECK_EQ(le16toh(avail_event), vq->avail_idx);
	}
out:
	close_dev(t);
}

/* Requests and interrupts with both sides suppressing notifications. */
static void t_traffic(void)
{
	struct tfe *t = open_event_idx();
	struct tfe_done d;
	unsigned int done = 0;

	if (!t)
		goto out;
	for (int round = 0; round < 20; round++) {
		post_gets(t, 16);
		CHECK_EQ(tfe_kick(t, 0), 0);
		for (int i = 0; i < 16; i++) {
			if (tfe_vq_take(t, 0, -1, &d, TFE_TIMEOUT_MS) < 0)
				break;
			CHECK_EQ(d.len, 2);
			CHECK_EQ(d.status, VIRTIO_GPIO_STATUS_OK);
			done++;
		}
	}
	CHECK_EQ(done, 20 * 16);
	/* An eventq buffer per line, edges on all: every one comes back VALID, once. */
	for (uint16_t g = 0; g < 8; g++) {
		CHECK_EQ(tfe_cmd(t, VIRTIO_GPIO_MSG_SET_IRQ_TYPE, g, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH,
				 NULL), VIRTIO_GPIO_STATUS_OK);
		CHECK(tfe_evt_arm(t, g) >= 0);
	}
	for (int round = 0; round < 5; round++) {
		unsigned int seen = 0;

		for (uint16_t g = 0; g < 8; g++)
			CHECK_EQ(tfe_sim_set(&dmn, 0, g, (round + 1) & 1), 0);
		for (int i = 0; i < 8; i++) {
			if (tfe_evt_wait(t, &d, TFE_TIMEOUT_MS) < 0)
				break;
			CHECK_EQ(d.status, VIRTIO_GPIO_IRQ_STATUS_VALID);
			CHECK(d.gpio < 8 && !(seen & (1u << d.gpio)));
			seen |= 1u << d.gpio;
			CHECK(tfe_evt_arm(t, d.gpio) >= 0);
		}
		CHECK_EQ(seen, 0xffu);
	}
out:
	close_dev(t);
}

TEST_MAIN(TEST_CASE(t_used_event_suppresses_calls), TEST_CASE(t_traffic))
