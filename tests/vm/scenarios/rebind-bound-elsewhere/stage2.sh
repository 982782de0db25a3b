# nvme has the device before the module loads.  The module must say so and
# leave it (verdict driver-mismatch); 'pci-liveupdate rebind' moves it to
# the recorded pci-stub.
. /usr/bin/plu-lib.sh
BDF=0000:01:00.0
D=/sys/bus/pci/devices/$BDF
plu_note loaded_at_start "$(grep -c '^pci_liveupdate ' /proc/modules)"
plu_wait_driver "$BDF" nvme 300
plu_note nvme_first $?
# Nothing has opened /dev/liveupdate yet, so loading now is in time.
plu_emit insmod2 insmod /lib/modules/pci_liveupdate.ko
plu_emit in2a pci-liveupdate list --incoming --json
plu_dmesg_count honest_log "rebind: bound to nvme, not the recorded pci-stub"
plu_dmesg_count override_log "driver_override set to pci-stub"
plu_note override2a "$(cat "$D/driver_override")"
drv=$(readlink "$D/driver")
plu_note driver2a "${drv##*/}"
plu_emit rebind2 sh -c "pci-liveupdate rebind 2>&1"
drv=$(readlink "$D/driver")
plu_note driver2b "${drv##*/}"
plu_emit in2b pci-liveupdate list --incoming --json
plu_emit rebind2_again sh -c "pci-liveupdate rebind $BDF 2>&1"
plu_emit retrieve2 pci-liveupdate retrieve --session elsewhere --finish --json
exit 0
