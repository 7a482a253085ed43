/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Minimal test harness: CHECK() counts one assertion; each TEST() function
 * runs once; main() from TEST_MAIN() prints "<file>: N passed, N failed"
 * and exits non-zero on any failure. tests/run.sh sums the files.
 */
#ifndef TEST_HARNESS_H
#define TEST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern int th_passed, th_failed;
extern const char *th_current;

#define CHECK(cond) do { \
	if (cond) { th_passed++; } \
	else { th_failed++; fprintf(stderr, "FAIL %s:%d [%s]: %s\n", __FILE__, __LINE__, \
				    th_current, #cond); } \
} while (0)

#define CHECK_EQ(a, b) do { \
	long long _a = (long long)(a), _b = (long long)(b); \
	if (_a == _b) { th_passed++; } \
	else { th_failed++; fprintf(stderr, "FAIL %s:%d [%s]: %s == %s (%lld != %lld)\n", \
				    __FILE__, __LINE__, th_current, #a, #b, _a, _b); } \
} while (0)

typedef void (*th_fn)(void);
struct th_case { const char *name; th_fn fn; };

#define TEST_MAIN(...) \
	int th_passed, th_failed; const char *th_current; \
	int main(void) { \
		static const struct th_case cases[] = { __VA_ARGS__ }; \
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) { \
			int before = th_failed; \
			th_current = cases[i].name; \
			cases[i].fn(); \
			fprintf(stderr, "%s %s\n", th_failed == before ? "ok  " : "FAIL", cases[i].name); \
		} \
		printf("%s: %d passed, %d failed\n", __FILE__, th_passed, th_failed); \
		return th_failed ? 1 : 0; \
	}

#define TEST_CASE(fn) { #fn, fn }

#endif
