// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A rule's condition (OR of AND clauses of atoms) -> libseccomp rules.
 *
 * libseccomp ORs the rules of one syscall and ANDs the comparisons inside a
 * rule, so each clause becomes one or more rules, with two restrictions
 * found by testing libseccomp 2.5.4:
 *
 *  - At most one comparison per argument in a rule: a second one on the same
 *    argument, whatever the operators, makes seccomp_rule_add fail with
 *    EINVAL. Atoms that are masked equalities (==, single-bit &, in) merge
 *    into one SCMP_CMP_MASKED_EQ; an == fixes the value, so other atoms on
 *    that argument are evaluated here. Anything else (a range, two !=) is
 *    refused with the atoms named.
 *  - '&' with several bits ("any of them set") is not one comparison, so the
 *    clause is expanded into one clause per bit. Expansions that contradict
 *    the rest of the clause are dropped; a clause with no satisfiable
 *    expansion is an error (it is dead text in a hand-audited policy).
 *
 * Mapping: == EQ, != NE, < LT, <= LE, > GT, >= GE, '& bit' MASKED_EQ(bit, bit),
 * 'in V' MASKED_EQ(~V, 0). Values are the raw 64-bit numbers from the policy.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pol_int.h"

struct arg_state {
	int have_mask;		/* the masked equalities seen so far, ANDed */
	uint64_t mask, val;
	unsigned int nother;	/* != < <= > >=, deduplicated */
	struct pol_atom other[POL_MAX_ATOMS];
};

struct out {
	struct pol_srule *v;
	unsigned int n, cap;
};

const char *pol_op_str(enum pol_op op)
{
	static const char *const s[] = { "==", "!=", "<", "<=", ">", ">=", "&", "in" };

	return (unsigned int)op < sizeof(s) / sizeof(s[0]) ? s[op] : "?";
}

static int failf(char *msg, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int failf(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* "arg0 == 0x1 && arg0 <= 0x5" for the atoms of @a selected by @arg (-1: all). */
static void describe(char *buf, size_t len, const struct pol_atom *a, unsigned int n, int arg)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < n && off < len; i++) {
		if (arg >= 0 && a[i].arg != arg)
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%sarg%u %s %#llx",
					off ? " && " : "", a[i].arg, pol_op_str(a[i].op),
					(unsigned long long)a[i].val);
	}
}

static int eval(enum pol_op op, uint64_t x, uint64_t v)
{
	switch (op) {
	case POL_OP_NE: return x != v;
	case POL_OP_LT: return x < v;
	case POL_OP_LE: return x <= v;
	case POL_OP_GT: return x > v;
	case POL_OP_GE: return x >= v;
	default: return 0;	/* not reached: masked forms are merged */
	}
}

/* Returns 0 if the conjunction can never hold. */
static int merge_mask(struct arg_state *s, uint64_t mask, uint64_t val)
{
	val &= mask;
	if (s->have_mask && ((s->val ^ val) & s->mask & mask))
		return 0;
	s->mask |= mask;
	s->val |= val;
	s->have_mask = 1;
	return 1;
}

static int add_atom(struct arg_state *s, const struct pol_atom *a)
{
	switch (a->op) {
	case POL_OP_EQ:
		return merge_mask(s, ~0ULL, a->val);
	case POL_OP_SET:	/* single bit by now */
		return merge_mask(s, a->val, a->val);
	case POL_OP_IN:
		return merge_mask(s, ~a->val, 0);
	case POL_OP_LT:
		if (a->val == 0)
			return 0;
		break;
	case POL_OP_GT:
		if (a->val == ~0ULL)
			return 0;
		break;
	case POL_OP_LE:
		if (a->val == ~0ULL)
			return 1;	/* always true */
		break;
	case POL_OP_GE:
		if (a->val == 0)
			return 1;
		break;
	default:
		break;
	}
	for (unsigned int i = 0; i < s->nother; i++)
		if (s->other[i].op == a->op && s->other[i].val == a->val)
			return 1;
	s->other[s->nother++] = *a;
	return 1;
}

static void set_cmp(struct pol_srule *r, unsigned int arg, enum scmp_compare op, uint64_t a,
		    uint64_t b)
{
	struct scmp_arg_cmp *c = &r->cmp[r->ncmp++];

	c->arg = arg;
	c->op = op;
	c->datum_a = a;
	c->datum_b = b;
}

/* One clause with single-bit '&' atoms. 1: *r filled; 0: never true; <0: inexpressible. */
static int lower_conj(const struct pol_atom *atoms, unsigned int n, struct pol_srule *r,
		      char *msg, size_t msglen)
{
	static const enum scmp_compare cmp_of[] = {
		[POL_OP_NE] = SCMP_CMP_NE, [POL_OP_LT] = SCMP_CMP_LT, [POL_OP_LE] = SCMP_CMP_LE,
		[POL_OP_GT] = SCMP_CMP_GT, [POL_OP_GE] = SCMP_CMP_GE,
	};

	memset(r, 0, sizeof(*r));
	for (unsigned int arg = 0; arg < POL_MAX_ARGS; arg++) {
		struct arg_state s = { 0 };
		char d[256];

		for (unsigned int i = 0; i < n; i++)
			if (atoms[i].arg == arg && !add_atom(&s, &atoms[i]))
				return 0;
		if (s.have_mask && s.mask == ~0ULL) {
			for (unsigned int i = 0; i < s.nother; i++)
				if (!eval(s.other[i].op, s.val, s.other[i].val))
					return 0;
			set_cmp(r, arg, SCMP_CMP_EQ, s.val, 0);
		} else if (s.nother == 0) {
			if (s.have_mask && s.mask)
				set_cmp(r, arg, SCMP_CMP_MASKED_EQ, s.mask, s.val);
		} else if (s.nother == 1 && !(s.have_mask && s.mask)) {
			set_cmp(r, arg, cmp_of[s.other[0].op], s.other[0].val, 0);
		} else {
			describe(d, sizeof(d), atoms, n, (int)arg);
			return failf(msg, msglen, "cannot express '%s': libseccomp allows one "
				     "comparison per argument in a rule and these do not merge "
				     "into one", d);
		}
	}
	return 1;
}

static int append(struct out *o, const struct pol_srule *r, char *msg, size_t msglen)
{
	for (unsigned int i = 0; i < o->n; i++)
		if (!memcmp(&o->v[i], r, sizeof(*r)))
			return 0;
	if (o->n == POL_MAX_SRULES)
		return failf(msg, msglen, "condition expands to more than %d libseccomp rules",
			     POL_MAX_SRULES);
	if (o->n == o->cap) {
		unsigned int cap = o->cap ? o->cap * 2 : 4;
		struct pol_srule *v = realloc(o->v, cap * sizeof(*v));

		if (!v)
			return failf(msg, msglen, "out of memory");
		o->v = v;
		o->cap = cap;
	}
	o->v[o->n++] = *r;
	return 0;
}

/* The @k-th set bit of @v (k < popcount). */
static uint64_t nth_bit(uint64_t v, unsigned int k)
{
	while (k--)
		v &= v - 1;
	return v & -v;
}

/*
 * Walk every choice of one bit per multi-bit '&' atom (an odometer over
 * @digit). Returns 1 if some expansion can be true, 2 if one is always true
 * (the syscall then needs no comparison at all), 0 if none can, <0 on error.
 */
static int lower_clause(const struct pol_clause *c, struct out *o, char *msg, size_t msglen)
{
	unsigned int digit[POL_MAX_ATOMS] = { 0 }, nbits[POL_MAX_ATOMS];
	struct pol_atom exp[POL_MAX_ATOMS];
	struct pol_srule r;
	uint64_t total = 1;
	int any = 0, ret;

	for (unsigned int i = 0; i < c->natoms; i++) {
		nbits[i] = c->atoms[i].op == POL_OP_SET ?
			   (unsigned int)__builtin_popcountll(c->atoms[i].val) : 1;
		if (nbits[i] == 0)
			return 0;	/* "& 0" */
		total *= nbits[i];
		/* Bound the walk too, not just the output: dropped expansions cost time. */
		if (total > POL_MAX_SRULES)
			return failf(msg, msglen, "condition expands to more than %d libseccomp "
				     "rules", POL_MAX_SRULES);
	}
	for (;;) {
		unsigned int i;

		for (i = 0; i < c->natoms; i++) {
			exp[i] = c->atoms[i];
			if (exp[i].op == POL_OP_SET)
				exp[i].val = nth_bit(exp[i].val, digit[i]);
		}
		ret = lower_conj(exp, c->natoms, &r, msg, msglen);
		if (ret < 0)
			return ret;
		if (ret == 1) {
			if (r.ncmp == 0)
				return 2;
			any = 1;
			if (append(o, &r, msg, msglen) < 0)
				return -EINVAL;
		}
		for (i = 0; i < c->natoms; i++) {
			if (++digit[i] < nbits[i])
				break;
			digit[i] = 0;
		}
		if (i == c->natoms)
			return any;
	}
}

int pol_lower(const struct pol_rule *rule, struct pol_srule **out, char *msg, size_t msglen)
{
	struct out o = { 0 };
	char d[256];
	int ret;

	*out = NULL;
	for (unsigned int i = 0; i < rule->nclauses; i++) {
		ret = lower_clause(&rule->clauses[i], &o, msg, msglen);
		if (ret == 2) {
			o.n = 0;	/* one clause always holds: the rule is unconditional */
			break;
		}
		if (ret < 0) {
			free(o.v);
			return ret;
		}
		if (ret == 0) {
			describe(d, sizeof(d), rule->clauses[i].atoms, rule->clauses[i].natoms, -1);
			free(o.v);
			return failf(msg, msglen, "condition can never be true: '%s'", d);
		}
	}
	if (o.n == 0) {
		free(o.v);
		o.v = calloc(1, sizeof(*o.v));
		if (!o.v)
			return failf(msg, msglen, "out of memory");
		o.n = 1;
	}
	*out = o.v;
	return (int)o.n;
}
