/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tfe: a test front-end for the integration tests. It plays both the VMM
 * (vhost-user front-end: QEMU 7.2-8.2, QEMU >= 9.0 or crosvm message orders)
 * and the guest driver (split rings in memfd guest memory, virtio-gpio
 * requests and eventq buffers). Written from the specs only; it shares the
 * wire headers with the daemon and nothing else.
 *
 * Conventions: functions return 0 (or a count / head) on success and
 * -errno on failure; protocol violations by the daemon are -EPROTO and are
 * described on stderr. Every wait has a timeout (TFE_TIMEOUT_MS): a daemon
 * that does not answer makes a test fail, never hang.
 */
#ifndef TFE_H
#define TFE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "virtio_gpio.h"
#include "vu_proto.h"

#define TFE_TIMEOUT_MS		2000
#define TFE_MAX_REGIONS		4
#define TFE_REGION_SIZE		(1u << 20)
/* Buffer slots per queue (requests in flight at once). */
#define TFE_NSLOTS		512
#define TFE_SLOT_SIZE		64

/* The features the daemon offers and the protocol features it must offer. */
#define TFE_DEV_FEATURES	((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_GPIO_F_IRQ) | \
				 (1ull << VIRTIO_F_INDIRECT_DESC) | (1ull << VIRTIO_F_EVENT_IDX) | \
				 (1ull << VU_F_PROTOCOL_FEATURES))
#define TFE_PROTO_FEATURES	((1ull << VU_PROTOCOL_F_MQ) | (1ull << VU_PROTOCOL_F_REPLY_ACK) | \
				 (1ull << VU_PROTOCOL_F_CONFIG))

/* Split ring layout (VIRTIO 1.2 §2.7), little-endian like x86 hosts. */
#define TFE_DESC_F_NEXT		1
#define TFE_DESC_F_WRITE	2
#define TFE_DESC_F_INDIRECT	4

struct tfe_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct tfe_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};

struct tfe_used_elem {
	uint32_t id;
	uint32_t len;
};

struct tfe_used {
	uint16_t flags;
	uint16_t idx;
	struct tfe_used_elem ring[];
};

enum tfe_order {
	TFE_QEMU72,	/* QEMU 7.2-8.2: no F_IRQ for the guest, eventq never set up */
	TFE_QEMU9,	/* QEMU >= 9.0: both queues, GET_CONFIG on every read */
	TFE_CROSVM,	/* crosvm: SET_OWNER first, GET_CONFIG flags 1, no NEED_REPLY */
};

struct tfe_region {
	int fd;
	uint8_t *map;		/* whole memfd mapping in this process */
	size_t map_len;
	uint64_t gpa;
	uint64_t size;
	uint64_t offset;	/* mmap_offset: the region starts this far into the fd */
	uint64_t used;		/* bump allocator */
};

struct tfe_mem {
	unsigned int n;
	struct tfe_region r[TFE_MAX_REGIONS];
};

/* One buffer of a chain, for tfe_vq_add(). */
struct tfe_buf {
	uint64_t gpa;
	uint32_t len;
	bool write;
};

/* Driver bookkeeping for a head the device has not returned yet. */
struct tfe_inflight {
	bool busy;
	uint16_t ndesc;		/* descriptors taken from the table */
	uint16_t ids[8];	/* their indexes */
	int slot;		/* buffer slot, -1 if none */
	uint16_t type;		/* request type, or 0 on the eventq */
	uint16_t gpio;
	uint64_t resp_gpa;	/* device-writable bytes: status first */
	uint32_t resp_len;
	uint32_t seq;		/* post order */
};

/* A completion taken from the used ring. */
struct tfe_done {
	uint16_t head;
	uint32_t len;		/* used length reported by the device */
	uint8_t status;		/* first writable byte */
	uint8_t value;		/* second writable byte (requestq) */
	uint16_t type;
	uint16_t gpio;
	uint32_t seq;
	uint64_t resp_gpa;
	uint32_t resp_len;
};

struct tfe_vq {
	unsigned int index;
	uint16_t num;
	bool allocated;
	struct tfe_desc *desc;
	struct tfe_avail *avail;
	struct tfe_used *used;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	uint16_t avail_idx;	/* next avail index the driver publishes */
	uint16_t last_used;	/* next used index the driver consumes */
	uint16_t kicked_idx;	/* avail_idx at the last kick decision (EVENT_IDX) */
	uint32_t kicks_saved;	/* kicks the device's avail_event let us skip */
	uint16_t *free;		/* stack of free descriptor indexes */
	unsigned int nfree;
	struct tfe_inflight *inflight;	/* by head */
	uint64_t slot_gpa;	/* TFE_NSLOTS x TFE_SLOT_SIZE bytes */
	int slot_free[TFE_NSLOTS];
	unsigned int nslot_free;
	int kick_fd, call_fd;
	bool call_nofd;		/* SET_VRING_CALL was sent with 0x100: poll the ring */
	struct tfe_done *done;	/* completions not yet taken by the test */
	unsigned int ndone, done_cap;
	uint32_t seq;
	unsigned int errors;	/* device misbehaviour seen on this ring */
	unsigned int completions;
};

struct tfe {
	int sock;
	enum tfe_order order;
	uint64_t dev_features;
	uint64_t proto;		/* negotiated protocol features */
	uint64_t acked;		/* what SET_FEATURES sent last (0 = not yet) */
	uint64_t need_reply;	/* bit N: set NEED_REPLY on request id N (if REPLY_ACK) */
	bool indirect;		/* requests use one indirect descriptor */
	bool want_event_idx;	/* ack VIRTIO_F_EVENT_IDX if offered (set before start) */
	bool event_idx;		/* negotiated: used_event / avail_event in use */
	uint16_t qsize[VGPIO_NUM_QUEUES];
	uint16_t base[VGPIO_NUM_QUEUES];	/* from GET_VRING_BASE, for the next start */
	bool started;
	int masked_call[VGPIO_NUM_QUEUES];	/* QEMU's init-time call eventfds */
	struct virtio_gpio_config cfg;		/* as read at init */
	struct tfe_mem mem;
	struct tfe_vq vq[VGPIO_NUM_QUEUES];
};

/*
 * tfe_conn.c: socket, framing, single messages. tfe_msg() sets NEED_REPLY when
 * the request's bit is in t->need_reply and REPLY_ACK was negotiated, and then
 * requires ack 0; tfe_msg_ack() always asks and hands back the ack.
 */
int tfe_connect(const char *path, int timeout_ms);	/* retries ENOENT/ECONNREFUSED */
struct tfe *tfe_new(int sock, size_t region_size);
void tfe_free(struct tfe *t);
int tfe_send(struct tfe *t, uint32_t req, uint32_t flags, const void *payload, uint32_t size,
	     const int *fds, unsigned int nfds);
int tfe_send_raw(int sock, const void *buf, size_t len);
int tfe_recv_reply(struct tfe *t, uint32_t req, void *payload, uint32_t size);
int tfe_msg(struct tfe *t, uint32_t req, const void *payload, uint32_t size,
	    const int *fds, unsigned int nfds);
int tfe_msg_ack(struct tfe *t, uint32_t req, const void *payload, uint32_t size,
		const int *fds, unsigned int nfds, uint64_t *ack);
int tfe_get_u64(struct tfe *t, uint32_t req, uint64_t *val);
int tfe_set_u64(struct tfe *t, uint32_t req, uint64_t val);
int tfe_set_state(struct tfe *t, uint32_t req, uint32_t index, uint32_t num);
int tfe_get_vring_base(struct tfe *t, uint32_t index, uint32_t *num);
int tfe_set_vring_fd(struct tfe *t, uint32_t req, uint32_t index, int fd);
int tfe_set_vring_addr(struct tfe *t, unsigned int q);
int tfe_set_mem_table(struct tfe *t);
int tfe_get_config(struct tfe *t, uint32_t offset, uint32_t size, uint32_t flags, void *out);
int tfe_wait_eof(int sock, int timeout_ms);

/*
 * tfe_hs.c: the three message orders. init = connection phase, start = DRIVER_OK
 * (or resume / crosvm wake, using t->base[]), stop = pause / crosvm sleep (fills
 * t->base[]). Set t->qsize[] between init and the first start.
 */
int tfe_init(struct tfe *t, enum tfe_order order);
int tfe_start(struct tfe *t);
int tfe_stop(struct tfe *t);
int tfe_handshake(struct tfe *t, enum tfe_order order);
int tfe_setup_queue(struct tfe *t, unsigned int q);
int tfe_read_config(struct tfe *t, struct virtio_gpio_config *cfg);
uint64_t tfe_guest_features(const struct tfe *t);

/*
 * tfe_ring.c: guest memory and the driver side of the split rings. vq_add and
 * vq_add_desc publish at once (no kick) and return the head; collect moves used
 * entries to the done list without waiting; wait waits for the call fd; take
 * returns one completion (head, or the oldest if head < 0) or -ETIMEDOUT.
 */
int tfe_mem_init(struct tfe_mem *m, unsigned int n, size_t size);
void tfe_mem_fini(struct tfe_mem *m);
int tfe_mem_alloc(struct tfe_mem *m, size_t size, size_t align, uint64_t *gpa);
void *tfe_gpa_ptr(struct tfe_mem *m, uint64_t gpa, size_t len);
uint64_t tfe_gpa_va(struct tfe_mem *m, uint64_t gpa);
int tfe_vq_alloc(struct tfe *t, unsigned int q, uint16_t num);
void tfe_vq_free(struct tfe_vq *vq);
void tfe_vq_reset(struct tfe_vq *vq);
int tfe_vq_add(struct tfe *t, unsigned int q, const struct tfe_buf *bufs, unsigned int n,
	       bool indirect, const struct tfe_inflight *meta);
int tfe_vq_add_desc(struct tfe *t, unsigned int q, const struct tfe_desc *descs, unsigned int n,
		    const struct tfe_inflight *meta);
int tfe_vq_slot(struct tfe_vq *vq, uint64_t *gpa);
int tfe_kick(struct tfe *t, unsigned int q);
int tfe_vq_collect(struct tfe *t, unsigned int q);
int tfe_vq_wait(struct tfe *t, unsigned int q, int timeout_ms);
int tfe_vq_take(struct tfe *t, unsigned int q, int head, struct tfe_done *out, int timeout_ms);
unsigned int tfe_vq_inflight(const struct tfe_vq *vq);
uint64_t tfe_call_drain(struct tfe *t, unsigned int q);

/*
 * tfe_gpio.c: virtio-gpio driver helpers. tfe_cmd() returns the status (0 OK,
 * 1 ERR) and requires used length 2; tfe_get_value() returns 0/1, -EIO on ERR.
 * tfe_evt_arm() posts and kicks a line's eventq buffer and returns its head.
 */
int tfe_req_post(struct tfe *t, uint16_t type, uint16_t gpio, uint32_t value,
		 uint32_t resp_len, bool indirect);
int tfe_req(struct tfe *t, uint16_t type, uint16_t gpio, uint32_t value, struct tfe_done *out);
int tfe_cmd(struct tfe *t, uint16_t type, uint16_t gpio, uint32_t value, uint8_t *val);
int tfe_get_value(struct tfe *t, uint16_t gpio);
int tfe_get_names(struct tfe *t, char *buf, size_t size, struct tfe_done *out);
int tfe_evt_post(struct tfe *t, uint16_t gpio, bool indirect);
int tfe_evt_arm(struct tfe *t, uint16_t gpio);
int tfe_evt_wait(struct tfe *t, struct tfe_done *out, int timeout_ms);
int tfe_evt_poll(struct tfe *t, struct tfe_done *out);

/*
 * tfe_daemon.c: run the daemon, talk to its sim control, look at /proc.
 * tfe_daemon_stop() returns the exit status (0 expected); tfe_sim_cmd() returns
 * 0 for "ok...", 1 for "err ...", -errno otherwise.
 */
struct tfe_daemon {
	pid_t pid;
	int count;		/* sockets (-c) */
	int sim;		/* sim control connection, -1 until used */
	char dir[64];		/* per-test temp dir */
	char sock[96];		/* -s PATH */
	char ctl[96];		/* --sim-control PATH */
	int sock_left;		/* socket files still present after the daemon exited */
};

int tfe_daemon_start(struct tfe_daemon *d, const char *list, int count);

/* Extras for tfe_daemon_start_ex(); every field may be NULL. */
struct tfe_daemon_opts {
	const char *const *args;	/* more daemon arguments, NULL-terminated */
	const char *const *env;		/* "NAME=VALUE" added to its environment */
	const char *log_path;		/* its stderr goes to this file (truncated) */
};

int tfe_daemon_start_ex(struct tfe_daemon *d, const char *list, int count,
			const struct tfe_daemon_opts *o);
int tfe_daemon_start_fd(struct tfe_daemon *d, const char *list, int fdnum, int *peer);
int tfe_daemon_stop(struct tfe_daemon *d);
int tfe_daemon_wait_exit(struct tfe_daemon *d, int timeout_ms);
void tfe_daemon_sock(const struct tfe_daemon *d, int idx, char *buf, size_t size);
struct tfe *tfe_daemon_connect(struct tfe_daemon *d, int idx);
struct tfe *tfe_daemon_open(struct tfe_daemon *d, enum tfe_order order);
int tfe_sim_cmd(struct tfe_daemon *d, char *reply, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int tfe_sim_set(struct tfe_daemon *d, unsigned int dev, unsigned int line, int level);

struct tfe_sim_line {
	int dir_out;		/* 1 out, 0 in */
	int value;
	int input;
	char irq[16];
};

int tfe_sim_get(struct tfe_daemon *d, unsigned int dev, unsigned int line,
		struct tfe_sim_line *out);
/* Children of @ppid, the helper spawner left out (tfe_proc_spawner() finds it). */
int tfe_proc_children(pid_t ppid, pid_t *out, int max);
pid_t tfe_proc_spawner(pid_t broker);
/* The broker's child running vhost-user-gpio-helper, 0 if none. */
pid_t tfe_proc_helper(pid_t broker);
char tfe_proc_state(pid_t pid);
int tfe_proc_exe_name(pid_t pid, char *buf, size_t size);
/* Daemon logs: how often @needle occurs in @path; wait until it does @count times. */
int tfe_file_count(const char *path, const char *needle);
/* Run @bin with @args and @env added; stdout+stderr into @out; exit status (128+sig). */
int tfe_run(const char *bin, const char *const *args, const char *const *env, char *out,
	    size_t size);
int tfe_file_wait(const char *path, const char *needle, int count, int timeout_ms);

#endif /* TFE_H */
