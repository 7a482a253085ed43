/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The worker state-machine target (fz_wk.c) and its guest driver model
 * (fz_wk_guest.c). See fz_wk.c for what is fuzzed and checked.
 */
#ifndef FZ_WK_H
#define FZ_WK_H

#include <stdbool.h>
#include <stdint.h>

#include "fz.h"
#include "fzw.h"

#define WKF_GPA		0x100000ull
#define WKF_UVA		0x7f5500000000ull
#define WKF_MAX_NUM	64
#define WKF_RING_OFF(q)	((uint64_t)(q) * 0x1000)	/* desc +0, avail +0x400, used +0x800 */
#define WKF_SLOT(q, h)	(0x2000 + (uint64_t)(q) * 0x4000 + (uint64_t)(h) * 256)
#define WKF_MEM_SIZE	0xa000
#define WKF_MAX_LINES	8
#define WKF_MAX_PENDING	1024

/* A requestq chain the driver gave, by head. */
struct wkf_req {
	bool active;
	uint16_t pos;			/* avail index it was published at */
	uint16_t type, gpio;
	uint32_t value;
	bool bad, fwd, names;
	uint32_t used;			/* expected used length, unless forwarded */
	uint8_t nresp;			/* writable bytes the status/value go to (0..2) */
	uint64_t resp[2];		/* their offsets in guest memory */
	bool matched, answered;		/* forwarded: op seen by the helper, answer sent */
	bool classified;		/* popped, and local or forwarded decided */
	bool local;			/* a value the worker answers from the sim table */
	uint8_t local_value;		/* ... with this value */
	uint8_t ans_status, ans_value;
	uint8_t ndesc;
	uint16_t desc[4];
};

/* An eventq chain the driver gave, by head. */
struct wkf_ev {
	bool active;
	uint16_t pos;
	uint16_t line;
	bool malformed;			/* bad chain or too short: used length 0 */
	uint64_t status;		/* offset of the status byte */
	bool sink_done;			/* returned through the irq sink ... */
	uint8_t sink_status;		/* ... with this status */
	uint8_t ndesc;
	uint16_t desc[4];
};

struct wkf_q {
	uint32_t num;
	uint16_t avail_idx;		/* driver's next avail index */
	uint16_t used_seen;		/* used entries consumed by the model */
	bool busy[WKF_MAX_NUM];		/* descriptors owned by outstanding chains */
	bool stopped;			/* GET_VRING_BASE answered, not restarted */
};

/* An op the worker sent the helper, not answered yet. */
struct wkf_op {
	uint32_t tag;
	uint16_t op, line;
	uint32_t value;
	int head;			/* the request it came from; -1 for a level read */
};

struct wkf {
	struct worker w;
	uint8_t *mem;
	struct fz_in *in;
	int us;				/* our end of the session: we are the helper */
	int conn;			/* our end of the vhost-user socket */
	uint16_t ngpio;
	uint32_t names_size;
	uint8_t names[WKF_MAX_LINES * 4];
	bool irq_neg, indirect, chaos, read_sink, lost;
	uint8_t gtype[WKF_MAX_LINES];	/* trigger as the guest knows it */
	struct wkf_q q[2];
	struct wkf_req req[WKF_MAX_NUM];
	uint16_t rq_order[WKF_MAX_NUM];	/* outstanding requests, oldest first */
	unsigned int rq_n;
	struct wkf_ev ev[WKF_MAX_NUM];
	struct wkf_op pending[WKF_MAX_PENDING];
	unsigned int npending;
	bool ev_ready;			/* eventq ready when the current step began */
	/* the simulated chip's value table we handed over (IPC_CAP_SIM_TABLE) */
	struct ipc_sim_cell *table;	/* our mapping, NULL until handed over */
	uint8_t mout[WKF_MAX_LINES];	/* output values the worker must have written */
	uint32_t inflight[WKF_MAX_LINES]; /* forwarded ops per line, not answered */
};

/* fz_wk_guest.c: the driver side */
void wkf_ring_reset(struct wkf *x, unsigned int q, uint32_t num);
void wkf_add_request(struct wkf *x);
void wkf_add_event(struct wkf *x);
void wkf_scan_requests(struct wkf *x);
void wkf_scan_events(struct wkf *x);
void wkf_check_held(struct wkf *x);
bool wkf_req_popped(const struct wkf *x, const struct wkf_req *r);
bool wkf_ev_popped(const struct wkf *x, const struct wkf_ev *e);
/* Outstanding popped requests the worker still owes. */
unsigned int wkf_requests_owed(const struct wkf *x);
/* A request the worker answered from the sim table completed. */
void wkf_local_done(const struct wkf *x, const struct wkf_req *r);
/* The request at the front of the FIFO enables @line's trigger right now. */
bool wkf_enabling(const struct wkf *x, uint16_t line);

#endif /* FZ_WK_H */
