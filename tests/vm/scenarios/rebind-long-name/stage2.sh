# The record came through without REBIND: no driver_override with the cut
# name may appear, and 'pci-liveupdate rebind' has nothing to do.
. /usr/bin/plu-lib.sh
BDF=0000:00:03.0
D=/sys/bus/pci/devices/$BDF
plu_note override2 "$(cat "$D/driver_override")"
drv=$(readlink "$D/driver")
plu_note driver2 "${drv##*/}"
plu_emit in2 pci-liveupdate list --incoming --json
plu_dmesg_count override_log "driver_override set to"
plu_emit rebind_named sh -c "pci-liveupdate rebind $BDF 2>&1"
plu_emit rebind_all sh -c "pci-liveupdate rebind 2>&1"
plu_note override2b "$(cat "$D/driver_override")"
plu_emit retrieve2 pci-liveupdate retrieve --session longname --finish --json
exit 0
