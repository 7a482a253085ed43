// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sandbox/pol_*: policies loaded into the kernel. Each case forks a child
 * that sets no_new_privs, loads a small policy with pol_load(), makes raw
 * syscall(2) calls (no libc wrappers that might make other syscalls, and no
 * sanitizer runtime work) and leaves with a raw exit_group. The parent
 * reads the verdict from the wait status: exit 0 = every check passed,
 * SIGSYS = the filter killed the child.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../harness.h"
#include "../../sandbox/pol.h"

#define SETUP_FAILED	100

/* What the child runs after loading; set by the parent before fork. */
static uint64_t call_args[8][2];
static unsigned int ncalls;

static _Noreturn void raw_exit(int code)
{
	syscall(SYS_exit_group, code);
	for (;;)
		;
}

/*
 * Fork, load @policy in the child (no_new_privs set by the child itself, as
 * the jail does, unless @o->nnp), run @body, return the wait status.
 */
static int run(const char *policy, const struct pol_options *o, int (*body)(void))
{
	struct rlimit no_core = { 0, 0 };
	int status = -1;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		char err[256];
		struct pol *p;

		/* A SIGSYS kill would dump core otherwise. */
		setrlimit(RLIMIT_CORE, &no_core);
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		if (!o || !o->nnp)
			prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		p = pol_parse_string(policy, "child.policy", seccomp_arch_native(), err,
				     sizeof(err));
		if (!p || pol_load(p, o, err, sizeof(err)) < 0) {
			fprintf(stderr, "  child setup: %s\n", err);
			_exit(SETUP_FAILED);
		}
		/* p is not freed: free() after the load is outside the policy's business. */
		raw_exit(body());
	}
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	return status;
}

static int exited_ok(int st)
{
	if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		fprintf(stderr, "  child status %#x (exit %d, signal %d)\n", st,
			WIFEXITED(st) ? WEXITSTATUS(st) : -1, WIFSIGNALED(st) ? WTERMSIG(st) : -1);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static int killed_by_sigsys(int st)
{
	if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS))
		fprintf(stderr, "  child status %#x: expected SIGSYS\n", st);
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS;
}

static const char base[] = "exit_group: 1\n";

static int body_basic(void)
{
	if (syscall(SYS_getpid) <= 0)
		return 1;
	if (syscall(SYS_getppid) != -1 || errno != EACCES)
		return 2;
	if (syscall(SYS_getuid) != -1 || errno != ENOENT)
		return 3;
	return 0;
}

static int body_gettid(void)
{
	return syscall(SYS_gettid) > 0 ? 0 : 1;
}

static void test_allow_errno_kill(void)
{
	char policy[256];

	snprintf(policy, sizeof(policy), "%sgetpid: 1\ngetppid: return EACCES\n"
		 "getuid: return ENOENT\n", base);
	CHECK(exited_ok(run(policy, NULL, body_basic)));
	CHECK(killed_by_sigsys(run(policy, NULL, body_gettid)));
}

static void test_log_mode(void)
{
	struct pol_options o = { .log = true };
	char policy[256];

	/* gettid is not listed: logged and allowed; return rules still return. */
	snprintf(policy, sizeof(policy), "%sgetpid: 1\ngetppid: return EACCES\n"
		 "getuid: return ENOENT\n", base);
	CHECK(exited_ok(run(policy, &o, body_gettid)));
	CHECK(exited_ok(run(policy, &o, body_basic)));
}

static int body_nnp(void)
{
	return syscall(SYS_prctl, PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 0 : 1;
}

static void test_nnp_option(void)
{
	struct pol_options o = { .nnp = true };
	char policy[128];

	/* The child does not set no_new_privs here; seccomp_load must. */
	snprintf(policy, sizeof(policy), "%sprctl: arg0 == PR_GET_NO_NEW_PRIVS\n", base);
	CHECK(exited_ok(run(policy, &o, body_nnp)));
}

static int body_prctl_dumpable(void)
{
	return syscall(SYS_prctl, PR_GET_DUMPABLE, 0, 0, 0, 0) == 0 ? 0 : 1;
}

static int body_prctl_name(void)
{
	char name[16];

	syscall(SYS_prctl, PR_GET_NAME, (unsigned long)name, 0, 0, 0);
	return 0;
}

static void test_prctl(void)
{
	char policy[128];

	snprintf(policy, sizeof(policy), "%sprctl: arg0 == PR_GET_DUMPABLE\n", base);
	CHECK(exited_ok(run(policy, NULL, body_prctl_dumpable)));
	CHECK(killed_by_sigsys(run(policy, NULL, body_prctl_name)));
}

static int mmap_prot(unsigned long prot)
{
	long r = syscall(SYS_mmap, 0, 4096, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return r == -1 ? 1 : 0;
}

static int body_mmap_rw(void)
{
	return mmap_prot(PROT_READ | PROT_WRITE) || mmap_prot(PROT_READ) ||
	       mmap_prot(PROT_NONE);
}

static int body_mmap_rx(void)
{
	return mmap_prot(PROT_READ | PROT_EXEC);
}

static void test_mmap_no_exec(void)
{
	char policy[128];

	snprintf(policy, sizeof(policy), "%smmap: arg2 in ~PROT_EXEC\n", base);
	CHECK(exited_ok(run(policy, NULL, body_mmap_rw)));
	CHECK(killed_by_sigsys(run(policy, NULL, body_mmap_rx)));
}

/* getppid ignores its arguments, but the filter sees the registers. */
static int body_calls(void)
{
	for (unsigned int i = 0; i < ncalls; i++)
		if (syscall(SYS_getppid, call_args[i][0], call_args[i][1], 0, 0, 0, 0) <= 0)
			return (int)i + 1;
	return 0;
}

struct op_case {
	const char *cond;
	uint64_t allow[4][2];
	unsigned int nallow;
	uint64_t deny[4][2];
	unsigned int ndeny;
};

static const struct op_case op_cases[] = {
	{ "arg0 == 7", { { 7 } }, 1, { { 6 }, { 0x100000007 } }, 2 },
	{ "arg0 != 7", { { 6 }, { 0x100000007 } }, 2, { { 7 } }, 1 },
	{ "arg0 < 0x100000000", { { 0 }, { 0xffffffff } }, 2, { { 0x100000000 }, { ~0ULL } }, 2 },
	{ "arg0 <= 5", { { 5 }, { 0 } }, 2, { { 6 }, { 0x100000005 } }, 2 },
	{ "arg0 > 5", { { 6 }, { 0x100000000 } }, 2, { { 5 }, { 0 } }, 2 },
	{ "arg0 >= 5", { { 5 }, { ~0ULL } }, 2, { { 4 } }, 1 },
	{ "arg0 & PROT_EXEC", { { 4 }, { 7 } }, 2, { { 3 }, { 0 } }, 2 },
	/* '&' with several bits: any of them */
	{ "arg0 & (PROT_READ|PROT_EXEC)", { { 1 }, { 4 }, { 5 }, { 0x14 } }, 4,
	  { { 2 }, { 0 }, { 0x10 } }, 3 },
	{ "arg0 in PROT_READ|PROT_WRITE", { { 0 }, { 1 }, { 2 }, { 3 } }, 4,
	  { { 4 }, { 0x100000000 } }, 2 },
	{ "arg0 in ~PROT_EXEC", { { 3 }, { 0x100000000 } }, 2, { { 4 }, { 7 } }, 2 },
	/* merged onto one argument, and several arguments */
	{ "arg0 & 3 && arg0 in ~1", { { 2 }, { 6 } }, 2, { { 1 }, { 3 }, { 0 } }, 3 },
	{ "arg0 == 5 && arg1 != 3", { { 5, 4 }, { 5, 0 } }, 2, { { 5, 3 }, { 4, 4 } }, 2 },
	{ "arg0 == 1 || arg1 == 2", { { 1, 9 }, { 9, 2 } }, 2, { { 9, 9 } }, 1 },
	{ "arg1 >= 0x100000000 && arg0 & 8", { { 8, 0x100000000 }, { 9, ~0ULL } }, 2,
	  { { 8, 0xffffffff }, { 1, 0x100000000 } }, 2 },
};

static void test_operators(void)
{
	char policy[256];

	for (size_t i = 0; i < sizeof(op_cases) / sizeof(op_cases[0]); i++) {
		const struct op_case *c = &op_cases[i];
		int before = th_failed;

		snprintf(policy, sizeof(policy), "%sgetppid: %s\n", base, c->cond);
		memcpy(call_args, c->allow, sizeof(c->allow));
		ncalls = c->nallow;
		CHECK(exited_ok(run(policy, NULL, body_calls)));
		for (unsigned int j = 0; j < c->ndeny; j++) {
			memcpy(call_args[0], c->deny[j], sizeof(call_args[0]));
			ncalls = 1;
			CHECK(killed_by_sigsys(run(policy, NULL, body_calls)));
		}
		if (th_failed != before)
			fprintf(stderr, "  in case 'getppid: %s'\n", c->cond);
	}
}

TEST_MAIN(TEST_CASE(test_allow_errno_kill), TEST_CASE(test_log_mode), TEST_CASE(test_nnp_option),
	  TEST_CASE(test_prctl), TEST_CASE(test_mmap_no_exec), TEST_CASE(test_operators))
