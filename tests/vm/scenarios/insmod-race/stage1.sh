# Preserve two devices, then kexec into a kernel whose init does not load
# the module (plu_noload): stage 2 loads it while finishing the session.
. /usr/bin/plu-lib.sh
set -- $(plu_endpoints)
plu_emit mark1 pci-liveupdate mark "$1" "$2"
plu_emit out1 pci-liveupdate list --outgoing --json
plu-make-initrd || exit 1
pci-liveupdate kexec --session ir --kernel "$KERNEL" --initrd "$INITRD" \
	--append "$NEXT_CMDLINE plu_noload"
exit 1
