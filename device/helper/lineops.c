// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Line operations as the helper executes them. Trust note: every op comes
 * from a worker, which serves an untrusted guest and may itself be
 * compromised, so each field is checked here again; a bad op fails alone
 * with VIRTIO_GPIO_STATUS_ERR and never reaches the backend.
 *
 * Rules beyond range checks (digest §1.11-1.12):
 *  - SET_IRQ_TYPE with a type other than NONE on an OUT line: ERR (DR7).
 *    NONE is accepted on any line: disabling is always safe.
 *  - SET_DIRECTION(OUT) while the line's irq type is not NONE: ERR, so an
 *    output line never has an irq and never reports edges. Linux does the
 *    same (gpiolib refuses output on a line used as an irq).
 *  - SET_DIRECTION(NONE): the backend releases the line, the irq type goes
 *    back to NONE (VR7).
 *  - SET_IRQ_TYPE answers the line's level now in .value, so the worker can
 *    evaluate a level trigger without another round trip.
 *  - The value of GET_* ops is unused and ignored.
 *  - Access policy (devlist.c): op->line is a guest line, and only guest
 *    lines exist here; it becomes the chip line just before the backend
 *    call, so a hidden host line can never be named. On an input-only line
 *    SET_DIRECTION(OUT) and SET_VALUE get ERR (IN, NONE, reads and irq
 *    types are fine).
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "helper/chip.h"
#include "helper/helper.h"
#include "virtio_gpio.h"

const char *helper_irq_type_name(uint8_t type)
{
	switch (type) {
	case VIRTIO_GPIO_IRQ_TYPE_NONE:		return "none";
	case VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING:	return "rising";
	case VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING:	return "falling";
	case VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH:	return "both";
	case VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH:	return "high";
	case VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW:	return "low";
	default:				return "invalid";
	}
}

/* Returns 0 with *value set, or -errno. */
static int line_op_run(struct helper_dev *dev, const struct ipc_line_op *op, uint8_t *value)
{
	struct chip *chip = dev->chip;
	const struct chip_ops *ops = chip->ops;
	unsigned int gline = op->line;			/* checked < ngpio by the caller */
	unsigned int line = dev->host_line[gline];	/* what the backend knows */
	uint8_t dir;
	int ret;

	*value = 0;
	switch (op->op) {
	case IPC_OP_GET_DIRECTION:
		ret = ops->get_direction(chip, line, &dir);
		if (ret < 0)
			return ret;
		/* Backends promise OUT or IN; never let NONE reach Linux. */
		*value = dir == VIRTIO_GPIO_DIRECTION_OUT ? VIRTIO_GPIO_DIRECTION_OUT
							 : VIRTIO_GPIO_DIRECTION_IN;
		return 0;
	case IPC_OP_SET_DIRECTION:
		if (op->value > VIRTIO_GPIO_DIRECTION_IN)
			return -EINVAL;
		if (op->value == VIRTIO_GPIO_DIRECTION_OUT && dev->input_only[gline])
			return -EPERM;
		if (op->value == VIRTIO_GPIO_DIRECTION_OUT &&
		    dev->irq_type[gline] != VIRTIO_GPIO_IRQ_TYPE_NONE)
			return -EBUSY;
		ret = ops->set_direction(chip, line, (uint8_t)op->value);
		if (ret == 0 && op->value == VIRTIO_GPIO_DIRECTION_NONE)
			dev->irq_type[gline] = VIRTIO_GPIO_IRQ_TYPE_NONE;
		return ret;
	case IPC_OP_GET_VALUE:
		return ops->get_value(chip, line, value);
	case IPC_OP_SET_VALUE:
		if (op->value > 1)
			return -EINVAL;
		if (dev->input_only[gline])
			return -EPERM;
		return ops->set_value(chip, line, (uint8_t)op->value);
	case IPC_OP_SET_IRQ_TYPE:
		if (!virtio_gpio_irq_type_valid(op->value))
			return -EINVAL;
		if (op->value != VIRTIO_GPIO_IRQ_TYPE_NONE) {
			ret = ops->get_direction(chip, line, &dir);
			if (ret < 0)
				return ret;
			if (dir == VIRTIO_GPIO_DIRECTION_OUT)
				return -EPERM;
		}
		ret = ops->set_irq_type(chip, line, (uint8_t)op->value);
		if (ret < 0)
			return ret;
		dev->irq_type[gline] = (uint8_t)op->value;
		return ops->get_value(chip, line, value);
	default:
		return -EINVAL;
	}
}

void helper_line_op(struct helper_dev *dev, const struct ipc_line_op *op,
		    struct ipc_line_result *res)
{
	uint8_t value = 0;
	int ret = -EINVAL;

	memset(res, 0, sizeof(*res));
	res->tag = op->tag;
	if (op->reserved == 0 && op->line < dev->ngpio)
		ret = line_op_run(dev, op, &value);
	if (ret == 0 && value > 1 && op->op != IPC_OP_GET_DIRECTION)
		ret = -EIO;	/* a backend bug must not leak odd levels */
	if (ret == 0)
		helper_state_record(dev, op);
	res->status = ret == 0 ? VIRTIO_GPIO_STATUS_OK : VIRTIO_GPIO_STATUS_ERR;
	res->value = ret == 0 ? value : 0;
}

int helper_device_info(struct helper_dev *dev, struct ipc_device_info *info, uint8_t **body)
{
	const struct chip_ops *ops = dev->chip->ops;
	uint8_t *p;

	memset(info, 0, sizeof(*info));
	info->ngpio = dev->ngpio;
	info->names_size = dev->names_size;
	/* ngpio <= 65535 and names are bounded at open: a few MiB at most. */
	*body = p = malloc(ipc_device_info_body(info));
	if (!p)
		return -ENOMEM;
	for (unsigned int i = 0; i < dev->ngpio; i++) {
		struct ipc_line_state st = { .irq_type = dev->irq_type[i] };
		unsigned int line = dev->host_line[i];
		int ret;

		/* A connecting worker must not make a host backend take hold of lines. */
		ret = ops->peek_value ? ops->peek_value(dev->chip, line, &st.level)
				      : ops->get_value(dev->chip, line, &st.level);
		if (ret < 0 || st.level > 1)
			st.level = 0;
		memcpy(p, &st, sizeof(st));
		p += sizeof(st);
	}
	if (dev->names_size)
		memcpy(p, dev->names, dev->names_size);
	info->ngpio = htole16(info->ngpio);
	info->names_size = htole32(info->names_size);
	return 0;
}
