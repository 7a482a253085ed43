// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vug-bench floor: the cheapest round trip two processes can make through
 * eventfds, the same wake-up path a kick and a call take. The parent writes
 * the ping eventfd and waits for the pong one; the child does the opposite.
 * Both sides poll() and then read(), as the benchmark and an event-loop
 * back-end do, so "N x the floor" compares like with like. Every figure of
 * a request or interrupt contains at least one such round trip.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "bench.h"

#define FLOOR_TIMEOUT_MS	2000
#define FLOOR_STOP		2	/* a value other than 1 ends the child */

static int wait_read(int fd, uint64_t *val)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int rc;

	do {
		rc = poll(&p, 1, FLOOR_TIMEOUT_MS);
	} while (rc < 0 && errno == EINTR);
	if (rc <= 0)
		return rc < 0 ? -errno : -ETIMEDOUT;
	if (read(fd, val, sizeof(*val)) != sizeof(*val))
		return -errno;
	return 0;
}

static int put(int fd, uint64_t val)
{
	return write(fd, &val, sizeof(val)) == sizeof(val) ? 0 : -errno;
}

static void child(int ping, int pong)
{
	uint64_t v;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	while (wait_read(ping, &v) == 0 && v == 1)
		if (put(pong, 1) < 0)
			break;
	_exit(0);
}

/* @n round trips into @samples (ns). */
int bfl_run(uint64_t *samples, unsigned int n)
{
	int ping = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int pong = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int rc = 0, status;
	uint64_t v;
	pid_t pid;

	if (ping < 0 || pong < 0) {
		rc = -errno;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		goto out;
	}
	if (pid == 0)
		child(ping, pong);
	for (unsigned int i = 0; i < n && rc == 0; i++) {
		uint64_t t0 = bench_now_ns();

		rc = put(ping, 1);
		if (rc == 0)
			rc = wait_read(pong, &v);
		samples[i] = bench_now_ns() - t0;
	}
	put(ping, FLOOR_STOP);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rc < 0)
		fprintf(stderr, "vug-bench: floor ping-pong: %s\n", strerror(-rc));
out:
	if (ping >= 0)
		close(ping);
	if (pong >= 0)
		close(pong);
	return rc;
}
