#!/bin/bash
# make demo: the Linux guest's gpio-virtio driver using this daemon, end to end.
#   1. prepare.sh installs what is missing and fills the cache $VUG_VM_CACHE (default
#      /var/cache/vhost-user-gpio-vm; the first run downloads about 100 MB and builds two
#      kernel modules, about a minute; later runs need no network)
#   2. run-vm.sh starts the daemon on a simulated 8-line chip and boots Debian's 6.1 guest under
#      QEMU 10 against it; the guest runs guest/tests/demo.sh: gpiodetect/gpioinfo, a value set
#      in the guest seen by the host, an input set on the host read in the guest, an edge made
#      on the host arriving in the guest's gpiomon
# The terminal shows the guest's commands and output ("guest | ") and the host's sim control
# commands ("host  | "); the whole boot log goes to console.log, whose path is printed.
#   env: VUG_DAEMON (default build/vhost-user-gpio), VUG_VM_CACHE, VUG_VM_LOGS
. "$(dirname "$0")/common.sh"
[ "$(id -u)" = 0 ] || die "the demo needs root (apt-get, QEMU's shared memory, the daemon's jail)"
LOGDIR=${VUG_VM_LOGS:-$TOP/build/vm-logs}
mkdir -p "$LOGDIR"
t0=$SECONDS
log "set-up: cache $C (a first run downloads and builds for about a minute)"
{ "$HERE/prepare.sh" && "$HERE/mkinitrd.sh"; } > "$LOGDIR/prepare.log" 2>&1 ||
	{ tail -n 20 "$LOGDIR/prepare.log"; die "set-up failed, see $LOGDIR/prepare.log"; }
log "set-up done in $((SECONDS - t0)) s ($LOGDIR/prepare.log)"
export AGENT_SHOW=1
rc=0
VM_SHOW='DEMO: ' TEST_TIMEOUT=60 TIMEOUT=120 "$HERE/run-vm.sh" demo || rc=$?
log "demo $([ $rc = 0 ] && echo finished || echo FAILED) in $((SECONDS - t0)) s"
exit $rc
