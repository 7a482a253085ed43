/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Seccomp policy compiler: minijail-syntax policy text -> libseccomp filter.
 *
 * Three layers, dependencies pointing one way (as in minijail):
 *   pol_parse.c / pol_expr.c   text -> struct pol (rules with file:line);
 *                              every check that does not need the kernel
 *                              happens here, so a policy that parses compiles
 *   pol_lower.c                a rule's condition -> libseccomp comparisons
 *   pol_seccomp.c / pol_print.c  struct pol -> scmp_filter_ctx, load, audit
 * The jail (namespaces, caps, no_new_privs) lives elsewhere and only calls
 * pol_parse_file() + pol_load().
 *
 * Typical use in a program about to drop into its sandbox:
 *
 *	char err[256];
 *	struct pol_options o = { .log = log_mode, .nnp = false };
 *	struct pol *p = pol_parse_file(POLICY_DIR, "worker", seccomp_arch_native(),
 *				       err, sizeof(err));
 *	if (!p || pol_load(p, &o, err, sizeof(err)) < 0)
 *		die("seccomp: %s", err);
 *	pol_free(p);
 *
 * Parse before entering a mount namespace that hides the policy directory,
 * and load last: after pol_load() only the policy's syscalls work (pol_load
 * itself allocates, so do nothing fancy between parse and load either).
 */
#ifndef POL_H
#define POL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <seccomp.h>

struct pol;

struct pol_options {
	/*
	 * Unmatched syscalls are logged by the kernel (SECCOMP_RET_LOG) and
	 * allowed, instead of killing the process. "return ERRNO" rules keep
	 * returning their errno: soft denials are part of the design.
	 */
	bool log;
	/*
	 * Let seccomp_load() set no_new_privs (SCMP_FLTATR_CTL_NNP). The jail
	 * sets it itself, so it passes false; then loading fails with EACCES
	 * unless no_new_privs is already set or the caller has CAP_SYS_ADMIN.
	 */
	bool nnp;
	/*
	 * Unmatched syscalls raise SIGSYS (SECCOMP_RET_TRAP) instead of killing
	 * at once, so the process's report handler can name the syscall before
	 * it dies (sandbox/jail_report.c). Ignored in log mode.
	 */
	bool trap;
};

/*
 * Parse @dir/@name.policy for @scmp_arch (SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64,
 * or seccomp_arch_native()). @name is a plain name such as "worker".
 * Diagnostics name files relative to @dir ("common.policy:12: ...").
 * Returns NULL with the first error in @err.
 */
struct pol *pol_parse_file(const char *dir, const char *name, uint32_t scmp_arch,
			   char *err, size_t errlen);

/*
 * Parse @text as if it were the file @fname (used in diagnostics). @include
 * lines resolve relative to the directory part of @fname, i.e. to the
 * current directory when @fname has no '/'.
 */
struct pol *pol_parse_string(const char *text, const char *fname, uint32_t scmp_arch,
			     char *err, size_t errlen);

void pol_free(struct pol *pol);

/* Architecture the policy was parsed for; number of rules (one per syscall). */
uint32_t pol_arch(const struct pol *pol);
size_t pol_nrules(const struct pol *pol);

/*
 * Build a libseccomp filter. @opts may be NULL (all false). The caller owns
 * *@out and frees it with seccomp_release(). Returns 0 or -errno (message in
 * @err). Works for any supported arch, native or not (for checking).
 */
int pol_compile(const struct pol *pol, const struct pol_options *opts, scmp_filter_ctx *out,
		char *err, size_t errlen);

/*
 * Compile @pol (and generate its BPF) in a child process that must finish
 * within @timeout_ms: libseccomp can loop on some rules. Returns 0, or
 * -ETIMEDOUT / -errno with the reason in @err.
 */
int pol_check_compiles(const struct pol *pol, const struct pol_options *opts, int timeout_ms,
		       char *err, size_t errlen);

/* pol_compile() + seccomp_load() for the calling thread. Native arch only. */
int pol_load(const struct pol *pol, const struct pol_options *opts, char *err, size_t errlen);

/*
 * Audit output for --print-policy: a table of the parsed rules (syscall,
 * number, action, condition as written and as compiled, file:line), then
 * libseccomp's pseudo filter code. Returns 0 or -errno.
 */
int pol_print(const struct pol *pol, const struct pol_options *opts, int fd);

/* "x86_64", "aarch64", ... <-> SCMP_ARCH_*; 0 / "unknown" when not known. */
uint32_t pol_arch_parse(const char *name);
const char *pol_arch_name(uint32_t scmp_arch);

#endif /* POL_H */
