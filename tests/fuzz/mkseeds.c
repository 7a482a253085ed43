// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Writes the seed corpus of every fuzz target: mkseeds DIR (make fuzz-seeds
 * runs it on tests/fuzz/corpus). Each seed is a small input in its target's
 * format (see the comment at the top of each fz_*.c) that reaches a
 * different part of the code: a normal session, the error paths, the
 * limits. Text targets also get the shipped policies as seeds.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipc.h"
#include "virtio_gpio.h"
#include "vq.h"
#include "vu_proto.h"
#include "worker/wk.h"

struct seed {
	uint8_t b[8192];
	size_t n;
};

static const char *top;
static struct seed s;

static void reset(void)
{
	s.n = 0;
}

static void u8(unsigned int v)
{
	if (s.n < sizeof(s.b))
		s.b[s.n++] = (uint8_t)v;
}

static void u16(unsigned int v)
{
	u8(v);
	u8(v >> 8);
}

static void u32(uint32_t v)
{
	u16(v);
	u16(v >> 16);
}

static void u64(uint64_t v)
{
	u32((uint32_t)v);
	u32((uint32_t)(v >> 32));
}

static void bytes(const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		u8(((const uint8_t *)p)[i]);
}

static void str(const char *t)
{
	bytes(t, strlen(t));
}

/* Bytes separated by commas: u8s(3, 1, 2, 3). */
static void u8s(unsigned int n, ...)
{
	va_list ap;

	va_start(ap, n);
	for (unsigned int i = 0; i < n; i++)
		u8(va_arg(ap, unsigned int));
	va_end(ap);
}

static void save(const char *target, const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", top, target);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/seed-%s", top, target, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, s.b, s.n) != (ssize_t)s.n) {
		perror(path);
		exit(1);
	}
	close(fd);
	reset();
}

static void text_seed(const char *target, const char *name, const char *prefix, const char *t)
{
	bytes(prefix, strlen(prefix) + (prefix[0] ? 0 : 1));
	str(t);
	save(target, name);
}

static void policy_seeds(void)
{
	static const char *const archs[] = { "x86_64", "aarch64" };

	text_seed("policy", "one", "", "read: 1\n");
	text_seed("policy", "include", "", "@include common.policy\nwrite: 1\n");
	text_seed("policy", "exprs", "\x02",
		  "mmap: arg2 in ~PROT_EXEC\n"
		  "ioctl: arg1 == FIONREAD || arg1 == TCGETS\n"
		  "fcntl: arg1 == F_GETFL || arg1 == F_SETFL && arg2 & O_NONBLOCK\n"
		  "openat: return EPERM\n"
		  "socket: arg0 == AF_UNIX && arg1 == (SOCK_STREAM|SOCK_CLOEXEC) # tail\n"
		  "kill: arg1 <= 0x1f && arg0 != 0 && arg1 >= 1\n");
	text_seed("policy", "cont", "\x05", "write: \\\n  arg0 == 2 \\\n  || arg0 == 1\n");
	text_seed("policy", "bad-else", "", "read: arg0 == 0; return EPERM\n");
	text_seed("policy", "bad-dup", "", "read: 1\nread: 1\n");
	text_seed("policy", "bad-depth", "", "@include fuzz.policy\n");
	/* The shipped policies, as the daemon reads them. */
	for (unsigned int a = 0; a < 2; a++) {
		char dir[512], name[64];
		struct dirent *e;
		DIR *d;

		snprintf(dir, sizeof(dir), "policy/%s", archs[a]);
		d = opendir(dir);
		while (d && (e = readdir(d))) {
			char path[1024], buf[8192];
			ssize_t n;
			int fd;

			if (!strstr(e->d_name, ".policy"))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
			if (fd >= 0)
				close(fd);
			if (n <= 0)
				continue;
			u8(a | 2);
			bytes(buf, (size_t)n);
			snprintf(name, sizeof(name), "%s-%.*s", archs[a],
				 (int)(strlen(e->d_name) - 7), e->d_name);
			save("policy", name);
		}
		if (d)
			closedir(d);
	}
}

static void devlist_seeds(void)
{
	static const char *const lists[] = {
		"s8", "s8:s4:s1", "0,lines=0-3+7", "0,lines=0-3:0,lines=4-7", "/dev/gpiochip0",
		"label=pinctrl-bcm2711,lines=17+27,input-only=27,names=led+button",
		"s16,lines=3+1+0,input-only=1,names=a+b+", "s4,names=a++c+", "s65535",
		"s0", "s8,lines=9", "s2,lines=1-0", "s4,names=a+a+b+c", "s4,lines=1,lines=2",
		"s3,input-only=0-2,names=x.y+_-+Z9", "label=x,lines=0-1:label=x,lines=1",
	};

	for (unsigned int i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		char name[16];

		snprintf(name, sizeof(name), "%02u", i);
		text_seed("devlist", name, "", lists[i]);
	}
}

static void args(const char *name, unsigned int listen_fds, ...)
{
	const char *a;
	va_list ap;

	u8(listen_fds);
	va_start(ap, listen_fds);
	while ((a = va_arg(ap, const char *))) {
		str(a);
		u8(0);
	}
	va_end(ap);
	save("cli", name);
}

static void cli_seeds(void)
{
	args("socket", 0, "-s", "/tmp/vug.sock", "-l", "s8", NULL);
	args("count", 0, "--socket-path=/tmp/x", "--socket-count", "2", "--device-list",
	     "s8:0,lines=0-3", NULL);
	args("fd", 0, "--fd", "3", "-l", "s8", NULL);
	args("activated", 2, "-l", "s8:s4", NULL);
	args("caps", 0, "--bogus", "--print-capabilities", NULL);
	args("help", 0, "-hV", NULL);
	args("policy", 0, "--print-policy", "worker", NULL);
	args("all", 0, "-s", "/x", "-l", "s8", "--log-level", "debug", "--syslog", "--no-sandbox",
	     "--sim-control", "/tmp/c", "--helper", "/bin/h", "--seccomp-policy-dir", "/p",
	     "--seccomp-log", NULL);
	args("bad", 0, "-s", "", "-c", "65", "--fd", "-1", "--log", "x", "--socket", NULL);
}

/* fz_vq: a descriptor at @idx pointing into region 0 at @off. */
static void vq_desc(unsigned int idx, unsigned int off, unsigned int len, unsigned int flags,
		    unsigned int next)
{
	u8s(2, 0, idx);
	u8(0);			/* address: region 0 + offset */
	u16(off);
	u8(len);
	u8s(2, flags, next);
}

static void vq_hdr(unsigned int flags, unsigned int lognum)
{
	u8s(2, flags, lognum);
	u32(0x100);		/* gpa >> 12 */
	u16(0);			/* uva low bits */
	u8s(3, 0, 0, 0);	/* gap, region sizes */
	u16(0);			/* base */
}

static void vq_seeds(void)
{
	vq_hdr(1, 3);
	vq_desc(0, 0x2000, 8, 1, 1);
	vq_desc(1, 0x2100, 2, 2, 0);
	u8s(2, 4, 0);		/* publish head 0 */
	u8(7);			/* pop */
	u8s(3, 9, 0, 2);	/* push the held one, length 2 */
	save("vq", "direct");

	vq_hdr(1, 2);
	vq_desc(0, 0x2800, 32, 4, 0);
	u8(2);			/* indirect table entries at 0x2800 */
	u16(0x2800);
	u8s(3, 0, 0x00, 0x20);
	u8s(3, 8, 1, 1);
	u8(2);
	u16(0x2810);
	u8s(3, 0, 0x00, 0x21);
	u8s(3, 2, 2, 0);
	u8s(2, 4, 0);
	u8s(2, 7, 7);
	save("vq", "indirect");

	vq_hdr(0, 0);
	vq_desc(0, 0x2000, 8, 1, 0);	/* NEXT to itself */
	u8s(2, 4, 0);
	u8(7);
	u8s(2, 4, 0);		/* the same head again while in flight */
	u8(7);
	save("vq", "loop");

	vq_hdr(0, 4);
	u8s(3, 0, 0, 3);	/* region 1 end - n */
	u8(5);
	u8s(2, 0xff, 0);	/* UINT32_MAX */
	u8s(2, 1, 0);
	u8s(2, 4, 0);
	u8s(2, 6, 0x40);	/* the index runs ahead */
	u8s(2, 7, 11);
	u8(0x07);
	save("vq", "huge");

	vq_hdr(6, 8);		/* rings anywhere, then a memory table */
	u16(0x10);
	u16(0x1002);
	u16(0x2003);
	u8(2);			/* two regions */
	u8(0);
	u16(0);
	u16(0x1000);
	u16(0x10);
	u16(0x1000);
	u8(0);
	u16(1);
	u16(0x1000);
	u16(0x20);
	u16(0x2000);
	u8s(4, 10, 1, 11, 7);
	save("vq", "placement");
}

/* fz_vu_msg: one message in one record; @ctl gives its fds. */
static void vu(unsigned int ctl, uint32_t req, uint32_t flags, const void *p, uint32_t size)
{
	u8(ctl);
	u16(12 + size);
	u32(req);
	u32(flags);
	u32(size);
	bytes(p, size);
}

static void vu_u64(uint32_t req, uint64_t v, unsigned int ctl)
{
	vu(ctl, req, VU_VERSION, &v, sizeof(v));
}

static void vu_state(uint32_t req, uint32_t idx, uint32_t num)
{
	struct vu_vring_state st = { idx, num };

	vu(0, req, VU_VERSION, &st, sizeof(st));
}

/* ctl: nfds index 3 = one fd; kind in bits 3-4: 0 /dev/null, 1 memfd, 2 eventfd. */
#define VU_ONE_MEMFD	(3 | 1 << 3)
#define VU_ONE_EVENTFD	(3 | 2 << 3)

static void vu_handshake(bool ack)
{
	struct { uint32_t n, pad; struct vu_mem_region r; } mt = {
		1, 0, { 0x0, 0x10000, 0x7f0000000000ull, 0 },
	};
	struct vu_config cfg = { .offset = 0, .size = 8 };
	uint32_t f = VU_VERSION | (ack ? VU_FLAG_NEED_REPLY : 0);

	vu(0, VU_GET_FEATURES, VU_VERSION, NULL, 0);
	vu(0, VU_SET_OWNER, f, NULL, 0);
	vu_u64(VU_SET_FEATURES, 1ull << 32 | 1 | 1ull << 28 | 1ull << 30, 0);
	vu_u64(VU_SET_PROTOCOL_FEATURES, ack ? 0x209 : 0x201, 0);
	vu(0, VU_GET_QUEUE_NUM, VU_VERSION, NULL, 0);
	vu(0, VU_GET_CONFIG, f, &cfg, 12 + 8);
	vu(VU_ONE_MEMFD, VU_SET_MEM_TABLE, f, &mt, sizeof(mt));
	for (uint32_t q = 0; q < 2; q++) {
		struct vu_vring_addr a = {
			q, 0, 0x7f0000000000ull + q * 0x1000, 0x7f0000000800ull + q * 0x1000,
			0x7f0000000400ull + q * 0x1000, 0,
		};

		vu_state(VU_SET_VRING_NUM, q, 8);
		vu(0, VU_SET_VRING_ADDR, f, &a, sizeof(a));
		vu_state(VU_SET_VRING_BASE, q, 0);
		vu_u64(VU_SET_VRING_CALL, q, VU_ONE_EVENTFD);
		vu_u64(VU_SET_VRING_KICK, q, VU_ONE_EVENTFD);
		vu_state(VU_SET_VRING_ENABLE, q, 1);
	}
}

static void vu_msg_seeds(void)
{
	/* Decoding only: every size class. */
	u8(0);
	vu_handshake(false);
	vu(0, VU_SET_LOG_BASE, VU_VERSION, "0123456789abcdef", 16);
	save("vu_msg", "decode");

	/* The full handshake dispatched, an eventq buffer in memory, then a stop. */
	u8(1);
	u8(0xc0);		/* memory write: the eventq's descriptors 0 and 1 */
	u16(32);
	u16(0x1000);
	u64(0x3000);
	u32(2);
	u16(VRING_DESC_F_NEXT);
	u16(1);
	u64(0x3100);
	u32(1);
	u16(VRING_DESC_F_WRITE);
	u16(0);
	u8(0xc0);		/* and its available ring: head 0 */
	u16(6);
	u16(0x1400);
	u8s(6, 0, 0, 1, 0, 0, 0);
	vu_handshake(true);
	vu_state(VU_GET_VRING_BASE, 0, 0);
	vu_state(VU_GET_VRING_BASE, 1, 0);
	vu(0, VU_RESET_OWNER, VU_VERSION, NULL, 0);
	save("vu_msg", "session");

	/* Limits: too many fds, a reply flag, version 2, a payload too large, EOF inside. */
	u8(1);
	vu(7, VU_SET_MEM_TABLE, VU_VERSION, "\1\0\0\0\0\0\0\0", 8);
	save("vu_msg", "fds");
	u8(0);
	vu(0, VU_GET_FEATURES, VU_VERSION | VU_FLAG_REPLY, NULL, 0);
	save("vu_msg", "reply");
	u8(0);
	vu(0, VU_GET_FEATURES, 2, NULL, 0);
	save("vu_msg", "version");
	u8(1);
	vu(0, VU_SET_CONFIG, VU_VERSION, "\xff\xff\xff\xff\x08\0\0\0\0\0\0\0", 12);
	u8(0);
	u16(12);
	u32(VU_SET_VRING_NUM);
	u32(VU_VERSION);
	u32(8);
	save("vu_msg", "bad");
}

static void irq_op(unsigned int op, unsigned int gpio, unsigned int a, unsigned int b)
{
	u8s(4, op, gpio, a, b);
}

static void irq_seeds(void)
{
	u8(0x08 | 1);		/* level reads, 2 lines */
	irq_op(7, 0, 1, 0);	/* running */
	irq_op(2, 0, 1, 0);	/* rising */
	irq_op(0, 0, 3, 5);	/* buffer, head 3 */
	irq_op(3, 0, 1, 1);	/* rising edge: VALID */
	irq_op(2, 1, 4, 0);	/* level high */
	irq_op(0, 1, 4, 6);
	irq_op(5, 1, 1, 1);	/* the read says high: VALID */
	irq_op(0, 1, 4, 6);
	irq_op(6, 1, 0, 0);	/* disable: INVALID */
	save("irq", "basic");

	u8(3);			/* no level reads, 4 lines */
	irq_op(2, 0, 3, 0);
	irq_op(3, 0, 1, 1);	/* latched while nothing is held */
	irq_op(0, 0, 1, 1);
	irq_op(7, 0, 1, 0);	/* delivered on start */
	irq_op(0, 4, 2, 2);	/* no such line */
	irq_op(0, 2, 5, 3);
	irq_op(0, 2, 6, 3);	/* second buffer for a line */
	irq_op(0, 2, 5, 3);	/* a head already held */
	irq_op(7, 0, 0, 0);
	irq_op(2, 2, 8, 0);	/* level low while stopped */
	irq_op(7, 0, 1, 0);
	irq_op(9, 0, 0x42, 0);	/* forget held */
	irq_op(8, 1, 9, 1);
	save("irq", "rules");

	u8(0x80);		/* many lines, requests decoded */
	u16(40);
	for (unsigned int t = 0; t < 8; t++) {
		irq_op(10, 0, 0, 0);
		u8s(3, 12, 1, 1);
		u8s(4, t, 0, 3, 0);
		u8s(4, 3, 0, 0, 0);
		u8s(4, 0, 0, 0, 0);
		u8(2 + (t & 1));
	}
	save("irq", "decode");
}

/* fz_wk: request (type, line, value, response class, layout) and other steps. */
static void wk_req(unsigned int type, unsigned int line, unsigned int value, unsigned int rsel,
		   unsigned int layout)
{
	u8s(6, 0, type, line, value, rsel, layout);
}

/* Answer the next @n ops the worker sent, in one batch, with status/value bytes @s. */
static void wk_answer(unsigned int n, const uint8_t *st)
{
	u8s(3, 7, n, 0);
	bytes(st, n);
}

static void wk_seeds(void)
{
	u8(0x01 | 0x04);	/* level reads, indirect */
	u8s(2, 3, 0x33);	/* 4 lines, requestq of 4, eventq of 8 */
	u8s(4, 0x00, 0x01, 0x04, 0x84);
	wk_req(VIRTIO_GPIO_MSG_SET_IRQ_TYPE, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING, 0, 0);
	wk_req(VIRTIO_GPIO_MSG_GET_LINE_NAMES, 0, 0, 0, 3);	/* no names: ERR */
	wk_req(VIRTIO_GPIO_MSG_SET_VALUE, 4, 1, 0, 2);		/* no line 4: ERR */
	u8(5);
	wk_answer(1, (const uint8_t *)"\0");
	u8s(3, 3, 0, 0);	/* eventq buffer for line 0 */
	u8s(3, 3, 2, 1);	/* line 2 (level high), indirect: its level is read */
	u8(6);
	u8s(5, 9, 0, 0, 1, 1);	/* rising edge on line 0: VALID */
	wk_answer(1, (const uint8_t *)"\1");	/* line 2 is high: VALID */
	wk_req(VIRTIO_GPIO_MSG_SET_IRQ_TYPE, 2, VIRTIO_GPIO_IRQ_TYPE_NONE, 0, 1);
	u8s(3, 3, 2, 0);
	u8s(2, 6, 5);
	wk_answer(2, (const uint8_t *)"\0\0");	/* low, then NONE: INVALID first */
	u8s(2, 10, 0);		/* stop and resume the requestq */
	u8s(2, 11, 0);
	u8s(2, 10, 1);		/* a fresh eventq of 16 */
	u8s(2, 11, 3 | 4 << 2);
	wk_req(VIRTIO_GPIO_MSG_GET_VALUE, 1, 0, 7, 4);
	wk_req(VIRTIO_GPIO_MSG_SET_DIRECTION, 1, 0, 6, 6);
	u8(5);
	save("wk", "session");

	u8(0x02 | 0x40);	/* protocol features: rings wait for ENABLE; names */
	u8s(2, 1, 0x80 | 0x25);	/* enabled at once; rings of 16 and 8 */
	u8s(2, 0x04, 0x08);	/* level high, level low */
	u8s(3, 3, 1, 0);
	u8s(2, 12, 3);		/* enable the eventq again: line 1 is low: VALID */
	u8s(3, 3, 1, 0);
	wk_req(VIRTIO_GPIO_MSG_GET_LINE_NAMES, 0, 0, 5, 0);
	wk_req(VIRTIO_GPIO_MSG_SET_IRQ_TYPE, 1, VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH, 0, 0);
	u8s(2, 12, 2);		/* enabling the requestq scans it */
	u8s(2, 12, 1);		/* eventq disabled while the answer comes */
	wk_answer(1, (const uint8_t *)"\0");
	u8s(2, 12, 3);
	u8s(3, 6, 13, 9);
	u8s(4, 1, 1, 1, 1);
	save("wk", "enable");

	u8(0x08);		/* no F_IRQ */
	u8s(2, 0, 0x03);
	u8(0x03);
	wk_req(VIRTIO_GPIO_MSG_SET_IRQ_TYPE, 0, 1, 0, 0);
	wk_req(7, 0, 0, 0, 7);
	wk_req(VIRTIO_GPIO_MSG_GET_DIRECTION, 0, 0, 0, 5);
	wk_req(VIRTIO_GPIO_MSG_GET_DIRECTION, 0, 0, 0, 0);
	u8(5);
	u8(0xff);		/* a helper that breaks the protocol */
	u32(77);
	u8s(3, 1, IPC_ANS_LINE_OPS, 9);
	save("wk", "errors");

	u8(0x90 | 0x04);	/* chaos */
	u8s(3, 3, 2, 0x22);
	u8s(3, 0, 0, 0);
	u8s(3, 3, 0, 0);
	u8s(4, 14, 0x33, 0x02, 0x14);
	u8s(2, 6, 5);
	save("wk", "chaos");
}

static void dgram(unsigned int ctl, uint32_t type, const void *p, uint32_t len)
{
	u8(ctl);
	u8(8 + len);
	u32(type);
	u32(len);
	bytes(p, len);
}

static void ipc_worker_seeds(void)
{
	static const uint8_t info[] = { 2, 0, 0, 0, 5, 0, 0, 0, 1, 0, 4, 1, 'a', 0, 'b', 'c', 0 };
	struct ipc_line_edge e = { .line = 1, .edge = IPC_EDGE_RISING, .level = 1 };
	struct ipc_line_result r = { .tag = WK_TAG_LEVEL_READ | 1, .value = 1 };

	dgram(0, IPC_EVT_LINE_EDGE, &e, sizeof(e));
	dgram(0, IPC_ANS_DEVICE_INFO, info, sizeof(info));
	dgram(0, IPC_EVT_LINE_EDGE, &e, sizeof(e));
	dgram(0, IPC_ANS_LINE_OPS, &r, sizeof(r));
	r.tag = 0;
	dgram(0, IPC_ANS_LINE_OPS, &r, sizeof(r));
	save("ipc_worker", "info");

	dgram(2, IPC_ANS_DEVICE_INFO, info, sizeof(info));	/* with an fd */
	save("ipc_worker", "fd");
	dgram(0, IPC_ANS_DEVICE_INFO, info, sizeof(info) - 1);	/* names not ended */
	save("ipc_worker", "names");

	/* 40000 lines: a full first message and continuations. */
	u8s(3, 0x18, 0x41, 0);
	u16(40000);
	u32(12);
	u8s(3, 0x58, 0x41, 0);
	u8s(3, 0x58, 0x41, 2);
	u16(14548);
	save("ipc_worker", "big");
}

static void ipc_helper_seeds(void)
{
	u8s(2, 0x04, 7);	/* small send buffer, 8 lines */
	u8s(3, 0x01, 8, 4);	/* REQ_DEVICE_INFO, then read */
	u8s(7, 0, 0, 0, 0, 0, 0, 0);
	u8s(2, 0x03, 5);	/* five ops, then read */
	u8s(4, 0, 1, 0, 0);	/* GET_DIRECTION */
	u8s(4, 3, 2, 1, 1);	/* SET_VALUE 1 */
	u8s(4, 1, 3, 1, 1);	/* SET_DIRECTION OUT */
	u8s(4, 4, 4, 2, 3);	/* SET_IRQ_TYPE both */
	u8s(4, 2, 5, 2, 0);	/* GET_VALUE */
	u8s(3, 0x10, 2, 0);	/* line 2 goes high: an edge */
	u8(1);
	u8(0x11);
	u8s(3, 0x01, 0, 0);
	save("ipc_helper", "session");

	u8s(2, 0x02, 3);	/* input-only lines 0 and 2 */
	u8s(2, 0x03, 2);
	u8s(4, 3, 1, 0, 1);
	u8s(4, 1, 2, 2, 1);
	u8s(2, 0x0b, 1);	/* the same with an fd: the session ends */
	u8s(4, 0, 1, 0, 0);
	u8s(2, 0x63, 1);	/* a wrong type */
	u8(7);
	u8s(4, 0, 1, 0, 0);
	save("ipc_helper", "refused");

	u8(0xf0);		/* a big chip: the info needs continuations */
	u16(7000);
	u8s(3, 0x01, 8, 4);
	u8s(7, 0, 0, 0, 0, 0, 0, 0);
	save("ipc_helper", "big");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS-DIR\n", argv[0]);
		return 2;
	}
	top = argv[1];
	mkdir(top, 0755);
	policy_seeds();
	devlist_seeds();
	cli_seeds();
	vq_seeds();
	vu_msg_seeds();
	irq_seeds();
	wk_seeds();
	ipc_worker_seeds();
	ipc_helper_seeds();
	return 0;
}
