#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# dkms-make.sh KDIR MODDIR [ARG...] - what dkms.conf's MAKE[0] runs: build
# the module in MODDIR against KDIR with the compiler KDIR's kernel was
# built with (scripts/kbuild-toolchain.sh: LLVM=-19 for a kernel built with
# Debian's clang-19).
#
# DKMS 3.0 appends "CC=clang LD=ld.lld" to the make command for a kernel
# built with clang: unversioned names, which on Debian are another clang
# than the kernel's (clang-14 from the clang package) or none at all, and
# a module built with another compiler breaks kCFI.  Those two arguments
# are dropped here; any other ARG is passed to make.
kdir=${1:?usage: dkms-make.sh KDIR MODDIR [ARG...]}
moddir=${2:?usage: dkms-make.sh KDIR MODDIR [ARG...]}
shift 2
n=$#
while [ "$n" -gt 0 ]; do
	a=$1
	shift
	n=$((n - 1))
	case $a in
	CC=*|LD=*) ;;
	*) set -- "$@" "$a" ;;
	esac
done
toolchain=$(sh "$(dirname "$0")/kbuild-toolchain.sh" "$kdir") || exit 1
# shellcheck disable=SC2086
exec make -C "$kdir" M="$moddir" $toolchain "$@" modules
