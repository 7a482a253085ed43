// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fault injection against the real daemon (issue 7, part 3), from the
 * process side: the helper SIGKILLed (with and without restarts) or stalled,
 * a worker SIGKILLed under traffic, SIGTERM under traffic. Each case ends by
 * checking that the broker still serves a new front-end with the line state
 * intact, or, where the man page says it exits (a dead helper), that it
 * exits as documented and leaves nothing. Faults on the front-end side are
 * in test_faults.c.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../harness.h"
#include "../frontend/tfe.h"
#include "faults_util.h"
#include "faults_daemon.h"
#include "faults_traffic.h"

/*
 * The helper SIGKILLed with requests in flight on one connection and traffic
 * on another: each in-flight request completes (OK, or ERR once the helper
 * is gone) or the connection ends; then, with --helper-restarts 0, the broker
 * exits 1 and cleans up (man page: EXIT STATUS, PROCESS MODEL).
 */
static void t_helper_killed(void)
{
	int f0 = th_failed, rc, nw, answered = 0, errs = 0, bad = 0;
	struct traffic tr = { .pid = -1 };
	struct traffic_res r;
	struct tfe_done d;
	struct tfe *t;
	pid_t helper, w[8];

	if (!start_args("s8:s8", 2, no_restarts))
		return;
	prepare(0);
	t = tfe_daemon_open(&dmn, TFE_QEMU9);
	CHECK(t != NULL);
	if (!t || !traffic_start(&tr, 1))
		goto out;
	nw = fu_workers_settle(dmn.pid, 2, w, 8);
	fu_children(dmn.pid, &helper, w, 8);
	CHECK_EQ(nw, 2);
	CHECK(helper > 0);
	CHECK(tfe_evt_arm(t, IRQ_LINE) >= 0);
	/* Frozen first, so that the requests are surely with it when it dies. */
	CHECK_EQ(kill(helper, SIGSTOP), 0);
	for (int i = 0; i < 32; i++) {
		bool set = i % 3 == 0;

		tfe_req_post(t, set ? VIRTIO_GPIO_MSG_SET_VALUE : VIRTIO_GPIO_MSG_GET_VALUE,
			     (uint16_t)(set ? 7 : i % 8), set ? i & 1 : 0, 2, i & 1);
	}
	CHECK_EQ(tfe_kick(t, 0), 0);
	fu_sleep_ms(20);	/* time to forward them; not asserted on */
	CHECK_EQ(kill(helper, SIGKILL), 0);
	rc = fu_vq_wait(t, 0, 32, 2 * TFE_TIMEOUT_MS);
	CHECK(rc == 0 || rc == -ECONNRESET);
	while (tfe_vq_take(t, 0, -1, &d, 0) == 0) {
		bad += d.len != 2 || d.status > VIRTIO_GPIO_STATUS_ERR;
		answered++;
		errs += d.status == VIRTIO_GPIO_STATUS_ERR;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(t->vq[0].errors + t->vq[1].errors, 0);
	CHECK_EQ(tfe_wait_eof(t->sock, TFE_TIMEOUT_MS), 0);
	CHECK_EQ(traffic_end(&tr, &r, false), TR_EOF);
	CHECK_EQ(tfe_daemon_wait_exit(&dmn, 2 * TFE_TIMEOUT_MS), 1);
	CHECK_EQ(tfe_file_count(logpath, "GPIO line state is lost, exiting"), 1);
	expect_all_gone(helper, w, nw);
	fprintf(stderr, "  in flight: %d answered (%d ERR), %d cut off; traffic: %u done, "
		"%u ERR, %u cut off\n", answered, errs, 32 - answered, r.done, r.err, r.lost);
out:
	if (tr.pid > 0)
		traffic_stop(&tr, &r);
	tfe_free(t);
	tfe_daemon_stop(&dmn);
	CHECK_EQ(sanitizer_reports(), 0);
	if (th_failed == f0)
		unlink(logpath);
}

/* The helper the broker runs now, other than @old; 0 if none comes within 5 s. */
static pid_t new_helper(pid_t old)
{
	long deadline = fu_now_ms() + 5000;
	pid_t now;

	while (fu_now_ms() < deadline) {
		now = tfe_proc_helper(dmn.pid);
		if (now > 0 && now != old)
			return now;
		fu_sleep_ms(10);
	}
	return 0;
}

/*
 * --helper-restarts 1: the broker restarts a dead helper. The open
 * connection stays: its worker gets a session with the new helper (QEMU 10
 * cannot reconnect), a request made meanwhile completes, and the line state
 * is as it was, taken over by the new helper: the output, the trigger with
 * its held eventq buffer, the simulated input level. The next front-end
 * finds it too (served). A second death is past the limit: the broker exits
 * 1 and leaves nothing, the spawner included.
 */
static void t_helper_restarted(void)
{
	int f0 = th_failed, head;
	pid_t helper, now = 0, spawner, w[8];
	struct tfe_done d;
	struct tfe *t;

	if (!start_args("s8", 1, (const char *const[]){ "--helper-restarts", "1", NULL }))
		return;
	prepare(0);
	t = tfe_daemon_open(&dmn, TFE_QEMU9);
	CHECK(t != NULL);
	fu_children(dmn.pid, &helper, w, 8);
	spawner = tfe_proc_spawner(dmn.pid);
	CHECK(helper > 0);
	CHECK(spawner > 0);
	/* The spawner holds stdio, its socket to the broker and the device's state memfd. */
	CHECK_EQ(fu_count_fds(spawner), 5);
	if (helper <= 0 || !t)
		goto out;
	CHECK(tfe_evt_arm(t, IRQ_LINE) >= 0);
	CHECK_EQ(kill(helper, SIGKILL), 0);
	head = tfe_req_post(t, VIRTIO_GPIO_MSG_GET_DIRECTION, STATE_LINE, 0, 2, false);
	CHECK_EQ(tfe_kick(t, 0), 0);
	now = new_helper(helper);
	CHECK(now > 0);
	/* In flight when the helper died: ERR; sent after: served by the new one. */
	CHECK_EQ(tfe_vq_take(t, 0, head, &d, 2 * TFE_TIMEOUT_MS), 0);
	CHECK(d.len == 2 && (d.status == VIRTIO_GPIO_STATUS_ERR ||
			     (d.status == VIRTIO_GPIO_STATUS_OK &&
			      d.value == VIRTIO_GPIO_DIRECTION_OUT)));
	CHECK_EQ(cmd(t, VIRTIO_GPIO_MSG_GET_DIRECTION, STATE_LINE, 0), VIRTIO_GPIO_DIRECTION_OUT);
	CHECK_EQ(cmd(t, VIRTIO_GPIO_MSG_GET_VALUE, STATE_LINE, 0), 1);
	/* The buffer armed before the death fires on an edge made after it. */
	level3[0] ^= 1;
	CHECK_EQ(tfe_sim_set(&dmn, 0, IRQ_LINE, level3[0]), 0);
	CHECK_EQ(tfe_evt_wait(t, &d, TFE_TIMEOUT_MS), 0);
	CHECK(d.gpio == IRQ_LINE && d.len == 1 && d.status == VIRTIO_GPIO_IRQ_STATUS_VALID);
	CHECK(!fu_sock_eof(t->sock));
	CHECK_EQ(t->vq[0].errors + t->vq[1].errors, 0);
	CHECK_EQ(tfe_daemon_wait_exit(&dmn, 0), -ETIMEDOUT);
	CHECK_EQ(tfe_file_count(logpath, "restarting the helper (1 of 1)"), 1);
	tfe_free(t);
	t = NULL;
	served(0);
	if (now <= 0)
		goto out;
	CHECK_EQ(kill(now, SIGKILL), 0);
	CHECK_EQ(tfe_daemon_wait_exit(&dmn, 2 * TFE_TIMEOUT_MS), 1);
	CHECK_EQ(tfe_file_count(logpath, "GPIO line state is lost, exiting"), 1);
	expect_all_gone(now, w, 0);
	CHECK(fu_gone(spawner, TFE_TIMEOUT_MS));
out:
	tfe_free(t);
	tfe_daemon_stop(&dmn);
	CHECK_EQ(sanitizer_reports(), 0);
	if (th_failed == f0)
		unlink(logpath);
	else
		fprintf(stderr, "  daemon log kept: %s\n", logpath);
}

/*
 * The helper stalls (SIGSTOP) while a front-end kicks 500 requests one at a
 * time on a 512-entry ring, then resumes: every request completes OK and
 * the connection stays. A busy helper is not a dead one.
 */
static void t_helper_stalled(void)
{
	int f0 = th_failed, n = 0, ok = 0, got = 0;
	pid_t helper, w[8];
	struct tfe_done d;
	struct tfe *t;

	if (!start("s8", 1))
		return;
	prepare(0);
	fu_children(dmn.pid, &helper, w, 8);
	t = tfe_daemon_connect(&dmn, 0);
	if (!t || helper <= 0 || tfe_init(t, TFE_QEMU9) < 0) {
		CHECK(!"connect + init");
		goto out;
	}
	t->qsize[0] = 512;
	CHECK_EQ(tfe_start(t), 0);
	CHECK_EQ(kill(helper, SIGSTOP), 0);
	for (int i = 0; i < 500; i++) {
		/* GET_DIRECTION: values could be answered without the helper. */
		n += tfe_req_post(t, VIRTIO_GPIO_MSG_GET_DIRECTION, STATE_LINE, 0, 2,
				  t->indirect) >= 0;
		tfe_kick(t, 0);
		fu_sleep_ms(1);		/* mostly one kick per wake-up of the worker */
	}
	CHECK_EQ(kill(helper, SIGCONT), 0);
	CHECK_EQ(fu_vq_wait(t, 0, (unsigned int)n, 4 * TFE_TIMEOUT_MS), 0);
	while (tfe_vq_take(t, 0, -1, &d, 0) == 0) {
		ok += d.len == 2 && d.status == VIRTIO_GPIO_STATUS_OK && d.value == 1;
		got++;
	}
	CHECK_EQ(n, 500);
	CHECK_EQ(ok, n);
	CHECK_EQ(t->vq[0].errors, 0);
	CHECK(!fu_sock_eof(t->sock));
	if (ok != n)
		fprintf(stderr, "  after the stall: %d of %d answered, %d OK%s\n", got, n, ok,
			fu_sock_eof(t->sock) ? "; connection closed" : "");
out:
	if (helper > 0)
		kill(helper, SIGCONT);
	tfe_free(t);
	served(0);
	finish(f0);
}

/* A worker SIGKILLed under traffic: logged, and only its own connection ends. */
static void t_worker_killed(void)
{
	struct traffic tr0 = { .pid = -1 }, tr1 = { .pid = -1 };
	struct traffic_res r0, r1;
	char path[128], needle[256];
	int f0 = th_failed;
	pid_t w[8], victim;

	if (!start("s8:s8", 2))
		return;
	prepare(0);
	if (!traffic_start(&tr0, 0))
		goto out;
	CHECK_EQ(fu_workers_settle(dmn.pid, 1, w, 8), 1);
	victim = w[0];
	if (!traffic_start(&tr1, 1))
		goto out;
	CHECK_EQ(fu_workers_settle(dmn.pid, 2, w, 8), 2);
	CHECK_EQ(kill(victim, SIGKILL), 0);
	CHECK_EQ(traffic_end(&tr0, &r0, false), TR_EOF);
	CHECK_EQ(r0.err, 0);
	tfe_daemon_sock(&dmn, 0, path, sizeof(path));
	snprintf(needle, sizeof(needle), "worker %d for %s killed by signal SIGKILL (9)",
		 (int)victim, path);
	CHECK_EQ(tfe_file_wait(logpath, needle, 1, TFE_TIMEOUT_MS), 0);
	served(0);
	CHECK_EQ(traffic_stop(&tr1, &r1), TR_STOPPED);
	CHECK_EQ(r1.err, 0);
	CHECK(r1.done > 0 && r1.lost == 0);
out:
	if (tr0.pid > 0)
		traffic_stop(&tr0, &r0);
	if (tr1.pid > 0)
		traffic_stop(&tr1, &r1);
	finish(f0);
}

/* SIGTERM under traffic on both sockets: exit 0, nothing left behind. */
static void t_sigterm_traffic(void)
{
	struct traffic tr0 = { .pid = -1 }, tr1 = { .pid = -1 };
	struct traffic_res r;
	int f0 = th_failed, nw;
	pid_t helper, w[8];

	if (!start("s8:s8", 2))
		return;
	if (!traffic_start(&tr0, 0) || !traffic_start(&tr1, 1))
		goto out;
	nw = fu_workers_settle(dmn.pid, 2, w, 8);
	fu_children(dmn.pid, &helper, w, 8);
	CHECK_EQ(nw, 2);
	CHECK_EQ(kill(dmn.pid, SIGTERM), 0);
	CHECK_EQ(tfe_daemon_wait_exit(&dmn, 2 * TFE_TIMEOUT_MS), 0);
	CHECK_EQ(traffic_end(&tr0, &r, false), TR_EOF);
	CHECK_EQ(r.err, 0);
	CHECK_EQ(traffic_end(&tr1, &r, false), TR_EOF);
	CHECK_EQ(r.err, 0);
	expect_all_gone(helper, w, nw);
	CHECK_EQ(tfe_file_count(logpath, "ignored SIGTERM"), 0);
out:
	if (tr0.pid > 0)
		traffic_stop(&tr0, &r);
	if (tr1.pid > 0)
		traffic_stop(&tr1, &r);
	finish(f0);
}

TEST_MAIN(TEST_CASE(t_helper_killed), TEST_CASE(t_helper_restarted),
	  TEST_CASE(t_helper_stalled), TEST_CASE(t_worker_killed), TEST_CASE(t_sigterm_traffic))
