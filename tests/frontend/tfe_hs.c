// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tfe handshakes: the message orders of the three front-ends we must serve.
 *
 *   QEMU 7.2-8.2  init: GET_FEATURES, GET/SET_PROTOCOL_FEATURES, GET_QUEUE_NUM,
 *                 SET_OWNER, GET_FEATURES, SET_VRING_CALL per queue, GET_CONFIG
 *                 0/8 once (cached). start: SET_FEATURES (no F_IRQ: 7.2 never
 *                 offers it to the guest), SET_MEM_TABLE, NUM/BASE/ADDR/KICK/CALL
 *                 for queue 0 only, SET_VRING_ENABLE(1) for both queues.
 *                 stop: GET_VRING_BASE for queue 0.
 *   QEMU >= 9.0   same init; start sets up both queues (F_IRQ acked); every
 *                 config read is a GET_CONFIG; stop: ENABLE(0) + GET_VRING_BASE
 *                 per queue.
 *   crosvm        SET_OWNER, GET_FEATURES, GET/SET_PROTOCOL_FEATURES (no
 *                 SET_FEATURES first), GET_QUEUE_NUM, config reads of 2 and 4
 *                 bytes with flags 1. activate: SET_FEATURES (if changed),
 *                 SET_MEM_TABLE, per queue NUM/ADDR/BASE/CALL/KICK/ENABLE(1);
 *                 never NEED_REPLY. sleep: ENABLE(0) + GET_VRING_BASE per queue;
 *                 wake: the whole activate again.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "tfe.h"

/* Protocol bits QEMU knows (below its F_MAX) and crosvm's allow-list. */
#define QEMU_PROTO_KNOWN	((1ull << 20) - 1)
#define CROSVM_PROTO_ALLOWED	((1ull << VU_PROTOCOL_F_MQ) | (1ull << VU_PROTOCOL_F_REPLY_ACK) | \
				 (1ull << 5) | (1ull << VU_PROTOCOL_F_CONFIG) | (1ull << 19) | \
				 (1ull << 22))
#define CROSVM_FEATURE_MASK	(0xfffc000000ffffffull | (1ull << VIRTIO_F_VERSION_1) | \
				 (1ull << VIRTIO_F_EVENT_IDX) | (1ull << 42) | \
				 (1ull << VU_F_PROTOCOL_FEATURES))
/* What this driver can use; EVENT_IDX only when a test asks (t->want_event_idx). */
#define DRIVER_FEATURES		((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_GPIO_F_IRQ) | \
				 (1ull << VIRTIO_F_INDIRECT_DESC))
/* QEMU 7.2 feature_bits[] can only clear these; it never adds bit 0. */
#define QEMU72_HOST_FEATURES	((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_F_INDIRECT_DESC) | \
				 (1ull << VIRTIO_F_EVENT_IDX) | (1ull << 24) | (1ull << 40))

#define CHECK_RC(expr) do { int _rc = (expr); if (_rc < 0) { \
	fprintf(stderr, "tfe: %s failed: %s\n", #expr, strerror(-_rc)); return _rc; } } while (0)

uint64_t tfe_guest_features(const struct tfe *t)
{
	uint64_t dev = t->dev_features;
	uint64_t offered;

	switch (t->order) {
	case TFE_QEMU72:
		offered = dev & QEMU72_HOST_FEATURES;
		break;
	case TFE_QEMU9:
		offered = dev & ~(1ull << VU_F_PROTOCOL_FEATURES);
		break;
	default:
		offered = dev & CROSVM_FEATURE_MASK & ~(1ull << VU_F_PROTOCOL_FEATURES);
		break;
	}
	return offered & (DRIVER_FEATURES |
			  (t->want_event_idx ? 1ull << VIRTIO_F_EVENT_IDX : 0));
}

static int get_features_checked(struct tfe *t)
{
	CHECK_RC(tfe_get_u64(t, VU_GET_FEATURES, &t->dev_features));
	if (!(t->dev_features & (1ull << VU_F_PROTOCOL_FEATURES)) ||
	    !(t->dev_features & (1ull << VIRTIO_F_VERSION_1))) {
		fprintf(stderr, "tfe: features 0x%llx lack bit 30 or VERSION_1\n",
			(unsigned long long)t->dev_features);
		return -EPROTO;
	}
	return 0;
}

static int negotiate_protocol(struct tfe *t, uint64_t known)
{
	uint64_t p, nq;

	CHECK_RC(tfe_get_u64(t, VU_GET_PROTOCOL_FEATURES, &p));
	t->proto = p & known;
	CHECK_RC(tfe_set_u64(t, VU_SET_PROTOCOL_FEATURES, t->proto));
	if (t->proto & (1ull << VU_PROTOCOL_F_MQ)) {
		CHECK_RC(tfe_get_u64(t, VU_GET_QUEUE_NUM, &nq));
		if (nq < VGPIO_NUM_QUEUES) {
			fprintf(stderr, "tfe: GET_QUEUE_NUM %llu\n", (unsigned long long)nq);
			return -EPROTO;
		}
	}
	return 0;
}

int tfe_read_config(struct tfe *t, struct virtio_gpio_config *cfg)
{
	switch (t->order) {
	case TFE_QEMU72:
		*cfg = t->cfg;
		return 0;
	case TFE_QEMU9:
		return tfe_get_config(t, 0, sizeof(*cfg), 0, cfg);
	default:
		memset(cfg, 0, sizeof(*cfg));
		CHECK_RC(tfe_get_config(t, 0, 2, 1, &cfg->ngpio));
		CHECK_RC(tfe_get_config(t, 4, 4, 1, &cfg->gpio_names_size));
		return 0;
	}
}

int tfe_init(struct tfe *t, enum tfe_order order)
{
	t->order = order;
	t->acked = 0;
	t->started = false;
	if (order == TFE_CROSVM) {
		t->need_reply = 0;
		CHECK_RC(tfe_msg(t, VU_SET_OWNER, NULL, 0, NULL, 0));
		CHECK_RC(get_features_checked(t));
		CHECK_RC(negotiate_protocol(t, CROSVM_PROTO_ALLOWED));
		t->qsize[0] = t->qsize[1] = 256;
		return tfe_read_config(t, &t->cfg);
	}
	t->need_reply = 1ull << VU_SET_MEM_TABLE;
	t->qsize[0] = t->qsize[1] = order == TFE_QEMU72 ? 256 : 64;
	CHECK_RC(get_features_checked(t));
	CHECK_RC(negotiate_protocol(t, QEMU_PROTO_KNOWN));
	CHECK_RC(tfe_msg(t, VU_SET_OWNER, NULL, 0, NULL, 0));
	CHECK_RC(get_features_checked(t));
	for (unsigned int q = 0; q < VGPIO_NUM_QUEUES; q++) {
		if (t->masked_call[q] < 0)
			t->masked_call[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (t->masked_call[q] < 0)
			return -errno;
		CHECK_RC(tfe_set_vring_fd(t, VU_SET_VRING_CALL, q, t->masked_call[q]));
	}
	return tfe_get_config(t, 0, sizeof(t->cfg), 0, &t->cfg);
}

static unsigned int nqueues(const struct tfe *t)
{
	return t->order == TFE_QEMU72 ? 1 : VGPIO_NUM_QUEUES;
}

int tfe_setup_queue(struct tfe *t, unsigned int q)
{
	struct tfe_vq *vq = &t->vq[q];

	if (!vq->allocated || vq->num != t->qsize[q])
		CHECK_RC(tfe_vq_alloc(t, q, t->qsize[q]));
	vq->call_nofd = false;
	CHECK_RC(tfe_set_state(t, VU_SET_VRING_NUM, q, vq->num));
	if (t->order == TFE_CROSVM) {
		CHECK_RC(tfe_set_vring_addr(t, q));
		CHECK_RC(tfe_set_state(t, VU_SET_VRING_BASE, q, t->base[q]));
		CHECK_RC(tfe_set_vring_fd(t, VU_SET_VRING_CALL, q, vq->call_fd));
		CHECK_RC(tfe_set_vring_fd(t, VU_SET_VRING_KICK, q, vq->kick_fd));
		CHECK_RC(tfe_set_state(t, VU_SET_VRING_ENABLE, q, 1));
		return 0;
	}
	CHECK_RC(tfe_set_state(t, VU_SET_VRING_BASE, q, t->base[q]));
	CHECK_RC(tfe_set_vring_addr(t, q));
	CHECK_RC(tfe_set_vring_fd(t, VU_SET_VRING_KICK, q, vq->kick_fd));
	CHECK_RC(tfe_set_vring_fd(t, VU_SET_VRING_CALL, q, vq->call_fd));
	return 0;
}

int tfe_start(struct tfe *t)
{
	uint64_t f = tfe_guest_features(t) | (t->dev_features & (1ull << VU_F_PROTOCOL_FEATURES));

	if (t->order != TFE_CROSVM || f != t->acked)
		CHECK_RC(tfe_set_u64(t, VU_SET_FEATURES, f));
	t->acked = f;
	t->indirect = f & (1ull << VIRTIO_F_INDIRECT_DESC);
	t->event_idx = f & (1ull << VIRTIO_F_EVENT_IDX);
	CHECK_RC(tfe_set_mem_table(t));
	for (unsigned int q = 0; q < nqueues(t); q++)
		CHECK_RC(tfe_setup_queue(t, q));
	/* QEMU enables both rings, also the eventq that 7.2 never set up. */
	if (t->order != TFE_CROSVM)
		for (unsigned int q = 0; q < VGPIO_NUM_QUEUES; q++)
			CHECK_RC(tfe_set_state(t, VU_SET_VRING_ENABLE, q, 1));
	t->started = true;
	return 0;
}

int tfe_stop(struct tfe *t)
{
	/* QEMU >= 9.0 disables every ring first; crosvm goes queue by queue. */
	if (t->order == TFE_QEMU9)
		for (unsigned int q = 0; q < VGPIO_NUM_QUEUES; q++)
			CHECK_RC(tfe_set_state(t, VU_SET_VRING_ENABLE, q, 0));
	for (unsigned int q = 0; q < nqueues(t); q++) {
		uint32_t base;

		if (t->order == TFE_CROSVM)
			CHECK_RC(tfe_set_state(t, VU_SET_VRING_ENABLE, q, 0));
		CHECK_RC(tfe_get_vring_base(t, q, &base));
		if (base > 0xffff) {
			fprintf(stderr, "tfe: GET_VRING_BASE %u does not fit u16\n", base);
			return -EPROTO;
		}
		t->base[q] = (uint16_t)base;
	}
	t->started = false;
	return 0;
}

int tfe_handshake(struct tfe *t, enum tfe_order order)
{
	CHECK_RC(tfe_init(t, order));
	return tfe_start(t);
}
