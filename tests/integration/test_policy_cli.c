// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The policy files as an operator meets them, against the real broker:
 * a broken file stops the daemon before it serves, naming file:line and the
 * problem; --print-policy shows the compiled filter without starting
 * anything; --seccomp-log turns a violation into a kernel log entry.
 */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../harness.h"
#include "../frontend/tfe.h"
#include "pol.h"

static char bin[512];

static const char *arch(void)
{
	return pol_arch_name(seccomp_arch_native());
}

/* The broker with @args, its output in @out (tests/frontend/tfe_daemon.c). */
static int run(const char *const *args, char *out, size_t size)
{
	return tfe_run(bin, args, NULL, out, size);
}

/* A copy of the shipped policies in a temp dir, @name's file replaced by @text. */
static void policy_copy(char *dir, const char *name, const char *text)
{
	static const char *const files[] = { "common", "worker_io", "worker", "helper", "broker" };
	char src[256], dst[512], buf[16384];

	strcpy(dir, "/tmp/vug-pol-XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	for (unsigned int i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		ssize_t len = 0;
		int in, outfd;

		snprintf(src, sizeof(src), "policy/%s/%s.policy", arch(), files[i]);
		snprintf(dst, sizeof(dst), "%s/%s.policy", dir, files[i]);
		in = open(src, O_RDONLY);
		CHECK(in >= 0);
		if (in >= 0) {
			len = read(in, buf, sizeof(buf));
			close(in);
		}
		outfd = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		CHECK(outfd >= 0);
		if (strcmp(files[i], name) == 0)
			CHECK(write(outfd, text, strlen(text)) == (ssize_t)strlen(text));
		else if (len > 0)
			CHECK(write(outfd, buf, (size_t)len) == len);
		close(outfd);
	}
}

static void policy_remove(const char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK_EQ(system(cmd), 0);
}

static void expect_refused(const char *name, const char *text, const char *want1,
			   const char *want2)
{
	char dir[64], out[8192];
	const char *args[] = { "-s", "/tmp/vug-pol-never.sock", "-l", "s8",
			       "--seccomp-policy-dir", dir, NULL };

	policy_copy(dir, name, text);
	CHECK_EQ(run(args, out, sizeof(out)), 2);
	if (!strstr(out, want1) || (want2 && !strstr(out, want2)))
		fprintf(stderr, "  output was: %s\n", out);
	CHECK(strstr(out, want1) != NULL);
	if (want2)
		CHECK(strstr(out, want2) != NULL);
	/* Refused before serving: no socket was ever created. */
	CHECK(access("/tmp/vug-pol-never.sock", F_OK) < 0);
	policy_remove(dir);
}

static void t_bad_policies(void)
{
	expect_refused("worker", "@include common.policy\n@include worker_io.policy\n"
		       "# a typo\nsocketz: 1\n",
		       "worker.policy:4", "unknown syscall 'socketz'");
	expect_refused("helper", "@include common.policy\nread: 1\n",
		       "helper.policy:2", "common.policy");
	expect_refused("broker", "@include common.policy\nfchown: arg1 == PROT_EXECUTE\n",
		       "broker.policy:2", "PROT_EXECUTE");
	expect_refused("worker", "@include nowhere.policy\n", "worker.policy:1",
		       "nowhere.policy");
	/* Parses, but libseccomp 2.5 never finishes compiling it (found by fuzzing). */
	expect_refused("worker", "@include common.policy\n@include worker_io.policy\n"
		       "fchown: arg1 <= 4 && arg2 == 1 || arg1 <= 4 && arg2 == 0x100000000\n",
		       "worker.policy: libseccomp did not finish compiling", NULL);
}

static void t_print_policy(void)
{
	const char *args[] = { "--print-policy", "worker", NULL };
	const char *bad[] = { "--print-policy", "everything", NULL };
	static char out[65536];

	CHECK_EQ(run(args, out, sizeof(out)), 0);
	CHECK(strstr(out, "worker.policy") != NULL);
	CHECK(strstr(out, arch()) != NULL);
	/* The table: a rule with its condition as written and its source line. */
	CHECK(strstr(out, "arg2 in ~PROT_EXEC") != NULL);
	CHECK(strstr(out, "common.policy:") != NULL);
	/* libseccomp's pseudo filter code follows the table. */
	CHECK(strstr(out, "if ($syscall ==") != NULL || strstr(out, "$syscall") != NULL);
	CHECK(strstr(out, "socket") == NULL);
	CHECK_EQ(run(bad, out, sizeof(out)), 2);
	CHECK(strstr(out, "--print-policy 'everything'") != NULL);
}

/* Audit mode: the socket probe no longer kills the worker; it is logged and allowed. */
static void t_seccomp_log(void)
{
	static const char *const args[] = { "--seccomp-log", NULL };
	static const char *const env[] = { "VUG_TEST_WORKER_PROBE=socket", NULL };
	char logpath[64];
	struct tfe_daemon_opts o = { .args = args, .env = env, .log_path = logpath };
	struct tfe_daemon d;
	struct tfe *t;

	snprintf(logpath, sizeof(logpath), "/tmp/vug-pol-test-%d.log", (int)getpid());
	if (tfe_daemon_start_ex(&d, "s8", 1, &o) < 0) {
		CHECK(!"daemon start");
		return;
	}
	t = tfe_daemon_open(&d, TFE_QEMU9);
	CHECK(t != NULL);
	if (t)
		CHECK_EQ(tfe_get_value(t, 3), 0);
	CHECK_EQ(tfe_file_wait(logpath, "test probe: socket(AF_INET, SOCK_STREAM): succeeded", 1,
			       TFE_TIMEOUT_MS), 0);
	CHECK_EQ(tfe_file_count(logpath, "AUDIT MODE"), 1);
	CHECK_EQ(tfe_file_count(logpath, "killed by"), 0);
	tfe_free(t);
	CHECK_EQ(tfe_daemon_stop(&d), 0);
	unlink(logpath);
}

static void setup(void)
{
	const char *b = getenv("VUG_BUILD");

	snprintf(bin, sizeof(bin), "%s/vhost-user-gpio", b ? b : "build");
}

static void t_setup(void)
{
	setup();
	CHECK(access(bin, X_OK) == 0);
}

TEST_MAIN(TEST_CASE(t_setup), TEST_CASE(t_bad_policies), TEST_CASE(t_print_policy),
	  TEST_CASE(t_seccomp_log))
