// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Shared pieces of the fuzz targets, see fz.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"
#include "fz.h"

int fz_report_fd = STDERR_FILENO;
int fz_log_level = LOG_LVL_ERROR;

static int fz_fds_before = -1;
static int fz_fd_dir = -1;	/* /proc/self/fd of fz_fd_dir_pid, kept open: rewound per count */
static pid_t fz_fd_dir_pid;

/* Sanitizer runtimes provide it; it prints to their report fd, which libFuzzer keeps. */
void __sanitizer_report_error_summary(const char *error_summary) __attribute__((weak));

size_t fz_take(struct fz_in *in, void *dst, size_t n)
{
	size_t k = n < in->n ? n : in->n;

	memcpy(dst, in->p, k);
	memset((uint8_t *)dst + k, 0, n - k);
	in->p += k;
	in->n -= k;
	return k;
}

void fz_fail(const char *file, int line, const char *what)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "fuzz invariant violated at %s:%d: %s", file, line, what);
	dprintf(fz_report_fd, "%s\n", msg);
	if (__sanitizer_report_error_summary)
		__sanitizer_report_error_summary(msg);
	abort();
}

void fz_setup(const char *role)
{
	log_init(role, (enum log_level)fz_log_level);
	signal(SIGPIPE, SIG_IGN);
}

/*
 * Open fds, from /proc/self/fd: a handful of syscalls, whatever the fd numbers.
 * The directory stays open (it counts itself before and after alike); a
 * process forked since (the standalone driver's child) opens its own, as
 * the inherited one lists the parent's fds.
 */
static int fz_fds_count(void)
{
	char buf[4096];
	pid_t pid = getpid();
	int n = 0;
	long got;

	if (fz_fd_dir >= 0 && fz_fd_dir_pid == pid) {
		FZ_ASSERT(lseek(fz_fd_dir, 0, SEEK_SET) == 0);
	} else {
		if (fz_fd_dir >= 0)
			close(fz_fd_dir);
		fz_fd_dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		fz_fd_dir_pid = pid;
	}
	FZ_ASSERT(fz_fd_dir >= 0);
	while ((got = syscall(SYS_getdents64, fz_fd_dir, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < got;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);

			n += d->d_name[0] != '.';
			off += d->d_reclen;
		}
	}
	FZ_ASSERT(got == 0);
	return n;
}

void fz_fds_mark(void)
{
	fz_fds_before = fz_fds_count();
}

void fz_fds_check(void)
{
	int now;

	if (fz_fds_before < 0)
		return;
	now = fz_fds_count();
	if (now != fz_fds_before) {
		char what[80];

		snprintf(what, sizeof(what), "%d fds open before the input, %d after",
			 fz_fds_before, now);
		fz_fail(__FILE__, __LINE__, what);
	}
}

long fz_send_fds(int sock, const void *buf, size_t len, const int *fds, unsigned int nfds)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	char *ctl = NULL;
	ssize_t n;

	if (nfds) {
		struct cmsghdr *cm;

		ctl = calloc(1, CMSG_SPACE(nfds * sizeof(int)));
		if (!ctl)
			return -1;
		mh.msg_control = ctl;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	free(ctl);
	return n;
}

void fz_nonblock(int fd, bool on)
{
	int flags = fcntl(fd, F_GETFL);

	FZ_ASSERT(flags >= 0);
	flags = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
	FZ_ASSERT(fcntl(fd, F_SETFL, flags) == 0);
}
