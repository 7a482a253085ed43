/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Worker internals shared by its files:
 *   worker.c        process entry, event loop, connection and session events
 *   vu_handlers.c   the vhost-user request table and its handlers
 *   wk_queues.c     ring start/stop, requestq FIFO, eventq, notifications
 *   helper_client.c the session channel to the helper
 *   wk_caps.c       line capabilities: values without the helper hop
 *   wk_renew.c      a new helper session after the helper died
 *
 * Maintenance contract: connection-scoped state lives in struct worker and is
 * reset by wk_reset_connection_state(); line state lives in the helper.
 */
#ifndef WK_H
#define WK_H

#include <stdbool.h>
#include <stdint.h>

#include "gmem.h"
#include "ipc.h"
#include "virtio_gpio.h"
#include "vq.h"
#include "vu_msg.h"
#include "worker/vgpio_irq.h"
#include "worker/vgpio_req.h"

struct event_base;
struct event;

/* One requestq chain waiting for its answer; completed strictly in FIFO order. */
struct wk_req {
	uint16_t head;
	uint16_t type;
	uint16_t gpio;
	uint32_t req_value;
	uint32_t tag;			/* ipc tag when forwarded */
	bool forwarded;			/* sent to the helper */
	bool resolved;
	uint8_t status, value;
	uint32_t used_len;		/* bytes to report (what we wrote) */
	uint8_t *resp[2];		/* where status and value go, NULL if absent */
};

/* Per guest line, for wk_caps.c; all zero means "no capability, nothing pending". */
struct wk_line {
	int cap_fd1;			/* line request fd + 1, 0 for none */
	uint8_t dir;			/* with a cap: VIRTIO_GPIO_DIRECTION_OUT / _IN */
	uint8_t out;			/* value last driven through the cap */
	bool out_unsynced;		/* ... and not yet told to the helper */
	uint32_t inflight;		/* ops of this line sent to the helper, unanswered */
	uint32_t releasing;		/* of which SET_DIRECTION(NONE) */
};

struct worker;

struct wk_queue {
	struct worker *owner;
	struct vq vq;
	int kick_fd, call_fd, err_fd;
	struct event *kick_ev;
	bool kick_set;			/* SET_VRING_KICK seen since the last stop */
	bool started;			/* mapped and running */
	bool enabled;			/* SET_VRING_ENABLE(1) */
	bool base_returned;		/* GET_VRING_BASE answered ... */
	uint16_t returned_base;		/* ... with this index */
	bool notify_pending;
};

struct worker {
	struct event_base *base;
	int conn_fd, session_fd;
	struct event *conn_ev, *session_ev;
	unsigned int device;
	int exit_status;		/* set before leaving the loop */

	/* negotiated with the front-end */
	uint64_t features;
	bool features_set;
	uint64_t protocol_features;
	struct gmem gm;
	struct wk_queue q[VGPIO_NUM_QUEUES];

	/* device, from the helper */
	struct vgpio_dev_info info;
	uint8_t *names;			/* status OK, then the names block (info.names) */
	struct vgpio_irq *irq;

	/* requestq FIFO: ring buffer of cap entries, [fifo_head, fifo_head+fifo_len) */
	struct wk_req *fifo;
	uint32_t fifo_cap, fifo_head, fifo_len;
	uint32_t next_tag;
	uint32_t unresolved;		/* forwarded and not answered */

	bool helper_lost;		/* the session is gone: nothing more is sent */

	/* level reads for the eventq (WK_TAG_LEVEL_READ), sent in one batch */
	struct ipc_line_op level_reads[IPC_MAX_OPS];
	unsigned int nlevel_reads;

	/* line capabilities (wk_caps.c) */
	struct wk_line *lines;		/* [info.ngpio] */
	unsigned int ncaps;		/* line request fds held */
	struct ipc_sim_cell *sim_table;	/* mapped IPC_CAP_SIM_TABLE, or NULL */
	size_t sim_table_size;

	/* requests served, for the log line at the end */
	uint64_t nreq, nreq_direct;

	/* a new helper session after the helper died (wk_renew.c) */
	int renew_fd;			/* from the broker, -1 = none: a lost helper ends us */
	struct event *renew_ev, *renew_timer;
};

/*
 * Tags with this bit are the worker's own level reads, outside the requestq
 * FIFO: the low 16 bits are the line. FIFO tags never have it.
 */
#define WK_TAG_LEVEL_READ	0x80000000u
/* The worker's SET_VALUE telling the helper a value driven directly (wk_caps.c). */
#define WK_TAG_SYNC		0x40000000u
#define WK_TAG_OWN		(WK_TAG_LEVEL_READ | WK_TAG_SYNC)

#define WK_FEATURES	((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_GPIO_F_IRQ) | \
			 (1ull << VIRTIO_F_INDIRECT_DESC) | (1ull << VIRTIO_F_EVENT_IDX) | \
			 (1ull << VU_F_PROTOCOL_FEATURES))
#define WK_PROTOCOL_FEATURES ((1ull << VU_PROTOCOL_F_MQ) | (1ull << VU_PROTOCOL_F_REPLY_ACK) | \
			      (1ull << VU_PROTOCOL_F_CONFIG))

/* worker.c */
void wk_stop_loop(struct worker *w, int exit_status);
/* The helper session's read event (an evutil_socket_t callback). */
void wk_session_readable(int fd, short what, void *arg);
/*
 * The helper session failed (@why): every request still waiting for the
 * helper completes with ERR, then the connection ends (exit status 1) so the
 * front-end can reconnect to a new session.
 */
void wk_helper_lost(struct worker *w, const char *why);

/* vu_handlers.c: handle one message; returns 0 or -errno (connection ends). */
int vu_dispatch(struct worker *w, struct vu_msg *msg);

/* wk_rings.c */
void wk_queue_init(struct wk_queue *q);
void wk_queue_close(struct wk_queue *q);
int wk_queue_try_start(struct worker *w, unsigned int idx);
void wk_queue_stop(struct worker *w, unsigned int idx);
int wk_queue_set_kick(struct worker *w, unsigned int idx, int fd);
void wk_queue_kicked(struct worker *w, unsigned int idx);
void wk_eventq_update_running(struct worker *w);
void wk_notify_queue(struct worker *w, unsigned int idx);
void wk_notify_flush(struct worker *w);
void wk_queue_broken(struct worker *w, unsigned int idx);
bool wk_queue_ready(const struct worker *w, unsigned int idx);

/* wk_queues.c */
int wk_fifo_alloc(struct worker *w, uint32_t num);
void wk_process_requestq(struct worker *w);
void wk_process_eventq(struct worker *w);
/* The helper answered a forwarded op. Returns 0 or -EPROTO (answer out of order). */
int wk_req_answered(struct worker *w, const struct ipc_line_result *res);
void wk_fifo_flush(struct worker *w);
/* Resolve every request waiting for the helper with ERR and publish them. */
void wk_fail_unresolved(struct worker *w);
void wk_irq_complete(void *ctx, uint16_t head, uint64_t status_gpa, uint8_t status);
void wk_irq_read_level(void *ctx, uint16_t gpio);
/* Send the level reads collected so far (wk_process_eventq() does it at its end). */
void wk_level_reads_flush(struct worker *w);

/* wk_caps.c */
int wk_caps_init(struct worker *w);
void wk_caps_free(struct worker *w);
/* The helper is gone: drop every capability and forget what was pending. */
void wk_caps_reset(struct worker *w);
/* Takes @fd in every case. Returns 0, or -errno for a capability that makes no sense. */
int wk_caps_receive(struct worker *w, const struct ipc_line_cap *cap, int fd);
/* Answer @op (host byte order) directly if allowed; true with *value set when done. */
bool wk_caps_try(struct worker *w, const struct ipc_line_op *op, uint8_t *value);
/*
 * @op is about to go to the helper: count it, close a cap it releases.
 * Returns 1 with *sync filled when a WK_TAG_SYNC op must go out before it.
 */
unsigned int wk_caps_before_forward(struct worker *w, const struct ipc_line_op *op,
				    struct ipc_line_op *sync);
/* The helper answered an op of @line sent through wk_caps_before_forward(). */
void wk_caps_answered(struct worker *w, uint16_t line, uint16_t op, uint32_t req_value,
		      bool ok);

/* wk_renew.c */
int wk_renew_setup(struct worker *w, int renew_fd);
void wk_renew_free(struct worker *w);
/* The session is lost: wait for a new one? false: no broker channel, end the connection. */
bool wk_renew_wait(struct worker *w);

/* helper_client.c */
int hc_get_device_info(struct worker *w);
/* A new helper session: the same device (lines and names)? 0, -ENXIO, or -errno. */
int hc_check_device_info(struct worker *w);
int hc_send_ops(struct worker *w, const struct ipc_line_op *ops, unsigned int n);
/* Read and dispatch what the helper sent; returns 0, or -errno when the session is lost. */
int hc_receive(struct worker *w, bool block);
/* Wait until every forwarded op is answered (before a ring stops or memory changes). */
int hc_quiesce(struct worker *w);

#endif /* WK_H */
