// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A worker assembled by hand, see fzw.h. Keep in step with worker_run()
 * and wk_teardown() in device/worker/worker.c.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "fz.h"
#include "fzw.h"

/* exit_status before anything called wk_stop_loop(). */
#define FZW_RUNNING	-12345

struct event_base *fzw_base(void)
{
	static struct event_base *base;

	if (!base)
		base = event_base_new();
	FZ_ASSERT(base);
	return base;
}

void fzw_init(struct worker *w, int conn_fd, int session_fd, uint16_t ngpio,
	      const uint8_t *names, uint32_t names_size, const struct vgpio_irq_sink *sink)
{
	struct vgpio_irq_sink own = {
		.complete = wk_irq_complete, .read_level = wk_irq_read_level, .ctx = w,
	};

	memset(w, 0, sizeof(*w));
	w->base = fzw_base();
	w->conn_fd = conn_fd;
	w->session_fd = session_fd;
	w->exit_status = FZW_RUNNING;
	w->renew_fd = -1;
	gmem_init(&w->gm);
	for (unsigned int i = 0; i < VGPIO_NUM_QUEUES; i++) {
		wk_queue_init(&w->q[i]);
		w->q[i].owner = w;
	}
	if (!ngpio)
		return;
	/* As hc_parse_info() keeps it: status OK, then the names block. */
	w->info.ngpio = ngpio;
	w->info.names_size = names_size;
	w->names = malloc(1 + (size_t)names_size);
	FZ_ASSERT(w->names);
	w->names[0] = VIRTIO_GPIO_STATUS_OK;
	if (names_size)
		memcpy(w->names + 1, names, names_size);
	w->info.names = w->names + 1;
	w->irq = vgpio_irq_new(ngpio, sink ? sink : &own);
	FZ_ASSERT(w->irq);
	FZ_ASSERT(wk_caps_init(w) == 0);
}

void fzw_fini(struct worker *w)
{
	for (unsigned int i = 0; i < VGPIO_NUM_QUEUES; i++) {
		wk_queue_close(&w->q[i]);
		vq_free(&w->q[i].vq);
	}
	gmem_clear(&w->gm);
	vgpio_irq_free(w->irq);
	wk_caps_free(w);
	free(w->names);
	free(w->fifo);
	if (w->conn_fd >= 0)
		close(w->conn_fd);
	if (w->session_fd >= 0)
		close(w->session_fd);
	memset(w, 0, sizeof(*w));
}

bool fzw_stopped(const struct worker *w)
{
	return w->exit_status != FZW_RUNNING;
}
