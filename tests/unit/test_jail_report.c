// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The jail's parts that do not need the daemon: the SIGSYS report path
 * (with a tiny libseccomp filter loaded here, in a child, since the
 * product's seccomp hook is still a no-op), how the broker words a death,
 * the probe list check, fd closing, the mount-namespace guard of
 * jail_enter(), a whole worker jail in a cloned child, and the unlinker.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <seccomp.h>
#include <linux/capability.h>

#include "../harness.h"
#include "../../sandbox/jail.h"
#include "broker/broker.h"

/* In a child: trap @nr (when arg0 == @arg0, if @arg0 >= 0), everything else allowed. */
static void load_trap_filter(int nr, long arg0)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int ret;

	if (!ctx)
		_exit(90);
	if (arg0 >= 0)
		ret = seccomp_rule_add(ctx, SCMP_ACT_TRAP, nr, 1, SCMP_A0(SCMP_CMP_EQ, arg0));
	else
		ret = seccomp_rule_add(ctx, SCMP_ACT_TRAP, nr, 0);
	if (ret < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_load(ctx) < 0)
		_exit(91);
	seccomp_release(ctx);
}

static int wait_status(pid_t pid)
{
	int status = -1;

	CHECK_EQ(waitpid(pid, &status, 0), pid);
	return status;
}

static bool killed_by_sigsys(int status)
{
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		return true;
	fprintf(stderr, "  wait status 0x%x, not death by SIGSYS\n", (unsigned int)status);
	return false;
}

static void t_report_socket(void)
{
	struct jail_report r;
	char name[96], desc[384];
	int p[2], status;
	pid_t pid;

	CHECK_EQ(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		if (jail_report_install(p[1]) < 0)
			_exit(92);
		load_trap_filter(SCMP_SYS(socket), -1);
		socket(AF_INET, SOCK_STREAM, 0);
		_exit(0);
	}
	close(p[1]);
	status = wait_status(pid);
	CHECK(killed_by_sigsys(status));
	CHECK_EQ(jail_report_read(p[0], &r), 0);
	CHECK_EQ(r.nr, SYS_socket);
	CHECK_EQ(r.arch, seccomp_arch_native());
	CHECK_EQ(r.pid, pid);
	jail_report_syscall(&r, name, sizeof(name));
	CHECK(!strcmp(name, "socket"));
	CHECK_EQ(jail_report_read(p[0], &r), -ENODATA);
	close(p[0]);

	/* The broker's wording, record and all (read again from a fresh pipe). */
	CHECK_EQ(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	r.magic = JAIL_REPORT_MAGIC;
	CHECK_EQ(write(p[1], &r, sizeof(r)), sizeof(r));
	broker_describe_death(p[0], "worker", status, desc, sizeof(desc));
	snprintf(name, sizeof(name), "killed by seccomp: syscall socket (%d) refused by policy "
		 "worker (", SYS_socket);
	CHECK(strstr(desc, name) == desc);
	CHECK(strstr(desc, "worker.policy)") != NULL);
	close(p[0]);
	close(p[1]);
}

/* The re-issued call carries the original arguments: else this write would pass. */
static void t_report_args(void)
{
	struct jail_report r;
	int p[2];
	pid_t pid;

	CHECK_EQ(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		if (jail_report_install(p[1]) < 0)
			_exit(92);
		load_trap_filter(SCMP_SYS(write), 99);
		if (write(2, "", 0) < 0)	/* other arguments: allowed */
			_exit(93);
		if (write(99, "x", 1) < 0)
			_exit(94);
		_exit(0);
	}
	close(p[1]);
	CHECK(killed_by_sigsys(wait_status(pid)));
	CHECK_EQ(jail_report_read(p[0], &r), 0);
	CHECK_EQ(r.nr, SYS_write);
	close(p[0]);
}

/* PID 1 of a pid namespace dies of it too (forced signal, SIG_DFL). */
static void t_report_pid1(void)
{
	struct jail_report r;
	int p[2];
	pid_t pid;

	if (!caps_have_effective(CAP_SYS_ADMIN)) {
		fprintf(stderr, "SKIP t_report_pid1: needs CAP_SYS_ADMIN\n");
		return;
	}
	CHECK_EQ(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	pid = jail_clone(CLONE_NEWPID);
	CHECK(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		if (getpid() != 1 || jail_report_install(p[1]) < 0)
			_exit(92);
		load_trap_filter(SCMP_SYS(socket), -1);
		socket(AF_UNIX, SOCK_STREAM, 0);
		_exit(0);
	}
	close(p[1]);
	if (pid > 0)
		CHECK(killed_by_sigsys(wait_status(pid)));
	CHECK_EQ(jail_report_read(p[0], &r), 0);
	CHECK_EQ(r.pid, 1);
	close(p[0]);
}

/* kill -SYS is no seccomp report: ignored, handler still in place, no record. */
static void t_foreign_sigsys(void)
{
	struct jail_report r;
	int p[2], go[2];
	pid_t pid;
	char c = 0;

	CHECK_EQ(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	CHECK_EQ(pipe2(go, O_CLOEXEC), 0);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		close(go[1]);
		if (jail_report_install(p[1]) < 0)
			_exit(92);
		while (read(go[0], &c, 1) < 0 && errno == EINTR)
			;
		load_trap_filter(SCMP_SYS(socket), -1);
		socket(AF_INET, SOCK_DGRAM, 0);
		_exit(0);
	}
	close(p[1]);
	close(go[0]);
	usleep(20 * 1000);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(kill(pid, SIGSYS), 0);
		usleep(10 * 1000);
	}
	CHECK_EQ(waitpid(pid, NULL, WNOHANG), 0);
	CHECK_EQ(jail_report_read(p[0], &r), -ENODATA);
	CHECK_EQ(write(go[1], &c, 1), 1);
	CHECK(killed_by_sigsys(wait_status(pid)));
	CHECK_EQ(jail_report_read(p[0], &r), 0);
	CHECK_EQ(r.nr, SYS_socket);
	close(p[0]);
	close(go[1]);
}

static void t_report_read_errors(void)
{
	struct jail_report r = { .magic = 0x12345678 };
	char desc[256];
	int p[2];

	CHECK_EQ(jail_report_read(-1, &r), -ENODATA);
	CHECK_EQ(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	CHECK_EQ(jail_report_read(p[0], &r), -ENODATA);
	CHECK_EQ(write(p[1], &r, 3), 3);
	CHECK_EQ(jail_report_read(p[0], &r), -EBADMSG);
	CHECK_EQ(write(p[1], &r, sizeof(r)), sizeof(r));
	CHECK_EQ(jail_report_read(p[0], &r), -EBADMSG);
	/* Death by SIGSYS without a record; an ordinary exit. */
	broker_describe_death(p[0], "worker", SIGSYS, desc, sizeof(desc));
	CHECK(strstr(desc, "killed by signal SIGSYS") && strstr(desc, "(no seccomp report)"));
	broker_describe_death(p[0], "worker", 0, desc, sizeof(desc));
	CHECK(!strcmp(desc, "exited with status 0"));
	/* A record for an unknown arch still gives a line, with "?" for the name. */
	r = (struct jail_report){ JAIL_REPORT_MAGIC, 7, 0x1234, 1 };
	CHECK_EQ(write(p[1], &r, sizeof(r)), sizeof(r));
	broker_describe_death(p[0], "helper", SIGSYS, desc, sizeof(desc));
	CHECK(strstr(desc, "killed by seccomp: syscall ? (7) refused by policy helper") == desc);
	close(p[0]);
	close(p[1]);
}

static void t_probe_check(void)
{
	CHECK_EQ(jail_probe_check("open"), 0);
	CHECK_EQ(jail_probe_check("open,socket,ls"), 0);
	CHECK_EQ(jail_probe_check("ls,"), 0);
	CHECK_EQ(jail_probe_check(""), -EINVAL);
	CHECK_EQ(jail_probe_check(","), -EINVAL);
	CHECK_EQ(jail_probe_check("open,,ls"), -EINVAL);
	CHECK_EQ(jail_probe_check("exec"), -EINVAL);
	CHECK_EQ(jail_probe_check("openopenopenopenopen"), -EINVAL);
	CHECK_EQ(jail_probe_check("open socket"), -EINVAL);
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static void t_close_fds(void)
{
	int p[2], status;
	pid_t pid;

	CHECK_EQ(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		int a = dup(0), b = dup(0), c = dup(0);
		const int keep[] = { 2, b, b, -1, 0, 1 };

		if (jail_close_fds(keep, 6) < 0)
			_exit(10);
		_exit(fd_open(a) * 1 + !fd_open(b) * 2 + fd_open(c) * 4 + fd_open(p[0]) * 8 +
		      fd_open(p[1]) * 16 + !fd_open(2) * 32);
	}
	close(p[0]);
	close(p[1]);
	status = wait_status(pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
}

/* Never remount the host's tree: without a mount ns of our own it must refuse. */
/* The jail's last step loads tests/unit/policy/jail_test.policy (run from the top dir). */
static void use_test_policy(void)
{
	CHECK_EQ(jail_seccomp_configure("tests/unit/policy", false), 0);
}

static void t_enter_needs_mntns(void)
{
	use_test_policy();
	struct jail_opts o = { .role = "test", .policy = "jail_test", .sandbox = true,
			       .nofile = 64, .report_fd = -1 };
	int status;
	pid_t pid;

	pid = fork();
	if (pid == 0)
		_exit(jail_enter(&o) == -EPERM ? 0 : 1);
	status = wait_status(pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

struct enter_result {
	int ret, pid1, open_errno, creat_errno, nnp, caps_left;
	long nofile, nproc;
};

/* A whole worker jail in a cloned child, examined from the inside. */
static void t_enter_worker(void)
{
	struct enter_result res = { .ret = -1 };
	int p[2];
	pid_t pid;

	use_test_policy();
	if (!caps_have_effective(CAP_SYS_ADMIN)) {
		fprintf(stderr, "SKIP t_enter_worker: needs CAP_SYS_ADMIN\n");
		return;
	}
	CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
	pid = jail_clone(JAIL_WORKER_NS);
	CHECK(pid >= 0);
	if (pid == 0) {
		const int keep[] = { 0, 1, 2, p[1] };
		struct jail_opts o = { .role = "test", .policy = "jail_test", .sandbox = true,
				       .keep = keep, .nkeep = 4, .nofile = 64, .report_fd = -1 };
		struct rlimit rl;

		res.ret = jail_enter(&o);
		res.pid1 = getpid() == 1;
		res.open_errno = open("/etc/passwd", O_RDONLY) < 0 ? errno : 0;
		res.creat_errno = open("/x", O_CREAT | O_WRONLY, 0600) < 0 ? errno : 0;
		res.nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
		for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
			res.caps_left += caps_have_effective((unsigned int)cap) ||
					 prctl(PR_CAPBSET_READ, cap, 0, 0, 0) > 0;
		getrlimit(RLIMIT_NOFILE, &rl);
		res.nofile = (long)rl.rlim_max;
		getrlimit(RLIMIT_NPROC, &rl);
		res.nproc = (long)rl.rlim_max;
		_exit(write(p[1], &res, sizeof(res)) == sizeof(res) ? 0 : 1);
	}
	close(p[1]);
	CHECK_EQ(read(p[0], &res, sizeof(res)), sizeof(res));
	close(p[0]);
	if (pid > 0)
		wait_status(pid);
	CHECK_EQ(res.ret, 0);
	CHECK(res.pid1);
	CHECK_EQ(res.open_errno, ENOENT);
	CHECK_EQ(res.creat_errno, EROFS);
	CHECK_EQ(res.nnp, 1);
	CHECK_EQ(res.caps_left, 0);
	CHECK_EQ(res.nofile, 64);
	CHECK_EQ(res.nproc, 0);
}

static int bind_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The unlinker removes the socket it was given, and never a newer one. */
static void t_unlinker(void)
{
	char dir[] = "/tmp/vug-unlinker.XXXXXX", path[64];
	struct jail_unlinker u;
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/s", dir);
	fd = bind_unix(path);
	CHECK(fd >= 0);
	CHECK_EQ(jail_unlinker_start(&u, path), 0);
	CHECK(u.pid > 0);
	close(fd);
	jail_unlinker_finish(&u);
	CHECK_EQ(access(path, F_OK), -1);
	CHECK_EQ(u.pid, 0);

	fd = bind_unix(path);
	CHECK_EQ(jail_unlinker_start(&u, path), 0);
	close(fd);
	unlink(path);
	fd = bind_unix(path);	/* someone else's socket now */
	jail_unlinker_finish(&u);
	CHECK_EQ(access(path, F_OK), 0);
	close(fd);
	unlink(path);
	CHECK_EQ(jail_unlinker_start(&u, path), -ENOENT);
	jail_unlinker_finish(&u);
	rmdir(dir);
}

TEST_MAIN(TEST_CASE(t_report_socket), TEST_CASE(t_report_args), TEST_CASE(t_report_pid1),
	  TEST_CASE(t_foreign_sigsys), TEST_CASE(t_report_read_errors), TEST_CASE(t_probe_check),
	  TEST_CASE(t_close_fds), TEST_CASE(t_enter_needs_mntns), TEST_CASE(t_enter_worker),
	  TEST_CASE(t_unlinker))
