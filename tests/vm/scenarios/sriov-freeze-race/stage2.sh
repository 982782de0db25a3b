# The next kernel: the set arrived (LUO handed the image over, the PF is
# here) and the PF's SR-IOV record is the snapshot of one moment.  Checked
# on the host (check.py) against what stage 1 saw in sysfs.
. /usr/bin/plu-lib.sh
PF=0000:02:00.0
P=/sys/bus/pci/devices/$PF
plu_wait_driver "$PF" nvme 300 || { echo "$PF: no nvme after 300 s"; exit 1; }
plu_emit status2 pci-liveupdate status --json
plu_emit in2 pci-liveupdate list --incoming --json
plu_note numvfs2 "$(cat "$P/sriov_numvfs")"
plu_emit retrieve2 pci-liveupdate retrieve --session sfr --finish --json
plu_emit status2b pci-liveupdate status --json
exit 0
