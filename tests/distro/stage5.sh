#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Distro test, stage 5: $REL_B, booted without liveupdate=on (issue 25).
# LUO is built in but off: the module refuses to load, and that must
# leave the boot clean (is-system-running "running", no failed unit).
# Then remove and purge the packages and look for what they left.
. /run/plu/bin/distro-lib.sh
plu_boot_facts s5
plu_note s5_cmdline "$(cat /proc/cmdline)"
plu_emit s5_luo_dev sh -c 'test -e /dev/liveupdate && echo present || echo absent'
plu_emit s5_loaded sh -c 'test -e /sys/module/pci_liveupdate && echo loaded || echo absent'
plu_lines s5_modules_load systemctl show -p ActiveState -p Result systemd-modules-load.service
plu_lines s5_modules_load_journal journalctl -b -u systemd-modules-load.service -o cat --no-pager
plu_lines s5_unit systemctl show -p ActiveState -p Result -p ConditionResult pci-liveupdate.service
plu_dmesg_count s5_disabled "Live Update is disabled"

# What the packages leave: after remove, after purge.
leftovers() {
	find / -xdev \( -name '*pci-liveupdate*' -o -name '*pci_liveupdate*' \) \
		-not -path '/var/log/*' -not -path '/var/lib/dpkg/info/*' 2>/dev/null | sort
	ls -d /var/lib/dkms/pci-liveupdate 2>/dev/null
	systemctl list-unit-files --no-legend 'pci-liveupdate*' 2>/dev/null
}
plu_run s5_remove env DEBIAN_FRONTEND=noninteractive apt-get remove -y pci-liveupdate-dkms pci-liveupdate
plu_lines s5_left_remove leftovers
plu_initrd_modules s5_initrd_a_removed "/boot/initrd.img-$REL_A"
plu_initrd_modules s5_initrd_b_removed "/boot/initrd.img-$REL_B"
plu_run s5_purge env DEBIAN_FRONTEND=noninteractive apt-get purge -y pci-liveupdate-dkms pci-liveupdate
plu_lines s5_left_purge leftovers
plu_lines s5_dpkg_left sh -c "dpkg -l 'pci-liveupdate*' 2>/dev/null | grep -E '^[a-z][a-z] ' || true"
exit 0
