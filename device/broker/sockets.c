// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The vhost-user sockets: listening ones for --socket-path, the ones
 * systemd passed (socket activation), or the connected one handed to us
 * with --fd.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include "broker.h"
#include "log.h"

/* Connections queued while a socket's worker runs; QEMU connects only once. */
#define BROKER_BACKLOG	8

/*
 * Is someone listening on the socket file @path? A connection that goes
 * through (or a full backlog: EAGAIN) says yes; ECONNREFUSED says the file
 * is left over from a process that is gone. Returns 1, 0 or -errno.
 */
static int sockets_in_use(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, ret = 0;

	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno == EAGAIN)
		ret = 1;
	else if (errno != ECONNREFUSED)
		ret = -errno;
	close(fd);
	return ret;
}

/* The directory @path would be created in must exist; one line if not. */
static int sockets_check_dir(const char *path)
{
	char copy[BROKER_SOCK_PATH_MAX];
	const char *dir;
	struct stat st;

	snprintf(copy, sizeof(copy), "%s", path);
	dir = dirname(copy);
	if (stat(dir, &st) < 0) {
		int ret = -errno;

		if (ret == -ENOENT)
			log_err("socket path %s: directory %s does not exist", path, dir);
		else
			log_err("socket path %s: directory %s: %s", path, dir, strerror(-ret));
		return ret;
	}
	if (!S_ISDIR(st.st_mode)) {
		log_err("socket path %s: %s is not a directory", path, dir);
		return -ENOTDIR;
	}
	return 0;
}

/*
 * Whether @path can be bound: its directory exists, and it is absent or a
 * socket nobody listens on. Like crosvm, such a stale socket file left by
 * an earlier run is replaced (@remove); but a socket a live process serves
 * (say, a second daemon started by mistake) is never taken away from it,
 * and anything that is not a socket is left alone, in case of a typo.
 * Logs one line naming the path on error.
 */
static int sockets_check_path(const char *path, bool remove)
{
	struct stat st;
	int ret;

	ret = sockets_check_dir(path);
	if (ret < 0)
		return ret;
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		ret = -errno;
		log_err("socket path %s: %s", path, strerror(-ret));
		return ret;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_err("socket path %s exists and is not a socket", path);
		return -EEXIST;
	}
	ret = sockets_in_use(path);
	if (ret == 1) {
		log_err("socket path %s is in use: another process accepts connections on it",
			path);
		return -EADDRINUSE;
	}
	if (ret < 0) {
		log_err("socket path %s: cannot tell whether it is in use: %s", path,
			strerror(-ret));
		return ret;
	}
	if (!remove)
		return 0;
	if (unlink(path) < 0 && errno != ENOENT) {
		ret = -errno;
		log_err("socket path %s: removing the stale socket: %s", path, strerror(-ret));
		return ret;
	}
	log_debug("removed stale socket %s", path);
	return 0;
}

int broker_sockets_check(struct broker *b)
{
	int ret;

	if (b->opts->fd >= 0 || b->opts->listen_fds)
		return 0;
	for (unsigned int i = 0; i < b->nsockets; i++) {
		ret = sockets_check_path(b->sockets[i].label, false);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int sockets_listen_one(struct broker_socket *s)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, ret;

	/* cli.c has checked that every name fits sun_path. */
	memcpy(sa.sun_path, s->label, strlen(s->label) + 1);
	ret = sockets_check_path(s->label, true);
	if (ret < 0)
		return ret;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		ret = -errno;
		log_err("socket path %s: socket: %s", s->label, strerror(-ret));
		return ret;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		log_err("socket path %s: bind: %s", s->label, strerror(-ret));
		goto err_close;
	}
	s->created = true;
	if (listen(fd, BROKER_BACKLOG) < 0) {
		ret = -errno;
		log_err("socket path %s: listen: %s", s->label, strerror(-ret));
		goto err_close;
	}
	s->listen_fd = fd;
	log_info("listening on %s for device %u", s->label, s->index);
	return 0;

err_close:
	close(fd);
	return ret;
}

/* A socket systemd bound for us: only make accept() non-blocking. Not ours to unlink. */
static int sockets_adopt_one(struct broker_socket *s)
{
	int fd = BROKER_LISTEN_FDS_START + (int)s->index;
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		log_err("%s: %s", s->label, strerror(errno));
		return -errno;
	}
	s->listen_fd = fd;
	log_info("listening on %s for device %u (socket passed by systemd)", s->label, s->index);
	return 0;
}

/* Bind and listen on every socket. The caller cleans up on error. */
int broker_sockets_listen(struct broker *b)
{
	int ret;

	for (unsigned int i = 0; i < b->nsockets; i++) {
		if (b->opts->listen_fds)
			ret = sockets_adopt_one(&b->sockets[i]);
		else
			ret = sockets_listen_one(&b->sockets[i]);
		if (ret < 0)
			return ret;
	}
	return 0;
}

void broker_sockets_close(struct broker *b)
{
	for (unsigned int i = 0; i < b->nsockets; i++) {
		struct broker_socket *s = &b->sockets[i];

		if (s->ev) {
			event_free(s->ev);
			s->ev = NULL;
		}
		if (s->listen_fd >= 0) {
			close(s->listen_fd);
			s->listen_fd = -1;
		}
		if (s->created) {
			if (unlink(s->label) < 0 && errno != ENOENT)
				log_warn("socket path %s: unlink: %s", s->label, strerror(errno));
			s->created = false;
		}
	}
}

/*
 * --fd N must be a connected stream socket (vhost-user runs over SOCK_STREAM).
 * Returns 0, or -errno after saying what is wrong with it.
 */
int broker_check_conn_fd(int fd)
{
	int type = 0, listening = 0;
	socklen_t len = sizeof(type);
	struct stat st;

	if (fstat(fd, &st) < 0) {
		log_err("--fd %d: %s", fd, strerror(errno));
		return -EBADF;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_err("--fd %d: not a socket", fd);
		return -ENOTSOCK;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM) {
		log_err("--fd %d: not a stream socket", fd);
		return -EPROTOTYPE;
	}
	len = sizeof(listening);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 && listening) {
		log_err("--fd %d: a listening socket; --fd takes a connected one", fd);
		return -EINVAL;
	}
	return 0;
}

/*
 * sd_listen_fds(3) without libsystemd: LISTEN_PID must be our pid (else the
 * variables were meant for another process and are ignored), LISTEN_FDS
 * counts the fds from 3 on. They must be listening stream sockets
 * (ListenStream= with Accept=no). The variables are removed so that the
 * helper does not see them. Returns 0 with *@n (0: not socket-activated),
 * or -EINVAL with a one-line message in @err.
 */
int broker_listen_fds(unsigned int *n, char *err, size_t errlen)
{
	const char *pid_s = getenv("LISTEN_PID"), *fds_s = getenv("LISTEN_FDS");
	unsigned long pid, fds;
	char *end;

	*n = 0;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (!pid_s || !fds_s)
		return 0;
	errno = 0;
	pid = strtoul(pid_s, &end, 10);
	if (errno || *end || end == pid_s || pid != (unsigned long)getpid())
		return 0;
	errno = 0;
	fds = strtoul(fds_s, &end, 10);
	if (errno || *end || end == fds_s || fds > IPC_MAX_DEVICES) {
		snprintf(err, errlen, "LISTEN_FDS='%s': expected 0 to %d sockets", fds_s,
			 IPC_MAX_DEVICES);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < fds; i++) {
		int fd = BROKER_LISTEN_FDS_START + (int)i, type = 0, domain = 0, listening = 0;
		socklen_t len = sizeof(type);

		/* vhost-user passes fds: only a Unix socket can carry them. */
		if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 ||
		    domain != AF_UNIX ||
		    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM ||
		    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0 || !listening) {
			snprintf(err, errlen, "LISTEN_FDS=%lu: fd %d is not a listening Unix "
				 "stream socket (use ListenStream=/path and Accept=no)", fds, fd);
			return -EINVAL;
		}
		/* Workers and the helper must not inherit them. */
		if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
			snprintf(err, errlen, "LISTEN_FDS: fd %d: %s", fd, strerror(errno));
			return -EINVAL;
		}
	}
	*n = (unsigned int)fds;
	return 0;
}

/* "/run/vhost-user-gpio/vm1.sock (fd 3)": what systemd bound, for logs. */
void broker_activated_label(unsigned int index, char *buf, size_t len)
{
	int fd = BROKER_LISTEN_FDS_START + (int)index;
	struct sockaddr_un sa;
	socklen_t salen = sizeof(sa);
	size_t plen;

	memset(&sa, 0, sizeof(sa));
	if (getsockname(fd, (struct sockaddr *)&sa, &salen) == 0 && sa.sun_family == AF_UNIX &&
	    salen > offsetof(struct sockaddr_un, sun_path) && sa.sun_path[0]) {
		plen = strnlen(sa.sun_path, salen - offsetof(struct sockaddr_un, sun_path));
		snprintf(buf, len, "%.*s (fd %d)", (int)plen, sa.sun_path, fd);
		return;
	}
	snprintf(buf, len, "systemd socket fd %d", fd);
}
