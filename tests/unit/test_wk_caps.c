// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The worker's line capabilities (device/worker/wk_caps.c) on a bare struct
 * worker: which capabilities it keeps and which it closes at once, the sim
 * table's values both ways, the rule that a line with an op at the helper is
 * never answered directly, and the release order (the request fd is closed
 * before the SET_DIRECTION(NONE) goes out). Real line requests need a kernel
 * chip: pipes stand in for them here, so every direct ioctl fails and must
 * fall back to the helper; the VM chip scenario drives the real ones.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../harness.h"
#include "worker/wk.h"

#define NGPIO	8

static struct worker w;

static void init(void)
{
	memset(&w, 0, sizeof(w));
	w.info.ngpio = NGPIO;
	CHECK_EQ(wk_caps_init(&w), 0);
}

/* An fd that is open, and whether it still is later. */
static int some_fd(void)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	close(p[1]);
	return p[0];
}

static bool is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static int take(uint8_t kind, uint16_t line, uint8_t dir, uint32_t size, int fd)
{
	struct ipc_line_cap cap = { .line = line, .kind = kind, .dir = dir, .size = size };

	return wk_caps_receive(&w, &cap, fd);
}

static struct ipc_line_op op(uint16_t code, uint16_t line, uint32_t value)
{
	return (struct ipc_line_op){ .op = code, .line = line, .value = value };
}

static void t_line_request_kept_or_closed(void)
{
	int a = some_fd(), b = some_fd(), c = some_fd(), d = some_fd();

	init();
	CHECK_EQ(take(IPC_CAP_LINE_REQUEST, 2, VIRTIO_GPIO_DIRECTION_OUT, 0, a), 0);
	CHECK(is_open(a));
	CHECK_EQ(w.ncaps, 1);
	/* A second one for the same line is closed; the first stays. */
	CHECK_EQ(take(IPC_CAP_LINE_REQUEST, 2, VIRTIO_GPIO_DIRECTION_IN, 0, b), 0);
	CHECK(!is_open(b));
	CHECK(is_open(a));
	/* Nonsense is refused and closed: no such line, no direction, unknown kind. */
	CHECK_EQ(take(IPC_CAP_LINE_REQUEST, NGPIO, VIRTIO_GPIO_DIRECTION_IN, 0, c), -EINVAL);
	CHECK(!is_open(c));
	CHECK_EQ(take(IPC_CAP_LINE_REQUEST, 3, VIRTIO_GPIO_DIRECTION_NONE, 0, d), -EINVAL);
	CHECK(!is_open(d));
	d = some_fd();
	CHECK_EQ(take(7, 3, VIRTIO_GPIO_DIRECTION_IN, 0, d), -EINVAL);
	CHECK(!is_open(d));
	CHECK_EQ(w.ncaps, 1);
	wk_caps_free(&w);
	CHECK(!is_open(a));
}

/* No more than IPC_MAX_LINE_CAPS request fds, whatever the helper sends. */
static void t_line_request_limit(void)
{
	int fds[IPC_MAX_LINE_CAPS + 1];

	memset(&w, 0, sizeof(w));
	w.info.ngpio = IPC_MAX_LINE_CAPS + 1;
	CHECK_EQ(wk_caps_init(&w), 0);
	for (unsigned int i = 0; i <= IPC_MAX_LINE_CAPS; i++) {
		fds[i] = some_fd();
		CHECK_EQ(take(IPC_CAP_LINE_REQUEST, (uint16_t)i, VIRTIO_GPIO_DIRECTION_IN, 0,
			      fds[i]), 0);
	}
	CHECK_EQ(w.ncaps, IPC_MAX_LINE_CAPS);
	CHECK(is_open(fds[IPC_MAX_LINE_CAPS - 1]));
	CHECK(!is_open(fds[IPC_MAX_LINE_CAPS]));
	wk_caps_free(&w);
	CHECK(!is_open(fds[0]));
}

/* The fd goes before the release is sent; one that arrives meanwhile is closed. */
static void t_release_order(void)
{
	struct ipc_line_op none = op(IPC_OP_SET_DIRECTION, 4, VIRTIO_GPIO_DIRECTION_NONE), sync;
	int a = some_fd(), b = some_fd();

	init();
	CHECK_EQ(take(IPC_CAP_LINE_REQUEST, 4, VIRTIO_GPIO_DIRECTION_OUT, 0, a), 0);
	CHECK_EQ(wk_caps_before_forward(&w, &none, &sync), 0);
	CHECK(!is_open(a));
	CHECK_EQ(w.ncaps, 0);
	/* Sent by the helper for an op before the release: too late, closed. */
	CHECK_EQ(take(IPC_CAP_LINE_REQUEST, 4, VIRTIO_GPIO_DIRECTION_OUT, 0, b), 0);
	CHECK(!is_open(b));
	wk_caps_answered(&w, 4, IPC_OP_SET_DIRECTION, VIRTIO_GPIO_DIRECTION_NONE, true);
	/* Once the release is answered, a new hold may bring a new one. */
	b = some_fd();
	CHECK_EQ(take(IPC_CAP_LINE_REQUEST, 4, VIRTIO_GPIO_DIRECTION_IN, 0, b), 0);
	CHECK(is_open(b));
	wk_caps_free(&w);
}

/* A line request that does not work (here: not one) sends the value to the helper. */
static void t_line_request_falls_back(void)
{
	struct ipc_line_op get = op(IPC_OP_GET_VALUE, 1, 0), set = op(IPC_OP_SET_VALUE, 1, 1);
	uint8_t v = 0xee;

	init();
	CHECK_EQ(take(IPC_CAP_LINE_REQUEST, 1, VIRTIO_GPIO_DIRECTION_OUT, 0, some_fd()), 0);
	CHECK(!wk_caps_try(&w, &get, &v));
	CHECK(!wk_caps_try(&w, &set, &v));
	/* Directions and triggers are never the worker's. */
	set = op(IPC_OP_SET_DIRECTION, 1, VIRTIO_GPIO_DIRECTION_IN);
	CHECK(!wk_caps_try(&w, &set, &v));
	wk_caps_free(&w);
}

static void t_sim_table(void)
{
	size_t size = NGPIO * sizeof(struct ipc_sim_cell);
	struct ipc_line_op getv = op(IPC_OP_GET_VALUE, 3, 0), setv = op(IPC_OP_SET_VALUE, 3, 1);
	struct ipc_line_op dir = op(IPC_OP_SET_DIRECTION, 3, VIRTIO_GPIO_DIRECTION_OUT), sync;
	struct ipc_sim_cell *cell;
	uint8_t v;
	int fd;

	init();
	/* The wrong size, or an fd shorter than it says: refused. */
	fd = memfd_create("t", MFD_CLOEXEC);
	CHECK(fd >= 0 && ftruncate(fd, (off_t)size) == 0);
	CHECK_EQ(take(IPC_CAP_SIM_TABLE, 0, 0, (uint32_t)size - 1, dup(fd)), -EINVAL);
	CHECK_EQ(take(IPC_CAP_SIM_TABLE, 0, 0, (uint32_t)size, some_fd()), -EINVAL);
	CHECK(w.sim_table == NULL);
	CHECK(!wk_caps_try(&w, &getv, &v));
	CHECK_EQ(take(IPC_CAP_SIM_TABLE, 0, 0, (uint32_t)size, dup(fd)), 0);
	CHECK(w.sim_table != NULL);
	cell = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(cell != MAP_FAILED);
	close(fd);
	if (cell == MAP_FAILED)
		goto out;
	/* An input reads its input level, an output its output value. */
	cell[3].dir = VIRTIO_GPIO_DIRECTION_IN;
	cell[3].input = 1;
	v = 0xee;
	CHECK(wk_caps_try(&w, &getv, &v));
	CHECK_EQ(v, 1);
	CHECK(wk_caps_try(&w, &setv, &v));
	CHECK_EQ(v, 0);
	CHECK_EQ(cell[3].out, 1);
	cell[3].dir = VIRTIO_GPIO_DIRECTION_OUT;
	cell[3].input = 0;
	CHECK(wk_caps_try(&w, &getv, &v));
	CHECK_EQ(v, 1);
	/* With an op of the line at the helper, its values wait their turn. */
	CHECK_EQ(wk_caps_before_forward(&w, &dir, &sync), 0);
	CHECK(!wk_caps_try(&w, &getv, &v));
	CHECK(!wk_caps_try(&w, &setv, &v));
	/* Other lines go on. */
	getv.line = 2;
	CHECK(wk_caps_try(&w, &getv, &v));
	wk_caps_answered(&w, 3, IPC_OP_SET_DIRECTION, VIRTIO_GPIO_DIRECTION_OUT, true);
	getv.line = 3;
	CHECK(wk_caps_try(&w, &getv, &v));
	/* A second table is not taken. */
	fd = some_fd();
	CHECK_EQ(take(IPC_CAP_SIM_TABLE, 0, 0, (uint32_t)size, fd), -EINVAL);
	CHECK(!is_open(fd));
	/* Once the helper is lost, nothing is answered directly. */
	w.helper_lost = true;
	CHECK(!wk_caps_try(&w, &getv, &v));
	munmap(cell, size);
out:
	wk_caps_free(&w);
}

TEST_MAIN(TEST_CASE(t_line_request_kept_or_closed), TEST_CASE(t_line_request_limit),
	  TEST_CASE(t_release_order), TEST_CASE(t_line_request_falls_back), TEST_CASE(t_sim_table))
