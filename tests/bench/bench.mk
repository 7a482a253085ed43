# SPDX-License-Identifier: GPL-2.0-or-later
# vug-bench (tests/bench/README.md), included by the main Makefile.
#
#   make bench        build, then the full run against this build's daemon (< 2 min)
#   make bench-quick  tiny counts: a functional smoke run of a few seconds; exit status
#                     1 if anything failed functionally (never because of timing)
#
# BENCH_ARGS adds options, e.g. make bench BENCH_ARGS="--lines 8 --irq-type rising".

BENCH_SRC  := $(wildcard tests/bench/*.c)
BENCH_OBJ  := $(BENCH_SRC:%.c=$(B)/%.o)
BENCH_BIN  := $(B)/tests/bench/vug-bench
BENCH_ARGS ?=

.PHONY: bench bench-quick
$(BENCH_BIN): $(BENCH_OBJ)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDFLAGS)

bench: $(PROGS) $(BENCH_BIN)
	$(BENCH_BIN) --daemon $(B)/vhost-user-gpio $(BENCH_ARGS)

bench-quick: $(PROGS) $(BENCH_BIN)
	$(BENCH_BIN) --quick --daemon $(B)/vhost-user-gpio $(BENCH_ARGS)

-include $(BENCH_OBJ:.o=.d)
