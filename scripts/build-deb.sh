#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-deb.sh [--out DIR] [--no-lintian]
#
# Build the Debian packages pci-liveupdate-dkms and pci-liveupdate from
# debian/ with "dpkg-buildpackage -us -uc -b", then check them with lintian
# (any error fails).  The build runs in a copy of the working tree (every
# file git tracks or would track, as it is on disk now) under DIR, so the
# checkout gets no build products and other work in it is not disturbed;
# the .deb, .changes and .buildinfo files end up in DIR (default
# build/deb/).  The last line printed is the path of the .changes file.
#
# The CLI needs the LUO uAPI header linux/liveupdate.h.  When the system
# headers lack it (linux-libc-dev older than 7.2, as on Debian 12), the
# build uses the profile pkg.pci-liveupdate.external-uapi with
# UAPI_HEADERS: the environment's, else the cached test kernel's installed
# headers, else the include/uapi of the cached kernel source.  Nothing is
# downloaded for it.
set -euo pipefail
. "$(dirname "$0")/common.sh"

usage() { sed -n '4,19p' "$0" | sed 's/^# \{0,1\}//'; }

out=$PLU_TOP/build/deb lintian=1
while [ $# -gt 0 ]; do
	case $1 in
	--out) [ $# -ge 2 ] || plu_die "$1 needs an argument"; out=$2; shift 2 ;;
	--no-lintian) lintian=0; shift ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; plu_die "build-deb.sh: unknown option $1" ;;
	esac
done

plu_need_pkgs dpkg-dev debhelper dh-dkms libkmod-dev libsystemd-dev pkgconf
[ "$lintian" = 0 ] || plu_need_pkgs lintian

version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"[[:space:]]*$/\1/p' "$PLU_TOP/dkms.conf")
[ -n "$version" ] || plu_die "cannot read PACKAGE_VERSION from $PLU_TOP/dkms.conf"
debver=$(cd "$PLU_TOP" && dpkg-parsechangelog -S Version)
arch=$(dpkg --print-architecture)

# The LUO uAPI header: the system's, or one named by UAPI_HEADERS.
profile=()
if ! echo '#include <linux/liveupdate.h>' | cc -E -x c - >/dev/null 2>&1; then
	hdr=${UAPI_HEADERS:-}
	if [ -z "$hdr" ] && kdir=$("$PLU_TOP/scripts/build-kernel.sh" --print 2>/dev/null) &&
	   [ -f "$kdir/.done" ]; then
		hdr=$kdir/headers/usr/include
	fi
	if [ -z "$hdr" ] && ksrc=$("$PLU_TOP/scripts/kernel-source.sh" --cached 2>/dev/null); then
		hdr=$ksrc/include/uapi
	fi
	[ -n "$hdr" ] && [ -f "$hdr/linux/liveupdate.h" ] ||
		plu_die "the system headers lack linux/liveupdate.h (linux-libc-dev < 7.2) and no cached kernel provides it: pass UAPI_HEADERS=DIR (a directory with linux/liveupdate.h), or fetch the kernel source with scripts/kernel-source.sh"
	hdr=$(cd "$hdr" && pwd)
	plu_log "linux/liveupdate.h from $hdr (profile pkg.pci-liveupdate.external-uapi)"
	export UAPI_HEADERS=$hdr
	profile=(-Ppkg.pci-liveupdate.external-uapi)
fi

# A copy of the working tree, without .git and without ignored files.
mkdir -p "$out"
out=$(cd "$out" && pwd)
tree=$out/pci-liveupdate-$version
rm -rf "$tree"
mkdir -p "$tree"
if git -C "$PLU_TOP" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$PLU_TOP" && git ls-files -z --cached --others --exclude-standard |
		tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$tree"
else
	(cd "$PLU_TOP" && tar --exclude=./build --exclude=./results -cf - .) | tar -xf - -C "$tree"
fi
rm -f "$out"/pci-liveupdate*_"$debver"_*.{deb,changes,buildinfo}

plu_log "dpkg-buildpackage -us -uc -b ${profile[*]} in $tree"
(cd "$tree" && dpkg-buildpackage -us -uc -b "${profile[@]}") >"$out/build.log" 2>&1 || {
	tail -n 30 "$out/build.log" >&2
	plu_die "dpkg-buildpackage failed (log: $out/build.log, tree: $tree)"
}
rm -rf "$tree"
changes=$out/pci-liveupdate_${debver}_$arch.changes
[ -f "$changes" ] || plu_die "no $changes after the build (log: $out/build.log)"
for deb in "$out"/*_"$debver"_*.deb; do
	plu_log "built $deb"
done

if [ "$lintian" = 1 ]; then
	plu_log "lintian $changes"
	lintian --fail-on error --display-info "$changes" | tee "$out/lintian.log" >&2 ||
		plu_die "lintian reports errors (log: $out/lintian.log)"
fi
echo "$changes"
