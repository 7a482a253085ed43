// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Log lines of the three processes: each tagged with its role and the pid
 * the host sees (the broker's "worker N started" and ps), not the 1 the
 * worker and the helper have in their pid namespaces; --syslog sends every
 * process's lines, the jailed ones included, as daemon-facility datagrams;
 * a journal stream gets "<N>" priorities and no timestamps.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../harness.h"
#include "../frontend/tfe.h"

static char dir[64];

/* The pid logged after @prefix ("worker ", "helper ") in @path, or -1. */
static int logged_pid(const char *path, const char *prefix, const char *suffix)
{
	static char buf[1 << 16];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), pid;
	char *p;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	for (p = buf; (p = strstr(p, prefix)); p += strlen(prefix)) {
		char *end;

		pid = (int)strtol(p + strlen(prefix), &end, 10);
		if (end != p + strlen(prefix) && strncmp(end, suffix, strlen(suffix)) == 0)
			return pid;
	}
	return -1;
}

/* Connect, handshake, read a line: the worker logs that it serves. */
static struct tfe *serve(struct tfe_daemon *d)
{
	struct tfe *t = tfe_daemon_open(d, TFE_QEMU9);

	CHECK(t != NULL);
	if (t)
		CHECK_EQ(tfe_get_value(t, 1), 0);
	return t;
}

static void t_setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/vug-log-XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
}

static void t_host_pids(void)
{
	static const char *const args[] = { "--log-level", "info", NULL };
	char log[128], want[96];
	struct tfe_daemon_opts o = { .args = args, .log_path = log };
	struct tfe_daemon d;
	struct tfe *t;
	int worker, helper;

	snprintf(log, sizeof(log), "%s/stderr.log", dir);
	if (tfe_daemon_start_ex(&d, "s8", 1, &o) < 0) {
		CHECK(!"daemon starts");
		return;
	}
	t = serve(&d);
	CHECK_EQ(tfe_file_wait(log, "worker: info: device 0: serving a front-end", 1,
			       TFE_TIMEOUT_MS), 0);
	worker = logged_pid(log, "broker: info: worker ", " for ");
	helper = logged_pid(log, "broker: info: helper ", " started");
	CHECK(worker > 1 && helper > 1);
	snprintf(want, sizeof(want), "vhost-user-gpio[%d] worker: info: device 0: serving", worker);
	CHECK_EQ(tfe_file_count(log, want), 1);
	snprintf(want, sizeof(want), "vhost-user-gpio[%d] helper: info: ready", helper);
	CHECK_EQ(tfe_file_count(log, want), 1);
	snprintf(want, sizeof(want), "vhost-user-gpio[%d] broker: ", (int)d.pid);
	CHECK(tfe_file_count(log, want) >= 3);
	CHECK_EQ(tfe_file_count(log, "vhost-user-gpio[1] "), 0);
	/* The stderr format: UTC timestamp first. */
	CHECK(tfe_file_count(log, "Z vhost-user-gpio[") >= 5);
	tfe_free(t);
	CHECK_EQ(tfe_daemon_stop(&d), 0);
	unlink(log);
}

/* A syslog daemon stand-in: every datagram on @path becomes a line of @out. */
static pid_t syslog_sink(const char *path, const char *out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), ofd;
	pid_t pid;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
	if (ofd < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		char buf[2048];

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;) {
			ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				_exit(1);
			buf[n++] = '\n';
			if (write(ofd, buf, (size_t)n) != n)
				_exit(1);
		}
	}
	close(fd);
	close(ofd);
	return pid;
}

static void t_syslog(void)
{
	static const char *const args[] = { "--syslog", "--log-level", "info", "--seccomp-log",
					    NULL };
	char sock[128], out[128], errlog[128], env_sock[160], want[128];
	const char *env[] = { env_sock, NULL };
	struct tfe_daemon_opts o = { .args = args, .env = env, .log_path = errlog };
	struct tfe_daemon d;
	struct tfe *t;
	pid_t sink;
	int worker, helper;

	snprintf(sock, sizeof(sock), "%s/log", dir);
	snprintf(out, sizeof(out), "%s/syslog.txt", dir);
	snprintf(errlog, sizeof(errlog), "%s/stderr.log", dir);
	snprintf(env_sock, sizeof(env_sock), "VUG_SYSLOG_SOCKET=%s", sock);
	sink = syslog_sink(sock, out);
	CHECK(sink > 0);
	if (sink <= 0)
		return;
	if (tfe_daemon_start_ex(&d, "s8", 1, &o) < 0) {
		CHECK(!"daemon starts");
		kill(sink, SIGKILL);
		waitpid(sink, NULL, 0);
		return;
	}
	t = serve(&d);
	/* The jailed worker's line arrives: fd 2 is the syslog socket it kept. */
	CHECK_EQ(tfe_file_wait(out, "]: worker: info: device 0: serving a front-end", 1,
			       TFE_TIMEOUT_MS), 0);
	worker = logged_pid(out, "broker: info: worker ", " for ");
	helper = logged_pid(out, "broker: info: helper ", " started");
	CHECK(worker > 1 && helper > 1);
	/* RFC 3164: <PRI>Mmm dd hh:mm:ss TAG[PID]: ; daemon.info is 30, daemon.warning 28. */
	snprintf(want, sizeof(want), " vhost-user-gpio[%d]: worker: info: device 0: serving",
		 worker);
	CHECK_EQ(tfe_file_count(out, want), 1);
	snprintf(want, sizeof(want), " vhost-user-gpio[%d]: helper: info: ready", helper);
	CHECK_EQ(tfe_file_count(out, want), 1);
	snprintf(want, sizeof(want), " vhost-user-gpio[%d]: broker: warn: --seccomp-log",
		 (int)d.pid);
	CHECK_EQ(tfe_file_count(out, want), 1);
	CHECK(tfe_file_count(out, "<30>") >= 5);
	CHECK_EQ(tfe_file_count(out, "<28>"), 1);
	/* One datagram, one line: nothing else in between. */
	CHECK_EQ(tfe_file_count(out, "\n<"), tfe_file_count(out, "\n") - 1);
	tfe_free(t);
	CHECK_EQ(tfe_daemon_stop(&d), 0);
	/* Nothing went to the original stderr. */
	CHECK_EQ(tfe_file_count(errlog, "vhost-user-gpio"), 0);
	kill(sink, SIGKILL);
	waitpid(sink, NULL, 0);
	unlink(sock);
	unlink(out);
	unlink(errlog);
}

/* systemd's journal stream: "<N>" priorities, no timestamps of our own. */
static void t_journal(void)
{
	static const char *const args[] = { "--log-level", "info", NULL };
	char log[128], env_js[96];
	const char *env[] = { env_js, NULL };
	struct tfe_daemon_opts o = { .args = args, .env = env, .log_path = log };
	struct tfe_daemon d;
	struct stat st;
	struct tfe *t;
	int fd;

	snprintf(log, sizeof(log), "%s/journal.log", dir);
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && fstat(fd, &st) == 0);
	if (fd >= 0)
		close(fd);
	snprintf(env_js, sizeof(env_js), "JOURNAL_STREAM=%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	if (tfe_daemon_start_ex(&d, "s8", 1, &o) < 0) {
		CHECK(!"daemon starts");
		return;
	}
	t = serve(&d);
	CHECK_EQ(tfe_file_wait(log, "<6>vhost-user-gpio[", 5, TFE_TIMEOUT_MS), 0);
	CHECK_EQ(tfe_file_wait(log, "] worker: info: device 0: serving", 1, TFE_TIMEOUT_MS), 0);
	CHECK_EQ(tfe_file_count(log, "Z vhost-user-gpio["), 0);
	tfe_free(t);
	CHECK_EQ(tfe_daemon_stop(&d), 0);
	unlink(log);
}

static void t_cleanup(void)
{
	CHECK_EQ(rmdir(dir), 0);
}

TEST_MAIN(TEST_CASE(t_setup), TEST_CASE(t_host_pids), TEST_CASE(t_syslog),
	  TEST_CASE(t_journal), TEST_CASE(t_cleanup))
