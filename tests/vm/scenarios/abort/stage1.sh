# Close the session before reboot: the KHO image is freed (kmemleak clean
# on the debug kernel), marks stay, and preserving again works.
. /usr/bin/plu-lib.sh
set -- $(plu_endpoints)
plu_emit mark1 pci-liveupdate mark "$1" "$2"
plu-make-initrd || exit 1
plu_emit kexec_abort pci-liveupdate kexec --no-reboot --session ab --kernel "$KERNEL" --initrd "$INITRD" --append "$NEXT_CMDLINE"
plu_emit status1 pci-liveupdate status --json
plu_dmesg_count unpreserve_log "outgoing set unpreserved"
plu_emit kmemleak plu-kmemleak-check
plu_emit out1 pci-liveupdate list --outgoing --json
pci-liveupdate kexec --session ab --kernel "$KERNEL" --initrd "$INITRD" --append "$NEXT_CMDLINE"
exit 1
