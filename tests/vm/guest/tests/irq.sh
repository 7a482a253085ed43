# Edges injected on the host reach gpiomon in the guest: rising, falling and both triggers, with
# the edges the trigger excludes filtered out by the device.
. /tests/lib.sh
vgpio_chip

# edge_test LINE TRIGGER IDLE: the input rests at IDLE, gpiomon waits for TRIGGER edges.
edge_test() {
	local line=$1 trig=$2 idle=$3 act=$((1 - $3)) n

	sim set 0 "$line" "$idle"
	mon_start "$line" "$trig"
	arm "$line" "$trig"
	first_edge "$line" "$idle" "$act"
	n=$N0
	case $trig in
	both)
		# every level change is an event, alternating
		for v in $idle $act $idle; do
			sim set 0 "$line" $v
			n=$((n + 1))
			expect_events $n
			[ "$(last_event)" = "$([ $v = 1 ] && echo rising || echo falling)" ] ||
				fail "both: event $n is $(last_event)"
		done
		;;
	*)
		# a pulse back to idle and out again: only the second change is an event
		for _ in 1 2; do
			sim set 0 "$line" "$idle"
			sim set 0 "$line" "$act"
			n=$((n + 1))
			expect_events $n
		done
		grep -v "^$trig $line\$" /tmp/mon.out && fail "$trig: unexpected events above"
		;;
	esac
	mon_stop
	sim get 0 "$line"
	case $HOST_REPLY in *irq=none*) ;; *) fail "gpiomon gone but line $line: $HOST_REPLY" ;; esac
	ok "$trig edges on line $line: $n events"
}

edge_test 4 rising 0
edge_test 5 falling 1
edge_test 6 both 0
echo "VGPIO-REINJECT-TOTAL irq=$REINJECT"
dmesg_check irq
