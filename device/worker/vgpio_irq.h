/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The eventq state machine of one virtio-gpio device (VIRTIO 1.2 §5.18.6.4,
 * digest §1.10, §2.6-2.8, MUSTs 12-19 and 31). Pure logic: it never touches
 * a ring. Buffers are identified by (head, status_gpa); the sink returns them.
 *
 * Per line: the trigger type (NONE = disabled), at most one held buffer
 * (= unmasked), an edge latch, and the last known level.
 *  - Edge types latch matching edges from set_type on, held buffer or not;
 *    latched edges coalesce into one VALID delivery.
 *  - Level types never latch; a held buffer fires VALID when the line is at
 *    its active level (on every level change, on set_type, and on arrival:
 *    with a read_level sink the line is read again when a buffer arrives
 *    and the buffer waits for that answer, vgpio_irq_level(), because the
 *    last edge seen may be older than the line's level now).
 *  - set_type(NONE) / release: drop the latch and return the held buffer
 *    INVALID. Buffers for disabled lines are held, not bounced.
 *  - Out-of-range line: the buffer goes back INVALID at once. A second buffer
 *    for a line that holds one: the newcomer goes back INVALID.
 *  - While not running (rings stopped), nothing is completed: edges latch
 *    and levels are recorded; set_running(true) re-evaluates every line.
 */
#ifndef VGPIO_IRQ_H
#define VGPIO_IRQ_H

#include <stdbool.h>
#include <stdint.h>

struct vgpio_irq_sink {
	/* Return eventq buffer @head, writing @status to the byte at @status_gpa. */
	void (*complete)(void *ctx, uint16_t head, uint64_t status_gpa, uint8_t status);
	/*
	 * Optional: read @gpio's level now and answer with vgpio_irq_level().
	 * NULL: level triggers use the level of the last edge or set_type.
	 */
	void (*read_level)(void *ctx, uint16_t gpio);
	void *ctx;
};

struct vgpio_irq;

/* NULL with errno on failure. All lines start with type NONE, no buffer. */
struct vgpio_irq *vgpio_irq_new(uint16_t ngpio, const struct vgpio_irq_sink *sink);
void vgpio_irq_free(struct vgpio_irq *irq);

/* Rings running (true) or stopped (false). Starts stopped. */
void vgpio_irq_set_running(struct vgpio_irq *irq, bool running);

/* An eventq buffer arrived for @gpio (any value: it is guest input). */
void vgpio_irq_buffer(struct vgpio_irq *irq, uint16_t gpio, uint16_t head, uint64_t status_gpa);

/*
 * SET_IRQ_TYPE was accepted by the helper: @type is the new trigger, @level
 * the line's level now. A change between two non-NONE types keeps the held
 * buffer (Linux does it without NONE in between). Enabling clears the latch:
 * only edges after this call count.
 */
void vgpio_irq_set_type(struct vgpio_irq *irq, uint16_t gpio, uint8_t type, uint8_t level);

/* Restore a line's type at session start (no completion, no latch). */
void vgpio_irq_restore(struct vgpio_irq *irq, uint16_t gpio, uint8_t type, uint8_t level);

/* The helper saw @edge (IPC_EDGE_* bits) on @gpio; @level is the level after it. */
void vgpio_irq_edge(struct vgpio_irq *irq, uint16_t gpio, uint8_t edge, uint8_t level);

/*
 * Answer to a read_level() call: @ok false if the read failed (the last
 * known level stands). Any line number is accepted (checked here).
 */
void vgpio_irq_level(struct vgpio_irq *irq, uint16_t gpio, bool ok, uint8_t level);

/* SET_DIRECTION(NONE): the line is released; same as set_type(NONE). */
void vgpio_irq_release(struct vgpio_irq *irq, uint16_t gpio);

/* The guest reset the ring: forget held buffers without completing them. */
void vgpio_irq_forget_held(struct vgpio_irq *irq);

uint8_t vgpio_irq_type(const struct vgpio_irq *irq, uint16_t gpio);
bool vgpio_irq_is_held(const struct vgpio_irq *irq, uint16_t gpio);
bool vgpio_irq_is_latched(const struct vgpio_irq *irq, uint16_t gpio);
/* A read_level() for @gpio is unanswered. */
bool vgpio_irq_is_reading(const struct vgpio_irq *irq, uint16_t gpio);

#endif /* VGPIO_IRQ_H */
