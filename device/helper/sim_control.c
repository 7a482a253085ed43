// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The simulation control socket (--sim-control PATH): AF_UNIX SOCK_STREAM,
 * mode 0600, several clients at once. Line-oriented text, one reply line
 * per command line. Grammar (tokens separated by spaces or tabs, a trailing
 * CR is ignored, numbers are plain decimal):
 *
 *   set DEV LINE LEVEL [noevent]  ->  ok
 *   get DEV LINE         ->  ok dir=in|out value=0|1 input=0|1 irq=TYPE[ hidden]
 *   info DEV             ->  ok lines=N kind=sim|gpiod[ visible=M]
 *   stats DEV            ->  ok ops=N   (line ops the helper ran for DEV;
 *                                        values a worker answered itself
 *                                        through a line capability are not)
 *   anything else        ->  err <reason naming the bad token>
 *
 * DEV is the 0-based index in the device list and must be a simulated chip
 * for set/get; TYPE is none|rising|falling|both|high|low. "noevent" changes
 * the level without reporting the edge (a chip that lost an event). A line longer than
 * SIM_LINE_MAX bytes gets "err line too long" and is dropped whole.
 *
 * LINE is the chip's line (the host line of a lines= policy), not the
 * guest's: this socket plays the outside world. "get" shows the irq type of
 * the guest line it maps to, and " hidden" when the guest cannot see it;
 * "info" adds the guest's line count when a lines= policy applies.
 *
 * Ordering promise: every complete line a read brought is executed, then
 * the edges they caused are sent to the sessions (one batched
 * IPC_EVT_LINE_EDGE per device), and only then are the replies queued. A
 * client that saw "ok" can therefore already read the edge on the guest side.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "helper/chip.h"
#include "helper/chip_sim.h"
#include "helper/helper.h"
#include "log.h"
#include "virtio_gpio.h"

#define SIM_LINE_MAX	256		/* bytes before the newline */
#define SIM_CLIENTS_MAX	16
#define SIM_OUT_MAX	(64 * 1024)	/* replies a client may leave unread */
#define SIM_TOKEN_SHOW	32		/* bytes of a bad token quoted back */

struct sim_client {
	struct sim_client *next;
	struct sim_control *sc;
	struct bufferevent *bev;
	bool discarding;		/* inside a too long line, until its newline */
	bool closing;			/* peer finished sending; free once replies are out */
};

struct sim_control {
	struct helper *h;
	int fd;
	struct event *ev;
	char *path;
	struct sim_client *clients;
	unsigned int nclients;
};

/* Quote a peer token safely: printable ASCII only, bounded. */
static const char *sim_show(const char *tok, char *buf, size_t len)
{
	size_t i;

	for (i = 0; tok[i] && i < SIM_TOKEN_SHOW && i + 4 < len; i++)
		buf[i] = (tok[i] >= 0x20 && tok[i] < 0x7f) ? tok[i] : '?';
	if (tok[i])
		buf[i++] = '.', buf[i++] = '.', buf[i++] = '.';
	buf[i] = '\0';
	return buf;
}

static bool sim_number(const char *tok, unsigned int *out)
{
	unsigned int v = 0;
	size_t i;

	for (i = 0; tok[i]; i++) {
		if (tok[i] < '0' || tok[i] > '9' || i == 5)
			return false;
		v = v * 10 + (unsigned int)(tok[i] - '0');
	}
	*out = v;
	return i > 0;
}

/* Resolve DEV (and LINE when @ltok): NULL after writing the error reply. */
static struct helper_dev *sim_lookup(struct sim_control *sc, const char *dtok, bool need_sim,
				     const char *ltok, unsigned int *line, struct evbuffer *out)
{
	struct helper_dev *dev;
	unsigned int d;
	char show[SIM_TOKEN_SHOW + 8];

	if (!sim_number(dtok, &d)) {
		evbuffer_add_printf(out, "err bad device '%s'\n", sim_show(dtok, show, sizeof(show)));
		return NULL;
	}
	if (d >= sc->h->ndevs) {
		evbuffer_add_printf(out, "err no device '%u' (%u devices)\n", d, sc->h->ndevs);
		return NULL;
	}
	dev = &sc->h->devs[d];
	if (need_sim && !chip_is_sim(dev->chip)) {
		evbuffer_add_printf(out, "err device '%u' is not simulated\n", d);
		return NULL;
	}
	if (!ltok)
		return dev;
	if (!sim_number(ltok, line)) {
		evbuffer_add_printf(out, "err bad line '%s'\n", sim_show(ltok, show, sizeof(show)));
		return NULL;
	}
	if (*line >= dev->chip->ngpio) {
		evbuffer_add_printf(out, "err no line '%u' on device %u (%u lines)\n", *line, d,
				    dev->chip->ngpio);
		return NULL;
	}
	return dev;
}

static void sim_cmd_set(struct sim_control *sc, char **arg, struct evbuffer *out)
{
	struct helper_dev *dev;
	unsigned int line, level;
	char show[SIM_TOKEN_SHOW + 8];
	bool lose_edge = arg[3] != NULL;

	dev = sim_lookup(sc, arg[0], true, arg[1], &line, out);
	if (!dev)
		return;
	if (!sim_number(arg[2], &level) || level > 1) {
		evbuffer_add_printf(out, "err bad level '%s' (0 or 1)\n",
				    sim_show(arg[2], show, sizeof(show)));
		return;
	}
	if (lose_edge && strcmp(arg[3], "noevent")) {
		evbuffer_add_printf(out, "err bad flag '%s' (noevent)\n",
				    sim_show(arg[3], show, sizeof(show)));
		return;
	}
	chip_sim_set_input(dev->chip, line, (uint8_t)level, lose_edge);
	log_debug("sim control: device %u line %u input %u", dev->index, line, level);
	evbuffer_add_printf(out, "ok\n");
}

static void sim_cmd_get(struct sim_control *sc, char **arg, struct evbuffer *out)
{
	struct chip_sim_line_state st;
	struct helper_dev *dev;
	unsigned int line, gline;
	bool hidden;
	uint8_t irq;

	dev = sim_lookup(sc, arg[0], true, arg[1], &line, out);
	if (!dev)
		return;
	chip_sim_get_state(dev->chip, line, &st);
	gline = dev->guest_line[line];
	hidden = gline == HELPER_LINE_HIDDEN;
	irq = hidden ? VIRTIO_GPIO_IRQ_TYPE_NONE : dev->irq_type[gline];
	evbuffer_add_printf(out, "ok dir=%s value=%u input=%u irq=%s%s\n",
			    st.dir == VIRTIO_GPIO_DIRECTION_OUT ? "out" : "in", st.level, st.input,
			    helper_irq_type_name(irq), hidden ? " hidden" : "");
}

static void sim_cmd_info(struct sim_control *sc, char **arg, struct evbuffer *out)
{
	struct helper_dev *dev = sim_lookup(sc, arg[0], false, NULL, NULL, out);

	if (dev && (dev->remapped || dev->ngpio != dev->chip->ngpio))
		evbuffer_add_printf(out, "ok lines=%u kind=%s visible=%u\n", dev->chip->ngpio,
				    dev->chip->ops->kind, dev->ngpio);
	else if (dev)
		evbuffer_add_printf(out, "ok lines=%u kind=%s\n", dev->ngpio,
				    dev->chip->ops->kind);
}

static void sim_cmd_stats(struct sim_control *sc, char **arg, struct evbuffer *out)
{
	struct helper_dev *dev = sim_lookup(sc, arg[0], false, NULL, NULL, out);

	if (dev)
		evbuffer_add_printf(out, "ok ops=%llu\n", (unsigned long long)dev->ops_run);
}

static const struct {
	const char *name;
	unsigned int nargs, optargs;
	const char *usage;
	void (*run)(struct sim_control *sc, char **arg, struct evbuffer *out);
} sim_cmds[] = {
	{ "set", 3, 1, "set DEV LINE LEVEL [noevent]", sim_cmd_set },
	{ "get", 2, 0, "get DEV LINE", sim_cmd_get },
	{ "info", 1, 0, "info DEV", sim_cmd_info },
	{ "stats", 1, 0, "stats DEV", sim_cmd_stats },
};

/* Trust note: @line is client text (bounded, NUL-terminated, no newline). */
static void sim_command(struct sim_control *sc, char *line, struct evbuffer *out)
{
	char *tok[6] = { NULL }, *save = NULL, *t;
	char show[SIM_TOKEN_SHOW + 8];
	unsigned int n = 0;

	for (t = strtok_r(line, " \t\r", &save); t && n < 6; t = strtok_r(NULL, " \t\r", &save))
		tok[n++] = t;
	if (n == 0) {
		evbuffer_add_printf(out, "err empty command\n");
		return;
	}
	for (size_t i = 0; i < sizeof(sim_cmds) / sizeof(sim_cmds[0]); i++) {
		if (strcmp(tok[0], sim_cmds[i].name))
			continue;
		if (n - 1 < sim_cmds[i].nargs)
			evbuffer_add_printf(out, "err '%s' needs %u arguments: %s\n", tok[0],
					    sim_cmds[i].nargs, sim_cmds[i].usage);
		else if (n - 1 > sim_cmds[i].nargs + sim_cmds[i].optargs)
			evbuffer_add_printf(out, "err extra argument '%s': %s\n",
					    sim_show(tok[sim_cmds[i].nargs + sim_cmds[i].optargs + 1],
						     show, sizeof(show)), sim_cmds[i].usage);
		else
			sim_cmds[i].run(sc, tok + 1, out);
		return;
	}
	evbuffer_add_printf(out, "err unknown command '%s' (set, get, info, stats)\n",
			    sim_show(tok[0], show, sizeof(show)));
}

/* Execute every complete line in @in; at EOF a last unterminated line too. */
static void sim_client_lines(struct sim_client *c, struct evbuffer *in, struct evbuffer *out,
			     bool at_eof)
{
	char line[SIM_LINE_MAX + 1];

	for (;;) {
		size_t avail = evbuffer_get_length(in), len, eol_len = 0;
		struct evbuffer_ptr eol;

		if (!avail)
			return;
		eol = evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_LF);
		if (eol.pos < 0) {
			if (avail <= SIM_LINE_MAX && !at_eof)
				return;		/* wait for the rest */
			len = avail;
		} else {
			len = (size_t)eol.pos;
		}
		if (c->discarding) {
			c->discarding = eol.pos < 0;
		} else if (len > SIM_LINE_MAX) {
			evbuffer_add_printf(out, "err line too long\n");
			c->discarding = eol.pos < 0;
		} else {
			evbuffer_copyout(in, line, len);
			line[len] = '\0';
			if (memchr(line, '\0', len))
				evbuffer_add_printf(out, "err NUL byte in line\n");
			else
				sim_command(c->sc, line, out);
		}
		evbuffer_drain(in, len + (eol.pos < 0 ? 0 : eol_len));
	}
}

static void sim_client_free(struct sim_client *c)
{
	struct sim_control *sc = c->sc;

	for (struct sim_client **pp = &sc->clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	sc->nclients--;
	bufferevent_free(c->bev);
	free(c);
}

/* Returns false when @c was freed. */
static bool sim_client_serve(struct sim_client *c, bool at_eof)
{
	struct evbuffer *replies = evbuffer_new();

	if (!replies) {
		sim_client_free(c);
		return false;
	}
	sim_client_lines(c, bufferevent_get_input(c->bev), replies, at_eof);
	/* Edges first, replies after: see the ordering promise above. */
	helper_flush_edges(c->sc->h);
	bufferevent_write_buffer(c->bev, replies);
	evbuffer_free(replies);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) > SIM_OUT_MAX) {
		log_warn("sim control: client does not read its replies, dropped");
		sim_client_free(c);
		return false;
	}
	return true;
}

static void sim_client_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	sim_client_serve(arg, false);
}

static void sim_client_written(struct bufferevent *bev, void *arg)
{
	struct sim_client *c = arg;

	if (c->closing && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		sim_client_free(c);
}

static void sim_client_event(struct bufferevent *bev, short what, void *arg)
{
	struct sim_client *c = arg;

	if (!(what & BEV_EVENT_EOF) || (what & BEV_EVENT_ERROR)) {
		sim_client_free(c);
		return;
	}
	/* Half-closed: answer what is left, then go once the replies are out. */
	c->closing = true;
	bufferevent_disable(bev, EV_READ);
	if (!sim_client_serve(c, true))
		return;
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		sim_client_free(c);
}

static void sim_accept(evutil_socket_t fd, short what, void *arg)
{
	struct sim_control *sc = arg;

	(void)what;
	for (;;) {
		struct sim_client *c;
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_warn("sim control: accept: %s", strerror(errno));
			return;
		}
		if (sc->nclients >= SIM_CLIENTS_MAX) {
			log_warn("sim control: more than %u clients, connection refused",
				 SIM_CLIENTS_MAX);
			close(cfd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (c)
			c->bev = bufferevent_socket_new(sc->h->base, cfd, BEV_OPT_CLOSE_ON_FREE);
		if (!c || !c->bev) {
			free(c);
			close(cfd);
			continue;
		}
		c->sc = sc;
		c->next = sc->clients;
		sc->clients = c;
		sc->nclients++;
		bufferevent_setcb(c->bev, sim_client_read, sim_client_written, sim_client_event, c);
		bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	}
}

/* Bind @path with mode 0600, replacing a stale socket (never another kind of file). */
static int sim_bind(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int fd, ret;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_err("--sim-control: path too long: %s", path);
		return -EINVAL;
	}
	strcpy(sa.sun_path, path);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_err("--sim-control: %s exists and is not a socket", path);
			return -EINVAL;
		}
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	old = umask(0177);	/* no window in which others could connect */
	ret = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (ret < 0 || chmod(path, 0600) < 0 || listen(fd, 8) < 0) {
		ret = -errno;
		log_err("--sim-control: %s: %s", path, strerror(-ret));
		close(fd);
		return ret;
	}
	return fd;
}

int sim_control_open(struct helper *h, const char *path, struct sim_control **out)
{
	struct sim_control *sc;
	int fd;

	fd = sim_bind(path);
	if (fd < 0)
		return fd;
	sc = calloc(1, sizeof(*sc));
	if (!sc)
		goto unlink_path;
	sc->h = h;
	sc->fd = fd;
	sc->path = strdup(path);
	sc->ev = event_new(h->base, fd, EV_READ | EV_PERSIST, sim_accept, sc);
	if (!sc->path || !sc->ev || event_add(sc->ev, NULL) < 0)
		goto free_sc;
	*out = sc;
	log_info("sim control socket at %s", path);
	return 0;

free_sc:
	if (sc->ev)
		event_free(sc->ev);
	free(sc->path);
	free(sc);
unlink_path:
	unlink(path);
	close(fd);
	return -ENOMEM;
}

void sim_control_close(struct sim_control *sc)
{
	while (sc->clients)
		sim_client_free(sc->clients);
	event_free(sc->ev);
	close(sc->fd);
	unlink(sc->path);
	free(sc->path);
	free(sc);
}
