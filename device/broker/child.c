// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What every child of the broker does right after fork(): drop the broker's
 * signal set-up and every fd it was not meant to get. The broker is single
 * threaded, so calling malloc/opendir here is safe.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "broker.h"

/*
 * The broker blocks SIGCHLD/SIGTERM/SIGINT (for its signalfd) and ignores
 * SIGPIPE; both survive fork and exec and must not reach the worker or the
 * helper.
 */
void broker_child_reset_signals(void)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigset_t none;

	sigemptyset(&sa.sa_mask);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sa, NULL);	/* fails for glibc's reserved ones: fine */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static int child_cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static bool child_is_kept(int fd, const int *keep, unsigned int nkeep)
{
	for (unsigned int i = 0; i < nkeep; i++)
		if (keep[i] == fd)
			return true;
	return false;
}

/* For kernels before 5.9, which lack close_range(). */
static int child_close_fds_scan(const int *keep, unsigned int nkeep)
{
	struct dirent *de;
	DIR *d;

	d = opendir("/proc/self/fd");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);

		if (*end || end == de->d_name || fd == dirfd(d))
			continue;
		if (!child_is_kept((int)fd, keep, nkeep))
			close((int)fd);
	}
	closedir(d);
	return 0;
}

/* Close every fd not in @keep (at most 8 entries). Returns 0 or -errno. */
int broker_child_close_fds(const int *keep, unsigned int nkeep)
{
	int sorted[8];
	unsigned int lo = 0;

	if (nkeep > 8)
		return -EINVAL;
	for (unsigned int i = 0; i < nkeep; i++)
		sorted[i] = keep[i];
	qsort(sorted, nkeep, sizeof(sorted[0]), child_cmp_int);
	for (unsigned int i = 0; i <= nkeep; i++) {
		unsigned int hi = i < nkeep ? (unsigned int)sorted[i] : ~0U;

		if (i < nkeep && sorted[i] < 0)
			continue;
		if (hi > lo && close_range(lo, hi - 1, 0) < 0)
			return errno == ENOSYS || errno == EINVAL ? child_close_fds_scan(keep, nkeep)
								  : -errno;
		if (i < nkeep)
			lo = hi + 1;
	}
	return 0;
}
