#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Distro test, stage 3: after "pci-liveupdate kexec".  The set came back
# through the CLI's session.  Then the preflight against a kernel DKMS has
# not built for, and again after its headers (apt-get install; the service
# stays active) and "dkms install" for it; then a plain kexec into that
# kernel without liveupdate=on (stage 4).
. /run/plu/bin/distro-lib.sh
plu_boot_facts s3
plu_note s3_sysfs "$(plu_sysfs_json)"
plu_emit s3_retrieve pci-liveupdate retrieve --session "$CLI_SESSION" --finish --json
plu_emit s3_incoming pci-liveupdate list --incoming --json
plu_emit s3_incoming_state cat /sys/class/misc/pci_liveupdate/incoming_state

# The preflight: kernel $REL_B has no module (no headers, DKMS skipped it).
kb=/boot/vmlinuz-$REL_B ib=/boot/initrd.img-$REL_B
plu_note s3_rel_b "$REL_B"
plu_emit s3_modinfo_b modinfo -k "$REL_B" -F filename pci_liveupdate
plu_emit s3_check_nomod pci-liveupdate check --kernel "$kb" --initrd "$ib" --append "$NEXT_CMDLINE" --json
plu_lines s3_kexec_nomod pci-liveupdate kexec --dry-run --session plu-b --kernel "$kb" --initrd "$ib" --append "$NEXT_CMDLINE"
# Its headers, the admin's way, then "dkms install" for it (the headers
# package of bindeb-pkg runs no DKMS hook), and its initramfs.
plu_run s3_headers_b env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
	/var/local/plu/linux-headers-"$REL_B"_*.deb
ver=$(dpkg-query -W -f='${Version}' pci-liveupdate-dkms)
ver=${ver%%-*}
plu_run s3_dkms_install_b dkms install "pci-liveupdate/$ver" -k "$REL_B"
plu_lines s3_dkms_status dkms status pci-liveupdate
plu_run s3_initramfs_b update-initramfs -u -k "$REL_B"
plu_initrd_modules s3_initrd_b "$ib"
plu_emit s3_check_b pci-liveupdate check --kernel "$kb" --initrd "$ib" --append "$NEXT_CMDLINE" --json
plu_lines s3_kexec_b pci-liveupdate kexec --dry-run --session plu-b --kernel "$kb" --initrd "$ib" --append "$NEXT_CMDLINE"

# DKMS built for another kernel: the service of this one is untouched.
plu_emit s3_active_b systemctl is-active pci-liveupdate.service
plu_lines s3_unit_b systemctl show -p ActiveState -p NFileDescriptorStore pci-liveupdate.service

# A boot of a LUO kernel without liveupdate=on (a recovery boot, or one
# before the admin added it): $REL_B, which has the module now.  Loaded
# and booted with kexec and "systemctl kexec", without the preflight
# ("pci-liveupdate kexec" refuses a command line without liveupdate=on).
plu_data_drain
KERNEL=$kb INITRD=$ib NEXT_CMDLINE=$(printf '%s\n' "$NEXT_CMDLINE" | sed 's/\(^\| \)liveupdate=on\( \|$\)/\1\2/') \
	plu-systemctl-kexec
exit 1
