// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The shipped policies (policy/<arch>/) parse and compile for their own
 * architecture, whatever the machine running the test: an aarch64 policy
 * that names a syscall aarch64 lacks fails here, on x86_64 too. And the
 * filters stack as designed: everything a worker may do, the broker's
 * filter (inherited by every worker) allows too.
 */
#include <seccomp.h>

#include "../harness.h"
#include "pol.h"
#include "pol_int.h"

static const char *const arches[] = { "x86_64", "aarch64" };
static const char *const names[] = { "worker", "helper", "broker" };

static struct pol *load(const char *arch, const char *name)
{
	char dir[64], err[512];
	struct pol *p;

	snprintf(dir, sizeof(dir), "policy/%s", arch);
	p = pol_parse_file(dir, name, pol_arch_parse(arch), err, sizeof(err));
	if (!p)
		fprintf(stderr, "  %s/%s: %s\n", arch, name, err);
	return p;
}

static void t_parse_and_compile(void)
{
	for (unsigned int a = 0; a < 2; a++) {
		for (unsigned int n = 0; n < 3; n++) {
			struct pol *p = load(arches[a], names[n]);
			scmp_filter_ctx ctx = NULL;
			char err[512];

			CHECK(p != NULL);
			if (!p)
				continue;
			CHECK(pol_nrules(p) > 10);
			CHECK_EQ(pol_compile(p, NULL, &ctx, err, sizeof(err)), 0);
			if (ctx)
				seccomp_release(ctx);
			pol_free(p);
		}
	}
}

static const struct pol_rule *find_rule(const struct pol *p, const char *name)
{
	for (size_t i = 0; i < p->nrules; i++)
		if (strcmp(p->rules[i].name, name) == 0)
			return &p->rules[i];
	return NULL;
}

/* Every syscall the worker may make is in the broker's filter as well. */
static void t_broker_covers_worker(void)
{
	for (unsigned int a = 0; a < 2; a++) {
		struct pol *w = load(arches[a], "worker");
		struct pol *b = load(arches[a], "broker");

		CHECK(w && b);
		for (size_t i = 0; w && b && i < w->nrules; i++) {
			const struct pol_rule *r = find_rule(b, w->rules[i].name);

			if (!r)
				fprintf(stderr, "  %s: worker's %s missing in broker.policy\n",
					arches[a], w->rules[i].name);
			CHECK(r != NULL);
		}
		pol_free(w);
		pol_free(b);
	}
}

/*
 * The worker never gets what it must not have, on any architecture. Its one
 * ioctl rule (line capabilities) is checked in the kernel by test_jail.c's
 * gpio probes.
 */
static void t_worker_forbidden(void)
{
	static const char *const forbidden[] = { "open", "openat", "socket", "connect", "bind",
						 "clone", "clone3", "execve", "prctl",
						 "kill", "mount", "ptrace", "unshare", "setns" };

	for (unsigned int a = 0; a < 2; a++) {
		struct pol *w = load(arches[a], "worker");

		CHECK(w != NULL);
		for (unsigned int i = 0; w && i < sizeof(forbidden) / sizeof(forbidden[0]); i++)
			CHECK(find_rule(w, forbidden[i]) == NULL);
		pol_free(w);
	}
}

TEST_MAIN(TEST_CASE(t_parse_and_compile), TEST_CASE(t_broker_covers_worker),
	  TEST_CASE(t_worker_forbidden))
