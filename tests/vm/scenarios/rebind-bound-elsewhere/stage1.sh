# A --rebind device that another driver claims first in the next kernel:
# the NVMe is moved to pci-stub here and marked --rebind; the next kernel's
# built-in nvme driver binds it at boot, before the module is loaded
# (plu_noload).
. /usr/bin/plu-lib.sh
BDF=0000:01:00.0
D=/sys/bus/pci/devices/$BDF
plu_wait_driver "$BDF" nvme 300 ||
	{ echo "$BDF: not bound to nvme after 300 s"; exit 1; }
plu_bind_override "$BDF" pci-stub || exit 1
drv=$(readlink "$D/driver")
plu_note driver1 "${drv##*/}"
plu_emit mark1 pci-liveupdate mark --rebind "$BDF"
plu_emit out1 pci-liveupdate list --outgoing --json
plu-make-initrd || exit 1
pci-liveupdate kexec --session elsewhere --kernel "$KERNEL" --initrd "$INITRD" \
	--append "$NEXT_CMDLINE plu_noload"
exit 1
