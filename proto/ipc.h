/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Messages between the three processes, defined once here.
 *
 * Two channels, both AF_UNIX SOCK_SEQPACKET socketpairs (one datagram = one
 * message, so framing cannot drift):
 *
 *   control:  broker <-> helper, created by the broker before it execs the
 *             helper (helper gets it as --control-fd).
 *   session:  worker <-> helper, one per vhost-user connection. The broker
 *             creates the pair, sends one end to the helper with
 *             IPC_REQ_SESSION_OPEN and gives the other to the worker.
 *   spawner:  broker <-> helper spawner (device/broker/spawner.c), created
 *             before the broker jails itself; it starts a new helper when
 *             the broker asks.
 *   renew:    broker -> worker, one per worker, created with it: after a
 *             helper restart the worker gets its new session here
 *             (device/worker/wk_renew.c).
 *
 * Every message is struct ipc_hdr followed by exactly hdr.len payload bytes.
 * Fixed-width little-endian fields; "reserved" fields must be zero. REQ
 * types are even and the matching ANS is REQ + 1 (checked below); EVT types
 * are unsolicited. The receiver checks type, direction, length and fd count
 * against a table before any handler runs; anything else ends the channel.
 */
#ifndef IPC_H
#define IPC_H

#include <stddef.h>
#include <stdint.h>

/* Largest datagram either side sends or accepts. */
#define IPC_MSG_MAX		65536
/* Lines one device may have: all that virtio's 16-bit ngpio allows. */
#define IPC_MAX_LINES		65535
/* Line operations in one IPC_REQ_LINE_OPS batch. */
#define IPC_MAX_OPS		256
/* Devices one broker serves (one per vhost-user socket). */
#define IPC_MAX_DEVICES		64

enum ipc_type {
	/* control channel */
	IPC_EVT_HELPER_READY = 1,	/* helper -> broker, after all chips opened; no fd */
	IPC_REQ_SESSION_OPEN = 2,	/* broker -> helper; 1 fd follows: session end */
	IPC_ANS_SESSION_OPEN = 3,	/* helper -> broker; no fd */

	/* session channel */
	IPC_REQ_DEVICE_INFO = 4,	/* worker -> helper; empty payload */
	IPC_ANS_DEVICE_INFO = 5,	/* helper -> worker; ipc_device_info + the first of its body */
	IPC_REQ_LINE_OPS = 6,		/* worker -> helper; ipc_line_op[n] */
	IPC_ANS_LINE_OPS = 7,		/* helper -> worker; ipc_line_result[n], same order */
	IPC_EVT_LINE_EDGE = 9,		/* helper -> worker; ipc_line_edge[n] */
	IPC_CONT_DEVICE_INFO = 11,	/* helper -> worker; more of ANS_DEVICE_INFO's body */
	IPC_EVT_LINE_CAP = 13,		/* helper -> worker; ipc_line_cap; 1 fd follows */

	/* spawner channel */
	IPC_REQ_HELPER_SPAWN = 14,	/* broker -> spawner; empty; 1 fd: report pipe end */
	IPC_ANS_HELPER_SPAWN = 15,	/* spawner -> broker; ipc_helper_spawned; 1 fd if ok */

	/* renew channel */
	IPC_EVT_SESSION_RENEW = 17,	/* broker -> worker; empty; 1 fd: a session with a new helper */

	IPC_TYPE_MAX = 32,
};

_Static_assert(IPC_REQ_SESSION_OPEN % 2 == 0 && IPC_ANS_SESSION_OPEN == IPC_REQ_SESSION_OPEN + 1,
	       "REQ even, ANS = REQ + 1");
_Static_assert(IPC_REQ_DEVICE_INFO % 2 == 0 && IPC_ANS_DEVICE_INFO == IPC_REQ_DEVICE_INFO + 1,
	       "REQ even, ANS = REQ + 1");
_Static_assert(IPC_REQ_LINE_OPS % 2 == 0 && IPC_ANS_LINE_OPS == IPC_REQ_LINE_OPS + 1,
	       "REQ even, ANS = REQ + 1");
_Static_assert(IPC_REQ_HELPER_SPAWN % 2 == 0 && IPC_ANS_HELPER_SPAWN == IPC_REQ_HELPER_SPAWN + 1,
	       "REQ even, ANS = REQ + 1");
_Static_assert(IPC_EVT_SESSION_RENEW < IPC_TYPE_MAX, "types fit the name table");

struct ipc_hdr {
	uint32_t type;		/* enum ipc_type */
	uint32_t len;		/* payload bytes after this header */
};

/* IPC_EVT_HELPER_READY */
struct ipc_helper_ready {
	uint16_t ndevices;
	uint16_t reserved;
	uint32_t reserved2;
};

/* IPC_REQ_SESSION_OPEN: the helper binds the passed fd to device @device. */
struct ipc_session_open {
	uint16_t device;
	uint16_t reserved;
	uint32_t reserved2;
};

/*
 * IPC_ANS_HELPER_SPAWN: the new helper's pid (a child of the broker) and,
 * attached, the broker's end of its control channel; or error < 0, no fd.
 */
struct ipc_helper_spawned {
	int32_t pid;
	int32_t error;		/* 0 or -errno */
};

/* IPC_ANS_SESSION_OPEN */
struct ipc_session_result {
	int32_t error;		/* 0 or -errno */
	uint32_t reserved;
};

/*
 * IPC_ANS_DEVICE_INFO payload: this struct, then the start of the body:
 * struct ipc_line_state[ngpio] (line state kept across sessions), then the
 * names block of names_size bytes (ngpio NUL-terminated strings, virtio
 * format). A body too long for one message (a big chip: 65535 lines with
 * names are about 2 MiB) goes on in IPC_CONT_DEVICE_INFO messages sent right
 * after it, each as full as a message allows, until ipc_device_info_body()
 * bytes have come; nothing else comes in between.
 */
struct ipc_device_info {
	uint16_t ngpio;		/* 1..IPC_MAX_LINES */
	uint16_t reserved;
	uint32_t names_size;	/* 0 = no names */
};

struct ipc_line_state {
	uint8_t irq_type;	/* VIRTIO_GPIO_IRQ_TYPE_*, the trigger set now */
	uint8_t level;		/* current level of the line */
};

/* Bytes of the device info body (line states and names) for @info. */
static inline uint64_t ipc_device_info_body(const struct ipc_device_info *info)
{
	return (uint64_t)info->ngpio * sizeof(struct ipc_line_state) + info->names_size;
}

/* Body bytes the first message / each continuation carries at most. */
#define IPC_DEVICE_INFO_FIRST	(IPC_MSG_MAX - sizeof(struct ipc_hdr) - sizeof(struct ipc_device_info))
#define IPC_DEVICE_INFO_CONT	(IPC_MSG_MAX - sizeof(struct ipc_hdr))

/* Line operations; the values match the virtio request types on purpose. */
enum ipc_line_opcode {
	IPC_OP_GET_DIRECTION = 2,
	IPC_OP_SET_DIRECTION = 3,
	IPC_OP_GET_VALUE = 4,
	IPC_OP_SET_VALUE = 5,
	IPC_OP_SET_IRQ_TYPE = 6,
};

/* IPC_REQ_LINE_OPS element. */
struct ipc_line_op {
	uint32_t tag;		/* echoed in the result */
	uint16_t op;		/* enum ipc_line_opcode */
	uint16_t line;		/* guest line number */
	uint32_t value;		/* direction, level or irq type */
	uint32_t reserved;
};

/* IPC_ANS_LINE_OPS element. */
struct ipc_line_result {
	uint32_t tag;
	uint8_t status;		/* VIRTIO_GPIO_STATUS_OK / _ERR */
	uint8_t value;		/* direction or level; for SET_IRQ_TYPE the current level */
	uint16_t reserved;
};

/*
 * Bits: one IPC_EVT_LINE_EDGE names each line at most once, with every kind
 * of edge it had since the line's previous report (the helper coalesces per
 * line, as the eventq may: an interrupt reports "it happened", not a count).
 */
#define IPC_EDGE_RISING		1
#define IPC_EDGE_FALLING	2

/*
 * IPC_EVT_LINE_EDGE element: a level change on a line whose irq type is not
 * NONE, in the order the helper saw them.
 */
struct ipc_line_edge {
	uint16_t line;
	uint8_t edge;		/* IPC_EDGE_RISING | IPC_EDGE_FALLING: one or both seen */
	uint8_t level;		/* level after the last of them */
	uint32_t reserved;
	uint64_t timestamp_ns;	/* CLOCK_MONOTONIC */
};

/*
 * IPC_EVT_LINE_CAP: a capability for GET_VALUE and SET_VALUE that the worker
 * may use without asking the helper (the security argument is in
 * vhost-user-gpio(8), "Line capabilities", and policy/<arch>/worker_io.policy).
 * The helper decides when to hand one out; the worker may always ignore it
 * and keep asking. Two kinds:
 *
 *   IPC_CAP_LINE_REQUEST  the fd is the kernel line request (GPIO v2 uAPI)
 *       the helper holds for guest line @line, requesting exactly that one
 *       host line. @dir is its direction now. The worker may use only
 *       GPIO_V2_LINE_GET_VALUES_IOCTL and GPIO_V2_LINE_SET_VALUES_IOCTL on it
 *       (its seccomp filter allows no other ioctl) and closes it before it
 *       sends the SET_DIRECTION(NONE) that releases the line.
 *   IPC_CAP_SIM_TABLE  the fd is a memfd of @size bytes: struct
 *       ipc_sim_cell[ngpio] of a simulated chip whose guest lines are its
 *       chip lines (no lines= or input-only= policy), so every cell is a
 *       line the guest may read and drive. @line and @dir are 0.
 *
 * The helper sends at most IPC_MAX_LINE_CAPS request fds per session.
 */
enum ipc_cap_kind {
	IPC_CAP_LINE_REQUEST = 1,
	IPC_CAP_SIM_TABLE = 2,
};

#define IPC_MAX_LINE_CAPS	256

struct ipc_line_cap {
	uint16_t line;		/* guest line (LINE_REQUEST) */
	uint8_t kind;		/* enum ipc_cap_kind */
	uint8_t dir;		/* VIRTIO_GPIO_DIRECTION_OUT / _IN (LINE_REQUEST) */
	uint32_t size;		/* bytes of the table (SIM_TABLE) */
};

/*
 * One line of a simulated chip in shared memory. The helper writes @dir and
 * @input (copies of its own state, which it never reads back while it
 * runs); the worker and the helper both write @out, the output value the
 * chip remembers (in any direction, driven while OUT). Single bytes,
 * accessed atomically.
 *
 * The same cells are the line state a restarted helper takes over (below):
 * there @irq is the trigger the guest set, and for a host chip @dir and
 * @out are what the guest set up (dir 0: the line is not held).
 */
struct ipc_sim_cell {
	uint8_t dir;		/* VIRTIO_GPIO_DIRECTION_OUT / _IN (0: none, host chips) */
	uint8_t out;		/* remembered output value */
	uint8_t input;		/* external input level (simulated chips) */
	uint8_t irq;		/* VIRTIO_GPIO_IRQ_TYPE_* the guest set */
};

/*
 * Line state that outlives a helper (--helper-restarts): one memfd per
 * device, created and sealed against resizing by the broker, which never
 * reads it and hands it to every helper it starts (--state-fds). A cell per
 * chip line, indexed by the chip's line number. A simulated chip keeps its
 * lines there, so its value table for workers (IPC_CAP_SIM_TABLE) is the
 * start of this memfd. A new helper validates every cell it restores: a
 * worker holding the table could have written anything into it.
 */
#define IPC_STATE_LINES		65536
#define IPC_STATE_SIZE		(IPC_STATE_LINES * 4)

_Static_assert(sizeof(struct ipc_hdr) == 8, "ipc header is 8 bytes");
_Static_assert(sizeof(struct ipc_line_cap) == 8, "line_cap is 8 bytes");
_Static_assert(sizeof(struct ipc_sim_cell) == 4, "sim_cell is 4 bytes");
_Static_assert(IPC_STATE_SIZE == IPC_STATE_LINES * sizeof(struct ipc_sim_cell),
	       "a state memfd is a cell per possible chip line");
_Static_assert(sizeof(struct ipc_helper_ready) == 8, "helper_ready is 8 bytes");
_Static_assert(sizeof(struct ipc_session_open) == 8, "session_open is 8 bytes");
_Static_assert(sizeof(struct ipc_session_result) == 8, "session_result is 8 bytes");
_Static_assert(sizeof(struct ipc_helper_spawned) == 8, "helper_spawned is 8 bytes");
_Static_assert(sizeof(struct ipc_device_info) == 8, "device_info is 8 bytes");
_Static_assert(sizeof(struct ipc_line_state) == 2, "line_state is 2 bytes");
_Static_assert(sizeof(struct ipc_line_op) == 16, "line_op is 16 bytes");
_Static_assert(sizeof(struct ipc_line_result) == 8, "line_result is 8 bytes");
_Static_assert(sizeof(struct ipc_line_edge) == 16, "line_edge is 16 bytes");
_Static_assert(sizeof(struct ipc_hdr) + IPC_MAX_OPS * sizeof(struct ipc_line_op) <= IPC_MSG_MAX,
	       "a full batch fits one message");

/* ---- framing (proto/ipc.c) ---- */

struct ipc_msg {
	struct ipc_hdr hdr;
	uint8_t payload[IPC_MSG_MAX - sizeof(struct ipc_hdr)];
	int fd;			/* -1 if none came */
};

/*
 * Send one message, with @fd (>= 0) attached as SCM_RIGHTS, or none (-1).
 * Returns 0 or -errno (-EPIPE when the peer is gone).
 */
int ipc_send(int sock, uint32_t type, const void *payload, uint32_t len, int fd);

/*
 * Receive one message. Returns 0; -ECONNRESET on EOF; -EMSGSIZE for a
 * truncated datagram or control data; -EBADMSG when the datagram is shorter
 * than its header or hdr.len disagrees with the datagram size; other -errno.
 * At most one fd is accepted (MSG_CMSG_CLOEXEC); extra fds are closed and
 * the message refused. On error msg->fd is -1 and nothing is left open.
 */
int ipc_recv(int sock, struct ipc_msg *msg);

/*
 * Table-driven admission: is @msg a known type for this receiver with a
 * length in [min, max], a multiple of @elem (when elem != 0, after @fixed
 * leading bytes), and exactly @nfds fds? Returns 0 or -EBADMSG.
 */
struct ipc_rule {
	uint32_t type;
	uint32_t min_len;
	uint32_t max_len;
	uint32_t fixed;
	uint32_t elem;
	int nfds;
};
int ipc_admit(const struct ipc_msg *msg, const struct ipc_rule *rules, unsigned int nrules);

/* Name of a message type for logs. */
const char *ipc_type_name(uint32_t type);

#endif /* IPC_H */
