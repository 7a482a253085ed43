// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * device/broker/cli.c, the parts issue 5 added: sockets passed by systemd
 * in place of --socket-path, --print-capabilities that ignores everything
 * else, --syslog, and device-list entries checked with the helper's parser.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../harness.h"
#include "cli_argv.h"
#include "broker/cli.h"

static struct broker_opts o;
static char err[512];

/* Parse a NULL-terminated list of words, as if systemd passed @nfds sockets. */
static int parse_fds(unsigned int nfds, const char *first, ...)
{
	static char *argv[CLI_ARGV_MAX + 1];
	va_list ap;
	int argc;

	va_start(ap, first);
	argc = cli_argv(argv, first, ap);
	va_end(ap);
	return broker_cli_parse_activated(&o, argc, argv, nfds, err, sizeof(err));
}

static int err_has(const char *s)
{
	if (strstr(err, s))
		return 1;
	fprintf(stderr, "  error was: \"%s\", expected it to contain \"%s\"\n", err, s);
	return 0;
}

static void test_activated(void)
{
	CHECK_EQ(parse_fds(1, "-l", "s8", NULL), 0);
	CHECK_EQ(o.listen_fds, 1);
	CHECK_EQ(o.socket_count, 1);
	CHECK(o.socket_path == NULL);
	CHECK_EQ(o.fd, -1);
	CHECK_EQ(parse_fds(3, "-l", "s8:s8:s4", NULL), 0);
	CHECK_EQ(o.socket_count, 3);
	CHECK_EQ(parse_fds(2, "-c", "2", "-l", "s8:s8", NULL), 0);
	CHECK_EQ(o.socket_count, 2);
}

static void test_activated_conflicts(void)
{
	CHECK_EQ(parse_fds(1, "-s", "/tmp/a", "-l", "s8", NULL), -EINVAL);
	CHECK(err_has("--socket-path: systemd passed 1 listening socket (LISTEN_FDS)"));
	CHECK_EQ(parse_fds(2, "--fd", "3", "-l", "s8", NULL), -EINVAL);
	CHECK(err_has("--fd: systemd passed 2 listening sockets"));
	CHECK_EQ(parse_fds(2, "-c", "3", "-l", "s8:s8:s8", NULL), -EINVAL);
	CHECK(err_has("--socket-count 3: systemd passed 2 sockets"));
	CHECK_EQ(parse_fds(2, "-l", "s8", NULL), -EINVAL);
	CHECK(err_has("--device-list 's8': 1 entry for 2 sockets (passed by systemd)"));
	/* Not activated: the usual rule, with the way out named. */
	CHECK_EQ(parse_fds(0, "-l", "s8", NULL), -EINVAL);
	CHECK(err_has("Must specify either --socket-path or --fd"));
	CHECK(err_has("systemd"));
}

static void test_print_capabilities(void)
{
	char buf[128];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	CHECK_EQ(parse_fds(0, "--print-capabilities", NULL), 0);
	CHECK(o.print_capabilities);
	/* Every other option is ignored, even wrong ones, wherever it stands. */
	CHECK_EQ(parse_fds(0, "--bogus", "-c", "0", "--print-capabilities", "stray", NULL), 0);
	CHECK(o.print_capabilities);
	CHECK_EQ(parse_fds(0, "-l", "s0", "--print-capabilities", "--fd", NULL), 0);
	CHECK(o.print_capabilities);
	/* ... but as another option's argument it is that argument. */
	CHECK_EQ(parse_fds(0, "-s", "--print-capabilities", "-l", "s8", NULL), 0);
	CHECK(!o.print_capabilities);
	CHECK(strcmp(o.socket_path, "--print-capabilities") == 0);
	CHECK(f != NULL);
	if (!f)
		return;
	broker_cli_capabilities(f);
	fclose(f);
	buf[sizeof(buf) - 1] = '\0';
	CHECK(strcmp(buf, "{\n  \"type\": \"gpio\"\n}\n") == 0);
}

static void test_syslog(void)
{
	CHECK_EQ(parse_fds(0, "-s", "/tmp/a", "-l", "s8", NULL), 0);
	CHECK(!o.syslog);
	CHECK_EQ(parse_fds(0, "-s", "/tmp/a", "-l", "s8", "--syslog", NULL), 0);
	CHECK(o.syslog);
	CHECK_EQ(parse_fds(0, "--fd", "2", "-l", "s8", "--syslog", NULL), -EINVAL);
	CHECK(err_has("--syslog: with --fd 2"));
	CHECK_EQ(parse_fds(0, "-s", "/tmp/a", "-l", "s8", "--syslog=yes", NULL), -EINVAL);
	CHECK(err_has("'--syslog' does not take an argument"));
}

/* The entries themselves, named with the whole list. */
static void test_device_entries(void)
{
	CHECK_EQ(parse_fds(0, "-s", "/tmp/a", "-l", "s0", NULL), -EINVAL);
	CHECK(err_has("--device-list 's0': device 0: bad entry \"s0\""));
	CHECK_EQ(parse_fds(0, "-s", "/tmp/a", "-l", "s70000", NULL), -EINVAL);
	CHECK(err_has("--device-list 's70000': device 0:"));
	CHECK_EQ(parse_fds(0, "-s", "/tmp/a", "-c", "2", "-l", "s8:x3", NULL), -EINVAL);
	CHECK(err_has("--device-list 's8:x3': device 1: bad entry \"x3\""));
	CHECK_EQ(parse_fds(0, "-s", "/tmp/a", "-l", "s1024", NULL), 0);
	/* --print-policy needs no device list at all. */
	CHECK_EQ(parse_fds(0, "--print-policy", "worker", NULL), 0);
}

TEST_MAIN(TEST_CASE(test_activated), TEST_CASE(test_activated_conflicts),
	  TEST_CASE(test_print_capabilities), TEST_CASE(test_syslog),
	  TEST_CASE(test_device_entries))
