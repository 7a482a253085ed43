// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The device list and its line access policy (device/helper/devlist.c):
 * every accepted form, every error with its message, and the checks that
 * need a chip's line count.
 */
#include <errno.h>

#include "../harness.h"
#include "helper/devlist.h"

static char err[512];

/* Parse @text; on success check the count and free. */
static int parse_n(const char *text, unsigned int n)
{
	struct devlist dl;
	int ret;

	err[0] = '\0';
	ret = devlist_parse(text, &dl, err, sizeof(err));
	if (ret == 0) {
		CHECK_EQ(dl.n, n);
		devlist_free(&dl);
	}
	return ret;
}

/* @text must fail with a message containing @want. */
static void bad(const char *text, const char *want)
{
	struct devlist dl;
	int ret;

	err[0] = '\0';
	ret = devlist_parse(text, &dl, err, sizeof(err));
	CHECK_EQ(ret, -EINVAL);
	CHECK_EQ(dl.n, 0);
	if (!strstr(err, want)) {
		th_failed++;
		fprintf(stderr, "FAIL [%s]: \"%s\" -> \"%s\", want \"%s\"\n", th_current, text, err,
			want);
	} else {
		th_passed++;
	}
}

static void test_chips(void)
{
	struct devlist dl;

	CHECK_EQ(devlist_parse("s8:3:/dev/gpiochip1:label=pinctrl-bcm2711:s65535", &dl, err,
			       sizeof(err)), 0);
	CHECK_EQ(dl.n, 5);
	CHECK_EQ(dl.entry[0].kind, DEVLIST_SIM);
	CHECK_EQ(dl.entry[0].num, 8);
	CHECK(dl.entry[0].spec == NULL);
	CHECK_EQ(dl.entry[0].pol.nlines, 0);
	CHECK_EQ(dl.entry[1].kind, DEVLIST_HOST);
	CHECK_EQ(dl.entry[1].num, 3);
	CHECK_EQ(dl.entry[2].kind, DEVLIST_PATH);
	CHECK(!strcmp(dl.entry[2].spec, "/dev/gpiochip1"));
	CHECK_EQ(dl.entry[3].kind, DEVLIST_LABEL);
	CHECK(!strcmp(dl.entry[3].spec, "pinctrl-bcm2711"));
	CHECK_EQ(dl.entry[4].num, 65535);
	{
		char d[64];

		devlist_describe(&dl.entry[0], d, sizeof(d));
		CHECK(!strcmp(d, "simulated chip (8 lines)"));
		devlist_describe(&dl.entry[1], d, sizeof(d));
		CHECK(!strcmp(d, "/dev/gpiochip3"));
		devlist_describe(&dl.entry[2], d, sizeof(d));
		CHECK(!strcmp(d, "/dev/gpiochip1"));
		devlist_describe(&dl.entry[3], d, sizeof(d));
		CHECK(!strcmp(d, "chip labelled \"pinctrl-bcm2711\""));
	}
	devlist_free(&dl);
	CHECK_EQ(dl.n, 0);
	/* labels may hold '=' and spaces; paths anything printable */
	CHECK_EQ(parse_n("label=a=b c:/dev/gpio/by-name/x y", 2), 0);
}

static void test_policy(void)
{
	struct devlist dl;
	const struct devlist_policy *p;

	CHECK_EQ(devlist_parse("s8,lines=7+0-2+5,input-only=5+0,names=a+b++d.x+E-9_", &dl, err,
			       sizeof(err)), 0);
	p = &dl.entry[0].pol;
	CHECK_EQ(p->nlines, 5);
	CHECK(p->nlines == 5 && p->line[0] == 7 && p->line[1] == 0 && p->line[2] == 1 &&
	      p->line[3] == 2 && p->line[4] == 5);
	CHECK_EQ(p->ninput, 2);
	CHECK(p->ninput == 2 && p->input[0] == 5 && p->input[1] == 0);
	CHECK_EQ(p->nnames, 5);
	CHECK(p->nnames == 5 && !strcmp(p->name[0], "a") && !strcmp(p->name[2], "") &&
	      !strcmp(p->name[3], "d.x") && !strcmp(p->name[4], "E-9_"));
	CHECK_EQ(devlist_visible(&dl.entry[0], 8), 5);
	devlist_free(&dl);

	/* options in any order; input-only without lines= */
	CHECK_EQ(devlist_parse("s4,names=w+x+y+z,input-only=3:0,input-only=1-2", &dl, err,
			       sizeof(err)), 0);
	CHECK_EQ(dl.entry[0].pol.nnames, 4);
	CHECK_EQ(dl.entry[0].pol.ninput, 1);
	CHECK_EQ(dl.entry[1].pol.ninput, 2);
	CHECK_EQ(devlist_visible(&dl.entry[1], 40), 40);
	devlist_free(&dl);

	/* one host chip, several guests, disjoint lines */
	CHECK_EQ(parse_n("0,lines=0-3:0,lines=4-7:/dev/gpiochip0", 3), 0);
	CHECK_EQ(parse_n("label=x,lines=1:label=x,lines=2", 2), 0);
	/* a window of a big chip; the same line on two chips */
	CHECK_EQ(parse_n("0,lines=1000-2023:1,lines=1000", 2), 0);
	CHECK_EQ(parse_n("5,lines=65535", 1), 0);
	/* 31-character names */
	CHECK_EQ(parse_n("s1,names=abcdefghijklmnopqrstuvwxyz01234", 1), 0);
}

static void test_errors(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		/* chips */
		{ "", "empty device list" },
		{ "s0", "device 0: bad entry \"s0\": a simulated chip has 1..65535 lines" },
		{ "s65536", "device 0: bad entry \"s65536\": a simulated chip has 1..65535 lines" },
		{ "s70000", "device 0: bad entry \"s70000\": a simulated chip has 1..65535 lines" },
		{ "sx", "device 0: bad entry \"sx\"; expected sN" },
		{ "s", "device 0: bad entry \"s\"" },
		{ "s+4", "device 0: bad entry \"s+4\"" },
		{ "-1", "device 0: bad entry \"-1\"" },
		{ "123456789", "device 0: bad entry \"123456789\"" },
		{ "s8:abc", "device 1: bad entry \"abc\"" },
		{ "s1::s2", "device 1: empty entry" },
		{ "s1:", "device 1: empty entry" },
		{ ":s1", "device 0: empty entry" },
		{ ",lines=1", "device 0: empty entry" },
		{ "label=", "device 0: bad entry \"label=\": a label has 1..31 characters" },
		{ "label=abcdefghijklmnopqrstuvwxyz012345", "a label has 1..31 characters" },
		{ "label=a\tb", "device 0: bad entry: a control or non-ASCII character" },
		{ "/dev/\x7fx", "a control or non-ASCII character" },
		{ "4:4", "device 1: /dev/gpiochip4 is already device 0; entries of one chip need "
			 "disjoint lines=" },
		{ "4,lines=1-3:4,lines=3", "device 1: /dev/gpiochip4 is already device 0" },
		{ "4,lines=1:4", "device 1: /dev/gpiochip4 is already device 0" },
		{ "/dev/g:s1:/dev/g,lines=0", "device 2: /dev/g is already device 0" },
		{ "label=x:label=x", "device 1: chip labelled \"x\" is already device 0" },
		/* options */
		{ "s8,", "device 0: empty option" },
		{ "s8,,lines=1", "device 0: empty option" },
		{ "s8,line=1", "device 0: unknown option \"line=1\"; expected lines=, input-only= "
			       "or names=" },
		{ "s8,lines", "device 0: unknown option \"lines\"" },
		{ "s8,lines=1,lines=2", "device 0: option lines given twice" },
		{ "s8,names=a,names=a", "device 0: option names given twice" },
		/* sets */
		{ "s8,lines=", "device 0: lines=: empty set" },
		{ "s8,input-only=", "device 0: input-only=: empty set" },
		{ "s8,lines=1+", "device 0: lines=: bad line or range \"\"" },
		{ "s8,lines=+1", "device 0: lines=: bad line or range \"\"" },
		{ "s8,lines=a", "device 0: lines=: bad line or range \"a\"; expected N or N-M" },
		{ "s8,lines=1-", "device 0: lines=: bad line or range \"1-\"" },
		{ "s8,lines=-1", "device 0: lines=: bad line or range \"-1\"" },
		{ "s8,lines=1-2-3", "device 0: lines=: bad line or range \"1-2-3\"" },
		{ "s8,lines=1.5", "bad line or range \"1.5\"" },
		{ "s8,lines=5-3", "device 0: lines=: bad range \"5-3\": 5 > 3" },
		{ "s8,lines=1+2+1", "device 0: lines=: line 1 is listed twice" },
		{ "s8,lines=0-3+2-4", "device 0: lines=: line 2 is listed twice" },
		{ "s8,input-only=4+4", "device 0: input-only=: line 4 is listed twice" },
		{ "0,lines=65536", "device 0: lines=: line 65536 is out of range (host lines are "
				   "0..65535)" },
		{ "0,lines=0-70000", "device 0: lines=: line 70000 is out of range" },
		{ "0,lines=0-65535", "device 0: lines=: more than 65535 lines" },
		{ "s8,lines=8", "device 0: lines=: line 8 is out of range: the chip has 8 lines "
				"(0..7)" },
		{ "s8:s2,lines=0+1+2", "device 1: lines=: line 2 is out of range: the chip has 2 "
				       "lines (0..1)" },
		{ "s8,input-only=9", "device 0: input-only=: line 9 is out of range: the chip has "
				     "8 lines" },
		{ "s8,lines=1-3,input-only=4", "device 0: input-only=: line 4 is not in lines=" },
		{ "0,input-only=4,lines=1-3", "device 0: input-only=: line 4 is not in lines=" },
		/* names */
		{ "s2,names=a", "device 0: names= gives 1 names for 2 lines" },
		{ "s2,names=a+b+c", "device 0: names= gives 3 names for 2 lines" },
		{ "0,lines=1-3,names=a+b", "device 0: names= gives 2 names for the 3 lines of "
					   "lines=" },
		{ "s2,names=a+a", "device 0: names=: guest lines 0 and 1 are both \"a\"" },
		{ "s3,names=a++b+", "device 0: names= gives 4 names for 3 lines" },
		{ "s2,names=a b+c", "device 0: names=: bad name \"a b\": only A-Z a-z 0-9 _ . - "
				    "are allowed" },
		{ "s2,names=a/b+c", "bad name \"a/b\"" },
		{ "s2,names=\"x\"+c", "bad name \"\"x\"\"" },
		{ "s1,names=abcdefghijklmnopqrstuvwxyz012345", "names=: name "
			"\"abcdefghijklmnopqrstuvwxyz012345\" is longer than 31 characters" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		bad(cases[i].text, cases[i].want);
	{
		static char many[400];

		for (int i = 0; i < 65; i++)
			strcat(many, i ? ":s1" : "s1");
		bad(many, "more than 64 devices");
		many[strlen(many) - 3] = '\0';
		CHECK_EQ(parse_n(many, 64), 0);
	}
	{
		/* 65536 names are too many even before counting lines */
		static char names[70000] = "s8,names=a";

		memset(names + strlen(names), '+', 65535);
		bad(names, "names=: more than 65535 names");
	}
}

/* What is checked once a host chip is open and its line count known. */
static void test_check_chip(void)
{
	struct devlist dl;

	CHECK_EQ(devlist_parse("0:1,lines=3+9,input-only=9:2,names=a+b+c:3,input-only=7",
			       &dl, err, sizeof(err)), 0);
	CHECK_EQ(devlist_check_chip(&dl.entry[0], 0, 8, err, sizeof(err)), 0);
	CHECK_EQ(devlist_check_chip(&dl.entry[0], 0, 65535, err, sizeof(err)), 0);
	CHECK_EQ(devlist_check_chip(&dl.entry[0], 0, 65536, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "device 0: the chip has 65536 lines; a guest sees 1..65535 (choose with "
		      "lines=)") != NULL);
	CHECK_EQ(devlist_check_chip(&dl.entry[1], 1, 10, err, sizeof(err)), 0);
	CHECK_EQ(devlist_check_chip(&dl.entry[1], 1, 9, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "device 1: lines=: line 9 is out of range: the chip has 9 lines "
		      "(0..8)") != NULL);
	CHECK_EQ(devlist_check_chip(&dl.entry[2], 2, 3, err, sizeof(err)), 0);
	CHECK_EQ(devlist_check_chip(&dl.entry[2], 2, 4, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "device 2: names= gives 3 names for 4 lines") != NULL);
	CHECK_EQ(devlist_check_chip(&dl.entry[3], 3, 8, err, sizeof(err)), 0);
	CHECK_EQ(devlist_check_chip(&dl.entry[3], 3, 7, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "device 3: input-only=: line 7 is out of range") != NULL);
	CHECK_EQ(devlist_visible(&dl.entry[1], 100), 2);
	devlist_free(&dl);
}

TEST_MAIN(TEST_CASE(test_chips), TEST_CASE(test_policy), TEST_CASE(test_errors),
	  TEST_CASE(test_check_chip))
