// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The helper binds its sim-control socket on the host filesystem and then
 * pivots into an empty root: from there it can no longer unlink the file.
 * Keeping a directory fd instead would let a compromised helper (uid 0,
 * even without capabilities) unlink or open anything under it, so a tiny
 * process forked before the jail does that one job ("unlinker"):
 *
 *   - it keeps only stderr and the read end of a pipe, drops every
 *     capability, sets no_new_privs and tight rlimits, leaves the network
 *     and ipc namespaces, and ignores terminal signals;
 *   - it blocks in read() until the helper closes the pipe, at its exit or
 *     by dying, then removes the path if it is still the very socket the
 *     helper bound (same device and inode: never a newer one);
 *   - the helper waits for it at exit, so the file is gone by the time the
 *     helper's exit status is visible.
 *
 * Under the broker the helper is PID 1 of a pid namespace, and when it is
 * killed the kernel kills the unlinker too; the broker unlinks the path on
 * its way out for that case (it knows the path and outlives the helper).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#include "jail.h"
#include "log.h"

/* stderr, the pipe, the pinned socket inode, and a spare for libc. */
#define UNLINKER_NOFILE	5

static void unlinker_limits(void)
{
	const struct rlimit zero = { 0, 0 }, nofile = { UNLINKER_NOFILE, UNLINKER_NOFILE };

	setrlimit(RLIMIT_NOFILE, &nofile);
	setrlimit(RLIMIT_NPROC, &zero);
	setrlimit(RLIMIT_CORE, &zero);
}

static void __attribute__((noreturn)) unlinker_main(int fd, const char *path,
						    const struct stat *bound)
{
	struct sigaction sa = { .sa_handler = SIG_IGN };
	struct stat st, pinned;
	int pin;
	char c;

	log_set_role("helper-unlinker");
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/*
	 * Hold the socket's inode: while we have it open its number cannot be
	 * given to another file, so "same device and inode" later really
	 * means the same socket (some filesystems reuse numbers at once).
	 */
	pin = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (pin < 0 || fstat(pin, &pinned) < 0 || pinned.st_dev != bound->st_dev ||
	    pinned.st_ino != bound->st_ino)
		_exit(1);
	{
		const int keep[] = { STDERR_FILENO, fd, pin };

		if (jail_close_fds(keep, 3) < 0)
			_exit(1);
	}
	if (caps_have_effective(CAP_SYS_ADMIN) && unshare(CLONE_NEWNET | CLONE_NEWIPC) < 0)
		log_warn("unshare: %s", strerror(errno));
	unlinker_limits();
	if (caps_drop_all() < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		log_err("cannot drop privileges; %s will not be removed", path);
		_exit(1);
	}
	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == pinned.st_dev &&
	    st.st_ino == pinned.st_ino && unlink(path) < 0)
		log_warn("%s: unlink: %s", path, strerror(errno));
	_exit(0);
}

int jail_unlinker_start(struct jail_unlinker *u, const char *path)
{
	struct stat st;
	int p[2], ret;
	pid_t pid;

	u->pid = 0;
	u->fd = -1;
	if (lstat(path, &st) < 0)
		return -errno;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(p[0]);
		close(p[1]);
		return ret;
	}
	if (pid == 0) {
		close(p[1]);
		unlinker_main(p[0], path, &st);
	}
	close(p[0]);
	u->pid = pid;
	u->fd = p[1];
	return 0;
}

void jail_unlinker_finish(struct jail_unlinker *u)
{
	if (!u->pid)
		return;
	close(u->fd);
	u->fd = -1;
	while (waitpid(u->pid, NULL, 0) < 0 && errno == EINTR)
		;
	u->pid = 0;
}
