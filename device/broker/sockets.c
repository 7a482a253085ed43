// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The vhost-user sockets: listening ones for --socket-path, or the connected
 * one handed to us with --fd.
 */
#include <errno.h>
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
 * Like crosvm, replace a stale socket file left by an earlier run; but refuse
 * to delete anything that is not a socket, in case the path is a typo.
 */
static int sockets_remove_stale(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		log_err("socket path %s exists and is not a socket", path);
		return -EEXIST;
	}
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	log_debug("removed stale socket %s", path);
	return 0;
}

static int sockets_listen_one(struct broker_socket *s)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, ret;

	/* cli.c has checked that every name fits sun_path. */
	memcpy(sa.sun_path, s->label, strlen(s->label) + 1);
	ret = sockets_remove_stale(s->label);
	if (ret < 0) {
		if (ret != -EEXIST)
			log_err("socket path %s: %s", s->label, strerror(-ret));
		return ret;
	}
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

/* Bind and listen on every socket. The caller cleans up on error. */
int broker_sockets_listen(struct broker *b)
{
	int ret;

	for (unsigned int i = 0; i < b->nsockets; i++) {
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
