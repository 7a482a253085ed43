// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Run a fuzz target over saved inputs without libFuzzer (make fuzz-regress).
 *
 *   fz_TARGET [-v] PATH...
 *
 * Each PATH is a file, or a directory whose regular files are all run
 * (not recursively, in name order). Every input runs in its own child, so a
 * crash or an invariant abort counts as one failure and names the file, and
 * so does an input still running after FZ_INPUT_SECONDS (a hang would stop
 * the whole check); the closing line is "TARGET: N passed, N failed". Log
 * lines of the code under test go to /dev/null unless -v; sanitizer reports
 * and fz_fail() messages still reach the real stderr.
 */
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "fz.h"

/* Present when a sanitizer runtime is linked in (check-san). */
void __sanitizer_set_report_fd(void *fd) __attribute__((weak));
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* Inputs take milliseconds (libFuzzer's limit in make fuzz is 10 s); room for slow builds. */
#define FZ_INPUT_SECONDS	30

static int passed, failed;

static int read_all(const char *path, uint8_t **data, size_t *size)
{
	size_t cap = 4096, len = 0;
	uint8_t *buf = malloc(cap), *b;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((n = read(fd, buf + len, cap - len)) > 0) {
		len += (size_t)n;
		if (len == cap) {
			b = realloc(buf, cap *= 2);
			if (!b) {
				n = -1;
				break;
			}
			buf = b;
		}
	}
	close(fd);
	if (n < 0) {
		free(buf);
		return -1;
	}
	*data = buf;
	*size = len;
	return 0;
}

static void run_file(const char *path)
{
	uint8_t *data;
	size_t size;
	pid_t pid;
	int status;

	if (read_all(path, &data, &size) < 0) {
		printf("FAIL %s: cannot read it\n", path);
		failed++;
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		/*
		 * The sanitizers tie a report fd to the pid that set it; in another
		 * process they would write to a file named ".PID" in the current
		 * directory instead.
		 */
		if (__sanitizer_set_report_fd)
			__sanitizer_set_report_fd((void *)(long)fz_report_fd);
		alarm(FZ_INPUT_SECONDS);
		LLVMFuzzerTestOneInput(data, size);
		free(data);
		/* exit(), not _exit(): LeakSanitizer checks at exit. */
		exit(0);
	}
	free(data);
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		printf("FAIL %s: cannot run it\n", path);
		failed++;
		return;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		passed++;
		return;
	}
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		printf("FAIL %s: still running after %d s (a hang)\n", path, FZ_INPUT_SECONDS);
	else if (WIFSIGNALED(status))
		printf("FAIL %s: killed by signal %d\n", path, WTERMSIG(status));
	else
		printf("FAIL %s: exit status %d\n", path, WEXITSTATUS(status));
	failed++;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void run_path(const char *path)
{
	struct dirent **ents;
	struct stat st;
	int n;

	if (stat(path, &st) < 0) {
		printf("FAIL %s: no such file or directory\n", path);
		failed++;
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		run_file(path);
		return;
	}
	n = scandir(path, &ents, NULL, by_name);
	if (n < 0) {
		printf("FAIL %s: cannot list it\n", path);
		failed++;
		return;
	}
	for (int i = 0; i < n; i++) {
		char *file;

		if (ents[i]->d_name[0] != '.' &&
		    asprintf(&file, "%s/%s", path, ents[i]->d_name) >= 0) {
			if (stat(file, &st) == 0 && S_ISREG(st.st_mode))
				run_file(file);
			free(file);
		}
		free(ents[i]);
	}
	free(ents);
}

/* Code under test logs to fd 2: send it to /dev/null, keep reports on the real stderr. */
static void quiet_stderr(void)
{
	int keep = dup(STDERR_FILENO);
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	if (keep < 0 || null < 0)
		return;
	fcntl(keep, F_SETFD, FD_CLOEXEC);
	fz_report_fd = keep;
	if (__sanitizer_set_report_fd)
		__sanitizer_set_report_fd((void *)(long)keep);
	dup2(null, STDERR_FILENO);
	close(null);
}

int main(int argc, char **argv)
{
	const char *name = basename(argv[0]);
	int first = 1;

	if (argc > 1 && strcmp(argv[1], "-v") == 0)
		first = 2;
	else
		quiet_stderr();
	if (argc <= first) {
		dprintf(fz_report_fd, "usage: %s [-v] FILE|DIR...\n", name);
		return 2;
	}
	/* Every log line formatted: the corpus is small, its arguments must be sound. */
	fz_log_level = LOG_LVL_DEBUG;
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = first; i < argc; i++)
		run_path(argv[i]);
	printf("%s: %d passed, %d failed\n", name, passed, failed);
	return failed ? 1 : 0;
}
