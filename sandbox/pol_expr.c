// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The right-hand side of a policy rule. Grammar (minijail's, see its
 * compile_policy_line), with this compiler's limits:
 *
 *   action  := '1'                         allow
 *            | 'return' errno              fail the syscall with errno
 *            | expr                        allow if expr, else the default action
 *            | expr ';' 'return' errno     parsed, then rejected (see below)
 *   expr    := clause ('||' clause)*       at most POL_MAX_CLAUSES clauses
 *   clause  := atom ('&&' atom)*           at most POL_MAX_ATOMS atoms
 *   atom    := 'arg'N op value             N in 0..5
 *   op      := '==' | '!=' | '<' | '<=' | '>' | '>=' | '&' | 'in'
 *   value   := const ('|' const)*
 *   const   := '~' const | NAME | NUMBER | '(' value ')'
 *   errno   := E-name from the constant table | NUMBER, in 1..4095
 *
 * NUMBER is strtoull(base 0): 0x1f, 017, 15; no sign, at most 64 bits. NAME
 * comes from pol_consts.c. Comparisons are unsigned and 64-bit on the raw
 * argument register. '&' is true if any bit of value is set in the
 * argument; 'in' is true if the argument has no bit outside value
 * ("mmap: arg2 in ~PROT_EXEC").
 *
 * For arguments the kernel reads as 32-bit (int fd, int cmd), the upper half
 * of the register is whatever the caller put there, and the kernel ignores
 * it. '==', '<', '<=' and 'in' then fail closed; '!=', '>' and '>=' do not:
 * "arg1 != F_SETFL" passes 0x100000004, which the kernel runs as F_SETFL.
 *
 * "expr; return errno" is not supported: libseccomp has no per-syscall
 * fallback action. An unconditional rule for a syscall overrides its
 * conditional ones (whichever comes first), so the else-branch could only be
 * written as rules for NOT expr, and negating even "arg0 == A || arg0 == B"
 * needs two comparisons on one argument in one rule, which libseccomp 2.5.4
 * rejects. Partial support would make a policy break when someone adds an
 * alternative, so the form is refused as a whole.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pol_int.h"

#define MAX_NESTING 16	/* '~' and '(' levels in one value: bounds the recursion */

enum tok {
	T_END, T_NAME, T_NUM, T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE, T_AMP, T_ANDAND,
	T_PIPE, T_OROR, T_TILDE, T_LPAREN, T_RPAREN, T_SEMI, T_BAD,
};

struct lex {
	const char *p;		/* first character after the current token */
	const char *start;	/* current token */
	size_t len;
	enum tok tok;
	uint32_t arch;
	char *msg;
	size_t msglen;
};

static const struct {
	const char *s;
	enum tok t;
} puncts[] = {	/* longest first */
	{ "==", T_EQ }, { "!=", T_NE }, { "<=", T_LE }, { ">=", T_GE }, { "&&", T_ANDAND },
	{ "||", T_OROR }, { "<", T_LT }, { ">", T_GT }, { "&", T_AMP }, { "|", T_PIPE },
	{ "~", T_TILDE }, { "(", T_LPAREN }, { ")", T_RPAREN }, { ";", T_SEMI },
};

static int is_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static void next(struct lex *l)
{
	const char *p = l->p;

	while (*p == ' ' || *p == '\t')
		p++;
	l->start = p;
	if (!*p) {
		l->tok = T_END;
	} else if (isdigit((unsigned char)*p)) {
		/* Take the whole alnum run so "0x1g" is reported as one bad number. */
		while (is_name_char(*p))
			p++;
		l->tok = T_NUM;
	} else if (isalpha((unsigned char)*p) || *p == '_') {
		while (is_name_char(*p))
			p++;
		l->tok = T_NAME;
	} else {
		size_t i;

		for (i = 0; i < sizeof(puncts) / sizeof(puncts[0]); i++) {
			size_t n = strlen(puncts[i].s);

			if (!strncmp(p, puncts[i].s, n)) {
				l->tok = puncts[i].t;
				p += n;
				break;
			}
		}
		if (i == sizeof(puncts) / sizeof(puncts[0])) {
			l->tok = T_BAD;
			p++;
		}
	}
	l->len = (size_t)(p - l->start);
	l->p = p;
}

/* The current token for a message: 'text' or "end of line". */
static const char *tokstr(const struct lex *l, char *buf, size_t len)
{
	if (l->tok == T_END)
		return "end of line";
	snprintf(buf, len, "'%.*s'", (int)(l->len > 40 ? 40 : l->len), l->start);
	return buf;
}

static int tok_is(const struct lex *l, const char *word)
{
	return l->tok == T_NAME && l->len == strlen(word) && !strncmp(l->start, word, l->len);
}

static int fail(struct lex *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct lex *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->msg, l->msglen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int expected(struct lex *l, const char *what)
{
	char b[48];

	return fail(l, "expected %s, got %s", what, tokstr(l, b, sizeof(b)));
}

static int number(struct lex *l, uint64_t *val)
{
	char buf[72], *end;
	unsigned long long v;

	if (l->len >= sizeof(buf))
		return fail(l, "number out of range: '%.*s...' (64 bits max)", 40, l->start);
	memcpy(buf, l->start, l->len);
	buf[l->len] = '\0';
	errno = 0;
	v = strtoull(buf, &end, 0);
	if (*end || end == buf)
		return fail(l, "invalid number '%s'", buf);
	if (errno == ERANGE)
		return fail(l, "number out of range: '%s' (64 bits max)", buf);
	*val = v;
	return 0;
}

static int constant_name(struct lex *l, uint64_t *val)
{
	char name[POL_MAX_NAME];
	int ret;

	if (l->len >= sizeof(name))
		return fail(l, "unknown constant '%.*s...'", 40, l->start);
	memcpy(name, l->start, l->len);
	name[l->len] = '\0';
	ret = pol_const_lookup(name, l->arch, val, NULL);
	if (ret == -EXDEV)
		return fail(l, "constant '%s' differs between architectures and its %s value is "
			    "not known; write the number", name, pol_arch_name(l->arch));
	if (ret < 0)
		return fail(l, "unknown constant '%s'", name);
	return 0;
}

static int value(struct lex *l, uint64_t *val, int depth);

static int constant(struct lex *l, uint64_t *val, int depth)
{
	int ret;

	switch (l->tok) {
	case T_TILDE:
		if (depth >= MAX_NESTING)
			return fail(l, "'~' and '(' nested too deeply (max %d)", MAX_NESTING);
		next(l);
		ret = constant(l, val, depth + 1);
		*val = ~*val;
		return ret;
	case T_NUM:
		ret = number(l, val);
		break;
	case T_NAME:
		ret = constant_name(l, val);
		break;
	case T_LPAREN:
		if (depth >= MAX_NESTING)
			return fail(l, "'~' and '(' nested too deeply (max %d)", MAX_NESTING);
		next(l);
		ret = value(l, val, depth + 1);
		if (ret < 0)
			return ret;
		if (l->tok != T_RPAREN)
			return expected(l, "')'");
		break;
	default:
		return expected(l, "a constant (name, number, '~' or '(')");
	}
	if (ret == 0)
		next(l);
	return ret;
}

static int value(struct lex *l, uint64_t *val, int depth)
{
	uint64_t v;
	int ret = constant(l, val, depth);

	while (ret == 0 && l->tok == T_PIPE) {
		next(l);
		ret = constant(l, &v, depth);
		*val |= v;
	}
	return ret;
}

static int atom(struct lex *l, struct pol_atom *a)
{
	static const struct {
		enum tok t;
		enum pol_op op;
	} ops[] = {
		{ T_EQ, POL_OP_EQ }, { T_NE, POL_OP_NE }, { T_LT, POL_OP_LT }, { T_LE, POL_OP_LE },
		{ T_GT, POL_OP_GT }, { T_GE, POL_OP_GE }, { T_AMP, POL_OP_SET },
	};
	const char *arg = l->start;
	char b[48];
	size_t i;

	if (l->tok != T_NAME || l->len < 4 || strncmp(l->start, "arg", 3) ||
	    !isdigit((unsigned char)l->start[3]))
		return expected(l, "argN (arg0..arg5)");
	if (l->len != 4 || l->start[3] > '5')
		return fail(l, "argument index out of range: '%.*s' (arg0..arg5)",
			    (int)(l->len > 40 ? 40 : l->len), l->start);
	a->arg = (uint8_t)(l->start[3] - '0');
	next(l);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (l->tok == ops[i].t)
			break;
	if (i < sizeof(ops) / sizeof(ops[0]))
		a->op = ops[i].op;
	else if (tok_is(l, "in"))
		a->op = POL_OP_IN;
	else
		return fail(l, "expected an operator (== != < <= > >= & in) after '%.4s', got %s",
			    arg, tokstr(l, b, sizeof(b)));
	next(l);
	return value(l, &a->val, 0);
}

static int clause(struct lex *l, struct pol_clause *c)
{
	int ret;

	c->natoms = 0;
	for (;;) {
		if (c->natoms == POL_MAX_ATOMS)
			return fail(l, "too many '&&' terms in one clause (max %d)", POL_MAX_ATOMS);
		ret = atom(l, &c->atoms[c->natoms++]);
		if (ret < 0 || l->tok != T_ANDAND)
			return ret;
		next(l);
	}
}

static int expr(struct lex *l, struct pol_rule *r)
{
	int ret;

	r->clauses = calloc(POL_MAX_CLAUSES, sizeof(*r->clauses));
	if (!r->clauses)
		return fail(l, "out of memory");
	for (;;) {
		if (r->nclauses == POL_MAX_CLAUSES)
			return fail(l, "too many '||' clauses (max %d)", POL_MAX_CLAUSES);
		ret = clause(l, &r->clauses[r->nclauses++]);
		if (ret < 0 || l->tok != T_OROR)
			break;
		next(l);
	}
	if (ret == 0 && l->tok != T_END && l->tok != T_SEMI)
		return expected(l, "'&&', '||', ';' or end of line");
	if (ret == 0) {	/* give back the unused clauses (16 KiB per rule otherwise) */
		struct pol_clause *c = realloc(r->clauses, r->nclauses * sizeof(*c));

		if (c)
			r->clauses = c;
	}
	return ret;
}

static int errno_value(struct lex *l, int *out)
{
	char name[POL_MAX_NAME];
	unsigned int flags;
	uint64_t v;
	int ret;

	if (l->tok == T_NUM) {
		ret = number(l, &v);
		if (ret < 0)
			return ret;
		if (v < 1 || v > POL_MAX_ERRNO)
			return fail(l, "errno out of range: '%.*s' (1..%d)", (int)l->len, l->start,
				    POL_MAX_ERRNO);
	} else if (l->tok == T_NAME && l->len < sizeof(name)) {
		memcpy(name, l->start, l->len);
		name[l->len] = '\0';
		if (pol_const_lookup(name, l->arch, &v, &flags) < 0)
			return fail(l, "unknown errno '%s'", name);
		if (!(flags & POL_K_ERRNO))
			return fail(l, "'%s' is not an errno name", name);
	} else {
		return expected(l, "an errno name or number after 'return'");
	}
	*out = (int)v;
	next(l);
	if (l->tok != T_END)
		return expected(l, "end of line after the errno");
	return 0;
}

/* Copy @len bytes of @s with runs of blanks squeezed to one space. */
static char *squeeze(const char *s, size_t len)
{
	char *out = malloc(len + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == ' ' || s[i] == '\t') {
			if (o > out && o[-1] != ' ')
				*o++ = ' ';
		} else {
			*o++ = s[i];
		}
	}
	while (o > out && o[-1] == ' ')
		o--;
	*o = '\0';
	return out;
}

int pol_parse_action(const char *text, uint32_t arch, struct pol_rule *r, char *msg,
		     size_t msglen)
{
	struct lex l = { .p = text, .arch = arch, .msg = msg, .msglen = msglen };
	const char *expr_start;
	int ret, else_errno;

	next(&l);
	if (l.tok == T_END)
		return fail(&l, "empty expression: expected '1', 'return ERRNO' or a condition");
	if (l.tok == T_NUM) {
		if (l.len != 1 || *l.start != '1')
			return expected(&l, "'1', 'return ERRNO' or a condition");
		next(&l);
		if (l.tok != T_END)
			return expected(&l, "end of line after '1'");
		return 0;
	}
	if (tok_is(&l, "return")) {
		next(&l);
		return errno_value(&l, &r->errno_val);
	}
	if (l.tok == T_SEMI)
		return fail(&l, "empty expression before ';'");
	expr_start = l.start;
	ret = expr(&l, r);
	if (ret < 0)
		return ret;
	r->expr = squeeze(expr_start, (size_t)(l.start - expr_start));
	if (!r->expr)
		return fail(&l, "out of memory");
	if (l.tok == T_SEMI) {
		next(&l);
		if (!tok_is(&l, "return"))
			return expected(&l, "'return ERRNO' after ';'");
		next(&l);
		ret = errno_value(&l, &else_errno);
		if (ret < 0)
			return ret;
		return fail(&l, "'EXPR; return ERRNO' is not supported: libseccomp cannot give a "
			    "syscall a fallback action other than the filter default; write "
			    "'EXPR' alone (others hit the default action) or 'return ERRNO'");
	}
	return 0;
}
