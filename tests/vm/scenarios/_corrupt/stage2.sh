# The new kernel rejects the image with one log line (recorded, for its
# reason), keeps running without a WARNING, reports it in STATUS, and the
# next live update can still be prepared.
. /usr/bin/plu-lib.sh
plu_emit status2 pci-liveupdate status --json
plu_emit in2 pci-liveupdate list --incoming --json
plu_dmesg_count reject_log "incoming device set rejected"
plu_note reject_line "$(dmesg | grep -m 1 'incoming device set rejected')"
plu_dmesg_count warn_log "WARNING:"
plu_emit retrieve2 pci-liveupdate retrieve --session bad --finish --json
plu_emit status2b pci-liveupdate status --json
set -- $(plu_endpoints)
plu_emit mark2 pci-liveupdate mark "$1"
plu_emit out2 pci-liveupdate list --outgoing --json
