// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vug-bench output. Figures go to stdout as key=value lines as soon as they
 * are measured (a run that dies half-way still leaves what it had); the human
 * summary is collected on the side and printed at the end. Diagnostics and
 * failures go to stderr.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

#define FAIL_SHOWN	20

unsigned int bench_failures;
static char summary[32768];
static size_t summary_len;

void bench_fail(const char *fmt, ...)
{
	va_list ap;

	if (bench_failures++ >= FAIL_SHOWN) {
		if (bench_failures == FAIL_SHOWN + 1)
			fprintf(stderr, "vug-bench: FAIL: (further failures not shown)\n");
		return;
	}
	fprintf(stderr, "vug-bench: FAIL: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void bench_sort(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
}

/* Nearest rank: the smallest sample with at least @pct percent at or below it. */
uint64_t bench_pct(const uint64_t *sorted, size_t n, double pct)
{
	size_t rank;

	if (n == 0)
		return 0;
	rank = (size_t)(pct / 100.0 * (double)n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

void brep_kv(const char *key, const char *fmt, ...)
{
	va_list ap;

	printf("%s=", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

void brep_us(const char *key, uint64_t ns)
{
	brep_kv(key, "%.1f", (double)ns / 1000.0);
}

void brep_skip(const char *key, const char *why)
{
	brep_kv(key, "skipped");
	brep_line("  %s: skipped (%s)", key, why);
}

void brep_line(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (summary_len >= sizeof(summary) - 2)
		return;
	va_start(ap, fmt);
	n = vsnprintf(summary + summary_len, sizeof(summary) - summary_len - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	summary_len += (size_t)n;
	if (summary_len > sizeof(summary) - 2)
		summary_len = sizeof(summary) - 2;
	summary[summary_len++] = '\n';
	summary[summary_len] = '\0';
}

void brep_print_summary(void)
{
	printf("\n%s", summary);
	fflush(stdout);
}
