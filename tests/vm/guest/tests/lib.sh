# Helpers sourced by the guest tests (busybox ash). The tools are libgpiod 2.1's (/opt/gpiod2/bin).

fail() { echo "FAIL: $*"; dmesg | tail -n 20; exit 1; }
ok() { echo "ok: $*"; }
run() { echo "+ $*"; "$@"; }

# waitfor CMD [TENTHS]: retry the shell command CMD (eval'd here, so functions work) every 0.1 s,
# up to TENTHS tries (default 50).
waitfor() {
	local n=0

	while ! eval "$1" >/dev/null 2>&1; do
		n=$((n + 1))
		[ $n -ge "${2:-50}" ] && return 1
		sleep 0.1
	done
}

loadmod() {
	grep -q "^$(echo "$1" | tr - _) " /proc/modules && return 0
	modprobe "$1" || fail "modprobe $1"
}

# ---- the host agent (run-vm.sh), over ttyS1 ---------------------------------------------------
# host REQUEST...: one request line, one reply line in $HOST_REPLY; returns 0 when it starts with
# "ok". Requests carry a sequence number so a late reply to an earlier, timed out request is
# skipped. Requests (host-agent.sh): "sim <sim control command>", "armed LINE TYPE [MS]",
# "armset LINE TYPE LEVEL", "toggle LINE MS", "toggle stop". HOST_QUIET=1 keeps them off the
# console.
exec 3<>/dev/ttyS1
HOST_SEQ=0
host() {
	local id r

	HOST_SEQ=$((HOST_SEQ + 1))
	echo "$HOST_SEQ $*" >&3
	HOST_REPLY="err no reply from the host"
	while read -r -t 20 id r <&3; do
		if [ "$id" = "$HOST_SEQ" ]; then
			HOST_REPLY=$r
			break
		fi
	done
	[ "${HOST_QUIET:-0}" = 1 ] || echo "host: $* -> $HOST_REPLY"
	case $HOST_REPLY in ok*) return 0 ;; *) return 1 ;; esac
}
sim() { host sim "$@" || fail "host: sim $* -> $HOST_REPLY"; }

# waitsim LINE PATTERN: poll the host's view of the line until it matches the glob PATTERN
waitsim() {
	local n=0

	while :; do
		sim get 0 "$1"
		case $HOST_REPLY in $2) return 0 ;; esac
		n=$((n + 1))
		[ $n -lt 30 ] || fail "line $1 on the host: '$HOST_REPLY', expected '$2'"
		sleep 0.1
	done
}

# ---- the virtio-gpio chip -------------------------------------------------------------------
# vgpio_chip: load the driver and set CHIP to the virtio-gpio gpiochip (device id 41 = 0x0029).
vgpio_chip() {
	local d

	loadmod virtio_pci
	loadmod gpio-virtio
	CHIP=
	for d in /sys/bus/virtio/devices/*; do
		[ "$(cat "$d/device" 2>/dev/null)" = 0x0029 ] || continue
		VDEV=$(basename "$d")
		waitfor "ls -d $d/gpiochip*" 100 || fail "$VDEV: no gpiochip (probe failed?)"
		CHIP=$(basename "$(ls -d "$d"/gpiochip* | head -1)")
	done
	[ -n "$CHIP" ] || fail "no virtio-gpio device on the virtio bus"
}

# ---- edge events -----------------------------------------------------------------------------
# mon_start LINE EDGES: gpiomon on LINE in the background, one "rising|falling OFFSET" per event
# in /tmp/mon.out. mon_stop ends it.
mon_start() {
	: > /tmp/mon.out
	gpiomon -c "$CHIP" -e "$2" -F '%E %o' "$1" >> /tmp/mon.out 2>&1 &
	MON=$!
}
mon_stop() { kill "$MON" 2>/dev/null; wait "$MON" 2>/dev/null; MON=; }
nevents() { grep -cE '^(rising|falling) ' /tmp/mon.out; }
last_event() { tail -n 1 /tmp/mon.out | cut -d' ' -f1; }

# arm LINE TYPE: wait (on the host) until the device has the line's trigger set. The driver
# sends SET_IRQ_TYPE and queues its eventq buffer only after the line shows as used, so an
# edge injected earlier is lost, as on hardware; the host then also waits a moment for the
# buffer. REINJECT counts the times an edge still had to be injected again.
REINJECT=0
arm() { host armed "$1" "$2" || fail "line $1 never got trigger $2: $HOST_REPLY"; }

# first_edge LINE FROM TO: drive the input FROM -> TO until gpiomon reports an event, re-injecting
# (TO -> FROM -> TO) up to 3 times; then let late events land. Sets N0 to the event count.
first_edge() {
	local try=0

	while :; do
		sim set 0 "$1" "$3"
		waitfor '[ "$(nevents)" -ge 1 ]' 30 && break
		try=$((try + 1))
		[ $try -le 3 ] || fail "no event on line $1 after $try injections"
		echo "VGPIO-REINJECT line=$1 from=$2 to=$3 try=$try"
		REINJECT=$((REINJECT + 1))
		sim set 0 "$1" "$2"
	done
	sleep 0.3
	N0=$(nevents)
}

# expect_events N: wait until N events are reported, then check no more arrive.
expect_events() {
	waitfor "[ \$(nevents) -ge $1 ]" 50 ||
		fail "expected $1 events, got $(nevents): $(cat /tmp/mon.out | tr '\n' ';')"
	sleep 0.2
	[ "$(nevents)" -eq "$1" ] ||
		fail "expected $1 events, got $(nevents): $(cat /tmp/mon.out | tr '\n' ';')"
}

# ---- kernel log --------------------------------------------------------------------------------
# dmesg_check WHAT: show the kernel log since the last check (init clears the boot part) and
# fail on driver or irq trouble in it. Expected: the taint notices of the out-of-tree module,
# gpiolib's one-time "not an immutable chip" (6.1), and ACPI routing the device's INTx.
dmesg_check() {
	local new bad

	new=$(dmesg -c)
	[ -z "$new" ] || echo "$new" | sed 's/^/dmesg: /'
	bad=$(echo "$new" |
		grep -iE 'warn|incorrect len|failed to add request|bug|call trace|oops|gpio|virtio|irq|err|fail' |
		grep -vE 'taint|not an immutable chip|ACPI: .* Enabled at IRQ')
	[ -z "$bad" ] || fail "$1: trouble in the kernel log (above)"
	ok "$1: kernel log clean"
}

# ---- the real chip: gpio-sim in the guest, the project's daemon in the guest -------------------
# sim_chip NAME LINES NAMES: a gpio-sim chip with LINES lines named from the comma-separated
# NAMES (empty = unnamed). Sets SIMCHIP (gpiochipN), SIMNUM (N) and SIMDIR (its sysfs
# directory with sim_gpioK/{value,pull}).
sim_chip() {
	local c=/sys/kernel/config/gpio-sim/$1 l=0 n

	loadmod configfs
	loadmod gpio-sim
	grep -q ' /sys/kernel/config ' /proc/mounts || mount -t configfs none /sys/kernel/config
	mkdir "$c" "$c/bank0" || fail "gpio-sim: mkdir $c"
	echo "$2" > "$c/bank0/num_lines"
	echo "$1" > "$c/bank0/label"
	while [ $l -lt "$2" ]; do
		n=$(echo "$3" | cut -d, -f$((l + 1)))
		mkdir "$c/bank0/line$l"
		[ -z "$n" ] || echo "$n" > "$c/bank0/line$l/name"
		l=$((l + 1))
	done
	echo 1 > "$c/live" || fail "gpio-sim: $1 does not go live"
	SIMCHIP=$(cat "$c/bank0/chip_name")
	SIMNUM=${SIMCHIP#gpiochip}
	SIMDIR=/sys/devices/platform/$(cat "$c/dev_name")/$SIMCHIP
	[ -e "$SIMDIR/sim_gpio0/pull" ] || fail "gpio-sim: no $SIMDIR/sim_gpio0/pull"
}

# vug_start LIST [COUNT]: the daemon (host-built, /opt/vug) for the COUNT (default 1) entries
# of LIST, on /tmp/vgpio.sock (COUNT 1) or /tmp/vgpio.sock0..., jail on, log in
# /tmp/daemon.log; sets VUG_PID. vug_stop [EXPECTED...]: SIGTERM, checks exit 0 and a log free of
# warnings and errors but those containing the text EXPECTED.
VUG=/opt/vug
children() {	# children PID: its child processes
	local s

	for s in /proc/[0-9]*/stat; do
		awk -v p="$1" '$4 == p { print $1 }' "$s" 2>/dev/null
	done
}
vug_start() {
	local n=${2:-1} socks=/tmp/vgpio.sock s i=0 lvl

	[ "$n" = 1 ] || socks=
	while [ "$n" != 1 ] && [ $i -lt "$n" ]; do
		socks="$socks /tmp/vgpio.sock$i"
		i=$((i + 1))
	done
	rm -f /tmp/vgpio.sock*
	# kernel argument vgpio_log=debug: the daemon's --log-level
	lvl=$(sed -n 's/.*[[:space:]]vgpio_log=\([a-z]*\).*/\1/p' /proc/cmdline)
	echo "+ vhost-user-gpio -s /tmp/vgpio.sock -c $n -l $1"
	"$VUG/build/vhost-user-gpio" -s /tmp/vgpio.sock -c "$n" -l "$1" --log-level "${lvl:-info}" \
		--seccomp-policy-dir "$VUG/policy/$(uname -m)" > /tmp/daemon.log 2>&1 &
	VUG_PID=$!
	for s in $socks; do
		waitfor "[ -S $s ] || ! kill -0 $VUG_PID" 100
		[ -S "$s" ] || { sed 's/^/daemon: /' /tmp/daemon.log; return 1; }
	done
}
vug_fail() {	# vug_fail MESSAGE: fail with the daemon's log
	sed 's/^/daemon: /' /tmp/daemon.log
	fail "$*"
}
vug_stop() {
	local rc bad

	kill -0 "$VUG_PID" 2>/dev/null || vug_fail "the daemon died"
	kill -TERM "$VUG_PID"
	wait "$VUG_PID"
	rc=$?
	sed 's/^/daemon: /' /tmp/daemon.log
	[ $rc = 0 ] || fail "daemon exit status $rc after SIGTERM"
	# every argument is a warning the scenario expects
	bad=$(grep -E '^[^ ]+ [^ ]+ [a-z]+: (error|warn): ' /tmp/daemon.log)
	for allowed in "$@"; do
		bad=$(printf '%s\n' "$bad" | grep -vF "$allowed")
	done
	[ -z "$bad" ] || fail "the daemon log has warnings or errors (above)"
	ok "daemon exit 0 on SIGTERM, log clean"
}
