// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Framing of the broker/worker/helper channels (proto/ipc.h). One message is
 * one SOCK_SEQPACKET datagram: header and payload leave in a single sendmsg,
 * with at most one fd riding along as SCM_RIGHTS, so a message and its fd
 * can never be separated or interleaved with another message.
 *
 * Trust note: everything ipc_recv() returns came from a peer. It checks only
 * the frame (sizes, fd count); ipc_admit() then checks type, length and fds
 * against the receiver's table before any handler looks at the payload.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ipc.h"

/*
 * Room for more fds than we accept, so that a sender passing two or three
 * is seen (and its fds closed) instead of silently truncated by the kernel.
 */
#define IPC_RECV_MAX_FDS	8

int ipc_send(int sock, uint32_t type, const void *payload, uint32_t len, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct ipc_hdr hdr = { .type = type, .len = len };
	struct iovec iov[2] = {
		{ .iov_base = &hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = (void *)payload, .iov_len = len },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
	ssize_t n;

	if (len > IPC_MSG_MAX - sizeof(hdr) || (len && !payload))
		return -EMSGSIZE;
	if (fd >= 0) {
		struct cmsghdr *cm;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	/* SEQPACKET sends are atomic; anything else means a wrong socket type. */
	if ((size_t)n != sizeof(hdr) + len)
		return -EIO;
	return 0;
}

/* Collect the fds of every SCM_RIGHTS record; *foreign says other records came too. */
static int ipc_collect_fds(struct msghdr *mh, int *fds, int max, bool *foreign)
{
	int nfds = 0;

	*foreign = false;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		size_t bytes;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
		    cm->cmsg_len < CMSG_LEN(0)) {
			*foreign = true;
			continue;
		}
		bytes = cm->cmsg_len - CMSG_LEN(0);
		for (size_t off = 0; off + sizeof(int) <= bytes; off += sizeof(int)) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + off, sizeof(int));
			if (nfds < max)
				fds[nfds++] = fd;
			else
				close(fd);	/* cannot happen with our buffer size */
		}
	}
	return nfds;
}

static void ipc_close_fds(const int *fds, int nfds)
{
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
}

int ipc_recv(int sock, struct ipc_msg *msg)
{
	union {
		char buf[CMSG_SPACE(IPC_RECV_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov[2] = {
		{ .iov_base = &msg->hdr, .iov_len = sizeof(msg->hdr) },
		{ .iov_base = msg->payload, .iov_len = sizeof(msg->payload) },
	};
	struct msghdr mh = {
		.msg_iov = iov, .msg_iovlen = 2,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	int fds[IPC_RECV_MAX_FDS];
	bool foreign;
	int nfds;
	ssize_t n;

	msg->fd = -1;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;

	/* fds arrive even with a broken message: take them all so we can close them. */
	nfds = ipc_collect_fds(&mh, fds, IPC_RECV_MAX_FDS, &foreign);
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		ipc_close_fds(fds, nfds);
		return -EMSGSIZE;
	}
	/* A zero-length read on SOCK_SEQPACKET is end of file. */
	if (n == 0 && nfds == 0)
		return -ECONNRESET;
	if ((size_t)n < sizeof(msg->hdr)) {
		ipc_close_fds(fds, nfds);
		memset(&msg->hdr, 0, sizeof(msg->hdr));
		return -EBADMSG;
	}
	/* Credentials or other records were never asked for: refuse them. */
	if (msg->hdr.len != (size_t)n - sizeof(msg->hdr) || nfds > 1 || foreign) {
		ipc_close_fds(fds, nfds);
		return -EBADMSG;
	}
	if (nfds == 1)
		msg->fd = fds[0];
	return 0;
}

int ipc_admit(const struct ipc_msg *msg, const struct ipc_rule *rules, unsigned int nrules)
{
	for (unsigned int i = 0; i < nrules; i++) {
		const struct ipc_rule *r = &rules[i];
		uint32_t len = msg->hdr.len;

		if (r->type != msg->hdr.type)
			continue;
		if (len < r->min_len || len > r->max_len)
			return -EBADMSG;
		if (r->elem && (len < r->fixed || (len - r->fixed) % r->elem))
			return -EBADMSG;
		if ((msg->fd >= 0 ? 1 : 0) != r->nfds)
			return -EBADMSG;
		return 0;
	}
	return -EBADMSG;
}

const char *ipc_type_name(uint32_t type)
{
	static const char *const names[IPC_TYPE_MAX] = {
		[IPC_EVT_HELPER_READY] = "EVT_HELPER_READY",
		[IPC_REQ_SESSION_OPEN] = "REQ_SESSION_OPEN",
		[IPC_ANS_SESSION_OPEN] = "ANS_SESSION_OPEN",
		[IPC_REQ_DEVICE_INFO] = "REQ_DEVICE_INFO",
		[IPC_ANS_DEVICE_INFO] = "ANS_DEVICE_INFO",
		[IPC_REQ_LINE_OPS] = "REQ_LINE_OPS",
		[IPC_ANS_LINE_OPS] = "ANS_LINE_OPS",
		[IPC_EVT_LINE_EDGE] = "EVT_LINE_EDGE",
		[IPC_CONT_DEVICE_INFO] = "CONT_DEVICE_INFO",
		[IPC_EVT_LINE_CAP] = "EVT_LINE_CAP",
		[IPC_REQ_HELPER_SPAWN] = "REQ_HELPER_SPAWN",
		[IPC_ANS_HELPER_SPAWN] = "ANS_HELPER_SPAWN",
		[IPC_EVT_SESSION_RENEW] = "EVT_SESSION_RENEW",
	};

	if (type < IPC_TYPE_MAX && names[type])
		return names[type];
	return "unknown message";
}
