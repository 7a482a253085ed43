// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: the seccomp policy parser (sandbox/pol_parse.c, pol_expr.c,
 * pol_consts.c, and pol_lower.c through the parser's check).
 *
 * Input: one flags byte, then the policy text (cut at the first NUL).
 *   bit 0  parse for aarch64 instead of x86_64
 *   bit 1  also print the audit table (pol_print) to /dev/null
 *   bit 2  compile in log mode, bit 3 in trap mode
 * The text is parsed as "policy/<arch>/fuzz.policy", so "@include
 * common.policy" pulls in the real policy files when run from the top of
 * the tree (includes are confined to that directory by the parser).
 *
 * Checked: the parser's promise "a policy that parses compiles"; an error
 * always comes with a message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pol.h"
#include "fz.h"

static int devnull = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_setup("fuzz-policy");
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = fz_in(data, size);
	uint8_t flags = fz_u8(&in);
	bool arm = flags & 1;
	struct pol_options opts = { .log = flags & 4, .trap = flags & 8 };
	char err[256] = "";
	struct pol *pol;
	char *text;
	int ret;

	if (devnull < 0)
		LLVMFuzzerInitialize(NULL, NULL);
	text = strndup((const char *)in.p, in.n);
	if (!text)
		return 0;
	pol = pol_parse_string(text, arm ? "policy/aarch64/fuzz.policy" :
				     "policy/x86_64/fuzz.policy",
			       arm ? SCMP_ARCH_AARCH64 : SCMP_ARCH_X86_64, err, sizeof(err));
	FZ_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
	if (!pol) {
		FZ_ASSERT(err[0] != '\0');
		free(text);
		return 0;
	}
	FZ_ASSERT(pol_nrules(pol) > 0);
	FZ_ASSERT(pol_arch(pol) == (arm ? SCMP_ARCH_AARCH64 : SCMP_ARCH_X86_64));
	/*
	 * The default (kill) mode must work; log and trap depend on the kernel.
	 * Compiled as the daemon does, in a child with a time limit: libseccomp
	 * 2.5 loops on some rules, which the daemon reports as a bad policy.
	 */
	ret = pol_check_compiles(pol, NULL, 1000, err, sizeof(err));
	if (ret == -ETIMEDOUT) {
		pol_free(pol);
		free(text);
		return 0;
	}
	if (ret < 0)
		dprintf(fz_report_fd, "parsed but did not compile: %s\n", err);
	FZ_ASSERT(ret == 0);
	if (flags & 2) {
		ret = pol_print(pol, &opts, devnull);
		FZ_ASSERT(ret == 0 || opts.log || opts.trap);
	}
	pol_free(pol);
	free(text);
	return 0;
}
