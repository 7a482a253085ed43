# request_irq/free_irq churn while the host toggles the line: gpiomon is started and stopped many
# times (each start sends SET_IRQ_TYPE and queues an eventq buffer; each stop sends
# SET_IRQ_TYPE NONE, which must hand the held buffer back). Afterwards the kernel log must be
# clean and a last edge must still arrive. Kernel argument vgpio_stress=N sets the iterations.
. /tests/lib.sh
vgpio_chip
N=$(sed -n 's/.*[[:space:]]vgpio_stress=\([0-9]*\).*/\1/p' /proc/cmdline)
N=${N:-500}
L=7
HOST_QUIET=1
host toggle $L 5 || fail "host toggle: $HOST_REPLY"
t0=$(cut -d' ' -f1 /proc/uptime)
i=0
waited=0
missed=0
while [ $i -lt "$N" ]; do
	case $((i % 3)) in 0) e=rising ;; 1) e=falling ;; 2) e=both ;; esac
	if [ $((i % 2)) = 0 ]; then
		# until one edge arrives: the buffer comes back VALID, is queued again, then freed
		waited=$((waited + 1))
		timeout 5 gpiomon -q -n 1 -c "$CHIP" -e $e $L || {
			missed=$((missed + 1))
			echo "VGPIO-STRESS iteration $i: no $e edge within 5 s"
		}
	else
		# stopped at some point of its life: before, during or after request_irq, with or
		# without an event in flight (a deterministic spread over 0..99 ms)
		gpiomon -q -c "$CHIP" -e $e $L &
		P=$!
		usleep $(((i * 37 % 100) * 1000))
		kill $P
		wait $P 2>/dev/null
	fi
	i=$((i + 1))
done
t1=$(cut -d' ' -f1 /proc/uptime)
host toggle stop || fail "host toggle stop: $HOST_REPLY"
HOST_QUIET=0
edges=${HOST_REPLY#ok edges=}
echo "VGPIO-STRESS iterations=$N waited=$waited missed=$missed host_edges=$edges" \
	"guest_seconds=$(echo "$t1 $t0" | awk '{ printf "%.1f", $1 - $2 }')"
grep virtio-gpio /proc/interrupts
[ $missed -eq 0 ] || fail "$missed of $waited gpiomon runs saw no edge"
sim get 0 $L
case $HOST_REPLY in *irq=none*) ;; *) fail "all gpiomon gone but line $L: $HOST_REPLY" ;; esac
dmesg_check "after $N iterations"

# the line still works
sim set 0 $L 0
mon_start $L rising
arm $L rising
first_edge $L 0 1
mon_stop
ok "final edge delivered"
echo "VGPIO-REINJECT-TOTAL stress-final=$REINJECT"
dmesg_check final
