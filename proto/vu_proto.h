/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vhost-user wire format (QEMU docs/interop/vhost-user.rst), front-end <-> back-end.
 * Integers are in host byte order. Only what a virtio-gpio back-end meets is here.
 */
#ifndef VU_PROTO_H
#define VU_PROTO_H

#include <stddef.h>
#include <stdint.h>

/* Front-end -> back-end request ids. */
enum vu_request {
	VU_GET_FEATURES = 1,
	VU_SET_FEATURES = 2,
	VU_SET_OWNER = 3,
	VU_RESET_OWNER = 4,
	VU_SET_MEM_TABLE = 5,
	VU_SET_LOG_BASE = 6,
	VU_SET_LOG_FD = 7,
	VU_SET_VRING_NUM = 8,
	VU_SET_VRING_ADDR = 9,
	VU_SET_VRING_BASE = 10,
	VU_GET_VRING_BASE = 11,
	VU_SET_VRING_KICK = 12,
	VU_SET_VRING_CALL = 13,
	VU_SET_VRING_ERR = 14,
	VU_GET_PROTOCOL_FEATURES = 15,
	VU_SET_PROTOCOL_FEATURES = 16,
	VU_GET_QUEUE_NUM = 17,
	VU_SET_VRING_ENABLE = 18,
	VU_GET_CONFIG = 24,
	VU_SET_CONFIG = 25,
	VU_REQUEST_MAX = 64,		/* ids at or above this are rejected */
};

/* Header flags. */
#define VU_FLAG_VERSION_MASK		0x3u
#define VU_VERSION			0x1u
#define VU_FLAG_REPLY			0x4u
#define VU_FLAG_NEED_REPLY		0x8u

/* Virtio-feature-space bit announcing protocol features (never shown to the guest). */
#define VU_F_PROTOCOL_FEATURES		30

/* Protocol feature bits. */
#define VU_PROTOCOL_F_MQ		0
#define VU_PROTOCOL_F_REPLY_ACK		3
#define VU_PROTOCOL_F_CONFIG		9

/* KICK/CALL/ERR payload: bits 0-7 queue index, bit 8 "no fd attached". */
#define VU_VRING_IDX_MASK		0xffull
#define VU_VRING_NOFD_MASK		0x100ull

/* SET_MEM_TABLE carries at most this many regions (crosvm: 32, QEMU: 8). */
#define VU_MAX_MEM_REGIONS		32
/* File descriptors accepted with one message. */
#define VU_MAX_FDS			VU_MAX_MEM_REGIONS
/* GET_CONFIG/SET_CONFIG payload bytes accepted (crosvm allows offset+size <= 0x1000). */
#define VU_CONFIG_SPACE_MAX		0x1000

struct vu_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size;		/* payload bytes that follow */
} __attribute__((packed));

struct vu_vring_state {
	uint32_t index;
	uint32_t num;
};

struct vu_vring_addr {
	uint32_t index;
	uint32_t flags;		/* bit 0: VHOST_VRING_F_LOG, refused here */
	uint64_t desc_user_addr;
	uint64_t used_user_addr;
	uint64_t avail_user_addr;
	uint64_t log_guest_addr;
};

struct vu_mem_region {
	uint64_t guest_phys_addr;
	uint64_t memory_size;
	uint64_t userspace_addr;
	uint64_t mmap_offset;
};

struct vu_mem_table {
	uint32_t nregions;
	uint32_t padding;
	struct vu_mem_region regions[VU_MAX_MEM_REGIONS];
};

struct vu_config {
	uint32_t offset;
	uint32_t size;
	uint32_t flags;
	uint8_t payload[VU_CONFIG_SPACE_MAX];
};

#define VU_CONFIG_HDR_SIZE		offsetof(struct vu_config, payload)
#define VU_MEM_TABLE_HDR_SIZE		offsetof(struct vu_mem_table, regions)

/* Largest payload accepted from a front-end: the config message. */
#define VU_PAYLOAD_MAX			sizeof(struct vu_config)

_Static_assert(sizeof(struct vu_hdr) == 12, "vhost-user header is 12 bytes");
_Static_assert(sizeof(struct vu_vring_state) == 8, "vring state is 8 bytes");
_Static_assert(sizeof(struct vu_vring_addr) == 40, "vring address is 40 bytes");
_Static_assert(sizeof(struct vu_mem_region) == 32, "memory region is 32 bytes");
_Static_assert(VU_MEM_TABLE_HDR_SIZE == 8, "memory table header is 8 bytes");
_Static_assert(VU_CONFIG_HDR_SIZE == 12, "config header is 12 bytes");

#endif /* VU_PROTO_H */
