/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Build the argv of a broker command line from a NULL-terminated list of
 * words (argv[0] is added), for the CLI parser tests.
 */
#ifndef TEST_CLI_ARGV_H
#define TEST_CLI_ARGV_H

#include <stdarg.h>
#include <stdio.h>

#define CLI_ARGV_MAX	32

/* Fills @argv (CLI_ARGV_MAX + 1 entries, static storage); returns argc. */
static inline int cli_argv(char **argv, const char *first, va_list ap)
{
	static char words[CLI_ARGV_MAX][512];
	int argc = 0;

	snprintf(words[argc], sizeof(words[0]), "vhost-user-gpio");
	argv[argc] = words[argc];
	argc++;
	for (const char *w = first; w && argc < CLI_ARGV_MAX; w = va_arg(ap, const char *)) {
		snprintf(words[argc], sizeof(words[0]), "%s", w);
		argv[argc] = words[argc];
		argc++;
	}
	argv[argc] = NULL;
	return argc;
}

#endif
