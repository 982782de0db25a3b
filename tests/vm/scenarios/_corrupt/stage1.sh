# Arm the module's fault injection (module parameter fault_inject=1, mode
# from plu_fault= on the command line) so the outgoing image is corrupted
# at LUO freeze, then live-update.  corrupt-* break the image; hostile-*
# make a well-formed one (header CRC resealed) that lies about its record
# block.
. /usr/bin/plu-lib.sh
mode=$(sed -n 's/.*plu_fault=\([a-z-]*\).*/\1/p' /proc/cmdline)
# Reload with the knob: an idle module unloads and loads cleanly.
rmmod pci_liveupdate || exit 1
insmod /lib/modules/pci_liveupdate.ko fault_inject=1 || exit 1
set -- $(plu_endpoints)
plu_emit mark1 pci-liveupdate mark "$1" "$2"
plu_emit out1 pci-liveupdate list --outgoing --json
if echo "$mode" >/sys/kernel/debug/pci_liveupdate/fault; then
	plu_note armed "$mode"
else
	plu_note armed "cannot arm '$mode'"
	exit 1
fi
plu-make-initrd || exit 1
pci-liveupdate kexec --session bad --kernel "$KERNEL" --initrd "$INITRD" --append "$NEXT_CMDLINE"
exit 1
