// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vug-bench: options and the order of the phases.
 *
 *   floor                      eventfd ping-pong, before any daemon runs
 *   for each L in --lines:
 *     start-up                 (own daemon only) exec -> accept, -> first reply
 *     handshake, lines -> out  SET_VALUE 0 + SET_DIRECTION OUT on every line
 *     requests at each D       throughput; D = 1 also gives the latencies
 *     interrupts               latency per line, bursts, disarm
 *     memory                   VmRSS while the connection is still open
 *
 * See README.md for what each figure means.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

struct bench_opts bopt;
uint64_t bench_floor_ns;

static void usage(FILE *f)
{
	fprintf(f,
"usage: vug-bench [options]\n"
"Benchmark a virtio-gpio vhost-user back-end; prints key=value lines and a summary.\n"
"  --daemon PATH       vhost-user-gpio to start (default: ../../vhost-user-gpio\n"
"                      next to this program)\n"
"  --daemon-arg ARG    extra argument for it (repeatable)\n"
"  --socket PATH       use a back-end already listening on PATH instead\n"
"  --sim-control PATH  its simulation control socket (else interrupts are skipped)\n"
"  --sim-dev N         device index on that socket (default 0)\n"
"  --pids LIST         its processes for VmRSS: NAME=PID or PID, comma-separated\n"
"  --lines LIST        line counts L (default 8,10000; with --socket: all lines)\n"
"  --depths LIST       requests in flight D (default 1,8,32,64)\n"
"  --requests N        timed requests per D (default 50000)\n"
"  --warmup N          untimed requests before them (default N/10)\n"
"  --irq-lines N       lines armed at once, each holding an eventq buffer\n"
"                      (default 1024, at most L: 1024 is the '1,024 armed' case)\n"
"  --irq-samples N     interrupt latency samples (default 5000)\n"
"  --irq-bursts N      bursts of all armed lines at once (default 5)\n"
"  --irq-type T        both or rising (default both)\n"
"  --floor-iters N     eventfd ping-pongs (default 50000)\n"
"  --startup-runs N    daemon starts timed per L (default 5)\n"
"  --qsize N           requestq size (default 256)\n"
"  --evq-size N        eventq size (default: fits --irq-lines, at least 64)\n"
"  --timeout-ms N      longest wait for any answer (default 2000)\n"
"  --max-seconds N     cap on one throughput run (default 8)\n"
"  --quick             tiny counts (and --lines 8,64 for an own daemon): a\n"
"                      functional smoke run of a few seconds\n"
"Exit status 1 if anything failed functionally (never because of timing), 2 for\n"
"bad options.\n");
}

static int parse_uint(const char *s, unsigned int max, unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max || s[0] == '-')
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

static int parse_list(const char *s, unsigned int max, unsigned int *out, unsigned int *n)
{
	char buf[256], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", s);
	*n = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (*n >= BENCH_MAX_LIST || parse_uint(tok, max, &out[*n]) < 0)
			return -EINVAL;
		(*n)++;
	}
	return *n ? 0 : -EINVAL;
}

static int parse_opts(int argc, char **argv)
{
	enum { O_DAEMON = 256, O_DARG, O_SOCKET, O_SIM, O_SIMDEV, O_PIDS, O_LINES, O_DEPTHS,
	       O_REQ, O_WARM, O_ILINES, O_ISAMP, O_IBURST, O_ITYPE, O_FLOOR, O_START, O_QSIZE,
	       O_EVQ, O_TMO, O_MAXS, O_QUICK };
	static const struct option lo[] = {
		{ "daemon", 1, NULL, O_DAEMON }, { "daemon-arg", 1, NULL, O_DARG },
		{ "socket", 1, NULL, O_SOCKET }, { "sim-control", 1, NULL, O_SIM },
		{ "sim-dev", 1, NULL, O_SIMDEV }, { "pids", 1, NULL, O_PIDS },
		{ "lines", 1, NULL, O_LINES }, { "depths", 1, NULL, O_DEPTHS },
		{ "requests", 1, NULL, O_REQ }, { "warmup", 1, NULL, O_WARM },
		{ "irq-lines", 1, NULL, O_ILINES }, { "irq-samples", 1, NULL, O_ISAMP },
		{ "irq-bursts", 1, NULL, O_IBURST }, { "irq-type", 1, NULL, O_ITYPE },
		{ "floor-iters", 1, NULL, O_FLOOR }, { "startup-runs", 1, NULL, O_START },
		{ "qsize", 1, NULL, O_QSIZE }, { "evq-size", 1, NULL, O_EVQ },
		{ "timeout-ms", 1, NULL, O_TMO }, { "max-seconds", 1, NULL, O_MAXS },
		{ "quick", 0, NULL, O_QUICK }, { "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *lines = NULL, *depths = "1,8,32,64";
	int ndarg = 0, rc = 0, o;
	long warm = -1;

	bopt.requests = 50000;
	bopt.irq_lines = 1024;
	bopt.irq_samples = 5000;
	bopt.irq_bursts = 5;
	bopt.floor_iters = 50000;
	bopt.startup_runs = 5;
	bopt.qsize = 256;
	bopt.timeout_ms = 2000;
	bopt.max_seconds = 8;
	bopt.irq_type = VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH;
	/* --quick first, so that explicit counts after it or before it both win. */
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--quick")) {
			bopt.quick = true;
			bopt.requests = 200;
			bopt.irq_samples = 20;
			bopt.irq_bursts = 1;
			bopt.floor_iters = 500;
			bopt.startup_runs = 1;
		}
	while (rc == 0 && (o = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		unsigned int v;

		switch (o) {
		case O_DAEMON: bopt.daemon = optarg; break;
		case O_DARG:
			if (ndarg >= 8)
				rc = -EINVAL;
			else
				bd_extra_args[ndarg++] = optarg;
			break;
		case O_SOCKET: bopt.socket = optarg; break;
		case O_SIM: bopt.sim_control = optarg; break;
		case O_SIMDEV: rc = parse_uint(optarg, 63, &bopt.sim_dev); break;
		case O_PIDS: bopt.pids = optarg; break;
		case O_LINES: lines = optarg; break;
		case O_DEPTHS: depths = optarg; break;
		case O_REQ: rc = parse_uint(optarg, 100000000, &bopt.requests); break;
		case O_WARM: rc = parse_uint(optarg, 100000000, &v); warm = v; break;
		case O_ILINES: rc = parse_uint(optarg, 65535, &bopt.irq_lines); break;
		case O_ISAMP: rc = parse_uint(optarg, 10000000, &bopt.irq_samples); break;
		case O_IBURST: rc = parse_uint(optarg, 100000, &bopt.irq_bursts); break;
		case O_FLOOR: rc = parse_uint(optarg, 100000000, &bopt.floor_iters); break;
		case O_START: rc = parse_uint(optarg, BENCH_MAX_STARTS, &bopt.startup_runs); break;
		case O_QSIZE: rc = parse_uint(optarg, 32768, &bopt.qsize); break;
		case O_EVQ: rc = parse_uint(optarg, 32768, &bopt.evq_size); break;
		case O_TMO: rc = parse_uint(optarg, 600000, &bopt.timeout_ms); break;
		case O_MAXS: rc = parse_uint(optarg, 3600, &bopt.max_seconds); break;
		case O_ITYPE:
			if (!strcmp(optarg, "both"))
				bopt.irq_type = VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH;
			else if (!strcmp(optarg, "rising"))
				bopt.irq_type = VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING;
			else
				rc = -EINVAL;
			break;
		case O_QUICK: break;
		case 'h': usage(stdout); exit(0);
		default: rc = -EINVAL; break;
		}
	}
	if (rc == 0 && optind < argc)
		rc = -EINVAL;
	if (rc == 0 && parse_list(depths, 32768, bopt.depths, &bopt.ndepths) < 0)
		rc = -EINVAL;
	if (!lines && bopt.quick && !bopt.socket)
		lines = "8,64";
	if (rc == 0 && !lines && bopt.socket) {
		bopt.lines[0] = 0;	/* every line the back-end has */
		bopt.nlines_list = 1;
	} else if (rc == 0 && parse_list(lines ? lines : "8,10000", 65535, bopt.lines,
					 &bopt.nlines_list) < 0) {
		rc = -EINVAL;
	}
	for (unsigned int i = 0; rc == 0 && i < bopt.ndepths; i++)
		if (bopt.depths[i] == 0)
			rc = -EINVAL;
	for (unsigned int i = 0; rc == 0 && !bopt.socket && i < bopt.nlines_list; i++)
		if (bopt.lines[i] == 0)
			rc = -EINVAL;
	if (rc == 0 && (bopt.qsize < 2 || (bopt.qsize & (bopt.qsize - 1)) ||
			(bopt.evq_size & (bopt.evq_size - 1))))
		rc = -EINVAL;
	bopt.warmup = warm >= 0 ? (unsigned int)warm : bopt.requests / 10;
	if (rc < 0)
		usage(stderr);
	return rc;
}

/* ../../vhost-user-gpio next to build/tests/bench/vug-bench. */
static const char *default_daemon(void)
{
	static char path[PATH_MAX];
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return "build/vhost-user-gpio";
	self[n] = '\0';
	snprintf(path, sizeof(path), "%s/../../vhost-user-gpio", dirname(self));
	return path;
}

static void run_floor(void)
{
	uint64_t *s = calloc(bopt.floor_iters ? bopt.floor_iters : 1, sizeof(*s));

	if (!s || bopt.floor_iters == 0 || bfl_run(s, bopt.floor_iters) < 0) {
		if (bopt.floor_iters)
			bench_fail("floor: eventfd ping-pong failed");
		brep_skip("floor_rtt_us", "no ping-pong");
		free(s);
		return;
	}
	bench_sort(s, bopt.floor_iters);
	bench_floor_ns = bench_pct(s, bopt.floor_iters, 50);
	brep_us("floor_rtt_us", bench_floor_ns);
	brep_us("floor_rtt_p99_us", bench_pct(s, bopt.floor_iters, 99));
	brep_line("floor: eventfd ping-pong between two processes, median %.1f µs round trip "
		  "(%u iterations)", (double)bench_floor_ns / 1000.0, bopt.floor_iters);
	free(s);
}

int main(int argc, char **argv)
{
	uint64_t t0 = bench_now_ns();

	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (parse_opts(argc, argv) < 0)
		return 2;
	if (!bopt.daemon)
		bopt.daemon = default_daemon();
	run_floor();
	for (unsigned int i = 0; i < bopt.nlines_list; i++)
		bench_run_lines(bopt.lines[i]);
	brep_kv("failures", "%u", bench_failures);
	brep_kv("bench_wall_s", "%.1f", (double)(bench_now_ns() - t0) / 1e9);
	brep_print_summary();
	if (bench_failures)
		fprintf(stderr, "vug-bench: %u functional failure(s)\n", bench_failures);
	return bench_failures ? 1 : 0;
}
