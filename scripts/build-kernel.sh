#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-kernel.sh [--flavor fast|debug|cfi|kcsan|distro] [--print]
#
# Build (or find in the cache) the LUO test kernel and print the directory
# that holds it:  bzImage, build/ (an O= module build tree with
# Module.symvers), headers/usr/include (installed uAPI headers), src (link to
# the source tree) and kernelrelease.
#
# Flavors: fast (gcc, the everyday one), debug (gcc; KASAN, lockdep,
# kmemleak), cfi (clang/lld 19, CONFIG_CFI enforcing), kcsan (gcc; KCSAN
# and lockdep, for the chaos exerciser) and distro (fast plus what a Debian
# system with systemd needs, for tests/distro/).  PLU_KERNEL picks the
# source (scripts/kernel-source.sh, tests/vm/kernels).
#
# The cache key is the source version plus a hash of the merged config
# fragments, so a warm run never rebuilds.  --print only prints the path a
# build would have (without building, and without downloading the source:
# it fails if the source is not in the cache yet).
set -euo pipefail
. "$(dirname "$0")/common.sh"

flavor=fast print_only=0
while [ $# -gt 0 ]; do
	case $1 in
	--flavor) flavor=$2; shift 2 ;;
	--print) print_only=1; shift ;;
	-h|--help) sed -n '4,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) plu_die "build-kernel.sh: unknown option $1" ;;
	esac
done
frags=("$PLU_TOP/tests/vm/kernel.config")
case $flavor in
fast) ;;
debug) frags+=("$PLU_TOP/tests/vm/kernel-debug.config") ;;
cfi) frags+=("$PLU_TOP/tests/vm/kernel-cfi.config") ;;
kcsan) frags+=("$PLU_TOP/tests/vm/kernel-kcsan.config") ;;
distro) frags+=("$PLU_TOP/tests/vm/kernel-distro.config") ;;
*) plu_die "unknown flavor '$flavor' (fast, debug, cfi, kcsan or distro)" ;;
esac
# The toolchain: the kernel's own default (gcc), or LLVM for cfi.
toolchain=()
[ "$flavor" = cfi ] && toolchain=(LLVM=-19)

# --print (the top Makefile's parse time) must not download anything.
if [ "$print_only" = 1 ]; then
	src=$("$PLU_TOP/scripts/kernel-source.sh" --cached) || exit 1
else
	src=$("$PLU_TOP/scripts/kernel-source.sh")
fi
srcver=$(make -s -C "$src" kernelversion 2>/dev/null)
[ -f "$src/.plu-unpacked" ] && srcver="$srcver-$(sed 's/_all.deb//;s/.*_//' "$src/.plu-unpacked")"
hash=$(cat "${frags[@]}" | sha256sum | cut -c1-12)
out=$PLU_CACHE/kernel/$srcver-$flavor-$hash
if [ "$print_only" = 1 ] || [ -f "$out/.done" ]; then
	echo "$out"
	exit 0
fi

# One build per tree at a time; whoever waited finds the finished one.
mkdir -p "$PLU_CACHE/kernel"
exec 9>"$out.lock"
flock 9
if [ -f "$out/.done" ]; then
	echo "$out"
	exit 0
fi

plu_need_pkgs build-essential flex bison bc libelf-dev libssl-dev cpio kmod rsync
[ "$flavor" = cfi ] && plu_need_pkgs clang-19 lld-19 llvm-19

mkdir -p "$out"
ln -sfn "$src" "$out/src"
b=$out/build
plu_log "building $flavor kernel $srcver in $b (first run only, ~10-25 min)"
make -s -C "$src" O="$b" "${toolchain[@]}" allnoconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$b" "$b/.config" "${frags[@]}" >/dev/null
make -s -C "$src" O="$b" "${toolchain[@]}" olddefconfig >/dev/null
# Every option the fragments ask for must have survived olddefconfig.
missing=$(cat "${frags[@]}" | grep -E '^CONFIG_[A-Z0-9_]+=[ym]' | while read -r l; do
	grep -qx "$l" "$b/.config" || echo "$l"; done)
[ -z "$missing" ] || plu_die "kernel config dropped: $missing"
jobs=$(nproc)
make -s -C "$src" O="$b" "${toolchain[@]}" -j"$jobs" bzImage modules >"$out/build.log" 2>&1 ||
	{ tail -30 "$out/build.log" >&2; plu_die "kernel build failed, see $out/build.log"; }
make -s -C "$src" O="$b" "${toolchain[@]}" headers_install INSTALL_HDR_PATH="$out/headers/usr" >/dev/null
cp "$b/arch/x86/boot/bzImage" "$out/bzImage"
make -s -C "$src" O="$b" "${toolchain[@]}" kernelrelease >"$out/kernelrelease"
touch "$out/.done"
plu_log "kernel ready: $out"
echo "$out"
