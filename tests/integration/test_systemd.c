// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Socket activation as systemd does it (vhost-user-gpio@.socket, Accept=no):
 * the daemon is exec'd with its listening sockets as fds 3, 4, ... and
 * LISTEN_FDS=N LISTEN_PID=<its own pid>, set by a small wrapper (the forked
 * child, which keeps its pid across exec). It serves them like its own,
 * front-end after front-end, and leaves the socket files to systemd.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../harness.h"
#include "../frontend/tfe.h"

static char bin[512];
static char dir[64];

static int listen_at(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 8) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/*
 * The wrapper: the child puts @fds at 3, 4, ..., sets LISTEN_FDS and its own
 * pid as LISTEN_PID (or @pid_delta off it), and execs the daemon with
 * @args. Its stdout and stderr go to @log. Returns the pid.
 */
static pid_t activate(const int *fds, int nfds, int pid_delta, const char *const *args,
		      const char *log)
{
	pid_t pid = fork();

	if (pid == 0) {
		const char *argv[24] = { bin };
		char num[16], pidbuf[16];
		int out, moved[8];
		unsigned int i = 1;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (; *args && i < 23; args++)
			argv[i++] = *args;
		out = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (out < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
			_exit(127);
		/* First out of the way of 3.., then into place, without CLOEXEC. */
		for (int k = 0; k < nfds; k++)
			moved[k] = fcntl(fds[k], F_DUPFD_CLOEXEC, 20);
		for (int k = 0; k < nfds; k++)
			if (moved[k] < 0 || dup2(moved[k], 3 + k) < 0)
				_exit(127);
		snprintf(num, sizeof(num), "%d", nfds);
		snprintf(pidbuf, sizeof(pidbuf), "%d", (int)getpid() + pid_delta);
		setenv("LISTEN_FDS", num, 1);
		setenv("LISTEN_PID", pidbuf, 1);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static int wait_exit(pid_t pid, int timeout_ms)
{
	int status;

	for (int waited = 0; waited < timeout_ms; waited += 5) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		usleep(5000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -ETIMEDOUT;
}

static int stop(pid_t pid)
{
	kill(pid, SIGTERM);
	return wait_exit(pid, 5000);
}

static void path_in_dir(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

/* One handshake and a line read, then a sim-control edge seen by the guest side. */
static void serve_once(const char *path, struct tfe_daemon *sim, unsigned int dev)
{
	int fd = tfe_connect(path, TFE_TIMEOUT_MS);
	struct tfe *t = fd >= 0 ? tfe_new(fd, 0) : NULL;

	CHECK(t != NULL);
	if (!t) {
		if (fd >= 0)
			close(fd);
		return;
	}
	CHECK_EQ(tfe_handshake(t, TFE_QEMU9), 0);
	CHECK_EQ(tfe_get_value(t, 2), 0);
	CHECK_EQ(tfe_sim_set(sim, dev, 2, 1), 0);
	CHECK_EQ(tfe_get_value(t, 2), 1);
	CHECK_EQ(tfe_sim_set(sim, dev, 2, 0), 0);
	tfe_free(t);
}

static void t_setup(void)
{
	const char *b = getenv("VUG_BUILD");

	snprintf(bin, sizeof(bin), "%s/vhost-user-gpio", b && *b ? b : "build");
	CHECK(access(bin, X_OK) == 0);
	snprintf(dir, sizeof(dir), "/tmp/vug-sd-XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
}

/* One socket: served twice (reconnect), SIGTERM exits 0 and leaves the file to systemd. */
static void t_one_socket(void)
{
	char path[128], log[128];
	struct tfe_daemon sim = { .sim = -1 };
	const char *args[] = { "-l", "s8", "--sim-control", sim.ctl, "--log-level", "info", NULL };
	int fd;
	pid_t pid;

	path_in_dir(path, sizeof(path), "vm1.sock");
	path_in_dir(log, sizeof(log), "vm1.log");
	path_in_dir(sim.ctl, sizeof(sim.ctl), "vm1-sim.sock");
	fd = listen_at(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	pid = activate(&fd, 1, 0, args, log);
	close(fd);
	CHECK(pid > 0);
	serve_once(path, &sim, 0);
	serve_once(path, &sim, 0);
	CHECK_EQ(tfe_file_count(log, "(socket passed by systemd)"), 1);
	CHECK(tfe_file_count(log, path) >= 1);
	if (sim.sim >= 0)
		close(sim.sim);
	CHECK_EQ(stop(pid), 0);
	/* systemd's file (RemoveOnStop= is its business); ours is gone. */
	CHECK_EQ(access(path, F_OK), 0);
	CHECK(access(sim.ctl, F_OK) < 0);
	CHECK_EQ(tfe_file_count(log, ": error: "), 0);
	unlink(path);
	unlink(log);
}

/* Two ListenStream= lines: two devices, in order. */
static void t_two_sockets(void)
{
	char p0[128], p1[128], log[128];
	struct tfe_daemon sim = { .sim = -1 };
	const char *args[] = { "-l", "s8:s4", "--sim-control", sim.ctl, NULL };
	int fds[2];
	pid_t pid;

	path_in_dir(p0, sizeof(p0), "a.sock");
	path_in_dir(p1, sizeof(p1), "b.sock");
	path_in_dir(log, sizeof(log), "two.log");
	path_in_dir(sim.ctl, sizeof(sim.ctl), "two-sim.sock");
	fds[0] = listen_at(p0);
	fds[1] = listen_at(p1);
	CHECK(fds[0] >= 0 && fds[1] >= 0);
	pid = activate(fds, 2, 0, args, log);
	close(fds[0]);
	close(fds[1]);
	serve_once(p1, &sim, 1);
	serve_once(p0, &sim, 0);
	if (sim.sim >= 0) {
		char reply[64];

		CHECK_EQ(tfe_sim_cmd(&sim, reply, sizeof(reply), "info 1"), 0);
		CHECK(strcmp(reply, "ok lines=4 kind=sim") == 0);
		close(sim.sim);
	}
	CHECK_EQ(stop(pid), 0);
	unlink(p0);
	unlink(p1);
	unlink(log);
}

/* Misconfigured units: one line each, exit status 2. */
static void expect_refused(const int *fds, int nfds, int pid_delta, const char *const *args,
			   const char *want)
{
	char log[128];
	pid_t pid;
	int rc;

	path_in_dir(log, sizeof(log), "bad.log");
	pid = activate(fds, nfds, pid_delta, args, log);
	rc = wait_exit(pid, 5000);
	CHECK_EQ(rc, 2);
	if (!tfe_file_count(log, want))
		fprintf(stderr, "  wanted \"%s\" in the daemon's output\n", want);
	CHECK_EQ(tfe_file_count(log, want), 1);
	unlink(log);
}

static void t_misconfigured(void)
{
	char path[128];
	const char *list1[] = { "-l", "s8", NULL };
	const char *list2[] = { "-l", "s8:s8", NULL };
	const char *with_s[] = { "-s", "/tmp/vug-never.sock", "-l", "s8", NULL };
	int fd, sp[2];

	path_in_dir(path, sizeof(path), "bad.sock");
	fd = listen_at(path);
	CHECK(fd >= 0);
	/* LISTEN_PID of another process: not for us, so no socket at all. */
	expect_refused(&fd, 1, 1, list1, "Must specify either --socket-path or --fd");
	expect_refused(&fd, 1, 0, list2, "--device-list 's8:s8': 2 entries for 1 socket "
		       "(passed by systemd)");
	expect_refused(&fd, 1, 0, with_s, "--socket-path: systemd passed 1 listening socket");
	CHECK(access("/tmp/vug-never.sock", F_OK) < 0);
	close(fd);
	unlink(path);
	/* Accept=yes would pass a connected socket. */
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	expect_refused(sp, 1, 0, list1, "fd 3 is not a listening Unix stream socket");
	close(sp[0]);
	close(sp[1]);
}

static void t_cleanup(void)
{
	CHECK_EQ(rmdir(dir), 0);
}

TEST_MAIN(TEST_CASE(t_setup), TEST_CASE(t_one_socket), TEST_CASE(t_two_sockets),
	  TEST_CASE(t_misconfigured), TEST_CASE(t_cleanup))
