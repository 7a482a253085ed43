// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vgpio-probe -k: a helper restart while the front-end holds lines of a
 * kernel chip. The new helper sets the lines up again from the broker's
 * state memfd through libgpiod; with simulated chips the cells live in the
 * memfd itself, so only a real chip shows that the replay requests the
 * lines the old helper's death gave back to the kernel.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vgpio-probe.h"

/* A new helper under TCG: the spawner's fork, the policy compile, the chip, the replay. */
#define RESTART_MS	20000

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* The broker's helper, once it is not @old; 0 if none comes within RESTART_MS. */
static pid_t next_helper(pid_t broker, pid_t old)
{
	long deadline = now_ms() + RESTART_MS;

	while (now_ms() < deadline) {
		pid_t pid = tfe_proc_helper(broker);

		if (pid > 0 && pid != old)
			return pid;
		usleep(20000);
	}
	return 0;
}

/*
 * A request made while the worker has no helper stays in the ring until
 * the worker has a session with the new one: longer than tfe_cmd() waits.
 */
static void first_request(void)
{
	int head = tfe_req_post(t, VIRTIO_GPIO_MSG_GET_DIRECTION, 0, 0,
				sizeof(struct virtio_gpio_response), false);
	struct tfe_done d;

	if (head < 0 || tfe_kick(t, VGPIO_QUEUE_REQUEST) < 0)
		miss("GET_DIRECTION line 0 could not be queued");
	else if (tfe_vq_take(t, VGPIO_QUEUE_REQUEST, head, &d, RESTART_MS) < 0)
		miss("GET_DIRECTION line 0 made after the kill: no answer within %d ms", RESTART_MS);
	else if (d.status != VIRTIO_GPIO_STATUS_OK || d.value != VIRTIO_GPIO_DIRECTION_OUT)
		miss("GET_DIRECTION line 0 after the restart: status %u direction %u, expected OUT",
		     d.status, d.value);
}

void check_restart(pid_t broker)
{
	pid_t old, now = 0;

	if (ngpio < 3) {
		miss("%u lines; the restart check needs 3", ngpio);
		report("helper restart");
		return;
	}
	/* Outputs driven against their pulls (value first, as the driver's direction_output). */
	sim_pull(0, 0);
	ok(VIRTIO_GPIO_MSG_SET_VALUE, 0, 1);
	ok(VIRTIO_GPIO_MSG_SET_DIRECTION, 0, VIRTIO_GPIO_DIRECTION_OUT);
	expect_sim(0, 1, "line 0 driven high");
	sim_pull(1, 1);
	ok(VIRTIO_GPIO_MSG_SET_VALUE, 1, 0);
	ok(VIRTIO_GPIO_MSG_SET_DIRECTION, 1, VIRTIO_GPIO_DIRECTION_OUT);
	expect_sim(1, 0, "line 1 driven low");
	/* An input with a trigger and the eventq buffer of a waiting gpiomon. */
	sim_pull(2, 0);
	ok(VIRTIO_GPIO_MSG_SET_DIRECTION, 2, VIRTIO_GPIO_DIRECTION_IN);
	irq_type(2, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	arm(2);
	expect_quiet("line 2 armed");
	report("before the restart: line 0 driven high, line 1 low, line 2 armed for rising edges");

	old = tfe_proc_helper(broker);
	if (old <= 0)
		miss("no helper among the children of broker %d", (int)broker);
	else if (kill(old, SIGKILL) < 0)
		miss("kill helper %d: %s", (int)old, strerror(errno));
	else if (!(now = next_helper(broker, old)))
		miss("no new helper within %d ms", RESTART_MS);
	report("helper %d SIGKILLed, the broker started helper %d", (int)old, (int)now);
	if (!now)
		return;

	first_request();
	expect_get(VIRTIO_GPIO_MSG_GET_DIRECTION, 1, VIRTIO_GPIO_DIRECTION_OUT);
	expect_sim(0, 1, "line 0 after the restart");
	expect_sim(1, 0, "line 1 after the restart");
	report("after the restart: the same connection, lines 0 and 1 driven as before");

	sim_pull(2, 1);
	expect_evt(2, VIRTIO_GPIO_IRQ_STATUS_VALID, "rising edge on line 2 after the restart");
	expect_get(VIRTIO_GPIO_MSG_GET_VALUE, 2, 1);
	report("the eventq buffer held across the restart fired on an edge made after it");

	ok(VIRTIO_GPIO_MSG_SET_VALUE, 0, 0);
	expect_sim(0, 0, "line 0 driven low by the new helper's session");
	ok(VIRTIO_GPIO_MSG_SET_IRQ_TYPE, 2, VIRTIO_GPIO_IRQ_TYPE_NONE);
	for (unsigned int g = 0; g < 3; g++)
		ok(VIRTIO_GPIO_MSG_SET_DIRECTION, g, VIRTIO_GPIO_DIRECTION_NONE);
	sim_pull(1, 0);
	sim_pull(2, 0);
	for (unsigned int g = 0; g < 3; g++)
		expect_sim(g, 0, "released, pull-down");
	report("new requests work; every line released back to its pull");
}
