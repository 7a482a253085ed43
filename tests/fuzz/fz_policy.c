// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: the seccomp policy parser (sandbox/pol_parse.c, pol_expr.c,
 * pol_consts.c, and pol_lower.c through the parser's check).
 *
 * Input: one flags byte, then the policy text (cut at the first NUL).
 *   bit 0  parse for aarch64 instead of x86_64
 *   bit 1  also print the audit table (pol_print) to /dev/null
 *   bit 2  compile in log mode, bit 3 in trap mode
 * The text is parsed as "policy/<arch>/fuzz.policy", so "@include
 * common.policy" pulls in the real policy files when run from the top of
 * the tree (includes are confined to that directory by the parser).
 *
 * Checked: the parser's promise "a policy that parses compiles"; an error
 * always comes with a message.
 *
 * The compile check is what pol_check_compiles() does in its child (compile,
 * generate the BPF) under a time limit, but in a checker process that
 * lives until it overruns the limit: a fork per parsed input (what
 * pol_check_compiles() does) took ~40 ms here, a compile under 1 ms. The
 * checker parses the same text again (the parser reads nothing but it and
 * the policy files) and answers with its rule count, which must match ours.
 * Checkers come from a zygote forked at start while the fuzzer is small:
 * forking the grown fuzzer for each overrun (libseccomp's loop, found
 * about once in a thousand inputs) cost it the fork and then copy-on-write
 * faults, more than the overruns themselves.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pol.h"
#include "fz.h"

/* Longer texts (only possible outside the fuzzer's length limit) are checked in place. */
#define CHK_TEXT_MAX	65536
/* The largest real policy (the broker's) parses and compiles in ~45 ms under ASan. */
#define CHK_TIMEOUT_MS	200

struct chk_reply {
	int ret;		/* 0 or -errno as pol_check_compiles(), 1: did not parse */
	uint32_t nrules;
	char err[256];
};

static int devnull = -1;
static int chk_fd = -1;		/* our end of the checker's socket */
static pid_t chk_owner;		/* the process that forked it */
static pid_t chk_pid;
static bool chk_ours;		/* chk_pid is our child, not the zygote's */
static int zyg_fd = -1;		/* the zygote's socket, used by the process that forked it */
static pid_t zyg_owner;

static const char *fname_of(bool arm)
{
	return arm ? "policy/aarch64/fuzz.policy" : "policy/x86_64/fuzz.policy";
}

static uint32_t arch_of(bool arm)
{
	return arm ? SCMP_ARCH_AARCH64 : SCMP_ARCH_X86_64;
}

/* What pol_check_compiles()'s child does: compile, then generate the BPF. */
static int chk_compile(const struct pol *pol, char *err, size_t errlen)
{
	scmp_filter_ctx ctx;
	int ret = pol_compile(pol, NULL, &ctx, err, errlen);

	if (ret < 0)
		return ret;
	ret = seccomp_export_bpf(ctx, devnull);
	if (ret < 0)
		snprintf(err, errlen, "seccomp_export_bpf: %s", strerror(-ret));
	seccomp_release(ctx);
	return ret;
}

/* Checker: one request (arch byte, text) per message; exits when we close our end. */
static void __attribute__((noreturn)) chk_serve(int fd)
{
	static char req[1 + CHK_TEXT_MAX + 1];
	ssize_t n;

	while ((n = recv(fd, req, sizeof(req) - 1, 0)) > 0) {
		struct chk_reply r = { .ret = 1 };
		bool arm = req[0];
		struct pol *pol;

		req[n] = '\0';
		pol = pol_parse_string(req + 1, fname_of(arm), arch_of(arm), r.err, sizeof(r.err));
		if (pol) {
			r.nrules = (uint32_t)pol_nrules(pol);
			r.ret = chk_compile(pol, r.err, sizeof(r.err));
			pol_free(pol);
		}
		if (send(fd, &r, sizeof(r), MSG_NOSIGNAL) != sizeof(r))
			break;
	}
	_exit(0);
}

/* End our checker (@kill: it is stuck) and reap it (an init in a container may not). */
static void chk_end(bool kill_it)
{
	if (chk_fd < 0 || chk_owner != getpid())
		return;
	if (kill_it)
		kill(chk_pid, SIGKILL);
	close(chk_fd);
	chk_fd = -1;
	chk_owner = 0;
	while (chk_ours && waitpid(chk_pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static void chk_stop(void)
{
	chk_end(false);
}

/* Zygote: one byte asks for a checker; answers with its pid and its socket. */
static void __attribute__((noreturn)) zyg_serve(int fd)
{
	char c;

	signal(SIGCHLD, SIG_IGN);	/* checkers are reaped by the kernel */
	while (recv(fd, &c, 1, 0) == 1) {
		int sp[2];
		pid_t pid;

		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
			break;
		pid = fork();
		if (pid == 0) {
			close(fd);
			close(sp[0]);
			chk_serve(sp[1]);
		}
		if (pid < 0 || fz_send_fds(fd, &pid, sizeof(pid), &sp[0], 1) != sizeof(pid))
			break;
		close(sp[0]);
		close(sp[1]);
	}
	_exit(0);
}

/* A child that runs @serve on its end of a new socket; returns ours, its pid in *@pid. */
static int fork_server(void (*serve)(int), pid_t *pid)
{
	int sp[2];

	FZ_ASSERT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == 0);
	*pid = fork();
	FZ_ASSERT(*pid >= 0);
	if (*pid == 0) {
		close(sp[0]);
		serve(sp[1]);
		_exit(0);
	}
	close(sp[1]);
	return sp[0];
}

static void zyg_start(void)
{
	pid_t pid;

	zyg_fd = fork_server(zyg_serve, &pid);
	zyg_owner = getpid();
}

/* A checker from the zygote: its socket, its pid in *@pid. */
static int zyg_checker(pid_t *pid)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = pid, .iov_len = sizeof(*pid) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int fd;

	FZ_ASSERT(send(zyg_fd, "", 1, MSG_NOSIGNAL) == 1);
	FZ_ASSERT(recvmsg(zyg_fd, &mh, MSG_CMSG_CLOEXEC) == sizeof(*pid));
	c = CMSG_FIRSTHDR(&mh);
	FZ_ASSERT(c && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)));
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	return fd;
}

/*
 * A new checker. A process other than the zygote's owner (the standalone
 * driver's child per input) forks its own, so that a crash in one input
 * cannot leave a request to the zygote half answered.
 */
static void chk_start(void)
{
	static bool registered;

	if (chk_fd >= 0)
		close(chk_fd);	/* the parent's, inherited */
	chk_fd = -1;
	chk_owner = getpid();
	if (!registered)
		registered = atexit(chk_stop) == 0;
	chk_ours = zyg_fd < 0 || zyg_owner != getpid();
	if (!chk_ours) {
		chk_fd = zyg_checker(&chk_pid);
		return;
	}
	chk_fd = fork_server(chk_serve, &chk_pid);
}

/* pol_check_compiles() of @pol, parsed here from @text, done by the checker. */
static int check_compiles(const struct pol *pol, const char *text, bool arm, char *err,
			  size_t errlen)
{
	static char req[1 + CHK_TEXT_MAX];
	struct pollfd pfd = { .events = POLLIN };
	size_t len = strlen(text);
	struct chk_reply r;
	ssize_t n;
	int ready;

	if (len > CHK_TEXT_MAX)
		return pol_check_compiles(pol, NULL, CHK_TIMEOUT_MS, err, errlen);
	if (chk_owner != getpid())
		chk_start();
	req[0] = arm;
	memcpy(req + 1, text, len);
	FZ_ASSERT(send(chk_fd, req, 1 + len, MSG_NOSIGNAL) == (ssize_t)(1 + len));
	pfd.fd = chk_fd;
	do
		ready = poll(&pfd, 1, CHK_TIMEOUT_MS);
	while (ready < 0 && errno == EINTR);
	FZ_ASSERT(ready >= 0);
	if (!ready) {
		/* libseccomp looping, as pol_check_compiles() would report it. */
		chk_end(true);
		snprintf(err, errlen, "not compiled within %d ms", CHK_TIMEOUT_MS);
		return -ETIMEDOUT;
	}
	do
		n = recv(chk_fd, &r, sizeof(r), 0);
	while (n < 0 && errno == EINTR);
	if (n != sizeof(r))
		dprintf(fz_report_fd, "the compile checker died (see its report above)\n");
	FZ_ASSERT(n == sizeof(r));
	r.err[sizeof(r.err) - 1] = '\0';
	if (r.ret == 1)
		dprintf(fz_report_fd, "parsed here, not in the checker: %s\n", r.err);
	FZ_ASSERT(r.ret != 1 && r.nrules == pol_nrules(pol));
	snprintf(err, errlen, "%s", r.err);
	return r.ret;
}

/*
 * libseccomp 2.5.4 (bookworm's) leaks inside seccomp_rule_add for some sets
 * of overlapping rules of one syscall; this target found it through
 * pol_print(), which compiles in this process (input kept as
 * regress-libseccomp-leak). Our contexts are released on every path, which
 * the unit tests (test_pol.c, test_policies.c) show under LeakSanitizer
 * without this suppression. ASan records two frames per allocation here, so
 * the rule names the library, not the function.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libseccomp.so\n";
}

/* ... and says nothing of it in every run over that input. */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
	return "print_suppressions=0";
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_setup("fuzz-policy");
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	zyg_start();
	chk_start();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = fz_in(data, size);
	uint8_t flags = fz_u8(&in);
	bool arm = flags & 1;
	struct pol_options opts = { .log = flags & 4, .trap = flags & 8 };
	char err[256] = "";
	struct pol *pol;
	char *text;
	int ret;

	if (devnull < 0)
		LLVMFuzzerInitialize(NULL, NULL);
	text = strndup((const char *)in.p, in.n);
	if (!text)
		return 0;
	pol = pol_parse_string(text, fname_of(arm), arch_of(arm), err, sizeof(err));
	FZ_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
	if (!pol) {
		FZ_ASSERT(err[0] != '\0');
		free(text);
		return 0;
	}
	FZ_ASSERT(pol_nrules(pol) > 0);
	FZ_ASSERT(pol_arch(pol) == arch_of(arm));
	/*
	 * The default (kill) mode must work; log and trap depend on the kernel.
	 * Compiled as the daemon does, in a child with a time limit: libseccomp
	 * 2.5 loops on some rules, which the daemon reports as a bad policy.
	 */
	ret = check_compiles(pol, text, arm, err, sizeof(err));
	if (ret == -ETIMEDOUT) {
		pol_free(pol);
		free(text);
		return 0;
	}
	if (ret < 0)
		dprintf(fz_report_fd, "parsed but did not compile: %s\n", err);
	FZ_ASSERT(ret == 0);
	if (flags & 2) {
		ret = pol_print(pol, &opts, devnull);
		FZ_ASSERT(ret == 0 || opts.log || opts.trap);
	}
	pol_free(pol);
	free(text);
	return 0;
}
