// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The seccomp hook of the jail. This file is the one place where the policy
 * compiler (sandbox/pol.h) gets wired in; nothing else in the jail needs to
 * change for it:
 *
 *   jail_seccomp_prepare()  jail_enter() step 1, before any namespace or
 *                           mount change: parse @policy_name here while
 *                           the policy directory is still reachable, keep
 *                           the result in a static (one jail per process).
 *   jail_seccomp()          the last step, after no_new_privs and after the
 *                           SIGSYS report handler is installed: pol_load()
 *                           with .nnp = false (no_new_privs is already set),
 *                           default action SCMP_ACT_TRAP so that the report
 *                           handler learns the syscall.
 *
 * The broker calls both with o->role "broker" once it has dropped its
 * capabilities. Until then both do nothing, and tests/integration/
 * test_jail.c has its seccomp checks switched off (JAIL_TEST_SECCOMP).
 */
#include <stdio.h>

#include "jail.h"

#ifndef VUG_POLICYDIR
#define VUG_POLICYDIR	"policy"
#endif

int jail_seccomp_prepare(const struct jail_opts *o, const char *policy_name)
{
	(void)o;
	(void)policy_name;
	return 0;
}

int jail_seccomp(const struct jail_opts *o, const char *policy_name)
{
	(void)o;
	(void)policy_name;
	return 0;
}

const char *jail_policy_file(const char *policy_name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.policy", VUG_POLICYDIR, policy_name);
	return buf;
}
