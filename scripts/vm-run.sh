#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the test kernel in QEMU, run stage scripts across kexec hops, watch
# the serial console, and say whether everything passed.  Options: usage()
# below (vm-run.sh --help); the harness as a whole: docs/harness.md.
set -euo pipefail
. "$(dirname "$0")/common.sh"

usage() {
	cat <<'EOF'
usage: vm-run.sh [options] --stage1 FILE [--stage2 FILE] [--stage3 FILE]...

Boots the LUO test kernel in QEMU (q35) and runs stage N's script after the
Nth boot; a stage kexecs into the next one (plu-kexec), the last returns.
The harness (stage environment and helpers, console markers, host requests,
deadlines, the verdict, adding a scenario) is described in docs/harness.md.

Options:
  --stageN FILE          stage N's script (N = 1, 2, 3, ...; no gaps)
  --flavor FLAVOR        kernel flavor: fast (default), debug (KASAN,
                         lockdep, kmemleak), cfi (kCFI) or kcsan (KCSAN)
  --kernel-dir DIR       a scripts/build-kernel.sh output dir to boot
  --topology NAME|FILE   QEMU devices: tests/vm/topologies/NAME.args or FILE
                         (default: default)
  --qemu-args "ARGS"     extra QEMU arguments; without --topology they
                         replace the topology
  --module KO|none       module insmod'ed at every boot (default
                         pci_liveupdate.ko when built)
  --bin FILE             add FILE to the guest's /usr/bin (repeatable)
  --append "ARGS"        extra kernel command line
  --log FILE             serial console log (default WORKDIR/serial.log)
  --timeout SECONDS      bound of the whole run (default 1200 fast, 3600
                         debug; at least 40 times the first boot's time)
  --stage-timeout SECONDS
                         bound of each stage from its START marker (default
                         none)
  --probe-every SECONDS  after that much console silence, and as often
                         while it lasts, ask QEMU for the vCPUs' state; a
                         vCPU wedged by a lost EOI on 3 probes in a row
                         ends the run (exit 5; default 30)
  --expect-oops REGEX    the run must have exactly one oops whose first
                         line matches REGEX; it is left out of the splat
                         check
  --mem SIZE             guest memory (default 1G fast, 2G debug)
  --rootfs IMAGE         boot a real distro instead of the initramfs lab:
                         IMAGE is a raw ext4 root file system (e.g.
                         tests/distro/mkimage.sh), on virtio-blk as
                         /dev/vda through a qcow2 overlay (IMAGE is not
                         changed); kernel and initramfs from its /boot. The
                         stages run from plu-stage.service; --bin files go
                         to /run/plu/bin; no --module, --kernel-dir, --flavor
  --keep                 keep the work dir on success too
  -v, --verbose          copy the serial console to stdout while it runs
  -h, --help             this text

PLU_ACCEL=kvm|tcg forces the accelerator (default: KVM when usable).
Exit status: 0 passed; 1 a stage failed or the log has a splat; 2 usage
error; 3 timeout; 4 infrastructure failure; 5 QEMU wedged a vCPU (a lost
EOI), nothing failed in the guest before.
EOF
}

flavor=fast kdir='' topology='' qemu_extra='' module=auto bins=() append=''
log='' timeout='' stage_timeout='' mem='' keep=0 verbose=0 expect_oops=''
rootfs='' flavor_given=0 probe_every=30
declare -A stage_file=()
while [ $# -gt 0 ]; do
	case $1 in
	--stage[1-9]|--stage[1-9][0-9]) [ $# -ge 2 ] || { usage >&2; exit 2; }
		stage_file[${1#--stage}]=$2; shift 2 ;;
	--flavor) flavor=${2:-} flavor_given=1; shift 2 || { usage >&2; exit 2; } ;;
	--kernel-dir) kdir=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
	--topology) topology=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
	--qemu-args) qemu_extra=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
	--module) module=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
	--bin) bins+=("${2:-}"); shift 2 || { usage >&2; exit 2; } ;;
	--append) append=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
	--log) log=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
	--timeout) timeout=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
	--stage-timeout) stage_timeout=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
	--mem) mem=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
	--probe-every) probe_every=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
	--expect-oops) expect_oops=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
	--rootfs) rootfs=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
	--keep) keep=1; shift ;;
	-v|--verbose) verbose=1; shift ;;
	-h|--help) usage; exit 0 ;;
	*) printf 'vm-run.sh: unknown option %s\n\n' "$1" >&2; usage >&2; exit 2 ;;
	esac
done

bad_usage() { printf 'vm-run.sh: %s (see --help)\n' "$*" >&2; exit 2; }
infra() { printf '[vm-run] error: %s\n' "$*" >&2; exit 4; }
if [ -n "$rootfs" ]; then
	# A full distro boots slower than the lab's initramfs, and compiles.
	[ -f "$rootfs" ] || bad_usage "--rootfs $rootfs: no such file"
	[ "$flavor_given" = 0 ] && [ -z "$kdir" ] ||
		bad_usage "--rootfs boots the kernel of the image: no --flavor or --kernel-dir"
	case $module in auto|none) module=none ;; *) bad_usage "--rootfs: the image loads its own module (no --module)" ;; esac
	: "${timeout:=3600}" "${mem:=2G}"
fi
case $flavor in
fast|cfi) : "${timeout:=1200}" "${mem:=1G}" ;;
debug|kcsan) : "${timeout:=3600}" "${mem:=2G}" ;;
*) bad_usage "--flavor must be fast, debug, cfi or kcsan" ;;
esac
[[ $timeout =~ ^[1-9][0-9]*$ ]] || bad_usage "--timeout wants seconds"
[ -z "$stage_timeout" ] || [[ $stage_timeout =~ ^[1-9][0-9]*$ ]] ||
	bad_usage "--stage-timeout wants seconds"
[[ $probe_every =~ ^[1-9][0-9]*$ ]] || bad_usage "--probe-every wants seconds"
[ ${#stage_file[@]} -gt 0 ] || bad_usage "--stage1 is required"
nstages=${#stage_file[@]}
for ((n = 1; n <= nstages; n++)); do
	[ -n "${stage_file[$n]:-}" ] || bad_usage "stages must be 1..N without gaps (no --stage$n)"
	[ -f "${stage_file[$n]}" ] || bad_usage "--stage$n ${stage_file[$n]}: no such file"
done

# Topology: a file of QEMU arguments, '#' comments.
topo_args=()
if [ -n "$topology" ] || [ -z "$qemu_extra" ]; then
	tfile=${topology:-default}
	[[ $tfile == */* ]] || tfile=$PLU_TOP/tests/vm/topologies/$tfile.args
	[ -f "$tfile" ] || bad_usage "no topology file $tfile"
	read -ra topo_args <<<"$(sed 's/#.*//' "$tfile" | tr '\n' ' ')"
fi
read -ra extra_args <<<"$qemu_extra"

if [ "$module" = auto ]; then
	module=none
	[ -f "$PLU_TOP/pci_liveupdate.ko" ] && module=$PLU_TOP/pci_liveupdate.ko
fi
[ "$module" = none ] || [ -f "$module" ] || bad_usage "--module $module: no such file"
for b in "${bins[@]}"; do [ -f "$b" ] || bad_usage "--bin $b: no such file"; done
# (A distro guest has its own CLI and kexec, from its packages.)
[ -z "$rootfs" ] && [ -x "$PLU_TOP/tools/pci-liveupdate" ] && bins+=("$PLU_TOP/tools/pci-liveupdate")

plu_need_pkgs qemu-system-x86 kexec-tools python3 coreutils
[ -z "$rootfs" ] && bins+=("$(command -v kexec || echo /usr/sbin/kexec)")
[ -n "$rootfs" ] && plu_need_pkgs e2fsprogs qemu-utils

if [ -n "$rootfs" ]; then
	:
elif [ -z "$kdir" ]; then
	kdir=$("$PLU_TOP/scripts/build-kernel.sh" --flavor "$flavor") || infra "kernel build failed"
fi
[ -n "$rootfs" ] || [ -f "$kdir/bzImage" ] || infra "no bzImage in $kdir"

work=$(mktemp -d "${TMPDIR:-/tmp}/plu-vm.XXXXXX")
: "${log:=$work/serial.log}"
mkdir -p "$(dirname "$log")"
: >"$log"
log=$(cd "$(dirname "$log")" && pwd)/$(basename "$log")
qpid='' tailpid='' result=4
cleanup() {
	[ -n "$qpid" ] && kill -KILL "$qpid" 2>/dev/null
	[ -n "$tailpid" ] && kill "$tailpid" 2>/dev/null
	[ -n "${QMP_PID:-}" ] && kill "$QMP_PID" 2>/dev/null
	if [ "$keep" = 1 ] || [ "$result" != 0 ]; then
		printf '[vm-run] work dir kept: %s\n' "$work" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# rootfs_boot_files IMAGE: the kernel and initramfs of IMAGE's /boot, read
# with debugfs (no mount), to $work/vmlinuz and $work/initrd.img: the one
# kernel there, or the one /vmlinuz points to.
rootfs_boot_files() {
	local img=$1 rels rel
	rels=$(debugfs -R 'ls -p /boot' "$img" 2>/dev/null |
		awk -F/ '$6 ~ /^vmlinuz-/ { sub(/^vmlinuz-/, "", $6); print $6 }')
	[ -n "$rels" ] || infra "--rootfs $img: not an ext4 image with /boot/vmlinuz-*"
	if [ "$(wc -l <<<"$rels")" -gt 1 ]; then
		rel=$(debugfs -R 'stat /vmlinuz' "$img" 2>/dev/null |
			sed -n 's/.*Fast link dest: "\(.*\)".*/\1/p')
		rel=${rel##*vmlinuz-}
		grep -qxF -- "$rel" <<<"$rels" ||
			infra "--rootfs $img: several kernels in /boot and no /vmlinuz link to one of them"
	else
		rel=$rels
	fi
	debugfs -R "dump /boot/vmlinuz-$rel $work/vmlinuz" "$img" >/dev/null 2>&1 &&
		debugfs -R "dump /boot/initrd.img-$rel $work/initrd.img" "$img" >/dev/null 2>&1 &&
		[ -s "$work/vmlinuz" ] && [ -s "$work/initrd.img" ] ||
		infra "--rootfs $img: cannot read /boot/vmlinuz-$rel and /boot/initrd.img-$rel"
	plu_log "vm-run: --rootfs $img, kernel $rel from its /boot"
}

if [ -n "$rootfs" ]; then
	# The stages disk: the runner, its helpers, the stages and the --bin
	# files, as an ext4 image labelled plu-stages (mkfs.ext4 -d).
	mkdir -p "$work/plu/bin"
	cp "$PLU_TOP/tests/distro/guest/plu-stage-runner" "$work/plu/" &&
		cp "$PLU_TOP"/tests/distro/guest/bin/* "${bins[@]}" "$work/plu/bin/" ||
		infra "cannot assemble the stages disk"
	for ((n = 1; n <= nstages; n++)); do cp "${stage_file[$n]}" "$work/plu/stage$n.sh"; done
	size=$(($(du -sm "$work/plu" | cut -f1) + 16))
	mkfs.ext4 -q -F -L plu-stages -d "$work/plu" "$work/stages.img" "${size}M" >/dev/null ||
		infra "mkfs.ext4 of the stages disk failed"
	rootfs=$(cd "$(dirname "$rootfs")" && pwd)/$(basename "$rootfs")
	rootfs_boot_files "$rootfs"
	# Writes go to an overlay in the work dir: the image stays as it was
	# (it is a cache entry, and other runs may boot it at the same time).
	qemu-img create -q -f qcow2 -F raw -b "$rootfs" "$work/root.qcow2" ||
		infra "qemu-img create of the overlay failed"
	boot_files=(-kernel "$work/vmlinuz" -initrd "$work/initrd.img")
else
	stage_opts=()
	for ((n = 1; n <= nstages; n++)); do stage_opts+=(--stage "$n:${stage_file[$n]}"); done
	bin_opts=()
	for b in "${bins[@]}"; do bin_opts+=(--bin "$b"); done
	"$PLU_TOP/scripts/mkinitramfs.sh" --kernel "$kdir/bzImage" --out "$work/initramfs.cpio.gz" \
		--module "$module" "${bin_opts[@]}" "${stage_opts[@]}" 2>"$work/mkinitramfs.log" ||
		{ cat "$work/mkinitramfs.log" >&2; infra "mkinitramfs.sh failed"; }
	boot_files=(-kernel "$kdir/bzImage" -initrd "$work/initramfs.cpio.gz")
fi

# host_tsc_khz - the host's TSC rate in kHz, when its kernel knows it
# (tsc_known_freq) and /proc/cpuinfo's "cpu MHz" is that rate (no
# aperfmperf, as in a VM); nothing otherwise.
host_tsc_khz() {
	awk -F': *' '/^flags/ && f == "" { f = " " $2 " " }
		/^cpu MHz/ && m == "" { m = $2 }
		END { if (f ~ / tsc_known_freq / && f !~ / aperfmperf / && m + 0 > 0)
			printf "%d\n", m * 1000 + 0.5 }' /proc/cpuinfo
}

accel=(-accel tcg)
[ "$(plu_accel)" = kvm ] && accel=(-accel kvm -cpu host)
# no_timer_check: the IO-APIC timer test at boot counts ticks against a
# delay loop, and a TCG guest on a busy host misses them and panics ("IO-APIC
# + timer doesn't work!", seen beside a kernel build); a VM's timer works.
# tsc=nowatchdog: the clocksource watchdog's CPU skew check (Linux 7.2 on)
# spins in a timer on one vCPU for the other to answer an IPI, timing out
# on a clock that, before the switch to tsc-early, only the other vCPU
# advances; when that vCPU is in stop_machine() for the very switch (IRQs
# off, waiting for the first), the guest hangs for good.  Starved vCPU
# threads on a busy host make that window wide (seen beside two kernel
# builds: boot 2 stuck after "hpet: 3 channels", vCPU 0 in
# watchdog_check_skew(), vCPU 1 in stop_machine_yield()).  QEMU's TSC is the
# host's monotonic clock, the same on every vCPU: there is nothing to watch.
base="console=ttyS0 liveupdate=on panic=-1 printk.devkmsg=on no_timer_check tsc=nowatchdog"
# tsc_early_khz: under TCG the guest's TSC is the host's, but the guest
# measures its rate against the PIT at boot; a vCPU starved in that loop
# has come out at 130 MHz for a 2300 MHz TSC (seen beside CI and a kernel
# build), and as nothing watches the TSC then, the guest's clock, and so
# every in-guest deadline, ran 17 times too fast.  The host's kernel knows
# the rate when it has tsc_known_freq; the verdict checks every boot's.
host_khz=$(host_tsc_khz)
[ "${accel[1]}" = tcg ] && [ -n "$host_khz" ] && base+=" tsc_early_khz=$host_khz"
cmdline="$base retain_initrd plu_stage=1"
# A distro guest: its root disk, and its own initramfs in /boot for a kexec.
[ -n "$rootfs" ] && cmdline="root=/dev/vda rw $base plu_stage=1"
# KHO sizes its scratch areas at 200% of the memory the kernel reserved
# early; with KASAN's shadow in that they do not fit in the 2G guest and
# KHO (and so LUO) turns itself off; even 100% fails now and then (as the
# kernel's place varies).  Fixed sizes, 640M in all, always fit and hold
# the next kernel's early allocations (KASAN shadow included).
# (Not acpi=noirq against the debug kernel's slow pxb _PRT, see the ACPI
# note below: it stops ACPI hotplug, and device_del then never completes.)
[ "$flavor" = debug ] && cmdline+=" kho_scratch=128M,128M,384M"
cmdline+=${append:+ $append}
qemu=(qemu-system-x86_64 -M q35 -smp 2 -m "$mem" "${accel[@]}"
	-nographic -nodefaults -no-reboot
	-chardev "file,id=con0,path=$log" -serial chardev:con0
	-qmp "unix:$work/qmp.sock,server=on,wait=off"
	-qmp "unix:$work/probe.sock,server=on,wait=off"
	"${boot_files[@]}" -append "$cmdline"
	"${topo_args[@]}" "${extra_args[@]}")
# The distro guest's disks come last and without addr=, so that they take
# free slots whatever the topology; the root disk first, so it is vda.
[ -n "$rootfs" ] && qemu+=(
	-drive "file=$work/root.qcow2,format=qcow2,if=none,id=plu-root,cache=unsafe"
	-device virtio-blk-pci,drive=plu-root,id=plu-root-dev,bus=pcie.0
	-drive "file=$work/stages.img,format=raw,if=none,id=plu-stages,readonly=on"
	-device virtio-blk-pci,drive=plu-stages,id=plu-stages-dev,bus=pcie.0)
printf '%q ' "${qemu[@]}" >"$work/qemu.cmd"; echo >>"$work/qemu.cmd"

# QMP client for the host-request channel (scripts/qmp.py), started at the
# first request.  A copy, taken now: the run uses the harness as it was
# when it started, even if the checkout changes meanwhile.
cp "$PLU_TOP/scripts/qmp.py" "$work/qmp.py" || infra "cannot copy scripts/qmp.py"

# ---- run ----
# Times in microseconds since the epoch (EPOCHREALTIME without its decimal
# point, whatever the locale's): now_us sets $now, secs US prints a span in
# seconds, since the seconds since QEMU's start (called as $(since), it
# leaves the caller's $now alone).
now_us() { now=${EPOCHREALTIME//[!0-9]/}; }
secs() { printf '%d.%d' $(($1 / 1000000)) $(($1 % 1000000 / 100000)); }
now_us; t0=$now
since() { now_us; secs $((now - t0)); }
if [ -n "$rootfs" ]; then
	plu_log "vm-run: $nstages stage(s), rootfs $(basename "$rootfs"), ${accel[1]}, log $log"
else
	plu_log "vm-run: $nstages stage(s), $flavor kernel, ${accel[1]}, log $log"
fi
# QEMU runs as the child of a helper shell that reaps it at once (a zombie
# would look alive to tail --pid) and then reports its exit status.
exec {qfd}< <("${qemu[@]}" </dev/null >"$work/qemu.log" 2>&1 & echo "$!"; wait "$!"; echo "$?")
read -r qpid <&"$qfd"
exec {tfd}< <(exec tail -n +1 -F --pid="$qpid" "$log" 2>/dev/null)
tailpid=$!
# Deadlines (microseconds since the epoch):
# - the whole run's, counted from QEMU's start: --timeout, raised to
#   boot_mult times the first boot's time to /init once that is known.  A
#   scenario takes a handful of boots' time, so 40 boots leave a wide
#   margin however busy the host was during the boot; the --timeout floor
#   covers load that comes later.
# - the running stage's (--stage-timeout), from its START marker to its
#   RESULT or PLU-KEXEC marker.
boot_mult=40
run_deadline=$((t0 + timeout * 1000000)) run_bound="${timeout}s (--timeout)"
stage_deadline='' stage_timed=''
declare -A st_start=() st_end=() st_rc=() st_kexec=()
killed_for='' host_reqs=0
# stage_clock_stop N - stage N is done (result or kexec): stop its clock.
stage_clock_stop() { [ "$stage_timed" = "$1" ] && stage_deadline='' stage_timed=''; return 0; }
on_line() {
	local l=${1%$'\r'} id n
	[ "$verbose" = 1 ] && printf '%s\n' "$l"
	case $l in
	*PLU-STAGE*|*PLU-HOST*|*PLU-KEXEC*) ;;
	*) return 0 ;;
	esac
	if [[ $l =~ PLU-STAGE\ ([0-9]+)\ START ]]; then
		n=${BASH_REMATCH[1]}
		[ -n "${st_start[$n]:-}" ] && return 0
		now_us
		st_start[$n]=$(secs $((now - t0)))
		if [ "$n" = 1 ] && [ $(((now - t0) * boot_mult)) -gt $((run_deadline - t0)) ]; then
			run_deadline=$((t0 + (now - t0) * boot_mult))
			run_bound="$(secs $((run_deadline - t0)))s (${boot_mult}x the first boot's ${st_start[1]}s, more than --timeout $timeout)"
		fi
		if [ -n "$stage_timeout" ]; then
			stage_deadline=$((now + stage_timeout * 1000000)) stage_timed=$n
		fi
	elif [[ $l =~ PLU-STAGE\ ([0-9]+)\ RESULT\ rc=([0-9]+) ]]; then
		n=${BASH_REMATCH[1]}
		[ -n "${st_rc[$n]:-}" ] && return 0
		st_rc[$n]=${BASH_REMATCH[2]} st_end[$n]=$(since)
		stage_clock_stop "$n"
		printf '[vm-run] +%ss stage %s: rc=%s\n' "${st_end[$n]}" "$n" "${st_rc[$n]}" >&2
	elif [[ $l =~ PLU-KEXEC\ stage\ ([0-9]+) ]]; then
		n=${BASH_REMATCH[1]}
		st_kexec[$n]=$(since)
		stage_clock_stop "$n"
	elif [[ $l =~ PLU-HOST\ device_del\ ([^[:space:]]+) ]]; then
		id=${BASH_REMATCH[1]}
		host_reqs=$((host_reqs + 1))
		if [[ ! $id =~ ^[A-Za-z0-9_.-]+$ ]]; then
			echo "error device_del $id: bad id" >>"$work/host-requests.log"
			return 0
		fi
		if [ -z "${QMP_PID:-}" ]; then
			coproc QMP { exec /usr/bin/python3 "$work/qmp.py" "$work/qmp.sock" "$work/host-requests.log"; }
		fi
		printf '[vm-run] +%ss guest asks: device_del %s\n' "$(since)" "$id" >&2
		printf 'device_del %s\n' "$id" >&"${QMP[1]:-}" ||
			echo "error device_del $id: QMP client gone" >>"$work/host-requests.log"
	elif [[ $l =~ PLU-HOST ]]; then
		host_reqs=$((host_reqs + 1))
		echo "error unknown request: ${l#*PLU-HOST }" >>"$work/host-requests.log"
	fi
}
# probe_cpus - the vCPUs' state (scripts/qmp.py --cpu-state, on a QMP
# socket of its own: the host-request channel may hold the first) in
# $probe_out, one line per vCPU and a "wedged" line for each vCPU that
# lost an EOI; QEMU's answers are added to WORKDIR/cpu-state.log.  Status
# 0 a vCPU is wedged, 1 none is, 2 QEMU did not answer.
probe_cpus() {
	local rc=0
	printf '== +%ss\n' "$(since)" >>"$work/cpu-state.log"
	probe_out=$(/usr/bin/python3 "$work/qmp.py" --cpu-state "$work/probe.sock" \
		"$work/cpu-state.log") || rc=$?
	return "$rc"
}
# A lost EOI (docs/harness.md) leaves a vCPU halted with an interrupt in
# service, deaf to the timer: the guest goes silent for good, and only
# the run's deadline, up to an hour away, would end it.  So once the
# console has been silent for --probe-every seconds, and as often while
# it stays silent, the vCPUs are probed; the same wedge on wedge_probes
# probes in a row ends the run (a line on the console starts over).
wedge_probes=3 wedge_seen='' wedge_size='' wedge_count=0 probe_out=''
probe_at=$((t0 + probe_every * 1000000))
# Read console lines until QEMU is gone (tail ends), a deadline passes or
# a vCPU is wedged: killed_for says which (run, stage or wedge).  A read
# that times out keeps what it got of a line in carry.
carry=''
while :; do
	now_us
	end=$run_deadline why=run
	if [ -n "$stage_deadline" ] && [ "$stage_deadline" -lt "$end" ]; then
		end=$stage_deadline why=stage
	fi
	[ "$end" -gt "$now" ] || { killed_for=$why; break; }
	if [ "$probe_at" -le "$now" ] && ! read -t 0 -u "$tfd"; then
		if probe_cpus; then
			w=$(grep '^wedged' <<<"$probe_out" || true)
			# Silent means the log did not grow from one probe to the next.
			size=$(stat -c %s "$log")
			if [ "$w" = "$wedge_seen" ] && [ "$size" = "$wedge_size" ]; then
				wedge_count=$((wedge_count + 1))
			else
				wedge_seen=$w wedge_size=$size wedge_count=1
			fi
		else
			wedge_seen='' wedge_count=0
		fi
		if [ "$wedge_count" -ge "$wedge_probes" ]; then
			killed_for=wedge
			break
		fi
		now_us
		probe_at=$((now + probe_every * 1000000))
		continue
	fi
	# Console output waits at the probe's time (a busy host): not silent;
	# read it, and probe later.
	[ "$probe_at" -le "$now" ] && probe_at=$((now + probe_every * 1000000))
	[ "$probe_at" -lt "$end" ] && end=$probe_at
	left=$((end - now))
	if IFS= read -r -t "$(printf '%d.%06d' $((left / 1000000)) $((left % 1000000)))" line <&"$tfd"; then
		on_line "$carry$line"
		carry=''
		now_us
		probe_at=$((now + probe_every * 1000000)) wedge_seen='' wedge_count=0
	else
		rc=$?
		# read timed out: check the deadlines again
		[ "$rc" -gt 128 ] && { carry+=$line; continue; }
		carry+=$line
		break
	fi
done
# What the last read got of a line: at the end; or at a deadline or a
# wedge, but then not as a host request (one cut off is none, and QEMU is
# on its way out).
if [ -n "$carry" ] && { [ -z "$killed_for" ] || [[ $carry != *PLU-HOST* ]]; }; then
	on_line "$carry"
fi
elapsed=$(since)
qrc=''
# At a deadline, what the vCPUs were doing, for the report.
case $killed_for in run|stage) probe_cpus || true ;; esac
if [ -n "$killed_for" ]; then
	kill -TERM "$qpid" 2>/dev/null || true
	# The helper shell prints QEMU's status once it is gone.
	read -r -t 5 qrc <&"$qfd" || { kill -KILL "$qpid" 2>/dev/null || true; }
fi
# tail ended, so QEMU is gone and reaped: its status comes at once; the
# bound only guards against a tail that died by itself.
[ -n "$qrc" ] || read -r -t 120 qrc <&"$qfd" || qrc=killed
exec {qfd}<&-
qpid=''
exec {tfd}<&-
kill "$tailpid" 2>/dev/null || true
tailpid=''
if [ -n "${QMP_PID:-}" ]; then
	[ -n "${QMP[1]:-}" ] && eval "exec ${QMP[1]}>&-"
	wait "$QMP_PID" 2>/dev/null || true
	QMP_PID=''
fi

# ---- verdict ----
# fail: the run failed; guest_fail: and something in the guest failed,
# more than the stages the end of the run left without a result.
fail=0 guest_fail=0
[ -z "$killed_for" ] && [ "$qrc" != 0 ] && [ -z "${st_start[1]:-}" ] && {
	tail -20 "$work/qemu.log" >&2
	infra "QEMU exited with $qrc before stage 1 (command in $work/qemu.cmd)"
}
for ((n = 1; n <= nstages; n++)); do
	what="stage $n ($(basename "${stage_file[$n]}")):"
	if [ "${st_rc[$n]:-}" = 0 ]; then
		msg="PASS"
	else
		fail=1
		if [ -n "${st_rc[$n]:-}" ]; then msg="FAIL rc=${st_rc[$n]}" guest_fail=1
		elif [ -n "${st_start[$n]:-}" ]; then msg="FAIL (no result)"
		else msg="FAIL (never started)"; fi
	fi
	[ -n "${st_start[$n]:-}" ] && msg+=", started +${st_start[$n]}s"
	[ -n "${st_end[$n]:-}" ] && msg+=", ended +${st_end[$n]}s"
	if [ -n "${st_kexec[$((n - 1))]:-}" ] && [ -n "${st_start[$n]:-}" ]; then
		msg+=", kexec hop $(awk -v a="${st_kexec[$((n - 1))]}" -v b="${st_start[$n]}" 'BEGIN { printf "%.1f", b - a }')s"
	fi
	printf '[vm-run] %s %s\n' "$what" "$msg"
	if [ "$msg" != PASS ] && [ "${msg#PASS,}" = "$msg" ] && [ -n "${st_start[$n]:-}" ]; then
		# printk (the markers) and tty output (the stage's) reach the
		# serial port in their own time: show what precedes the RESULT
		# marker (/init drains the tty before it), or the end of the log.
		echo "[vm-run]   last console lines of stage $n:"
		tr -d '\r' <"$log" | awk -v e="PLU-STAGE $n RESULT" '
			{ buf[NR % 25] = $0; last = NR }
			index($0, e) { exit }
			END { for (i = last - 24; i <= last; i++) if (i > 0) print buf[i % 25] }' | sed 's/^/    /'
	fi
done
# A failed stage's RESULT marker in the log that the run ended before
# reading (QEMU killed): the guest failed all the same.
if [ -n "$killed_for" ] && [ "$guest_fail" = 0 ] &&
	grep -qE 'PLU-STAGE [0-9]+ RESULT rc=[1-9]' "$log"; then
	fail=1 guest_fail=1
	echo "[vm-run] the serial log has a stage's RESULT rc=N (N > 0) that the run had not read"
fi
if [ -s "$work/host-requests.log" ] && grep -q '^error' "$work/host-requests.log"; then
	fail=1 guest_fail=1
	echo "[vm-run] host requests failed:"
	grep '^error' "$work/host-requests.log" | sed 's/^/[vm-run]   /'
fi
if [ -z "$killed_for" ] && [ "$qrc" != 0 ]; then
	fail=1
	echo "[vm-run] QEMU exited with status $qrc"
	[ -s "$work/qemu.log" ] && tail -n 5 "$work/qemu.log" | sed 's/^/  qemu: /'
fi
splat='BUG:|WARNING:|Oops|KASAN|UBSAN|Kernel panic|kernel BUG at|general protection fault|Call Trace:|---\[ end trace|possible circular locking|possible recursive locking|inconsistent lock state|bad unlock balance|suspicious RCU usage|lock held when returning|held lock freed|turning off the locking correctness validator|rcu_.*detected stalls|blocked for more than|unreferenced object|PLU-FAIL'
scan=$log
if [ -n "$expect_oops" ]; then
	# Leave the one expected oops out: from its first line to its end.
	scan=$work/serial.unexpected.log
	cut=$(tr -d '\r' <"$log" | awk -v re="$expect_oops" -v out="$scan" '
		state == 0 && $0 ~ re { state = 1; n++ }
		state == 1 { if ($0 ~ /---\[ end trace/) state = 2; next }
		$0 ~ re { n++ }
		{ print >out }
		END { printf "%d %d\n", n, state }')
	if [ "$cut" != "1 2" ]; then
		fail=1 guest_fail=1
		echo "[vm-run] --expect-oops: wanted one oops matching /$expect_oops/ that ends with '---[ end trace'; found ${cut% *} (state ${cut#* })"
	fi
	[ -f "$scan" ] || : >"$scan"
fi
if grep -qE "$splat" "$scan"; then
	fail=1 guest_fail=1
	echo "[vm-run] the serial log has kernel/harness errors (first ones, with context):"
	grep -nE -B3 -A12 "$splat" "$scan" | head -80 | sed 's/\r$//; s/^/  /'
fi
# Every boot's TSC rate, as the guest's kernel took it, against the host's
# (or, if the host's is unknown, the first boot's): a rate more than 2% off
# makes the guest's clock, its timeouts and its delays that much off.
mhz() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }
ref_khz=$host_khz ref_name="the host's" nboot=0
while read -r khz; do
	nboot=$((nboot + 1)) khz=$((10#$khz))
	[ -n "$ref_khz" ] || ref_khz=$khz ref_name="boot 1's"
	if [ $((khz * 50 < ref_khz * 49 || khz * 50 > ref_khz * 51)) = 1 ]; then
		fail=1 guest_fail=1
		echo "[vm-run] boot $nboot: the guest took its TSC for $(mhz "$khz") MHz, $ref_name is $(mhz "$ref_khz") MHz: its clock and every in-guest deadline are off by that much (docs/harness.md)"
	fi
done < <(tr -d '\r' <"$log" | sed -n 's/.*tsc: Detected \([0-9]*\)\.\([0-9][0-9][0-9]\) MHz processor.*/\1\2/p')
# Worth knowing, not failing on: with the debug kernel under TCG, ACPI's
# 30 s AML loop limit cuts the pxb's _PRT method short (kmemleak makes the
# interpreter that slow); the devices below it then lack INTx routing.
if grep -qE 'ACPI Error|AE_AML_LOOP_TIMEOUT' "$log"; then
	echo "[vm-run] note: $(grep -cE 'ACPI Error' "$log") 'ACPI Error' line(s) in the serial log, e.g.:"
	grep -m1 -E 'ACPI Error' "$log" | tr -d '\r' | sed 's/^/  /'
fi
if [ "$killed_for" = stage ]; then
	result=3
	echo "[vm-run] TIMEOUT in stage $stage_timed ($(basename "${stage_file[$stage_timed]}")) after ${stage_timeout}s (--stage-timeout; started +${st_start[$stage_timed]}s, QEMU killed +${elapsed}s); serial log: $log"
elif [ "$killed_for" = run ]; then
	result=3
	echo "[vm-run] TIMEOUT after $run_bound for the whole run (QEMU killed +${elapsed}s); serial log: $log"
elif [ "$killed_for" = wedge ] && [ "$guest_fail" = 0 ]; then
	result=5
	w=${wedge_seen%%$'\n'*}
	echo "[vm-run] WEDGED: vCPU ${w#wedged cpu } on $wedge_probes probes ${probe_every}s apart, the console silent: QEMU lost an EOI, not the guest (docs/harness.md); QEMU killed +${elapsed}s; serial log: $log"
elif [ "$fail" = 1 ]; then
	result=1
	echo "[vm-run] FAIL after ${elapsed}s; serial log: $log"
else
	result=0
	reqs=''
	[ "$host_reqs" -gt 0 ] && reqs=", $host_reqs host request(s)"
	shown=$log
	[ "$keep" = 0 ] && [ "${log#"$work"/}" != "$log" ] && shown="not kept (use --log or --keep)"
	echo "[vm-run] PASS: $nstages stage(s) in ${elapsed}s$reqs; serial log: $shown"
fi
if [ -n "$probe_out" ] && [ -n "$killed_for" ]; then
	echo "[vm-run] the vCPUs when QEMU was killed (QEMU's answers in $work/cpu-state.log):"
	sed 's/^/[vm-run]   /' <<<"$probe_out"
fi
exit "$result"
