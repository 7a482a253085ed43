// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for requestq decoding (device/worker/vgpio_req.c). Requests are
 * built byte by byte in little-endian, so the tests mean the same on any host.
 */
#include "../harness.h"
#include "ipc.h"
#include "virtio_gpio.h"
#include "worker/vgpio_req.h"

static const uint8_t names[] = "a\0\0MMC-CD\0";	/* 3 lines, 11 bytes with the last NUL */

static struct vgpio_dev_info dev_irq = { 3, sizeof(names), names, true };
static struct vgpio_dev_info dev_noirq = { 3, 0, NULL, false };

static void put_req(uint8_t *b, uint16_t type, uint16_t gpio, uint32_t value)
{
	b[0] = type & 0xff;
	b[1] = type >> 8;
	b[2] = gpio & 0xff;
	b[3] = gpio >> 8;
	b[4] = value & 0xff;
	b[5] = (value >> 8) & 0xff;
	b[6] = (value >> 16) & 0xff;
	b[7] = value >> 24;
}

struct out {
	enum vgpio_req_action act;
	struct ipc_line_op op;
	uint8_t status, value;
};

/* Decode with poisoned outputs, so "left untouched" and "set" differ. */
static struct out run_len(const struct vgpio_dev_info *dev, uint16_t type, uint16_t gpio,
			  uint32_t value, uint32_t req_len, uint32_t resp_len)
{
	uint8_t req[16];
	struct out o;

	memset(req, 0xee, sizeof(req));
	put_req(req, type, gpio, value);
	memset(&o.op, 0xa5, sizeof(o.op));
	o.status = 0x77;
	o.value = 0x77;
	o.act = vgpio_req_decode(dev, req, req_len, resp_len, &o.op, &o.status, &o.value);
	return o;
}

static struct out run(const struct vgpio_dev_info *dev, uint16_t type, uint16_t gpio,
		      uint32_t value)
{
	return run_len(dev, type, gpio, value, 8, vgpio_req_resp_len(dev, type));
}

#define CHECK_ERR(o) do { \
	struct out _o = (o); \
	CHECK_EQ(_o.act, VGPIO_REQ_ANSWER); \
	CHECK_EQ(_o.status, VIRTIO_GPIO_STATUS_ERR); \
	CHECK_EQ(_o.value, 0); \
} while (0)

#define CHECK_FWD(o, op_, line_, val_) do { \
	struct out _o = (o); \
	CHECK_EQ(_o.act, VGPIO_REQ_FORWARD); \
	CHECK_EQ(_o.op.op, (op_)); \
	CHECK_EQ(_o.op.line, (line_)); \
	CHECK_EQ(_o.op.value, (val_)); \
	CHECK_EQ(_o.op.reserved, 0); \
	CHECK_EQ(_o.op.tag, 0xa5a5a5a5u);	/* the caller's */ \
} while (0)

static void t_resp_len(void)
{
	CHECK_EQ(vgpio_req_resp_len(&dev_irq, VIRTIO_GPIO_MSG_GET_LINE_NAMES), 12);
	for (uint16_t t = 2; t <= 6; t++)
		CHECK_EQ(vgpio_req_resp_len(&dev_irq, t), 2);
	CHECK_EQ(vgpio_req_resp_len(&dev_irq, 0x99), 2);
	CHECK_EQ(vgpio_req_resp_len(&dev_noirq, VIRTIO_GPIO_MSG_GET_LINE_NAMES), 1);

	struct vgpio_dev_info huge = { 1, UINT32_MAX, names, false };

	CHECK_EQ(vgpio_req_resp_len(&huge, VIRTIO_GPIO_MSG_GET_LINE_NAMES), UINT32_MAX);
}

static void t_get_ops(void)
{
	CHECK_FWD(run(&dev_irq, VIRTIO_GPIO_MSG_GET_DIRECTION, 0, 0), IPC_OP_GET_DIRECTION, 0, 0);
	CHECK_FWD(run(&dev_irq, VIRTIO_GPIO_MSG_GET_VALUE, 2, 0), IPC_OP_GET_VALUE, 2, 0);
	/* Lenient: a non-zero value is ignored and not passed on. */
	CHECK_FWD(run(&dev_irq, VIRTIO_GPIO_MSG_GET_DIRECTION, 1, 0xdeadbeef),
		  IPC_OP_GET_DIRECTION, 1, 0);
	CHECK_FWD(run(&dev_irq, VIRTIO_GPIO_MSG_GET_VALUE, 1, 7), IPC_OP_GET_VALUE, 1, 0);
	CHECK_ERR(run(&dev_irq, VIRTIO_GPIO_MSG_GET_DIRECTION, 3, 0));
	CHECK_ERR(run(&dev_irq, VIRTIO_GPIO_MSG_GET_VALUE, 0xffff, 0));
}

static void t_set_direction(void)
{
	for (uint32_t v = 0; v <= 2; v++)
		CHECK_FWD(run(&dev_noirq, VIRTIO_GPIO_MSG_SET_DIRECTION, 2, v),
			  IPC_OP_SET_DIRECTION, 2, v);
	CHECK_ERR(run(&dev_irq, VIRTIO_GPIO_MSG_SET_DIRECTION, 0, 3));
	CHECK_ERR(run(&dev_irq, VIRTIO_GPIO_MSG_SET_DIRECTION, 0, 0x100));	/* not truncated */
	CHECK_ERR(run(&dev_irq, VIRTIO_GPIO_MSG_SET_DIRECTION, 0, UINT32_MAX));
	CHECK_ERR(run(&dev_irq, VIRTIO_GPIO_MSG_SET_DIRECTION, 3, 1));
}

static void t_set_value(void)
{
	CHECK_FWD(run(&dev_irq, VIRTIO_GPIO_MSG_SET_VALUE, 1, 0), IPC_OP_SET_VALUE, 1, 0);
	CHECK_FWD(run(&dev_irq, VIRTIO_GPIO_MSG_SET_VALUE, 1, 1), IPC_OP_SET_VALUE, 1, 1);
	CHECK_ERR(run(&dev_irq, VIRTIO_GPIO_MSG_SET_VALUE, 1, 2));
	CHECK_ERR(run(&dev_irq, VIRTIO_GPIO_MSG_SET_VALUE, 1, 0x10000));
	CHECK_ERR(run(&dev_irq, VIRTIO_GPIO_MSG_SET_VALUE, 3, 0));
}

static void t_set_irq_type(void)
{
	static const uint32_t ok[] = { 0, 1, 2, 3, 4, 8 };
	static const uint32_t bad[] = { 5, 6, 7, 9, 12, 16, 0x104, 0xffffffff };

	for (unsigned int i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		CHECK_FWD(run(&dev_irq, VIRTIO_GPIO_MSG_SET_IRQ_TYPE, 2, ok[i]),
			  IPC_OP_SET_IRQ_TYPE, 2, ok[i]);
		CHECK_ERR(run(&dev_noirq, VIRTIO_GPIO_MSG_SET_IRQ_TYPE, 2, ok[i]));	/* DR6 */
	}
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_ERR(run(&dev_irq, VIRTIO_GPIO_MSG_SET_IRQ_TYPE, 0, bad[i]));
	CHECK_ERR(run(&dev_irq, VIRTIO_GPIO_MSG_SET_IRQ_TYPE, 3, 1));
}

static void t_names(void)
{
	struct out o = run(&dev_irq, VIRTIO_GPIO_MSG_GET_LINE_NAMES, 0, 0);

	CHECK_EQ(o.act, VGPIO_REQ_NAMES);
	CHECK_EQ(o.status, VIRTIO_GPIO_STATUS_OK);
	/* Lenient: gpio and value are ignored. */
	CHECK_EQ(run(&dev_irq, VIRTIO_GPIO_MSG_GET_LINE_NAMES, 77, 5).act, VGPIO_REQ_NAMES);
	/* A larger area is fine; the caller writes 1 + names_size bytes. */
	CHECK_EQ(run_len(&dev_irq, VIRTIO_GPIO_MSG_GET_LINE_NAMES, 0, 0, 8, 100).act,
		 VGPIO_REQ_NAMES);
	/* One byte short of 1 + names_size. */
	CHECK_ERR(run_len(&dev_irq, VIRTIO_GPIO_MSG_GET_LINE_NAMES, 0, 0, 8, sizeof(names)));
	CHECK_ERR(run_len(&dev_irq, VIRTIO_GPIO_MSG_GET_LINE_NAMES, 0, 0, 8, 2));
	/* No names: ERR whatever the area. */
	CHECK_ERR(run(&dev_noirq, VIRTIO_GPIO_MSG_GET_LINE_NAMES, 0, 0));
	CHECK_ERR(run_len(&dev_noirq, VIRTIO_GPIO_MSG_GET_LINE_NAMES, 0, 0, 8, 64));

	struct vgpio_dev_info nonames = { 3, 4, NULL, true };

	CHECK_ERR(run_len(&nonames, VIRTIO_GPIO_MSG_GET_LINE_NAMES, 0, 0, 8, 5));
}

static void t_unknown_type(void)
{
	static const uint16_t bad[] = { 0, 7, 8, 0x100, 0x0102, 0xffff };

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_ERR(run(&dev_irq, bad[i], 0, 0));
}

static void t_short_request(void)
{
	for (uint32_t len = 0; len < 8; len++)
		CHECK_ERR(run_len(&dev_irq, VIRTIO_GPIO_MSG_GET_VALUE, 0, 0, len, 2));
	/* Extra readable bytes are ignored. */
	CHECK_FWD(run_len(&dev_irq, VIRTIO_GPIO_MSG_GET_VALUE, 1, 0, 16, 2),
		  IPC_OP_GET_VALUE, 1, 0);
}

static void t_small_response(void)
{
	CHECK_ERR(run_len(&dev_irq, VIRTIO_GPIO_MSG_SET_VALUE, 0, 1, 8, 0));
	CHECK_ERR(run_len(&dev_irq, VIRTIO_GPIO_MSG_SET_VALUE, 0, 1, 8, 1));
	CHECK_ERR(run_len(&dev_irq, VIRTIO_GPIO_MSG_GET_DIRECTION, 0, 0, 8, 1));
	/* Short on both sides: still an ERR answer. */
	CHECK_ERR(run_len(&dev_irq, VIRTIO_GPIO_MSG_GET_DIRECTION, 0, 0, 2, 0));
	CHECK_FWD(run_len(&dev_irq, VIRTIO_GPIO_MSG_SET_VALUE, 0, 1, 8, 3), IPC_OP_SET_VALUE, 0, 1);
}

static void t_little_endian(void)
{
	uint8_t req[8] = { 0x03, 0x00, 0x02, 0x01, 0x02, 0x00, 0x00, 0x00 };
	struct vgpio_dev_info big = { 0x0103, 0, NULL, true };
	struct ipc_line_op op = { 0 };
	uint8_t status, value;

	/* SET_DIRECTION(IN) on line 0x0102. */
	CHECK_EQ(vgpio_req_decode(&big, req, 8, 2, &op, &status, &value), VGPIO_REQ_FORWARD);
	CHECK_EQ(op.op, IPC_OP_SET_DIRECTION);
	CHECK_EQ(op.line, 0x0102);
	CHECK_EQ(op.value, 2);
	/* Byte-swapped type (0x0300) is unknown, not SET_DIRECTION. */
	req[0] = 0x00;
	req[1] = 0x03;
	CHECK_EQ(vgpio_req_decode(&big, req, 8, 2, &op, &status, &value), VGPIO_REQ_ANSWER);
	CHECK_EQ(status, VIRTIO_GPIO_STATUS_ERR);
	CHECK_EQ(value, 0);
	/* High bytes of value count: 0x01000002 is not a direction. */
	req[0] = 0x03;
	req[1] = 0x00;
	req[7] = 0x01;
	CHECK_EQ(vgpio_req_decode(&big, req, 8, 2, &op, &status, &value), VGPIO_REQ_ANSWER);
	/* Line 0x0103 (= ngpio) is out of range; 0x0102 was the last one. */
	CHECK_ERR(run(&big, VIRTIO_GPIO_MSG_GET_VALUE, 0x0103, 0));
	CHECK_FWD(run(&big, VIRTIO_GPIO_MSG_SET_IRQ_TYPE, 0x0102, VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW),
		  IPC_OP_SET_IRQ_TYPE, 0x0102, 8);
}

static void t_unaligned_request(void)
{
	uint8_t buf[9];
	struct ipc_line_op op = { 0 };
	uint8_t status, value;

	/* The request may sit anywhere in the caller's copy buffer. */
	put_req(buf + 1, VIRTIO_GPIO_MSG_SET_VALUE, 2, 1);
	CHECK_EQ(vgpio_req_decode(&dev_irq, buf + 1, 8, 2, &op, &status, &value),
		 VGPIO_REQ_FORWARD);
	CHECK_EQ(op.line, 2);
	CHECK_EQ(op.value, 1);
}

TEST_MAIN(TEST_CASE(t_resp_len), TEST_CASE(t_get_ops), TEST_CASE(t_set_direction),
	  TEST_CASE(t_set_value), TEST_CASE(t_set_irq_type), TEST_CASE(t_names),
	  TEST_CASE(t_unknown_type), TEST_CASE(t_short_request), TEST_CASE(t_small_response),
	  TEST_CASE(t_little_endian), TEST_CASE(t_unaligned_request))
