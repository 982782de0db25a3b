#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Distro test, stage 1: the image as mkimage.sh made it.  Install our
# packages (DKMS builds the module here, in the guest; the service must
# be running right after that, nothing here starts it), start the other
# fd store service, mark, restart and stop and start the service, check,
# then "pci-liveupdate kexec --systemctl" (the preflight, then "systemctl
# kexec").
. /run/plu/bin/distro-lib.sh
plu_note s1_systemd "$(systemctl --version | head -n 1)"
plu_note s1_pid1 "$(readlink /proc/1/exe)"
plu_boot_facts s1
plu_emit s1_loaded_before sh -c 'test -e /sys/module/pci_liveupdate && echo loaded || echo absent'

plu_run s1_apt_install env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
	/run/plu/bin/pci-liveupdate-dkms_*_all.deb /run/plu/bin/pci-liveupdate_*_*.deb
# The service as the install left it, before anything here touches it:
# active, holding the device in its fd store, never restarted, and no
# error from apt, whichever package dpkg configured first (the order is
# recorded; it configured pci-liveupdate first when this was written).
plu_emit s1_active_after_install systemctl is-active pci-liveupdate.service
plu_lines s1_unit_after_install systemctl show -p ActiveState -p SubState -p Result -p NRestarts -p NFileDescriptorStore pci-liveupdate.service
plu_emit s1_apt_errors grep -cE 'Could not execute systemctl|Job for [^ ]* (failed|canceled)|start-limit|A dependency job' /run/plu-stage/s1_apt_install.log
plu_lines s1_configure_order sh -c "grep -E ' (configure|trigproc) pci-liveupdate' /var/log/dpkg.log | cut -d' ' -f3,4"
plu_lines s1_dkms_status dkms status pci-liveupdate
# The build's log when DKMS failed (the apt output only names it).
plu_lines s1_dkms_make_log sh -c 'tail -n 25 /var/lib/dkms/pci-liveupdate/*/build/make.log 2>/dev/null'
plu_emit s1_modinfo modinfo -k "$REL" -F filename pci_liveupdate
# What the package's trigger did, and what the preflight says about it.
plu_initrd_modules s1_initrd_pkg "$INITRD"
plu_emit s1_check_pkg pci-liveupdate check --kernel "$KERNEL" --initrd "$INITRD" --append "$NEXT_CMDLINE" --json
# The package renewed it already (postinst; the running kernel is not the
# newest); docs/admin.md's update-initramfs -u -k KVER must keep it so.
plu_run s1_initramfs update-initramfs -u -k "$REL"
plu_initrd_modules s1_initrd "$INITRD"
plu_emit s1_enabled systemctl is-enabled pci-liveupdate.service
plu_emit s1_active systemctl is-active pci-liveupdate.service
plu_lines s1_hold_journal journalctl -b -u pci-liveupdate.service -o cat --no-pager

# Another service keeping a memfd in its preserved fd store.
install -m 755 /run/plu/bin/plu-fdstore-test /usr/local/bin/plu-fdstore-test
cat >/etc/systemd/system/$FDSTORE_UNIT <<UNIT
[Unit]
Description=distro test: another service with a preserved fd store entry

[Service]
Type=notify
ExecStart=/usr/local/bin/plu-fdstore-test plu-memfd "stored in boot $(cat /proc/sys/kernel/random/boot_id)" $FDSTORE_RESULT
FileDescriptorStoreMax=4
FileDescriptorStorePreserve=yes

[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
plu_emit s1_fdstore_enable systemctl enable --now $FDSTORE_UNIT
plu_emit s1_fdstore cat $FDSTORE_RESULT

plu_mark_devices s1
# What an admin does to the service (issue 25 item 4): a restart, and a
# stop then a start, keep the marks and the file in the fd store.  The
# stopped unit keeps its store (FileDescriptorStorePreserve=yes).
for step in restart stop start; do
	plu_emit "s1_$step" systemctl "$step" pci-liveupdate.service
	plu_lines "s1_unit_$step" systemctl show -p ActiveState -p SubState -p NFileDescriptorStore pci-liveupdate.service
	plu_emit "s1_outgoing_$step" pci-liveupdate list --outgoing --json
done
plu_lines s1_hold_journal_steps sh -c "journalctl -b -u pci-liveupdate.service -o cat --no-pager | grep -E 'fd store|Stopp|Start'"
# SR-IOV (issue 24): two VFs of the PF, one for a guest on vfio-pci (a
# module nothing loads at boot; no IOMMU under TCG: vfio's no-IOMMU mode
# is on the command line), one on pci-stub, then the PF marked with its VFs and the restore at boot
# enabled, the admin's opt-in.  Autoprobe is on again at the reboot: the
# restore must turn it off itself before the VFs appear.
plu_note s1_vfs_boot "$(plu_vf_state)"
plu_emit s1_vf_setup plu_vf_setup
plu_note s1_vfs "$(plu_vf_state)"
plu_emit s1_vfio sh -c 'ls /dev/vfio | grep noiommu'
plu_emit s1_sriov_mark pci-liveupdate mark --with-vfs "$SRIOV_PF"
plu_emit s1_sriov_outgoing pci-liveupdate list --outgoing --json
plu_emit s1_restore_enable systemctl enable pci-liveupdate-restore-vfs.service
plu_emit s1_check pci-liveupdate check --kernel "$KERNEL" --initrd "$INITRD" --append "$NEXT_CMDLINE" --json
plu_lines s1_fdstores sh -c 'systemctl show -p FileDescriptorStoreMax -p NFileDescriptorStore pci-liveupdate.service plu-fdstore-test.service'
plu_data_drain
# The checked systemd way (docs/admin.md): preflight, the service's check,
# then systemctl kexec.
plu-systemctl-kexec --cli
exit 1
