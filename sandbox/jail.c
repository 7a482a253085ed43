// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * jail_enter(): the jail of a worker (in the child jail_clone() made, before
 * worker_run() reads a byte from the front-end) and of the helper (after it
 * opened its chips and bound the sim-control socket, before it serves).
 * The order, and why each step is where it is:
 *
 *  0. pid-1 signals: in a new pid namespace we are its init, and the kernel
 *     drops signals an init has no handler for; SIGTERM/SIGINT/SIGHUP get
 *     a handler that exits, so the broker's shutdown SIGTERM still works.
 *  1. seccomp prepare: the hook may read policy files, so it runs while
 *     the host filesystem is still visible.
 *  2. namespaces (helper only; a worker got them from clone()): mount, net,
 *     ipc, and a user namespace first when we lack CAP_SYS_ADMIN. Every
 *     later mount step changes only this private copy of the mount table.
 *  3. mounts: propagation private on / (recursively), so nothing we do
 *     leaks back to the host and pivot_root() accepts the tree; an empty
 *     tmpfs (mode 0555, nosuid, nodev, noexec, 16 KiB) on a scratch dir;
 *     pivot_root(".", ".") into it and umount2(".", MNT_DETACH) of the
 *     old root stacked on top, chdir("/"), then remount the new root
 *     read-only. Needs CAP_SYS_ADMIN, so before step 6.
 *  4. fds: close everything not on the keep list (close_range). After the
 *     mounts so that nothing the earlier steps opened survives; before the
 *     rlimits because RLIMIT_NOFILE caps fd numbers, not fds already open.
 *  5. rlimits, soft = hard: NOFILE (o->nofile), NPROC 0, FSIZE 0, CORE 0
 *     (no core file of guest memory). Before dropping capabilities, and
 *     with hard = soft, so they cannot be raised again (raising needs
 *     CAP_SYS_RESOURCE). Notes: NPROC does not bind uid 0 in the initial
 *     user namespace (the kernel exempts it; seccomp's clone rules do the
 *     job there); FSIZE stays as it is when stdout or stderr is a regular
 *     file, or the first log line would kill us with SIGXFSZ.
 *  6. capabilities: lock the securebits (NOROOT: uid 0 gains nothing from
 *     exec), then clear effective, permitted, inheritable, ambient and the
 *     bounding set; both need CAP_SETPCAP, so they come last among the
 *     privileged steps. Checked afterwards, not trusted.
 *  7. no_new_privs: after the capability drop (it does not need any), and
 *     before seccomp, which requires it from an unprivileged process.
 *  8. SIGSYS report handler (jail_report.c): installed before the filter
 *     that makes it necessary.
 *  9. seccomp, last: the filter needs to allow none of the steps above.
 *
 * With o->sandbox false (--no-sandbox) only step 4 runs. Any failure is
 * logged as "jail (ROLE): STEP: error" and returned; the caller exits.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include "jail.h"
#include "log.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
/*
 * Sanitizer builds only (make check-san): LeakSanitizer's end-of-process
 * check reads /proc/self/task and /proc/self/maps, which the empty root
 * takes away, and then fails the process. Run the check now, while /proc
 * is there; it then does not run again at exit. The jail itself is the
 * same as in a normal build.
 */
void jail_sanitizer_check(void)
{
	__lsan_do_leak_check();
}
#else
void jail_sanitizer_check(void)
{
}
#endif

/* Where the empty root is mounted first; the first one that exists wins. */
static const char *const jail_scratch[] = { "/tmp", "/mnt", "/var/empty", "/dev" };

#define JAIL_TMPFS_OPTS	"size=16k,nr_inodes=4,mode=0555"

static int jail_fail(const struct jail_opts *o, const char *step, int err)
{
	log_err("jail (%s): %s: %s", o->role, step, strerror(-err));
	return err;
}

static void jail_pid1_exit(int sig)
{
	_exit(128 + sig);
}

static int jail_pid1_signals(void)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = jail_pid1_exit;
	sigfillset(&sa.sa_mask);
	for (unsigned int i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL) < 0)
			return -errno;
	return 0;
}

static int jail_unshare(int flags)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	int ret;

	if (!flags)
		return 0;
	if (!caps_have_effective(CAP_SYS_ADMIN))
		flags |= CLONE_NEWUSER;
	if (unshare(flags) < 0)
		return -errno;
	jail_note_unshared(flags);
	if (flags & CLONE_NEWUSER) {
		ret = jail_userns_map(uid, gid);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int jail_mounts(const char **step)
{
	const char *dir = NULL;

	*step = "mount namespace";
	if (!jail_in_new_mntns())
		return -EPERM;	/* never remount the host's tree */
	*step = "making mounts private";
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	*step = "mounting the empty root";
	for (unsigned int i = 0; i < sizeof(jail_scratch) / sizeof(jail_scratch[0]); i++) {
		if (mount("vug-jail", jail_scratch[i], "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  JAIL_TMPFS_OPTS) == 0) {
			dir = jail_scratch[i];
			break;
		}
		if (errno != ENOENT && errno != ENOTDIR)
			return -errno;
	}
	if (!dir)
		return -ENOENT;
	*step = "chdir to the empty root";
	if (chdir(dir) < 0)
		return -errno;
	*step = "pivot_root";
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return -errno;
	*step = "detaching the old root";
	if (umount2(".", MNT_DETACH) < 0)
		return -errno;
	*step = "chdir /";
	if (chdir("/") < 0)
		return -errno;
	*step = "remounting the root read-only";
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV |
		  MS_NOEXEC, NULL) < 0)
		return -errno;
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Without close_range() (Linux < 5.9): one close() per possible fd. */
static void close_fds_slow(unsigned int lo, unsigned int hi)
{
	long max = sysconf(_SC_OPEN_MAX);

	if (max > 0 && hi > (unsigned int)max)
		hi = (unsigned int)max;
	for (unsigned int fd = lo; fd <= hi; fd++)
		close((int)fd);
}

int jail_close_fds(const int *keep, unsigned int nkeep)
{
	int sorted[JAIL_MAX_KEEP];
	unsigned int lo = 0;

	if (nkeep > JAIL_MAX_KEEP)
		return -EINVAL;
	memcpy(sorted, keep, nkeep * sizeof(keep[0]));
	qsort(sorted, nkeep, sizeof(sorted[0]), cmp_int);
	for (unsigned int i = 0; i <= nkeep; i++) {
		unsigned int hi = i < nkeep ? (unsigned int)sorted[i] : ~0U;

		if (i < nkeep && (sorted[i] < 0 || (unsigned int)sorted[i] < lo))
			continue;	/* unused slot, or a duplicate */
		if (hi > lo && close_range(lo, hi - 1, 0) < 0) {
			if (errno != ENOSYS)
				return -errno;
			close_fds_slow(lo, hi - 1);
		}
		lo = hi + 1;
	}
	return 0;
}

static bool fd_is_regular_file(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

static int jail_rlimit(int resource, rlim_t value)
{
	struct rlimit rl;

	if (getrlimit(resource, &rl) < 0)
		return -errno;
	/* Lowering only: the hard limit cannot go up without CAP_SYS_RESOURCE. */
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < value)
		value = rl.rlim_max;
	rl.rlim_cur = rl.rlim_max = value;
	return setrlimit(resource, &rl) < 0 ? -errno : 0;
}

static int jail_rlimits(const struct jail_opts *o, const char **step)
{
	int ret;

	*step = "RLIMIT_NOFILE";
	ret = jail_rlimit(RLIMIT_NOFILE, o->nofile);
	*step = "RLIMIT_NPROC";
	if (!ret)
		ret = jail_rlimit(RLIMIT_NPROC, 0);
	*step = "RLIMIT_CORE";
	if (!ret)
		ret = jail_rlimit(RLIMIT_CORE, 0);
	if (ret)
		return ret;
	*step = "RLIMIT_FSIZE";
	if (fd_is_regular_file(STDOUT_FILENO) || fd_is_regular_file(STDERR_FILENO)) {
		log_debug("jail (%s): RLIMIT_FSIZE left alone: the log goes to a file", o->role);
		return 0;
	}
	return jail_rlimit(RLIMIT_FSIZE, 0);
}

static int jail_caps(const char **step)
{
	int ret;

	*step = "locking securebits";
	ret = caps_lock_securebits();
	if (ret < 0)
		return ret;
	*step = "dropping capabilities";
	return caps_drop_all();
}

int jail_enter(const struct jail_opts *o)
{
	const char *step = "closing fds";
	int ret;

	if (!o->sandbox) {
		ret = o->keep ? jail_close_fds(o->keep, o->nkeep) : 0;
		return ret < 0 ? jail_fail(o, step, ret) : 0;
	}
	if (jail_in_new_pidns() && (ret = jail_pid1_signals()) < 0)
		return jail_fail(o, "pid-1 signal handlers", ret);
	ret = jail_seccomp_prepare(o, o->policy);
	if (ret < 0)
		return jail_fail(o, "seccomp policy", ret);
	ret = jail_unshare(o->unshare_flags);
	if (ret < 0)
		return jail_fail(o, "unshare", ret);
	jail_sanitizer_check();
	ret = jail_mounts(&step);
	if (ret < 0)
		return jail_fail(o, step, ret);
	step = "closing fds";
	ret = o->keep ? jail_close_fds(o->keep, o->nkeep) : 0;
	if (ret < 0)
		return jail_fail(o, step, ret);
	ret = jail_rlimits(o, &step);
	if (ret < 0)
		return jail_fail(o, step, ret);
	ret = jail_caps(&step);
	if (ret < 0)
		return jail_fail(o, step, ret);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return jail_fail(o, "no_new_privs", -errno);
	ret = jail_report_install(o->report_fd);
	if (ret < 0)
		return jail_fail(o, "SIGSYS report handler", ret);
	ret = jail_seccomp(o, o->policy);
	if (ret < 0)
		return jail_fail(o, "seccomp", ret);
	log_debug("jail (%s): entered", o->role);
	return 0;
}
