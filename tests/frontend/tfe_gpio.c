// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tfe virtio-gpio driver side (VIRTIO 1.2 §5.18): requestq messages of one
 * 8-byte request plus a 2-byte (or 1 + gpio_names_size) response, and eventq
 * buffers of 2 readable + 1 writable byte. Response bytes are pre-filled
 * with POISON so a field the device forgot to write shows up.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tfe.h"

#define POISON		0xee
#define RESP_OFF	8	/* response offset inside a slot; slot + 32 is the indirect table */
#define RESP_MAX	24

int tfe_req_post(struct tfe *t, uint16_t type, uint16_t gpio, uint32_t value,
		 uint32_t resp_len, bool indirect)
{
	struct tfe_vq *vq = &t->vq[VGPIO_QUEUE_REQUEST];
	struct tfe_inflight meta = { .type = type, .gpio = gpio, .resp_len = resp_len };
	struct virtio_gpio_request *req;
	struct tfe_buf bufs[2];
	uint64_t sgpa;
	uint8_t *resp;
	int head;

	meta.slot = tfe_vq_slot(vq, &sgpa);
	if (meta.slot < 0)
		return meta.slot;
	meta.resp_gpa = sgpa + RESP_OFF;
	if (resp_len > RESP_MAX && tfe_mem_alloc(&t->mem, resp_len, 8, &meta.resp_gpa) < 0) {
		vq->slot_free[vq->nslot_free++] = meta.slot;
		return -ENOMEM;
	}
	req = tfe_gpa_ptr(&t->mem, sgpa, sizeof(*req));
	req->type = htole16(type);
	req->gpio = htole16(gpio);
	req->value = htole32(value);
	/* Poison the whole response area of the slot: bytes past resp_len are a guard. */
	resp = tfe_gpa_ptr(&t->mem, meta.resp_gpa, resp_len);
	memset(resp, POISON, resp_len > RESP_MAX ? resp_len : RESP_MAX);
	bufs[0] = (struct tfe_buf){ .gpa = sgpa, .len = sizeof(*req), .write = false };
	bufs[1] = (struct tfe_buf){ .gpa = meta.resp_gpa, .len = resp_len, .write = true };
	head = tfe_vq_add(t, VGPIO_QUEUE_REQUEST, bufs, 2, indirect, &meta);
	if (head < 0)
		vq->slot_free[vq->nslot_free++] = meta.slot;
	return head;
}

int tfe_req(struct tfe *t, uint16_t type, uint16_t gpio, uint32_t value, struct tfe_done *out)
{
	int head = tfe_req_post(t, type, gpio, value, sizeof(struct virtio_gpio_response),
				t->indirect);
	int rc;

	if (head < 0)
		return head;
	rc = tfe_kick(t, VGPIO_QUEUE_REQUEST);
	if (rc < 0)
		return rc;
	rc = tfe_vq_take(t, VGPIO_QUEUE_REQUEST, head, out, TFE_TIMEOUT_MS);
	if (rc < 0)
		fprintf(stderr, "tfe: request type %u line %u: no completion: %s\n", type, gpio,
			strerror(-rc));
	return rc;
}

/* Returns the status (OK 0 / ERR 1) and the value, or -errno. */
int tfe_cmd(struct tfe *t, uint16_t type, uint16_t gpio, uint32_t value, uint8_t *val)
{
	struct tfe_done d;
	int rc = tfe_req(t, type, gpio, value, &d);

	if (rc < 0)
		return rc;
	if (d.len != sizeof(struct virtio_gpio_response) ||
	    (d.status != VIRTIO_GPIO_STATUS_OK && d.status != VIRTIO_GPIO_STATUS_ERR)) {
		fprintf(stderr, "tfe: request type %u line %u: used len %u status 0x%x\n",
			type, gpio, d.len, d.status);
		return -EBADMSG;
	}
	if (val)
		*val = d.value;
	return d.status;
}

/* The level (0/1), -EIO for status ERR, or -errno. */
int tfe_get_value(struct tfe *t, uint16_t gpio)
{
	uint8_t v = 0;
	int rc = tfe_cmd(t, VIRTIO_GPIO_MSG_GET_VALUE, gpio, 0, &v);

	if (rc < 0)
		return rc;
	return rc == VIRTIO_GPIO_STATUS_OK ? v : -EIO;
}

/* GET_LINE_NAMES with a 1 + gpio_names_size response; copies the block to @buf. */
int tfe_get_names(struct tfe *t, char *buf, size_t size, struct tfe_done *out)
{
	uint32_t n = le32toh(t->cfg.gpio_names_size);
	uint8_t *resp;
	int head, rc;

	if (size < n)
		return -ENOSPC;
	head = tfe_req_post(t, VIRTIO_GPIO_MSG_GET_LINE_NAMES, 0, 0, 1 + n, t->indirect);
	if (head < 0)
		return head;
	rc = tfe_kick(t, VGPIO_QUEUE_REQUEST);
	if (rc == 0)
		rc = tfe_vq_take(t, VGPIO_QUEUE_REQUEST, head, out, TFE_TIMEOUT_MS);
	if (rc < 0)
		return rc;
	resp = tfe_gpa_ptr(&t->mem, out->resp_gpa, 1 + n);
	memcpy(buf, resp + 1, n);
	return 0;
}

int tfe_evt_post(struct tfe *t, uint16_t gpio, bool indirect)
{
	struct tfe_vq *vq = &t->vq[VGPIO_QUEUE_EVENT];
	struct tfe_inflight meta = { .gpio = gpio, .resp_len = 1 };
	struct tfe_buf bufs[2];
	uint16_t *req;
	uint64_t sgpa;
	int head;

	meta.slot = tfe_vq_slot(vq, &sgpa);
	if (meta.slot < 0)
		return meta.slot;
	meta.resp_gpa = sgpa + RESP_OFF;
	req = tfe_gpa_ptr(&t->mem, sgpa, 2);
	*req = htole16(gpio);
	*(uint8_t *)tfe_gpa_ptr(&t->mem, meta.resp_gpa, 1) = POISON;
	bufs[0] = (struct tfe_buf){ .gpa = sgpa, .len = 2, .write = false };
	bufs[1] = (struct tfe_buf){ .gpa = meta.resp_gpa, .len = 1, .write = true };
	head = tfe_vq_add(t, VGPIO_QUEUE_EVENT, bufs, 2, indirect, &meta);
	if (head < 0)
		vq->slot_free[vq->nslot_free++] = meta.slot;
	return head;
}

/* Unmask a line: post its buffer and kick, like the driver's irq_prepare. */
int tfe_evt_arm(struct tfe *t, uint16_t gpio)
{
	int head = tfe_evt_post(t, gpio, t->indirect);
	int rc;

	if (head < 0)
		return head;
	rc = tfe_kick(t, VGPIO_QUEUE_EVENT);
	return rc < 0 ? rc : head;
}

int tfe_evt_wait(struct tfe *t, struct tfe_done *out, int timeout_ms)
{
	return tfe_vq_take(t, VGPIO_QUEUE_EVENT, -1, out, timeout_ms);
}

/* Non-blocking: 1 and the oldest returned eventq buffer, or 0 if none. */
int tfe_evt_poll(struct tfe *t, struct tfe_done *out)
{
	int rc = tfe_vq_collect(t, VGPIO_QUEUE_EVENT);

	if (rc < 0)
		return rc;
	rc = tfe_vq_take(t, VGPIO_QUEUE_EVENT, -1, out, 0);
	return rc == 0 ? 1 : (rc == -ETIMEDOUT ? 0 : rc);
}
