/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vug-bench: a benchmark front-end for any virtio-gpio vhost-user back-end.
 * It plays the VMM (vhost-user messages, memfd guest memory) and the guest
 * driver (split rings) itself, so it can be pointed at this daemon or at
 * another implementation and the figures compare.
 *
 * Modules: bench_vu.c (socket, messages, handshake), bench_ring.c (guest
 * memory and the two rings), bench_req.c (requestq engine), bench_irq.c
 * (interrupt latency), bench_floor.c (eventfd ping-pong), bench_daemon.c
 * (start/stop the daemon, sim control), bench_proc.c (VmRSS), bench_report.c
 * (statistics and output), bench_run.c (the phases for one line count),
 * bench_main.c (options, the floor, the line counts in turn).
 *
 * Conventions: functions return 0 (or a count) on success and -errno on
 * failure; a back-end that breaks the protocol gives -EPROTO with a line on
 * stderr. Every wait has a timeout. Functional failures are counted in
 * bench_failures and make the exit status non-zero; timing never does.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "virtio_gpio.h"
#include "vu_proto.h"

#define BENCH_DESC_F_NEXT	1
#define BENCH_DESC_F_WRITE	2
#define BENCH_DESC_F_INDIRECT	4
#define BENCH_USED_F_NO_NOTIFY	1

/* Bytes of guest memory per in-flight buffer: payload, response, indirect table. */
#define BENCH_SLOT_SIZE		64
#define BENCH_SLOT_RESP		8
#define BENCH_SLOT_TABLE	16

struct bench_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct bench_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};

struct bench_used_elem {
	uint32_t id;
	uint32_t len;
};

struct bench_used {
	uint16_t flags;
	uint16_t idx;
	struct bench_used_elem ring[];
};

/*
 * One virtqueue, driver side. Buffer slot s always uses the same descriptors
 * (head s with indirect descriptors, heads 2s and 2s+1 without), written once
 * at setup: posting is a payload write and an avail-ring store.
 */
struct bvq {
	unsigned int index;
	uint16_t num;
	bool indirect;
	struct bench_desc *desc;
	struct bench_avail *avail;
	struct bench_used *used;
	uint64_t desc_gpa, avail_gpa, used_gpa, slot_gpa;
	uint8_t *slots;			/* host view of the slot area */
	unsigned int nslots;		/* buffers that fit at once */
	uint16_t avail_idx, last_used;
	unsigned int inflight;
	uint8_t *busy;			/* by slot */
	int kick_fd, call_fd;
	bool ready;			/* set up on the back-end */
};

struct bconn {
	int sock;
	int timeout_ms;
	uint64_t dev_features, acked, proto;
	bool reply_ack, irq, indirect, has_config;
	uint16_t ngpio;
	uint32_t names_size;
	int memfd;
	uint8_t *mem;
	size_t mem_len;
	uint64_t mem_used;
	struct bvq vq[VGPIO_NUM_QUEUES];
};

#define BENCH_MAX_LIST	16
#define BENCH_MAX_STARTS	100

struct bench_opts {
	const char *daemon, *socket, *sim_control, *pids;
	unsigned int lines[BENCH_MAX_LIST], nlines_list;
	unsigned int depths[BENCH_MAX_LIST], ndepths;
	unsigned int requests, warmup, irq_lines, irq_samples, irq_bursts, floor_iters;
	unsigned int startup_runs, sim_dev, qsize, evq_size, timeout_ms, max_seconds;
	uint32_t irq_type;
	bool quick;
};

/* bench_main.c */
extern struct bench_opts bopt;
extern uint64_t bench_floor_ns;		/* median ping-pong, 0 if not measured */

/* bench_run.c: every phase for one line count (0 = all the back-end has). */
void bench_run_lines(unsigned int lines);

/* bench_vu.c */
int bvu_connect(const char *path, int timeout_ms);
void bvu_init(struct bconn *c, int sock, int timeout_ms);
int bvu_negotiate(struct bconn *c);
int bvu_start_rings(struct bconn *c, uint16_t qsize_req, uint16_t qsize_evt);
void bvu_close(struct bconn *c);
int bvu_get_u64(struct bconn *c, uint32_t req, uint64_t *val);

/* bench_ring.c */
int bring_mem_init(struct bconn *c, size_t size);
int bring_vq_init(struct bconn *c, unsigned int q, uint16_t num, uint32_t out_len,
		  uint32_t in_len);
void bring_fini(struct bconn *c);
uint64_t bring_va(const struct bconn *c, uint64_t gpa);
uint8_t *bring_slot(struct bvq *vq, unsigned int slot);
void bring_post(struct bvq *vq, unsigned int slot);
int bring_kick(struct bvq *vq);
void bring_call_clear(struct bvq *vq);
int bring_wait(struct bvq *vq, int timeout_ms);
/* The next used entry: 1 with its slot and length, 0 if none, -EPROTO. */
int bring_take(struct bvq *vq, unsigned int *slot, uint32_t *len);

/* bench_req.c: requestq runs; a program says what slot s sends as its k-th request. */
struct breq_op {
	uint16_t type;
	uint16_t gpio;
	uint32_t value;
	int expect;			/* GET_VALUE: expected level; else -1 */
};

struct brun;
typedef bool (*breq_next_fn)(struct brun *r, unsigned int slot, uint64_t k, struct breq_op *op);

struct brun {
	struct bconn *c;
	breq_next_fn next;
	unsigned int depth;		/* slots used (in flight at once) */
	unsigned int nlines;		/* lines the program spreads over */
	unsigned int first_line;
	uint32_t arg;			/* program argument (trigger type) */
	uint64_t total;			/* requests to post, 0 = until the program stops */
	uint64_t warmup;		/* completions before the clock starts */
	uint64_t *lat;			/* per-request latency (ns) of timed ones, or NULL */
	uint64_t max_ns;		/* stop posting after this long (0 = no cap) */
	uint8_t *level;			/* expected level by line (SET_VALUE / GET_VALUE) */
	/* results */
	uint64_t done, timed, nlat, errors, elapsed_ns;
	bool capped;
};

int breq_init(struct bconn *c);
void breq_fini(void);
int breq_run(struct brun *r);
bool breq_prog_setup_out(struct brun *r, unsigned int slot, uint64_t k, struct breq_op *op);
bool breq_prog_mix(struct brun *r, unsigned int slot, uint64_t k, struct breq_op *op);
bool breq_prog_irq_on(struct brun *r, unsigned int slot, uint64_t k, struct breq_op *op);
bool breq_prog_irq_off(struct brun *r, unsigned int slot, uint64_t k, struct breq_op *op);

/* bench_irq.c */
struct birq_cfg {
	unsigned int nlines;		/* armed at once, lines 0..nlines-1 */
	unsigned int samples;
	unsigned int bursts;
	unsigned int sim_dev;
	uint32_t type;			/* EDGE_BOTH or EDGE_RISING */
	int sim;			/* connected sim control socket */
};

struct birq_res {
	uint64_t *lat;			/* set -> eventq call, ns */
	uint64_t *ok_lat;		/* set -> "ok" reply, ns */
	uint64_t *burst;		/* all lines set at once -> last event, ns */
	unsigned int nlat, nburst, spurious;
};

int birq_run(struct bconn *c, const struct birq_cfg *cfg, struct birq_res *res);

/* bench_floor.c: eventfd ping-pong between two processes; samples in ns. */
int bfl_run(uint64_t *samples, unsigned int n);

/* bench_daemon.c */
struct bd_daemon {
	pid_t pid;
	char dir[64];
	char sock[96];
	char ctl[96];
	char log[96];
	uint64_t connect_ns;		/* exec -> connect() accepted */
	uint64_t reply_ns;		/* exec -> first GET_FEATURES reply */
	int exit_status;		/* when it exited during start-up */
};

extern const char *bd_extra_args[9];	/* NULL-terminated */
int bd_start(struct bd_daemon *d, const char *prog, unsigned int lines, int timeout_ms,
	     int *sock);
int bd_stop(struct bd_daemon *d);
void bd_show_log(const struct bd_daemon *d);
bool bd_log_has(const struct bd_daemon *d, const char *needle);
int bd_sim_connect(const char *path, int timeout_ms);
int bd_sim_cmd(int fd, const char *cmd, char *reply, size_t size, int timeout_ms);

/* bench_proc.c: VmRSS of a process tree or of named pids. */
#define BP_MAX	16
struct bp_proc {
	char role[24];
	pid_t pid;
	long rss_kib;
};

int bp_tree(pid_t broker, struct bp_proc *out, int max);
int bp_named(const char *spec, struct bp_proc *out, int max);
long bp_rss_kib(pid_t pid);

/* bench_report.c */
extern unsigned int bench_failures;
void bench_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint64_t bench_now_ns(void);
void bench_sort(uint64_t *v, size_t n);
uint64_t bench_pct(const uint64_t *sorted, size_t n, double pct);
void brep_kv(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void brep_us(const char *key, uint64_t ns);
void brep_skip(const char *key, const char *why);
void brep_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void brep_print_summary(void);

#endif /* BENCH_H */
