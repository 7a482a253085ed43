# The guest side of `make demo` (tests/vm/demo.sh): what a user of the device would look at.
# Lines for the terminal start with "DEMO: "; the host shows them and its own sim commands.
. /tests/lib.sh
say() { echo "DEMO: $*"; }
cmd() {		# cmd CMD...: show a command and its output
	say "\$ $*"
	"$@" 2>&1 | while IFS= read -r l; do say "$l"; done
}
vgpio_chip
say "gpio_virtio bound to $VDEV after $(cut -d' ' -f1 /proc/uptime) s of uptime: $CHIP"
cmd gpiodetect
cmd gpioinfo -c "$CHIP"

say ""
say "drive line 3 high from the guest; the host's sim control sees it:"
say "\$ gpioset -c $CHIP 3=1 &"
gpioset -c "$CHIP" 3=1 &
P=$!
# the kernel shows it as an output once the driver's SET_VALUE + SET_DIRECTION are done
waitfor "gpioinfo -c $CHIP 3 | grep -q output" 30 || say "FAILED: line 3 is no output"
host sim get 0 3 || say "FAILED: $HOST_REPLY"
kill $P
wait $P 2>/dev/null

say ""
say "the host drives line 2's input high; the guest reads it:"
host sim set 0 2 1
cmd gpioget -c "$CHIP" 2

say ""
say "an edge made on the host arrives in the guest's gpiomon:"
say "\$ gpiomon -c $CHIP -e rising -n 1 4"
gpiomon -c "$CHIP" -e rising -n 1 4 > /tmp/mon.out 2>&1 &
M=$!
host armed 4 rising > /dev/null || say "FAILED: $HOST_REPLY"
host sim set 0 4 1
waitfor '! kill -0 $M' 50 || { say "FAILED: no event within 5 s"; kill $M; }
wait $M
rc=$?
while IFS= read -r l; do say "$l"; done < /tmp/mon.out
[ $rc = 0 ] || fail "gpiomon rc $rc"
dmesg_check demo > /dev/null
