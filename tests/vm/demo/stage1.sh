# make demo, first kernel: mark devices and live-update.
. /usr/bin/plu-lib.sh
show() { tag=$1; shift; "$@" 2>&1 | sed "s/^/@@$tag@@ /" >"$PLU_DATA"; plu_data_drain; }
plu_enable_vfs
vf=$(plu_vfs | cut -d' ' -f1)
show step1 echo "pci-liveupdate mark $(plu_endpoints)"
show step1 pci-liveupdate mark $(plu_endpoints)
show step1 echo "pci-liveupdate mark $vf   (a VF: refused by design)"
show step1 pci-liveupdate mark "$vf"
show before pci-liveupdate list
show before pci-liveupdate status
plu-make-initrd || exit 1
show step2 pci-liveupdate kexec --session demo --kernel "$KERNEL" --initrd "$INITRD" --append "$NEXT_CMDLINE"
exit 1
