# SPDX-License-Identifier: GPL-2.0
# Helpers of the distro test's stages (tests/distro/stageN.sh), on top of
# tests/vm/plu-lib.sh (plu_emit, plu_note, ...; results to the data port
# ttyS1).  Both come to the guest as --bin files, in /run/plu/bin.
. /run/plu/bin/plu-lib.sh

# The devices the test marks (tests/distro/topology.args): an endpoint on
# the root bus and one behind a root port.
PLU_MARK="0000:00:02.0 0000:01:00.0"
# The SR-IOV PF (issue 24): stage 1 gives it two VFs, on vfio-pci and on
# pci-stub, and marks it --with-vfs; pci-liveupdate-restore-vfs.service,
# enabled as the admin would, re-creates them after the systemctl kexec.
SRIOV_PF=0000:02:00.0
# The fd store entry of the other service, and the session of the CLI path.
FDSTORE_UNIT=plu-fdstore-test.service
FDSTORE_RESULT=/run/plu-fdstore-test.result
CLI_SESSION=plu-distro
# The second kernel release of the image (tests/distro/mkimage.sh): DKMS
# has not built for it, its headers package waits in /var/local/plu.
REL=$(uname -r)
REL_A=${REL%-b}
REL_B=$REL_A-b

# plu_join: stdin's lines as one, joined by " | ".
plu_join() { tr -d '\r' | awk 'NR > 1 { printf " | " } { printf "%s", $0 }'; }

# plu_lines NAME CMD...: like plu_emit, the output's lines joined by " | ".
plu_lines() {
	name=$1
	shift
	out=$("$@" 2>&1)
	rc=$?
	plu_record "$name" "$rc" "$(printf '%s\n' "$out" | plu_join)"
	printf '%s rc=%d:\n%s\n' "$name" "$rc" "$out"
	return 0
}

# plu_run NAME CMD...: run a long command (apt, dkms) with its output on
# the console; record its exit status and its last lines.
plu_run() {
	name=$1
	shift
	echo "== $name: $*"
	"$@" >"/run/plu-stage/$name.log" 2>&1
	rc=$?
	cat "/run/plu-stage/$name.log"
	plu_record "$name" "$rc" "$(tail -n 8 "/run/plu-stage/$name.log" | plu_join)"
	return 0
}

# plu_boot_facts PREFIX: what this boot says about the load order and LUO.
# PREFIX_order: the kernel log lines that order the module's load against
# PID 1's start and LUO (the host checks their order);
# PREFIX_no_handler: how many "No registered handler" lines LUO printed.
plu_boot_facts() {
	plu_note "$1_kernel" "$REL"
	plu_lines "$1_order" sh -c "dmesg | grep -E 'pci_liveupdate|liveupdate|luo_|KHO:|Run /init|systemd\[1\]: systemd [0-9]|running in system mode|Switching root' | grep -v 'Command line'"
	plu_dmesg_count "$1_no_handler" "No registered handler"
	plu_emit "$1_running" systemctl is-system-running --wait
	plu_lines "$1_failed" systemctl --failed --plain --no-legend
	plu_note "$1_boot_id" "$(cat /proc/sys/kernel/random/boot_id)"
}

# plu_initrd_modules NAME INITRD: the pci_liveupdate files in INITRD and its
# conf/modules (what its /init loads early).
plu_initrd_modules() {
	d=/run/plu-stage/initrd.$$
	rm -rf "$d"
	unmkinitramfs "$2" "$d" >/dev/null 2>&1
	plu_lines "$1" sh -c "cd '$d' && find . -name 'pci_liveupdate*' | sort; find . -path '*conf/modules' -exec cat {} + | sed 's/^/conf\/modules: /'"
	rm -rf "$d"
}

# plu_mark_devices PREFIX: record sysfs, mark $PLU_MARK, record the set.
plu_mark_devices() {
	plu_note "$1_sysfs" "$(plu_sysfs_json)"
	plu_emit "$1_mark" pci-liveupdate mark $PLU_MARK
	plu_emit "$1_outgoing" pci-liveupdate list --outgoing --json
}

# plu_dkms_version: the DKMS version of the installed pci-liveupdate-dkms
# (the name of the source tree it ships; its Debian version may differ).
plu_dkms_version() {
	dpkg -L pci-liveupdate-dkms | sed -n 's|^/usr/src/pci-liveupdate-\([^/]*\)$|\1|p' | head -n 1
}

# plu_deb_variant VERSION broken|"" OUT: the pci-liveupdate-dkms .deb of
# the test as version VERSION, in OUT; with "broken", its module source
# does not compile (an upgrade whose DKMS build fails).
plu_deb_variant() {
	d=/run/plu-stage/variant.$$
	rm -rf "$d"
	dpkg-deb -R /run/plu/bin/pci-liveupdate-dkms_*_all.deb "$d" &&
		sed -i "s/^Version: .*/Version: $1/" "$d/DEBIAN/control" || return 1
	if [ "$2" = broken ]; then
		echo '#error "distro test: a deliberately broken build"' >>"$(echo "$d"/usr/src/pci-liveupdate-*/src/main.c)"
	fi
	dpkg-deb --root-owner-group -b "$d" "$3" >/dev/null
	rc=$?
	rm -rf "$d"
	return $rc
}

# plu_vf_state: "VF:DRIVER:OVERRIDE ..." for each VF of $SRIOV_PF, then
# numvfs=N autoprobe=N vfio_pci=loaded|absent: what sysfs says, the
# test's own oracle.
plu_vf_state() {
	local p=/sys/bus/pci/devices/$SRIOV_PF l v drv ovr
	for l in "$p"/virtfn*; do
		[ -e "$l" ] || continue
		v=$(readlink -f "$l")
		drv=-
		[ -e "$v/driver" ] && drv=$(basename "$(readlink "$v/driver")")
		ovr=$(cat "$v/driver_override")
		printf '%s:%s:%s ' "${v##*/}" "$drv" "${ovr:--}"
	done
	printf 'numvfs=%s autoprobe=%s vfio_pci=%s' "$(cat "$p/sriov_numvfs")" \
		"$(cat "$p/sriov_drivers_autoprobe")" \
		"$(test -d /sys/module/vfio_pci && echo loaded || echo absent)"
}

# plu_vf_bind N DRIVER: VF N of $SRIOV_PF to DRIVER, as an admin giving
# VFs to guests does (plu-lib.sh's plu_bind_override).
plu_vf_bind() {
	local v
	v=$(readlink -f "/sys/bus/pci/devices/$SRIOV_PF/virtfn$1") &&
		plu_bind_override "${v##*/}" "$2"
}

# plu_vf_setup: VFs 0 and 1 of $SRIOV_PF on vfio-pci (its module loaded
# first, as an admin does) and pci-stub; VF autoprobe off while they
# appear, on again after.
plu_vf_setup() {
	local p=/sys/bus/pci/devices/$SRIOV_PF
	modprobe vfio-pci &&
		echo 0 >"$p/sriov_drivers_autoprobe" &&
		echo 2 >"$p/sriov_numvfs" &&
		plu_vf_bind 0 vfio-pci && plu_vf_bind 1 pci-stub &&
		echo 1 >"$p/sriov_drivers_autoprobe"
}
