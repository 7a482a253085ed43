// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Big chips against the real daemon: a 10,000-line simulated chip is
 * described to the worker in several messages (IPC_CONT_DEVICE_INFO), its
 * names reach the guest whole, its last line is usable, and 500 interrupts
 * armed at once (queues of 512) each arrive once, on their own line.
 */
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "../frontend/tfe.h"

#define NLINES		10000
#define NARMED		500	/* eventq buffers held at once (< TFE_NSLOTS per queue) */
#define STRIDE		(NLINES / NARMED)
#define QSIZE		512

static struct tfe_daemon dmn;

static void t_big_chip(void)
{
	static char names[NLINES * 12];
	static bool seen[NLINES];
	struct tfe_sim_line sl;
	struct tfe_done d;
	struct tfe *t;
	char want[24];
	uint8_t val = 0xff;
	const char *p;
	int n;

	if (tfe_daemon_start(&dmn, "s10000", 1) < 0) {
		CHECK(!"daemon start");
		return;
	}
	t = tfe_daemon_connect(&dmn, 0);
	CHECK(t != NULL);
	if (!t)
		goto out;
	CHECK_EQ(tfe_init(t, TFE_QEMU9), 0);
	t->qsize[0] = t->qsize[1] = QSIZE;
	CHECK_EQ(tfe_start(t), 0);
	CHECK_EQ(le16toh(t->cfg.ngpio), NLINES);

	/* names: the whole block, every line in order */
	CHECK_EQ(tfe_get_names(t, names, sizeof(names), &d), 0);
	CHECK_EQ(d.len, 1 + le32toh(t->cfg.gpio_names_size));
	p = names;
	for (n = 0; n < NLINES && p < names + sizeof(names); n++) {
		snprintf(want, sizeof(want), "SIM0_L%d", n);
		if (strcmp(p, want) != 0)
			break;
		p += strlen(p) + 1;
	}
	CHECK_EQ(n, NLINES);

	/* the last line works, one past it does not */
	CHECK_EQ(tfe_cmd(t, VIRTIO_GPIO_MSG_SET_DIRECTION, NLINES - 1, VIRTIO_GPIO_DIRECTION_OUT,
			 NULL), VIRTIO_GPIO_STATUS_OK);
	CHECK_EQ(tfe_cmd(t, VIRTIO_GPIO_MSG_SET_VALUE, NLINES - 1, 1, NULL), VIRTIO_GPIO_STATUS_OK);
	CHECK_EQ(tfe_sim_get(&dmn, 0, NLINES - 1, &sl), 0);
	CHECK_EQ(sl.value, 1);
	CHECK_EQ(tfe_cmd(t, VIRTIO_GPIO_MSG_GET_VALUE, NLINES, 0, &val), VIRTIO_GPIO_STATUS_ERR);

	/* NARMED interrupts armed at once, edges on all of them in one go */
	for (int i = 0; i < NARMED; i++) {
		CHECK_EQ(tfe_cmd(t, VIRTIO_GPIO_MSG_SET_IRQ_TYPE, i * STRIDE,
				 VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING, NULL), VIRTIO_GPIO_STATUS_OK);
		CHECK(tfe_evt_arm(t, i * STRIDE) >= 0);
	}
	for (int i = 0; i < NARMED; i++)
		CHECK_EQ(tfe_sim_set(&dmn, 0, i * STRIDE, 1), 0);
	for (n = 0; n < NARMED; n++) {
		if (tfe_evt_wait(t, &d, TFE_TIMEOUT_MS) < 0)
			break;
		CHECK_EQ(d.status, VIRTIO_GPIO_IRQ_STATUS_VALID);
		CHECK(d.gpio % STRIDE == 0 && d.gpio < NLINES && !seen[d.gpio]);
		if (d.gpio < NLINES)
			seen[d.gpio] = true;
	}
	CHECK_EQ(n, NARMED);
	CHECK_EQ(t->vq[0].errors, 0);
	CHECK_EQ(t->vq[1].errors, 0);
	tfe_free(t);
out:
	CHECK_EQ(tfe_daemon_stop(&dmn), 0);
}

TEST_MAIN(TEST_CASE(t_big_chip))
