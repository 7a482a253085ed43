// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: the vhost-user message decoder (proto/vu_msg.c) and, behind
 * it, the worker's request handlers (device/worker/vu_handlers.c,
 * wk_rings.c) the way the worker's connection callback drives them.
 *
 * The input is one flags byte and then records, each one of:
 *   - bytes for the socket, sent in one sendmsg() with 0..33 fds attached
 *     (/dev/null, a memfd for SET_MEM_TABLE, an eventfd for kicks and calls);
 *   - a write into the memfd that SET_MEM_TABLE may map (rings, buffers).
 * Everything is written to a stream socketpair, the writing end is shut,
 * and messages are received until an error or EOF; with flags bit 0 each
 * message also goes to vu_dispatch() of a worker whose helper is gone (a
 * request that needs it ends the connection, as it would in the daemon).
 *
 * Checked: a received message has a known id, version 1, no REPLY flag, a
 * size its request allows, at most VU_MAX_FDS fds, all valid and
 * close-on-exec; an error leaves no fd behind; after the connection no fd
 * received is still open.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vu_msg.h"
#include "fz.h"
#include "fzw.h"

#define FZ_MEM_SIZE	0x10000
#define FZ_MAX_MSGS	256

enum { FD_NULL, FD_MEM, FD_EVENT, FD_KINDS };

static int src_fd[FD_KINDS] = { -1, -1, -1 };
static uint8_t *mem;		/* the memfd as we see it */
static struct vu_msg msg;
static struct worker w;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_setup("fuzz-vu-msg");
	fzw_base();
	src_fd[FD_NULL] = open("/dev/null", O_RDWR | O_CLOEXEC);
	src_fd[FD_MEM] = memfd_create("fz-vu-msg", MFD_CLOEXEC);
	src_fd[FD_EVENT] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	FZ_ASSERT(src_fd[FD_NULL] >= 0 && src_fd[FD_MEM] >= 0 && src_fd[FD_EVENT] >= 0);
	FZ_ASSERT(ftruncate(src_fd[FD_MEM], FZ_MEM_SIZE) == 0);
	mem = mmap(NULL, FZ_MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, src_fd[FD_MEM], 0);
	FZ_ASSERT(mem != MAP_FAILED);
	return 0;
}

/* One record: socket bytes with fds, or a write into guest memory. */
static bool send_record(int sock, struct fz_in *in)
{
	static const unsigned int nfds_of[8] = { 0, 0, 0, 1, 1, 2, VU_MAX_FDS, VU_MAX_FDS + 1 };
	uint8_t ctl = fz_u8(in);
	size_t len = fz_u16(in) % 4200;
	int fds[VU_MAX_FDS + 1];
	unsigned int nfds = nfds_of[ctl & 7];
	bool ok = true;
	long n;

	if ((ctl & 0xc0) == 0xc0) {
		uint16_t off = fz_u16(in);

		if (len > in->n)
			len = in->n;
		if (len > FZ_MEM_SIZE - (size_t)off)
			len = FZ_MEM_SIZE - off;
		memcpy(mem + off, in->p, len);
		in->p += len;
		in->n -= len;
		return true;
	}
	if (len > in->n)
		len = in->n;
	/* SCM_RIGHTS installs new fds in the receiver anyway: no need for our own copies. */
	for (unsigned int i = 0; i < nfds; i++) {
		unsigned int kind = (ctl >> 3) & 3;

		fds[i] = src_fd[kind == 3 ? i % FD_KINDS : kind];
	}
	n = fz_send_fds(sock, in->p, len, fds, nfds);
	if (n < 0 || (size_t)n < len)
		ok = false;	/* socket full: the rest would not arrive either */
	in->p += len;
	in->n -= len;
	return ok;
}

static void check_msg(const struct vu_msg *m)
{
	FZ_ASSERT((m->hdr.flags & VU_FLAG_VERSION_MASK) == VU_VERSION);
	FZ_ASSERT(!(m->hdr.flags & VU_FLAG_REPLY));
	FZ_ASSERT(m->hdr.request > 0 && m->hdr.request < VU_REQUEST_MAX);
	FZ_ASSERT(m->hdr.size <= VU_PAYLOAD_MAX);
	FZ_ASSERT(vu_msg_check_size(m) == 0);
	FZ_ASSERT(m->nfds <= VU_MAX_FDS);
	for (unsigned int i = 0; i < m->nfds; i++) {
		int fl = fcntl(m->fds[i], F_GETFD);

		FZ_ASSERT(fl >= 0 && (fl & FD_CLOEXEC));
	}
	for (unsigned int i = m->nfds; i < VU_MAX_FDS; i++)
		FZ_ASSERT(m->fds[i] == -1);
	FZ_ASSERT(vu_request_name(m->hdr.request) != NULL);
}

/* Replies are read and dropped so that the worker never blocks on a full socket. */
static void drain(int sock)
{
	static uint8_t buf[65536];

	while (recv(sock, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

static void setup_worker(int conn, uint8_t flags)
{
	static const uint8_t names[] = "a\0bb\0\0ccc";
	int sp[2];

	/* A helper that already went away: every send fails, every receive sees EOF. */
	FZ_ASSERT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == 0);
	close(sp[1]);
	fz_nonblock(sp[0], true);
	fzw_init(&w, conn, sp[0], 1 + (flags >> 4), names, flags & 2 ? sizeof(names) : 0, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = fz_in(data, size);
	uint8_t flags = fz_u8(&in);
	bool dispatch = flags & 1;
	int sp[2];

	if (!mem)
		LLVMFuzzerInitialize(NULL, NULL);
	fz_fds_mark();
	memset(mem, 0, FZ_MEM_SIZE);
	/* Calls of the last input signalled it: start from zero again. */
	eventfd_read(src_fd[FD_EVENT], &(eventfd_t){ 0 });
	FZ_ASSERT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == 0);
	while (fz_more(&in) && send_record(sp[0], &in))
		;
	shutdown(sp[0], SHUT_WR);
	if (dispatch)
		setup_worker(sp[1], flags);

	for (unsigned int i = 0; i < FZ_MAX_MSGS; i++) {
		int ret = vu_msg_recv(sp[1], &msg);

		if (ret < 0) {
			FZ_ASSERT(msg.nfds == 0);
			for (unsigned int k = 0; k < VU_MAX_FDS; k++)
				FZ_ASSERT(msg.fds[k] == -1);
			break;
		}
		check_msg(&msg);
		if (dispatch) {
			ret = vu_dispatch(&w, &msg);
			drain(sp[0]);
		}
		vu_msg_close_fds(&msg);
		if (ret < 0 || (dispatch && fzw_stopped(&w)))
			break;
	}
	if (dispatch)
		fzw_fini(&w);	/* closes sp[1] */
	else
		close(sp[1]);
	close(sp[0]);
	fz_fds_check();
	return 0;
}
