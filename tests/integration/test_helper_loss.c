// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The helper dies with requests in flight: the worker answers each of them
 * with ERR (the guest's waits end), then closes the connection; nothing
 * hangs, and the broker says the line state is lost and exits 1.
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../harness.h"
#include "../frontend/tfe.h"

#define INFLIGHT	6

static struct tfe_daemon dmn;

static void t_inflight_answered_err(void)
{
	int heads[INFLIGHT];
	struct tfe *t;
	pid_t helper;

	/* Without restarts: the broker's exit is part of what is checked. */
	if (tfe_daemon_start_ex(&dmn, "s8", 1, &(struct tfe_daemon_opts){
		.args = (const char *const[]){ "--helper-restarts", "0", NULL } }) < 0) {
		CHECK(!"daemon start");
		return;
	}
	t = tfe_daemon_open(&dmn, TFE_QEMU9);
	CHECK(t != NULL);
	helper = tfe_proc_helper(dmn.pid);
	CHECK(helper > 0);
	if (!t || helper <= 0)
		goto out;
	/*
	 * A working request first, then the helper freezes with six more queued
	 * (GET_DIRECTION: values may be answered by the worker itself).
	 */
	CHECK_EQ(tfe_cmd(t, VIRTIO_GPIO_MSG_GET_VALUE, 1, 0, NULL), VIRTIO_GPIO_STATUS_OK);
	CHECK_EQ(kill(helper, SIGSTOP), 0);
	for (int i = 0; i < INFLIGHT; i++)
		heads[i] = tfe_req_post(t, VIRTIO_GPIO_MSG_GET_DIRECTION, (uint16_t)i, 0, 2,
					 false);
	CHECK_EQ(tfe_kick(t, 0), 0);
	usleep(50 * 1000);	/* let the worker forward them (not asserted on) */
	CHECK_EQ(kill(helper, SIGKILL), 0);
	for (int i = 0; i < INFLIGHT; i++) {
		struct tfe_done d;

		if (tfe_vq_take(t, 0, heads[i], &d, TFE_TIMEOUT_MS) < 0) {
			CHECK(!"in-flight request completed");
			continue;
		}
		CHECK_EQ(d.len, 2);
		CHECK_EQ(d.status, VIRTIO_GPIO_STATUS_ERR);
		CHECK_EQ(d.value, 0);
	}
	CHECK_EQ(t->vq[0].errors, 0);
	/* Then the connection ends, and the broker with status 1. */
	CHECK_EQ(tfe_wait_eof(t->sock, TFE_TIMEOUT_MS), 0);
	CHECK_EQ(tfe_daemon_wait_exit(&dmn, TFE_TIMEOUT_MS), 1);
out:
	tfe_free(t);
	tfe_daemon_stop(&dmn);
}

TEST_MAIN(TEST_CASE(t_inflight_answered_err))
