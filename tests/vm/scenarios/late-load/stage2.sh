# The module is loaded only after /dev/liveupdate was first opened: LUO
# found no handler for our preserved file.  What docs/testing.md "Failure handling"
# promises: LUO says so, /dev/liveupdate fails with EIO for the rest of the
# boot, the incoming set is still readable, the module cannot be unloaded.
. /usr/bin/plu-lib.sh
plu_note loaded_at_start "$(grep -c '^pci_liveupdate ' /proc/modules)"
# the first open of /dev/liveupdate, before the module is there
(exec 3</dev/liveupdate) 2>/dev/null
plu_note first_open_rc $?
plu_emit insmod_late insmod /lib/modules/pci_liveupdate.ko
plu_emit status2 pci-liveupdate status --json
plu_emit in2 pci-liveupdate list --incoming --json
(exec 3</dev/liveupdate) 2>/dev/null
plu_note second_open_rc $?
plu_emit retrieve_late pci-liveupdate retrieve --session late --finish
plu_dmesg_count no_handler_log "No registered handler for compatible 'pci-liveupdate-fd-v1'"
plu_emit rmmod_late rmmod pci_liveupdate
exit 0
