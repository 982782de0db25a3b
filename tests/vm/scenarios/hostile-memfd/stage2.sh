# The header is rejected before the module takes the folio it points at:
# one log line, STATUS rejected, and the memfd comes back whole from the
# session, its page at the same address, still in use after the session
# (and with it the FLB) finished.  Marking for the next update works.
. /usr/bin/plu-lib.sh
plu_emit status2 pci-liveupdate status --json
plu_emit in2 pci-liveupdate list --incoming --json
plu_dmesg_count reject_log "incoming device set rejected"
plu_note reject_line "$(dmesg | grep -m 1 'incoming device set rejected')"
plu_emit memfd2 luo_session_test memfd-retrieve hostile
plu_dmesg_count restore_fail_log "Unable to restore folio"
plu_dmesg_count warn_log "WARNING:"
plu_emit status2b pci-liveupdate status --json
set -- $(plu_endpoints)
plu_emit mark2 pci-liveupdate mark "$1"
plu_emit out2 pci-liveupdate list --outgoing --json
