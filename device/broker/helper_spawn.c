// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The helper, seen from the broker: find its binary, start it with one end
 * of the control channel, wait for IPC_EVT_HELPER_READY, open sessions, and
 * notice when it goes away (the line state lives there, so we cannot go on).
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "../../sandbox/jail.h"
#include "broker.h"
#include "log.h"

#ifndef VUG_LIBEXECDIR
#define VUG_LIBEXECDIR "/usr/local/libexec/vhost-user-gpio"
#endif

#define HELPER_NAME			"vhost-user-gpio-helper"
/* Opening real chips can take a while; a helper silent this long is stuck. */
#define HELPER_READY_TIMEOUT_MS		30000
#define HELPER_ANSWER_TIMEOUT_MS	10000
#define HELPER_STOP_TIMEOUT_MS		3000

static const struct ipc_rule helper_ready_rule[] = {
	{ IPC_EVT_HELPER_READY, sizeof(struct ipc_helper_ready), sizeof(struct ipc_helper_ready),
	  0, 0, 0 },
};

static const struct ipc_rule helper_answer_rule[] = {
	{ IPC_ANS_SESSION_OPEN, sizeof(struct ipc_session_result),
	  sizeof(struct ipc_session_result), 0, 0, 0 },
};

/* --helper, else the helper next to our own binary, else the installed one. */
int broker_helper_path(struct broker *b)
{
	char *path = b->helper_path, exe[sizeof(b->helper_path)];
	size_t size = sizeof(b->helper_path);
	ssize_t n;
	char *slash;
	int ret;

	if (b->opts->helper) {
		if (snprintf(path, size, "%s", b->opts->helper) >= (int)size) {
			log_err("--helper %s: path too long", b->opts->helper);
			return -ENAMETOOLONG;
		}
		if (access(path, X_OK) < 0) {
			ret = -errno;
			log_err("--helper %s: %s", path, strerror(-ret));
			return ret;
		}
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			ret = snprintf(path, size, "%s/" HELPER_NAME, exe);
			if (ret > 0 && ret < (int)size && access(path, X_OK) == 0)
				return 0;
		}
	}
	snprintf(path, size, "%s", VUG_LIBEXECDIR "/" HELPER_NAME);
	if (access(path, X_OK) < 0) {
		ret = -errno;
		log_err("helper %s: %s (use --helper PATH)", path, strerror(-ret));
		return ret;
	}
	return 0;
}

void broker_helper_exec(struct broker *b, int ctl, int report)
{
	const struct broker_opts *o = b->opts;
	int keep[5 + IPC_MAX_DEVICES] = { STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO, ctl, report };
	char ctl_arg[16], report_arg[16], state_arg[IPC_MAX_DEVICES * 12];
	const char *argv[24];
	unsigned int n = 0;
	size_t off = 0;
	int null_fd;

	broker_child_reset_signals();
	/* The --fd connection belongs to the worker, even when it sits on stdio. */
	if (o->fd >= 0 && o->fd <= STDERR_FILENO) {
		null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null_fd < 0 || dup2(null_fd, o->fd) < 0)
			_exit(127);
	}
	for (unsigned int i = 0; i < b->nstate_fds; i++) {
		keep[5 + i] = b->state_fd[i];
		if (fcntl(b->state_fd[i], F_SETFD, 0) < 0)
			_exit(127);
		off += (size_t)snprintf(state_arg + off, sizeof(state_arg) - off, "%s%d",
					i ? "," : "", b->state_fd[i]);
	}
	if (broker_child_close_fds(keep, 5 + b->nstate_fds) < 0 || fcntl(ctl, F_SETFD, 0) < 0 ||
	    fcntl(report, F_SETFD, 0) < 0) {
		log_err("helper: preparing fds: %s", strerror(errno));
		_exit(127);
	}
	snprintf(ctl_arg, sizeof(ctl_arg), "%d", ctl);
	snprintf(report_arg, sizeof(report_arg), "%d", report);
	argv[n++] = b->helper_path;
	argv[n++] = "--control-fd";
	argv[n++] = ctl_arg;
	argv[n++] = "--report-fd";
	argv[n++] = report_arg;
	if (o->no_sandbox)
		argv[n++] = "--no-sandbox";
	argv[n++] = "--seccomp-policy-dir";
	argv[n++] = jail_seccomp_dir();
	if (o->seccomp_log)
		argv[n++] = "--seccomp-log";
	if (o->no_line_caps)
		argv[n++] = "--no-line-caps";
	if (b->nstate_fds) {
		argv[n++] = "--state-fds";
		argv[n++] = state_arg;
	}
	argv[n++] = "--device-list";
	argv[n++] = o->device_list;
	if (o->sim_control) {
		argv[n++] = "--sim-control";
		argv[n++] = o->sim_control;
	}
	argv[n++] = "--log-level";
	argv[n++] = o->log_level_name;
	argv[n] = NULL;
	execv(b->helper_path, (char *const *)argv);
	log_err("helper %s: exec: %s", b->helper_path, strerror(errno));
	_exit(127);
}

/*
 * The helper gets its own pid namespace here (it cannot give itself one: a
 * pid ns applies to children only), so that it can neither see nor signal
 * the broker and the workers even though it keeps our uid; the rest of its
 * jail it applies itself after opening the chips. It is the namespace's
 * init: its SIGTERM/SIGINT handlers (libevent) still work, SIGKILL too.
 */
int broker_helper_start(struct broker *b)
{
	int sp[2], rp[2], ret;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		ret = -errno;
		log_err("control channel: socketpair: %s", strerror(-ret));
		return ret;
	}
	if (pipe2(rp, O_CLOEXEC | O_NONBLOCK) < 0) {
		ret = -errno;
		log_err("helper report pipe: %s", strerror(-ret));
		close(sp[0]);
		close(sp[1]);
		return ret;
	}
	pid = jail_clone(b->opts->no_sandbox ? 0 : JAIL_HELPER_CLONE_NS);
	if (pid < 0) {
		log_err("helper %s: clone: %s", b->helper_path, strerror(-pid));
		close(sp[0]);
		close(sp[1]);
		close(rp[0]);
		close(rp[1]);
		return pid;
	}
	if (pid == 0)
		broker_helper_exec(b, sp[1], rp[1]);
	close(sp[1]);
	close(rp[1]);
	b->ctl_fd = sp[0];
	b->helper_report_fd = rp[0];
	b->helper_pid = pid;
	log_info("helper %d started: %s", (int)pid, b->helper_path);
	return 0;
}

/* Reap @pid within @timeout_ms, polling. Returns 0 or -ETIMEDOUT / -errno. */
int broker_wait_pid(pid_t pid, int timeout_ms, int *status)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };

	for (int waited = 0;; waited += 10) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		nanosleep(&tick, NULL);
	}
}

/* Make sure the helper is gone: EOF first, SIGKILL if it lingers. */
static int helper_reap(struct broker *b, int *status)
{
	pid_t pid = b->helper_pid;

	if (b->ctl_ev) {
		event_free(b->ctl_ev);
		b->ctl_ev = NULL;
	}
	if (b->ctl_fd >= 0) {
		close(b->ctl_fd);
		b->ctl_fd = -1;
	}
	if (!pid)
		return -ECHILD;
	if (broker_wait_pid(pid, HELPER_STOP_TIMEOUT_MS, status) < 0) {
		log_warn("helper %d did not exit on EOF; killing it", (int)pid);
		kill(pid, SIGKILL);
		if (broker_wait_pid(pid, HELPER_STOP_TIMEOUT_MS, status) < 0) {
			log_err("helper %d: cannot reap it", (int)pid);
			b->helper_pid = 0;
			return -ECHILD;
		}
	}
	b->helper_pid = 0;
	return 0;
}

/* The helper has been reaped while we were serving: nothing can go on. */
void broker_helper_gone(struct broker *b, pid_t pid, int status)
{
	char desc[384];

	broker_describe_death(b->helper_report_fd, "helper", status, desc, sizeof(desc));
	if (b->stopping) {
		log_info("helper %d %s", (int)pid, desc);
		return;
	}
	if (b->spawner_fd >= 0 && b->restarts < b->opts->helper_restarts) {
		log_err("helper %d %s", (int)pid, desc);
		if (broker_helper_restart(b))
			return;
	}
	log_err("helper %d %s; GPIO line state is lost, exiting", (int)pid, desc);
	broker_exit(b, BROKER_EXIT_FAILURE);
}

/* The helper broke the protocol or closed the channel: stop it and exit. */
void broker_helper_fail(struct broker *b, const char *why)
{
	pid_t pid = b->helper_pid;
	int status;

	log_err("helper %d: %s", (int)pid, why);
	if (helper_reap(b, &status) == 0) {
		broker_helper_gone(b, pid, status);
		return;
	}
	broker_exit(b, BROKER_EXIT_FAILURE);
}

/* Shutdown: the helper exits when the control channel closes. */
void broker_helper_stop(struct broker *b)
{
	pid_t pid = b->helper_pid;
	char desc[384];
	int status;

	if (helper_reap(b, &status) < 0)
		return;
	broker_describe_death(b->helper_report_fd, "helper", status, desc, sizeof(desc));
	log_msg(status == 0 ? LOG_LVL_INFO : LOG_LVL_WARN, "helper %d %s", (int)pid, desc);
}

/* Receive one message the table admits, within @timeout_ms. */
static int helper_recv(struct broker *b, const struct ipc_rule *rule, int timeout_ms)
{
	struct pollfd pfd = { .fd = b->ctl_fd, .events = POLLIN };
	int ret;

	do
		ret = poll(&pfd, 1, timeout_ms);
	while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	if (ret == 0)
		return -ETIMEDOUT;
	ret = ipc_recv(b->ctl_fd, b->msg);
	if (ret < 0)
		return ret;
	if (ipc_admit(b->msg, rule, 1) < 0) {
		log_err("helper %d: unexpected %s message (%u bytes) on the control channel",
			(int)b->helper_pid, ipc_type_name(b->msg->hdr.type), b->msg->hdr.len);
		if (b->msg->fd >= 0)
			close(b->msg->fd);
		return -EBADMSG;
	}
	return 0;
}

/* A signal during start-up: SIGTERM/SIGINT stop us, SIGCHLD may be the helper. */
static int helper_ready_signal(struct broker *b, int *status)
{
	struct signalfd_siginfo si;

	while (read(b->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			log_info("SIG%s received during start-up, stopping",
				 sigabbrev_np((int)si.ssi_signo));
			broker_helper_stop(b);
			return -EINTR;
		}
	}
	if (waitpid(b->helper_pid, status, WNOHANG) == b->helper_pid) {
		b->helper_pid = 0;
		return -ECHILD;
	}
	return 0;
}

static int helper_check_ready(struct broker *b)
{
	const struct ipc_helper_ready *r = (const void *)b->msg->payload;
	unsigned int ndev = le16toh(r->ndevices);

	if (r->reserved || r->reserved2) {
		log_err("helper %d: READY with non-zero reserved fields", (int)b->helper_pid);
		return -EBADMSG;
	}
	if (ndev != b->opts->ndevices) {
		log_err("helper %d: READY for %u devices, --device-list '%s' has %u",
			(int)b->helper_pid, ndev, b->opts->device_list, b->opts->ndevices);
		return -EBADMSG;
	}
	return 0;
}

/*
 * Wait for IPC_EVT_HELPER_READY. Returns 0; -ECHILD when the helper exited
 * first (bad device list: exit status 2); -EINTR when SIGTERM/SIGINT came;
 * other -errno on a broken helper. On error the helper is gone.
 */
int broker_helper_wait_ready(struct broker *b)
{
	struct pollfd pfd[2] = {
		{ .fd = b->ctl_fd, .events = POLLIN },
		{ .fd = b->sig_fd, .events = POLLIN },
	};
	pid_t pid = b->helper_pid;
	char desc[384];
	int ret, status = 0;

	for (;;) {
		ret = poll(pfd, 2, HELPER_READY_TIMEOUT_MS);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret <= 0) {
			ret = ret < 0 ? -errno : -ETIMEDOUT;
			log_err("helper %d: no READY: %s", (int)pid, strerror(-ret));
			break;
		}
		if (pfd[1].revents) {
			ret = helper_ready_signal(b, &status);
			if (ret == -EINTR)
				return ret;
			if (ret == -ECHILD)
				goto exited;
		}
		if (!pfd[0].revents)
			continue;
		ret = helper_recv(b, helper_ready_rule, 0);
		if (ret == -ECONNRESET) {
			if (helper_reap(b, &status) < 0)
				return -ECHILD;
			goto exited;
		}
		if (ret == 0)
			ret = helper_check_ready(b);
		if (ret == 0) {
			log_info("helper %d ready with %u device%s", (int)pid, b->opts->ndevices,
				 b->opts->ndevices == 1 ? "" : "s");
			b->helper_ready = true;
			return 0;
		}
		if (ret != -EBADMSG)
			log_err("helper %d: control channel: %s", (int)pid, strerror(-ret));
		break;
	}
	helper_reap(b, &status);
	return ret;

exited:
	if (b->ctl_fd >= 0)
		helper_reap(b, &status);
	broker_describe_death(b->helper_report_fd, "helper", status, desc, sizeof(desc));
	/*
	 * Exit status 2: the helper refused the configuration and already said
	 * why in one line; a second error line would only bury it.
	 */
	if (WIFEXITED(status) && WEXITSTATUS(status) == 2)
		log_info("helper %d %s before it was ready", (int)pid, desc);
	else
		log_err("helper %d %s before it was ready", (int)pid, desc);
	return -ECHILD;
}

/* Anything on the control channel outside a session open is fatal. */
void broker_helper_on_ctl(int fd, short what, void *arg)
{
	struct broker *b = arg;
	char why[128];
	int ret;

	(void)fd;
	(void)what;
	ret = ipc_recv(b->ctl_fd, b->msg);
	if (ret == -ECONNRESET) {
		broker_helper_fail(b, "closed the control channel");
		return;
	}
	if (ret < 0) {
		snprintf(why, sizeof(why), "control channel: %s", strerror(-ret));
		broker_helper_fail(b, why);
		return;
	}
	if (b->msg->fd >= 0)
		close(b->msg->fd);
	snprintf(why, sizeof(why), "unsolicited %s message", ipc_type_name(b->msg->hdr.type));
	broker_helper_fail(b, why);
}

/*
 * Ask the helper to bind a new session to @device. On success *session_fd is
 * the worker's end. Returns -EPIPE when the helper is lost (the broker is
 * exiting then), -ECONNREFUSED when it refused this session, other -errno
 * for a local failure; only -EPIPE affects more than this connection.
 */
int broker_session_open(struct broker *b, unsigned int device, int *session_fd)
{
	struct ipc_session_open req = { .device = htole16((uint16_t)device) };
	const struct ipc_session_result *res;
	char why[128];
	int sp[2], ret;
	int32_t error;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		ret = -errno;
		log_err("device %u: session socketpair: %s", device, strerror(-ret));
		return ret;
	}
	ret = ipc_send(b->ctl_fd, IPC_REQ_SESSION_OPEN, &req, sizeof(req), sp[1]);
	close(sp[1]);
	if (ret == 0)
		ret = helper_recv(b, helper_answer_rule, HELPER_ANSWER_TIMEOUT_MS);
	res = (const void *)b->msg->payload;
	if (ret == 0 && res->reserved)
		ret = -EBADMSG;
	if (ret < 0) {
		close(sp[0]);
		snprintf(why, sizeof(why), "opening a session for device %u: %s", device,
			 ret == -ECONNRESET ? "control channel closed" : strerror(-ret));
		broker_helper_fail(b, why);
		return -EPIPE;
	}
	error = (int32_t)le32toh((uint32_t)res->error);
	if (error != 0) {
		close(sp[0]);
		log_err("helper %d refused a session for device %u: %s", (int)b->helper_pid,
			device, error < 0 ? strerror(-error) : "bad error code");
		return -ECONNREFUSED;
	}
	*session_fd = sp[0];
	return 0;
}
