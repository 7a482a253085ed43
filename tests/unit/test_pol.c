// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sandbox/pol_*: policy syntax, diagnostics, includes (fixtures in
 * tests/unit/policy/), constants, lowering to libseccomp comparisons,
 * compile attributes and the audit printout. Real filters are exercised
 * in test_pol_filter.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "../harness.h"
#include "../../sandbox/pol_int.h"

#define X86	SCMP_ARCH_X86_64
#define ARM	SCMP_ARCH_AARCH64

static char err[512];

static const char *fixtures(void)
{
	static char dir[256];
	const char *slash = strrchr(__FILE__, '/');

	if (!access("tests/unit/policy/ok.policy", R_OK))
		return "tests/unit/policy";
	snprintf(dir, sizeof(dir), "%.*s/policy", slash ? (int)(slash - __FILE__) : 1,
		 slash ? __FILE__ : ".");
	return dir;
}

static const struct pol_rule *find(const struct pol *p, const char *name)
{
	for (size_t i = 0; i < p->nrules; i++)
		if (!strcmp(p->rules[i].name, name))
			return &p->rules[i];
	return NULL;
}

/* Parsing @text must fail with a message containing @a and @b (may be NULL). */
static int expect_err_at(const char *text, uint32_t arch, const char *a, const char *b)
{
	struct pol *p = pol_parse_string(text, "t.policy", arch, err, sizeof(err));
	int ok = !p && strstr(err, a) && (!b || strstr(err, b));

	if (!ok)
		fprintf(stderr, "  policy <<%s>>\n  got: %s\n  want: %s / %s\n", text,
			p ? "(parsed)" : err, a, b ? b : "");
	pol_free(p);
	return ok;
}
#define EXPECT_ERR(text, a, b)	CHECK(expect_err_at(text, X86, a, b))

static void test_syntax_forms(void)
{
	const char *text =
		"# whole-line comment\n"
		"\n"
		"read: 1\n"
		"write: 1   # trailing comment\n"
		"open: return ENOENT\n"
		"openat: return 13\n"
		"getppid: arg0 == 0x10 || arg0 == 010 || arg0 == 16 || \\\n"
		"\targ0 != 1 && arg1 < 2 && arg2 <= 3 && arg3 > 4 && arg4 >= 5 && arg5 & 6\n"
		"mmap: arg2 in ~PROT_EXEC   # ends with a backslash in a comment \\\n"
		"mprotect: arg2 in ~(PROT_EXEC|PROT_WRITE) && arg0 == ~0\n"
		"madvise: arg2 == MADV_DONTNEED|MADV_FREE\n";
	struct pol *p = pol_parse_string(text, "t.policy", X86, err, sizeof(err));
	const struct pol_rule *r;

	CHECK(p != NULL);
	if (!p) {
		fprintf(stderr, "  %s\n", err);
		return;
	}
	CHECK_EQ(pol_nrules(p), 8);
	CHECK_EQ(pol_arch(p), X86);
	r = find(p, "read");
	CHECK(r && r->errno_val == 0 && r->nclauses == 0 && r->line == 3 && r->nr == 0);
	r = find(p, "write");
	CHECK(r && r->line == 4 && r->nclauses == 0);
	CHECK(find(p, "open")->errno_val == ENOENT);
	CHECK(find(p, "openat")->errno_val == EACCES);
	r = find(p, "getppid");
	CHECK(r && r->line == 7 && r->nclauses == 4);
	if (r && r->nclauses == 4) {
		CHECK(r->clauses[0].atoms[0].val == 16 && r->clauses[1].atoms[0].val == 8);
		CHECK_EQ(r->clauses[3].natoms, 6);
		for (unsigned int i = 0; i < 6; i++) {
			CHECK_EQ(r->clauses[3].atoms[i].arg, i);
			CHECK_EQ(r->clauses[3].atoms[i].op, POL_OP_NE + i);
			CHECK_EQ(r->clauses[3].atoms[i].val, i + 1);
		}
		CHECK(!strcmp(r->expr, "arg0 == 0x10 || arg0 == 010 || arg0 == 16 || arg0 != 1 && "
			      "arg1 < 2 && arg2 <= 3 && arg3 > 4 && arg4 >= 5 && arg5 & 6"));
	}
	r = find(p, "mmap");
	CHECK(r && r->line == 9 && r->clauses[0].atoms[0].op == POL_OP_IN &&
	      r->clauses[0].atoms[0].val == ~(uint64_t)PROT_EXEC);
	r = find(p, "mprotect");	/* the comment's backslash did not continue line 9 */
	CHECK(r && r->line == 10 && r->clauses[0].atoms[0].val == ~(uint64_t)6 &&
	      r->clauses[0].atoms[1].val == UINT64_MAX);
	r = find(p, "madvise");
	CHECK(r && r->clauses[0].atoms[0].val == (MADV_DONTNEED | MADV_FREE));
	pol_free(p);
}

static void test_errors(void)
{
	EXPECT_ERR("read: 1\nfoo: 1", "t.policy:2: unknown syscall 'foo' for x86_64", NULL);
	EXPECT_ERR("read: arg0 == PROT_EXECUTE", "t.policy:1:", "unknown constant 'PROT_EXECUTE'");
	EXPECT_ERR("read: 1\nwrite: 1\n\nread: arg0 == 1",
		   "t.policy:4: syscall 'read' redefined here; first defined at t.policy:1", NULL);
	EXPECT_ERR("read: arg6 == 1", "t.policy:1:", "argument index out of range: 'arg6'");
	EXPECT_ERR("read: arg10 == 1", "t.policy:1:", "argument index out of range");
	EXPECT_ERR("read: argv == 1", "t.policy:1:", "expected argN (arg0..arg5), got 'argv'");
	EXPECT_ERR("read: arg0 == 0x10000000000000000", "t.policy:1:", "number out of range");
	EXPECT_ERR("read: arg0 == 09", "t.policy:1:", "invalid number '09'");
	EXPECT_ERR("read: arg0 == 0x", "t.policy:1:", "invalid number '0x'");
	EXPECT_ERR("read: return 4096", "t.policy:1:", "errno out of range");
	EXPECT_ERR("read: return 0", "t.policy:1:", "errno out of range");
	EXPECT_ERR("read: return EFOO", "t.policy:1:", "unknown errno 'EFOO'");
	EXPECT_ERR("read: return PROT_READ", "t.policy:1:", "'PROT_READ' is not an errno name");
	EXPECT_ERR("read: return EPERM x", "t.policy:1:", "expected end of line after the errno");
	EXPECT_ERR("read: return", "t.policy:1:", "expected an errno name or number");
	EXPECT_ERR("read:", "t.policy:1: read: empty expression", NULL);
	EXPECT_ERR("read:   # nothing", "t.policy:1: read: empty expression", NULL);
	EXPECT_ERR("read: ; return EPERM", "t.policy:1:", "empty expression before ';'");
	EXPECT_ERR("read: arg0 == 1; return EPERM", "t.policy:1:",
		   "'EXPR; return ERRNO' is not supported");
	EXPECT_ERR("read: arg0 == 1; EPERM", "t.policy:1:", "expected 'return ERRNO' after ';'");
	EXPECT_ERR("read: 2", "t.policy:1:",
		   "expected '1', 'return ERRNO' or a condition, got '2'");
	EXPECT_ERR("read: 1 1", "t.policy:1:", "expected end of line after '1'");
	EXPECT_ERR("read: arg0 = 1", "t.policy:1:", "expected an operator (== != < <= > >= & in) "
		   "after 'arg0', got '='");
	EXPECT_ERR("read: arg0 ==", "t.policy:1:", "expected a constant (name, number, '~' or "
		   "'('), got end of line");
	EXPECT_ERR("read: arg0 == 1 ||", "t.policy:1:", "expected argN");
	EXPECT_ERR("read: arg0 == 1 &&", "t.policy:1:", "expected argN");
	EXPECT_ERR("read: arg0 == (1 | 2", "t.policy:1:", "expected ')', got end of line");
	EXPECT_ERR("read: arg0 == 1 foo", "t.policy:1:", "expected '&&', '||', ';' or end of "
		   "line, got 'foo'");
	EXPECT_ERR("read: arg0 == ~~~~~~~~~~~~~~~~~~~~1", "t.policy:1:", "nested too deeply");
	EXPECT_ERR("read 1", "t.policy:1: expected ':' after syscall name 'read'", NULL);
	EXPECT_ERR("!read: 1", "t.policy:1: expected 'syscall: action' or '@include FILE'", NULL);
	EXPECT_ERR("@frequency f", "t.policy:1: unknown directive '@frequency'", NULL);
	EXPECT_ERR("@include", "t.policy:1: expected a file name after @include", NULL);
	EXPECT_ERR("@include a b", "t.policy:1: expected one file name after @include", NULL);
	EXPECT_ERR("@include /etc/x.policy", "t.policy:1: bad include '/etc/x.policy'", NULL);
	EXPECT_ERR("@include ../x.policy", "t.policy:1: bad include", NULL);
	EXPECT_ERR("@include a/../../x.policy", "t.policy:1: bad include", NULL);
	EXPECT_ERR("@include nope.policy", "t.policy:1: cannot read include 'nope.policy': No "
		   "such file or directory", NULL);
	EXPECT_ERR("# only comments\n\n", "t.policy: no rules", NULL);
	EXPECT_ERR("read: 1 \\", "t.policy:1: file ends inside a '\\' continuation", NULL);
	/* A continued line reports its first line; later lines keep counting. */
	EXPECT_ERR("read: arg0 == 1 || \\\n  arg0 == NOPE\n", "t.policy:1:", "'NOPE'");
	EXPECT_ERR("read: arg0 == 1 || \\\n  arg0 == 2\nwrite: arg0 == NOPE", "t.policy:3:", NULL);
	/* What libseccomp cannot express is refused at parse time, with the atoms. */
	EXPECT_ERR("read: arg0 >= 1 && arg0 <= 5", "t.policy:1: read: cannot express 'arg0 >= "
		   "0x1 && arg0 <= 0x5'", "one comparison per argument");
	EXPECT_ERR("read: arg1 != 1 && arg1 != 2", "t.policy:1:", "cannot express");
	EXPECT_ERR("read: arg0 == 1 && arg0 == 2", "t.policy:1: read: condition can never be "
		   "true: 'arg0 == 0x1 && arg0 == 0x2'", NULL);
	EXPECT_ERR("read: arg0 & 0", "t.policy:1:", "can never be true");
	EXPECT_ERR("read: arg0 & 0xfffff && arg1 & 0xffff", "t.policy:1:",
		   "expands to more than 256");
	EXPECT_ERR("read: arg0 == 1 && arg0 == 1 && arg0 == 1 && arg0 == 1 && arg0 == 1 && "
		   "arg0 == 1 && arg0 == 1 && arg0 == 1 && arg0 == 1 && arg0 == 1 && arg0 == 1 && "
		   "arg0 == 1 && arg0 == 1 && arg0 == 1 && arg0 == 1 && arg0 == 1 && arg0 == 1",
		   "t.policy:1:", "too many '&&' terms");
}

static void test_arch_names(void)
{
	struct pol *p;

	/* open and dup2 exist on x86_64 only; libseccomp knows them for aarch64 only as
	 * negative pseudo numbers, which must not be taken for real ones. */
	p = pol_parse_string("open: 1\ndup2: 1\nmmap: 1", "t.policy", X86, err, sizeof(err));
	CHECK(p && find(p, "open")->nr == 2 && find(p, "mmap")->nr == 9);
	pol_free(p);
	CHECK(expect_err_at("mmap: 1\nopen: 1", ARM, "t.policy:2: unknown syscall 'open' for "
			    "aarch64", NULL));
	CHECK(expect_err_at("dup2: 1", ARM, "unknown syscall 'dup2' for aarch64", NULL));
	p = pol_parse_string("mmap: arg2 in ~PROT_EXEC\ndup3: 1\nopenat: return ENOENT",
			     "t.policy", ARM, err, sizeof(err));
	CHECK(p && find(p, "mmap")->nr == 222 && find(p, "dup3")->nr == 24 &&
	      find(p, "openat")->nr == 56);
	pol_free(p);
	CHECK(!pol_parse_string("read: 1", "t.policy", 0x1234, err, sizeof(err)));
	CHECK(strstr(err, "unsupported architecture") != NULL);
	CHECK_EQ(pol_arch_parse("aarch64"), ARM);
	CHECK_EQ(pol_arch_parse("x86_64"), X86);
	CHECK_EQ(pol_arch_parse("vax"), 0);
	CHECK(!strcmp(pol_arch_name(ARM), "aarch64"));
}

static void test_constants(void)
{
	static const char *const required[] = {
		"PROT_EXEC", "MAP_SHARED", "MAP_PRIVATE", "MAP_ANONYMOUS", "MAP_FIXED",
		"MAP_FIXED_NOREPLACE", "MAP_NORESERVE", "MAP_STACK", "MAP_GROWSDOWN",
		"MAP_POPULATE", "MADV_DONTNEED", "MADV_FREE", "MADV_DONTDUMP", "MADV_DODUMP",
		"MADV_NORMAL", "MADV_RANDOM", "MADV_SEQUENTIAL", "MADV_WILLNEED", "MADV_REMOVE",
		"MADV_HUGEPAGE", "MADV_NOHUGEPAGE", "MADV_MERGEABLE", "MADV_UNMERGEABLE",
		"MADV_DONTFORK", "MADV_DOFORK", "MADV_WIPEONFORK", "MADV_KEEPONFORK",
		"CLONE_THREAD", "CLONE_VM", "CLONE_NEWUSER", "CLONE_NEWNS", "CLONE_NEWPID",
		"CLONE_NEWNET", "CLONE_NEWIPC", "CLONE_NEWUTS", "CLONE_NEWCGROUP", "CLONE_SIGHAND",
		"CLONE_SETTLS", "CLONE_PARENT_SETTID", "CLONE_CHILD_CLEARTID", "AF_UNIX",
		"AF_LOCAL", "AF_INET", "AF_INET6", "AF_NETLINK", "SOCK_STREAM", "SOCK_DGRAM",
		"SOCK_SEQPACKET", "SOCK_NONBLOCK", "SOCK_CLOEXEC", "PR_SET_NAME", "PR_GET_NAME",
		"PR_SET_PDEATHSIG", "PR_SET_NO_NEW_PRIVS", "PR_GET_NO_NEW_PRIVS", "PR_SET_SECCOMP",
		"PR_CAPBSET_DROP", "PR_CAPBSET_READ", "PR_SET_DUMPABLE", "PR_GET_DUMPABLE",
		"PR_SET_KEEPCAPS", "PR_SET_VMA", "PR_CAP_AMBIENT", "PR_SET_SECUREBITS",
		"PR_GET_SECUREBITS", "FUTEX_WAIT", "FUTEX_WAKE", "FUTEX_WAIT_PRIVATE",
		"FUTEX_WAKE_PRIVATE", "FUTEX_WAIT_BITSET_PRIVATE", "FUTEX_CLOCK_REALTIME",
		"F_GETFD", "F_SETFD", "F_GETFL", "F_SETFL", "F_DUPFD", "F_DUPFD_CLOEXEC", "F_GETLK",
		"F_SETLK", "F_SETLKW", "F_ADD_SEALS", "F_GET_SEALS", "FD_CLOEXEC", "O_RDONLY",
		"O_WRONLY", "O_RDWR", "O_CLOEXEC", "O_NONBLOCK", "O_NOCTTY", "O_DIRECTORY",
		"O_PATH", "O_NOFOLLOW", "O_CREAT", "O_EXCL", "O_TRUNC", "O_APPEND", "SIGHUP",
		"SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL",
		"SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGCHLD",
		"SIGCONT", "SIGSTOP", "SIGSYS", "EPERM", "ENOENT", "EACCES", "EINVAL", "ENOSYS",
		"EAGAIN", "ENOTTY", "EOPNOTSUPP", "FIONBIO", "FIOCLEX", "FIONCLEX", "FIONREAD",
		"TCGETS", "TCSETS", "TIOCGWINSZ", "GPIO_GET_CHIPINFO_IOCTL",
		"GPIO_V2_GET_LINEINFO_IOCTL", "GPIO_V2_GET_LINEINFO_WATCH_IOCTL",
		"GPIO_GET_LINEINFO_UNWATCH_IOCTL", "GPIO_V2_GET_LINE_IOCTL",
		"GPIO_V2_LINE_SET_CONFIG_IOCTL", "GPIO_V2_LINE_GET_VALUES_IOCTL",
		"GPIO_V2_LINE_SET_VALUES_IOCTL", "SECCOMP_SET_MODE_FILTER",
		"SECCOMP_GET_ACTION_AVAIL", "EFD_CLOEXEC", "EFD_NONBLOCK", "EFD_SEMAPHORE",
		"SFD_CLOEXEC", "SFD_NONBLOCK", "EPOLL_CLOEXEC", "EPOLL_CTL_ADD", "EPOLL_CTL_DEL",
		"EPOLL_CTL_MOD", "GRND_NONBLOCK", "GRND_RANDOM", "MSG_CMSG_CLOEXEC",
		"MSG_NOSIGNAL", "MSG_DONTWAIT", "MSG_PEEK", "MSG_TRUNC", "MSG_CTRUNC",
		"MSG_WAITALL", "SOL_SOCKET", "SO_PEERCRED", "SO_RCVBUF", "SO_SNDBUF", "SO_PASSCRED",
		"SO_TYPE", "SO_DOMAIN", "SO_ACCEPTCONN", "RLIMIT_NOFILE", "RLIMIT_CORE",
		"MS_BIND", "MS_REC", "MS_PRIVATE", "MS_RDONLY", "MNT_DETACH", "P_PID", "P_ALL",
		"P_PGID", "P_PIDFD", "WNOHANG", "WUNTRACED", "WEXITED", "__WALL", "SCHED_OTHER",
		"SCHED_FIFO", "CLOCK_MONOTONIC", "CLOCK_REALTIME", "CLOCK_BOOTTIME",
		"MADV_GUARD_INSTALL", "MADV_GUARD_REMOVE",
	};
	/* From crosvm-minijail-privsep.md 4.5, computed independently of these headers. */
	static const struct { const char *n; uint64_t v; } gpio[] = {
		{ "GPIO_GET_CHIPINFO_IOCTL", 0x8044b401 },
		{ "GPIO_V2_GET_LINEINFO_IOCTL", 0xc100b405 },
		{ "GPIO_V2_GET_LINEINFO_WATCH_IOCTL", 0xc100b406 },
		{ "GPIO_GET_LINEINFO_UNWATCH_IOCTL", 0xc004b40c },
		{ "GPIO_V2_GET_LINE_IOCTL", 0xc250b407 },
		{ "GPIO_V2_LINE_SET_CONFIG_IOCTL", 0xc110b40d },
		{ "GPIO_V2_LINE_GET_VALUES_IOCTL", 0xc010b40e },
		{ "GPIO_V2_LINE_SET_VALUES_IOCTL", 0xc010b40f },
		{ "MADV_GUARD_INSTALL", 102 }, { "MADV_GUARD_REMOVE", 103 }, { "PROT_EXEC", 4 },
		{ "TCGETS", 0x5401 }, { "EACCES", 13 },
	};
	const struct pol_const *t;
	unsigned int flags;
	uint64_t v, vx, va;
	size_t n, bad = 0;

	t = pol_const_table(&n);
	CHECK(n > 400);
	for (size_t i = 1; i < n; i++)
		bad += strcmp(t[i - 1].name, t[i].name) >= 0;
	CHECK_EQ(bad, 0);	/* sorted and unique, or bsearch misses names */
	bad = 0;
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		if (pol_const_lookup(required[i], X86, &v, NULL) < 0) {
			fprintf(stderr, "  missing constant %s\n", required[i]);
			bad++;
		}
	}
	CHECK_EQ(bad, 0);
	for (size_t i = 0; i < sizeof(gpio) / sizeof(gpio[0]); i++)
		CHECK(pol_const_lookup(gpio[i].n, ARM, &v, NULL) == 0 && v == gpio[i].v);
	CHECK(pol_const_lookup("EACCES", X86, &v, &flags) == 0 && (flags & POL_K_ERRNO));
	CHECK(pol_const_lookup("PROT_READ", X86, &v, &flags) == 0 && !(flags & POL_K_ERRNO));
	CHECK_EQ(pol_const_lookup("NOPE", X86, &v, NULL), -ENOENT);
	CHECK(!strcmp(pol_errno_name(EACCES), "EACCES"));
	CHECK(!strcmp(pol_errno_name(EAGAIN), "EAGAIN"));
	CHECK(pol_errno_name(5000) == NULL);
	/* Arch-dependent values: per-arch table for the target, headers for the native arch. */
	CHECK(pol_const_lookup("O_DIRECTORY", X86, &vx, NULL) == 0 && vx == 0200000);
	CHECK(pol_const_lookup("O_DIRECTORY", ARM, &va, NULL) == 0 && va == 040000);
	CHECK(pol_const_lookup("O_NOFOLLOW", ARM, &va, NULL) == 0 && va == 0100000);
	CHECK(pol_const_lookup("O_NOFOLLOW", seccomp_arch_native(), &v, NULL) == 0 &&
	      v == (uint64_t)O_NOFOLLOW);
	CHECK_EQ(pol_const_lookup("O_DIRECTORY", SCMP_ARCH_RISCV64, &v, NULL), -EXDEV);
}

static void test_includes(void)
{
	const char *dir = fixtures();
	struct pol *p;

	p = pol_parse_file(dir, "ok", X86, err, sizeof(err));
	CHECK(p != NULL);
	if (p) {
		CHECK_EQ(pol_nrules(p), 4);
		CHECK(find(p, "getpid") && !strcmp(find(p, "getpid")->file, "sub/ok_leaf.policy"));
		CHECK(!strcmp(find(p, "exit_group")->file, "sub/ok_sub.policy"));
		CHECK(!strcmp(find(p, "write")->file, "ok_common.policy"));
		CHECK(find(p, "getppid")->line == 5 && find(p, "getppid")->errno_val == EACCES);
	} else {
		fprintf(stderr, "  %s\n", err);
	}
	pol_free(p);

	CHECK(!pol_parse_file(dir, "deep", X86, err, sizeof(err)));
	CHECK(strstr(err, "sub/ok_sub.policy:2: include depth exceeded (max 3): deep.policy -> "
		     "ok.policy -> ok_common.policy -> sub/ok_sub.policy -> sub/ok_leaf.policy"));
	CHECK(!pol_parse_file(dir, "cycle", X86, err, sizeof(err)));
	CHECK(strstr(err, "cycle.policy:2: include depth exceeded (max 3): cycle.policy -> "
		     "cycle.policy -> cycle.policy -> cycle.policy -> cycle.policy"));
	CHECK(!pol_parse_file(dir, "missing", X86, err, sizeof(err)));
	CHECK(strstr(err, "missing.policy:2: cannot read include 'no_such_file.policy': No such "
		     "file or directory"));
	CHECK(!pol_parse_file(dir, "dup", X86, err, sizeof(err)));
	CHECK(strstr(err, "dup.policy:3: syscall 'getpid' redefined here; first defined at "
		     "sub/ok_leaf.policy:2"));
	CHECK(!pol_parse_file(dir, "escape", X86, err, sizeof(err)));
	CHECK(strstr(err, "escape.policy:1: bad include '../policy/ok.policy'"));
	CHECK(!pol_parse_file(dir, "absent", X86, err, sizeof(err)));
	CHECK(strstr(err, "cannot read policy") && strstr(err, "absent.policy"));
	CHECK(!pol_parse_file(dir, "../policy/ok", X86, err, sizeof(err)));
	CHECK(strstr(err, "bad policy name"));
	CHECK(!pol_parse_file(dir, "sub", X86, err, sizeof(err)));	/* "sub.policy" absent */
	/* pol_parse_string resolves includes against the directory of its file name. */
	char fname[300];

	snprintf(fname, sizeof(fname), "%s/inline.policy", dir);
	p = pol_parse_string("@include ok_common.policy\nread: 1\n", fname, X86, err, sizeof(err));
	CHECK(p && pol_nrules(p) == 4 && strstr(find(p, "getpid")->file, "sub/ok_leaf.policy"));
	pol_free(p);
}

/* Lower a one-rule policy; returns the number of libseccomp rules (<0: error). */
static int lower(const char *text, struct pol_srule **sr)
{
	struct pol *p = pol_parse_string(text, "t.policy", X86, err, sizeof(err));
	char msg[256];
	int n = p ? pol_lower(&p->rules[0], sr, msg, sizeof(msg)) : -1;

	pol_free(p);
	return n;
}

static int cmp_is(const struct pol_srule *r, unsigned int i, unsigned int arg,
		  enum scmp_compare op, uint64_t a, uint64_t b)
{
	return i < r->ncmp && r->cmp[i].arg == arg && r->cmp[i].op == op &&
	       r->cmp[i].datum_a == a && r->cmp[i].datum_b == b;
}

static void test_lower(void)
{
	struct pol_srule *s = NULL;

	CHECK_EQ(lower("getppid: arg2 in ~PROT_EXEC", &s), 1);
	CHECK(s && s[0].ncmp == 1 && cmp_is(&s[0], 0, 2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	free(s);
	CHECK_EQ(lower("getppid: arg0 & 0x5", &s), 2);	/* one rule per bit */
	CHECK(s && cmp_is(&s[0], 0, 0, SCMP_CMP_MASKED_EQ, 1, 1) &&
	      cmp_is(&s[1], 0, 0, SCMP_CMP_MASKED_EQ, 4, 4));
	free(s);
	CHECK_EQ(lower("getppid: arg0 & 3 && arg0 in ~1", &s), 1);	/* bit 0 contradicts 'in' */
	CHECK(s && cmp_is(&s[0], 0, 0, SCMP_CMP_MASKED_EQ, 3, 2));
	free(s);
	CHECK_EQ(lower("getppid: arg0 == 5 && arg0 != 3 && arg0 < 9 && arg1 >= 2", &s), 1);
	CHECK(s && s[0].ncmp == 2 && cmp_is(&s[0], 0, 0, SCMP_CMP_EQ, 5, 0) &&
	      cmp_is(&s[0], 1, 1, SCMP_CMP_GE, 2, 0));
	free(s);
	CHECK_EQ(lower("getppid: arg0 != 1 && arg1 < 2 && arg2 <= 3 && arg3 > 4 && arg4 >= 5",
		       &s), 1);
	CHECK(s && s[0].ncmp == 5 && cmp_is(&s[0], 0, 0, SCMP_CMP_NE, 1, 0) &&
	      cmp_is(&s[0], 1, 1, SCMP_CMP_LT, 2, 0) && cmp_is(&s[0], 2, 2, SCMP_CMP_LE, 3, 0) &&
	      cmp_is(&s[0], 3, 3, SCMP_CMP_GT, 4, 0) && cmp_is(&s[0], 4, 4, SCMP_CMP_GE, 5, 0));
	free(s);
	CHECK_EQ(lower("getppid: arg0 == 1 || arg0 == 1 || arg1 == 2", &s), 2);	/* deduplicated */
	free(s);
	/* always true: no comparison at all */
	CHECK_EQ(lower("getppid: arg0 == 1 || arg0 in ~0", &s), 1);
	CHECK(s && s[0].ncmp == 0);
	free(s);
	CHECK_EQ(lower("getppid: arg0 != 7 && arg0 != 7", &s), 1);
	CHECK(s && cmp_is(&s[0], 0, 0, SCMP_CMP_NE, 7, 0));
	free(s);
}

static uint64_t sample(unsigned int *seed)
{
	static const uint64_t v[] = { 0, 1, 2, 3, 4, 5, 7, 8, 0x10, 0xffffffff, 0x100000000,
				      0x100000004, ~0ULL, ~4ULL, ~3ULL };

	return v[rand_r(seed) % (sizeof(v) / sizeof(v[0]))];
}

static int atom_holds(const struct pol_atom *a, const uint64_t *args)
{
	uint64_t x = args[a->arg], v = a->val;

	switch (a->op) {
	case POL_OP_EQ: return x == v;
	case POL_OP_NE: return x != v;
	case POL_OP_LT: return x < v;
	case POL_OP_LE: return x <= v;
	case POL_OP_GT: return x > v;
	case POL_OP_GE: return x >= v;
	case POL_OP_SET: return (x & v) != 0;
	default: return (x & ~v) == 0;
	}
}

static int cmp_holds(const struct scmp_arg_cmp *c, const uint64_t *args)
{
	uint64_t x = args[c->arg], a = c->datum_a;

	switch (c->op) {
	case SCMP_CMP_EQ: return x == a;
	case SCMP_CMP_NE: return x != a;
	case SCMP_CMP_LT: return x < a;
	case SCMP_CMP_LE: return x <= a;
	case SCMP_CMP_GT: return x > a;
	case SCMP_CMP_GE: return x >= a;
	default: return (x & a) == c->datum_b;
	}
}

/* Random conditions on arg0/arg1: what pol_lower accepts must mean the same. */
static void test_lower_equivalence(void)
{
	static const char *const ops[] = { "==", "!=", "<", "<=", ">", ">=", "&", "in" };
	unsigned int seed = 1, accepted = 0, mismatches = 0;
	char text[512];

	for (int it = 0; it < 3000; it++) {
		struct pol_srule *sr;
		struct pol *p;
		int off = snprintf(text, sizeof(text), "getppid: "), n;
		int nc = 1 + rand_r(&seed) % 3;

		for (int c = 0; c < nc; c++)
			for (int a = 0, na = 1 + rand_r(&seed) % 3; a < na; a++)
				off += snprintf(text + off, sizeof(text) - (size_t)off,
						"%sarg%d %s %#llx", a ? " && " : c ? " || " : "",
						rand_r(&seed) % 2,
						ops[rand_r(&seed) % 8],
						(unsigned long long)sample(&seed));
		p = pol_parse_string(text, "t.policy", X86, err, sizeof(err));
		n = p ? lower(text, &sr) : -1;
		if (n < 0) {
			pol_free(p);
			continue;
		}
		accepted++;
		for (int t = 0; t < 64; t++) {
			const struct pol_rule *r = &p->rules[0];
			uint64_t args[2] = { sample(&seed), sample(&seed) };
			int want = 0, got = 0;

			for (unsigned int c = 0; c < r->nclauses; c++) {
				int all = 1;

				for (unsigned int a = 0; a < r->clauses[c].natoms; a++)
					all &= atom_holds(&r->clauses[c].atoms[a], args);
				want |= all;
			}
			for (int i = 0; i < n; i++) {
				int all = 1;

				for (unsigned int j = 0; j < sr[i].ncmp; j++)
					all &= cmp_holds(&sr[i].cmp[j], args);
				got |= all;
			}
			if (want != got && mismatches++ < 5)
				fprintf(stderr, "  '%s' on (%#llx, %#llx): want %d got %d\n", text,
					(unsigned long long)args[0], (unsigned long long)args[1],
					want, got);
		}
		free(sr);
		pol_free(p);
	}
	CHECK(accepted > 500);
	CHECK_EQ(mismatches, 0);
}

static void test_compile(void)
{
	struct pol *p = pol_parse_string("read: 1\nopen: return ENOENT\nmmap: arg2 in ~PROT_EXEC",
					 "t.policy", X86, err, sizeof(err));
	struct pol_options o = { .log = true, .nnp = true };
	scmp_filter_ctx ctx;
	uint32_t v;

	CHECK(p && pol_compile(p, NULL, &ctx, err, sizeof(err)) == 0);
	CHECK(seccomp_attr_get(ctx, SCMP_FLTATR_ACT_DEFAULT, &v) == 0 &&
	      v == SCMP_ACT_KILL_PROCESS);
	CHECK(seccomp_attr_get(ctx, SCMP_FLTATR_CTL_NNP, &v) == 0 && v == 0);
	CHECK(seccomp_attr_get(ctx, SCMP_FLTATR_CTL_TSYNC, &v) == 0 && v == 0);
	CHECK(seccomp_attr_get(ctx, SCMP_FLTATR_ACT_BADARCH, &v) == 0 &&
	      v == SCMP_ACT_KILL_PROCESS);
	seccomp_release(ctx);
	CHECK(pol_compile(p, &o, &ctx, err, sizeof(err)) == 0);
	CHECK(seccomp_attr_get(ctx, SCMP_FLTATR_ACT_DEFAULT, &v) == 0 && v == SCMP_ACT_LOG);
	CHECK(seccomp_attr_get(ctx, SCMP_FLTATR_CTL_NNP, &v) == 0 && v == 1);
	seccomp_release(ctx);
	pol_free(p);

	p = pol_parse_string("mmap: 1", "t.policy", ARM, err, sizeof(err));
	CHECK(p && pol_compile(p, NULL, &ctx, err, sizeof(err)) == 0);
	CHECK(seccomp_arch_exist(ctx, ARM) == 0 && seccomp_arch_exist(ctx, X86) == -EEXIST);
	seccomp_release(ctx);
	if (seccomp_arch_native() != ARM) {
		CHECK_EQ(pol_load(p, NULL, err, sizeof(err)), -EINVAL);
		CHECK(strstr(err, "policy was parsed for aarch64") != NULL);
	}
	pol_free(p);
}

/* pol_print into a memfd; returns the text (static buffer). */
static const char *print(const char *text, uint32_t arch, const struct pol_options *o)
{
	static char out[16384];
	struct pol *p = pol_parse_string(text, "t.policy", arch, err, sizeof(err));
	int fd = memfd_create("pol", MFD_CLOEXEC);
	ssize_t n = -1;

	out[0] = '\0';
	if (p && fd >= 0 && pol_print(p, o, fd) == 0 && lseek(fd, 0, SEEK_SET) == 0)
		n = read(fd, out, sizeof(out) - 1);
	out[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
	pol_free(p);
	return out;
}

static void test_print(void)
{
	const char *s;

	s = print("read: 1\nopen: return ENOENT\nmmap: arg2 in ~PROT_EXEC # no W^X breach\n"
		  "clone: arg0 & (CLONE_THREAD|CLONE_VM)", X86, NULL);
	CHECK(strstr(s, "# policy t.policy for x86_64: 4 syscalls"));
	CHECK(strstr(s, "other syscalls: kill the process"));
	CHECK(strstr(s, "mmap                      9  allow if         t.policy:3\n"
		     "    arg2 in ~PROT_EXEC\n    => (arg2 & 0x4) == 0\n"));
	CHECK(strstr(s, "open                      2  errno ENOENT     t.policy:2\n"));
	CHECK(strstr(s, "read                      0  allow            t.policy:1\n"));
	CHECK(strstr(s, "=> (arg0 & 0x100) == 0x100\n    => (arg0 & 0x10000) == 0x10000\n"));
	CHECK(strstr(s, "clone") < strstr(s, "mmap") && strstr(s, "open") < strstr(s, "read"));
	CHECK(strstr(s, "# pseudo filter code start"));
	CHECK(strstr(s, "action ERRNO(2);"));
	CHECK(strstr(s, "action KILL_PROCESS;"));
	s = print("mmap: 1\nopenat: return EACCES", ARM, &(struct pol_options){ .log = true });
	CHECK(strstr(s, "logged and allowed"));
	CHECK(strstr(s, "if ($arch == 3221225655)"));
	CHECK(strstr(s, "filter for syscall \"mmap\" (222)"));
	CHECK(strstr(s, "filter for syscall \"openat\" (56)"));
	CHECK(strstr(s, "action LOG;"));
}

/*
 * The libseccomp 2.5 behaviour pol_lower.c and pol_expr.c are built around;
 * if a newer libseccomp changes it, those restrictions can be revisited.
 */
static void test_libseccomp_limits(void)
{
	const struct scmp_version *v = seccomp_version();
	scmp_filter_ctx ctx;
	char pfc[4096];
	ssize_t n = -1;
	int fd;

	if (v->major != 2 || v->minor != 5)
		return;
	ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	CHECK_EQ(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 2,
				  SCMP_A0(SCMP_CMP_GE, 1), SCMP_A0(SCMP_CMP_LE, 5)), -EINVAL);
	CHECK_EQ(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 2,
				  SCMP_A0(SCMP_CMP_MASKED_EQ, 1, 1),
				  SCMP_A0(SCMP_CMP_MASKED_EQ, 2, 0)), -EINVAL);
	/* An unconditional rule wins over conditional ones: no per-syscall "else". */
	CHECK_EQ(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
				  SCMP_A0(SCMP_CMP_EQ, PR_GET_DUMPABLE)), 0);
	CHECK_EQ(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(prctl), 0), 0);
	fd = memfd_create("pfc", MFD_CLOEXEC);
	if (fd >= 0 && seccomp_export_pfc(ctx, fd) == 0 && lseek(fd, 0, SEEK_SET) == 0)
		n = read(fd, pfc, sizeof(pfc) - 1);
	pfc[n > 0 ? n : 0] = '\0';
	CHECK(strstr(pfc, "action ERRNO(13)") && !strstr(pfc, "$a0"));
	if (fd >= 0)
		close(fd);
	seccomp_release(ctx);
}

TEST_MAIN(TEST_CASE(test_syntax_forms), TEST_CASE(test_errors), TEST_CASE(test_arch_names),
	  TEST_CASE(test_constants), TEST_CASE(test_includes), TEST_CASE(test_lower),
	  TEST_CASE(test_lower_equivalence),
	  TEST_CASE(test_compile), TEST_CASE(test_print),
	  TEST_CASE(test_libseccomp_limits))
