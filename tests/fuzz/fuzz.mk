# SPDX-License-Identifier: GPL-2.0-or-later
# Fuzz targets (tests/fuzz/fz_*.c), included from the Makefile; on its own:
# make -f Makefile -f tests/fuzz/fuzz.mk TARGET.
#
#   make fuzz          build every target with clang's libFuzzer, ASan and UBSan into
#                      build-fuzz/ and run each for FUZZ_SECONDS (default 30) seconds,
#                      one after the other; installs clang and libclang-rt-14-dev with
#                      apt-get if they are missing. New inputs go to build-fuzz/corpus/,
#                      crashes to build-fuzz/artifacts/; the committed corpus is only read.
#   make fuzz-regress  run every target over its committed corpus (tests/fuzz/corpus/T/)
#                      with tests/fuzz/standalone_main.c instead of libFuzzer, built with
#                      the normal compiler and flags into $(B) (so check-san's build-san
#                      runs them under ASan + UBSan); prints "N passed, N failed".
#   make fuzz-seeds    regenerate the seed files of tests/fuzz/corpus/ (tests/fuzz/mkseeds.c)
#
#   FUZZ_TARGETS="vq wk" picks targets; FUZZ_ARGS adds libFuzzer options (e.g. -jobs=2).

ifndef VUG_FUZZ_MK
VUG_FUZZ_MK := 1

FUZZ_ALL     := vu_msg vq irq wk ipc_worker ipc_helper policy devlist cli
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_SECONDS ?= 30
FUZZ_B       ?= build-fuzz
FUZZ_CC      ?= clang
FUZZ_SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer \
		-fno-sanitize-recover=undefined
FUZZ_MAKE    := $(MAKE) --no-print-directory -f Makefile -f tests/fuzz/fuzz.mk

FUZZ_SRC     := $(wildcard tests/fuzz/*.c)
FUZZ_COMMON  := $(B)/tests/fuzz/fz.o $(B)/tests/fuzz/fzw.o
FUZZ_REGRESS := $(FUZZ_TARGETS:%=$(B)/tests/fuzz/regress_%)
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(B)/tests/fuzz/fuzz_%)

.PHONY: fuzz fuzz-regress fuzz-build fuzz-deps fuzz-seeds

# A target with the standalone driver: an ordinary test program.
$(B)/tests/fuzz/regress_%: $(B)/tests/fuzz/fz_%.o $(FUZZ_COMMON) \
			   $(B)/tests/fuzz/standalone_main.o $(B)/libvug.a
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

# A target with libFuzzer's main; only built by `fuzz`, where $(B) is $(FUZZ_B) and CC clang.
$(B)/tests/fuzz/fuzz_%: $(B)/tests/fuzz/fz_%.o $(FUZZ_COMMON) $(B)/libvug.a
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDFLAGS) $(LDLIBS)

# Targets of more than one file.
$(B)/tests/fuzz/regress_wk $(B)/tests/fuzz/fuzz_wk: $(B)/tests/fuzz/fz_wk_guest.o

fuzz-regress: $(FUZZ_REGRESS)
	@sh tests/fuzz/regress.sh $(B) $(FUZZ_TARGETS)

fuzz-build: $(FUZZ_BINS)

# Idempotent, like `deps`: apt-get runs only when something is missing.
fuzz-deps:
	@if command -v $(FUZZ_CC) >/dev/null 2>&1 && \
	    dpkg-query -W -f='$${Status}' libclang-rt-14-dev 2>/dev/null | grep -q 'ok installed'; \
	then :; else \
		echo "installing clang libclang-rt-14-dev"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
			--no-install-recommends clang libclang-rt-14-dev; \
	fi

fuzz: fuzz-deps
	@$(FUZZ_MAKE) B=$(FUZZ_B) CC=$(FUZZ_CC) CFLAGS="-O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link" \
		LDFLAGS="$(FUZZ_SAN)" FUZZ_TARGETS="$(FUZZ_TARGETS)" fuzz-build
	@sh tests/fuzz/run.sh $(FUZZ_B) $(FUZZ_SECONDS) "$(FUZZ_ARGS)" $(FUZZ_TARGETS)

$(B)/tests/fuzz/mkseeds: $(B)/tests/fuzz/mkseeds.o $(B)/libvug.a
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

fuzz-seeds: $(B)/tests/fuzz/mkseeds
	$(B)/tests/fuzz/mkseeds tests/fuzz/corpus

-include $(FUZZ_SRC:%.c=$(B)/%.d)

endif
