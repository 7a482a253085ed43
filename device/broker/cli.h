/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Command line of the broker (vhost-user-gpio). Parsing is a pure function:
 * it fills struct broker_opts or returns an error message, and never prints
 * or exits, so tests can drive it and main() decides what to do.
 */
#ifndef BROKER_CLI_H
#define BROKER_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "log.h"

/* Longest socket file name, NUL included (sizeof sockaddr_un.sun_path). */
#define BROKER_SOCK_PATH_MAX	108

struct broker_opts {
	const char *socket_path;	/* --socket-path, NULL with --fd */
	unsigned int socket_count;	/* --socket-count, 1 with --fd */
	int fd;				/* --fd, -1 when listening */
	const char *device_list;	/* --device-list, as given */
	unsigned int ndevices;		/* entries in device_list */
	const char *sim_control;	/* --sim-control, NULL if absent */
	const char *helper;		/* --helper, NULL = default location */
	enum log_level log_level;	/* --log-level */
	const char *log_level_name;	/* canonical name, passed to the helper */
	bool help;			/* -h: print usage, nothing else checked */
	bool version;			/* -V: print version, nothing else checked */
	bool no_sandbox;		/* --no-sandbox: debugging only, no jail anywhere */
	bool no_line_caps;		/* --no-line-caps: values always through the helper */
	unsigned int helper_restarts;	/* --helper-restarts */
	const char *seccomp_policy_dir;	/* --seccomp-policy-dir, NULL = default */
	bool seccomp_log;		/* --seccomp-log: audit mode */
	const char *print_policy;	/* --print-policy NAME: print and exit */
	bool print_capabilities;	/* --print-capabilities: print JSON and exit */
	bool syslog;			/* --syslog: log to syslog instead of stderr */
	/*
	 * Listening sockets systemd passed (fds BROKER_LISTEN_FDS_START...),
	 * 0 without socket activation. Given to the parser, not parsed.
	 */
	unsigned int listen_fds;
};

#define BROKER_HELPER_RESTARTS_DEFAULT	3
#define BROKER_HELPER_RESTARTS_MAX	1000

/* sd_listen_fds(3): the first passed fd. */
#define BROKER_LISTEN_FDS_START	3

/*
 * One row per option; --help prints this table and the parser is built from
 * it, so the two cannot disagree. @arg is the argument's placeholder, NULL
 * for a flag. @id is the short option letter, or a value >= 256 for options
 * that only have a long form.
 */
struct broker_cli_option {
	const char *long_name;
	int id;
	const char *arg;
	const char *help;
};

extern const struct broker_cli_option broker_cli_options[];
extern const unsigned int broker_cli_noptions;

/*
 * Parse @argv into @o. Returns 0, or -EINVAL with a one-line message naming
 * the option and value at fault in @err. Uses getopt_long (global state is
 * reset on entry) and may permute @argv like GNU getopt does.
 */
int broker_cli_parse(struct broker_opts *o, int argc, char *argv[], char *err, size_t errlen);

/*
 * The same, knowing that systemd passed @listen_fds listening sockets
 * (broker_listen_fds() in sockets.c): they replace --socket-path, which
 * may then not be given, and --device-list needs one entry per socket.
 */
int broker_cli_parse_activated(struct broker_opts *o, int argc, char *argv[],
			       unsigned int listen_fds, char *err, size_t errlen);

/* The --print-capabilities JSON (vhost-user.rst, "Backend program conventions"). */
void broker_cli_capabilities(FILE *f);

/*
 * Name of socket @index: the path as given when there is one socket,
 * else the path with the index appended (rust-vmm vhost-device-gpio naming).
 * Not for sockets passed by systemd (they have no name of ours).
 * Returns 0, -EINVAL for a bad index or --fd mode, -ENAMETOOLONG.
 */
int broker_socket_name(const struct broker_opts *o, unsigned int index, char *buf, size_t len);

/* Print the usage text and the option table. */
void broker_cli_usage(FILE *f);

#endif /* BROKER_CLI_H */
