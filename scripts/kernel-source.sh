#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the path of a kernel source tree that has the Live Update
# Orchestrator, fetching and unpacking Debian's linux-source package into the
# cache on first use.
#
# KERNEL_SRC=/path/to/tree overrides everything (your own LUO tree).
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

plu_need_pkgs xz-utils debian-archive-keyring ca-certificates

# The Debian archive URIs this machine already uses (deb822 and one-line
# formats), minus the security archive, which carries no linux-source.
archive_uris() {
	{
		grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
			sed 's/^URIs:[[:space:]]*//' | tr ' ' '\n' || true
		grep -hsE '^deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
			sed -E 's/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//' | awk '{print $1}' || true
	} | grep -E '/debian/?$' | grep -v security | sort -u || true
}
uris=$(archive_uris | tr '\n' ' ')
[ -n "${uris// }" ] || plu_die "no Debian archive URI found in /etc/apt/sources.list{,.d}"

apt_dir=$PLU_CACHE/apt
mkdir -p "$apt_dir"/{lists/partial,archives/partial,etc/sources.list.d,etc/preferences.d,etc/apt.conf.d}
cat >"$apt_dir/etc/sources.list.d/plu.sources" <<SRC
Types: deb
URIs: $uris
Suites: unstable experimental
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
apt_opts=(-o "Dir::Etc=$apt_dir/etc" -o "Dir::State::Lists=$apt_dir/lists"
	  -o "Dir::Cache=$apt_dir" -o "Dir::Cache::archives=$apt_dir/archives"
	  -o "Dir::State::status=/var/lib/dpkg/status"
	  -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
plu_log "looking up linux-source in $uris (private apt state in $apt_dir)"
apt-get "${apt_opts[@]}" -qq update || plu_die "private apt-get update failed"

for v in 7.3 7.2; do
	apt-cache "${apt_opts[@]}" show "linux-source-$v" >/dev/null 2>&1 || continue
	plu_log "downloading linux-source-$v"
	(cd "$apt_dir/archives" && apt-get "${apt_opts[@]}" -qq download "linux-source-$v") ||
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
plu_die "neither linux-source-7.3 nor linux-source-7.2 found in $uris (unstable/experimental)"
