# A driver whose name is longer than the 16 bytes kept across the update
# (plu_test_long_stub, 18): MARK --rebind must be refused, since the cut
# name would become the device's driver_override in the next kernel and
# never match a driver again.  MARK without --rebind records the device,
# its driver name flagged as truncated.
. /usr/bin/plu-lib.sh
BDF=0000:00:03.0	# virtio-rng, nothing depends on it
D=/sys/bus/pci/devices/$BDF
plu_emit insmod_stub insmod /usr/bin/plu_test_long_stub.ko
plu_bind_override "$BDF" plu_test_long_stub || exit 1
drv=$(readlink "$D/driver")
plu_note driver1 "${drv##*/}"
plu_emit mark_rebind sh -c "pci-liveupdate mark --rebind $BDF 2>&1"
plu_dmesg_count long_name_log "driver name 'plu_test_long_stub' is longer than 16 bytes: cannot be rebound after the update"
plu_emit mark_plain pci-liveupdate mark "$BDF"
plu_emit out1 pci-liveupdate list --outgoing --json
plu-make-initrd || exit 1
pci-liveupdate kexec --session longname --kernel "$KERNEL" --initrd "$INITRD" \
	--append "$NEXT_CMDLINE"
exit 1
