/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Traffic for test_faults_proc.c: a forked front-end (traffic_start)
 * looping requests and eventq edges on its own connection until told to
 * stop or until the daemon closes it; it reports how it ended, so a hang is
 * told apart from a clean end of connection.
 */
#ifndef FAULTS_TRAFFIC_H
#define FAULTS_TRAFFIC_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "faults_daemon.h"

enum { TR_STOPPED, TR_EOF, TR_SETUP, TR_HANG /* = the tfe watchdog's exit */, TR_BAD };

struct traffic {
	pid_t pid;
	int stop_w, res_r;
};

struct traffic_res {
	unsigned int done, err, evt, lost;
};

/* One round: 16 requests (reads everywhere, writes on line 7 only) and an edge on line 6. */
static inline int traffic_round(struct tfe *t, int idx, unsigned int round, int *armed,
				bool *sim_ok, struct traffic_res *r)
{
	struct tfe_done d;
	int rc;

	if (*armed < 0)
		*armed = tfe_evt_arm(t, 6);
	for (unsigned int i = 0; i < 16; i++) {
		static const uint16_t types[] = { VIRTIO_GPIO_MSG_GET_VALUE,
						  VIRTIO_GPIO_MSG_GET_DIRECTION,
						  VIRTIO_GPIO_MSG_SET_VALUE };
		uint16_t type = types[i % 3];
		bool set = type == VIRTIO_GPIO_MSG_SET_VALUE;

		if (tfe_req_post(t, type, set ? 7 : (uint16_t)(i % 8), set ? (round + i) & 1 : 0,
				 2, (i & 1) && t->indirect) < 0)
			return TR_BAD;
	}
	tfe_kick(t, 0);
	if (*sim_ok && tfe_sim_set(&dmn, (unsigned int)idx, 6, (int)(round & 1)) != 0)
		*sim_ok = false;	/* the helper is gone: the connection ends next */
	rc = fu_vq_wait(t, 0, 16, TFE_TIMEOUT_MS);
	while (tfe_vq_take(t, 0, -1, &d, 0) == 0) {
		if (d.len != 2 || d.status > VIRTIO_GPIO_STATUS_ERR)
			return TR_BAD;
		r->done++;
		r->err += d.status == VIRTIO_GPIO_STATUS_ERR;
	}
	tfe_vq_collect(t, 1);
	while (tfe_vq_take(t, 1, -1, &d, 0) == 0) {
		if (d.len != 1 || d.status > VIRTIO_GPIO_IRQ_STATUS_VALID)
			return TR_BAD;
		r->evt++;
		*armed = -1;
	}
	if (t->vq[0].errors || t->vq[1].errors)
		return TR_BAD;
	if (rc == -ECONNRESET) {
		r->lost = tfe_vq_inflight(&t->vq[0]);
		return TR_EOF;
	}
	return rc < 0 ? TR_HANG : -1;
}

static inline void __attribute__((noreturn)) traffic_child(int idx, int stop_r, int res_w)
{
	struct traffic_res r = { 0 };
	int code = TR_SETUP, armed = -1;
	bool sim_ok = true;
	struct tfe *t;

	/* Hold none of the parent's connections: they must close when the parent closes them. */
	for (int fd = 3; fd < 1024; fd++)
		if (fd != stop_r && fd != res_w)
			close(fd);
	dmn.sim = -1;
	alarm(30);
	t = tfe_daemon_connect(&dmn, idx);
	if (!t || tfe_handshake(t, TFE_QEMU9) < 0 ||
	    cmd(t, VIRTIO_GPIO_MSG_SET_IRQ_TYPE, 6, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH) != 0)
		goto out;
	for (unsigned int round = 0;; round++) {
		struct pollfd pfd = { .fd = stop_r, .events = POLLIN };

		if (poll(&pfd, 1, 0) > 0) {
			code = TR_STOPPED;
			break;
		}
		code = traffic_round(t, idx, round, &armed, &sim_ok, &r);
		if (code >= 0)
			break;
		if (round == 0 && write(res_w, "R", 1) != 1)
			break;
	}
out:
	if (write(res_w, &r, sizeof(r)) != (ssize_t)sizeof(r))
		code = TR_SETUP;
	_exit(code);
}

/* Fork a traffic front-end on socket @idx; true once it has completed a first round. */
static inline bool traffic_start(struct traffic *tr, int idx)
{
	int sp[2], rp[2];
	struct pollfd pfd;
	char c = 0;

	tr->pid = -1;
	if (pipe2(sp, O_CLOEXEC) < 0 || pipe2(rp, O_CLOEXEC) < 0)
		return false;
	tr->pid = fork();
	if (tr->pid == 0) {
		close(sp[1]);
		close(rp[0]);
		traffic_child(idx, sp[0], rp[1]);
	}
	close(sp[0]);
	close(rp[1]);
	tr->stop_w = sp[1];
	tr->res_r = rp[0];
	pfd = (struct pollfd){ .fd = rp[0], .events = POLLIN };
	if (tr->pid < 0 || poll(&pfd, 1, 5000) != 1 || read(rp[0], &c, 1) != 1 || c != 'R') {
		CHECK(!"traffic front-end running");
		return false;
	}
	return true;
}

/*
 * Collect how it ended (TR_*): told to stop now (@ask), or else left to end
 * by itself, as it must when the daemon closes its connection.
 */
static inline int traffic_end(struct traffic *tr, struct traffic_res *r, bool ask)
{
	long deadline = fu_now_ms() + 10000;
	int status = 0, code = TR_HANG;

	memset(r, 0, sizeof(*r));
	if (tr->pid <= 0)
		return TR_SETUP;
	if (ask)
		close(tr->stop_w);
	while (waitpid(tr->pid, &status, WNOHANG) != tr->pid) {
		if (fu_now_ms() >= deadline) {
			kill(tr->pid, SIGKILL);
			waitpid(tr->pid, &status, 0);
			status = 3 << 8;
			break;
		}
		fu_sleep_ms(5);
	}
	if (!ask)
		close(tr->stop_w);
	if (WIFEXITED(status))
		code = WEXITSTATUS(status);
	if (read(tr->res_r, r, sizeof(*r)) != (ssize_t)sizeof(*r))
		memset(r, 0, sizeof(*r));
	close(tr->res_r);
	tr->pid = -1;
	if (code != TR_STOPPED && code != TR_EOF)
		fprintf(stderr, "  traffic front-end ended with %d (2 setup, 3 hang, 4 bad)\n",
			code);
	return code;
}

static inline int traffic_stop(struct traffic *tr, struct traffic_res *r)
{
	return traffic_end(tr, r, true);
}

#endif /* FAULTS_TRAFFIC_H */
