# Hot-remove a marked device before the kexec: it leaves the outgoing set
# (with the root port above it), is counted, and the update still works.
. /usr/bin/plu-lib.sh
plu_emit mark1 pci-liveupdate mark 0000:01:00.0 0000:00:02.0 0000:02:00.0
plu_emit out1a pci-liveupdate list --outgoing --json
plu-device-del nvme1 0000:01:00.0 || exit 1
plu_emit status1 pci-liveupdate status --json
plu_emit out1b pci-liveupdate list --outgoing --json
plu_emit query_gone pci-liveupdate query 0000:01:00.0 --json
plu-make-initrd || exit 1
pci-liveupdate kexec --session hp --kernel "$KERNEL" --initrd "$INITRD" --append "$NEXT_CMDLINE"
exit 1
