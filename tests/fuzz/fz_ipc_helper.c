// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: the helper's side of a session (device/helper/session.c:
 * framing through proto/ipc.c, admission, dispatch, the send queue;
 * lineops.c and dev.c behind it) over a simulated chip, the fuzzer playing
 * a worker that may be compromised.
 *
 * The input is a header (chip size, access policy, a small send buffer so
 * answers queue up) and records: datagrams for the session (raw bytes, or
 * line-op batches with plausible fields, with 0..3 fds attached), external
 * level changes on the chip (edges), reading what the helper sent, or
 * nothing read for a while. Each datagram is followed by one pass of the
 * helper's event loop.
 *
 * Checked: a datagram that breaks the framing or the admission table
 * (type, length, any fd) ends the session and nothing else; a good one
 * keeps it; answers come in request order, one result per op with its
 * tag, ERR for what lineops.c must refuse, levels 0/1 and directions
 * IN/OUT; a device info is whole (continuations included) and matches the
 * device; edges name real lines; no fd survives.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "helper/chip_sim.h"
#include "helper/devlist.h"
#include "helper/helper.h"
#include "virtio_gpio.h"
#include "fz.h"

#define FZH_MAX_RECORDS	64
#define FZH_MAX_EXPECT	64

/* An answer the helper owes, in order. */
struct expect {
	bool info;
	unsigned int n;
	struct ipc_line_op ops[IPC_MAX_OPS];
};

struct fzh {
	struct helper h;
	struct helper_dev dev;
	int us;				/* our end of the current session */
	unsigned int nexp;
	unsigned int sessions;
	bool table_seen;		/* this session got the sim table */
	int state_fd;			/* the line state of a "previous helper", or -1 */
	/* Last, and not cleared per input (256 KiB): an entry is written before it counts. */
	struct expect exp[FZH_MAX_EXPECT];
};

static struct fzh F;

/*
 * The device list of the last input, parsed again only when the text
 * changes: parsing allocates and clears a set per policy key (about a fifth
 * of a small input's time), and it has its own target (fz_devlist.c).
 * helper_dev_open() only reads it.
 */
static struct devlist dl;
static char dl_text[64];
static struct devlist dl_long;		/* of long_names_text(), parsed once */
static struct event_base *base;
static int devnull = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_setup("fuzz-helper");
	base = event_base_new();
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	FZ_ASSERT(base && devnull >= 0);
	return 0;
}

static void check_result(const struct fzh *f, const struct ipc_line_op *op,
			 const struct ipc_line_result *r)
{
	uint16_t line = le16toh(op->line), code = le16toh(op->op);
	uint32_t v = le32toh(op->value);
	bool refuse = op->reserved || line >= f->dev.ngpio;

	FZ_ASSERT(r->tag == op->tag && r->reserved == 0);
	FZ_ASSERT(r->status == VIRTIO_GPIO_STATUS_OK || r->status == VIRTIO_GPIO_STATUS_ERR);
	switch (code) {
	case IPC_OP_GET_DIRECTION:
	case IPC_OP_GET_VALUE:
		break;
	case IPC_OP_SET_DIRECTION:
		refuse |= v > VIRTIO_GPIO_DIRECTION_IN ||
			  (v == VIRTIO_GPIO_DIRECTION_OUT && !refuse && f->dev.input_only[line]);
		break;
	case IPC_OP_SET_VALUE:
		refuse |= v > 1 || (!refuse && f->dev.input_only[line]);
		break;
	case IPC_OP_SET_IRQ_TYPE:
		refuse |= !virtio_gpio_irq_type_valid(v);
		break;
	default:
		refuse = true;
	}
	if (refuse)
		FZ_ASSERT(r->status == VIRTIO_GPIO_STATUS_ERR);
	if (r->status == VIRTIO_GPIO_STATUS_ERR)
		FZ_ASSERT(r->value == 0);
	else if (code == IPC_OP_GET_DIRECTION)
		FZ_ASSERT(r->value == VIRTIO_GPIO_DIRECTION_OUT || r->value == VIRTIO_GPIO_DIRECTION_IN);
	else
		FZ_ASSERT(r->value <= 1);
}

/* A whole device info: the first message is in @buf, continuations follow on the socket. */
static void check_info(struct fzh *f, const uint8_t *buf, uint32_t len)
{
	static uint8_t cont[IPC_MSG_MAX];
	struct ipc_device_info info;
	uint64_t size, have;
	struct ipc_hdr hdr;
	ssize_t n;

	FZ_ASSERT(len >= sizeof(info));
	memcpy(&info, buf, sizeof(info));
	FZ_ASSERT(le16toh(info.ngpio) == f->dev.ngpio && le32toh(info.names_size) ==
		  f->dev.names_size && info.reserved == 0);
	size = (uint64_t)f->dev.ngpio * sizeof(struct ipc_line_state) + f->dev.names_size;
	have = len - sizeof(info);
	FZ_ASSERT(have == size || have == IPC_DEVICE_INFO_FIRST);
	for (uint32_t i = 0; i < f->dev.ngpio && 2 * i + 1 < have; i++)
		FZ_ASSERT(buf[sizeof(info) + 2 * i + 1] <= 1);
	for (unsigned int tries = 0; have < size; tries++) {
		n = recv(f->us, cont, sizeof(cont), MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN && tries < 1000) {
			/* Still in the helper's queue: let its loop send more. */
			event_base_loop(base, EVLOOP_NONBLOCK);
			continue;
		}
		if (n == 0 && !f->dev.sessions)
			return;		/* dropped with the rest of its queue */
		FZ_ASSERT(n >= (ssize_t)sizeof(hdr));
		memcpy(&hdr, cont, sizeof(hdr));
		FZ_ASSERT(hdr.type == IPC_CONT_DEVICE_INFO && hdr.len == n - sizeof(hdr));
		FZ_ASSERT(hdr.len == size - have || hdr.len == IPC_DEVICE_INFO_CONT);
		have += hdr.len;
	}
	FZ_ASSERT(have == size);
}

/* One datagram and how many fds came with it (closed here). */
static ssize_t recv_counting_fds(int fd, uint8_t *buf, size_t size, unsigned int *nfds)
{
	char cbuf[CMSG_SPACE(4 * sizeof(int))];
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

	*nfds = 0;
	for (struct cmsghdr *c = n >= 0 ? CMSG_FIRSTHDR(&mh) : NULL; c; c = CMSG_NXTHDR(&mh, c)) {
		int got[4];
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

		FZ_ASSERT(c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && k <= 4);
		memcpy(got, CMSG_DATA(c), k * sizeof(int));
		for (size_t i = 0; i < k; i++)
			close(got[i]);
		*nfds += (unsigned int)k;
	}
	FZ_ASSERT(n < 0 || !(mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)));
	return n;
}

/*
 * A line capability: only the simulated chip's table, only to a guest that
 * sees the whole chip without input-only lines, once per session.
 */
static void check_cap(struct fzh *f, const uint8_t *p, uint32_t len, unsigned int nfds)
{
	struct ipc_line_cap cap;

	FZ_ASSERT(len == sizeof(cap) && nfds == 1);
	memcpy(&cap, p, sizeof(cap));
	FZ_ASSERT(f->h.line_caps && f->dev.caps_table_ok && !f->table_seen);
	FZ_ASSERT(cap.kind == IPC_CAP_SIM_TABLE && cap.line == 0 && cap.dir == 0 &&
		  le32toh(cap.size) == f->dev.chip->ngpio * sizeof(struct ipc_sim_cell));
	/* It comes before the answer to the op that made it possible. */
	FZ_ASSERT(f->nexp > 0 && !f->exp[0].info);
	f->table_seen = true;
}

/* Read what the helper sent; false once it closed the session. */
static bool drain(struct fzh *f)
{
	static uint8_t buf[IPC_MSG_MAX];
	struct ipc_hdr hdr;
	unsigned int nfds;
	ssize_t n;

	while ((n = recv_counting_fds(f->us, buf, sizeof(buf), &nfds)) > 0) {
		const uint8_t *p = buf + sizeof(hdr);

		FZ_ASSERT(n >= (ssize_t)sizeof(hdr));
		memcpy(&hdr, buf, sizeof(hdr));
		FZ_ASSERT(hdr.len == n - sizeof(hdr));
		if (hdr.type == IPC_EVT_LINE_CAP) {
			check_cap(f, p, hdr.len, nfds);
			continue;
		}
		FZ_ASSERT(nfds == 0);
		if (hdr.type == IPC_EVT_LINE_EDGE) {
			FZ_ASSERT(hdr.len && hdr.len % sizeof(struct ipc_line_edge) == 0);
			for (uint32_t off = 0; off < hdr.len; off += sizeof(struct ipc_line_edge)) {
				struct ipc_line_edge e;

				memcpy(&e, p + off, sizeof(e));
				FZ_ASSERT(le16toh(e.line) < f->dev.ngpio && e.level <= 1);
				/* A set of edges; a lone one says which way the line went. */
				FZ_ASSERT(e.edge && !(e.edge & ~(IPC_EDGE_RISING | IPC_EDGE_FALLING)));
				FZ_ASSERT(e.edge == (IPC_EDGE_RISING | IPC_EDGE_FALLING) ||
					  e.edge == (e.level ? IPC_EDGE_RISING : IPC_EDGE_FALLING));
			}
			continue;
		}
		FZ_ASSERT(f->nexp > 0);
		if (f->exp[0].info) {
			FZ_ASSERT(hdr.type == IPC_ANS_DEVICE_INFO);
			check_info(f, p, hdr.len);
		} else {
			FZ_ASSERT(hdr.type == IPC_ANS_LINE_OPS);
			FZ_ASSERT(hdr.len == f->exp[0].n * sizeof(struct ipc_line_result));
			for (unsigned int i = 0; i < f->exp[0].n; i++) {
				struct ipc_line_result r;

				memcpy(&r, p + i * sizeof(r), sizeof(r));
				check_result(f, &f->exp[0].ops[i], &r);
			}
		}
		memmove(f->exp, f->exp + 1, --f->nexp * sizeof(f->exp[0]));
	}
	return n != 0;
}

static void open_session(struct fzh *f, bool small)
{
	int sp[2];

	FZ_ASSERT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == 0);
	if (small)
		setsockopt(sp[1], SOL_SOCKET, SO_SNDBUF, &(int){ 4096 }, sizeof(int));
	FZ_ASSERT(helper_session_open(&f->dev, sp[1]) == 0);
	f->us = sp[0];
	f->nexp = 0;
	f->sessions++;
	f->table_seen = false;
}

/* One datagram; returns whether the helper must accept it. */
static bool send_datagram(struct fzh *f, struct fz_in *in, uint8_t ctl)
{
	static uint8_t buf[sizeof(struct ipc_hdr) + IPC_MAX_OPS * sizeof(struct ipc_line_op) + 16];
	struct ipc_hdr hdr;
	unsigned int nfds = (ctl >> 2) & 3 ? ((ctl >> 2) & 3) - 1 + ((ctl & 0x80) != 0) : 0;
	int fds[3] = { devnull, devnull, devnull };
	struct expect *e = &f->exp[f->nexp];
	size_t len;
	bool good;

	if (ctl & 2) {		/* a batch of line ops */
		unsigned int n = fz_u8(in) % 9;

		if (n == 8)
			n = fz_u8(in) % (IPC_MAX_OPS + 2);
		for (unsigned int i = 0; i < n; i++) {
			struct ipc_line_op *op = (struct ipc_line_op *)(buf + sizeof(hdr)) + i;
			uint8_t k = fz_u8(in);

			op->tag = htole32(fz_u8(in));
			op->op = htole16(k < 0xf8 ? 2 + k % 5 : fz_u16(in));
			op->line = htole16(fz_u8(in) % (f->dev.ngpio + 1));
			op->value = htole32(k & 0x80 ? fz_u32(in) : fz_u8(in) % 9);
			op->reserved = k == 0xf7 ? 1 : 0;
		}
		hdr = (struct ipc_hdr){ .type = IPC_REQ_LINE_OPS,
					.len = n * sizeof(struct ipc_line_op) };
		if (ctl & 0x40)
			hdr.type = fz_u8(in) % IPC_TYPE_MAX;
		if (ctl & 0x20)
			hdr.len += (int8_t)fz_u8(in);
		memcpy(buf, &hdr, sizeof(hdr));
		len = sizeof(hdr) + n * sizeof(struct ipc_line_op);
	} else {		/* raw bytes, header included */
		len = fz_take(in, buf, fz_u8(in) % 48);
	}
	memcpy(&hdr, buf, sizeof(hdr));
	good = nfds == 0 && len >= sizeof(hdr) && hdr.len == len - sizeof(hdr) &&
	       ((hdr.type == IPC_REQ_DEVICE_INFO && hdr.len == 0) ||
		(hdr.type == IPC_REQ_LINE_OPS && hdr.len && hdr.len % 16 == 0 &&
		 hdr.len <= IPC_MAX_OPS * sizeof(struct ipc_line_op)));
	if (good) {
		e->info = hdr.type == IPC_REQ_DEVICE_INFO;
		e->n = hdr.len / sizeof(struct ipc_line_op);
		memcpy(e->ops, buf + sizeof(hdr), hdr.len);
		FZ_ASSERT(f->nexp < FZH_MAX_EXPECT);
		f->nexp++;
	}
	if (fz_send_fds(f->us, buf, len, fds, nfds) < 0) {
		if (good)
			f->nexp--;
		return true;
	}
	return good;
}

/*
 * The line state a helper that died left (ipc.h, IPC_STATE_SIZE): cells of
 * the first lines from the input, as a worker holding the table could have
 * written them.
 */
static int state_memfd(struct fz_in *in)
{
	uint8_t cells[64 * sizeof(struct ipc_sim_cell)];
	size_t n = fz_take(in, cells, fz_u8(in) % sizeof(cells));
	int fd = memfd_create("fz-state", MFD_CLOEXEC);

	FZ_ASSERT(fd >= 0 && ftruncate(fd, IPC_STATE_SIZE) == 0);
	FZ_ASSERT(pwrite(fd, cells, n, 0) == (ssize_t)n);
	return fd;
}

/*
 * A device info longer than one message (continuations, a queue a worker
 * that does not read overflows): every guest line with a name of the
 * longest kind. A chip would need 5000 lines with its own names, and
 * opening it dominated the target's time.
 */
#define FZH_LONG_LINES	2000

static const char *long_names_text(void)
{
	static char text[16 + FZH_LONG_LINES * (DEVLIST_NAME_MAX + 1)];
	size_t off;

	if (text[0])
		return text;
	off = (size_t)snprintf(text, sizeof(text), "s%u,names=", FZH_LONG_LINES);
	for (unsigned int i = 0; i < FZH_LONG_LINES; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off, "%s%05u%.*s", i ? "+" : "",
					i, DEVLIST_NAME_MAX - 5,
					"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn");
	return text;
}

static void setup(struct fzh *f, struct fz_in *in, uint8_t flags)
{
	static const char *const policies[] = {
		"", ",input-only=0+2", ",lines=3+1+0,input-only=1", ",lines=0-1,names=x+y",
	};
	bool big = (flags & 0xf0) == 0xf0;
	unsigned int lines = big ? FZH_LONG_LINES : 1 + fz_u8(in) % 16;
	char text[sizeof(dl_text)], err[256];

	memset(f, 0, offsetof(struct fzh, exp));
	f->h.base = base;
	f->h.rx = malloc(sizeof(*f->h.rx));
	f->h.devs = &f->dev;
	f->h.ndevs = 1;
	f->h.line_caps = flags & 8;
	FZ_ASSERT(f->h.rx);
	snprintf(text, sizeof(text), "s%u%s", lines, policies[flags & 3]);
	if (big && !dl_long.n)
		FZ_ASSERT(devlist_parse(long_names_text(), &dl_long, err, sizeof(err)) == 0);
	if (!big && strcmp(text, dl_text)) {
		if (dl_text[0])
			devlist_free(&dl);
		memcpy(dl_text, text, sizeof(text));
		if (devlist_parse(text, &dl, err, sizeof(err)) < 0) {
			snprintf(text, sizeof(text), "s%u", lines);
			FZ_ASSERT(devlist_parse(text, &dl, err, sizeof(err)) == 0);
		}
	}
	f->state_fd = (flags & 0x30) == 0x10 ? state_memfd(in) : -1;
	FZ_ASSERT(helper_dev_open(&f->h, &f->dev, 0, big ? &dl_long.entry[0] : &dl.entry[0],
				  f->state_fd) == 0);
	/* Whatever the state said, the restored triggers are valid and not on outputs. */
	for (unsigned int i = 0; i < f->dev.ngpio; i++) {
		uint8_t dir = 0;

		FZ_ASSERT(virtio_gpio_irq_type_valid(f->dev.irq_type[i]));
		f->dev.chip->ops->get_direction(f->dev.chip, f->dev.host_line[i], &dir);
		FZ_ASSERT(f->dev.irq_type[i] == VIRTIO_GPIO_IRQ_TYPE_NONE ||
			  dir == VIRTIO_GPIO_DIRECTION_IN);
	}
	open_session(f, flags & 4);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = fz_in(data, size);
	uint8_t flags = fz_u8(&in);
	bool big = (flags & 0xf0) == 0xf0;
	struct fzh *f = &F;

	if (!base)
		LLVMFuzzerInitialize(NULL, NULL);
	fz_fds_mark();
	setup(f, &in, flags);
	for (unsigned int i = 0; i < FZH_MAX_RECORDS && fz_more(&in); i++) {
		uint8_t ctl = fz_u8(&in);
		bool good, open;

		switch (ctl & 0x11) {
		case 0x10:	/* an external level change on the chip */
			chip_sim_set_input(f->dev.chip, fz_u16(&in) % (f->dev.chip->ngpio + 1),
					   fz_u8(&in) & 1, ctl & 0x20);
			if (!(ctl & 0x40))
				helper_dev_flush(&f->dev);
			event_base_loop(base, EVLOOP_NONBLOCK);
			continue;
		case 0x11:	/* we read nothing for a while: the helper queues */
			event_base_loop(base, EVLOOP_NONBLOCK);
			continue;
		default:
			break;
		}
		good = send_datagram(f, &in, ctl);
		event_base_loop(base, EVLOOP_NONBLOCK);
		helper_sessions_reap(&f->h);
		open = f->dev.sessions != NULL;
		/* A big device info may overflow the queue of a worker that does not read. */
		FZ_ASSERT(open == good || (!open && big));
		if (ctl & 0x01) {
			open = drain(f);
			event_base_loop(base, EVLOOP_NONBLOCK);
		}
		if (!f->dev.sessions) {
			/* The worker reconnects; the line state stays with the device. */
			close(f->us);
			if (f->sessions == 4)
				break;
			open_session(f, false);
		}
	}
	if (f->dev.sessions) {
		/* Until every answer came (a pass per queued message at most). */
		for (unsigned int i = 0; i < 64 && f->dev.sessions && drain(f) && f->nexp; i++)
			event_base_loop(base, EVLOOP_NONBLOCK);
		FZ_ASSERT(f->nexp == 0 || !f->dev.sessions);
		close(f->us);
	}
	helper_dev_close(&f->dev);
	if (f->state_fd >= 0)
		close(f->state_fd);
	helper_sessions_reap(&f->h);
	free(f->h.rx);
	fz_fds_check();
	return 0;
}
