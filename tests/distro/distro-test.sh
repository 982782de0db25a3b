#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# distro-test.sh [--out DIR] [--keep] [-v]
#
# The admin's path on a real Debian system (issue 12, item 4), in a VM:
# Debian unstable with systemd as PID 1 (tests/distro/mkimage.sh, cached),
# our .debs installed with apt in the guest, DKMS building the module
# there against the kernel's headers package, update-initramfs putting it
# into the initramfs, then
#   stage 1: install, mark, restart, stop and start the service,
#            "pci-liveupdate kexec --systemctl";
#   stage 2: the set came back through systemd's LUO session, so did
#            another service's memfd; mark, stop the service, a bare
#            "systemctl kexec";
#   stage 3: what a stopped service's pinned fd store carried; mark,
#            "pci-liveupdate kexec";
#   stage 4: the set came back through the CLI's session; an upgrade
#            whose DKMS build fails, and the recovery; the preflight
#            refuses a kernel DKMS has not built for and allows it after
#            its headers and "dkms install"; a plain kexec into it without
#            liveupdate=on;
#   stage 5: that boot is clean ("running") although the module refused
#            to load; remove and purge leave nothing.
# The host checks the recorded results (tests/distro/check.py).  Results
# in DIR (default results/distro/): serial.log (console), data.log,
# vm-run.attemptN.log (vm-run.sh's output: a run QEMU crashed or wedged
# is run again, scripts/common.sh), check.log (its last line "N passed, N
# failed"), times.
# Exit status: 0 passed, 1 failed, 3 timeout, 4 infrastructure, 5 QEMU
# wedged a vCPU three times.
# "make check-distro" runs it; see docs/testing.md.
set -euo pipefail
. "$(dirname "$0")/../../scripts/common.sh"

vm_opts=() res=
while [ $# -gt 0 ]; do
	case $1 in
	--out) [ $# -ge 2 ] || plu_die "$1 needs an argument"; res=$2; shift 2 ;;
	--keep) vm_opts+=(--keep); shift ;;
	-v|--verbose) vm_opts+=(-v); shift ;;
	-h|--help) sed -n '4,32p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) plu_die "distro-test.sh: unknown option $1" ;;
	esac
done

here=$PLU_TOP/tests/distro
res=${res:-$PLU_TOP/results/distro}
rm -rf "$res"
mkdir -p "$res/bin"
res=$(cd "$res" && pwd)	# vm-run.sh and check.py get paths in it
times=$res/times
: >"$times"
took() { printf '%-28s %4d s\n' "$1" "$2" | tee -a "$times" >&2; }

plu_need_pkgs mmdebstrap e2fsprogs qemu-utils qemu-system-x86 gcc libsystemd-dev python3

t=$SECONDS
img=$("$here/mkimage.sh") || exit 4
took "image (kernel, debs, rootfs)" $((SECONDS - t))

t=$SECONDS
"$PLU_TOP/scripts/build-deb.sh" --no-lintian --out "$res/deb" >"$res/build-deb.log" 2>&1 ||
	{ tail -20 "$res/build-deb.log" >&2; plu_die "build-deb.sh failed (log: $res/build-deb.log)"; }
debs=("$res"/deb/pci-liveupdate-dkms_*_all.deb "$res"/deb/pci-liveupdate_*_*.deb)
[ -f "${debs[0]}" ] && [ -f "${debs[1]}" ] || plu_die "no .debs in $res/deb"
took "our .debs (build-deb.sh)" $((SECONDS - t))

cc -O2 -Wall -Wextra -Werror -o "$res/bin/plu-fdstore-test" "$here/fdstore_test.c" -lsystemd ||
	plu_die "cannot build fdstore_test.c"

t=$SECONDS
rc=0
# Five boots and five DKMS builds (one failing) take 23 minutes beside one
# other VM run and close to 60 under CI's load (make check-full runs this
# beside every other lane on two CPUs): vm-run.sh's default bound for a
# --rootfs run, 3600 s, stopped one such run in stage 4.  80 minutes still
# ends a wedged run inside CI's 90.
plu_vm_run_retry "$res/vm-run" --timeout 4800 --rootfs "$img" --topology "$here/topology.args" \
	--qemu-args "-serial file:$res/data.log" --log "$res/serial.log" \
	--append vfio.enable_unsafe_noiommu_mode=1 \
	--bin "${debs[0]}" --bin "${debs[1]}" --bin "$PLU_TOP/tests/vm/plu-lib.sh" \
	--bin "$here/distro-lib.sh" --bin "$res/bin/plu-fdstore-test" \
	--stage1 "$here/stage1.sh" --stage2 "$here/stage2.sh" --stage3 "$here/stage3.sh" \
	--stage4 "$here/stage4.sh" --stage5 "$here/stage5.sh" \
	"${vm_opts[@]}" || rc=$?
took "VM run (five boots)" $((SECONDS - t))

crc=0
python3 "$here/check.py" "$res/data.log" | tee "$res/check.log" || crc=1
if [ "$rc" != 0 ]; then
	plu_log "distro: vm-run.sh failed (exit $rc); serial log $res/serial.log"
	exit "$rc"
fi
[ "$crc" = 0 ] || { plu_log "distro: checks failed ($res/check.log)"; exit 1; }
plu_log "distro: passed ($(tail -n 1 "$res/check.log"))"
