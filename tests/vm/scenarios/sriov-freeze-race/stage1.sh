# The kexec of a PF marked with its VFs while sriov_numvfs toggles (issue
# 24): LUO's freeze seals the image at whatever point of an enable, a bind,
# an unbind or a disable it lands, and collects nothing then; the records
# the bus notifier wrote through to the image since the preserve are what
# the next kernel gets.  sriov_race_test in its PLU_RACE_FREEZE mode
# preserves /dev/pci_liveupdate in LUO session "sfr", then (bounded by
# cycles) enables the PF's 2 VFs, binds VF 0 to pci-stub through its
# driver_override, unbinds it and disables them; after 3 such cycles, all
# written through to the image, it creates the ready file and the stage
# kexecs while it goes on.  Before that, a quiet check that the outgoing
# record follows an enable and a disable after the mark.
. /usr/bin/plu-lib.sh
PF=0000:02:00.0
P=/sys/bus/pci/devices/$PF
READY=/tmp/sfr-ready
plu_wait_driver "$PF" nvme 300 || { echo "$PF: no nvme after 300 s"; exit 1; }
echo 0 >"$P/sriov_drivers_autoprobe" || exit 1
echo 0 >"$P/sriov_numvfs" || exit 1
plu_emit mark1 pci-liveupdate mark --with-vfs "$PF"
echo 2 >"$P/sriov_numvfs" || exit 1
VF0=$(basename "$(readlink "$P/virtfn0")")
VF1=$(basename "$(readlink "$P/virtfn1")")
plu_note vfs1 "$VF0 $VF1"
plu_note vfids1 "$(cat "/sys/bus/pci/devices/$VF0/vendor") $(cat "/sys/bus/pci/devices/$VF0/device")"
plu_emit out1a pci-liveupdate list --outgoing --json
echo 0 >"$P/sriov_numvfs" || exit 1
plu_emit out1b pci-liveupdate list --outgoing --json

# The toggler records how it ended only if it ended before the kernel went
# away: out of cycles (rc 2) or a step refused (rc 1), with the set's state.
rm -f "$READY" "$READY.end"
(
	PLU_RACE_FREEZE=$READY PLU_RACE_CYCLES=${PLU_TOGGLE_CYCLES:-400} sriov_race_test
	rc=$?
	read -r st </sys/class/misc/pci_liveupdate/state
	plu_note toggler_end "$rc $st"
	: >"$READY.end"
) &
toggler=$!
end=$(($(cut -d. -f1 /proc/uptime) + 600))
while [ ! -e "$READY" ]; do
	[ ! -e "$READY.end" ] || { echo "the toggler ended before it was ready"; exit 1; }
	[ "$(cut -d. -f1 /proc/uptime)" -lt "$end" ] ||
		{ echo "the toggler is not ready after 600 s"; kill "$toggler"; exit 1; }
	sleep 0.2
done
plu_note toggler_ready "$(cat /sys/class/misc/pci_liveupdate/state)"
plu-kexec
kill "$toggler"
exit 1
