/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Logging shared by the three programs. Lines go to stderr as
 *   2026-11-25T20:30:00.123Z vhost-user-gpio[1234] worker: error: message
 * The role tag ("broker", "worker", "helper") says which process spoke, and
 * the pid is the one the host sees (ps, the broker's "worker 1234 started"),
 * also for the worker and the helper, which are pid 1 in their namespaces.
 *
 * Where a line goes is decided per process by log_init() from what stderr
 * is, so a child (forked worker or exec'd helper) follows its broker:
 *   stderr   the line above, one write() per line;
 *   journal  stderr is systemd's journal stream ($JOURNAL_STREAM): the same
 *            line without the timestamp, prefixed "<N>" with the priority;
 *   syslog   stderr is a datagram socket (--syslog: log_open_syslog() made
 *            it one): one RFC 3164 datagram per line, facility daemon,
 *            "<PRI>Mmm dd hh:mm:ss vhost-user-gpio[PID]: ROLE: LEVEL: msg".
 * Every sink is one write() on fd 2, which every seccomp policy allows and
 * every jail keeps: jailed processes log without connect() or open().
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

enum log_sink { LOG_SINK_STDERR = 0, LOG_SINK_JOURNAL, LOG_SINK_SYSLOG };

/* Where --syslog connects, unless $VUG_SYSLOG_SOCKET names another socket. */
#define LOG_SYSLOG_PATH		"/dev/log"
#define LOG_SYSLOG_ENV		"VUG_SYSLOG_SOCKET"

/*
 * Set the role tag (a static string) and the most verbose level printed,
 * pick the sink from stderr, and note our pid as the host sees it. Call it
 * before any jail: it reads /proc/self and the time zone.
 */
void log_init(const char *role, enum log_level max_level);
/* In a new child (before its jail): new role, and its pid re-read. */
void log_set_role(const char *role);
enum log_level log_get_level(void);
enum log_sink log_get_sink(void);
/* Parse "error", "warn", "info", "debug"; returns -1 if unknown. */
int log_level_parse(const char *name);

/*
 * --syslog: connect a datagram socket to the syslog socket and make it our
 * stderr (fd 2), so that the worker and the helper inherit it. Before any
 * jail. Returns 0, or -errno with a message naming the socket in @err.
 */
int log_open_syslog(char *err, size_t errlen);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...)	log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif /* LOG_H */
