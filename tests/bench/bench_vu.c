// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vug-bench vhost-user connection: framing with fd passing and the
 * handshake of a QEMU >= 9.0 front-end (GET_FEATURES, protocol features,
 * GET_QUEUE_NUM, SET_OWNER, GET_CONFIG, then SET_FEATURES, SET_MEM_TABLE and
 * NUM/BASE/ADDR/KICK/CALL/ENABLE per ring).
 *
 * It is lenient where back-ends legitimately differ (extra protocol bits,
 * no MQ, no REPLY_ACK) and strict where a wrong answer would make the
 * figures meaningless. With REPLY_ACK every setup message asks for an ack,
 * so a refused ring size is reported at the message that caused it.
 */
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "bench.h"

#define DRIVER_FEATURES	((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_GPIO_F_IRQ) | \
			 (1ull << VIRTIO_F_INDIRECT_DESC))
#define DRIVER_PROTO	((1ull << VU_PROTOCOL_F_MQ) | (1ull << VU_PROTOCOL_F_REPLY_ACK) | \
			 (1ull << VU_PROTOCOL_F_CONFIG))

static const char *const req_names[] = {
	[VU_GET_FEATURES] = "GET_FEATURES", [VU_SET_FEATURES] = "SET_FEATURES",
	[VU_SET_OWNER] = "SET_OWNER", [VU_SET_MEM_TABLE] = "SET_MEM_TABLE",
	[VU_SET_VRING_NUM] = "SET_VRING_NUM", [VU_SET_VRING_ADDR] = "SET_VRING_ADDR",
	[VU_SET_VRING_BASE] = "SET_VRING_BASE", [VU_GET_VRING_BASE] = "GET_VRING_BASE",
	[VU_SET_VRING_KICK] = "SET_VRING_KICK", [VU_SET_VRING_CALL] = "SET_VRING_CALL",
	[VU_GET_PROTOCOL_FEATURES] = "GET_PROTOCOL_FEATURES",
	[VU_SET_PROTOCOL_FEATURES] = "SET_PROTOCOL_FEATURES",
	[VU_GET_QUEUE_NUM] = "GET_QUEUE_NUM", [VU_SET_VRING_ENABLE] = "SET_VRING_ENABLE",
	[VU_GET_CONFIG] = "GET_CONFIG",
};

static const char *req_name(uint32_t req)
{
	if (req < sizeof(req_names) / sizeof(req_names[0]) && req_names[req])
		return req_names[req];
	return "?";
}

int bvu_connect(const char *path, int timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint64_t deadline = bench_now_ns() + (uint64_t)timeout_ms * 1000000u;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	for (;;) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct timespec ts = { 0, 100000 };
		int err;

		if (fd < 0)
			return -errno;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		err = errno;
		close(fd);
		if ((err != ENOENT && err != ECONNREFUSED && err != EAGAIN) ||
		    bench_now_ns() >= deadline)
			return -err;
		/* Short naps: this loop also times the daemon's start-up. */
		nanosleep(&ts, NULL);
	}
}

static int send_msg(struct bconn *c, uint32_t req, uint32_t flags, const void *payload,
		    uint32_t size, const int *fds, unsigned int nfds)
{
	struct vu_hdr hdr = { .request = req, .flags = flags, .size = size };
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} cm;
	struct iovec iov[2] = {
		{ .iov_base = &hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = (void *)payload, .iov_len = size },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = size ? 2 : 1 };
	ssize_t n;

	if (nfds > 4)
		return -EINVAL;
	if (nfds) {
		struct cmsghdr *cmh;

		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cmh = CMSG_FIRSTHDR(&mh);
		cmh->cmsg_level = SOL_SOCKET;
		cmh->cmsg_type = SCM_RIGHTS;
		cmh->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cmh), fds, sizeof(int) * nfds);
	}
	do {
		n = sendmsg(c->sock, &mh, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	/* Messages are small; a unix stream socket takes them whole or not at all. */
	return (size_t)n == sizeof(hdr) + size ? 0 : -EIO;
}

static int recv_exact(struct bconn *c, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		struct pollfd pfd = { .fd = c->sock, .events = POLLIN };
		int rc = poll(&pfd, 1, c->timeout_ms);
		ssize_t n;

		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -errno;
		if (rc == 0)
			return -ETIMEDOUT;
		n = recv(c->sock, p, len, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int recv_reply(struct bconn *c, uint32_t req, void *payload, uint32_t size)
{
	struct vu_hdr hdr;
	int rc = recv_exact(c, &hdr, sizeof(hdr));

	if (rc < 0) {
		fprintf(stderr, "vug-bench: no reply to %s: %s\n", req_name(req), strerror(-rc));
		return rc;
	}
	if (hdr.request != req || !(hdr.flags & VU_FLAG_REPLY) ||
	    (hdr.flags & VU_FLAG_VERSION_MASK) != VU_VERSION || hdr.size != size) {
		fprintf(stderr, "vug-bench: bad reply to %s: request %u flags 0x%x size %u\n",
			req_name(req), hdr.request, hdr.flags, hdr.size);
		return -EPROTO;
	}
	rc = recv_exact(c, payload, size);
	if (rc < 0)
		fprintf(stderr, "vug-bench: short reply to %s: %s\n", req_name(req),
			strerror(-rc));
	return rc;
}

/* A message without a reply of its own; acked when REPLY_ACK was negotiated. */
static int set_msg(struct bconn *c, uint32_t req, const void *payload, uint32_t size,
		   const int *fds, unsigned int nfds)
{
	uint32_t flags = VU_VERSION | (c->reply_ack ? VU_FLAG_NEED_REPLY : 0);
	uint64_t ack = 0;
	int rc = send_msg(c, req, flags, payload, size, fds, nfds);

	if (rc < 0 || !c->reply_ack)
		return rc;
	rc = recv_reply(c, req, &ack, sizeof(ack));
	if (rc == 0 && ack != 0) {
		fprintf(stderr, "vug-bench: back-end refused %s (ack %llu)\n", req_name(req),
			(unsigned long long)ack);
		rc = -EREMOTEIO;
	}
	return rc;
}

int bvu_get_u64(struct bconn *c, uint32_t req, uint64_t *val)
{
	int rc = send_msg(c, req, VU_VERSION, NULL, 0, NULL, 0);

	return rc < 0 ? rc : recv_reply(c, req, val, sizeof(*val));
}

static int set_u64(struct bconn *c, uint32_t req, uint64_t val)
{
	return set_msg(c, req, &val, sizeof(val), NULL, 0);
}

static int set_state(struct bconn *c, uint32_t req, uint32_t index, uint32_t num)
{
	struct vu_vring_state st = { .index = index, .num = num };

	return set_msg(c, req, &st, sizeof(st), NULL, 0);
}

static int set_vring_fd(struct bconn *c, uint32_t req, uint32_t index, int fd)
{
	uint64_t v = index;

	return set_msg(c, req, &v, sizeof(v), &fd, 1);
}

static int read_config(struct bconn *c)
{
	struct {
		uint32_t offset, size, flags;
		struct virtio_gpio_config cfg;
	} __attribute__((packed)) msg = { .offset = 0, .size = sizeof(msg.cfg) };
	int rc = send_msg(c, VU_GET_CONFIG, VU_VERSION, &msg, sizeof(msg), NULL, 0);

	if (rc == 0)
		rc = recv_reply(c, VU_GET_CONFIG, &msg, sizeof(msg));
	if (rc < 0)
		return rc;
	c->ngpio = le16toh(msg.cfg.ngpio);
	c->names_size = le32toh(msg.cfg.gpio_names_size);
	if (c->ngpio == 0) {
		fprintf(stderr, "vug-bench: config space says ngpio 0\n");
		return -EPROTO;
	}
	return 0;
}

static int setup_ring(struct bconn *c, unsigned int q)
{
	struct bvq *vq = &c->vq[q];
	struct vu_vring_addr a = {
		.index = q,
		.desc_user_addr = bring_va(c, vq->desc_gpa),
		.used_user_addr = bring_va(c, vq->used_gpa),
		.avail_user_addr = bring_va(c, vq->avail_gpa),
	};
	int rc;

	rc = set_state(c, VU_SET_VRING_NUM, q, vq->num);
	if (rc == 0)
		rc = set_state(c, VU_SET_VRING_BASE, q, 0);
	if (rc == 0)
		rc = set_msg(c, VU_SET_VRING_ADDR, &a, sizeof(a), NULL, 0);
	if (rc == 0)
		rc = set_vring_fd(c, VU_SET_VRING_KICK, q, vq->kick_fd);
	if (rc == 0)
		rc = set_vring_fd(c, VU_SET_VRING_CALL, q, vq->call_fd);
	if (rc < 0)
		fprintf(stderr, "vug-bench: setting up ring %u (size %u) failed\n", q, vq->num);
	return rc;
}

/* One region: guest physical 0 .. mem_len, the whole memfd. */
static int set_mem_table(struct bconn *c)
{
	struct {
		uint32_t nregions, padding;
		struct vu_mem_region r;
	} mt = { .nregions = 1, .r = {
		.guest_phys_addr = 0, .memory_size = c->mem_len,
		.userspace_addr = (uint64_t)(uintptr_t)c->mem, .mmap_offset = 0 } };

	return set_msg(c, VU_SET_MEM_TABLE, &mt, sizeof(mt), &c->memfd, 1);
}

static size_t ring_bytes(uint16_t num)
{
	return 16u * num + 4096 + (6u + 2u * num) + 4096 + (6u + 8u * num) +
	       (size_t)BENCH_SLOT_SIZE * num + 4096;
}

/*
 * The connection phase: features, protocol features, SET_OWNER, the config
 * space (c->ngpio), SET_FEATURES. The rings are set up by bvu_start_rings().
 */
int bvu_negotiate(struct bconn *c)
{
	uint64_t f, p, nq;
	int rc;

	rc = bvu_get_u64(c, VU_GET_FEATURES, &f);
	if (rc < 0)
		return rc;
	c->dev_features = f;
	if (!(f & (1ull << VIRTIO_F_VERSION_1)))
		fprintf(stderr, "vug-bench: back-end does not offer VERSION_1 (0x%llx)\n",
			(unsigned long long)f);
	if (f & (1ull << VU_F_PROTOCOL_FEATURES)) {
		rc = bvu_get_u64(c, VU_GET_PROTOCOL_FEATURES, &p);
		if (rc < 0)
			return rc;
		c->proto = p & DRIVER_PROTO;
		rc = set_u64(c, VU_SET_PROTOCOL_FEATURES, c->proto);
		if (rc < 0)
			return rc;
		c->reply_ack = c->proto & (1ull << VU_PROTOCOL_F_REPLY_ACK);
		c->has_config = c->proto & (1ull << VU_PROTOCOL_F_CONFIG);
		if (c->proto & (1ull << VU_PROTOCOL_F_MQ)) {
			rc = bvu_get_u64(c, VU_GET_QUEUE_NUM, &nq);
			if (rc < 0)
				return rc;
			if (nq < VGPIO_NUM_QUEUES) {
				fprintf(stderr, "vug-bench: GET_QUEUE_NUM says %llu\n",
					(unsigned long long)nq);
				return -EPROTO;
			}
		}
	}
	rc = set_msg(c, VU_SET_OWNER, NULL, 0, NULL, 0);
	if (rc < 0)
		return rc;
	if (c->has_config) {
		rc = read_config(c);
		if (rc < 0)
			return rc;
	}
	c->acked = (f & DRIVER_FEATURES) | (f & (1ull << VU_F_PROTOCOL_FEATURES));
	c->irq = c->acked & (1ull << VIRTIO_GPIO_F_IRQ);
	c->indirect = c->acked & (1ull << VIRTIO_F_INDIRECT_DESC);
	return set_u64(c, VU_SET_FEATURES, c->acked);
}

/* Memory and rings; @qsize_evt 0 leaves the eventq alone (it is 0 without F_IRQ). */
int bvu_start_rings(struct bconn *c, uint16_t qsize_req, uint16_t qsize_evt)
{
	int rc;

	if (!c->irq)
		qsize_evt = 0;
	rc = bring_mem_init(c, ring_bytes(qsize_req) + (qsize_evt ? ring_bytes(qsize_evt) : 0) +
			    (1u << 20));
	if (rc == 0)
		rc = bring_vq_init(c, VGPIO_QUEUE_REQUEST, qsize_req,
				   sizeof(struct virtio_gpio_request),
				   sizeof(struct virtio_gpio_response));
	if (rc == 0 && qsize_evt)
		rc = bring_vq_init(c, VGPIO_QUEUE_EVENT, qsize_evt, 2, 1);
	if (rc == 0)
		rc = set_mem_table(c);
	for (unsigned int q = 0; rc == 0 && q < VGPIO_NUM_QUEUES; q++)
		if (c->vq[q].num)
			rc = setup_ring(c, q);
	/* Without bit 30, SET_FEATURES already enabled the rings. */
	for (unsigned int q = 0; rc == 0 && q < VGPIO_NUM_QUEUES; q++)
		if (c->vq[q].num && (c->acked & (1ull << VU_F_PROTOCOL_FEATURES)))
			rc = set_state(c, VU_SET_VRING_ENABLE, q, 1);
	for (unsigned int q = 0; rc == 0 && q < VGPIO_NUM_QUEUES; q++)
		c->vq[q].ready = c->vq[q].num != 0;
	return rc;
}

void bvu_init(struct bconn *c, int sock, int timeout_ms)
{
	memset(c, 0, sizeof(*c));
	c->sock = sock;
	c->timeout_ms = timeout_ms;
	c->memfd = -1;
	for (unsigned int q = 0; q < VGPIO_NUM_QUEUES; q++)
		c->vq[q].kick_fd = c->vq[q].call_fd = -1;
}

void bvu_close(struct bconn *c)
{
	if (c->sock >= 0)
		close(c->sock);
	c->sock = -1;
	bring_fini(c);
}
