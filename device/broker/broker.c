// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The broker's life: helper first, then sockets, then a libevent loop that
 * accepts connections, reacts to signals (through a signalfd) and watches
 * the helper's control channel; finally an orderly shutdown.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "../../sandbox/jail.h"
#include "broker.h"
#include "helper/devlist.h"
#include "log.h"

/* Back-off when accept() fails for lack of fds or memory. */
#define BROKER_ACCEPT_RETRY_MS	1000

void broker_exit(struct broker *b, int code)
{
	if (!b->stopping) {
		b->stopping = true;
		b->exit_code = code;
	}
	if (b->base)
		event_base_loopbreak(b->base);
}

/*
 * SIGCHLD/SIGTERM/SIGINT/SIGHUP are blocked and read from a signalfd, so
 * they are handled in the loop like any other event; SIGPIPE is ignored so
 * a dead helper shows up as -EPIPE from ipc_send(). SIGHUP (a closed
 * terminal) stops us like SIGTERM: there is no configuration to reload, and
 * its default action would leave the socket files behind.
 */
static int broker_signals_setup(struct broker *b)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	b->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (b->sig_fd < 0) {
		log_err("signalfd: %s", strerror(errno));
		return -errno;
	}
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static void broker_on_signal(evutil_socket_t fd, short what, void *arg)
{
	struct broker *b = arg;
	struct signalfd_siginfo si;
	bool reap = false;

	(void)what;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			reap = true;
		} else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT ||
			   si.ssi_signo == SIGHUP) {
			log_info("SIG%s received, shutting down", sigabbrev_np((int)si.ssi_signo));
			broker_exit(b, BROKER_EXIT_OK);
		}
	}
	/* Always reap, also when stopping, so every exit gets logged. */
	if (reap)
		broker_reap(b);
}

static void broker_on_accept_retry(evutil_socket_t fd, short what, void *arg)
{
	struct broker_socket *s = arg;

	(void)fd;
	(void)what;
	if (!s->b->stopping && !s->worker && s->ev)
		event_add(s->ev, NULL);
}

static void broker_on_accept(evutil_socket_t fd, short what, void *arg)
{
	const struct timeval retry = { 0, BROKER_ACCEPT_RETRY_MS * 1000 };
	struct broker_socket *s = arg;
	struct broker *b = s->b;
	int conn, session, ret;

	(void)what;
	conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0) {
		if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
			return;
		log_err("%s: accept: %s", s->label, strerror(errno));
		/* Level-triggered: without a pause this would spin on EMFILE. */
		event_del(s->ev);
		event_base_once(b->base, -1, EV_TIMEOUT, broker_on_accept_retry, s, &retry);
		return;
	}
	log_debug("%s: connection accepted", s->label);
	ret = broker_session_open(b, s->index, &session);
	if (ret < 0) {
		close(conn);
		if (ret != -EPIPE)
			log_warn("%s: connection dropped: no helper session", s->label);
		return;
	}
	ret = broker_worker_spawn(s, conn, session);
	close(conn);
	close(session);
	/* One front-end per socket: later connections wait in the backlog. */
	if (ret == 0)
		event_del(s->ev);
}

/* --fd: serve the connection we were given, then exit with its outcome. */
static int broker_serve_fd(struct broker *b)
{
	struct broker_socket *s = &b->sockets[0];
	int session, ret;

	ret = broker_session_open(b, 0, &session);
	if (ret < 0)
		return ret;
	ret = broker_worker_spawn(s, b->opts->fd, session);
	close(session);
	close(b->opts->fd);
	return ret;
}

static int broker_listen_all(struct broker *b)
{
	int ret = broker_sockets_listen(b);

	if (ret < 0)
		return ret;
	for (unsigned int i = 0; i < b->nsockets; i++) {
		struct broker_socket *s = &b->sockets[i];

		s->ev = event_new(b->base, s->listen_fd, EV_READ | EV_PERSIST, broker_on_accept, s);
		if (!s->ev || event_add(s->ev, NULL) < 0) {
			log_err("%s: cannot watch the listening socket", s->label);
			return -ENOMEM;
		}
	}
	return 0;
}

static int broker_loop_setup(struct broker *b)
{
	b->base = event_base_new();
	if (!b->base) {
		log_err("event_base_new failed");
		return -ENOMEM;
	}
	b->sig_ev = event_new(b->base, b->sig_fd, EV_READ | EV_PERSIST, broker_on_signal, b);
	b->ctl_ev = event_new(b->base, b->ctl_fd, EV_READ | EV_PERSIST, broker_helper_on_ctl, b);
	if (!b->sig_ev || !b->ctl_ev || event_add(b->sig_ev, NULL) < 0 ||
	    event_add(b->ctl_ev, NULL) < 0) {
		log_err("cannot set up the event loop");
		return -ENOMEM;
	}
	return 0;
}

/*
 * The jailed helper cannot remove its sim-control socket (its unlinker
 * does, unless it was killed along with the helper): do it here, but only
 * for a socket the helper announced with READY.
 */
static void broker_sim_control_unlink(struct broker *b)
{
	const char *path = b->opts->sim_control;
	struct stat st;

	if (!path || !b->helper_ready || lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode))
		return;
	if (unlink(path) < 0 && errno != ENOENT)
		log_warn("--sim-control %s: unlink: %s", path, strerror(errno));
}

static void broker_shutdown(struct broker *b)
{
	b->stopping = true;
	broker_sockets_close(b);
	broker_workers_stop(b);
	broker_helper_stop(b);
	broker_spawner_stop(b);
	broker_state_close(b);
	broker_sim_control_unlink(b);
	if (b->helper_report_fd >= 0)
		close(b->helper_report_fd);
	if (b->sig_ev)
		event_free(b->sig_ev);
	if (b->base)
		event_base_free(b->base);
	if (b->sig_fd >= 0)
		close(b->sig_fd);
	log_info("exiting with status %d", b->exit_code);
}

static int broker_init(struct broker *b, const struct broker_opts *opts)
{
	b->opts = opts;
	b->sig_fd = -1;
	b->ctl_fd = -1;
	b->helper_report_fd = -1;
	b->spawner_fd = -1;
	b->nsockets = opts->fd >= 0 ? 1 : opts->socket_count;
	for (unsigned int i = 0; i < b->nsockets; i++) {
		struct broker_socket *s = &b->sockets[i];

		s->b = b;
		s->index = i;
		s->listen_fd = -1;
		s->report_fd = -1;
		s->renew_fd = -1;
		if (opts->fd >= 0)
			snprintf(s->label, sizeof(s->label), "fd %d", opts->fd);
		else if (opts->listen_fds)
			broker_activated_label(i, s->label, sizeof(s->label));
		else if (broker_socket_name(opts, i, s->label, sizeof(s->label)) < 0)
			return -ENAMETOOLONG;	/* cli.c rejects this already */
	}
	b->msg = malloc(sizeof(*b->msg));
	return b->msg ? 0 : -ENOMEM;
}

/*
 * The test-only worker probe: read here, once, from our own environment;
 * see sandbox/jail_probe.c. Nothing a guest or front-end sends reaches it.
 */
static int broker_probe_setup(struct broker *b)
{
	const char *spec = getenv(JAIL_PROBE_ENV);

	if (!spec)
		return 0;
	if (jail_probe_check(spec) < 0) {
		log_err("%s='%s': expected a comma-separated list of open, socket, ls",
			JAIL_PROBE_ENV, spec);
		return -EINVAL;
	}
	log_warn("%s='%s': TEST PROBE ENABLED for the first worker", JAIL_PROBE_ENV, spec);
	b->probe = spec;
	return 0;
}

/*
 * Every policy is parsed now, so a bad file stops us before anything is
 * served. Workers inherit the parsed "worker" policy through fork.
 */
static int broker_policies_check(void)
{
	static const char *const names[] = { "broker", "worker", "helper" };
	char err[512];

	for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (jail_seccomp_parse(names[i], err, sizeof(err)) < 0) {
			log_err("seccomp policy %s: %s", names[i], err);
			return BROKER_EXIT_CONFIG;
		}
	}
	log_info("seccomp policies from %s", jail_seccomp_dir());
	return 0;
}

/* A chip named by number or path exists and is a character device; 0 or -ENODEV. */
static int broker_chip_check(const struct broker_opts *o, unsigned int index,
			     const struct devlist_entry *e)
{
	char path[DEVLIST_PATH_MAX + 1];
	struct stat st;

	if (e->kind == DEVLIST_HOST)
		devlist_describe(e, path, sizeof(path));
	else if (e->kind == DEVLIST_PATH && e->spec)
		snprintf(path, sizeof(path), "%s", e->spec);
	else
		return 0;	/* simulated; a label is looked up by the helper */
	if (stat(path, &st) < 0) {
		log_err("--device-list '%s': device %u: %s: %s", o->device_list, index, path,
			strerror(errno));
		return -ENODEV;
	}
	if (!S_ISCHR(st.st_mode)) {
		log_err("--device-list '%s': device %u: %s is not a GPIO chip device",
			o->device_list, index, path);
		return -ENODEV;
	}
	return 0;
}

/*
 * Host chips must exist: said here in one line, rather than by a helper
 * that fails to open one and a broker that then reports the helper's exit.
 * The syntax was checked with the command line.
 */
static int broker_devices_check(const struct broker_opts *o)
{
	struct devlist dl;
	char why[256];
	int ret = 0;

	if (devlist_parse(o->device_list, &dl, why, sizeof(why)) < 0) {
		log_err("--device-list '%s': %s", o->device_list, why);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < dl.n && ret == 0; i++)
		ret = broker_chip_check(o, i, &dl.entry[i]);
	devlist_free(&dl);
	return ret;
}

/* Checks that need the system, before anything is started. */
static int broker_preflight(struct broker *b)
{
	if (b->opts->fd >= 0 && broker_check_conn_fd(b->opts->fd) < 0)
		return BROKER_EXIT_CONFIG;
	if (broker_sockets_check(b) < 0 || broker_devices_check(b->opts) < 0)
		return BROKER_EXIT_CONFIG;
	if (broker_helper_path(b) < 0 || broker_probe_setup(b) < 0)
		return BROKER_EXIT_CONFIG;
	if (b->opts->no_sandbox) {
		log_warn(JAIL_NO_SANDBOX_WARNING);
		return 0;
	}
	if (b->opts->seccomp_log)
		log_warn("--seccomp-log: AUDIT MODE, seccomp violations are logged by the kernel "
			 "and allowed");
	return broker_policies_check();
}

/*
 * Once the helper runs and the sockets are bound: keep only what jailing
 * workers needs (sandbox/caps.c), then the broker's own seccomp hook.
 * --no-sandbox leaves the broker as it is too: a filter of ours would be
 * inherited by every worker.
 */
static int broker_sandbox(struct broker *b)
{
	struct jail_opts jo = { .role = "broker", .policy = "broker", .sandbox = true,
				.report_fd = -1 };
	int ret;

	if (b->opts->no_sandbox)
		return 0;
	ret = caps_limit_broker();
	if (ret == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		ret = -errno;
	if (ret == 0)
		ret = jail_seccomp_prepare(&jo, jo.policy);
	if (ret == 0) {
		jail_sanitizer_check();
		ret = jail_report_install_self();
	}
	if (ret == 0)
		ret = jail_seccomp(&jo, jo.policy);
	if (ret < 0)
		log_err("sandbox of the broker: %s", strerror(-ret));
	return ret;
}

int broker_run(const struct broker_opts *opts)
{
	struct broker *b;
	int ret, code;

	b = calloc(1, sizeof(*b));
	if (!b || broker_init(b, opts) < 0) {
		log_err("out of memory");
		code = BROKER_EXIT_FAILURE;
		goto out_free;
	}
	code = broker_preflight(b);
	if (code)
		goto out_free;
	if (broker_signals_setup(b) < 0 || broker_state_create(b) < 0 ||
	    broker_helper_start(b) < 0) {
		code = BROKER_EXIT_FAILURE;
		goto out_shutdown;
	}
	ret = broker_helper_wait_ready(b);
	if (ret < 0) {
		code = ret == -ECHILD ? BROKER_EXIT_CONFIG :
		       ret == -EINTR ? BROKER_EXIT_OK : BROKER_EXIT_FAILURE;
		goto out_shutdown;
	}
	if (broker_loop_setup(b) < 0) {
		code = BROKER_EXIT_FAILURE;
		goto out_shutdown;
	}
	ret = opts->fd >= 0 ? 0 : broker_listen_all(b);
	if (ret == 0)
		ret = broker_spawner_start(b);
	broker_state_close(b);
	if (ret == 0)
		ret = broker_sandbox(b);
	if (ret == 0 && opts->fd >= 0)
		ret = broker_serve_fd(b);
	if (ret < 0)
		broker_exit(b, BROKER_EXIT_FAILURE);
	else
		event_base_dispatch(b->base);
	code = b->exit_code;

out_shutdown:
	b->exit_code = code;
	broker_shutdown(b);
out_free:
	if (b)
		free(b->msg);
	free(b);
	return code;
}
