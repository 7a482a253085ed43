// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vhost-user-gpio-helper: owns the GPIO chips and serves line operations to
 * the workers. Started by the broker with one end of the control channel;
 * the broker hands it one session socket per worker connection.
 *
 * Life cycle: parse the command line, open every chip of the device list,
 * open the simulation control socket, enter the jail (sandbox/jail.h: mount,
 * net and ipc namespaces, empty read-only root, rlimits, no capabilities,
 * no_new_privs, seccomp policy "helper"; the broker already cloned us into
 * a pid namespace), send IPC_EVT_HELPER_READY (so READY also means the
 * control socket accepts connections and the jail is in place), then serve
 * until the broker closes the control channel (exit 0) or SIGTERM/SIGINT
 * (exit 0). Usage and device list errors exit 2, other setup failures 1.
 *
 * What the jail leaves us is what the chips need: their fds are open, and
 * GPIO ioctls on an open chip or line fd need no capability.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "../../sandbox/jail.h"
#include "helper/chip.h"
#include "helper/devlist.h"
#include "helper/helper.h"
#include "log.h"

#define HELPER_EXIT_USAGE	2

struct helper_opts {
	int control_fd;
	int report_fd;		/* SIGSYS report pipe to the broker, -1 = none */
	const char *device_list;
	const char *sim_control;
	int log_level;
	bool no_sandbox;
	const char *seccomp_policy_dir;	/* NULL: the default (sandbox/jail_seccomp.c) */
	bool seccomp_log;
	bool no_line_caps;
	const char *state_fds;	/* --state-fds: one fd per device, or NULL */
	int state_fd[IPC_MAX_DEVICES];
	unsigned int nstate_fds;
};

/* Removes the sim-control socket once we are jailed (sandbox/jail_unlink.c). */
static struct jail_unlinker helper_unlinker;

static void helper_usage(FILE *f)
{
	fprintf(f,
		"usage: vhost-user-gpio-helper --control-fd N --device-list LIST\n"
		"                              [--sim-control PATH] [--log-level LEVEL]\n"
		"                              [--report-fd N] [--no-sandbox]\n"
		"                              [--seccomp-policy-dir DIR] [--seccomp-log]\n"
		"                              [--no-line-caps] [--state-fds N,N,...]\n"
		"  LIST   entries separated by ':'; sN = simulated chip with N lines,\n"
		"         N = /dev/gpiochipN, /PATH = a GPIO chip device, label=NAME = the\n"
		"         chip with that label; each may add ,lines=SET ,input-only=SET\n"
		"         ,names=A+B+... (SET: 0-3+7) (e.g. s8:s32 or 0,lines=0-3+7)\n"
		"  LEVEL  error, warn, info (default) or debug\n"
		"  --report-fd N   pipe for the seccomp report (given by the broker)\n"
		"  --no-sandbox    for debugging only: no namespaces, capability drop\n"
		"                  or seccomp\n"
		"  --seccomp-policy-dir DIR  where helper.policy is (given by the broker)\n"
		"  --seccomp-log   audit mode: violations are logged, not fatal\n"
		"  --no-line-caps  workers ask for every line operation; no GPIO fd or\n"
		"                  value table is handed to them\n"
		"  --state-fds N,..  one line-state memfd per device, kept across helper\n"
		"                  restarts (given by the broker)\n");
}

/* A non-negative fd number; false after logging what is wrong with @arg. */
static bool helper_parse_fd(const char *opt, const char *arg, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 0 || v > INT_MAX) {
		log_err("%s: bad fd number \"%s\"", opt, arg);
		return false;
	}
	*out = (int)v;
	return true;
}

/* --state-fds: exactly one state memfd (ipc.h) per device of the list. */
static int helper_parse_state_fds(struct helper_opts *o, unsigned int ndevices)
{
	const char *p = o->state_fds;

	if (!p)
		return 0;
	while (*p) {
		char *end;
		long v;

		errno = 0;
		v = strtol(p, &end, 10);
		if (errno || end == p || v < 0 || v > INT_MAX || (*end && *end != ',') ||
		    o->nstate_fds == IPC_MAX_DEVICES) {
			log_err("--state-fds: bad list \"%s\"", o->state_fds);
			return -EINVAL;
		}
		if (helper_state_check_fd((int)v) < 0) {
			log_err("--state-fds: fd %ld is not a line-state memfd of %d bytes", v,
				IPC_STATE_SIZE);
			return -EINVAL;
		}
		o->state_fd[o->nstate_fds++] = (int)v;
		p = *end ? end + 1 : end;
	}
	if (o->nstate_fds != ndevices) {
		log_err("--state-fds: %u fds for %u devices", o->nstate_fds, ndevices);
		return -EINVAL;
	}
	return 0;
}

/* Returns 0, or the exit status when the program should stop. */
static int helper_parse_args(int argc, char **argv, struct helper_opts *o)
{
	static const struct option longopts[] = {
		{ "control-fd", required_argument, NULL, 'c' },
		{ "device-list", required_argument, NULL, 'l' },
		{ "sim-control", required_argument, NULL, 's' },
		{ "log-level", required_argument, NULL, 'v' },
		{ "report-fd", required_argument, NULL, 'r' },
		{ "no-sandbox", no_argument, NULL, 'n' },
		{ "seccomp-policy-dir", required_argument, NULL, 'p' },
		{ "seccomp-log", no_argument, NULL, 'L' },
		{ "no-line-caps", no_argument, NULL, 'C' },
		{ "state-fds", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct helper_opts){ .control_fd = -1, .report_fd = -1,
				   .log_level = LOG_LVL_INFO };
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (!helper_parse_fd("--control-fd", optarg, &o->control_fd))
				return HELPER_EXIT_USAGE;
			break;
		case 'r':
			if (!helper_parse_fd("--report-fd", optarg, &o->report_fd))
				return HELPER_EXIT_USAGE;
			break;
		case 'n':
			o->no_sandbox = true;
			break;
		case 'p':
			o->seccomp_policy_dir = optarg;
			break;
		case 'L':
			o->seccomp_log = true;
			break;
		case 'C':
			o->no_line_caps = true;
			break;
		case 'S':
			o->state_fds = optarg;
			break;
		case 'l':
			o->device_list = optarg;
			break;
		case 's':
			o->sim_control = optarg;
			break;
		case 'v':
			o->log_level = log_level_parse(optarg);
			if (o->log_level < 0) {
				log_err("--log-level: unknown level \"%s\" (error, warn, info, debug)",
					optarg);
				return HELPER_EXIT_USAGE;
			}
			break;
		case 'h':
			helper_usage(stdout);
			return -1;
		default:
			log_err("unknown or incomplete option \"%s\"", argv[optind - 1]);
			helper_usage(stderr);
			return HELPER_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		log_err("unexpected argument \"%s\"", argv[optind]);
		return HELPER_EXIT_USAGE;
	}
	if (o->control_fd < 0 || !o->device_list) {
		log_err("--control-fd and --device-list are required");
		helper_usage(stderr);
		return HELPER_EXIT_USAGE;
	}
	if (jail_seccomp_configure(o->seccomp_policy_dir, o->seccomp_log) < 0) {
		log_err("--seccomp-policy-dir: path too long");
		return HELPER_EXIT_USAGE;
	}
	return 0;
}

void helper_stop(struct helper *h, int exit_status)
{
	h->exit_status = exit_status;
	event_base_loopbreak(h->base);
}

static int helper_control_send(struct helper *h, uint32_t type, const void *p, uint32_t len)
{
	int ret = ipc_send(h->control_fd, type, p, len, -1);

	if (ret < 0) {
		log_err("control channel: sending %s failed: %s", ipc_type_name(type),
			strerror(-ret));
		/* A broker that went away is a normal end; anything else is not. */
		helper_stop(h, ret == -EPIPE || ret == -ECONNRESET ? 0 : 1);
	}
	return ret;
}

/* Trust note: the broker is more privileged, but its fd is still checked. */
static int answer_session_open(struct helper *h, struct ipc_msg *msg)
{
	struct ipc_session_open req;
	struct ipc_session_result res = { 0 };
	int type = 0;
	socklen_t tlen = sizeof(type);
	int fd = msg->fd;

	msg->fd = -1;
	memcpy(&req, msg->payload, sizeof(req));
	if (req.reserved || req.reserved2)
		res.error = -EINVAL;
	else if (req.device >= h->ndevs)
		res.error = -ENODEV;
	else if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) < 0 || type != SOCK_SEQPACKET)
		res.error = -EPROTOTYPE;
	if (res.error) {
		log_warn("control channel: session for device %u refused: %s", req.device,
			 strerror(-res.error));
		close(fd);
	} else {
		res.error = helper_session_open(&h->devs[req.device], fd);
	}
	return helper_control_send(h, IPC_ANS_SESSION_OPEN, &res, sizeof(res));
}

static const struct ipc_rule control_rules[] = {
	{ IPC_REQ_SESSION_OPEN, sizeof(struct ipc_session_open), sizeof(struct ipc_session_open),
	  0, 0, 1 },
};

static void helper_control_readable(evutil_socket_t fd, short what, void *arg)
{
	struct helper *h = arg;
	struct ipc_msg *msg = h->rx;
	int ret;

	(void)what;
	ret = ipc_recv(fd, msg);
	if (ret == -EAGAIN || ret == -EWOULDBLOCK)
		return;
	if (ret == -ECONNRESET) {
		log_info("control channel closed, exiting");
		helper_stop(h, 0);
		return;
	}
	if (ret < 0) {
		log_err("control channel: bad %s datagram: %s", ipc_type_name(msg->hdr.type),
			strerror(-ret));
		helper_stop(h, 1);
		return;
	}
	if (ipc_admit(msg, control_rules, sizeof(control_rules) / sizeof(control_rules[0]))) {
		log_err("control channel: refused %s (type %u, %u bytes)",
			ipc_type_name(msg->hdr.type), msg->hdr.type, msg->hdr.len);
		if (msg->fd >= 0)
			close(msg->fd);
		helper_stop(h, 1);
		return;
	}
	answer_session_open(h, msg);
}

static void helper_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	log_info("signal %d, exiting", (int)sig);
	helper_stop(arg, 0);
}

static void helper_reap(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	helper_sessions_reap(arg);
}

static int helper_check_control_fd(int fd)
{
	int type = 0;
	socklen_t tlen = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) < 0 || type != SOCK_SEQPACKET) {
		log_err("--control-fd %d: not a SOCK_SEQPACKET socket", fd);
		return -EINVAL;
	}
	/* Our children (the unlinker) must not inherit the broker's channel. */
	return fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ? -errno : 0;
}

static int helper_check_report_fd(int fd)
{
	struct stat st;

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		log_err("--report-fd %d: not a pipe", fd);
		return -EINVAL;
	}
	return fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ? -errno : 0;
}

/*
 * Everything but stdio and the broker's two fds goes before we open
 * anything: from then on every fd is one we opened and need, which is why
 * jail_enter() is not given a keep list (it could not name libevent's).
 */
static int helper_close_inherited(const struct helper_opts *o)
{
	int keep[5 + IPC_MAX_DEVICES] = { STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO,
					  o->control_fd, o->report_fd };
	int ret;

	for (unsigned int i = 0; i < o->nstate_fds; i++)
		keep[5 + i] = o->state_fd[i];
	ret = jail_close_fds(keep, 5 + o->nstate_fds);

	if (ret < 0)
		log_err("closing inherited fds: %s", strerror(-ret));
	return ret;
}

/* The chips are open, the sim-control socket is bound: jail ourselves. */
static int helper_jail(struct helper *h, const struct helper_opts *o)
{
	struct jail_opts jo = {
		.role = "helper",
		.policy = "helper",
		.sandbox = !o->no_sandbox,
		.unshare_flags = JAIL_HELPER_UNSHARE_NS,
		.nofile = JAIL_HELPER_NOFILE_BASE + JAIL_HELPER_NOFILE_PER_DEV * (rlim_t)h->ndevs,
		.report_fd = o->report_fd,
	};
	int ret;

	/* Host chips hold one line request (an fd) per line the guest uses. */
	for (unsigned int i = 0; i < h->ndevs; i++)
		jo.nofile += h->devs[i].chip->max_runtime_fds;

	if (o->no_sandbox) {
		log_warn("SANDBOX DISABLED (--no-sandbox): for debugging only");
		return 0;
	}
	if (o->sim_control) {
		ret = jail_unlinker_start(&helper_unlinker, o->sim_control);
		if (ret < 0) {
			log_err("--sim-control %s: unlinker: %s", o->sim_control, strerror(-ret));
			return ret;
		}
	}
	/* Not -EINVAL: that would read as a usage error (exit 2) to the broker. */
	return jail_enter(&jo) < 0 ? -EACCES : 0;
}

static int helper_setup(struct helper *h, const struct helper_opts *o, const struct devlist *dl)
{
	struct ipc_helper_ready ready = { 0 };
	int ret;

	h->base = event_base_new();
	h->rx = malloc(sizeof(*h->rx));
	if (!h->base || !h->rx)
		return -ENOMEM;
	/* Signals first: a SIGTERM during setup must still remove the socket. */
	h->reaper = event_new(h->base, -1, 0, helper_reap, h);
	h->sig_term = evsignal_new(h->base, SIGTERM, helper_signal, h);
	h->sig_int = evsignal_new(h->base, SIGINT, helper_signal, h);
	h->control_ev = event_new(h->base, h->control_fd, EV_READ | EV_PERSIST,
				  helper_control_readable, h);
	if (!h->reaper || !h->sig_term || !h->sig_int || !h->control_ev ||
	    event_add(h->sig_term, NULL) < 0 || event_add(h->sig_int, NULL) < 0 ||
	    event_add(h->control_ev, NULL) < 0)
		return -ENOMEM;
	h->devs = calloc(dl->n, sizeof(*h->devs));
	if (!h->devs)
		return -ENOMEM;
	for (unsigned int i = 0; i < dl->n; i++) {
		ret = helper_dev_open(h, &h->devs[i], i, &dl->entry[i],
				      i < o->nstate_fds ? o->state_fd[i] : -1);
		if (ret < 0)
			return ret;
		h->ndevs = i + 1;
	}
	if (o->sim_control) {
		ret = sim_control_open(h, o->sim_control, &h->simctl);
		if (ret < 0)
			return ret;
	}
	ret = helper_jail(h, o);
	if (ret < 0)
		return ret;
	ready.ndevices = (uint16_t)h->ndevs;
	ret = ipc_send(h->control_fd, IPC_EVT_HELPER_READY, &ready, sizeof(ready), -1);
	if (ret < 0)
		log_err("control channel: sending READY failed: %s", strerror(-ret));
	return ret;
}

static void helper_teardown(struct helper *h)
{
	/* Its unlink() fails harmlessly in the jail; the unlinker does it then. */
	if (h->simctl)
		sim_control_close(h->simctl);
	jail_unlinker_finish(&helper_unlinker);
	for (unsigned int i = 0; i < h->ndevs; i++)
		helper_dev_close(&h->devs[i]);
	helper_sessions_reap(h);
	if (h->control_ev)
		event_free(h->control_ev);
	if (h->sig_term)
		event_free(h->sig_term);
	if (h->sig_int)
		event_free(h->sig_int);
	if (h->reaper)
		event_free(h->reaper);
	if (h->base)
		event_base_free(h->base);
	free(h->devs);
	free(h->rx);
	if (h->control_fd >= 0)
		close(h->control_fd);
}

int helper_main(int argc, char **argv)
{
	struct helper h = { .control_fd = -1 };
	struct helper_opts o;
	struct devlist dl;
	char err[256];
	int ret;

	log_init("helper", LOG_LVL_INFO);
	ret = helper_parse_args(argc, argv, &o);
	if (ret)
		return ret < 0 ? 0 : ret;
	log_init("helper", (enum log_level)o.log_level);
	if (devlist_parse(o.device_list, &dl, err, sizeof(err)) < 0) {
		log_err("--device-list: %s", err);
		return HELPER_EXIT_USAGE;
	}
	if (helper_check_control_fd(o.control_fd) < 0 || helper_check_report_fd(o.report_fd) < 0 ||
	    helper_parse_state_fds(&o, dl.n) < 0) {
		devlist_free(&dl);
		return HELPER_EXIT_USAGE;
	}
	if (helper_close_inherited(&o) < 0) {
		devlist_free(&dl);
		return 1;
	}
	h.control_fd = o.control_fd;
	h.line_caps = !o.no_line_caps;
	/* Peers vanish; their sockets must give EPIPE, not kill us. */
	signal(SIGPIPE, SIG_IGN);

	ret = helper_setup(&h, &o, &dl);
	if (ret < 0) {
		h.exit_status = ret == -EOPNOTSUPP || ret == -EINVAL ? HELPER_EXIT_USAGE : 1;
	} else {
		log_info("ready: %u device(s)", h.ndevs);
		event_base_dispatch(h.base);
	}
	helper_teardown(&h);
	devlist_free(&dl);
	return h.exit_status;
}
