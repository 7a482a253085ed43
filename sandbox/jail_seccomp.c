// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The seccomp step of the jail: the policy compiler (sandbox/pol.h) plugged
 * into jail_enter().
 *
 *   jail_seccomp_configure()  once, at start-up: the policy directory
 *                             (--seccomp-policy-dir, else the default) and
 *                             log mode (--seccomp-log).
 *   jail_seccomp_prepare()    parse a policy and keep it (one per name).
 *                             The broker parses every policy at start-up,
 *                             so a bad file stops it before it serves, and
 *                             a worker inherits the parsed "worker" policy
 *                             through fork: nothing is read inside the jail.
 *   jail_seccomp()            the last step of the jail: load it. Unmatched
 *                             syscalls trap (SIGSYS); the process's report
 *                             handler names the syscall and dies. Filters
 *                             stack and the strictest action wins, so the
 *                             broker's filter (inherited by every worker)
 *                             traps too: a kill there would silence the
 *                             worker's report.
 */
#include <errno.h>
#include <limits.h>
#include <libgen.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jail.h"
#include "log.h"
#include "pol.h"

#ifndef VUG_POLICYDIR
#define VUG_POLICYDIR	"/usr/local/share/vhost-user-gpio/policy"
#endif

#define JAIL_NPOLICIES	4

static struct {
	char dir[PATH_MAX];
	bool log;
	struct {
		const char *name;	/* static string */
		struct pol *pol;
	} parsed[JAIL_NPOLICIES];
} jail_sc = { .dir = "" };

/*
 * The default directory: policy/<arch> beside the build directory when the
 * program runs from a source tree (build/../policy/x86_64), else the
 * installed VUG_POLICYDIR/<arch>.
 */
static void jail_seccomp_default_dir(char *buf, size_t len)
{
	const char *arch = pol_arch_name(seccomp_arch_native());
	char exe[PATH_MAX], dir[PATH_MAX], probe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int m;

	if (n > 0) {
		exe[n] = '\0';
		m = snprintf(dir, sizeof(dir), "%s/../policy/%s", dirname(exe), arch);
		if (m > 0 && (size_t)m < sizeof(dir) && (size_t)m < len &&
		    snprintf(probe, sizeof(probe), "%s/worker.policy", dir) < (int)sizeof(probe) &&
		    access(probe, R_OK) == 0) {
			memcpy(buf, dir, (size_t)m + 1);
			return;
		}
	}
	snprintf(buf, len, "%s/%s", VUG_POLICYDIR, arch);
}

int jail_seccomp_configure(const char *dir, bool log_mode)
{
	if (dir) {
		if (strlen(dir) >= sizeof(jail_sc.dir))
			return -ENAMETOOLONG;
		strcpy(jail_sc.dir, dir);
	} else {
		jail_seccomp_default_dir(jail_sc.dir, sizeof(jail_sc.dir));
	}
	jail_sc.log = log_mode;
	return 0;
}

const char *jail_seccomp_dir(void)
{
	if (!jail_sc.dir[0])
		jail_seccomp_configure(NULL, false);
	return jail_sc.dir;
}

bool jail_seccomp_log_mode(void)
{
	return jail_sc.log;
}

static struct pol **jail_seccomp_slot(const char *name)
{
	for (unsigned int i = 0; i < JAIL_NPOLICIES; i++)
		if (jail_sc.parsed[i].name && strcmp(jail_sc.parsed[i].name, name) == 0)
			return &jail_sc.parsed[i].pol;
	for (unsigned int i = 0; i < JAIL_NPOLICIES; i++)
		if (!jail_sc.parsed[i].name) {
			jail_sc.parsed[i].name = name;
			return &jail_sc.parsed[i].pol;
		}
	return NULL;
}

/* Compiling our policies takes milliseconds; allow for a loaded, sanitized build. */
#define JAIL_POLICY_COMPILE_MS	5000

int jail_seccomp_parse(const char *policy_name, char *err, size_t errlen)
{
	struct pol **slot = jail_seccomp_slot(policy_name);
	char why[400];

	if (!slot) {
		snprintf(err, errlen, "too many policies");
		return -ENOSPC;
	}
	if (*slot)
		return 0;
	*slot = pol_parse_file(jail_seccomp_dir(), policy_name, seccomp_arch_native(), err,
			       errlen);
	if (!*slot)
		return -EINVAL;
	/* Once here, where a hang is a clear error, not in a jail at load time. */
	if (pol_check_compiles(*slot, &(struct pol_options){ .log = jail_sc.log, .trap = true },
			       JAIL_POLICY_COMPILE_MS, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s/%s.policy: %s", jail_seccomp_dir(), policy_name, why);
		pol_free(*slot);
		*slot = NULL;
		return -EINVAL;
	}
	return 0;
}

int jail_seccomp_prepare(const struct jail_opts *o, const char *policy_name)
{
	char err[512];

	(void)o;
	if (jail_seccomp_parse(policy_name, err, sizeof(err)) < 0) {
		log_err("seccomp policy %s: %s", policy_name, err);
		return -EINVAL;
	}
	return 0;
}

int jail_seccomp(const struct jail_opts *o, const char *policy_name)
{
	struct pol **slot = jail_seccomp_slot(policy_name);
	struct pol_options po = {
		.log = jail_sc.log,
		.nnp = false,		/* the jail set no_new_privs itself */
		.trap = true,
	};
	char err[512];

	(void)o;
	if (!slot || !*slot) {
		log_err("seccomp policy %s was not prepared", policy_name);
		return -EINVAL;
	}
	if (pol_load(*slot, &po, err, sizeof(err)) < 0) {
		log_err("seccomp policy %s: %s", policy_name, err);
		return -EINVAL;
	}
	return 0;
}

int jail_seccomp_print(const char *policy_name, int fd)
{
	struct pol **slot = jail_seccomp_slot(policy_name);
	struct pol_options po = { .log = jail_sc.log, .trap = true };

	if (!slot || !*slot)
		return -EINVAL;
	return pol_print(*slot, &po, fd);
}

const char *jail_policy_file(const char *policy_name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.policy", jail_seccomp_dir(), policy_name);
	return buf;
}
