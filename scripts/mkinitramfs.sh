#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh --kernel BZIMAGE --out FILE [--module KO|none] [--bin FILE]...
#                [--stage N:FILE]...
#
# Build the gzip'd newc initramfs the test VM boots (and kexecs into):
#   /init                          scripts/guest-init
#   /usr/bin/plu-*                 links to /init: the stage helpers
#   /bin/busybox, /bin/sh          from Debian's busybox-static
#   /boot/bzImage                  --kernel, the image the stages kexec into
#   /lib/modules/REL/extra/pci_liveupdate.ko
#                                  --module (omitted with "none" or no
#                                  option), REL the kernel's release (the
#                                  kernelrelease file next to BZIMAGE), where
#                                  a distribution's initramfs has it, with
#   /conf/modules                  "pci_liveupdate": what /init loads, the
#                                  initramfs-tools convention, so that
#                                  pci-liveupdate check finds the early load
#   /lib/modules/pci_liveupdate.ko a link to it, for the stages
#   /usr/bin/NAME                  each --bin, plus the shared libraries and
#                                  the loader a dynamic one needs (via ldd)
#   /stages/N.sh                   each --stage N:FILE
#
# The archive is deterministic: sorted names, owner 0:0, every time stamp 0,
# modes normalised, cpio --reproducible and gzip -n.  Work happens in a
# private temporary directory; FILE is replaced atomically.
set -euo pipefail
. "$(dirname "$0")/common.sh"

usage() { sed -n '4,19p' "$0" | sed 's/^# \{0,1\}//'; }

kernel='' out='' module='' bins=() stages=()
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=${2:?}; shift 2 ;;
	--out) out=${2:?}; shift 2 ;;
	--module) module=${2:?}; shift 2 ;;
	--bin) bins+=("${2:?}"); shift 2 ;;
	--stage) stages+=("${2:?}"); shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; plu_die "mkinitramfs.sh: unknown option $1" ;;
	esac
done
[ -n "$kernel" ] && [ -n "$out" ] || { usage >&2; plu_die "--kernel and --out are required"; }
[ -f "$kernel" ] || plu_die "no kernel image at $kernel"
[ "$module" = none ] && module=''
[ -z "$module" ] || [ -f "$module" ] || plu_die "no module at $module"

plu_need_pkgs busybox-static cpio gzip
busybox=/bin/busybox
! ldd "$busybox" >/dev/null 2>&1 || plu_die "$busybox is not static (install busybox-static)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/plu-initramfs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,lib/modules,boot,stages,dev,proc,sys,tmp,mnt,root,etc,var/run}
chmod 1777 "$root/tmp"

# busybox; /init links the other applets at boot (busybox --install -s,
# one process, instead of hundreds of ln here).
install -m 0755 "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"

# The kernel opens /dev/console before /init runs (devtmpfs comes later).
mknod -m 0600 "$root/dev/console" c 5 1
mknod -m 0666 "$root/dev/null" c 1 3

install -m 0755 "$PLU_TOP/scripts/guest-init" "$root/init"
# /init is also the stage helpers (it looks at its name).
for h in plu-make-initrd plu-kexec plu-host plu-device-del plu-kmemleak-check plu-mark \
	 plu-drain-console; do
	ln -s /init "$root/usr/bin/$h"
done
install -m 0644 "$kernel" "$root/boot/bzImage"
if [ -n "$module" ]; then
	rel=$(cat "$(dirname "$kernel")/kernelrelease" 2>/dev/null) ||
		plu_die "no kernelrelease file next to $kernel (scripts/build-kernel.sh writes one)"
	install -D -m 0644 "$module" "$root/lib/modules/$rel/extra/pci_liveupdate.ko"
	ln -s "$rel/extra/pci_liveupdate.ko" "$root/lib/modules/pci_liveupdate.ko"
	mkdir -p "$root/conf"
	echo pci_liveupdate >"$root/conf/modules"
fi

# copy_libs BINARY - the shared objects ldd lists, and the loader, at their
# own paths (the loader's default search path covers them).
copy_libs() {
	local deps lib
	deps=$(ldd "$1" 2>/dev/null) || return 0	# static: nothing to do
	for lib in $(printf '%s\n' "$deps" | sed -nE 's/.*=> (\/[^ ]+) .*/\1/p; s/^[[:space:]]*(\/[^ ]+) \(0x.*/\1/p'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		install -m 0755 "$(readlink -f "$lib")" "$root$lib"
	done
}
for b in "${bins[@]}"; do
	[ -f "$b" ] || plu_die "--bin $b: no such file"
	name=$(basename "$b")
	# A real binary replaces a busybox applet of the same name.
	rm -f "$root/usr/bin/$name"
	install -m 0755 "$b" "$root/usr/bin/$name"
	copy_libs "$b"
done

for s in "${stages[@]}"; do
	n=${s%%:*} f=${s#*:}
	[[ $n =~ ^[1-9][0-9]*$ ]] && [ "$f" != "$s" ] || plu_die "--stage wants N:FILE, got '$s'"
	[ -f "$f" ] || plu_die "--stage $n: no such file $f"
	install -m 0755 "$f" "$root/stages/$n.sh"
done

# Determinism: fixed times; names sorted; owners 0:0 via cpio -R.
find "$root" -exec touch -h -d @0 {} +
mkdir -p "$(dirname "$out")"
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -n -6 >"$tmp/initramfs.cpio.gz"
mv -f "$tmp/initramfs.cpio.gz" "$out"
plu_log "initramfs: $out ($(du -k "$out" | cut -f1) KiB)"
