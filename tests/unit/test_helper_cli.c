// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The helper's process surface, run against the real binary: control
 * channel answers, SIGTERM, the simulation control socket (file, grammar,
 * errors, several clients) and command line / device list errors.
 */
#include "helper_proc.h"

static void test_control(void)
{
	struct ipc_session_open req = { .device = 0, .reserved = 1 };
	struct ipc_session_result res;
	struct stat st;
	struct hp h;
	int p[2], status = -1;

	if (start(&h, "s2:s2", 2) < 0)
		return;
	CHECK_EQ(session(&h, 2), -ENODEV);
	CHECK_EQ(session(&h, 0xffff), -ENODEV);
	/* reserved fields must be zero */
	CHECK_EQ(pipe(p), 0);
	close(p[0]);
	{
		int sv[2];

		CHECK_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
		CHECK_EQ(ipc_send(h.ctl, IPC_REQ_SESSION_OPEN, &req, sizeof(req), sv[1]), 0);
		close(sv[1]);
		CHECK_EQ(recv_timeout(h.ctl, &msg, TIMEOUT_MS), 0);
		memcpy(&res, msg.payload, sizeof(res));
		CHECK_EQ(res.error, -EINVAL);
		CHECK(ended(sv[0]));	/* refused fds are closed */
		close(sv[0]);
	}
	/* not a SEQPACKET socket */
	req.reserved = 0;
	CHECK_EQ(ipc_send(h.ctl, IPC_REQ_SESSION_OPEN, &req, sizeof(req), p[1]), 0);
	close(p[1]);
	CHECK_EQ(recv_timeout(h.ctl, &msg, TIMEOUT_MS), 0);
	memcpy(&res, msg.payload, sizeof(res));
	CHECK(res.error < 0);

	/* the socket: mode 0600 */
	CHECK_EQ(stat(h.path, &st), 0);
	CHECK(S_ISSOCK(st.st_mode));
	CHECK_EQ(st.st_mode & 0777, 0600);

	/* SIGTERM: clean exit, socket gone */
	close(h.sim);
	CHECK_EQ(kill(h.pid, SIGTERM), 0);
	CHECK_EQ(waitpid(h.pid, &status, 0), h.pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(access(h.path, F_OK) < 0);
	close(h.ctl);

	/* a stale socket file is replaced */
	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/stale.sock", tmpdir);
		CHECK_EQ(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		close(fd);
		snprintf(h.path, sizeof(h.path), "%s", sa.sun_path);
		h.pid = spawn((const char *const[]){ "--device-list", "s1", "--sim-control",
						    h.path, NULL }, &h.ctl, -1);
		CHECK_EQ(recv_timeout(h.ctl, &msg, TIMEOUT_MS), 0);
		CHECK_EQ(msg.hdr.type, IPC_EVT_HELPER_READY);
		h.sim = sim_connect(h.path);
		CHECK(h.sim >= 0);
		SIM_IS(&h, "info 0\n", "ok lines=1 kind=sim");
		stop(&h);
	}
}

static void test_sim_errors(void)
{
	char longline[400];
	struct hp h;
	int other;

	if (start(&h, "s8", 1) < 0)
		return;
	SIM_IS(&h, "info 0\n", "ok lines=8 kind=sim");
	SIM_IS(&h, "info 0\r\n", "ok lines=8 kind=sim");
	SIM_IS(&h, "  get\t0  7 \n", "ok dir=in value=0 input=0 irq=none");
	SIM_IS(&h, "\n", "err empty command");
	SIM_IS(&h, "frob 1\n", "err unknown command 'frob' (set, get, info, stats)");
	SIM_IS(&h, "get 0\n", "err 'get' needs 2 arguments: get DEV LINE");
	SIM_IS(&h, "info 0 extra\n", "err extra argument 'extra': info DEV");
	SIM_IS(&h, "set 0 1 1 quietly\n", "err bad flag 'quietly' (noevent)");
	SIM_IS(&h, "set 0 1 1 noevent x\n", "err extra argument 'x': set DEV LINE LEVEL [noevent]");
	SIM_IS(&h, "set x 1 1\n", "err bad device 'x'");
	SIM_IS(&h, "set -1 1 1\n", "err bad device '-1'");
	SIM_IS(&h, "info 1\n", "err no device '1' (1 devices)");
	SIM_IS(&h, "get 0 8\n", "err no line '8' on device 0 (8 lines)");
	SIM_IS(&h, "get 0 99999999\n", "err bad line '99999999'");
	SIM_IS(&h, "set 0 1 2\n", "err bad level '2' (0 or 1)");
	SIM_IS(&h, "set 0 1 high\n", "err bad level 'high' (0 or 1)");
	SIM_IS(&h, "set 0 1\x01 1\n", "err bad line '1?'");

	/* too long: one error, then the stream is in step again */
	memset(longline, 'a', 300);
	strcpy(longline + 300, "\n");
	SIM_IS(&h, longline, "err line too long");
	SIM_IS(&h, "info 0\n", "ok lines=8 kind=sim");
	/* the same without newline, then its end arrives later */
	longline[300] = '\0';
	CHECK_EQ(write(h.sim, longline, 300), 300);
	SIM_IS(&h, "aaaa\ninfo 0\n", "err line too long");
	SIM_IS(&h, "", "ok lines=8 kind=sim");

	/* two clients at once; a half-closed client still gets its answer */
	other = sim_connect(h.path);
	CHECK(other >= 0);
	SIM_IS(&h, "set 0 6 1\n", "ok");
	{
		char buf[128] = { 0 };
		ssize_t n;
		size_t got = 0;

		CHECK_EQ(write(other, "get 0 6", 7), 7);
		shutdown(other, SHUT_WR);
		while ((n = read(other, buf + got, sizeof(buf) - 1 - got)) > 0)
			got += (size_t)n;
		CHECK(strcmp(buf, "ok dir=in value=1 input=1 irq=none\n") == 0);
		close(other);
	}
	stop(&h);
}

/* Run the helper with bad arguments: exit 2 and @want on stderr. */
static void bad_run(const char *const *args, const char *want)
{
	char err[4096] = { 0 };
	size_t got = 0;
	ssize_t n;
	int p[2], ctl = -1, status = -1;
	pid_t pid;

	CHECK_EQ(pipe(p), 0);
	pid = spawn(args, &ctl, p[1]);
	close(p[1]);
	while ((n = read(p[0], err + got, sizeof(err) - 1 - got)) > 0)
		got += (size_t)n;
	close(p[0]);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 2);
	if (!strstr(err, want)) {
		th_failed++;
		fprintf(stderr, "FAIL [%s]: stderr lacks \"%s\":\n%s\n", th_current, want, err);
	} else {
		th_passed++;
	}
	close(ctl);
}

static void test_bad_lists(void)
{
	static char many[400];
	static char notsock[100];
	static const struct {
		const char *list, *want;
	} cases[] = {
		/* host chips: this test runs where there may be none, so only errors */
		{ "99999", "device 0: /dev/gpiochip99999: no such file" },
		{ "s2:99998", "device 1: /dev/gpiochip99998: no such file" },
		{ "/nonexistent/gpiochip0", "device 0: /nonexistent/gpiochip0: no such file" },
		{ "/tmp", "device 0: /tmp: not a character device" },
		{ "/dev/null", "device 0: /dev/null: not a GPIO chip" },
		{ "label=vug-no-such-label", "device 0: chip labelled \"vug-no-such-label\": no "
					     "GPIO chip has this label" },
		/* access policy: parse errors, and those found against the chip */
		{ "s8,lines=8", "device 0: lines=: line 8 is out of range: the chip has 8 lines" },
		{ "s8,lines=1-3,input-only=0", "device 0: input-only=: line 0 is not in lines=" },
		{ "s8,lines=3+3", "device 0: lines=: line 3 is listed twice" },
		{ "s8,lines=3-1", "device 0: lines=: bad range \"3-1\"" },
		{ "s2,names=a+b+c", "device 0: names= gives 3 names for 2 lines" },
		{ "s2,names=a+a", "device 0: names=: guest lines 0 and 1 are both \"a\"" },
		{ "s2,names=a!+b", "device 0: names=: bad name \"a!\"" },
		{ "s2,frob=1", "device 0: unknown option \"frob=1\"" },
		{ "s70000", "device 0: bad entry \"s70000\": a simulated chip has 1..65535 lines" },
		{ "s0", "device 0: bad entry \"s0\": a simulated chip has 1..65535 lines" },
		{ "s65536", "device 0: bad entry \"s65536\"" },
		{ "sx", "device 0: bad entry \"sx\"" },
		{ "s", "device 0: bad entry \"s\"" },
		{ "s1::s2", "device 1: empty entry" },
		{ "s1:", "device 1: empty entry" },
		{ "", "empty device list" },
		{ "s8:abc", "device 1: bad entry \"abc\"" },
		{ "-1", "device 0: bad entry \"-1\"" },
		{ "s+4", "device 0: bad entry \"s+4\"" },
		{ "4:4", "device 1: /dev/gpiochip4 is already device 0" },
		{ "4,lines=0-2:4,lines=2", "device 1: /dev/gpiochip4 is already device 0" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		bad_run((const char *const[]){ "--device-list", cases[i].list, NULL },
			cases[i].want);
	for (int i = 0; i < 65; i++)
		strcat(many, i ? ":s1" : "s1");
	bad_run((const char *const[]){ "--device-list", many, NULL }, "more than 64 devices");
	bad_run((const char *const[]){ "--device-list", "s1", "--log-level", "loud", NULL },
		"unknown level \"loud\"");
	bad_run((const char *const[]){ "--device-list", "s1", "--frob", NULL }, "--frob");
	bad_run((const char *const[]){ "--device-list", "s1", "stray", NULL }, "\"stray\"");

	/* sim control path that is not a socket is left alone */
	snprintf(notsock, sizeof(notsock), "%s/regular", tmpdir);
	close(open(notsock, O_CREAT | O_WRONLY, 0600));
	bad_run((const char *const[]){ "--device-list", "s1", "--sim-control", notsock, NULL },
		"exists and is not a socket");
	CHECK_EQ(access(notsock, F_OK), 0);
	unlink(notsock);

	/* missing options, bad control fd */
	{
		char err[1024] = { 0 };
		int p[2], status = -1;
		pid_t pid;

		CHECK_EQ(pipe(p), 0);
		pid = fork();
		if (pid == 0) {
			char num[16];
			int fd = open("/dev/null", O_RDWR);	/* an fd, but no socket */

			snprintf(num, sizeof(num), "%d", fd);
			dup2(p[1], STDERR_FILENO);
			execl(bin(), bin(), "--control-fd", num, "--device-list", "s1",
			      (char *)NULL);
			_exit(127);
		}
		close(p[1]);
		CHECK(read(p[0], err, sizeof(err) - 1) > 0);
		close(p[0]);
		waitpid(pid, &status, 0);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 2);
		CHECK(strstr(err, "not a SOCK_SEQPACKET socket") != NULL);
	}
	bad_run((const char *const[]){ NULL }, "--device-list are required");
}
TEST_MAIN(TEST_CASE(setup), TEST_CASE(test_control), TEST_CASE(test_sim_errors),
	  TEST_CASE(test_bad_lists), TEST_CASE(cleanup))
