// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * eventq state machine, see vgpio_irq.h for the rules. Every function takes
 * its line number from the guest or the helper, so each one checks it.
 *
 * Invariants kept by every function below:
 *  - a line is "unmasked" exactly while held is true; a head leaves this
 *    module at most once, because held is cleared before complete() runs;
 *  - VALID is only produced by line_eval(), which requires running, held
 *    and an edge latch or active level, i.e. type != NONE (VE1);
 *  - latched is only ever true for an edge type;
 *  - a head is in held_heads exactly while some line holds it, so a head
 *    offered again while we still hold it is recognised and never returned
 *    a second time (MUST 30: stale ring entries after a reconnect).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "ipc.h"
#include "virtio_gpio.h"
#include "vgpio_irq.h"

struct vgpio_line {
	uint64_t status_gpa;	/* valid while held */
	uint16_t head;		/* valid while held */
	uint8_t type;		/* VIRTIO_GPIO_IRQ_TYPE_*, always a known value */
	bool held;		/* we own an eventq buffer: the line is unmasked */
	bool latched;		/* a matching edge came while it could not be delivered */
	bool level;		/* last level the helper reported */
	bool reading;		/* a read_level() is unanswered: level may be stale */
};

#define HEAD_WORDS	((UINT16_MAX + 1) / 64)

struct vgpio_irq {
	struct vgpio_irq_sink sink;
	bool running;		/* rings started: completing is allowed */
	uint16_t ngpio;
	uint64_t held_heads[HEAD_WORDS];	/* bit per head id held by any line */
	struct vgpio_line lines[];
};

static bool head_is_held(const struct vgpio_irq *irq, uint16_t head)
{
	return irq->held_heads[head / 64] & (UINT64_C(1) << (head % 64));
}

static void head_mark(struct vgpio_irq *irq, uint16_t head, bool held)
{
	if (held)
		irq->held_heads[head / 64] |= UINT64_C(1) << (head % 64);
	else
		irq->held_heads[head / 64] &= ~(UINT64_C(1) << (head % 64));
}

static bool type_is_edge(uint8_t type)
{
	return type == VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING ||
	       type == VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING ||
	       type == VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH;
}

static bool type_is_level(uint8_t type)
{
	return type == VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH || type == VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW;
}

/*
 * The helper accepted the type, but it is still data from another process:
 * anything unknown is stored as NONE, so no VALID can come from it.
 */
static uint8_t type_sanitize(uint8_t type)
{
	if (type_is_edge(type) || type_is_level(type))
		return type;
	if (type != VIRTIO_GPIO_IRQ_TYPE_NONE)
		log_warn("irq: unknown trigger type %u treated as NONE", type);
	return VIRTIO_GPIO_IRQ_TYPE_NONE;
}

static bool edge_matches(uint8_t type, uint8_t edge)
{
	/* @edge is a set: the helper coalesces a line's edges into one report. */
	switch (type) {
	case VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING:
		return edge & IPC_EDGE_RISING;
	case VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING:
		return edge & IPC_EDGE_FALLING;
	case VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH:
		return edge & (IPC_EDGE_RISING | IPC_EDGE_FALLING);
	default:
		return false;
	}
}

static bool level_active(const struct vgpio_line *l)
{
	if (l->type == VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH)
		return l->level;
	if (l->type == VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW)
		return !l->level;
	return false;
}

/*
 * Hand the held buffer back. The line is fully updated first (masked, latch
 * consumed) so that a sink which calls back into us sees a consistent line
 * and cannot complete the same head again.
 */
static void line_complete(struct vgpio_irq *irq, struct vgpio_line *l, uint8_t status)
{
	uint16_t head = l->head;
	uint64_t gpa = l->status_gpa;

	l->held = false;
	l->head = 0;
	l->status_gpa = 0;
	head_mark(irq, head, false);
	if (status == VIRTIO_GPIO_IRQ_STATUS_VALID)
		l->latched = false;
	irq->sink.complete(irq->sink.ctx, head, gpa, status);
}

/* Deliver if the line is enabled, unmasked and has something to report. */
static void line_eval(struct vgpio_irq *irq, struct vgpio_line *l)
{
	bool fire;

	if (!irq->running || !l->held)
		return;
	if (type_is_edge(l->type))
		fire = l->latched;
	else
		fire = !l->reading && level_active(l);	/* false for NONE */
	if (fire)
		line_complete(irq, l, VIRTIO_GPIO_IRQ_STATUS_VALID);
}

/* NULL for an out-of-range line: peers may send anything. */
static struct vgpio_line *line_get(struct vgpio_irq *irq, uint16_t gpio)
{
	if (gpio >= irq->ngpio)
		return NULL;
	return &irq->lines[gpio];
}

static const struct vgpio_line *line_cget(const struct vgpio_irq *irq, uint16_t gpio)
{
	if (gpio >= irq->ngpio)
		return NULL;
	return &irq->lines[gpio];
}

struct vgpio_irq *vgpio_irq_new(uint16_t ngpio, const struct vgpio_irq_sink *sink)
{
	struct vgpio_irq *irq;

	if (ngpio == 0 || !sink || !sink->complete) {
		errno = EINVAL;
		return NULL;
	}
	/* At most 65535 small lines: no overflow. All start NONE, masked. */
	irq = calloc(1, sizeof(*irq) + (size_t)ngpio * sizeof(irq->lines[0]));
	if (!irq)
		return NULL;
	irq->sink = *sink;
	irq->ngpio = ngpio;
	irq->running = false;
	return irq;
}

void vgpio_irq_free(struct vgpio_irq *irq)
{
	free(irq);
}

void vgpio_irq_set_running(struct vgpio_irq *irq, bool running)
{
	irq->running = running;
	if (!running)
		return;
	/* Deliver what accumulated while stopped. A sink may stop us again. */
	for (uint32_t i = 0; i < irq->ngpio && irq->running; i++)
		line_eval(irq, &irq->lines[i]);
}

/*
 * A buffer we can neither hold nor return now. Completing it while stopped
 * would write guest memory in the suspended state, so it is dropped; the
 * worker does not pop while stopped, so this only follows a caller bug.
 */
static void buffer_reject(struct vgpio_irq *irq, uint16_t gpio, uint16_t head,
			  uint64_t status_gpa, const char *why)
{
	if (!irq->running) {
		log_warn("irq: eventq head %u (line %u, %s) popped while stopped: dropped",
			 head, gpio, why);
		return;
	}
	log_debug("irq: eventq head %u for line %u returned INVALID: %s", head, gpio, why);
	irq->sink.complete(irq->sink.ctx, head, status_gpa, VIRTIO_GPIO_IRQ_STATUS_INVALID);
}

void vgpio_irq_buffer(struct vgpio_irq *irq, uint16_t gpio, uint16_t head, uint64_t status_gpa)
{
	struct vgpio_line *l = line_get(irq, gpio);

	if (head_is_held(irq, head)) {
		/*
		 * The ring handed us a head we still own: an old entry seen
		 * again, not a new buffer. Completing it would return it twice.
		 */
		log_debug("irq: eventq head %u (line %u) is already held: ignored", head, gpio);
		return;
	}
	if (!l) {
		buffer_reject(irq, gpio, head, status_gpa, "no such line");
		return;
	}
	if (l->held) {
		/* DE4 broken by the guest: the held buffer keeps the line. */
		buffer_reject(irq, gpio, head, status_gpa, "line already holds a buffer");
		return;
	}
	/*
	 * Held even when the type is NONE: bouncing it would make Linux
	 * re-queue it at once, in a loop, until the enable arrives (digest §2.6).
	 */
	l->held = true;
	l->head = head;
	l->status_gpa = status_gpa;
	head_mark(irq, head, true);
	/*
	 * A level trigger reports the level now, not the last edge's: the
	 * helper may not have read an edge yet, or the chip may have dropped
	 * some. The buffer waits for the read; one read at a time per line.
	 */
	if (type_is_level(l->type) && irq->sink.read_level) {
		if (!l->reading) {
			l->reading = true;
			irq->sink.read_level(irq->sink.ctx, gpio);
		}
		return;
	}
	line_eval(irq, l);
}

void vgpio_irq_level(struct vgpio_irq *irq, uint16_t gpio, bool ok, uint8_t level)
{
	struct vgpio_line *l = line_get(irq, gpio);

	if (!l)
		return;
	l->reading = false;
	if (ok)
		l->level = level != 0;
	line_eval(irq, l);
}

/* Disable: drop the latch and return the held buffer (VE2, VR10). */
static void line_disable(struct vgpio_irq *irq, struct vgpio_line *l)
{
	l->type = VIRTIO_GPIO_IRQ_TYPE_NONE;
	l->latched = false;
	/*
	 * While stopped the ring cannot be written; the buffer stays held and,
	 * with type NONE, can only go back INVALID or be used after an enable.
	 */
	if (l->held && irq->running)
		line_complete(irq, l, VIRTIO_GPIO_IRQ_STATUS_INVALID);
}

void vgpio_irq_set_type(struct vgpio_irq *irq, uint16_t gpio, uint8_t type, uint8_t level)
{
	struct vgpio_line *l = line_get(irq, gpio);

	if (!l)
		return;
	type = type_sanitize(type);
	l->level = level != 0;
	if (type == VIRTIO_GPIO_IRQ_TYPE_NONE) {
		line_disable(irq, l);
		return;
	}
	/*
	 * Only edges after the (re)configuration count; this also covers Linux
	 * changing the trigger without going through NONE, which keeps the
	 * held buffer.
	 */
	l->type = type;
	l->latched = false;
	line_eval(irq, l);
}

void vgpio_irq_restore(struct vgpio_irq *irq, uint16_t gpio, uint8_t type, uint8_t level)
{
	struct vgpio_line *l = line_get(irq, gpio);

	if (!l)
		return;
	l->type = type_sanitize(type);
	l->level = level != 0;
	l->latched = false;
}

void vgpio_irq_edge(struct vgpio_irq *irq, uint16_t gpio, uint8_t edge, uint8_t level)
{
	struct vgpio_line *l = line_get(irq, gpio);

	if (!l)
		return;
	l->level = level != 0;
	if (type_is_edge(l->type)) {
		if (!edge_matches(l->type, edge))
			return;
		/* Latch first: line_eval() consumes it only if it can deliver. */
		l->latched = true;
	}
	/* Level types never latch (VR9); they fire on the recorded level. */
	line_eval(irq, l);
}

void vgpio_irq_release(struct vgpio_irq *irq, uint16_t gpio)
{
	struct vgpio_line *l = line_get(irq, gpio);

	if (l)
		line_disable(irq, l);
}

void vgpio_irq_forget_held(struct vgpio_irq *irq)
{
	for (uint32_t i = 0; i < irq->ngpio; i++) {
		struct vgpio_line *l = &irq->lines[i];

		l->held = false;
		l->head = 0;
		l->status_gpa = 0;
	}
	memset(irq->held_heads, 0, sizeof(irq->held_heads));
}

uint8_t vgpio_irq_type(const struct vgpio_irq *irq, uint16_t gpio)
{
	const struct vgpio_line *l = line_cget(irq, gpio);

	return l ? l->type : VIRTIO_GPIO_IRQ_TYPE_NONE;
}

bool vgpio_irq_is_held(const struct vgpio_irq *irq, uint16_t gpio)
{
	const struct vgpio_line *l = line_cget(irq, gpio);

	return l && l->held;
}

bool vgpio_irq_is_latched(const struct vgpio_irq *irq, uint16_t gpio)
{
	const struct vgpio_line *l = line_cget(irq, gpio);

	return l && l->latched;
}

bool vgpio_irq_is_reading(const struct vgpio_irq *irq, uint16_t gpio)
{
	const struct vgpio_line *l = line_cget(irq, gpio);

	return l && l->reading;
}
