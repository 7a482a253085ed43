// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Process model and connection lifecycle of the real daemon: broker, one
 * helper and one worker per connection; a killed worker does not take the
 * broker down; line state survives reconnects; hostile front-ends only end
 * their own connection; -c 2 gives two independent devices; --fd mode;
 * SIGTERM.
 */
#include <endian.h>
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "../harness.h"
#include "../frontend/tfe.h"

static struct tfe_daemon dmn;

static bool start(const char *list, int count)
{
	if (tfe_daemon_start(&dmn, list, count) == 0)
		return true;
	CHECK(!"daemon start");
	return false;
}

static void stop(void)
{
	CHECK_EQ(tfe_daemon_stop(&dmn), 0);
	CHECK_EQ(dmn.sock_left, 0);
}

/* Children of the broker split into helper and workers (zombies count as workers). */
static void children(pid_t *helper, int *nhelper, pid_t *workers, int *nworkers)
{
	pid_t kids[32];
	int n = tfe_proc_children(dmn.pid, kids, 32);

	*nhelper = *nworkers = 0;
	for (int i = 0; i < n && i < 32; i++) {
		char name[64] = "";

		tfe_proc_exe_name(kids[i], name, sizeof(name));
		if (!strcmp(name, "vhost-user-gpio-helper")) {
			*helper = kids[i];
			(*nhelper)++;
		} else {
			workers[(*nworkers)++] = kids[i];
		}
	}
}

/* Worker count settles within a second (fork after accept, reaping after exit). */
static int workers_settle(int want, pid_t *workers)
{
	pid_t helper = 0;
	int nh = 0, nw = -1;

	for (int i = 0; i < 200; i++) {
		children(&helper, &nh, workers, &nw);
		if (nw == want)
			break;
		usleep(5000);
	}
	CHECK_EQ(nh, 1);
	return nw;
}

/* A fresh connection on socket @idx gets the whole QEMU 9 handshake and a request. */
static void served(int idx, int line, int value)
{
	struct tfe *t = tfe_daemon_connect(&dmn, idx);

	CHECK(t != NULL);
	if (t) {
		CHECK_EQ(tfe_handshake(t, TFE_QEMU9), 0);
		CHECK_EQ(tfe_get_value(t, (uint16_t)line), value);
	}
	tfe_free(t);
	CHECK(tfe_proc_state(dmn.pid) != 0 && tfe_proc_state(dmn.pid) != 'Z');
}

static void t_process_tree(void)
{
	struct tfe *a, *b;
	pid_t w[32], w2[32];

	if (!start("s4:s8", 2))
		return;
	CHECK_EQ(workers_settle(0, w), 0);
	a = tfe_daemon_connect(&dmn, 0);
	b = tfe_daemon_connect(&dmn, 1);
	CHECK(a && b);
	if (a && b) {
		CHECK_EQ(tfe_handshake(a, TFE_QEMU9), 0);
		CHECK_EQ(tfe_handshake(b, TFE_CROSVM), 0);
		CHECK_EQ(workers_settle(2, w), 2);
		/* Each connection's worker goes away (and is reaped) when it closes. */
		tfe_free(a);
		a = NULL;
		CHECK_EQ(workers_settle(1, w2), 1);
		CHECK(w2[0] == w[0] || w2[0] == w[1]);
		CHECK_EQ(tfe_get_value(b, 3), 0);
		tfe_free(b);
		b = NULL;
		CHECK_EQ(workers_settle(0, w2), 0);
		CHECK_EQ(tfe_proc_state(w[0]), 0);
		CHECK_EQ(tfe_proc_state(w[1]), 0);
	}
	tfe_free(a);
	tfe_free(b);
	stop();
}

static void t_kill_worker(void)
{
	struct tfe *t;
	pid_t w[32];

	if (!start("s8", 1))
		return;
	t = tfe_daemon_open(&dmn, TFE_QEMU9);
	CHECK(t != NULL);
	if (t && workers_settle(1, w) == 1) {
		CHECK_EQ(tfe_cmd(t, VIRTIO_GPIO_MSG_SET_VALUE, 2, 1, NULL), 0);
		CHECK_EQ(tfe_cmd(t, VIRTIO_GPIO_MSG_SET_DIRECTION, 2, VIRTIO_GPIO_DIRECTION_OUT,
				 NULL), 0);
		CHECK_EQ(kill(w[0], SIGKILL), 0);
		CHECK_EQ(tfe_wait_eof(t->sock, TFE_TIMEOUT_MS), 0);
		CHECK_EQ(workers_settle(0, w), 0);
		/* The next connection is served and sees the line state of the first. */
		served(0, 2, 1);
	}
	tfe_free(t);
	stop();
}

static void t_reconnect_state(void)
{
	struct tfe *t, *u;
	uint8_t v = 0;

	if (!start("s8", 1))
		return;
	t = tfe_daemon_open(&dmn, TFE_QEMU9);
	CHECK(t != NULL);
	if (t) {
		CHECK_EQ(tfe_cmd(t, VIRTIO_GPIO_MSG_SET_VALUE, 5, 1, NULL), 0);
		CHECK_EQ(tfe_cmd(t, VIRTIO_GPIO_MSG_SET_DIRECTION, 5, VIRTIO_GPIO_DIRECTION_OUT,
				 NULL), 0);
		CHECK_EQ(tfe_cmd(t, VIRTIO_GPIO_MSG_SET_DIRECTION, 6, VIRTIO_GPIO_DIRECTION_OUT,
				 NULL), 0);
	}
	/* A second front-end waits in the backlog while the first is served. */
	u = tfe_daemon_connect(&dmn, 0);
	CHECK(u != NULL);
	if (u) {
		struct pollfd pfd = { .fd = u->sock, .events = POLLIN };

		CHECK_EQ(tfe_send(u, VU_GET_FEATURES, VU_VERSION, NULL, 0, NULL, 0), 0);
		CHECK_EQ(poll(&pfd, 1, 100), 0);
	}
	tfe_free(t);
	if (u) {
		uint64_t f = 0;

		CHECK_EQ(tfe_recv_reply(u, VU_GET_FEATURES, &f, sizeof(f)), 0);
		CHECK_EQ(f, TFE_DEV_FEATURES);
		CHECK_EQ(tfe_handshake(u, TFE_CROSVM), 0);
		CHECK_EQ(tfe_cmd(u, VIRTIO_GPIO_MSG_GET_DIRECTION, 5, 0, &v), 0);
		CHECK_EQ(v, VIRTIO_GPIO_DIRECTION_OUT);
		CHECK_EQ(tfe_get_value(u, 5), 1);
		CHECK_EQ(tfe_cmd(u, VIRTIO_GPIO_MSG_GET_DIRECTION, 6, 0, &v), 0);
		CHECK_EQ(v, VIRTIO_GPIO_DIRECTION_OUT);
		CHECK_EQ(tfe_get_value(u, 6), 0);
		CHECK_EQ(tfe_cmd(u, VIRTIO_GPIO_MSG_GET_DIRECTION, 7, 0, &v), 0);
		CHECK_EQ(v, VIRTIO_GPIO_DIRECTION_IN);
	}
	tfe_free(u);
	stop();
}

/* Expect the daemon to drop this connection. */
static void expect_eof(struct tfe *t)
{
	CHECK_EQ(tfe_wait_eof(t->sock, TFE_TIMEOUT_MS), 0);
}

/* NEED_REPLY message that must fail: a non-zero ack or a closed connection. */
static void expect_refused(struct tfe *t, uint32_t req, const void *p, uint32_t size,
			   const int *fds, unsigned int nfds)
{
	uint64_t ack = 0;
	int rc = tfe_msg_ack(t, req, p, size, fds, nfds, &ack);

	CHECK(rc == -ECONNRESET || (rc == 0 && ack != 0));
	if (rc == 0 && ack == 0)
		fprintf(stderr, "  request %u (index %u, num %u) was acked 0\n", req,
			((const uint32_t *)p)[0], size >= 8 ? ((const uint32_t *)p)[1] : 0);
}

static void hostile_header(void)
{
	struct vu_hdr h;
	struct tfe *t;

	/* Bad version. */
	t = tfe_daemon_connect(&dmn, 0);
	if (t) {
		CHECK_EQ(tfe_send(t, VU_GET_FEATURES, 0x2, NULL, 0, NULL, 0), 0);
		expect_eof(t);
	}
	tfe_free(t);
	served(0, 0, 0);
	/* Giant size. */
	t = tfe_daemon_connect(&dmn, 0);
	if (t) {
		h = (struct vu_hdr){ VU_SET_FEATURES, VU_VERSION, 0x7fffffff };
		CHECK_EQ(tfe_send_raw(t->sock, &h, sizeof(h)), 0);
		expect_eof(t);
	}
	tfe_free(t);
	served(0, 0, 0);
	/* Unknown request id. */
	t = tfe_daemon_connect(&dmn, 0);
	if (t) {
		CHECK_EQ(tfe_send(t, 200, VU_VERSION, NULL, 0, NULL, 0), 0);
		expect_eof(t);
	}
	tfe_free(t);
	served(0, 0, 0);
	/* Truncated header, then close. */
	t = tfe_daemon_connect(&dmn, 0);
	if (t) {
		h = (struct vu_hdr){ VU_GET_FEATURES, VU_VERSION, 0 };
		CHECK_EQ(tfe_send_raw(t->sock, &h, 6), 0);
	}
	tfe_free(t);
	served(0, 0, 0);
	/* Truncated payload, then close. */
	t = tfe_daemon_connect(&dmn, 0);
	if (t) {
		uint8_t msg[sizeof(h) + 10] = { 0 };

		h = (struct vu_hdr){ VU_SET_MEM_TABLE, VU_VERSION, 200 };
		memcpy(msg, &h, sizeof(h));
		CHECK_EQ(tfe_send_raw(t->sock, msg, sizeof(msg)), 0);
		usleep(20 * 1000);
	}
	tfe_free(t);
	served(0, 0, 0);
}

/* GET_CONFIG whose offset + size wraps or passes 0x1000: closed or a size-0 reply. */
static void hostile_config(void)
{
	static const uint32_t bad[][2] = { { 0xfffffff8, 16 }, { 8, 0xfffffff8 }, { 0x1000, 8 } };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tfe *t = tfe_daemon_connect(&dmn, 0);
		struct vu_config c = { .offset = bad[i][0], .size = bad[i][1] };
		struct vu_hdr h = { 0 };

		if (!t) {
			CHECK(t != NULL);
			continue;
		}
		CHECK_EQ(tfe_send(t, VU_GET_CONFIG, VU_VERSION, &c, VU_CONFIG_HDR_SIZE + 16, NULL,
				  0), 0);
		if (tfe_wait_eof(t->sock, TFE_TIMEOUT_MS) != 0) {
			/* Not closed: then the only valid answer is an empty reply. */
			CHECK_EQ(recv(t->sock, &h, sizeof(h), MSG_DONTWAIT), (ssize_t)sizeof(h));
			CHECK_EQ(h.size, VU_CONFIG_HDR_SIZE);
		}
		tfe_free(t);
		served(0, 0, 0);
	}
}

static void hostile_memory(void)
{
	struct vu_mem_table mt = { .nregions = 100 };
	struct tfe *t = tfe_daemon_connect(&dmn, 0);

	/* SET_MEM_TABLE claiming 100 regions (payload sized for them). */
	if (t && tfe_init(t, TFE_QEMU9) == 0) {
		const uint32_t size = VU_MEM_TABLE_HDR_SIZE + 100 * sizeof(struct vu_mem_region);
		int fds[2] = { t->mem.r[0].fd, t->mem.r[1].fd };
		uint8_t *big = calloc(1, size);

		if (big) {
			memcpy(big, &mt, VU_MEM_TABLE_HDR_SIZE);
			expect_refused(t, VU_SET_MEM_TABLE, big, size, fds, 2);
		}
		free(big);
	} else {
		CHECK(!"connect + init");
	}
	tfe_free(t);
	served(0, 0, 0);
	/* Two regions announced, one fd sent. */
	t = tfe_daemon_connect(&dmn, 0);
	if (t && tfe_init(t, TFE_QEMU9) == 0) {
		mt.nregions = 2;
		for (int i = 0; i < 2; i++)
			mt.regions[i] = (struct vu_mem_region){ t->mem.r[i].gpa, t->mem.r[i].size,
				(uint64_t)(uintptr_t)t->mem.r[i].map + t->mem.r[i].offset,
				t->mem.r[i].offset };
		expect_refused(t, VU_SET_MEM_TABLE, &mt, VU_MEM_TABLE_HDR_SIZE + 64,
			       &t->mem.r[0].fd, 1);
	}
	tfe_free(t);
	served(0, 0, 0);
	/* Ring addresses outside guest memory, then a kick. */
	t = tfe_daemon_connect(&dmn, 0);
	if (t && tfe_init(t, TFE_QEMU9) == 0 && tfe_vq_alloc(t, 0, 64) == 0) {
		struct vu_vring_addr a = { .index = 0, .desc_user_addr = 0xdead0000,
					   .used_user_addr = 0xdead8000,
					   .avail_user_addr = 0xdeadc000 };

		t->need_reply = 0;
		CHECK_EQ(tfe_set_u64(t, VU_SET_FEATURES, t->dev_features), 0);
		CHECK_EQ(tfe_set_mem_table(t), 0);
		CHECK_EQ(tfe_set_state(t, VU_SET_VRING_NUM, 0, 64), 0);
		CHECK_EQ(tfe_set_state(t, VU_SET_VRING_BASE, 0, 0), 0);
		tfe_send(t, VU_SET_VRING_ADDR, VU_VERSION, &a, sizeof(a), NULL, 0);
		tfe_set_vring_fd(t, VU_SET_VRING_KICK, 0, t->vq[0].kick_fd);
		tfe_set_vring_fd(t, VU_SET_VRING_CALL, 0, t->vq[0].call_fd);
		tfe_set_state(t, VU_SET_VRING_ENABLE, 0, 1);
		tfe_req_post(t, VIRTIO_GPIO_MSG_GET_VALUE, 0, 0, 2, false);
		tfe_kick(t, 0);
		usleep(20 * 1000);
	}
	tfe_free(t);
	served(0, 0, 0);
}

/* Ring messages with values no ring can have: refused (NACK or close). */
static void hostile_vring(void)
{
	static const struct { uint32_t req, index, num; } bad[] = {
		{ VU_SET_VRING_NUM, 0, 0 },
		{ VU_SET_VRING_NUM, 0, 65536 },
		{ VU_SET_VRING_NUM, 2, 64 },
		{ VU_SET_VRING_BASE, 0, 0x10000 },
		{ VU_SET_VRING_ENABLE, 2, 1 },
		{ VU_SET_VRING_CALL, 2, 0 },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tfe *t = tfe_daemon_connect(&dmn, 0);

		if (t && tfe_init(t, TFE_QEMU9) == 0) {
			struct vu_vring_state st = { bad[i].index, bad[i].num };
			uint64_t idx = bad[i].index;

			if (bad[i].req == VU_SET_VRING_CALL)
				expect_refused(t, bad[i].req, &idx, sizeof(idx),
					       &t->masked_call[0], 1);
			else
				expect_refused(t, bad[i].req, &st, sizeof(st), NULL, 0);
		} else {
			CHECK(!"connect + init");
		}
		tfe_free(t);
		served(0, 0, 0);
	}
}

static void hostile_rings(void)
{
	struct tfe_inflight meta = { .slot = -1 };
	struct tfe *t;

	/* The avail index jumps by more than the ring size. */
	t = tfe_daemon_open(&dmn, TFE_QEMU9);
	if (t) {
		t->vq[0].avail->idx = (uint16_t)(t->vq[0].avail_idx + t->vq[0].num + 5);
		CHECK_EQ(tfe_kick(t, 0), 0);
		usleep(20 * 1000);
	}
	tfe_free(t);
	served(0, 0, 0);
	/* A descriptor loop; the device may answer it (length 0) or drop us. */
	t = tfe_daemon_open(&dmn, TFE_QEMU9);
	if (t) {
		uint64_t gpa = t->vq[0].slot_gpa;
		struct tfe_desc loop[2] = {
			{ gpa, 8, TFE_DESC_F_NEXT, 1 },
			{ gpa + 8, 2, TFE_DESC_F_NEXT | TFE_DESC_F_WRITE, 0 },
		};
		struct tfe_desc ind = { gpa + 32, 32, TFE_DESC_F_INDIRECT, 0 };
		struct tfe_desc *tbl = tfe_gpa_ptr(&t->mem, gpa + 32, 32);
		struct tfe_done d;
		int head = tfe_vq_add_desc(t, 0, loop, 2, &meta);

		CHECK(head >= 0);
		CHECK_EQ(tfe_kick(t, 0), 0);
		if (tfe_vq_take(t, 0, head, &d, 500) == 0) {
			CHECK_EQ(d.len, 0);
			/* Same inside an indirect table. */
			tbl[0] = loop[0];
			tbl[1] = (struct tfe_desc){ gpa + 8, 2, TFE_DESC_F_NEXT | TFE_DESC_F_WRITE,
						    0 };
			head = tfe_vq_add_desc(t, 0, &ind, 1, &meta);
			CHECK_EQ(tfe_kick(t, 0), 0);
			if (tfe_vq_take(t, 0, head, &d, 500) == 0) {
				CHECK_EQ(d.len, 0);
				CHECK_EQ(tfe_get_value(t, 0), 0);
			}
		}
	}
	tfe_free(t);
	served(0, 0, 0);
	/* An indirect descriptor inside an indirect table. */
	t = tfe_daemon_open(&dmn, TFE_QEMU9);
	if (t) {
		uint64_t gpa = t->vq[0].slot_gpa;
		struct tfe_desc ind = { gpa + 32, 16, TFE_DESC_F_INDIRECT, 0 };
		struct tfe_desc *tbl = tfe_gpa_ptr(&t->mem, gpa + 32, 16);
		struct tfe_done d;
		int head;

		tbl[0] = ind;
		head = tfe_vq_add_desc(t, 0, &ind, 1, &meta);
		CHECK_EQ(tfe_kick(t, 0), 0);
		if (tfe_vq_take(t, 0, head, &d, 500) == 0)
			CHECK_EQ(tfe_get_value(t, 0), 0);
	}
	tfe_free(t);
	served(0, 0, 0);
}

static void t_hostile(void)
{
	if (!start("s8", 1))
		return;
	hostile_header();
	hostile_config();
	hostile_memory();
	hostile_vring();
	hostile_rings();
	stop();
}

static int count_fds(pid_t pid)
{
	char path[64];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Many connections in a row: every one served, no fd leaks in broker or helper. */
static void t_many_connections(void)
{
	pid_t helper = 0, w[32];
	int nh = 0, nw = 0, bfd, hfd, ok = 1;

	if (!start("s8", 1))
		return;
	served(0, 0, 0);
	workers_settle(0, w);
	children(&helper, &nh, w, &nw);
	usleep(100 * 1000);	/* the helper closes a session when it sees the worker go */
	bfd = count_fds(dmn.pid);
	hfd = count_fds(helper);
	for (int i = 0; i < 30 && ok; i++) {
		struct tfe *t = tfe_daemon_open(&dmn, i % 3 == 0 ? TFE_CROSVM :
						      i % 3 == 1 ? TFE_QEMU9 : TFE_QEMU72);

		ok = t && tfe_get_value(t, (uint16_t)(i % 8)) == 0;
		tfe_free(t);
	}
	CHECK(ok);
	CHECK_EQ(workers_settle(0, w), 0);
	CHECK(bfd > 0 && hfd > 0);
	for (int i = 0; i < 100 && (count_fds(dmn.pid) != bfd || count_fds(helper) != hfd); i++)
		usleep(10 * 1000);
	CHECK_EQ(count_fds(dmn.pid), bfd);
	CHECK_EQ(count_fds(helper), hfd);
	stop();
}

static void t_two_sockets(void)
{
	char reply[128];
	struct tfe *a, *b;
	struct tfe_sim_line sl;

	char path[128];

	if (!start("s4:s8", 2))
		return;
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s%d", dmn.sock, i);
		CHECK_EQ(access(path, F_OK), 0);
	}
	CHECK_EQ(access(dmn.sock, F_OK), -1);
	a = tfe_daemon_connect(&dmn, 0);
	b = tfe_daemon_connect(&dmn, 1);
	CHECK(a && b);
	if (a && b) {
		CHECK_EQ(tfe_handshake(a, TFE_QEMU9), 0);
		CHECK_EQ(tfe_handshake(b, TFE_QEMU9), 0);
		CHECK_EQ(le16toh(a->cfg.ngpio), 4);
		CHECK_EQ(le16toh(b->cfg.ngpio), 8);
		CHECK_EQ(tfe_cmd(a, VIRTIO_GPIO_MSG_GET_VALUE, 4, 0, NULL), VIRTIO_GPIO_STATUS_ERR);
		CHECK_EQ(tfe_cmd(b, VIRTIO_GPIO_MSG_GET_VALUE, 4, 0, NULL), VIRTIO_GPIO_STATUS_OK);
		CHECK_EQ(tfe_cmd(a, VIRTIO_GPIO_MSG_SET_VALUE, 1, 1, NULL), 0);
		CHECK_EQ(tfe_cmd(a, VIRTIO_GPIO_MSG_SET_DIRECTION, 1, VIRTIO_GPIO_DIRECTION_OUT,
				 NULL), 0);
		CHECK_EQ(tfe_sim_get(&dmn, 0, 1, &sl), 0);
		CHECK_EQ(sl.dir_out, 1);
		CHECK_EQ(sl.value, 1);
		CHECK_EQ(tfe_sim_get(&dmn, 1, 1, &sl), 0);
		CHECK_EQ(sl.dir_out, 0);
		CHECK_EQ(tfe_get_value(b, 1), 0);
		CHECK_EQ(tfe_sim_set(&dmn, 1, 2, 1), 0);
		CHECK_EQ(tfe_get_value(b, 2), 1);
		CHECK_EQ(tfe_get_value(a, 2), 0);
		CHECK_EQ(tfe_sim_cmd(&dmn, reply, sizeof(reply), "info 0"), 0);
		CHECK(!strcmp(reply, "ok lines=4 kind=sim"));
		CHECK_EQ(tfe_sim_cmd(&dmn, reply, sizeof(reply), "info 1"), 0);
		CHECK(!strcmp(reply, "ok lines=8 kind=sim"));
		CHECK_EQ(tfe_sim_cmd(&dmn, reply, sizeof(reply), "info 2"), 1);
		CHECK_EQ(tfe_sim_cmd(&dmn, reply, sizeof(reply), "set 0 4 1"), 1);
		CHECK_EQ(tfe_sim_cmd(&dmn, reply, sizeof(reply), "frob"), 1);
	}
	tfe_free(a);
	tfe_free(b);
	stop();
}

static void t_fd_mode(void)
{
	struct tfe *t;
	int peer = -1;

	if (tfe_daemon_start_fd(&dmn, "s8", 7, &peer) < 0) {
		CHECK(!"daemon start");
		return;
	}
	t = tfe_new(peer, 0);
	CHECK(t != NULL);
	if (t) {
		CHECK_EQ(tfe_handshake(t, TFE_CROSVM), 0);
		CHECK_EQ(tfe_get_value(t, 7), 0);
		CHECK_EQ(tfe_stop(t), 0);
	}
	tfe_free(t);
	CHECK_EQ(tfe_daemon_wait_exit(&dmn, 5000), 0);
	tfe_daemon_stop(&dmn);
}

static void t_sigterm(void)
{
	pid_t helper = 0, w[32];
	int nh = 0, nw = 0;
	struct tfe *t;

	if (!start("s8", 1))
		return;
	t = tfe_daemon_open(&dmn, TFE_QEMU9);
	CHECK(t != NULL);
	children(&helper, &nh, w, &nw);
	CHECK_EQ(nh, 1);
	CHECK_EQ(kill(dmn.pid, SIGTERM), 0);
	CHECK_EQ(tfe_daemon_wait_exit(&dmn, 5000), 0);
	if (t)
		CHECK_EQ(tfe_wait_eof(t->sock, TFE_TIMEOUT_MS), 0);
	tfe_free(t);
	CHECK_EQ(access(dmn.sock, F_OK), -1);
	for (int i = 0; i < 100 && helper && tfe_proc_state(helper); i++)
		usleep(10 * 1000);
	CHECK_EQ(helper ? tfe_proc_state(helper) : 0, 0);
	CHECK_EQ(nw, 1);
	CHECK_EQ(nw == 1 ? tfe_proc_state(w[0]) : 0, 0);
	stop();
}

TEST_MAIN(TEST_CASE(t_process_tree), TEST_CASE(t_kill_worker), TEST_CASE(t_reconnect_state),
	  TEST_CASE(t_hostile), TEST_CASE(t_many_connections), TEST_CASE(t_two_sockets),
	  TEST_CASE(t_fd_mode), TEST_CASE(t_sigterm))
