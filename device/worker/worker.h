/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The worker: serves one vhost-user connection. It runs in a process the
 * broker forked for that connection, and talks to the helper over its
 * session channel for every line operation.
 */
#ifndef WORKER_H
#define WORKER_H

struct worker_opts {
	unsigned int device;		/* index in the device list, for logs */
	/*
	 * VUG_TEST_WORKER_PROBE as the broker read it at start-up, or NULL:
	 * run by worker_run() before it serves (sandbox/jail_probe.c).
	 * Tests only; no guest or front-end input reaches it.
	 */
	const char *probe;
	/* The broker's renew channel (wk_renew.c), or -1; closed by worker_run(). */
	int renew_fd;
};

/*
 * Serve @conn_fd (the connected vhost-user socket) with @session_fd (the
 * helper session). Returns the process exit status: 0 when the front-end
 * closed the connection, 1 on a protocol error or a lost helper.
 * Both fds are closed on return.
 */
int worker_run(int conn_fd, int session_fd, const struct worker_opts *opts);

#endif /* WORKER_H */
