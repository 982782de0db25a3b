# Devices below bridges cross a live update: the virtio-rng behind the
# pcie-pci-bridge/pci-bridge chain (00:06.0, 03:01.0), the NVMe behind root
# port 00:04.0, and the e1000e on the root bus as a control.  Stage 2
# removes and rescans those bridges while the verdicts are read.
. /usr/bin/plu-lib.sh
# The recorded driver is the one bound now; nvme probes asynchronously.
end=$(($(cut -d. -f1 /proc/uptime) + 300))
for d in 0000:04:01.0 0000:01:00.0 0000:00:02.0; do
	until [ -e /sys/bus/pci/devices/$d/driver ]; do
		[ "$(cut -d. -f1 /proc/uptime)" -lt "$end" ] ||
			{ echo "rescan-race: no driver bound to $d after 300 s"; exit 1; }
		sleep 0.1
	done
done
plu_emit sysfs1 plu_sysfs_json
plu_emit mark1 pci-liveupdate mark 0000:04:01.0 0000:01:00.0 0000:00:02.0
plu_emit out1 pci-liveupdate list --outgoing --json
plu-make-initrd || exit 1
pci-liveupdate kexec --session rr --kernel "$KERNEL" --initrd "$INITRD" --append "$NEXT_CMDLINE"
exit 1
