// SPDX-License-Identifier: GPL-2.0-or-later
/* vhost-user framing: crafted bytes and fds over a socketpair. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../harness.h"
#include "vu_msg.h"

static struct vu_msg msg;

static void pair(int sp[2])
{
	int r = socketpair(AF_UNIX, SOCK_STREAM, 0, sp);

	CHECK_EQ(r, 0);
}

static void close_pair(int sp[2])
{
	close(sp[0]);
	close(sp[1]);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static int fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* Send @len bytes with @nfds fds in one SCM_RIGHTS block. */
static void send_raw(int sock, const void *buf, size_t len, const int *fds, unsigned int nfds)
{
	char cbuf[CMSG_SPACE(64 * sizeof(int))];
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	memset(cbuf, 0, sizeof(cbuf));
	if (nfds) {
		struct cmsghdr *c;

		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	CHECK_EQ(n, (ssize_t)len);
}

/* Header + payload in one buffer; without @p only the header (for rejected sizes). */
static size_t build(uint8_t *buf, uint32_t req, uint32_t flags, const void *p, uint32_t size)
{
	struct vu_hdr h = { .request = req, .flags = flags, .size = size };

	memcpy(buf, &h, sizeof(h));
	if (!p)
		return sizeof(h);
	memcpy(buf + sizeof(h), p, size);
	return sizeof(h) + size;
}

/* Send one message and receive it on the other end of a fresh pair. */
static int roundtrip(uint32_t req, uint32_t flags, const void *p, uint32_t size,
		     const int *fds, unsigned int nfds)
{
	static uint8_t buf[sizeof(struct vu_hdr) + VU_PAYLOAD_MAX + 64];
	int sp[2], r;

	pair(sp);
	send_raw(sp[0], buf, build(buf, req, flags, p, size), fds, nfds);
	/* A receiver waiting for bytes that never come sees EOF instead of hanging. */
	shutdown(sp[0], SHUT_WR);
	r = vu_msg_recv(sp[1], &msg);
	close_pair(sp);
	return r;
}

static void make_efds(int *fds, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		fds[i] = eventfd(0, EFD_CLOEXEC);
		CHECK(fds[i] >= 0);
	}
}

static void close_all(int *fds, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		close(fds[i]);
}

static void test_no_payload(void)
{
	uint64_t zero = 0;

	CHECK_EQ(roundtrip(VU_GET_FEATURES, 1, NULL, 0, NULL, 0), 0);
	CHECK_EQ(msg.hdr.request, VU_GET_FEATURES);
	CHECK_EQ(msg.hdr.size, 0);
	CHECK_EQ(msg.nfds, 0);
	CHECK_EQ(msg.p.u64, 0);
	CHECK_EQ(roundtrip(VU_GET_PROTOCOL_FEATURES, 1, &zero, 8, NULL, 0), 0);
	CHECK_EQ(roundtrip(VU_SET_OWNER, 1, NULL, 0, NULL, 0), 0);
	CHECK_EQ(roundtrip(VU_RESET_OWNER, 1, &zero, 8, NULL, 0), 0);
	CHECK_EQ(roundtrip(VU_GET_QUEUE_NUM, 1, &zero, 4, NULL, 0), -EBADMSG);
	/* NEED_REPLY is a request flag and is accepted. */
	CHECK_EQ(roundtrip(VU_GET_QUEUE_NUM, 0x9, NULL, 0, NULL, 0), 0);
	CHECK_EQ(msg.hdr.flags, 0x9);
}

static void test_u64(void)
{
	uint64_t two[2] = { 0x1122334455667788ull, 0 };
	uint64_t v = two[0];

	CHECK_EQ(roundtrip(VU_SET_FEATURES, 1, &v, 8, NULL, 0), 0);
	CHECK_EQ(msg.p.u64, v);
	CHECK_EQ(roundtrip(VU_SET_PROTOCOL_FEATURES, 1, &v, 8, NULL, 0), 0);
	CHECK_EQ(roundtrip(VU_SET_FEATURES, 1, &v, 4, NULL, 0), -EBADMSG);
	CHECK_EQ(roundtrip(VU_SET_FEATURES, 1, NULL, 0, NULL, 0), -EBADMSG);
	CHECK_EQ(roundtrip(VU_SET_LOG_BASE, 1, &v, 8, NULL, 0), 0);
	CHECK_EQ(roundtrip(VU_SET_VRING_CALL, 1, &v, 8, NULL, 0), 0);
	CHECK_EQ(roundtrip(VU_SET_VRING_ERR, 1, two, 16, NULL, 0), -EBADMSG);
	CHECK_EQ(roundtrip(VU_SET_LOG_BASE, 1, two, 16, NULL, 0), 0);
}

static void test_kick_fd(void)
{
	uint64_t idx = 1;
	int efd, fd, sp[2];
	uint8_t buf[64];

	make_efds(&efd, 1);
	pair(sp);
	send_raw(sp[0], buf, build(buf, VU_SET_VRING_KICK, 1, &idx, 8), &efd, 1);
	close(efd);
	CHECK_EQ(vu_msg_recv(sp[1], &msg), 0);
	CHECK_EQ(msg.p.u64, 1);
	CHECK_EQ(msg.nfds, 1);
	CHECK(fd_open(msg.fds[0]));
	CHECK(fcntl(msg.fds[0], F_GETFD) & FD_CLOEXEC);
	fd = vu_msg_take_fd(&msg, 0);
	CHECK(fd >= 0);
	CHECK_EQ(msg.fds[0], -1);
	CHECK_EQ(vu_msg_take_fd(&msg, 0), -1);
	CHECK_EQ(vu_msg_take_fd(&msg, 1), -1);
	CHECK_EQ(vu_msg_take_fd(&msg, 1000), -1);
	vu_msg_close_fds(&msg);
	CHECK(fd_open(fd));
	close(fd);
	close_pair(sp);
}

static void test_vring(void)
{
	struct vu_vring_state st = { .index = 1, .num = 64 };
	struct vu_vring_addr a = {
		.index = 1, .desc_user_addr = 0x1000, .used_user_addr = 0x2000,
		.avail_user_addr = 0x3000, .log_guest_addr = 0x4000,
	};

	CHECK_EQ(roundtrip(VU_SET_VRING_NUM, 1, &st, 8, NULL, 0), 0);
	CHECK_EQ(msg.p.state.index, 1);
	CHECK_EQ(msg.p.state.num, 64);
	CHECK_EQ(roundtrip(VU_SET_VRING_BASE, 1, &st, 8, NULL, 0), 0);
	CHECK_EQ(roundtrip(VU_GET_VRING_BASE, 1, &st, 8, NULL, 0), 0);
	CHECK_EQ(roundtrip(VU_SET_VRING_ENABLE, 1, &st, 8, NULL, 0), 0);
	CHECK_EQ(roundtrip(VU_SET_VRING_ENABLE, 1, &st, 4, NULL, 0), -EBADMSG);
	CHECK_EQ(roundtrip(VU_SET_VRING_ADDR, 1, &a, 40, NULL, 0), 0);
	CHECK_EQ(msg.p.addr.desc_user_addr, 0x1000);
	CHECK_EQ(msg.p.addr.used_user_addr, 0x2000);
	CHECK_EQ(msg.p.addr.avail_user_addr, 0x3000);
	CHECK_EQ(roundtrip(VU_SET_VRING_ADDR, 1, &a, 32, NULL, 0), -EBADMSG);
}

static void test_mem_table(void)
{
	/* Room for a 33-region table, one more than the struct holds. */
	static union {
		struct vu_mem_table t;
		uint8_t raw[VU_PAYLOAD_MAX];
	} u;
	struct vu_mem_table *tp = &u.t;
	int fds[2];

	memset(&u, 0, sizeof(u));
	tp->nregions = 2;
	tp->regions[1].memory_size = 0x1000;
	make_efds(fds, 2);
	CHECK_EQ(roundtrip(VU_SET_MEM_TABLE, 1, tp, 8 + 2 * 32, fds, 2), 0);
	close_all(fds, 2);
	CHECK_EQ(msg.p.mem.nregions, 2);
	CHECK_EQ(msg.p.mem.regions[1].memory_size, 0x1000);
	CHECK_EQ(msg.nfds, 2);
	CHECK(fd_open(msg.fds[0]) && fd_open(msg.fds[1]));
	vu_msg_close_fds(&msg);
	CHECK_EQ(msg.nfds, 0);
	CHECK_EQ(msg.fds[0], -1);

	tp->nregions = 0;
	CHECK_EQ(roundtrip(VU_SET_MEM_TABLE, 1, tp, 8, NULL, 0), -EBADMSG);
	tp->nregions = 33;
	CHECK_EQ(roundtrip(VU_SET_MEM_TABLE, 1, tp, 8 + 33 * 32, NULL, 0), -EBADMSG);
	tp->nregions = 32;
	CHECK_EQ(roundtrip(VU_SET_MEM_TABLE, 1, tp, 8 + 32 * 32, NULL, 0), 0);
	tp->nregions = 2;
	CHECK_EQ(roundtrip(VU_SET_MEM_TABLE, 1, tp, 8 + 32, NULL, 0), -EBADMSG);
	CHECK_EQ(roundtrip(VU_SET_MEM_TABLE, 1, tp, 8 + 3 * 32, NULL, 0), -EBADMSG);
	CHECK_EQ(roundtrip(VU_SET_MEM_TABLE, 1, tp, 4, NULL, 0), -EBADMSG);
	CHECK_EQ(roundtrip(VU_SET_MEM_TABLE, 1, tp, 0, NULL, 0), -EBADMSG);
	/* Huge nregions must not wrap the size computation. */
	tp->nregions = 0x08000000;
	CHECK_EQ(roundtrip(VU_SET_MEM_TABLE, 1, tp, 8, NULL, 0), -EBADMSG);
}

static void test_config(void)
{
	static struct vu_config c;

	memset(&c, 0, sizeof(c));
	c.offset = 0;
	c.size = 8;
	CHECK_EQ(roundtrip(VU_GET_CONFIG, 1, &c, 12 + 8, NULL, 0), 0);
	CHECK_EQ(msg.p.config.size, 8);
	CHECK_EQ(roundtrip(VU_GET_CONFIG, 1, &c, 12 + 4, NULL, 0), -EBADMSG);
	CHECK_EQ(roundtrip(VU_SET_CONFIG, 1, &c, 12 + 8, NULL, 0), 0);
	CHECK_EQ(roundtrip(VU_GET_CONFIG, 1, &c, 8, NULL, 0), -EBADMSG);
	c.size = 0;
	CHECK_EQ(roundtrip(VU_GET_CONFIG, 1, &c, 12, NULL, 0), 0);
	c.size = VU_CONFIG_SPACE_MAX;
	CHECK_EQ(roundtrip(VU_GET_CONFIG, 1, &c, 12 + VU_CONFIG_SPACE_MAX, NULL, 0), 0);
	c.size = VU_CONFIG_SPACE_MAX + 1;
	CHECK_EQ(roundtrip(VU_GET_CONFIG, 1, &c, 12 + VU_CONFIG_SPACE_MAX, NULL, 0), -EBADMSG);
	c.offset = 0xff8;
	c.size = 8;
	CHECK_EQ(roundtrip(VU_GET_CONFIG, 1, &c, 12 + 8, NULL, 0), 0);
	c.offset = 0xff9;
	CHECK_EQ(roundtrip(VU_GET_CONFIG, 1, &c, 12 + 8, NULL, 0), -EBADMSG);
	c.offset = 0xfffffff0;
	c.size = 0x20;
	CHECK_EQ(roundtrip(VU_SET_CONFIG, 1, &c, 12 + 0x20, NULL, 0), -EBADMSG);
}

static void test_header_checks(void)
{
	uint64_t v = 0;

	CHECK_EQ(roundtrip(VU_GET_FEATURES, 0x0, NULL, 0, NULL, 0), -EBADMSG);
	CHECK_EQ(roundtrip(VU_GET_FEATURES, 0x2, NULL, 0, NULL, 0), -EBADMSG);
	CHECK_EQ(roundtrip(VU_GET_FEATURES, 0x3, NULL, 0, NULL, 0), -EBADMSG);
	CHECK_EQ(roundtrip(VU_GET_FEATURES, 0x5, NULL, 0, NULL, 0), -EBADMSG);
	CHECK_EQ(roundtrip(0, 1, NULL, 0, NULL, 0), -EBADMSG);
	CHECK_EQ(roundtrip(VU_REQUEST_MAX, 1, NULL, 0, NULL, 0), -EBADMSG);
	CHECK_EQ(roundtrip(0xffffffff, 1, NULL, 0, NULL, 0), -EBADMSG);
	/* Unknown ids below the maximum pass framing; the worker rejects them. */
	CHECK_EQ(roundtrip(40, 1, &v, 8, NULL, 0), 0);
	CHECK_EQ(msg.hdr.request, 40);
	CHECK_EQ(roundtrip(63, 1, NULL, 0, NULL, 0), 0);
	CHECK_EQ(roundtrip(50, 1, NULL, VU_PAYLOAD_MAX + 1, NULL, 0), -EBADMSG);
	CHECK_EQ(roundtrip(VU_SET_FEATURES, 1, NULL, 0x2000, NULL, 0), -EBADMSG);
}

static void test_eof(void)
{
	uint8_t buf[64];
	uint64_t v = 7;
	int sp[2];

	pair(sp);
	shutdown(sp[0], SHUT_WR);
	CHECK_EQ(vu_msg_recv(sp[1], &msg), -ECONNRESET);
	close_pair(sp);

	pair(sp);
	build(buf, VU_SET_FEATURES, 1, &v, 8);
	send_raw(sp[0], buf, 5, NULL, 0);
	shutdown(sp[0], SHUT_WR);
	CHECK_EQ(vu_msg_recv(sp[1], &msg), -EPIPE);
	close_pair(sp);

	/* Full header, short payload. */
	pair(sp);
	send_raw(sp[0], buf, 12 + 3, NULL, 0);
	shutdown(sp[0], SHUT_WR);
	CHECK_EQ(vu_msg_recv(sp[1], &msg), -EPIPE);
	close_pair(sp);

	/* A complete message, then a clean EOF. */
	pair(sp);
	send_raw(sp[0], buf, 12 + 8, NULL, 0);
	shutdown(sp[0], SHUT_WR);
	CHECK_EQ(vu_msg_recv(sp[1], &msg), 0);
	CHECK_EQ(vu_msg_recv(sp[1], &msg), -ECONNRESET);
	close_pair(sp);
}

static void test_back_to_back(void)
{
	uint8_t buf[128];
	uint64_t a = 1, b = 2;
	size_t n;
	int sp[2];

	pair(sp);
	n = build(buf, VU_SET_FEATURES, 1, &a, 8);
	n += build(buf + n, VU_SET_PROTOCOL_FEATURES, 1, &b, 8);
	n += build(buf + n, VU_GET_FEATURES, 1, NULL, 0);
	send_raw(sp[0], buf, n, NULL, 0);
	CHECK_EQ(vu_msg_recv(sp[1], &msg), 0);
	CHECK_EQ(msg.hdr.request, VU_SET_FEATURES);
	CHECK_EQ(msg.p.u64, 1);
	CHECK_EQ(vu_msg_recv(sp[1], &msg), 0);
	CHECK_EQ(msg.hdr.request, VU_SET_PROTOCOL_FEATURES);
	CHECK_EQ(msg.p.u64, 2);
	CHECK_EQ(vu_msg_recv(sp[1], &msg), 0);
	CHECK_EQ(msg.hdr.request, VU_GET_FEATURES);
	CHECK_EQ(msg.p.u64, 0);
	close_pair(sp);
}

static void test_split_header_fds(void)
{
	uint8_t buf[64];
	uint64_t v = 3;
	int fds[3], sp[2];

	/* fds on the first fragment of the header. */
	make_efds(fds, 3);
	pair(sp);
	build(buf, VU_SET_VRING_CALL, 1, &v, 8);
	send_raw(sp[0], buf, 4, fds, 2);
	send_raw(sp[0], buf + 4, 16, NULL, 0);
	CHECK_EQ(vu_msg_recv(sp[1], &msg), 0);
	CHECK_EQ(msg.nfds, 2);
	CHECK(fd_open(msg.fds[0]) && fd_open(msg.fds[1]));
	vu_msg_close_fds(&msg);

	/* fds on a later fragment, and on two fragments. */
	send_raw(sp[0], buf, 4, NULL, 0);
	send_raw(sp[0], buf + 4, 16, fds, 1);
	CHECK_EQ(vu_msg_recv(sp[1], &msg), 0);
	CHECK_EQ(msg.nfds, 1);
	vu_msg_close_fds(&msg);

	send_raw(sp[0], buf, 7, fds, 1);
	send_raw(sp[0], buf + 7, 13, fds + 1, 2);
	CHECK_EQ(vu_msg_recv(sp[1], &msg), 0);
	CHECK_EQ(msg.nfds, 3);
	CHECK_EQ(msg.p.u64, 3);
	vu_msg_close_fds(&msg);
	close_all(fds, 3);
	close_pair(sp);
}

static void test_rejected_fds_closed(void)
{
	uint8_t buf[64];
	uint64_t v = 0;
	int fds[4], sp[2], before;

	pair(sp);
	make_efds(fds, 4);
	send_raw(sp[0], buf, build(buf, VU_SET_FEATURES, 0x5, &v, 8), fds, 4);
	close_all(fds, 4);
	before = count_fds();
	CHECK_EQ(vu_msg_recv(sp[1], &msg), -EBADMSG);
	CHECK_EQ(msg.nfds, 0);
	CHECK_EQ(count_fds(), before);
	close_pair(sp);

	/* Size mismatch is only seen after the payload: fds must go then too. */
	pair(sp);
	make_efds(fds, 4);
	send_raw(sp[0], buf, build(buf, VU_SET_FEATURES, 1, &v, 4), fds, 4);
	close_all(fds, 4);
	before = count_fds();
	CHECK_EQ(vu_msg_recv(sp[1], &msg), -EBADMSG);
	CHECK_EQ(count_fds(), before);
	close_pair(sp);

	/* EOF inside the payload after fds arrived. */
	pair(sp);
	make_efds(fds, 2);
	send_raw(sp[0], buf, build(buf, VU_SET_FEATURES, 1, &v, 8) - 4, fds, 2);
	close_all(fds, 2);
	shutdown(sp[0], SHUT_WR);
	before = count_fds();
	CHECK_EQ(vu_msg_recv(sp[1], &msg), -EPIPE);
	CHECK_EQ(count_fds(), before);
	close_pair(sp);
}

static void test_too_many_fds(void)
{
	uint8_t buf[64];
	uint64_t v = 0;
	int fds[40], sp[2], before;

	pair(sp);
	make_efds(fds, 40);
	send_raw(sp[0], buf, build(buf, VU_SET_VRING_KICK, 1, &v, 8), fds, 40);
	close_all(fds, 40);
	before = count_fds();
	CHECK_EQ(vu_msg_recv(sp[1], &msg), -EMSGSIZE);
	CHECK_EQ(msg.nfds, 0);
	CHECK_EQ(count_fds(), before);
	close_pair(sp);

	/* 32 in the header plus more in the payload also overflows. */
	pair(sp);
	make_efds(fds, 40);
	build(buf, VU_SET_VRING_KICK, 1, &v, 8);
	send_raw(sp[0], buf, 12, fds, VU_MAX_FDS);
	send_raw(sp[0], buf + 12, 8, fds + VU_MAX_FDS, 3);
	close_all(fds, 40);
	before = count_fds();
	CHECK_EQ(vu_msg_recv(sp[1], &msg), -EMSGSIZE);
	CHECK_EQ(count_fds(), before);
	close_pair(sp);
}

static void test_nonblocking_empty(void)
{
	int sp[2];

	pair(sp);
	CHECK_EQ(fcntl(sp[1], F_SETFL, O_NONBLOCK), 0);
	CHECK_EQ(vu_msg_recv(sp[1], &msg), -EAGAIN);
	close_pair(sp);
}

static void test_reply(void)
{
	uint8_t raw[64], payload[20];
	struct vu_hdr h;
	uint64_t v = 0xabcdef;
	int sp[2];

	for (unsigned int i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7);
	pair(sp);
	CHECK_EQ(vu_msg_send_reply(sp[0], VU_GET_CONFIG, payload, sizeof(payload)), 0);
	CHECK_EQ(read(sp[1], raw, sizeof(raw)), 12 + (ssize_t)sizeof(payload));
	memcpy(&h, raw, sizeof(h));
	CHECK_EQ(h.request, VU_GET_CONFIG);
	CHECK_EQ(h.flags, 0x5);
	CHECK_EQ(h.size, sizeof(payload));
	CHECK(memcmp(raw + 12, payload, sizeof(payload)) == 0);

	CHECK_EQ(vu_msg_send_reply(sp[0], VU_GET_FEATURES, &v, 8), 0);
	CHECK_EQ(read(sp[1], raw, sizeof(raw)), 20);
	memcpy(&h, raw, sizeof(h));
	CHECK_EQ(h.request, VU_GET_FEATURES);
	CHECK_EQ(h.flags, VU_VERSION | VU_FLAG_REPLY);
	CHECK(memcmp(raw + 12, &v, 8) == 0);

	CHECK_EQ(vu_msg_send_reply(sp[0], VU_SET_OWNER, NULL, 0), 0);
	CHECK_EQ(read(sp[1], raw, sizeof(raw)), 12);
	CHECK_EQ(vu_msg_send_reply(sp[0], 1, NULL, 8), -EINVAL);
	CHECK_EQ(vu_msg_send_reply(sp[0], 1, payload, VU_PAYLOAD_MAX + 1), -EINVAL);

	/* Peer gone: an error, not SIGPIPE. */
	close(sp[1]);
	CHECK_EQ(vu_msg_send_reply(sp[0], 1, &v, 8), -EPIPE);
	close(sp[0]);
}

static void test_check_size_direct(void)
{
	static struct vu_msg m;

	memset(&m, 0, sizeof(m));
	m.hdr.request = VU_SET_LOG_BASE;
	m.hdr.size = 16;
	CHECK_EQ(vu_msg_check_size(&m), 0);
	m.hdr.size = 12;
	CHECK_EQ(vu_msg_check_size(&m), -EBADMSG);
	m.hdr.request = 40;
	m.hdr.size = VU_PAYLOAD_MAX;
	CHECK_EQ(vu_msg_check_size(&m), 0);
	m.hdr.size = VU_PAYLOAD_MAX + 1;
	CHECK_EQ(vu_msg_check_size(&m), -EBADMSG);
	m.hdr.request = VU_GET_CONFIG;
	m.hdr.size = 0xffffffff;
	CHECK_EQ(vu_msg_check_size(&m), -EBADMSG);
}

static void test_names(void)
{
	CHECK(strcmp(vu_request_name(VU_GET_FEATURES), "GET_FEATURES") == 0);
	CHECK(strcmp(vu_request_name(VU_SET_MEM_TABLE), "SET_MEM_TABLE") == 0);
	CHECK(strcmp(vu_request_name(VU_GET_CONFIG), "GET_CONFIG") == 0);
	CHECK(strcmp(vu_request_name(VU_SET_VRING_ENABLE), "SET_VRING_ENABLE") == 0);
	CHECK(strcmp(vu_request_name(43), "CHECK_DEVICE_STATE") == 0);
	CHECK(strcmp(vu_request_name(0), "UNKNOWN") == 0);
	CHECK(strcmp(vu_request_name(44), "UNKNOWN") == 0);
	CHECK(strcmp(vu_request_name(0xffffffff), "UNKNOWN") == 0);
	for (uint32_t i = 1; i <= 43; i++)
		CHECK(strcmp(vu_request_name(i), "UNKNOWN") != 0);
}

TEST_MAIN(TEST_CASE(test_no_payload), TEST_CASE(test_u64), TEST_CASE(test_kick_fd),
	  TEST_CASE(test_vring), TEST_CASE(test_mem_table), TEST_CASE(test_config),
	  TEST_CASE(test_header_checks), TEST_CASE(test_eof), TEST_CASE(test_back_to_back),
	  TEST_CASE(test_split_header_fds), TEST_CASE(test_rejected_fds_closed),
	  TEST_CASE(test_too_many_fds), TEST_CASE(test_nonblocking_empty),
	  TEST_CASE(test_reply), TEST_CASE(test_check_size_direct), TEST_CASE(test_names))
