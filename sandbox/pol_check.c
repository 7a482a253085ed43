// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Compile a parsed policy once, in a child process with a time limit, before
 * anything relies on it. libseccomp 2.5.4 can loop forever on rules that
 * look harmless (seen by fuzzing: "arg1 <= 4 && arg2 == 1 || arg1 <= 4 &&
 * arg2 == 0x100000000"); a daemon that hangs at start-up, or a worker that
 * hangs in its jail, is worse than a clear configuration error. Compiling is
 * deterministic, so a policy that passed here compiles again at load time.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pol.h"
#include "pol_int.h"

/* Child: compile and generate BPF (both steps can loop); the error text goes to @fd. */
static void __attribute__((noreturn)) check_child(const struct pol *pol,
						  const struct pol_options *opts, int fd)
{
	char err[512] = "";
	scmp_filter_ctx ctx;
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	int ret = pol_compile(pol, opts, &ctx, err, sizeof(err));

	if (ret == 0) {
		ret = seccomp_export_bpf(ctx, null);
		if (ret < 0)
			snprintf(err, sizeof(err), "seccomp_export_bpf: %s", strerror(-ret));
		seccomp_release(ctx);
	}
	if (ret < 0 && write(fd, err, strlen(err)) < 0)
		_exit(2);
	_exit(ret < 0 ? 1 : 0);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int pol_check_compiles(const struct pol *pol, const struct pol_options *opts, int timeout_ms,
		       char *err, size_t errlen)
{
	long deadline = now_ms() + timeout_ms;
	int p[2], status = 0;
	bool timed_out = false;
	ssize_t n = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0) {
		int e = errno;

		pol_errf(err, errlen, "pipe: %s", strerror(e));
		return -e;
	}
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(p[0]);
		close(p[1]);
		pol_errf(err, errlen, "fork: %s", strerror(e));
		return -e;
	}
	if (pid == 0) {
		close(p[0]);
		check_child(pol, opts, p[1]);
	}
	close(p[1]);
	for (;;) {
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		long left = deadline - now_ms();
		int r = poll(&pfd, 1, left > 0 ? (int)left : 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r > 0)	/* EOF (the child is done) or its error text */
			n = read(p[0], err, errlen > 0 ? errlen - 1 : 0);
		else
			timed_out = true;	/* a poll error counts as one too */
		break;
	}
	if (timed_out) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		close(p[0]);
		pol_errf(err, errlen, "libseccomp did not finish compiling the policy within "
			 "%d ms (a libseccomp bug some comparisons trigger, e.g. 64-bit values "
			 "in rules that also compare another argument with <, <= or !=); "
			 "simplify its argument conditions", timeout_ms);
		return -ETIMEDOUT;
	}
	/* The pipe is closed or written: the child is exiting. */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	close(p[0]);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (n > 0)
		err[n] = '\0';
	else
		pol_errf(err, errlen, "compiling the policy failed (status 0x%x)",
			 (unsigned int)status);
	return -EINVAL;
}
