// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The host chip backend, opening: which chip the device-list entry names
 * (/dev/gpiochipN, a path, or the one chip with a label), its line count,
 * and the names and "in use" notes of the lines the guest will see. All of
 * it runs before the helper jails itself (see chip_gpiod.c for what runs
 * after).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gpiod.h>

#include "helper/chip_gpiod.h"
#include "helper/chip_gpiod_int.h"
#include "helper/devlist.h"
#include "log.h"

/* label=NAME: the one chip under /dev whose label is NAME. */
static int find_label(const char *label, unsigned int index, char *path, size_t len,
		      const char **why)
{
	char p[DEVLIST_PATH_MAX + 8], seen[512] = "";
	unsigned int matches = 0;
	struct dirent *de;
	size_t off = 0;
	DIR *d;

	d = opendir("/dev");
	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		struct gpiod_chip_info *info;
		struct gpiod_chip *c;

		if (strncmp(de->d_name, "gpiochip", 8) != 0)
			continue;
		snprintf(p, sizeof(p), "/dev/%s", de->d_name);
		if (!gpiod_is_gpiochip_device(p))
			continue;
		c = gpiod_chip_open(p);
		info = c ? gpiod_chip_get_info(c) : NULL;
		if (info) {
			const char *l = gpiod_chip_info_get_label(info);
			int n = snprintf(seen + off, sizeof(seen) - off, "%s%s \"%s\"",
					 off ? ", " : "", de->d_name, l);

			if (n > 0 && off + (size_t)n < sizeof(seen))
				off += (size_t)n;
			if (strcmp(l, label) == 0 && matches++ == 0)
				snprintf(path, len, "%s", p);
		}
		gpiod_chip_info_free(info);
		gpiod_chip_close(c);
	}
	closedir(d);
	if (matches == 1)
		return 0;
	log_err("device %u: GPIO chips here: %s", index, off ? seen : "none");
	*why = matches ? "more than one GPIO chip has this label" : "no GPIO chip has this label";
	return -EINVAL;
}

static int open_chip(struct chip_gpiod *g, const struct devlist_entry *e, const char **why)
{
	char path[DEVLIST_PATH_MAX + 8];
	struct stat st;
	int ret;

	if (e->kind == DEVLIST_HOST) {
		snprintf(path, sizeof(path), "/dev/gpiochip%u", e->num);
	} else if (e->kind == DEVLIST_PATH) {
		snprintf(path, sizeof(path), "%s", e->spec);
	} else {
		ret = find_label(e->spec, g->index, path, sizeof(path), why);
		if (ret < 0)
			return ret;
	}
	g->gc = gpiod_chip_open(path);
	if (!g->gc) {
		switch (errno) {
		case ENOENT:
			*why = "no such file";
			return -EINVAL;
		case ENOTTY:
			*why = "not a character device";
			return -EINVAL;
		case ENODEV:
			*why = "not a GPIO chip";
			return -EINVAL;
		default:
			return errno ? -errno : -EIO;
		}
	}
	if (fstat(gpiod_chip_get_fd(g->gc), &st) < 0)
		return -errno;
	g->chip.host_id = (uint64_t)st.st_rdev + 1;
	return 0;
}

/* Names and "in use" notes of the lines the guest will see. */
static int read_lines(struct chip_gpiod *g, const struct devlist_entry *e)
{
	unsigned int visible = devlist_visible(e, g->chip.ngpio);

	for (unsigned int i = 0; i < visible; i++) {
		unsigned int line = e->pol.nlines ? e->pol.line[i] : i;
		struct gpiod_line_info *info;
		const char *name;

		if (line >= g->chip.ngpio)
			continue;	/* the core refuses the entry with a message */
		info = gpiod_chip_get_line_info(g->gc, line);
		if (!info)
			return -errno;
		name = gpiod_line_info_get_name(info);
		if (name && *name) {
			g->lines[line].name = strdup(name);
			if (!g->lines[line].name) {
				gpiod_line_info_free(info);
				return -ENOMEM;
			}
		}
		if (gpiod_line_info_is_used(info)) {
			const char *who = gpiod_line_info_get_consumer(info);

			log_warn("device %u: host line %u (guest line %u) is in use by \"%s\": "
				 "the guest's requests on it fail until it is released", g->index,
				 line, i, who ? who : "?");
			g->lines[line].busy_logged = true;
		}
		gpiod_line_info_free(info);
	}
	return 0;
}

struct chip *chip_gpiod_open(const struct devlist_entry *entry, unsigned int index,
			     const char **why)
{
	struct gpiod_chip_info *info;
	struct chip_gpiod *g;
	size_t n;
	int ret;

	*why = NULL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->chip.ops = &chip_gpiod_ops;
	g->index = index;
	g->epfd = -1;
	ret = open_chip(g, entry, why);
	if (ret < 0)
		goto fail;
	info = gpiod_chip_get_info(g->gc);
	if (!info) {
		ret = -errno;
		goto fail;
	}
	n = gpiod_chip_info_get_num_lines(info);
	log_info("device %u: %s is %s \"%s\" with %zu lines", index,
		 gpiod_chip_get_path(g->gc), gpiod_chip_info_get_name(info),
		 gpiod_chip_info_get_label(info), n);
	gpiod_chip_info_free(info);
	if (n < 1 || n > DEVLIST_HOST_LINES) {
		*why = "the chip reports an impossible number of lines";
		ret = -ERANGE;
		goto fail;
	}
	g->chip.ngpio = (unsigned int)n;
	g->chip.max_runtime_fds = devlist_visible(entry, g->chip.ngpio);
	g->lines = calloc(n, sizeof(*g->lines));
	g->settings = gpiod_line_settings_new();
	g->lcfg = gpiod_line_config_new();
	g->rcfg = gpiod_request_config_new();
	g->evbuf = gpiod_edge_event_buffer_new(GPIOD_EVENTS_MAX);
	g->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!g->lines || !g->settings || !g->lcfg || !g->rcfg || !g->evbuf || g->epfd < 0) {
		ret = g->epfd < 0 ? -errno : -ENOMEM;
		goto fail;
	}
	gpiod_request_config_set_consumer(g->rcfg, GPIOD_CONSUMER);
	ret = read_lines(g, entry);
	if (ret < 0)
		goto fail;
	return &g->chip;
fail:
	chip_gpiod_close(&g->chip);
	errno = -ret;
	return NULL;
}
