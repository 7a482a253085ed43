// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Policy files -> struct pol. File-level grammar (the rule grammar is at the
 * top of pol_expr.c):
 *
 *   file     := line*
 *   line     := blank | '@include' PATH | SYSCALL ':' action
 *   comment  := '#' to the end of the physical line, on its own or after a rule
 *   A physical line whose text before any '#' ends in '\' continues on the
 *   next one (so a comment never swallows the following line).
 *
 * PATH is relative to the directory of the including file, without ".."
 * components or a leading '/': all policies live in one directory tree.
 * Includes nest at most POL_INCLUDE_DEPTH deep, which also stops cycles.
 * SYSCALL is resolved for the policy's arch, not the host's.
 *
 * A final policy has one rule per syscall, counting everything pulled in by
 * includes: minijail's runtime parser rejects duplicates (crosvm's include
 * chains break it, see crosvm-minijail-privsep.md section 5), and one rule
 * per syscall is what an auditor can read. The first error stops parsing and
 * is reported as "file:line: problem", files named relative to the policy
 * directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pol_int.h"

struct pctx {
	struct pol *pol;
	const char *base;	/* directory display names are relative to; NULL: cwd */
	char *err;
	size_t errlen;
	const char *chain[POL_INCLUDE_DEPTH + 1];	/* files being read, outermost first */
	unsigned int depth;
};

void pol_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* Read a whole policy file. On failure *@why says what went wrong. */
static int read_file(const char *path, char **text, const char **why)
{
	size_t len = 0, cap = 4096;
	struct stat st;
	char *buf, *b;
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*why = strerror(errno);
		return -errno;
	}
	buf = malloc(cap);
	if (!buf) {
		*why = strerror(ENOMEM);
		ret = -ENOMEM;
	} else if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		ret = -EINVAL;
	}
	while (ret == 0) {
		if (len + 1 == cap) {
			b = cap > POL_MAX_FILE ? NULL : realloc(buf, cap * 2);
			if (!b) {
				*why = cap > POL_MAX_FILE ? "larger than 1 MiB" : strerror(ENOMEM);
				ret = cap > POL_MAX_FILE ? -EFBIG : -ENOMEM;
				break;
			}
			buf = b;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*why = strerror(errno);
			ret = -errno;
		} else if (n == 0) {
			break;
		}
		len += n > 0 ? (size_t)n : 0;
	}
	close(fd);
	if (ret == 0) {
		buf[len] = '\0';
		if (memchr(buf, '\0', len)) {
			*why = "contains a NUL byte";
			ret = -EINVAL;
		}
	}
	if (ret < 0)
		free(buf);
	else
		*text = buf;
	return ret;
}

static int has_dotdot(const char *path)
{
	for (const char *p = path; *p; p += strcspn(p, "/"), p += *p == '/')
		if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || !p[2]))
			return 1;
	return 0;
}

/* @dir + "/" + @rel with "." and empty components dropped; NULL on ENOMEM. */
static char *join_path(const char *dir, size_t dirlen, const char *rel)
{
	size_t cap = dirlen + strlen(rel) + 2, o = 0;
	char *out = malloc(cap), *tmp, *tok, *save;

	tmp = malloc(cap);
	if (!out || !tmp) {
		free(out);
		free(tmp);
		return NULL;
	}
	snprintf(tmp, cap, "%.*s%s%s", (int)dirlen, dir, dirlen ? "/" : "", rel);
	if (tmp[0] == '/')
		out[o++] = '/';
	for (tok = strtok_r(tmp, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (!strcmp(tok, "."))
			continue;
		o += (size_t)snprintf(out + o, cap - o, "%s%s",
				      o && out[o - 1] != '/' ? "/" : "", tok);
	}
	out[o] = '\0';
	free(tmp);
	return out;
}

static char *open_path(const struct pctx *c, const char *disp)
{
	return c->base ? join_path(c->base, strlen(c->base), disp) : strdup(disp);
}

static const char *intern_file(struct pol *pol, const char *name)
{
	char **f = realloc(pol->files, (pol->nfiles + 1) * sizeof(*f));

	if (!f)
		return NULL;
	pol->files = f;
	f[pol->nfiles] = strdup(name);
	return f[pol->nfiles] ? f[pol->nfiles++] : NULL;
}

static void rule_clear(struct pol_rule *r)
{
	free(r->name);
	free(r->clauses);
	free(r->expr);
	memset(r, 0, sizeof(*r));
}

static int parse_text(struct pctx *c, const char *text, const char *disp);

static int include(struct pctx *c, const char *file, unsigned int line, char *arg)
{
	const char *slash = strrchr(file, '/'), *why = "";
	char chain[512], *disp, *path = NULL, *text = NULL;
	size_t n, off = 0;
	int ret;

	while (is_blank(*arg))
		arg++;
	for (n = strlen(arg); n && is_blank(arg[n - 1]); n--)
		arg[n - 1] = '\0';
	if (!*arg) {
		pol_errf(c->err, c->errlen, "%s:%u: expected a file name after @include", file,
			 line);
		return -EINVAL;
	}
	if (strpbrk(arg, " \t")) {
		pol_errf(c->err, c->errlen, "%s:%u: expected one file name after @include, got "
			 "'%s'", file, line, arg);
		return -EINVAL;
	}
	if (arg[0] == '/' || has_dotdot(arg)) {
		pol_errf(c->err, c->errlen, "%s:%u: bad include '%s': use a path relative to "
			 "this file's directory, without '..' or a leading '/'", file, line, arg);
		return -EINVAL;
	}
	disp = join_path(file, slash ? (size_t)(slash - file) : 0, arg);
	if (!disp)
		return -ENOMEM;
	if (c->depth + 1 > POL_INCLUDE_DEPTH) {
		chain[0] = '\0';
		for (unsigned int i = 0; i <= c->depth && off < sizeof(chain); i++)
			off += (size_t)snprintf(chain + off, sizeof(chain) - off, "%s -> ",
						c->chain[i]);
		pol_errf(c->err, c->errlen, "%s:%u: include depth exceeded (max %d): %s%s", file,
			 line, POL_INCLUDE_DEPTH, chain, disp);
		ret = -ELOOP;
		goto out;
	}
	path = open_path(c, disp);
	ret = path ? read_file(path, &text, &why) : -ENOMEM;
	if (ret < 0) {
		pol_errf(c->err, c->errlen, "%s:%u: cannot read include '%s': %s", file, line,
			 arg, path ? why : strerror(ENOMEM));
		goto out;
	}
	c->depth++;
	ret = parse_text(c, text, disp);
	c->depth--;
out:
	free(text);
	free(path);
	free(disp);
	return ret;
}

static int add_rule(struct pctx *c, const char *file, unsigned int line, const char *s)
{
	struct pol *pol = c->pol;
	struct pol_rule r = { .file = file, .line = line };
	struct pol_srule *sr;
	char msg[384];
	size_t n = 0;
	int ret;

	while (is_name_char(s[n]))
		n++;
	if (n == 0) {
		pol_errf(c->err, c->errlen, "%s:%u: expected 'syscall: action' or '@include "
			 "FILE', got '%.40s'", file, line, s);
		return -EINVAL;
	}
	if (n >= POL_MAX_NAME) {
		pol_errf(c->err, c->errlen, "%s:%u: unknown syscall '%.40s...' for %s", file, line,
			 s, pol_arch_name(pol->arch));
		return -EINVAL;
	}
	r.name = strndup(s, n);
	if (!r.name)
		return -ENOMEM;
	for (s += n; is_blank(*s); s++)
		;
	if (*s != ':') {
		pol_errf(c->err, c->errlen, "%s:%u: expected ':' after syscall name '%s'", file,
			 line, r.name);
		ret = -EINVAL;
		goto fail;
	}
	/* Negative results are errors or pseudo numbers of syscalls this arch lacks. */
	r.nr = seccomp_syscall_resolve_name_arch(pol->arch, r.name);
	r.api_nr = seccomp_syscall_resolve_name(r.name);
	if (r.nr < 0 || r.api_nr == __NR_SCMP_ERROR) {
		pol_errf(c->err, c->errlen, "%s:%u: unknown syscall '%s' for %s", file, line,
			 r.name, pol_arch_name(pol->arch));
		ret = -EINVAL;
		goto fail;
	}
	for (size_t i = 0; i < pol->nrules; i++) {
		if (!strcmp(pol->rules[i].name, r.name)) {
			pol_errf(c->err, c->errlen, "%s:%u: syscall '%s' redefined here; first "
				 "defined at %s:%u", file, line, r.name, pol->rules[i].file,
				 pol->rules[i].line);
			ret = -EEXIST;
			goto fail;
		}
	}
	ret = pol_parse_action(s + 1, pol->arch, &r, msg, sizeof(msg));
	if (ret == 0 && r.nclauses) {
		/* Refuse here what pol_compile could not express, so parse == check. */
		ret = pol_lower(&r, &sr, msg, sizeof(msg));
		if (ret > 0) {
			free(sr);
			ret = 0;
		}
	}
	if (ret < 0) {
		pol_errf(c->err, c->errlen, "%s:%u: %s: %s", file, line, r.name, msg);
		goto fail;
	}
	if (pol->nrules == pol->cap) {
		size_t cap = pol->cap ? pol->cap * 2 : 32;
		struct pol_rule *v = realloc(pol->rules, cap * sizeof(*v));

		if (!v) {
			ret = -ENOMEM;
			goto fail;
		}
		pol->rules = v;
		pol->cap = cap;
	}
	pol->rules[pol->nrules++] = r;
	return 0;
fail:
	rule_clear(&r);
	return ret;
}

static int parse_line(struct pctx *c, const char *file, unsigned int line, char *s)
{
	while (is_blank(*s))
		s++;
	if (!*s)
		return 0;
	if (*s != '@')
		return add_rule(c, file, line, s);
	if (!strncmp(s, "@include", 8) && (is_blank(s[8]) || !s[8]))
		return include(c, file, line, s + 8);
	pol_errf(c->err, c->errlen, "%s:%u: unknown directive '%.*s' (only @include is "
		 "supported)", file, line, (int)strcspn(s, " \t"), s);
	return -EINVAL;
}

static int parse_text(struct pctx *c, const char *text, const char *disp)
{
	const char *file = intern_file(c->pol, disp), *p = text;
	unsigned int lineno = 0, start = 0;
	size_t len = 0, cap = 256;
	char *buf = malloc(cap);
	int ret = 0;

	if (!file || !buf) {
		free(buf);
		return -ENOMEM;
	}
	c->chain[c->depth] = file;
	while (*p && ret == 0) {
		size_t n = strcspn(p, "\n"), code = strcspn(p, "#\n");
		int cont;

		lineno++;
		if (!len)
			start = lineno;
		while (code && is_blank(p[code - 1]))
			code--;
		cont = code && p[code - 1] == '\\';
		if (len + code + 2 > cap) {
			char *b = realloc(buf, cap = len + code + 256);

			if (!b) {
				ret = -ENOMEM;
				break;
			}
			buf = b;
		}
		memcpy(buf + len, p, code - (size_t)cont);
		len += code - (size_t)cont;
		buf[len] = '\0';
		p += n + (p[n] == '\n');
		if (cont) {
			buf[len++] = ' ';
			buf[len] = '\0';
			if (*p)
				continue;
			pol_errf(c->err, c->errlen, "%s:%u: file ends inside a '\\' continuation",
				 file, start);
			ret = -EINVAL;
			break;
		}
		ret = parse_line(c, file, start, buf);
		len = 0;
	}
	free(buf);
	if (ret == -ENOMEM)
		pol_errf(c->err, c->errlen, "%s: out of memory", file);
	return ret;
}

static struct pol *parse_top(const char *text, const char *disp, const char *base,
			     uint32_t arch, char *err, size_t errlen)
{
	struct pol *pol;
	struct pctx c = { .base = base, .err = err, .errlen = errlen };

	pol_errf(err, errlen, "no error");
	if (arch != SCMP_ARCH_X86_64 && arch != SCMP_ARCH_AARCH64 &&
	    arch != seccomp_arch_native()) {
		pol_errf(err, errlen, "%s: unsupported architecture %#x", disp, arch);
		return NULL;
	}
	pol = calloc(1, sizeof(*pol));
	if (!pol) {
		pol_errf(err, errlen, "%s: out of memory", disp);
		return NULL;
	}
	pol->arch = arch;
	c.pol = pol;
	if (parse_text(&c, text, disp) < 0) {
		pol_free(pol);
		return NULL;
	}
	if (pol->nrules == 0) {
		pol_errf(err, errlen, "%s: no rules", disp);
		pol_free(pol);
		return NULL;
	}
	return pol;
}

struct pol *pol_parse_string(const char *text, const char *fname, uint32_t scmp_arch,
			     char *err, size_t errlen)
{
	return parse_top(text, fname, NULL, scmp_arch, err, errlen);
}

struct pol *pol_parse_file(const char *dir, const char *name, uint32_t scmp_arch, char *err,
			   size_t errlen)
{
	char disp[POL_MAX_NAME + 8], *path, *text = NULL;
	const char *why = "";
	struct pol *pol;
	size_t i;

	for (i = 0; name[i] && (is_name_char(name[i]) || name[i] == '-' || name[i] == '.'); i++)
		;
	if (!i || name[i] || name[0] == '.' || i >= POL_MAX_NAME) {
		pol_errf(err, errlen, "bad policy name '%.64s': use a plain name such as "
			 "\"worker\"", name);
		return NULL;
	}
	snprintf(disp, sizeof(disp), "%s.policy", name);
	path = join_path(dir, strlen(dir), disp);
	if (!path || read_file(path, &text, &why) < 0) {
		pol_errf(err, errlen, "cannot read policy '%s': %s", path ? path : disp,
			 path ? why : strerror(ENOMEM));
		free(path);
		return NULL;
	}
	pol = parse_top(text, disp, dir, scmp_arch, err, errlen);
	free(text);
	free(path);
	return pol;
}

void pol_free(struct pol *pol)
{
	if (!pol)
		return;
	for (size_t i = 0; i < pol->nrules; i++)
		rule_clear(&pol->rules[i]);
	for (size_t i = 0; i < pol->nfiles; i++)
		free(pol->files[i]);
	free(pol->files);
	free(pol->rules);
	free(pol);
}

uint32_t pol_arch(const struct pol *pol)
{
	return pol->arch;
}

size_t pol_nrules(const struct pol *pol)
{
	return pol->nrules;
}
