// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Tests for device/broker/cli.c: option parsing as a pure function.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../harness.h"
#include "cli_argv.h"
#include "broker/cli.h"
#include "ipc.h"

static struct broker_opts o;
static char err[512];

/* Parse a NULL-terminated list of words (argv[0] is added). */
static int parse(const char *first, ...)
{
	static char *argv[CLI_ARGV_MAX + 1];
	va_list ap;
	int argc;

	va_start(ap, first);
	argc = cli_argv(argv, first, ap);
	va_end(ap);
	return broker_cli_parse(&o, argc, argv, err, sizeof(err));
}

/* The error message names what is wrong. */
static int err_has(const char *s)
{
	if (strstr(err, s))
		return 1;
	fprintf(stderr, "  error was: \"%s\", expected it to contain \"%s\"\n", err, s);
	return 0;
}

static void test_minimal_socket(void)
{
	CHECK_EQ(parse("--socket-path", "/tmp/g.sock", "--device-list", "s8", NULL), 0);
	CHECK(strcmp(o.socket_path, "/tmp/g.sock") == 0);
	CHECK_EQ(o.socket_count, 1);
	CHECK_EQ(o.fd, -1);
	CHECK(strcmp(o.device_list, "s8") == 0);
	CHECK_EQ(o.ndevices, 1);
	CHECK(o.sim_control == NULL);
	CHECK(o.helper == NULL);
	CHECK_EQ(o.log_level, LOG_LVL_INFO);
	CHECK(strcmp(o.log_level_name, "info") == 0);
	CHECK(!o.help && !o.version);
	CHECK_EQ(err[0], '\0');
}

static void test_short_options(void)
{
	CHECK_EQ(parse("-s", "/run/gpio", "-c", "3", "-l", "s8:s16:0", NULL), 0);
	CHECK(strcmp(o.socket_path, "/run/gpio") == 0);
	CHECK_EQ(o.socket_count, 3);
	CHECK_EQ(o.ndevices, 3);
	/* attached argument forms */
	CHECK_EQ(parse("-s/run/gpio", "-c2", "--device-list=s1:s2", NULL), 0);
	CHECK(strcmp(o.socket_path, "/run/gpio") == 0);
	CHECK_EQ(o.socket_count, 2);
	CHECK_EQ(o.ndevices, 2);
}

static void test_all_long_options(void)
{
	CHECK_EQ(parse("--socket-path", "/tmp/a", "--socket-count", "2", "--device-list", "s4:s4",
		       "--sim-control", "/tmp/sim", "--helper", "/opt/h", "--log-level", "debug",
		       NULL), 0);
	CHECK(strcmp(o.sim_control, "/tmp/sim") == 0);
	CHECK(strcmp(o.helper, "/opt/h") == 0);
	CHECK_EQ(o.log_level, LOG_LVL_DEBUG);
	CHECK(strcmp(o.log_level_name, "debug") == 0);
	CHECK_EQ(parse("-s", "/tmp/a", "-l", "s4", "--log-level", "error", NULL), 0);
	CHECK_EQ(o.log_level, LOG_LVL_ERROR);
	CHECK_EQ(parse("-s", "/tmp/a", "-l", "s4", "--log-level", "warn", NULL), 0);
	CHECK_EQ(o.log_level, LOG_LVL_WARN);
}

static void test_fd_mode(void)
{
	CHECK_EQ(parse("--fd", "3", "--device-list", "s8", NULL), 0);
	CHECK_EQ(o.fd, 3);
	CHECK(o.socket_path == NULL);
	CHECK_EQ(o.socket_count, 1);
	CHECK_EQ(o.ndevices, 1);
	CHECK_EQ(parse("--fd", "0", "-l", "0", NULL), 0);
	CHECK_EQ(o.fd, 0);
	/* an explicit count of 1 is harmless */
	CHECK_EQ(parse("--fd", "7", "-c", "1", "-l", "s2", NULL), 0);
	CHECK_EQ(o.fd, 7);
}

static void test_fd_count_rejected(void)
{
	CHECK_EQ(parse("--fd", "3", "--socket-count", "2", "--device-list", "s1:s1", NULL),
		 -EINVAL);
	CHECK(err_has("--socket-count 2"));
	CHECK(err_has("--fd"));
}

static void test_fd_device_list(void)
{
	CHECK_EQ(parse("--fd", "3", "--device-list", "s1:s2", NULL), -EINVAL);
	CHECK(err_has("--device-list 's1:s2'"));
	CHECK(err_has("exactly 1"));
}

static void test_both_and_neither(void)
{
	CHECK_EQ(parse("--socket-path", "/tmp/a", "--fd", "3", "-l", "s1", NULL), -EINVAL);
	CHECK(err_has("Cannot specify both --socket-path and --fd"));
	CHECK_EQ(parse("-l", "s1", NULL), -EINVAL);
	CHECK(err_has("Must specify either --socket-path or --fd"));
	CHECK_EQ(parse(NULL), -EINVAL);
	CHECK(err_has("Must specify either --socket-path or --fd"));
}

static void test_device_list_required(void)
{
	CHECK_EQ(parse("--socket-path", "/tmp/a", NULL), -EINVAL);
	CHECK(err_has("--device-list"));
}

static void test_socket_names_count1(void)
{
	char name[BROKER_SOCK_PATH_MAX];

	CHECK_EQ(parse("-s", "/tmp/gpio.sock", "-l", "s8", NULL), 0);
	CHECK_EQ(broker_socket_name(&o, 0, name, sizeof(name)), 0);
	CHECK(strcmp(name, "/tmp/gpio.sock") == 0);
	CHECK_EQ(broker_socket_name(&o, 1, name, sizeof(name)), -EINVAL);
}

static void test_socket_names_count3(void)
{
	char name[BROKER_SOCK_PATH_MAX];

	CHECK_EQ(parse("-s", "/tmp/gpio.sock", "-c", "3", "-l", "s8:s8:s8", NULL), 0);
	CHECK_EQ(broker_socket_name(&o, 0, name, sizeof(name)), 0);
	CHECK(strcmp(name, "/tmp/gpio.sock0") == 0);
	CHECK_EQ(broker_socket_name(&o, 1, name, sizeof(name)), 0);
	CHECK(strcmp(name, "/tmp/gpio.sock1") == 0);
	CHECK_EQ(broker_socket_name(&o, 2, name, sizeof(name)), 0);
	CHECK(strcmp(name, "/tmp/gpio.sock2") == 0);
	CHECK_EQ(broker_socket_name(&o, 3, name, sizeof(name)), -EINVAL);
	/* a short buffer is reported, not overrun */
	CHECK_EQ(broker_socket_name(&o, 2, name, 8), -ENAMETOOLONG);
}

static void test_socket_names_fd_mode(void)
{
	char name[BROKER_SOCK_PATH_MAX];

	CHECK_EQ(parse("--fd", "4", "-l", "s8", NULL), 0);
	CHECK_EQ(broker_socket_name(&o, 0, name, sizeof(name)), -EINVAL);
}

static void test_socket_path_too_long(void)
{
	char path[BROKER_SOCK_PATH_MAX + 8];

	/* 107 bytes fit sun_path with one socket ... */
	memset(path, 'a', BROKER_SOCK_PATH_MAX - 1);
	path[BROKER_SOCK_PATH_MAX - 1] = '\0';
	CHECK_EQ(parse("-s", path, "-l", "s1", NULL), 0);
	/* ... but not once an index is appended */
	CHECK_EQ(parse("-s", path, "-c", "2", "-l", "s1:s1", NULL), -EINVAL);
	CHECK(err_has("--socket-path"));
	memset(path, 'a', BROKER_SOCK_PATH_MAX);
	path[BROKER_SOCK_PATH_MAX] = '\0';
	CHECK_EQ(parse("-s", path, "-l", "s1", NULL), -EINVAL);
	CHECK(err_has("--socket-path"));
	CHECK_EQ(parse("-s", "", "-l", "s1", NULL), -EINVAL);
	CHECK(err_has("--socket-path ''"));
}

static void test_bad_counts(void)
{
	static const char *const bad[] = {
		"abc", "0", "-1", "-0", "+2", " 2", "2x", "", "0x2",
		"99999999999999999999999999", "18446744073709551617", "65",
	};
	char want[64];

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(parse("-s", "/tmp/a", "-c", bad[i], "-l", "s1", NULL), -EINVAL);
		snprintf(want, sizeof(want), "--socket-count '%s'", bad[i]);
		CHECK(err_has(want));
	}
	CHECK_EQ(parse("-s", "/tmp/a", "-c", "abc", "-l", "s1", NULL), -EINVAL);
	CHECK(err_has("not a number"));
	CHECK_EQ(parse("-s", "/tmp/a", "-c", "0", "-l", "s1", NULL), -EINVAL);
	CHECK(err_has("must be 1 to 64"));
	/* the upper bound itself is fine */
	CHECK_EQ(parse("-s", "/tmp/a", "-c", "64", "-l",
		       "s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:"
		       "s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:"
		       "s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:s1:s1", NULL), 0);
	CHECK_EQ(o.socket_count, IPC_MAX_DEVICES);
	CHECK_EQ(o.ndevices, IPC_MAX_DEVICES);
}

/* --helper-restarts: 0..1000, default 3; --no-line-caps: a flag, default off. */
static void test_restarts_and_caps(void)
{
	static const char *const bad[] = { "abc", "-1", "1001", "", "3x", "99999999999999999999" };

	CHECK_EQ(parse("-s", "/tmp/a", "-l", "s1", NULL), 0);
	CHECK_EQ(o.helper_restarts, 3);
	CHECK(!o.no_line_caps);
	CHECK_EQ(parse("-s", "/tmp/a", "-l", "s1", "--helper-restarts", "0", "--no-line-caps",
		       NULL), 0);
	CHECK_EQ(o.helper_restarts, 0);
	CHECK(o.no_line_caps);
	CHECK_EQ(parse("-s", "/tmp/a", "-l", "s1", "--helper-restarts=1000", NULL), 0);
	CHECK_EQ(o.helper_restarts, 1000);
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[64];

		CHECK_EQ(parse("-s", "/tmp/a", "-l", "s1", "--helper-restarts", bad[i], NULL),
			 -EINVAL);
		snprintf(want, sizeof(want), "--helper-restarts '%s': must be 0 to 1000", bad[i]);
		CHECK(err_has(want));
	}
}

static void test_bad_fds(void)
{
	static const char *const bad[] = {
		"abc", "-1", "", "3x", "2147483648", "99999999999999999999999",
	};
	char want[64];

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(parse("--fd", bad[i], "-l", "s1", NULL), -EINVAL);
		snprintf(want, sizeof(want), "--fd '%s'", bad[i]);
		CHECK(err_has(want));
	}
	CHECK_EQ(parse("--fd", "2147483647", "-l", "s1", NULL), 0);
	CHECK_EQ(o.fd, 2147483647);
}

static void test_device_list_mismatch(void)
{
	CHECK_EQ(parse("-s", "/tmp/a", "-c", "3", "-l", "s8:s8", NULL), -EINVAL);
	CHECK(err_has("--device-list 's8:s8'"));
	CHECK(err_has("2 entries for 3 sockets"));
	CHECK_EQ(parse("-s", "/tmp/a", "-l", "s8:s8", NULL), -EINVAL);
	CHECK(err_has("2 entries for 1 socket "));
	CHECK_EQ(parse("-s", "/tmp/a", "-c", "2", "-l", "s8:s8:s8", NULL), -EINVAL);
	CHECK(err_has("3 entries for 2 sockets"));
	CHECK_EQ(parse("-s", "/tmp/a", "-c", "2", "-l", "s8", NULL), -EINVAL);
	CHECK(err_has("1 entry for 2 sockets"));
}

static void test_device_list_empty_entries(void)
{
	CHECK_EQ(parse("-s", "/tmp/a", "-l", "", NULL), -EINVAL);
	CHECK(err_has("--device-list ''"));
	CHECK(err_has("entry 1 is empty"));
	CHECK_EQ(parse("-s", "/tmp/a", "-c", "3", "-l", "s8::s8", NULL), -EINVAL);
	CHECK(err_has("entry 2 is empty"));
	CHECK_EQ(parse("-s", "/tmp/a", "-c", "2", "-l", "s8:", NULL), -EINVAL);
	CHECK(err_has("entry 2 is empty"));
	CHECK_EQ(parse("-s", "/tmp/a", "-c", "2", "-l", ":s8", NULL), -EINVAL);
	CHECK(err_has("entry 1 is empty"));
}

static void test_unknown_options(void)
{
	CHECK_EQ(parse("-s", "/tmp/a", "-l", "s1", "--bogus", NULL), -EINVAL);
	CHECK(err_has("unknown option '--bogus'"));
	CHECK_EQ(parse("-s", "/tmp/a", "-l", "s1", "-x", NULL), -EINVAL);
	CHECK(err_has("unknown option '-x'"));
	/* unknown letter inside a cluster */
	CHECK_EQ(parse("--fd", "3", "-l", "s1", "-hq", NULL), 0);
	CHECK(o.help);
	CHECK_EQ(parse("--fd", "3", "-l", "s1", "-qh", NULL), -EINVAL);
	CHECK(err_has("unknown option '-q'"));
	CHECK_EQ(parse("-s", "/tmp/a", "-l", "s1", "stray", NULL), -EINVAL);
	CHECK(err_has("unexpected argument 'stray'"));
	CHECK_EQ(parse("--socket", "/tmp/a", "-l", "s1", NULL), -EINVAL);
	CHECK(err_has("ambiguous"));
	CHECK_EQ(parse("--help=yes", NULL), -EINVAL);
	CHECK(err_has("'--help' does not take an argument"));
}

static void test_missing_arguments(void)
{
	CHECK_EQ(parse("-l", "s1", "--socket-path", NULL), -EINVAL);
	CHECK(err_has("'--socket-path' requires an argument"));
	CHECK_EQ(parse("-l", "s1", "-s", NULL), -EINVAL);
	CHECK(err_has("'-s' requires an argument"));
	CHECK_EQ(parse("-s", "/tmp/a", "-l", "s1", "--fd", NULL), -EINVAL);
	CHECK(err_has("'--fd' requires an argument"));
}

static void test_bad_log_level(void)
{
	CHECK_EQ(parse("-s", "/tmp/a", "-l", "s1", "--log-level", "verbose", NULL), -EINVAL);
	CHECK(err_has("--log-level 'verbose'"));
}

static void test_empty_paths(void)
{
	CHECK_EQ(parse("-s", "/tmp/a", "-l", "s1", "--helper", "", NULL), -EINVAL);
	CHECK(err_has("--helper ''"));
	CHECK_EQ(parse("-s", "/tmp/a", "-l", "s1", "--sim-control", "", NULL), -EINVAL);
	CHECK(err_has("--sim-control ''"));
}

static void test_help_version(void)
{
	CHECK_EQ(parse("--help", NULL), 0);
	CHECK(o.help);
	CHECK_EQ(parse("-h", NULL), 0);
	CHECK(o.help);
	CHECK_EQ(parse("--version", NULL), 0);
	CHECK(o.version && !o.help);
	CHECK_EQ(parse("-V", NULL), 0);
	CHECK(o.version);
}

static void test_last_repeat_wins(void)
{
	CHECK_EQ(parse("-s", "/tmp/a", "-s", "/tmp/b", "-l", "s1", NULL), 0);
	CHECK(strcmp(o.socket_path, "/tmp/b") == 0);
}

/* Collapse runs of blanks and newlines, so wrapped text compares equal. */
static void squeeze(char *s)
{
	char *start = s, *d = s;
	int blank = 0;

	for (; *s; s++) {
		if (*s == ' ' || *s == '\n') {
			blank = 1;
			continue;
		}
		if (blank && d != start)
			*d++ = ' ';
		blank = 0;
		*d++ = *s;
	}
	*d = '\0';
}

/* --help prints every row of the table the parser is built from. */
static void test_usage_lists_table(void)
{
	char buf[8192], line[256], want[64];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	const char *p, *nl;

	CHECK(f != NULL);
	if (!f)
		return;
	broker_cli_usage(f);
	fclose(f);
	buf[sizeof(buf) - 1] = '\0';
	/* house style: nothing wider than 79 columns */
	for (p = buf; *p; p = *nl ? nl + 1 : nl) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		CHECK(nl - p <= 79);
	}
	CHECK(strstr(buf, "-s, --socket-path PATH") != NULL);
	CHECK(strstr(buf, "      --fd N") != NULL);
	squeeze(buf);
	for (unsigned int i = 0; i < broker_cli_noptions; i++) {
		snprintf(want, sizeof(want), "--%s", broker_cli_options[i].long_name);
		CHECK(strstr(buf, want) != NULL);
		snprintf(line, sizeof(line), "%s", broker_cli_options[i].help);
		squeeze(line);
		CHECK(strstr(buf, line) != NULL);
	}
}

TEST_MAIN(TEST_CASE(test_minimal_socket), TEST_CASE(test_short_options),
	  TEST_CASE(test_all_long_options), TEST_CASE(test_fd_mode),
	  TEST_CASE(test_fd_count_rejected), TEST_CASE(test_fd_device_list),
	  TEST_CASE(test_both_and_neither), TEST_CASE(test_device_list_required),
	  TEST_CASE(test_socket_names_count1), TEST_CASE(test_socket_names_count3),
	  TEST_CASE(test_socket_names_fd_mode), TEST_CASE(test_socket_path_too_long),
	  TEST_CASE(test_bad_counts), TEST_CASE(test_restarts_and_caps), TEST_CASE(test_bad_fds),
	  TEST_CASE(test_device_list_mismatch), TEST_CASE(test_device_list_empty_entries),
	  TEST_CASE(test_unknown_options), TEST_CASE(test_missing_arguments),
	  TEST_CASE(test_bad_log_level), TEST_CASE(test_empty_paths),
	  TEST_CASE(test_help_version), TEST_CASE(test_last_repeat_wins),
	  TEST_CASE(test_usage_lists_table))
