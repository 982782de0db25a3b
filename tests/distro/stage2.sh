#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Distro test, stage 2: after "pci-liveupdate kexec --systemctl".  The set
# came back through systemd's LUO session, and the other service's memfd
# too.  Then mark again, stop the service and run a bare "systemctl kexec".
. /run/plu/bin/distro-lib.sh
plu_boot_facts s2
plu_lines s2_hold_journal journalctl -b -u pci-liveupdate.service -o cat --no-pager
plu_emit s2_active systemctl is-active pci-liveupdate.service
plu_emit s2_incoming pci-liveupdate list --incoming --json
plu_emit s2_status pci-liveupdate status --json
plu_emit s2_incoming_state cat /sys/class/misc/pci_liveupdate/incoming_state
plu_emit s2_fdstore cat $FDSTORE_RESULT
# SR-IOV: pci-liveupdate-restore-vfs.service re-created the VFs at boot.
plu_emit s2_restore_active systemctl is-active pci-liveupdate-restore-vfs.service
plu_lines s2_restore_journal journalctl -b -u pci-liveupdate-restore-vfs.service -o cat --no-pager
plu_note s2_vfs "$(plu_vf_state)"
plu_emit s2_vfio sh -c 'ls /dev/vfio | grep noiommu'
plu_lines s2_luo_journal sh -c "journalctl -b -o cat --no-pager | grep -iE 'liveupdate|LUO|file descriptor store|fd store' | head -n 40"

plu_mark_devices s2
# A stopped unit (issue 25 item 4): its fd store stays pinned; what does
# a bare "systemctl kexec" carry then?  Stage 3 looks.
plu_emit s2_stop systemctl stop pci-liveupdate.service
plu_lines s2_unit_stopped systemctl show -p ActiveState -p SubState -p NFileDescriptorStore pci-liveupdate.service
plu_lines s2_kexec_stopped pci-liveupdate kexec --systemctl --dry-run --kernel "$KERNEL" --initrd "$INITRD" --append "$NEXT_CMDLINE"
plu_emit s2_check pci-liveupdate check --kernel "$KERNEL" --initrd "$INITRD" --append "$NEXT_CMDLINE" --json
plu_data_drain
plu-systemctl-kexec
exit 1
