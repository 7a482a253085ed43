// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tfe connection: the vhost-user socket, message framing with fd passing,
 * and one function per message kind. Replies are checked strictly: same
 * request id, flags exactly VERSION|REPLY (0x5), exact payload size, no fds.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "tfe.h"

#define REPLY_FLAGS	(VU_VERSION | VU_FLAG_REPLY)

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int tfe_connect(const char *path, int timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int waited = 0;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	for (;;) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int err;

		if (fd < 0)
			return -errno;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		err = errno;
		close(fd);
		if ((err != ENOENT && err != ECONNREFUSED && err != EAGAIN) || waited >= timeout_ms)
			return -err;
		sleep_ms(10);
		waited += 10;
	}
}

struct tfe *tfe_new(int sock, size_t region_size)
{
	struct tfe *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->sock = sock;
	for (unsigned int q = 0; q < VGPIO_NUM_QUEUES; q++) {
		t->vq[q].index = q;
		t->vq[q].kick_fd = -1;
		t->vq[q].call_fd = -1;
		t->masked_call[q] = -1;
		t->qsize[q] = 256;
	}
	if (tfe_mem_init(&t->mem, 2, region_size ? region_size : TFE_REGION_SIZE) < 0) {
		free(t);
		return NULL;
	}
	return t;
}

void tfe_free(struct tfe *t)
{
	if (!t)
		return;
	if (t->sock >= 0)
		close(t->sock);
	for (unsigned int q = 0; q < VGPIO_NUM_QUEUES; q++) {
		tfe_vq_free(&t->vq[q]);
		if (t->masked_call[q] >= 0)
			close(t->masked_call[q]);
	}
	tfe_mem_fini(&t->mem);
	free(t);
}

int tfe_send_raw(int sock, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = send(sock, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int tfe_send(struct tfe *t, uint32_t req, uint32_t flags, const void *payload, uint32_t size,
	     const int *fds, unsigned int nfds)
{
	struct vu_hdr hdr = { .request = req, .flags = flags, .size = size };
	union {
		char buf[CMSG_SPACE(sizeof(int) * VU_MAX_FDS)];
		struct cmsghdr align;
	} cm;
	struct iovec iov[2] = {
		{ .iov_base = &hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = (void *)payload, .iov_len = size },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = size ? 2 : 1 };
	size_t total = sizeof(hdr) + size;
	ssize_t n;

	if (nfds > VU_MAX_FDS)
		return -EINVAL;
	if (nfds) {
		struct cmsghdr *c;

		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	do {
		n = sendmsg(t->sock, &mh, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n < total) {
		/* The fds went with the first byte; push the rest as plain data. */
		uint8_t *tmp = malloc(total);
		int rc;

		if (!tmp)
			return -ENOMEM;
		memcpy(tmp, &hdr, sizeof(hdr));
		if (size)
			memcpy(tmp + sizeof(hdr), payload, size);
		rc = tfe_send_raw(t->sock, tmp + n, total - (size_t)n);
		free(tmp);
		return rc;
	}
	return 0;
}

/* Read exactly @len bytes within the timeout; fds attached to them are an error. */
static int recv_exact(int sock, void *buf, size_t len, int timeout_ms)
{
	uint8_t *p = buf;

	while (len) {
		struct pollfd pfd = { .fd = sock, .events = POLLIN };
		union {
			char buf[CMSG_SPACE(sizeof(int) * VU_MAX_FDS)];
			struct cmsghdr align;
		} cm;
		struct iovec iov = { .iov_base = p, .iov_len = len };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = cm.buf, .msg_controllen = sizeof(cm.buf) };
		int rc = poll(&pfd, 1, timeout_ms);
		ssize_t n;

		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -errno;
		if (rc == 0)
			return -ETIMEDOUT;
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		if (mh.msg_controllen) {
			for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
				size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

				if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
					continue;
				for (size_t i = 0; i < nfd; i++)
					close(((int *)CMSG_DATA(c))[i]);
			}
			fprintf(stderr, "tfe: reply carried file descriptors\n");
			return -EPROTO;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int tfe_recv_reply(struct tfe *t, uint32_t req, void *payload, uint32_t size)
{
	struct vu_hdr hdr;
	int rc = recv_exact(t->sock, &hdr, sizeof(hdr), TFE_TIMEOUT_MS);

	if (rc < 0) {
		fprintf(stderr, "tfe: no reply to request %u: %s\n", req, strerror(-rc));
		return rc;
	}
	if (hdr.request != req || hdr.flags != REPLY_FLAGS || hdr.size != size) {
		fprintf(stderr, "tfe: bad reply to request %u: request %u flags 0x%x size %u "
			"(want flags 0x%x size %u)\n", req, hdr.request, hdr.flags, hdr.size,
			REPLY_FLAGS, size);
		return -EPROTO;
	}
	rc = recv_exact(t->sock, payload, size, TFE_TIMEOUT_MS);
	if (rc < 0)
		fprintf(stderr, "tfe: short reply payload to request %u: %s\n", req,
			strerror(-rc));
	return rc;
}

int tfe_msg_ack(struct tfe *t, uint32_t req, const void *payload, uint32_t size,
		const int *fds, unsigned int nfds, uint64_t *ack)
{
	int rc = tfe_send(t, req, VU_VERSION | VU_FLAG_NEED_REPLY, payload, size, fds, nfds);

	if (rc < 0)
		return rc;
	return tfe_recv_reply(t, req, ack, sizeof(*ack));
}

int tfe_msg(struct tfe *t, uint32_t req, const void *payload, uint32_t size,
	    const int *fds, unsigned int nfds)
{
	uint64_t ack = ~0ull;
	int rc;

	if (req < 64 && (t->need_reply >> req & 1) &&
	    (t->proto & (1ull << VU_PROTOCOL_F_REPLY_ACK))) {
		rc = tfe_msg_ack(t, req, payload, size, fds, nfds, &ack);
		if (rc < 0)
			return rc;
		if (ack != 0) {
			fprintf(stderr, "tfe: request %u acked with %llu\n", req,
				(unsigned long long)ack);
			return -EIO;
		}
		return 0;
	}
	return tfe_send(t, req, VU_VERSION, payload, size, fds, nfds);
}

int tfe_get_u64(struct tfe *t, uint32_t req, uint64_t *val)
{
	int rc = tfe_send(t, req, VU_VERSION, NULL, 0, NULL, 0);

	if (rc < 0)
		return rc;
	return tfe_recv_reply(t, req, val, sizeof(*val));
}

int tfe_set_u64(struct tfe *t, uint32_t req, uint64_t val)
{
	return tfe_msg(t, req, &val, sizeof(val), NULL, 0);
}

int tfe_set_state(struct tfe *t, uint32_t req, uint32_t index, uint32_t num)
{
	struct vu_vring_state st = { .index = index, .num = num };

	return tfe_msg(t, req, &st, sizeof(st), NULL, 0);
}

int tfe_get_vring_base(struct tfe *t, uint32_t index, uint32_t *num)
{
	struct vu_vring_state st = { .index = index, .num = 0 };
	int rc = tfe_send(t, VU_GET_VRING_BASE, VU_VERSION, &st, sizeof(st), NULL, 0);

	if (rc < 0)
		return rc;
	rc = tfe_recv_reply(t, VU_GET_VRING_BASE, &st, sizeof(st));
	if (rc < 0)
		return rc;
	if (st.index != index) {
		fprintf(stderr, "tfe: GET_VRING_BASE reply for ring %u, asked %u\n", st.index,
			index);
		return -EPROTO;
	}
	*num = st.num;
	return 0;
}

/* KICK/CALL: fd < 0 sends the "no fd" flag instead. */
int tfe_set_vring_fd(struct tfe *t, uint32_t req, uint32_t index, int fd)
{
	uint64_t v = index;

	if (fd < 0)
		v |= VU_VRING_NOFD_MASK;
	return tfe_msg(t, req, &v, sizeof(v), fd < 0 ? NULL : &fd, fd < 0 ? 0 : 1);
}

int tfe_set_vring_addr(struct tfe *t, unsigned int q)
{
	struct tfe_vq *vq = &t->vq[q];
	struct vu_vring_addr a = {
		.index = q,
		.desc_user_addr = tfe_gpa_va(&t->mem, vq->desc_gpa),
		.used_user_addr = tfe_gpa_va(&t->mem, vq->used_gpa),
		.avail_user_addr = tfe_gpa_va(&t->mem, vq->avail_gpa),
	};

	return tfe_msg(t, VU_SET_VRING_ADDR, &a, sizeof(a), NULL, 0);
}

int tfe_set_mem_table(struct tfe *t)
{
	struct vu_mem_table mt = { .nregions = t->mem.n };
	int fds[TFE_MAX_REGIONS];

	for (unsigned int i = 0; i < t->mem.n; i++) {
		struct tfe_region *r = &t->mem.r[i];

		mt.regions[i].guest_phys_addr = r->gpa;
		mt.regions[i].memory_size = r->size;
		mt.regions[i].userspace_addr = (uint64_t)(uintptr_t)(r->map + r->offset);
		mt.regions[i].mmap_offset = r->offset;
		fds[i] = r->fd;
	}
	return tfe_msg(t, VU_SET_MEM_TABLE, &mt,
		       VU_MEM_TABLE_HDR_SIZE + t->mem.n * sizeof(struct vu_mem_region),
		       fds, t->mem.n);
}

int tfe_get_config(struct tfe *t, uint32_t offset, uint32_t size, uint32_t flags, void *out)
{
	struct vu_config *c;
	int rc;

	if (size > VU_CONFIG_SPACE_MAX)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->offset = offset;
	c->size = size;
	c->flags = flags;
	rc = tfe_send(t, VU_GET_CONFIG, VU_VERSION, c, VU_CONFIG_HDR_SIZE + size, NULL, 0);
	if (rc == 0)
		rc = tfe_recv_reply(t, VU_GET_CONFIG, c, VU_CONFIG_HDR_SIZE + size);
	if (rc == 0 && (c->offset != offset || c->size != size || c->flags != flags)) {
		fprintf(stderr, "tfe: GET_CONFIG reply offset %u size %u flags %u, "
			"asked %u %u %u\n", c->offset, c->size, c->flags, offset, size, flags);
		rc = -EPROTO;
	}
	if (rc == 0)
		memcpy(out, c->payload, size);
	free(c);
	return rc;
}

/* Wait for the daemon to close the connection; any data first is an error. */
int tfe_wait_eof(int sock, int timeout_ms)
{
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	uint8_t buf[256];
	ssize_t n;
	int rc;

	for (;;) {
		rc = poll(&pfd, 1, timeout_ms);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -errno;
		if (rc == 0)
			return -ETIMEDOUT;
		n = recv(sock, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return 0;
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return -errno;
		return -EPROTO;
	}
}
