// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Line capabilities as the real helper hands them out (IPC_EVT_LINE_CAP):
 * a simulated chip's value table once per session, after the first op that
 * succeeded, shared both ways and sealed against resizing; none for chips
 * with lines= or input-only=, none after a failed op, none with
 * --no-line-caps. (Host line requests need a kernel chip: the VM suite's
 * chip scenario runs them.)
 */
#include <sys/mman.h>

#include "helper_proc.h"


static void t_sim_table(void)
{
	struct ipc_sim_cell *cell;
	struct hp h;
	int s, fd;

	hp_caps_clear();
	if (start(&h, "s8", 1) < 0)
		return;
	s = session(&h, 0);
	CHECK(s >= 0);
	/* A failed op hands out nothing. */
	CHECK_EQ(op1(s, IPC_OP_GET_VALUE, 8, 0), ERR);
	CHECK_EQ(hp_ncaps, 0);
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 3, VIRTIO_GPIO_DIRECTION_OUT), OK(0));
	CHECK_EQ(hp_ncaps, 1);
	if (hp_ncaps != 1)
		goto out;
	CHECK_EQ(hp_cap[0].cap.kind, IPC_CAP_SIM_TABLE);
	CHECK_EQ(hp_cap[0].cap.size, 8 * sizeof(struct ipc_sim_cell));
	CHECK_EQ(hp_cap[0].cap.line, 0);
	CHECK_EQ(hp_cap[0].cap.dir, 0);
	fd = hp_cap[0].fd;
	/* Sealed: a worker cannot pull the memory from under the helper. */
	CHECK(ftruncate(fd, 4) < 0);
	CHECK(ftruncate(fd, 1 << 20) < 0);
	cell = mmap(NULL, hp_cap[0].cap.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(cell != MAP_FAILED);
	if (cell == MAP_FAILED)
		goto out;
	CHECK_EQ(cell[3].dir, VIRTIO_GPIO_DIRECTION_OUT);
	CHECK_EQ(cell[2].dir, VIRTIO_GPIO_DIRECTION_IN);
	/* A value written in the table is the chip's, as a SET_VALUE would be. */
	cell[3].out = 1;
	SIM_IS(&h, "get 0 3\n", "ok dir=out value=1 input=0 irq=none");
	CHECK_EQ(op1(s, IPC_OP_GET_VALUE, 3, 0), OK(1));
	CHECK_EQ(op1(s, IPC_OP_SET_VALUE, 3, 0), OK(0));
	CHECK_EQ(cell[3].out, 0);
	/* Any nonzero byte counts as high, never as an odd level. */
	cell[3].out = 0x80;
	CHECK_EQ(op1(s, IPC_OP_GET_VALUE, 3, 0), OK(1));
	/* The external level shows up in the table before the edge goes out. */
	SIM_IS(&h, "set 0 5 1\n", "ok");
	CHECK_EQ(cell[5].input, 1);
	/* Direction and input are copies: writing them changes nothing. */
	cell[5].dir = VIRTIO_GPIO_DIRECTION_OUT;
	cell[5].input = 0;
	SIM_IS(&h, "get 0 5\n", "ok dir=in value=1 input=1 irq=none");
	CHECK_EQ(op1(s, IPC_OP_GET_VALUE, 5, 0), OK(1));
	CHECK_EQ(op1(s, IPC_OP_GET_DIRECTION, 5, 0), OK(VIRTIO_GPIO_DIRECTION_IN));
	/* Released: the output value is forgotten in the table too. */
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 3, VIRTIO_GPIO_DIRECTION_NONE), OK(0));
	CHECK_EQ(cell[3].out, 0);
	CHECK_EQ(cell[3].dir, VIRTIO_GPIO_DIRECTION_IN);
	/* Once per session. */
	CHECK_EQ(op1(s, IPC_OP_SET_VALUE, 1, 1), OK(0));
	CHECK_EQ(hp_ncaps, 1);
	munmap(cell, hp_cap[0].cap.size);
	close(s);
	/* A new session gets it again, on its first op that works. */
	s = session(&h, 0);
	CHECK_EQ(op1(s, IPC_OP_GET_DIRECTION, 0, 0), OK(VIRTIO_GPIO_DIRECTION_IN));
	CHECK_EQ(hp_ncaps, 2);
	if (hp_ncaps == 2)
		CHECK_EQ(hp_cap[1].cap.kind, IPC_CAP_SIM_TABLE);
out:
	close(s);
	hp_caps_clear();
	stop(&h);
}

/* Only a guest that may read and drive every line of the chip gets its table. */
static void t_no_table_with_policy(void)
{
	struct hp h;
	int s;

	hp_caps_clear();
	if (start(&h, "s8,input-only=2:s8,lines=0-3:s4,names=a+b+c+d", 3) < 0)
		return;
	for (unsigned int dev = 0; dev < 3; dev++) {
		s = session(&h, dev);
		CHECK(s >= 0);
		CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 0, VIRTIO_GPIO_DIRECTION_OUT), OK(0));
		CHECK_EQ(op1(s, IPC_OP_SET_VALUE, 0, 1), OK(0));
		CHECK_EQ(hp_ncaps, dev == 2 ? 1 : 0);
		close(s);
	}
	hp_caps_clear();
	stop(&h);
}

static void t_no_line_caps(void)
{
	struct hp h;
	int s;

	hp_caps_clear();
	if (start_ex(&h, "s8", 1, "--no-line-caps") < 0)
		return;
	s = session(&h, 0);
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 0, VIRTIO_GPIO_DIRECTION_OUT), OK(0));
	CHECK_EQ(op1(s, IPC_OP_GET_VALUE, 0, 0), OK(0));
	CHECK_EQ(hp_ncaps, 0);
	SIM_IS(&h, "stats 0\n", "ok ops=2");
	close(s);
	stop(&h);
}

TEST_MAIN(TEST_CASE(setup), TEST_CASE(t_sim_table), TEST_CASE(t_no_table_with_policy),
	  TEST_CASE(t_no_line_caps), TEST_CASE(cleanup))
