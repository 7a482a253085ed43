// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: the device list (device/helper/devlist.c) and, for each
 * simulated chip it describes, the helper's device set-up that applies the
 * access policy and builds the names block (device/helper/dev.c,
 * lineops.c's DEVICE_INFO payload).
 *
 * Input: the --device-list text (cut at the first NUL).
 *
 * Checked: a refused list has a message and nothing allocated; a parsed one
 * keeps the grammar's promises (no line twice, input-only lines visible,
 * names short, clean and distinct); the chip checks hold for the lines the
 * guest sees; an opened simulated device shows exactly that many lines, a
 * names block of one NUL-terminated name per line, and a DEVICE_INFO body
 * that matches it.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "helper/chip.h"
#include "helper/devlist.h"
#include "helper/helper.h"
#include "virtio_gpio.h"
#include "fz.h"

/* Simulated chips up to this many lines are opened. */
#define FZ_SIM_MAX	2048

/* Line counts the host-chip checks are tried with. */
static const unsigned int chip_sizes[] = { 1, 8, 64, 1024, 65535, DEVLIST_HOST_LINES };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_setup("fuzz-devlist");
	return 0;
}

static bool name_clean(const char *n)
{
	size_t len = strnlen(n, DEVLIST_NAME_MAX + 1);

	if (len > DEVLIST_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = n[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

/* A bit per host line, all clear between calls of check_policy(). */
static uint64_t in_lines[DEVLIST_HOST_LINES / 64], in_input[DEVLIST_HOST_LINES / 64];

static bool bit_test(const uint64_t *map, uint16_t bit)
{
	return map[bit / 64] & (UINT64_C(1) << (bit % 64));
}

static void bit_set(uint64_t *map, uint16_t bit)
{
	map[bit / 64] |= UINT64_C(1) << (bit % 64);
}

static void bit_clear(uint64_t *map, uint16_t bit)
{
	map[bit / 64] &= ~(UINT64_C(1) << (bit % 64));
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every name clean, the non-empty ones distinct (sorted, neighbours compared). */
static void check_names_distinct(const struct devlist_policy *pol)
{
	const char **sorted = malloc(pol->nnames * sizeof(*sorted) + 1);
	unsigned int n = 0;

	FZ_ASSERT(sorted);
	for (unsigned int i = 0; i < pol->nnames; i++) {
		FZ_ASSERT(name_clean(pol->name[i]));
		if (pol->name[i][0])
			sorted[n++] = pol->name[i];
	}
	qsort(sorted, n, sizeof(*sorted), name_cmp);
	for (unsigned int i = 1; i < n; i++)
		FZ_ASSERT(strcmp(sorted[i - 1], sorted[i]) != 0);
	free(sorted);
}

static void check_policy(const struct devlist_entry *e)
{
	const struct devlist_policy *pol = &e->pol;

	FZ_ASSERT(pol->nlines <= IPC_MAX_LINES && pol->ninput <= IPC_MAX_LINES);
	/* Lists can be 65535 long ("input-only=0-65534"): linear checks, not pairwise. */
	for (unsigned int i = 0; i < pol->nlines; i++) {
		FZ_ASSERT(!bit_test(in_lines, pol->line[i]));
		bit_set(in_lines, pol->line[i]);
	}
	for (unsigned int i = 0; i < pol->ninput; i++) {
		FZ_ASSERT(!bit_test(in_input, pol->input[i]));
		bit_set(in_input, pol->input[i]);
		FZ_ASSERT(!pol->nlines || bit_test(in_lines, pol->input[i]));
	}
	for (unsigned int i = 0; i < pol->nlines; i++)
		bit_clear(in_lines, pol->line[i]);
	for (unsigned int i = 0; i < pol->ninput; i++)
		bit_clear(in_input, pol->input[i]);
	FZ_ASSERT(!pol->nlines || !pol->nnames || pol->nnames == pol->nlines);
	check_names_distinct(pol);
	if (e->kind == DEVLIST_SIM)
		FZ_ASSERT(e->num >= 1 && e->num <= IPC_MAX_LINES);
	if (e->kind == DEVLIST_PATH || e->kind == DEVLIST_LABEL)
		FZ_ASSERT(e->spec && e->spec[0]);
}

static void check_chip_sizes(const struct devlist_entry *e, unsigned int idx)
{
	for (unsigned int s = 0; s < sizeof(chip_sizes) / sizeof(chip_sizes[0]); s++) {
		unsigned int ngpio = chip_sizes[s], visible;
		char err[256] = "";

		if (devlist_check_chip(e, idx, ngpio, err, sizeof(err)) < 0) {
			FZ_ASSERT(err[0] != '\0');
			continue;
		}
		visible = devlist_visible(e, ngpio);
		FZ_ASSERT(visible >= 1 && visible <= IPC_MAX_LINES);
		for (unsigned int i = 0; i < e->pol.nlines; i++)
			FZ_ASSERT(e->pol.line[i] < ngpio);
		for (unsigned int i = 0; i < e->pol.ninput; i++)
			FZ_ASSERT(e->pol.input[i] < ngpio);
		FZ_ASSERT(!e->pol.nnames || e->pol.nnames == visible);
	}
}

/* The names block: ngpio NUL-terminated strings, printable, non-empty ones distinct. */
static void check_names(const struct helper_dev *dev)
{
	const char *p = (const char *)dev->names;
	uint32_t off = 0;

	if (!dev->names_size) {
		FZ_ASSERT(!dev->names);
		return;
	}
	for (unsigned int i = 0; i < dev->ngpio; i++) {
		size_t len;

		FZ_ASSERT(off < dev->names_size);
		len = strnlen(p + off, dev->names_size - off);
		FZ_ASSERT(off + len < dev->names_size);
		FZ_ASSERT(len <= DEVLIST_NAME_MAX);
		for (size_t k = 0; k < len; k++)
			FZ_ASSERT(p[off + k] > 0x20 && p[off + k] < 0x7f);
		off += (uint32_t)len + 1;
	}
	FZ_ASSERT(off == dev->names_size);
}

static void open_sim(struct helper *h, const struct devlist_entry *e, unsigned int idx)
{
	struct helper_dev *dev = &h->devs[idx];
	struct ipc_device_info info;
	uint8_t *body;

	if (helper_dev_open(h, dev, idx, e, -1) < 0)
		return;
	FZ_ASSERT(dev->ngpio == devlist_visible(e, e->num));
	for (unsigned int i = 0; i < dev->ngpio; i++) {
		FZ_ASSERT(dev->host_line[i] < dev->chip->ngpio);
		FZ_ASSERT(dev->guest_line[dev->host_line[i]] == i);
		FZ_ASSERT(dev->irq_type[i] == VIRTIO_GPIO_IRQ_TYPE_NONE);
	}
	check_names(dev);
	FZ_ASSERT(helper_device_info(dev, &info, &body) == 0);
	FZ_ASSERT(le16toh(info.ngpio) == dev->ngpio && le32toh(info.names_size) == dev->names_size);
	FZ_ASSERT(info.reserved == 0);
	for (unsigned int i = 0; i < dev->ngpio; i++)
		FZ_ASSERT(body[2 * i] == VIRTIO_GPIO_IRQ_TYPE_NONE && body[2 * i + 1] <= 1);
	FZ_ASSERT(!dev->names_size || !memcmp(body + 2 * dev->ngpio, dev->names, dev->names_size));
	free(body);
	helper_dev_close(dev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct devlist dl;
	static struct helper_dev devs[IPC_MAX_DEVICES];
	struct helper h = { .devs = devs, .ndevs = 0 };
	char err[256] = "";
	char *text = strndup((const char *)data, size);

	if (!text)
		return 0;
	if (devlist_parse(text, &dl, err, sizeof(err)) < 0) {
		FZ_ASSERT(err[0] != '\0' && memchr(err, '\0', sizeof(err)));
		FZ_ASSERT(dl.n == 0);
		free(text);
		return 0;
	}
	FZ_ASSERT(dl.n >= 1 && dl.n <= IPC_MAX_DEVICES);
	for (unsigned int i = 0; i < dl.n; i++) {
		char desc[DEVLIST_PATH_MAX + 32];

		check_policy(&dl.entry[i]);
		check_chip_sizes(&dl.entry[i], i);
		devlist_describe(&dl.entry[i], desc, sizeof(desc));
		/* Names are checked pairwise at open: big chips take seconds. */
		if (dl.entry[i].kind == DEVLIST_SIM && dl.entry[i].num <= FZ_SIM_MAX)
			open_sim(&h, &dl.entry[i], i);
	}
	devlist_free(&dl);
	FZ_ASSERT(dl.n == 0);
	free(text);
	return 0;
}
