// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The real vhost-user-gpio-helper binary, driven through its control channel,
 * session channels and simulation control socket. Binary: $VUG_BUILD (else
 * the build directory this test lives in, else "build") +
 * "/vhost-user-gpio-helper".
 */
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

static const char *bin(void)
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
static pid_t spawn(const char *const *args, int *ctl, int err_fd)
{
	const char *argv[16];
	char fdarg[16];
	unsigned int n = 0;
	int sv[2];
	pid_t pid;

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

static int recv_timeout(int fd, struct ipc_msg *m, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, ms) != 1)
		return -ETIMEDOUT;
	return ipc_recv(fd, m);
}

static int sim_connect(const char *path)
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

/* Start a helper for @list with a sim control socket; wait for READY. */
static int start(struct hp *h, const char *list, unsigned int ndev)
{
	static unsigned int seq;
	const char *args[] = { "--device-list", list, "--sim-control", h->path,
			       "--log-level", "warn", NULL };

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

/* Close the control channel: the helper must exit 0 and remove its socket. */
static void stop(struct hp *h)
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
static int session(struct hp *h, uint16_t dev)
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
static int ops(int s, const struct ipc_line_op *op, unsigned int n, struct ipc_line_result *res)
{
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
static int op1(int s, uint16_t code, uint16_t line, uint32_t value)
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
static const char *sim(struct hp *h, const char *cmd)
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
static int quiet(int s)
{
	struct pollfd p = { .fd = s, .events = POLLIN };

	return poll(&p, 1, 20) == 0;
}

/* Expect one IPC_EVT_LINE_EDGE with @n edges; copies them to @e. */
static int edges(int s, struct ipc_line_edge *e, unsigned int n)
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

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Session ended by the helper: EOF within the timeout. */
static int ended(int s)
{
	int ret = recv_timeout(s, &msg, TIMEOUT_MS);

	return ret == -ECONNRESET;
}

static void test_device_info(void)
{
	struct ipc_device_info info;
	struct ipc_line_state st[8];
	struct hp h;
	int s;

	if (start(&h, "s8:s3", 2) < 0)
		return;
	s = session(&h, 0);
	CHECK(s >= 0);
	CHECK_EQ(ipc_send(s, IPC_REQ_DEVICE_INFO, NULL, 0, -1), 0);
	CHECK_EQ(recv_timeout(s, &msg, TIMEOUT_MS), 0);
	CHECK_EQ(msg.hdr.type, IPC_ANS_DEVICE_INFO);
	memcpy(&info, msg.payload, sizeof(info));
	CHECK_EQ(info.ngpio, 8);
	CHECK_EQ(info.reserved, 0);
	CHECK_EQ(info.names_size, 8 * strlen("SIM0_L0") + 8);
	CHECK_EQ(msg.hdr.len, sizeof(info) + 8 * sizeof(st[0]) + info.names_size);
	memcpy(st, msg.payload + sizeof(info), sizeof(st));
	for (int i = 0; i < 8; i++) {
		const char *name = (const char *)msg.payload + sizeof(info) + sizeof(st) + i * 8;
		char want[24];

		CHECK_EQ(st[i].irq_type, 0);
		CHECK_EQ(st[i].level, 0);
		snprintf(want, sizeof(want), "SIM0_L%d", i);
		CHECK(strcmp(name, want) == 0);
	}

	/* state shows up: irq type of line 2, input level of line 5 */
	CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 2, VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW), OK(0));
	SIM_IS(&h, "set 0 5 1\n", "ok");
	CHECK_EQ(ipc_send(s, IPC_REQ_DEVICE_INFO, NULL, 0, -1), 0);
	CHECK_EQ(recv_timeout(s, &msg, TIMEOUT_MS), 0);
	memcpy(st, msg.payload + sizeof(info), sizeof(st));
	CHECK_EQ(st[2].irq_type, VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW);
	CHECK_EQ(st[5].level, 1);
	CHECK_EQ(st[5].irq_type, 0);
	close(s);

	/* the second device has its own names */
	s = session(&h, 1);
	CHECK_EQ(ipc_send(s, IPC_REQ_DEVICE_INFO, NULL, 0, -1), 0);
	CHECK_EQ(recv_timeout(s, &msg, TIMEOUT_MS), 0);
	memcpy(&info, msg.payload, sizeof(info));
	CHECK_EQ(info.ngpio, 3);
	CHECK_EQ(info.names_size, 24);
	CHECK_EQ(msg.hdr.len, 8 + 6 + 24);
	CHECK(memcmp(msg.payload + 14, "SIM1_L0\0SIM1_L1\0SIM1_L2\0", 24) == 0);
	close(s);
	stop(&h);
}

static void test_ops(void)
{
	struct hp h;
	int s;

	if (start(&h, "s8", 1) < 0)
		return;
	s = session(&h, 0);
	CHECK_EQ(op1(s, IPC_OP_GET_DIRECTION, 0, 0), OK(VIRTIO_GPIO_DIRECTION_IN));
	CHECK_EQ(op1(s, IPC_OP_GET_VALUE, 0, 0), OK(0));
	/* value is remembered on an input, the input level is what reads back */
	CHECK_EQ(op1(s, IPC_OP_SET_VALUE, 0, 1), OK(0));
	CHECK_EQ(op1(s, IPC_OP_GET_VALUE, 0, 0), OK(0));
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 0, VIRTIO_GPIO_DIRECTION_OUT), OK(0));
	CHECK_EQ(op1(s, IPC_OP_GET_DIRECTION, 0, 0), OK(VIRTIO_GPIO_DIRECTION_OUT));
	CHECK_EQ(op1(s, IPC_OP_GET_VALUE, 0, 0), OK(1));
	SIM_IS(&h, "get 0 0\n", "ok dir=out value=1 input=0 irq=none");
	/* an output ignores the external level but remembers it */
	SIM_IS(&h, "set 0 0 1\n", "ok");
	CHECK_EQ(op1(s, IPC_OP_SET_VALUE, 0, 0), OK(0));
	CHECK_EQ(op1(s, IPC_OP_GET_VALUE, 0, 0), OK(0));
	SIM_IS(&h, "get 0 0\n", "ok dir=out value=0 input=1 irq=none");
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 0, VIRTIO_GPIO_DIRECTION_IN), OK(0));
	CHECK_EQ(op1(s, IPC_OP_GET_VALUE, 0, 0), OK(1));
	CHECK_EQ(op1(s, IPC_OP_GET_DIRECTION, 0, 0), OK(VIRTIO_GPIO_DIRECTION_IN));

	/* validation: line, opcode, values, reserved */
	for (uint16_t code = IPC_OP_GET_DIRECTION; code <= IPC_OP_SET_IRQ_TYPE; code++) {
		CHECK_EQ(op1(s, code, 8, 0), ERR);
		CHECK_EQ(op1(s, code, 0xffff, 0), ERR);
	}
	CHECK_EQ(op1(s, 0, 1, 0), ERR);
	CHECK_EQ(op1(s, 1, 1, 0), ERR);		/* GET_LINE_NAMES is the worker's */
	CHECK_EQ(op1(s, 7, 1, 0), ERR);
	CHECK_EQ(op1(s, 0xffff, 1, 0), ERR);
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 1, 3), ERR);
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 1, 0x102), ERR);
	CHECK_EQ(op1(s, IPC_OP_SET_VALUE, 1, 2), ERR);
	CHECK_EQ(op1(s, IPC_OP_SET_VALUE, 1, 0x100), ERR);
	for (uint32_t t = 0; t < 20; t++) {
		int valid = t <= 4 || t == 8;

		CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 1, t), valid ? OK(0) : ERR);
		CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 1, 0), OK(0));
	}
	CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 1, 0xffffffffu), ERR);
	{
		struct ipc_line_op op = { .tag = 5, .op = IPC_OP_GET_VALUE, .line = 1,
					  .reserved = 1 };
		struct ipc_line_result r;

		CHECK_EQ(ops(s, &op, 1, &r), 0);
		CHECK_EQ(r.status, VIRTIO_GPIO_STATUS_ERR);
		CHECK_EQ(r.tag, 5);
	}
	/* a failed op changed nothing */
	SIM_IS(&h, "get 0 1\n", "ok dir=in value=0 input=0 irq=none");

	/* irq on an output: refused; an output with an irq: refused; NONE is fine */
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 2, VIRTIO_GPIO_DIRECTION_OUT), OK(0));
	CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 2, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING), ERR);
	CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 2, VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH), ERR);
	CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 2, VIRTIO_GPIO_IRQ_TYPE_NONE), OK(0));
	CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 3, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH), OK(0));
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 3, VIRTIO_GPIO_DIRECTION_OUT), ERR);
	SIM_IS(&h, "get 0 3\n", "ok dir=in value=0 input=0 irq=both");

	/* SET_IRQ_TYPE answers the level now; changing type without NONE works */
	SIM_IS(&h, "set 0 4 1\n", "ok");
	CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 4, VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH), OK(1));
	CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 4, VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING), OK(1));
	SIM_IS(&h, "get 0 4\n", "ok dir=in value=1 input=1 irq=falling");
	close(s);
	stop(&h);
}

static void test_batch(void)
{
	struct ipc_line_op op[IPC_MAX_OPS + 1];
	struct ipc_line_result r[IPC_MAX_OPS];
	struct hp h;
	int s;

	if (start(&h, "s4", 1) < 0)
		return;
	s = session(&h, 0);
	memset(op, 0, sizeof(op));
	op[0] = (struct ipc_line_op){ 100, IPC_OP_SET_VALUE, 1, 1, 0 };
	op[1] = (struct ipc_line_op){ 101, IPC_OP_SET_DIRECTION, 1, VIRTIO_GPIO_DIRECTION_OUT, 0 };
	op[2] = (struct ipc_line_op){ 102, IPC_OP_GET_VALUE, 9, 0, 0 };		/* bad line */
	op[3] = (struct ipc_line_op){ 103, IPC_OP_GET_VALUE, 1, 0, 0 };
	op[4] = (struct ipc_line_op){ 104, IPC_OP_GET_DIRECTION, 1, 0, 0 };
	op[5] = (struct ipc_line_op){ 105, IPC_OP_SET_IRQ_TYPE, 1, 1, 0 };	/* output */
	op[6] = (struct ipc_line_op){ 106, IPC_OP_GET_DIRECTION, 0, 0, 0 };
	CHECK_EQ(ops(s, op, 7, r), 0);
	for (int i = 0; i < 7; i++)
		CHECK_EQ(r[i].tag, 100 + i);
	CHECK_EQ(r[0].status, 0);
	CHECK_EQ(r[1].status, 0);
	CHECK_EQ(r[2].status, 1);
	CHECK_EQ(r[2].value, 0);
	CHECK_EQ(r[3].status * 256 + r[3].value, OK(1));	/* sees op 1's effect */
	CHECK_EQ(r[4].status * 256 + r[4].value, OK(VIRTIO_GPIO_DIRECTION_OUT));
	CHECK_EQ(r[5].status, 1);
	CHECK_EQ(r[6].status * 256 + r[6].value, OK(VIRTIO_GPIO_DIRECTION_IN));

	/* a full batch */
	for (int i = 0; i < IPC_MAX_OPS; i++)
		op[i] = (struct ipc_line_op){ 1000u + i, IPC_OP_GET_VALUE, (uint16_t)(i % 5), 0, 0 };
	CHECK_EQ(ops(s, op, IPC_MAX_OPS, r), 0);
	for (int i = 0; i < IPC_MAX_OPS; i++) {
		CHECK_EQ(r[i].tag, 1000 + i);
		CHECK_EQ(r[i].status, i % 5 == 4 ? 1 : 0);
	}
	/* one op too many is a malformed message */
	CHECK_EQ(ipc_send(s, IPC_REQ_LINE_OPS, op, sizeof(op), -1), 0);
	CHECK(ended(s));
	close(s);
	stop(&h);
}

static void test_edges(void)
{
	struct ipc_line_edge e[2];
	struct hp h;
	uint64_t t0 = now_ns();
	int s, s2, other;

	if (start(&h, "s4:s2", 2) < 0)
		return;
	s = session(&h, 0);
	s2 = session(&h, 0);
	other = session(&h, 1);
	CHECK(s >= 0 && s2 >= 0 && other >= 0);

	/* irq type NONE: no edge */
	SIM_IS(&h, "set 0 0 1\n", "ok");
	CHECK(quiet(s));

	CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 1, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING), OK(0));
	SIM_IS(&h, "set 0 1 1\n", "ok");
	CHECK_EQ(edges(s, e, 1), 0);
	CHECK_EQ(e[0].line, 1);
	CHECK_EQ(e[0].edge, IPC_EDGE_RISING);
	CHECK_EQ(e[0].level, 1);
	CHECK_EQ(e[0].reserved, 0);
	CHECK(e[0].timestamp_ns >= t0 && e[0].timestamp_ns <= now_ns());
	t0 = e[0].timestamp_ns;
	/* every session of the device gets it, other devices do not */
	CHECK_EQ(edges(s2, e, 1), 0);
	CHECK_EQ(e[0].line, 1);
	CHECK(quiet(other));

	/* falling edges go out too (the worker filters by trigger); no change, no edge */
	SIM_IS(&h, "set 0 1 0\n", "ok");
	CHECK_EQ(edges(s, e, 1), 0);
	CHECK_EQ(e[0].edge, IPC_EDGE_FALLING);
	CHECK_EQ(e[0].level, 0);
	CHECK(e[0].timestamp_ns > t0);
	CHECK_EQ(edges(s2, e, 1), 0);
	SIM_IS(&h, "set 0 1 0\n", "ok");
	CHECK(quiet(s));

	/* several pending edges travel in one message, in order */
	CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 3, VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW), OK(0));
	CHECK(quiet(s2));
	SIM_IS(&h, "set 0 3 1\nset 0 2 1\nset 0 1 1\n", "ok");
	CHECK_EQ(edges(s, e, 2), 0);
	CHECK_EQ(e[0].line, 3);
	CHECK_EQ(e[0].edge, IPC_EDGE_RISING);
	CHECK_EQ(e[1].line, 1);
	CHECK_EQ(e[1].level, 1);
	CHECK(e[1].timestamp_ns >= e[0].timestamp_ns);
	CHECK_EQ(edges(s2, e, 2), 0);
	SIM_IS(&h, "", "ok");	/* the two other replies of the batch */
	SIM_IS(&h, "", "ok");

	/* the other device's lines are separate */
	CHECK_EQ(op1(other, IPC_OP_SET_IRQ_TYPE, 1, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH), OK(0));
	SIM_IS(&h, "set 1 1 1\n", "ok");
	CHECK_EQ(edges(other, e, 1), 0);
	CHECK_EQ(e[0].line, 1);
	CHECK(quiet(s));

	/* irq back to NONE: silence again */
	CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 1, VIRTIO_GPIO_IRQ_TYPE_NONE), OK(1));
	SIM_IS(&h, "set 0 1 0\n", "ok");
	CHECK(quiet(s));
	CHECK(quiet(s2));
	close(s);
	close(s2);
	close(other);
	stop(&h);
}

static void test_release(void)
{
	struct hp h;
	int s;

	if (start(&h, "s4", 1) < 0)
		return;
	s = session(&h, 0);
	/* an input with an irq, released: irq NONE, still IN, no more edges */
	CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 3, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH), OK(0));
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 3, VIRTIO_GPIO_DIRECTION_NONE), OK(0));
	CHECK_EQ(op1(s, IPC_OP_GET_DIRECTION, 3, 0), OK(VIRTIO_GPIO_DIRECTION_IN));
	SIM_IS(&h, "get 0 3\n", "ok dir=in value=0 input=0 irq=none");
	SIM_IS(&h, "set 0 3 1\n", "ok");
	CHECK(quiet(s));

	/* an output driving 1, released: value forgotten, reads the input */
	CHECK_EQ(op1(s, IPC_OP_SET_VALUE, 2, 1), OK(0));
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 2, VIRTIO_GPIO_DIRECTION_OUT), OK(0));
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 2, VIRTIO_GPIO_DIRECTION_NONE), OK(0));
	CHECK_EQ(op1(s, IPC_OP_GET_DIRECTION, 2, 0), OK(VIRTIO_GPIO_DIRECTION_IN));
	SIM_IS(&h, "get 0 2\n", "ok dir=in value=0 input=0 irq=none");
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 2, VIRTIO_GPIO_DIRECTION_OUT), OK(0));
	CHECK_EQ(op1(s, IPC_OP_GET_VALUE, 2, 0), OK(0));
	close(s);
	stop(&h);
}

static void test_reconnect(void)
{
	struct ipc_line_state st[4];
	struct ipc_line_edge e;
	struct hp h;
	int a, b;

	if (start(&h, "s4", 1) < 0)
		return;
	a = session(&h, 0);
	CHECK_EQ(op1(a, IPC_OP_SET_VALUE, 2, 1), OK(0));
	CHECK_EQ(op1(a, IPC_OP_SET_DIRECTION, 2, VIRTIO_GPIO_DIRECTION_OUT), OK(0));
	CHECK_EQ(op1(a, IPC_OP_SET_IRQ_TYPE, 1, VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING), OK(0));
	close(a);

	b = session(&h, 0);
	CHECK(b >= 0);
	CHECK_EQ(ipc_send(b, IPC_REQ_DEVICE_INFO, NULL, 0, -1), 0);
	CHECK_EQ(recv_timeout(b, &msg, TIMEOUT_MS), 0);
	CHECK_EQ(msg.hdr.type, IPC_ANS_DEVICE_INFO);
	memcpy(st, msg.payload + sizeof(struct ipc_device_info), sizeof(st));
	CHECK_EQ(st[1].irq_type, VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING);
	CHECK_EQ(st[2].level, 1);
	CHECK_EQ(st[2].irq_type, 0);
	CHECK_EQ(op1(b, IPC_OP_GET_DIRECTION, 2, 0), OK(VIRTIO_GPIO_DIRECTION_OUT));
	SIM_IS(&h, "set 0 1 1\n", "ok");
	CHECK_EQ(edges(b, &e, 1), 0);
	CHECK_EQ(e.line, 1);
	close(b);
	stop(&h);
}

static void test_malformed(void)
{
	struct ipc_line_op op = { .tag = 1, .op = IPC_OP_GET_VALUE };
	uint8_t junk[24] = { 0 };
	struct hp h;
	int keep, s, p[2];

	if (start(&h, "s4", 1) < 0)
		return;
	keep = session(&h, 0);
	CHECK_EQ(op1(keep, IPC_OP_SET_VALUE, 0, 1), OK(0));

	s = session(&h, 0);
	CHECK_EQ(ipc_send(s, IPC_REQ_LINE_OPS, &op, 15, -1), 0);	/* not a multiple */
	CHECK(ended(s));
	close(s);
	s = session(&h, 0);
	CHECK_EQ(ipc_send(s, IPC_REQ_LINE_OPS, NULL, 0, -1), 0);	/* empty batch */
	CHECK(ended(s));
	close(s);
	s = session(&h, 0);
	CHECK_EQ(ipc_send(s, 42, junk, 8, -1), 0);			/* unknown type */
	CHECK(ended(s));
	close(s);
	s = session(&h, 0);
	CHECK_EQ(ipc_send(s, IPC_ANS_LINE_OPS, junk, 8, -1), 0);	/* wrong direction */
	CHECK(ended(s));
	close(s);
	s = session(&h, 0);
	CHECK_EQ(ipc_send(s, IPC_REQ_DEVICE_INFO, junk, 4, -1), 0);	/* payload not allowed */
	CHECK(ended(s));
	close(s);
	s = session(&h, 0);
	CHECK_EQ(pipe(p), 0);
	CHECK_EQ(ipc_send(s, IPC_REQ_DEVICE_INFO, NULL, 0, p[1]), 0);	/* fd not allowed */
	close(p[1]);
	CHECK(ended(s));
	close(s);
	{
		char c;
		struct pollfd pf = { .fd = p[0], .events = POLLIN };

		CHECK(poll(&pf, 1, TIMEOUT_MS) == 1 && read(p[0], &c, 1) == 0); /* fd closed */
		close(p[0]);
	}
	s = session(&h, 0);
	junk[0] = IPC_REQ_LINE_OPS;
	junk[4] = 32;							/* len lies */
	CHECK_EQ(send(s, junk, 24, 0), 24);
	CHECK(ended(s));
	close(s);

	/* the helper survived all of it; the old session and the state too */
	CHECK_EQ(op1(keep, IPC_OP_GET_DIRECTION, 0, 0), OK(VIRTIO_GPIO_DIRECTION_IN));
	s = session(&h, 0);
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 0, VIRTIO_GPIO_DIRECTION_OUT), OK(0));
	CHECK_EQ(op1(s, IPC_OP_GET_VALUE, 0, 0), OK(1));
	close(s);
	close(keep);
	stop(&h);
}

static void test_control(void)
{
	struct ipc_session_open req = { .device = 0, .reserved = 1 };
	struct ipc_session_result res;
	struct stat st;
	struct hp h;
	int p[2], status = -1;

	if (start(&h, "s2:s2", 2) < 0)
		return;
	CHECK_EQ(session(&h, 2), -ENODEV);
	CHECK_EQ(session(&h, 0xffff), -ENODEV);
	/* reserved fields must be zero */
	CHECK_EQ(pipe(p), 0);
	close(p[0]);
	{
		int sv[2];

		CHECK_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
		CHECK_EQ(ipc_send(h.ctl, IPC_REQ_SESSION_OPEN, &req, sizeof(req), sv[1]), 0);
		close(sv[1]);
		CHECK_EQ(recv_timeout(h.ctl, &msg, TIMEOUT_MS), 0);
		memcpy(&res, msg.payload, sizeof(res));
		CHECK_EQ(res.error, -EINVAL);
		CHECK(ended(sv[0]));	/* refused fds are closed */
		close(sv[0]);
	}
	/* not a SEQPACKET socket */
	req.reserved = 0;
	CHECK_EQ(ipc_send(h.ctl, IPC_REQ_SESSION_OPEN, &req, sizeof(req), p[1]), 0);
	close(p[1]);
	CHECK_EQ(recv_timeout(h.ctl, &msg, TIMEOUT_MS), 0);
	memcpy(&res, msg.payload, sizeof(res));
	CHECK(res.error < 0);

	/* the socket: mode 0600 */
	CHECK_EQ(stat(h.path, &st), 0);
	CHECK(S_ISSOCK(st.st_mode));
	CHECK_EQ(st.st_mode & 0777, 0600);

	/* SIGTERM: clean exit, socket gone */
	close(h.sim);
	CHECK_EQ(kill(h.pid, SIGTERM), 0);
	CHECK_EQ(waitpid(h.pid, &status, 0), h.pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(access(h.path, F_OK) < 0);
	close(h.ctl);

	/* a stale socket file is replaced */
	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/stale.sock", tmpdir);
		CHECK_EQ(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		close(fd);
		snprintf(h.path, sizeof(h.path), "%s", sa.sun_path);
		h.pid = spawn((const char *const[]){ "--device-list", "s1", "--sim-control",
						    h.path, NULL }, &h.ctl, -1);
		CHECK_EQ(recv_timeout(h.ctl, &msg, TIMEOUT_MS), 0);
		CHECK_EQ(msg.hdr.type, IPC_EVT_HELPER_READY);
		h.sim = sim_connect(h.path);
		CHECK(h.sim >= 0);
		SIM_IS(&h, "info 0\n", "ok lines=1 kind=sim");
		stop(&h);
	}
}

static void test_sim_errors(void)
{
	char longline[400];
	struct hp h;
	int other;

	if (start(&h, "s8", 1) < 0)
		return;
	SIM_IS(&h, "info 0\n", "ok lines=8 kind=sim");
	SIM_IS(&h, "info 0\r\n", "ok lines=8 kind=sim");
	SIM_IS(&h, "  get\t0  7 \n", "ok dir=in value=0 input=0 irq=none");
	SIM_IS(&h, "\n", "err empty command");
	SIM_IS(&h, "frob 1\n", "err unknown command 'frob' (set, get, info)");
	SIM_IS(&h, "get 0\n", "err 'get' needs 2 arguments: get DEV LINE");
	SIM_IS(&h, "info 0 extra\n", "err extra argument 'extra': info DEV");
	SIM_IS(&h, "set x 1 1\n", "err bad device 'x'");
	SIM_IS(&h, "set -1 1 1\n", "err bad device '-1'");
	SIM_IS(&h, "info 1\n", "err no device '1' (1 devices)");
	SIM_IS(&h, "get 0 8\n", "err no line '8' on device 0 (8 lines)");
	SIM_IS(&h, "get 0 99999999\n", "err bad line '99999999'");
	SIM_IS(&h, "set 0 1 2\n", "err bad level '2' (0 or 1)");
	SIM_IS(&h, "set 0 1 high\n", "err bad level 'high' (0 or 1)");
	SIM_IS(&h, "set 0 1\x01 1\n", "err bad line '1?'");

	/* too long: one error, then the stream is in step again */
	memset(longline, 'a', 300);
	strcpy(longline + 300, "\n");
	SIM_IS(&h, longline, "err line too long");
	SIM_IS(&h, "info 0\n", "ok lines=8 kind=sim");
	/* the same without newline, then its end arrives later */
	longline[300] = '\0';
	CHECK_EQ(write(h.sim, longline, 300), 300);
	SIM_IS(&h, "aaaa\ninfo 0\n", "err line too long");
	SIM_IS(&h, "", "ok lines=8 kind=sim");

	/* two clients at once; a half-closed client still gets its answer */
	other = sim_connect(h.path);
	CHECK(other >= 0);
	SIM_IS(&h, "set 0 6 1\n", "ok");
	{
		char buf[128] = { 0 };
		ssize_t n;
		size_t got = 0;

		CHECK_EQ(write(other, "get 0 6", 7), 7);
		shutdown(other, SHUT_WR);
		while ((n = read(other, buf + got, sizeof(buf) - 1 - got)) > 0)
			got += (size_t)n;
		CHECK(strcmp(buf, "ok dir=in value=1 input=1 irq=none\n") == 0);
		close(other);
	}
	stop(&h);
}

/* Run the helper with bad arguments: exit 2 and @want on stderr. */
static void bad_run(const char *const *args, const char *want)
{
	char err[4096] = { 0 };
	size_t got = 0;
	ssize_t n;
	int p[2], ctl, status = -1;
	pid_t pid;

	CHECK_EQ(pipe(p), 0);
	pid = spawn(args, &ctl, p[1]);
	close(p[1]);
	while ((n = read(p[0], err + got, sizeof(err) - 1 - got)) > 0)
		got += (size_t)n;
	close(p[0]);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 2);
	if (!strstr(err, want)) {
		th_failed++;
		fprintf(stderr, "FAIL [%s]: stderr lacks \"%s\":\n%s\n", th_current, want, err);
	} else {
		th_passed++;
	}
	close(ctl);
}

static void test_bad_lists(void)
{
	static char many[400];
	static char notsock[100];
	static const struct {
		const char *list, *want;
	} cases[] = {
		{ "3", "device 0: /dev/gpiochip3: host chips are not supported yet" },
		{ "s2:0", "device 1: /dev/gpiochip0: host chips are not supported yet" },
		{ "s0", "device 0: bad entry \"s0\": a simulated chip has 1..1024 lines" },
		{ "s1025", "device 0: bad entry \"s1025\"" },
		{ "sx", "device 0: bad entry \"sx\"" },
		{ "s", "device 0: bad entry \"s\"" },
		{ "s1::s2", "device 1: empty entry" },
		{ "s1:", "device 1: empty entry" },
		{ "", "empty device list" },
		{ "s8:abc", "device 1: bad entry \"abc\"" },
		{ "-1", "device 0: bad entry \"-1\"" },
		{ "s+4", "device 0: bad entry \"s+4\"" },
		{ "4:4", "device 1: /dev/gpiochip4 is already device 0" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		bad_run((const char *const[]){ "--device-list", cases[i].list, NULL },
			cases[i].want);
	for (int i = 0; i < 65; i++)
		strcat(many, i ? ":s1" : "s1");
	bad_run((const char *const[]){ "--device-list", many, NULL }, "more than 64 devices");
	bad_run((const char *const[]){ "--device-list", "s1", "--log-level", "loud", NULL },
		"unknown level \"loud\"");
	bad_run((const char *const[]){ "--device-list", "s1", "--frob", NULL }, "--frob");
	bad_run((const char *const[]){ "--device-list", "s1", "stray", NULL }, "\"stray\"");

	/* sim control path that is not a socket is left alone */
	snprintf(notsock, sizeof(notsock), "%s/regular", tmpdir);
	close(open(notsock, O_CREAT | O_WRONLY, 0600));
	bad_run((const char *const[]){ "--device-list", "s1", "--sim-control", notsock, NULL },
		"exists and is not a socket");
	CHECK_EQ(access(notsock, F_OK), 0);
	unlink(notsock);

	/* missing options, bad control fd */
	{
		char err[1024] = { 0 };
		int p[2], status = -1;
		pid_t pid;

		CHECK_EQ(pipe(p), 0);
		pid = fork();
		if (pid == 0) {
			char num[16];
			int fd = open("/dev/null", O_RDWR);	/* an fd, but no socket */

			snprintf(num, sizeof(num), "%d", fd);
			dup2(p[1], STDERR_FILENO);
			execl(bin(), bin(), "--control-fd", num, "--device-list", "s1",
			      (char *)NULL);
			_exit(127);
		}
		close(p[1]);
		CHECK(read(p[0], err, sizeof(err) - 1) > 0);
		close(p[0]);
		waitpid(pid, &status, 0);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 2);
		CHECK(strstr(err, "not a SOCK_SEQPACKET socket") != NULL);
	}
	bad_run((const char *const[]){ NULL }, "--device-list are required");
}

static void setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vug-helper-test.XXXXXX");
	CHECK(mkdtemp(tmpdir) != NULL);
	signal(SIGPIPE, SIG_IGN);
	if (access(bin(), X_OK) < 0) {
		th_failed++;
		fprintf(stderr, "FAIL: helper binary %s missing (set VUG_BUILD)\n", bin());
	}
}

static void cleanup(void)
{
	rmdir(tmpdir);
	CHECK_EQ(access(tmpdir, F_OK), -1);	/* every socket was removed */
}

TEST_MAIN(TEST_CASE(setup), TEST_CASE(test_device_info), TEST_CASE(test_ops),
	  TEST_CASE(test_batch), TEST_CASE(test_edges), TEST_CASE(test_release),
	  TEST_CASE(test_reconnect), TEST_CASE(test_malformed), TEST_CASE(test_control),
	  TEST_CASE(test_sim_errors), TEST_CASE(test_bad_lists), TEST_CASE(cleanup))
