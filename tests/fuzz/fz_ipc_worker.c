// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: the worker's side of the helper session
 * (device/worker/helper_client.c: framing through proto/ipc.c, the
 * admission table, the device info in one or more messages, results and
 * edges), the fuzzer playing a helper that sends anything.
 *
 * The input is a list of datagrams: raw bytes (header included) with 0..3
 * fds attached, or a synthesized device info / continuation of any size
 * (up to a full 64 KiB message, which the fuzzer could not grow by itself).
 * They are all queued on the session, its write side is shut, and the
 * worker asks for the device info and then reads until the session ends.
 *
 * Checked: an accepted device info has lines, a names block the guest may
 * see (NUL-terminated, kept behind an OK status), restored triggers that
 * are known types; every result and edge is handled or ends the session;
 * no received fd stays open; no read blocks (the write side is shut).
 */
#include <endian.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fz.h"
#include "fzw.h"

#define FZW_MAX_DGRAMS	64
#define FZW_MAX_BIG	8

static struct worker w;
static int devnull = -1;
/*
 * Bodies of synthesized messages are cut from this, at an offset the input
 * picks: filling 64 KiB byte by byte per message, with coverage on every
 * comparison, cost half of every execution.
 */
static uint8_t pattern[IPC_MSG_MAX + 256];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_setup("fuzz-worker-ipc");
	fzw_base();
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	FZ_ASSERT(devnull >= 0);
	/* Lines in pairs of type and level, then names ending in NULs. */
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = i % 7 == 6 ? 0 : (uint8_t)i;
	return 0;
}

/* A device info or continuation of @len payload bytes: info from the input, body filled. */
static size_t synth(struct fz_in *in, uint8_t *buf, uint8_t ctl)
{
	struct ipc_hdr hdr = {
		.type = ctl & 0x40 ? IPC_CONT_DEVICE_INFO : IPC_ANS_DEVICE_INFO,
	};
	uint32_t len;
	uint8_t fill = fz_u8(in);

	switch (fz_u8(in) % 4) {
	case 0:
		len = IPC_MSG_MAX - sizeof(hdr);
		break;
	case 1:
		len = IPC_MSG_MAX - sizeof(hdr) + 1;	/* one byte too many */
		break;
	default:
		len = fz_u16(in);
	}
	if (len > IPC_MSG_MAX - sizeof(hdr) + 1)
		len = IPC_MSG_MAX - sizeof(hdr) + 1;
	hdr.len = len;
	memcpy(buf, &hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), pattern + fill, len);
	if (hdr.type == IPC_ANS_DEVICE_INFO && len >= sizeof(struct ipc_device_info)) {
		struct ipc_device_info info = {
			.ngpio = htole16(fz_u16(in)), .names_size = htole32(fz_u32(in)),
		};

		memcpy(buf + sizeof(hdr), &info, sizeof(info));
	}
	if (len)
		buf[sizeof(hdr) + len - 1] = ctl & 0x20 ? fill : 0;
	return sizeof(hdr) + len;
}

static void check_info(const struct worker *wk)
{
	FZ_ASSERT(wk->info.ngpio >= 1 && wk->irq && wk->names);
	FZ_ASSERT(wk->names[0] == VIRTIO_GPIO_STATUS_OK && wk->info.names == wk->names + 1);
	if (wk->info.names_size)
		FZ_ASSERT(wk->info.names[wk->info.names_size - 1] == '\0');
	for (uint32_t i = 0; i < wk->info.ngpio; i++)
		FZ_ASSERT(virtio_gpio_irq_type_valid(vgpio_irq_type(wk->irq, (uint16_t)i)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[IPC_MSG_MAX + 16];
	struct fz_in in = fz_in(data, size);
	int fds[3] = { devnull, devnull, devnull };
	unsigned int big = 0;
	int sp[2], ret;

	if (devnull < 0)
		LLVMFuzzerInitialize(NULL, NULL);
	fz_fds_mark();
	FZ_ASSERT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == 0);
	/* Root may grow the buffer: a few full messages must fit before anyone reads. */
	setsockopt(sp[0], SOL_SOCKET, SO_SNDBUFFORCE, &(int){ 4 << 20 }, sizeof(int));
	for (unsigned int i = 0; i < FZW_MAX_DGRAMS && fz_more(&in); i++) {
		uint8_t ctl = fz_u8(&in);
		unsigned int nfds = ctl & 3 ? (ctl & 3) - 1 + ((ctl & 4) != 0) : 0;
		size_t len;

		if ((ctl & 0x18) == 0x18 && big < FZW_MAX_BIG) {
			big++;
			len = synth(&in, buf, ctl);
		} else {
			len = fz_take(&in, buf, fz_u8(&in) % 64);
		}
		if (fz_send_fds(sp[0], buf, len, fds, nfds) < 0)
			break;
	}
	shutdown(sp[0], SHUT_WR);

	fzw_init(&w, -1, sp[1], 0, NULL, 0, NULL);
	ret = hc_get_device_info(&w);
	if (ret == 0) {
		check_info(&w);
		fz_nonblock(sp[1], true);
		for (unsigned int i = 0; i < 2 * FZW_MAX_DGRAMS; i++) {
			ret = hc_receive(&w, i & 1);
			if (ret < 0)
				break;
		}
		FZ_ASSERT(ret < 0);	/* the session always ends: EOF at the latest */
	} else {
		FZ_ASSERT(!w.irq);
	}
	fzw_fini(&w);
	close(sp[0]);
	fz_fds_check();
	return 0;
}
