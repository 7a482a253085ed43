# Shared settings of the VM test scripts (sourced, not run).
#
# Everything downloaded or built lives in one cache directory, $VUG_VM_CACHE (default
# /var/cache/vhost-user-gpio-vm), so CI can keep it between runs. Nothing in it is ever
# committed; prepare.sh re-creates whatever is missing.
set -euo pipefail
export LC_ALL=C			# tool output and printf's decimal point as the scripts expect

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
C=${VUG_VM_CACHE:-/var/cache/vhost-user-gpio-vm}

DEBS=$C/debs			# downloaded .debs: bookworm/ and bpo12/
APT_BPO=$C/apt-bpo12/apt.conf	# private apt config for bookworm-backports (/etc/apt untouched)
KDIR=$C/kernel			# unpacked linux-image; vmlinux (ELF, for PVH boot); kver
KMOD=$C/kmod			# out-of-tree gpio-virtio.ko and gpio-sim.ko
QEMU=$C/qemu10			# QEMU 10 from bookworm-backports, unpacked with dpkg -x
KIT=$C/kit			# guest files that change only with the packages (mkinitrd.sh)
INITRD=$C/initrd.cpio.gz

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# The unpacked QEMU 10. QEMU_MODULE_DIR keeps it away from a system QEMU's modules, -L from
# the system's firmware (it needs its own pvh.bin and seabios).
QEMU_CMD=(env "QEMU_MODULE_DIR=$QEMU/usr/lib/x86_64-linux-gnu/qemu"
	  "$QEMU/usr/bin/qemu-system-x86_64" -L "$QEMU/usr/share/qemu" -L "$QEMU/usr/share/seabios")
