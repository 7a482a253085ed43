// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The SIGSYS report channel (see jail.h). The seccomp default action is
 * SCMP_ACT_TRAP: the kernel sends SIGSYS with si_code SYS_SECCOMP and the
 * refused syscall's number and audit arch in the siginfo. The handler only
 * uses write() and the refused syscall itself, so a policy needs nothing
 * extra for it; the pid is read at install time for the same reason.
 *
 * Why re-issue instead of exiting: death *by SIGSYS* is what the broker and
 * anyone reading a wait status expect from a seccomp kill, and _exit()
 * could not produce it. Inside the handler SIGSYS is blocked, so when the
 * re-issued call traps again the kernel resets the action to SIG_DFL,
 * unblocks it and the forced SIGSYS kills the process, init of a pid
 * namespace included. No SA_RESETHAND: a SIGSYS someone else sent (kill
 * -SYS) just returns and the handler stays in place, so the policies need
 * no rt_sigaction to re-arm it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <seccomp.h>

#include "jail.h"

#ifndef SYS_SECCOMP
#define SYS_SECCOMP	1	/* si_code of a seccomp SIGSYS (asm-generic/siginfo.h) */
#endif

/* Exit status if the re-issued syscall is let through after all. */
#define JAIL_REPORT_EXIT	(128 + SIGSYS)

static volatile int report_fd = -1;
static volatile int32_t report_pid;

/*
 * Self-report mode (the broker): no one reads a pipe for us, so the handler
 * writes one text line to stderr. Names are looked up before the filter is
 * loaded: the handler may not allocate.
 */
#define REPORT_NAMES_MAX	512
static bool report_self;
static char *report_names[REPORT_NAMES_MAX];

/* Async-signal-safe decimal formatting. */
static size_t report_utoa(char *buf, unsigned long v)
{
	char tmp[24];
	size_t n = 0, i = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < sizeof(tmp));
	while (n)
		buf[i++] = tmp[--n];
	return i;
}

static void report_append(char *line, size_t *len, size_t max, const char *s)
{
	while (*s && *len < max)
		line[(*len)++] = *s++;
}

static void report_self_line(int nr)
{
	char line[160], num[24];
	size_t len = 0;

	num[report_utoa(num, (unsigned long)report_pid)] = '\0';
	report_append(line, &len, sizeof(line) - 1, "vhost-user-gpio[");
	report_append(line, &len, sizeof(line) - 1, num);
	report_append(line, &len, sizeof(line) - 1, "]: seccomp: syscall ");
	if (nr >= 0 && nr < REPORT_NAMES_MAX && report_names[nr]) {
		report_append(line, &len, sizeof(line) - 1, report_names[nr]);
		report_append(line, &len, sizeof(line) - 1, " ");
	}
	num[report_utoa(num, (unsigned long)(unsigned int)nr)] = '\0';
	report_append(line, &len, sizeof(line) - 1, "(");
	report_append(line, &len, sizeof(line) - 1, num);
	report_append(line, &len, sizeof(line) - 1, ") refused by the broker's policy; dying\n");
	if (write(STDERR_FILENO, line, len) < 0)
		return;
}


static void report_args(const ucontext_t *uc, long a[6])
{
#if defined(__x86_64__)
	a[0] = uc->uc_mcontext.gregs[REG_RDI];
	a[1] = uc->uc_mcontext.gregs[REG_RSI];
	a[2] = uc->uc_mcontext.gregs[REG_RDX];
	a[3] = uc->uc_mcontext.gregs[REG_R10];
	a[4] = uc->uc_mcontext.gregs[REG_R8];
	a[5] = uc->uc_mcontext.gregs[REG_R9];
#elif defined(__aarch64__)
	/* The kernel restored x0 from orig_x0 before raising SIGSYS. */
	for (int i = 0; i < 6; i++)
		a[i] = (long)uc->uc_mcontext.regs[i];
#else
#error "jail_report.c: add this architecture's syscall argument registers"
#endif
}

static void report_sigsys(int sig, siginfo_t *si, void *ctx)
{
	struct jail_report r;
	long a[6];
	int saved = errno;

	(void)sig;
	if (si->si_code != SYS_SECCOMP) {
		/* kill -SYS from someone: not ours to report. */
		errno = saved;
		return;
	}
	if (report_self)
		report_self_line(si->si_syscall);
	r.magic = JAIL_REPORT_MAGIC;
	r.nr = si->si_syscall;
	r.arch = si->si_arch;
	r.pid = report_pid;
	if (report_fd >= 0 && write(report_fd, &r, sizeof(r)) < 0)
		r.magic = 0;	/* nothing better to do: dying anyway */
	report_args(ctx, a);
	syscall(si->si_syscall, a[0], a[1], a[2], a[3], a[4], a[5]);
	_exit(JAIL_REPORT_EXIT);
}

static void report_arm(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = report_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigfillset(&sa.sa_mask);
	sigaction(SIGSYS, &sa, NULL);
}

int jail_report_install_self(void)
{
	for (int nr = 0; nr < REPORT_NAMES_MAX; nr++)
		report_names[nr] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
	report_self = true;
	return jail_report_install(-1);
}

int jail_report_install(int fd)
{
	sigset_t set;

	report_self = fd < 0 && report_self;
	report_fd = fd;
	report_pid = (int32_t)getpid();
	report_arm();
	sigemptyset(&set);
	sigaddset(&set, SIGSYS);
	/* A blocked forced signal kills without running the handler: unblock. */
	return sigprocmask(SIG_UNBLOCK, &set, NULL) < 0 ? -errno : 0;
}

int jail_report_read(int fd, struct jail_report *r)
{
	ssize_t n;

	if (fd < 0)
		return -ENODATA;
	do
		n = read(fd, r, sizeof(*r));
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -ENODATA;
	if ((size_t)n != sizeof(*r) || r->magic != JAIL_REPORT_MAGIC)
		return -EBADMSG;
	return 0;
}

void jail_report_syscall(const struct jail_report *r, char *buf, size_t len)
{
	char *name = seccomp_syscall_resolve_num_arch(r->arch, r->nr);

	/* The record comes from the jailed process: the name only ever comes from us. */
	snprintf(buf, len, "%s", name ? name : "?");
	free(name);
}
