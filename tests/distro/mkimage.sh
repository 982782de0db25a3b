#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkimage.sh [--print] [--rebuild]
#
# Make (or find in the cache) the Debian unstable disk image of the distro
# test and print its path: a raw ext4 file system (no partition table)
# made with mmdebstrap and "mkfs.ext4 -d", without loop mounts.  It holds
# systemd as PID 1, udev, dkms, build-essential, kmod, initramfs-tools,
# kexec-tools, and the "distro" flavor of the test kernel installed as
# Debian packages (linux-image and linux-headers from "make bindeb-pkg" on
# the cached build), with the initramfs update-initramfs made for it.  Our
# own packages are not in it: the test installs them in the guest.
#
# The image boots with scripts/vm-run.sh --rootfs IMAGE, which takes the
# kernel and initramfs from its /boot; plu-stage.service runs the stages
# (tests/distro/guest/).
#
# Cached under ${XDG_CACHE_HOME:-~/.cache}/pci-liveupdate/distro/KEY/, KEY
# being a hash of this script, the files baked in and the kernel packages;
# the Debian archive is not part of the key (--rebuild makes a fresh one).
# The archive is the one the machine's apt sources name (common.sh,
# plu_private_apt).  --print prints the path without building.
set -euo pipefail
. "$(dirname "$0")/../../scripts/common.sh"

print_only=0 rebuild=0
while [ $# -gt 0 ]; do
	case $1 in
	--print) print_only=1; shift ;;
	--rebuild) rebuild=1; shift ;;
	-h|--help) sed -n '4,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) plu_die "mkimage.sh: unknown option $1" ;;
	esac
done

here=$PLU_TOP/tests/distro
# What goes into the guest besides the essential set.  systemd-sysv makes
# systemd PID 1; dbus, procps, pciutils and busybox are what a small
# Debian system has anyway; zstd compresses the initramfs.  libelf1t64:
# the headers package of bindeb-pkg has objtool, which needs libelf, but
# does not depend on it (Debian's own linux-kbuild does).
PACKAGES=systemd,systemd-sysv,udev,mount,dbus,dkms,build-essential,kmod,initramfs-tools,busybox,zstd,kexec-tools,e2fsprogs,procps,pciutils,libelf1t64
# systemd that knows FileDescriptorStorePreserve= and LUO.
SYSTEMD_MIN=261

# ---- the kernel packages ----
if [ "$print_only" = 1 ]; then
	kdir=$("$PLU_TOP/scripts/build-kernel.sh" --flavor distro --print)
else
	kdir=$("$PLU_TOP/scripts/build-kernel.sh" --flavor distro)
fi
kdebs=$kdir/debs
# The second kernel release: the same build with LOCALVERSION, so that the
# guest has a kernel DKMS has not built the module for (its headers come
# later, in the test).  KREL_B is its release.
SUFFIX_B=-b
# bindeb_pkg NAME [MAKE-ARG]...: make bindeb-pkg, the packages into $kdebs/NAME/.
bindeb_pkg() {
	local name=$1 t=$SECONDS
	shift
	mkdir -p "$kdebs/$name"
	plu_log "make bindeb-pkg $* on the cached distro kernel build $kdir/build"
	# bindeb-pkg runs the build's default targets first (a no-op on the
	# finished tree, relinking for another LOCALVERSION).  The packages
	# land in the build's parent.
	make -C "$kdir/src" O="$kdir/build" -j"$(nproc)" "$@" bindeb-pkg \
		>"$kdebs/$name/bindeb-pkg.log" 2>&1 ||
		{ tail -30 "$kdebs/$name/bindeb-pkg.log" >&2; plu_die "bindeb-pkg failed (log: $kdebs/$name/bindeb-pkg.log)"; }
	mv "$kdir"/linux-image-*.deb "$kdir"/linux-headers-*.deb "$kdebs/$name/"
	rm -f "$kdir"/*.deb "$kdir"/*.buildinfo "$kdir"/*.changes
	echo "$((SECONDS - t)) s, $(grep -cE '^  (CC|LD|AR)' "$kdebs/$name/bindeb-pkg.log") objects rebuilt" >"$kdebs/$name/took"
	plu_log "bindeb-pkg $*: $(cat "$kdebs/$name/took")"
}
if [ "$print_only" = 0 ] && [ ! -f "$kdebs/.done" ]; then
	exec 8>"$kdir/.lock-debs"
	flock 8
	if [ ! -f "$kdebs/.done" ]; then
		plu_need_pkgs dpkg-dev debhelper rsync kmod cpio bc bison flex libelf-dev libdw-dev libssl-dev python3
		rm -rf "$kdebs" "$kdir"/*.deb "$kdir"/*.buildinfo "$kdir"/*.changes
		bindeb_pkg a
		bindeb_pkg b LOCALVERSION="$SUFFIX_B"
		# Back to the tree build-kernel.sh made (its kernelrelease).
		make -s -C "$kdir/src" O="$kdir/build" -j"$(nproc)" bzImage modules \
			>"$kdebs/restore.log" 2>&1 ||
			{ tail -30 "$kdebs/restore.log" >&2; plu_die "rebuilding $kdir/build failed"; }
		[ "$(make -s -C "$kdir/src" O="$kdir/build" kernelrelease)" = "$(cat "$kdir/kernelrelease")" ] ||
			plu_die "$kdir/build is not at release $(cat "$kdir/kernelrelease") again"
		touch "$kdebs/.done"
	fi
	exec 8>&-
fi
KREL=$(cat "$kdir/kernelrelease")
KREL_B=$KREL$SUFFIX_B

# ---- the cache key ----
key_inputs() {
	echo "packages $PACKAGES"
	cat "$0" "$here"/guest/plu-stage.service "$here"/guest/plu-stage-boot
	if [ -f "$kdebs/.done" ]; then
		(cd "$kdebs" && sha256sum ./*/*.deb)
	else
		echo "kernel $kdir"
	fi
}
key=$(key_inputs | sha256sum | cut -c1-16)
out=$PLU_CACHE/distro/$key
img=$out/rootfs.img
if [ "$print_only" = 1 ] || { [ "$rebuild" = 0 ] && [ -f "$out/.done" ]; }; then
	echo "$img"
	exit 0
fi

[ "$(id -u)" -eq 0 ] || plu_die "making the image needs root (mmdebstrap --mode=root)"
mkdir -p "$PLU_CACHE/distro"
exec 9>"$PLU_CACHE/distro/.lock"
flock 9
if [ "$rebuild" = 0 ] && [ -f "$out/.done" ]; then
	echo "$img"
	exit 0
fi
plu_need_pkgs mmdebstrap e2fsprogs debian-archive-keyring
plu_private_apt || plu_die "no Debian archive URI in the machine's apt sources"
uri=$(sed -n 's/^URIs:[[:space:]]*//p' "$PLU_CACHE/apt/etc/sources.list.d/plu.sources" | awk '{print $1}')
[ -n "$uri" ] || plu_die "no archive URI in $PLU_CACHE/apt/etc/sources.list.d/plu.sources"

rm -rf "$out"
mkdir -p "$out"
tmp=$(mktemp -d "$PLU_CACHE/distro/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
mkdir -p "$tmp/kdebs"
cp "$kdebs"/a/*.deb "$kdebs"/b/linux-image-*.deb "$tmp/kdebs/"
t=$SECONDS
plu_log "mmdebstrap Debian unstable from $uri into $root (first run only, a few minutes)"
# Hooks (run on the host, $1 is the new root):
# - the kernel packages with apt, so their dependencies come along; their
#   postinst runs update-initramfs;
# - the second kernel's headers, for the test to install, in /var/local/plu;
# - /vmlinuz and /initrd.img name the first kernel (vm-run.sh --rootfs
#   boots it);
# - the stage service, and root without a password for testers at the
#   serial console;
# - timers that would start apt, fstrim or e2scrub during a test: masked.
# (Check-Valid-Until: the archive this machine reaches may be a frozen
# snapshot whose Release file has expired.)
mmdebstrap --mode=root --variant=apt --format=directory \
	--aptopt='Acquire::Check-Valid-Until "false"' \
	--aptopt='APT::Install-Recommends "false"' \
	--include="$PACKAGES" \
	--customize-hook="mkdir -p \"\$1/tmp/plu-kdebs\"" \
	--customize-hook="copy-in $(printf '%q ' "$tmp"/kdebs/*.deb) /tmp/plu-kdebs" \
	--customize-hook='chroot "$1" sh -c "DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends /tmp/plu-kdebs/*.deb"' \
	--customize-hook='rm -rf "$1/tmp/plu-kdebs"' \
	--customize-hook="mkdir -p \"\$1/var/local/plu\"" \
	--customize-hook="copy-in $(printf '%q ' "$kdebs"/b/linux-headers-*.deb) /var/local/plu" \
	--customize-hook="ln -sfn boot/vmlinuz-$KREL \"\$1/vmlinuz\"; ln -sfn boot/initrd.img-$KREL \"\$1/initrd.img\"" \
	--customize-hook='echo plu-distro >"$1/etc/hostname"' \
	--customize-hook='printf "/dev/vda / ext4 errors=remount-ro 0 1\n" >"$1/etc/fstab"' \
	--customize-hook='for f in passwd shadow; do [ ! -f "$1/etc/$f" ] || sed -i "s/^root:[^:]*:/root::/" "$1/etc/$f"; done' \
	--customize-hook="copy-in $here/guest/plu-stage.service /etc/systemd/system" \
	--customize-hook="copy-in $here/guest/plu-stage-boot /usr/local/sbin" \
	--customize-hook='chmod 755 "$1/usr/local/sbin/plu-stage-boot"; chmod 644 "$1/etc/systemd/system/plu-stage.service"' \
	--customize-hook='chroot "$1" systemctl enable plu-stage.service' \
	--customize-hook='chroot "$1" systemctl mask apt-daily.timer apt-daily-upgrade.timer fstrim.timer e2scrub_all.timer e2scrub_reap.service dpkg-db-backup.timer' \
	--customize-hook="chroot \"\$1\" dpkg-query -W >$tmp/packages.txt" \
	unstable "$root" "deb $uri unstable main" >"$out/mmdebstrap.log" 2>&1 ||
	{ tail -30 "$out/mmdebstrap.log" >&2; plu_die "mmdebstrap failed (log: $out/mmdebstrap.log)"; }
plu_log "mmdebstrap took $((SECONDS - t)) s"

# What the test relies on.
sdver=$(awk '$1 == "systemd" { print $2 }' "$tmp/packages.txt")
[ -n "$sdver" ] || plu_die "no systemd in the image"
[ "${sdver%%[.~+-]*}" -ge "$SYSTEMD_MIN" ] ||
	plu_die "unstable's systemd is $sdver, the test needs $SYSTEMD_MIN or later"
# (lib/modules/REL/build is an absolute link: look at its target.)
for f in "boot/vmlinuz-$KREL" "boot/initrd.img-$KREL" "usr/src/linux-headers-$KREL/Makefile" \
	 "boot/config-$KREL" "boot/vmlinuz-$KREL_B" "boot/initrd.img-$KREL_B" vmlinuz; do
	[ -e "$root/$f" ] || plu_die "the image lacks /$f"
done
[ -L "$root/lib/modules/$KREL/build" ] || plu_die "the image lacks /lib/modules/$KREL/build"
[ ! -e "$root/usr/src/linux-headers-$KREL_B" ] || plu_die "the image has headers for $KREL_B"
ls "$root"/var/local/plu/linux-headers-"$KREL_B"_*.deb >/dev/null || plu_die "no headers package of $KREL_B"
cp "$tmp/packages.txt" "$out/packages.txt"
printf '%s\n%s\n' "$KREL" "$KREL_B" >"$out/kernelrelease"
echo "$sdver" >"$out/systemd-version"

# The file system: what is there plus room for DKMS builds, apt and the
# journal.  mkfs.ext4 -d copies the tree with owners, modes and xattrs.
used=$(du -sm "$root" | cut -f1)
size=$((used + 1536))
t=$SECONDS
mkfs.ext4 -q -F -L plu-root -d "$root" "$tmp/rootfs.img" "${size}M" >"$out/mkfs.log" 2>&1 ||
	{ cat "$out/mkfs.log" >&2; plu_die "mkfs.ext4 -d failed"; }
mv "$tmp/rootfs.img" "$img"
plu_log "mkfs.ext4 -d: ${size} MiB ($used MiB used) in $((SECONDS - t)) s"
touch "$out/.done"
plu_log "distro image ready: $img (systemd $sdver, kernels $KREL and $KREL_B)"
echo "$img"
