// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Audit output (--print-policy): what the policy says and what the kernel
 * will run. First a table of the parsed rules sorted by syscall name, each
 * condition shown as written and as the libseccomp comparisons it became
 * (after '&' expansion and same-argument merging), then libseccomp's own
 * pseudo filter code, which is generated from the same filter that
 * pol_load() installs.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pol_int.h"

static int by_name(const void *a, const void *b, void *rules)
{
	const struct pol_rule *r = rules;

	return strcmp(r[*(const size_t *)a].name, r[*(const size_t *)b].name);
}

static void print_cmp(int fd, const struct scmp_arg_cmp *c, int first)
{
	static const char *const op[] = {
		[SCMP_CMP_NE] = "!=", [SCMP_CMP_LT] = "<", [SCMP_CMP_LE] = "<=",
		[SCMP_CMP_EQ] = "==", [SCMP_CMP_GE] = ">=", [SCMP_CMP_GT] = ">",
	};
	const char *sep = first ? "" : " && ";

	if (c->op == SCMP_CMP_MASKED_EQ)
		dprintf(fd, "%s(arg%u & %#" PRIx64 ") == %#" PRIx64, sep, c->arg, c->datum_a,
			c->datum_b);
	else
		dprintf(fd, "%sarg%u %s %#" PRIx64, sep, c->arg, op[c->op], c->datum_a);
}

static void print_rule(int fd, const struct pol_rule *r)
{
	struct pol_srule *sr;
	char where[128], msg[256];
	const char *e;
	int n;

	snprintf(where, sizeof(where), "%s:%u", r->file, r->line);
	if (r->errno_val) {
		e = pol_errno_name(r->errno_val);
		dprintf(fd, "%-22s %4d  errno %-10s %s\n", r->name, r->nr, e ? e : "", where);
		if (!e)
			dprintf(fd, "    errno %d\n", r->errno_val);
		return;
	}
	if (!r->nclauses) {
		dprintf(fd, "%-22s %4d  %-16s %s\n", r->name, r->nr, "allow", where);
		return;
	}
	dprintf(fd, "%-22s %4d  %-16s %s\n    %s\n", r->name, r->nr, "allow if", where, r->expr);
	n = pol_lower(r, &sr, msg, sizeof(msg));
	if (n < 0) {
		dprintf(fd, "    => error: %s\n", msg);
		return;
	}
	for (int i = 0; i < n; i++) {
		dprintf(fd, "    => ");
		if (!sr[i].ncmp)
			dprintf(fd, "always");
		for (unsigned int j = 0; j < sr[i].ncmp; j++)
			print_cmp(fd, &sr[i].cmp[j], j == 0);
		dprintf(fd, "\n");
	}
	free(sr);
}

int pol_print(const struct pol *pol, const struct pol_options *opts, int fd)
{
	static const struct pol_options defaults;
	const struct pol_options *o = opts ? opts : &defaults;
	scmp_filter_ctx ctx;
	char err[256];
	size_t *idx;
	int ret;

	ret = pol_compile(pol, o, &ctx, err, sizeof(err));
	if (ret < 0) {
		dprintf(fd, "# cannot compile: %s\n", err);
		return ret;
	}
	idx = malloc(pol->nrules * sizeof(*idx));
	if (!idx) {
		seccomp_release(ctx);
		return -ENOMEM;
	}
	for (size_t i = 0; i < pol->nrules; i++)
		idx[i] = i;
	qsort_r(idx, pol->nrules, sizeof(*idx), by_name, pol->rules);

	dprintf(fd, "# policy %s for %s: %zu syscalls\n", pol->files[0], pol_arch_name(pol->arch),
		pol->nrules);
	dprintf(fd, "# other syscalls: %s; no_new_privs set by the loader: %s\n",
		o->log ? "logged and allowed (log mode)" : o->trap ? "SIGSYS to the process (trap), which reports and dies" : "kill the process",
		o->nnp ? "yes" : "no (the jail sets it)");
	dprintf(fd, "# %-20s %4s  %-16s %s\n", "syscall", "nr", "action", "source");
	for (size_t i = 0; i < pol->nrules; i++)
		print_rule(fd, &pol->rules[idx[i]]);
	free(idx);

	dprintf(fd, "#\n# libseccomp pseudo filter code\n");
	ret = seccomp_export_pfc(ctx, fd);
	seccomp_release(ctx);
	return ret < 0 ? ret : 0;
}
