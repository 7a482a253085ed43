// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The helper's session protocol, run against the real binary: DEVICE_INFO,
 * every line op and its validation, batches, edges, line release, state
 * across sessions, malformed messages.
 */
#include "helper_proc.h"

static void test_device_info(void)
{
	struct ipc_device_info info;
	struct ipc_line_state st[8];
	struct hp h;
	int s;

	if (start(&h, "s8:s3", 2) < 0)
		return;
	s = session(&h, 0);
	CHECK(s >= 0);
	CHECK_EQ(ipc_send(s, IPC_REQ_DEVICE_INFO, NULL, 0, -1), 0);
	CHECK_EQ(recv_timeout(s, &msg, TIMEOUT_MS), 0);
	CHECK_EQ(msg.hdr.type, IPC_ANS_DEVICE_INFO);
	memcpy(&info, msg.payload, sizeof(info));
	CHECK_EQ(info.ngpio, 8);
	CHECK_EQ(info.reserved, 0);
	CHECK_EQ(info.names_size, 8 * strlen("SIM0_L0") + 8);
	CHECK_EQ(msg.hdr.len, sizeof(info) + 8 * sizeof(st[0]) + info.names_size);
	memcpy(st, msg.payload + sizeof(info), sizeof(st));
	for (int i = 0; i < 8; i++) {
		const char *name = (const char *)msg.payload + sizeof(info) + sizeof(st) + i * 8;
		char want[24];

		CHECK_EQ(st[i].irq_type, 0);
		CHECK_EQ(st[i].level, 0);
		snprintf(want, sizeof(want), "SIM0_L%d", i);
		CHECK(strcmp(name, want) == 0);
	}

	/* state shows up: irq type of line 2, input level of line 5 */
	CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 2, VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW), OK(0));
	SIM_IS(&h, "set 0 5 1\n", "ok");
	CHECK_EQ(ipc_send(s, IPC_REQ_DEVICE_INFO, NULL, 0, -1), 0);
	CHECK_EQ(recv_timeout(s, &msg, TIMEOUT_MS), 0);
	memcpy(st, msg.payload + sizeof(info), sizeof(st));
	CHECK_EQ(st[2].irq_type, VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW);
	CHECK_EQ(st[5].level, 1);
	CHECK_EQ(st[5].irq_type, 0);
	close(s);

	/* the second device has its own names */
	s = session(&h, 1);
	CHECK_EQ(ipc_send(s, IPC_REQ_DEVICE_INFO, NULL, 0, -1), 0);
	CHECK_EQ(recv_timeout(s, &msg, TIMEOUT_MS), 0);
	memcpy(&info, msg.payload, sizeof(info));
	CHECK_EQ(info.ngpio, 3);
	CHECK_EQ(info.names_size, 24);
	CHECK_EQ(msg.hdr.len, 8 + 6 + 24);
	CHECK(memcmp(msg.payload + 14, "SIM1_L0\0SIM1_L1\0SIM1_L2\0", 24) == 0);
	close(s);
	stop(&h);
}

/* The largest device: the body goes on in full continuation messages, in order. */
static void test_device_info_big(void)
{
	struct ipc_device_info info;
	uint64_t size, have;
	uint8_t *body;
	unsigned int nmsg = 1;
	struct hp h;
	int s;

	if (start(&h, "s65535", 1) < 0)
		return;
	s = session(&h, 0);
	CHECK(s >= 0);
	CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 65534, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH), OK(0));
	CHECK_EQ(ipc_send(s, IPC_REQ_DEVICE_INFO, NULL, 0, -1), 0);
	CHECK_EQ(recv_timeout(s, &msg, TIMEOUT_MS), 0);
	CHECK_EQ(msg.hdr.type, IPC_ANS_DEVICE_INFO);
	CHECK_EQ(msg.hdr.len, IPC_MSG_MAX - sizeof(struct ipc_hdr));
	memcpy(&info, msg.payload, sizeof(info));
	CHECK_EQ(info.ngpio, 65535);
	size = ipc_device_info_body(&info);
	CHECK(size > 4 * IPC_MSG_MAX);
	body = malloc(size);
	CHECK(body != NULL);
	if (!body)
		goto out;
	have = msg.hdr.len - sizeof(info);
	memcpy(body, msg.payload + sizeof(info), have);
	while (have < size) {
		if (recv_timeout(s, &msg, TIMEOUT_MS) < 0 || msg.hdr.type != IPC_CONT_DEVICE_INFO ||
		    msg.hdr.len > size - have) {
			CHECK(!"a continuation within the body");
			break;
		}
		/* every continuation but the last is full */
		if (have + msg.hdr.len < size)
			CHECK_EQ(msg.hdr.len, IPC_DEVICE_INFO_CONT);
		memcpy(body + have, msg.payload, msg.hdr.len);
		have += msg.hdr.len;
		nmsg++;
	}
	CHECK_EQ(have, size);
	CHECK(nmsg > 4);
	CHECK(quiet(s));
	CHECK_EQ(body[2 * 65534], VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH);
	CHECK_EQ(body[0], VIRTIO_GPIO_IRQ_TYPE_NONE);
	CHECK(memcmp(body + 2 * 65535, "SIM0_L0", 8) == 0);
	CHECK(memcmp(body + size - 12, "SIM0_L65534", 12) == 0);
	/* the session still answers afterwards */
	CHECK_EQ(op1(s, IPC_OP_GET_VALUE, 65534, 0), OK(0));
	free(body);
out:
	close(s);
	stop(&h);
}

static void test_ops(void)
{
	struct hp h;
	int s;

	if (start(&h, "s8", 1) < 0)
		return;
	s = session(&h, 0);
	CHECK_EQ(op1(s, IPC_OP_GET_DIRECTION, 0, 0), OK(VIRTIO_GPIO_DIRECTION_IN));
	CHECK_EQ(op1(s, IPC_OP_GET_VALUE, 0, 0), OK(0));
	/* value is remembered on an input, the input level is what reads back */
	CHECK_EQ(op1(s, IPC_OP_SET_VALUE, 0, 1), OK(0));
	CHECK_EQ(op1(s, IPC_OP_GET_VALUE, 0, 0), OK(0));
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 0, VIRTIO_GPIO_DIRECTION_OUT), OK(0));
	CHECK_EQ(op1(s, IPC_OP_GET_DIRECTION, 0, 0), OK(VIRTIO_GPIO_DIRECTION_OUT));
	CHECK_EQ(op1(s, IPC_OP_GET_VALUE, 0, 0), OK(1));
	SIM_IS(&h, "get 0 0\n", "ok dir=out value=1 input=0 irq=none");
	/* an output ignores the external level but remembers it */
	SIM_IS(&h, "set 0 0 1\n", "ok");
	CHECK_EQ(op1(s, IPC_OP_SET_VALUE, 0, 0), OK(0));
	CHECK_EQ(op1(s, IPC_OP_GET_VALUE, 0, 0), OK(0));
	SIM_IS(&h, "get 0 0\n", "ok dir=out value=0 input=1 irq=none");
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 0, VIRTIO_GPIO_DIRECTION_IN), OK(0));
	CHECK_EQ(op1(s, IPC_OP_GET_VALUE, 0, 0), OK(1));
	CHECK_EQ(op1(s, IPC_OP_GET_DIRECTION, 0, 0), OK(VIRTIO_GPIO_DIRECTION_IN));

	/* validation: line, opcode, values, reserved */
	for (uint16_t code = IPC_OP_GET_DIRECTION; code <= IPC_OP_SET_IRQ_TYPE; code++) {
		CHECK_EQ(op1(s, code, 8, 0), ERR);
		CHECK_EQ(op1(s, code, 0xffff, 0), ERR);
	}
	CHECK_EQ(op1(s, 0, 1, 0), ERR);
	CHECK_EQ(op1(s, 1, 1, 0), ERR);		/* GET_LINE_NAMES is the worker's */
	CHECK_EQ(op1(s, 7, 1, 0), ERR);
	CHECK_EQ(op1(s, 0xffff, 1, 0), ERR);
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 1, 3), ERR);
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 1, 0x102), ERR);
	CHECK_EQ(op1(s, IPC_OP_SET_VALUE, 1, 2), ERR);
	CHECK_EQ(op1(s, IPC_OP_SET_VALUE, 1, 0x100), ERR);
	for (uint32_t t = 0; t < 20; t++) {
		int valid = t <= 4 || t == 8;

		CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 1, t), valid ? OK(0) : ERR);
		CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 1, 0), OK(0));
	}
	CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 1, 0xffffffffu), ERR);
	{
		struct ipc_line_op op = { .tag = 5, .op = IPC_OP_GET_VALUE, .line = 1,
					  .reserved = 1 };
		struct ipc_line_result r;

		CHECK_EQ(ops(s, &op, 1, &r), 0);
		CHECK_EQ(r.status, VIRTIO_GPIO_STATUS_ERR);
		CHECK_EQ(r.tag, 5);
	}
	/* a failed op changed nothing */
	SIM_IS(&h, "get 0 1\n", "ok dir=in value=0 input=0 irq=none");

	/* irq on an output: refused; an output with an irq: refused; NONE is fine */
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 2, VIRTIO_GPIO_DIRECTION_OUT), OK(0));
	CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 2, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING), ERR);
	CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 2, VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH), ERR);
	CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 2, VIRTIO_GPIO_IRQ_TYPE_NONE), OK(0));
	CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 3, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH), OK(0));
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 3, VIRTIO_GPIO_DIRECTION_OUT), ERR);
	SIM_IS(&h, "get 0 3\n", "ok dir=in value=0 input=0 irq=both");

	/* SET_IRQ_TYPE answers the level now; changing type without NONE works */
	SIM_IS(&h, "set 0 4 1\n", "ok");
	CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 4, VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH), OK(1));
	CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 4, VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING), OK(1));
	SIM_IS(&h, "get 0 4\n", "ok dir=in value=1 input=1 irq=falling");
	close(s);
	stop(&h);
}

static void test_batch(void)
{
	struct ipc_line_op op[IPC_MAX_OPS + 1];
	struct ipc_line_result r[IPC_MAX_OPS];
	struct hp h;
	int s;

	if (start(&h, "s4", 1) < 0)
		return;
	s = session(&h, 0);
	memset(op, 0, sizeof(op));
	op[0] = (struct ipc_line_op){ 100, IPC_OP_SET_VALUE, 1, 1, 0 };
	op[1] = (struct ipc_line_op){ 101, IPC_OP_SET_DIRECTION, 1, VIRTIO_GPIO_DIRECTION_OUT, 0 };
	op[2] = (struct ipc_line_op){ 102, IPC_OP_GET_VALUE, 9, 0, 0 };		/* bad line */
	op[3] = (struct ipc_line_op){ 103, IPC_OP_GET_VALUE, 1, 0, 0 };
	op[4] = (struct ipc_line_op){ 104, IPC_OP_GET_DIRECTION, 1, 0, 0 };
	op[5] = (struct ipc_line_op){ 105, IPC_OP_SET_IRQ_TYPE, 1, 1, 0 };	/* output */
	op[6] = (struct ipc_line_op){ 106, IPC_OP_GET_DIRECTION, 0, 0, 0 };
	CHECK_EQ(ops(s, op, 7, r), 0);
	for (int i = 0; i < 7; i++)
		CHECK_EQ(r[i].tag, 100 + i);
	CHECK_EQ(r[0].status, 0);
	CHECK_EQ(r[1].status, 0);
	CHECK_EQ(r[2].status, 1);
	CHECK_EQ(r[2].value, 0);
	CHECK_EQ(r[3].status * 256 + r[3].value, OK(1));	/* sees op 1's effect */
	CHECK_EQ(r[4].status * 256 + r[4].value, OK(VIRTIO_GPIO_DIRECTION_OUT));
	CHECK_EQ(r[5].status, 1);
	CHECK_EQ(r[6].status * 256 + r[6].value, OK(VIRTIO_GPIO_DIRECTION_IN));

	/* a full batch */
	for (int i = 0; i < IPC_MAX_OPS; i++)
		op[i] = (struct ipc_line_op){ 1000u + i, IPC_OP_GET_VALUE, (uint16_t)(i % 5), 0, 0 };
	CHECK_EQ(ops(s, op, IPC_MAX_OPS, r), 0);
	for (int i = 0; i < IPC_MAX_OPS; i++) {
		CHECK_EQ(r[i].tag, 1000 + i);
		CHECK_EQ(r[i].status, i % 5 == 4 ? 1 : 0);
	}
	/* one op too many is a malformed message */
	CHECK_EQ(ipc_send(s, IPC_REQ_LINE_OPS, op, sizeof(op), -1), 0);
	CHECK(ended(s));
	close(s);
	stop(&h);
}

static void test_edges(void)
{
	struct ipc_line_edge e[2] = { 0 };
	struct hp h;
	uint64_t t0 = now_ns();
	int s, s2, other;

	if (start(&h, "s4:s2", 2) < 0)
		return;
	s = session(&h, 0);
	s2 = session(&h, 0);
	other = session(&h, 1);
	CHECK(s >= 0 && s2 >= 0 && other >= 0);

	/* irq type NONE: no edge */
	SIM_IS(&h, "set 0 0 1\n", "ok");
	CHECK(quiet(s));

	CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 1, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING), OK(0));
	SIM_IS(&h, "set 0 1 1\n", "ok");
	CHECK_EQ(edges(s, e, 1), 0);
	CHECK_EQ(e[0].line, 1);
	CHECK_EQ(e[0].edge, IPC_EDGE_RISING);
	CHECK_EQ(e[0].level, 1);
	CHECK_EQ(e[0].reserved, 0);
	CHECK(e[0].timestamp_ns >= t0 && e[0].timestamp_ns <= now_ns());
	t0 = e[0].timestamp_ns;
	/* every session of the device gets it, other devices do not */
	CHECK_EQ(edges(s2, e, 1), 0);
	CHECK_EQ(e[0].line, 1);
	CHECK(quiet(other));

	/* falling edges go out too (the worker filters by trigger); no change, no edge */
	SIM_IS(&h, "set 0 1 0\n", "ok");
	CHECK_EQ(edges(s, e, 1), 0);
	CHECK_EQ(e[0].edge, IPC_EDGE_FALLING);
	CHECK_EQ(e[0].level, 0);
	CHECK(e[0].timestamp_ns > t0);
	CHECK_EQ(edges(s2, e, 1), 0);
	SIM_IS(&h, "set 0 1 0\n", "ok");
	CHECK(quiet(s));

	/* several pending edges travel in one message, in order */
	CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 3, VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW), OK(0));
	CHECK(quiet(s2));
	SIM_IS(&h, "set 0 3 1\nset 0 2 1\nset 0 1 1\n", "ok");
	CHECK_EQ(edges(s, e, 2), 0);
	CHECK_EQ(e[0].line, 3);
	CHECK_EQ(e[0].edge, IPC_EDGE_RISING);
	CHECK_EQ(e[1].line, 1);
	CHECK_EQ(e[1].level, 1);
	CHECK(e[1].timestamp_ns >= e[0].timestamp_ns);
	CHECK_EQ(edges(s2, e, 2), 0);
	SIM_IS(&h, "", "ok");	/* the two other replies of the batch */
	SIM_IS(&h, "", "ok");

	/*
	 * edges of one line in one batch coalesce: one entry, both bits, the last
	 * level, at the line's first position (line 3 rises and falls around line 1)
	 */
	SIM_IS(&h, "set 0 3 0\nset 0 1 0\nset 0 3 1\nset 0 1 1\nset 0 3 0\n", "ok");
	CHECK_EQ(edges(s, e, 2), 0);
	CHECK_EQ(e[0].line, 3);
	CHECK_EQ(e[0].edge, IPC_EDGE_RISING | IPC_EDGE_FALLING);
	CHECK_EQ(e[0].level, 0);
	CHECK_EQ(e[1].line, 1);
	CHECK_EQ(e[1].edge, IPC_EDGE_RISING | IPC_EDGE_FALLING);
	CHECK_EQ(e[1].level, 1);
	CHECK(e[0].timestamp_ns >= e[1].timestamp_ns);	/* line 3 changed last */
	CHECK(quiet(s));
	CHECK_EQ(edges(s2, e, 2), 0);
	for (int i = 0; i < 4; i++)
		SIM_IS(&h, "", "ok");

	/* the other device's lines are separate */
	CHECK_EQ(op1(other, IPC_OP_SET_IRQ_TYPE, 1, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH), OK(0));
	SIM_IS(&h, "set 1 1 1\n", "ok");
	CHECK_EQ(edges(other, e, 1), 0);
	CHECK_EQ(e[0].line, 1);
	CHECK(quiet(s));

	/* irq back to NONE: silence again */
	CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 1, VIRTIO_GPIO_IRQ_TYPE_NONE), OK(1));
	SIM_IS(&h, "set 0 1 0\n", "ok");
	CHECK(quiet(s));
	CHECK(quiet(s2));
	close(s);
	close(s2);
	close(other);
	stop(&h);
}

static void test_release(void)
{
	struct hp h;
	int s;

	if (start(&h, "s4", 1) < 0)
		return;
	s = session(&h, 0);
	/* an input with an irq, released: irq NONE, still IN, no more edges */
	CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 3, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH), OK(0));
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 3, VIRTIO_GPIO_DIRECTION_NONE), OK(0));
	CHECK_EQ(op1(s, IPC_OP_GET_DIRECTION, 3, 0), OK(VIRTIO_GPIO_DIRECTION_IN));
	SIM_IS(&h, "get 0 3\n", "ok dir=in value=0 input=0 irq=none");
	SIM_IS(&h, "set 0 3 1\n", "ok");
	CHECK(quiet(s));

	/* an output driving 1, released: value forgotten, reads the input */
	CHECK_EQ(op1(s, IPC_OP_SET_VALUE, 2, 1), OK(0));
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 2, VIRTIO_GPIO_DIRECTION_OUT), OK(0));
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 2, VIRTIO_GPIO_DIRECTION_NONE), OK(0));
	CHECK_EQ(op1(s, IPC_OP_GET_DIRECTION, 2, 0), OK(VIRTIO_GPIO_DIRECTION_IN));
	SIM_IS(&h, "get 0 2\n", "ok dir=in value=0 input=0 irq=none");
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 2, VIRTIO_GPIO_DIRECTION_OUT), OK(0));
	CHECK_EQ(op1(s, IPC_OP_GET_VALUE, 2, 0), OK(0));
	close(s);
	stop(&h);
}

static void test_reconnect(void)
{
	struct ipc_line_state st[4];
	struct ipc_line_edge e = { 0 };
	struct hp h;
	int a, b;

	if (start(&h, "s4", 1) < 0)
		return;
	a = session(&h, 0);
	CHECK_EQ(op1(a, IPC_OP_SET_VALUE, 2, 1), OK(0));
	CHECK_EQ(op1(a, IPC_OP_SET_DIRECTION, 2, VIRTIO_GPIO_DIRECTION_OUT), OK(0));
	CHECK_EQ(op1(a, IPC_OP_SET_IRQ_TYPE, 1, VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING), OK(0));
	close(a);

	b = session(&h, 0);
	CHECK(b >= 0);
	CHECK_EQ(ipc_send(b, IPC_REQ_DEVICE_INFO, NULL, 0, -1), 0);
	CHECK_EQ(recv_timeout(b, &msg, TIMEOUT_MS), 0);
	CHECK_EQ(msg.hdr.type, IPC_ANS_DEVICE_INFO);
	memcpy(st, msg.payload + sizeof(struct ipc_device_info), sizeof(st));
	CHECK_EQ(st[1].irq_type, VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING);
	CHECK_EQ(st[2].level, 1);
	CHECK_EQ(st[2].irq_type, 0);
	CHECK_EQ(op1(b, IPC_OP_GET_DIRECTION, 2, 0), OK(VIRTIO_GPIO_DIRECTION_OUT));
	SIM_IS(&h, "set 0 1 1\n", "ok");
	CHECK_EQ(edges(b, &e, 1), 0);
	CHECK_EQ(e.line, 1);
	close(b);
	stop(&h);
}

static void test_malformed(void)
{
	struct ipc_line_op op = { .tag = 1, .op = IPC_OP_GET_VALUE };
	uint8_t junk[24] = { 0 };
	struct hp h;
	int keep, s, p[2];

	if (start(&h, "s4", 1) < 0)
		return;
	keep = session(&h, 0);
	CHECK_EQ(op1(keep, IPC_OP_SET_VALUE, 0, 1), OK(0));

	s = session(&h, 0);
	CHECK_EQ(ipc_send(s, IPC_REQ_LINE_OPS, &op, 15, -1), 0);	/* not a multiple */
	CHECK(ended(s));
	close(s);
	s = session(&h, 0);
	CHECK_EQ(ipc_send(s, IPC_REQ_LINE_OPS, NULL, 0, -1), 0);	/* empty batch */
	CHECK(ended(s));
	close(s);
	s = session(&h, 0);
	CHECK_EQ(ipc_send(s, 42, junk, 8, -1), 0);			/* unknown type */
	CHECK(ended(s));
	close(s);
	s = session(&h, 0);
	CHECK_EQ(ipc_send(s, IPC_ANS_LINE_OPS, junk, 8, -1), 0);	/* wrong direction */
	CHECK(ended(s));
	close(s);
	s = session(&h, 0);
	CHECK_EQ(ipc_send(s, IPC_REQ_DEVICE_INFO, junk, 4, -1), 0);	/* payload not allowed */
	CHECK(ended(s));
	close(s);
	s = session(&h, 0);
	CHECK_EQ(pipe(p), 0);
	CHECK_EQ(ipc_send(s, IPC_REQ_DEVICE_INFO, NULL, 0, p[1]), 0);	/* fd not allowed */
	close(p[1]);
	CHECK(ended(s));
	close(s);
	{
		char c;
		struct pollfd pf = { .fd = p[0], .events = POLLIN };

		CHECK(poll(&pf, 1, TIMEOUT_MS) == 1 && read(p[0], &c, 1) == 0); /* fd closed */
		close(p[0]);
	}
	s = session(&h, 0);
	junk[0] = IPC_REQ_LINE_OPS;
	junk[4] = 32;							/* len lies */
	CHECK_EQ(send(s, junk, 24, 0), 24);
	CHECK(ended(s));
	close(s);

	/* the helper survived all of it; the old session and the state too */
	CHECK_EQ(op1(keep, IPC_OP_GET_DIRECTION, 0, 0), OK(VIRTIO_GPIO_DIRECTION_IN));
	s = session(&h, 0);
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 0, VIRTIO_GPIO_DIRECTION_OUT), OK(0));
	CHECK_EQ(op1(s, IPC_OP_GET_VALUE, 0, 0), OK(1));
	close(s);
	close(keep);
	stop(&h);
}
TEST_MAIN(TEST_CASE(setup), TEST_CASE(test_device_info), TEST_CASE(test_device_info_big),
	  TEST_CASE(test_ops),
	  TEST_CASE(test_batch), TEST_CASE(test_edges), TEST_CASE(test_release),
	  TEST_CASE(test_reconnect), TEST_CASE(test_malformed), TEST_CASE(cleanup))
