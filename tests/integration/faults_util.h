/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the fault injection (test_faults*.c) and soak (test_soak_*.c)
 * tests: the daemon's process tree and fd tables seen from /proc, a
 * used-ring wait that also notices the connection ending (a dead worker
 * never signals the call fd), and a pipelined client for the sim control
 * socket. Every wait is bounded.
 */
#ifndef FAULTS_UTIL_H
#define FAULTS_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "../frontend/tfe.h"

/* Per test case: tfe arms 60 s once per binary; each case gets its own budget. */
#define FU_WATCHDOG_S	120

static inline long fu_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static inline void fu_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The broker's children: the helper (0 if none) and the workers; returns the worker count. */
static inline int fu_children(pid_t broker, pid_t *helper, pid_t *workers, int max)
{
	pid_t kids[64];
	int n = tfe_proc_children(broker, kids, 64), nw = 0;

	*helper = 0;
	for (int i = 0; i < n && i < 64; i++) {
		char name[64] = "";

		tfe_proc_exe_name(kids[i], name, sizeof(name));
		if (!strcmp(name, "vhost-user-gpio-helper"))
			*helper = kids[i];
		else if (nw < max)
			workers[nw++] = kids[i];
	}
	return nw;
}

/* Wait (2 s at most) until the broker has @want workers; returns the last count seen. */
static inline int fu_workers_settle(pid_t broker, int want, pid_t *workers, int max)
{
	long deadline = fu_now_ms() + 2000;
	pid_t helper;
	int nw;

	for (;;) {
		nw = fu_children(broker, &helper, workers, max);
		if (nw == want || fu_now_ms() >= deadline)
			return nw;
		fu_sleep_ms(5);
	}
}

/* A process that is gone, or dead and waiting to be reaped, is not left over. */
static inline bool fu_gone(pid_t pid, int timeout_ms)
{
	long deadline = fu_now_ms() + timeout_ms;

	for (;;) {
		char st = tfe_proc_state(pid);

		if (st == 0 || st == 'Z' || st == 'X')
			return true;
		if (fu_now_ms() >= deadline)
			return false;
		fu_sleep_ms(5);
	}
}

static inline int fu_count_fds(pid_t pid)
{
	char path[64];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Wait until @pid holds @want fds (2 s at most); returns the last count. */
static inline int fu_fds_settle(pid_t pid, int want)
{
	long deadline = fu_now_ms() + 2000;
	int n;

	while ((n = fu_count_fds(pid)) != want && fu_now_ms() < deadline)
		fu_sleep_ms(10);
	return n;
}

/* The peer closed @sock (nothing else is expected on it between messages). */
static inline bool fu_sock_eof(int sock)
{
	char c;
	ssize_t n = recv(sock, &c, 1, MSG_PEEK | MSG_DONTWAIT);

	return n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR);
}

/*
 * Collect queue @q until @want completions wait in its done list: 0, or
 * -ECONNRESET once the daemon closed the connection (what was published
 * before is collected), or -ETIMEDOUT.
 */
static inline int fu_vq_wait(struct tfe *t, unsigned int q, unsigned int want, int timeout_ms)
{
	long deadline = fu_now_ms() + timeout_ms;

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = t->vq[q].call_fd, .events = POLLIN },
			{ .fd = t->sock, .events = POLLIN },
		};
		long left;
		int rc = tfe_vq_collect(t, q);

		if (rc < 0)
			return rc;
		if (t->vq[q].ndone >= want)
			return 0;
		left = deadline - fu_now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		rc = poll(pfd, 2, (int)left);
		if (rc < 0 && errno != EINTR)
			return -errno;
		if (rc > 0 && pfd[0].revents)
			tfe_call_drain(t, q);
		if (rc > 0 && pfd[1].revents && fu_sock_eof(t->sock)) {
			tfe_vq_collect(t, q);
			return t->vq[q].ndone >= want ? 0 : -ECONNRESET;
		}
	}
}

/*
 * Send @ncmd sim-control command lines at once (@cmds, each ending in '\n')
 * and read as many replies; 0 when every one is "ok", 1 if one is not,
 * -errno. The helper runs a whole read of commands before answering, so
 * this is one round trip.
 */
static inline int fu_sim_batch(int fd, const char *cmds, size_t len, unsigned int ncmd)
{
	char buf[512];
	size_t got = 0;
	unsigned int lines = 0;
	int bad = 0;

	if (tfe_send_raw(fd, cmds, len) < 0)
		return -EPIPE;
	while (lines < ncmd) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;
		char *nl;

		if (poll(&pfd, 1, TFE_TIMEOUT_MS) <= 0)
			return -ETIMEDOUT;
		n = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (n <= 0)
			return -ECONNRESET;
		got += (size_t)n;
		buf[got] = '\0';
		while ((nl = strchr(buf, '\n'))) {
			*nl = '\0';
			if (strcmp(buf, "ok")) {
				fprintf(stderr, "  sim control answered '%s'\n", buf);
				bad = 1;
			}
			lines++;
			got -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, got + 1);
		}
		if (got >= sizeof(buf) - 1)
			return -EPROTO;
	}
	return bad;
}

#endif /* FAULTS_UTIL_H */
