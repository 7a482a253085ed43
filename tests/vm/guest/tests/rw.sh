# Line values through the device: gpioset drives what the host sees, gpioget reads what the host
# drives.
. /tests/lib.sh
vgpio_chip

for v in 1 0 1; do
	gpioset -c "$CHIP" 3=$v &
	P=$!
	waitsim 3 "ok dir=out value=$v *"
	ok "gpioset 3=$v -> host sees $HOST_REPLY"
	kill $P
	wait $P 2>/dev/null
done
waitsim 3 "ok dir=in *"
ok "line 3 released: $HOST_REPLY"

for v in 1 0 1 0; do
	sim set 0 2 $v
	got=$(gpioget --numeric -c "$CHIP" 2) || fail "gpioget 2"
	[ "$got" = $v ] || fail "host drives line 2 to $v, gpioget reads '$got'"
done
ok "gpioget follows the host's input level (1 0 1 0)"
sim set 0 6 1
[ "$(gpioget --numeric SIM0_L6)" = 1 ] || fail "gpioget SIM0_L6 (by name) != 1"
sim set 0 6 0
ok "gpioget by line name"
sim get 0 2
case $HOST_REPLY in "ok dir=in "*) ;; *) fail "line 2 after gpioget: $HOST_REPLY" ;; esac
dmesg_check rw
