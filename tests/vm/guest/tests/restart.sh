# A helper restart under a running guest (QEMU 10 cannot reconnect a vhost-user-gpio device):
# the host kills the daemon's helper while the guest drives line 1 and holds an eventq buffer for
# line 4; the broker starts a new helper, which takes the line state over, and gives the worker
# a session with it over the same connection. The guest must not notice beyond the requests
# that were in flight.
. /tests/lib.sh
vgpio_chip

sim set 0 4 0
gpioset -c "$CHIP" 1=1 &
P=$!
waitsim 1 "ok dir=out value=1 *"
gpiomon -c "$CHIP" -e rising --num-events=1 4 > /tmp/restart-mon.txt &
M=$!
host armed 4 rising
case $HOST_REPLY in ok*) ;; *) fail "line 4 not armed: $HOST_REPLY" ;; esac

host killhelper
case $HOST_REPLY in ok*) ;; *) fail "helper restart: $HOST_REPLY" ;; esac
ok "helper restarted: $HOST_REPLY"

waitsim 1 "ok dir=out value=1 *"
ok "line 1 still driven high by the guest's gpioset: $HOST_REPLY"
sim set 0 4 1
waitfor '! kill -0 $M 2>/dev/null' 50 || fail "gpiomon saw no edge on line 4 after the restart"
wait $M || fail "gpiomon failed after the restart"
ok "the eventq buffer held before the restart reported an edge after it: $(cat /tmp/restart-mon.txt)"
for v in 1 0; do
	sim set 0 2 $v
	got=$(gpioget --numeric -c "$CHIP" 2) || fail "gpioget 2 after the restart"
	[ "$got" = $v ] || fail "gpioget 2 after the restart: '$got', host drives $v"
done
ok "new requests are served by the new helper"
kill $P
wait $P 2>/dev/null
waitsim 1 "ok dir=in *"
ok "line 1 released: $HOST_REPLY"
