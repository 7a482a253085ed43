#!/bin/bash
# Pack the guest's initramfs: the kit prepare.sh made (busybox, libgpiod v2 tools under
# /opt/gpiod2/bin, kernel modules) plus guest/init and guest/tests/*.sh from this tree.
# Takes about a second, so it runs before every test run and script edits need no prepare.
#   usage: mkinitrd.sh [OUT [BUILD]]   (default OUT: $VUG_VM_CACHE/initrd.cpio.gz)
# With BUILD (a build directory of this tree, e.g. build), the guest also gets the project's
# daemon for the "real chip" scenario, laid out like a source tree so its defaults find the
# helper and the seccomp policies: /opt/vug/build/{vhost-user-gpio,vhost-user-gpio-helper},
# /opt/vug/policy/, plus /opt/vug/vgpio-probe (BUILD/vm/vgpio-probe) and the host libraries
# they need (ldd; the guest runs the same bookworm glibc).
. "$(dirname "$0")/common.sh"

OUT=${1:-$INITRD}
BUILD=${2:-}
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

if [ -n "$BUILD" ]; then
	V=$R/opt/vug
	mkdir -p "$V/build"
	for b in vhost-user-gpio vhost-user-gpio-helper; do
		[ -x "$BUILD/$b" ] || die "no $BUILD/$b: build the project first"
		strip --strip-debug -o "$V/build/$b" "$BUILD/$b"
	done
	[ -x "$BUILD/vm/vgpio-probe" ] || die "no $BUILD/vm/vgpio-probe (run-all.sh builds it)"
	cp "$BUILD/vm/vgpio-probe" "$V/"
	cp -r "$(dirname "$BUILD")/policy" "$V/"
	! ldd "$BUILD"/vhost-user-gpio "$BUILD"/vhost-user-gpio-helper | grep 'not found' ||
		die "the daemon misses libraries"
	for lib in $(ldd "$BUILD"/vhost-user-gpio "$BUILD"/vhost-user-gpio-helper |
		     awk '/=> \// { print $3 } /^\t\/lib64/ { print $1 }' | sort -u); do
		case $lib in
		/lib64/*) cp -L "$lib" "$R/lib64/" ;;
		*) cp -L "$lib" "$R/usr/lib/x86_64-linux-gnu/" ;;
		esac
	done
fi

(cd "$R" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
log "initramfs $OUT: $(du -h "$OUT" | cut -f1)"
