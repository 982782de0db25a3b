# Shared stages of the upgrade and downgrade scenarios (symlinked there):
# a live update during which the module itself changes.  plu_modules=A,B on
# the command line (the scenario's vm-args) names the module of stage 1 and
# of stage 2: "release" is the module of the last release (RELEASES, in
# /usr/bin), "current" today's.  No module is loaded at boot (plu_noload,
# kept on the next command line too): each stage loads its own.
#
# Stage 1: module A marks every endpoint and carries the set.  The SR-IOV
# PF has two VFs, the first on pci-stub through driver_override, and is
# marked with its VFs first: a module that knows MARK_WITH_VFS (wire
# version 3 on) writes its SR-IOV records, one that does not refuses the
# flag and the PF is then marked alone, like every other endpoint.
. /usr/bin/plu-lib.sh
PF=0000:02:00.0
P=/sys/bus/pci/devices/$PF
plu_swap_load 1 || exit 1
for d in 0000:01:00.0 "$PF"; do
	plu_wait_driver "$d" nvme 300 || { echo "$d: no nvme after 300 s"; exit 1; }
done
# QEMU's VF controllers start offline: nvme must not probe them.
echo 0 >"$P/sriov_drivers_autoprobe" || exit 1
echo 2 >"$P/sriov_numvfs" || exit 1
VF0=$(basename "$(readlink "$P/virtfn0")")
plu_bind_override "$VF0" pci-stub || exit 1
plu_emit sysfs1 plu_sysfs_json
plu_emit markpf1 sh -c "pci-liveupdate mark --with-vfs $PF 2>&1"
plu_emit mark1 pci-liveupdate mark $(plu_endpoints)
plu_emit out1 pci-liveupdate list --outgoing --json
plu-make-initrd || exit 1
pci-liveupdate kexec --session swap --kernel "$KERNEL" --initrd "$INITRD" --append "$NEXT_CMDLINE"
exit 1
