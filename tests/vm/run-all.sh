#!/bin/bash
# The whole VM suite: prepare (cached), pack the initramfs, boot once and run every guest test
# against the daemon (VUG_DAEMON, default build/vhost-user-gpio). Ends with "N passed, N failed".
#   env: VUG_VM_CACHE, VUG_DAEMON, VUG_VM_LOGS, and run-vm.sh's settings
. "$(dirname "$0")/common.sh"
TESTS=${VM_TESTS:-probe,rw,irq,latch,stress}

pass=0 fail=0
step() {	# step NAME CMD...: a set-up step; counts as one test
	local name=$1 t0=$SECONDS

	shift
	if "$@"; then
		pass=$((pass + 1)); echo "PASS $name ($((SECONDS - t0))s)"
	else
		fail=$((fail + 1)); echo "FAIL $name ($((SECONDS - t0))s)"
	fi
}
step prepare "$HERE/prepare.sh"
[ "$fail" = 0 ] && step mkinitrd "$HERE/mkinitrd.sh"
if [ "$fail" = 0 ]; then
	t0=$SECONDS
	out=$(mktemp)
	"$HERE/run-vm.sh" "$TESTS" | tee "$out" || true
	echo "vm: $((SECONDS - t0))s"
	last=$(tail -n 1 "$out")
	rm -f "$out"
	if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		pass=$((pass + BASH_REMATCH[1])) fail=$((fail + BASH_REMATCH[2]))
	else
		fail=$((fail + 1)); echo "FAIL vm (run-vm.sh gave no result line)"
	fi
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
