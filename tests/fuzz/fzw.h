/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A worker (device/worker/wk.h) assembled by hand for the fuzz targets:
 * the state worker_run() would build, minus its event loop, so a target can
 * call the handlers one at a time and look at the state in between.
 */
#ifndef FZW_H
#define FZW_H

#include "worker/wk.h"

/* One event base per process: kick fds register there; the loop never runs. */
struct event_base *fzw_base(void);

/*
 * Fill @w for @conn_fd (vhost-user, its end) and @session_fd (helper
 * session, its end). With @ngpio != 0 the device info is set directly
 * (@names_size bytes of names, 0 for none) and the irq state machine gets
 * @sink, or the worker's own sink when @sink is NULL; with @ngpio == 0 the
 * caller runs hc_get_device_info() itself.
 */
void fzw_init(struct worker *w, int conn_fd, int session_fd, uint16_t ngpio,
	      const uint8_t *names, uint32_t names_size, const struct vgpio_irq_sink *sink);

/* What worker_run() frees on the way out, except the shared event base. */
void fzw_fini(struct worker *w);

/* Did the worker ask its loop to stop (it would exit)? */
bool fzw_stopped(const struct worker *w);

#endif /* FZW_H */
