// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The manual is the specification of the command line: the OPTIONS section
 * of man/vhost-user-gpio.8 and the option table of device/broker/cli.c
 * (broker_cli_options[], which the parser and --help are built from) must
 * list the same options, with the same short and long names and the same
 * argument names; every documented option must get through the real
 * parser; every flag the page mentions anywhere must exist. The pages must
 * also pass mandoc's lint without warnings.
 *
 * OPTIONS entries are mdoc list items, one line each:
 *   .It Fl s , Fl -socket-path Ar PATH
 *   .It Fl -fd Ar N
 *   .It Fl -no-sandbox
 * Runs from the top of the source tree, like the rest of the suite.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "broker/cli.h"

#define PAGE		"man/vhost-user-gpio.8"
#define PAGES		"man/vhost-user-gpio.8 man/vhost-user-gpio-helper.8 " \
			"man/vhost-user-gpio.policy.5"
#define MAX_DOC		64
#define MAX_TOKENS	16

struct doc_opt {
	char short_name;	/* 0: none */
	char long_name[64];
	char arg[32];		/* "": a flag */
	int line;
};

static struct doc_opt doc[MAX_DOC];
static unsigned int ndoc;
static bool page_read;

/* mdoc escapes that may appear in a flag name: "\-" and "\&". */
static void unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (s[0] == '\\' && (s[1] == '-' || s[1] == '&')) {
			if (s[1] == '-')
				*d++ = '-';
			s++;
			continue;
		}
		*d++ = *s;
	}
	*d = '\0';
}

static unsigned int split(char *line, char *tok[MAX_TOKENS])
{
	unsigned int n = 0;

	for (char *t = strtok(line, " \t\n"); t && n < MAX_TOKENS; t = strtok(NULL, " \t\n")) {
		unescape(t);
		tok[n++] = t;
	}
	return n;
}

/* One ".It Fl ..." line of OPTIONS into @o; false if it is not of the agreed form. */
static bool parse_item(char *line, struct doc_opt *o)
{
	char *tok[MAX_TOKENS];
	unsigned int n = split(line, tok), i = 1;

	memset(o, 0, sizeof(*o));
	while (i + 1 < n && strcmp(tok[i], "Fl") == 0) {
		const char *name = tok[i + 1];

		if (name[0] == '-' && name[1]) {
			if (o->long_name[0] || strlen(name + 1) >= sizeof(o->long_name))
				return false;
			snprintf(o->long_name, sizeof(o->long_name), "%s", name + 1);
		} else if (strlen(name) == 1 && name[0] != '-') {
			if (o->short_name || o->long_name[0])
				return false;
			o->short_name = name[0];
		} else {
			return false;
		}
		i += 2;
		if (i < n && strcmp(tok[i], ",") == 0)
			i++;
	}
	if (i + 1 < n && strcmp(tok[i], "Ar") == 0) {
		if (strlen(tok[i + 1]) >= sizeof(o->arg))
			return false;
		snprintf(o->arg, sizeof(o->arg), "%s", tok[i + 1]);
		i += 2;
	}
	return i == n && o->long_name[0];
}

static void read_page(void)
{
	char line[1024];
	bool in_options = false, seen_options = false;
	int lineno = 0;
	FILE *f = fopen(PAGE, "r");

	CHECK(f != NULL);
	if (!f) {
		fprintf(stderr, "  cannot open %s (run from the top of the tree)\n", PAGE);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (strncmp(line, ".Sh ", 4) == 0) {
			in_options = strcmp(line, ".Sh OPTIONS\n") == 0;
			seen_options |= in_options;
			continue;
		}
		if (!in_options || strncmp(line, ".It ", 4) != 0)
			continue;
		if (ndoc == MAX_DOC) {
			CHECK(ndoc < MAX_DOC);
			break;
		}
		if (!parse_item(line, &doc[ndoc])) {
			fprintf(stderr, "  %s:%d: OPTIONS item not of the form "
				"\".It Fl x , Fl -long Ar ARG\"\n", PAGE, lineno);
			CHECK(!"OPTIONS item parses");
			continue;
		}
		doc[ndoc++].line = lineno;
	}
	fclose(f);
	CHECK(seen_options);
	CHECK(ndoc > 0);
	page_read = true;
}

static const struct broker_cli_option *table_find(const char *long_name)
{
	for (unsigned int i = 0; i < broker_cli_noptions; i++)
		if (strcmp(broker_cli_options[i].long_name, long_name) == 0)
			return &broker_cli_options[i];
	return NULL;
}

static const struct doc_opt *doc_find(const char *long_name)
{
	for (unsigned int i = 0; i < ndoc; i++)
		if (strcmp(doc[i].long_name, long_name) == 0)
			return &doc[i];
	return NULL;
}

/* Documented -> in the table, with the same short name and argument. */
static void test_documented_are_in_table(void)
{
	if (!page_read)
		read_page();
	for (unsigned int i = 0; i < ndoc; i++) {
		const struct doc_opt *d = &doc[i];
		const struct broker_cli_option *t = table_find(d->long_name);
		char t_short = t && t->id < 256 ? (char)t->id : 0;
		const char *t_arg = t && t->arg ? t->arg : "";

		if (!t) {
			fprintf(stderr, "  %s:%d: --%s is documented but not in "
				"broker_cli_options[]\n", PAGE, d->line, d->long_name);
			CHECK(!"documented option exists");
			continue;
		}
		if (t_short != d->short_name)
			fprintf(stderr, "  %s:%d: --%s: short option '%c' documented, '%c' in "
				"cli.c\n", PAGE, d->line, d->long_name,
				d->short_name ? d->short_name : ' ', t_short ? t_short : ' ');
		CHECK_EQ(t_short, d->short_name);
		if (strcmp(t_arg, d->arg))
			fprintf(stderr, "  %s:%d: --%s: argument \"%s\" documented, \"%s\" in "
				"cli.c\n", PAGE, d->line, d->long_name, d->arg, t_arg);
		CHECK(strcmp(t_arg, d->arg) == 0);
		for (unsigned int j = 0; j < i; j++)
			CHECK(strcmp(doc[j].long_name, d->long_name) != 0);
	}
}

/* Every row of the table has its entry in OPTIONS. */
static void test_table_is_documented(void)
{
	if (!page_read)
		read_page();
	for (unsigned int i = 0; i < broker_cli_noptions; i++) {
		const char *name = broker_cli_options[i].long_name;

		if (!doc_find(name))
			fprintf(stderr, "  --%s is in broker_cli_options[] but not in the OPTIONS "
				"of %s\n", name, PAGE);
		CHECK(doc_find(name) != NULL);
	}
	CHECK_EQ(ndoc, broker_cli_noptions);
}

/* The parser's verdict on @opt (with @arg): true unless it does not know the option. */
static bool parser_accepts(const char *opt, const char *arg)
{
	char *argv[] = { "vhost-user-gpio", "-s", "/tmp/vug-manpage.sock", "-l", "s1",
			 (char *)opt, (char *)arg, NULL };
	int argc = arg ? 7 : 6;
	struct broker_opts o;
	char err[512];

	if (broker_cli_parse(&o, argc, argv, err, sizeof(err)) == 0)
		return true;
	/* Any other complaint (a bad value, a conflict) means the option was recognised. */
	return !strstr(err, "unknown option") && !strstr(err, "requires an argument") &&
	       !strstr(err, "does not take an argument") && !strstr(err, "unexpected argument") &&
	       !strstr(err, "ambiguous");
}

/* What the page documents is what the program takes, in both spellings. */
static void test_documented_are_accepted(void)
{
	char opt[80], s[3];

	if (!page_read)
		read_page();
	for (unsigned int i = 0; i < ndoc; i++) {
		const struct doc_opt *d = &doc[i];
		const char *val = d->arg[0] ? "1" : NULL;

		snprintf(opt, sizeof(opt), "--%s", d->long_name);
		if (!parser_accepts(opt, val))
			fprintf(stderr, "  %s:%d: the parser refuses %s\n", PAGE, d->line, opt);
		CHECK(parser_accepts(opt, val));
		if (!d->short_name)
			continue;
		snprintf(s, sizeof(s), "-%c", d->short_name);
		if (!parser_accepts(s, val))
			fprintf(stderr, "  %s:%d: the parser refuses %s\n", PAGE, d->line, s);
		CHECK(parser_accepts(s, val));
	}
	/* and the check itself can tell */
	CHECK(!parser_accepts("--no-such-option", NULL));
	CHECK(!parser_accepts("--syslog", "1"));
}

/* Every ".Fl" anywhere in the page (synopsis, prose, examples) is a real option. */
static void test_every_flag_exists(void)
{
	char line[1024], *tok[MAX_TOKENS];
	int lineno = 0;
	FILE *f = fopen(PAGE, "r");

	CHECK(f != NULL);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned int n;

		lineno++;
		if (line[0] != '.' || strncmp(line, ".\\\"", 3) == 0)
			continue;
		n = split(line, tok);
		for (unsigned int i = 0; i + 1 < n; i++) {
			const char *name = tok[i + 1];
			bool found = false;

			if (strcmp(tok[i], "Fl") && strcmp(tok[i], ".Fl"))
				continue;
			for (unsigned int j = 0; j < broker_cli_noptions && !found; j++) {
				const struct broker_cli_option *t = &broker_cli_options[j];

				found = name[0] == '-' ? strcmp(t->long_name, name + 1) == 0 :
					strlen(name) == 1 && t->id == name[0];
			}
			if (!found)
				fprintf(stderr, "  %s:%d: Fl %s is not an option of the broker\n",
					PAGE, lineno, name);
			CHECK(found);
		}
	}
	fclose(f);
}

/* mandoc -T lint: no warning or error in any page (style notes depend on the host). */
static void test_pages_lint_clean(void)
{
	int rc = system("command -v mandoc >/dev/null 2>&1");

	if (rc != 0) {
		fprintf(stderr, "  mandoc is not installed: run 'make deps'\n");
		CHECK(!"mandoc installed");
		return;
	}
	rc = system("mandoc -T lint -W warning " PAGES " 1>&2");
	CHECK_EQ(rc, 0);
}

TEST_MAIN(TEST_CASE(test_documented_are_in_table), TEST_CASE(test_table_is_documented),
	  TEST_CASE(test_documented_are_accepted), TEST_CASE(test_every_flag_exists),
	  TEST_CASE(test_pages_lint_clean))
