#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Distro test, stage 3: after a bare "systemctl kexec" with
# pci-liveupdate.service stopped (its fd store pinned).  What came back,
# and the service in this boot.  Then mark again and live-update through
# "pci-liveupdate kexec" and a LUO session of its own.
. /run/plu/bin/distro-lib.sh
plu_boot_facts s3
plu_note s3_sysfs "$(plu_sysfs_json)"
plu_lines s3_hold_journal journalctl -b -u pci-liveupdate.service -o cat --no-pager
plu_emit s3_active systemctl is-active pci-liveupdate.service
plu_emit s3_incoming pci-liveupdate list --incoming --json
plu_emit s3_incoming_state cat /sys/class/misc/pci_liveupdate/incoming_state
plu_emit s3_fdstore cat $FDSTORE_RESULT
# The SR-IOV restore on a boot whose set has no PF with VFs: nothing to do.
plu_emit s3_restore_active systemctl is-active pci-liveupdate-restore-vfs.service
plu_lines s3_restore_journal journalctl -b -u pci-liveupdate-restore-vfs.service -o cat --no-pager
plu_lines s3_luo_journal sh -c "journalctl -b -o cat --no-pager | grep -iE 'liveupdate|LUO|file descriptor store|fd store' | head -n 40"

plu_mark_devices s3
plu_emit s3_check pci-liveupdate check --kernel "$KERNEL" --initrd "$INITRD" --append "$NEXT_CMDLINE" --json
plu_data_drain
plu-kexec-marker
pci-liveupdate kexec --session "$CLI_SESSION" --kernel "$KERNEL" --initrd "$INITRD" --append "$NEXT_CMDLINE"
echo "pci-liveupdate kexec returned $?"
exit 1
