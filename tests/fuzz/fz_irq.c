// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: the eventq state machine (device/worker/vgpio_irq.c) and the
 * requestq decoder (vgpio_req.c), driven by fuzzed sequences, each checked
 * against a small model of the rules in their headers.
 *
 * The input is a header (line count, whether the sink has read_level) and a
 * program: buffers arriving (any line, heads that collide on purpose),
 * trigger changes, restores, releases, edges, level answers, rings
 * stopping and starting, held buffers forgotten, and requests decoded.
 *
 * The model follows vgpio_irq.h: per line the type, at most one held
 * buffer, the edge latch, the last level, an unanswered level read. The
 * sink checks every completion as it happens:
 *  - only while running; a head completes only if it is held (never
 *    twice) or is the newcomer being refused, with the status address it
 *    came with;
 *  - VALID only for an enabled line holding that buffer, edge types with a
 *    latched edge, level types at their active level with no read pending;
 *  - INVALID for a held buffer only when its line is being disabled.
 * After each step the implementation's view (type, held, latch, reading)
 * must equal the model's, and nothing deliverable may be left undelivered
 * while running (no lost interrupt).
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "virtio_gpio.h"
#include "worker/vgpio_irq.h"
#include "worker/vgpio_req.h"
#include "fz.h"

#define FZ_MAX_OPS	2048

struct mline {
	uint8_t type;
	bool held;
	uint16_t head;
	uint64_t gpa;
	bool latched;
	bool level;
	bool reading;
};

struct model {
	struct vgpio_irq *irq;
	uint16_t ngpio;
	bool read_sink;
	bool running;
	/* what the sink may see during the current call */
	int disabling;			/* line whose held buffer may come back INVALID, or -1 */
	bool newcomer_ok;		/* the buffer being offered may be refused at once */
	uint16_t newcomer;
	uint64_t newcomer_gpa;
	unsigned int completions;
	int read_for;			/* read_level() calls seen: line, or -1 */
	unsigned int reads;
	struct mline *l;
};

static struct model m;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_setup("fuzz-irq");
	return 0;
}

static bool is_edge(uint8_t t)
{
	return t == VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING || t == VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING ||
	       t == VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH;
}

static bool is_level(uint8_t t)
{
	return t == VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH || t == VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW;
}

static uint8_t sanitize(uint8_t t)
{
	return is_edge(t) || is_level(t) ? t : VIRTIO_GPIO_IRQ_TYPE_NONE;
}

static bool active(const struct mline *l)
{
	return (l->type == VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH && l->level) ||
	       (l->type == VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW && !l->level);
}

static void sink_complete(void *ctx, uint16_t head, uint64_t gpa, uint8_t status)
{
	int line = -1;

	(void)ctx;
	m.completions++;
	FZ_ASSERT(m.running);
	FZ_ASSERT(status == VIRTIO_GPIO_IRQ_STATUS_VALID ||
		  status == VIRTIO_GPIO_IRQ_STATUS_INVALID);
	for (unsigned int i = 0; i < m.ngpio && line < 0; i++)
		if (m.l[i].held && m.l[i].head == head)
			line = (int)i;
	if (line < 0) {
		/* Not held anywhere: only the refused newcomer, once, INVALID. */
		FZ_ASSERT(m.newcomer_ok && head == m.newcomer && gpa == m.newcomer_gpa);
		FZ_ASSERT(status == VIRTIO_GPIO_IRQ_STATUS_INVALID);
		m.newcomer_ok = false;
		return;
	}
	FZ_ASSERT(gpa == m.l[line].gpa);
	if (status == VIRTIO_GPIO_IRQ_STATUS_VALID) {
		struct mline *l = &m.l[line];

		FZ_ASSERT(l->type != VIRTIO_GPIO_IRQ_TYPE_NONE);
		if (is_edge(l->type))
			FZ_ASSERT(l->latched);
		else
			FZ_ASSERT(active(l) && !l->reading);
		l->latched = false;
	} else {
		FZ_ASSERT(line == m.disabling);
	}
	m.l[line].held = false;
}

static void sink_read_level(void *ctx, uint16_t gpio)
{
	(void)ctx;
	FZ_ASSERT(m.read_sink && gpio == m.read_for);
	m.reads++;
}

/* The implementation's view equals the model's; nothing deliverable is left. */
static void check_all(void)
{
	for (unsigned int i = 0; i < m.ngpio; i++) {
		const struct mline *l = &m.l[i];
		bool due = is_edge(l->type) ? l->latched : active(l) && !l->reading;

		FZ_ASSERT(vgpio_irq_type(m.irq, (uint16_t)i) == l->type);
		FZ_ASSERT(vgpio_irq_is_held(m.irq, (uint16_t)i) == l->held);
		FZ_ASSERT(vgpio_irq_is_latched(m.irq, (uint16_t)i) == l->latched);
		FZ_ASSERT(vgpio_irq_is_reading(m.irq, (uint16_t)i) == l->reading);
		FZ_ASSERT(!l->latched || is_edge(l->type));
		FZ_ASSERT(!(m.running && l->held && due));
	}
	FZ_ASSERT(!vgpio_irq_is_held(m.irq, m.ngpio) && !vgpio_irq_is_held(m.irq, UINT16_MAX));
}

static void op_buffer(uint16_t gpio, uint16_t head, uint64_t gpa)
{
	unsigned int before = m.completions;
	bool held_already = false, want_read = false;
	struct mline *l = gpio < m.ngpio ? &m.l[gpio] : NULL;

	for (unsigned int i = 0; i < m.ngpio; i++)
		held_already |= m.l[i].held && m.l[i].head == head;
	m.newcomer = head;
	m.newcomer_gpa = gpa;
	m.newcomer_ok = !held_already && (!l || l->held);
	m.read_for = gpio;
	m.reads = 0;
	if (!held_already && l && !l->held) {
		l->held = true;
		l->head = head;
		l->gpa = gpa;
		if (is_level(l->type) && m.read_sink && !l->reading) {
			l->reading = true;
			want_read = true;
		}
	}
	vgpio_irq_buffer(m.irq, gpio, head, gpa);
	FZ_ASSERT(m.reads == (want_read ? 1u : 0u));
	if (held_already)
		FZ_ASSERT(m.completions == before);
	/* A refused buffer goes back at once while running, and is dropped while stopped. */
	if (m.newcomer_ok)
		FZ_ASSERT(!m.running);
	m.newcomer_ok = false;
	m.read_for = -1;
}

/* SET_IRQ_TYPE(NONE or unknown) with @type and @level, or a release. */
static void op_disable(uint16_t gpio, bool release, uint8_t type, uint8_t level)
{
	struct mline *l = gpio < m.ngpio ? &m.l[gpio] : NULL;

	if (l) {
		l->type = VIRTIO_GPIO_IRQ_TYPE_NONE;
		l->latched = false;
		if (!release)
			l->level = level != 0;
		m.disabling = gpio;
	}
	if (release)
		vgpio_irq_release(m.irq, gpio);
	else
		vgpio_irq_set_type(m.irq, gpio, type, level);
	/* While running the held buffer came back INVALID; while stopped it stays. */
	if (l && m.running)
		FZ_ASSERT(!l->held);
	m.disabling = -1;
}

static void op_set_type(uint16_t gpio, uint8_t type, uint8_t level)
{
	struct mline *l = gpio < m.ngpio ? &m.l[gpio] : NULL;

	if (sanitize(type) == VIRTIO_GPIO_IRQ_TYPE_NONE) {
		/* Unknown types count as NONE. */
		op_disable(gpio, false, type, level);
		return;
	}
	if (l) {
		l->type = type;
		l->level = level != 0;
		l->latched = false;
	}
	vgpio_irq_set_type(m.irq, gpio, type, level);
}

static void op_edge(uint16_t gpio, uint8_t edge, uint8_t level)
{
	struct mline *l = gpio < m.ngpio ? &m.l[gpio] : NULL;

	if (l) {
		l->level = level != 0;
		if ((l->type == VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING && edge == IPC_EDGE_RISING) ||
		    (l->type == VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING && edge == IPC_EDGE_FALLING) ||
		    (l->type == VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH &&
		     (edge == IPC_EDGE_RISING || edge == IPC_EDGE_FALLING)))
			l->latched = true;
	}
	vgpio_irq_edge(m.irq, gpio, edge, level);
}

/* vgpio_req_decode() against the rules of vgpio_req.h. */
static void op_decode(struct fz_in *in)
{
	static const uint8_t names[] = "a\0\0b";
	uint8_t req[12], status, value;
	uint32_t req_len = fz_u8(in) % (sizeof(req) + 1), resp_len, need, v;
	struct vgpio_dev_info dev = {
		.ngpio = m.ngpio, .irq_negotiated = fz_u8(in) & 1,
	};
	struct ipc_line_op op = { .tag = 0x5a5a };
	enum vgpio_req_action act, want = VGPIO_REQ_ANSWER;
	uint16_t type, gpio;

	if (fz_u8(in) & 1) {
		dev.names = names;
		dev.names_size = sizeof(names);
	}
	fz_take(in, req, sizeof(req));
	/* Mostly plausible fields, sometimes anything. */
	if (req[1] < 0xf0) {
		req[0] %= 8;
		req[1] = 0;
	}
	if (req[3] < 0xf0) {
		req[2] %= m.ngpio < 255 ? m.ngpio + 1 : 256;
		req[3] = 0;
	}
	if (req[7] < 0xf0) {
		req[4] %= 10;
		req[5] = req[6] = req[7] = 0;
	}
	resp_len = fz_u8(in);
	resp_len = resp_len < 0xf0 ? resp_len % 8 : fz_u32(in);
	act = vgpio_req_decode(&dev, req, req_len, resp_len, &op, &status, &value);

	type = (uint16_t)(req[0] | req[1] << 8);
	gpio = (uint16_t)(req[2] | req[3] << 8);
	v = (uint32_t)req[4] | (uint32_t)req[5] << 8 | (uint32_t)req[6] << 16 |
	    (uint32_t)req[7] << 24;
	need = type == VIRTIO_GPIO_MSG_GET_LINE_NAMES ? 1 + dev.names_size : 2;
	FZ_ASSERT(vgpio_req_resp_len(&dev, type) == need);
	if (req_len < 8 || resp_len < 1 || resp_len < need)
		want = VGPIO_REQ_ANSWER;
	else if (type == VIRTIO_GPIO_MSG_GET_LINE_NAMES)
		want = dev.names_size ? VGPIO_REQ_NAMES : VGPIO_REQ_ANSWER;
	else if (gpio < dev.ngpio &&
		 (type == VIRTIO_GPIO_MSG_GET_DIRECTION || type == VIRTIO_GPIO_MSG_GET_VALUE ||
		  (type == VIRTIO_GPIO_MSG_SET_DIRECTION && v <= VIRTIO_GPIO_DIRECTION_IN) ||
		  (type == VIRTIO_GPIO_MSG_SET_VALUE && v <= 1) ||
		  (type == VIRTIO_GPIO_MSG_SET_IRQ_TYPE && dev.irq_negotiated &&
		   (sanitize((uint8_t)v) == v && v <= 0xff))))
		want = VGPIO_REQ_FORWARD;
	FZ_ASSERT(act == want);
	if (act == VGPIO_REQ_NAMES)
		FZ_ASSERT(status == VIRTIO_GPIO_STATUS_OK);
	else
		FZ_ASSERT(status == VIRTIO_GPIO_STATUS_ERR && value == 0);
	if (act == VGPIO_REQ_FORWARD) {
		FZ_ASSERT(op.op == type && op.line == gpio && op.reserved == 0 && op.tag == 0x5a5a);
		FZ_ASSERT(op.value == (type == VIRTIO_GPIO_MSG_GET_DIRECTION ||
				       type == VIRTIO_GPIO_MSG_GET_VALUE ? 0 : v));
	}
}

static uint16_t pick_line(struct fz_in *in)
{
	uint8_t b = fz_u8(in);

	return b < 0xf8 ? b % (m.ngpio + 1) : fz_u16(in);
}

static void run_op(struct fz_in *in)
{
	uint8_t op = fz_u8(in);
	uint16_t gpio = pick_line(in);
	uint8_t a = fz_u8(in), b = fz_u8(in);

	switch (op % 11) {
	case 0:
	case 1:
		op_buffer(gpio, a < 0xf0 ? a % 24 : fz_u16(in), 0x1000 + (uint64_t)b * 8);
		break;
	case 2:
		op_set_type(gpio, a % 10, b);
		break;
	case 3:
	case 4:
		op_edge(gpio, a % 3, b & 1);
		break;
	case 5:
		if (gpio < m.ngpio) {
			m.l[gpio].reading = false;
			if (a & 1)
				m.l[gpio].level = b != 0;
		}
		vgpio_irq_level(m.irq, gpio, a & 1, b);
		break;
	case 6:
		op_disable(gpio, a & 1, VIRTIO_GPIO_IRQ_TYPE_NONE, b);
		break;
	case 7:
		m.running = a & 1;
		vgpio_irq_set_running(m.irq, m.running);
		break;
	case 8:
		/* Session start: the rings are not running yet. */
		if (m.running)
			break;
		if (gpio < m.ngpio) {
			m.l[gpio].type = sanitize(a % 10);
			m.l[gpio].level = b != 0;
			m.l[gpio].latched = false;
		}
		vgpio_irq_restore(m.irq, gpio, a % 10, b);
		break;
	case 9:
		if (a == 0x42) {
			for (unsigned int i = 0; i < m.ngpio; i++)
				m.l[i].held = false;
			vgpio_irq_forget_held(m.irq);
		}
		break;
	default:
		op_decode(in);
		break;
	}
	check_all();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = fz_in(data, size);
	uint8_t flags = fz_u8(&in);
	struct vgpio_irq_sink sink = { .complete = sink_complete, .ctx = &m };

	memset(&m, 0, sizeof(m));
	m.ngpio = flags & 0x80 ? 1 + fz_u16(&in) % 300 : 1 + (flags & 7);
	m.read_sink = flags & 8;
	m.disabling = -1;
	m.read_for = -1;
	if (m.read_sink)
		sink.read_level = sink_read_level;
	m.l = calloc(m.ngpio, sizeof(*m.l));
	m.irq = vgpio_irq_new(m.ngpio, &sink);
	FZ_ASSERT(m.l && m.irq);
	FZ_ASSERT(!vgpio_irq_new(0, &sink));
	check_all();
	for (unsigned int i = 0; i < FZ_MAX_OPS && fz_more(&in); i++)
		run_op(&in);
	vgpio_irq_free(m.irq);
	free(m.l);
	return 0;
}
