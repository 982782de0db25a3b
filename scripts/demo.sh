#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: boot the test VM (default topology), mark every endpoint,
# live-update with kexec through a LUO session, and show the device tables
# before and after.  Builds the test kernel, module and CLI on first use.
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$PLU_TOP"

plu_need_pkgs build-essential bc flex bison libelf-dev libssl-dev cpio kmod \
	libkmod-dev pkg-config qemu-system-x86 busybox-static kexec-tools
scripts/build-kernel.sh >/dev/null
make -s module tools >/dev/null

work=$(mktemp -d /tmp/plu-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
plu_log "booting the VM (serial log: $work/serial.log) ..."
if ! scripts/vm-run.sh --module pci_liveupdate.ko --bin tests/vm/plu-lib.sh \
	--topology default --qemu-args "-serial file:$work/data.log" \
	--log "$work/serial.log" --stage1 tests/vm/demo/stage1.sh \
	--stage2 tests/vm/demo/stage2.sh >"$work/vm-run.log" 2>&1; then
	cat "$work/vm-run.log"
	trap - EXIT
	plu_die "demo VM failed; logs kept in $work"
fi

section() {	# TITLE TAG
	printf '\n=== %s ===\n' "$1"
	sed -n "s/^@@$2@@ //p" "$work/data.log" | tr -d '\r'
}
section "Kernel 1: mark devices (bridges above them are kept automatically)" step1
section "Kernel 1: outgoing set, before the live update" before
section "Kernel 1: preserve in a LUO session and kexec" step2
section "Kernel 2: incoming set, checked against the devices found" after
printf '\n%s\n' "$(grep -h 'pci_liveupdate:' "$work/serial.log" | tr -d '\r')"
