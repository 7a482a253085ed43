/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the tests that drive the real vhost-user-gpio-helper binary
 * through its control channel, session channels and simulation control
 * socket. Binary: $VUG_BUILD (else the build directory the test lives in,
 * else "build") + "/vhost-user-gpio-helper".
 */
#ifndef TEST_HELPER_PROC_H
#define TEST_HELPER_PROC_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../harness.h"
#include "ipc.h"
#include "virtio_gpio.h"

#define TIMEOUT_MS	2000

struct hp {
	pid_t pid;
	int ctl;		/* our end of the control channel */
	int sim;		/* connected sim control client, or -1 */
	char path[108];		/* sim control socket */
};

static struct ipc_msg msg;
static char helper_bin[PATH_MAX + 32];
static char tmpdir[64];

static inline const char *bin(void)
{
	const char *b = getenv("VUG_BUILD");
	char exe[PATH_MAX - 32], *p;
	ssize_t n;

	if (helper_bin[0])
		return helper_bin;
	if (!b) {
		/* <build>/tests/unit/test_helper -> <build> (make check-san uses build-san) */
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		exe[n > 0 ? n : 0] = '\0';
		p = strstr(exe, "/tests/unit/");
		if (p) {
			*p = '\0';
			b = exe;
		} else {
			b = "build";
		}
	}
	snprintf(helper_bin, sizeof(helper_bin), "%s/vhost-user-gpio-helper", b);
	return helper_bin;
}

/* fork+exec the helper with @args after --control-fd; stderr to @err_fd if >= 0. */
static inline pid_t spawn(const char *const *args, int *ctl, int err_fd)
{
	const char *argv[16];
	char fdarg[16];
	unsigned int n = 0;
	int sv[2];
	pid_t pid;

	*ctl = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	argv[n++] = bin();
	argv[n++] = "--control-fd";
	snprintf(fdarg, sizeof(fdarg), "%d", sv[1]);
	argv[n++] = fdarg;
	while (*args && n < 15)
		argv[n++] = *args++;
	argv[n] = NULL;
	pid = fork();
	if (pid == 0) {
		fcntl(sv[1], F_SETFD, 0);
		if (err_fd >= 0)
			dup2(err_fd, STDERR_FILENO);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(sv[1]);
	*ctl = sv[0];
	return pid;
}

/*
 * IPC_EVT_LINE_CAP messages that recv_timeout() took aside, in order, with
 * their fds (closed by hp_caps_clear(); past HP_MAX_CAPS only counted).
 */
#define HP_MAX_CAPS	16
static struct {
	struct ipc_line_cap cap;
	int fd;
} hp_cap[HP_MAX_CAPS];
static unsigned int hp_ncaps;

static inline void hp_caps_clear(void)
{
	for (unsigned int i = 0; i < hp_ncaps && i < HP_MAX_CAPS; i++)
		close(hp_cap[i].fd);
	hp_ncaps = 0;
}

/* The next message that is not a line capability (those go to hp_cap[]). */
static inline int recv_timeout(int fd, struct ipc_msg *m, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int ret;

	for (;;) {
		if (poll(&p, 1, ms) != 1)
			return -ETIMEDOUT;
		ret = ipc_recv(fd, m);
		if (ret < 0 || m->hdr.type != IPC_EVT_LINE_CAP)
			return ret;
		CHECK_EQ(m->hdr.len, sizeof(struct ipc_line_cap));
		CHECK(m->fd >= 0);
		if (hp_ncaps < HP_MAX_CAPS) {
			memcpy(&hp_cap[hp_ncaps].cap, m->payload, sizeof(hp_cap[0].cap));
			hp_cap[hp_ncaps].fd = m->fd;
		} else if (m->fd >= 0) {
			close(m->fd);
		}
		hp_ncaps++;
	}
}

static inline int sim_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Start a helper for @list with a sim control socket (and @extra, or NULL); wait for READY. */
static inline int start_ex(struct hp *h, const char *list, unsigned int ndev, const char *extra)
{
	static unsigned int seq;
	const char *args[] = { "--device-list", list, "--sim-control", h->path,
			       "--log-level", "warn", extra, NULL };

	snprintf(h->path, sizeof(h->path), "%s/sim%u.sock", tmpdir, seq++);
	h->sim = -1;
	h->pid = spawn(args, &h->ctl, -1);
	if (h->pid < 0 || recv_timeout(h->ctl, &msg, TIMEOUT_MS) < 0)
		return -1;
	CHECK_EQ(msg.hdr.type, IPC_EVT_HELPER_READY);
	CHECK_EQ(msg.hdr.len, sizeof(struct ipc_helper_ready));
	CHECK_EQ(((struct ipc_helper_ready *)msg.payload)->ndevices, ndev);
	h->sim = sim_connect(h->path);
	CHECK(h->sim >= 0);
	return h->sim >= 0 ? 0 : -1;
}

static inline int start(struct hp *h, const char *list, unsigned int ndev)
{
	return start_ex(h, list, ndev, NULL);
}

/* Close the control channel: the helper must exit 0 and remove its socket. */
static inline void stop(struct hp *h)
{
	int status = -1;

	if (h->sim >= 0)
		close(h->sim);
	close(h->ctl);
	CHECK_EQ(waitpid(h->pid, &status, 0), h->pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(access(h->path, F_OK) < 0);
}

/* Ask for a session of @dev; returns our end, or -(error) the helper answered. */
static inline int session(struct hp *h, uint16_t dev)
{
	struct ipc_session_open req = { .device = dev };
	struct ipc_session_result res;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1000;
	CHECK_EQ(ipc_send(h->ctl, IPC_REQ_SESSION_OPEN, &req, sizeof(req), sv[1]), 0);
	close(sv[1]);
	if (recv_timeout(h->ctl, &msg, TIMEOUT_MS) < 0 || msg.hdr.type != IPC_ANS_SESSION_OPEN ||
	    msg.hdr.len != sizeof(res)) {
		CHECK(!"no session answer");
		close(sv[0]);
		return -1000;
	}
	memcpy(&res, msg.payload, sizeof(res));
	if (res.error) {
		close(sv[0]);
		return res.error;
	}
	return sv[0];
}

/* Send @n ops and check the answer's shape; results into @res. */
static inline int ops(int s, const struct ipc_line_op *op, unsigned int n,
		      struct ipc_line_result *res)
{
	memset(res, 0, n * sizeof(*res));
	if (ipc_send(s, IPC_REQ_LINE_OPS, op, n * sizeof(*op), -1) < 0 ||
	    recv_timeout(s, &msg, TIMEOUT_MS) < 0)
		return -1;
	CHECK_EQ(msg.hdr.type, IPC_ANS_LINE_OPS);
	CHECK_EQ(msg.hdr.len, n * sizeof(*res));
	if (msg.hdr.type != IPC_ANS_LINE_OPS || msg.hdr.len != n * sizeof(*res))
		return -1;
	memcpy(res, msg.payload, n * sizeof(*res));
	return 0;
}

/* One op; returns status * 256 + value, or -1. */
static inline int op1(int s, uint16_t code, uint16_t line, uint32_t value)
{
	struct ipc_line_op op = { .tag = 0x1234u + line, .op = code, .line = line, .value = value };
	struct ipc_line_result r;

	if (ops(s, &op, 1, &r) < 0)
		return -1;
	CHECK_EQ(r.tag, op.tag);
	CHECK_EQ(r.reserved, 0);
	return r.status * 256 + r.value;
}

#define OK(v)	(VIRTIO_GPIO_STATUS_OK * 256 + (v))
#define ERR	(VIRTIO_GPIO_STATUS_ERR * 256)

/* One command on the sim control socket; the reply line without newline. */
static inline const char *sim(struct hp *h, const char *cmd)
{
	static char reply[512];
	size_t n = 0;

	if (write(h->sim, cmd, strlen(cmd)) != (ssize_t)strlen(cmd))
		return "write failed";
	while (n < sizeof(reply) - 1) {
		struct pollfd p = { .fd = h->sim, .events = POLLIN };

		if (poll(&p, 1, TIMEOUT_MS) != 1 || read(h->sim, reply + n, 1) != 1)
			return "no reply";
		if (reply[n] == '\n')
			break;
		n++;
	}
	reply[n] = '\0';
	return reply;
}

#define SIM_IS(h, cmd, want) do { \
	const char *_r = sim(h, cmd); \
	if (strcmp(_r, want)) { th_failed++; \
		fprintf(stderr, "FAIL %s:%d [%s]: %s -> \"%s\", want \"%s\"\n", __FILE__, \
			__LINE__, th_current, cmd, _r, want); } else { th_passed++; } \
} while (0)

/* Nothing must be waiting on @s (the helper sends edges before it replies). */
static inline int quiet(int s)
{
	struct pollfd p = { .fd = s, .events = POLLIN };

	return poll(&p, 1, 20) == 0;
}

/* Expect one IPC_EVT_LINE_EDGE with @n edges; copies them to @e. */
static inline int edges(int s, struct ipc_line_edge *e, unsigned int n)
{
	if (recv_timeout(s, &msg, TIMEOUT_MS) < 0)
		return -1;
	CHECK_EQ(msg.hdr.type, IPC_EVT_LINE_EDGE);
	CHECK_EQ(msg.hdr.len, n * sizeof(*e));
	if (msg.hdr.type != IPC_EVT_LINE_EDGE || msg.hdr.len != n * sizeof(*e))
		return -1;
	memcpy(e, msg.payload, n * sizeof(*e));
	return 0;
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Session ended by the helper: EOF within the timeout. */
static inline int ended(int s)
{
	int ret = recv_timeout(s, &msg, TIMEOUT_MS);

	return ret == -ECONNRESET;
}

static inline void setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vug-helper-test.XXXXXX");
	CHECK(mkdtemp(tmpdir) != NULL);
	signal(SIGPIPE, SIG_IGN);
	if (access(bin(), X_OK) < 0) {
		th_failed++;
		fprintf(stderr, "FAIL: helper binary %s missing (set VUG_BUILD)\n", bin());
	}
}

static inline void cleanup(void)
{
	rmdir(tmpdir);
	CHECK_EQ(access(tmpdir, F_OK), -1);	/* every socket was removed */
}

#endif /* TEST_HELPER_PROC_H */
