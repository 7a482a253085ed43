/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vhost-user message framing: one header, its payload and the file descriptors
 * that came with it. Everything read from the peer is checked here, before any
 * handler sees it: header version, payload size against the per-request table,
 * ancillary data truncation, fd count.
 *
 * Errors: functions return 0 or a negative errno.
 */
#ifndef VU_MSG_H
#define VU_MSG_H

#include <stdint.h>
#include "vu_proto.h"

struct vu_msg {
	struct vu_hdr hdr;
	union {
		uint64_t u64;
		struct vu_vring_state state;
		struct vu_vring_addr addr;
		struct vu_mem_table mem;
		struct vu_config config;
		uint8_t raw[VU_PAYLOAD_MAX];
	} p;
	int fds[VU_MAX_FDS];
	unsigned int nfds;
};

/*
 * Read one message from @sock (blocking until the whole payload arrived).
 * Returns 0 on success; -ECONNRESET on orderly EOF before a header;
 * -EBADMSG for a bad version/flags, an unknown request id, or a payload size
 * the request does not allow; -EMSGSIZE for truncated ancillary data or too
 * many fds; -EPIPE for EOF inside a message; other -errno from recvmsg().
 * On error no fd is left open. fds are received with MSG_CMSG_CLOEXEC.
 */
int vu_msg_recv(int sock, struct vu_msg *msg);

/*
 * Check the payload size of @msg against what its request id allows
 * (exact sizes for fixed payloads; bounds for the memory table and config).
 * Returns 0 or -EBADMSG. vu_msg_recv() already calls it.
 */
int vu_msg_check_size(const struct vu_msg *msg);

/* Close every fd still owned by @msg (entries set to -1). */
void vu_msg_close_fds(struct vu_msg *msg);

/* Take fd @i out of @msg (caller owns it), or -1 if there is none. */
int vu_msg_take_fd(struct vu_msg *msg, unsigned int i);

/* Send a reply: header {request, VU_VERSION|VU_FLAG_REPLY, size} + @size payload bytes. */
int vu_msg_send_reply(int sock, uint32_t request, const void *payload, uint32_t size);

/* Name of a request id for logs ("GET_FEATURES"), or "UNKNOWN". */
const char *vu_request_name(uint32_t request);

#endif /* VU_MSG_H */
