# A helper restart on the real chip. The daemon in this guest serves a gpio-sim chip; vgpio-probe
# -k drives two lines, arms a third and SIGKILLs the helper. The kernel takes the lines back
# when the helper dies; the new one must request them again as they were (the replay from the
# broker's line-state memfd through libgpiod) while the connection, the held eventq buffer and
# new requests carry on.
. /tests/lib.sh
sim_chip vrst 4 ""
vug_start "$SIMNUM" || fail "the daemon did not come up on /dev/$SIMCHIP (log above)"
"$VUG/vgpio-probe" -k "$VUG_PID" /tmp/vgpio.sock "$SIMDIR" || vug_fail "vgpio-probe -k (above)"
grep -qF "device 0: 3 line(s) set up as the previous helper had them" /tmp/daemon.log ||
	vug_fail "the new helper did not say it set the 3 held lines up again"
ok "the new helper requested the 3 held kernel lines again"
# the restart's own lines; anything else (a line that could not be set up again) fails
vug_stop "killed by signal SIGKILL" "closed the control channel" "restarting the helper (1 of" \
	"waiting for a new helper"
dmesg_check chip-restart
