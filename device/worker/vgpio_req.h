/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * requestq decoding (VIRTIO 1.2 §5.18.6.2-3, digest §1.12, MUSTs 3-11): turn
 * one request into either an immediate answer or a line operation for the
 * helper. Pure logic over bytes the caller copied out of guest memory.
 */
#ifndef VGPIO_REQ_H
#define VGPIO_REQ_H

#include <stdbool.h>
#include <stdint.h>
#include "ipc.h"

struct vgpio_dev_info {
	uint16_t ngpio;
	uint32_t names_size;		/* 0 = no names */
	const uint8_t *names;		/* names_size bytes */
	bool irq_negotiated;		/* VIRTIO_GPIO_F_IRQ acked by the driver */
};

enum vgpio_req_action {
	VGPIO_REQ_ANSWER,		/* status/value are final */
	VGPIO_REQ_FORWARD,		/* send *op to the helper */
	VGPIO_REQ_NAMES,		/* answer OK with the names block */
};

/*
 * Decode @req_len bytes at @req (the chain's readable part) for a response
 * area of @resp_len writable bytes. On ANSWER, *status (and *value) are set;
 * on FORWARD, *op is filled (tag left to the caller); on NAMES the caller
 * writes status OK and the names block. Malformed input (short request,
 * unknown type, gpio >= ngpio, bad value, IRQ without F_IRQ, names without
 * names, response area too small) gives ANSWER with status ERR.
 */
enum vgpio_req_action vgpio_req_decode(const struct vgpio_dev_info *dev, const void *req,
				       uint32_t req_len, uint32_t resp_len,
				       struct ipc_line_op *op, uint8_t *status, uint8_t *value);

/* Bytes the driver's response area must have for request @type (2 or 1+names_size). */
uint32_t vgpio_req_resp_len(const struct vgpio_dev_info *dev, uint16_t type);

#endif /* VGPIO_REQ_H */
