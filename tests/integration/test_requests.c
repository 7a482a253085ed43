// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * requestq against the real daemon: every message type with exact used
 * lengths, every ERR case, the output/input semantics checked through the
 * sim control, same-line ordering, direct and indirect chains, and chains
 * that point outside guest memory.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "../harness.h"
#include "../frontend/tfe.h"

#define NGPIO	8

static struct tfe_daemon dmn;

static struct tfe *open_dev(enum tfe_order order)
{
	struct tfe *t = tfe_daemon_open(&dmn, order);

	CHECK(t != NULL);
	return t;
}

static bool start(void)
{
	if (tfe_daemon_start(&dmn, "s8", 1) == 0)
		return true;
	CHECK(!"daemon start");
	return false;
}

/* One request; checks used length 2 and returns the status (or -1). */
static int req(struct tfe *t, uint16_t type, uint16_t gpio, uint32_t value, uint8_t *val)
{
	struct tfe_done d;

	if (tfe_req(t, type, gpio, value, &d) < 0) {
		CHECK(!"request completed");
		return -1;
	}
	CHECK_EQ(d.len, 2);
	if (val)
		*val = d.value;
	return d.status;
}

static void expect(struct tfe *t, uint16_t type, uint16_t gpio, uint32_t value, int status,
		   int rvalue)
{
	uint8_t v = 0xee;

	CHECK_EQ(req(t, type, gpio, value, &v), status);
	CHECK_EQ(v, rvalue);
}

static void check_names(struct tfe *t)
{
	uint32_t n = le32toh(t->cfg.gpio_names_size);
	char buf[4096], *names[NGPIO];
	struct tfe_done d;
	unsigned int count = 0;
	size_t off = 0;

	CHECK(n > 0 && n < sizeof(buf));
	if (n == 0 || n >= sizeof(buf))
		return;
	CHECK_EQ(tfe_get_names(t, buf, sizeof(buf), &d), 0);
	CHECK_EQ(d.len, 1 + n);
	CHECK_EQ(d.status, VIRTIO_GPIO_STATUS_OK);
	/* Exactly ngpio NUL-terminated, non-empty, unique 7-bit ASCII strings. */
	while (off < n && count < NGPIO) {
		size_t len = strnlen(buf + off, n - off);

		CHECK(len > 0 && off + len < n);
		if (len == 0 || off + len >= n)
			return;
		for (size_t i = 0; i < len; i++)
			CHECK(buf[off + i] > 0x20 && buf[off + i] < 0x7f);
		names[count++] = buf + off;
		off += len + 1;
	}
	CHECK_EQ(count, NGPIO);
	CHECK_EQ(off, n);
	for (unsigned int i = 0; i < count; i++)
		for (unsigned int j = i + 1; j < count; j++)
			CHECK(strcmp(names[i], names[j]) != 0);
}

static void t_all_types(void)
{
	struct tfe_sim_line sl;
	struct tfe *t;

	if (!start())
		return;
	t = open_dev(TFE_QEMU9);
	if (t) {
		check_names(t);
		for (uint16_t g = 0; g < NGPIO; g++)
			expect(t, VIRTIO_GPIO_MSG_GET_DIRECTION, g, 0, 0, VIRTIO_GPIO_DIRECTION_IN);
		expect(t, VIRTIO_GPIO_MSG_SET_DIRECTION, 1, VIRTIO_GPIO_DIRECTION_IN, 0, 0);
		expect(t, VIRTIO_GPIO_MSG_GET_VALUE, 1, 0, 0, 0);
		/* SET_VALUE on an input is remembered, SET_DIRECTION(OUT) drives it. */
		expect(t, VIRTIO_GPIO_MSG_SET_VALUE, 1, 1, 0, 0);
		CHECK_EQ(tfe_sim_get(&dmn, 0, 1, &sl), 0);
		CHECK_EQ(sl.dir_out, 0);
		expect(t, VIRTIO_GPIO_MSG_SET_DIRECTION, 1, VIRTIO_GPIO_DIRECTION_OUT, 0, 0);
		CHECK_EQ(tfe_sim_get(&dmn, 0, 1, &sl), 0);
		CHECK_EQ(sl.dir_out, 1);
		CHECK_EQ(sl.value, 1);
		expect(t, VIRTIO_GPIO_MSG_GET_DIRECTION, 1, 0, 0, VIRTIO_GPIO_DIRECTION_OUT);
		expect(t, VIRTIO_GPIO_MSG_GET_VALUE, 1, 0, 0, 1);
		expect(t, VIRTIO_GPIO_MSG_SET_VALUE, 1, 0, 0, 0);
		CHECK_EQ(tfe_sim_get(&dmn, 0, 1, &sl), 0);
		CHECK_EQ(sl.value, 0);
		expect(t, VIRTIO_GPIO_MSG_GET_VALUE, 1, 0, 0, 0);
		/* IRQ types on an input line, all of them, then NONE. */
		static const uint32_t types[] = { 1, 2, 3, 4, 8, 0, 3, 0 };

		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			expect(t, VIRTIO_GPIO_MSG_SET_IRQ_TYPE, 2, types[i], 0, 0);
		expect(t, VIRTIO_GPIO_MSG_SET_IRQ_TYPE, 2, VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH, 0, 0);
		CHECK_EQ(tfe_sim_get(&dmn, 0, 2, &sl), 0);
		CHECK(!strcmp(sl.irq, "high"));
		/* SET_DIRECTION(NONE) forgets the line; it reads back as IN. */
		expect(t, VIRTIO_GPIO_MSG_SET_DIRECTION, 2, VIRTIO_GPIO_DIRECTION_NONE, 0, 0);
		expect(t, VIRTIO_GPIO_MSG_GET_DIRECTION, 2, 0, 0, VIRTIO_GPIO_DIRECTION_IN);
		CHECK_EQ(tfe_sim_get(&dmn, 0, 2, &sl), 0);
		CHECK(!strcmp(sl.irq, "none"));
		expect(t, VIRTIO_GPIO_MSG_SET_DIRECTION, 1, VIRTIO_GPIO_DIRECTION_NONE, 0, 0);
		expect(t, VIRTIO_GPIO_MSG_GET_DIRECTION, 1, 0, 0, VIRTIO_GPIO_DIRECTION_IN);
		/* VR7: NONE forgets the line, including the remembered output value. */
		expect(t, VIRTIO_GPIO_MSG_SET_VALUE, 1, 1, 0, 0);
		expect(t, VIRTIO_GPIO_MSG_SET_DIRECTION, 1, VIRTIO_GPIO_DIRECTION_OUT, 0, 0);
		expect(t, VIRTIO_GPIO_MSG_SET_DIRECTION, 1, VIRTIO_GPIO_DIRECTION_NONE, 0, 0);
		expect(t, VIRTIO_GPIO_MSG_SET_DIRECTION, 1, VIRTIO_GPIO_DIRECTION_OUT, 0, 0);
		CHECK_EQ(tfe_sim_get(&dmn, 0, 1, &sl), 0);
		CHECK_EQ(sl.value, 0);
		expect(t, VIRTIO_GPIO_MSG_SET_DIRECTION, 1, VIRTIO_GPIO_DIRECTION_IN, 0, 0);
		CHECK_EQ(t->vq[0].errors, 0);
	}
	tfe_free(t);
	CHECK_EQ(tfe_daemon_stop(&dmn), 0);
}

static void t_errors(void)
{
	static const uint16_t types[] = { 2, 3, 4, 5, 6 };
	struct tfe *t;

	if (!start())
		return;
	t = open_dev(TFE_QEMU9);
	if (t) {
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
			expect(t, types[i], NGPIO, 0, VIRTIO_GPIO_STATUS_ERR, 0);
			expect(t, types[i], 0xffff, 0, VIRTIO_GPIO_STATUS_ERR, 0);
		}
		expect(t, 0, 0, 0, VIRTIO_GPIO_STATUS_ERR, 0);
		expect(t, 7, 0, 0, VIRTIO_GPIO_STATUS_ERR, 0);
		expect(t, 0xffff, 0, 0, VIRTIO_GPIO_STATUS_ERR, 0);
		expect(t, VIRTIO_GPIO_MSG_SET_DIRECTION, 0, 3, VIRTIO_GPIO_STATUS_ERR, 0);
		expect(t, VIRTIO_GPIO_MSG_SET_DIRECTION, 0, 0x102, VIRTIO_GPIO_STATUS_ERR, 0);
		expect(t, VIRTIO_GPIO_MSG_SET_VALUE, 0, 2, VIRTIO_GPIO_STATUS_ERR, 0);
		expect(t, VIRTIO_GPIO_MSG_SET_VALUE, 0, 0x100, VIRTIO_GPIO_STATUS_ERR, 0);
		expect(t, VIRTIO_GPIO_MSG_SET_IRQ_TYPE, 0, 5, VIRTIO_GPIO_STATUS_ERR, 0);
		expect(t, VIRTIO_GPIO_MSG_SET_IRQ_TYPE, 0, 16, VIRTIO_GPIO_STATUS_ERR, 0);
		/* Failed requests change nothing. */
		expect(t, VIRTIO_GPIO_MSG_GET_DIRECTION, 0, 0, 0, VIRTIO_GPIO_DIRECTION_IN);
		expect(t, VIRTIO_GPIO_MSG_GET_VALUE, 0, 0, 0, 0);
		/* SET_IRQ_TYPE on an output line. */
		expect(t, VIRTIO_GPIO_MSG_SET_DIRECTION, 4, VIRTIO_GPIO_DIRECTION_OUT, 0, 0);
		expect(t, VIRTIO_GPIO_MSG_SET_IRQ_TYPE, 4, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH,
		       VIRTIO_GPIO_STATUS_ERR, 0);
		expect(t, VIRTIO_GPIO_MSG_SET_DIRECTION, 4, VIRTIO_GPIO_DIRECTION_IN, 0, 0);
		CHECK_EQ(t->vq[0].errors, 0);
	}
	tfe_free(t);
	/* QEMU 7.2: F_IRQ not negotiated, so SET_IRQ_TYPE is refused. */
	t = open_dev(TFE_QEMU72);
	if (t) {
		expect(t, VIRTIO_GPIO_MSG_SET_IRQ_TYPE, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH,
		       VIRTIO_GPIO_STATUS_ERR, 0);
		expect(t, VIRTIO_GPIO_MSG_SET_IRQ_TYPE, 0, VIRTIO_GPIO_IRQ_TYPE_NONE,
		       VIRTIO_GPIO_STATUS_ERR, 0);
		expect(t, VIRTIO_GPIO_MSG_GET_VALUE, 0, 0, 0, 0);
	}
	tfe_free(t);
	CHECK_EQ(tfe_daemon_stop(&dmn), 0);
}

static void t_sim_levels(void)
{
	struct tfe_sim_line sl;
	struct tfe *t;

	if (!start())
		return;
	t = open_dev(TFE_CROSVM);
	if (t) {
		/* An input follows the external level. */
		CHECK_EQ(tfe_get_value(t, 3), 0);
		CHECK_EQ(tfe_sim_set(&dmn, 0, 3, 1), 0);
		CHECK_EQ(tfe_get_value(t, 3), 1);
		CHECK_EQ(tfe_sim_get(&dmn, 0, 3, &sl), 0);
		CHECK_EQ(sl.input, 1);
		CHECK_EQ(sl.value, 1);
		CHECK_EQ(tfe_sim_set(&dmn, 0, 3, 0), 0);
		CHECK_EQ(tfe_get_value(t, 3), 0);
		/* An output reads back what it drives, whatever the input does. */
		expect(t, VIRTIO_GPIO_MSG_SET_VALUE, 6, 1, 0, 0);
		expect(t, VIRTIO_GPIO_MSG_SET_DIRECTION, 6, VIRTIO_GPIO_DIRECTION_OUT, 0, 0);
		CHECK_EQ(tfe_sim_set(&dmn, 0, 6, 0), 0);
		CHECK_EQ(tfe_get_value(t, 6), 1);
		expect(t, VIRTIO_GPIO_MSG_SET_DIRECTION, 6, VIRTIO_GPIO_DIRECTION_IN, 0, 0);
		CHECK_EQ(tfe_get_value(t, 6), 0);
		CHECK_EQ(tfe_sim_set(&dmn, 0, 6, 1), 0);
		CHECK_EQ(tfe_get_value(t, 6), 1);
		CHECK_EQ(tfe_sim_set(&dmn, 0, 6, 0), 0);
	}
	tfe_free(t);
	CHECK_EQ(tfe_daemon_stop(&dmn), 0);
}

/* Several requests for one line posted before a single kick answer in order. */
static void t_same_line_order(void)
{
	static const struct { uint16_t type, gpio; uint32_t value; int rvalue; } seq[] = {
		{ VIRTIO_GPIO_MSG_SET_VALUE, 5, 1, 0 },
		{ VIRTIO_GPIO_MSG_GET_VALUE, 6, 0, 0 },
		{ VIRTIO_GPIO_MSG_SET_DIRECTION, 5, VIRTIO_GPIO_DIRECTION_OUT, 0 },
		{ VIRTIO_GPIO_MSG_GET_VALUE, 5, 0, 1 },
		{ VIRTIO_GPIO_MSG_SET_VALUE, 5, 0, 0 },
		{ VIRTIO_GPIO_MSG_GET_DIRECTION, 6, 0, VIRTIO_GPIO_DIRECTION_IN },
		{ VIRTIO_GPIO_MSG_GET_VALUE, 5, 0, 0 },
		{ VIRTIO_GPIO_MSG_SET_VALUE, 5, 1, 0 },
		{ VIRTIO_GPIO_MSG_GET_VALUE, 5, 0, 1 },
		{ VIRTIO_GPIO_MSG_SET_DIRECTION, 5, VIRTIO_GPIO_DIRECTION_IN, 0 },
		{ VIRTIO_GPIO_MSG_GET_DIRECTION, 5, 0, VIRTIO_GPIO_DIRECTION_IN },
		{ VIRTIO_GPIO_MSG_GET_VALUE, 5, 0, 0 },
	};
	const unsigned int n = sizeof(seq) / sizeof(seq[0]);
	struct tfe *t;

	if (!start())
		return;
	t = open_dev(TFE_QEMU9);
	for (int round = 0; t && round < 2; round++) {
		int heads[16], last5 = -1;
		unsigned int got = 0;

		for (unsigned int i = 0; i < n; i++)
			heads[i] = tfe_req_post(t, seq[i].type, seq[i].gpio, seq[i].value, 2,
						round == 0);
		CHECK_EQ(tfe_kick(t, 0), 0);
		while (got < n) {
			struct tfe_done d;
			unsigned int i;

			if (tfe_vq_take(t, 0, -1, &d, TFE_TIMEOUT_MS) < 0)
				break;
			got++;
			for (i = 0; i < n && heads[i] != d.head; i++)
				;
			CHECK(i < n);
			if (i >= n)
				continue;
			CHECK_EQ(d.len, 2);
			CHECK_EQ(d.status, 0);
			CHECK_EQ(d.value, seq[i].rvalue);
			if (seq[i].gpio == 5) {
				CHECK((int)i > last5);
				last5 = (int)i;
			}
		}
		CHECK_EQ(got, n);
	}
	if (t)
		CHECK_EQ(t->vq[0].errors, 0);
	tfe_free(t);
	CHECK_EQ(tfe_daemon_stop(&dmn), 0);
}

static void t_indirect_direct(void)
{
	struct tfe *t;

	if (!start())
		return;
	t = open_dev(TFE_QEMU9);
	if (t) {
		CHECK(t->indirect);
		for (int mode = 0; mode < 2; mode++) {
			t->indirect = mode;
			check_names(t);
			expect(t, VIRTIO_GPIO_MSG_SET_VALUE, 7, 1, 0, 0);
			expect(t, VIRTIO_GPIO_MSG_SET_DIRECTION, 7, VIRTIO_GPIO_DIRECTION_OUT,
			       0, 0);
			expect(t, VIRTIO_GPIO_MSG_GET_VALUE, 7, 0, 0, 1);
			expect(t, VIRTIO_GPIO_MSG_SET_DIRECTION, 7, VIRTIO_GPIO_DIRECTION_IN, 0, 0);
		}
		CHECK_EQ(t->vq[0].errors, 0);
	}
	tfe_free(t);
	CHECK_EQ(tfe_daemon_stop(&dmn), 0);
}

/* Post a hand-made chain; returns its completion's used length (or -1). */
static int chain(struct tfe *t, const struct tfe_buf *b, unsigned int n, bool indirect,
		 uint64_t resp_gpa, uint32_t resp_len, struct tfe_done *d)
{
	struct tfe_inflight meta = { .slot = -1, .resp_gpa = resp_gpa, .resp_len = resp_len };
	int head = tfe_vq_add(t, 0, b, n, indirect, &meta);

	if (head < 0 || tfe_kick(t, 0) < 0 || tfe_vq_take(t, 0, head, d, TFE_TIMEOUT_MS) < 0) {
		CHECK(!"hand-made chain completed");
		return -1;
	}
	return (int)d->len;
}

static void t_bad_chains(void)
{
	const uint64_t outside = 0x40000000;
	struct virtio_gpio_request *r;
	struct tfe_done d;
	struct tfe *t;
	uint64_t buf;
	uint8_t *resp;
	int len;

	if (!start())
		return;
	t = open_dev(TFE_QEMU9);
	if (!t || tfe_mem_alloc(&t->mem, 64, 8, &buf) < 0) {
		CHECK(!"setup");
		goto out;
	}
	r = tfe_gpa_ptr(&t->mem, buf, 16);
	*r = (struct virtio_gpio_request){ .type = htole16(VIRTIO_GPIO_MSG_GET_DIRECTION),
					   .gpio = htole16(1) };
	resp = (uint8_t *)r + 16;
	/* Request outside guest memory: nothing written, or ERR. */
	memset(resp, 0xee, 2);
	len = chain(t, (struct tfe_buf[]){ { outside, 8, false }, { buf + 16, 2, true } }, 2,
		    false, buf + 16, 2, &d);
	CHECK(len == 0 || (len == 2 && d.status == VIRTIO_GPIO_STATUS_ERR));
	CHECK_EQ(tfe_get_value(t, 0), 0);
	/* Response outside guest memory: used length 0. */
	CHECK_EQ(chain(t, (struct tfe_buf[]){ { buf, 8, false }, { outside, 2, true } }, 2,
		       false, 0, 0, &d), 0);
	CHECK_EQ(tfe_get_value(t, 0), 0);
	/* Straddling the end of a region into nothing. */
	CHECK_EQ(chain(t, (struct tfe_buf[]){ { buf, 8, false },
					      { t->mem.r[1].gpa + t->mem.r[1].size - 1, 2, true } },
		       2, false, 0, 0, &d), 0);
	/* No writable part at all: used length 0. */
	CHECK_EQ(chain(t, (struct tfe_buf[]){ { buf, 8, false } }, 1, false, 0, 0, &d), 0);
	CHECK_EQ(tfe_get_value(t, 0), 0);
	/* Only a writable part: ERR, or nothing written. */
	memset(resp, 0xee, 2);
	len = chain(t, (struct tfe_buf[]){ { buf + 16, 2, true } }, 1, false, buf + 16, 2, &d);
	CHECK(len == 0 || (len == 2 && d.status == VIRTIO_GPIO_STATUS_ERR));
	/* Short request (4 bytes): ERR or nothing. */
	len = chain(t, (struct tfe_buf[]){ { buf, 4, false }, { buf + 16, 2, true } }, 2,
		    true, buf + 16, 2, &d);
	CHECK(len == 0 || (len == 2 && d.status == VIRTIO_GPIO_STATUS_ERR));
	/* Indirect table outside guest memory. */
	{
		struct tfe_inflight meta = { .slot = -1 };
		struct tfe_desc bad = { .addr = outside, .len = 32, .flags = TFE_DESC_F_INDIRECT };
		int head = tfe_vq_add_desc(t, 0, &bad, 1, &meta);

		CHECK(head >= 0);
		CHECK_EQ(tfe_kick(t, 0), 0);
		CHECK_EQ(tfe_vq_take(t, 0, head, &d, TFE_TIMEOUT_MS), 0);
		CHECK_EQ(d.len, 0);
	}
	CHECK_EQ(tfe_get_value(t, 0), 0);
	/* Any layout is fine (VIRTIO 1.2 §2.6.4): request split 4 + 4, response 1 + 1. */
	memset(resp, 0xee, 2);
	CHECK_EQ(chain(t, (struct tfe_buf[]){ { buf, 4, false }, { buf + 4, 4, false },
					      { buf + 16, 1, true }, { buf + 17, 1, true } },
		       4, false, buf + 16, 2, &d), 2);
	CHECK_EQ(d.status, VIRTIO_GPIO_STATUS_OK);
	CHECK_EQ(d.value, VIRTIO_GPIO_DIRECTION_IN);
	/* The same through one indirect descriptor. */
	memset(resp, 0xee, 2);
	CHECK_EQ(chain(t, (struct tfe_buf[]){ { buf, 2, false }, { buf + 2, 6, false },
					      { buf + 16, 2, true } },
		       3, true, buf + 16, 2, &d), 2);
	CHECK_EQ(d.status, VIRTIO_GPIO_STATUS_OK);
	CHECK_EQ(d.value, VIRTIO_GPIO_DIRECTION_IN);
	/* GET_LINE_NAMES into a 2-byte buffer: no overflow, and not OK. */
	{
		uint8_t *guard;
		int head = tfe_req_post(t, VIRTIO_GPIO_MSG_GET_LINE_NAMES, 0, 0, 2, false);

		CHECK(head >= 0);
		CHECK_EQ(tfe_kick(t, 0), 0);
		CHECK_EQ(tfe_vq_take(t, 0, head, &d, TFE_TIMEOUT_MS), 0);
		guard = tfe_gpa_ptr(&t->mem, d.resp_gpa, 24);
		CHECK(d.len <= 2);
		CHECK(d.len == 0 || d.status == VIRTIO_GPIO_STATUS_ERR);
		for (int i = 2; i < 24; i++)
			CHECK_EQ(guard[i], 0xee);
	}
	/* And the device still serves normally. */
	CHECK_EQ(tfe_get_value(t, 0), 0);
	CHECK_EQ(t->vq[0].errors, 0);
out:
	tfe_free(t);
	CHECK_EQ(tfe_daemon_stop(&dmn), 0);
}

TEST_MAIN(TEST_CASE(t_all_types), TEST_CASE(t_errors), TEST_CASE(t_sim_levels),
	  TEST_CASE(t_same_line_order), TEST_CASE(t_indirect_direct), TEST_CASE(t_bad_chains))
