# A PF marked with its VFs (mark --with-vfs): its SR-IOV configuration is
# carried as it is at the reboot, not at the mark.  One VF when marked;
# then two, the first moved to pci-stub through driver_override, the
# second left without a driver.  Autoprobe off while VFs appear: QEMU's
# VF controllers start offline, and nvme must not probe them.  Marked with
# autoprobe 0, it is turned on just before the kexec: the record must carry
# the 1 of the reboot (the LUO freeze reads it), LIST the 0 of the mark.
. /usr/bin/plu-lib.sh
PF=0000:02:00.0
P=/sys/bus/pci/devices/$PF
plu_wait_driver "$PF" nvme 300 || { echo "$PF: no nvme after 300 s"; exit 1; }
echo 0 >"$P/sriov_drivers_autoprobe" || exit 1
echo 1 >"$P/sriov_numvfs" || exit 1
plu_emit mark1 pci-liveupdate mark --with-vfs "$PF"
VF=$(basename "$(readlink "$P/virtfn0")")
plu_emit markvf1 sh -c "pci-liveupdate mark --with-vfs $VF 2>&1"
plu_emit out1a pci-liveupdate list --outgoing --json
echo 0 >"$P/sriov_numvfs" || exit 1
echo 2 >"$P/sriov_numvfs" || exit 1
VF0=$(basename "$(readlink "$P/virtfn0")")
VF1=$(basename "$(readlink "$P/virtfn1")")
plu_bind_override "$VF0" pci-stub || exit 1
plu_note vfs1 "$VF0 $VF1"
drv=$(readlink "/sys/bus/pci/devices/$VF0/driver")
plu_note vf0drv1 "${drv##*/}"
plu_emit out1 pci-liveupdate list --outgoing --json
plu_emit list1 pci-liveupdate list --outgoing
plu_emit sysfs1 cat /sys/class/misc/pci_liveupdate/incoming_sriov
plu-make-initrd || exit 1
echo 1 >"$P/sriov_drivers_autoprobe" || exit 1
plu_emit out1b pci-liveupdate list --outgoing --json
# No pci-liveupdate-restore-vfs.service here: the preflight must say that
# nothing re-creates the VFs after the update.
plu_emit check1 pci-liveupdate check --kernel "$KERNEL" --initrd "$INITRD" --append "$NEXT_CMDLINE" --json
pci-liveupdate kexec --session sriov --kernel "$KERNEL" --initrd "$INITRD" \
	--append "$NEXT_CMDLINE"
exit 1
