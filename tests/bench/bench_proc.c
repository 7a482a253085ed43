// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vug-bench memory figures: VmRSS from /proc/PID/status.
 *
 * The daemon's process tree is found from the broker: its children that run
 * the broker's own executable are workers (forked, never exec'd), another
 * executable is the helper; their children get the parent's role with
 * "_child" (the helper's unlinker). The helper spawner (--helper-restarts)
 * runs the broker's executable too and is told apart by its name. A worker lives in its own pid namespace,
 * but the host's /proc lists it with its host pid and the broker as parent.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "bench.h"

static ssize_t read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

long bp_rss_kib(pid_t pid)
{
	char path[64], buf[4096];
	const char *p;
	long kib;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, "\nVmRSS:");
	/* Zombies and kernel threads have no VmRSS line. */
	if (!p || sscanf(p + 7, "%ld", &kib) != 1)
		return -1;
	return kib;
}

static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512];
	const char *p;
	int ppid;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	/* The command name may hold spaces and parentheses: skip to the last ')'. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
		return -1;
	return ppid;
}

static int children(pid_t ppid, pid_t *out, int max)
{
	DIR *dir = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!dir)
		return -errno;
	while ((e = readdir(dir)) && n < max) {
		pid_t pid;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		pid = (pid_t)atoi(e->d_name);
		if (parent_of(pid) == ppid)
			out[n++] = pid;
	}
	closedir(dir);
	return n;
}

static bool same_program(pid_t a, pid_t b)
{
	char pa[64], pb[64], ca[64], cb[64];
	struct stat sa, sb;

	snprintf(pa, sizeof(pa), "/proc/%d/exe", (int)a);
	snprintf(pb, sizeof(pb), "/proc/%d/exe", (int)b);
	if (stat(pa, &sa) == 0 && stat(pb, &sb) == 0)
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	snprintf(pa, sizeof(pa), "/proc/%d/comm", (int)a);
	snprintf(pb, sizeof(pb), "/proc/%d/comm", (int)b);
	return read_file(pa, ca, sizeof(ca)) > 0 && read_file(pb, cb, sizeof(cb)) > 0 &&
	       !strcmp(ca, cb);
}

static bool is_spawner(pid_t pid)
{
	char path[64], comm[64];

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	return read_file(path, comm, sizeof(comm)) > 0 && !strncmp(comm, "vug-spawner", 11);
}

/* @have is @role, or @role and a number: a second worker is "worker2". */
static bool same_role(const char *have, const char *role)
{
	size_t len = strlen(role);

	if (strncmp(have, role, len))
		return false;
	return strspn(have + len, "0123456789") == strlen(have + len);
}

static void add(struct bp_proc *out, int *n, int max, const char *role, pid_t pid)
{
	int same = 0;

	if (*n >= max)
		return;
	for (int i = 0; i < *n; i++)
		same += same_role(out[i].role, role);
	if (same)
		snprintf(out[*n].role, sizeof(out[*n].role), "%s%d", role, same + 1);
	else
		snprintf(out[*n].role, sizeof(out[*n].role), "%s", role);
	out[*n].pid = pid;
	out[*n].rss_kib = bp_rss_kib(pid);
	(*n)++;
}

/* The broker, its workers and helper, and their children. */
int bp_tree(pid_t broker, struct bp_proc *out, int max)
{
	pid_t kids[BP_MAX], grand[BP_MAX];
	int n = 0, nk = children(broker, kids, BP_MAX);

	if (nk < 0)
		return nk;
	add(out, &n, max, "broker", broker);
	for (int i = 0; i < nk; i++) {
		const char *role = !same_program(kids[i], broker) ? "helper"
				   : is_spawner(kids[i]) ? "spawner" : "worker";
		char sub[24];
		int ng;

		add(out, &n, max, role, kids[i]);
		ng = children(kids[i], grand, BP_MAX);
		snprintf(sub, sizeof(sub), "%s_child", role);
		for (int j = 0; j < ng; j++)
			add(out, &n, max, sub, grand[j]);
	}
	return n;
}

/* "NAME=PID,NAME=PID" or bare PIDs (named after /proc/PID/comm). */
int bp_named(const char *spec, struct bp_proc *out, int max)
{
	char buf[256], *save = NULL, *tok;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", spec);
	for (tok = strtok_r(buf, ",", &save); tok && n < max; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '='), name[24], path[64];
		char *end;
		long pid = strtol(eq ? eq + 1 : tok, &end, 10);

		if (*end || pid <= 0) {
			fprintf(stderr, "vug-bench: --pids: bad entry '%s'\n", tok);
			return -EINVAL;
		}
		if (eq) {
			*eq = '\0';
			snprintf(name, sizeof(name), "%s", tok);
		} else {
			snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
			if (read_file(path, name, sizeof(name)) <= 0)
				snprintf(name, sizeof(name), "pid%ld", pid);
			name[strcspn(name, "\n")] = '\0';
		}
		/* Keys stay [a-z0-9_]. */
		for (char *p = name; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
				*p = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : '_';
		add(out, &n, max, name, (pid_t)pid);
	}
	return n;
}
