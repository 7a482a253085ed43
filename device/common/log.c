// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Log lines and their sinks (see log.h). Why not glibc's syslog(): after a
 * failed send it closes its socket and calls socket() and connect() again,
 * which the jailed processes' seccomp policies refuse (a restarted syslog
 * daemon would kill every worker with SIGSYS). Here the socket is opened
 * once by the broker and only ever written to.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_TAG			"vhost-user-gpio"
/* RFC 3164 PRI = facility * 8 + severity; LOG_DAEMON is facility 3. */
#define LOG_FACILITY_DAEMON	(3 << 3)
/*
 * A syslog daemon that stops reading would block every process on its
 * next line; after this long the line is dropped instead, so a guest
 * that makes a worker log a lot cannot stall the helper or the broker.
 */
#define LOG_SYSLOG_SEND_TIMEOUT_MS	100

static const char *log_role = "broker";
static enum log_level log_max = LOG_LVL_INFO;
static enum log_sink log_sink = LOG_SINK_STDERR;
static pid_t log_pid_seen;	/* getpid() when log_pid was looked up */
static int log_pid;		/* our pid as the host sees it */

static const char *const log_level_names[] = {
	[LOG_LVL_ERROR] = "error",
	[LOG_LVL_WARN] = "warn",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
};

/* syslog(3) severities: LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG. */
static const int log_severity[] = {
	[LOG_LVL_ERROR] = 3,
	[LOG_LVL_WARN] = 4,
	[LOG_LVL_INFO] = 6,
	[LOG_LVL_DEBUG] = 7,
};

/*
 * getpid() is 1 in the worker's and the helper's pid namespace. The host's
 * procfs, still mounted before the jail, shows the pid the broker and ps
 * see: the "Pid:" line of /proc/self/status is in procfs's namespace.
 * open/read/close only: a worker runs this under the broker's filter,
 * which allows a read-only openat (libcap-ng reads the same file).
 */
static int log_host_pid(pid_t self)
{
	char buf[512], *p;
	ssize_t n;
	int fd, pid;

	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return (int)self;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return (int)self;
	buf[n] = '\0';
	p = strstr(buf, "\nPid:");
	if (!p || sscanf(p + 5, "%d", &pid) != 1 || pid <= 0)
		return (int)self;
	return pid;
}

/*
 * Looked up again whenever getpid() changes, i.e. in a new child before
 * its first line; a jailed process never gets here twice (its pid does
 * not change), so nothing is opened inside a jail.
 */
static int log_current_pid(void)
{
	pid_t self = getpid();

	if (self != log_pid_seen) {
		log_pid_seen = self;
		log_pid = log_host_pid(self);
	}
	return log_pid;
}

/* $JOURNAL_STREAM is "DEV:INODE" of the stream systemd gave us as stderr. */
static bool log_stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!env || sscanf(env, "%llu:%llu", &dev, &ino) != 2)
		return false;
	return fstat(STDERR_FILENO, &st) == 0 && (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

/* Only --syslog makes stderr a datagram socket; a child inherits it. */
static enum log_sink log_detect_sink(void)
{
	int type = 0;
	socklen_t len = sizeof(type);

	if (getsockopt(STDERR_FILENO, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
	    type == SOCK_DGRAM)
		return LOG_SINK_SYSLOG;
	return log_stderr_is_journal() ? LOG_SINK_JOURNAL : LOG_SINK_STDERR;
}

void log_init(const char *role, enum log_level max_level)
{
	log_role = role;
	log_max = max_level;
	log_sink = log_detect_sink();
	log_pid_seen = 0;
	log_current_pid();
	/*
	 * glibc's time conversions, gmtime_r() included, read /etc/localtime
	 * the first time; do it now, before any jail: a jailed process may
	 * not open anything.
	 */
	tzset();
}

void log_set_role(const char *role)
{
	log_role = role;
	log_current_pid();
}

enum log_level log_get_level(void)
{
	return log_max;
}

enum log_sink log_get_sink(void)
{
	return log_sink;
}

int log_level_parse(const char *name)
{
	for (unsigned int i = 0; i < sizeof(log_level_names) / sizeof(log_level_names[0]); i++)
		if (strcmp(name, log_level_names[i]) == 0)
			return (int)i;
	return -1;
}

int log_open_syslog(char *err, size_t errlen)
{
	const struct timeval tmo = { 0, LOG_SYSLOG_SEND_TIMEOUT_MS * 1000 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = getenv(LOG_SYSLOG_ENV);
	int fd, ret;

	if (!path || !*path)
		path = LOG_SYSLOG_PATH;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "--syslog: %s: path too long", path);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "--syslog: socket: %s", strerror(-ret));
		return ret;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		snprintf(err, errlen, "--syslog: %s: %s%s", path, strerror(-ret),
			 ret == -EPROTOTYPE ? " (not a datagram socket)" : "");
		close(fd);
		return ret;
	}
	/* The timeout belongs to the socket, so the children share it. */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tmo, sizeof(tmo));
	/*
	 * dup2() leaves fd 2 without FD_CLOEXEC: the helper inherits it through
	 * exec. A closed stderr may have made the socket fd 2 already.
	 */
	if (fd == STDERR_FILENO) {
		ret = fcntl(fd, F_SETFD, 0) < 0 ? -errno : 0;
	} else {
		ret = dup2(fd, STDERR_FILENO) < 0 ? -errno : 0;
		close(fd);
	}
	if (ret < 0) {
		snprintf(err, errlen, "--syslog: making it stderr: %s", strerror(-ret));
		return ret;
	}
	log_sink = LOG_SINK_SYSLOG;
	return 0;
}

/* The part before the message; returns its length, or -1. */
static int log_prefix(char *line, size_t size, enum log_level level)
{
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int pid = log_current_pid();
	struct timespec ts;
	struct tm tm;

	switch (log_sink) {
	case LOG_SINK_JOURNAL:
		/* journald stamps lines itself and reads the "<N>" priority. */
		return snprintf(line, size, "<%d>" LOG_TAG "[%d] %s: %s: ", log_severity[level],
				pid, log_role, log_level_names[level]);
	case LOG_SINK_SYSLOG:
		/* RFC 3164 stamps in local time; tzset() ran in log_init(). */
		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		return snprintf(line, size, "<%d>%s %2d %02d:%02d:%02d " LOG_TAG "[%d]: %s: %s: ",
				LOG_FACILITY_DAEMON | log_severity[level], months[tm.tm_mon % 12],
				tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, pid, log_role,
				log_level_names[level]);
	case LOG_SINK_STDERR:
		break;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	return snprintf(line, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ " LOG_TAG "[%d] %s: %s: ",
			tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			tm.tm_sec, ts.tv_nsec / 1000000, pid, log_role, log_level_names[level]);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	if (level > log_max)
		return;
	n = log_prefix(line, sizeof(line), level);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	n = (int)strlen(line);
	/* A datagram is one message: no newline, as syslog(3) sends it. */
	if (log_sink != LOG_SINK_SYSLOG) {
		if (n < (int)sizeof(line) - 1)
			line[n++] = '\n';
		else
			line[sizeof(line) - 2] = '\n', n = (int)sizeof(line) - 1;
	}
	/* One write per line, so lines from the three processes never interleave. */
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}
