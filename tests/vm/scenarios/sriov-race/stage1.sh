# SR-IOV enable/disable of the NVMe PF racing MARK/UNMARK of the PF and of
# its VFs (issue 11: MARK and sriov_numvfs took the PCI rescan lock and the
# PF's device lock in opposite orders).  A deadlock leaves both in D state
# and the hung-task detector panics the guest (tests/vm/kernel.config).
# Then the same toggles, VF 0 bound to pci-stub and unbound in each cycle,
# racing MARK --with-vfs/UNMARK of the PF and the SRIOV ioctl, whose every
# answer must be a consistent record of the VFs (issue 24).
# Bounded by cycles (PLU_RACE_CYCLES); fewer on the debug kernel, where
# each cycle costs several times as much.
. /usr/bin/plu-lib.sh
[ -e /sys/kernel/debug/kmemleak ] && export PLU_RACE_CYCLES=${PLU_RACE_CYCLES:-10}
sriov_race_test
race_rc=$?	# not "rc": plu_emit sets that one
plu_note sriov_race_rc "$race_rc"
plu_emit status1 pci-liveupdate status --json
plu_emit out1 pci-liveupdate list --outgoing --json
plu_emit numvfs1 cat /sys/bus/pci/devices/0000:02:00.0/sriov_numvfs
exit $race_rc
