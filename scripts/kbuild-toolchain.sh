#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kbuild-toolchain.sh KDIR - print the make arguments that build an external
# module with the compiler and linker KDIR's kernel was built with: nothing
# for gcc, LLVM=-N (Debian's versioned clang-N, ld.lld-N, llvm-*-N) or
# LLVM=1 (unversioned tools of the same major version) for clang.  A module
# built with another compiler than its kernel breaks kCFI (the type hashes
# differ) and is refused by kbuild's compiler check anyway.
#
# POSIX sh: DKMS runs it too (dkms.conf).  Exit 1 if the kernel was built
# with a clang this machine does not have, naming the package to install.
kdir=${1:?usage: kbuild-toolchain.sh KDIR}
conf=$kdir/include/config/auto.conf
[ -f "$conf" ] || conf=$kdir/.config
[ -f "$conf" ] || exit 0
grep -q '^CONFIG_CC_IS_CLANG=y' "$conf" || exit 0
ver=$(sed -n 's/^CONFIG_CLANG_VERSION=\([0-9]*\)/\1/p' "$conf")
major=$((ver / 10000))
if command -v "clang-$major" >/dev/null 2>&1; then
	echo "LLVM=-$major"
elif command -v clang >/dev/null 2>&1 &&
	[ "$(clang -dumpversion 2>/dev/null | cut -d. -f1)" = "$major" ]; then
	echo "LLVM=1"
else
	echo "kbuild-toolchain.sh: $kdir was built with clang $major: install clang-$major lld-$major llvm-$major" >&2
	exit 1
fi
