// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fault injection against the real daemon (issue 7, part 3), from the
 * front-end side: front-ends that vanish mid-request or mid-message, fd
 * churn and fd floods, many connections at once, and front-ends that never
 * read their replies. Each case ends by checking that the broker still
 * serves a new front-end with the line state intact, or that SIGTERM still
 * stops it cleanly. The helper and worker processes dying or stalling are
 * in test_faults_proc.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "../harness.h"
#include "../frontend/tfe.h"
#include "faults_util.h"
#include "faults_daemon.h"

/* One sendmsg of @len bytes with @n fds attached (any number, unlike tfe_send). */
static int send_fds(int sock, const void *buf, size_t len, const int *fds, unsigned int n)
{
	size_t clen = CMSG_SPACE(sizeof(int) * n);
	char *cbuf = calloc(1, clen ? clen : 1);
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t rc;

	if (!cbuf)
		return -ENOMEM;
	if (n) {
		struct cmsghdr *c;

		mh.msg_control = cbuf;
		mh.msg_controllen = clen;
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	}
	rc = sendmsg(sock, &mh, MSG_NOSIGNAL);
	free(cbuf);
	return rc == (ssize_t)len ? 0 : -EIO;
}

/* The daemon must close @t (a non-zero ack first is fine): a refusal, not an answer. */
static void expect_refused(struct tfe *t, uint32_t req)
{
	struct pollfd pfd = { .fd = t->sock, .events = POLLIN };
	struct { struct vu_hdr h; uint64_t ack; } __attribute__((packed)) r;
	bool ok = true;

	if (poll(&pfd, 1, TFE_TIMEOUT_MS) == 1 && !fu_sock_eof(t->sock))
		ok = recv(t->sock, &r, sizeof(r), MSG_WAITALL) == (ssize_t)sizeof(r) &&
		     r.h.request == req && r.h.flags == (VU_VERSION | VU_FLAG_REPLY) && r.ack != 0;
	CHECK(ok);
	CHECK_EQ(tfe_wait_eof(t->sock, TFE_TIMEOUT_MS), 0);
}

/* The worker of @pid on socket @idx ended cleanly (status 1), not by a signal. */
static void expect_worker_refused(pid_t pid, int idx)
{
	char path[128], needle[256];

	tfe_daemon_sock(&dmn, idx, path, sizeof(path));
	snprintf(needle, sizeof(needle), "worker %d for %s exited with status 1", (int)pid, path);
	CHECK_EQ(tfe_file_wait(logpath, needle, 1, TFE_TIMEOUT_MS), 0);
}

/* Front-ends gone with requests and eventq buffers in flight, 20 times in a row. */
static void t_mid_request(void)
{
	int f0 = th_failed, bfd;
	struct tfe_sim_line sl;
	struct tfe *t;
	pid_t w[8];

	if (!start("s8", 1))
		return;
	prepare(0);
	CHECK_EQ(fu_workers_settle(dmn.pid, 0, w, 8), 0);
	bfd = fu_count_fds(dmn.pid);
	for (int round = 0; round < 20; round++) {
		t = tfe_daemon_open(&dmn, round & 1 ? TFE_CROSVM : TFE_QEMU9);
		if (!t) {
			CHECK(!"handshake");
			break;
		}
		for (uint16_t g = 0; g <= IRQ_LINE; g++)
			tfe_evt_post(t, g, t->indirect);
		tfe_kick(t, 1);
		for (int i = 0; i < 40; i++) {
			uint16_t g = (uint16_t)(i % 8), type = i & 1 ? VIRTIO_GPIO_MSG_GET_VALUE :
							     VIRTIO_GPIO_MSG_GET_DIRECTION;
			uint32_t val = 0;

			/* Writes that leave the known state as it is, and line 6 flipping. */
			if (g == STATE_LINE) {
				type = VIRTIO_GPIO_MSG_SET_VALUE;
				val = 1;
			} else if (g == 6) {
				type = VIRTIO_GPIO_MSG_SET_DIRECTION;
				val = i & 2 ? VIRTIO_GPIO_DIRECTION_OUT : VIRTIO_GPIO_DIRECTION_IN;
			}
			tfe_req_post(t, type, g, val, 2, (i & 1) && t->indirect);
		}
		tfe_kick(t, 0);
		if (round % 3 == 2)
			fu_sleep_ms(1);		/* some get answered, some do not */
		tfe_free(t);
	}
	served(0);
	/* Line 6 is IN or OUT, depending on how far the last one got; guest and chip agree. */
	t = tfe_daemon_open(&dmn, TFE_QEMU9);
	CHECK(t != NULL);
	if (t) {
		int dir = cmd(t, VIRTIO_GPIO_MSG_GET_DIRECTION, 6, 0);

		CHECK(dir == VIRTIO_GPIO_DIRECTION_IN || dir == VIRTIO_GPIO_DIRECTION_OUT);
		CHECK_EQ(tfe_sim_get(&dmn, 0, 6, &sl), 0);
		CHECK_EQ(sl.dir_out, dir == VIRTIO_GPIO_DIRECTION_OUT);
	}
	tfe_free(t);
	CHECK_EQ(fu_workers_settle(dmn.pid, 0, w, 8), 0);
	CHECK_EQ(fu_fds_settle(dmn.pid, bfd), bfd);
	finish(f0);
}

/* A message cut short (@kind), requests in flight, then the front-end closes. */
static void cut_short(int kind)
{
	struct tfe *t = tfe_daemon_open(&dmn, kind & 1 ? TFE_CROSVM : TFE_QEMU9);
	uint8_t buf[128] = { 0 };
	struct vu_hdr *h = (struct vu_hdr *)buf;
	int fds[2];

	if (!t) {
		CHECK(!"handshake");
		return;
	}
	for (uint16_t g = 0; g < 8; g++)
		tfe_req_post(t, VIRTIO_GPIO_MSG_GET_VALUE, g, 0, 2, false);
	tfe_kick(t, 0);
	switch (kind) {
	case 0:	/* SET_MEM_TABLE: two regions announced, both fds, 20 of 72 payload bytes */
		*h = (struct vu_hdr){ VU_SET_MEM_TABLE, VU_VERSION | VU_FLAG_NEED_REPLY,
				      VU_MEM_TABLE_HDR_SIZE + 2 * sizeof(struct vu_mem_region) };
		buf[sizeof(*h)] = 2;
		fds[0] = t->mem.r[0].fd;
		fds[1] = t->mem.r[1].fd;
		CHECK_EQ(send_fds(t->sock, buf, sizeof(*h) + 20, fds, 2), 0);
		break;
	case 1:	/* half a header */
		*h = (struct vu_hdr){ VU_GET_FEATURES, VU_VERSION, 0 };
		CHECK_EQ(tfe_send_raw(t->sock, buf, 6), 0);
		break;
	case 2:	/* SET_VRING_CALL with its fd, 4 of 8 payload bytes */
		*h = (struct vu_hdr){ VU_SET_VRING_CALL, VU_VERSION, 8 };
		CHECK_EQ(send_fds(t->sock, buf, sizeof(*h) + 4, &t->vq[0].call_fd, 1), 0);
		break;
	default: /* GET_CONFIG: 12 of 20 payload bytes */
		*h = (struct vu_hdr){ VU_GET_CONFIG, VU_VERSION, VU_CONFIG_HDR_SIZE + 8 };
		buf[sizeof(*h) + 4] = 8;
		CHECK_EQ(tfe_send_raw(t->sock, buf, sizeof(*h) + 12), 0);
		break;
	}
	tfe_free(t);
	served(0);
}

static void t_mid_message(void)
{
	int f0 = th_failed;
	struct tfe *t, *u;
	uint64_t f = 0;

	if (!start("s8", 1))
		return;
	prepare(0);
	for (int kind = 0; kind < 4; kind++)
		cut_short(kind);
	/* A front-end stalled mid-message holds only its own socket; the next waits, then works. */
	t = tfe_daemon_open(&dmn, TFE_QEMU9);
	u = tfe_daemon_connect(&dmn, 0);
	CHECK(t && u);
	if (t && u) {
		struct vu_hdr h = { VU_SET_VRING_NUM, VU_VERSION, 8 };
		struct pollfd pfd = { .fd = u->sock, .events = POLLIN };
		uint8_t msg[sizeof(h) + 3] = { 0 };

		memcpy(msg, &h, sizeof(h));
		CHECK_EQ(tfe_send_raw(t->sock, msg, sizeof(msg)), 0);
		CHECK_EQ(tfe_send(u, VU_GET_FEATURES, VU_VERSION, NULL, 0, NULL, 0), 0);
		CHECK_EQ(poll(&pfd, 1, 100), 0);
		tfe_free(t);
		t = NULL;
		CHECK_EQ(tfe_recv_reply(u, VU_GET_FEATURES, &f, sizeof(f)), 0);
		CHECK_EQ(f, TFE_DEV_FEATURES);
		CHECK_EQ(tfe_handshake(u, TFE_QEMU9), 0);
		CHECK_EQ(cmd(u, VIRTIO_GPIO_MSG_GET_VALUE, STATE_LINE, 0), 1);
	}
	tfe_free(t);
	tfe_free(u);
	served(0);
	CHECK_EQ(tfe_file_count(logpath, "killed by"), 0);
	finish(f0);
}

/* KICK/CALL/ERR and SET_MEM_TABLE again and again, acked: the worker's fd table stays put. */
static void t_fd_churn(void)
{
	int f0 = th_failed, base = -1, ok = 1;
	struct tfe_done d;
	struct tfe *t;
	pid_t w[8];

	if (!start("s8", 1))
		return;
	prepare(0);
	t = tfe_daemon_open(&dmn, TFE_QEMU9);
	CHECK(t != NULL);
	if (!t || fu_workers_settle(dmn.pid, 1, w, 8) != 1) {
		CHECK(!"one worker");
		goto out;
	}
	t->need_reply |= 1ull << VU_SET_VRING_KICK | 1ull << VU_SET_VRING_CALL |
			 1ull << VU_SET_VRING_ERR;
	for (int i = 0; i < 300 && ok; i++) {
		unsigned int q = (unsigned int)i & 1;
		int efd = eventfd(0, EFD_CLOEXEC);

		ok = tfe_set_vring_fd(t, VU_SET_VRING_CALL, q, t->vq[q].call_fd) == 0 &&
		     tfe_set_vring_fd(t, VU_SET_VRING_KICK, q, t->vq[q].kick_fd) == 0 &&
		     tfe_set_vring_fd(t, VU_SET_VRING_ERR, q, efd) == 0 &&
		     (i % 3 || tfe_set_mem_table(t) == 0) &&
		     (i % 50 || cmd(t, VIRTIO_GPIO_MSG_GET_VALUE, STATE_LINE, 0) == 1);
		close(efd);
		if (i == 1)
			base = fu_count_fds(w[0]);
	}
	CHECK(ok);
	CHECK(base > 0);
	CHECK_EQ(fu_count_fds(w[0]), base);
	CHECK_EQ(cmd(t, VIRTIO_GPIO_MSG_GET_VALUE, STATE_LINE, 0), 1);
	CHECK(tfe_evt_arm(t, IRQ_LINE) >= 0);
	level3[0] ^= 1;
	CHECK_EQ(tfe_sim_set(&dmn, 0, IRQ_LINE, level3[0]), 0);
	CHECK_EQ(tfe_evt_wait(t, &d, TFE_TIMEOUT_MS), 0);
	CHECK_EQ(d.status, VIRTIO_GPIO_IRQ_STATUS_VALID);
	fprintf(stderr, "  worker fds after 300 rounds: %d (at round 1: %d)\n", fu_count_fds(w[0]),
		base);
out:
	tfe_free(t);
	served(0);
	finish(f0);
}

/*
 * More fds than a message may carry (200 on one SET_VRING_CALL), and a
 * message whose two parts bring 32 fds each, past the worker's
 * RLIMIT_NOFILE of 64: refused by closing that connection, never a crash;
 * nothing leaks into the broker or the helper.
 */
static void t_fd_flood(void)
{
	uint8_t msg[sizeof(struct vu_hdr) + 8] = { 0 };
	struct vu_hdr h = { VU_SET_VRING_CALL, VU_VERSION | VU_FLAG_NEED_REPLY, 8 };
	int f0 = th_failed, fds[200], bfd, hfd;
	pid_t helper, w[8];
	struct tfe *t;

	if (!start("s8", 1))
		return;
	prepare(0);
	CHECK_EQ(fu_workers_settle(dmn.pid, 0, w, 8), 0);
	fu_children(dmn.pid, &helper, w, 8);
	CHECK_EQ(tfe_sim_cmd(&dmn, NULL, 0, "info 0"), 0);	/* served() keeps this client */
	fu_sleep_ms(100);	/* the helper closes a session once it sees the worker go */
	bfd = fu_count_fds(dmn.pid);
	hfd = fu_count_fds(helper);
	memcpy(msg, &h, sizeof(h));
	for (int part = 0; part < 2; part++) {
		t = tfe_daemon_open(&dmn, TFE_QEMU9);
		if (!t || fu_workers_settle(dmn.pid, 1, w, 8) != 1) {
			CHECK(!"one worker");
			tfe_free(t);
			continue;
		}
		for (int i = 0; i < 200; i++)
			fds[i] = t->vq[0].call_fd;
		if (part == 0) {
			CHECK_EQ(send_fds(t->sock, msg, sizeof(msg), fds, 200), 0);
		} else {
			CHECK_EQ(send_fds(t->sock, msg, sizeof(h), fds, 32), 0);
			CHECK_EQ(send_fds(t->sock, msg + sizeof(h), 8, fds, 32), 0);
		}
		expect_refused(t, VU_SET_VRING_CALL);
		expect_worker_refused(w[0], 0);
		tfe_free(t);
		served(0);
	}
	CHECK_EQ(fu_workers_settle(dmn.pid, 0, w, 8), 0);
	CHECK_EQ(fu_fds_settle(dmn.pid, bfd), bfd);
	CHECK_EQ(fu_fds_settle(helper, hfd), hfd);
	CHECK_EQ(tfe_file_count(logpath, "killed by"), 0);
	finish(f0);
}

/* 64 connections at once on one socket: the backlog takes some, the rest are refused. */
static void t_many_at_once(void)
{
	struct vu_hdr h = { VU_GET_FEATURES, VU_VERSION, 0 };
	int f0 = th_failed, socks[64], n = 0, refused = 0, odd = 0, bfd, hfd;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	pid_t helper, w[8];

	if (!start("s8", 1))
		return;
	prepare(0);
	CHECK_EQ(fu_workers_settle(dmn.pid, 0, w, 8), 0);
	fu_children(dmn.pid, &helper, w, 8);
	CHECK_EQ(tfe_sim_cmd(&dmn, NULL, 0, "info 0"), 0);
	fu_sleep_ms(100);
	bfd = fu_count_fds(dmn.pid);
	hfd = fu_count_fds(helper);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", dmn.sock);
	for (int i = 0; i < 64; i++) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
		    send(fd, &h, sizeof(h), MSG_NOSIGNAL) == (ssize_t)sizeof(h)) {
			socks[n++] = fd;
			continue;
		}
		odd += errno != EAGAIN;
		refused++;
		if (fd >= 0)
			close(fd);
	}
	CHECK_EQ(odd, 0);
	CHECK(n >= 1);
	if (n >= 1) {
		struct pollfd pfd = { .fd = socks[0], .events = POLLIN };
		struct vu_hdr r;

		CHECK_EQ(poll(&pfd, 1, TFE_TIMEOUT_MS), 1);
		CHECK_EQ(recv(socks[0], &r, sizeof(r), 0), (ssize_t)sizeof(r));
		CHECK(r.request == VU_GET_FEATURES && r.size == 8);
	}
	for (int i = 0; i < n; i++)
		close(socks[i]);
	/* Queued behind all of them: once this one is served, they have all been seen. */
	served(0);
	CHECK_EQ(fu_workers_settle(dmn.pid, 0, w, 8), 0);
	CHECK_EQ(fu_fds_settle(dmn.pid, bfd), bfd);
	CHECK_EQ(fu_fds_settle(helper, hfd), hfd);
	fprintf(stderr, "  64 connections at once: %d queued, %d refused by the backlog\n", n,
		refused);
	finish(f0);
}

/* Send @msg again and again, never reading, until the socket stays full; how many went. */
static unsigned long flood(int sock, const void *msg, size_t len)
{
	int fl = fcntl(sock, F_GETFL);
	unsigned long sent = 0;

	fcntl(sock, F_SETFL, fl | O_NONBLOCK);
	while (sent < 1000000) {
		struct pollfd pfd = { .fd = sock, .events = POLLOUT };

		if (send(sock, msg, len, MSG_NOSIGNAL) == (ssize_t)len) {
			sent++;
			continue;
		}
		/* Full: it stays full once the worker blocks writing replies nobody reads. */
		if (errno != EAGAIN || poll(&pfd, 1, 200) != 1)
			break;
	}
	fcntl(sock, F_SETFL, fl);
	return sent;
}

/*
 * GET_FEATURES with NEED_REPLY, never read: that worker blocks, nothing
 * else does (the other socket, the sim control, edges for the stuck
 * worker); once the flooder closes, the next front-end on its socket works.
 */
static void t_flood_then_next(void)
{
	struct vu_hdr h = { VU_GET_FEATURES, VU_VERSION | VU_FLAG_NEED_REPLY, 0 };
	int f0 = th_failed, ok = 1;
	unsigned long sent = 0;
	struct tfe *a, *b = NULL, *c = NULL;
	uint64_t f = 0;

	if (!start("s8:s8", 2))
		return;
	prepare(0);
	a = tfe_daemon_open(&dmn, TFE_QEMU9);
	CHECK(a != NULL);
	if (!a)
		goto out;
	CHECK(tfe_evt_arm(a, IRQ_LINE) >= 0);
	sent = flood(a->sock, &h, sizeof(h));
	CHECK(sent > 0);
	b = tfe_daemon_connect(&dmn, 1);
	CHECK(b && tfe_handshake(b, TFE_CROSVM) == 0);
	for (int i = 0; i < 200 && ok; i++) {
		level3[0] ^= 1;
		ok = tfe_sim_set(&dmn, 0, IRQ_LINE, level3[0]) == 0 &&
		     (!b || cmd(b, VIRTIO_GPIO_MSG_GET_VALUE, (uint16_t)(i % 8), 0) == 0);
	}
	CHECK(ok);
	c = tfe_daemon_connect(&dmn, 0);
	CHECK(c && tfe_send(c, VU_GET_FEATURES, VU_VERSION, NULL, 0, NULL, 0) == 0);
	tfe_free(a);
	if (c) {
		CHECK_EQ(tfe_recv_reply(c, VU_GET_FEATURES, &f, sizeof(f)), 0);
		CHECK_EQ(f, TFE_DEV_FEATURES);
	}
	tfe_free(c);
	served(0);
	fprintf(stderr, "  %lu GET_FEATURES sent before the socket stayed full\n", sent);
out:
	tfe_free(b);
	finish(f0);
}

/*
 * GET_CONFIG flood on one socket, a message stalled halfway on the other,
 * both left open: SIGTERM still stops the broker with status 0, without
 * having to SIGKILL its workers, and leaves nothing.
 */
static void t_flood_then_sigterm(void)
{
	struct { struct vu_hdr h; struct { uint32_t off, size, flags; uint8_t p[8]; } c; }
		__attribute__((packed)) gc = { { VU_GET_CONFIG, VU_VERSION | VU_FLAG_NEED_REPLY,
						 VU_CONFIG_HDR_SIZE + 8 }, { 0, 8, 0, { 0 } } };
	struct vu_hdr half = { VU_SET_VRING_NUM, VU_VERSION, 8 };
	int f0 = th_failed, nw = 0;
	unsigned long sent = 0;
	pid_t helper = 0, w[8];
	struct tfe *a, *b;

	if (!start("s8:s8", 2))
		return;
	a = tfe_daemon_open(&dmn, TFE_QEMU9);
	b = tfe_daemon_connect(&dmn, 1);
	CHECK(a && b && tfe_handshake(b, TFE_QEMU9) == 0);
	if (a && b) {
		sent = flood(a->sock, &gc, sizeof(gc));
		CHECK(sent > 0);
		CHECK_EQ(tfe_send_raw(b->sock, &half, sizeof(half)), 0);
		CHECK_EQ(tfe_send_raw(b->sock, "abc", 3), 0);
		nw = fu_workers_settle(dmn.pid, 2, w, 8);
		fu_children(dmn.pid, &helper, w, 8);
		CHECK_EQ(nw, 2);
		CHECK_EQ(kill(dmn.pid, SIGTERM), 0);
		CHECK_EQ(tfe_daemon_wait_exit(&dmn, 2 * TFE_TIMEOUT_MS), 0);
		expect_all_gone(helper, w, nw);
		CHECK_EQ(tfe_file_count(logpath, "ignored SIGTERM"), 0);
		fprintf(stderr, "  %lu GET_CONFIG sent before the socket stayed full\n", sent);
	}
	tfe_free(a);
	tfe_free(b);
	finish(f0);
}

TEST_MAIN(TEST_CASE(t_mid_request), TEST_CASE(t_mid_message), TEST_CASE(t_fd_churn),
	  TEST_CASE(t_fd_flood), TEST_CASE(t_many_at_once), TEST_CASE(t_flood_then_next),
	  TEST_CASE(t_flood_then_sigterm))
