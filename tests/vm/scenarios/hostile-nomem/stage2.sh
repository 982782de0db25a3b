# The allocation that decodes the incoming set fails (fault_retrieve_nomem):
# the FLB retrieve must still succeed for LUO (no WARN at finish), the set
# is reported rejected with -ENOMEM in one line, the session finishes, and
# marking for the next update works.
. /usr/bin/plu-lib.sh
plu_emit insmod_nomem insmod /lib/modules/pci_liveupdate.ko fault_inject=1 \
	fault_retrieve_nomem=1
plu_emit status2 pci-liveupdate status --json
plu_emit in2 pci-liveupdate list --incoming --json
plu_dmesg_count reject_log "incoming device set rejected"
plu_note reject_line "$(dmesg | grep -m 1 'incoming device set rejected')"
plu_emit retrieve2 pci-liveupdate retrieve --session nomem --finish --json
plu_emit status2b pci-liveupdate status --json
plu_dmesg_count finish_log "incoming device set finished"
plu_dmesg_count warn_log "WARNING:"
set -- $(plu_endpoints)
plu_emit mark2 pci-liveupdate mark "$1"
plu_emit out2 pci-liveupdate list --outgoing --json
exit 0
