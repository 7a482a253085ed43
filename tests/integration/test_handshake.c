// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Handshakes against the real daemon: the QEMU 7.2-8.2, QEMU >= 9.0 and
 * crosvm message orders each reach a working device; GET_CONFIG at any
 * time and at any offset; NEED_REPLY acks; the no-fd call flag; queue
 * sizes; stop/start and crosvm sleep/wake; ring indices across the u16 wrap.
 */
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "../harness.h"
#include "../frontend/tfe.h"

static struct tfe_daemon dmn;

static struct tfe *begin(const char *list)
{
	struct tfe *t;

	if (tfe_daemon_start(&dmn, list, 1) < 0) {
		CHECK(!"daemon start");
		return NULL;
	}
	t = tfe_daemon_connect(&dmn, 0);
	CHECK(t != NULL);
	return t;
}

static void end(struct tfe *t)
{
	tfe_free(t);
	CHECK_EQ(tfe_daemon_stop(&dmn), 0);
}

/* A few requests that prove the device works: GET_VALUE, SET/GET_DIRECTION. */
static void works(struct tfe *t)
{
	uint8_t v = 0xff;

	CHECK_EQ(tfe_get_value(t, 0), 0);
	CHECK_EQ(tfe_cmd(t, VIRTIO_GPIO_MSG_GET_DIRECTION, 7, 0, &v), VIRTIO_GPIO_STATUS_OK);
	CHECK_EQ(v, VIRTIO_GPIO_DIRECTION_IN);
	CHECK_EQ(t->vq[0].errors, 0);
	/* No unsolicited replies (e.g. acks nobody asked for) are waiting. */
	struct pollfd pfd = { .fd = t->sock, .events = POLLIN };

	CHECK_EQ(poll(&pfd, 1, 0), 0);
}

static void check_identity(struct tfe *t)
{
	CHECK_EQ(t->dev_features, TFE_DEV_FEATURES);
	CHECK_EQ(t->proto, TFE_PROTO_FEATURES);
	CHECK_EQ(le16toh(t->cfg.ngpio), 8);
	CHECK_EQ(t->cfg.padding[0], 0);
	CHECK_EQ(t->cfg.padding[1], 0);
	CHECK(le32toh(t->cfg.gpio_names_size) >= 8);
}

static void t_qemu72(void)
{
	struct tfe *t = begin("s8");
	uint64_t nq = 0;

	if (!t)
		return;
	CHECK_EQ(tfe_init(t, TFE_QEMU72), 0);
	check_identity(t);
	CHECK_EQ(tfe_get_u64(t, VU_GET_QUEUE_NUM, &nq), 0);
	CHECK_EQ(nq, 2);
	/* 7.2 start: eventq gets no addresses, but SET_VRING_ENABLE(1) all the same. */
	CHECK_EQ(tfe_start(t), 0);
	CHECK(!(t->acked & (1ull << VIRTIO_GPIO_F_IRQ)));
	CHECK(!t->vq[1].allocated);
	works(t);
	/* Re-enable the never-configured eventq, as a 7.2 resume would. */
	CHECK_EQ(tfe_set_state(t, VU_SET_VRING_ENABLE, 1, 0), 0);
	CHECK_EQ(tfe_set_state(t, VU_SET_VRING_ENABLE, 1, 1), 0);
	CHECK_EQ(tfe_stop(t), 0);
	CHECK_EQ(t->base[0], 2);
	CHECK_EQ(tfe_start(t), 0);
	works(t);
	end(t);
}

static void t_qemu9(void)
{
	struct tfe *t = begin("s8");
	struct virtio_gpio_config c;

	if (!t)
		return;
	CHECK_EQ(tfe_handshake(t, TFE_QEMU9), 0);
	check_identity(t);
	CHECK(t->acked & (1ull << VIRTIO_GPIO_F_IRQ));
	CHECK(t->vq[1].allocated);
	works(t);
	/* Every guest config read goes to the daemon while the rings run. */
	CHECK_EQ(tfe_read_config(t, &c), 0);
	CHECK(!memcmp(&c, &t->cfg, sizeof(c)));
	CHECK_EQ(tfe_stop(t), 0);
	CHECK_EQ(t->base[0], 2);
	CHECK_EQ(t->base[1], 0);
	end(t);
}

static void t_crosvm(void)
{
	struct tfe *t = begin("s8");
	struct virtio_gpio_config c;

	if (!t)
		return;
	CHECK_EQ(tfe_handshake(t, TFE_CROSVM), 0);
	check_identity(t);
	/* crosvm masks INDIRECT_DESC off: plain 2-descriptor chains. */
	CHECK(!t->indirect);
	CHECK(t->acked & (1ull << VIRTIO_GPIO_F_IRQ));
	works(t);
	CHECK_EQ(tfe_read_config(t, &c), 0);
	CHECK_EQ(le16toh(c.ngpio), 8);
	CHECK_EQ(c.gpio_names_size, t->cfg.gpio_names_size);
	end(t);
}

static void t_config_any_time(void)
{
	struct tfe *t = begin("s8");
	uint8_t buf[VU_CONFIG_SPACE_MAX], zero[VU_CONFIG_SPACE_MAX] = { 0 };
	struct virtio_gpio_config c;

	if (!t)
		return;
	/* Before anything else, flags 0 and 1. */
	CHECK_EQ(tfe_get_config(t, 0, 8, 0, &c), 0);
	CHECK_EQ(le16toh(c.ngpio), 8);
	CHECK_EQ(tfe_get_config(t, 0, 8, 1, &t->cfg), 0);
	CHECK(!memcmp(&c, &t->cfg, 8));
	/* Odd offsets and sizes: the 8 config bytes, then zeros. */
	memset(buf, 0xaa, sizeof(buf));
	CHECK_EQ(tfe_get_config(t, 1, 3, 0, buf), 0);
	CHECK(!memcmp(buf, (uint8_t *)&c + 1, 3));
	CHECK_EQ(tfe_get_config(t, 6, 10, 0, buf), 0);
	CHECK(!memcmp(buf, (uint8_t *)&c + 6, 2));
	CHECK(!memcmp(buf + 2, zero, 8));
	CHECK_EQ(tfe_get_config(t, 8, 16, 1, buf), 0);
	CHECK(!memcmp(buf, zero, 16));
	CHECK_EQ(tfe_get_config(t, 3, 1, 0, buf), 0);
	CHECK_EQ(buf[0], 0);
	CHECK_EQ(tfe_get_config(t, 0, VU_CONFIG_SPACE_MAX, 0, buf), 0);
	CHECK(!memcmp(buf, &c, 8));
	CHECK(!memcmp(buf + 8, zero, VU_CONFIG_SPACE_MAX - 8));
	CHECK_EQ(tfe_get_config(t, VU_CONFIG_SPACE_MAX - 16, 16, 0, buf), 0);
	CHECK(!memcmp(buf, zero, 16));
	/* Between the handshake steps, and while running. */
	CHECK_EQ(tfe_init(t, TFE_QEMU9), 0);
	CHECK_EQ(tfe_get_config(t, 4, 4, 0, buf), 0);
	CHECK(!memcmp(buf, &c.gpio_names_size, 4));
	CHECK_EQ(tfe_start(t), 0);
	works(t);
	CHECK_EQ(tfe_get_config(t, 0, 2, 1, buf), 0);
	CHECK_EQ(buf[0], 8);
	CHECK_EQ(buf[1], 0);
	works(t);
	end(t);
}

static void t_need_reply(void)
{
	struct tfe *t = begin("s8");
	uint64_t v = 0, ack = 1;
	uint32_t base = 99;

	if (!t)
		return;
	CHECK_EQ(tfe_init(t, TFE_QEMU9), 0);
	CHECK(t->proto & (1ull << VU_PROTOCOL_F_REPLY_ACK));
	/* Every SET_* from here on asks for an ack; tfe_msg checks it is 0. */
	t->need_reply = ~0ull;
	CHECK_EQ(tfe_set_vring_fd(t, VU_SET_VRING_CALL, 0, t->masked_call[0]), 0);
	CHECK_EQ(tfe_start(t), 0);
	works(t);
	/* A GET with NEED_REPLY: its own reply is the answer, no extra ack follows. */
	CHECK_EQ(tfe_send(t, VU_GET_FEATURES, VU_VERSION | VU_FLAG_NEED_REPLY, NULL, 0, NULL, 0),
		 0);
	CHECK_EQ(tfe_recv_reply(t, VU_GET_FEATURES, &v, sizeof(v)), 0);
	CHECK_EQ(v, TFE_DEV_FEATURES);
	CHECK_EQ(tfe_send(t, VU_GET_QUEUE_NUM, VU_VERSION | VU_FLAG_NEED_REPLY, NULL, 0, NULL, 0),
		 0);
	CHECK_EQ(tfe_recv_reply(t, VU_GET_QUEUE_NUM, &v, sizeof(v)), 0);
	CHECK_EQ(v, 2);
	CHECK_EQ(tfe_msg_ack(t, VU_SET_VRING_ENABLE, &(struct vu_vring_state){ .index = 1 }, 8,
			     NULL, 0, &ack), 0);
	CHECK_EQ(ack, 0);
	CHECK_EQ(tfe_send(t, VU_GET_VRING_BASE, VU_VERSION | VU_FLAG_NEED_REPLY,
			  &(struct vu_vring_state){ .index = 1 }, 8, NULL, 0), 0);
	{
		struct vu_vring_state st;

		CHECK_EQ(tfe_recv_reply(t, VU_GET_VRING_BASE, &st, sizeof(st)), 0);
		base = st.num;
		CHECK_EQ(st.index, 1);
	}
	CHECK_EQ(base, 0);
	works(t);
	end(t);
}

static void t_call_nofd(void)
{
	struct tfe *t = begin("s8");
	struct pollfd pfd;
	uint64_t cnt;

	if (!t)
		return;
	CHECK_EQ(tfe_handshake(t, TFE_QEMU9), 0);
	works(t);
	/* No call fd: the device must not signal the old one, and still complete. */
	CHECK_EQ(tfe_set_vring_fd(t, VU_SET_VRING_CALL, 0, -1), 0);
	t->vq[0].call_nofd = true;
	while (read(t->vq[0].call_fd, &cnt, sizeof(cnt)) > 0)
		;
	works(t);
	pfd = (struct pollfd){ .fd = t->vq[0].call_fd, .events = POLLIN };
	CHECK_EQ(poll(&pfd, 1, 50), 0);
	/* A fresh call fd works again. */
	CHECK_EQ(tfe_set_vring_fd(t, VU_SET_VRING_CALL, 0, t->vq[0].call_fd), 0);
	t->vq[0].call_nofd = false;
	works(t);
	/* The eventq's call: no fd, then the real one again. */
	CHECK_EQ(tfe_set_vring_fd(t, VU_SET_VRING_CALL, 1, -1), 0);
	CHECK_EQ(tfe_set_vring_fd(t, VU_SET_VRING_CALL, 1, t->vq[1].call_fd), 0);
	works(t);
	end(t);
}

/* Many requests, some posted in one batch; indices wrap the ring several times. */
static void run_size(enum tfe_order order, uint16_t size, unsigned int rounds,
		     unsigned int batch)
{
	struct tfe *t;
	int heads[512];
	int ok = 1;

	if (tfe_daemon_start(&dmn, "s8", 1) < 0) {
		CHECK(!"daemon start");
		return;
	}
	t = tfe_daemon_connect(&dmn, 0);
	if (!t) {
		CHECK(t != NULL);
		tfe_daemon_stop(&dmn);
		return;
	}
	if (size > 4096) {
		/* 2 x 832 KiB of rings do not fit the default 2 x 1 MiB. */
		int fd = t->sock;

		t->sock = -1;
		tfe_free(t);
		t = tfe_new(fd, 4u << 20);
	}
	CHECK_EQ(tfe_init(t, order), 0);
	t->qsize[0] = t->qsize[1] = size;
	CHECK_EQ(tfe_start(t), 0);
	for (unsigned int i = 0; i < rounds && ok; i++)
		ok = tfe_get_value(t, (uint16_t)(i % 8)) == 0;
	CHECK(ok);
	for (unsigned int i = 0; i < batch; i++)
		heads[i] = tfe_req_post(t, VIRTIO_GPIO_MSG_GET_DIRECTION, (uint16_t)(i % 8), 0, 2,
					t->indirect);
	CHECK_EQ(tfe_kick(t, 0), 0);
	for (unsigned int i = 0; i < batch && ok; i++) {
		struct tfe_done d;

		ok = heads[i] >= 0 && tfe_vq_take(t, 0, heads[i], &d, TFE_TIMEOUT_MS) == 0 &&
		     d.len == 2 && d.status == VIRTIO_GPIO_STATUS_OK &&
		     d.value == VIRTIO_GPIO_DIRECTION_IN;
	}
	CHECK(ok);
	CHECK_EQ(t->vq[0].errors, 0);
	CHECK_EQ(tfe_stop(t), 0);
	CHECK_EQ(t->base[0], (uint16_t)(rounds + batch));
	end(t);
}

static void t_queue_sizes(void)
{
	run_size(TFE_QEMU9, 64, 150, 32);
	run_size(TFE_QEMU72, 256, 600, 128);
	run_size(TFE_CROSVM, 32768, 50, 500);
}

/* Pause/resume: GET_VRING_BASE reports last_avail; a request posted while stopped waits. */
static void t_stop_start(void)
{
	struct tfe *t = begin("s8");
	struct tfe_done d;
	int head;

	if (!t)
		return;
	CHECK_EQ(tfe_handshake(t, TFE_QEMU9), 0);
	for (int i = 0; i < 5; i++)
		CHECK_EQ(tfe_get_value(t, 1), 0);
	CHECK_EQ(tfe_cmd(t, VIRTIO_GPIO_MSG_SET_IRQ_TYPE, 2, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH, NULL),
		 0);
	CHECK(tfe_evt_arm(t, 2) >= 0);
	CHECK_EQ(tfe_get_value(t, 1), 0);	/* the eventq buffer has been taken by now */
	CHECK_EQ(tfe_stop(t), 0);
	CHECK_EQ(t->base[0], 7);
	CHECK_EQ(t->base[1], 1);
	/* Stopped: no guest memory writes, no completion. */
	head = tfe_req_post(t, VIRTIO_GPIO_MSG_GET_VALUE, 3, 0, 2, t->indirect);
	CHECK(head >= 0);
	CHECK_EQ(tfe_kick(t, 0), 0);
	usleep(100 * 1000);
	CHECK_EQ(tfe_vq_collect(t, 0), 0);
	CHECK_EQ(tfe_start(t), 0);
	CHECK_EQ(tfe_vq_take(t, 0, head, &d, TFE_TIMEOUT_MS), 0);
	CHECK_EQ(d.len, 2);
	works(t);
	/* The held eventq buffer survived the pause. */
	CHECK_EQ(tfe_sim_set(&dmn, 0, 2, 1), 0);
	CHECK_EQ(tfe_evt_wait(t, &d, TFE_TIMEOUT_MS), 0);
	CHECK_EQ(d.gpio, 2);
	CHECK_EQ(d.len, 1);
	CHECK_EQ(d.status, VIRTIO_GPIO_IRQ_STATUS_VALID);
	/* A guest reset: fresh rings from index 0. */
	CHECK_EQ(tfe_stop(t), 0);
	CHECK_EQ(t->base[0], 10);
	tfe_vq_reset(&t->vq[0]);
	tfe_vq_reset(&t->vq[1]);
	t->base[0] = t->base[1] = 0;
	CHECK_EQ(tfe_start(t), 0);
	works(t);
	end(t);
}

static void t_crosvm_sleep_wake(void)
{
	struct tfe *t = begin("s8");
	struct tfe_done d;
	int head;

	if (!t)
		return;
	CHECK_EQ(tfe_handshake(t, TFE_CROSVM), 0);
	works(t);
	CHECK_EQ(tfe_stop(t), 0);	/* sleep */
	CHECK_EQ(t->base[0], 2);
	CHECK_EQ(t->base[1], 0);
	CHECK_EQ(tfe_start(t), 0);	/* wake: the whole activate again */
	works(t);
	CHECK_EQ(tfe_stop(t), 0);
	CHECK_EQ(t->base[0], 4);
	/* Posted while asleep: taken when the ring is enabled again. */
	head = tfe_req_post(t, VIRTIO_GPIO_MSG_GET_DIRECTION, 0, 0, 2, t->indirect);
	CHECK(head >= 0);
	CHECK_EQ(tfe_kick(t, 0), 0);
	CHECK_EQ(tfe_start(t), 0);
	CHECK_EQ(tfe_vq_take(t, 0, head, &d, TFE_TIMEOUT_MS), 0);
	CHECK_EQ(d.len, 2);
	CHECK_EQ(d.value, VIRTIO_GPIO_DIRECTION_IN);
	works(t);
	end(t);
}

/* A disabled ring is not processed; enabling it scans what is pending (MUST 26). */
static void t_enable_gating(void)
{
	struct tfe *t = begin("s8");
	struct tfe_done d;
	int head;

	if (!t)
		return;
	CHECK_EQ(tfe_handshake(t, TFE_QEMU9), 0);
	works(t);
	CHECK_EQ(tfe_set_state(t, VU_SET_VRING_ENABLE, 0, 0), 0);
	head = tfe_req_post(t, VIRTIO_GPIO_MSG_GET_VALUE, 0, 0, 2, t->indirect);
	CHECK_EQ(tfe_kick(t, 0), 0);
	CHECK_EQ(tfe_vq_take(t, 0, head, &d, 100), -ETIMEDOUT);
	CHECK_EQ(tfe_set_state(t, VU_SET_VRING_ENABLE, 0, 1), 0);
	CHECK_EQ(tfe_vq_take(t, 0, head, &d, TFE_TIMEOUT_MS), 0);
	CHECK_EQ(d.len, 2);
	/* A new memory table while running (same layout): requests and held buffers go on. */
	CHECK_EQ(tfe_cmd(t, VIRTIO_GPIO_MSG_SET_IRQ_TYPE, 4, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING,
			 NULL), 0);
	CHECK(tfe_evt_arm(t, 4) >= 0);
	CHECK_EQ(tfe_get_value(t, 4), 0);
	t->need_reply = ~0ull;
	CHECK_EQ(tfe_set_mem_table(t), 0);
	works(t);
	CHECK_EQ(tfe_sim_set(&dmn, 0, 4, 1), 0);
	CHECK_EQ(tfe_evt_wait(t, &d, TFE_TIMEOUT_MS), 0);
	CHECK_EQ(d.gpio, 4);
	CHECK_EQ(d.len, 1);
	CHECK_EQ(d.status, VIRTIO_GPIO_IRQ_STATUS_VALID);
	end(t);
}

/* Free-running u16 indices: start just below the wrap with SET_VRING_BASE. */
static void t_index_wrap(void)
{
	struct tfe *t = begin("s8");
	int ok = 1;

	if (!t)
		return;
	CHECK_EQ(tfe_init(t, TFE_QEMU9), 0);
	CHECK_EQ(tfe_vq_alloc(t, 0, t->qsize[0]), 0);
	t->vq[0].avail_idx = t->vq[0].last_used = 65530;
	t->vq[0].avail->idx = t->vq[0].used->idx = 65530;
	t->base[0] = 65530;
	CHECK_EQ(tfe_start(t), 0);
	for (int i = 0; i < 20 && ok; i++)
		ok = tfe_get_value(t, 0) == 0;
	CHECK(ok);
	CHECK_EQ(t->vq[0].used->idx, 14);
	CHECK_EQ(tfe_stop(t), 0);
	CHECK_EQ(t->base[0], 14);
	end(t);
}

TEST_MAIN(TEST_CASE(t_qemu72), TEST_CASE(t_qemu9), TEST_CASE(t_crosvm),
	  TEST_CASE(t_config_any_time), TEST_CASE(t_need_reply), TEST_CASE(t_call_nofd),
	  TEST_CASE(t_queue_sizes), TEST_CASE(t_stop_start), TEST_CASE(t_crosvm_sleep_wake),
	  TEST_CASE(t_enable_gating), TEST_CASE(t_index_wrap))
