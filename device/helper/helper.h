/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helper internals shared by its files:
 *   helper.c       command line, setup, event loop, control channel (broker)
 *   dev.c          one device: chip, names block, irq types, edge batching
 *   lineops.c      validation and execution of line ops, DEVICE_INFO payload
 *   session.c      session channels (worker): dispatch table, send queue
 *   caps.c         line capabilities handed to workers
 *   state.c        line state a restarted helper takes over
 *   sim_control.c  the text control socket of simulated chips
 *   chip.c, chip_sim.c, chip_gpiod.c   backends (simulated, libgpiod v2)
 *   devlist.c      the device list and its line access policy
 *
 * The helper is single-threaded (one libevent loop); nothing here is shared
 * between threads. Maintenance contract: state that must survive a worker
 * reconnect lives in struct helper_dev, never in struct helper_session.
 */
#ifndef HELPER_H
#define HELPER_H

#include <stdbool.h>
#include <stdint.h>

#include "ipc.h"

struct event;
struct event_base;
struct chip;
struct devlist_entry;
struct helper;
struct helper_out;
struct sim_control;

/* Edges collected before one IPC_EVT_LINE_EDGE goes out. */
#define HELPER_EDGE_BATCH	256
_Static_assert(sizeof(struct ipc_hdr) + HELPER_EDGE_BATCH * sizeof(struct ipc_line_edge)
	       <= IPC_MSG_MAX, "an edge batch fits one message");

/* One worker's channel to a device; owned by session.c. */
struct helper_session {
	struct helper_session *next;	/* in dev->sessions, or in helper->dead */
	struct helper_dev *dev;
	unsigned int id;		/* for logs */
	int fd;				/* -1 once closed */
	bool dead;			/* closed; memory waits for the reaper */
	struct event *ev_read, *ev_write;
	struct helper_out *outq, **outq_tail; /* messages the socket would not take yet */
	uint32_t outq_bytes;
	/* line capabilities given to this session's worker (caps.c) */
	uint8_t *cap_given;		/* [dev->ngpio] 1: it has the line's request fd */
	unsigned int ncaps;
	bool table_given;		/* it has the simulated chip's table */
};

/* pending_slot[] of a line with no edge in the batch being collected. */
#define HELPER_NO_SLOT		0xffff
_Static_assert(HELPER_EDGE_BATCH < HELPER_NO_SLOT, "slot numbers fit");

/* guest_line[] of a chip line the access policy hides. */
#define HELPER_LINE_HIDDEN	0xffff

/*
 * Line numbers: "guest lines" 0..ngpio-1 are what the worker and the guest
 * see; chip lines are the backend's. The entry's access policy maps them
 * (devlist.c); without lines= the two are the same.
 */
struct helper_dev {
	struct helper *h;
	unsigned int index;		/* position in the device list */
	struct chip *chip;
	uint16_t ngpio;			/* guest lines */
	uint16_t *host_line;		/* [ngpio] chip line of each guest line */
	uint16_t *guest_line;		/* [chip->ngpio] guest line, or HELPER_LINE_HIDDEN */
	uint8_t *input_only;		/* [ngpio] 1: the guest may read it, not drive it */
	bool remapped;			/* the entry has lines= */
	uint8_t *irq_type;		/* [ngpio], VIRTIO_GPIO_IRQ_TYPE_*; NONE on OUT lines */
	uint8_t *names;			/* ngpio NUL-terminated strings, or NULL */
	uint32_t names_size;		/* 0 = no names */
	struct helper_session *sessions; /* open sessions of this device */
	struct event *chip_ev;		/* the backend's event fd, or NULL */
	struct ipc_line_edge pending[HELPER_EDGE_BATCH]; /* not yet sent, in order */
	unsigned int npending;
	uint16_t *pending_slot;		/* [ngpio] index in pending, or HELPER_NO_SLOT */
	struct ipc_sim_cell *state;	/* [chip->ngpio] the state memfd (state.c), or NULL */
	bool caps;			/* hand out line capabilities (caps.c) */
	bool caps_table_ok;		/* ... including a simulated chip's whole table */
	uint64_t ops_run;		/* line ops executed, for the sim control "stats" */
};

struct helper {
	struct event_base *base;
	struct helper_dev *devs;
	unsigned int ndevs;
	int control_fd;
	struct event *control_ev;
	struct event *sig_term, *sig_int;
	struct sim_control *simctl;	/* NULL without --sim-control */
	struct helper_session *dead;	/* closed sessions, freed by the reaper */
	struct event *reaper;
	struct ipc_msg *rx;		/* receive buffer of every channel */
	unsigned int next_session_id;
	bool line_caps;			/* not --no-line-caps */
	int exit_status;		/* set before leaving the loop */
};

/* helper.c */
int helper_main(int argc, char **argv);
void helper_stop(struct helper *h, int exit_status);

/* dev.c; @state_fd: the device's state memfd (--state-fds), or -1 */
int helper_dev_open(struct helper *h, struct helper_dev *dev, unsigned int index,
		    const struct devlist_entry *entry, int state_fd);
void helper_dev_close(struct helper_dev *dev);
/* Send the edges collected so far to every session of @dev / of every device. */
void helper_dev_flush(struct helper_dev *dev);
void helper_flush_edges(struct helper *h);

/* lineops.c */
void helper_line_op(struct helper_dev *dev, const struct ipc_line_op *op,
		    struct ipc_line_result *res);
/*
 * The device info of @dev: *info, and its body (line states, then names) in
 * a new buffer of ipc_device_info_body(info) bytes that the caller frees.
 * Returns 0 or -ENOMEM.
 */
int helper_device_info(struct helper_dev *dev, struct ipc_device_info *info, uint8_t **body);
const char *helper_irq_type_name(uint8_t type);

/* caps.c */
/* After the chip is open and the policy applied; @enabled: not --no-line-caps. */
void helper_caps_dev_init(struct helper_dev *dev, bool enabled);
/* Offer the worker what @op (host byte order), answered @res, makes possible. */
void helper_caps_after_op(struct helper_session *s, const struct ipc_line_op *op,
			  const struct ipc_line_result *res);
void helper_caps_session_free(struct helper_session *s);

/* state.c */
/* 0 if @fd is a state memfd of the right size, else -errno. */
int helper_state_check_fd(int fd);
/* After the chip is open; @fd may be -1 (nothing kept). */
int helper_state_map(struct helper_dev *dev, int fd);
void helper_state_unmap(struct helper_dev *dev);
/* After @op (host byte order) succeeded. */
void helper_state_record(struct helper_dev *dev, const struct ipc_line_op *op);
/* Set the lines up as the previous helper left them (policy and checks apply). */
void helper_state_restore(struct helper_dev *dev);

/* session.c */
/* Bind @fd (a SEQPACKET socket) to @dev. Takes @fd in every case. */
int helper_session_open(struct helper_dev *dev, int fd);
/* Unlink and close now, free later: safe from any callback. */
void helper_session_close(struct helper_session *s, const char *why);
/* Send or queue; on a lost peer the session is closed and -errno returned. */
int helper_session_send(struct helper_session *s, uint32_t type, const void *payload,
			uint32_t len);
void helper_sessions_reap(struct helper *h);

/* sim_control.c */
int sim_control_open(struct helper *h, const char *path, struct sim_control **out);
void sim_control_close(struct sim_control *sc);

#endif /* HELPER_H */
