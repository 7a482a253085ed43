#!/bin/bash
# Pack the guest's initramfs: the kit prepare.sh made (busybox, libgpiod v2 tools under
# /opt/gpiod2/bin, kernel modules) plus guest/init and guest/tests/*.sh from this tree.
# Takes about a second, so it runs before every test run and script edits need no prepare.
#   usage: mkinitrd.sh [OUT]       (default: $VUG_VM_CACHE/initrd.cpio.gz)
. "$(dirname "$0")/common.sh"

OUT=${1:-$INITRD}
[ -f "$KIT/.stamp" ] || die "no guest kit in $KIT: run tests/vm/prepare.sh first"
command -v cpio >/dev/null || die "cpio missing: run tests/vm/prepare.sh first"

R=$(mktemp -d "${TMPDIR:-/tmp}/vug-initrd.XXXXXX")
trap 'rm -rf "$R"' EXIT
cp -a "$KIT/root/." "$R/"
mkdir -p "$R"/{dev,proc,sys,tmp,run,etc,tests,sbin,usr/bin,usr/sbin}
for a in $("$R/bin/busybox" --list); do
	[ -e "$R/bin/$a" ] || ln -s busybox "$R/bin/$a"
done
install -m 755 "$HERE/guest/init" "$R/init"
install -m 644 "$HERE"/guest/tests/*.sh "$R/tests/"

(cd "$R" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
log "initramfs $OUT: $(du -h "$OUT" | cut -f1)"
