# A marked device hot-removed while the preserved image is frozen: the
# sealed image must not change (LUO may already have handed it over); the
# removal reaches the image at thaw.  luo_session_test holds a LUO session
# with /dev/pci_liveupdate preserved while held.sh runs; debugfs "freeze"
# and "thaw" run the LUO freeze callbacks without a reboot, and "image"
# shows the outgoing header.
. /usr/bin/plu-lib.sh
rmmod pci_liveupdate || exit 1
insmod /lib/modules/pci_liveupdate.ko fault_inject=1 || exit 1
plu_emit mark1 pci-liveupdate mark 0000:01:00.0 0000:00:02.0
plu_emit out1 pci-liveupdate list --outgoing --json
D=/sys/kernel/debug/pci_liveupdate
plu_emit img_idle cat $D/image
cat >/tmp/held.sh <<HELD
. /usr/bin/plu-lib.sh
plu_emit img_preserved cat $D/image
echo freeze >$D/fault || exit 1
plu_emit img_frozen cat $D/image
plu_emit status_frozen pci-liveupdate status --json
plu-device-del nvme1 0000:01:00.0 || exit 1
plu_note removed_while_frozen yes
plu_emit img_removed cat $D/image
plu_emit status_removed pci-liveupdate status --json
plu_emit out_removed pci-liveupdate list --outgoing --json
echo thaw >$D/fault || exit 1
plu_emit img_thawed cat $D/image
plu_emit status_thawed pci-liveupdate status --json
plu_emit out_thawed pci-liveupdate list --outgoing --json
HELD
luo_session_test hold frz sh /tmp/held.sh
plu_note hold_rc $?
plu_dmesg_count removed_log "0000:01:00.0: removed"
plu_emit img_closed cat $D/image
plu_emit status_closed pci-liveupdate status --json
