# The real chip: the project's daemon runs in this guest (host-built binaries, jail on) and serves
# a gpio-sim chip through its libgpiod backend (device-list entry N = /dev/gpiochipN).
# vgpio-probe, built from tests/frontend, plays QEMU 9 and the guest driver against it and checks
# every request on the chip's sysfs (see tests/vm/guest-prog/vgpio-probe.c).
. /tests/lib.sh
# line 6 repeats line 2's name: the guest must see it unnamed (names are unique); 7 is unnamed
KNAMES=vchip-L0,vchip-L1,vchip-L2,vchip-L3,vchip-L4,vchip-L5,vchip-L2,
NAMES=vchip-L0,vchip-L1,vchip-L2,vchip-L3,vchip-L4,vchip-L5,,
DUP='guest lines 2 and 6 are both named "vchip-L2"; line 6 stays unnamed'
sim_chip vchip 8 "$KNAMES"
run gpioinfo -c "$SIMCHIP"

vug_start "$SIMNUM" || fail "the daemon did not come up on /dev/$SIMCHIP (log above)"
# the jail: the helper, which holds the chip, has a mount namespace of its own
for c in $(children "$VUG_PID"); do
	# the helper spawner keeps the broker's privileges by design (vhost-user-gpio(8)),
	# holding nothing but stdio, its socket to the broker and the line-state memfd
	if [ "$(cat /proc/$c/comm)" = vug-spawner ]; then
		n=$(ls /proc/$c/fd | wc -l)
		m=$(for f in /proc/$c/fd/*; do readlink "$f"; done | grep -c 'memfd:vhost-user-gpio-state')
		[ "$n" = 5 ] && [ "$m" = 1 ] ||
			fail "the helper spawner $c holds $n fds ($m state memfds), not stdio, its socket and one state memfd"
		ok "helper spawner $c: stdio, its socket to the broker and the device's state memfd"
		continue
	fi
	[ "$(readlink /proc/$c/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ] ||
		fail "daemon child $c ($(cat /proc/$c/comm)) is not jailed"
	ok "daemon child $c ($(cat /proc/$c/comm)) jailed: $(readlink /proc/$c/ns/mnt)"
done
# -b: line 5 taken by another program for a while; the daemon must say who holds it
"$VUG/vgpio-probe" -n "$NAMES" -b 5 -c "/dev/$SIMCHIP" /tmp/vgpio.sock "$SIMDIR" ||
	vug_fail "vgpio-probe (above)"
BUSY='host line 5 is in use by "vgpio-probe-busy"'
grep -qF "$BUSY" /tmp/daemon.log || vug_fail "no warning '$BUSY' in the daemon log"
ok "the daemon names the holder of a busy line"
grep -qF "$DUP" /tmp/daemon.log || vug_fail "no warning '$DUP' in the daemon log"
ok "a repeated kernel line name reaches the guest once"
# Line capabilities: the worker drove and read values on the kernel line requests the helper
# handed over (only GET/SET_VALUES allowed by its filter), and gave each back on release (the
# helper logs an error if a released line stays in use; vug_stop fails on any error).
direct=$(sed -n 's/.*(\([0-9]*\) values answered through line capabilities).*/\1/p' \
	/tmp/daemon.log | sort -n | tail -1)
[ "${direct:-0}" -gt 0 ] || vug_fail "no value went through a kernel line request (line capability)"
ok "$direct values read or driven by the worker on kernel line requests"
run gpioinfo -c "$SIMCHIP"
vug_stop "$BUSY" "$DUP"
dmesg_check chip
