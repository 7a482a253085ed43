// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vhost-user message framing. The peer is untrusted: every length is checked
 * before it is used, fds are received close-on-exec, and no error path leaves
 * a received fd open.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "vu_msg.h"

static const char *const request_names[] = {
	[1] = "GET_FEATURES",
	[2] = "SET_FEATURES",
	[3] = "SET_OWNER",
	[4] = "RESET_OWNER",
	[5] = "SET_MEM_TABLE",
	[6] = "SET_LOG_BASE",
	[7] = "SET_LOG_FD",
	[8] = "SET_VRING_NUM",
	[9] = "SET_VRING_ADDR",
	[10] = "SET_VRING_BASE",
	[11] = "GET_VRING_BASE",
	[12] = "SET_VRING_KICK",
	[13] = "SET_VRING_CALL",
	[14] = "SET_VRING_ERR",
	[15] = "GET_PROTOCOL_FEATURES",
	[16] = "SET_PROTOCOL_FEATURES",
	[17] = "GET_QUEUE_NUM",
	[18] = "SET_VRING_ENABLE",
	[19] = "SEND_RARP",
	[20] = "NET_SET_MTU",
	[21] = "SET_BACKEND_REQ_FD",
	[22] = "IOTLB_MSG",
	[23] = "SET_VRING_ENDIAN",
	[24] = "GET_CONFIG",
	[25] = "SET_CONFIG",
	[26] = "CREATE_CRYPTO_SESSION",
	[27] = "CLOSE_CRYPTO_SESSION",
	[28] = "POSTCOPY_ADVISE",
	[29] = "POSTCOPY_LISTEN",
	[30] = "POSTCOPY_END",
	[31] = "GET_INFLIGHT_FD",
	[32] = "SET_INFLIGHT_FD",
	[33] = "GPU_SET_SOCKET",
	[34] = "RESET_DEVICE",
	[35] = "VRING_KICK",
	[36] = "GET_MAX_MEM_SLOTS",
	[37] = "ADD_MEM_REG",
	[38] = "REM_MEM_REG",
	[39] = "SET_STATUS",
	[40] = "GET_STATUS",
	[41] = "GET_SHARED_OBJECT",
	[42] = "SET_DEVICE_STATE_FD",
	[43] = "CHECK_DEVICE_STATE",
};

const char *vu_request_name(uint32_t request)
{
	if (request < sizeof(request_names) / sizeof(request_names[0]) && request_names[request])
		return request_names[request];
	return "UNKNOWN";
}

void vu_msg_close_fds(struct vu_msg *msg)
{
	for (unsigned int i = 0; i < VU_MAX_FDS; i++) {
		if (i < msg->nfds && msg->fds[i] >= 0)
			close(msg->fds[i]);
		msg->fds[i] = -1;
	}
	msg->nfds = 0;
}

int vu_msg_take_fd(struct vu_msg *msg, unsigned int i)
{
	int fd;

	if (i >= msg->nfds || i >= VU_MAX_FDS)
		return -1;
	fd = msg->fds[i];
	msg->fds[i] = -1;
	return fd;
}

static int check_config(const struct vu_msg *msg)
{
	uint32_t size = msg->hdr.size;

	if (size < VU_CONFIG_HDR_SIZE)
		return -EBADMSG;
	if (msg->p.config.size > VU_CONFIG_SPACE_MAX)
		return -EBADMSG;
	/* 64-bit sum: offset is a full u32 from the peer. */
	if ((uint64_t)msg->p.config.offset + msg->p.config.size > VU_CONFIG_SPACE_MAX)
		return -EBADMSG;
	if (size != VU_CONFIG_HDR_SIZE + msg->p.config.size)
		return -EBADMSG;
	return 0;
}

static int check_mem_table(const struct vu_msg *msg)
{
	uint32_t size = msg->hdr.size;
	uint32_t n;

	if (size < VU_MEM_TABLE_HDR_SIZE)
		return -EBADMSG;
	n = msg->p.mem.nregions;
	if (n < 1 || n > VU_MAX_MEM_REGIONS)
		return -EBADMSG;
	if (size != VU_MEM_TABLE_HDR_SIZE + n * sizeof(struct vu_mem_region))
		return -EBADMSG;
	return 0;
}

int vu_msg_check_size(const struct vu_msg *msg)
{
	uint32_t size = msg->hdr.size;

	if (size > VU_PAYLOAD_MAX)
		return -EBADMSG;

	switch (msg->hdr.request) {
	case VU_GET_FEATURES:
	case VU_GET_PROTOCOL_FEATURES:
	case VU_SET_OWNER:
	case VU_RESET_OWNER:
	case VU_GET_QUEUE_NUM:
		/* No payload, but some front-ends send a zero u64 anyway. */
		return size == 0 || size == sizeof(uint64_t) ? 0 : -EBADMSG;
	case VU_SET_FEATURES:
	case VU_SET_PROTOCOL_FEATURES:
	case VU_SET_VRING_KICK:
	case VU_SET_VRING_CALL:
	case VU_SET_VRING_ERR:
		return size == sizeof(uint64_t) ? 0 : -EBADMSG;
	case VU_SET_LOG_BASE:
		/* QEMU sends the 16-byte log struct {mmap_size, mmap_offset}; the doc says u64. */
		return size == sizeof(uint64_t) || size == 2 * sizeof(uint64_t) ? 0 : -EBADMSG;
	case VU_SET_VRING_NUM:
	case VU_SET_VRING_BASE:
	case VU_SET_VRING_ENABLE:
	case VU_GET_VRING_BASE:
		return size == sizeof(struct vu_vring_state) ? 0 : -EBADMSG;
	case VU_SET_VRING_ADDR:
		return size == sizeof(struct vu_vring_addr) ? 0 : -EBADMSG;
	case VU_SET_MEM_TABLE:
		return check_mem_table(msg);
	case VU_GET_CONFIG:
	case VU_SET_CONFIG:
		return check_config(msg);
	default:
		return 0;
	}
}

/* Move the fds of every SCM_RIGHTS block into @msg; extras are closed. */
static int collect_fds(struct msghdr *mh, struct vu_msg *msg)
{
	int err = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(0))
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (msg->nfds < VU_MAX_FDS) {
				msg->fds[msg->nfds++] = fd;
			} else {
				close(fd);
				err = -EMSGSIZE;
			}
		}
	}
	return err;
}

static int wait_fd(int fd, short events)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	for (;;) {
		int r = poll(&pfd, 1, -1);

		if (r >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

/*
 * Read exactly @len bytes, collecting fds that ride on any part of the
 * message (a header split across segments may carry them on a later one).
 * @got_any says whether bytes of this message were already consumed, which
 * decides between a clean EOF and one inside a message.
 */
static int recv_exact(int sock, void *buf, size_t len, struct vu_msg *msg, bool got_any)
{
	union {
		char buf[CMSG_SPACE(VU_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	size_t done = 0;

	while (done < len) {
		struct iovec iov = { .iov_base = (char *)buf + done, .iov_len = len - done };
		struct msghdr mh = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = cbuf.buf,
			.msg_controllen = sizeof(cbuf.buf),
		};
		ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
		int err;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				/* Nothing of a message yet: let the event loop retry. */
				if (!got_any && done == 0)
					return -EAGAIN;
				err = wait_fd(sock, POLLIN);
				if (err)
					return err;
				continue;
			}
			return -errno;
		}
		err = collect_fds(&mh, msg);
		if (mh.msg_flags & MSG_CTRUNC)
			err = -EMSGSIZE;
		if (err)
			return err;
		if (n == 0)
			return got_any || done ? -EPIPE : -ECONNRESET;
		done += (size_t)n;
	}
	return 0;
}

static int check_hdr(const struct vu_hdr *hdr)
{
	if ((hdr->flags & VU_FLAG_VERSION_MASK) != VU_VERSION)
		return -EBADMSG;
	if (hdr->flags & VU_FLAG_REPLY)
		return -EBADMSG;
	if (hdr->request == 0 || hdr->request >= VU_REQUEST_MAX)
		return -EBADMSG;
	if (hdr->size > VU_PAYLOAD_MAX)
		return -EBADMSG;
	return 0;
}

int vu_msg_recv(int sock, struct vu_msg *msg)
{
	int err;

	msg->nfds = 0;
	for (unsigned int i = 0; i < VU_MAX_FDS; i++)
		msg->fds[i] = -1;
	/* Handlers may read a fixed-size view of a shorter payload: make it zeros. */
	memset(&msg->p, 0, sizeof(msg->p));

	err = recv_exact(sock, &msg->hdr, sizeof(msg->hdr), msg, false);
	if (err)
		goto err_close;
	err = check_hdr(&msg->hdr);
	if (err)
		goto err_close;
	err = recv_exact(sock, msg->p.raw, msg->hdr.size, msg, true);
	if (err)
		goto err_close;
	err = vu_msg_check_size(msg);
	if (err)
		goto err_close;
	return 0;

err_close:
	vu_msg_close_fds(msg);
	return err;
}

int vu_msg_send_reply(int sock, uint32_t request, const void *payload, uint32_t size)
{
	struct vu_hdr hdr = {
		.request = request,
		.flags = VU_VERSION | VU_FLAG_REPLY,
		.size = size,
	};
	struct iovec iov[2] = {
		{ .iov_base = &hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = (void *)payload, .iov_len = size },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = size ? 2 : 1 };

	if (size > VU_PAYLOAD_MAX || (size && !payload))
		return -EINVAL;

	while (mh.msg_iovlen) {
		ssize_t n = sendmsg(sock, &mh, MSG_NOSIGNAL);

		if (n < 0) {
			int err;

			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -errno;
			err = wait_fd(sock, POLLOUT);
			if (err)
				return err;
			continue;
		}
		/* Short write: drop what went out and send the rest. */
		while (mh.msg_iovlen && (size_t)n >= mh.msg_iov->iov_len) {
			n -= (ssize_t)mh.msg_iov->iov_len;
			mh.msg_iov++;
			mh.msg_iovlen--;
		}
		if (mh.msg_iovlen) {
			mh.msg_iov->iov_base = (char *)mh.msg_iov->iov_base + n;
			mh.msg_iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}
