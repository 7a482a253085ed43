// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Workers: fork one per accepted connection, reap them, say how they ended.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "broker.h"
#include "log.h"
#include "worker/worker.h"

#define WORKER_STOP_TIMEOUT_MS	3000

void broker_describe_status(int status, char *buf, size_t len)
{
	const char *name;
	int sig;

	if (WIFEXITED(status)) {
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
		return;
	}
	if (!WIFSIGNALED(status)) {
		snprintf(buf, len, "changed state (wait status 0x%x)", (unsigned int)status);
		return;
	}
	sig = WTERMSIG(status);
	name = sigabbrev_np(sig);
	snprintf(buf, len, "killed by signal %s%s (%d)%s", name ? "SIG" : "",
		 name ? name : strsignal(sig), sig, WCOREDUMP(status) ? ", core dumped" : "");
}

/* Runs in the forked child; never returns. */
static void __attribute__((noreturn)) worker_child(struct broker_socket *s, pid_t parent,
						   int conn_fd, int session_fd)
{
	const int keep[] = { STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO, conn_fd, session_fd };
	struct worker_opts wo = { .device = s->index };
	int ret;

	log_set_role("worker");
	/* If the broker died before prctl(), nobody would ever kill us: leave now. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(1);
	broker_child_reset_signals();
	ret = broker_child_close_fds(keep, sizeof(keep) / sizeof(keep[0]));
	if (ret < 0) {
		log_err("%s: closing inherited fds: %s", s->label, strerror(-ret));
		_exit(1);
	}
	_exit(worker_run(conn_fd, session_fd, &wo));
}

/* Fork the worker for @conn_fd; the caller closes both fds afterwards. */
int broker_worker_spawn(struct broker_socket *s, int conn_fd, int session_fd)
{
	pid_t parent = getpid(), pid;
	int ret;

	pid = fork();
	if (pid < 0) {
		ret = -errno;
		log_err("%s: fork worker: %s", s->label, strerror(-ret));
		return ret;
	}
	if (pid == 0)
		worker_child(s, parent, conn_fd, session_fd);
	s->worker = pid;
	log_info("worker %d for %s started (device %u)", (int)pid, s->label, s->index);
	return 0;
}

static void worker_exited(struct broker *b, struct broker_socket *s, int status)
{
	pid_t pid = s->worker;
	char desc[64];
	bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;

	s->worker = 0;
	broker_describe_status(status, desc, sizeof(desc));
	/* During shutdown we killed it ourselves: nothing to warn about. */
	log_msg(ok || b->stopping ? LOG_LVL_INFO : LOG_LVL_WARN, "worker %d for %s %s", (int)pid,
		s->label, desc);
	if (b->opts->fd >= 0) {
		/* --fd: the one connection is over. */
		broker_exit(b, ok ? BROKER_EXIT_OK : BROKER_EXIT_FAILURE);
		return;
	}
	/* The front-end may reconnect; the line state waits in the helper. */
	if (!b->stopping && s->ev)
		event_add(s->ev, NULL);
}

static void child_exited(struct broker *b, pid_t pid, int status)
{
	char desc[64];

	if (pid == b->helper_pid) {
		b->helper_pid = 0;
		broker_helper_gone(b, pid, status);
		return;
	}
	for (unsigned int i = 0; i < b->nsockets; i++) {
		if (b->sockets[i].worker == pid) {
			worker_exited(b, &b->sockets[i], status);
			return;
		}
	}
	broker_describe_status(status, desc, sizeof(desc));
	log_debug("reaped unknown child %d: %s", (int)pid, desc);
}

/* Reap every child that has ended; called on SIGCHLD. */
void broker_reap(struct broker *b)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		child_exited(b, pid, status);
}

static unsigned int workers_alive(struct broker *b)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < b->nsockets; i++)
		n += b->sockets[i].worker != 0;
	return n;
}

static void workers_signal(struct broker *b, int sig)
{
	for (unsigned int i = 0; i < b->nsockets; i++)
		if (b->sockets[i].worker)
			kill(b->sockets[i].worker, sig);
}

static int workers_wait(struct broker *b, int timeout_ms)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };

	for (int waited = 0;; waited += 10) {
		broker_reap(b);
		if (!workers_alive(b))
			return 0;
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		nanosleep(&tick, NULL);
	}
}

/* Shutdown: SIGTERM every worker, SIGKILL the ones still there after a while. */
void broker_workers_stop(struct broker *b)
{
	if (!workers_alive(b))
		return;
	workers_signal(b, SIGTERM);
	if (workers_wait(b, WORKER_STOP_TIMEOUT_MS) == 0)
		return;
	for (unsigned int i = 0; i < b->nsockets; i++)
		if (b->sockets[i].worker)
			log_warn("worker %d for %s ignored SIGTERM; killing it",
				 (int)b->sockets[i].worker, b->sockets[i].label);
	workers_signal(b, SIGKILL);
	if (workers_wait(b, WORKER_STOP_TIMEOUT_MS) < 0)
		log_err("%u workers could not be reaped", workers_alive(b));
}
