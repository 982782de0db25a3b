#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Distro test, stage 4: after "pci-liveupdate kexec".  The set came back
# through the CLI's session.  Then an upgrade whose DKMS build fails, and
# the recovery docs/admin.md gives; the preflight against a kernel DKMS
# has not built for, and again after its headers (apt-get install; the
# service stays active) and "dkms install" for it; then a plain kexec into
# that kernel without liveupdate=on (stage 5).
. /run/plu/bin/distro-lib.sh
plu_boot_facts s4
plu_note s4_sysfs "$(plu_sysfs_json)"
plu_emit s4_retrieve pci-liveupdate retrieve --session "$CLI_SESSION" --finish --json
plu_emit s4_incoming pci-liveupdate list --incoming --json
plu_emit s4_incoming_state cat /sys/class/misc/pci_liveupdate/incoming_state

# An upgrade of pci-liveupdate-dkms whose DKMS build fails (issue 25 item
# 3): a later version of the package as installed, its source broken.
# The package is configured anyway and says why, later apt runs work, the
# module loaded keeps running and the service with it, the preflight
# refuses; installing a version that builds (the next one) recovers.
ver=$(plu_dkms_version)
plu_note s4_dkms_version "$ver"
plu_deb_variant "$(dpkg-query -W -f='${Version}' pci-liveupdate-dkms)+plu1" broken /run/plu-stage/broken.deb
plu_deb_variant "$(dpkg-query -W -f='${Version}' pci-liveupdate-dkms)+plu2" "" /run/plu-stage/fixed.deb
plu_run s4_upgrade_broken env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends /run/plu-stage/broken.deb
plu_lines s4_dpkg_broken dpkg-query -W -f='${Status} ${Version}\n' pci-liveupdate-dkms
plu_lines s4_dkms_status_broken dkms status pci-liveupdate
plu_emit s4_modinfo_broken modinfo -k "$REL" -F filename pci_liveupdate
plu_lines s4_journal_broken journalctl -b -t pci-liveupdate-dkms -o cat --no-pager
plu_emit s4_loaded_broken sh -c 'test -e /sys/module/pci_liveupdate && echo loaded || echo absent'
plu_emit s4_active_broken systemctl is-active pci-liveupdate.service
plu_lines s4_check_broken pci-liveupdate check --kernel "$KERNEL" --initrd "$INITRD" --append "$NEXT_CMDLINE"
# The other recovery docs/admin.md gives, once the cause is fixed: here
# it is not, so the build fails again, reported the same way.
plu_run s4_reconfigure_broken dpkg-reconfigure pci-liveupdate-dkms
# Any later apt run (here: the CLI's package, already installed).  With a
# half-configured package apt would retry its configuration and fail.
plu_run s4_apt_after_broken env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends /run/plu/bin/pci-liveupdate_*_*.deb
# The recovery: a version that builds.
plu_run s4_upgrade_fixed env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends /run/plu-stage/fixed.deb
plu_lines s4_dpkg_fixed dpkg-query -W -f='${Status} ${Version}\n' pci-liveupdate-dkms
plu_lines s4_dkms_status_fixed dkms status pci-liveupdate
plu_emit s4_modinfo_fixed modinfo -k "$REL" -F filename pci_liveupdate
plu_initrd_modules s4_initrd_fixed "$INITRD"
plu_emit s4_check_fixed pci-liveupdate check --kernel "$KERNEL" --initrd "$INITRD" --append "$NEXT_CMDLINE" --json
plu_emit s4_active_fixed systemctl is-active pci-liveupdate.service

# The preflight: kernel $REL_B has no module (no headers, DKMS skipped it).
kb=/boot/vmlinuz-$REL_B ib=/boot/initrd.img-$REL_B
plu_note s4_rel_b "$REL_B"
plu_emit s4_modinfo_b modinfo -k "$REL_B" -F filename pci_liveupdate
plu_emit s4_check_nomod pci-liveupdate check --kernel "$kb" --initrd "$ib" --append "$NEXT_CMDLINE" --json
plu_lines s4_kexec_nomod pci-liveupdate kexec --dry-run --session plu-b --kernel "$kb" --initrd "$ib" --append "$NEXT_CMDLINE"
# Its headers, the admin's way, then "dkms install" for it (the headers
# package of bindeb-pkg runs no DKMS hook), and its initramfs.
plu_run s4_headers_b env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
	/var/local/plu/linux-headers-"$REL_B"_*.deb
plu_run s4_dkms_install_b dkms install "pci-liveupdate/$ver" -k "$REL_B"
plu_lines s4_dkms_status dkms status pci-liveupdate
plu_run s4_initramfs_b update-initramfs -u -k "$REL_B"
plu_initrd_modules s4_initrd_b "$ib"
plu_emit s4_check_b pci-liveupdate check --kernel "$kb" --initrd "$ib" --append "$NEXT_CMDLINE" --json
plu_lines s4_kexec_b pci-liveupdate kexec --dry-run --session plu-b --kernel "$kb" --initrd "$ib" --append "$NEXT_CMDLINE"

# DKMS built for another kernel: the service of this one is untouched.
plu_emit s4_active_b systemctl is-active pci-liveupdate.service
plu_lines s4_unit_b systemctl show -p ActiveState -p NFileDescriptorStore pci-liveupdate.service

# A boot of a LUO kernel without liveupdate=on (a recovery boot, or one
# before the admin added it): $REL_B, which has the module now.  Loaded
# and booted with kexec and "systemctl kexec", without the preflight
# ("pci-liveupdate kexec" refuses a command line without liveupdate=on).
plu_data_drain
KERNEL=$kb INITRD=$ib NEXT_CMDLINE=$(printf '%s\n' "$NEXT_CMDLINE" | sed 's/\(^\| \)liveupdate=on\( \|$\)/\1\2/') \
	plu-systemctl-kexec
exit 1
