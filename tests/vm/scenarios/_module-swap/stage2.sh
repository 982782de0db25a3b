# Stage 2: module B meets the set module A wrote.  It accepts it (verdicts
# ok) or rejects it with its one clear line; either way the session
# finishes, nothing splats or leaks, and marking works afterwards.
. /usr/bin/plu-lib.sh
plu_swap_load 2 || exit 1
plu_emit sysfs2 plu_sysfs_json
plu_emit status2 pci-liveupdate status --json
plu_emit in2 pci-liveupdate list --incoming --json
plu_dmesg_count accept_log "incoming device set: "
plu_dmesg_count reject_log "incoming device set rejected"
plu_emit retrieve2 pci-liveupdate retrieve --session swap --finish --json
plu_emit status2b pci-liveupdate status --json
plu_dmesg_count released_log "incoming device set finished; KHO memory released"
[ -e /sys/kernel/debug/kmemleak ] && plu_emit kmemleak plu-kmemleak-check
set -- $(plu_endpoints)
plu_emit mark2 pci-liveupdate mark "$1"
plu_emit out2 pci-liveupdate list --outgoing --json
exit 0
