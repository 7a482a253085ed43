// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: the worker's state machine as a whole (device/worker/
 * wk_queues.c, wk_rings.c, helper_client.c, vu_handlers.c, with vgpio_req.c
 * and vgpio_irq.c underneath), on a struct worker set up by hand over
 * malloc'ed guest memory (ASan sees every byte past it) and a socketpair
 * session on which the fuzzer plays the helper.
 *
 * The input is a header (features, lines and their restored triggers,
 * names, ring sizes, whether the irq sink reads levels) and a program of
 * arbitrary interleavings: the driver adding requests and eventq buffers
 * (fz_wk_guest.c), kicks, the helper answering any number of the ops it
 * received with any status and level, edges, ring stops (GET_VRING_BASE)
 * and restarts (resume or fresh ring, new sizes), enables, and now and then
 * a helper that breaks the protocol. In chaos mode the driver also
 * scribbles on the rings; then only the sanitizers judge.
 *
 * Invariants (abort on violation):
 *  - a head is completed only while the driver owns it, once, in FIFO order
 *    on the requestq, never while its ring is stopped;
 *  - every request chain completes with its exact used length, status and
 *    value (errors the worker answers itself, the helper's answer, names),
 *    and each forwarded op is exactly the request the guest sent;
 *  - no VALID for a line whose trigger is NONE as the guest knows it, or
 *    for a buffer that is not held for that line; eventq used length 1;
 *  - at most one held buffer per line, the one vgpio_irq says it holds;
 *  - MUST 12/31: when a disable completes, the line has no buffer left;
 *  - at the end, with every op answered, no popped request is left;
 *  - with the sim table handed over (IPC_CAP_SIM_TABLE), exactly the
 *    GET_VALUE / SET_VALUE requests of lines with no op at the helper are
 *    answered by the worker, from the table (value of the direction the
 *    table shows), and SET_VALUE writes the table.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fz_wk.h"

#define WKF_MAX_STEPS	1024

static struct wkf X;
static struct vu_msg vmsg;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_setup("fuzz-wk");
	fzw_base();
	return 0;
}

static void drain(int fd)
{
	static uint8_t buf[65536];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

/* The irq sink in front of the worker's own: every completion is checked as it happens. */
static void sink_complete(void *ctx, uint16_t head, uint64_t gpa, uint8_t status)
{
	struct wkf *x = ctx;
	struct wkf_ev *e = head < WKF_MAX_NUM ? &x->ev[head] : NULL;

	if (!x->chaos) {
		/* Requests published before this completion decide what the guest knows. */
		wkf_scan_requests(x);
		FZ_ASSERT(x->w.q[VGPIO_QUEUE_EVENT].started && !x->q[1].stopped);
		FZ_ASSERT(vq_head_inflight(&x->w.q[VGPIO_QUEUE_EVENT].vq, head));
		FZ_ASSERT(e && e->active && wkf_ev_popped(x, e) && !e->malformed && !e->sink_done);
		FZ_ASSERT(gpa == WKF_GPA + e->status);
		FZ_ASSERT(status == VIRTIO_GPIO_IRQ_STATUS_VALID ||
			  status == VIRTIO_GPIO_IRQ_STATUS_INVALID);
		if (status == VIRTIO_GPIO_IRQ_STATUS_VALID)
			FZ_ASSERT(e->line < x->ngpio &&
				  (x->gtype[e->line] != VIRTIO_GPIO_IRQ_TYPE_NONE ||
				   wkf_enabling(x, e->line)));
		e->sink_done = true;
		e->sink_status = status;
	}
	wk_irq_complete(&x->w, head, gpa, status);
}

static void sink_read_level(void *ctx, uint16_t gpio)
{
	struct wkf *x = ctx;

	if (!x->chaos)
		FZ_ASSERT(gpio < x->ngpio);
	wk_irq_read_level(&x->w, gpio);
}

static int dispatch(struct wkf *x, uint32_t request, const void *payload, uint32_t size, int fd)
{
	int ret;

	memset(&vmsg.hdr, 0, sizeof(vmsg.hdr));
	memset(&vmsg.p, 0, sizeof(vmsg.p));
	vmsg.hdr.request = request;
	vmsg.hdr.flags = VU_VERSION;
	vmsg.hdr.size = size;
	memcpy(vmsg.p.raw, payload, size);
	for (unsigned int i = 0; i < VU_MAX_FDS; i++)
		vmsg.fds[i] = -1;
	vmsg.nfds = fd >= 0;
	vmsg.fds[0] = fd;
	ret = vu_dispatch(&x->w, &vmsg);
	vu_msg_close_fds(&vmsg);
	if (request == VU_GET_VRING_BASE)
		drain(x->conn);		/* the only request here with a reply */
	return ret;
}

static void dispatch_ok(struct wkf *x, uint32_t request, const void *payload, uint32_t size,
			int fd)
{
	int ret = dispatch(x, request, payload, size, fd);

	FZ_ASSERT(ret == 0 || x->lost || fzw_stopped(&x->w));
	if (ret < 0)
		x->lost = true;
}

static void session_receive(struct wkf *x)
{
	if (hc_receive(&x->w, false) < 0)
		x->lost = true;
	wk_notify_flush(&x->w);
}

/* Everything the worker sent: ops, each checked against the request it came from. */
static void helper_read(struct wkf *x)
{
	static uint8_t buf[IPC_MSG_MAX];
	struct ipc_hdr hdr;
	ssize_t n;

	while ((n = recv(x->us, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		FZ_ASSERT((size_t)n >= sizeof(hdr));
		memcpy(&hdr, buf, sizeof(hdr));
		FZ_ASSERT(hdr.len == (size_t)n - sizeof(hdr));
		FZ_ASSERT(hdr.type == IPC_REQ_LINE_OPS && hdr.len && hdr.len % 16 == 0 &&
			  hdr.len <= IPC_MAX_OPS * sizeof(struct ipc_line_op));
		for (size_t off = sizeof(hdr); off < (size_t)n; off += sizeof(struct ipc_line_op)) {
			struct ipc_line_op op;
			struct wkf_op *p = &x->pending[x->npending];

			memcpy(&op, buf + off, sizeof(op));
			FZ_ASSERT(x->npending < WKF_MAX_PENDING);
			x->npending++;
			*p = (struct wkf_op){ .tag = le32toh(op.tag), .op = le16toh(op.op),
					      .line = le16toh(op.line), .value = le32toh(op.value),
					      .head = -1 };
			FZ_ASSERT(op.reserved == 0);
			if (x->chaos)
				continue;
			if (p->tag & WK_TAG_LEVEL_READ) {
				FZ_ASSERT(x->read_sink && p->op == IPC_OP_GET_VALUE && !p->value);
				FZ_ASSERT(p->line < x->ngpio && (p->tag & 0xffff) == p->line);
				continue;
			}
			for (unsigned int i = 0; i < x->rq_n; i++) {
				struct wkf_req *r = &x->req[x->rq_order[i]];

				if (!r->fwd || r->matched || r->local)
					continue;
				FZ_ASSERT(r->classified);
				FZ_ASSERT(wkf_req_popped(x, r));
				FZ_ASSERT(p->op == r->type && p->line == r->gpio);
				FZ_ASSERT(p->value == (r->type == VIRTIO_GPIO_MSG_GET_DIRECTION ||
						       r->type == VIRTIO_GPIO_MSG_GET_VALUE ?
						       0 : r->value));
				r->matched = true;
				p->head = x->rq_order[i];
				break;
			}
			FZ_ASSERT(p->head >= 0);
		}
	}
}

/* Answer the first @k ops received, in order, in batches; the worker then reads them. */
static void helper_answer(struct wkf *x, unsigned int k)
{
	struct ipc_line_result res[IPC_MAX_OPS];
	unsigned int n, batch = 1 + fz_u8(x->in) % 4;

	helper_read(x);
	if (k > x->npending)
		k = x->npending;
	while (k) {
		n = k < batch ? k : batch;
		for (unsigned int i = 0; i < n; i++) {
			struct wkf_op *p = &x->pending[i];
			uint8_t s = fz_u8(x->in);

			res[i] = (struct ipc_line_result){
				.tag = htole32(p->tag),
				.status = s < 0xd0 ? VIRTIO_GPIO_STATUS_OK : VIRTIO_GPIO_STATUS_ERR,
				.value = s % 3 == 2 ? (s & 0x10 ? 2 : 1) : s % 3,
			};
			if (p->head >= 0) {
				x->inflight[p->line]--;
				x->req[p->head].answered = true;
				x->req[p->head].ans_status = res[i].status;
				x->req[p->head].ans_value = res[i].value;
			}
		}
		FZ_ASSERT(ipc_send(x->us, IPC_ANS_LINE_OPS, res, n * sizeof(res[0]), -1) == 0);
		memmove(x->pending, x->pending + n, (x->npending - n) * sizeof(x->pending[0]));
		x->npending -= n;
		k -= n;
	}
	session_receive(x);
}

static void helper_edges(struct wkf *x)
{
	struct ipc_line_edge e[4];
	unsigned int n = 1 + fz_u8(x->in) % 4;

	for (unsigned int i = 0; i < n; i++) {
		uint8_t b = fz_u8(x->in);

		e[i] = (struct ipc_line_edge){
			.line = htole16(b < 0xf0 ? b % (x->ngpio + 1) : fz_u16(x->in)),
			.edge = fz_u8(x->in) % 3, .level = fz_u8(x->in) & 1,
		};
	}
	FZ_ASSERT(ipc_send(x->us, IPC_EVT_LINE_EDGE, e, n * sizeof(e[0]), -1) == 0);
	session_receive(x);
}

/* A helper that breaks the protocol: the worker must drop the session, nothing worse. */
static void helper_bogus(struct wkf *x)
{
	struct ipc_line_result r = { .tag = htole32(fz_u32(x->in)) };
	uint8_t raw[24] = { 0 };

	helper_read(x);
	switch (fz_u8(x->in) % 4) {
	case 0:		/* the second op answered first */
		if (x->npending >= 2)
			r.tag = htole32(x->pending[1].tag);
		ipc_send(x->us, IPC_ANS_LINE_OPS, &r, sizeof(r), -1);
		break;
	case 1:
		ipc_send(x->us, fz_u8(x->in) % IPC_TYPE_MAX, raw, fz_u8(x->in) % 24, -1);
		break;
	case 2:
		ipc_send(x->us, IPC_EVT_LINE_EDGE, raw, 1 + fz_u8(x->in) % 23, -1);
		break;
	default:
		send(x->us, raw, fz_u8(x->in) % 8, MSG_DONTWAIT);
		break;
	}
	session_receive(x);
	/*
	 * Some of these are acceptable (a level answer nobody asked for, a
	 * result whose tag happens to be the next one): from here on the model
	 * no longer knows the answers, and only the sanitizers judge.
	 */
	if (!x->lost)
		x->chaos = true;
}

/*
 * The helper of a simulated chip hands over its value table (sometimes of
 * the wrong size, which the worker must refuse); once it has, this changes
 * the direction and input copies of a line, as the helper's own ops would.
 */
static void helper_table(struct wkf *x)
{
	size_t size = x->ngpio * sizeof(struct ipc_sim_cell);
	uint8_t a = fz_u8(x->in);
	struct ipc_line_cap cap = { .kind = IPC_CAP_SIM_TABLE };
	int fd;

	if (x->table) {
		x->table[a % x->ngpio].dir = a & 0x10 ? VIRTIO_GPIO_DIRECTION_OUT
						     : VIRTIO_GPIO_DIRECTION_IN;
		x->table[a % x->ngpio].input = (a >> 5) & 1;
		return;
	}
	fd = memfd_create("fz-wk-table", MFD_CLOEXEC);
	FZ_ASSERT(fd >= 0 && ftruncate(fd, (off_t)size) == 0);
	cap.size = htole32((uint32_t)(a & 1 ? size - 1 : size));
	FZ_ASSERT(ipc_send(x->us, IPC_EVT_LINE_CAP, &cap, sizeof(cap), fd) == 0);
	session_receive(x);
	if (!x->lost && !(a & 1)) {
		FZ_ASSERT(x->w.sim_table);
		x->table = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		FZ_ASSERT(x->table != MAP_FAILED);
	} else if (!x->lost) {
		FZ_ASSERT(!x->w.sim_table);
	}
	close(fd);
}

/* Requests the worker took since the last step: which it answers itself. */
static void classify(struct wkf *x)
{
	for (unsigned int i = 0; i < x->rq_n; i++) {
		struct wkf_req *r = &x->req[x->rq_order[i]];
		struct ipc_sim_cell *c;

		if (r->classified)
			continue;
		if (!wkf_req_popped(x, r))
			break;
		r->classified = true;
		if (!r->fwd)
			continue;
		if (!x->table || x->inflight[r->gpio] || (r->type != VIRTIO_GPIO_MSG_GET_VALUE &&
							   r->type != VIRTIO_GPIO_MSG_SET_VALUE)) {
			x->inflight[r->gpio]++;
			continue;
		}
		r->local = true;
		c = &x->table[r->gpio];
		if (r->type == VIRTIO_GPIO_MSG_SET_VALUE)
			x->mout[r->gpio] = (uint8_t)r->value;
		else if (c->dir == VIRTIO_GPIO_DIRECTION_OUT)
			r->local_value = x->mout[r->gpio] ? 1 : 0;
		else
			r->local_value = c->input ? 1 : 0;
	}
	for (unsigned int g = 0; x->table && g < x->ngpio; g++)
		FZ_ASSERT(x->table[g].out == x->mout[g]);
}

static void ring_stop(struct wkf *x, unsigned int q)
{
	struct vu_vring_state st = { .index = q };

	if (q == VGPIO_QUEUE_REQUEST && x->w.q[q].started)
		helper_answer(x, WKF_MAX_PENDING);	/* so that quiescing never waits */
	if (x->lost)
		return;
	dispatch_ok(x, VU_GET_VRING_BASE, &st, sizeof(st), -1);
	x->q[q].stopped = true;
}

static void ring_start(struct wkf *x, unsigned int q, bool fresh, uint32_t num)
{
	struct vu_vring_state st = { .index = q, .num = num };
	struct vu_vring_addr a = {
		.index = q,
		.desc_user_addr = WKF_UVA + WKF_RING_OFF(q),
		.avail_user_addr = WKF_UVA + WKF_RING_OFF(q) + 0x400,
		.used_user_addr = WKF_UVA + WKF_RING_OFF(q) + 0x800,
	};
	int kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	FZ_ASSERT(kick >= 0);
	if (fresh)
		wkf_ring_reset(x, q, num);
	else
		st.num = x->q[q].num;
	dispatch_ok(x, VU_SET_VRING_NUM, &st, sizeof(st), -1);
	dispatch_ok(x, VU_SET_VRING_ADDR, &a, sizeof(a), -1);
	st.num = fresh ? 0 : x->w.q[q].returned_base;
	dispatch_ok(x, VU_SET_VRING_BASE, &st, sizeof(st), -1);
	x->q[q].stopped = false;
	dispatch_ok(x, VU_SET_VRING_KICK, &(uint64_t){ q }, sizeof(uint64_t), kick);
}

static void step(struct wkf *x)
{
	uint8_t op = fz_u8(x->in), a;
	bool was_started[2] = { x->w.q[0].started, x->w.q[1].started };
	uint16_t used[2];

	memcpy(used, x->mem + 0x802, 2);
	memcpy(used + 1, x->mem + 0x1802, 2);
	x->ev_ready = wk_queue_ready(&x->w, VGPIO_QUEUE_EVENT);
	switch (op % 16) {
	case 0: case 1: case 2:
		wkf_add_request(x);
		break;
	case 3: case 4:
		wkf_add_event(x);
		break;
	case 5:
		wk_queue_kicked(&x->w, VGPIO_QUEUE_REQUEST);
		wk_notify_flush(&x->w);
		break;
	case 6:		/* as wk_on_kick(): pending edges first */
		session_receive(x);
		if (!x->lost)
			wk_queue_kicked(&x->w, VGPIO_QUEUE_EVENT);
		wk_notify_flush(&x->w);
		break;
	case 7: case 8:
		a = fz_u8(x->in);
		helper_answer(x, a < 0xf0 ? a % 4 : WKF_MAX_PENDING);
		break;
	case 9:
		helper_edges(x);
		break;
	case 10:
		ring_stop(x, fz_u8(x->in) & 1);
		break;
	case 11:
		a = fz_u8(x->in);
		if (x->q[a & 1].stopped)
			ring_start(x, a & 1, a & 2, 1u << ((a >> 2) % 7));
		break;
	case 12:
		a = fz_u8(x->in);
		dispatch_ok(x, VU_SET_VRING_ENABLE,
			    &(struct vu_vring_state){ .index = a & 1, .num = (a >> 1) & 1 },
			    sizeof(struct vu_vring_state), -1);
		break;
	case 13:
		session_receive(x);
		break;
	case 14:
		if (x->chaos) {
			a = fz_u8(x->in);
			x->mem[fz_u16(x->in) % 0x2000] = a;
		} else {
			wkf_add_event(x);
		}
		break;
	default:
		if (op == 0xff)
			helper_bogus(x);
		else if (op == 0xef || op == 0xdf)
			helper_table(x);
		else
			wkf_add_request(x);
		break;
	}
	if (x->lost || fzw_stopped(&x->w) || x->chaos)
		return;
	classify(x);
	wkf_scan_requests(x);
	wkf_scan_events(x);
	wkf_check_held(x);
	/* A ring that stayed stopped was not written. */
	for (unsigned int q = 0; q < 2; q++)
		if (!was_started[q] && !x->w.q[q].started)
			FZ_ASSERT(!memcmp(used + q, x->mem + WKF_RING_OFF(q) + 0x802, 2));
}

/* The DEVICE_INFO the fuzzer's helper answers with, already in the socket. */
static bool device_info(struct wkf *x, uint8_t flags)
{
	uint8_t buf[sizeof(struct ipc_device_info) + 2 * WKF_MAX_LINES + sizeof(x->names)];
	struct ipc_device_info info = { .ngpio = htole16(x->ngpio) };
	uint8_t types[WKF_MAX_LINES];
	size_t len = sizeof(info);

	if (flags & 0x40) {
		for (unsigned int i = 0; i < x->ngpio; i++)
			x->names_size += (uint32_t)sprintf((char *)x->names + x->names_size,
							   "L%u", i) + 1;
	}
	info.names_size = htole32(x->names_size);
	memcpy(buf, &info, sizeof(info));
	for (unsigned int i = 0; i < x->ngpio; i++) {
		uint8_t s = fz_u8(x->in);

		types[i] = s % 10;
		buf[len++] = types[i];
		buf[len++] = s >> 7;
	}
	memcpy(buf + len, x->names, x->names_size);
	len += x->names_size;
	if (flags & 0x20)
		ipc_send(x->us, IPC_EVT_LINE_EDGE, &(struct ipc_line_edge){ .edge = 1 },
			 sizeof(struct ipc_line_edge), -1);
	FZ_ASSERT(ipc_send(x->us, IPC_ANS_DEVICE_INFO, buf, (uint32_t)len, -1) == 0);
	if (hc_get_device_info(&x->w) < 0)
		return false;
	FZ_ASSERT(x->w.info.ngpio == x->ngpio && x->w.info.names_size == x->names_size);
	FZ_ASSERT(!memcmp(x->w.info.names, x->names, x->names_size));
	for (uint16_t i = 0; i < x->ngpio; i++) {
		x->gtype[i] = virtio_gpio_irq_type_valid(types[i]) ? types[i] : 0;
		FZ_ASSERT(vgpio_irq_type(x->w.irq, i) == x->gtype[i]);
	}
	/* The same lines behind the checking sink, with or without level reads. */
	vgpio_irq_free(x->w.irq);
	x->w.irq = vgpio_irq_new(x->ngpio, &(struct vgpio_irq_sink){
		.complete = sink_complete, .read_level = x->read_sink ? sink_read_level : NULL,
		.ctx = x });
	FZ_ASSERT(x->w.irq);
	for (uint16_t i = 0; i < x->ngpio; i++)
		vgpio_irq_restore(x->w.irq, i, types[i], buf[sizeof(info) + 2 * i + 1]);
	return true;
}

static bool setup(struct wkf *x, int call)
{
	uint8_t flags = fz_u8(x->in), sizes;
	uint64_t features = 1ull << VIRTIO_F_VERSION_1;
	struct ipc_hdr hdr;
	int sp[2], ss[2];

	x->read_sink = flags & 1;
	x->indirect = flags & 4;
	x->irq_neg = !(flags & 8);
	x->chaos = (flags & 0x90) == 0x90 && (fz_u8(x->in) & 3) == 3;
	x->ngpio = 1 + fz_u8(x->in) % WKF_MAX_LINES;
	sizes = fz_u8(x->in);
	FZ_ASSERT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == 0);
	FZ_ASSERT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ss) == 0);
	x->conn = sp[0];
	x->us = ss[0];
	fzw_init(&x->w, sp[1], ss[1], 0, NULL, 0, NULL);
	if (!device_info(x, flags))
		return false;
	/* What the worker asked first. */
	FZ_ASSERT(recv(x->us, &hdr, sizeof(hdr), MSG_DONTWAIT) == sizeof(hdr));
	FZ_ASSERT(hdr.type == IPC_REQ_DEVICE_INFO && hdr.len == 0);
	fz_nonblock(ss[1], true);

	x->w.gm.nregions = 1;
	x->w.gm.regions[0] = (struct gmem_region){
		.gpa = WKF_GPA, .size = WKF_MEM_SIZE, .uva = WKF_UVA, .host = x->mem,
	};
	features |= x->irq_neg ? 1ull << VIRTIO_GPIO_F_IRQ : 0;
	features |= x->indirect ? 1ull << VIRTIO_F_INDIRECT_DESC : 0;
	features |= flags & 2 ? 1ull << VU_F_PROTOCOL_FEATURES : 0;
	dispatch_ok(x, VU_SET_FEATURES, &features, sizeof(features), -1);
	for (unsigned int q = 0; q < 2; q++) {
		dispatch_ok(x, VU_SET_VRING_CALL, &(uint64_t){ q }, sizeof(uint64_t), dup(call));
		ring_start(x, q, true, 1u << ((q ? sizes >> 4 : sizes) % 7));
		if ((flags & 2) && (sizes & 0x80))
			dispatch_ok(x, VU_SET_VRING_ENABLE, &(struct vu_vring_state){ q, 1 },
				    sizeof(struct vu_vring_state), -1);
	}
	return !x->lost;
}

/* With every op answered, no request the worker took may stay unanswered. */
static void settle(struct wkf *x)
{
	for (unsigned int i = 0; i < 8 && !x->lost && !fzw_stopped(&x->w); i++) {
		helper_answer(x, WKF_MAX_PENDING);
		if (x->chaos || x->lost || fzw_stopped(&x->w))
			return;
		wkf_scan_requests(x);
		wkf_scan_events(x);
		if (!x->npending)
			break;
	}
	if (x->chaos || x->lost || fzw_stopped(&x->w))
		return;
	FZ_ASSERT(x->w.unresolved == 0 && x->w.fifo_len == 0);
	FZ_ASSERT(wkf_requests_owed(x) == 0);
	wkf_check_held(x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = fz_in(data, size);
	struct wkf *x = &X;
	int call;

	fz_fds_mark();
	memset(x, 0, sizeof(*x));
	x->in = &in;
	x->mem = calloc(1, WKF_MEM_SIZE);
	call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	FZ_ASSERT(x->mem && call >= 0);
	if (setup(x, call)) {
		for (unsigned int i = 0; i < WKF_MAX_STEPS && fz_more(&in); i++) {
			step(x);
			if (x->lost || fzw_stopped(&x->w))
				break;
		}
		settle(x);
	}
	fzw_fini(&x->w);
	if (x->table)
		munmap(x->table, x->ngpio * sizeof(struct ipc_sim_cell));
	close(x->us);
	close(x->conn);
	close(call);
	free(x->mem);
	fz_fds_check();
	return 0;
}
