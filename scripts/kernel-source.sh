#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kernel-source.sh [--cached] [--list]
#
# Print the path of a kernel source tree that has the Live Update
# Orchestrator, fetching and unpacking Debian's linux-source package into the
# cache on first use.
#
# PLU_KERNEL=NAME picks a kernel from tests/vm/kernels (default: its first
# line, the newest released kernel).  KERNEL_SRC=/path/to/tree overrides
# everything (your own LUO tree).
# --cached: only print a tree that is already there; never download (exit 1
#           if there is none).
# --list:   print the kernel names of tests/vm/kernels, default first.
# The machine's apt configuration is left alone: a private apt state
# directory under the cache is used, pointed at the Debian archive URI(s)
# found in the machine's own apt sources (scripts/common.sh).
set -euo pipefail
. "$(dirname "$0")/common.sh"

if [ "${1:-}" = --list ]; then
	plu_kernel_names
	exit 0
fi

if [ -n "${KERNEL_SRC:-}" ]; then
	[ -f "$KERNEL_SRC/include/linux/liveupdate.h" ] ||
		plu_die "KERNEL_SRC=$KERNEL_SRC has no include/linux/liveupdate.h (needs Linux 7.2+)"
	cd "$KERNEL_SRC" && pwd
	exit 0
fi

read -r name pkg pattern < <(plu_kernel_entry "${PLU_KERNEL:-}") ||
	plu_die "PLU_KERNEL=${PLU_KERNEL:-}: not in tests/vm/kernels (have: $(plu_kernel_names | tr '\n' ' '))"
srcroot=$PLU_CACHE/src

# A cached tree whose version matches: newest first.
cached_tree() {
	local d v
	for d in $(ls -d "$srcroot/$pkg"_* 2>/dev/null | sort -rV); do
		[ -f "$d/.plu-unpacked" ] || continue
		v=${d##*/"$pkg"_}
		# shellcheck disable=SC2254
		case $v in $pattern) echo "$d"; return 0 ;; esac
	done
	return 1
}
if cached_tree; then
	exit 0
fi
[ "${1:-}" = --cached ] && exit 1

plu_need_pkgs xz-utils debian-archive-keyring ca-certificates
plu_private_apt || plu_die "cannot set up the private apt state"
apt_dir=$PLU_CACHE/apt
apt_opts=("${PLU_APT_OPTS[@]}")

newest_version() {
	apt-cache "${apt_opts[@]}" madison "$pkg" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}' |
		while read -r v; do
			# shellcheck disable=SC2254
			case $v in $pattern) echo "$v" ;; esac
		done | sort -rV | head -1
}
ver=$(newest_version)
if [ -z "$ver" ]; then
	# Lists from an earlier run may be stale: refresh once.
	apt-get "${apt_opts[@]}" -qq update
	ver=$(newest_version)
fi
[ -n "$ver" ] || plu_die "no $pkg version matching '$pattern' for PLU_KERNEL=$name (sources: $apt_dir/etc)"

plu_log "downloading $pkg=$ver"
(cd "$apt_dir/archives" && apt-get "${apt_opts[@]}" -qq download "$pkg=$ver") ||
	{ apt-get "${apt_opts[@]}" -qq update &&
	  (cd "$apt_dir/archives" && apt-get "${apt_opts[@]}" -qq download "$pkg=$ver"); } ||
	plu_die "download of $pkg=$ver failed"
deb=$(ls "$apt_dir"/archives/"$pkg"_"${ver//:/%3a}"_*.deb | head -1)
tmp=$(mktemp -d "$PLU_CACHE/unpack.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dpkg-deb -x "$deb" "$tmp"
dest=$srcroot/${pkg}_$ver
mkdir -p "$tmp/tree"
plu_log "unpacking $(basename "$deb")"
tar -C "$tmp/tree" -xf "$tmp/usr/src/$pkg.tar.xz"
basename "$deb" >"$tmp/tree/$pkg/.plu-unpacked"
mkdir -p "$srcroot"
rm -rf "$dest"
mv "$tmp/tree/$pkg" "$dest"
echo "$dest"
