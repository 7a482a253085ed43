// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * requestq decoding, see vgpio_req.h.
 *
 * Accepted request (8 device-readable bytes, little-endian; extra bytes are
 * ignored):
 *   le16 type; le16 gpio; le32 value;
 * Response area: 2 bytes, or 1 + names_size for GET_LINE_NAMES; a larger
 * area is accepted (the caller reports what it wrote), a smaller one is ERR.
 *
 * Leniency, on purpose: fields the spec says are 0 (gpio and value of
 * GET_LINE_NAMES, value of GET_DIRECTION and GET_VALUE) are ignored rather
 * than checked, as no driver gains anything from an ERR there. The helper
 * gets value 0 for the two GET operations, so it never sees guest junk.
 */
#include <endian.h>
#include <string.h>

#include "virtio_gpio.h"
#include "vgpio_req.h"

_Static_assert(IPC_OP_GET_DIRECTION == VIRTIO_GPIO_MSG_GET_DIRECTION &&
	       IPC_OP_SET_DIRECTION == VIRTIO_GPIO_MSG_SET_DIRECTION &&
	       IPC_OP_GET_VALUE == VIRTIO_GPIO_MSG_GET_VALUE &&
	       IPC_OP_SET_VALUE == VIRTIO_GPIO_MSG_SET_VALUE &&
	       IPC_OP_SET_IRQ_TYPE == VIRTIO_GPIO_MSG_SET_IRQ_TYPE,
	       "line opcodes are the virtio request types");

uint32_t vgpio_req_resp_len(const struct vgpio_dev_info *dev, uint16_t type)
{
	if (type != VIRTIO_GPIO_MSG_GET_LINE_NAMES)
		return sizeof(struct virtio_gpio_response);
	/* Saturate rather than wrap: such an area can never be large enough. */
	if (dev->names_size == UINT32_MAX)
		return UINT32_MAX;
	return 1 + dev->names_size;
}

/*
 * Check a line operation; on success return true with the value the helper
 * must see in *fwd_value.
 */
static bool line_op_valid(const struct vgpio_dev_info *dev, uint16_t type, uint32_t value,
			  uint32_t *fwd_value)
{
	*fwd_value = value;
	switch (type) {
	case VIRTIO_GPIO_MSG_GET_DIRECTION:
	case VIRTIO_GPIO_MSG_GET_VALUE:
		*fwd_value = 0;
		return true;
	case VIRTIO_GPIO_MSG_SET_DIRECTION:
		return value <= VIRTIO_GPIO_DIRECTION_IN;
	case VIRTIO_GPIO_MSG_SET_VALUE:
		return value <= 1;
	case VIRTIO_GPIO_MSG_SET_IRQ_TYPE:
		/* DR6; "output line" is the helper's check, it knows the direction. */
		return dev->irq_negotiated && virtio_gpio_irq_type_valid(value);
	default:
		return false;
	}
}

enum vgpio_req_action vgpio_req_decode(const struct vgpio_dev_info *dev, const void *req,
				       uint32_t req_len, uint32_t resp_len,
				       struct ipc_line_op *op, uint8_t *status, uint8_t *value)
{
	struct virtio_gpio_request r;
	uint16_t type, gpio;
	uint32_t val, fwd_value;

	/*
	 * ANSWER is always ERR with value 0. FORWARD leaves these as they are,
	 * ready as the answer if the helper cannot be asked.
	 */
	*status = VIRTIO_GPIO_STATUS_ERR;
	*value = 0;

	/* Trust note: all of @req is guest memory; nothing is used unchecked. */
	if (req_len < sizeof(r) || resp_len < 1)
		return VGPIO_REQ_ANSWER;
	memcpy(&r, req, sizeof(r));
	type = le16toh(r.type);
	gpio = le16toh(r.gpio);
	val = le32toh(r.value);

	if (resp_len < vgpio_req_resp_len(dev, type))
		return VGPIO_REQ_ANSWER;

	if (type == VIRTIO_GPIO_MSG_GET_LINE_NAMES) {
		if (dev->names_size == 0 || !dev->names)
			return VGPIO_REQ_ANSWER;
		*status = VIRTIO_GPIO_STATUS_OK;
		return VGPIO_REQ_NAMES;
	}

	if (gpio >= dev->ngpio || !line_op_valid(dev, type, val, &fwd_value))
		return VGPIO_REQ_ANSWER;

	/* ipc opcodes equal the virtio types; the caller owns op->tag. */
	op->op = type;
	op->line = gpio;
	op->value = fwd_value;
	op->reserved = 0;
	return VGPIO_REQ_FORWARD;
}
