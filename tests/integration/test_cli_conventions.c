// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The command line as an operator meets it, against the real broker:
 * each configuration mistake of issue 5 (a bad option, a missing socket
 * directory, a socket path a live daemon serves, a device list that does
 * not match the sockets, s0, s70000, an unknown chip) gives exactly one
 * line naming the problem and exit status 2, before anything is created;
 * --print-capabilities follows QEMU's back-end conventions; SIGHUP stops
 * the daemon like SIGTERM.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../harness.h"
#include "../frontend/tfe.h"

static char bin[512];
static char dir[64];

/* The broker with @args and @env, its output in @out (tests/frontend/tfe_daemon.c). */
static int run(const char *const *args, const char *const *env, char *out, size_t size)
{
	return tfe_run(bin, args, env, out, size);
}

/*
 * Lines that report a problem: everything but informational log lines and
 * the "Try --help" hint that follows a usage error.
 */
static int problem_lines(const char *out, const char *want, bool *found)
{
	char line[1024];
	int n = 0;

	*found = false;
	for (const char *p = out; *p;) {
		size_t len = strcspn(p, "\n");

		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		p += len + (p[len] == '\n');
		if (!line[0] || strstr(line, ": info: ") || strstr(line, ": debug: ") ||
		    !strcmp(line, "Try 'vhost-user-gpio --help'."))
			continue;
		n++;
		if (strstr(line, want))
			*found = true;
	}
	return n;
}

/* Exit status 2, one problem line, and it contains @want. */
static void expect_one_error(const char *const *args, const char *const *env, const char *want)
{
	static char out[16384];
	bool found;
	int rc = run(args, env, out, sizeof(out)), n = problem_lines(out, want, &found);

	if (rc != 2 || n != 1 || !found)
		fprintf(stderr, "  %s ...: status %d, output:\n%s  (wanted one line with \"%s\")\n",
			args[0], rc, out, want);
	CHECK_EQ(rc, 2);
	CHECK_EQ(n, 1);
	CHECK(found);
}

static void sock_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static void t_setup(void)
{
	const char *b = getenv("VUG_BUILD");

	snprintf(bin, sizeof(bin), "%s/vhost-user-gpio", b && *b ? b : "build");
	CHECK(access(bin, X_OK) == 0);
	snprintf(dir, sizeof(dir), "/tmp/vug-cli-XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
}

static void t_bad_option(void)
{
	const char *a1[] = { "-s", "/tmp/vug-never.sock", "-l", "s8", "--bogus", NULL };
	const char *a2[] = { "-s", "/tmp/vug-never.sock", "-l", "s8", "--log-level", "loud", NULL };
	const char *a3[] = { "-s", "/tmp/vug-never.sock", "-l", "s8", "-c", NULL };

	expect_one_error(a1, NULL, "unknown option '--bogus'");
	expect_one_error(a2, NULL, "--log-level 'loud'");
	expect_one_error(a3, NULL, "option '-c' requires an argument");
	CHECK(access("/tmp/vug-never.sock", F_OK) < 0);
}

static void t_missing_socket_dir(void)
{
	const char *args[] = { "-s", "/tmp/vug-no-such-dir/sub/gpio.sock", "-l", "s8", NULL };

	expect_one_error(args, NULL, "socket path /tmp/vug-no-such-dir/sub/gpio.sock: directory "
			 "/tmp/vug-no-such-dir/sub does not exist");
}

/* A second daemon on the same path refuses, and the first one keeps its socket. */
static void t_socket_in_use(void)
{
	struct tfe_daemon d;
	struct tfe *t;
	struct stat before, after;
	const char *args[] = { "-s", d.sock, "-l", "s8", NULL };
	char want[160];

	if (tfe_daemon_start(&d, "s8", 1) < 0) {
		CHECK(!"first daemon starts");
		return;
	}
	CHECK_EQ(stat(d.sock, &before), 0);
	snprintf(want, sizeof(want), "socket path %s is in use", d.sock);
	expect_one_error(args, NULL, want);
	CHECK_EQ(stat(d.sock, &after), 0);
	CHECK(before.st_ino == after.st_ino);
	/* The first daemon still serves on it. */
	t = tfe_daemon_open(&d, TFE_QEMU9);
	CHECK(t != NULL);
	if (t)
		CHECK_EQ(tfe_get_value(t, 0), 0);
	tfe_free(t);
	CHECK_EQ(tfe_daemon_stop(&d), 0);
}

/* A stale socket file is replaced; a file that is not a socket is left alone. */
static void t_stale_and_not_socket(void)
{
	char path[128], want[192];
	const char *args[] = { "-s", path, "-l", "s8", NULL };
	struct stat st;
	int fd;

	sock_path(path, sizeof(path), "plain-file");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	snprintf(want, sizeof(want), "socket path %s exists and is not a socket", path);
	expect_one_error(args, NULL, want);
	CHECK(stat(path, &st) == 0 && S_ISREG(st.st_mode));
	unlink(path);
}

static void t_device_list_mismatch(void)
{
	char path[128];
	const char *a1[] = { "-s", path, "-c", "2", "-l", "s8", NULL };
	const char *a2[] = { "-s", path, "-l", "s8:s8", NULL };

	sock_path(path, sizeof(path), "g.sock");
	expect_one_error(a1, NULL, "--device-list 's8': 1 entry for 2 sockets");
	expect_one_error(a2, NULL, "--device-list 's8:s8': 2 entries for 1 socket");
	CHECK(access(path, F_OK) < 0);
}

static void t_bad_entries(void)
{
	char path[128];
	const char *a0[] = { "-s", path, "-l", "s0", NULL };
	const char *abig[] = { "-s", path, "-l", "s70000", NULL };
	const char *akind[] = { "-s", path, "-l", "x3", NULL };
	const char *achip[] = { "-s", path, "-l", "99999", NULL };

	sock_path(path, sizeof(path), "g.sock");
	expect_one_error(a0, NULL, "--device-list 's0': device 0: bad entry \"s0\"");
	expect_one_error(abig, NULL, "--device-list 's70000': device 0: bad entry \"s70000\"");
	expect_one_error(akind, NULL, "--device-list 'x3': device 0: bad entry \"x3\"");
	expect_one_error(achip, NULL, "--device-list '99999': device 0: /dev/gpiochip99999: "
			 "No such file or directory");
	CHECK(access(path, F_OK) < 0);
}

static void t_syslog_unreachable(void)
{
	char path[128];
	const char *args[] = { "-s", path, "-l", "s8", "--syslog", NULL };
	const char *env[] = { "VUG_SYSLOG_SOCKET=/tmp/vug-no-such-dir/log", NULL };

	sock_path(path, sizeof(path), "g.sock");
	expect_one_error(args, env, "--syslog: /tmp/vug-no-such-dir/log: No such file or "
			 "directory");
	CHECK(access(path, F_OK) < 0);
}

/* QEMU's back-end conventions: JSON on stdout, status 0, every other option ignored. */
static void t_print_capabilities(void)
{
	static const char json[] = "{\n  \"type\": \"gpio\"\n}\n";
	const char *a1[] = { "--print-capabilities", NULL };
	const char *a2[] = { "--bogus", "-x", "--print-capabilities", "stray", NULL };
	const char *a3[] = { "-s", "/tmp/vug-never.sock", "--print-capabilities", "-l", "s0",
			     NULL };
	const char *a4[] = { "-s", "--print-capabilities", "-l", "s8", "--help", NULL };
	char out[4096];

	CHECK_EQ(run(a1, NULL, out, sizeof(out)), 0);
	CHECK(strcmp(out, json) == 0);
	CHECK_EQ(run(a2, NULL, out, sizeof(out)), 0);
	CHECK(strcmp(out, json) == 0);
	CHECK_EQ(run(a3, NULL, out, sizeof(out)), 0);
	CHECK(strcmp(out, json) == 0);
	CHECK(access("/tmp/vug-never.sock", F_OK) < 0);
	/* As the argument of -s it is a path, not the option. */
	CHECK_EQ(run(a4, NULL, out, sizeof(out)), 0);
	CHECK(strstr(out, "Usage:") != NULL);
}

/* Exactly one of --socket-path and --fd. */
static void t_socket_or_fd(void)
{
	const char *none[] = { "-l", "s8", NULL };
	const char *both[] = { "-s", "/tmp/vug-never.sock", "--fd", "0", "-l", "s8", NULL };

	expect_one_error(none, NULL, "Must specify either --socket-path or --fd");
	expect_one_error(both, NULL, "Cannot specify both --socket-path and --fd");
}

/* SIGHUP: the same orderly shutdown as SIGTERM. */
static void t_sighup(void)
{
	struct tfe_daemon d;
	char sock[128];

	if (tfe_daemon_start(&d, "s8", 1) < 0) {
		CHECK(!"daemon starts");
		return;
	}
	snprintf(sock, sizeof(sock), "%s", d.sock);
	kill(d.pid, SIGHUP);
	CHECK_EQ(tfe_daemon_wait_exit(&d, 5000), 0);
	CHECK(access(sock, F_OK) < 0);
	CHECK(access(d.ctl, F_OK) < 0);
	tfe_daemon_stop(&d);
}

static void t_cleanup(void)
{
	CHECK_EQ(rmdir(dir), 0);
}

TEST_MAIN(TEST_CASE(t_setup), TEST_CASE(t_bad_option), TEST_CASE(t_missing_socket_dir),
	  TEST_CASE(t_socket_in_use), TEST_CASE(t_stale_and_not_socket),
	  TEST_CASE(t_device_list_mismatch), TEST_CASE(t_bad_entries),
	  TEST_CASE(t_syslog_unreachable), TEST_CASE(t_print_capabilities),
	  TEST_CASE(t_socket_or_fd), TEST_CASE(t_sighup), TEST_CASE(t_cleanup))
