#!/bin/bash
# Boot the test guest under QEMU 10 or 7.2 (TCG) with a vhost-user-gpio-pci device served by
# the project's daemon (or with no device, VM_BACKEND=none), run guest tests, report each one.
#   usage: run-vm.sh TEST[,TEST...]   guest/tests/TEST.sh; run prepare.sh and mkinitrd.sh first
#          run-vm.sh shell            an interactive guest shell on this terminal
#   env:   VUG_DAEMON     daemon binary (default: build/vhost-user-gpio of this tree)
#          VUG_VM_LOGS    where the logs go (default: build/vm-logs); one directory per run
#          TIMEOUT=300    seconds for the whole VM      TEST_TIMEOUT=120  seconds per guest test
#          MEM=256        guest RAM in MiB (>= 128: the PVH kernel image alone is 66 MB)
#          APPEND=...     extra kernel arguments (e.g. vgpio_stress=500)
#          LOG_LEVEL=info the daemon's --log-level
#          VUG_DAEMON_ARGS  more daemon options (e.g. --no-sandbox); a daemon that takes
#                         --seccomp-policy-dir gets its tree's policy/ARCH, when that holds policies
#          VM_QEMU=10     10: the unpacked QEMU 10 (prepare.sh); 7.2: the system QEMU, which must
#                         be 7.x or 8.x (prepare.sh --qemu72 installs bookworm's)
#          VM_BACKEND=host  host: the daemon on the host serves a vhost-user-gpio-pci device;
#                         none: no device, no daemon (the guest runs its own, see chip.sh)
#          VM_INITRD      the initramfs (default $VUG_VM_CACHE/initrd.cpio.gz)
#          VM_APPEND      kernel arguments of the scenario (APPEND is the user's)
#          VM_SHOW=PREFIX the terminal shows only console lines starting with PREFIX, as
#                         "guest | ..." (make demo); console.log has them all
#
# Processes: the daemon (vhost-user server + sim control socket), host-agent.sh (answers the
# guest's requests on ttyS1 and drives the sim control), QEMU (console on ttyS0, timestamped
# into console.log). Every result line is "PASS name" or "FAIL name ...", the last line
# "N passed, N failed"; the exit status is 0 only if nothing failed.
. "$(dirname "$0")/common.sh"

TESTS=${1:?usage: run-vm.sh TEST[,TEST...]}
DAEMON=${VUG_DAEMON:-$TOP/build/vhost-user-gpio}
TIMEOUT=${TIMEOUT:-300}
MEM=${MEM:-256}
BACKEND=${VM_BACKEND:-host}
INITRD=${VM_INITRD:-$INITRD}
case ${VM_QEMU:-10} in
10) [ -x "$QEMU/usr/bin/qemu-system-x86_64" ] || die "run tests/vm/prepare.sh first" ;;
7.2) QEMU_CMD=(qemu-system-x86_64)
     v=$("${QEMU_CMD[@]}" --version 2>/dev/null || true)
     [[ $v =~ version\ [78]\. ]] ||
	die "VM_QEMU=7.2 needs the system QEMU 7.x/8.x: run tests/vm/prepare.sh --qemu72" ;;
*) die "VM_QEMU=$VM_QEMU: 10 or 7.2" ;;
esac
[ "$BACKEND" = none ] || [ -x "$DAEMON" ] || die "no daemon at $DAEMON (make, or set VUG_DAEMON)"
[ -s "$KDIR/vmlinux" ] || die "run tests/vm/prepare.sh first"
[ -s "$INITRD" ] || die "no $INITRD: run tests/vm/mkinitrd.sh first"
command -v socat >/dev/null || die "socat missing: run tests/vm/prepare.sh first"

LOGS=${VUG_VM_LOGS:-$TOP/build/vm-logs}/$(date +%Y%m%d-%H%M%S)-q${VM_QEMU:-10}-${TESTS//,/+}
mkdir -p "$LOGS"
W=$(mktemp -d /tmp/vug-vm.XXXXXX)	# short: socket paths are limited to 107 bytes
DPID= APID= WPID=
cleanup() {
	set +e
	[ -z "$WPID" ] || { kill "$WPID" 2>/dev/null; wait "$WPID" 2>/dev/null; }
	[ -z "$APID" ] || { kill "$APID" 2>/dev/null; wait "$APID" 2>/dev/null; }
	[ -z "$DPID" ] || { kill "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null; }
	rm -rf "$W"
	return 0
}
trap cleanup EXIT
alive() {	# alive PID: running, not a zombie waiting for us
	local state

	state=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) && [ "$state" != Z ]
}

# 1. the daemon: listens on gpio.sock (vhost-user) and sim.sock (sim control)
start_daemon() {
	DARGS=(-s "$W/gpio.sock" -l s8 --sim-control "$W/sim.sock" --log-level "${LOG_LEVEL:-info}")
	pdir=$(cd "$(dirname "$DAEMON")/.." && pwd)/policy/$(uname -m)
	if ls "$pdir"/*.policy > /dev/null 2>&1 &&
	   "$DAEMON" --help 2>&1 | grep -q -- --seccomp-policy-dir; then
		DARGS+=(--seccomp-policy-dir "$pdir")
	fi
	read -ra extra <<< "${VUG_DAEMON_ARGS:-}"
	DARGS+=("${extra[@]}")
	echo "$DAEMON ${DARGS[*]}" > "$LOGS/daemon.cmd"
	log "daemon: $DAEMON ${DARGS[*]}"
	"$DAEMON" "${DARGS[@]}" > "$LOGS/daemon.log" 2>&1 &
	DPID=$!
	for _ in $(seq 100); do
		[ -S "$W/gpio.sock" ] && [ -S "$W/sim.sock" ] && break
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.05
	done
	if ! [ -S "$W/gpio.sock" ] || ! [ -S "$W/sim.sock" ]; then
		cat "$LOGS/daemon.log" >&2
		die "the daemon did not come up"
	fi
}

# 2. the agent on the guest's ttyS1
start_agent() {
	mkfifo "$W/host.in" "$W/host.out"
	"$HERE/host-agent.sh" "$W/sim.sock" "$W/host" "$LOGS/agent.log" 2> "$LOGS/agent.err" &
	APID=$!
}

DEV=(-serial null)	# VM_BACKEND=none: no device, no agent (ttyS1 exists all the same)
if [ "$BACKEND" = host ]; then
	start_daemon
	start_agent
	DEV=(-serial "pipe:$W/host" -chardev "socket,id=vgpio,path=$W/gpio.sock"
	     -device vhost-user-gpio-pci,chardev=vgpio,id=gpio0)
fi

# 3. QEMU: guest RAM must be a shared memfd for vhost-user; the kernel is the ELF vmlinux (PVH)
KARGS="console=ttyS0 panic=-1 rdinit=/init quiet vmtest=$TESTS"
KARGS+=" vmtest_timeout=${TEST_TIMEOUT:-120} ${VM_APPEND:-} ${APPEND:-}"
CMD=("${QEMU_CMD[@]}" -machine q35,memory-backend=mem -accel tcg -cpu max -smp 1 -m "$MEM"
	-object "memory-backend-memfd,id=mem,size=${MEM}M,share=on"
	-nodefaults -no-user-config -display none -no-reboot
	-serial stdio "${DEV[@]}"
	-kernel "$KDIR/vmlinux" -initrd "$INITRD"
	-append "$KARGS" -pidfile "$W/qemu.pid")
if [ "$TESTS" = shell ]; then	# debugging: the console on this terminal, no results
	"${CMD[@]}" || true
	exit 0
fi
echo "HOST: ${CMD[*]}" > "$LOGS/console.log"
log "QEMU ${VM_QEMU:-10}: tests $TESTS; console log: $LOGS/console.log"
# QEMU >= 9 cannot reconnect: once the daemon is gone, the guest only waits for timeouts.
if [ "$BACKEND" = host ]; then
	while alive "$DPID"; do sleep 0.5; done && [ -s "$W/qemu.pid" ] && {
		log "the daemon exited during the run: stopping QEMU"
		kill "$(cat "$W/qemu.pid")"
	} &
	WPID=$!
fi
us() { local t=${EPOCHREALTIME/./}; echo $((10#$t)); }
show() {	# what of the console the terminal shows
	if [ -z "${VM_SHOW:-}" ]; then cat; else sed -un "s/^\[ *[0-9.]*\] $VM_SHOW/guest | /p"; fi
}
t0=$(us)
set +e
timeout --kill-after=5 "$TIMEOUT" "${CMD[@]}" < /dev/null 2>&1 |
	while IFS= read -r line; do
		printf '[%8.3f] %s\n' "$(( $(us) - t0 ))e-6" "${line%$'\r'}"
	done | tee -a "$LOGS/console.log" | show
qrc=${PIPESTATUS[0]}
set -e
[ -z "$WPID" ] || { kill "$WPID" 2>/dev/null; wait "$WPID" 2>/dev/null; } || true
WPID=
secs=$(printf '%.1f' "$(( $(us) - t0 ))e-6")

# 4. results: one per guest test, then QEMU's exit and the daemon's health
pass=0 fail=0
result() {	# result NAME OK? DETAIL
	if [ "$2" = 0 ]; then
		pass=$((pass + 1)); echo "PASS $1${3:+ ($3)}"
	else
		fail=$((fail + 1)); echo "FAIL $1${3:+ ($3)}"
	fi
}
for t in ${TESTS//,/ }; do
	rc=$(sed -n "s/.*VMTEST-END: $t rc=\([0-9]*\).*/\1/p" "$LOGS/console.log" | tail -1)
	result "vm:$t" "${rc:-1}" "$([ -n "$rc" ] && echo "rc=$rc" || echo "never finished")"
done
[ "$qrc" = 124 ] && log "QEMU killed after ${TIMEOUT}s"
grep -q 'VMTEST-RESULT: rc=' "$LOGS/console.log" && seen=1 || seen=0
result "vm:qemu" $((qrc != 0 || !seen)) "exit status $qrc, ${secs}s"
# The broker must outlive the front-end's disconnect and stop cleanly on SIGTERM.
if [ "$BACKEND" = none ]; then
	:	# the guest checked its own daemon
elif alive "$DPID"; then
	kill "$DPID"
	for _ in $(seq 100); do alive "$DPID" || break; sleep 0.1; done
	alive "$DPID" && { log "the daemon ignored SIGTERM for 10 s"; kill -KILL "$DPID"; }
	wait "$DPID" && drc=0 || drc=$?
	DPID=
	result "vm:daemon" "$drc" "exit status $drc after SIGTERM"
else
	wait "$DPID" && drc=0 || drc=$?
	DPID=
	result "vm:daemon" 1 "died during the run, status $drc"
fi
# A real driver doing nothing wrong should make the daemon neither warn nor complain.
if [ "$BACKEND" = host ]; then
	bad=$(grep -E '^[^ ]+ [^ ]+ [a-z]+: (error|warn): ' "$LOGS/daemon.log" || true)
	[[ " ${DARGS[*]} " != *" --no-sandbox "* ]] ||
		bad=$(grep -v 'SANDBOX DISABLED' <<< "$bad" || true)
	# a test had the host agent kill the helper (killhelper): these say so, nothing else may
	[ ! -f "$LOGS/agent.log.killed" ] ||
		bad=$(grep -vE "helper $(cat "$LOGS/agent.log.killed")( killed by signal SIGKILL|: closed the control channel)|restarting the helper \(1 of|helper session lost \(.*\): .* waiting for a new helper" <<< "$bad" || true)
	[ -z "$bad" ] || echo "$bad" | sed 's/^/daemon: /'
	result "vm:daemon-log" "$([ -z "$bad" ]; echo $?)" \
		"$(echo -n "$bad" | grep -c . || true) warnings or errors"
fi
grep -hE 'VGPIO-(REINJECT-TOTAL|STRESS iterations|LATCH rounds)' "$LOGS/console.log" |
	sed 's/^\[ *[0-9.]*\] /note: /' || true
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
