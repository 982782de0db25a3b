# Verdicts: the next kernel renumbers buses (pci=assign-busses with room
# for hotplug), so devices behind bridges move; one device is marked with
# --rebind.
. /usr/bin/plu-lib.sh
plu_emit sysfs1 plu_sysfs_json
plu_emit mark1 pci-liveupdate mark $(plu_endpoints)
plu_emit unmark_rng pci-liveupdate unmark 0000:00:03.0
plu_emit mark_rebind pci-liveupdate mark --rebind 0000:00:03.0
plu_emit out1 pci-liveupdate list --outgoing --json
plu-make-initrd || exit 1
pci-liveupdate kexec --session vd --kernel "$KERNEL" --initrd "$INITRD" \
	--append "$NEXT_CMDLINE pci=assign-busses,hpbussize=8"
exit 1
