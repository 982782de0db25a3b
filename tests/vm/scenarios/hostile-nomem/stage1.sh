# Preserve two devices and live-update into a boot that leaves the
# loading of the module to its stage (plu_noload), so stage 2 can load it
# with the retrieve allocation failing.
. /usr/bin/plu-lib.sh
set -- $(plu_endpoints)
plu_emit mark1 pci-liveupdate mark "$1" "$2"
plu_emit out1 pci-liveupdate list --outgoing --json
plu-make-initrd || exit 1
pci-liveupdate kexec --session nomem --kernel "$KERNEL" --initrd "$INITRD" \
	--append "$NEXT_CMDLINE plu_noload"
exit 1
