# The line access policy on the real chip: one daemon, two guest devices on the same gpio-sim
# chip with disjoint lines, the remaining host line hidden from both.
#   device 0: host lines 6,0,1,2,5 as guest lines 0-4, host line 1 (guest 2) input-only,
#             names given by the policy
#   device 1: host lines 3,4 as guest lines 0-1, the kernel's names
# vgpio-probe checks each device's line count, names, remapping (through the sysfs of the host
# line behind each guest line) and that the input-only line refuses to drive.
. /tests/lib.sh
sim_chip vpol 8 vpol-L0,vpol-L1,vpol-L2,vpol-L3,vpol-L4,vpol-L5,vpol-L6,vpol-L7
D0="$SIMNUM,lines=6+0-2+5,input-only=1,names=six+zero+one+two+five"
D1="$SIMNUM,lines=3+4"
vug_start "$D0:$D1" 2 || fail "the daemon refuses the policy (log above)"
"$VUG/vgpio-probe" -l 6,0-2,5 -i 2 -n six,zero,one,two,five /tmp/vgpio.sock0 "$SIMDIR" ||
	vug_fail "vgpio-probe on device 0 (above)"
"$VUG/vgpio-probe" -l 3,4 -n vpol-L3,vpol-L4 /tmp/vgpio.sock1 "$SIMDIR" ||
	vug_fail "vgpio-probe on device 1 (above)"
vug_stop
dmesg_check chip-policy
