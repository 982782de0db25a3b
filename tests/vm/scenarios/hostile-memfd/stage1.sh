# A CRC-valid header whose record block address is a folio that another
# LUO user preserved in the same session: a memfd (LUO's memfd handler
# preserves its folios in place).  luo_session_test preserves the memfd
# and /dev/pci_liveupdate in one session, arms the debugfs fault
# "body-phys ADDR" with the address of a page of the memfd and reboots
# into the kernel loaded here while it holds the session.
. /usr/bin/plu-lib.sh
rmmod pci_liveupdate || exit 1
insmod /lib/modules/pci_liveupdate.ko fault_inject=1 || exit 1
set -- $(plu_endpoints)
plu_emit mark1 pci-liveupdate mark "$1" "$2"
plu_emit out1 pci-liveupdate list --outgoing --json
plu-make-initrd || exit 1
kexec -s -l "$KERNEL" --initrd="$INITRD" --command-line="$NEXT_CMDLINE" || exit 1
plu-drain-console
# Writes its own data line (@@memfd1 ...), then reboots.
luo_session_test memfd-kexec hostile >"$PLU_DATA"
exit 1
