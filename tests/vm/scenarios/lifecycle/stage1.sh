# Lifecycle misuse on the first kernel: frozen set refuses changes, no
# incoming data to retrieve, unload refused while a file is preserved,
# clean unload and reload (CLI load, libkmod) when idle.
. /usr/bin/plu-lib.sh
rmmod pci_liveupdate || exit 1
insmod /lib/modules/pci_liveupdate.ko fault_inject=1 || exit 1
set -- $(plu_endpoints)
plu_emit mark_a pci-liveupdate mark "$1"
echo freeze >/sys/kernel/debug/pci_liveupdate/fault || exit 1
plu_emit status_frozen pci-liveupdate status --json
plu_emit mark_frozen pci-liveupdate mark "$2"
plu_emit unmark_frozen pci-liveupdate unmark "$1"
echo thaw >/sys/kernel/debug/pci_liveupdate/fault || exit 1
plu_emit mark_thawed pci-liveupdate mark "$2"
plu_emit status_thawed pci-liveupdate status --json
plu_emit retrieve_none pci-liveupdate retrieve --session nothing
plu_emit lifecycle_test lifecycle_test
plu_emit rmmod_idle rmmod pci_liveupdate
plu_emit insmod_again pci-liveupdate load --ko /lib/modules/pci_liveupdate.ko
plu_emit load_again pci-liveupdate load --ko /lib/modules/pci_liveupdate.ko
plu_emit status_reloaded pci-liveupdate status --json
plu_emit mark_b pci-liveupdate mark "$1" "$2"
plu-make-initrd || exit 1
pci-liveupdate kexec --session lc --kernel "$KERNEL" --initrd "$INITRD" --append "$NEXT_CMDLINE"
exit 1
