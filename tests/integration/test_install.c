// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `make install` into a staging DESTDIR with PREFIX=/usr: the layout of
 * issue 5 (broker in bin, helper in libexec/vhost-user-gpio, policies in
 * share/vhost-user-gpio/policy/<arch>, man pages in man5 and man8, the
 * systemd units with the installed path in ExecStart), the installed broker
 * serving a front-end from there, and `make uninstall` removing every file.
 *
 * The program looks for its helper and policies where PREFIX says
 * (/usr/...), not in the staging directory, so the staged run names them
 * with --helper and --seccomp-policy-dir, as a packager's test would.
 * The build is not redone: the programs are given to make as old (-o).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../harness.h"
#include "../frontend/tfe.h"
#include "pol.h"

static char dest[64];
static const char *build;

static const char *const installed[] = {
	"/usr/bin/vhost-user-gpio",
	"/usr/libexec/vhost-user-gpio/vhost-user-gpio-helper",
	"/usr/share/vhost-user-gpio/policy/x86_64/worker.policy",
	"/usr/share/vhost-user-gpio/policy/x86_64/helper.policy",
	"/usr/share/vhost-user-gpio/policy/x86_64/broker.policy",
	"/usr/share/vhost-user-gpio/policy/x86_64/common.policy",
	"/usr/share/vhost-user-gpio/policy/x86_64/worker_io.policy",
	"/usr/share/vhost-user-gpio/policy/aarch64/worker.policy",
	"/usr/share/vhost-user-gpio/policy/aarch64/broker.policy",
	"/usr/share/man/man8/vhost-user-gpio.8",
	"/usr/share/man/man8/vhost-user-gpio-helper.8",
	"/usr/share/man/man5/vhost-user-gpio.policy.5",
	"/usr/lib/systemd/system/vhost-user-gpio@.service",
	"/usr/lib/systemd/system/vhost-user-gpio@.socket",
};

#define NINSTALLED (sizeof(installed) / sizeof(installed[0]))

/* make TARGET in the source tree, as a fresh top-level make; returns its status. */
static int run_make(const char *target)
{
	char cmd[1024];

	/* The suite may itself run under make: its jobserver and overrides stay out. */
	snprintf(cmd, sizeof(cmd),
		 "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES "
		 "make -s --no-print-directory -o %s/vhost-user-gpio -o %s/vhost-user-gpio-helper "
		 "B=%s PREFIX=/usr DESTDIR=%s %s >%s/make-%s.log 2>&1",
		 build, build, build, dest, target, dest, target);
	return system(cmd);
}

static int files_left;

static int count_file(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_F && !strstr(path, "/make-"))
		files_left++;
	return 0;
}

static void t_install(void)
{
	char path[256], unit[4096];
	struct stat st;
	ssize_t n;
	int fd;

	build = getenv("VUG_BUILD");
	if (!build || !*build)
		build = "build";
	snprintf(dest, sizeof(dest), "/tmp/vug-inst-XXXXXX");
	CHECK(mkdtemp(dest) != NULL);
	CHECK_EQ(run_make("install"), 0);
	for (unsigned int i = 0; i < NINSTALLED; i++) {
		snprintf(path, sizeof(path), "%s%s", dest, installed[i]);
		if (stat(path, &st) < 0)
			fprintf(stderr, "  not installed: %s\n", installed[i]);
		CHECK(stat(path, &st) == 0 && S_ISREG(st.st_mode));
	}
	snprintf(path, sizeof(path), "%s/usr/bin/vhost-user-gpio", dest);
	CHECK(access(path, X_OK) == 0);
	snprintf(path, sizeof(path), "%s/usr/lib/systemd/system/vhost-user-gpio@.service", dest);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, unit, sizeof(unit) - 1) : -1;
	if (fd >= 0)
		close(fd);
	CHECK(n > 0);
	unit[n > 0 ? n : 0] = '\0';
	CHECK(strstr(unit, "\nExecStart=/usr/bin/vhost-user-gpio --device-list ") != NULL);
	CHECK(strstr(unit, "@BINDIR@") == NULL);
}

/* The staged broker, with the staged helper and policies: a front-end gets served. */
static void t_run_installed(void)
{
	const char *arch = pol_arch_name(seccomp_arch_native());
	char bin[256], helper[256], poldir[256], sock[256], log[256], want[300];
	uint64_t features = 0;
	struct tfe *t = NULL;
	pid_t pid;
	int fd, status;

	snprintf(bin, sizeof(bin), "%s/usr/bin/vhost-user-gpio", dest);
	snprintf(helper, sizeof(helper), "%s/usr/libexec/vhost-user-gpio/vhost-user-gpio-helper",
		 dest);
	snprintf(poldir, sizeof(poldir), "%s/usr/share/vhost-user-gpio/policy/%s", dest, arch);
	snprintf(sock, sizeof(sock), "%s/gpio.sock", dest);
	snprintf(log, sizeof(log), "%s/daemon.log", dest);
	pid = fork();
	if (pid == 0) {
		const char *argv[] = { bin, "-s", sock, "-l", "s8", "--helper", helper,
				       "--seccomp-policy-dir", poldir, NULL };
		int out = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (out < 0 || dup2(out, 2) < 0)
			_exit(127);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	CHECK(pid > 0);
	fd = tfe_connect(sock, TFE_TIMEOUT_MS);
	CHECK(fd >= 0);
	if (fd >= 0)
		t = tfe_new(fd, 0);
	CHECK(t != NULL);
	if (t) {
		CHECK_EQ(tfe_get_u64(t, VU_GET_FEATURES, &features), 0);
		CHECK_EQ(features, TFE_DEV_FEATURES);
		CHECK_EQ(tfe_handshake(t, TFE_QEMU9), 0);
		CHECK_EQ(tfe_get_value(t, 5), 0);
		tfe_free(t);
	}
	/* It really ran the staged helper with the staged policies. */
	snprintf(want, sizeof(want), "started: %s", helper);
	CHECK_EQ(tfe_file_count(log, want), 1);
	snprintf(want, sizeof(want), "seccomp policies from %s", poldir);
	CHECK_EQ(tfe_file_count(log, want), 1);
	kill(pid, SIGTERM);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(access(sock, F_OK) < 0);
	unlink(log);
}

static void t_uninstall(void)
{
	char cmd[128];

	CHECK_EQ(run_make("uninstall"), 0);
	files_left = 0;
	CHECK_EQ(nftw(dest, count_file, 16, FTW_PHYS), 0);
	if (files_left)
		fprintf(stderr, "  %d files left in %s after make uninstall\n", files_left, dest);
	CHECK_EQ(files_left, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dest);
	CHECK_EQ(system(cmd), 0);
}

TEST_MAIN(TEST_CASE(t_install), TEST_CASE(t_run_installed), TEST_CASE(t_uninstall))
