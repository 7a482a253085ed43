// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Option table, parser and --help of the broker.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "helper/devlist.h"
#include "ipc.h"

enum {
	OPT_FD = 256,
	OPT_SIM_CONTROL,
	OPT_HELPER,
	OPT_LOG_LEVEL,
	OPT_NO_SANDBOX,
	OPT_SECCOMP_POLICY_DIR,
	OPT_SECCOMP_LOG,
	OPT_PRINT_POLICY,
	OPT_PRINT_CAPABILITIES,
	OPT_SYSLOG,
	OPT_NO_LINE_CAPS,
	OPT_HELPER_RESTARTS,
};

const struct broker_cli_option broker_cli_options[] = {
	{ "socket-path", 's', "PATH", "vhost-user socket to listen on" },
	{ "socket-count", 'c', "N", "number of sockets (default 1); with N > 1 the sockets are "
				    "PATH0, PATH1, ..." },
	{ "device-list", 'l', "LIST", "device per socket, ':'-separated: \"sN\" is a simulated "
				      "chip with N lines, \"N\" is /dev/gpiochipN" },
	{ "fd", OPT_FD, "N", "serve an already-connected vhost-user socket; exit when it closes" },
	{ "sim-control", OPT_SIM_CONTROL, "PATH", "control socket for simulated chips" },
	{ "helper", OPT_HELPER, "PATH", "helper binary (default: vhost-user-gpio-helper next to "
					"this program, else in the libexec directory)" },
	{ "log-level", OPT_LOG_LEVEL, "LEVEL", "error, warn, info or debug (default info)" },
	{ "syslog", OPT_SYSLOG, NULL, "log to syslog (facility daemon) instead of stderr, the "
				      "worker and the helper too (default: stderr)" },
	{ "no-sandbox", OPT_NO_SANDBOX, NULL, "for debugging only: run the workers and the helper "
					     "without namespaces, capability drop or seccomp, "
					     "with the broker's privileges (logged as a warning)" },
	{ "helper-restarts", OPT_HELPER_RESTARTS, "N", "start a new helper when it dies, up to N "
						       "times (default 3; 0: exit with status 1 "
						       "instead); line state is lost" },
	{ "no-line-caps", OPT_NO_LINE_CAPS, NULL, "every line operation goes through the helper: "
						  "workers get no GPIO line fd and no value table "
						  "(slower, see \"Line capabilities\" in the manual)" },
	{ "seccomp-policy-dir", OPT_SECCOMP_POLICY_DIR, "DIR",
	  "seccomp policies of the three processes (default: the installed policy directory "
	  "for this architecture)" },
	{ "seccomp-log", OPT_SECCOMP_LOG, NULL, "audit mode: syscalls a policy does not allow are "
						"logged by the kernel and allowed, not fatal" },
	{ "print-policy", OPT_PRINT_POLICY, "NAME", "print the compiled seccomp filter of worker, "
						     "helper or broker and exit" },
	{ "print-capabilities", OPT_PRINT_CAPABILITIES, NULL,
	  "print the back-end's capabilities as JSON and exit, ignoring every other option" },
	{ "help", 'h', NULL, "print this help and exit" },
	{ "version", 'V', NULL, "print the version and exit" },
};

const unsigned int broker_cli_noptions =
	sizeof(broker_cli_options) / sizeof(broker_cli_options[0]);

#define CLI_NOPTS (sizeof(broker_cli_options) / sizeof(broker_cli_options[0]))

static int cli_error(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int cli_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Decimal digits only: no sign, no blanks, no base prefix. */
static int cli_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static const char *cli_long_name(int id)
{
	for (unsigned int i = 0; i < CLI_NOPTS; i++)
		if (broker_cli_options[i].id == id)
			return broker_cli_options[i].long_name;
	return "?";
}

static bool cli_is_option_id(int id)
{
	for (unsigned int i = 0; i < CLI_NOPTS; i++)
		if (broker_cli_options[i].id == id)
			return true;
	return false;
}

/*
 * Name the option getopt refused. A missing argument only happens at the end
 * of argv, and an unknown long option advances optind, so argv[optind - 1]
 * is the word at fault in those cases; an unknown short option may sit inside
 * a cluster, so it is named from optopt.
 */
static int cli_bad_option(char *err, size_t errlen, int c, int argc, char *argv[])
{
	const char *word = optind > 0 && optind <= argc ? argv[optind - 1] : "";
	bool is_long = strncmp(word, "--", 2) == 0;
	unsigned int matches = 0;
	size_t n;

	if (c == ':') {
		if (is_long)
			return cli_error(err, errlen, "option '%s' requires an argument", word);
		return cli_error(err, errlen, "option '-%c' requires an argument", optopt);
	}
	if (optopt != 0 && !(is_long && cli_is_option_id(optopt)))
		return cli_error(err, errlen, "unknown option '-%c'", optopt);
	n = is_long ? strcspn(word + 2, "=") : 0;
	if (optopt != 0)
		return cli_error(err, errlen, "option '%.*s' does not take an argument", (int)n + 2,
				 word);
	for (unsigned int i = 0; i < CLI_NOPTS; i++)
		if (n && strncmp(broker_cli_options[i].long_name, word + 2, n) == 0)
			matches++;
	if (matches > 1)
		return cli_error(err, errlen, "option '%.*s' is ambiguous", (int)n + 2, word);
	return cli_error(err, errlen, "unknown option '%s'", word);
}

/* Count ':'-separated entries; an empty entry is an error (returns 0). */
static unsigned int cli_count_devices(const char *list, unsigned int *empty_at)
{
	unsigned int n = 1;
	size_t len;

	for (const char *p = list;; p += len + 1) {
		len = strcspn(p, ":");
		if (len == 0) {
			*empty_at = n;
			return 0;
		}
		if (!p[len])
			return n;
		n++;
	}
}

/*
 * Socket activation: systemd's sockets take the place of --socket-path, so
 * neither it nor --fd may be given, and they set the socket count.
 */
static int cli_check_activated(struct broker_opts *o, bool count_given, char *err,
			       size_t errlen)
{
	if (o->socket_path || o->fd >= 0)
		return cli_error(err, errlen,
				 "%s: systemd passed %u listening socket%s (LISTEN_FDS); "
				 "give neither --socket-path nor --fd", o->socket_path ?
				 "--socket-path" : "--fd", o->listen_fds,
				 o->listen_fds == 1 ? "" : "s");
	if (count_given && o->socket_count != o->listen_fds)
		return cli_error(err, errlen, "--socket-count %u: systemd passed %u socket%s",
				 o->socket_count, o->listen_fds, o->listen_fds == 1 ? "" : "s");
	o->socket_count = o->listen_fds;
	return 0;
}

/* The entries themselves, with the helper's own parser: one error, before anything runs. */
static int cli_check_devices(const struct broker_opts *o, char *err, size_t errlen)
{
	struct devlist dl;
	char why[256];

	if (devlist_parse(o->device_list, &dl, why, sizeof(why)) < 0)
		return cli_error(err, errlen, "--device-list '%s': %s", o->device_list, why);
	devlist_free(&dl);
	return 0;
}

static int cli_check(struct broker_opts *o, bool count_given, char *err, size_t errlen)
{
	unsigned int empty_at = 0;
	char name[BROKER_SOCK_PATH_MAX];
	int ret;

	if (o->listen_fds) {
		ret = cli_check_activated(o, count_given, err, errlen);
		if (ret < 0)
			return ret;
	} else if (o->socket_path && o->fd >= 0) {
		return cli_error(err, errlen, "Cannot specify both --socket-path and --fd");
	} else if (!o->socket_path && o->fd < 0) {
		return cli_error(err, errlen, "Must specify either --socket-path or --fd "
				 "(or start from a systemd socket unit)");
	}
	if (o->syslog && o->fd == STDERR_FILENO)
		return cli_error(err, errlen, "--syslog: with --fd 2 stderr is the connection");
	if (o->fd >= 0 && count_given && o->socket_count != 1)
		return cli_error(err, errlen, "--socket-count %u: --fd serves exactly one connection",
				 o->socket_count);
	if (o->socket_path && !*o->socket_path)
		return cli_error(err, errlen, "--socket-path '': empty path");
	if (o->socket_path &&
	    broker_socket_name(o, o->socket_count - 1, name, sizeof(name)) == -ENAMETOOLONG)
		return cli_error(err, errlen,
				 "--socket-path '%s': socket names must be shorter than %d bytes",
				 o->socket_path, BROKER_SOCK_PATH_MAX);
	if (!o->device_list)
		return cli_error(err, errlen, "Must specify --device-list");
	o->ndevices = cli_count_devices(o->device_list, &empty_at);
	if (!o->ndevices)
		return cli_error(err, errlen, "--device-list '%s': entry %u is empty",
				 o->device_list, empty_at);
	if (o->fd >= 0 && o->ndevices != 1)
		return cli_error(err, errlen,
				 "--device-list '%s': %u entries, but --fd serves exactly 1 device",
				 o->device_list, o->ndevices);
	if (o->ndevices != o->socket_count && o->listen_fds)
		return cli_error(err, errlen,
				 "--device-list '%s': %u %s for %u %s (passed by systemd)",
				 o->device_list, o->ndevices,
				 o->ndevices == 1 ? "entry" : "entries", o->socket_count,
				 o->socket_count == 1 ? "socket" : "sockets");
	if (o->ndevices != o->socket_count)
		return cli_error(err, errlen,
				 "--device-list '%s': %u %s for %u %s (--socket-count %u)",
				 o->device_list, o->ndevices, o->ndevices == 1 ? "entry" : "entries",
				 o->socket_count, o->socket_count == 1 ? "socket" : "sockets",
				 o->socket_count);
	ret = cli_check_devices(o, err, errlen);
	if (ret < 0)
		return ret;
	if (o->sim_control && !*o->sim_control)
		return cli_error(err, errlen, "--sim-control '': empty path");
	if (o->helper && !*o->helper)
		return cli_error(err, errlen, "--helper '': empty path");
	return 0;
}

static int cli_option(struct broker_opts *o, int c, const char *arg, bool *count_given,
		      char *err, size_t errlen)
{
	unsigned long v;
	int ret, lvl;

	switch (c) {
	case 's':
		o->socket_path = arg;
		return 0;
	case 'c':
		ret = cli_parse_uint(arg, IPC_MAX_DEVICES, &v);
		if (ret == -EINVAL)
			return cli_error(err, errlen, "--socket-count '%s': not a number", arg);
		if (ret < 0 || v == 0)
			return cli_error(err, errlen, "--socket-count '%s': must be 1 to %d", arg,
					 IPC_MAX_DEVICES);
		o->socket_count = (unsigned int)v;
		*count_given = true;
		return 0;
	case 'l':
		o->device_list = arg;
		return 0;
	case OPT_FD:
		if (cli_parse_uint(arg, INT_MAX, &v) < 0)
			return cli_error(err, errlen, "--fd '%s': not a file descriptor number", arg);
		o->fd = (int)v;
		return 0;
	case OPT_SIM_CONTROL:
		o->sim_control = arg;
		return 0;
	case OPT_HELPER:
		o->helper = arg;
		return 0;
	case OPT_LOG_LEVEL:
		lvl = log_level_parse(arg);
		if (lvl < 0)
			return cli_error(err, errlen,
					 "--log-level '%s': expected error, warn, info or debug", arg);
		o->log_level = (enum log_level)lvl;
		o->log_level_name = arg;
		return 0;
	case OPT_NO_SANDBOX:
		o->no_sandbox = true;
		return 0;
	case OPT_SECCOMP_POLICY_DIR:
		if (!*arg)
			return cli_error(err, errlen, "--seccomp-policy-dir '': empty path");
		o->seccomp_policy_dir = arg;
		return 0;
	case OPT_SECCOMP_LOG:
		o->seccomp_log = true;
		return 0;
	case OPT_SYSLOG:
		o->syslog = true;
		return 0;
	case OPT_NO_LINE_CAPS:
		o->no_line_caps = true;
		return 0;
	case OPT_HELPER_RESTARTS:
		ret = cli_parse_uint(arg, BROKER_HELPER_RESTARTS_MAX, &v);
		if (ret < 0)
			return cli_error(err, errlen, "--helper-restarts '%s': must be 0 to %d", arg,
					 BROKER_HELPER_RESTARTS_MAX);
		o->helper_restarts = (unsigned int)v;
		return 0;
	case OPT_PRINT_POLICY:
		if (strcmp(arg, "worker") && strcmp(arg, "helper") && strcmp(arg, "broker"))
			return cli_error(err, errlen,
					 "--print-policy '%s': expected worker, helper or broker",
					 arg);
		o->print_policy = arg;
		return 0;
	}
	return cli_error(err, errlen, "option '--%s' is not handled", cli_long_name(c));
}

/* getopt_long()'s tables, built from broker_cli_options[]. */
static void cli_tables(struct option *longopts, char *shortopts)
{
	size_t ns = 0;

	/* Leading ':' makes a missing argument distinguishable from an unknown option. */
	shortopts[ns++] = ':';
	for (unsigned int i = 0; i < CLI_NOPTS; i++) {
		const struct broker_cli_option *d = &broker_cli_options[i];

		longopts[i] = (struct option){ d->long_name, d->arg ? required_argument : no_argument,
					       NULL, d->id };
		if (d->id < 256) {
			shortopts[ns++] = (char)d->id;
			if (d->arg)
				shortopts[ns++] = ':';
		}
	}
	longopts[CLI_NOPTS] = (struct option){ 0 };
	shortopts[ns] = '\0';
}

/*
 * The convention says --print-capabilities ignores every other option, bad
 * ones included: look for it alone first, skipping errors, so that it is
 * found wherever it is (but not as the argument of another option).
 */
static bool cli_wants_capabilities(int argc, char *argv[], const struct option *longopts,
				   const char *shortopts)
{
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1)
		if (c == OPT_PRINT_CAPABILITIES)
			return true;
	return false;
}

int broker_cli_parse(struct broker_opts *o, int argc, char *argv[], char *err, size_t errlen)
{
	return broker_cli_parse_activated(o, argc, argv, 0, err, errlen);
}

int broker_cli_parse_activated(struct broker_opts *o, int argc, char *argv[],
			       unsigned int listen_fds, char *err, size_t errlen)
{
	struct option longopts[CLI_NOPTS + 1];
	char shortopts[2 * CLI_NOPTS + 2];
	bool count_given = false;
	int c, ret;

	memset(o, 0, sizeof(*o));
	o->socket_count = 1;
	o->fd = -1;
	o->log_level = LOG_LVL_INFO;
	o->log_level_name = "info";
	o->helper_restarts = BROKER_HELPER_RESTARTS_DEFAULT;
	o->listen_fds = listen_fds;
	if (errlen)
		err[0] = '\0';
	cli_tables(longopts, shortopts);
	if (cli_wants_capabilities(argc, argv, longopts, shortopts)) {
		o->print_capabilities = true;
		return 0;
	}

	/* optind = 0 makes glibc start over, so the parser can run more than once. */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (c == '?' || c == ':')
			return cli_bad_option(err, errlen, c, argc, argv);
		if (c == 'h') {
			o->help = true;
			return 0;
		}
		if (c == 'V') {
			o->version = true;
			return 0;
		}
		ret = cli_option(o, c, optarg, &count_given, err, errlen);
		if (ret < 0)
			return ret;
	}
	if (optind < argc)
		return cli_error(err, errlen, "unexpected argument '%s'", argv[optind]);
	/* Printing a policy serves nothing: no socket or device is needed. */
	if (o->print_policy)
		return 0;
	return cli_check(o, count_given, err, errlen);
}

void broker_cli_capabilities(FILE *f)
{
	/* "gpio" as in virtio_ids.h (VIRTIO_ID_GPIO); no optional features. */
	fprintf(f, "{\n  \"type\": \"gpio\"\n}\n");
}

int broker_socket_name(const struct broker_opts *o, unsigned int index, char *buf, size_t len)
{
	int n;

	if (!o->socket_path || index >= o->socket_count)
		return -EINVAL;
	if (o->socket_count == 1)
		n = snprintf(buf, len, "%s", o->socket_path);
	else
		n = snprintf(buf, len, "%s%u", o->socket_path, index);
	if (n < 0 || (size_t)n >= len || (size_t)n >= BROKER_SOCK_PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

/* Print @text, which starts at column @indent, wrapped at 79 columns. */
static void cli_print_wrapped(FILE *f, const char *text, int indent)
{
	bool first = true;
	int col = indent;

	while (*text) {
		int len = (int)strcspn(text, " ");

		if (!first && col + 1 + len > 79) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
			first = true;
		}
		fprintf(f, "%s%.*s", first ? "" : " ", len, text);
		col += (first ? 0 : 1) + len;
		first = false;
		text += len;
		text += strspn(text, " ");
	}
	fputc('\n', f);
}

void broker_cli_usage(FILE *f)
{
	char left[64];
	int width = 0;

	for (unsigned int i = 0; i < CLI_NOPTS; i++) {
		const struct broker_cli_option *d = &broker_cli_options[i];
		int n = snprintf(left, sizeof(left), "--%s%s%s", d->long_name, d->arg ? " " : "",
				 d->arg ? d->arg : "");

		if (n > width)
			width = n;
	}
	fprintf(f,
		"Usage: vhost-user-gpio -s PATH [-c N] -l LIST [OPTION]...\n"
		"       vhost-user-gpio --fd N -l LIST [OPTION]...\n"
		"       vhost-user-gpio -l LIST [OPTION]...    (systemd socket activation)\n"
		"\n"
		"vhost-user back-end for virtio-gpio. Serves one front-end per socket; GPIO line\n"
		"state is kept across reconnections.\n"
		"\n"
		"Options:\n");
	for (unsigned int i = 0; i < CLI_NOPTS; i++) {
		const struct broker_cli_option *d = &broker_cli_options[i];

		snprintf(left, sizeof(left), "--%s%s%s", d->long_name, d->arg ? " " : "",
			 d->arg ? d->arg : "");
		if (d->id < 256)
			fprintf(f, "  -%c, %-*s  ", d->id, width, left);
		else
			fprintf(f, "      %-*s  ", width, left);
		cli_print_wrapped(f, d->help, 6 + width + 2);
	}
	fprintf(f,
		"\n"
		"Exactly one of --socket-path and --fd is required, unless systemd passes the\n"
		"sockets (LISTEN_FDS), and --device-list needs one entry per socket. Exit\n"
		"status: 0 on SIGTERM/SIGINT/SIGHUP or, with --fd, when the front-end closes\n"
		"the connection; 1 on a runtime error; 2 on bad configuration.\n"
		"See vhost-user-gpio(8).\n");
}
