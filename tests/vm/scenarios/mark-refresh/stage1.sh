# A bridge tracked only for a device below it (AUTO) records its driver
# then; when it is marked itself later, its record must say what it is
# now, not what it was: here its driver is unbound in between.
. /usr/bin/plu-lib.sh
rp=0000:00:04.0 nvme=0000:01:00.0
plu_emit mark_child pci-liveupdate mark "$nvme"
plu_emit out_auto pci-liveupdate list --outgoing --json
echo "$rp" >/sys/bus/pci/drivers/pcieport/unbind || exit 1
plu_note rp_driver "$(basename "$(readlink /sys/bus/pci/devices/$rp/driver 2>/dev/null)")"
plu_emit mark_rp pci-liveupdate mark "$rp"
plu_emit out_marked pci-liveupdate list --outgoing --json
exit 0
