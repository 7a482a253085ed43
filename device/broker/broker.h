/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The broker: starts the helper, listens on the vhost-user sockets and forks
 * one worker per accepted connection, at most one per socket at a time.
 *
 * Internal calls return 0 or -errno and log what went wrong themselves,
 * naming the socket path, option or pid at fault.
 */
#ifndef BROKER_H
#define BROKER_H

#include <stdbool.h>
#include <sys/types.h>

#include "cli.h"
#include "ipc.h"

struct event;
struct event_base;

/* Exit statuses of the broker. */
#define BROKER_EXIT_OK		0
#define BROKER_EXIT_FAILURE	1
#define BROKER_EXIT_CONFIG	2

/*
 * One vhost-user socket (or, with --fd, the one connection we were given)
 * and the worker serving it. If you add a resource here, also release it in
 * broker_sockets_close().
 */
struct broker_socket {
	struct broker *b;
	unsigned int index;		/* device index sent to the helper */
	char label[BROKER_SOCK_PATH_MAX]; /* path, or "fd N", for logs */
	int listen_fd;			/* -1 with --fd */
	bool created;			/* we bound the file: unlink it on exit */
	struct event *ev;		/* accept event; not added while a worker runs */
	pid_t worker;			/* 0 = none */
	int report_fd;			/* the worker's SIGSYS report pipe, -1 = none */
	int renew_fd;			/* our end of the worker's renew channel, -1 = none */
};

struct broker {
	const struct broker_opts *opts;
	char helper_path[4096];
	struct event_base *base;
	int sig_fd;			/* signalfd for SIGCHLD, SIGTERM, SIGINT, SIGHUP */
	struct event *sig_ev;
	int ctl_fd;			/* control channel to the helper, -1 once closed */
	struct event *ctl_ev;
	pid_t helper_pid;		/* 0 once reaped */
	int helper_report_fd;		/* the helper's SIGSYS report pipe, -1 = none */
	bool helper_ready;		/* READY seen: the sim-control socket is ours */
	const char *probe;		/* VUG_TEST_WORKER_PROBE, for the next worker only */
	struct ipc_msg *msg;		/* receive buffer for the control channel */
	unsigned int nsockets;
	struct broker_socket sockets[IPC_MAX_DEVICES];
	bool stopping;			/* no new workers, listeners stay off */
	int exit_code;
	int spawner_fd;			/* channel to the helper spawner, -1 = none */
	int state_fd[IPC_MAX_DEVICES];	/* line-state memfds for helpers (ipc.h), -1 = none */
	unsigned int nstate_fds;
	pid_t spawner_pid;		/* 0 = none */
	unsigned int restarts;		/* helpers started after the first */
};

/* broker.c: the whole life of the broker; returns the process exit status. */
int broker_run(const struct broker_opts *opts);
/* Leave the event loop with @code (the first code set wins). */
void broker_exit(struct broker *b, int code);

/* sockets.c */
int broker_sockets_check(struct broker *b);
int broker_sockets_listen(struct broker *b);
void broker_sockets_close(struct broker *b);
int broker_check_conn_fd(int fd);
int broker_listen_fds(unsigned int *n, char *err, size_t errlen);
void broker_activated_label(unsigned int index, char *buf, size_t len);

/* helper_spawn.c */
int broker_helper_path(struct broker *b);
int broker_helper_start(struct broker *b);
int broker_helper_wait_ready(struct broker *b);
int broker_session_open(struct broker *b, unsigned int device, int *session_fd);
void broker_helper_on_ctl(int fd, short what, void *arg);
void broker_helper_gone(struct broker *b, pid_t pid, int status);
void broker_helper_fail(struct broker *b, const char *why);
void broker_helper_stop(struct broker *b);
int broker_wait_pid(pid_t pid, int timeout_ms, int *status);
/* In a new child: exec the helper with @ctl and @report as its channel fds. */
void __attribute__((noreturn)) broker_helper_exec(struct broker *b, int ctl, int report);

/* spawner.c */
/* One line-state memfd per device for the helpers; none with --helper-restarts 0. */
int broker_state_create(struct broker *b);
void broker_state_close(struct broker *b);
/* Before the broker jails itself; nothing happens with --helper-restarts 0. */
int broker_spawner_start(struct broker *b);
void broker_spawner_stop(struct broker *b);
/* The helper died: start a new one if allowed. true: serving again (or exiting on SIGTERM). */
bool broker_helper_restart(struct broker *b);

/* supervise.c */
int broker_worker_spawn(struct broker_socket *s, int conn_fd, int session_fd);
/* After a helper restart: a session with the new helper for every live worker. */
void broker_workers_renew(struct broker *b);
void broker_reap(struct broker *b);
void broker_workers_stop(struct broker *b);
void broker_describe_status(int status, char *buf, size_t len);
/* Like broker_describe_status(), naming the syscall seccomp refused if @report_fd says. */
void broker_describe_death(int report_fd, const char *policy, int status, char *buf,
			   size_t len);

/* child.c: run in a freshly forked child, before exec or worker_run. */
void broker_child_reset_signals(void);
int broker_child_close_fds(const int *keep, unsigned int nkeep);

#endif /* BROKER_H */
