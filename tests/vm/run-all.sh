#!/bin/bash
# The whole VM suite: prepare (cached), then three scenarios, each one boot of the Debian 6.1
# guest under TCG. Ends with "N passed, N failed"; exit status 0 only if nothing failed.
#
#   qemu10  the real gpio-virtio driver behind QEMU 10's vhost-user-gpio-pci, served by the
#           daemon on the host (simulated chip s8): probe, rw, irq, latch, stress
#   qemu72  the same driver behind bookworm's system QEMU 7.2, which never offers
#           VIRTIO_GPIO_F_IRQ: noirq (no eventq, gpiomon fails cleanly), rw
#   chip    the daemon inside the guest, jailed, on a kernel gpio-sim chip through its libgpiod
#           backend, driven by vgpio-probe (built from tests/frontend): chip, chip-policy,
#           chip-restart
#
# A guest that cannot be built (not root, no Debian archive, a failed module build) is a
# failure, not a skip. VUG_SKIP_VM=1 is the explicit opt-out: nothing runs, exit 0.
#   env: VUG_DAEMON (default build/vhost-user-gpio; its directory is the build used in the
#        guest too), VUG_VM_CACHE, VUG_VM_LOGS, VM_SCENARIOS (default qemu10,qemu72,chip),
#        VM_TESTS (qemu10's tests), and run-vm.sh's settings
. "$(dirname "$0")/common.sh"
SCENARIOS=${VM_SCENARIOS:-qemu10,qemu72,chip}
DAEMON=${VUG_DAEMON:-$TOP/build/vhost-user-gpio}
BUILD=$(cd "$(dirname "$DAEMON")" && pwd)
CHIP_INITRD=$BUILD/vm/initrd-chip.cpio.gz

if [ "${VUG_SKIP_VM:-0}" = 1 ]; then
	echo "SKIP vm: VUG_SKIP_VM=1"
	echo "0 passed, 0 failed"
	exit 0
fi

pass=0 fail=0
count() {	# count NAME OK? [DETAIL]
	if [ "$2" = 0 ]; then
		pass=$((pass + 1)); echo "PASS $1${3:+ ($3)}"
	else
		fail=$((fail + 1)); echo "FAIL $1${3:+ ($3)}"
	fi
}
step() {	# step NAME CMD...: a set-up step; counts as one test
	local name=$1 t0=$SECONDS rc=0

	shift
	"$@" || rc=$?
	count "$name" $rc "$((SECONDS - t0))s"
	return $rc
}

# scenario NAME TESTS [VAR=VALUE...]: one boot with run-vm.sh; adds its results to the count
scenario() {
	local name=$1 tests=$2 t0=$SECONDS out last

	shift 2
	out=$(mktemp)
	env "$@" "$HERE/run-vm.sh" "$tests" | tee "$out" || true
	last=$(tail -n 1 "$out")
	rm -f "$out"
	if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		pass=$((pass + BASH_REMATCH[1])) fail=$((fail + BASH_REMATCH[2]))
	else
		count "$name" 1 "run-vm.sh gave no result line"
	fi
	TIMES+=" $name=$((SECONDS - t0))s"
}

# vgpio-probe: the test front-end as a static program for the guest, with the Makefile's flags
build_probe() {
	mkdir -p "$BUILD/vm"
	gcc -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-missing-field-initializers \
		-D_GNU_SOURCE -I"$TOP/proto" -I"$TOP/device/common" -I"$TOP/device" -O2 -static \
		-o "$BUILD/vm/vgpio-probe" "$HERE"/guest-prog/*.c \
		"$TOP"/tests/frontend/*.c
}

# The libgpiod backend calls into libgpiod; a helper without it cannot serve /dev/gpiochipN.
gpiod_backend() {
	local syms

	syms=$(nm -D --undefined-only "$BUILD/vhost-user-gpio-helper" 2>/dev/null || true)
	[[ $syms == *" gpiod_chip_open"* ]] && return 0
	echo "libgpiod backend missing: $BUILD/vhost-user-gpio-helper does not use libgpiod"
	return 1
}

if [ "$(id -u)" != 0 ]; then
	count vm 1 "needs root (VUG_SKIP_VM=1 to skip)"
	echo "$pass passed, $fail failed"
	exit 1
fi
TIMES=
t0=$SECONDS
prep=()
[[ ,$SCENARIOS, != *,qemu72,* ]] || prep+=(--qemu72)
step prepare "$HERE/prepare.sh" "${prep[@]}" && step mkinitrd "$HERE/mkinitrd.sh" ||
	{ echo "the guest cannot be built (above); VUG_SKIP_VM=1 skips the VM tests"; SCENARIOS=; }
TIMES+=" setup=$((SECONDS - t0))s"

for s in ${SCENARIOS//,/ }; do
	case $s in
	qemu10)
		scenario qemu10 "${VM_TESTS:-probe,rw,irq,latch,stress,restart}" "VUG_DAEMON=$DAEMON" ;;
	qemu72)
		scenario qemu72 noirq,rw "VUG_DAEMON=$DAEMON" VM_QEMU=7.2 ;;
	chip)
		t0=$SECONDS
		built=1
		rm -f "$CHIP_INITRD"
		step "chip: libgpiod backend" gpiod_backend || true
		step "chip: vgpio-probe" build_probe &&
			step "chip: initramfs" "$HERE/mkinitrd.sh" "$CHIP_INITRD" "$BUILD" ||
			built=0
		TIMES+=" chip-setup=$((SECONDS - t0))s"
		# without the backend the guest test fails too, saying so: run it all the same
		[ $built = 0 ] || scenario chip chip,chip-policy,chip-restart VM_BACKEND=none \
			"VM_INITRD=$CHIP_INITRD" VM_APPEND=vmroot=tmpfs ;;
	*)
		count "$s" 1 "no such scenario (qemu10, qemu72, chip)" ;;
	esac
done
echo "times:$TIMES total=${SECONDS}s"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
