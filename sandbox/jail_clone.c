// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fork into new namespaces. syscall(SYS_clone) with only SIGCHLD and
 * CLONE_NEW* flags and no stack behaves like fork() (copy-on-write, the
 * child returns 0), which glibc's clone() wrapper does not offer.
 *
 * In a new pid namespace the child is its init (PID 1):
 *  - the broker still reaps it (it is our child; waitpid sees its pid in
 *    our namespace);
 *  - SIGKILL from the broker or a test still kills it (sent from an
 *    ancestor namespace, it is forced);
 *  - PR_SET_PDEATHSIG still works: the dying parent is not visible in the
 *    child's namespace, so the kernel forces that signal as well;
 *  - but getppid() returns 0, and a signal it has no handler for is
 *    ignored: jail.c installs SIGTERM/SIGINT/SIGHUP handlers for that.
 *
 * A user namespace is added when we lack CAP_SYS_ADMIN (a broker that is
 * not root): the other namespaces are then owned by it and creating them
 * needs no privilege. UNTESTED as a whole on machines that forbid
 * unprivileged user namespaces (sysctl, AppArmor): clone fails with EPERM
 * there, and that failure is fatal like any other jail step.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include "jail.h"
#include "log.h"

static bool clone_pidns, clone_mntns, clone_userns;

bool jail_in_new_pidns(void)
{
	return clone_pidns;
}

bool jail_in_new_mntns(void)
{
	return clone_mntns;
}

bool jail_in_userns(void)
{
	return clone_userns;
}

void jail_note_unshared(int flags)
{
	clone_mntns |= (flags & CLONE_NEWNS) != 0;
	clone_userns |= (flags & CLONE_NEWUSER) != 0;
}

static int write_proc_self(const char *file, const char *text)
{
	char path[64];
	size_t len = strlen(text);
	ssize_t n;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/proc/self/%s", file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	close(fd);
	return ret;
}

/* One id each way; setgroups must be denied before an unprivileged gid_map. */
int jail_userns_map(uid_t uid, gid_t gid)
{
	char line[64];
	int ret;

	ret = write_proc_self("setgroups", "deny");
	if (ret < 0 && ret != -ENOENT)
		return ret;
	snprintf(line, sizeof(line), "0 %u 1\n", (unsigned int)uid);
	ret = write_proc_self("uid_map", line);
	if (ret < 0)
		return ret;
	snprintf(line, sizeof(line), "0 %u 1\n", (unsigned int)gid);
	return write_proc_self("gid_map", line);
}

pid_t jail_clone(int ns)
{
	/* Read before clone: inside a fresh user ns they are the overflow ids. */
	uid_t uid = geteuid();
	gid_t gid = getegid();
	long pid;
	int ret;

	if (ns && !caps_have_effective(CAP_SYS_ADMIN))
		ns |= CLONE_NEWUSER;
	pid = syscall(SYS_clone, (unsigned long)(SIGCHLD | ns), NULL, NULL, NULL, NULL);
	if (pid < 0)
		return -errno;
	if (pid > 0)
		return (pid_t)pid;
	clone_pidns = (ns & CLONE_NEWPID) != 0;
	clone_mntns = (ns & CLONE_NEWNS) != 0;
	clone_userns = (ns & CLONE_NEWUSER) != 0;
	if (clone_userns) {
		ret = jail_userns_map(uid, gid);
		if (ret < 0) {
			log_err("jail: user namespace: writing uid/gid maps: %s", strerror(-ret));
			_exit(1);
		}
	}
	return 0;
}

/* Our parent as the /proc we still see (the parent's) knows it. */
static pid_t proc_ppid(void)
{
	char buf[1024], *p;
	ssize_t n;
	int fd;

	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "\nPPid:");
	return p ? (pid_t)strtol(p + 6, NULL, 10) : -1;
}

/*
 * After PR_SET_PDEATHSIG: if the parent died before, we were re-parented
 * and nobody would ever kill us. getppid() says 0 in a new pid namespace,
 * but /proc is still the parent's mount and reports pids in its namespace.
 */
bool jail_parent_alive(pid_t parent)
{
	if (!clone_pidns)
		return getppid() == parent;
	return proc_ppid() == parent;
}
