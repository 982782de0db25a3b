# The incoming set is there before the session is retrieved, equals what
# was marked, and verdicts are ok; then a second live update of a subset.
. /usr/bin/plu-lib.sh
plu_emit sysfs2 plu_sysfs_json
plu_emit status2a pci-liveupdate status --json
plu_emit in2 pci-liveupdate list --incoming --json
plu_emit retrieve2 pci-liveupdate retrieve --session rt1 --finish --json
plu_emit status2b pci-liveupdate status --json
plu_emit retrieve2_again pci-liveupdate retrieve --session rt1 --finish
plu_enable_vfs || exit 1
nvme=
for d in $(plu_endpoints); do
	case $(cat /sys/bus/pci/devices/$d/class) in 0x0108*) nvme="$nvme $d" ;; esac
done
plu_emit mark2 pci-liveupdate mark $nvme
plu_emit out2 pci-liveupdate list --outgoing --json
plu-make-initrd || exit 1
pci-liveupdate kexec --session rt2 --kernel "$KERNEL" --initrd "$INITRD" --append "$NEXT_CMDLINE"
exit 1
