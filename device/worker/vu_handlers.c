// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vhost-user requests, back-end side: one table row per request id with the
 * handler and whether the request carries its own reply. Payload sizes were
 * checked by vu_msg_recv(); handlers check values. A handler error ends the
 * connection (after a failure ack when NEED_REPLY asked for one): the
 * front-end is confused or hostile, and a fresh connection starts clean.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "worker/wk.h"

struct vu_handler {
	int (*fn)(struct worker *w, struct vu_msg *msg);
	bool has_reply;		/* the reply is the answer; no REPLY_ACK on top */
};

static int vu_reply_u64(struct worker *w, const struct vu_msg *msg, uint64_t value)
{
	return vu_msg_send_reply(w->conn_fd, msg->hdr.request, &value, sizeof(value));
}

/* A vring index from a payload; only the two gpio queues exist. */
static int vu_queue_index(const struct vu_msg *msg, uint32_t index, unsigned int *idx)
{
	if (index >= VGPIO_NUM_QUEUES) {
		log_err("%s: queue index %u out of range", vu_request_name(msg->hdr.request), index);
		return -EINVAL;
	}
	*idx = index;
	return 0;
}

static int vu_get_features(struct worker *w, struct vu_msg *msg)
{
	return vu_reply_u64(w, msg, WK_FEATURES);
}

static int vu_set_features(struct worker *w, struct vu_msg *msg)
{
	uint64_t f = msg->p.u64;

	if (f & ~WK_FEATURES) {
		log_err("SET_FEATURES %#llx acks bits never offered (%#llx)",
			(unsigned long long)f, (unsigned long long)(f & ~WK_FEATURES));
		return -EINVAL;
	}
	w->features = f;
	w->features_set = true;
	w->info.irq_negotiated = f & (1ull << VIRTIO_GPIO_F_IRQ);
	for (unsigned int i = 0; i < VGPIO_NUM_QUEUES; i++) {
		struct vq *vq = &w->q[i].vq;
		bool event_idx = f & (1ull << VIRTIO_F_EVENT_IDX);

		vq->indirect = f & (1ull << VIRTIO_F_INDIRECT_DESC);
		/* The event fields lie past the rings: a running ring is checked again. */
		if (vq->event_idx != event_idx) {
			vq->event_idx = event_idx;
			if (w->q[i].started && vq_remap(vq, &w->gm) < 0) {
				vq->broken = true;
				wk_queue_broken(w, i);
			}
		}
		/* Without protocol features there is no SET_VRING_ENABLE: rings start enabled. */
		if (!(f & (1ull << VU_F_PROTOCOL_FEATURES)))
			w->q[i].enabled = true;
	}
	wk_eventq_update_running(w);
	return 0;
}

static int vu_get_protocol_features(struct worker *w, struct vu_msg *msg)
{
	return vu_reply_u64(w, msg, WK_PROTOCOL_FEATURES);
}

static int vu_set_protocol_features(struct worker *w, struct vu_msg *msg)
{
	if (msg->p.u64 & ~WK_PROTOCOL_FEATURES) {
		log_err("SET_PROTOCOL_FEATURES %#llx acks bits never offered",
			(unsigned long long)msg->p.u64);
		return -EINVAL;
	}
	w->protocol_features = msg->p.u64;
	return 0;
}

static int vu_set_owner(struct worker *w, struct vu_msg *msg)
{
	(void)w;
	(void)msg;
	return 0;
}

/* Deprecated; treated as "stop everything", as libvhost-user does. */
static int vu_reset_owner(struct worker *w, struct vu_msg *msg)
{
	int ret = hc_quiesce(w);

	(void)msg;
	if (ret < 0)
		return ret;
	wk_fifo_flush(w);
	for (unsigned int i = 0; i < VGPIO_NUM_QUEUES; i++) {
		wk_queue_stop(w, i);
		w->q[i].enabled = false;
		vq_forget_inflight(&w->q[i].vq);
	}
	vgpio_irq_forget_held(w->irq);
	w->features = 0;
	w->features_set = false;
	w->info.irq_negotiated = false;
	return 0;
}

static int vu_get_queue_num(struct worker *w, struct vu_msg *msg)
{
	return vu_reply_u64(w, msg, VGPIO_NUM_QUEUES);
}

static int vu_set_mem_table(struct worker *w, struct vu_msg *msg)
{
	const struct vu_mem_table *mt = &msg->p.mem;
	int ret;

	if (msg->nfds != mt->nregions) {
		log_err("SET_MEM_TABLE: %u regions but %u fds", mt->nregions, msg->nfds);
		return -EINVAL;
	}
	/* Pending answers hold pointers into the old map. */
	ret = hc_quiesce(w);
	if (ret < 0)
		return ret;
	ret = gmem_set_table(&w->gm, mt->regions, mt->nregions, msg->fds);
	/* gmem_set_table closed the fds either way. */
	msg->nfds = 0;
	if (ret < 0) {
		log_err("SET_MEM_TABLE: cannot map %u regions: %s", mt->nregions, strerror(-ret));
		return ret;
	}
	for (unsigned int i = 0; i < VGPIO_NUM_QUEUES; i++) {
		if (w->q[i].started && vq_remap(&w->q[i].vq, &w->gm) < 0) {
			log_err("queue %u: ring no longer inside guest memory", i);
			return -EFAULT;
		}
		ret = wk_queue_try_start(w, i);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int vu_set_vring_num(struct worker *w, struct vu_msg *msg)
{
	unsigned int idx;
	struct wk_queue *q;
	uint32_t num;
	int ret = vu_queue_index(msg, msg->p.state.index, &idx);

	if (ret < 0)
		return ret;
	q = &w->q[idx];
	if (q->started) {
		log_err("SET_VRING_NUM on running queue %u", idx);
		return -EBUSY;
	}
	num = msg->p.state.num;
	if (num == 0 || num > VQ_MAX_SIZE || (num & (num - 1))) {
		log_err("SET_VRING_NUM: queue %u size %u is not a power of two in 1..%u", idx,
			num, VQ_MAX_SIZE);
		return -EINVAL;
	}
	/* Same size on resume: keep the in-flight set (held eventq buffers). */
	if (q->vq.num == num)
		return 0;
	if (idx == VGPIO_QUEUE_EVENT)
		vgpio_irq_forget_held(w->irq);
	return vq_set_num(&q->vq, num);
}

static int vu_set_vring_addr(struct worker *w, struct vu_msg *msg)
{
	const struct vu_vring_addr *a = &msg->p.addr;
	unsigned int idx;
	int ret = vu_queue_index(msg, a->index, &idx);

	if (ret < 0)
		return ret;
	if (a->flags & 1) {
		log_err("SET_VRING_ADDR: dirty logging was not negotiated");
		return -EINVAL;
	}
	if (w->q[idx].started) {
		log_err("SET_VRING_ADDR on running queue %u", idx);
		return -EBUSY;
	}
	vq_set_addr(&w->q[idx].vq, a->desc_user_addr, a->avail_user_addr, a->used_user_addr);
	return wk_queue_try_start(w, idx);
}

static int vu_set_vring_base(struct worker *w, struct vu_msg *msg)
{
	unsigned int idx;
	struct wk_queue *q;
	int ret = vu_queue_index(msg, msg->p.state.index, &idx);

	if (ret < 0)
		return ret;
	q = &w->q[idx];
	if (q->started) {
		log_err("SET_VRING_BASE on running queue %u", idx);
		return -EBUSY;
	}
	if (msg->p.state.num > UINT16_MAX) {
		log_err("SET_VRING_BASE: index %u does not fit a split ring", msg->p.state.num);
		return -EINVAL;
	}
	/*
	 * A base other than the one we returned means a fresh ring (guest reset),
	 * not a resume: buffers we held belong to a ring that no longer exists.
	 */
	if (!q->base_returned || q->returned_base != msg->p.state.num) {
		if (idx == VGPIO_QUEUE_EVENT)
			vgpio_irq_forget_held(w->irq);
		vq_forget_inflight(&q->vq);
	}
	vq_set_base(&q->vq, (uint16_t)msg->p.state.num);
	return 0;
}

static int vu_get_vring_base(struct worker *w, struct vu_msg *msg)
{
	struct vu_vring_state st;
	unsigned int idx;
	int ret = vu_queue_index(msg, msg->p.state.index, &idx);

	if (ret < 0)
		return ret;
	if (idx == VGPIO_QUEUE_REQUEST && w->q[idx].started) {
		/* Answer every request taken from the ring before it stops. */
		ret = hc_quiesce(w);
		if (ret < 0)
			return ret;
		wk_fifo_flush(w);
		wk_notify_flush(w);
	}
	wk_queue_stop(w, idx);
	st.index = idx;
	st.num = w->q[idx].vq.last_avail_idx;
	w->q[idx].base_returned = true;
	w->q[idx].returned_base = (uint16_t)st.num;
	return vu_msg_send_reply(w->conn_fd, msg->hdr.request, &st, sizeof(st));
}

/* KICK/CALL/ERR: u64 with the queue index and a "no fd" flag. */
static int vu_vring_fd(struct vu_msg *msg, unsigned int *idx, int *fd)
{
	uint64_t v = msg->p.u64;
	int ret;

	if (v & ~(VU_VRING_IDX_MASK | VU_VRING_NOFD_MASK)) {
		log_err("%s: reserved bits set in %#llx", vu_request_name(msg->hdr.request),
			(unsigned long long)v);
		return -EINVAL;
	}
	ret = vu_queue_index(msg, (uint32_t)(v & VU_VRING_IDX_MASK), idx);
	if (ret < 0)
		return ret;
	if (v & VU_VRING_NOFD_MASK) {
		*fd = -1;
		return msg->nfds ? -EINVAL : 0;
	}
	if (msg->nfds != 1) {
		log_err("%s: expected one fd, got %u", vu_request_name(msg->hdr.request), msg->nfds);
		return -EINVAL;
	}
	*fd = vu_msg_take_fd(msg, 0);
	return 0;
}

static int vu_set_vring_kick(struct worker *w, struct vu_msg *msg)
{
	unsigned int idx;
	int fd, ret = vu_vring_fd(msg, &idx, &fd);

	if (ret < 0)
		return ret;
	if (fd < 0) {
		log_err("SET_VRING_KICK without fd: polling mode is not supported");
		return -EOPNOTSUPP;
	}
	return wk_queue_set_kick(w, idx, fd);
}

static int vu_set_vring_call(struct worker *w, struct vu_msg *msg)
{
	unsigned int idx;
	int fd, ret = vu_vring_fd(msg, &idx, &fd);

	if (ret < 0)
		return ret;
	if (w->q[idx].call_fd >= 0)
		close(w->q[idx].call_fd);
	w->q[idx].call_fd = fd;
	return 0;
}

static int vu_set_vring_err(struct worker *w, struct vu_msg *msg)
{
	unsigned int idx;
	int fd, ret = vu_vring_fd(msg, &idx, &fd);

	if (ret < 0)
		return ret;
	if (w->q[idx].err_fd >= 0)
		close(w->q[idx].err_fd);
	w->q[idx].err_fd = fd;
	return 0;
}

static int vu_set_vring_enable(struct worker *w, struct vu_msg *msg)
{
	unsigned int idx;
	int ret = vu_queue_index(msg, msg->p.state.index, &idx);

	if (ret < 0)
		return ret;
	if (msg->p.state.num > 1) {
		log_err("SET_VRING_ENABLE: value %u is neither 0 nor 1", msg->p.state.num);
		return -EINVAL;
	}
	w->q[idx].enabled = msg->p.state.num;
	if (idx == VGPIO_QUEUE_EVENT)
		wk_eventq_update_running(w);
	wk_queue_kicked(w, idx);
	return 0;
}

static int vu_get_config(struct worker *w, struct vu_msg *msg)
{
	struct vu_config *c = &msg->p.config;
	struct virtio_gpio_config cfg = {
		.ngpio = htole16(w->info.ngpio),
		.gpio_names_size = htole32(w->info.names_size),
	};

	/* offset + size <= VU_CONFIG_SPACE_MAX was checked on receipt. */
	memset(c->payload, 0, c->size);
	if (c->offset < sizeof(cfg)) {
		uint32_t n = sizeof(cfg) - c->offset;

		memcpy(c->payload, (uint8_t *)&cfg + c->offset, n < c->size ? n : c->size);
	}
	return vu_msg_send_reply(w->conn_fd, msg->hdr.request, c, VU_CONFIG_HDR_SIZE + c->size);
}

/* The gpio config space is read-only; writes are ignored, as on hardware. */
static int vu_set_config(struct worker *w, struct vu_msg *msg)
{
	(void)w;
	log_debug("SET_CONFIG offset %u size %u ignored (read-only config)",
		  msg->p.config.offset, msg->p.config.size);
	return 0;
}

static const struct vu_handler vu_handlers[VU_REQUEST_MAX] = {
	[VU_GET_FEATURES]		= { vu_get_features, true },
	[VU_SET_FEATURES]		= { vu_set_features, false },
	[VU_SET_OWNER]			= { vu_set_owner, false },
	[VU_RESET_OWNER]		= { vu_reset_owner, false },
	[VU_SET_MEM_TABLE]		= { vu_set_mem_table, false },
	[VU_SET_VRING_NUM]		= { vu_set_vring_num, false },
	[VU_SET_VRING_ADDR]		= { vu_set_vring_addr, false },
	[VU_SET_VRING_BASE]		= { vu_set_vring_base, false },
	[VU_GET_VRING_BASE]		= { vu_get_vring_base, true },
	[VU_SET_VRING_KICK]		= { vu_set_vring_kick, false },
	[VU_SET_VRING_CALL]		= { vu_set_vring_call, false },
	[VU_SET_VRING_ERR]		= { vu_set_vring_err, false },
	[VU_GET_PROTOCOL_FEATURES]	= { vu_get_protocol_features, true },
	[VU_SET_PROTOCOL_FEATURES]	= { vu_set_protocol_features, false },
	[VU_GET_QUEUE_NUM]		= { vu_get_queue_num, true },
	[VU_SET_VRING_ENABLE]		= { vu_set_vring_enable, false },
	[VU_GET_CONFIG]			= { vu_get_config, true },
	[VU_SET_CONFIG]			= { vu_set_config, false },
};

int vu_dispatch(struct worker *w, struct vu_msg *msg)
{
	uint32_t id = msg->hdr.request;
	const struct vu_handler *h = id < VU_REQUEST_MAX ? &vu_handlers[id] : NULL;
	bool ack = (msg->hdr.flags & VU_FLAG_NEED_REPLY) &&
		   (w->protocol_features & (1ull << VU_PROTOCOL_F_REPLY_ACK));
	int ret;

	if (!h || !h->fn) {
		log_err("unsupported request %s (id %u)", vu_request_name(id), id);
		ret = -EOPNOTSUPP;
	} else {
		log_debug("%s", vu_request_name(id));
		ret = h->fn(w, msg);
	}
	if (ack && !(h && h->has_reply)) {
		int sret = vu_reply_u64(w, msg, ret < 0 ? 1 : 0);

		if (ret == 0)
			ret = sret;
	}
	return ret;
}
