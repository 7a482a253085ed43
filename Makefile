# vhost-user-gpio
#
#   make            build the broker and the helper into build/
#   make check      unit and integration tests, then the VM suite (root; VUG_SKIP_VM=1 skips it)
#   make check-fast unit and integration tests only
#   make check-san  unit and integration tests under AddressSanitizer + UBSan (build-san/)
#   make deps       install build and test dependencies with apt-get
#   make install    PREFIX=/usr/local DESTDIR= (programs, policies, man pages, systemd units)
#   make uninstall  the same variables
#   make bench      performance figures (tests/bench/README.md); bench-quick: a smoke run
#   make soak       the interrupt and request soak at full counts (10^6 each)
#   make fuzz       every fuzz target under libFuzzer for FUZZ_SECONDS each (tests/fuzz/fuzz.mk)

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec/vhost-user-gpio
DATADIR    ?= $(PREFIX)/share/vhost-user-gpio
MANDIR     ?= $(PREFIX)/share/man
UNITDIR    ?= $(PREFIX)/lib/systemd/system
VERSION    := 0.1.0

CC      ?= cc
# V=1 shows the full commands.
Q       := $(if $(V),,@)
B       ?= build
PKGS    := libevent_core libseccomp libcap-ng libgpiod
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -levent_core -lseccomp -lcap-ng -lgpiod)

CFLAGS  ?= -O2 -g
VUG_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-missing-field-initializers \
	   -D_GNU_SOURCE -Iproto -Idevice/common -Idevice -Isandbox $(PKG_CFLAGS) \
	   -DVUG_VERSION='"$(VERSION)"' -DVUG_LIBEXECDIR='"$(LIBEXECDIR)"' \
	   -DVUG_POLICYDIR='"$(DATADIR)/policy"'
ALL_CFLAGS = $(VUG_CFLAGS) $(CFLAGS)
LDLIBS  += $(PKG_LIBS)

SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

LIB_SRC  := $(filter-out %/main.c,$(wildcard proto/*.c device/*/*.c sandbox/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/%.o)
FE_SRC   := $(wildcard tests/frontend/*.c)
FE_OBJ   := $(FE_SRC:%.c=$(B)/%.o)
UNIT     := $(patsubst tests/unit/%.c,$(B)/tests/unit/%,$(wildcard tests/unit/test_*.c))
INTEG    := $(patsubst tests/integration/%.c,$(B)/tests/integration/%,$(wildcard tests/integration/test_*.c))
PROGS    := $(B)/vhost-user-gpio $(B)/vhost-user-gpio-helper

# The first rule of an included file would otherwise be the default goal.
.DEFAULT_GOAL := all

# make bench / bench-quick: the benchmark front-end (tests/bench/README.md).
include tests/bench/bench.mk
# make fuzz / fuzz-regress / fuzz-seeds: the fuzz targets (tests/fuzz/fuzz.mk).
include tests/fuzz/fuzz.mk

.SECONDARY:
.PHONY: all check check-fast check-san tests deps install uninstall clean
all: $(PROGS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/libvug.a: $(LIB_OBJ)
	$(Q)$(AR) rcs $@ $^

$(B)/vhost-user-gpio: $(B)/device/broker/main.o $(B)/libvug.a
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

$(B)/vhost-user-gpio-helper: $(B)/device/helper/main.o $(B)/libvug.a
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

$(B)/tests/unit/%: $(B)/tests/unit/%.o $(B)/libvug.a
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

$(B)/tests/integration/%: $(B)/tests/integration/%.o $(FE_OBJ) $(B)/libvug.a
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

tests: $(PROGS) $(UNIT) $(INTEG)

# The benchmark's quick run is a smoke test: it fails on wrong answers, never on timing.
BENCH_SMOKE = $(BENCH_BIN) --quick --daemon $(B)/vhost-user-gpio >$(B)/bench-quick.out 2>&1 \
	&& echo '1 passed, 0 failed (make bench-quick)' \
	|| { tail -n 30 $(B)/bench-quick.out; echo '0 passed, 1 failed (make bench-quick)'; }

# Every fuzz target over its committed corpus (regressions), with the normal (or san) build.
FUZZ_SUITE = sh tests/fuzz/regress.sh $(B) $(FUZZ_ALL)

check-fast: tests $(BENCH_BIN) $(FUZZ_REGRESS)
	@sh tests/run.sh $(B) "$(BENCH_SMOKE)" "$(FUZZ_SUITE)"

# The soak at full counts (10^6 interrupt cycles, 10^6 requests; make check runs it scaled down).
.PHONY: soak
soak: $(PROGS) $(B)/tests/integration/test_soak_irq $(B)/tests/integration/test_soak_req
	@rc=0; for t in irq req; do \
		VUG_BUILD=$(B) VUG_SOAK=full $(B)/tests/integration/test_soak_$$t || rc=1; \
	done; exit $$rc

# The VM suite runs after the fast tests, never in parallel with them (2 cores, TCG guests);
# the last line is the total of both.
check: tests $(BENCH_BIN) $(FUZZ_REGRESS)
	@sh tests/run.sh $(B) "$(BENCH_SMOKE)" "$(FUZZ_SUITE)" \
		"$(MAKE) --no-print-directory vmcheck"

# The VM suite exercises the same code under a real driver; under ASan it would only be slower.
check-san:
	$(MAKE) B=build-san CFLAGS="-O1 -g $(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)" check-fast

# Build and test dependencies (Debian). Idempotent: installs only what is missing.
# libgpiod-dev must be 2.x (the v2 API; Linux 7.x kernels drop the v1 uAPI). trixie and
# later have it in main; bookworm has 1.6 there, so on bookworm `deps` adds a
# bookworm-backports sources entry and a pin at priority 100 (what apt gives backports
# anyway, said explicitly): nothing installed from main is ever replaced by a backport,
# only libgpiod-dev and its libgpiod3 come from there and follow its updates.
DEB_PKGS := gcc make pkg-config libc6-dev libevent-dev libseccomp-dev libcap-ng-dev libgpiod-dev
# mandoc: the manual pages' lint in tests/unit/test_manpage_cli.c
DEB_PKGS += mandoc
BPO_SOURCES := /etc/apt/sources.list.d/vhost-user-gpio-bookworm-backports.sources
BPO_PIN     := /etc/apt/preferences.d/vhost-user-gpio-bookworm-backports
deps:
	@missing=""; for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	case "$$missing " in *" libgpiod-dev "*) ;; *) \
		dpkg --compare-versions "$$(dpkg-query -W -f='$${Version}' libgpiod-dev)" ge 2 || \
			missing="$$missing libgpiod-dev";; \
	esac; \
	if [ -z "$$missing" ]; then echo "dependencies present"; exit 0; fi; \
	codename=$$(. /etc/os-release && echo "$$VERSION_CODENAME"); \
	case "$$missing " in *" libgpiod-dev "*) if [ "$$codename" = bookworm ]; then \
		printf '%s\n' 'Types: deb' 'URIs: http://deb.debian.org/debian' \
			'Suites: bookworm-backports' 'Components: main' \
			'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' >$(BPO_SOURCES) && \
		printf '%s\n' '# vhost-user-gpio: libgpiod-dev 2.x only; never upgrade anything else' \
			'Package: *' 'Pin: release n=bookworm-backports' 'Pin-Priority: 100' >$(BPO_PIN) || exit 1; \
		missing=$$(echo "$$missing " | sed 's| libgpiod-dev | libgpiod-dev/bookworm-backports |'); \
	fi;; esac; \
	echo "installing:$$missing"; \
	apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing && \
	if ! pkg-config --atleast-version=2 libgpiod; then \
		echo "libgpiod-dev >= 2 is needed (the libgpiod v2 API); this release has $$(pkg-config --modversion libgpiod)" >&2; \
		exit 1; \
	fi

POLICY_ARCHES := x86_64 aarch64

install: $(PROGS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR)
	install -m 755 $(B)/vhost-user-gpio $(DESTDIR)$(BINDIR)/
	install -m 755 $(B)/vhost-user-gpio-helper $(DESTDIR)$(LIBEXECDIR)/
	for a in $(POLICY_ARCHES); do \
		install -d $(DESTDIR)$(DATADIR)/policy/$$a && \
		install -m 644 policy/$$a/*.policy $(DESTDIR)$(DATADIR)/policy/$$a/ || exit 1; \
	done
	install -d $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR)
	install -m 644 man/*.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 man/*.8 $(DESTDIR)$(MANDIR)/man8/
	sed 's|@BINDIR@|$(BINDIR)|g' device/broker/systemd/vhost-user-gpio@.service \
		>$(DESTDIR)$(UNITDIR)/vhost-user-gpio@.service
	install -m 644 device/broker/systemd/vhost-user-gpio@.socket $(DESTDIR)$(UNITDIR)/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/vhost-user-gpio $(DESTDIR)$(LIBEXECDIR)/vhost-user-gpio-helper
	rm -rf $(DESTDIR)$(DATADIR)/policy
	rm -f $(DESTDIR)$(MANDIR)/man5/vhost-user-gpio.policy.5 \
		$(DESTDIR)$(MANDIR)/man8/vhost-user-gpio.8 $(DESTDIR)$(MANDIR)/man8/vhost-user-gpio-helper.8 \
		$(DESTDIR)$(UNITDIR)/vhost-user-gpio@.service $(DESTDIR)$(UNITDIR)/vhost-user-gpio@.socket
	-rmdir $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(DATADIR)

clean:
	rm -rf build build-san

-include $(LIB_OBJ:.o=.d) $(FE_OBJ:.o=.d) $(UNIT:=.d) $(INTEG:=.d)

# The VM suite (tests/vm/run-all.sh): the Linux guest's gpio-virtio driver behind QEMU 10's
# and QEMU 7.2's vhost-user-gpio-pci, served by this build, and this build's daemon inside the
# guest on a gpio-sim chip. Root; the first run downloads Debian packages into VUG_VM_CACHE
# (default /var/cache/vhost-user-gpio-vm). A guest that cannot be built fails the suite;
# VUG_SKIP_VM=1 skips it.
.PHONY: vmcheck
vmcheck: $(PROGS)
	VUG_DAEMON=$(abspath $(B))/vhost-user-gpio tests/vm/run-all.sh

# make demo (root): installs what is missing (make deps, then tests/vm/prepare.sh), builds, and
# shows the Linux guest's gpio-virtio driver using this daemon on a simulated 8-line chip under
# QEMU 10: gpioinfo, a value set in the guest seen on the host, an edge made on the host arriving
# in the guest's gpiomon. Downloads and the guest kernel are cached in VUG_VM_CACHE (default
# /var/cache/vhost-user-gpio-vm): the first run takes about a minute more, later ones ~10 s.
.PHONY: demo
demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) -s --no-print-directory all
	@VUG_DAEMON=$(abspath $(B))/vhost-user-gpio tests/vm/demo.sh
