# The next kernel: the VFs are recorded, not re-created yet.  restore-vfs
# refuses (changing nothing) a PF not in the set, a PF with VFs enabled in
# another count, a PF whose sriov_totalvfs differs (lowered by the test
# module plu_test_totalvfs, as a PF driver may, then put back), and a PF
# without a driver; then, with autoprobe on (a VF would probe before its
# override if the restore did not turn it off), --force re-creates both
# VFs with their drivers and the autoprobe of the reboot.  The sysfs
# attribute incoming_sriov shows the VFs before and after.
# plu_test_vf_trap, loaded first, binds any nvme VF that probes without an
# override (synchronously, ahead of nvme): a restore that let a VF probe
# before setting its driver_override would leave it there.  At the end, a
# VF made with autoprobe on shows the trap does take a VF.
. /usr/bin/plu-lib.sh
PF=0000:02:00.0
P=/sys/bus/pci/devices/$PF
plu_wait_driver "$PF" nvme 300 || { echo "$PF: no nvme after 300 s"; exit 1; }
plu_emit insmod_trap insmod /usr/bin/plu_test_vf_trap.ko
plu_emit in2a pci-liveupdate list --incoming --json
plu_emit query2a pci-liveupdate query --json "$PF"
plu_emit list2a pci-liveupdate list --incoming
SYSFS=/sys/class/misc/pci_liveupdate/incoming_sriov
plu_note sysfs2a "$(tr '\n' '|' <"$SYSFS")"
plu_emit refuse_notset sh -c "pci-liveupdate restore-vfs 0000:01:00.0 2>&1"
echo 0 >"$P/sriov_drivers_autoprobe" || exit 1
echo 1 >"$P/sriov_numvfs" || exit 1
plu_emit refuse_count sh -c "pci-liveupdate restore-vfs $PF 2>&1"
plu_note numvfs_refused "$(cat "$P/sriov_numvfs") $(cat "$P/sriov_drivers_autoprobe")"
echo 0 >"$P/sriov_numvfs" || exit 1
# sriov_totalvfs 1, one VF with an override of its own, autoprobe 0: a
# refusal changes none of them (--force: not the count's refusal).
T=/sys/module/plu_test_totalvfs/parameters/set_totalvfs
plu_emit insmod_totalvfs insmod /usr/bin/plu_test_totalvfs.ko
echo "$PF 1" >"$T" || exit 1
echo 1 >"$P/sriov_numvfs" || exit 1
VF0=$(basename "$(readlink "$P/virtfn0")")
echo plu-keep >"/sys/bus/pci/devices/$VF0/driver_override" || exit 1
plu_note totalvfs_low "$(cat "$P/sriov_totalvfs")"
plu_emit refuse_total sh -c "pci-liveupdate restore-vfs --force $PF 2>&1"
plu_note total_refused "$(cat "$P/sriov_numvfs") $(cat "$P/sriov_drivers_autoprobe") $(basename "$(readlink "$P/virtfn0")") $(cat "/sys/bus/pci/devices/$VF0/driver_override")"
echo 0 >"$P/sriov_numvfs" || exit 1
echo "$PF 2" >"$T" || exit 1
plu_note totalvfs_back "$(cat "$P/sriov_totalvfs")"
echo "$PF" >"$P/driver/unbind" || exit 1
plu_emit refuse_nodrv sh -c "pci-liveupdate restore-vfs 2>&1"
plu_note numvfs_nodrv "$(cat "$P/sriov_numvfs")"
echo "$PF" >/sys/bus/pci/drivers/nvme/bind || exit 1
plu_wait_driver "$PF" nvme 300 || { echo "$PF: no nvme again"; exit 1; }
echo 1 >"$P/sriov_numvfs" || exit 1
echo 1 >"$P/sriov_drivers_autoprobe" || exit 1
plu_emit restore2 pci-liveupdate restore-vfs --force --json
VF0=$(basename "$(readlink "$P/virtfn0")")
VF1=$(basename "$(readlink "$P/virtfn1")")
plu_note vfs2 "$VF0 $VF1 $(cat "$P/sriov_numvfs") $(cat "$P/sriov_drivers_autoprobe")"
drv=$(readlink "/sys/bus/pci/devices/$VF0/driver")
plu_note vf0drv2 "${drv##*/} $(cat "/sys/bus/pci/devices/$VF0/driver_override")"
drv=$(readlink "/sys/bus/pci/devices/$VF1/driver")
plu_note vf1drv2 "${drv##*/} $(cat "/sys/bus/pci/devices/$VF1/driver_override")"
plu_emit in2b pci-liveupdate list --incoming --json
plu_note sysfs2b "$(tr '\n' '|' <"$SYSFS")"
plu_emit restore2_again sh -c "pci-liveupdate restore-vfs 2>&1"
plu_emit retrieve2 pci-liveupdate retrieve --session sriov --finish --json
plu_dmesg_count trapped_restore "VF bound to plu_test_vf_trap"
echo 0 >"$P/sriov_numvfs" || exit 1
echo 1 >"$P/sriov_drivers_autoprobe" || exit 1
echo 1 >"$P/sriov_numvfs" || exit 1
drv=$(readlink "/sys/bus/pci/devices/$(basename "$(readlink "$P/virtfn0")")/driver")
plu_note trap_control "${drv##*/}"
exit 0
