// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Line capabilities (IPC_EVT_LINE_CAP): GET_VALUE and SET_VALUE answered by
 * the worker itself, without the helper hop, on lines the helper handed a
 * capability for. Everything else still goes to the helper, which stays the
 * only one to configure a line.
 *
 * When the worker may answer a request itself, all of:
 *  - it has a capability for the line: the kernel line request of a held
 *    host line, or the shared value table of a simulated chip;
 *  - no op of that line is waiting for the helper (so a line's operations
 *    still happen in the order the guest gave them, even for a guest that
 *    does not wait for its answers);
 *  - for SET_VALUE on a line request: the line is an output now (the kernel
 *    refuses values for inputs anyway).
 * Any failure of the direct path sends the request to the helper instead,
 * which answers it as it always did.
 *
 * The helper remembers the output value of a host line to drive it again
 * when the line is reconfigured, so a value driven here is told to it
 * (a SET_VALUE tagged WK_TAG_SYNC) before the next op of that line goes out.
 * The simulated chip keeps its output values in the shared table itself.
 *
 * Release: the line request fd is closed before the SET_DIRECTION(NONE)
 * that releases the line is sent, so the kernel line is free when the helper
 * lets go of it. A capability that arrives while such a release is on its
 * way is closed at once.
 */
#include <endian.h>
#include <errno.h>
#include <linux/gpio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "worker/wk.h"

int wk_caps_init(struct worker *w)
{
	w->lines = calloc(w->info.ngpio, sizeof(*w->lines));
	return w->lines ? 0 : -ENOMEM;
}

void wk_caps_reset(struct worker *w)
{
	for (unsigned int i = 0; w->lines && i < w->info.ngpio; i++) {
		if (w->lines[i].cap_fd1)
			close(w->lines[i].cap_fd1 - 1);
		memset(&w->lines[i], 0, sizeof(w->lines[i]));
	}
	if (w->sim_table)
		munmap(w->sim_table, w->sim_table_size);
	w->sim_table = NULL;
	w->ncaps = 0;
}

void wk_caps_free(struct worker *w)
{
	wk_caps_reset(w);
	free(w->lines);
	w->lines = NULL;
}

static void wk_cap_drop(struct worker *w, struct wk_line *l)
{
	close(l->cap_fd1 - 1);
	l->cap_fd1 = 0;
	l->out_unsynced = false;
	w->ncaps--;
}

static int wk_take_sim_table(struct worker *w, const struct ipc_line_cap *cap, int fd)
{
	struct stat st;
	void *p;

	/* The table must be exactly one cell per line, and all of it there. */
	if (w->sim_table || cap->size != (uint32_t)w->info.ngpio * sizeof(struct ipc_sim_cell))
		return -EINVAL;
	if (fstat(fd, &st) < 0 || st.st_size < (off_t)cap->size)
		return -EINVAL;
	p = mmap(NULL, cap->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	w->sim_table = p;
	w->sim_table_size = cap->size;
	return 0;
}

int wk_caps_receive(struct worker *w, const struct ipc_line_cap *cap, int fd)
{
	struct wk_line *l;
	int ret = -EINVAL;

	if (!w->lines)
		goto refuse;
	if (cap->kind == IPC_CAP_SIM_TABLE) {
		/* The mapping stays when the fd goes. */
		ret = wk_take_sim_table(w, cap, fd);
		goto refuse;
	}
	if (cap->kind != IPC_CAP_LINE_REQUEST || cap->line >= w->info.ngpio ||
	    cap->dir > VIRTIO_GPIO_DIRECTION_IN || cap->dir == VIRTIO_GPIO_DIRECTION_NONE)
		goto refuse;
	l = &w->lines[cap->line];
	ret = 0;
	/* Already have one, a release is on its way, or no room: do without. */
	if (l->cap_fd1 || l->releasing || w->ncaps >= IPC_MAX_LINE_CAPS)
		goto refuse;
	l->cap_fd1 = fd + 1;
	l->dir = cap->dir;
	l->out_unsynced = false;
	w->ncaps++;
	return 0;
refuse:
	close(fd);
	return ret;
}

static int wk_cap_ioctl(struct wk_line *l, uint16_t op, uint8_t *value)
{
	struct gpio_v2_line_values v = { .mask = 1 };

	if (op == IPC_OP_GET_VALUE) {
		if (ioctl(l->cap_fd1 - 1, GPIO_V2_LINE_GET_VALUES_IOCTL, &v) < 0)
			return -errno;
		*value = v.bits & 1;
		return 0;
	}
	if (l->dir != VIRTIO_GPIO_DIRECTION_OUT)
		return -EPERM;
	v.bits = *value;
	if (ioctl(l->cap_fd1 - 1, GPIO_V2_LINE_SET_VALUES_IOCTL, &v) < 0)
		return -errno;
	l->out = *value;
	l->out_unsynced = true;
	return 0;
}

static void wk_sim_op(struct ipc_sim_cell *c, uint16_t op, uint8_t *value)
{
	if (op == IPC_OP_SET_VALUE) {
		__atomic_store_n(&c->out, *value, __ATOMIC_RELEASE);
		return;
	}
	if (__atomic_load_n(&c->dir, __ATOMIC_ACQUIRE) == VIRTIO_GPIO_DIRECTION_OUT)
		*value = __atomic_load_n(&c->out, __ATOMIC_ACQUIRE) ? 1 : 0;
	else
		*value = __atomic_load_n(&c->input, __ATOMIC_ACQUIRE) ? 1 : 0;
}

bool wk_caps_try(struct worker *w, const struct ipc_line_op *op, uint8_t *value)
{
	struct wk_line *l;

	if (!w->lines || w->helper_lost || op->line >= w->info.ngpio)
		return false;
	if (op->op != IPC_OP_GET_VALUE && op->op != IPC_OP_SET_VALUE)
		return false;
	l = &w->lines[op->line];
	if (l->inflight)
		return false;
	*value = op->op == IPC_OP_SET_VALUE ? (uint8_t)op->value : 0;
	if (l->cap_fd1) {
		int ret = wk_cap_ioctl(l, op->op, value);

		if (ret < 0) {
			log_debug("line %u: direct %s failed (%s); asking the helper", op->line,
				  op->op == IPC_OP_GET_VALUE ? "GET_VALUE" : "SET_VALUE",
				  strerror(-ret));
			return false;
		}
	} else if (w->sim_table) {
		wk_sim_op(&w->sim_table[op->line], op->op, value);
	} else {
		return false;
	}
	/* As from the helper: SET_VALUE answers value 0. */
	if (op->op == IPC_OP_SET_VALUE)
		*value = 0;
	return true;
}

unsigned int wk_caps_before_forward(struct worker *w, const struct ipc_line_op *op,
				    struct ipc_line_op *sync)
{
	struct wk_line *l;

	if (!w->lines || op->line >= w->info.ngpio)
		return 0;
	l = &w->lines[op->line];
	l->inflight++;
	if (op->op == IPC_OP_SET_DIRECTION && op->value == VIRTIO_GPIO_DIRECTION_NONE) {
		l->releasing++;
		if (l->cap_fd1)
			wk_cap_drop(w, l);
		return 0;
	}
	if (!l->out_unsynced)
		return 0;
	l->out_unsynced = false;
	if (op->op == IPC_OP_SET_VALUE)
		return 0;	/* carries a newer value itself */
	memset(sync, 0, sizeof(*sync));
	sync->tag = htole32(WK_TAG_SYNC | op->line);
	sync->op = IPC_OP_SET_VALUE;
	sync->line = op->line;
	sync->value = l->out;
	l->inflight++;
	return 1;
}

void wk_caps_answered(struct worker *w, uint16_t line, uint16_t op, uint32_t req_value,
		      bool ok)
{
	struct wk_line *l;

	if (!w->lines || line >= w->info.ngpio)
		return;
	l = &w->lines[line];
	if (l->inflight)
		l->inflight--;
	if (op != IPC_OP_SET_DIRECTION)
		return;
	if (req_value == VIRTIO_GPIO_DIRECTION_NONE) {
		if (l->releasing)
			l->releasing--;
	} else if (ok && l->cap_fd1) {
		l->dir = (uint8_t)req_value;
	}
}
