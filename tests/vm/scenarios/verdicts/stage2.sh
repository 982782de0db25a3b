. /usr/bin/plu-lib.sh
plu_emit sysfs2 plu_sysfs_json
plu_emit in2a pci-liveupdate list --incoming --json
plu_note override "$(cat /sys/bus/pci/devices/0000:00:03.0/driver_override)"
echo 0000:00:02.0 >/sys/bus/pci/drivers/e1000e/unbind || exit 1
plu_emit in2b pci-liveupdate list --incoming --json
plu_emit query_unbound pci-liveupdate query 0000:00:02.0 --json
plu_emit retrieve2 pci-liveupdate retrieve --session vd --finish --json
