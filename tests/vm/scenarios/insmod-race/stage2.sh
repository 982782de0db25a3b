# Load the module while a racer finishes the LUO session the moment
# /dev/pci_liveupdate appears (issue 11: the file handler was registered
# before the incoming set was fetched; a finish in between underflowed
# LUO's FLB refcount and kept the KHO memory).  insmod_race_test loads the
# module itself and records which consistent outcome happened.
. /usr/bin/plu-lib.sh
plu_note loaded_at_start "$(grep -c '^pci_liveupdate ' /proc/modules)"
PLU_RACE_SESSION=ir insmod_race_test
race_rc=$?	# not "rc": plu_emit sets that one
plu_note insmod_race_rc "$race_rc"
plu_note outcome "$(cat /tmp/insmod-race.outcome 2>/dev/null)"
plu_emit status2 pci-liveupdate status --json
plu_emit in2 pci-liveupdate list --incoming --json
plu_dmesg_count no_handler_log "No registered handler for compatible 'pci-liveupdate-fd-v1'"
plu_dmesg_count refcount_log "refcount_t"
plu_emit retrieve_after pci-liveupdate retrieve --session ir --finish
exit $race_rc
