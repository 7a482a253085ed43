// SPDX-License-Identifier: GPL-2.0-or-later
/* proto/ipc.c: SEQPACKET framing, fd passing, malformed datagrams, admission. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../harness.h"
#include "ipc.h"

static struct ipc_msg msg;	/* 64 KiB: keep it off the stack */

static void pair(int sv[2])
{
	int ret = socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv);

	CHECK_EQ(ret, 0);
}

/* Send raw bytes with @nfds fds attached, bypassing ipc_send's checks. */
static ssize_t raw_send(int sock, const void *buf, size_t len, const int *fds, int nfds)
{
	union {
		char buf[CMSG_SPACE(16 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nfds) {
		struct cmsghdr *cm;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL);
}

/* True when every write end of the pipe is closed (the read end sees EOF). */
static int pipe_writers_gone(int rfd)
{
	struct pollfd p = { .fd = rfd, .events = POLLIN };
	char c;

	if (poll(&p, 1, 1000) != 1)
		return 0;
	return read(rfd, &c, 1) == 0;
}

static int nonblock(int fd)
{
	return fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static void test_round_trip(void)
{
	struct ipc_line_op ops[3] = {
		{ .tag = 7, .op = IPC_OP_GET_VALUE, .line = 2 },
		{ .tag = 8, .op = IPC_OP_SET_VALUE, .line = 3, .value = 1 },
		{ .tag = 9, .op = IPC_OP_SET_IRQ_TYPE, .line = 65535, .value = 8 },
	};
	int sv[2];

	pair(sv);
	CHECK_EQ(ipc_send(sv[0], IPC_REQ_LINE_OPS, ops, sizeof(ops), -1), 0);
	memset(&msg, 0xaa, sizeof(msg));
	CHECK_EQ(ipc_recv(sv[1], &msg), 0);
	CHECK_EQ(msg.hdr.type, IPC_REQ_LINE_OPS);
	CHECK_EQ(msg.hdr.len, sizeof(ops));
	CHECK_EQ(msg.fd, -1);
	CHECK(memcmp(msg.payload, ops, sizeof(ops)) == 0);

	/* empty payload, NULL pointer allowed */
	CHECK_EQ(ipc_send(sv[1], IPC_REQ_DEVICE_INFO, NULL, 0, -1), 0);
	CHECK_EQ(ipc_recv(sv[0], &msg), 0);
	CHECK_EQ(msg.hdr.type, IPC_REQ_DEVICE_INFO);
	CHECK_EQ(msg.hdr.len, 0);

	/* two messages stay two messages */
	CHECK_EQ(ipc_send(sv[0], IPC_EVT_LINE_EDGE, "abcdefghijklmnop", 16, -1), 0);
	CHECK_EQ(ipc_send(sv[0], IPC_EVT_LINE_EDGE, "0123456789abcdef", 16, -1), 0);
	CHECK_EQ(ipc_recv(sv[1], &msg), 0);
	CHECK(memcmp(msg.payload, "abcdefghijklmnop", 16) == 0);
	CHECK_EQ(ipc_recv(sv[1], &msg), 0);
	CHECK(memcmp(msg.payload, "0123456789abcdef", 16) == 0);
	close(sv[0]);
	close(sv[1]);
}

static void test_max_size(void)
{
	static uint8_t big[IPC_MSG_MAX];
	int sv[2];

	pair(sv);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	CHECK_EQ(ipc_send(sv[0], IPC_ANS_DEVICE_INFO, big, IPC_MSG_MAX - 8, -1), 0);
	CHECK_EQ(ipc_recv(sv[1], &msg), 0);
	CHECK_EQ(msg.hdr.len, IPC_MSG_MAX - 8);
	CHECK(memcmp(msg.payload, big, IPC_MSG_MAX - 8) == 0);
	CHECK_EQ(ipc_send(sv[0], IPC_ANS_DEVICE_INFO, big, IPC_MSG_MAX - 7, -1), -EMSGSIZE);
	CHECK_EQ(ipc_send(sv[0], IPC_ANS_DEVICE_INFO, NULL, 4, -1), -EMSGSIZE);
	close(sv[0]);
	close(sv[1]);
}

static void test_fd_passing(void)
{
	struct ipc_session_open req = { .device = 3 };
	int sv[2], p[2];
	char c = 0;

	pair(sv);
	CHECK_EQ(pipe(p), 0);
	CHECK_EQ(ipc_send(sv[0], IPC_REQ_SESSION_OPEN, &req, sizeof(req), p[1]), 0);
	close(p[1]);
	CHECK_EQ(ipc_recv(sv[1], &msg), 0);
	CHECK_EQ(msg.hdr.type, IPC_REQ_SESSION_OPEN);
	CHECK(msg.fd >= 0);
	CHECK(fcntl(msg.fd, F_GETFD) & FD_CLOEXEC);
	CHECK_EQ(write(msg.fd, "x", 1), 1);
	CHECK_EQ(read(p[0], &c, 1), 1);
	CHECK_EQ(c, 'x');
	close(msg.fd);
	CHECK(pipe_writers_gone(p[0]));
	close(p[0]);
	close(sv[0]);
	close(sv[1]);
}

static void test_truncated(void)
{
	static uint8_t big[IPC_MSG_MAX + 100];
	struct ipc_hdr *h = (struct ipc_hdr *)big;
	int sv[2], p[2];

	pair(sv);
	CHECK_EQ(pipe(p), 0);
	h->type = IPC_ANS_DEVICE_INFO;
	h->len = sizeof(big) - sizeof(*h);
	CHECK_EQ(raw_send(sv[0], big, sizeof(big), &p[1], 1), (ssize_t)sizeof(big));
	close(p[1]);
	CHECK_EQ(ipc_recv(sv[1], &msg), -EMSGSIZE);
	CHECK_EQ(msg.fd, -1);
	CHECK(pipe_writers_gone(p[0]));
	close(p[0]);

	/* more fds than the control buffer holds: MSG_CTRUNC, every fd closed */
	{
		int fds[12];

		CHECK_EQ(pipe(p), 0);
		for (int i = 0; i < 12; i++)
			fds[i] = dup(p[1]);
		close(p[1]);
		h->len = 0;
		CHECK_EQ(raw_send(sv[0], big, 8, fds, 12), 8);
		for (int i = 0; i < 12; i++)
			close(fds[i]);
		CHECK_EQ(ipc_recv(sv[1], &msg), -EMSGSIZE);
		CHECK_EQ(msg.fd, -1);
		CHECK(pipe_writers_gone(p[0]));
		close(p[0]);
	}
	/* the channel still works afterwards */
	CHECK_EQ(ipc_send(sv[0], IPC_REQ_DEVICE_INFO, NULL, 0, -1), 0);
	CHECK_EQ(ipc_recv(sv[1], &msg), 0);
	close(sv[0]);
	close(sv[1]);
}

static void test_bad_length(void)
{
	uint8_t buf[32] = { 0 };
	struct ipc_hdr h;
	int sv[2], p[2];

	pair(sv);
	/* shorter than a header */
	CHECK_EQ(raw_send(sv[0], buf, 4, NULL, 0), 4);
	CHECK_EQ(ipc_recv(sv[1], &msg), -EBADMSG);
	CHECK_EQ(raw_send(sv[0], buf, 7, NULL, 0), 7);
	CHECK_EQ(ipc_recv(sv[1], &msg), -EBADMSG);

	/* hdr.len says more than came */
	h = (struct ipc_hdr){ IPC_REQ_LINE_OPS, 20 };
	memcpy(buf, &h, sizeof(h));
	CHECK_EQ(raw_send(sv[0], buf, 8 + 16, NULL, 0), 24);
	CHECK_EQ(ipc_recv(sv[1], &msg), -EBADMSG);
	CHECK_EQ(msg.hdr.type, IPC_REQ_LINE_OPS);	/* still there for the log */

	/* hdr.len says less than came */
	h.len = 8;
	memcpy(buf, &h, sizeof(h));
	CHECK_EQ(raw_send(sv[0], buf, 8 + 16, NULL, 0), 24);
	CHECK_EQ(ipc_recv(sv[1], &msg), -EBADMSG);

	/* short datagram with an fd: refused and the fd closed */
	CHECK_EQ(pipe(p), 0);
	CHECK_EQ(raw_send(sv[0], buf, 3, &p[1], 1), 3);
	close(p[1]);
	CHECK_EQ(ipc_recv(sv[1], &msg), -EBADMSG);
	CHECK_EQ(msg.fd, -1);
	CHECK(pipe_writers_gone(p[0]));
	close(p[0]);

	/* bad length with an fd */
	CHECK_EQ(pipe(p), 0);
	h.len = 100;
	memcpy(buf, &h, sizeof(h));
	CHECK_EQ(raw_send(sv[0], buf, 16, &p[1], 1), 16);
	close(p[1]);
	CHECK_EQ(ipc_recv(sv[1], &msg), -EBADMSG);
	CHECK(pipe_writers_gone(p[0]));
	close(p[0]);
	close(sv[0]);
	close(sv[1]);
}

static void test_two_fds(void)
{
	struct ipc_hdr h = { IPC_REQ_SESSION_OPEN, 8 };
	uint8_t buf[16] = { 0 };
	int sv[2], a[2], b[2], fds[2];

	pair(sv);
	CHECK_EQ(pipe(a), 0);
	CHECK_EQ(pipe(b), 0);
	memcpy(buf, &h, sizeof(h));
	fds[0] = a[1];
	fds[1] = b[1];
	CHECK_EQ(raw_send(sv[0], buf, 16, fds, 2), 16);
	close(a[1]);
	close(b[1]);
	CHECK_EQ(ipc_recv(sv[1], &msg), -EBADMSG);
	CHECK_EQ(msg.fd, -1);
	CHECK(pipe_writers_gone(a[0]));
	CHECK(pipe_writers_gone(b[0]));
	close(a[0]);
	close(b[0]);
	close(sv[0]);
	close(sv[1]);
}

static void test_eof_eagain_epipe(void)
{
	int sv[2];

	pair(sv);
	CHECK_EQ(nonblock(sv[1]), 0);
	CHECK_EQ(ipc_recv(sv[1], &msg), -EAGAIN);
	close(sv[0]);
	CHECK_EQ(ipc_recv(sv[1], &msg), -ECONNRESET);
	/* MSG_NOSIGNAL: a gone peer is an error code, not SIGPIPE */
	CHECK_EQ(ipc_send(sv[1], IPC_REQ_DEVICE_INFO, NULL, 0, -1), -EPIPE);
	close(sv[1]);
	CHECK_EQ(ipc_send(-1, IPC_REQ_DEVICE_INFO, NULL, 0, -1), -EBADF);
}

static void test_admit(void)
{
	static const struct ipc_rule rules[] = {
		{ IPC_REQ_DEVICE_INFO, 0, 0, 0, 0, 0 },
		{ IPC_REQ_LINE_OPS, 16, 64, 0, 16, 0 },
		{ IPC_ANS_DEVICE_INFO, 8, 100, 8, 2, 0 },
		{ IPC_REQ_SESSION_OPEN, 8, 8, 0, 0, 1 },
	};
	const unsigned int n = sizeof(rules) / sizeof(rules[0]);

	msg.fd = -1;
	msg.hdr = (struct ipc_hdr){ IPC_REQ_DEVICE_INFO, 0 };
	CHECK_EQ(ipc_admit(&msg, rules, n), 0);
	msg.hdr.len = 1;
	CHECK_EQ(ipc_admit(&msg, rules, n), -EBADMSG);

	msg.hdr = (struct ipc_hdr){ IPC_REQ_LINE_OPS, 16 };
	CHECK_EQ(ipc_admit(&msg, rules, n), 0);
	msg.hdr.len = 64;
	CHECK_EQ(ipc_admit(&msg, rules, n), 0);
	msg.hdr.len = 0;
	CHECK_EQ(ipc_admit(&msg, rules, n), -EBADMSG);		/* below min */
	msg.hdr.len = 80;
	CHECK_EQ(ipc_admit(&msg, rules, n), -EBADMSG);		/* above max */
	msg.hdr.len = 24;
	CHECK_EQ(ipc_admit(&msg, rules, n), -EBADMSG);		/* not a multiple */

	/* fixed part, then elements */
	msg.hdr = (struct ipc_hdr){ IPC_ANS_DEVICE_INFO, 8 };
	CHECK_EQ(ipc_admit(&msg, rules, n), 0);
	msg.hdr.len = 14;
	CHECK_EQ(ipc_admit(&msg, rules, n), 0);
	msg.hdr.len = 13;
	CHECK_EQ(ipc_admit(&msg, rules, n), -EBADMSG);

	/* fd count must match exactly, both ways */
	msg.hdr = (struct ipc_hdr){ IPC_REQ_SESSION_OPEN, 8 };
	CHECK_EQ(ipc_admit(&msg, rules, n), -EBADMSG);
	msg.fd = 5;
	CHECK_EQ(ipc_admit(&msg, rules, n), 0);
	msg.hdr = (struct ipc_hdr){ IPC_REQ_DEVICE_INFO, 0 };
	CHECK_EQ(ipc_admit(&msg, rules, n), -EBADMSG);
	msg.fd = -1;

	/* types not in the table, including the right type in the wrong direction */
	msg.hdr = (struct ipc_hdr){ IPC_ANS_LINE_OPS, 8 };
	CHECK_EQ(ipc_admit(&msg, rules, n), -EBADMSG);
	msg.hdr = (struct ipc_hdr){ 0, 0 };
	CHECK_EQ(ipc_admit(&msg, rules, n), -EBADMSG);
	msg.hdr = (struct ipc_hdr){ 0xffffffffu, 0 };
	CHECK_EQ(ipc_admit(&msg, rules, n), -EBADMSG);
	msg.hdr = (struct ipc_hdr){ IPC_REQ_DEVICE_INFO, 0 };
	CHECK_EQ(ipc_admit(&msg, rules, 0), -EBADMSG);
}

static void test_type_name(void)
{
	CHECK(strcmp(ipc_type_name(IPC_REQ_LINE_OPS), "REQ_LINE_OPS") == 0);
	CHECK(strcmp(ipc_type_name(IPC_EVT_LINE_EDGE), "EVT_LINE_EDGE") == 0);
	CHECK(strcmp(ipc_type_name(IPC_EVT_HELPER_READY), "EVT_HELPER_READY") == 0);
	CHECK(ipc_type_name(0) != NULL);
	CHECK(ipc_type_name(8) != NULL);
	CHECK(ipc_type_name(0xffffffffu) != NULL);
	CHECK(strcmp(ipc_type_name(8), ipc_type_name(IPC_ANS_LINE_OPS)) != 0);
}

TEST_MAIN(TEST_CASE(test_round_trip), TEST_CASE(test_max_size), TEST_CASE(test_fd_passing),
	  TEST_CASE(test_truncated), TEST_CASE(test_bad_length), TEST_CASE(test_two_fds),
	  TEST_CASE(test_eof_eagain_epipe), TEST_CASE(test_admit), TEST_CASE(test_type_name))
