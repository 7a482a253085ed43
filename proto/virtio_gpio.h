/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-gpio (virtio device ID 41) wire structures, VIRTIO 1.2 §5.18.
 * Every multi-byte field is little-endian on the wire; callers convert with
 * le16toh()/le32toh() where the value is used.
 */
#ifndef VIRTIO_GPIO_H
#define VIRTIO_GPIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VIRTIO_ID_GPIO			41

/* Device feature bits. */
#define VIRTIO_GPIO_F_IRQ		0

/* Generic virtio feature bits this device deals with. */
#define VIRTIO_F_INDIRECT_DESC		28
#define VIRTIO_F_EVENT_IDX		29
#define VIRTIO_F_VERSION_1		32

/* Virtqueue indices. */
#define VGPIO_QUEUE_REQUEST		0
#define VGPIO_QUEUE_EVENT		1
#define VGPIO_NUM_QUEUES		2

/* requestq message types (spec names; Linux calls 1 GET_NAMES, 6 IRQ_TYPE). */
#define VIRTIO_GPIO_MSG_GET_LINE_NAMES	0x0001
#define VIRTIO_GPIO_MSG_GET_DIRECTION	0x0002
#define VIRTIO_GPIO_MSG_SET_DIRECTION	0x0003
#define VIRTIO_GPIO_MSG_GET_VALUE	0x0004
#define VIRTIO_GPIO_MSG_SET_VALUE	0x0005
#define VIRTIO_GPIO_MSG_SET_IRQ_TYPE	0x0006

#define VIRTIO_GPIO_STATUS_OK		0x0
#define VIRTIO_GPIO_STATUS_ERR		0x1

#define VIRTIO_GPIO_DIRECTION_NONE	0x00
#define VIRTIO_GPIO_DIRECTION_OUT	0x01
#define VIRTIO_GPIO_DIRECTION_IN	0x02

#define VIRTIO_GPIO_IRQ_TYPE_NONE		0x00
#define VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING	0x01
#define VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING	0x02
#define VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH		0x03
#define VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH		0x04
#define VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW		0x08

/* The trigger types a driver may ask for with SET_IRQ_TYPE. */
static inline bool virtio_gpio_irq_type_valid(uint32_t type)
{
	switch (type) {
	case VIRTIO_GPIO_IRQ_TYPE_NONE:
	case VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING:
	case VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING:
	case VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH:
	case VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH:
	case VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW:
		return true;
	default:
		return false;
	}
}

#define VIRTIO_GPIO_IRQ_STATUS_INVALID	0x0
#define VIRTIO_GPIO_IRQ_STATUS_VALID	0x1

/* Device configuration space: 8 bytes, constant for the device's lifetime. */
struct virtio_gpio_config {
	uint16_t ngpio;			/* le16, >= 1 (Linux rejects 0) */
	uint8_t padding[2];		/* always 0 */
	uint32_t gpio_names_size;	/* le32, 0 = no names */
};

/* requestq: one device-readable request, one device-writable response. */
struct virtio_gpio_request {
	uint16_t type;			/* le16 */
	uint16_t gpio;			/* le16 */
	uint32_t value;			/* le32 */
};

struct virtio_gpio_response {
	uint8_t status;
	uint8_t value;
};

/* eventq: 2 readable bytes naming the line, 1 writable status byte. */
struct virtio_gpio_irq_request {
	uint16_t gpio;			/* le16 */
};

struct virtio_gpio_irq_response {
	uint8_t status;
};

_Static_assert(sizeof(struct virtio_gpio_config) == 8, "config is 8 bytes");
_Static_assert(offsetof(struct virtio_gpio_config, gpio_names_size) == 4,
	       "gpio_names_size at offset 4");
_Static_assert(sizeof(struct virtio_gpio_request) == 8, "request is 8 bytes");
_Static_assert(sizeof(struct virtio_gpio_response) == 2, "response is 2 bytes");
_Static_assert(sizeof(struct virtio_gpio_irq_request) == 2, "irq request is 2 bytes");
_Static_assert(sizeof(struct virtio_gpio_irq_response) == 1, "irq response is 1 byte");

#endif /* VIRTIO_GPIO_H */
