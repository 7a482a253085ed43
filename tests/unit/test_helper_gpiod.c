// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The libgpiod backend against a real kernel GPIO chip: a gpio-sim chip
 * this test creates through configfs, served by the real helper binary
 * (jailed, seccomp on). Needs root and the gpio-sim module with configfs
 * mounted; where that is missing (a host kernel without gpio-sim) it says so
 * on stderr and counts nothing. Inside a test VM with gpio-sim it runs as:
 *   VUG_BUILD=/path/to/build /path/to/build/tests/unit/test_helper_gpiod
 *
 * Checked: chip by label and by path, lines=/input-only= on a host chip,
 * two entries sharing one chip, kernel names (duplicates blanked), driven
 * levels (sim "value"), sensed levels (sim "pull"), edges both ways with
 * levels and CLOCK_MONOTONIC stamps, edge detection off again, lines held
 * only while used (consumer "vhost-user-gpio"), a line held by another
 * consumer (a gpio-sim hog) refused, input-only lines.
 */
#include <gpiod.h>

#include "helper_proc.h"

#define SIM_CFS		"/sys/kernel/config/gpio-sim"

static char cfs[128];		/* our gpio-sim device in configfs */
static char label[32];
static char chip_path[64];	/* /dev/gpiochipN */
static char sysdir[160];	/* /sys/devices/platform/<dev>/<chip> */
static bool have_sim;

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int cfs_write(const char *rel, const char *text)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", cfs, rel);
	return write_file(p, text);
}

static int cfs_mkdir(const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", cfs, rel);
	return mkdir(p, 0755) < 0 ? -errno : 0;
}

/* sim_gpioN attribute of host line @line: "value" or "pull". */
static const char *sim_attr(unsigned int line, const char *attr)
{
	static char buf[32];
	char p[256];

	snprintf(p, sizeof(p), "%s/sim_gpio%u/%s", sysdir, line, attr);
	if (read_file(p, buf, sizeof(buf)) < 0)
		return "?";
	return buf;
}

static void sim_pull(unsigned int line, const char *pull)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/sim_gpio%u/pull", sysdir, line);
	CHECK_EQ(write_file(p, pull), 0);
}

/*
 * An 8-line chip: line0 "L0", line1 and line2 both "dup", line3 unnamed,
 * line4-5 "L4" "L5", line6 hogged as an output by "vug-hog", line7 "L7".
 */
static int sim_create(void)
{
	static const char *const names[8] = { "L0", "dup", "dup", NULL, "L4", "L5", "H6", "L7" };
	char rel[64], p[256], dev[64], chip[32];

	snprintf(cfs, sizeof(cfs), SIM_CFS "/vug-test-%d", (int)getpid());
	snprintf(label, sizeof(label), "vug-test-%d", (int)getpid());
	if (mkdir(cfs, 0755) < 0)
		return -errno;
	if (cfs_mkdir("bank0") < 0 || cfs_write("bank0/num_lines", "8") < 0 ||
	    cfs_write("bank0/label", label) < 0)
		return -EIO;
	for (unsigned int i = 0; i < 8; i++) {
		snprintf(rel, sizeof(rel), "bank0/line%u", i);
		if (cfs_mkdir(rel) < 0)
			return -EIO;
		if (names[i]) {
			snprintf(rel, sizeof(rel), "bank0/line%u/name", i);
			if (cfs_write(rel, names[i]) < 0)
				return -EIO;
		}
	}
	if (cfs_mkdir("bank0/line6/hog") < 0 || cfs_write("bank0/line6/hog/name", "vug-hog") < 0 ||
	    cfs_write("bank0/line6/hog/direction", "output-high") < 0 || cfs_write("live", "1") < 0)
		return -EIO;
	snprintf(p, sizeof(p), "%s/bank0/chip_name", cfs);
	if (read_file(p, chip, sizeof(chip)) < 0)
		return -EIO;
	snprintf(p, sizeof(p), "%s/dev_name", cfs);
	if (read_file(p, dev, sizeof(dev)) < 0)
		return -EIO;
	snprintf(chip_path, sizeof(chip_path), "/dev/%.32s", chip);
	snprintf(sysdir, sizeof(sysdir), "/sys/devices/platform/%.64s/%.32s", dev, chip);
	return 0;
}

static void sim_destroy(void)
{
	char p[256];

	if (!cfs[0])
		return;
	cfs_write("live", "0");
	snprintf(p, sizeof(p), "%s/bank0/line6/hog", cfs);
	rmdir(p);
	for (unsigned int i = 0; i < 8; i++) {
		snprintf(p, sizeof(p), "%s/bank0/line%u", cfs, i);
		rmdir(p);
	}
	snprintf(p, sizeof(p), "%s/bank0", cfs);
	rmdir(p);
	rmdir(cfs);
}

/* Who holds host line @line now: "" for nobody. */
static const char *consumer(unsigned int line)
{
	static char who[64];
	struct gpiod_chip *c = gpiod_chip_open(chip_path);
	struct gpiod_line_info *info = c ? gpiod_chip_get_line_info(c, line) : NULL;

	snprintf(who, sizeof(who), "%s", !info ? "?" : !gpiod_line_info_is_used(info) ? ""
				  : gpiod_line_info_get_consumer(info));
	gpiod_line_info_free(info);
	gpiod_chip_close(c);
	return who;
}

static void setup_sim(void)
{
	int ret;

	setup();
	if (access(SIM_CFS, F_OK) < 0) {
		fprintf(stderr, "SKIP: no %s (gpio-sim not loaded or configfs not mounted): "
			"the libgpiod backend is not tested here\n", SIM_CFS);
		return;
	}
	ret = sim_create();
	CHECK_EQ(ret, 0);
	if (ret < 0) {
		fprintf(stderr, "creating the gpio-sim chip failed: %s\n", strerror(-ret));
		return;
	}
	have_sim = true;
}

static void test_lines(void)
{
	char list[256], names[64];
	struct ipc_device_info info;
	struct ipc_line_edge e[2];
	struct hp h;
	uint64_t t0;
	int s;

	if (!have_sim)
		return;
	/* guest 0..5 = host 0..5, guest 6 = host 7 (input-only); device 1: host 6 (hogged) */
	snprintf(list, sizeof(list), "label=%s,lines=0-5+7,input-only=7:%s,lines=6", label,
		 chip_path);
	if (start(&h, list, 2) < 0)
		return;
	SIM_IS(&h, "info 0\n", "ok lines=8 kind=gpiod visible=7");
	s = session(&h, 0);
	CHECK(s >= 0);
	CHECK_EQ(ipc_send(s, IPC_REQ_DEVICE_INFO, NULL, 0, -1), 0);
	CHECK_EQ(recv_timeout(s, &msg, TIMEOUT_MS), 0);
	memcpy(&info, msg.payload, sizeof(info));
	CHECK_EQ(info.ngpio, 7);
	/* the second "dup" is blanked; line 3 has no name; H6 is hidden */
	CHECK_EQ(info.names_size, 3 + 4 + 1 + 1 + 3 + 3 + 3);
	memcpy(names, msg.payload + sizeof(info) + 7 * sizeof(struct ipc_line_state),
	       info.names_size < sizeof(names) ? info.names_size : 0);
	CHECK(memcmp(names, "L0\0dup\0\0\0L4\0L5\0L7\0", 18) == 0);
	/* connecting took no line */
	for (unsigned int l = 0; l < 8; l++)
		CHECK(!strcmp(consumer(l), l == 6 ? "vug-hog" : ""));

	/* output: the chip drives what the guest set, and holds it meanwhile */
	CHECK_EQ(op1(s, IPC_OP_GET_DIRECTION, 0, 0), OK(VIRTIO_GPIO_DIRECTION_IN));
	CHECK_EQ(op1(s, IPC_OP_SET_VALUE, 0, 1), OK(0));
	CHECK(!strcmp(consumer(0), ""));
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 0, VIRTIO_GPIO_DIRECTION_OUT), OK(0));
	CHECK(!strcmp(sim_attr(0, "value"), "1"));
	CHECK(!strcmp(consumer(0), "vhost-user-gpio"));
	CHECK_EQ(op1(s, IPC_OP_GET_DIRECTION, 0, 0), OK(VIRTIO_GPIO_DIRECTION_OUT));
	CHECK_EQ(op1(s, IPC_OP_GET_VALUE, 0, 0), OK(1));
	CHECK_EQ(op1(s, IPC_OP_SET_VALUE, 0, 0), OK(0));
	CHECK(!strcmp(sim_attr(0, "value"), "0"));
	CHECK_EQ(op1(s, IPC_OP_GET_VALUE, 0, 0), OK(0));
	CHECK_EQ(op1(s, IPC_OP_SET_VALUE, 0, 1), OK(0));
	CHECK(!strcmp(sim_attr(0, "value"), "1"));
	/* IN stops driving: the pull decides (gpio-sim applies it when written) */
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 0, VIRTIO_GPIO_DIRECTION_IN), OK(0));
	sim_pull(0, "pull-down");
	CHECK_EQ(op1(s, IPC_OP_GET_VALUE, 0, 0), OK(0));
	CHECK_EQ(op1(s, IPC_OP_GET_DIRECTION, 0, 0), OK(VIRTIO_GPIO_DIRECTION_IN));
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 0, VIRTIO_GPIO_DIRECTION_NONE), OK(0));
	CHECK(!strcmp(consumer(0), ""));

	/* input: physical levels, as the pull makes them */
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 1, VIRTIO_GPIO_DIRECTION_IN), OK(0));
	sim_pull(1, "pull-up");
	CHECK_EQ(op1(s, IPC_OP_GET_VALUE, 1, 0), OK(1));
	sim_pull(1, "pull-down");
	CHECK_EQ(op1(s, IPC_OP_GET_VALUE, 1, 0), OK(0));

	/* edges: both ways, with the level after them, stamped now */
	sim_pull(2, "pull-down");
	t0 = now_ns();
	CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 2, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH), OK(0));
	CHECK(!strcmp(consumer(2), "vhost-user-gpio"));
	sim_pull(2, "pull-up");
	CHECK_EQ(edges(s, e, 1), 0);
	CHECK_EQ(e[0].line, 2);
	CHECK_EQ(e[0].edge, IPC_EDGE_RISING);
	CHECK_EQ(e[0].level, 1);
	CHECK(e[0].timestamp_ns >= t0 && e[0].timestamp_ns <= now_ns());
	sim_pull(2, "pull-down");
	CHECK_EQ(edges(s, e, 1), 0);
	CHECK_EQ(e[0].edge, IPC_EDGE_FALLING);
	CHECK_EQ(e[0].level, 0);
	/* a level type works the same way here: the worker emulates it from edges */
	CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 2, VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH), OK(0));
	sim_pull(2, "pull-up");
	CHECK_EQ(edges(s, e, 1), 0);
	CHECK_EQ(e[0].level, 1);
	CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 2, VIRTIO_GPIO_IRQ_TYPE_NONE), OK(1));
	sim_pull(2, "pull-down");
	sim_pull(2, "pull-up");
	CHECK(quiet(s));
	/* an output refuses a trigger, a line with a trigger refuses OUT */
	CHECK_EQ(op1(s, IPC_OP_SET_IRQ_TYPE, 2, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING), OK(1));
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 2, VIRTIO_GPIO_DIRECTION_OUT), ERR);
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 2, VIRTIO_GPIO_DIRECTION_NONE), OK(0));
	CHECK(!strcmp(consumer(2), ""));
	sim_pull(2, "pull-down");
	CHECK(quiet(s));

	/* guest line 6 is host line 7, input-only */
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 6, VIRTIO_GPIO_DIRECTION_OUT), ERR);
	CHECK_EQ(op1(s, IPC_OP_SET_VALUE, 6, 1), ERR);
	CHECK(!strcmp(consumer(7), ""));
	sim_pull(7, "pull-up");
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 6, VIRTIO_GPIO_DIRECTION_IN), OK(0));
	CHECK_EQ(op1(s, IPC_OP_GET_VALUE, 6, 0), OK(1));
	CHECK(!strcmp(consumer(7), "vhost-user-gpio"));
	/* a held line's level shows in DEVICE_INFO */
	CHECK_EQ(ipc_send(s, IPC_REQ_DEVICE_INFO, NULL, 0, -1), 0);
	CHECK_EQ(recv_timeout(s, &msg, TIMEOUT_MS), 0);
	CHECK_EQ(((struct ipc_line_state *)(msg.payload + sizeof(info)))[6].level, 1);
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 6, VIRTIO_GPIO_DIRECTION_NONE), OK(0));
	CHECK_EQ(op1(s, IPC_OP_GET_DIRECTION, 7, 0), ERR);
	close(s);

	/* device 1: the hogged line is visible but refuses to be requested */
	s = session(&h, 1);
	CHECK(s >= 0);
	CHECK_EQ(op1(s, IPC_OP_GET_DIRECTION, 0, 0), OK(VIRTIO_GPIO_DIRECTION_OUT));
	CHECK_EQ(op1(s, IPC_OP_SET_DIRECTION, 0, VIRTIO_GPIO_DIRECTION_IN), ERR);
	CHECK_EQ(op1(s, IPC_OP_GET_VALUE, 0, 0), ERR);
	CHECK(!strcmp(consumer(6), "vug-hog"));
	close(s);
	stop(&h);
	/* everything released at exit */
	for (unsigned int l = 0; l < 8; l++)
		CHECK(!strcmp(consumer(l), l == 6 ? "vug-hog" : ""));
}

/* Two entries sharing a line of one chip (named two ways) are refused. */
static void test_overlap(void)
{
	char list[256];
	int ctl, status = -1;
	pid_t pid;

	if (!have_sim)
		return;
	snprintf(list, sizeof(list), "label=%s,lines=0-3:%s,lines=3-5", label, chip_path);
	pid = spawn((const char *const[]){ "--device-list", list, NULL }, &ctl, -1);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 2);
	close(ctl);
	snprintf(list, sizeof(list), "%s,lines=8", chip_path);
	pid = spawn((const char *const[]){ "--device-list", list, NULL }, &ctl, -1);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 2);
	close(ctl);
}

static void cleanup_sim(void)
{
	sim_destroy();
	cleanup();
}

TEST_MAIN(TEST_CASE(setup_sim), TEST_CASE(test_lines), TEST_CASE(test_overlap),
	  TEST_CASE(cleanup_sim))
