// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Workers: clone one jailed worker per accepted connection (sandbox/jail.h),
 * reap them, say how they ended, naming the syscall when seccomp killed one.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "../../sandbox/jail.h"
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

/*
 * @report_fd's record, when the process left one: the syscall seccomp
 * refused. A record without a SIGSYS death is shown too (the re-issued
 * syscall got through and the handler exited instead): it still says what
 * the filter refused once.
 */
void broker_describe_death(int report_fd, const char *policy, int status, char *buf,
			   size_t len)
{
	struct jail_report r;
	char name[64], file[256], desc[64];
	int ret = jail_report_read(report_fd, &r);
	bool sigsys = WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS;

	broker_describe_status(status, desc, sizeof(desc));
	if (ret == 0) {
		jail_report_syscall(&r, name, sizeof(name));
		jail_policy_file(policy, file, sizeof(file));
		if (sigsys)
			snprintf(buf, len, "killed by seccomp: syscall %s (%d) refused by "
				 "policy %s (%s)", name, r.nr, policy, file);
		else
			snprintf(buf, len, "%s after seccomp refused syscall %s (%d) "
				 "(policy %s, %s)", desc, name, r.nr, policy, file);
	} else if (sigsys) {
		snprintf(buf, len, "%s (%s seccomp report)", desc,
			 ret == -EBADMSG ? "malformed" : "no");
	} else {
		snprintf(buf, len, "%s", desc);
	}
}

/* Runs in the cloned child; never returns. */
static void __attribute__((noreturn)) worker_child(struct broker_socket *s, pid_t parent,
						   int conn_fd, int session_fd, int report_fd,
						   int renew_fd)
{
	const struct broker *b = s->b;
	const int keep[] = { STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO, conn_fd, session_fd,
			     report_fd, renew_fd };
	struct worker_opts wo = { .device = s->index, .probe = b->probe, .renew_fd = renew_fd };
	struct jail_opts jo = {
		.role = "worker",
		.policy = "worker",
		.sandbox = !b->opts->no_sandbox,
		.keep = keep,
		.nkeep = sizeof(keep) / sizeof(keep[0]),
		.nofile = JAIL_WORKER_NOFILE,
		.report_fd = report_fd,
	};

	log_set_role("worker");
	/* If the broker died before prctl(), nobody would ever kill us: leave now. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || !jail_parent_alive(parent))
		_exit(1);
	broker_child_reset_signals();
	/* Logs the step that failed; serving unjailed is never an option. */
	if (jail_enter(&jo) < 0)
		_exit(1);
	_exit(worker_run(conn_fd, session_fd, &wo));
}

/* Clone the jailed worker for @conn_fd; the caller closes both fds afterwards. */
int broker_worker_spawn(struct broker_socket *s, int conn_fd, int session_fd)
{
	bool sandbox = !s->b->opts->no_sandbox;
	pid_t parent = getpid(), pid;
	int rp[2], cp[2] = { -1, -1 }, ret;

	/* Non-blocking: the broker reads it only after reaping the worker. */
	if (pipe2(rp, O_CLOEXEC | O_NONBLOCK) < 0) {
		ret = -errno;
		log_err("%s: report pipe: %s", s->label, strerror(-ret));
		return ret;
	}
	/* Only a broker that can restart the helper has new sessions to give. */
	if (s->b->spawner_fd >= 0 &&
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, cp) < 0) {
		ret = -errno;
		log_err("%s: renew channel: %s", s->label, strerror(-ret));
		close(rp[0]);
		close(rp[1]);
		return ret;
	}
	pid = jail_clone(sandbox ? JAIL_WORKER_NS : 0);
	if (pid < 0) {
		log_err("%s: clone worker: %s", s->label, strerror(-pid));
		close(rp[0]);
		close(rp[1]);
		if (cp[0] >= 0) {
			close(cp[0]);
			close(cp[1]);
		}
		return pid;
	}
	if (pid == 0) {
		close(rp[0]);
		if (cp[0] >= 0)
			close(cp[0]);
		worker_child(s, parent, conn_fd, session_fd, rp[1], cp[1]);
	}
	close(rp[1]);
	if (cp[1] >= 0)
		close(cp[1]);
	s->report_fd = rp[0];
	s->renew_fd = cp[0];
	s->worker = pid;
	s->b->probe = NULL;	/* the test probe runs in the first worker only */
	log_info("worker %d for %s started (device %u)", (int)pid, s->label, s->index);
	if (!sandbox)
		log_warn(JAIL_NO_SANDBOX_WARNING " (worker %d for %s)", (int)pid, s->label);
	return 0;
}

void broker_workers_renew(struct broker *b)
{
	for (unsigned int i = 0; i < b->nsockets; i++) {
		struct broker_socket *s = &b->sockets[i];
		int fd, ret;

		if (!s->worker || s->renew_fd < 0)
			continue;
		ret = broker_session_open(b, s->index, &fd);
		if (ret == -EPIPE)
			return;		/* the new helper is gone too: handled there */
		if (ret < 0)
			continue;	/* that worker times out and ends its connection */
		ret = ipc_send(s->renew_fd, IPC_EVT_SESSION_RENEW, NULL, 0, fd);
		close(fd);
		if (ret < 0)
			log_warn("worker %d for %s: new session not sent: %s", (int)s->worker,
				 s->label, strerror(-ret));
		else
			log_info("worker %d for %s: new helper session", (int)s->worker,
				 s->label);
	}
}

static void worker_exited(struct broker *b, struct broker_socket *s, int status)
{
	pid_t pid = s->worker;
	char desc[384];
	bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	enum log_level lvl = ok || b->stopping ? LOG_LVL_INFO : LOG_LVL_WARN;

	s->worker = 0;
	broker_describe_death(s->report_fd, "worker", status, desc, sizeof(desc));
	if (s->report_fd >= 0)
		close(s->report_fd);
	s->report_fd = -1;
	if (s->renew_fd >= 0)
		close(s->renew_fd);
	s->renew_fd = -1;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		lvl = LOG_LVL_ERROR;	/* a policy violation, even during shutdown */
	/* During shutdown we killed it ourselves: nothing to warn about. */
	log_msg(lvl, "worker %d for %s %s", (int)pid, s->label, desc);
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
	if (pid == b->spawner_pid) {
		broker_describe_status(status, desc, sizeof(desc));
		b->spawner_pid = 0;
		if (!b->stopping)
			log_err("helper spawner %d %s: a helper that dies is no longer restarted",
				(int)pid, desc);
		broker_spawner_stop(b);
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
