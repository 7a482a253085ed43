// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The line access policy of the device list, enforced by the real helper
 * binary on simulated chips: hidden lines are invisible (ngpio, names,
 * ops, edges), visible ones are renumbered 0..n-1 in the listed order,
 * names= replaces the chip's names, input-only lines refuse to be driven.
 */
#include "helper_proc.h"

/* DEVICE_INFO of a new session on @dev: ngpio, names block into @names. */
static int device_info(struct hp *h, uint16_t dev, int *s, char *names, size_t len,
		       uint32_t *names_size)
{
	struct ipc_device_info info;

	*s = session(h, dev);
	CHECK(*s >= 0);
	if (*s < 0)
		return -1;
	CHECK_EQ(ipc_send(*s, IPC_REQ_DEVICE_INFO, NULL, 0, -1), 0);
	CHECK_EQ(recv_timeout(*s, &msg, TIMEOUT_MS), 0);
	CHECK_EQ(msg.hdr.type, IPC_ANS_DEVICE_INFO);
	memcpy(&info, msg.payload, sizeof(info));
	CHECK_EQ(msg.hdr.len, sizeof(info) + info.ngpio * sizeof(struct ipc_line_state) +
			      info.names_size);
	*names_size = info.names_size;
	if (info.names_size <= len)
		memcpy(names, msg.payload + sizeof(info) +
		       info.ngpio * sizeof(struct ipc_line_state), info.names_size);
	return info.ngpio;
}

static void test_visible_lines(void)
{
	struct ipc_line_edge e[2];
	char names[256];
	uint32_t size;
	struct hp h;
	int s;

	/* guest 0..3 = host 6, 1, 2, 3; host 0, 4, 5, 7 hidden */
	if (start(&h, "s8,lines=6+1-3:s4", 2) < 0)
		return;
	CHECK_EQ(device_info(&h, 0, &s, names, sizeof(names), &size), 4);
	CHECK_EQ(size, 4 * 8);
	CHECK(memcmp(names, "SIM0_L6\0SIM0_L1\0SIM0_L2\0SIM0_L3\0", 32) == 0);
	SIM_IS(&h, "info 0\n", "ok lines=8 kind=sim visible=4");
	SIM_IS(&h, "info 1\n", "ok lines=4 kind=sim");

	/* line numbers beyond the visible ones do not exist */
	CHECK_EQ(op1(s, IPC_OP_GET_DIRECTION, 4, 0), ERR);
	CHECK_EQ(op1(s, IPC_OP_SET_VALUE, 7, 1), ERR);
	CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 5, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH), ERR);

	/* guest line 0 is host line 6, both ways */
	CHECK_EQ(op1(s, IPC_OP_SET_VALUE, 0, 1), OK(0));
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 0, VIRTIO_GPIO_DIRECTION_OUT), OK(0));
	SIM_IS(&h, "get 0 6\n", "ok dir=out value=1 input=0 irq=none");
	SIM_IS(&h, "get 0 0\n", "ok dir=in value=0 input=0 irq=none hidden");
	SIM_IS(&h, "set 0 3 1\n", "ok");
	CHECK_EQ(op1(s, IPC_OP_GET_VALUE, 3, 0), OK(1));
	CHECK_EQ(op1(s, IPC_OP_GET_VALUE, 0, 0), OK(1));

	/* edges: reported under the guest number; hidden lines are silent */
	CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 1, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH), OK(0));
	SIM_IS(&h, "get 0 1\n", "ok dir=in value=0 input=0 irq=both");
	SIM_IS(&h, "set 0 0 1\n", "ok");
	SIM_IS(&h, "set 0 7 1\n", "ok");
	CHECK(quiet(s));
	SIM_IS(&h, "set 0 1 1\n", "ok");
	CHECK_EQ(edges(s, e, 1), 0);
	CHECK_EQ(e[0].line, 1);
	CHECK_EQ(e[0].edge, IPC_EDGE_RISING);
	CHECK_EQ(e[0].level, 1);
	CHECK(quiet(s));
	close(s);

	/* the other device is untouched by device 0's policy */
	CHECK_EQ(device_info(&h, 1, &s, names, sizeof(names), &size), 4);
	CHECK(memcmp(names, "SIM1_L0\0SIM1_L1\0SIM1_L2\0SIM1_L3\0", 32) == 0);
	close(s);
	stop(&h);
}

static void test_names(void)
{
	char names[256];
	uint32_t size;
	struct hp h;
	int s;

	/* names= replaces the chip's names; empty ones stay unnamed */
	if (start(&h, "s8,lines=2+5+7,names=led++btn.0:s3,names=++", 2) < 0)
		return;
	CHECK_EQ(device_info(&h, 0, &s, names, sizeof(names), &size), 3);
	CHECK_EQ(size, 4 + 1 + 6);
	CHECK(memcmp(names, "led\0\0btn.0\0", 11) == 0);
	close(s);
	/* all names empty: no names block at all */
	CHECK_EQ(device_info(&h, 1, &s, names, sizeof(names), &size), 3);
	CHECK_EQ(size, 0);
	close(s);
	stop(&h);
}

static void test_input_only(void)
{
	const uint32_t out = VIRTIO_GPIO_DIRECTION_OUT;
	struct ipc_line_op batch[4] = {
		{ .tag = 1, .op = IPC_OP_SET_VALUE, .line = 0, .value = 1 },
		{ .tag = 2, .op = IPC_OP_SET_VALUE, .line = 1, .value = 1 },
		{ .tag = 3, .op = IPC_OP_SET_DIRECTION, .line = 1, .value = out },
		{ .tag = 4, .op = IPC_OP_SET_DIRECTION, .line = 0, .value = out },
	};
	struct ipc_line_result r[4];
	struct ipc_line_edge e;
	char names[256];
	uint32_t size;
	struct hp h;
	int s;

	/* guest 0 = host 4 (input-only), guest 1 = host 5; host 3 input-only, no lines= */
	if (start(&h, "s8,lines=4-5,input-only=4:s4,input-only=3", 2) < 0)
		return;
	CHECK_EQ(device_info(&h, 0, &s, names, sizeof(names), &size), 2);
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 0, VIRTIO_GPIO_DIRECTION_OUT), ERR);
	CHECK_EQ(op1(s, IPC_OP_SET_VALUE, 0, 1), ERR);
	CHECK_EQ(op1(s, IPC_OP_SET_VALUE, 0, 0), ERR);
	SIM_IS(&h, "get 0 4\n", "ok dir=in value=0 input=0 irq=none");
	/* reading, IN, NONE and interrupts are allowed */
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 0, VIRTIO_GPIO_DIRECTION_IN), OK(0));
	CHECK_EQ(op1(s, IPC_OP_GET_DIRECTION, 0, 0), OK(VIRTIO_GPIO_DIRECTION_IN));
	SIM_IS(&h, "set 0 4 1\n", "ok");
	CHECK_EQ(op1(s, IPC_OP_GET_VALUE, 0, 0), OK(1));
	CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING), OK(1));
	SIM_IS(&h, "set 0 4 0\n", "ok");
	CHECK_EQ(edges(s, &e, 1), 0);
	CHECK_EQ(e.line, 0);
	CHECK_EQ(e.edge, IPC_EDGE_FALLING);
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 0, VIRTIO_GPIO_DIRECTION_NONE), OK(0));
	/* in one batch, only the input-only line's ops fail */
	CHECK_EQ(ops(s, batch, 4, r), 0);
	CHECK_EQ(r[0].status, VIRTIO_GPIO_STATUS_ERR);
	CHECK_EQ(r[1].status, VIRTIO_GPIO_STATUS_OK);
	CHECK_EQ(r[2].status, VIRTIO_GPIO_STATUS_OK);
	CHECK_EQ(r[3].status, VIRTIO_GPIO_STATUS_ERR);
	SIM_IS(&h, "get 0 5\n", "ok dir=out value=1 input=0 irq=none");
	SIM_IS(&h, "get 0 4\n", "ok dir=in value=0 input=0 irq=none");
	close(s);

	/* without lines=, input-only names host = guest lines */
	CHECK_EQ(device_info(&h, 1, &s, names, sizeof(names), &size), 4);
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 3, VIRTIO_GPIO_DIRECTION_OUT), ERR);
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 2, VIRTIO_GPIO_DIRECTION_OUT), OK(0));
	close(s);
	stop(&h);
}

TEST_MAIN(TEST_CASE(setup), TEST_CASE(test_visible_lines), TEST_CASE(test_names),
	  TEST_CASE(test_input_only), TEST_CASE(cleanup))
