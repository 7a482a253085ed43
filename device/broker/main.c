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
	char err[512];

	if (broker_cli_parse(&opts, argc, argv, err, sizeof(err)) < 0) {
		fprintf(stderr, "vhost-user-gpio: %s\nTry 'vhost-user-gpio --help'.\n", err);
		return BROKER_EXIT_CONFIG;
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
