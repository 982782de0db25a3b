# Mark every endpoint (all root buses, behind root ports and bridges, the
# SR-IOV PF); VFs must be refused; live-update through the CLI.
. /usr/bin/plu-lib.sh
plu_enable_vfs || exit 1
plu_emit sysfs1 plu_sysfs_json
plu_emit mark1 pci-liveupdate mark $(plu_endpoints)
for vf in $(plu_vfs); do
	plu_emit mark_vf pci-liveupdate mark "$vf"
done
plu_dmesg_count vf_log "VFs cannot be preserved"
plu_emit status1 pci-liveupdate status --json
plu_emit out1 pci-liveupdate list --outgoing --json
plu-make-initrd || exit 1
pci-liveupdate kexec --session rt1 --kernel "$KERNEL" --initrd "$INITRD" --append "$NEXT_CMDLINE"
exit 1
