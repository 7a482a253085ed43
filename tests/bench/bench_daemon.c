// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vug-bench daemon control: start vhost-user-gpio on one simulated chip in a
 * temp dir, time its start-up, stop it with SIGTERM; and the line protocol
 * of its simulation control socket.
 *
 * Start-up is timed from the moment the child calls execv() (it writes the
 * clock into a shared page just before) to the first connect() the listening
 * socket accepts, and to the first reply on that connection, which also
 * covers forking and jailing the worker that serves it. The daemon's stdout
 * and stderr go to a log file in the temp dir, shown when something fails.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "bench.h"

#define STOP_TIMEOUT_MS	5000
#define MAX_ARGS	24

const char *bd_extra_args[9];

static void nap_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

static void child_exec(const struct bd_daemon *d, const char *prog, unsigned int lines,
		       volatile uint64_t *t_exec)
{
	char list[32], *argv[MAX_ARGS];
	int n = 0, fd;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	fd = open(d->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
		_exit(127);
	snprintf(list, sizeof(list), "s%u", lines);
	argv[n++] = (char *)prog;
	argv[n++] = "-s";
	argv[n++] = (char *)d->sock;
	argv[n++] = "--device-list";
	argv[n++] = list;
	argv[n++] = "--sim-control";
	argv[n++] = (char *)d->ctl;
	argv[n++] = "--log-level";
	argv[n++] = "warn";
	for (int i = 0; bd_extra_args[i] && n < MAX_ARGS - 1; i++)
		argv[n++] = (char *)bd_extra_args[i];
	argv[n] = NULL;
	*t_exec = bench_now_ns();
	execv(prog, argv);
	fprintf(stderr, "vug-bench: exec %s: %s\n", prog, strerror(errno));
	_exit(127);
}

static int try_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	close(fd);
	return -errno;
}

/*
 * Start the daemon serving `sL` and connect to it: *sock is that connection,
 * already past one GET_FEATURES round trip. -ECHILD if the daemon exited
 * (e.g. it refused the device list; its log says why).
 */
int bd_start(struct bd_daemon *d, const char *prog, unsigned int lines, int timeout_ms,
	     int *sock)
{
	volatile uint64_t *t_exec;
	struct bconn c;
	uint64_t deadline, f;
	int fd, status, rc;

	memset(d, 0, sizeof(*d));
	snprintf(d->dir, sizeof(d->dir), "/tmp/vug-bench-XXXXXX");
	if (!mkdtemp(d->dir))
		return -errno;
	snprintf(d->sock, sizeof(d->sock), "%s/vgpio.sock", d->dir);
	snprintf(d->ctl, sizeof(d->ctl), "%s/sim.ctl", d->dir);
	snprintf(d->log, sizeof(d->log), "%s/daemon.log", d->dir);
	t_exec = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (t_exec == MAP_FAILED)
		return -errno;
	*t_exec = 0;
	fflush(NULL);
	d->pid = fork();
	if (d->pid < 0) {
		rc = -errno;
		goto out;
	}
	if (d->pid == 0)
		child_exec(d, prog, lines, t_exec);
	deadline = bench_now_ns() + (uint64_t)timeout_ms * 1000000u;
	for (;;) {
		fd = try_connect(d->sock);
		if (fd >= 0)
			break;
		if (fd != -ENOENT && fd != -ECONNREFUSED && fd != -EAGAIN) {
			rc = fd;
			goto out;
		}
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			fprintf(stderr, "vug-bench: daemon exited during start-up (%s %d)\n",
				WIFEXITED(status) ? "status" : "signal",
				WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
			d->pid = 0;
			d->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) :
					 128 + WTERMSIG(status);
			rc = -ECHILD;
			goto out;
		}
		if (bench_now_ns() >= deadline) {
			fprintf(stderr, "vug-bench: %s not accepting after %d ms\n", d->sock,
				timeout_ms);
			rc = -ETIMEDOUT;
			goto out;
		}
		nap_us(50);
	}
	d->connect_ns = bench_now_ns() - *t_exec;
	bvu_init(&c, fd, timeout_ms);
	rc = bvu_get_u64(&c, VU_GET_FEATURES, &f);
	d->reply_ns = bench_now_ns() - *t_exec;
	if (rc < 0) {
		close(fd);
		goto out;
	}
	*sock = fd;
out:
	munmap((void *)t_exec, 4096);
	return rc;
}

/* Whether the daemon's log mentions @needle (its first 64 KiB). */
bool bd_log_has(const struct bd_daemon *d, const char *needle)
{
	static char buf[65536];
	ssize_t n;
	int fd = open(d->log, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

void bd_show_log(const struct bd_daemon *d)
{
	char buf[4096];
	ssize_t n;
	int fd = open(d->log, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	/* The end of the log is what explains a failure. */
	if (lseek(fd, 0, SEEK_END) > (off_t)sizeof(buf) - 1)
		lseek(fd, -(off_t)sizeof(buf) + 1, SEEK_END);
	else
		lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	fprintf(stderr, "vug-bench: daemon log (%s):\n%s", d->log, buf);
}

static void remove_dir(const struct bd_daemon *d)
{
	char path[512];
	DIR *dir = opendir(d->dir);
	struct dirent *e;

	if (!dir)
		return;
	while ((e = readdir(dir))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(path, sizeof(path), "%s/%s", d->dir, e->d_name);
			unlink(path);
		}
	}
	closedir(dir);
	rmdir(d->dir);
}

/* SIGTERM and reap. Returns the exit status (0 expected), 128 + signal, or -errno. */
int bd_stop(struct bd_daemon *d)
{
	uint64_t deadline = bench_now_ns() + STOP_TIMEOUT_MS * 1000000ull;
	int status = 0, rc = 0;

	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		for (;;) {
			pid_t r = waitpid(d->pid, &status, WNOHANG);

			if (r == d->pid)
				break;
			if (r < 0 || bench_now_ns() >= deadline) {
				fprintf(stderr, "vug-bench: daemon ignored SIGTERM; killing it\n");
				kill(d->pid, SIGKILL);
				waitpid(d->pid, &status, 0);
				rc = -ETIMEDOUT;
				break;
			}
			nap_us(1000);
		}
		d->pid = 0;
		if (rc == 0)
			rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	if (rc != 0)
		bd_show_log(d);
	if (d->dir[0])
		remove_dir(d);
	d->dir[0] = '\0';
	return rc;
}

int bd_sim_connect(const char *path, int timeout_ms)
{
	return bvu_connect(path, timeout_ms);
}

/* One command, one reply line (without the newline) into @reply. */
int bd_sim_cmd(int fd, const char *cmd, char *reply, size_t size, int timeout_ms)
{
	char line[256];
	size_t got = 0;
	int len = snprintf(line, sizeof(line), "%s\n", cmd);

	if (len < 0 || (size_t)len >= sizeof(line) || size == 0)
		return -EINVAL;
	if (write(fd, line, (size_t)len) != len)
		return -errno;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, timeout_ms) <= 0) {
			fprintf(stderr, "vug-bench: sim control: no reply to '%s'\n", cmd);
			return -ETIMEDOUT;
		}
		/* Byte by byte: never read past this reply. */
		n = read(fd, reply + got, 1);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return -ECONNRESET;
		if (reply[got] == '\n')
			break;
		if (++got >= size - 1)
			return -EPROTO;
	}
	reply[got] = '\0';
	return 0;
}
