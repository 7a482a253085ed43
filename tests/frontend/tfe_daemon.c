// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tfe daemon control: start vhost-user-gpio from $VUG_BUILD (default
 * "build") in a per-test temp dir, stop it with SIGTERM, talk to its sim
 * control socket, and look at its process tree in /proc.
 *
 * Sim control grammar (one reply line per command line):
 *   set DEV LINE LEVEL -> ok | err <reason>
 *   get DEV LINE       -> ok dir=in|out value=0|1 input=0|1 irq=none|rising|...
 *   info DEV           -> ok lines=N kind=sim
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "tfe.h"

#define START_TIMEOUT_MS	5000
#define STOP_TIMEOUT_MS		5000

/* A test that hangs despite all timeouts dies loudly instead of forever. */
static void watchdog(int sig)
{
	static const char msg[] = "tfe: watchdog: test binary ran for 60 s, aborting\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	_exit(3);
}

__attribute__((constructor)) static void tfe_setup_process(void)
{
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, watchdog);
	alarm(60);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static const char *build_dir(void)
{
	const char *b = getenv("VUG_BUILD");

	return b && *b ? b : "build";
}

void tfe_daemon_sock(const struct tfe_daemon *d, int idx, char *buf, size_t size)
{
	if (d->count > 1)
		snprintf(buf, size, "%s%d", d->sock, idx);
	else
		snprintf(buf, size, "%s", d->sock);
}

static int make_dir(struct tfe_daemon *d)
{
	memset(d, 0, sizeof(*d));
	d->sim = -1;
	snprintf(d->dir, sizeof(d->dir), "/tmp/tfe-XXXXXX");
	if (!mkdtemp(d->dir))
		return -errno;
	snprintf(d->sock, sizeof(d->sock), "%s/vgpio.sock", d->dir);
	snprintf(d->ctl, sizeof(d->ctl), "%s/sim.ctl", d->dir);
	return 0;
}

static void exec_daemon(char **argv)
{
	char prog[512];

	snprintf(prog, sizeof(prog), "%s/vhost-user-gpio", build_dir());
	argv[0] = prog;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	execv(prog, argv);
	fprintf(stderr, "tfe: exec %s: %s\n", prog, strerror(errno));
	_exit(127);
}

static void add_log_level(char **argv, int *n)
{
	const char *lvl = getenv("VUG_TEST_LOG_LEVEL");

	/* Quiet by default so failures stand out; VUG_TEST_LOG_LEVEL=debug to dig. */
	argv[(*n)++] = "--log-level";
	argv[(*n)++] = (char *)(lvl && *lvl ? lvl : "warn");
}

static bool is_socket(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* In the forked child: what tfe_daemon_start_ex() asked for, before exec. */
static void child_setup(const struct tfe_daemon_opts *o)
{
	int fd;

	if (!o)
		return;
	for (const char *const *e = o->env; e && *e; e++)
		if (putenv((char *)*e) < 0)
			_exit(127);
	if (o->log_path) {
		fd = open(o->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
		if (fd < 0 || dup2(fd, STDERR_FILENO) < 0)
			_exit(127);
	}
}

int tfe_daemon_start(struct tfe_daemon *d, const char *list, int count)
{
	return tfe_daemon_start_ex(d, list, count, NULL);
}

int tfe_daemon_start_ex(struct tfe_daemon *d, const char *list, int count,
			const struct tfe_daemon_opts *o)
{
	char cnt[16], path[128];
	char *argv[24];
	int n = 1, waited = 0;

	if (make_dir(d) < 0)
		return -errno;
	d->count = count;
	snprintf(cnt, sizeof(cnt), "%d", count);
	argv[n++] = "-s";
	argv[n++] = d->sock;
	if (count != 1) {
		argv[n++] = "-c";
		argv[n++] = cnt;
	}
	argv[n++] = "-l";
	argv[n++] = (char *)list;
	argv[n++] = "--sim-control";
	argv[n++] = d->ctl;
	add_log_level(argv, &n);
	for (const char *const *a = o ? o->args : NULL; a && *a && n < 23; a++)
		argv[n++] = (char *)*a;
	argv[n] = NULL;
	d->pid = fork();
	if (d->pid < 0)
		return -errno;
	if (d->pid == 0) {
		child_setup(o);
		exec_daemon(argv);
	}
	/* Ready once every socket file and the control socket exist. */
	for (;;) {
		bool ready = is_socket(d->ctl);
		int status;

		for (int i = 0; ready && i < count; i++) {
			tfe_daemon_sock(d, i, path, sizeof(path));
			ready = is_socket(path);
		}
		if (ready)
			return 0;
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			fprintf(stderr, "tfe: daemon exited during start (status 0x%x)\n", status);
			d->pid = 0;
			return -ECHILD;
		}
		if (waited >= START_TIMEOUT_MS) {
			fprintf(stderr, "tfe: daemon sockets did not appear\n");
			return -ETIMEDOUT;
		}
		sleep_ms(5);
		waited += 5;
	}
}

/* --fd mode: the daemon gets one end of a socketpair as fd @fdnum (no CLOEXEC). */
int tfe_daemon_start_fd(struct tfe_daemon *d, const char *list, int fdnum, int *peer)
{
	char num[16];
	char *argv[16];
	int sv[2], n = 1;

	if (make_dir(d) < 0)
		return -errno;
	d->count = 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	snprintf(num, sizeof(num), "%d", fdnum);
	argv[n++] = "--fd";
	argv[n++] = num;
	argv[n++] = "-l";
	argv[n++] = (char *)list;
	argv[n++] = "--sim-control";
	argv[n++] = d->ctl;
	add_log_level(argv, &n);
	argv[n] = NULL;
	d->pid = fork();
	if (d->pid < 0)
		return -errno;
	if (d->pid == 0) {
		close(sv[0]);
		if (sv[1] == fdnum)
			fcntl(fdnum, F_SETFD, 0);
		else if (dup2(sv[1], fdnum) < 0)
			_exit(127);
		exec_daemon(argv);
	}
	close(sv[1]);
	*peer = sv[0];
	return 0;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Reap the daemon: its exit code, 128 + signal, or -ETIMEDOUT. */
int tfe_daemon_wait_exit(struct tfe_daemon *d, int timeout_ms)
{
	long deadline = now_ms() + timeout_ms;
	int status;

	if (d->pid <= 0)
		return -ECHILD;
	for (;;) {
		pid_t r = waitpid(d->pid, &status, WNOHANG);

		if (r == d->pid)
			break;
		if (r < 0)
			return -errno;
		if (now_ms() >= deadline)
			return -ETIMEDOUT;
		sleep_ms(2);
	}
	d->pid = 0;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

static void remove_dir(struct tfe_daemon *d)
{
	char path[384];
	DIR *dir = opendir(d->dir);
	struct dirent *e;

	if (!dir)
		return;
	while ((e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", d->dir, e->d_name);
		unlink(path);
	}
	closedir(dir);
	rmdir(d->dir);
}

/* SIGTERM, reap, note leftover socket files, remove the temp dir. Returns the exit status. */
int tfe_daemon_stop(struct tfe_daemon *d)
{
	char path[128];
	int rc = 0;

	if (d->sim >= 0)
		close(d->sim);
	d->sim = -1;
	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		rc = tfe_daemon_wait_exit(d, STOP_TIMEOUT_MS);
		if (rc == -ETIMEDOUT) {
			fprintf(stderr, "tfe: daemon ignored SIGTERM; killing it\n");
			kill(d->pid, SIGKILL);
			waitpid(d->pid, NULL, 0);
			d->pid = 0;
		} else if (rc != 0) {
			fprintf(stderr, "tfe: daemon exit status %d\n", rc);
		}
	}
	d->sock_left = 0;
	for (int i = 0; i < d->count; i++) {
		tfe_daemon_sock(d, i, path, sizeof(path));
		d->sock_left += access(path, F_OK) == 0;
	}
	if (d->dir[0])
		remove_dir(d);
	d->dir[0] = '\0';
	return rc;
}

struct tfe *tfe_daemon_connect(struct tfe_daemon *d, int idx)
{
	char path[128];
	struct tfe *t;
	int fd;

	tfe_daemon_sock(d, idx, path, sizeof(path));
	fd = tfe_connect(path, START_TIMEOUT_MS);
	if (fd < 0) {
		fprintf(stderr, "tfe: connect %s: %s\n", path, strerror(-fd));
		return NULL;
	}
	t = tfe_new(fd, 0);
	if (!t)
		close(fd);
	return t;
}

struct tfe *tfe_daemon_open(struct tfe_daemon *d, enum tfe_order order)
{
	struct tfe *t = tfe_daemon_connect(d, 0);

	if (t && tfe_handshake(t, order) < 0) {
		tfe_free(t);
		return NULL;
	}
	return t;
}

static int sim_connect(struct tfe_daemon *d)
{
	if (d->sim < 0)
		d->sim = tfe_connect(d->ctl, START_TIMEOUT_MS);
	return d->sim;
}

/* One command, one reply line. 0 for "ok ...", 1 for "err ...", else -errno. */
int tfe_sim_cmd(struct tfe_daemon *d, char *reply, size_t size, const char *fmt, ...)
{
	char line[256], buf[256];
	size_t got = 0;
	va_list ap;
	int rc, len;

	if (sim_connect(d) < 0)
		return -ENOTCONN;
	va_start(ap, fmt);
	len = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(line) - 1)
		return -EINVAL;
	line[len++] = '\n';
	rc = tfe_send_raw(d->sim, line, (size_t)len);
	if (rc < 0)
		return rc;
	for (;;) {
		struct pollfd pfd = { .fd = d->sim, .events = POLLIN };
		ssize_t n;

		rc = poll(&pfd, 1, TFE_TIMEOUT_MS);
		if (rc <= 0) {
			fprintf(stderr, "tfe: sim control: no reply to '%.*s'\n", len - 1, line);
			return -ETIMEDOUT;
		}
		/* Byte by byte: never read past this reply. */
		n = read(d->sim, buf + got, 1);
		if (n <= 0)
			return -ECONNRESET;
		if (buf[got] == '\n')
			break;
		if (++got >= sizeof(buf) - 1)
			return -EPROTO;
	}
	buf[got] = '\0';
	if (reply)
		snprintf(reply, size, "%s", buf);
	if (!strncmp(buf, "ok", 2) && (buf[2] == '\0' || buf[2] == ' '))
		return 0;
	if (!strncmp(buf, "err ", 4))
		return 1;
	fprintf(stderr, "tfe: sim control: bad reply '%s'\n", buf);
	return -EPROTO;
}

int tfe_sim_set(struct tfe_daemon *d, unsigned int dev, unsigned int line, int level)
{
	char reply[128];
	int rc = tfe_sim_cmd(d, reply, sizeof(reply), "set %u %u %d", dev, line, level);

	if (rc != 0)
		fprintf(stderr, "tfe: sim set %u %u %d: %d '%s'\n", dev, line, level, rc,
			rc > 0 ? reply : "");
	else if (strcmp(reply, "ok"))
		return -EPROTO;
	return rc;
}

int tfe_sim_get(struct tfe_daemon *d, unsigned int dev, unsigned int line,
		struct tfe_sim_line *out)
{
	char reply[128], dir[8];
	int rc = tfe_sim_cmd(d, reply, sizeof(reply), "get %u %u", dev, line);

	if (rc != 0)
		return rc < 0 ? rc : -EIO;
	memset(out, 0, sizeof(*out));
	if (sscanf(reply, "ok dir=%7s value=%d input=%d irq=%15s", dir, &out->value,
		   &out->input, out->irq) != 4 || (strcmp(dir, "in") && strcmp(dir, "out"))) {
		fprintf(stderr, "tfe: sim get: bad reply '%s'\n", reply);
		return -EPROTO;
	}
	out->dir_out = !strcmp(dir, "out");
	return 0;
}

/* Children of @ppid (zombies included), from /proc/PID/stat. */
/* The helper spawner's name (device/broker/spawner.c), from its stat line. */
#define TFE_SPAWNER_COMM	"(vug-spawner)"

static int tfe_proc_children_of(pid_t ppid, pid_t *out, int max, bool spawner)
{
	DIR *dir = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!dir)
		return -errno;
	while ((e = readdir(dir))) {
		char path[300], buf[512], *p;
		int fd, ppid_read;
		ssize_t len;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		p = strrchr(buf, ')');
		if (!p || sscanf(p + 1, " %*c %d", &ppid_read) != 1 || ppid_read != ppid)
			continue;
		if ((strstr(buf, TFE_SPAWNER_COMM) != NULL) != spawner)
			continue;
		if (n < max)
			out[n] = (pid_t)atoi(e->d_name);
		n++;
	}
	closedir(dir);
	return n;
}

int tfe_proc_children(pid_t ppid, pid_t *out, int max)
{
	return tfe_proc_children_of(ppid, out, max, false);
}

pid_t tfe_proc_spawner(pid_t broker)
{
	pid_t pid = 0;

	return tfe_proc_children_of(broker, &pid, 1, true) >= 1 ? pid : 0;
}

pid_t tfe_proc_helper(pid_t broker)
{
	pid_t kids[64];
	int n = tfe_proc_children(broker, kids, 64);

	for (int i = 0; i < n && i < 64; i++) {
		char name[64];

		if (tfe_proc_exe_name(kids[i], name, sizeof(name)) == 0 &&
		    !strcmp(name, "vhost-user-gpio-helper"))
			return kids[i];
	}
	return 0;
}

/* State letter of @pid ('Z' for a zombie), or 0 if there is no such process. */
char tfe_proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return 0;
	buf[len] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/* Base name of the program @pid runs (exe link, else argv[0]). */
int tfe_proc_exe_name(pid_t pid, char *buf, size_t size)
{
	char path[64], tmp[512];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, tmp, sizeof(tmp) - 1);
	if (n < 0) {
		int fd;

		snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		n = read(fd, tmp, sizeof(tmp) - 1);
		close(fd);
		if (n <= 0)
			return -ENOENT;
	}
	tmp[n] = '\0';
	/* A deleted or replaced binary shows as "path (deleted)". */
	if ((base = strstr(tmp, " (deleted)")))
		tmp[base - tmp] = '\0';
	base = strrchr(tmp, '/');
	snprintf(buf, size, "%s", base ? base + 1 : tmp);
	return 0;
}

/* Occurrences of @needle in the file @path (0 if it cannot be read). */
int tfe_file_count(const char *path, const char *needle)
{
	static char buf[1 << 20];
	ssize_t len;
	int fd, n = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return 0;
	buf[len] = '\0';
	for (const char *p = buf; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* Wait until @path holds at least @count copies of @needle: 0, or -ETIMEDOUT. */
int tfe_file_wait(const char *path, const char *needle, int count, int timeout_ms)
{
	long deadline = now_ms() + timeout_ms;

	while (tfe_file_count(path, needle) < count) {
		if (now_ms() >= deadline) {
			fprintf(stderr, "tfe: %s: no \"%s\" (x%d) after %d ms\n", path, needle,
				count, timeout_ms);
			return -ETIMEDOUT;
		}
		sleep_ms(5);
	}
	return 0;
}

/*
 * Run @bin with @args (NULL-terminated) and @env entries added, stdout and
 * stderr into @out; returns the exit status, 128 + signal if killed.
 */
int tfe_run(const char *bin, const char *const *args, const char *const *env, char *out,
	    size_t size)
{
	int p[2], status = -1;
	size_t n = 0;
	ssize_t r;
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		const char *argv[24] = { bin };
		unsigned int i = 1;

		for (; *args && i < 23; args++)
			argv[i++] = *args;
		for (; env && *env; env++)
			putenv((char *)*env);
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		close(p[1]);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	while (n + 1 < size && (r = read(p[0], out + n, size - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	close(p[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
