/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Logging shared by the three programs. Lines go to stderr as
 *   2026-11-25T20:30:00.123Z vhost-user-gpio[1234] worker: error: message
 * The role tag ("broker", "worker", "helper") says which process spoke.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Set the role tag (a static string) and the most verbose level printed. */
void log_init(const char *role, enum log_level max_level);
void log_set_role(const char *role);
enum log_level log_get_level(void);
/* Parse "error", "warn", "info", "debug"; returns -1 if unknown. */
int log_level_parse(const char *name);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...)	log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif /* LOG_H */
