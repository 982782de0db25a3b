#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the path of a kernel source tree that has the Live Update
# Orchestrator, fetching and unpacking Debian's linux-source package into the
# cache on first use.
#
# KERNEL_SRC=/path/to/tree overrides everything (your own LUO tree).
# --cached: only print a tree that is already there; never download (exit 1
# if there is none).
# Debian's linux-source-7.3 is tried first, then linux-source-7.2.  The
# machine's apt configuration is left alone: a private apt state directory
# under the cache is used, pointed at the Debian archive URI(s) found in the
# machine's own apt sources, with the suites that carry those packages.
set -euo pipefail
. "$(dirname "$0")/common.sh"

if [ -n "${KERNEL_SRC:-}" ]; then
	[ -f "$KERNEL_SRC/include/linux/liveupdate.h" ] ||
		plu_die "KERNEL_SRC=$KERNEL_SRC has no include/linux/liveupdate.h (needs Linux 7.2+)"
	cd "$KERNEL_SRC" && pwd
	exit 0
fi

srcroot=$PLU_CACHE/src
for v in 7.3 7.2; do
	if [ -f "$srcroot/linux-source-$v/.plu-unpacked" ]; then
		echo "$srcroot/linux-source-$v"
		exit 0
	fi
done
[ "${1:-}" = --cached ] && exit 1

plu_need_pkgs xz-utils debian-archive-keyring ca-certificates

plu_private_apt || plu_die "cannot set up the private apt state"
apt_dir=$PLU_CACHE/apt
apt_opts=("${PLU_APT_OPTS[@]}")

for v in 7.3 7.2; do
	apt-cache "${apt_opts[@]}" show "linux-source-$v" >/dev/null 2>&1 || continue
	plu_log "downloading linux-source-$v"
	# Lists from an earlier run may be stale: refresh once on failure.
	(cd "$apt_dir/archives" && apt-get "${apt_opts[@]}" -qq download "linux-source-$v") ||
		{ apt-get "${apt_opts[@]}" -qq update &&
		  (cd "$apt_dir/archives" && apt-get "${apt_opts[@]}" -qq download "linux-source-$v"); } ||
		plu_die "download of linux-source-$v failed"
	deb=$(ls -t "$apt_dir"/archives/linux-source-"$v"_*.deb | head -1)
	tmp=$(mktemp -d "$PLU_CACHE/unpack.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	dpkg-deb -x "$deb" "$tmp"
	mkdir -p "$srcroot"
	rm -rf "$srcroot/linux-source-$v"
	plu_log "unpacking $(basename "$deb")"
	tar -C "$srcroot" -xf "$tmp/usr/src/linux-source-$v.tar.xz"
	basename "$deb" >"$srcroot/linux-source-$v/.plu-unpacked"
	echo "$srcroot/linux-source-$v"
	exit 0
done
plu_die "neither linux-source-7.3 nor linux-source-7.2 found (Debian unstable/experimental, see $apt_dir/etc)"
