// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Line capabilities through the real daemon (simulated chips): with the
 * value table, GET_VALUE and SET_VALUE are answered by the worker (the
 * helper's op count does not move, and they work while the helper is
 * stopped) and agree with the chip both ways; a line's requests keep their
 * order when the guest does not wait between them; with --no-line-caps, or
 * an input-only line, every request is the helper's again.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../harness.h"
#include "../frontend/tfe.h"

static struct tfe_daemon dmn;

static long helper_ops(unsigned int dev)
{
	char reply[64];

	if (tfe_sim_cmd(&dmn, reply, sizeof(reply), "stats %u", dev) != 0 ||
	    strncmp(reply, "ok ops=", 7))
		return -1;
	return strtol(reply + 7, NULL, 10);
}

static struct tfe *open_dev(const char *list, const char *const *args)
{
	struct tfe_daemon_opts o = { .args = args };
	struct tfe *t;

	if (tfe_daemon_start_ex(&dmn, list, 1, &o) < 0) {
		CHECK(!"daemon start");
		return NULL;
	}
	t = tfe_daemon_open(&dmn, TFE_QEMU9);
	CHECK(t != NULL);
	return t;
}

static void t_values_direct(void)
{
	struct tfe_sim_line sl;
	struct tfe *t = open_dev("s8", NULL);
	long before;
	uint8_t v;

	if (!t)
		goto out;
	/* The first op that works brings the table; directions are the helper's. */
	CHECK_EQ(tfe_cmd(t, VIRTIO_GPIO_MSG_SET_DIRECTION, 1, VIRTIO_GPIO_DIRECTION_OUT, NULL),
		 VIRTIO_GPIO_STATUS_OK);
	before = helper_ops(0);
	CHECK(before >= 1);
	for (unsigned int i = 0; i < 50; i++) {
		CHECK_EQ(tfe_cmd(t, VIRTIO_GPIO_MSG_SET_VALUE, 1, i & 1, &v), VIRTIO_GPIO_STATUS_OK);
		CHECK_EQ(v, 0);
		CHECK_EQ(tfe_get_value(t, 1), (int)(i & 1));
	}
	CHECK_EQ(tfe_sim_get(&dmn, 0, 1, &sl), 0);
	CHECK_EQ(sl.dir_out, 1);
	CHECK_EQ(sl.value, 1);
	/* The outside world shows up in the worker's reads, both levels. */
	CHECK_EQ(tfe_sim_set(&dmn, 0, 2, 1), 0);
	CHECK_EQ(tfe_get_value(t, 2), 1);
	CHECK_EQ(tfe_sim_set(&dmn, 0, 2, 0), 0);
	CHECK_EQ(tfe_get_value(t, 2), 0);
	/* A value set on an input is remembered, and driven once it is an output. */
	CHECK_EQ(tfe_cmd(t, VIRTIO_GPIO_MSG_SET_VALUE, 3, 1, NULL), VIRTIO_GPIO_STATUS_OK);
	CHECK_EQ(tfe_get_value(t, 3), 0);
	CHECK_EQ(helper_ops(0), before);
	CHECK_EQ(tfe_cmd(t, VIRTIO_GPIO_MSG_SET_DIRECTION, 3, VIRTIO_GPIO_DIRECTION_OUT, NULL),
		 VIRTIO_GPIO_STATUS_OK);
	CHECK_EQ(tfe_get_value(t, 3), 1);
	CHECK_EQ(helper_ops(0), before + 1);
	/* Out-of-range lines are still ERR, from the worker's own checks. */
	CHECK_EQ(tfe_cmd(t, VIRTIO_GPIO_MSG_GET_VALUE, 8, 0, NULL), VIRTIO_GPIO_STATUS_ERR);
out:
	tfe_free(t);
	CHECK_EQ(tfe_daemon_stop(&dmn), 0);
}

/* Values need no helper at all: they are answered while it is stopped. */
static void t_helper_stopped(void)
{
	struct tfe *t = open_dev("s8", NULL);
	pid_t helper = tfe_proc_helper(dmn.pid);
	struct tfe_done d;
	int head;

	CHECK(helper > 0);
	if (!t || helper <= 0)
		goto out;
	CHECK_EQ(tfe_cmd(t, VIRTIO_GPIO_MSG_GET_DIRECTION, 0, 0, NULL), VIRTIO_GPIO_STATUS_OK);
	CHECK_EQ(tfe_sim_set(&dmn, 0, 6, 1), 0);
	CHECK_EQ(kill(helper, SIGSTOP), 0);
	CHECK_EQ(tfe_get_value(t, 6), 1);
	CHECK_EQ(tfe_cmd(t, VIRTIO_GPIO_MSG_SET_VALUE, 5, 1, NULL), VIRTIO_GPIO_STATUS_OK);
	/* A direction must wait for the helper... */
	head = tfe_req_post(t, VIRTIO_GPIO_MSG_GET_DIRECTION, 6, 0, 2, false);
	CHECK_EQ(tfe_kick(t, 0), 0);
	CHECK(tfe_vq_take(t, 0, head, &d, 200) < 0);
	CHECK_EQ(kill(helper, SIGCONT), 0);
	/* ...and is answered once it runs again. */
	CHECK_EQ(tfe_vq_take(t, 0, head, &d, TFE_TIMEOUT_MS), 0);
	CHECK_EQ(d.status, VIRTIO_GPIO_STATUS_OK);
	CHECK_EQ(d.value, VIRTIO_GPIO_DIRECTION_IN);
out:
	if (helper > 0)
		kill(helper, SIGCONT);
	tfe_free(t);
	CHECK_EQ(tfe_daemon_stop(&dmn), 0);
}

/*
 * A guest that does not wait: one line's requests in one kick, the first a
 * direction (the helper's). The values behind it must not overtake it.
 */
static void t_pipelined_line(void)
{
	static const struct { uint16_t type; uint32_t value; int want; } seq[] = {
		{ VIRTIO_GPIO_MSG_SET_VALUE, 1, 0 },
		{ VIRTIO_GPIO_MSG_SET_DIRECTION, VIRTIO_GPIO_DIRECTION_OUT, 0 },
		{ VIRTIO_GPIO_MSG_GET_VALUE, 0, 1 },
		{ VIRTIO_GPIO_MSG_SET_DIRECTION, VIRTIO_GPIO_DIRECTION_IN, 0 },
		{ VIRTIO_GPIO_MSG_GET_VALUE, 0, 0 },
		{ VIRTIO_GPIO_MSG_SET_DIRECTION, VIRTIO_GPIO_DIRECTION_OUT, 0 },
		{ VIRTIO_GPIO_MSG_SET_VALUE, 0, 0 },
		{ VIRTIO_GPIO_MSG_GET_VALUE, 0, 0 },
		{ VIRTIO_GPIO_MSG_SET_DIRECTION, VIRTIO_GPIO_DIRECTION_NONE, 0 },
		{ VIRTIO_GPIO_MSG_GET_VALUE, 0, 0 },
	};
	enum { N = sizeof(seq) / sizeof(seq[0]) };
	struct tfe *t = open_dev("s8", NULL);
	struct tfe_sim_line sl;
	int heads[N];

	if (!t)
		goto out;
	CHECK_EQ(tfe_cmd(t, VIRTIO_GPIO_MSG_GET_DIRECTION, 0, 0, NULL), VIRTIO_GPIO_STATUS_OK);
	for (unsigned int round = 0; round < 20; round++) {
		for (unsigned int i = 0; i < N; i++)
			heads[i] = tfe_req_post(t, seq[i].type, 4, seq[i].value, 2, false);
		CHECK_EQ(tfe_kick(t, 0), 0);
		for (unsigned int i = 0; i < N; i++) {
			struct tfe_done d;

			if (tfe_vq_take(t, 0, heads[i], &d, TFE_TIMEOUT_MS) < 0) {
				CHECK(!"request completed");
				continue;
			}
			CHECK_EQ(d.status, VIRTIO_GPIO_STATUS_OK);
			CHECK_EQ(d.value, seq[i].want);
		}
	}
	CHECK_EQ(tfe_sim_get(&dmn, 0, 4, &sl), 0);
	CHECK_EQ(sl.dir_out, 0);
	CHECK_EQ(sl.value, 0);
	CHECK_EQ(t->vq[0].errors, 0);
out:
	tfe_free(t);
	CHECK_EQ(tfe_daemon_stop(&dmn), 0);
}

/* Without capabilities (by option, or by an input-only line) every op is the helper's. */
static void t_helper_answers(void)
{
	static const char *const no_caps[] = { "--no-line-caps", NULL };
	static const char *const lists[] = { "s8", "s8,input-only=2" };

	for (unsigned int k = 0; k < 2; k++) {
		struct tfe *t = open_dev(lists[k], k == 0 ? no_caps : NULL);
		long before;

		if (!t) {
			tfe_daemon_stop(&dmn);
			continue;
		}
		CHECK_EQ(tfe_cmd(t, VIRTIO_GPIO_MSG_SET_DIRECTION, 1, VIRTIO_GPIO_DIRECTION_OUT,
				 NULL), VIRTIO_GPIO_STATUS_OK);
		before = helper_ops(0);
		for (unsigned int i = 0; i < 10; i++) {
			CHECK_EQ(tfe_cmd(t, VIRTIO_GPIO_MSG_SET_VALUE, 1, i & 1, NULL),
				 VIRTIO_GPIO_STATUS_OK);
			CHECK_EQ(tfe_get_value(t, 1), (int)(i & 1));
		}
		CHECK_EQ(helper_ops(0), before + 20);
		/* The helper's policy still holds: input-only cannot be driven. */
		CHECK_EQ(tfe_cmd(t, VIRTIO_GPIO_MSG_SET_VALUE, 2, 1, NULL),
			 k == 1 ? VIRTIO_GPIO_STATUS_ERR : VIRTIO_GPIO_STATUS_OK);
		tfe_free(t);
		CHECK_EQ(tfe_daemon_stop(&dmn), 0);
	}
}

TEST_MAIN(TEST_CASE(t_values_direct), TEST_CASE(t_helper_stopped), TEST_CASE(t_pipelined_line),
	  TEST_CASE(t_helper_answers))
