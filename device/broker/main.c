// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vhost-user-gpio: the broker program. See broker.h.
 */
#include <stdio.h>
#include <unistd.h>

#include "broker/broker.h"
#include "broker/cli.h"
#include "jail.h"
#include "log.h"

#ifndef VUG_VERSION
#define VUG_VERSION "unknown"
#endif

int main(int argc, char *argv[])
{
	struct broker_opts opts;
	unsigned int listen_fds;
	char err[512], env_err[256];
	int env_ret, ret;

	/* Socket activation (systemd) decides which options are required. */
	env_ret = broker_listen_fds(&listen_fds, env_err, sizeof(env_err));
	ret = broker_cli_parse_activated(&opts, argc, argv, listen_fds, err, sizeof(err));
	/* Broken socket activation is the one problem to name, whatever else follows from it. */
	if (env_ret < 0 && (ret < 0 || (!opts.print_capabilities && !opts.help &&
					 !opts.version && !opts.print_policy))) {
		fprintf(stderr, "vhost-user-gpio: %s\n", env_err);
		return BROKER_EXIT_CONFIG;
	}
	if (ret < 0) {
		fprintf(stderr, "vhost-user-gpio: %s\nTry 'vhost-user-gpio --help'.\n", err);
		return BROKER_EXIT_CONFIG;
	}
	if (opts.print_capabilities) {
		broker_cli_capabilities(stdout);
		return 0;
	}
	if (opts.help) {
		broker_cli_usage(stdout);
		return 0;
	}
	if (opts.version) {
		printf("vhost-user-gpio %s\n", VUG_VERSION);
		return 0;
	}
	log_init("broker", opts.log_level);
	/* Before the helper and any jail: they inherit it as their stderr. */
	if (opts.syslog && !opts.print_policy && log_open_syslog(err, sizeof(err)) < 0) {
		fprintf(stderr, "vhost-user-gpio: %s\n", err);
		return BROKER_EXIT_CONFIG;
	}
	if (jail_seccomp_configure(opts.seccomp_policy_dir, opts.seccomp_log) < 0) {
		fprintf(stderr, "vhost-user-gpio: --seccomp-policy-dir: path too long\n");
		return BROKER_EXIT_CONFIG;
	}
	if (opts.print_policy) {
		if (jail_seccomp_parse(opts.print_policy, err, sizeof(err)) < 0) {
			fprintf(stderr, "vhost-user-gpio: seccomp policy %s: %s\n",
				opts.print_policy, err);
			return BROKER_EXIT_CONFIG;
		}
		return jail_seccomp_print(opts.print_policy, STDOUT_FILENO) < 0 ? 1 : 0;
	}
	return broker_run(&opts);
}
