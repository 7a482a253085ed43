// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: the broker's command line (device/broker/cli.c), which also
 * runs the device list parser on --device-list.
 *
 * Input: one byte for the number of sockets systemd passed (0..3, socket
 * activation), then the arguments, separated by NUL bytes (argv[0] is
 * supplied).
 *
 * Checked: a refusal has a message; an accepted command line is
 * complete and consistent (one way of getting sockets, one device list
 * entry per socket, socket names that fit sockaddr_un).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "broker/cli.h"
#include "helper/devlist.h"
#include "fz.h"

#define FZ_CLI_MAX_ARGS	64

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_setup("fuzz-cli");
	return 0;
}

static void check_accepted(const struct broker_opts *o)
{
	char name[BROKER_SOCK_PATH_MAX];
	struct devlist dl;
	char err[256];

	if (o->help || o->version || o->print_capabilities || o->print_policy)
		return;
	FZ_ASSERT(o->device_list && o->ndevices >= 1 && o->ndevices <= IPC_MAX_DEVICES);
	FZ_ASSERT(o->ndevices == o->socket_count);
	FZ_ASSERT(devlist_parse(o->device_list, &dl, err, sizeof(err)) == 0);
	FZ_ASSERT(dl.n == o->ndevices);
	devlist_free(&dl);
	if (o->listen_fds) {
		FZ_ASSERT(!o->socket_path && o->fd < 0);
		FZ_ASSERT(o->socket_count == o->listen_fds);
		return;
	}
	FZ_ASSERT(!o->socket_path != (o->fd < 0));
	if (o->fd >= 0) {
		FZ_ASSERT(o->socket_count == 1);
		FZ_ASSERT(broker_socket_name(o, 0, name, sizeof(name)) == -EINVAL);
		return;
	}
	for (unsigned int i = 0; i < o->socket_count; i++) {
		FZ_ASSERT(broker_socket_name(o, i, name, sizeof(name)) == 0);
		FZ_ASSERT(strlen(name) < BROKER_SOCK_PATH_MAX && name[0]);
	}
	FZ_ASSERT(broker_socket_name(o, o->socket_count, name, sizeof(name)) == -EINVAL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = fz_in(data, size);
	unsigned int listen_fds = fz_u8(&in) % 4;
	char *argv[FZ_CLI_MAX_ARGS + 2];
	char *copy = malloc(in.n + 1), *p;
	char err[256];
	struct broker_opts o;
	int argc = 1, ret;

	if (!copy)
		return 0;
	memcpy(copy, in.p, in.n);
	copy[in.n] = '\0';
	argv[0] = "vhost-user-gpio";
	/* Words end at NUL bytes; the copy's last NUL ends the last word. */
	for (p = copy; p < copy + in.n && argc <= FZ_CLI_MAX_ARGS; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;

	ret = broker_cli_parse_activated(&o, argc, argv, listen_fds, err, sizeof(err));
	if (ret < 0) {
		FZ_ASSERT(ret == -EINVAL);
		FZ_ASSERT(err[0] != '\0' && memchr(err, '\0', sizeof(err)));
	} else {
		FZ_ASSERT(ret == 0);
		check_accepted(&o);
	}
	free(copy);
	return 0;
}
