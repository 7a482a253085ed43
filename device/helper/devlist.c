// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The device list (--device-list LIST). No spaces, no signs, no empty parts:
 *
 *   list   := entry { ':' entry }          at most IPC_MAX_DEVICES (64) entries
 *   entry  := chip { ',' option }
 *   chip   := 's' count                    a simulated chip of count (1..65535) lines
 *           | number                       the host chip /dev/gpiochipN
 *           | '/' path                     a host chip by path: /dev/gpiochipN or a
 *                                          symlink to one (e.g. a udev by-name link)
 *           | 'label=' label               the one host chip whose label is this
 *   option := 'lines=' set                 host lines the guest sees, in this order:
 *                                          the first is guest line 0, the next 1, ...
 *           | 'input-only=' set            host lines the guest may read but not drive
 *           | 'names=' name { '+' name }   the names the guest sees, one per guest line
 *   set    := item { '+' item }            no line twice
 *   item   := line | line '-' line         a range, first <= last, both included
 *   line   := decimal 0..65535             a host line number (offset on the chip)
 *   name   := { A-Z a-z 0-9 _ . - }        0..31 characters; empty = no name; the
 *                                          non-empty ones distinct
 *   label  := printable ASCII but ':' and ',', 1..31 characters
 *
 * Rules: each option at most once per entry. Without lines= the guest sees
 * every line of the chip under its own number (at most 65535). input-only=
 * lines must be visible: listed in lines= when there is one. names= gives
 * exactly one name per guest line; without it the guest sees the chip's
 * names (a simulated chip's "SIM<dev>_L<host line>", a host chip's from the
 * kernel), each under its guest line. A host chip may appear in several
 * entries (several guests, one chip) only when their lines= are disjoint.
 * Lines beyond the chip, names= of the wrong count and the like are found
 * here for simulated chips and when the chip is opened for host chips;
 * either way the helper exits 2 with a message naming the entry.
 *
 * Why these separators: ':' separates devices (as in rust-vmm's
 * vhost-device-gpio, whose "s8:0" lists still mean the same) and ',' options,
 * so neither may appear inside one; '+' joins the items of a value and '-'
 * forms ranges. Nothing can be escaped: a chip whose label contains ':' or
 * ',' is named by number or path instead.
 *
 * Examples:
 *   s8                      simulated chip, 8 lines, all visible
 *   0,lines=0-3+7           /dev/gpiochip0; guest lines 0-3 are host 0-3, guest 4 is host 7
 *   label=pinctrl-bcm2711,lines=17+27,input-only=27,names=led+button
 *   0,lines=0-3:0,lines=4-7 two guest devices sharing /dev/gpiochip0
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper/devlist.h"

/* Longest decimal we read; keeps the value far from overflow. */
#define DEVLIST_MAX_DIGITS	8
#define DEVLIST_EXPECTED	"expected sN (simulated chip, N = 1..65535 lines), N " \
				"(/dev/gpiochipN), /path or label=NAME"
#define DEVLIST_OPTIONS		"lines=, input-only= or names="
#define DEVLIST_SHOW		40	/* bytes of a bad token quoted back */

_Static_assert(IPC_MAX_LINES == 65535, "update DEVLIST_EXPECTED and the grammar");

/* One part of the text: [s, s+len). */
struct span {
	const char *s;
	size_t len;
};

struct parse {
	unsigned int idx;		/* device index, for messages */
	char *err;
	size_t errlen;
	uint8_t *seen;			/* DEVLIST_HOST_LINES bits: duplicates within one set */
};

static int perr(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "device N: " and the message; returns -EINVAL for the caller to pass on. */
static int perr(struct parse *p, const char *fmt, ...)
{
	int n = snprintf(p->err, p->errlen, "device %u: ", p->idx);
	va_list ap;

	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* How much of a bad token a message quotes ("%.*s"). */
static int show(struct span t)
{
	return (int)(t.len > DEVLIST_SHOW ? DEVLIST_SHOW : t.len);
}

/* Strict decimal: digits only, 1..DEVLIST_MAX_DIGITS of them. */
static bool devlist_number(struct span t, unsigned int *out)
{
	unsigned int v = 0;

	if (t.len == 0 || t.len > DEVLIST_MAX_DIGITS)
		return false;
	for (size_t i = 0; i < t.len; i++) {
		if (t.s[i] < '0' || t.s[i] > '9')
			return false;
		v = v * 10 + (unsigned int)(t.s[i] - '0');
	}
	*out = v;
	return true;
}

/* Next part of @rest up to @sep (or the end); false when @rest is used up. */
static bool next_part(struct span *rest, char sep, struct span *part, bool *last)
{
	const char *end;

	if (!rest->s)
		return false;
	end = memchr(rest->s, sep, rest->len);
	part->s = rest->s;
	part->len = end ? (size_t)(end - rest->s) : rest->len;
	*last = !end;
	if (end) {
		rest->len -= part->len + 1;
		rest->s = end + 1;
	} else {
		rest->s = NULL;
	}
	return true;
}

static bool has_prefix(struct span t, const char *prefix, struct span *value)
{
	size_t n = strlen(prefix);

	if (t.len < n || memcmp(t.s, prefix, n) != 0)
		return false;
	value->s = t.s + n;
	value->len = t.len - n;
	return true;
}

static bool bit_test_set(uint8_t *bits, unsigned int i)
{
	bool was = bits[i / 8] & (1u << (i % 8));

	bits[i / 8] |= (uint8_t)(1u << (i % 8));
	return was;
}

/* set := item { '+' item } into a new array of at most @max lines. */
static int parse_set(struct parse *p, const char *opt, struct span v, unsigned int max,
		     uint16_t **out, unsigned int *nout)
{
	struct span rest = v, item;
	unsigned int n = 0;
	uint16_t *arr;
	bool last;

	if (v.len == 0)
		return perr(p, "%s: empty set; expected lines like 0-3+7", opt);
	arr = calloc(max, sizeof(*arr));
	if (!arr)
		return -ENOMEM;
	memset(p->seen, 0, DEVLIST_HOST_LINES / 8);
	while (next_part(&rest, '+', &item, &last)) {
		const char *dash = memchr(item.s, '-', item.len);
		struct span a = item, b = item;
		unsigned int first, lastl;

		if (dash) {
			a.len = (size_t)(dash - item.s);
			b.s = dash + 1;
			b.len = item.len - a.len - 1;
		}
		if (!devlist_number(a, &first) || (dash && !devlist_number(b, &lastl))) {
			perr(p, "%s: bad line or range \"%.*s\"; expected N or N-M", opt,
			     show(item), item.s);
			goto fail;
		}
		if (!dash)
			lastl = first;
		if (first >= DEVLIST_HOST_LINES || lastl >= DEVLIST_HOST_LINES) {
			perr(p, "%s: line %u is out of range (host lines are 0..%u)", opt,
			     first >= DEVLIST_HOST_LINES ? first : lastl, DEVLIST_HOST_LINES - 1);
			goto fail;
		}
		if (first > lastl) {
			perr(p, "%s: bad range \"%.*s\": %u > %u", opt, show(item), item.s, first,
			     lastl);
			goto fail;
		}
		for (unsigned int l = first; l <= lastl; l++) {
			if (bit_test_set(p->seen, l)) {
				perr(p, "%s: line %u is listed twice", opt, l);
				goto fail;
			}
			if (n == max) {
				perr(p, "%s: more than %u lines", opt, max);
				goto fail;
			}
			arr[n++] = (uint16_t)l;
		}
	}
	*out = arr;
	*nout = n;
	return 0;
fail:
	free(arr);
	return -EINVAL;
}

static bool name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

/* names := name { '+' name } */
static int parse_names(struct parse *p, struct span v, struct devlist_policy *pol)
{
	struct span rest = v, item;
	unsigned int n = 1;
	bool last;

	for (size_t i = 0; i < v.len; i++)
		n += v.s[i] == '+';
	if (n > IPC_MAX_LINES)
		return perr(p, "names=: more than %u names", IPC_MAX_LINES);
	pol->name = calloc(n, sizeof(*pol->name));
	if (!pol->name)
		return -ENOMEM;
	pol->nnames = n;
	n = 0;
	while (next_part(&rest, '+', &item, &last)) {
		if (item.len > DEVLIST_NAME_MAX)
			return perr(p, "names=: name \"%.*s\" is longer than %u characters",
				    show(item), item.s, DEVLIST_NAME_MAX);
		for (size_t i = 0; i < item.len; i++) {
			if (!name_char_ok(item.s[i]))
				return perr(p, "names=: bad name \"%.*s\": only A-Z a-z 0-9 _ . - "
					    "are allowed", show(item), item.s);
		}
		memcpy(pol->name[n], item.s, item.len);
		for (unsigned int k = 0; item.len && k < n; k++) {
			if (strcmp(pol->name[k], pol->name[n]) == 0)
				return perr(p, "names=: guest lines %u and %u are both \"%s\"", k,
					    n, pol->name[n]);
		}
		n++;
	}
	return 0;
}

static int parse_option(struct parse *p, struct span opt, struct devlist_policy *pol,
			unsigned int *have)
{
	static const char *const keys[] = { "lines=", "input-only=", "names=" };
	struct span v;
	unsigned int k;

	for (k = 0; k < 3; k++)
		if (has_prefix(opt, keys[k], &v))
			break;
	if (opt.len == 0)
		return perr(p, "empty option; expected %s", DEVLIST_OPTIONS);
	if (k == 3)
		return perr(p, "unknown option \"%.*s\"; expected %s", show(opt), opt.s,
			    DEVLIST_OPTIONS);
	if (*have & (1u << k))
		return perr(p, "option %.*s given twice", (int)strlen(keys[k]) - 1, keys[k]);
	*have |= 1u << k;
	switch (k) {
	case 0:
		return parse_set(p, "lines=", v, IPC_MAX_LINES, &pol->line, &pol->nlines);
	case 1:
		/* Input-only lines are visible ones, so there are at most as many. */
		return parse_set(p, "input-only=", v, IPC_MAX_LINES, &pol->input, &pol->ninput);
	default:
		return parse_names(p, v, pol);
	}
}

static int parse_chip(struct parse *p, struct span c, struct devlist_entry *e)
{
	struct span v;

	if (c.len == 0)
		return perr(p, "empty entry; %s", DEVLIST_EXPECTED);
	if (c.s[0] == 's') {
		v = (struct span){ c.s + 1, c.len - 1 };
		if (!devlist_number(v, &e->num))
			return perr(p, "bad entry \"%.*s\"; %s", show(c), c.s, DEVLIST_EXPECTED);
		if (e->num < 1 || e->num > IPC_MAX_LINES)
			return perr(p, "bad entry \"%.*s\": a simulated chip has 1..%u lines",
				    show(c), c.s, IPC_MAX_LINES);
		e->kind = DEVLIST_SIM;
		return 0;
	}
	if (c.s[0] == '/' || has_prefix(c, "label=", &v)) {
		bool label = c.s[0] != '/';

		if (!label)
			v = c;
		if (v.len == 0 || v.len > (label ? DEVLIST_LABEL_MAX : DEVLIST_PATH_MAX))
			return perr(p, "bad entry \"%.*s\": a %s has 1..%u characters", show(c),
				    c.s, label ? "label" : "path",
				    label ? DEVLIST_LABEL_MAX : DEVLIST_PATH_MAX);
		for (size_t i = 0; i < v.len; i++) {
			if (v.s[i] < 0x20 || v.s[i] > 0x7e)
				return perr(p, "bad entry: a control or non-ASCII character in "
					    "\"%.*s\"", show(c), c.s);
		}
		e->spec = strndup(v.s, v.len);
		if (!e->spec)
			return -ENOMEM;
		e->kind = label ? DEVLIST_LABEL : DEVLIST_PATH;
		return 0;
	}
	if (!devlist_number(c, &e->num))
		return perr(p, "bad entry \"%.*s\"; %s", show(c), c.s, DEVLIST_EXPECTED);
	e->kind = DEVLIST_HOST;
	return 0;
}

static bool same_chip(const struct devlist_entry *a, const struct devlist_entry *b)
{
	if (a->kind != b->kind || a->kind == DEVLIST_SIM)
		return false;
	if (a->kind == DEVLIST_HOST)
		return a->num == b->num;
	return strcmp(a->spec, b->spec) == 0;
}

static bool lines_overlap(const struct devlist_policy *a, const struct devlist_policy *b)
{
	if (!a->nlines || !b->nlines)
		return true;
	for (unsigned int i = 0; i < a->nlines; i++)
		for (unsigned int k = 0; k < b->nlines; k++)
			if (a->line[i] == b->line[k])
				return true;
	return false;
}

/* Checks that need the whole entry, or the other entries. */
static int check_entry(struct parse *p, const struct devlist *dl, const struct devlist_entry *e)
{
	const struct devlist_policy *pol = &e->pol;
	char desc[DEVLIST_PATH_MAX + 32];

	for (unsigned int i = 0; pol->nlines && i < pol->ninput; i++) {
		bool found = false;

		for (unsigned int k = 0; k < pol->nlines && !found; k++)
			found = pol->line[k] == pol->input[i];
		if (!found)
			return perr(p, "input-only=: line %u is not in lines=", pol->input[i]);
	}
	if (pol->nlines && pol->nnames && pol->nnames != pol->nlines)
		return perr(p, "names= gives %u names for the %u lines of lines=", pol->nnames,
			    pol->nlines);
	for (unsigned int i = 0; i < p->idx; i++) {
		if (same_chip(&dl->entry[i], e) && lines_overlap(&dl->entry[i].pol, pol)) {
			devlist_describe(e, desc, sizeof(desc));
			return perr(p, "%s is already device %u; entries of one chip need "
				    "disjoint lines=", desc, i);
		}
	}
	if (e->kind == DEVLIST_SIM)
		return devlist_check_chip(e, p->idx, e->num, p->err, p->errlen);
	return 0;
}

static int parse_entry(struct parse *p, struct span text, struct devlist *dl)
{
	struct devlist_entry *e = &dl->entry[p->idx];
	struct span rest = text, part;
	unsigned int have = 0;
	bool last;
	int ret;

	memset(e, 0, sizeof(*e));
	next_part(&rest, ',', &part, &last);
	ret = parse_chip(p, part, e);
	while (ret == 0 && next_part(&rest, ',', &part, &last))
		ret = parse_option(p, part, &e->pol, &have);
	if (ret == 0)
		ret = check_entry(p, dl, e);
	return ret;
}

static void entry_free(struct devlist_entry *e)
{
	free(e->spec);
	free(e->pol.line);
	free(e->pol.input);
	free(e->pol.name);
	memset(e, 0, sizeof(*e));
}

void devlist_free(struct devlist *dl)
{
	for (unsigned int i = 0; i < dl->n; i++)
		entry_free(&dl->entry[i]);
	dl->n = 0;
}

int devlist_parse(const char *text, struct devlist *out, char *err, size_t errlen)
{
	struct parse p = { .err = err, .errlen = errlen };
	struct span rest, part;
	bool last = false;
	int ret = 0;

	out->n = 0;
	if (!text || !*text) {
		snprintf(err, errlen, "empty device list; %s", DEVLIST_EXPECTED);
		return -EINVAL;
	}
	p.seen = malloc(DEVLIST_HOST_LINES / 8);
	if (!p.seen)
		return -ENOMEM;
	rest = (struct span){ text, strlen(text) };
	while (!last && next_part(&rest, ':', &part, &last)) {
		if (out->n == IPC_MAX_DEVICES) {
			snprintf(err, errlen, "more than %u devices in the list", IPC_MAX_DEVICES);
			ret = -EINVAL;
			break;
		}
		p.idx = out->n;
		ret = parse_entry(&p, part, out);
		if (ret < 0) {
			entry_free(&out->entry[p.idx]);
			break;
		}
		out->n++;
	}
	free(p.seen);
	if (ret == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	if (ret < 0)
		devlist_free(out);
	return ret;
}

unsigned int devlist_visible(const struct devlist_entry *e, unsigned int ngpio)
{
	return e->pol.nlines ? e->pol.nlines : ngpio;
}

int devlist_check_chip(const struct devlist_entry *e, unsigned int index, unsigned int ngpio,
		       char *err, size_t errlen)
{
	const struct devlist_policy *pol = &e->pol;
	struct parse p = { .idx = index, .err = err, .errlen = errlen };
	unsigned int visible = devlist_visible(e, ngpio);

	for (unsigned int i = 0; i < pol->nlines; i++)
		if (pol->line[i] >= ngpio)
			return perr(&p, "lines=: line %u is out of range: the chip has %u lines "
				    "(0..%u)", pol->line[i], ngpio, ngpio - 1);
	for (unsigned int i = 0; i < pol->ninput; i++)
		if (pol->input[i] >= ngpio)
			return perr(&p, "input-only=: line %u is out of range: the chip has %u "
				    "lines (0..%u)", pol->input[i], ngpio, ngpio - 1);
	if (visible < 1 || visible > IPC_MAX_LINES)
		return perr(&p, "the chip has %u lines; a guest sees 1..%u (choose with lines=)",
			    ngpio, IPC_MAX_LINES);
	if (pol->nnames && pol->nnames != visible)
		return perr(&p, "names= gives %u names for %u lines", pol->nnames, visible);
	return 0;
}

void devlist_describe(const struct devlist_entry *entry, char *buf, size_t len)
{
	switch (entry->kind) {
	case DEVLIST_HOST:
		snprintf(buf, len, "/dev/gpiochip%u", entry->num);
		break;
	case DEVLIST_PATH:
		snprintf(buf, len, "%s", entry->spec);
		break;
	case DEVLIST_LABEL:
		snprintf(buf, len, "chip labelled \"%s\"", entry->spec);
		break;
	default:
		snprintf(buf, len, "simulated chip (%u lines)", entry->num);
		break;
	}
}
