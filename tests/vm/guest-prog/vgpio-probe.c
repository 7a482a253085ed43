// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vgpio-probe: the project's test front-end (tests/frontend) inside the "real
 * chip" VM guest, against the daemon serving a kernel gpio-sim chip through
 * the libgpiod backend. It plays QEMU >= 9 and the guest driver, and checks
 * every request against what the kernel chip shows in gpio-sim's sysfs:
 *   SET_VALUE + SET_DIRECTION(OUT)    -> sim_gpioN/value shows the level
 *   sim_gpioN/pull written            -> GET_VALUE of an input
 *   pull toggled on a line with a     -> its eventq buffer comes back VALID
 *   trigger (SET_IRQ_TYPE)
 * With a line access policy, -l/-i/-n say what the guest must see.
 *
 *   usage: vgpio-probe [-l HOSTLINES] [-i INPUT_ONLY] [-n NAMES] [-b LINE -c CHIP]
 *                      SOCKET SIMDIR
 *     SIMDIR      /sys/devices/platform/gpio-sim.N/gpiochipM (has sim_gpioK/)
 *     HOSTLINES   host line behind each guest line, e.g. 0-3,6 (default:
 *                 guest line = host line, as many as the device reports)
 *     INPUT_ONLY  guest lines that must refuse to drive, e.g. 1
 *     NAMES       the names the guest must see, comma-separated ("" = none)
 *     -b LINE -c CHIP   guest LINE's host line is taken by another program first (this one,
 *                 through the GPIO v2 uAPI on CHIP, e.g. /dev/gpiochip0): the guest's
 *                 requests on it fail until that program lets it go
 *     -k BROKER   only the helper restart check (probe_restart.c): SIGKILL the helper of
 *                 the daemon whose broker is BROKER while the guest holds lines
 * Prints "PASS what" or "FAIL what: why" per check, then "N passed, N failed";
 * exits 0 only if nothing failed.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/gpio.h>
#include <sys/ioctl.h>

#include "vgpio-probe.h"

struct tfe *t;
unsigned int ngpio;
int host[MAXL];			/* guest line -> gpio-sim line */
static int in_only[MAXL];
static const char *simdir;
static int npass, nfail;
static char why[256];		/* the first failure of the current check */

/* ---- reporting --------------------------------------------------------------------------- */

void __attribute__((format(printf, 1, 2))) miss(const char *fmt, ...)
{
	va_list ap;

	if (why[0])
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
}

void __attribute__((format(printf, 1, 2))) report(const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (why[0]) {
		nfail++;
		printf("FAIL %s: %s\n", what, why);
	} else {
		npass++;
		printf("PASS %s\n", what);
	}
	fflush(stdout);
	why[0] = '\0';
}

/* ---- the kernel chip (gpio-sim sysfs) ------------------------------------------------------ */

int sim_value(unsigned int g)
{
	char path[256], c = '?';
	int fd;

	snprintf(path, sizeof(path), "%s/sim_gpio%d/value", simdir, host[g]);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, &c, 1) != 1)
		miss("read %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return c == '0' || c == '1' ? c - '0' : -1;
}

void sim_pull(unsigned int g, int up)
{
	const char *v = up ? "pull-up" : "pull-down";
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/sim_gpio%d/pull", simdir, host[g]);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, v, strlen(v)) != (ssize_t)strlen(v))
		miss("write %s to %s: %s", v, path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

void expect_sim(unsigned int g, int level, const char *when)
{
	int v = sim_value(g);

	if (v != level)
		miss("%s: gpio-sim line %d value %d, expected %d", when, host[g], v, level);
}

/* ---- requests ------------------------------------------------------------------------------- */

static const char *const msg_name[] = {
	"?", "GET_LINE_NAMES", "GET_DIRECTION", "SET_DIRECTION", "GET_VALUE", "SET_VALUE",
	"SET_IRQ_TYPE",
};

static void __attribute__((noreturn)) finish(void)
{
	if (t)
		tfe_free(t);
	printf("%d passed, %d failed\n", npass, nfail);
	exit(nfail ? 1 : 0);
}

/*
 * One request; status (0 OK, 1 ERR), *val the response value. A request that gets no
 * completion means the daemon is stuck or gone: the rest would only time out as well.
 */
static int req(uint16_t type, unsigned int g, uint32_t value, uint8_t *val)
{
	int rc = tfe_cmd(t, type, (uint16_t)g, value, val);

	if (rc < 0) {
		miss("%s line %u value %u: %s; giving up", msg_name[type], g, value,
		     strerror(-rc));
		report("request %s", msg_name[type]);
		finish();
	}
	return rc;
}

void ok(uint16_t type, unsigned int g, uint32_t value)
{
	int rc = req(type, g, value, NULL);

	if (rc > 0)
		miss("%s line %u value %u: ERR", msg_name[type], g, value);
}

static void refused(uint16_t type, unsigned int g, uint32_t value)
{
	int rc = req(type, g, value, NULL);

	if (rc == 0)
		miss("%s line %u value %u: OK, expected ERR", msg_name[type], g, value);
}

void expect_get(uint16_t type, unsigned int g, int want)
{
	uint8_t v = 0xff;

	if (req(type, g, 0, &v) == 0 && v != want)
		miss("%s line %u: %u, expected %d", msg_name[type], g, v, want);
	else if (v == 0xff)
		miss("%s line %u: ERR", msg_name[type], g);
}

/* ---- eventq --------------------------------------------------------------------------------- */

void arm(unsigned int g)
{
	int rc = tfe_evt_arm(t, (uint16_t)g);

	if (rc < 0)
		miss("eventq buffer for line %u: %s", g, strerror(-rc));
}

void expect_evt(unsigned int g, int status, const char *when)
{
	struct tfe_done d;

	if (tfe_evt_wait(t, &d, EVT_MS) < 0)
		miss("%s: no eventq buffer back within %d ms", when, EVT_MS);
	else if (d.gpio != g || d.len != 1 || d.status != status)
		miss("%s: eventq line %u len %u status %u, expected line %u len 1 status %d",
		     when, d.gpio, d.len, d.status, g, status);
}


void expect_quiet(const char *when)
{
	struct tfe_done d;

	if (tfe_evt_wait(t, &d, QUIET_MS) == 0)
		miss("%s: unexpected eventq return, line %u status %u", when, d.gpio, d.status);
}

/* ---- the checks ----------------------------------------------------------------------------- */

static void check_names(const char *names)
{
	char block[4096], *p, *want;
	uint32_t size = le32toh(t->cfg.gpio_names_size);
	struct tfe_done d;
	unsigned int g = 0;

	/* one byte kept for a terminator: the device's last name may lack its own */
	if (size == 0 || size >= sizeof(block) ||
	    tfe_get_names(t, block, sizeof(block) - 1, &d) < 0) {
		miss("GET_LINE_NAMES failed (gpio_names_size %u)", size);
		report("line names");
		return;
	}
	block[size] = '\0';
	if (d.len != 1 + size || d.status != VIRTIO_GPIO_STATUS_OK)
		miss("GET_LINE_NAMES: used len %u status %u", d.len, d.status);
	g = 1;
	for (const char *c = names; *c; c++)
		g += *c == ',';
	if (g != ngpio)
		miss("%u names expected for %u lines (-n)", g, ngpio);
	g = 0;
	want = strdup(names);
	p = block;
	/* "a,,c": strsep keeps the empty field of an unnamed line */
	for (char *w = want; g < ngpio && p < block + size; g++) {
		char *exp = w ? strsep(&w, ",") : NULL;

		if (exp && strcmp(p, exp))
			miss("line %u is named \"%s\", expected \"%s\"", g, p, exp);
		p += strlen(p) + 1;
	}
	if (g != ngpio)
		miss("the names block holds %u names for %u lines", g, ngpio);
	free(want);
	report("line names from the kernel chip (%s)", names);
}

/* Drive 1 and 0 and check the kernel chip, also against a pull the other way. */
static void check_output(unsigned int g)
{
	static uint8_t released_dir = 0xff;
	uint8_t dir = 0xff;

	ok(VIRTIO_GPIO_MSG_SET_VALUE, g, 1);
	ok(VIRTIO_GPIO_MSG_SET_DIRECTION, g, VIRTIO_GPIO_DIRECTION_OUT);
	expect_sim(g, 1, "SET_VALUE 1 + SET_DIRECTION OUT");
	expect_get(VIRTIO_GPIO_MSG_GET_DIRECTION, g, VIRTIO_GPIO_DIRECTION_OUT);
	expect_get(VIRTIO_GPIO_MSG_GET_VALUE, g, 1);
	sim_pull(g, 1);
	ok(VIRTIO_GPIO_MSG_SET_VALUE, g, 0);
	expect_sim(g, 0, "SET_VALUE 0 against pull-up");
	expect_get(VIRTIO_GPIO_MSG_GET_VALUE, g, 0);
	sim_pull(g, 0);
	ok(VIRTIO_GPIO_MSG_SET_VALUE, g, 1);
	expect_sim(g, 1, "SET_VALUE 1 against pull-down");
	/* an output line takes no trigger */
	refused(VIRTIO_GPIO_MSG_SET_IRQ_TYPE, g, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	ok(VIRTIO_GPIO_MSG_SET_DIRECTION, g, VIRTIO_GPIO_DIRECTION_NONE);
	expect_sim(g, 0, "released (SET_DIRECTION NONE), pull-down");
	/*
	 * Released, the line is the kernel's again, and gpiolib keeps its last direction
	 * (gpio-sim stops driving it all the same): IN or OUT, told once.
	 */
	if (req(VIRTIO_GPIO_MSG_GET_DIRECTION, g, 0, &dir) == 0 && dir != released_dir) {
		if (dir != VIRTIO_GPIO_DIRECTION_IN && dir != VIRTIO_GPIO_DIRECTION_OUT)
			miss("GET_DIRECTION of a released line: %u", dir);
		else if (released_dir == 0xff)
			printf("note: a released output line reads as %s\n",
			       dir == VIRTIO_GPIO_DIRECTION_IN ? "IN" : "OUT (the kernel's view)");
		else
			miss("GET_DIRECTION of a released line: %u, before %u", dir, released_dir);
		released_dir = dir;
	}
	report("line %u (sim %d): output 1/0/1 seen by the chip, released to its pull", g, host[g]);
}

static void check_input_only(unsigned int g)
{
	refused(VIRTIO_GPIO_MSG_SET_VALUE, g, 1);
	refused(VIRTIO_GPIO_MSG_SET_DIRECTION, g, VIRTIO_GPIO_DIRECTION_OUT);
	expect_sim(g, 0, "after refused OUT");
	expect_get(VIRTIO_GPIO_MSG_GET_DIRECTION, g, VIRTIO_GPIO_DIRECTION_IN);
	report("line %u (sim %d): input-only, SET_VALUE and SET_DIRECTION OUT refused", g, host[g]);
}

static void check_input(unsigned int g)
{
	ok(VIRTIO_GPIO_MSG_SET_DIRECTION, g, VIRTIO_GPIO_DIRECTION_IN);
	for (int up = 1; up >= 0; up--) {
		sim_pull(g, up);
		expect_get(VIRTIO_GPIO_MSG_GET_VALUE, g, up);
	}
	ok(VIRTIO_GPIO_MSG_SET_DIRECTION, g, VIRTIO_GPIO_DIRECTION_NONE);
	report("line %u (sim %d): input follows pull-up/pull-down", g, host[g]);
}

/* Take host line @h of @chip as an output at 1, as another program would: the request fd. */
static int hold_line(const char *chip, int h)
{
	struct gpio_v2_line_request r;
	int fd = open(chip, O_RDWR | O_CLOEXEC), rc;

	if (fd < 0)
		return -errno;
	memset(&r, 0, sizeof(r));
	r.offsets[0] = (uint32_t)h;
	r.num_lines = 1;
	snprintf(r.consumer, sizeof(r.consumer), "vgpio-probe-busy");
	r.config.flags = GPIO_V2_LINE_FLAG_OUTPUT;
	r.config.num_attrs = 1;
	r.config.attrs[0].attr.id = GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES;
	r.config.attrs[0].attr.values = 1;
	r.config.attrs[0].mask = 1;
	rc = ioctl(fd, GPIO_V2_GET_LINE_IOCTL, &r);
	if (rc < 0)
		rc = -errno;
	close(fd);
	return rc < 0 ? rc : r.fd;
}

static void check_busy(unsigned int g, const char *chip)
{
	int fd = hold_line(chip, host[g]);

	if (fd < 0) {
		miss("taking line %d of %s: %s", host[g], chip, strerror(-fd));
		report("line %u (sim %d): held by another program", g, host[g]);
		return;
	}
	expect_sim(g, 1, "held at 1 by another program");
	refused(VIRTIO_GPIO_MSG_SET_DIRECTION, g, VIRTIO_GPIO_DIRECTION_OUT);
	refused(VIRTIO_GPIO_MSG_SET_DIRECTION, g, VIRTIO_GPIO_DIRECTION_IN);
	expect_sim(g, 1, "after the guest's refused requests");
	close(fd);
	ok(VIRTIO_GPIO_MSG_SET_VALUE, g, 0);
	ok(VIRTIO_GPIO_MSG_SET_DIRECTION, g, VIRTIO_GPIO_DIRECTION_OUT);
	expect_sim(g, 0, "released by the other program, driven by the guest");
	ok(VIRTIO_GPIO_MSG_SET_DIRECTION, g, VIRTIO_GPIO_DIRECTION_NONE);
	report("line %u (sim %d): refused while another program holds it, usable after", g,
	       host[g]);
}

void irq_type(unsigned int g, uint32_t type)
{
	ok(VIRTIO_GPIO_MSG_SET_IRQ_TYPE, g, type);
}

/* As the driver does for gpiomon: input, trigger, then the eventq buffer. */
static void edge_begin(unsigned int g, int level, uint32_t type)
{
	sim_pull(g, level);
	ok(VIRTIO_GPIO_MSG_SET_DIRECTION, g, VIRTIO_GPIO_DIRECTION_IN);
	irq_type(g, type);
}

static void edge_end(unsigned int g)
{
	ok(VIRTIO_GPIO_MSG_SET_DIRECTION, g, VIRTIO_GPIO_DIRECTION_NONE);
	sim_pull(g, 0);
}

static void check_edges(void)
{
	unsigned int g;

	g = 0;
	edge_begin(g, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	arm(g);
	expect_quiet("rising, before any edge");
	sim_pull(g, 1);
	expect_evt(g, VIRTIO_GPIO_IRQ_STATUS_VALID, "rising edge");
	arm(g);
	sim_pull(g, 0);
	expect_quiet("falling edge with trigger rising");
	sim_pull(g, 1);
	expect_evt(g, VIRTIO_GPIO_IRQ_STATUS_VALID, "second rising edge");
	arm(g);
	irq_type(g, VIRTIO_GPIO_IRQ_TYPE_NONE);
	expect_evt(g, VIRTIO_GPIO_IRQ_STATUS_INVALID, "held buffer on SET_IRQ_TYPE NONE");
	edge_end(g);
	report("line %u: rising edges made with pull arrive; the buffer comes back INVALID on NONE",
	       g);

	g = 1 % ngpio;
	edge_begin(g, 1, VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING);
	arm(g);
	sim_pull(g, 0);
	expect_evt(g, VIRTIO_GPIO_IRQ_STATUS_VALID, "falling edge");
	arm(g);
	sim_pull(g, 1);
	expect_quiet("rising edge with trigger falling");
	irq_type(g, VIRTIO_GPIO_IRQ_TYPE_NONE);
	expect_evt(g, VIRTIO_GPIO_IRQ_STATUS_INVALID, "held buffer on NONE");
	edge_end(g);
	report("line %u: falling edges", g);

	g = 2 % ngpio;
	edge_begin(g, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH);
	for (int up = 1; up >= 0; up--) {
		arm(g);
		sim_pull(g, up);
		expect_evt(g, VIRTIO_GPIO_IRQ_STATUS_VALID, up ? "both: rising" : "both: falling");
	}
	irq_type(g, VIRTIO_GPIO_IRQ_TYPE_NONE);
	expect_quiet("NONE with no buffer held");
	edge_end(g);
	report("line %u: both edges", g);

	/* Edges while no buffer is held are latched, and several count as one. */
	g = 3 % ngpio;
	edge_begin(g, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH);
	sim_pull(g, 1);
	sim_pull(g, 0);
	sim_pull(g, 1);
	usleep(QUIET_MS * 1000);
	arm(g);
	expect_evt(g, VIRTIO_GPIO_IRQ_STATUS_VALID, "edges latched while masked");
	arm(g);
	expect_quiet("latched edges coalesced");
	irq_type(g, VIRTIO_GPIO_IRQ_TYPE_NONE);
	expect_evt(g, VIRTIO_GPIO_IRQ_STATUS_INVALID, "held buffer on NONE");
	edge_end(g);
	report("line %u: edges while masked latched and coalesced into one", g);

	g = 4 % ngpio;
	edge_begin(g, 0, VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH);
	arm(g);
	expect_quiet("level high while low");
	sim_pull(g, 1);
	expect_evt(g, VIRTIO_GPIO_IRQ_STATUS_VALID, "level high");
	arm(g);
	expect_evt(g, VIRTIO_GPIO_IRQ_STATUS_VALID, "level still high at re-queue");
	/*
	 * Re-queued at once after the change: the daemon reads the line when the buffer arrives,
	 * so no wait for the kernel's edge event to reach it.
	 */
	sim_pull(g, 0);
	arm(g);
	expect_quiet("level low again");
	/* level low: active at once */
	irq_type(g, VIRTIO_GPIO_IRQ_TYPE_NONE);
	expect_evt(g, VIRTIO_GPIO_IRQ_STATUS_INVALID, "held buffer on NONE");
	irq_type(g, VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW);
	arm(g);
	expect_evt(g, VIRTIO_GPIO_IRQ_STATUS_VALID, "level low at once");
	sim_pull(g, 1);
	arm(g);
	expect_quiet("level low while high");
	sim_pull(g, 0);
	expect_evt(g, VIRTIO_GPIO_IRQ_STATUS_VALID, "level low");
	irq_type(g, VIRTIO_GPIO_IRQ_TYPE_NONE);
	edge_end(g);
	report("line %u: level high and level low, emulated on the real chip", g);

	/* a line with a trigger cannot become an output */
	g = 0;
	edge_begin(g, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	refused(VIRTIO_GPIO_MSG_SET_DIRECTION, g, VIRTIO_GPIO_DIRECTION_OUT);
	irq_type(g, VIRTIO_GPIO_IRQ_TYPE_NONE);
	edge_end(g);
	report("line %u: SET_DIRECTION OUT refused while a trigger is set", g);
}

/* ---- set-up --------------------------------------------------------------------------------- */

/* "0-3,6" -> out[]; returns the count, -1 on a syntax error. */
static int parse_lines(const char *s, int *out)
{
	int n = 0;

	while (*s) {
		char *end;
		long a = strtol(s, &end, 10), b = a;

		if (end == s || a < 0)
			return -1;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		for (long i = a; i <= b && n < MAXL; i++)
			out[n++] = (int)i;
		if (*end != ',' && *end)
			return -1;
		s = *end ? end + 1 : end;
	}
	return n;
}

static int usage(void)
{
	fprintf(stderr, "usage: vgpio-probe [-l HOSTLINES] [-i INPUT_ONLY] [-n NAMES] "
		"[-b LINE -c CHIP] [-k BROKER] SOCKET SIMDIR\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *lines = NULL, *inonly = NULL, *names = NULL, *busy_chip = NULL;
	int ro[MAXL], nro = 0, nlines = -1, busy = -1, broker = 0, opt, fd;

	while ((opt = getopt(argc, argv, "l:i:n:b:c:k:")) != -1) {
		if (opt == 'l')
			lines = optarg;
		else if (opt == 'i')
			inonly = optarg;
		else if (opt == 'n')
			names = optarg;
		else if (opt == 'b')
			busy = atoi(optarg);
		else if (opt == 'c')
			busy_chip = optarg;
		else if (opt == 'k')
			broker = atoi(optarg);
		else
			return usage();
	}
	if ((busy >= 0) != (busy_chip != NULL))
		return usage();
	if (argc - optind != 2)
		return usage();
	simdir = argv[optind + 1];
	for (int i = 0; i < MAXL; i++)
		host[i] = i;
	if (lines && (nlines = parse_lines(lines, host)) <= 0)
		return usage();
	if (inonly && (nro = parse_lines(inonly, ro)) < 0)
		return usage();

	fd = tfe_connect(argv[optind], 5000);
	t = fd < 0 ? NULL : tfe_new(fd, 0);
	if (!t || tfe_handshake(t, TFE_QEMU9) < 0)
		miss("connect and QEMU 9 handshake on %s failed", argv[optind]);
	else if (!(t->acked & (1ull << VIRTIO_GPIO_F_IRQ)))
		miss("VIRTIO_GPIO_F_IRQ not offered (features 0x%llx)",
		     (unsigned long long)t->dev_features);
	report("handshake (QEMU 9 order), VIRTIO_GPIO_F_IRQ");
	if (nfail)
		goto out;
	ngpio = le16toh(t->cfg.ngpio);
	if (ngpio == 0 || ngpio > MAXL || (nlines > 0 && ngpio != (unsigned int)nlines))
		miss("ngpio %u, expected %d", ngpio, nlines);
	report("config: %u lines", ngpio);
	if (nfail)
		goto out;
	for (int i = 0; i < nro; i++)
		if (ro[i] < (int)ngpio)
			in_only[ro[i]] = 1;

	if (broker > 0) {
		check_restart(broker);
		goto out;
	}
	if (names)
		check_names(names);
	for (unsigned int g = 0; g < ngpio; g++) {
		expect_get(VIRTIO_GPIO_MSG_GET_DIRECTION, g, VIRTIO_GPIO_DIRECTION_IN);
		sim_pull(g, 0);
		if (in_only[g])
			check_input_only(g);
		else
			check_output(g);
		check_input(g);
	}
	check_edges();
	if (busy >= 0 && busy < (int)ngpio)
		check_busy((unsigned int)busy, busy_chip);
	refused(VIRTIO_GPIO_MSG_GET_VALUE, ngpio, 0);
	refused(VIRTIO_GPIO_MSG_SET_DIRECTION, ngpio, VIRTIO_GPIO_DIRECTION_OUT);
	report("line %u (past the last line) refused", ngpio);
	if (t->vq[0].errors || t->vq[1].errors)
		miss("%u requestq and %u eventq ring errors", t->vq[0].errors, t->vq[1].errors);
	report("no virtqueue protocol errors by the device");
out:
	finish();
}
