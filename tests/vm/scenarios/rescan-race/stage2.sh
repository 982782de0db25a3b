# Remove and rescan the bridges above incoming devices while threads read
# the verdicts through LIST_INCOMING, QUERY and debugfs (issue 11: the
# topology walk of a verdict ran without the PCI rescan lock; KASAN on the
# debug kernel reports the use-after-free).  Then finish the session.
. /usr/bin/plu-lib.sh
# Fewer cycles on the debug kernel: about 15 s each there, 0.3-0.6 s on the
# fast one.
[ -e /sys/kernel/debug/kmemleak ] && export PLU_RACE_CYCLES=${PLU_RACE_CYCLES:-12}
rescan_race_test
race_rc=$?	# not "rc": plu_emit sets that one
plu_note rescan_race_rc "$race_rc"
plu_emit sysfs2 plu_sysfs_json
plu_emit in2 pci-liveupdate list --incoming --json
plu_emit retrieve2 pci-liveupdate retrieve --session rr --finish --json
plu_emit status2 pci-liveupdate status --json
exit $race_rc
