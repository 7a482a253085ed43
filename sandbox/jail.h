/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The jail of the worker and the helper, and the privileges the broker
 * keeps to build it:
 *   jail.c         jail_enter(): the ordered steps (order and reasons there)
 *   jail_clone.c   jail_clone(): fork into new namespaces; user ns maps
 *   caps.c         capability sets (libcap-ng)
 *   jail_report.c  SIGSYS report channel: worker/helper -> broker
 *   jail_unlink.c  removes the helper's sim-control socket after it exits
 *   jail_probe.c   VUG_TEST_WORKER_PROBE, a test-only trigger
 *   jail_seccomp.c the seccomp hook (the policy compiler plugs in there)
 *
 * Calls return 0 or -errno. jail_enter() logs the step that failed; the
 * caller must then exit: never serve half-jailed.
 */
#ifndef JAIL_H
#define JAIL_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "ipc.h"

/*
 * RLIMIT_NOFILE of a worker. It limits fd *numbers* for new fds, and new
 * fds take the lowest free numbers, so this counts what can be open at once:
 *   3   stdin, stdout, stderr
 *   3   vhost-user connection, helper session, SIGSYS report pipe
 *   3   libevent 2.1: epoll fd and its internal signal pipe (2 ends)
 *   6   2 queues x kick, call and err eventfds
 *  32   SET_MEM_TABLE: up to VU_MAX_FDS region fds arrive in one message
 *       (they are closed once mapped; one message is handled at a time, so
 *       this also covers the new fd of a SET_VRING_* replacing an old one)
 *  = 47; 64 leaves room for the test probe and libc. Too low shows as
 *  MSG_CTRUNC on SET_MEM_TABLE (the connection fails loudly), not as a
 *  hang; tests/integration/test_jail.c sends such a table.
 * + IPC_MAX_LINE_CAPS line request fds the helper may hand over (one at a
 *  time, each in its own message; the sim table fd is closed once mapped).
 */
#define JAIL_WORKER_NOFILE	(64 + IPC_MAX_LINE_CAPS)

/*
 * RLIMIT_NOFILE of the helper: JAIL_HELPER_NOFILE_BASE + PER_DEV x devices.
 * Base: 3 stdio, control channel, report pipe, unlinker pipe, 3 libevent
 * (epoll fd, signal pipe), sim-control listener, 16 sim-control
 * clients (SIM_CLIENTS_MAX), 1 fd arriving with SESSION_OPEN = 28, rounded
 * to 32. Per device: chip fd and line-request or event fd (2), the session
 * of the connected worker and one of a worker still being torn down (2),
 * the line-state memfd (--state-fds) or a simulated chip's own table (1).
 * 64 devices (IPC_MAX_DEVICES) give 352.
 */
#define JAIL_HELPER_NOFILE_BASE		32
#define JAIL_HELPER_NOFILE_PER_DEV	5

/* Namespaces a worker is cloned into (user ns added when unprivileged). */
#define JAIL_WORKER_NS	(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC)
/* The helper: cloned into a pid ns by the broker, then unshares the rest. */
#define JAIL_HELPER_CLONE_NS	CLONE_NEWPID
#define JAIL_HELPER_UNSHARE_NS	(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC)

#define JAIL_MAX_KEEP	16

/* The warning --no-sandbox prints at start and at every worker start. */
#define JAIL_NO_SANDBOX_WARNING \
	"SANDBOX DISABLED: for debugging only; the worker runs with the broker's privileges"

struct jail_opts {
	const char *role;	/* "worker", "helper": names the process in logs */
	const char *policy;	/* seccomp policy name: "worker", "helper" */
	bool sandbox;		/* false (--no-sandbox): only the fd step runs */
	/*
	 * Namespaces to unshare now (the helper). A worker was given its
	 * namespaces by jail_clone() and passes 0. Either way jail_enter()
	 * refuses to touch mounts outside a mount ns of our own.
	 */
	int unshare_flags;
	const int *keep;	/* fds that survive; NULL: leave the fds alone */
	unsigned int nkeep;	/* at most JAIL_MAX_KEEP */
	rlim_t nofile;		/* RLIMIT_NOFILE, soft = hard */
	int report_fd;		/* write end of the SIGSYS report pipe, or -1 */
};

/*
 * Sanitizer builds: run LeakSanitizer's check now, before a jail or filter
 * takes away what its end-of-process check needs (/proc, ptrace). A no-op
 * in normal builds. jail_enter() calls it; the broker before its filter.
 */
void jail_sanitizer_check(void);

/* jail.c: every step in order; logs "jail (ROLE): STEP: error" on failure. */
int jail_enter(const struct jail_opts *o);
/* Close every fd not in @keep (at most JAIL_MAX_KEEP entries; -1 entries ignored). */
int jail_close_fds(const int *keep, unsigned int nkeep);

/*
 * jail_clone.c. Like fork(), into the namespaces in @ns (0: plain fork).
 * Adds CLONE_NEWUSER when we lack CAP_SYS_ADMIN (unprivileged broker) and
 * then, in the child, maps uid/gid 0 of the new user ns to our euid/egid
 * (setgroups denied) before returning 0 there; a child that cannot do so
 * logs why and exits 1. Returns the child's pid (in our pid namespace) in
 * the parent, 0 in the child, -errno on failure.
 */
pid_t jail_clone(int ns);
/* In a clone()d child: is @parent (its pid in the parent's ns) still our parent? */
bool jail_parent_alive(pid_t parent);
/* Set up by jail_clone() in the child. */
bool jail_in_new_pidns(void);
bool jail_in_new_mntns(void);
bool jail_in_userns(void);
/* Mark namespaces created by unshare() (jail.c). */
void jail_note_unshared(int flags);
/*
 * In a user ns we just created: map 0 inside to @uid/@gid outside (our ids
 * before the ns existed), with setgroups denied, the only mapping an
 * unprivileged process may write for itself. Root inside, so that an
 * exec'd helper keeps its capabilities there until it drops them itself.
 */
int jail_userns_map(uid_t uid, gid_t gid);

/* caps.c */
int caps_drop_all(void);
/* The broker's set: CAP_SYS_ADMIN and CAP_SETPCAP only (see caps.c). */
int caps_limit_broker(void);
bool caps_have_effective(unsigned int cap);
/* Lock securebits so uid 0 never regains capabilities (needs CAP_SETPCAP). */
int caps_lock_securebits(void);

/*
 * jail_report.c. A process under seccomp installs the SIGSYS handler; when
 * the filter traps a syscall (SCMP_ACT_TRAP) the handler writes one
 * struct jail_report with one write() to @fd, then re-issues the syscall
 * with its original arguments: trapping again while SIGSYS is blocked in
 * the handler, the kernel kills the process with SIGSYS (a forced signal,
 * which also kills a pid namespace's init). SIGSYS not sent by seccomp is
 * ignored.
 */
#define JAIL_REPORT_MAGIC	0x7675674aU	/* "Jguv" */

struct jail_report {
	uint32_t magic;
	int32_t nr;		/* si_syscall */
	uint32_t arch;		/* si_arch: AUDIT_ARCH_* == SCMP_ARCH_* */
	int32_t pid;		/* getpid() in the jailed process's pid ns */
};

int jail_report_install(int fd);
/*
 * The broker's variant: its own violations are reported as a text line on
 * stderr (name and number), as nobody reads a pipe for it. A worker forked
 * from it replaces the handler with jail_report_install(pipe).
 */
int jail_report_install_self(void);
/*
 * Broker side: read the record of a dead process from @fd (non-blocking).
 * Returns 0, -ENODATA when there is none, -EBADMSG for a malformed one.
 */
int jail_report_read(int fd, struct jail_report *r);
/* Syscall name for @r, e.g. "socket"; "?" when libseccomp does not know it. */
void jail_report_syscall(const struct jail_report *r, char *buf, size_t len);

/* jail_unlink.c: the helper's sim-control socket, removed after the jail. */
struct jail_unlinker {
	pid_t pid;		/* 0: none */
	int fd;			/* write end; closing it asks for the unlink */
};

int jail_unlinker_start(struct jail_unlinker *u, const char *path);
void jail_unlinker_finish(struct jail_unlinker *u);

/*
 * jail_probe.c. VUG_TEST_WORKER_PROBE (tests only; read by the broker at
 * start-up, never reachable by a guest or a front-end): a comma-separated
 * list of "open", "socket", "ls", run by the worker after its jail and
 * before it serves. jail_probe_check() returns 0 or -EINVAL.
 */
#define JAIL_PROBE_ENV	"VUG_TEST_WORKER_PROBE"
int jail_probe_check(const char *spec);
void jail_probe_run(const char *spec);

/*
 * jail_seccomp.c: policies from the policy directory (see there).
 * configure: @dir NULL picks the default (policy/<arch> beside a source
 * tree's build directory, else the installed one). prepare parses (and
 * logs file:line errors); jail_seccomp() loads, last. jail_policy_file()
 * names the file for logs.
 */
int jail_seccomp_configure(const char *dir, bool log_mode);
const char *jail_seccomp_dir(void);
bool jail_seccomp_log_mode(void);
int jail_seccomp_parse(const char *policy_name, char *err, size_t errlen);
int jail_seccomp_prepare(const struct jail_opts *o, const char *policy_name);
int jail_seccomp(const struct jail_opts *o, const char *policy_name);
int jail_seccomp_print(const char *policy_name, int fd);
const char *jail_policy_file(const char *policy_name, char *buf, size_t len);

#endif /* JAIL_H */
