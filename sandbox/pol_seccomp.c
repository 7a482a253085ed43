// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * struct pol -> libseccomp filter, and loading it. Nothing here knows policy
 * text; conditions arrive through pol_lower().
 *
 * Actions: unmatched syscalls kill the whole process (SCMP_ACT_KILL_PROCESS,
 * so a violation in any thread ends the device process, as crosvm gets with
 * TSYNC), or in log mode are logged and allowed (SCMP_ACT_LOG). "return
 * ERRNO" rules return their errno in both modes. A syscall made with the
 * wrong ABI (i386 int 0x80 from an x86_64 process) kills in both modes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pol_int.h"

static const struct {
	const char *name;
	uint32_t arch;
} arches[] = {
	{ "x86_64", SCMP_ARCH_X86_64 },
	{ "aarch64", SCMP_ARCH_AARCH64 },
	{ "x86", SCMP_ARCH_X86 },
	{ "x32", SCMP_ARCH_X32 },
	{ "arm", SCMP_ARCH_ARM },
	{ "riscv64", SCMP_ARCH_RISCV64 },
};

uint32_t pol_arch_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		if (!strcmp(arches[i].name, name))
			return arches[i].arch;
	return 0;
}

const char *pol_arch_name(uint32_t arch)
{
	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		if (arches[i].arch == arch)
			return arches[i].name;
	return "unknown";
}

static int set_attrs(scmp_filter_ctx ctx, const struct pol_options *o)
{
	int ret;

	ret = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, o->nnp ? 1 : 0);
	if (!ret)	/* the jail loads before it starts threads */
		ret = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 0);
	if (!ret)
		ret = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (!ret)	/* report the kernel's errno, not libseccomp's ECANCELED */
		ret = seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	return ret;
}

static int add_rule(scmp_filter_ctx ctx, const struct pol_rule *r, char *err, size_t errlen)
{
	struct pol_srule *sr = NULL;
	char msg[384];
	int n = 1, ret = 0;

	if (r->errno_val)
		ret = seccomp_rule_add_exact_array(ctx, SCMP_ACT_ERRNO((uint32_t)r->errno_val),
						   r->api_nr, 0, NULL);
	else if (!r->nclauses)
		ret = seccomp_rule_add_exact_array(ctx, SCMP_ACT_ALLOW, r->api_nr, 0, NULL);
	else
		n = pol_lower(r, &sr, msg, sizeof(msg));
	if (n < 0) {
		pol_errf(err, errlen, "%s:%u: %s: %s", r->file, r->line, r->name, msg);
		return n;
	}
	for (int i = 0; sr && i < n && !ret; i++)
		ret = seccomp_rule_add_exact_array(ctx, SCMP_ACT_ALLOW, r->api_nr, sr[i].ncmp,
						   sr[i].cmp);
	free(sr);
	if (ret < 0)
		pol_errf(err, errlen, "%s:%u: %s: seccomp_rule_add: %s", r->file, r->line,
			 r->name, strerror(-ret));
	return ret;
}

int pol_compile(const struct pol *pol, const struct pol_options *opts, scmp_filter_ctx *out,
		char *err, size_t errlen)
{
	static const struct pol_options defaults;
	const struct pol_options *o = opts ? opts : &defaults;
	scmp_filter_ctx ctx;
	int ret = 0;

	*out = NULL;
	ctx = seccomp_init(o->log ? SCMP_ACT_LOG : o->trap ? SCMP_ACT_TRAP : SCMP_ACT_KILL_PROCESS);
	if (!ctx) {
		pol_errf(err, errlen, "seccomp_init(%s) failed: action not supported here or out "
			 "of memory", o->log ? "log" : o->trap ? "trap" : "kill-process");
		return -EINVAL;
	}
	if (pol->arch != seccomp_arch_native()) {
		/* Rules still take native numbers; libseccomp translates them by name. */
		ret = seccomp_arch_add(ctx, pol->arch);
		if (!ret)
			ret = seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE);
		if (ret < 0)
			pol_errf(err, errlen, "seccomp_arch_add(%s): %s", pol_arch_name(pol->arch),
				 strerror(-ret));
	}
	if (!ret) {
		ret = set_attrs(ctx, o);
		if (ret < 0)
			pol_errf(err, errlen, "seccomp_attr_set: %s", strerror(-ret));
	}
	for (size_t i = 0; !ret && i < pol->nrules; i++)
		ret = add_rule(ctx, &pol->rules[i], err, errlen);
	if (ret < 0) {
		seccomp_release(ctx);
		return ret;
	}
	*out = ctx;
	return 0;
}

int pol_load(const struct pol *pol, const struct pol_options *opts, char *err, size_t errlen)
{
	scmp_filter_ctx ctx;
	int ret;

	if (pol->arch != seccomp_arch_native()) {
		pol_errf(err, errlen, "policy was parsed for %s, this process is %s",
			 pol_arch_name(pol->arch), pol_arch_name(seccomp_arch_native()));
		return -EINVAL;
	}
	ret = pol_compile(pol, opts, &ctx, err, errlen);
	if (ret < 0)
		return ret;
	ret = seccomp_load(ctx);
	seccomp_release(ctx);
	if (ret < 0)
		pol_errf(err, errlen, "seccomp_load: %s%s", strerror(-ret),
			 ret == -EACCES ? " (no_new_privs is not set and the caller lacks "
			 "CAP_SYS_ADMIN)" : "");
	return ret;
}
