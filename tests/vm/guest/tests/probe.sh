# The driver probes the device: IRQ feature negotiated, one chip with 8 lines, names from GET_NAMES.
. /tests/lib.sh
vgpio_chip
ok "gpio_virtio bound to $VDEV: $CHIP"
f=$(cat /sys/bus/virtio/devices/$VDEV/features)
case $f in
1*) ok "VIRTIO_GPIO_F_IRQ negotiated (features $f)" ;;
*) fail "no VIRTIO_GPIO_F_IRQ: features $f" ;;
esac

run gpiodetect
gpiodetect | grep -qx "$CHIP \[$VDEV\] (8 lines)" ||
	fail "gpiodetect: expected '$CHIP [$VDEV] (8 lines)'"
run gpioinfo -c "$CHIP"
l=0
while [ $l -lt 8 ]; do
	gpioinfo -c "$CHIP" | grep -qE "^[[:space:]]+line +$l:[[:space:]]+\"SIM0_L$l\"" ||
		fail "gpioinfo: line $l is not named SIM0_L$l"
	l=$((l + 1))
done
ok "line names SIM0_L0..SIM0_L7"
out=$(gpioinfo SIM0_L5) || fail "gpioinfo SIM0_L5"
echo "+ gpioinfo SIM0_L5: $out"
echo "$out" | grep -q "^$CHIP 5[[:space:]]" || fail "gpioinfo cannot find line SIM0_L5 by name"
ok "lines found by name"

# the other out-of-tree module, for tests on a real (simulated in-guest) chip
loadmod gpio-sim
ok "gpio-sim.ko loads"
dmesg_check probe
