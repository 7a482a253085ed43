/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internals of the policy compiler shared between its files and the unit
 * tests. Nothing outside sandbox/pol_*.c and tests/unit/test_pol*.c should
 * include this.
 */
#ifndef POL_INT_H
#define POL_INT_H

#include <stdarg.h>
#include <stdint.h>

#include "pol.h"

#define POL_MAX_ARGS		6	/* arg0..arg5 */
#define POL_MAX_ATOMS		16	/* atoms in one && clause */
#define POL_MAX_CLAUSES		64	/* || clauses in one rule */
#define POL_MAX_SRULES		256	/* libseccomp rules one syscall may expand to */
#define POL_INCLUDE_DEPTH	3	/* nested @include levels below the top file */
#define POL_MAX_ERRNO		4095	/* the kernel's MAX_ERRNO */
#define POL_MAX_FILE		(1 << 20)
#define POL_MAX_NAME		64	/* identifiers, syscall names included */

enum pol_op {
	POL_OP_EQ, POL_OP_NE, POL_OP_LT, POL_OP_LE, POL_OP_GT, POL_OP_GE,
	POL_OP_SET,	/* "&":  any bit of val set in the argument */
	POL_OP_IN,	/* "in": no argument bit outside val */
};

struct pol_atom {
	uint8_t arg;
	uint8_t op;	/* enum pol_op */
	uint64_t val;
};

struct pol_clause {
	unsigned int natoms;
	struct pol_atom atoms[POL_MAX_ATOMS];
};

struct pol_rule {
	char *name;
	int nr;			/* syscall number on the policy's arch */
	int api_nr;		/* number in libseccomp's native numbering (may be a
				 * negative pseudo number), what seccomp_rule_add wants */
	int errno_val;		/* > 0: "return ERRNO"; 0: allow */
	unsigned int nclauses;	/* 0: unconditional */
	struct pol_clause *clauses;
	char *expr;		/* condition as written, blanks squeezed; NULL if none */
	const char *file;	/* display name, owned by struct pol */
	unsigned int line;
};

struct pol {
	uint32_t arch;
	struct pol_rule *rules;
	size_t nrules, cap;
	char **files;		/* display names of every file read */
	size_t nfiles;
};

/* pol_expr.c: the right-hand side of "syscall: ..." into @r (no file:line). */
int pol_parse_action(const char *text, uint32_t arch, struct pol_rule *r, char *msg,
		     size_t msglen);

/*
 * pol_lower.c: one libseccomp rule = up to one comparison per argument
 * (libseccomp 2.5.4 rejects two on the same argument with EINVAL).
 */
struct pol_srule {
	unsigned int ncmp;
	struct scmp_arg_cmp cmp[POL_MAX_ARGS];
};

/*
 * Expand @r's condition into libseccomp rules whose OR equals it. An
 * unconditional result is one srule with ncmp == 0. Returns the count
 * (>= 1) or -EINVAL with @msg (no file:line) if libseccomp cannot express
 * it or a clause can never be true. *@out is malloc'ed; free() it.
 */
int pol_lower(const struct pol_rule *r, struct pol_srule **out, char *msg, size_t msglen);

/* pol_consts.c */
#define POL_K_ERRNO	0x1	/* an E* errno name: valid after "return" */
#define POL_K_ARCHDEP	0x2	/* value differs between arches: see pol_consts.c */

struct pol_const {
	const char *name;
	uint64_t val;
	unsigned int flags;
};

/*
 * Value of @name for @arch. 0, -ENOENT (no such name) or -EXDEV (the value
 * differs between arches and is not known for @arch).
 */
int pol_const_lookup(const char *name, uint32_t arch, uint64_t *val, unsigned int *flags);
/* "EACCES" for 13; NULL if @e is not in the table. */
const char *pol_errno_name(int e);
/* The whole table, for tests (sorted by strcmp, no duplicates). */
const struct pol_const *pol_const_table(size_t *n);

/* Small shared helpers (pol_parse.c). */
void pol_errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *pol_op_str(enum pol_op op);

#endif /* POL_INT_H */
