// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Restarting a helper that died (--helper-restarts N).
 *
 * The broker cannot start a helper itself once it is jailed: its seccomp
 * filter, inherited across exec, would bind the new helper too, and it no
 * longer has the capabilities the helper starts with. So before it jails
 * itself it forks the spawner, a process whose only job is to start a
 * helper when asked, exactly as the broker started the first one (same
 * binary, same arguments, its own pid namespace). Trust: the spawner keeps
 * the broker's privileges but reads nothing but IPC_REQ_HELPER_SPAWN (an
 * empty message with the report pipe's end) from its private socket, takes
 * no parameter from it, holds no other fd, and refuses more than N spawns;
 * a compromised broker can only make it start the same helper again. The
 * new helper is created with CLONE_PARENT: it is the broker's child, so the
 * broker reaps it and sees its pid as before.
 *
 * A restart: the workers lost their sessions (they answered what they had
 * in flight with ERR, closed the line requests they held and wait, see
 * device/worker/wk_renew.c); the broker asks for a new helper, waits for its
 * READY, opens a session with it for every worker and passes it on over the
 * worker's renew channel, so front-ends keep their connections. The line state
 * survives in one memfd per device that the broker creates before the first
 * helper and never reads (broker_state_create(); the spawner keeps them and
 * hands them to every helper): the new helper sets the lines up as the old
 * one had them (device/helper/state.c), so front-ends that reconnect find
 * the device as they left it. Past N restarts, or without a spawner, a dead
 * helper ends the broker with status 1 as before.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "../../sandbox/jail.h"
#include "broker.h"
#include "log.h"

#define SPAWNER_ANSWER_TIMEOUT_MS	10000

static const struct ipc_rule spawn_req_rule[] = {
	{ IPC_REQ_HELPER_SPAWN, 0, 0, 0, 0, 1 },
};

static const struct ipc_rule spawn_ans_rule[] = {
	{ IPC_ANS_HELPER_SPAWN, sizeof(struct ipc_helper_spawned),
	  sizeof(struct ipc_helper_spawned), 0, 0, 1 },
	{ IPC_ANS_HELPER_SPAWN, sizeof(struct ipc_helper_spawned),
	  sizeof(struct ipc_helper_spawned), 0, 0, 0 },
};

/* One helper, started with CLONE_PARENT; the answer carries the broker's control end. */
static void spawner_spawn_one(struct broker *b, int chan, int report)
{
	struct ipc_helper_spawned ans = { 0 };
	int sp[2] = { -1, -1 };
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		ans.error = -errno;
		goto answer;
	}
	pid = jail_clone(CLONE_PARENT | (b->opts->no_sandbox ? 0 : JAIL_HELPER_CLONE_NS));
	if (pid == 0)
		broker_helper_exec(b, sp[1], report);
	if (pid < 0)
		ans.error = pid;
	else
		ans.pid = pid;
answer:
	close(report);
	if (sp[1] >= 0)
		close(sp[1]);
	ipc_send(chan, IPC_ANS_HELPER_SPAWN, &ans, sizeof(ans), ans.error ? -1 : sp[0]);
	if (sp[0] >= 0)
		close(sp[0]);
}

static void __attribute__((noreturn)) spawner_main(struct broker *b, int chan, pid_t parent)
{
	static struct ipc_msg msg;
	int keep[4 + IPC_MAX_DEVICES] = { STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO, chan };
	unsigned int spawns = 0;

	broker_child_reset_signals();
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(0);
	for (unsigned int i = 0; i < b->nstate_fds; i++)
		keep[4 + i] = b->state_fd[i];
	if (broker_child_close_fds(keep, 4 + b->nstate_fds) < 0)
		_exit(1);
	prctl(PR_SET_NAME, "vug-spawner");
	log_init("spawner", log_get_level());
	for (;;) {
		int ret = ipc_recv(chan, &msg);

		if (ret == -ECONNRESET)
			_exit(0);
		if (ret < 0 || ipc_admit(&msg, spawn_req_rule, 1) < 0) {
			log_err("bad request from the broker; stopping");
			_exit(1);
		}
		if (spawns++ >= b->opts->helper_restarts) {
			struct ipc_helper_spawned ans = { .error = -EPERM };

			close(msg.fd);
			ipc_send(chan, IPC_ANS_HELPER_SPAWN, &ans, sizeof(ans), -1);
			continue;
		}
		spawner_spawn_one(b, chan, msg.fd);
	}
}

int broker_state_create(struct broker *b)
{
	const int seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;

	for (unsigned int i = 0; i < IPC_MAX_DEVICES; i++)
		b->state_fd[i] = -1;
	if (!b->opts->helper_restarts || b->opts->fd >= 0)
		return 0;
	for (unsigned int i = 0; i < b->opts->ndevices; i++) {
		int fd = memfd_create("vhost-user-gpio-state", MFD_CLOEXEC | MFD_ALLOW_SEALING);

		if (fd < 0 || ftruncate(fd, IPC_STATE_SIZE) < 0 ||
		    fcntl(fd, F_ADD_SEALS, seals) < 0) {
			int err = errno;

			log_err("line-state memfd for device %u: %s", i, strerror(err));
			if (fd >= 0)
				close(fd);
			broker_state_close(b);
			return -err;
		}
		b->state_fd[i] = fd;
		b->nstate_fds = i + 1;
	}
	return 0;
}

/* The spawner holds them now: the broker never reads them. */
void broker_state_close(struct broker *b)
{
	for (unsigned int i = 0; i < b->nstate_fds; i++) {
		if (b->state_fd[i] >= 0)
			close(b->state_fd[i]);
		b->state_fd[i] = -1;
	}
	b->nstate_fds = 0;
}

int broker_spawner_start(struct broker *b)
{
	pid_t parent = getpid(), pid;
	int sp[2];

	/* With --fd the one connection ends with the helper anyway. */
	if (!b->opts->helper_restarts || b->opts->fd >= 0)
		return 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		log_err("helper spawner: socketpair: %s", strerror(errno));
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		log_err("helper spawner: fork: %s", strerror(errno));
		close(sp[0]);
		close(sp[1]);
		return -errno;
	}
	if (pid == 0) {
		close(sp[0]);
		spawner_main(b, sp[1], parent);
	}
	close(sp[1]);
	b->spawner_fd = sp[0];
	b->spawner_pid = pid;
	log_debug("helper spawner %d started (%u restarts allowed)", (int)pid,
		  b->opts->helper_restarts);
	return 0;
}

void broker_spawner_stop(struct broker *b)
{
	int status;

	if (b->spawner_fd >= 0)
		close(b->spawner_fd);
	b->spawner_fd = -1;
	if (b->spawner_pid > 0 && broker_wait_pid(b->spawner_pid, 1000, &status) < 0) {
		kill(b->spawner_pid, SIGKILL);
		broker_wait_pid(b->spawner_pid, 1000, &status);
	}
	b->spawner_pid = 0;
}

static int spawner_recv(struct broker *b)
{
	struct pollfd pfd = { .fd = b->spawner_fd, .events = POLLIN };
	int ret;

	do
		ret = poll(&pfd, 1, SPAWNER_ANSWER_TIMEOUT_MS);
	while (ret < 0 && errno == EINTR);
	if (ret <= 0)
		return ret < 0 ? -errno : -ETIMEDOUT;
	return ipc_recv(b->spawner_fd, b->msg);
}

/* Ask the spawner for a helper: on success the broker's helper fields are the new one's. */
static int spawner_request(struct broker *b)
{
	const struct ipc_helper_spawned *ans = (const void *)b->msg->payload;
	int rp[2], ret;

	if (pipe2(rp, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	ret = ipc_send(b->spawner_fd, IPC_REQ_HELPER_SPAWN, NULL, 0, rp[1]);
	close(rp[1]);
	if (ret == 0)
		ret = spawner_recv(b);
	if (ret == 0 && (ipc_admit(b->msg, spawn_ans_rule, 2) < 0 || ans->error > 0 ||
			 (ans->error == 0) != (b->msg->fd >= 0) ||
			 (ans->error == 0 && ans->pid <= 0)))
		ret = -EBADMSG;
	if (ret == 0 && ans->error < 0) {
		close(rp[0]);
		return ans->error;	/* refused (spawns used up) or clone failed */
	}
	if (ret < 0) {
		/* A spawner that does not answer properly is not asked again. */
		if (b->msg->fd >= 0)
			close(b->msg->fd);
		close(rp[0]);
		broker_spawner_stop(b);
		return ret;
	}
	b->ctl_fd = b->msg->fd;
	b->helper_report_fd = rp[0];
	b->helper_pid = ans->pid;
	log_info("helper %d started by the spawner: %s", (int)ans->pid, b->helper_path);
	return 0;
}

bool broker_helper_restart(struct broker *b)
{
	int ret;

	if (b->spawner_fd < 0 || b->stopping || b->restarts >= b->opts->helper_restarts)
		return false;
	b->restarts++;
	log_warn("restarting the helper (%u of %u): it takes the line state over and the "
		 "workers get new sessions", b->restarts, b->opts->helper_restarts);
	if (b->ctl_ev) {
		event_free(b->ctl_ev);
		b->ctl_ev = NULL;
	}
	if (b->ctl_fd >= 0)
		close(b->ctl_fd);
	b->ctl_fd = -1;
	if (b->helper_report_fd >= 0)
		close(b->helper_report_fd);
	b->helper_report_fd = -1;
	b->helper_ready = false;
	ret = spawner_request(b);
	if (ret < 0) {
		log_err("helper spawner: %s", strerror(-ret));
		return false;
	}
	ret = broker_helper_wait_ready(b);
	if (ret == -EINTR) {
		broker_exit(b, BROKER_EXIT_OK);
		return true;
	}
	if (ret < 0)
		return false;
	b->ctl_ev = event_new(b->base, b->ctl_fd, EV_READ | EV_PERSIST, broker_helper_on_ctl, b);
	if (!b->ctl_ev || event_add(b->ctl_ev, NULL) < 0)
		return false;
	/* SIGCHLDs read while waiting for READY were not reaped. */
	broker_reap(b);
	broker_workers_renew(b);
	return true;
}
