# Stage 2: module B meets the set module A wrote.  It accepts it (verdicts
# ok) or rejects it with its one clear line; either way the session
# finishes, nothing splats or leaks, and marking works afterwards.  On the
# SR-IOV side: the kexec took the PF's VFs away, and nothing re-creates
# them by itself; restore-vfs of the PF restores what the set recorded for
# it, or, when the PF came without VF records (written by a module without
# SR-IOV, or rejected), refuses and changes nothing.  Then the PF gets one
# VF again and is marked with its VFs for the next update, which a module
# without MARK_WITH_VFS refuses.
. /usr/bin/plu-lib.sh
PF=0000:02:00.0
P=/sys/bus/pci/devices/$PF
plu_swap_load 2 || exit 1
for d in 0000:01:00.0 "$PF"; do
	plu_wait_driver "$d" nvme 300 || { echo "$d: no nvme after 300 s"; exit 1; }
done
plu_emit sysfs2 plu_sysfs_json
plu_note numvfs2 "$(cat "$P/sriov_numvfs")"
plu_emit status2 pci-liveupdate status --json
plu_emit in2 pci-liveupdate list --incoming --json
plu_dmesg_count accept_log "incoming device set: "
plu_dmesg_count reject_log "incoming device set rejected"
plu_dmesg_count reject_version_log "incoming device set rejected: unsupported wire version; nothing from it is trusted"
echo 0 >"$P/sriov_drivers_autoprobe" || exit 1
plu_emit restorepf2 sh -c "pci-liveupdate restore-vfs $PF 2>&1"
plu_emit restoreall2 sh -c "pci-liveupdate restore-vfs 2>&1"
plu_note numvfs2b "$(cat "$P/sriov_numvfs")"
plu_emit retrieve2 pci-liveupdate retrieve --session swap --finish --json
plu_emit status2b pci-liveupdate status --json
plu_dmesg_count released_log "incoming device set finished; KHO memory released"
[ -e /sys/kernel/debug/kmemleak ] && plu_emit kmemleak plu-kmemleak-check
echo 0 >"$P/sriov_numvfs" || exit 1
plu_emit vfs2 sh -c "echo 1 >$P/sriov_numvfs"
plu_emit markpf2 sh -c "pci-liveupdate mark --with-vfs $PF 2>&1"
set -- $(plu_endpoints)
plu_emit mark2 pci-liveupdate mark "$1"
plu_emit out2 pci-liveupdate list --outgoing --json
exit 0
