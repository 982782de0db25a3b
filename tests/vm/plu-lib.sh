# SPDX-License-Identifier: GPL-2.0
# Guest-side helpers for the VM scenarios; stage scripts source
# /usr/bin/plu-lib.sh.  Results go to the second serial port (ttyS1), which
# the host reads after the run (scripts/check.sh runs tests/vm/verify.py,
# which runs the scenario's check.py on them): the console carries kernel
# messages that could interleave with them.

PLU_DATA=/dev/ttyS1

# plu_data_drain - wait until what was written to the data port has left
# the UART (setting the tty attributes waits for that): a kexec drops what
# is still queued.
plu_data_drain() {
	m=$(stty -F "$PLU_DATA" -g 2>/dev/null) && stty -F "$PLU_DATA" "$m" 2>/dev/null
	return 0
}

# plu_record NAME RC TEXT - write one "@@NAME rc=RC@@ TEXT" result line
# (TEXT on one line) to the data port and wait until it has left.
plu_record() {
	printf '@@%s rc=%d@@ %s\n' "$1" "$2" "$3" >"$PLU_DATA"
	plu_data_drain
}

# plu_emit NAME CMD... - run CMD, record its exit code and its stdout (JSON
# from the CLI, kept on one line) as "@@NAME rc=RC@@ OUTPUT".
plu_emit() {
	name=$1
	shift
	out=$("$@")
	rc=$?
	plu_record "$name" "$rc" "$(printf '%s' "$out" | tr -d '\n')"
	printf '%s rc=%d: %s\n' "$name" "$rc" "$out"
	return 0
}

# plu_note NAME TEXT - record a fact the host checks.
plu_note() {
	plu_record "$1" 0 "$2"
}

# plu_dmesg_count NAME PATTERN - record how many kernel log lines match.
plu_dmesg_count() {
	plu_note "$1" "$(dmesg | grep -c -- "$2")"
}

# plu_enable_vfs - enable the VFs of every SR-IOV capable PF.
plu_enable_vfs() {
	for f in /sys/bus/pci/devices/*/sriov_totalvfs; do
		[ -r "$f" ] || continue
		d=${f%/sriov_totalvfs}
		[ "$(cat "$f")" -gt 0 ] || continue
		[ -e "$d/driver" ] || echo "$(basename "$d")" >/sys/bus/pci/drivers/pci-pf-stub/bind
		echo 0 >"$d/sriov_numvfs"
		cat "$f" >"$d/sriov_numvfs" || return 1
	done
}

# plu_endpoints - every PCI function that is not a bridge and not a VF.
plu_endpoints() {
	for d in /sys/bus/pci/devices/*; do
		[ -e "$d/physfn" ] && continue
		read -r cls <"$d/class"
		case $cls in 0x0604*|0x0600*) continue ;; esac
		printf '%s ' "${d##*/}"
	done
}

# plu_vfs - every VF.
plu_vfs() {
	for d in /sys/bus/pci/devices/*; do
		[ -e "$d/physfn" ] && printf '%s ' "${d##*/}"
	done
}

# plu_wait_driver BDF NAME SECONDS - poll until BDF is bound to the driver
# NAME, at most SECONDS (nvme probes asynchronously; idle, it is bound well
# within a second).
plu_wait_driver() {
	end=$(($(cut -d. -f1 /proc/uptime) + $3))
	while :; do
		drv=$(readlink "/sys/bus/pci/devices/$1/driver") &&
			[ "${drv##*/}" = "$2" ] && return 0
		[ "$(cut -d. -f1 /proc/uptime)" -lt "$end" ] || return 1
		sleep 0.2
	done
}

# plu_bind_override BDF DRIVER - bind BDF to DRIVER through its
# driver_override: unbind the driver it has, if any, and bind through
# DRIVER's bind file.  Not drivers_probe: it does nothing, and says
# nothing, while another driver's probe of the device is under way (a
# new VF's asynchronous nvme probe, failing with autoprobe off, sets the
# device's driver for that while); bind waits for the device lock and
# fails when the probe does.
plu_bind_override() {
	echo "$2" >"/sys/bus/pci/devices/$1/driver_override" || return 1
	if [ -e "/sys/bus/pci/devices/$1/driver" ]; then
		echo "$1" >"/sys/bus/pci/devices/$1/driver/unbind" || return 1
	fi
	echo "$1" >"/sys/bus/pci/drivers/$2/bind"
}

# plu_sysfs_json - what sysfs says about every PCI function, as JSON: the
# host's independent oracle for the records the module writes.
plu_sysfs_json() {
	sep=
	printf '['
	for d in /sys/bus/pci/devices/*; do
		# read, not $(cat ...): a fork costs a lot on the debug kernel
		read -r ven <"$d/vendor"; read -r dev <"$d/device"
		read -r sven <"$d/subsystem_vendor"; read -r sdev <"$d/subsystem_device"
		read -r cls <"$d/class"; read -r rev <"$d/revision"
		drv=
		[ -e "$d/driver" ] && drv=$(readlink "$d/driver") && drv=${drv##*/}
		vf=false
		[ -e "$d/physfn" ] && vf=true
		printf '%s{"bdf":"%s","vendor":"%s","device":"%s","subsystem_vendor":"%s","subsystem_device":"%s","class":"%s","revision":"%s","driver":"%s","vf":%s,"devpath":"%s"}' \
			"$sep" "${d##*/}" "$ven" "$dev" "$sven" "$sdev" "$cls" "$rev" \
			"$drv" "$vf" "$(readlink -f "$d")"
		sep=,
	done
	printf ']'
}

# plu_swap_load N - for the upgrade and downgrade scenarios (_module-swap):
# load the module plu_modules=A,B on the command line names for stage N
# ("release": the last release's, /usr/bin/pci_liveupdate-release.ko;
# "current": today's) and record which one it was and its MODULE_VERSION
# ("none" before 0.3.0).
plu_swap_load() {
	which=$(sed -n 's/.*plu_modules=\([a-z]*\),\([a-z]*\).*/\1 \2/p' /proc/cmdline |
		cut -d' ' -f"$1")
	case $which in
	release) ko=/usr/bin/pci_liveupdate-release.ko ;;
	current) ko=/lib/modules/pci_liveupdate.ko ;;
	*) plu_note "module$1" "plu_modules= names no module for stage $1"; return 1 ;;
	esac
	plu_note "module$1" "$which"
	plu_emit "insmod$1" insmod "$ko"
	plu_note "version$1" "$(cat /sys/module/pci_liveupdate/version 2>/dev/null || echo none)"
	grep -q '^pci_liveupdate ' /proc/modules
}
