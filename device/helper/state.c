// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Line state that outlives a helper (--helper-restarts; ipc.h,
 * IPC_STATE_SIZE). The broker gives every helper one memfd per device; this
 * helper records in it what the guest set up through line operations, and a
 * helper started after one died takes the lines over from it.
 *
 * What is recorded, per chip line: the trigger (all chips); for host chips
 * also the direction the guest set (0 once released) and the output value
 * it gave. A simulated chip keeps its own lines (direction, output value,
 * external level) in the same cells (chip_sim.c). Values a worker drove
 * through a line request (line capabilities) reach the helper, and this
 * record, only with the line's next operation: a helper that dies in
 * between restores the value the helper knew last.
 *
 * Restoring goes through helper_line_op(), the path every worker op takes,
 * so the policy and every check apply to what the memfd says: a worker
 * that held a simulated chip's table could have written anything there.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "helper/chip.h"
#include "helper/chip_sim.h"
#include "helper/helper.h"
#include "log.h"
#include "virtio_gpio.h"

int helper_state_check_fd(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	return S_ISREG(st.st_mode) && st.st_size == IPC_STATE_SIZE ? 0 : -EINVAL;
}

int helper_state_map(struct helper_dev *dev, int fd)
{
	size_t size = (size_t)dev->chip->ngpio * sizeof(struct ipc_sim_cell);
	void *p;

	if (fd < 0)
		return 0;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	dev->state = p;
	return 0;
}

void helper_state_unmap(struct helper_dev *dev)
{
	if (dev->state)
		munmap(dev->state, (size_t)dev->chip->ngpio * sizeof(struct ipc_sim_cell));
	dev->state = NULL;
}

void helper_state_record(struct helper_dev *dev, const struct ipc_line_op *op)
{
	struct ipc_sim_cell *c;
	bool host = !chip_is_sim(dev->chip);

	if (!dev->state || op->line >= dev->ngpio)
		return;
	c = &dev->state[dev->host_line[op->line]];
	switch (op->op) {
	case IPC_OP_SET_IRQ_TYPE:
		c->irq = (uint8_t)op->value;
		break;
	case IPC_OP_SET_DIRECTION:
		if (op->value == VIRTIO_GPIO_DIRECTION_NONE)
			c->irq = VIRTIO_GPIO_IRQ_TYPE_NONE;
		if (host) {
			c->dir = (uint8_t)op->value;
			if (op->value == VIRTIO_GPIO_DIRECTION_NONE)
				c->out = 0;
		}
		break;
	case IPC_OP_SET_VALUE:
		if (host)
			c->out = (uint8_t)op->value;
		break;
	default:
		break;
	}
}

/* One op as a worker would send it; false when the helper refused it. */
static bool restore_op(struct helper_dev *dev, uint16_t code, uint16_t line, uint32_t value)
{
	struct ipc_line_op op = { .op = code, .line = line, .value = value };
	struct ipc_line_result res;

	helper_line_op(dev, &op, &res);
	return res.status == VIRTIO_GPIO_STATUS_OK;
}

void helper_state_restore(struct helper_dev *dev)
{
	bool host = !chip_is_sim(dev->chip);
	unsigned int restored = 0, refused = 0;

	if (!dev->state)
		return;
	for (uint16_t g = 0; g < dev->ngpio; g++) {
		struct ipc_sim_cell c = dev->state[dev->host_line[g]];
		bool any = false, ok = true;

		/* Cleared first: the ops below record what they really did. */
		dev->state[dev->host_line[g]].irq = VIRTIO_GPIO_IRQ_TYPE_NONE;
		if (host && (c.dir == VIRTIO_GPIO_DIRECTION_OUT ||
			     c.dir == VIRTIO_GPIO_DIRECTION_IN)) {
			any = true;
			if (!dev->input_only[g])
				ok &= restore_op(dev, IPC_OP_SET_VALUE, g, c.out ? 1 : 0);
			ok &= restore_op(dev, IPC_OP_SET_DIRECTION, g, c.dir);
		}
		if (c.irq != VIRTIO_GPIO_IRQ_TYPE_NONE) {
			any = true;
			ok &= restore_op(dev, IPC_OP_SET_IRQ_TYPE, g, c.irq);
		}
		restored += any && ok;
		refused += any && !ok;
	}
	if (refused)
		log_warn("device %u: %u line(s) of the previous helper could not be set up again",
			 dev->index, refused);
	if (restored)
		log_info("device %u: %u line(s) set up as the previous helper had them", dev->index,
			 restored);
}
