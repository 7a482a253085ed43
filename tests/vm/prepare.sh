#!/bin/bash
# Set up everything the VM tests need, in the cache directory (see common.sh). Idempotent: each
# step keeps a stamp naming the package versions it was made from, and is skipped while they
# still match, so a warm run takes a second or two and needs no network.
#
#   QEMU 10      qemu-system-x86 & co. from bookworm-backports, unpacked with dpkg -x (the
#                system QEMU, if any, is left alone; bookworm's 7.2 hides VIRTIO_GPIO_F_IRQ)
#   guest kernel bookworm's linux-image (6.1), the ELF vmlinux taken out for PVH boot
#   modules      gpio-virtio.ko and gpio-sim.ko, built out of tree from linux-source-6.1:
#                Debian's config enables neither
#   guest kit    busybox-static, libgpiod v2 tools (bookworm-backports), the modules the
#                tests load, their dependencies; mkinitrd.sh packs it with the test scripts
#
#   --qemu72     also the system QEMU 7.2 (bookworm main: qemu-system-x86), for the scenario
#                of a QEMU that never offers VIRTIO_GPIO_F_IRQ; installed with apt-get
#
# Needs root, apt and deb.debian.org (only for steps whose stamp is stale).
. "$(dirname "$0")/common.sh"
WANT_QEMU72=0
for a in "$@"; do
	case $a in
	--qemu72) WANT_QEMU72=1 ;;
	*) die "usage: prepare.sh [--qemu72]" ;;
	esac
done

[ "$(id -u)" = 0 ] || die "prepare.sh must run as root (apt-get install, dpkg -x)"
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null ||
	die "needs a Debian host (apt-get, dpkg-deb)"
mkdir -p "$DEBS/bookworm" "$DEBS/bpo12"

# ---- apt helpers --------------------------------------------------------------------------

# Install the host packages of the list that are missing.
need_pkgs() {
	local p miss=()

	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || miss+=("$p")
	done
	[ ${#miss[@]} -eq 0 ] && return 0
	log "apt-get install ${miss[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get -q install -y --no-install-recommends "${miss[@]}" \
		>/dev/null || die "apt-get install ${miss[*]} failed"
}

# apt-get/apt-cache with the host's sources ('-') or a private config.
apt_with() {
	local conf=$1

	shift
	if [ "$conf" = - ]; then "$@"; else APT_CONFIG=$conf "$@"; fi
}

# Candidate versions, "CONF PKG" -> version; preload fills it with one apt-cache call per
# source, as each call costs a quarter of a second.
declare -A CAND=()
preload() {	# preload CONF PKG...
	local conf=$1 p v

	shift
	while read -r p v; do
		CAND["$conf $p"]=$v
	done < <(apt_with "$conf" apt-cache policy "$@" 2>/dev/null |
		 awk '/^[^ ]/ { p = $1; sub(/:$/, "", p); sub(/:.*/, "", p) }
		      $1 == "Candidate:" && $2 != "(none)" { print p, $2 }')
}

candidate() {	# candidate CONF PKG -> the version apt would take
	if [ -n "${CAND["$1 $2"]:-}" ]; then
		echo "${CAND["$1 $2"]}"
		return
	fi
	apt_with "$1" apt-cache show --no-all-versions "$2" 2>/dev/null |
		sed -n 's/^Version: //p' | head -1
}

# fetch CONF DIR PKG: download the candidate version of PKG into DIR unless it is there; sets
# DEB to the file. Older versions of PKG in DIR are removed. On failure the package lists
# may be stale (superseded versions leave the archive): update them once and retry.
fetch() {
	local conf=$1 dir=$2 p=$3 v try

	for try in 1 2; do
		v=$(candidate "$conf" "$p")
		[ -n "$v" ] || die "apt knows no package $p (${conf/#-/host sources})"
		DEB=$(ls "$dir/${p}_${v//:/%3a}_"*.deb 2>/dev/null | head -1 || true)
		[ -n "$DEB" ] && return 0
		rm -f "$dir/${p}_"*.deb
		log "download $p $v"
		(cd "$dir" && apt_with "$conf" apt-get -q -o APT::Sandbox::User=root \
			download "$p=$v" >/dev/null) || true
		DEB=$(ls "$dir/${p}_${v//:/%3a}_"*.deb 2>/dev/null | head -1 || true)
		[ -n "$DEB" ] && return 0
		[ $try = 1 ] || break
		log "download failed; apt-get update and retry"
		apt_with "$conf" apt-get -q update >/dev/null || die "apt-get update failed"
		CAND=()
	done
	die "cannot download $p"
}

# ---- apt sources ----------------------------------------------------------------------------

# The host's lists (bookworm + bookworm-security) give the kernel; refresh them only if absent.
ls /var/lib/apt/lists/*_dists_bookworm_*Packages* >/dev/null 2>&1 || {
	log "apt-get update (host lists missing)"
	apt-get -q update >/dev/null || die "apt-get update failed"
}

# A private apt configuration for bookworm-backports, so /etc/apt is never edited.
bpo_dir=$(dirname "$APT_BPO")
if [ ! -f "$APT_BPO" ]; then
	mkdir -p "$bpo_dir"/{lists/partial,cache/archives/partial,etc/sources.list.d,etc/preferences.d}
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]" \
		"http://deb.debian.org/debian bookworm-backports main" > "$bpo_dir/etc/sources.list"
	touch "$bpo_dir/status"
	cat > "$APT_BPO" <<EOC
Dir::Etc::SourceList "$bpo_dir/etc/sources.list";
Dir::Etc::SourceParts "$bpo_dir/etc/sources.list.d";
Dir::Etc::PreferencesParts "$bpo_dir/etc/preferences.d";
Dir::State::Lists "$bpo_dir/lists";
Dir::State::status "$bpo_dir/status";
Dir::Cache "$bpo_dir/cache";
Acquire::Languages "none";
EOC
fi
# Refresh weekly: a warm run stays offline, a stale one notices new backports.
if [ -z "$(find "$bpo_dir/lists" -maxdepth 1 -name '*Packages*' -mtime -7 2>/dev/null)" ]; then
	log "apt-get update (bookworm-backports, private config $APT_BPO)"
	APT_CONFIG=$APT_BPO apt-get -q update >/dev/null ||
		die "apt-get update (bookworm-backports) failed"
fi

# ---- versions: what every later step is keyed on --------------------------------------------

# The current bookworm kernel ABI, e.g. 6.1.0-56-amd64 (moves with security updates).
ABI=$(apt-cache depends linux-image-amd64 2>/dev/null |
	awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ {
		sub("linux-image-", "", $2); print $2; exit }')
[ -n "$ABI" ] || die "cannot resolve the bookworm kernel ABI from linux-image-amd64"
preload - "linux-image-$ABI" "linux-headers-$ABI" linux-source-6.1 busybox-static
preload "$APT_BPO" qemu-system-x86 qemu-system-common qemu-system-data seabios gpiod libgpiod3
KVERSION=$(candidate - "linux-image-$ABI")
log "guest kernel: linux-image-$ABI $KVERSION"

# stamp_ok FILE TEXT: does the step's stamp say it was made from TEXT?
stamp_ok() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

# ---- QEMU 10 --------------------------------------------------------------------------------

need_pkgs socat cpio
QPKGS=(qemu-system-x86 qemu-system-common qemu-system-data seabios)
qstamp=
for p in "${QPKGS[@]}"; do qstamp+="$p=$(candidate "$APT_BPO" "$p") "; done
if ! stamp_ok "$QEMU/.stamp" "$qstamp"; then
	rm -rf "$QEMU"
	mkdir -p "$QEMU"
	for p in "${QPKGS[@]}"; do
		fetch "$APT_BPO" "$DEBS/bpo12" "$p"
		dpkg -x "$DEB" "$QEMU"
	done
	log "QEMU unpacked into $QEMU"
	echo "$qstamp" > "$QEMU/.stamp"
fi
# The unpacked binary uses the host's libraries: install those it names (all are in bookworm).
if ldd "$QEMU/usr/bin/qemu-system-x86_64" | grep -q 'not found'; then
	deps=$(dpkg-deb -f "$(ls "$DEBS"/bpo12/qemu-system-x86_*.deb)" Depends | tr ',' '\n' |
		sed 's/^ *//' | grep -vE '^(qemu-system-|seabios|ipxe-qemu)' | paste -sd, -)
	log "apt-get satisfy (QEMU 10's libraries): $deps"
	DEBIAN_FRONTEND=noninteractive apt-get -q satisfy -y --no-install-recommends "$deps" \
		>/dev/null || die "cannot install the libraries QEMU 10 needs"
fi
missing=$(ldd "$QEMU/usr/bin/qemu-system-x86_64" | awk '/not found/ { print $1 }' | paste -sd' ')
[ -z "$missing" ] || die "QEMU 10 still misses libraries: $missing"
"${QEMU_CMD[@]}" --version | head -1 | grep -q 'version 10\.' ||
	die "QEMU 10 does not run: $("${QEMU_CMD[@]}" --version 2>&1 | head -3)"
log "QEMU: $("${QEMU_CMD[@]}" --version | head -1)"

# ---- QEMU 7.2: the system one, from bookworm main ----------------------------------------------

# Beside the unpacked QEMU 10, which keeps its own modules and firmware (see common.sh).
if [ $WANT_QEMU72 = 1 ]; then
	need_pkgs qemu-system-x86
	v=$(qemu-system-x86_64 --version)
	v=${v%%$'\n'*}
	[[ $v =~ version\ [78]\. ]] ||
		die "the system QEMU is '$v'; the 7.2 scenario needs 7.x or 8.x (Debian bookworm)"
	log "QEMU (system): $v"
fi

# ---- guest kernel: ELF vmlinux for PVH boot, and its modules --------------------------------

# extract_vmlinux BZIMAGE OUT: the bzImage carries the ELF kernel as an xz stream; QEMU boots
# the ELF directly through PVH, which saves ~4 s of in-guest decompression under TCG.
extract_vmlinux() {
	local off

	for off in $(LC_ALL=C grep -obUaP '\xfd\x37\x7a\x58\x5a\x00' "$1" | cut -d: -f1); do
		tail -c +$((off + 1)) "$1" | xz -dc --single-stream > "$2" 2>/dev/null || true
		[ "$(head -c 4 "$2" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] && return 0
	done
	rm -f "$2"
	return 1
}

# kernel_tree: the unpacked linux-image in $KDIR/root (deleted again at the end: ~400 MB).
kernel_tree() {
	[ -d "$KDIR/root/lib/modules/$ABI" ] && return 0
	fetch - "$DEBS/bookworm" "linux-image-$ABI"
	log "unpacking $(basename "$DEB")"
	mkdir -p "$KDIR"
	dpkg -x "$DEB" "$KDIR/root"
}

kstamp="linux-image-$ABI=$KVERSION"
if ! stamp_ok "$KDIR/.stamp" "$kstamp"; then
	need_pkgs xz-utils
	rm -rf "$KDIR"
	kernel_tree
	extract_vmlinux "$KDIR/root/boot/vmlinuz-$ABI" "$KDIR/vmlinux" ||
		die "no ELF kernel found in vmlinuz-$ABI"
	echo "$ABI" > "$KDIR/kver"
	echo "$kstamp" > "$KDIR/.stamp"
fi

# ---- out-of-tree modules: gpio-virtio.ko, gpio-sim.ko ---------------------------------------

SVERSION=$(candidate - linux-source-6.1)
mstamp="$ABI src=$SVERSION headers=$(candidate - "linux-headers-$ABI")"
if ! stamp_ok "$KMOD/.stamp" "$mstamp"; then
	# gcc-12 is what Debian built 6.1 with; the headers package pulls it in.
	need_pkgs make gcc libc6-dev binutils xz-utils "linux-headers-$ABI"
	fetch - "$DEBS/bookworm" linux-source-6.1
	rm -rf "$KMOD"
	mkdir -p "$KMOD/src"
	log "extracting the gpio sources from $(basename "$DEB") (decompresses the whole tarball)"
	dpkg --fsys-tarfile "$DEB" | tar -xO --wildcards './usr/src/linux-source-6.1.tar.xz' |
		tar -xJ -C "$KMOD/src" --strip-components=1 --wildcards \
			'*/drivers/gpio/gpio-virtio.c' '*/drivers/gpio/gpio-sim.c' \
			'*/drivers/gpio/gpiolib.h' '*/kernel/irq/irq_sim.c'
	cp "$KMOD"/src/drivers/gpio/{gpio-virtio.c,gpiolib.h} "$KMOD/src/kernel/irq/irq_sim.c" "$KMOD/"
	cp "$KMOD/src/drivers/gpio/gpio-sim.c" "$KMOD/gpio-sim-main.c"
	# Debian 6.1 has no CONFIG_IRQ_SIM, so irq_sim.c is linked into gpio-sim.ko; the one
	# change: irq_to_desc() is not exported to modules, generic_handle_irq() dispatches alike.
	sed -i 's/handle_simple_irq(irq_to_desc(irqnum));/generic_handle_irq(irqnum);/' "$KMOD/irq_sim.c"
	grep -q 'generic_handle_irq(irqnum)' "$KMOD/irq_sim.c" || die "the irq_sim.c change did not apply"
	printf '%s\n' 'obj-m += gpio-virtio.o gpio-sim.o' 'gpio-sim-y := gpio-sim-main.o irq_sim.o' \
		> "$KMOD/Kbuild"
	log "building gpio-virtio.ko gpio-sim.ko against linux-headers-$ABI"
	make -s -C "/usr/src/linux-headers-$ABI" M="$KMOD" modules 2>&1 | grep -v 'Skipping BTF' || true
	[ -f "$KMOD/gpio-virtio.ko" ] && [ -f "$KMOD/gpio-sim.ko" ] || die "module build failed"
	strip --strip-debug "$KMOD"/*.ko
	rm -f "$DEB"		# 140 MB, needed again only for a new kernel
	echo "$mstamp" > "$KMOD/.stamp"
fi

# ---- guest kit: busybox, gpiod v2 tools + libraries, modules --------------------------------

GUEST_MODULES=(virtio_pci gpio-virtio configfs gpio-sim)
gstamp="$kstamp | $mstamp | busybox-static=$(candidate - busybox-static)"
gstamp+=" gpiod=$(candidate "$APT_BPO" gpiod) libgpiod3=$(candidate "$APT_BPO" libgpiod3)"
if ! stamp_ok "$KIT/.stamp" "$gstamp"; then
	need_pkgs kmod
	kernel_tree
	rm -rf "$KIT"
	R=$KIT/root
	mkdir -p "$R"/{bin,usr/lib/x86_64-linux-gnu,lib64,opt/gpiod2/bin} "$KIT/unpack"

	fetch - "$DEBS/bookworm" busybox-static
	dpkg -x "$DEB" "$KIT/unpack"
	cp "$KIT/unpack/bin/busybox" "$R/bin/"

	# libgpiod 2.1 tools (v2 uAPI) built for bookworm; the libraries they need beyond
	# libgpiod.so.3 are the host's (same bookworm glibc), found with ldd.
	for p in gpiod libgpiod3; do
		fetch "$APT_BPO" "$DEBS/bpo12" "$p"
		dpkg -x "$DEB" "$KIT/unpack"
	done
	L=$KIT/unpack/usr/lib/x86_64-linux-gnu
	cp -L "$L/libgpiod.so.3" "$R/usr/lib/x86_64-linux-gnu/"
	for b in "$KIT"/unpack/usr/bin/gpio*; do
		cp "$b" "$R/opt/gpiod2/bin/"
		for lib in $(LD_LIBRARY_PATH=$L ldd "$b" |
			     awk '/=> \// { print $3 } /^\t\/lib64/ { print $1 }'); do
			case $lib in
			/lib64/*) cp -L "$lib" "$R/lib64/" ;;
			"$L"/*) ;;
			*) cp -L "$lib" "$R/usr/lib/x86_64-linux-gnu/" ;;
			esac
		done
	done

	# The modules the tests load, and everything they depend on (kmod's depmod/modprobe
	# resolve that on the unpacked tree); the guest's busybox depmod indexes them again.
	MD=$KDIR/root/lib/modules/$ABI
	mkdir -p "$MD/extra"
	cp "$KMOD"/*.ko "$MD/extra/"
	depmod -b "$KDIR/root" "$ABI"
	for ko in $(modprobe -a -d "$KDIR/root" -S "$ABI" --show-depends "${GUEST_MODULES[@]}" |
		awk '$1 == "insmod" { print $2 }'); do
		dst=$R/${ko#"$KDIR/root"/}
		mkdir -p "$(dirname "$dst")"
		cp "$ko" "$dst"
	done
	cp "$MD"/modules.{builtin,order} "$R/lib/modules/$ABI/"
	"$R/bin/busybox" depmod -b "$R" "$ABI"
	log "guest modules: $(find "$R/lib/modules/$ABI" -name '*.ko' -printf '%f ')"
	rm -rf "$KIT/unpack"
	echo "$gstamp" > "$KIT/.stamp"
fi
# The unpacked kernel tree (~400 MB) is only needed to make the kit.
rm -rf "$KDIR/root"

log "prepare done: cache $C ($(du -sh "$C" | cut -f1))"
