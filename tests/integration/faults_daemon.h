/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by test_faults.c and test_faults_proc.c: one daemon per test case
 * with its own log, the line state every case sets first (prepare) and a
 * new front-end must still find at the end (served), and the two ways a
 * case ends: an orderly stop (finish), or the broker gone as the man page
 * says, leaving nothing (expect_all_gone).
 */
#ifndef FAULTS_DAEMON_H
#define FAULTS_DAEMON_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../harness.h"
#include "../frontend/tfe.h"
#include "faults_util.h"

#define STATE_LINE	5	/* set OUT, value 1 before each fault */
#define IRQ_LINE	3	/* trigger "both" set before each fault */

static struct tfe_daemon dmn;
static char logpath[128];
static int level3[2];		/* sim input of IRQ_LINE per device */

/* @args: more daemon arguments (NULL-terminated), or NULL. */
static inline bool start_args(const char *list, int count, const char *const *args)
{
	static int n;
	struct tfe_daemon_opts o = { .log_path = logpath, .args = args };

	alarm(FU_WATCHDOG_S);
	snprintf(logpath, sizeof(logpath), "/tmp/vug-faults-%d-%d.log", (int)getpid(), ++n);
	memset(level3, 0, sizeof(level3));
	if (tfe_daemon_start_ex(&dmn, list, count, &o) == 0)
		return true;
	CHECK(!"daemon start");
	return false;
}

static inline bool start(const char *list, int count)
{
	return start_args(list, count, NULL);
}

/* A dead helper ends the broker (exit 1) instead of being restarted. */
static const char *const no_restarts[] = { "--helper-restarts", "0", NULL };

/* Under the sanitizers a daemon process that found a bug says so in the log. */
static inline int sanitizer_reports(void)
{
	return tfe_file_count(logpath, "Sanitizer") + tfe_file_count(logpath, "runtime error");
}

/* Orderly stop: exit 0, no socket file left; the log is kept only if something failed. */
static inline void finish(int failed_before)
{
	CHECK_EQ(tfe_daemon_stop(&dmn), 0);
	CHECK_EQ(dmn.sock_left, 0);
	CHECK_EQ(sanitizer_reports(), 0);
	if (th_failed == failed_before)
		unlink(logpath);
	else
		fprintf(stderr, "  daemon log kept: %s\n", logpath);
}

static inline int cmd(struct tfe *t, uint16_t type, uint16_t gpio, uint32_t value)
{
	uint8_t v = 0xee;
	int rc = tfe_cmd(t, type, gpio, value, &v);

	return rc == VIRTIO_GPIO_STATUS_OK ? v : -1 - (rc != VIRTIO_GPIO_STATUS_ERR);
}

static inline void set_state(struct tfe *t)
{
	CHECK_EQ(cmd(t, VIRTIO_GPIO_MSG_SET_VALUE, STATE_LINE, 1), 0);
	CHECK_EQ(cmd(t, VIRTIO_GPIO_MSG_SET_DIRECTION, STATE_LINE, VIRTIO_GPIO_DIRECTION_OUT), 0);
	CHECK_EQ(cmd(t, VIRTIO_GPIO_MSG_SET_IRQ_TYPE, IRQ_LINE, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH), 0);
}

/*
 * A new front-end on socket @idx is served and finds the state set_state()
 * left: the output, the trigger, and an edge that reaches it (no buffer of
 * an earlier connection is still held for the line).
 */
static inline void served(int idx)
{
	struct tfe *t = tfe_daemon_connect(&dmn, idx);
	struct tfe_sim_line sl;
	struct tfe_done d;

	CHECK(t != NULL);
	if (!t || tfe_handshake(t, idx & 1 ? TFE_CROSVM : TFE_QEMU9) < 0) {
		CHECK(!"handshake of a new front-end");
		tfe_free(t);
		return;
	}
	CHECK_EQ(cmd(t, VIRTIO_GPIO_MSG_GET_DIRECTION, STATE_LINE, 0), VIRTIO_GPIO_DIRECTION_OUT);
	CHECK_EQ(cmd(t, VIRTIO_GPIO_MSG_GET_VALUE, STATE_LINE, 0), 1);
	CHECK_EQ(tfe_sim_get(&dmn, (unsigned int)idx, STATE_LINE, &sl), 0);
	CHECK(sl.dir_out == 1 && sl.value == 1);
	CHECK_EQ(tfe_sim_get(&dmn, (unsigned int)idx, IRQ_LINE, &sl), 0);
	CHECK(!strcmp(sl.irq, "both"));
	CHECK(tfe_evt_arm(t, IRQ_LINE) >= 0);
	level3[idx] ^= 1;
	CHECK_EQ(tfe_sim_set(&dmn, (unsigned int)idx, IRQ_LINE, level3[idx]), 0);
	CHECK_EQ(tfe_evt_wait(t, &d, TFE_TIMEOUT_MS), 0);
	CHECK(d.gpio == IRQ_LINE && d.len == 1 && d.status == VIRTIO_GPIO_IRQ_STATUS_VALID);
	CHECK_EQ(t->vq[0].errors + t->vq[1].errors, 0);
	tfe_free(t);
	CHECK(tfe_proc_state(dmn.pid) != 0 && tfe_proc_state(dmn.pid) != 'Z');
}

/* First front-end on @idx: sets the state that served() looks for later. */
static inline void prepare(int idx)
{
	struct tfe *t = tfe_daemon_connect(&dmn, idx);

	CHECK(t != NULL);
	if (t && tfe_handshake(t, TFE_QEMU9) == 0)
		set_state(t);
	else
		CHECK(!"handshake");
	tfe_free(t);
}

/* After the broker exited: no socket file, no control socket, none of its children. */
static inline void expect_all_gone(pid_t helper, const pid_t *w, int nw)
{
	char path[128];

	for (int i = 0; i < dmn.count; i++) {
		tfe_daemon_sock(&dmn, i, path, sizeof(path));
		CHECK(access(path, F_OK) != 0);
	}
	CHECK(access(dmn.ctl, F_OK) != 0);
	CHECK(helper > 0 && fu_gone(helper, TFE_TIMEOUT_MS));
	for (int i = 0; i < nw; i++)
		CHECK(fu_gone(w[i], TFE_TIMEOUT_MS));
}

#endif /* FAULTS_DAEMON_H */
