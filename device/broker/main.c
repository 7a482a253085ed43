// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vhost-user-gpio: the broker program. See broker.h.
 */
#include <stdio.h>

#include "broker/broker.h"
#include "broker/cli.h"
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
	return broker_run(&opts);
}
