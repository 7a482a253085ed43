// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * VUG_TEST_WORKER_PROBE: a test-only trigger that makes a jailed worker try
 * what its jail must forbid, and log what happened. Reachability: only the
 * broker reads the variable, once, at start-up (broker.c), and hands it to
 * the first worker it starts through struct worker_opts; neither a guest
 * nor a front-end can set or change it. The first worker only, so a test
 * can watch that worker fail and the next connection be served normally.
 *
 *   open    open("/etc/passwd", O_RDONLY): the empty root gives ENOENT
 *   socket  socket(AF_INET, SOCK_STREAM, 0): under seccomp the worker is
 *           killed by SIGSYS and the broker names the syscall
 *   ls      the entries of "/" (none but . and ..)
 *   gpio-values  ioctl(-1, GPIO_V2_LINE_GET_VALUES_IOCTL): allowed for line
 *           capabilities, so the worker lives and logs EBADF
 *   gpio-config  ioctl(-1, GPIO_V2_LINE_SET_CONFIG_IOCTL): reconfiguring a
 *           line is the helper's; the worker is killed by SIGSYS
 *
 * Lines are logged at warn level, "test probe: ...", so they show at the
 * test suite's default --log-level warn.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/gpio.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "jail.h"
#include "log.h"

#define PROBE_NAME_MAX	16

static const char *const probe_names[] = { "open", "socket", "ls", "gpio-values",
					   "gpio-config" };

/* Copy the next comma-separated token of *@spec into @name; false at the end. */
static bool probe_next(const char **spec, char name[PROBE_NAME_MAX], bool *too_long)
{
	size_t len;

	if (!**spec)
		return false;
	len = strcspn(*spec, ",");
	*too_long = len >= PROBE_NAME_MAX;
	snprintf(name, PROBE_NAME_MAX, "%.*s", (int)(*too_long ? 0 : len), *spec);
	*spec += len + ((*spec)[len] == ',');
	return true;
}

static bool probe_known(const char *name)
{
	for (unsigned int i = 0; i < sizeof(probe_names) / sizeof(probe_names[0]); i++)
		if (!strcmp(name, probe_names[i]))
			return true;
	return false;
}

int jail_probe_check(const char *spec)
{
	char name[PROBE_NAME_MAX];
	unsigned int n = 0;
	bool too_long;

	while (probe_next(&spec, name, &too_long)) {
		if (too_long || !probe_known(name))
			return -EINVAL;
		n++;
	}
	return n ? 0 : -EINVAL;
}

static void probe_open(void)
{
	int fd = open("/etc/passwd", O_RDONLY);

	if (fd < 0) {
		log_warn("test probe: open(/etc/passwd): %s", strerror(errno));
		return;
	}
	log_warn("test probe: open(/etc/passwd): succeeded");
	close(fd);
}

static void probe_socket(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0) {
		log_warn("test probe: socket(AF_INET, SOCK_STREAM): %s", strerror(errno));
		return;
	}
	log_warn("test probe: socket(AF_INET, SOCK_STREAM): succeeded");
	close(fd);
}

static void probe_ls(void)
{
	struct dirent *de;
	unsigned int n = 0;
	DIR *d = opendir("/");

	if (!d) {
		log_warn("test probe: ls /: %s", strerror(errno));
		return;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		log_warn("test probe: ls /: %s", de->d_name);
		n++;
	}
	closedir(d);
	log_warn("test probe: ls /: %u entries", n);
}

/* The fd is never valid: only the filter's verdict on the request number matters. */
static void probe_gpio(const char *what, unsigned long request, void *arg)
{
	if (ioctl(-1, request, arg) < 0) {
		log_warn("test probe: ioctl(%s): %s", what, strerror(errno));
		return;
	}
	log_warn("test probe: ioctl(%s): succeeded", what);
}

void jail_probe_run(const char *spec)
{
	char name[PROBE_NAME_MAX];
	bool too_long;

	while (probe_next(&spec, name, &too_long)) {
		if (!strcmp(name, "open"))
			probe_open();
		else if (!strcmp(name, "socket"))
			probe_socket();
		else if (!strcmp(name, "ls"))
			probe_ls();
		else if (!strcmp(name, "gpio-values"))
			probe_gpio("GPIO_V2_LINE_GET_VALUES_IOCTL", GPIO_V2_LINE_GET_VALUES_IOCTL,
				   &(struct gpio_v2_line_values){ .mask = 1 });
		else if (!strcmp(name, "gpio-config"))
			probe_gpio("GPIO_V2_LINE_SET_CONFIG_IOCTL", GPIO_V2_LINE_SET_CONFIG_IOCTL,
				   &(struct gpio_v2_line_config){ 0 });
	}
}
