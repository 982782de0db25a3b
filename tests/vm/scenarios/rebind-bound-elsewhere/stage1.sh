# A --rebind device that another driver claims first in the next kernel:
# the NVMe is moved to pci-stub here and marked --rebind; the next kernel's
# built-in nvme driver binds it at boot, before the module is loaded
# (plu_noload).
. /usr/bin/plu-lib.sh
BDF=0000:01:00.0
D=/sys/bus/pci/devices/$BDF
# wait_driver NAME SECONDS - poll until the device is bound to NAME (nvme
# probes asynchronously; idle, it is bound well within a second).
wait_driver() {
	end=$(($(cut -d. -f1 /proc/uptime) + $2))
	while :; do
		drv=$(readlink "$D/driver") && [ "${drv##*/}" = "$1" ] && return 0
		[ "$(cut -d. -f1 /proc/uptime)" -lt "$end" ] || return 1
		sleep 0.2
	done
}
wait_driver nvme 300 || { echo "$BDF: not bound to nvme after 300 s"; exit 1; }
echo pci-stub >"$D/driver_override" || exit 1
echo "$BDF" >"$D/driver/unbind" || exit 1
echo "$BDF" >/sys/bus/pci/drivers_probe || exit 1
drv=$(readlink "$D/driver")
plu_note driver1 "${drv##*/}"
plu_emit mark1 pci-liveupdate mark --rebind "$BDF"
plu_emit out1 pci-liveupdate list --outgoing --json
plu-make-initrd || exit 1
pci-liveupdate kexec --session elsewhere --kernel "$KERNEL" --initrd "$INITRD" \
	--append "$NEXT_CMDLINE plu_noload"
exit 1
