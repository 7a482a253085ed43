/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared pieces of the fuzz targets (tests/fuzz/fz_*.c).
 *
 * Each target defines LLVMFuzzerTestOneInput() and is linked either with
 * libFuzzer (clang, make fuzz) or with standalone_main.c (gcc, make
 * fuzz-regress). The input is read through struct fz_in: reading past its
 * end gives zeros, so every byte string is a valid program for a target and
 * the fuzzer never wastes time on "too short" inputs.
 *
 * Invariant violations call fz_fail() (abort), which both libFuzzer and
 * the standalone driver report as a crash of that input.
 */
#ifndef FZ_H
#define FZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Entry points every target provides (libFuzzer's names). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

struct fz_in {
	const uint8_t *p;
	size_t n;
};

static inline struct fz_in fz_in(const uint8_t *data, size_t size)
{
	return (struct fz_in){ .p = data, .n = size };
}

static inline bool fz_more(const struct fz_in *in)
{
	return in->n > 0;
}

static inline uint8_t fz_u8(struct fz_in *in)
{
	uint8_t v = 0;

	if (in->n) {
		v = *in->p++;
		in->n--;
	}
	return v;
}

static inline uint16_t fz_u16(struct fz_in *in)
{
	uint16_t lo = fz_u8(in);

	return (uint16_t)(lo | fz_u8(in) << 8);
}

static inline uint32_t fz_u32(struct fz_in *in)
{
	uint32_t lo = fz_u16(in);

	return lo | (uint32_t)fz_u16(in) << 16;
}

static inline uint64_t fz_u64(struct fz_in *in)
{
	uint64_t lo = fz_u32(in);

	return lo | (uint64_t)fz_u32(in) << 32;
}

/* Copy up to @n bytes into @dst, zero-filling what the input lacks; returns bytes taken. */
size_t fz_take(struct fz_in *in, void *dst, size_t n);

/* Where fz_fail() writes; the standalone driver points it at the real stderr. */
extern int fz_report_fd;
/*
 * Log level of the code under test, set before fz_setup(): error when
 * fuzzing (fewer syscalls), debug in the standalone driver (every log
 * argument evaluated and formatted at least over the corpus).
 */
extern int fz_log_level;

void fz_fail(const char *file, int line, const char *what) __attribute__((noreturn));

#define FZ_ASSERT(cond) do { \
	if (!(cond)) \
		fz_fail(__FILE__, __LINE__, #cond); \
} while (0)

/* Once per process: logging (see fz_log_level), SIGPIPE ignored (peers go away). */
void fz_setup(const char *role);

/*
 * Mark the fds open now; fz_fds_check() aborts if one more is open later.
 * Call both around each input: the fuzzer itself opens files in between.
 */
void fz_fds_mark(void);
void fz_fds_check(void);

/* sendmsg() with @nfds fds as one SCM_RIGHTS record; returns sendmsg's result. */
long fz_send_fds(int sock, const void *buf, size_t len, const int *fds, unsigned int nfds);

/* Set or clear O_NONBLOCK; aborts on failure (the harness itself is broken then). */
void fz_nonblock(int fd, bool on);

#endif /* FZ_H */
